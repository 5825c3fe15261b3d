import XCTest
@testable import NameGen

/// The token stream against the windows namegen materialised before it (`ReferenceWindows`,
/// the old code kept in Support/ as the oracle).
final class TokenStreamTests: NameGenTestCase {
    func testEmmaAtBlockSize3() throws {
        let vocab = try Vocabulary(names: ["emma"])  // a=1, e=2, m=3
        let s = TokenStream(encoded: [vocab.encode("emma")!], blockSize: 3)
        let (a, e, m): (Int32, Int32, Int32) = (1, 2, 3)
        XCTAssertEqual(s.count, 5)
        XCTAssertEqual(s.tokens.tokens(0..<s.tokens.count), [0, 0, 0, e, m, m, a, 0])
        XCTAssertEqual((0..<5).flatMap { s.context($0) }, [0, 0, 0,  0, 0, e,  0, e, m,  e, m, m,  m, m, a])
        XCTAssertEqual((0..<5).map { s.target($0) }, [e, m, m, a, 0])
    }

    func testBlockSize1IsBigramPairs() throws {
        let s = TokenStream(encoded: [[1, 2]], blockSize: 1)
        XCTAssertEqual(s.tokens.tokens(0..<s.tokens.count), [0, 1, 2, 0])
        XCTAssertEqual((0..<3).flatMap { s.context($0) }, [0, 1, 2])
        XCTAssertEqual((0..<3).map { s.target($0) }, [1, 2, 0])
    }

    /// Random names (empty-free, lengths 1–12) at several block sizes: every example, one by
    /// one, as a range walk, and as a sorted sample, equals the old materialised windows.
    func testEveryExampleMatchesTheOldWindows() {
        var rng = RandomGenerator(seed: 11)
        let names: [[Int32]] = (0..<300).map { _ in (0..<(1 + rng.nextInt(below: 12))).map { _ in Int32(1 + rng.nextInt(below: 30)) } }
        for b in [1, 2, 3, 8, 16] {
            let old = ReferenceWindows(encoded: names, blockSize: b)
            let s = TokenStream(encoded: names, vocabularySize: 31, blockSize: b)
            XCTAssertEqual(s.count, old.count)
            var contexts = [Int32](repeating: -1, count: s.count * b), targets = [Int32](repeating: -1, count: s.count)
            s.copy(examples: 0..<s.count, contexts: &contexts, targets: &targets)
            XCTAssertEqual(contexts, old.contexts, "block size \(b): range walk")
            XCTAssertEqual(targets, old.targets, "block size \(b): range walk")
            // A walk that starts inside a name.
            let start = old.count / 3 + 1
            var c2 = [Int32](repeating: -1, count: 50 * b), t2 = [Int32](repeating: -1, count: 50)
            s.copy(examples: start..<(start + 50), contexts: &c2, targets: &t2)
            XCTAssertEqual(c2, Array(old.contexts[(start * b)..<((start + 50) * b)]))
            XCTAssertEqual(t2, Array(old.targets[start..<(start + 50)]))
            // Random single examples, as the trainer draws them.
            var row = [Int32](repeating: 0, count: b), target = [Int32](repeating: 0, count: 1)
            for _ in 0..<500 {
                let i = rng.nextInt(below: s.count)
                s.copy(example: i, toRow: 0, contexts: &row, targets: &target)
                XCTAssertEqual(row, Array(old.context(i)), "block size \(b), example \(i)")
                XCTAssertEqual(target[0], old.targets[i])
            }
        }
    }

    func testSixteenBitTokensWhenTheVocabularyIsLarge() {
        let names: [[Int32]] = [[1, 300, 4000], [299]]
        let s = TokenStream(encoded: names, vocabularySize: 4001, blockSize: 2)
        XCTAssertEqual(s.tokens.width, 2)
        let old = ReferenceWindows(encoded: names, blockSize: 2)
        XCTAssertEqual((0..<s.count).flatMap { s.context($0) }, old.contexts)
        XCTAssertEqual((0..<s.count).map { s.target($0) }, old.targets)
        XCTAssertEqual(TokenStream(encoded: names.map { $0.map { $0 % 256 } }, vocabularySize: 256, blockSize: 2).tokens.width, 1)
    }

    /// The memory of a stream: one byte per character plus block size per name, not
    /// block size × 4 bytes per character.
    func testStreamGrowsWithCharactersNotCharactersTimesBlockSize() {
        let names = [[Int32]](repeating: [1, 2, 3, 4, 5, 6], count: 1000)
        let s = TokenStream(encoded: names, vocabularySize: 27, blockSize: 8)
        XCTAssertEqual(s.tokens.count * s.tokens.width, 6000 + 8 * 1000 + 1)
        XCTAssertEqual(s.exampleStarts.count, 1001)
    }

    /// Bigram counts from one pass over the stream equal counting the old windows' pairs.
    func testBigramCountsMatchTheOldWindows() {
        var rng = RandomGenerator(seed: 3)
        let names: [[Int32]] = (0..<200).map { _ in (0..<(1 + rng.nextInt(below: 9))).map { _ in Int32(1 + rng.nextInt(below: 5)) } }
        let old = ReferenceWindows(encoded: names, blockSize: 1)
        var expected = [Int](repeating: 0, count: 36)
        for i in 0..<old.count { expected[Int(old.contexts[i]) * 6 + Int(old.targets[i])] += 1 }
        XCTAssertEqual(TokenStream(encoded: names, vocabularySize: 6, blockSize: 1).bigramCounts(vocabularySize: 6), expected)
        XCTAssertEqual(expected.reduce(0, +), old.count)
    }

    /// A split's stream holds its names in the split's (shuffled) order.
    func testDatasetStreamFollowsTheSplitOrder() throws {
        let names = (0..<50).map { "n\(String(repeating: "a", count: $0 % 7))" }
        let d = try Dataset(names: names, split: SplitConfig(seed: 4))
        let vocab = d.vocabulary
        for split in SplitName.allCases {
            let old = ReferenceWindows(encoded: d.names(split).map { vocab.encode($0)! }, blockSize: 4)
            let s = d.stream(split, blockSize: 4)
            XCTAssertEqual((0..<s.count).flatMap { s.context($0) }, old.contexts)
        }
    }
}
