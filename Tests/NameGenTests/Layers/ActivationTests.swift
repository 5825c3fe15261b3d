import Foundation
import XCTest
import NameGen

/// tanh and ReLU: forward and backward against the `Value` oracle and finite differences, on
/// 5 × 7 = 35 elements (four full SIMD8 vectors and a ragged tail of 3).
final class ActivationTests: NameGenTestCase {
    private let n = 5, c = 7

    private func check(_ activation: Activation, x: Matrix, dOut: Matrix, file: StaticString = #filePath, line: UInt = #line) {
        var out = Matrix(rows: n, cols: c)
        activation.forward(out: &out, x: x)
        var dx = nanMatrix(n, c)
        activation.backward(dx: &dx, dOut: dOut, out: out)
        checkGradients([CheckedTensor("x", x.data, dx.data)], upstream: dOut.data, layerOutput: out.data,
                       file: file, line: line) { v in
            v[0].map { activation == .tanh ? $0.tanh() : $0.relu() }
        }
    }

    /// Inputs N(0, 1.5²): mostly in the curved part of tanh, some in the saturated part.
    func testTanhGradients() {
        var rng = RandomGenerator(seed: 31)
        let x = randomMatrix(n, c, &rng, scale: 1.5)
        let dOut = randomMatrix(n, c, &rng)
        check(.tanh, x: x, dOut: dOut)
    }

    /// Inputs N(0, 1) kept at least 0.05 away from the kink at 0, where the derivative jumps and
    /// a finite difference straddling it would be meaningless. Both signs occur.
    func testReluGradients() {
        var rng = RandomGenerator(seed: 32)
        var x = Matrix(rows: n, cols: c)
        for i in 0..<x.count {
            repeat { x.data[i] = rng.nextNormal() } while abs(x.data[i]) < 0.05
        }
        XCTAssertTrue(x.data.contains { $0 < 0 } && x.data.contains { $0 > 0 })
        let dOut = randomMatrix(n, c, &rng)
        check(.relu, x: x, dOut: dOut)
        // The forward is exact: max(x, 0).
        var out = Matrix(rows: n, cols: c)
        Activation.relu.forward(out: &out, x: x)
        XCTAssertEqual(out.data, x.data.map { max($0, 0) })
    }

    /// At the kink the ReLU derivative is taken as 0 (as PyTorch and the oracle do).
    func testReluDerivativeAtZeroIsZero() {
        let x = Matrix(rows: 1, cols: 3, data: [0, -0.0, 1])
        var out = Matrix(rows: 1, cols: 3), dx = nanMatrix(1, 3)
        Activation.relu.forward(out: &out, x: x)
        Activation.relu.backward(dx: &dx, dOut: Matrix(rows: 1, cols: 3, data: [5, 5, 5]), out: out)
        XCTAssertEqual(dx.data, [0, 0, 5])
    }
}
