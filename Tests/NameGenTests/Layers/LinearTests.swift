import Foundation
import XCTest
import NameGen

/// Linear: forward and every gradient (input, weight, bias) against the `Value` oracle and
/// finite differences (see Support/GradientCheck.swift for the loss Σ out·dOut and tolerances).
final class LinearTests: NameGenTestCase {
    private func checkLinear(n: Int, inputs c: Int, outputs oc: Int, bias: Bool, seed: UInt64,
                             file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomGenerator(seed: seed)
        let linear = Linear(name: "l", inputs: c, outputs: oc, bias: bias, rng: &rng)
        let x = randomMatrix(n, c, &rng)
        let dOut = randomMatrix(n, oc, &rng)
        var out = Matrix(rows: n, cols: oc)
        linear.forward(out: &out, input: x)
        var dx = nanMatrix(n, c)
        linear.backward(dInput: &dx, dOut: dOut, input: x)

        var tensors = [CheckedTensor("input", x.data, dx.data),
                       CheckedTensor("weight", linear.weight.value.data, linear.weight.grad.data)]
        if let b = linear.bias { tensors.append(CheckedTensor("bias", b.value.data, b.grad.data)) }
        XCTAssertEqual(linear.parameters.count, bias ? 2 : 1, file: file, line: line)
        checkGradients(tensors, upstream: dOut.data, layerOutput: out.data, file: file, line: line) { v in
            ValueTransformer.linear(v[0], v[1], bias ? v[2] : nil, rows: n, inputs: c, outputs: oc)
        }
    }

    /// Shapes that are not multiples of 8 (ragged tails in the matmul and bias loops).
    func testGradientsWithBias() {
        checkLinear(n: 5, inputs: 7, outputs: 6, bias: true, seed: 1)
    }

    func testGradientsWithoutBias() {
        checkLinear(n: 3, inputs: 9, outputs: 4, bias: false, seed: 2)
    }

    /// A batch of one, and a wider layer (more than 8 outputs and inputs).
    func testGradientsOfOtherShapes() {
        checkLinear(n: 1, inputs: 3, outputs: 2, bias: true, seed: 3)
        checkLinear(n: 2, inputs: 9, outputs: 10, bias: true, seed: 4)
    }

    /// backward adds into weight.grad and bias.grad (gradient accumulation across calls) and
    /// overwrites dInput: two backward calls give twice the parameter gradients (up to rounding:
    /// the second call adds its terms one by one into the first's sums) and the same dInput.
    func testBackwardAddsIntoParameterGradientsAndOverwritesInputGradient() {
        var rng = RandomGenerator(seed: 5)
        let linear = Linear(name: "l", inputs: 6, outputs: 3, bias: true, rng: &rng)
        let x = randomMatrix(4, 6, &rng), dOut = randomMatrix(4, 3, &rng)
        var dx = nanMatrix(4, 6)
        linear.backward(dInput: &dx, dOut: dOut, input: x)
        let (w1, b1, dx1) = (linear.weight.grad.data, linear.bias!.grad.data, dx.data)
        XCTAssertFalse(dx1.contains { $0.isNaN })
        linear.backward(dInput: &dx, dOut: dOut, input: x)
        assertClose(linear.weight.grad.data, w1.map { 2 * Double($0) }, tolerance: 1e-6, "weight gradient after two calls")
        assertClose(linear.bias!.grad.data, b1.map { 2 * Double($0) }, tolerance: 1e-6, "bias gradient after two calls")
        XCTAssertEqual(dx.data, dx1)
        linear.weight.zeroGrad()
        XCTAssertEqual(linear.weight.grad.data, [Float](repeating: 0, count: 18))
    }
}
