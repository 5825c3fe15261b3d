import Foundation
import XCTest
import NameGen

/// SGD and AdamW updates against Double re-implementations of their formulas, for several steps
/// with changing gradients, both through the kernels (`VectorMath.sgdStep`, `adamwStep`) and
/// through `Optimizer`, which owns the moments and the bias-correction step count.
///
/// Tolerance: 1e-5 relative to max(|expected|, the tensor's scale) (see Support/GradientCheck.swift).
/// Each step is a few Float operations per element (error ~1e-7 relative), and five steps
/// accumulate at most a few times that; a wrong formula (a missing bias correction, weight
/// decay applied to the gradient instead of decoupled, ε inside the square root, β₁ and β₂
/// swapped) changes the weights at the size of an update, lr ~ 1e-2 of the weights, and is far
/// above 1e-5.
final class OptimizerTests: NameGenTestCase {
    private let tolerance = 1e-5

    /// Five gradients of four values each, both signs and a spread of magnitudes.
    private func gradients(_ rng: inout RandomGenerator, count: Int) -> [[Float]] {
        (0..<5).map { _ in (0..<count).map { _ in rng.nextNormal() * (0.1 + 2 * rng.nextFloat()) } }
    }

    /// PyTorch's AdamW, in Double:
    ///   w ← w·(1 − lr·wd);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
    ///   w ← w − lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
    ///
    /// The β's are parameters: the kernel receives them as Float, and Float(0.999) is
    /// 0.99900001…, so the kernel's 1 − β₂ is 0.00099998713…, 1.3e-5 relative away from 0.001.
    /// That shifts v by 1.3e-5 relative (√v and the update by 6e-6), which is a property of the
    /// Float32 hyperparameters, not of the arithmetic under test, so the kernel test gives the
    /// reference the same Float-rounded β's. The `Optimizer` test uses the exact 0.9 and 0.999
    /// (PyTorch's Double hyperparameters) and compares the weights only, where that 6e-6 of an
    /// lr-sized step is far below the tolerance.
    private struct ReferenceAdamW {
        var w: [Double], m: [Double], v: [Double]
        var t = 0
        let beta1: Double, beta2: Double, eps = 1e-8

        init(_ w: [Float], beta1: Double = 0.9, beta2: Double = 0.999) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.w = w.map(Double.init)
            m = [Double](repeating: 0, count: w.count)
            v = m
        }

        mutating func step(_ g: [Float], lr: Double, wd: Double) {
            t += 1
            let c1 = 1 - Foundation.pow(beta1, Double(t)), c2 = 1 - Foundation.pow(beta2, Double(t))
            for i in w.indices {
                let gi = Double(g[i])
                w[i] *= 1 - lr * wd
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
            }
        }
    }

    func testSGDStepMatchesTheFormula() {
        var rng = RandomGenerator(seed: 71)
        var w = (0..<4).map { _ in rng.nextNormal() }
        var reference = w.map(Double.init)
        let lr = 0.1, wd = 0.01
        for (k, g) in gradients(&rng, count: 4).enumerated() {
            VectorMath.sgdStep(weights: &w, grads: g, lr: Float(lr), weightDecay: Float(wd))
            for i in reference.indices { reference[i] -= lr * (Double(g[i]) + wd * reference[i]) }
            assertClose(w, reference, tolerance: tolerance, "SGD weights after step \(k + 1)")
        }
    }

    func testAdamWStepMatchesTheFormula() {
        var rng = RandomGenerator(seed: 72)
        var w = (0..<4).map { _ in rng.nextNormal() }
        var m = [Float](repeating: 0, count: 4), v = m
        let beta1: Float = 0.9, beta2: Float = 0.999
        var reference = ReferenceAdamW(w, beta1: Double(beta1), beta2: Double(beta2))
        let lr = 0.01, wd = 0.1
        for (k, g) in gradients(&rng, count: 4).enumerated() {
            let t = Float(k + 1)
            VectorMath.adamwStep(weights: &w, grads: g, m: &m, v: &v, lr: Float(lr), beta1: beta1, beta2: beta2,
                                 epsilon: 1e-8, weightDecay: Float(wd),
                                 correction1: 1 - Foundation.pow(beta1, t), correction2: 1 - Foundation.pow(beta2, t))
            reference.step(g, lr: lr, wd: wd)
            assertClose(w, reference.w, tolerance: tolerance, "AdamW weights after step \(k + 1)")
            assertClose(m, reference.m, tolerance: tolerance, "AdamW m after step \(k + 1)")
            assertClose(v, reference.v, tolerance: tolerance, "AdamW v after step \(k + 1)")
        }
    }

    /// The same through `Optimizer`, over two parameters (a matrix and a vector), including its
    /// step count for the bias correction and the learning rate changing between steps.
    func testOptimizerStepsMatchTheFormulas() {
        var rng = RandomGenerator(seed: 73)
        for kind in [Optimizer.Kind.sgd, .adamw] {
            let a = Parameter(name: "a", value: randomMatrix(2, 3, &rng))
            let b = Parameter(name: "b", value: randomMatrix(1, 2, &rng), isVector: true)
            let wd = 0.05
            let optimizer = Optimizer(kind: kind, parameters: [a, b], weightDecay: wd)
            var refA = ReferenceAdamW(a.value.data), refB = ReferenceAdamW(b.value.data)
            var sgdA = a.value.data.map(Double.init), sgdB = b.value.data.map(Double.init)
            for step in 0..<5 {
                let lr = 0.02 / Double(step + 1)
                a.grad = randomMatrix(2, 3, &rng)
                b.grad = randomMatrix(1, 2, &rng)
                optimizer.step(learningRate: lr)
                XCTAssertEqual(optimizer.stepCount, step + 1)
                if kind == .adamw {
                    refA.step(a.grad.data, lr: lr, wd: wd)
                    refB.step(b.grad.data, lr: lr, wd: wd)
                    assertClose(a.value.data, refA.w, tolerance: tolerance, "AdamW a after step \(step + 1)")
                    assertClose(b.value.data, refB.w, tolerance: tolerance, "AdamW b after step \(step + 1)")
                } else {
                    for i in sgdA.indices { sgdA[i] -= lr * (Double(a.grad.data[i]) + wd * sgdA[i]) }
                    for i in sgdB.indices { sgdB[i] -= lr * (Double(b.grad.data[i]) + wd * sgdB[i]) }
                    assertClose(a.value.data, sgdA, tolerance: tolerance, "SGD a after step \(step + 1)")
                    assertClose(b.value.data, sgdB, tolerance: tolerance, "SGD b after step \(step + 1)")
                }
            }
        }
    }

    /// AdamW's first step moves every weight by lr·sign(g) (bias-corrected m/√v = g/|g|), up to ε
    /// and the decoupled decay: a value worked out by hand, independent of the reference code.
    func testAdamWFirstStepIsLearningRateTimesSign() {
        var w: [Float] = [1, -2, 0.5]
        let g: [Float] = [0.3, -4, 1e-3]
        var m = [Float](repeating: 0, count: 3), v = m
        VectorMath.adamwStep(weights: &w, grads: g, m: &m, v: &v, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                             weightDecay: 0, correction1: 0.1, correction2: 1 - 0.999)
        // |g| ≫ ε for all three, so each step is 0.01·sign(g) to within 1e-5 relative.
        assertClose(w, [0.99, -1.99, 0.49], tolerance: 1e-5, "first AdamW step")
    }
}
