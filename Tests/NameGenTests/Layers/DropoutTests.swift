import Foundation
import XCTest
import NameGen

/// Inverted dropout: the mask's statistics, its values, that forward and backward apply the same
/// mask, and that the mask is a pure function of the generator's state.
final class DropoutTests: NameGenTestCase {
    /// The fraction of kept elements is ≈ 1 − p. Each element is kept independently with
    /// probability 1 − p, so the kept count K of n elements is Binomial(n, 1 − p) with standard
    /// deviation σ = √(n·p·(1 − p)) ≤ 50 at n = 10,000. The test allows |K − n(1 − p)| ≤ 5σ:
    /// a correct implementation fails that with probability below 6e-7 for a random seed (normal
    /// tail; the seed is pinned anyway), while a mask that kept with probability p instead of
    /// 1 − p (or any error of more than 2.5% in the keep rate) is tens of σ away.
    /// Every mask value is exactly 0 or 1/(1 − p), both values occur, and out = x·mask exactly.
    func testMaskStatisticsAndValues() {
        let n = 80, c = 125
        var rng = RandomGenerator(seed: 41)
        let x = randomMatrix(n, c, &rng)
        for p: Float in [0.1, 0.3, 0.5, 0.8] {
            let dropout = Dropout(probability: p)
            var out = Matrix(rows: n, cols: c), mask = Matrix(rows: n, cols: c)
            dropout.forward(out: &out, mask: &mask, x: x, rng: &rng)
            let keep: Float = 1 / (1 - p)
            XCTAssertTrue(mask.data.allSatisfy { $0 == 0 || $0 == keep }, "p = \(p): mask values must be 0 or \(keep)")
            let kept = Double(mask.data.filter { $0 != 0 }.count)
            let total = Double(n * c), q = Double(1 - p)
            let sigma = (total * q * (1 - q)).squareRoot()
            XCTAssertLessThanOrEqual(abs(kept - total * q), 5 * sigma, "p = \(p): kept \(kept) of \(total)")
            XCTAssertEqual(out.data, zip(x.data, mask.data).map { $0 * $1 }, "p = \(p): out = x·mask")
        }
    }

    /// p = 0 keeps everything unscaled.
    func testZeroProbabilityKeepsEverything() {
        var rng = RandomGenerator(seed: 42)
        let x = randomMatrix(3, 11, &rng)
        var out = Matrix(rows: 3, cols: 11), mask = Matrix(rows: 3, cols: 11)
        Dropout(probability: 0).forward(out: &out, mask: &mask, x: x, rng: &rng)
        XCTAssertEqual(mask.data, [Float](repeating: 1, count: 33))
        XCTAssertEqual(out.data, x.data)
    }

    /// backward multiplies by the mask that forward drew (exactly), and the gradient matches the
    /// `Value` oracle of out = x·mask (mask a constant) and finite differences.
    func testBackwardAppliesTheSameMask() {
        let n = 4, c = 9
        var rng = RandomGenerator(seed: 43)
        let dropout = Dropout(probability: 0.4)
        let x = randomMatrix(n, c, &rng), dOut = randomMatrix(n, c, &rng)
        var out = Matrix(rows: n, cols: c), mask = Matrix(rows: n, cols: c)
        dropout.forward(out: &out, mask: &mask, x: x, rng: &rng)
        XCTAssertTrue(mask.data.contains(0) && mask.data.contains { $0 != 0 }, "this seed must drop some and keep some")
        var dx = nanMatrix(n, c)
        dropout.backward(dx: &dx, dOut: dOut, mask: mask)
        XCTAssertEqual(dx.data, zip(dOut.data, mask.data).map { $0 * $1 })
        let m = mask.data.map(Double.init)
        checkGradients([CheckedTensor("x", x.data, dx.data)], upstream: dOut.data, layerOutput: out.data) { v in
            zip(v[0], m).map { $0 * $1 }
        }
    }

    /// The same seed gives the same mask; a different seed, or the next draw from the same
    /// generator, gives a different one.
    func testSameSeedSameMask() {
        let x = Matrix(rows: 6, cols: 10, data: [Float](repeating: 1, count: 60))
        let dropout = Dropout(probability: 0.5)
        func masks(seed: UInt64) -> (Matrix, Matrix) {
            var rng = RandomGenerator(seed: seed)
            var out = Matrix(rows: 6, cols: 10), first = Matrix(rows: 6, cols: 10), second = first
            dropout.forward(out: &out, mask: &first, x: x, rng: &rng)
            dropout.forward(out: &out, mask: &second, x: x, rng: &rng)
            return (first, second)
        }
        let a = masks(seed: 7), b = masks(seed: 7), c = masks(seed: 8)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.0, a.1)
        XCTAssertNotEqual(a.0, c.0)
    }
}
