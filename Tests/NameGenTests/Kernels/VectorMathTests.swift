import Foundation
import XCTest
@testable import NameGen

/// The hand-vectorised exp and tanh against Foundation (Double), over dense sweeps, ragged
/// lengths (the scalar tail path) and the clamp edges.
///
/// Errors are measured in ulps of the Float result: |y − f(x)| / ulp(f(x)), with f(x) computed
/// in Double from the same Float x (so only the kernel's error is measured, not the rounding of
/// the argument) and ulp(t) = 2^(e − 23) for the Float binade 2^e ≤ |t| < 2^(e+1) (normal range).
/// A correctly rounded function would be within 0.5 ulp. Every test runs under each kernel set
/// this machine can run.
final class VectorMathTests: NameGenTestCase {
    /// Float ulp at the magnitude of t (t in the normal Float range).
    private func ulp(_ t: Double) -> Double {
        Double(sign: .plus, exponent: max(t.exponent, -126) - 23, significand: 1)
    }

    /// The worst error in ulps of `got` against `exact` over `inputs`, with the input where it occurs.
    private func worstUlps(_ got: [Float], _ inputs: [Float], exact: (Double) -> Double) -> (ulps: Double, at: Float) {
        var worst = (ulps: 0.0, at: Float.nan)
        for (y, x) in zip(got, inputs) {
            let t = exact(Double(x))
            let e = Double(y).isNaN ? .infinity : abs(Double(y) - t) / ulp(t)
            if e > worst.ulps || worst.at.isNaN { worst = (e, x) }
        }
        return worst
    }

    /// n evenly spaced Float points from a to b (both included).
    private func sweep(_ a: Double, _ b: Double, _ n: Int) -> [Float] {
        (0..<n).map { Float(a + (b - a) * Double($0) / Double(n - 1)) }
    }

    // MARK: exp

    /// Bound: 2 ulps. The kernel is Cephes `expf`: an exact-ish range reduction with ln 2 split
    /// in two, a degree-6 polynomial with error well under 1 ulp on |r| ≤ ln2/2, and an exact
    /// scaling by 2ⁿ; Cephes documents a peak relative error of about 1 ulp for expf, and the
    /// Float rounding of the few operations adds at most about one more.
    static let expBoundUlps = 2.0

    func testExpAccuracyOverADenseSweep() { KernelSetsUnderTest.forEach { _ in checkExpAccuracyOverADenseSweep() } }
    private func checkExpAccuracyOverADenseSweep() {
        // 200,001 points: not a multiple of 8, so the last element goes through the tail path.
        let x = sweep(-80, 80, 200_001)
        var y = [Float](repeating: 0, count: x.count)
        VectorMath.exp(&y, x, count: x.count)
        let worst = worstUlps(y, x, exact: Foundation.exp)
        XCTAssertLessThanOrEqual(worst.ulps, Self.expBoundUlps, "worst at x = \(worst.at)")

        // expInPlace (the softmax path) has its own loop and tail.
        var z = x
        VectorMath.expInPlace(&z, count: z.count)
        let worstInPlace = worstUlps(z, x, exact: Foundation.exp)
        XCTAssertLessThanOrEqual(worstInPlace.ulps, Self.expBoundUlps, "in place: worst at x = \(worstInPlace.at)")
        print("VectorMath.exp: worst \(worst.ulps) ulps at \(worst.at); in place \(worstInPlace.ulps) ulps at \(worstInPlace.at)")
    }

    /// The clamp edges: inside [−87.3, 88.7] (the span where exp is a normal, finite Float) the
    /// bound holds up to the edges; outside, the input is clamped, so exp never returns inf,
    /// 0 or a subnormal: exp(x ≥ 88.7) = exp(88.7) ≈ 3.3e38 and exp(x ≤ −87.3) = exp(−87.3) ≈ 1.2e-38.
    func testExpClampEdges() { KernelSetsUnderTest.forEach { _ in checkExpClampEdges() } }
    private func checkExpClampEdges() {
        let inside = sweep(80, 88.7, 5_001) + sweep(-87.3, -80, 5_001) + [88.7, -87.3]
        var y = [Float](repeating: 0, count: inside.count)
        VectorMath.exp(&y, inside, count: inside.count)
        let worst = worstUlps(y, inside, exact: Foundation.exp)
        XCTAssertLessThanOrEqual(worst.ulps, Self.expBoundUlps, "near the clamp edges: worst at x = \(worst.at)")

        let edges: [Float] = [88.7, -87.3]
        var e = [Float](repeating: 0, count: 2)
        VectorMath.exp(&e, edges, count: 2)
        XCTAssertTrue(e[0].isFinite && e[0] > 3e38)
        XCTAssertTrue(e[1].isNormal && e[1] < 1.3e-38)

        let high: [Float] = [88.71, 88.8, 89, 100, 1e6, .infinity, .greatestFiniteMagnitude]
        let low: [Float] = [-87.31, -87.4, -88, -104, -1e6, -.infinity, -.greatestFiniteMagnitude]
        for (inputs, clamped) in [(high, e[0]), (low, e[1])] {
            let expected = [Float](repeating: clamped, count: inputs.count)
            var y = [Float](repeating: 0, count: inputs.count)
            VectorMath.exp(&y, inputs, count: inputs.count)
            XCTAssertEqual(y, expected, "exp of \(inputs)")
            var inPlace = inputs
            VectorMath.expInPlace(&inPlace, count: inputs.count)
            XCTAssertEqual(inPlace, expected, "expInPlace of \(inputs)")
        }

        // exp(0) = 1 exactly, and integer arguments are accurate too.
        var one: [Float] = [0]
        VectorMath.expInPlace(&one, count: 1)
        XCTAssertEqual(one, [1])
    }

    // MARK: tanh

    /// Bound: 3 ulps. For |x| < 0.625 tanh is Cephes' odd polynomial (about 1 ulp); above it is
    /// 1 − 2/(e^{2|x|} + 1): exp's ≤ 2 ulps enter through 2/(e + 1), which is at most 0.45 of
    /// the result near 0.625 and shrinks quickly after, plus a rounding in the division and one in
    /// the subtraction. So ≤ 1 + 0.45·2 + 1 ≈ 3 ulps (the measured worst is reported in the log).
    static let tanhBoundUlps = 3.0

    func testTanhAccuracyOverADenseSweep() { KernelSetsUnderTest.forEach { _ in checkTanhAccuracyOverADenseSweep() } }
    private func checkTanhAccuracyOverADenseSweep() {
        let x = sweep(-20, 20, 200_001)
            + [0, -0.0, 1e-30, -1e-30, .leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
               0.625, -0.625, Float(0.625).nextDown, Float(0.625).nextUp, -Float(0.625).nextDown,
               9.1, -9.1, 9.2, -9.2, 50, -50, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = [Float](repeating: 0, count: x.count)
        VectorMath.tanh(&y, x, count: x.count)
        // For tiny |x| the ulp of the result is below the normal range; there tanh x = x.
        let normal = x.indices.filter { abs(x[$0]) >= Float.leastNormalMagnitude * 2 || x[$0] == 0 }
        let worst = worstUlps(normal.map { y[$0] }, normal.map { x[$0] }, exact: Foundation.tanh)
        XCTAssertLessThanOrEqual(worst.ulps, Self.tanhBoundUlps, "worst at x = \(worst.at)")
        print("VectorMath.tanh: worst \(worst.ulps) ulps at \(worst.at)")
        // Odd, exact at 0, saturating to exactly ±1, and never beyond ±1.
        XCTAssertEqual(y[200_001], 0)
        XCTAssertTrue(y.allSatisfy { abs($0) <= 1 })
        var inf: [Float] = [.infinity, -.infinity, 30, -30]
        VectorMath.tanh(&inf, inf, count: 4)
        XCTAssertEqual(inf, [1, -1, 1, -1])
        var small: [Float] = [1e-30, -1e-30, .leastNonzeroMagnitude]
        VectorMath.tanh(&small, small, count: 3)
        XCTAssertEqual(small, [1e-30, -1e-30, .leastNonzeroMagnitude])
    }

    // MARK: ragged lengths

    /// Every length from 1 to 17 (the tail path alone, a full vector plus a tail, two vectors plus
    /// one): each output within the bound, and nothing written past `count`.
    func testRaggedLengthsUseTheTailPathCorrectly() { KernelSetsUnderTest.forEach { _ in checkRaggedLengthsUseTheTailPathCorrectly() } }
    private func checkRaggedLengthsUseTheTailPathCorrectly() {
        var rng = RandomGenerator(seed: 61)
        let sentinel: Float = 12345
        for count in 1...17 {
            let x = (0..<count).map { _ in rng.nextNormal() * 4 }
            var y = [Float](repeating: sentinel, count: count + 3)
            VectorMath.exp(&y, x, count: count)
            XCTAssertLessThanOrEqual(worstUlps(Array(y[0..<count]), x, exact: Foundation.exp).ulps, Self.expBoundUlps, "exp, count \(count)")
            XCTAssertEqual(Array(y[count...]), [sentinel, sentinel, sentinel], "exp wrote past count \(count)")

            y = [Float](repeating: sentinel, count: count + 3)
            VectorMath.tanh(&y, x, count: count)
            XCTAssertLessThanOrEqual(worstUlps(Array(y[0..<count]), x, exact: Foundation.tanh).ulps, Self.tanhBoundUlps, "tanh, count \(count)")
            XCTAssertEqual(Array(y[count...]), [sentinel, sentinel, sentinel], "tanh wrote past count \(count)")

            var z = x + [sentinel, sentinel, sentinel]
            VectorMath.expInPlace(&z, count: count)
            XCTAssertLessThanOrEqual(worstUlps(Array(z[0..<count]), x, exact: Foundation.exp).ulps, Self.expBoundUlps, "expInPlace, count \(count)")
            XCTAssertEqual(Array(z[count...]), [sentinel, sentinel, sentinel], "expInPlace wrote past count \(count)")
        }
    }
}
