import Foundation
import XCTest
import NameGen

/// Tests of the `Value` gradient oracle itself: each operation against central finite
/// differences and against derivatives worked out by hand, gradient accumulation, very
/// large and deep graphs, and training a small MLP on XOR.
final class ValueTests: NameGenTestCase {

    // MARK: - Finite-difference helper

    /// Builds f from leaves at `point`, runs backward, and checks every leaf's grad against the
    /// central difference (f(x + h) - f(x - h)) / 2h, whose error is O(h²) plus rounding
    /// O(ε/h), about 1e-10 here. Also checks f's forward value when `value` is given.
    private func assertGradientsMatchFiniteDifferences(
        at point: [Double], value: Double? = nil, tolerance: Double = 1e-7,
        file: StaticString = #filePath, line: UInt = #line,
        _ f: ([Value]) -> Value
    ) {
        let leaves = point.map { Value($0) }
        let out = f(leaves)
        if let value {
            XCTAssertEqual(out.data, value, accuracy: 1e-12 * max(1, abs(value)), "forward value", file: file, line: line)
        }
        out.backward()
        let h = 1e-5
        for i in point.indices {
            var plus = point, minus = point
            plus[i] += h
            minus[i] -= h
            let numeric = (f(plus.map { Value($0) }).data - f(minus.map { Value($0) }).data) / (2 * h)
            XCTAssertEqual(leaves[i].grad, numeric, accuracy: tolerance * max(1, abs(numeric)),
                           "d/dx\(i) at \(point)", file: file, line: line)
        }
    }

    // MARK: - Each primitive against finite differences

    func testAdditionAndSubtractionGradients() {
        assertGradientsMatchFiniteDifferences(at: [1.5, -0.25], value: 1.25) { $0[0] + $0[1] }
        assertGradientsMatchFiniteDifferences(at: [1.5, -0.25], value: 1.75) { $0[0] - $0[1] }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: -1.5) { -$0[0] }
        // Constants on either side.
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 3.5) { $0[0] + 2 }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 3.5) { 2 + $0[0] }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: -0.5) { $0[0] - 2 }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 0.5) { 2 - $0[0] }
    }

    func testMultiplicationAndDivisionGradients() {
        assertGradientsMatchFiniteDifferences(at: [1.5, -0.25], value: -0.375) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences(at: [1.5, -0.25], value: -6) { $0[0] / $0[1] }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 4.5) { $0[0] * 3 }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 4.5) { 3 * $0[0] }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 0.5) { $0[0] / 3 }
        assertGradientsMatchFiniteDifferences(at: [1.5], value: 2) { 3 / $0[0] }
    }

    func testPowGradient() {
        for (x, p) in [(1.5, 2.0), (1.5, 3.0), (-0.7, 3.0), (2.0, -1.0), (0.8, -0.5), (2.5, 0.5)] {
            assertGradientsMatchFiniteDifferences(at: [x], value: Foundation.pow(x, p)) { $0[0].pow(p) }
        }
    }

    func testTanhExpLogGradients() {
        for x in [-2.0, -0.3, 0.0, 0.9, 3.0] {
            assertGradientsMatchFiniteDifferences(at: [x], value: Foundation.tanh(x)) { $0[0].tanh() }
            assertGradientsMatchFiniteDifferences(at: [x], value: Foundation.exp(x)) { $0[0].exp() }
        }
        for x in [0.05, 0.5, 1.0, 7.0] {
            assertGradientsMatchFiniteDifferences(at: [x], value: Foundation.log(x)) { $0[0].log() }
        }
    }

    func testReluGradient() {
        // Away from the kink, where the finite difference is meaningful.
        for x in [-1.5, -0.01, 0.01, 2.0] {
            assertGradientsMatchFiniteDifferences(at: [x], value: max(0, x)) { $0[0].relu() }
        }
        // At the kink the derivative is taken to be 0, as in NameGen's ReLU and PyTorch.
        let x = Value(0)
        let y = x.relu()
        y.backward()
        XCTAssertEqual(y.data, 0)
        XCTAssertEqual(x.grad, 0)
    }

    func testSumAndMeanGradients() {
        let point = [0.5, -1.0, 2.0, 0.25]
        assertGradientsMatchFiniteDifferences(at: point, value: 1.75) { Value.sum($0) }
        assertGradientsMatchFiniteDifferences(at: point, value: 1.75 / 4) { Value.mean($0) }
        // A weighted sum, so each leaf gets a different gradient.
        assertGradientsMatchFiniteDifferences(at: point) { v in Value.sum(v.enumerated().map { Double($0 + 1) * $1 * $1 }) }
        // The empty sum is 0.
        XCTAssertEqual(Value.sum([]).data, 0)
    }

    func testSoftmaxLogSumExpAndCrossEntropyGradients() {
        let logits = [0.3, -1.2, 2.0, 0.0, 0.7]
        let lse = Foundation.log(logits.map { Foundation.exp($0) }.reduce(0, +))
        assertGradientsMatchFiniteDifferences(at: logits, value: lse) { Value.logSumExp($0) }
        for target in logits.indices {
            assertGradientsMatchFiniteDifferences(at: logits, value: lse - logits[target]) {
                Value.crossEntropy(logits: $0, target: target)
            }
        }
        // A weighted sum of the softmax outputs, so every output's gradient path is used.
        assertGradientsMatchFiniteDifferences(at: logits) { v in
            Value.sum(Value.softmax(v).enumerated().map { Double($0 + 1) * $1 })
        }
        // Batched mean cross-entropy over two rows of three logits.
        assertGradientsMatchFiniteDifferences(at: [0.1, 0.2, -0.3, 1.0, -1.0, 0.5]) { v in
            Value.crossEntropy(logits: [Array(v[0..<3]), Array(v[3..<6])], targets: [2, 0])
        }
    }

    // MARK: - Against derivatives worked out by hand

    /// f(x, y) = x·y + tanh(x) at (0.5, -2):
    ///   ∂f/∂x = y + (1 - tanh²x) = -2 + 1 - tanh²(0.5)
    ///   ∂f/∂y = x = 0.5
    func testHandDerivedGradientOfProductPlusTanh() {
        let x = Value(0.5), y = Value(-2)
        let f = x * y + x.tanh()
        f.backward()
        let t = Foundation.tanh(0.5)  // 0.46211715726...
        XCTAssertEqual(f.data, 0.5 * -2 + t, accuracy: 1e-15)
        XCTAssertEqual(x.grad, -2 + (1 - t * t), accuracy: 1e-15)
        XCTAssertEqual(x.grad, -1.2135522670, accuracy: 1e-10)  // the same, as a number
        XCTAssertEqual(y.grad, 0.5, accuracy: 1e-15)
        XCTAssertEqual(f.grad, 1)
    }

    /// g(a, b) = exp(a) / b + log(b)·a² - relu(a - b) at (1, 3), where a - b < 0 so the relu is 0:
    ///   ∂g/∂a = exp(a)/b + 2a·log(b)   = e/3 + 2 ln 3
    ///   ∂g/∂b = -exp(a)/b² + a²/b       = -e/9 + 1/3
    func testHandDerivedGradientOfQuotientLogAndRelu() {
        let a = Value(1), b = Value(3)
        let g = a.exp() / b + b.log() * a.pow(2) - (a - b).relu()
        g.backward()
        let e = Foundation.exp(1.0), ln3 = Foundation.log(3.0)
        XCTAssertEqual(g.data, e / 3 + ln3, accuracy: 1e-14)
        XCTAssertEqual(a.grad, e / 3 + 2 * ln3, accuracy: 1e-14)
        XCTAssertEqual(b.grad, -e / 9 + 1.0 / 3, accuracy: 1e-14)
    }

    /// ∂/∂zᵢ of crossEntropy(z, t) = softmax(z)ᵢ - [i == t].
    func testCrossEntropyGradientIsSoftmaxMinusOneHot() {
        let z = [1.0, 2.0, 0.5].map { Value($0) }
        let loss = Value.crossEntropy(logits: z, target: 1)
        loss.backward()
        let exps = [1.0, 2.0, 0.5].map { Foundation.exp($0) }
        let total = exps.reduce(0, +)
        XCTAssertEqual(loss.data, -Foundation.log(exps[1] / total), accuracy: 1e-14)
        XCTAssertEqual(z[0].grad, exps[0] / total, accuracy: 1e-14)
        XCTAssertEqual(z[1].grad, exps[1] / total - 1, accuracy: 1e-14)
        XCTAssertEqual(z[2].grad, exps[2] / total, accuracy: 1e-14)
    }

    /// logSumExp subtracts the max first, so large logits neither overflow nor lose the gradient.
    func testLogSumExpIsStableForLargeLogits() {
        let z = [1000.0, 999.0, -1000.0].map { Value($0) }
        let lse = Value.logSumExp(z)
        lse.backward()
        // log(e^1000 + e^999 + e^-1000) = 1000 + log(1 + e^-1) (the e^-2000 term is far below rounding).
        XCTAssertEqual(lse.data, 1000 + Foundation.log(1 + Foundation.exp(-1.0)), accuracy: 1e-12)
        let p0 = 1 / (1 + Foundation.exp(-1.0))
        XCTAssertEqual(z[0].grad, p0, accuracy: 1e-14)
        XCTAssertEqual(z[1].grad, 1 - p0, accuracy: 1e-14)
        XCTAssertEqual(z[2].grad, 0, accuracy: 1e-300)
    }

    // MARK: - Accumulation and repeated backward

    func testNodeUsedTwiceAccumulatesItsGradient() {
        let a = Value(3)
        let b = a + a
        b.backward()
        XCTAssertEqual(b.data, 6)
        XCTAssertEqual(a.grad, 2)

        // d/da a·a = 2a, through both operands of one node.
        let c = Value(3)
        let d = c * c
        d.backward()
        XCTAssertEqual(c.grad, 6)

        // A shared intermediate: e = x·y used in two places; f = e + tanh(e) - 2e.
        // df/dx = (1 + (1 - tanh²e) - 2)·y.
        let x = Value(0.4), y = Value(1.5)
        let e = x * y
        let f = e + e.tanh() - 2 * e
        f.backward()
        let t = Foundation.tanh(0.6)
        XCTAssertEqual(x.grad, (1 + (1 - t * t) - 2) * 1.5, accuracy: 1e-15)
        XCTAssertEqual(e.grad, 1 + (1 - t * t) - 2, accuracy: 1e-15)

        // The same value twice in a sum counts twice.
        let s = Value(1)
        let total = Value.sum([s, s, s])
        total.backward()
        XCTAssertEqual(total.data, 3)
        XCTAssertEqual(s.grad, 3)
    }

    /// backward() resets the graph's grads first, so calling it again gives the same numbers
    /// rather than doubling them, and a second root sharing leaves does not see the first's grads.
    func testBackwardTwiceGivesTheSameGradients() {
        let x = Value(0.7), y = Value(-1.1)
        let f = (x * y).tanh() * x
        f.backward()
        let first = (x.grad, y.grad)
        f.backward()
        XCTAssertEqual(x.grad, first.0)
        XCTAssertEqual(y.grad, first.1)

        let g = x * 5
        g.backward()
        XCTAssertEqual(x.grad, 5)
        XCTAssertEqual(y.grad, first.1, "y is not in g's graph, so g.backward() leaves it alone")
    }

    // MARK: - Large and deep graphs

    /// A chain of 100,000 products, v = ((x·c)·c)·…·c with dv/dx = cⁿ. A recursive topological
    /// sort, or the default recursive release of the chain, overflows the stack here on a debug
    /// build (both were tried: each crashed already at 50,000).
    func testDeepChainBackwardAndReleaseDoNotRecurse() {
        let n = 100_000
        let c = 1.000001
        let x = Value(2)
        do {
            var v = x
            for _ in 0..<n { v = v * c }
            v.backward()
            XCTAssertEqual(v.data, 2 * Foundation.pow(c, Double(n)), accuracy: 1e-9)
            XCTAssertEqual(x.grad, Foundation.pow(c, Double(n)), accuracy: 1e-9)
            XCTAssertEqual(v.topologicalOrder().count, 2 * n + 1)  // x, n constants, n products
        }  // the chain is released here
        XCTAssertEqual(x.data, 2)
    }

    /// The topological order lists every node once, each after all of its children.
    func testTopologicalOrderPutsChildrenFirst() {
        let a = Value(1), b = Value(2)
        let c = a * b
        let d = c + a
        let e = d * c
        let order = e.topologicalOrder()
        XCTAssertEqual(order.count, 5)
        XCTAssertEqual(Set(order.map(ObjectIdentifier.init)).count, 5)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { (ObjectIdentifier($1), $0) })
        for node in order {
            for child in node.children {
                XCTAssertLessThan(position[ObjectIdentifier(child)]!, position[ObjectIdentifier(node)]!)
            }
        }
        XCTAssertTrue(order.last === e)
    }

    // MARK: - Training: XOR

    /// MLP(2, [3, 3, 1]) (tanh hidden layers, linear output), seed 1, trained by full-batch
    /// gradient descent on the summed squared error over the four XOR points, learning rate
    /// 0.05, 300 steps. The recipe is fixed; the test asserts it fits XOR. (With this seed the
    /// loss goes from about 4.2 to about 3e-6, and the outputs are within 0.002 of the targets.)
    func testMLPLearnsXOR() {
        var rng = RandomGenerator(seed: 1)
        let mlp = ValueMLP(inputs: 2, sizes: [3, 3, 1], rng: &rng)
        XCTAssertEqual(mlp.parameters.count, 3 * 3 + 3 * 4 + 1 * 4)

        let inputs: [[Double]] = [[0, 0], [0, 1], [1, 0], [1, 1]]
        let targets: [Double] = [0, 1, 1, 0]
        func loss() -> Value {
            Value.sum(zip(inputs, targets).map { x, y in (mlp(x.map { Value($0) })[0] - y).pow(2) })
        }

        let initialLoss = loss().data
        let learningRate = 0.05
        for _ in 0..<300 {
            let l = loss()
            l.backward()
            for p in mlp.parameters { p.data -= learningRate * p.grad }
        }
        let finalLoss = loss().data

        let outputs = inputs.map { mlp($0.map { Value($0) })[0].data }
        let predictions = outputs.map { $0 > 0.5 ? 1 : 0 }
        XCTAssertEqual(predictions, [0, 1, 1, 0], "outputs \(outputs)")
        XCTAssertLessThan(finalLoss, 1e-4, "initial loss \(initialLoss)")
        XCTAssertLessThan(finalLoss, initialLoss)
    }
}
