import XCTest
@testable import NameGen

final class SamplerTests: NameGenTestCase {
    /// A bigram model on "ab" ×3, "b": from the start token a is 3× as likely as b;
    /// after a always b; after b always the end (with no smoothing).
    private func model(smoothing: Float = 0) throws -> (BigramModel, Vocabulary) {
        let d = try Dataset(names: ["ab", "ab", "ab", "b"], split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let m = BigramModel(vocabularySize: d.vocabulary.size, smoothing: smoothing)
        m.fit(d.stream(.train, blockSize: 1))
        return (m, d.vocabulary)
    }

    private func sample(_ options: SamplingOptions, seed: UInt64 = 1, smoothing: Float = 0) throws -> [String] {
        let (m, v) = try model(smoothing: smoothing)
        var rng = RandomGenerator(seed: seed)
        return try Sampler.sample(model: m, vocabulary: v, options: options, rng: &rng)
    }

    func testFrequenciesMatchTheModel() throws {
        var o = SamplingOptions()
        o.count = 20_000
        let names = try sample(o)
        XCTAssertEqual(names.count, 20_000)
        XCTAssertEqual(Set(names), ["ab", "b"], "zero-probability names never appear")
        // P("ab") = 3/4. The standard error of the frequency at n = 20,000 is 0.0031; allow 4σ.
        let share = Double(names.filter { $0 == "ab" }.count) / 20_000
        XCTAssertEqual(share, 0.75, accuracy: 0.0125)
    }

    func testSameSeedSameNames() throws {
        var o = SamplingOptions()
        o.count = 50
        XCTAssertEqual(try sample(o, seed: 3, smoothing: 1), try sample(o, seed: 3, smoothing: 1))
        XCTAssertNotEqual(try sample(o, seed: 3, smoothing: 1), try sample(o, seed: 4, smoothing: 1))
    }

    func testGreedyAndTopOneTakeTheMostLikelyPath() throws {
        var o = SamplingOptions()
        o.count = 5
        o.temperature = 0
        XCTAssertEqual(try sample(o), Array(repeating: "ab", count: 5))
        o.temperature = 1
        o.topK = 1
        XCTAssertEqual(try sample(o, smoothing: 1), Array(repeating: "ab", count: 5))
    }

    func testPrefixAndLengthsAreRespected() throws {
        var o = SamplingOptions()
        o.count = 300
        o.prefix = [2]  // "b"
        o.minLength = 2
        o.maxLength = 4
        let names = try sample(o, smoothing: 1)
        XCTAssertEqual(names.count, 300)
        for n in names {
            XCTAssertTrue(n.hasPrefix("b"), n)
            XCTAssertTrue((2...4).contains(n.count), n)
        }
    }

    func testNewAndUnique() throws {
        var o = SamplingOptions()
        o.count = 40
        o.excluded = ["ab", "b"]
        o.unique = true
        let names = try sample(o, smoothing: 1)
        XCTAssertEqual(names.count, 40)
        XCTAssertEqual(Set(names).count, 40)
        XCTAssertTrue(Set(names).isDisjoint(with: ["ab", "b"]))
    }

    func testImpossibleConstraintsThrowInsteadOfLooping() throws {
        var o = SamplingOptions()
        o.count = 3
        o.unique = true  // without smoothing only "ab" and "b" exist
        XCTAssertThrowsError(try sample(o)) { XCTAssertTrue(($0 as? NameGenError)?.message.contains("met the constraints") ?? false) }
    }

    func testExhaustedUniqueNamesGiveUpWithoutUsingTheWholeBudget() throws {
        // Only "ab" and "b" exist; the budget of 100 tries per name asked for would be 10⁹ tries
        // (over a minute in a release build). 100,000 rejections in a row end it.
        var o = SamplingOptions()
        o.count = 10_000_000
        o.unique = true
        let start = Date()
        XCTAssertThrowsError(try sample(o)) {
            let message = ($0 as? NameGenError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("Only 2 of 10000000 names met the constraints"), message)
            let tries = Int(message.split(separator: " ").dropLast().last ?? "") ?? .max
            XCTAssertLessThan(tries, 110_000, message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }
}

/// The incremental path: a model that reads whole histories gets, row by row, a history that
/// grows by one token or starts again (as a new name, or as the start token alone for a row
/// no longer in use), and (for a model that only looks at the last token)
/// draws exactly the names the window path draws.
final class IncrementalSamplingTests: NameGenTestCase {
    /// The bigram, fed histories; checks the promise about how histories change between calls.
    private final class HistoryBigram: IncrementalSampling {
        let bigram: BigramModel
        let restart: [Int32]
        var previous: [[Int32]]?
        var violations = 0, calls = 0
        init(_ bigram: BigramModel, prefix: [Int32]) { (self.bigram, self.restart) = (bigram, [Vocabulary.boundary] + prefix) }
        var blockSize: Int { bigram.blockSize }
        var vocabularySize: Int { bigram.vocabularySize }
        func namedTensors() -> [String: Tensor] { bigram.namedTensors() }
        func logits(contexts: [Int32], count: Int, into logits: inout Matrix) { fatalError("the sampler must use nextLogits") }
        func nextLogits(histories: [[Int32]], into logits: inout Matrix) {
            calls += 1
            for (r, h) in histories.enumerated() {
                let grew = previous.map { h.count == $0[r].count + 1 && Array(h.dropLast()) == $0[r] } ?? false
                if !(grew || h == restart || h == [Vocabulary.boundary]) { violations += 1 }
            }
            previous = histories
            bigram.logits(contexts: histories.map { $0.last! }, count: histories.count, into: &logits)
        }
    }

    func testSameNamesAsTheWindowPathAndHistoriesGrowByOne() throws {
        let d = try Dataset(names: ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"],
                            split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let bigram = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 0.1)
        bigram.fit(d.stream(.train, blockSize: 1))
        var options = SamplingOptions()
        (options.count, options.minLength, options.maxLength, options.unique) = (40, 3, 9, true)
        options.prefix = d.vocabulary.encode("a")!
        var rng1 = RandomGenerator(seed: 11), rng2 = RandomGenerator(seed: 11)
        let windows = try Sampler.sample(model: bigram, vocabulary: d.vocabulary, options: options, rng: &rng1)
        let incremental = HistoryBigram(bigram, prefix: options.prefix)
        let histories = try Sampler.sample(model: incremental, vocabulary: d.vocabulary, options: options, rng: &rng2)
        XCTAssertEqual(histories, windows)
        XCTAssertGreaterThan(incremental.calls, 3)
        XCTAssertEqual(incremental.violations, 0)
    }
}
