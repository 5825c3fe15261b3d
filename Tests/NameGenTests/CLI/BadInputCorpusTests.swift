import Foundation
import XCTest
@testable import NameGen

/// Feeds every file of Tests/Corpus (made by Tests/Corpus/make_corpus.py) and a few
/// generated large cases to the tool. Each bad input gets one `Error:` line and its
/// documented exit status, and the existing checkpoint is left byte for byte as it was.
final class BadInputCorpusTests: NameGenTestCase {
    private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Corpus").path
    private var dir: TemporaryDirectory!
    private var checkpoint: String!
    private var original: Data!

    /// Releases the directory (XCTest keeps the test object alive until the process ends).
    override func tearDown() { dir = nil }

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        checkpoint = dir.file("model.safetensors")
        let data = dir.write("names.txt", "emma\nolivia\nava\nisabella\nsophia\nmia\namelia\nharper\nevelyn\nabigail\n")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint]).status, 0)
        original = FileManager.default.contents(atPath: checkpoint)
    }

    private func run(_ args: [String]) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let status = CommandLineTool.run(args, console: console)
        return (status, out(), err())
    }

    private func assertFails(_ args: [String], status: Int32, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = run(args)
        XCTAssertEqual(r.status, status, "\(args): \(r.err)", file: file, line: line)
        XCTAssertEqual(r.out, "", file: file, line: line)
        XCTAssertTrue(r.err.hasPrefix("Error: "), "\(args): \(r.err)", file: file, line: line)
        XCTAssertTrue(r.err.contains(fragment), "\(args): '\(r.err)' lacks '\(fragment)'", file: file, line: line)
        if status != 64 {
            XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, "one line: \(r.err)", file: file, line: line)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: checkpoint), original, "checkpoint untouched", file: file, line: line)
    }

    private func train(_ data: String) -> [String] {
        ["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint, "--force"]
    }

    func testBadDataFiles() {
        let cases: [(String, String)] = [
            ("data/empty.txt", "is empty"),
            ("data/blank-lines.txt", "every line is blank"),
            ("data/binary.bin", "NUL byte"),
            ("data/invalid-utf8.txt", "line 3 is not valid UTF-8"),
            ("data/nul-bytes.txt", "line 2 contains a NUL byte"),
            ("data/missing.txt", "No such file"),
            // A directory is labelled data, one file per category: the first bad file is named.
            ("data", "data/binary.bin' line 1 contains a NUL byte"),
        ]
        for (name, fragment) in cases {
            assertFails(train(corpus + "/" + name), status: 65, fragment)
        }
    }

    func testGeneratedLargeInputs() {
        // One line of 1 MB: a single name leaves nothing for the train split.
        var rng = RandomGenerator(seed: 5)
        let line = String((0..<1_000_000).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.nextInt(below: 26)))) })
        assertFails(train(dir.write("long.txt", line)), status: 65, "Too few names")
        // 100,000 distinct characters, one per line.
        var text = ""
        for i in 0..<100_000 {
            let code = UInt32(0x4E00 + i % 20_000 + (i / 20_000) * 0x10000)
            text.unicodeScalars.append(Unicode.Scalar(code)!)
            text += "\n"
        }
        assertFails(train(dir.write("vocab.txt", text)), status: 65, "distinct characters")
    }

    func testValidOddDataTrains() throws {
        for (name, expectedVocabulary) in [("data/crlf.txt", "abeghilmnoprsvy"), ("data/one-char-names.txt", "abcdefghijklmnopqrstuvwxyz"),
                                           ("data/punctuation-and-accents.txt", "'-.acdehijlmnoruyzéë")] {
            let path = dir.file("odd.safetensors")
            let r = run(["train", "--model", "bigram", "--data", corpus + "/" + name, "--checkpoint", path,
                         "--train-fraction", "1", "--val-fraction", "0", "--force"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.err)")
            let c = try Checkpoint.read(from: path)
            XCTAssertEqual(String(c.vocabulary.characters), expectedVocabulary, name)
        }
    }

    func testBadCheckpoints() {
        let cases: [(String, String)] = [
            ("not-safetensors", "it is text, not a safetensors file"),
            ("too-short", "too short"),
            ("header-length-too-large", "header claims"),
            ("header-not-json", "not valid JSON"),
            ("offsets-past-end", "past the end"),
            ("negative-offsets", "negative or reversed"),
            ("overlapping-offsets", "overlaps"),
            ("unknown-dtype", "unknown dtype 'Q7'"),
            ("shape-mismatch", "data_offsets span"),
            ("wrong-model-shape", "expected [3, 3]"),
            ("newer-format", "newer namegen"),
            ("unknown-model", "unknown model kind 'mamba'"),
            ("negative-counts", "negative or not finite"),
            ("missing", "No checkpoint at"),
        ]
        for (name, fragment) in cases {
            let path = corpus + "/checkpoints/" + name + ".safetensors"
            for command in ["eval", "sample", "info"] {
                assertFails([command, "--checkpoint", path], status: 66, fragment)
            }
        }
        XCTAssertEqual(run(["info", "--checkpoint", corpus + "/checkpoints/valid-bigram.safetensors"]).status, 0)
    }

    func testOutOfRangeFlagsLeaveTheCheckpointAlone() {
        for args in [["train", "--block-size", "0"], ["train", "--steps", "-1"], ["train", "--batch-size", "0"],
                     ["train", "--steps", "ten"], ["train", "--lr", "fast"], ["sample", "--temperature", "-1"],
                     ["sample", "--top-k", "0"], ["sample", "-n", "1.5"], ["eval", "--split", "everything"]] {
            assertFails(args + ["--checkpoint", checkpoint], status: 64, "is invalid for")
        }
    }

    func testOutputsThatWouldReplaceTheDataOrEachOtherAreRefused() throws {
        let data = dir.file("names.txt")
        let names = FileManager.default.contents(atPath: data)
        for (extra, fragment) in [(["--checkpoint", data], "is the data file"),
                                  (["--checkpoint", checkpoint!, "--log", data], "is the data file"),
                                  (["--checkpoint", checkpoint!, "--log", dir.path + "/./names.txt"], "is the data file"),
                                  (["--checkpoint", checkpoint!, "--log", checkpoint!], "is the checkpoint")] {
            for model in ["bigram", "mlp"] {
                assertFails(["train", "--model", model, "--data", data, "--steps", "2", "--hidden", "4", "--layers", "1"] + extra,
                            status: 64, fragment)
                XCTAssertEqual(FileManager.default.contents(atPath: data), names, "\(extra): the names are untouched")
            }
        }
        // A device, FIFO or socket is not replaced by the rename of the atomic write.
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write([1, 2, 3], to: fifo)) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .io)
            XCTAssertTrue(($0 as? NameGenError)?.message.contains("not a regular file") ?? false, "\($0)")
        }
        var status = stat()
        XCTAssertEqual(lstat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "still a FIFO")
        let r = run(["train", "--model", "bigram", "--data", data, "--checkpoint", fifo, "--log", dir.file("x.csv")])
        XCTAssertEqual(r.status, 73, r.err)
    }
}
