import XCTest
@testable import NameGen

final class DatasetTests: NameGenTestCase {
    private let names = (0..<1000).map { "name\($0)" }

    func testSplitIsDeterministicForASeed() throws {
        let a = try Dataset(names: names, split: SplitConfig(seed: 7))
        let b = try Dataset(names: names, split: SplitConfig(seed: 7))
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.val, b.val)
        XCTAssertEqual(a.test, b.test)
        let c = try Dataset(names: names, split: SplitConfig(seed: 8))
        XCTAssertNotEqual(a.train, c.train, "another seed should give another shuffle")
    }

    func testSplitIsDisjointAndComplete() throws {
        let d = try Dataset(names: names, split: SplitConfig(seed: 1))
        XCTAssertEqual(d.train.count, 800)
        XCTAssertEqual(d.val.count, 100)
        XCTAssertEqual(d.test.count, 100)
        let train = Set(d.train), val = Set(d.val), test = Set(d.test)
        XCTAssertTrue(train.isDisjoint(with: val))
        XCTAssertTrue(train.isDisjoint(with: test))
        XCTAssertTrue(val.isDisjoint(with: test))
        XCTAssertEqual(train.union(val).union(test), Set(names))
    }

    func testFractionsAreOptions() throws {
        let d = try Dataset(names: names, split: SplitConfig(seed: 1, trainFraction: 0.5, valFraction: 0.3))
        XCTAssertEqual([d.train.count, d.val.count, d.test.count], [500, 300, 200])
    }

    func testBadFractionsAreUsageErrors() {
        XCTAssertThrowsError(try Dataset(names: names, split: SplitConfig(trainFraction: 0.9, valFraction: 0.2))) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .usage)
        }
        XCTAssertThrowsError(try Dataset(names: names, split: SplitConfig(trainFraction: 0, valFraction: 0.1)))
    }

    func testTooFewNamesForATrainSplit() {
        XCTAssertThrowsError(try Dataset(names: ["ab"], split: SplitConfig())) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .data)
        }
    }

    func testDedupeDropsRepeatsBeforeTheSplit() throws {
        let d = try Dataset(names: ["ab", "ab", "cd", "ef", "ab"] + (0..<20).map { "x\($0)" },
                            split: SplitConfig(seed: 3), dedupe: true)
        let all = d.train + d.val + d.test
        XCTAssertEqual(all.count, 23)
        XCTAssertEqual(Set(all).count, 23)
    }

    func testVocabularyOfPunctuationAndNonASCII() throws {
        let v = try Vocabulary(names: ["zoë", "o'neil", "anne-marie", "j.r."])
        // Sorted by Unicode scalar value: ' (0x27) - (0x2D) . (0x2E) then letters, ë last.
        XCTAssertEqual(v.characters, ["'", "-", ".", "a", "e", "i", "j", "l", "m", "n", "o", "r", "z", "ë"])
        XCTAssertEqual(v.size, 15)
        XCTAssertEqual(v.token("."), 3, "'.' is an ordinary character; token 0 stays the start/stop token")
        XCTAssertEqual(v.encode("zoë"), [13, 11, 14])
        XCTAssertEqual(v.decode([13, 11, 14, 0]), "zoë")
        XCTAssertNil(v.encode("zoé"))
        // A decomposed ë (e + combining diaeresis) is the same character.
        XCTAssertEqual(v.encode("zoe\u{308}"), [13, 11, 14])
    }

    func testFileReadingTrimsAndSkipsBlankLinesAndAcceptsCRLF() throws {
        let names = try NameFile.parse(Array("  emma \r\n\r\nolivia\n\n\t ava\n".utf8), source: "t")
        XCTAssertEqual(names, ["emma", "olivia", "ava"])
    }

    /// The vocabulary comes from every name, whatever split it lands in, so a character that
    /// only one held-out name has still gets its token, and every split is encoded with the one
    /// sorted vocabulary: the windows of a split spell its names in that vocabulary's tokens.
    func testWindowsOfASplitUseTheSharedVocabulary() throws {
        let names = ["ab", "ba", "abc", "cab", "bca", "aa", "bb", "cc", "ca", "ac", "zed"]
        let d = try Dataset(names: names, split: SplitConfig(seed: 5, trainFraction: 0.5, valFraction: 0.2))
        // Sorted characters from all names: a b c d e z → tokens 1…6, whichever split has "zed".
        XCTAssertEqual(d.vocabulary.characters, ["a", "b", "c", "d", "e", "z"])
        for split in SplitName.allCases {
            let w = d.stream(split, blockSize: 2)
            // Read the names back from the targets: each name's tokens, then the end token 0.
            var spelled: [String] = [], current = ""
            for t in (0..<w.count).map({ w.target($0) }) {
                if t == 0 { spelled.append(current); current = "" } else { current.append(["a", "b", "c", "d", "e", "z"][Int(t) - 1]) }
            }
            XCTAssertEqual(spelled, d.names(split), "\(split)")
        }
        XCTAssertTrue(d.train.contains("zed") || d.val.contains("zed") || d.test.contains("zed"))
    }
}
