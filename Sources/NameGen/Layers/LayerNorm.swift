/// LayerNorm over the last dimension, as PyTorch's `nn.LayerNorm(C)` (ε = 1e-5, biased variance):
///
///   out[n, c] = gamma[c] · (x[n, c] − mean[n]) / √(var[n] + ε) + beta[c]
///
///   x (N, C) → out (N, C); gamma, beta (C); mean and rstd (N) are kept for backward.
/// Initialised as PyTorch does: gamma 1, beta 0.
package final class LayerNorm {
    package static let epsilon: Float = 1e-5

    package let gamma: Parameter
    package let beta: Parameter

    package init(name: String, features: Int) {
        gamma = Parameter(name: name + ".weight", value: Matrix(rows: 1, cols: features, data: [Float](repeating: 1, count: features)), isVector: true)
        beta = Parameter(name: name + ".bias", value: Matrix(rows: 1, cols: features), isVector: true)
    }

    package var features: Int { gamma.value.cols }
    package var parameters: [Parameter] { [gamma, beta] }

    /// What forward keeps for backward: the mean and 1/√(var + ε) of each row (capacity rows).
    package struct Cache {
        var mean: [Float], rstd: [Float]

        package init(rows: Int) {
            mean = [Float](repeating: 0, count: rows)
            rstd = mean
        }
    }

    /// out (N, C) from x (N, C); writes the row statistics into `cache`.
    package func forward(out: inout Matrix, cache: inout Cache, x: Matrix) {
        LayerKernels.layerNormForward(out: &out, mean: &cache.mean, rstd: &cache.rstd, x: x,
                                            gamma: gamma.value.data, beta: beta.value.data, epsilon: Self.epsilon)
    }

    /// Adds into gamma.grad, beta.grad and dx (N, C) (the residual stream's gradient, which dx
    /// already holds); x and cache are those of the forward pass.
    package func backward(dx: inout Matrix, cache: Cache, dOut: Matrix, x: Matrix) {
        LayerKernels.layerNormBackward(dx: &dx, dGamma: &gamma.grad.data, dBeta: &beta.grad.data, dOut: dOut, x: x,
                                             mean: cache.mean, rstd: cache.rstd, gamma: gamma.value.data)
    }
}
