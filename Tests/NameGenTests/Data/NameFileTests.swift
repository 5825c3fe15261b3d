import XCTest
@testable import NameGen

/// Bad data files give a `.data` NameGenError naming the problem, never a trap.
final class NameFileTests: NameGenTestCase {
    private func assertDataError(_ path: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NameFile.read(path), file: file, line: line) { error in
            guard let e = error as? NameGenError else { return XCTFail("not a NameGenError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .data, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testMissingFile() { assertDataError("/nonexistent/names.txt", contains: "No such file") }

    /// A directory is labelled data, one file per category: an empty one has nothing to read.
    func testEmptyDirectory() {
        let dir = TemporaryDirectory()
        assertDataError(dir.path, contains: "has no files of names")
    }

    func testEmptyFile() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("empty.txt", ""), contains: "is empty")
    }

    func testBlankLinesOnly() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("blank.txt", "\n  \n\t\r\n\n"), contains: "every line is blank")
    }

    func testBinaryFileWithNULBytes() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("bin", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]), contains: "NUL byte")
    }

    func testInvalidUTF8NamesTheLine() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("latin1.txt", Array("emma\nolivia\n".utf8) + [0x7A, 0x6F, 0xEB, 0x0A]), contains: "line 3 is not valid UTF-8")
    }

    func testControlCharacters() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("ctl.txt", "emma\nab\u{1}c\n"), contains: "U+0001")
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the padding spills into a second block.
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

/// The fast ASCII path and the grapheme path of the parser give what Swift's `String` gives.
final class NameParserTests: NameGenTestCase {
    /// The old parser (String per line, trimmed, split into Characters), as the oracle.
    private func oracle(_ text: String) -> [String] {
        Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    func testGraphemesAreOneTokenEachAndCompareAsCharacters() throws {
        // e + U+0301 and precomposed é are one character; U+212A KELVIN SIGN equals K;
        // a flag (two regional indicators) and a family emoji are one character each.
        let text = "ame\u{301}lie\nam\u{E9}lie\n\u{212A}im\nKim\nzo\u{EB}\nflag \u{1F1EB}\u{1F1F7}\n\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\n"
        let list = try NameFile.parseList(Array(text.utf8), source: "t")
        XCTAssertEqual(list.count, 7)
        XCTAssertEqual(list.length(0), 6, "amélie with a combining accent is six characters")
        XCTAssertEqual(list.tokens(of: 0), list.tokens(of: 1), "the two spellings of amélie are the same tokens")
        XCTAssertEqual(list.tokens(of: 2), list.tokens(of: 3), "Kelvin sign K is K")
        XCTAssertEqual(list.length(5), 6)
        XCTAssertEqual(list.length(6), 1)
        // The vocabulary is the sorted set of Characters, as Vocabulary(names:) builds it.
        XCTAssertEqual(list.vocabulary, try Vocabulary(names: oracle(text)))
        XCTAssertEqual(list.strings.map { Array($0) }, oracle(text).map { Array($0) })
    }

    func testTrimmingAndBlankLinesMatchStrings() throws {
        let text = "  emma \r\n\r\nolivia\n\n\t ava\u{A0}\n mary ann\n\u{2003}x\u{2003}\nlast-no-newline "
        XCTAssertEqual(try NameFile.parse(Array(text.utf8), source: "t"), oracle(text))
        XCTAssertThrowsError(try NameFile.parse(Array("a\tb\n".utf8), source: "t")) {
            XCTAssertEqual(($0 as? NameGenError)?.message, "'t' line 1 contains a tab inside a name; namegen reads one name per line, not columns.")
        }
    }

    /// Chunk boundaries anywhere (inside a line, inside a UTF-8 sequence, at a newline) give the same names.
    func testChunkBoundariesDoNotMatter() throws {
        let text = "emma\nzo\u{EB}\r\name\u{301}lie\n  bob  \nx\n\nlast"
        let bytes = Array(text.utf8)
        let whole = try NameFile.parseList(bytes, source: "t")
        for size in [1, 2, 3, 5, 7, 64] {
            var parser = NameParser(source: "t")
            for start in stride(from: 0, to: bytes.count, by: size) {
                try parser.consume(Array(bytes[start..<min(bytes.count, start + size)]))
            }
            let list = try parser.finish()
            XCTAssertEqual(list.strings, whole.strings, "chunks of \(size)")
            XCTAssertEqual(list.tokens, whole.tokens)
        }
        XCTAssertEqual(whole.strings, oracle(text))
    }

    func testNULOffsetIsTheFileOffset() {
        XCTAssertThrowsError(try NameFile.parseList(Array("ab\ncd\u{0}e\n".utf8), source: "t")) {
            XCTAssertEqual(($0 as? NameGenError)?.message, "'t' line 2 contains a NUL byte at offset 5; this looks like a binary file.")
        }
    }

    func testLargeVocabularyUsesSixteenBitTokens() throws {
        // 300 distinct CJK characters: more than a byte holds.
        let text = (0..<300).map { String(Character(Unicode.Scalar(0x4E00 + $0)!)) + "a" }.joined(separator: "\n")
        let list = try NameFile.parseList(Array(text.utf8), source: "t")
        XCTAssertEqual(list.vocabulary.size, 302)
        XCTAssertEqual(list.tokens.width, 2)
        XCTAssertEqual(list.strings, oracle(text))
    }

    func testStandardInputAndFileGiveTheSameNamesAndHash() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("n.txt", "emma\nolivia\n")
        let file = try NameFile.load(path)
        XCTAssertEqual(file.sha256, SHA256.hex(Array("emma\nolivia\n".utf8)))
        XCTAssertEqual(file.names.strings, ["emma", "olivia"])
        XCTAssertEqual(file.bytes, 12)
    }

    func testStreamingHashEqualsOneShotAcrossPieces() {
        var rng = RandomGenerator(seed: 1)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = SHA256.hex(bytes)
        for piece in [1, 3, 63, 64, 65, 200] {
            var h = SHA256.Hasher()
            for s in stride(from: 0, to: bytes.count, by: piece) { h.update(bytes[s..<min(bytes.count, s + piece)]) }
            XCTAssertEqual(h.finalizeHex(), whole, "pieces of \(piece)")
        }
        // Known answer for a million 'a' (FIPS 180-2 appendix B.3), in 4 MB-style pieces.
        var h = SHA256.Hasher()
        for _ in 0..<10 { h.update([UInt8](repeating: 0x61, count: 100_000)) }
        XCTAssertEqual(h.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testDedupeByTokensTreatsCanonicallyEqualNamesAsOne() throws {
        let list = try NameFile.parseList(Array("ame\u{301}lie\nam\u{E9}lie\nbob\nbob\nann\n".utf8), source: "t")
        XCTAssertEqual(list.firstOccurrences(), [0, 2, 4])
    }
}
