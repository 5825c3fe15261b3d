import XCTest
@testable import NameGen

/// Bad data files give a `.data` NameGenError naming the problem, never a trap.
final class NameFileTests: XCTestCase {
    private func assertDataError(_ path: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NameFile.read(path), file: file, line: line) { error in
            guard let e = error as? NameGenError else { return XCTFail("not a NameGenError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .data, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testMissingFile() { assertDataError("/nonexistent/names.txt", contains: "No such file") }

    func testDirectory() {
        let dir = TemporaryDirectory()
        assertDataError(dir.path, contains: "is a directory")
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
