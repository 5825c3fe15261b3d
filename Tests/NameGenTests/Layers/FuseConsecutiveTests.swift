import Foundation
import XCTest
@testable import NameGen

/// The fuse step and the BatchNorm over every position of the hierarchical model, each checked
/// against the `Value` oracle (which builds the 3-D indexing explicitly) and finite differences.
final class FuseConsecutiveTests: NameGenTestCase {
    /// Fusing pairs of x (N, T, C) into (N, T/2, 2C), then a Linear (H, 2C): the oracle gathers
    /// out[n, t] = [x[n, 2t], x[n, 2t+1]] by index; the layer only reshapes.
    func testFuseThenLinearAgainstTheOracle() {
        let (n, t, c, h) = (3, 4, 5, 6)
        var rng = RandomGenerator(seed: 21)
        let x = randomMatrix(n * t, c, &rng)
        let linear = Linear(name: "l", inputs: 2 * c, outputs: h, bias: false, rng: &rng)
        let fused = FuseConsecutive.forward(x)
        XCTAssertEqual([fused.rows, fused.cols], [n * t / 2, 2 * c])
        var out = Matrix(rows: n * t / 2, cols: h)
        linear.forward(out: &out, input: fused)
        let dOut = randomMatrix(n * t / 2, h, &rng)
        var dFused = nanMatrix(n * t / 2, 2 * c)
        linear.backward(dInput: &dFused, dOut: dOut, input: fused)
        let dx = FuseConsecutive.backward(dFused)
        XCTAssertEqual([dx.rows, dx.cols], [n * t, c])
        // The oracle is written as plain loops over typed locals: Swift 6.0's type checker (the
        // arm64 toolchain) gives up on the same arithmetic written as nested map closures.
        let tensors = [CheckedTensor("x", x.data, dx.data), CheckedTensor("w", linear.weight.value.data, linear.weight.grad.data)]
        checkGradients(tensors, upstream: dOut.data, layerOutput: out.data) { (v: [[Value]]) -> [Value] in
            let xs: [Value] = v[0], w: [Value] = v[1]
            var result: [Value] = []
            for b in 0..<n {
                for p in 0..<(t / 2) {
                    // x[b, 2p, :] then x[b, 2p+1, :], read from the (N, T, C) layout by index.
                    var row: [Value] = []
                    for k in 0..<(2 * c) {
                        let position: Int = b * t + 2 * p + k / c
                        row.append(xs[position * c + k % c])
                    }
                    for o in 0..<h {
                        var terms: [Value] = []
                        for k in 0..<(2 * c) {
                            let weight: Value = w[o * 2 * c + k]
                            terms.append(row[k] * weight)
                        }
                        result.append(Value.sum(terms))
                    }
                }
            }
            return result
        }
    }

    /// BatchNorm over (N, T, C): statistics over batch and position together, the oracle
    /// indexing the 3-D tensor (PyTorch's BatchNorm1d on (N, C, T)).
    func testBatchNormOverEveryPosition() {
        let (n, t, c) = (3, 4, 5)
        var rng = RandomGenerator(seed: 22)
        let norm = BatchNorm(name: "bn", features: c)
        for j in 0..<c { norm.gamma.value.data[j] = 1 + 0.3 * rng.nextNormal(); norm.beta.value.data[j] = 0.3 * rng.nextNormal() }
        let x = randomMatrix(n * t, c, &rng, scale: 2)
        var cache = BatchNorm.Cache(batch: n * t, features: c)
        var out = Matrix(rows: n * t, cols: c)
        norm.forwardTraining(out: &out, cache: &cache, x: x)
        let dOut = randomMatrix(n * t, c, &rng)
        var dx = nanMatrix(n * t, c)
        norm.backward(dx: &dx, cache: &cache, dOut: dOut)
        checkGradients([CheckedTensor("x", x.data, dx.data), CheckedTensor("gamma", norm.gamma.value.data, norm.gamma.grad.data),
                        CheckedTensor("beta", norm.beta.value.data, norm.beta.grad.data)],
                       upstream: dOut.data, layerOutput: out.data) { v in
            let (xs, gamma, beta) = (v[0], v[1], v[2])
            var result = [Value](repeating: Value(0), count: n * t * c)
            for j in 0..<c {
                var column: [Value] = []
                for b in 0..<n { for p in 0..<t { column.append(xs[(b * t + p) * c + j]) } }
                let mean = Value.mean(column)
                let variance = Value.mean(column.map { ($0 - mean) * ($0 - mean) })
                let rstd = (variance + Double(BatchNorm.epsilon)).pow(-0.5)
                for b in 0..<n { for p in 0..<t { result[(b * t + p) * c + j] = gamma[j] * ((xs[(b * t + p) * c + j] - mean) * rstd) + beta[j] } }
            }
            return result
        }
        // The running variance uses the unbiased estimate over all N·T values, as PyTorch.
        let column0 = (0..<(n * t)).map { Double(x[$0, 0]) }
        let mean0 = column0.reduce(0, +) / Double(n * t)
        let unbiased = column0.map { ($0 - mean0) * ($0 - mean0) }.reduce(0, +) / Double(n * t - 1)
        XCTAssertEqual(Double(norm.runningVar[0]), 0.9 + 0.1 * unbiased, accuracy: 1e-5)
    }
}
