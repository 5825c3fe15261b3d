/// BatchNorm1d over the batch dimension, as PyTorch's `nn.BatchNorm1d(C)` (ε = 1e-5,
/// momentum 0.1):
///
///   training:  out = gamma · (x − mean_batch) / √(var_batch + ε) + beta  (biased var_batch)
///              running_mean ← 0.9·running_mean + 0.1·mean_batch
///              running_var  ← 0.9·running_var  + 0.1·var_batch·N/(N−1)  (unbiased, as PyTorch)
///   inference: the same with running_mean and running_var.
///
///   x (N, C) → out (N, C); gamma, beta, running statistics (C)
package final class BatchNorm {
    package static let epsilon: Float = 1e-5
    package static let momentum: Float = 0.1

    package let gamma: Parameter
    package let beta: Parameter
    /// Running statistics: state, not trained, saved in the checkpoint.
    package var runningMean: [Float]
    package var runningVar: [Float]

    /// Checkpoint names of the running statistics, beside `name.weight` (gamma) and `name.bias` (beta).
    package let runningMeanName: String
    package let runningVarName: String

    package init(name: String, features: Int) {
        runningMeanName = name + ".running_mean"
        runningVarName = name + ".running_var"
        gamma = Parameter(name: name + ".weight", value: Matrix(rows: 1, cols: features, data: [Float](repeating: 1, count: features)), isVector: true)
        beta = Parameter(name: name + ".bias", value: Matrix(rows: 1, cols: features), isVector: true)
        runningMean = [Float](repeating: 0, count: features)
        runningVar = [Float](repeating: 1, count: features)
    }

    package var features: Int { gamma.value.cols }
    package var parameters: [Parameter] { [gamma, beta] }

    /// What a training forward pass keeps for backward, and scratch for backward: allocate
    /// once per batch size.
    package struct Cache {
        /// the normalised input (N, C)
        var xhat: Matrix
        /// batch mean, variance and 1/√(var + ε), each (C)
        var mean: [Float], variance: [Float], rstd: [Float]
        var sumDy: [Float], sumDyXhat: [Float]

        package init(batch: Int, features: Int) {
            xhat = Matrix(rows: batch, cols: features)
            mean = [Float](repeating: 0, count: features)
            variance = mean; rstd = mean; sumDy = mean; sumDyXhat = mean
        }
    }

    /// Training forward: normalises with the batch statistics and updates the running ones.
    package func forwardTraining(out: inout Matrix, cache: inout Cache, x: Matrix) {
        BatchNormKernels.forwardTraining(out: &out, xhat: &cache.xhat, mean: &cache.mean, variance: &cache.variance,
                                         rstd: &cache.rstd, x: x, gamma: gamma.value.data, beta: beta.value.data,
                                         epsilon: Self.epsilon)
        let n = Float(x.rows)
        Self.updateRunningStatistics(mean: &runningMean, variance: &runningVar, batchMean: cache.mean,
                                     batchVariance: cache.variance, unbias: x.rows > 1 ? n / (n - 1) : 1)
    }

    /// running ← (1 − momentum)·running + momentum·batch (the variance unbiased by N/(N−1)).
    /// The arrays come in as inout arguments, so the loop makes one exclusive access to each
    /// rather than a checked access to a class property per element.
    private static func updateRunningStatistics(mean: inout [Float], variance: inout [Float], batchMean: [Float],
                                                batchVariance: [Float], unbias: Float) {
        let m = momentum
        for j in 0..<mean.count {
            mean[j] = (1 - m) * mean[j] + m * batchMean[j]
            variance[j] = (1 - m) * variance[j] + m * batchVariance[j] * unbias
        }
    }

    /// Adds into gamma.grad and beta.grad; overwrites dx (N, C).
    package func backward(dx: inout Matrix, cache: inout Cache, dOut: Matrix) {
        BatchNormKernels.backward(dx: &dx, dGamma: &gamma.grad.data, dBeta: &beta.grad.data,
                                  sumDy: &cache.sumDy, sumDyXhat: &cache.sumDyXhat, dy: dOut, xhat: cache.xhat,
                                  gamma: gamma.value.data, rstd: cache.rstd)
    }

    /// Inference forward on the running statistics.
    package func forwardInference(out: inout Matrix, x: Matrix) {
        BatchNormKernels.forwardInference(out: &out, x: x, mean: runningMean, variance: runningVar,
                                          gamma: gamma.value.data, beta: beta.value.data, epsilon: Self.epsilon)
    }
}
