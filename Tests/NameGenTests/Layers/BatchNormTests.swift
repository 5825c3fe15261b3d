import Foundation
import XCTest
import NameGen

/// BatchNorm1d: the training-mode gradient (through the batch mean and variance) against the
/// `Value` oracle and finite differences, the running-statistics update against the definition
/// (momentum 0.1, unbiased batch variance), and the inference-mode output.
final class BatchNormTests: NameGenTestCase {
    /// A BatchNorm with gamma around 1 and beta around 0, both random (so that a backward that
    /// confused them, or ignored gamma, would show), and an input whose columns have different
    /// means and spreads.
    private func makeCase(n: Int, c: Int, seed: UInt64) -> (BatchNorm, Matrix, Matrix) {
        var rng = RandomGenerator(seed: seed)
        let norm = BatchNorm(name: "bn", features: c)
        for j in 0..<c {
            norm.gamma.value.data[j] = 1 + 0.5 * rng.nextNormal()
            norm.beta.value.data[j] = 0.5 * rng.nextNormal()
        }
        var x = Matrix(rows: n, cols: c)
        let offsets = (0..<c).map { _ in 2 * rng.nextNormal() }
        let spreads = (0..<c).map { _ in 0.5 + 2 * rng.nextFloat() }
        for r in 0..<n { for j in 0..<c { x[r, j] = offsets[j] + spreads[j] * rng.nextNormal() } }
        let dOut = randomMatrix(n, c, &rng)
        return (norm, x, dOut)
    }

    /// The training-mode forward as scalars: per column, mean = Σx/N, var = Σ(x − mean)²/N
    /// (biased), out = gamma·(x − mean)/√(var + ε) + beta.
    static func oracleBatchNorm(_ x: [Value], gamma: [Value], beta: [Value], n: Int, c: Int) -> [Value] {
        var out = [Value](repeating: Value(0), count: n * c)
        let eps = Double(BatchNorm.epsilon)
        for j in 0..<c {
            let column = (0..<n).map { x[$0 * c + j] }
            let mean = Value.mean(column)
            let centred = column.map { $0 - mean }
            let variance = Value.mean(centred.map { $0 * $0 })
            let rstd = (variance + eps).pow(-0.5)
            for r in 0..<n { out[r * c + j] = gamma[j] * (centred[r] * rstd) + beta[j] }
        }
        return out
    }

    private func checkTrainingGradients(n: Int, c: Int, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let (norm, x, dOut) = makeCase(n: n, c: c, seed: seed)
        var cache = BatchNorm.Cache(batch: n, features: c)
        var out = Matrix(rows: n, cols: c)
        norm.forwardTraining(out: &out, cache: &cache, x: x)
        var dx = nanMatrix(n, c)
        norm.backward(dx: &dx, cache: &cache, dOut: dOut)
        checkGradients([CheckedTensor("x", x.data, dx.data),
                        CheckedTensor("gamma", norm.gamma.value.data, norm.gamma.grad.data),
                        CheckedTensor("beta", norm.beta.value.data, norm.beta.grad.data)],
                       upstream: dOut.data, layerOutput: out.data, file: file, line: line) { v in
            Self.oracleBatchNorm(v[0], gamma: v[1], beta: v[2], n: n, c: c)
        }
    }

    func testTrainingGradients() {
        checkTrainingGradients(n: 6, c: 5, seed: 21)
    }

    /// A small batch (the batch statistics dominate the gradient) and more than 8 features.
    func testTrainingGradientsOfOtherShapes() {
        checkTrainingGradients(n: 3, c: 9, seed: 22)
        checkTrainingGradients(n: 11, c: 2, seed: 23)
    }

    /// backward adds into gamma.grad and beta.grad and overwrites dx.
    func testBackwardAddsIntoGammaAndBetaGradients() {
        let (norm, x, dOut) = makeCase(n: 4, c: 3, seed: 24)
        var cache = BatchNorm.Cache(batch: 4, features: 3)
        var out = Matrix(rows: 4, cols: 3), dx = nanMatrix(4, 3)
        norm.forwardTraining(out: &out, cache: &cache, x: x)
        norm.backward(dx: &dx, cache: &cache, dOut: dOut)
        let (g1, b1, dx1) = (norm.gamma.grad.data, norm.beta.grad.data, dx.data)
        norm.backward(dx: &dx, cache: &cache, dOut: dOut)
        XCTAssertEqual(norm.gamma.grad.data, g1.map { 2 * $0 })
        XCTAssertEqual(norm.beta.grad.data, b1.map { 2 * $0 })
        XCTAssertEqual(dx.data, dx1)
    }

    /// Running statistics start at mean 0, variance 1, and each training forward does
    ///   running_mean ← 0.9·running_mean + 0.1·mean_batch
    ///   running_var  ← 0.9·running_var  + 0.1·Σ(x − mean_batch)²/(N − 1)
    /// worked out here in Double from the batch itself, over three batches.
    func testRunningStatisticsFollowTheDefinition() {
        let n = 5, c = 4
        let (norm, _, _) = makeCase(n: n, c: c, seed: 25)
        XCTAssertEqual(norm.runningMean, [0, 0, 0, 0])
        XCTAssertEqual(norm.runningVar, [1, 1, 1, 1])
        var expectedMean = [Double](repeating: 0, count: c), expectedVar = [Double](repeating: 1, count: c)
        var cache = BatchNorm.Cache(batch: n, features: c)
        var out = Matrix(rows: n, cols: c)
        var rng = RandomGenerator(seed: 26)
        for batch in 0..<3 {
            let x = randomMatrix(n, c, &rng, scale: Float(batch + 1))
            norm.forwardTraining(out: &out, cache: &cache, x: x)
            for j in 0..<c {
                let column = (0..<n).map { Double(x[$0, j]) }
                let mean = column.reduce(0, +) / Double(n)
                let unbiased = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
                expectedMean[j] = 0.9 * expectedMean[j] + 0.1 * mean
                expectedVar[j] = 0.9 * expectedVar[j] + 0.1 * unbiased
            }
            assertClose(norm.runningMean, expectedMean, tolerance: GradientCheck.forwardTolerance, "running mean after batch \(batch)")
            assertClose(norm.runningVar, expectedVar, tolerance: GradientCheck.forwardTolerance, "running var after batch \(batch)")
        }

        // A batch of one has no unbiased variance; its variance counts as 0 (N/(N−1) is not applied).
        let single = BatchNorm(name: "one", features: 2)
        var cache1 = BatchNorm.Cache(batch: 1, features: 2)
        var out1 = Matrix(rows: 1, cols: 2)
        single.forwardTraining(out: &out1, cache: &cache1, x: Matrix(rows: 1, cols: 2, data: [3, -2]))
        assertClose(single.runningMean, [0.3, -0.2], tolerance: GradientCheck.forwardTolerance, "running mean, N = 1")
        assertClose(single.runningVar, [0.9, 0.9], tolerance: GradientCheck.forwardTolerance, "running var, N = 1")
    }

    /// Inference normalises with the running statistics, not the batch's:
    ///   out = gamma·(x − running_mean)/√(running_var + ε) + beta, worked out in Double.
    /// Inference must not change the running statistics.
    func testInferenceUsesRunningStatistics() {
        let n = 3, c = 5
        let (norm, x, _) = makeCase(n: n, c: c, seed: 27)
        norm.runningMean = [0.5, -1, 2, 0, 0.25]
        norm.runningVar = [0.5, 2, 1, 4, 0.3]
        var out = Matrix(rows: n, cols: c)
        norm.forwardInference(out: &out, x: x)
        var expected: [Double] = []
        for r in 0..<n {
            for j in 0..<c {
                let xhat = (Double(x[r, j]) - Double(norm.runningMean[j]))
                    / (Double(norm.runningVar[j]) + Double(BatchNorm.epsilon)).squareRoot()
                expected.append(Double(norm.gamma.value.data[j]) * xhat + Double(norm.beta.value.data[j]))
            }
        }
        assertClose(out.data, expected, tolerance: GradientCheck.forwardTolerance, "inference output")
        XCTAssertEqual(norm.runningMean, [0.5, -1, 2, 0, 0.25])
        XCTAssertEqual(norm.runningVar, [0.5, 2, 1, 4, 0.3])
    }
}
