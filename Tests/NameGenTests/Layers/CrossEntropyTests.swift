import Foundation
import XCTest
import NameGen

/// Fused softmax cross-entropy: the mean loss and dLogits against `Value.crossEntropy` (batched)
/// and finite differences, including logits of ±100.
final class CrossEntropyTests: NameGenTestCase {
    private func check(logits: Matrix, targets: [Int32], file: StaticString = #filePath, line: UInt = #line) {
        let n = logits.rows, v = logits.cols
        var dLogits = nanMatrix(n, v), probabilities = Matrix(rows: n, cols: v)
        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &probabilities,
                                                logits: logits, targets: targets)
        XCTAssertTrue(loss.isFinite, "loss \(loss)", file: file, line: line)
        XCTAssertFalse(dLogits.data.contains { !$0.isFinite }, "dLogits must be finite", file: file, line: line)
        let oracleLoss = checkGradients([CheckedTensor("logits", logits.data, dLogits.data)], file: file, line: line) { leaves in
            let rows = (0..<n).map { Array(leaves[0][$0 * v..<($0 + 1) * v]) }
            return [Value.crossEntropy(logits: rows, targets: targets.map(Int.init))]
        }
        assertClose(Double(loss), oracleLoss, tolerance: GradientCheck.forwardTolerance, "loss", file: file, line: line)
        // Each row of dLogits sums to 0 (softmax sums to 1, minus the one-hot), up to rounding.
        for r in 0..<n {
            let rowSum = (0..<v).reduce(0.0) { $0 + Double(dLogits[r, $1]) }
            XCTAssertEqual(rowSum, 0, accuracy: 1e-6, "row \(r) of dLogits", file: file, line: line)
        }
    }

    func testLossAndGradientMatchOracle() {
        var rng = RandomGenerator(seed: 51)
        let logits = randomMatrix(5, 7, &rng, scale: 2)
        check(logits: logits, targets: [0, 6, 3, 3, 1])
    }

    /// More classes than a SIMD8 vector (27, the names vocabulary), one row.
    func testWideRow() {
        var rng = RandomGenerator(seed: 52)
        check(logits: randomMatrix(1, 27, &rng), targets: [13])
    }

    /// Logits of ±100 do not overflow exp: each row is shifted by its maximum first. Row 0's
    /// target is at −100 while the max is 100 (loss ≈ 200), row 1's at one of two tied maxima
    /// (loss ≈ log 2), row 2 is uniform at 100 (loss = log 5), row 3 uniform at −100.
    func testLargeLogitsGiveNoNaN() {
        let logits = Matrix(rows: 4, cols: 5, data: [100, -100, 0, 50, -50,
                                                     100, 100, -100, 3, 0,
                                                     100, 100, 100, 100, 100,
                                                     -100, -100, -100, -100, -100])
        check(logits: logits, targets: [1, 0, 2, 4])
        var dLogits = Matrix(rows: 4, cols: 5), probabilities = dLogits
        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &probabilities, logits: logits, targets: [1, 0, 2, 4])
        // By hand: row 0 ≈ 200 (the other terms are below e^-50 relative), row 1 ≈ log 2, rows 2 and 3 = log 5.
        XCTAssertEqual(Double(loss), (200 + log(2.0) + 2 * log(5.0)) / 4, accuracy: 1e-4)
    }
}
