import Foundation
import XCTest
@testable import NameGen

final class BigramModelTests: NameGenTestCase {
    /// "ab", "ba", "b" with a = 1, b = 2, counted by hand:
    ///   ab: 0→a a→b b→0    ba: 0→b b→a a→0    b: 0→b b→0
    func testCountsWorkedOutByHand() throws {
        let d = try Dataset(names: ["ab", "ba", "b"], split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        model.fit(d.stream(.train, blockSize: 1))
        XCTAssertEqual(model.counts.data, [0, 1, 2,
                                           1, 0, 1,
                                           2, 1, 0])
        // P(next | prev = start) with +1 smoothing = (0+1, 1+1, 2+1) / 6.
        var logits = Matrix(rows: 1, cols: 3)
        model.logits(contexts: [0], count: 1, into: &logits)
        for (got, want) in zip(logits.data, [1.0 / 6, 2.0 / 6, 3.0 / 6]) {
            XCTAssertEqual(Double(got), log(want), accuracy: 1e-6)
        }
        // Mean NLL over the 8 training pairs, from the smoothed table by hand:
        // row 0: (1,2,3)/6, row a: (2,1,2)/5, row b: (3,2,1)/6.
        let p: [Double] = [2.0 / 6, 2.0 / 5, 3.0 / 6,   // ab: 0→a, a→b, b→0
                           3.0 / 6, 2.0 / 6, 2.0 / 5,   // ba: 0→b, b→a, a→0
                           3.0 / 6, 3.0 / 6]            // b: 0→b, b→0
        let expected = -p.map(log).reduce(0, +) / 8
        XCTAssertEqual(Evaluation.meanNLL(model: model, examples: d.stream(.train, blockSize: 1)), expected, accuracy: 1e-6)
    }

    /// Labelled "ab" (x), "ba" (y), "b" (x), a = 1, b = 2, counted by hand per category:
    ///   x: ab: 0→a a→b b→0   b: 0→b b→0        y: ba: 0→b b→a a→0
    /// Each table is smoothed on its own, and row r reads the table of its category.
    func testPerCategoryCountsWorkedOutByHand() throws {
        var list = try NameList(["ab", "ba", "b"])
        list.categories = Categories(names: ["x", "y"], ofName: [0, 1, 0])
        let d = try Dataset(names: list, split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0), dedupe: false)
        XCTAssertEqual(d.categoryCount, 2)
        let model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1, categories: 2)
        model.fit(d.stream(.train, blockSize: 1))
        let x: [Float] = [0, 1, 1,
                          0, 0, 1,
                          2, 0, 0]
        let y: [Float] = [0, 0, 1,
                          1, 0, 0,
                          0, 1, 0]
        XCTAssertEqual(model.counts.data, x + y)
        XCTAssertEqual(model.namedTensors()["counts"]!.shape, [2, 3, 3])
        let total: [Float] = [0, 1, 2, 1, 0, 1, 2, 1, 0]
        XCTAssertEqual(model.totalCounts.data, total, "the sum is the plain model's table")
        // Row 0 after the start token in category x: (0+1, 1+1, 1+1) / 5; row 1 in y: (0+1, 0+1, 1+1) / 4.
        var logits = Matrix(rows: 2, cols: 3)
        model.condition(on: [0, 1])
        model.logits(contexts: [0, 0], count: 2, into: &logits)
        let probabilities: [Double] = [1.0 / 5, 2.0 / 5, 2.0 / 5, 1.0 / 4, 1.0 / 4, 2.0 / 4]
        for (got, want) in zip(logits.data, probabilities) {
            XCTAssertEqual(Double(got), log(want), accuracy: 1e-6)
        }
    }

    func testZeroSmoothingGivesInfiniteLossOnUnseenPairs() throws {
        let d = try Dataset(names: ["ab"], split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: 3, smoothing: 0)
        model.fit(d.stream(.train, blockSize: 1))
        let unseen = TokenStream(encoded: [[2, 1]], blockSize: 1)  // "ba": 0→b was never seen
        XCTAssertEqual(Evaluation.meanNLL(model: model, examples: unseen), .infinity)
    }
}
