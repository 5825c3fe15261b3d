import Dispatch
import Foundation
import XCTest
@testable import NameGen

/// Data files that are nearly right, and data that is not a file, through the whole tool: what
/// `train` accepts, `info`, `eval` and `sample` read back, and nothing waits on a FIFO.
final class DataRobustnessCLITests: CommandLineTestCase {
    /// Runs the tool on another thread; a run still going after `seconds` fails the test, and
    /// `unblock` is called to let it end (so that a regression fails instead of hanging).
    private func runWithin(_ seconds: Double, _ args: [String], unblock: () -> Void = {},
                           file: StaticString = #filePath, line: UInt = #line) -> (status: Int32, out: String, err: String) {
        final class Box: @unchecked Sendable { var result: (status: Int32, out: String, err: String) = (-1, "", "") }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let (console, out, err) = Console.capturing()
            let status = CommandLineTool.run(args, console: console, stop: StopRequest())
            box.result = (status, out(), err())
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("\(args) still running after \(seconds) s", file: file, line: line)
            unblock()
            done.wait()
        }
        return box.result
    }

    func testAByteOrderMarkedFileTrainsAReadableCheckpoint() throws {
        let bom = dir.write("bom.txt", [0xEF, 0xBB, 0xBF] + Array((Self.names.joined(separator: "\n") + "\n").utf8))
        let checkpoint = dir.file("bom.safetensors")
        let t = run(["train", "--model", "bigram", "--data", bom, "--checkpoint", checkpoint])
        XCTAssertEqual(t.status, 0, t.err)
        // The mark is not a character: the model is the one trained on the file without it.
        let plain = dir.file("plain.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", plain]).status, 0)
        XCTAssertEqual(try Checkpoint.read(from: checkpoint).tensors, try Checkpoint.read(from: plain).tensors)
        for args in [["info"], ["eval"], ["sample", "-n", "5"]] {
            let r = run(args + ["--checkpoint", checkpoint])
            XCTAssertEqual(r.status, 0, "\(args): \(r.err)")
        }
        let resume = run(["train", "--model", "mlp", "--data", bom, "--checkpoint", dir.file("mlp.safetensors"), "--steps", "2",
                          "--hidden", "4", "--layers", "1"])
        XCTAssertEqual(resume.status, 0, resume.err)
        let more = run(["train", "--resume", "--checkpoint", dir.file("mlp.safetensors"), "--steps", "4"])
        XCTAssertEqual(more.status, 0, more.err)
    }

    func testAwkwardCharactersTrainAndReadBack() throws {
        // Quotes, backslash, slash, combining marks (alone at the start and on a letter), a
        // non-BMP emoji, U+2028 inside a name, format characters, noncharacters, private use.
        let names = ["a\"b", "c\\d", "e/f", "\u{301}ab", "ne\u{301}e", "x\u{1F600}y", "l\u{2028}m", "z\u{200B}w", "s\u{AD}t",
                     "p\u{200D}q", "u\u{FFFE}v", "\u{E000}o", "r\u{61C}k", "'n'"]
        let path = dir.write("odd.txt", (names + Self.names).joined(separator: "\n") + "\n")
        let checkpoint = dir.file("odd.safetensors")
        let t = run(["train", "--model", "bigram", "--data", path, "--checkpoint", checkpoint])
        XCTAssertEqual(t.status, 0, t.err)
        let c = try Checkpoint.read(from: checkpoint)
        let expected = try NameFile.load(path).names.vocabulary
        XCTAssertEqual(c.vocabulary.characters.map { Array(String($0).unicodeScalars) },
                       expected.characters.map { Array(String($0).unicodeScalars) })
        for args in [["info"], ["eval", "--split", "all"], ["sample", "-n", "20"]] {
            let r = run(args + ["--checkpoint", checkpoint])
            XCTAssertEqual(r.status, 0, "\(args): \(r.err)")
        }
    }

    func testNearlyTextFilesGetTheirOwnMessages() {
        for (name, bytes, message) in [
            ("tab.txt", Array("emma\nava\nmia\tsmith\n".utf8), "line 3 contains a tab inside a name"),
            ("cr.txt", Array("emma\rava\rmia\r".utf8), "the file seems to use CR line endings"),
            ("joined.txt", Array("emma\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("ava\n".utf8), "line 2 contains a byte-order mark"),
        ] as [(String, [UInt8], String)] {
            let r = run(["train", "--model", "bigram", "--data", dir.write(name, bytes), "--checkpoint", dir.file("x.safetensors")])
            XCTAssertEqual(r.status, 65, r.err)
            XCTAssertTrue(r.err.hasPrefix("Error: "), r.err)
            XCTAssertTrue(r.err.contains(message), "\(name): \(r.err)")
            XCTAssertFalse(r.err.contains("binary"), "\(name): \(r.err)")
            XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, "one line: \(r.err)")
        }
    }

    func testAModelTrainedFromAFIFONeverWaitsOnIt() throws {
        let fifo = dir.file("names.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let text = Array((Self.names.joined(separator: "\n") + "\n").utf8)
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                close(fd)
            }
            written.signal()
        }
        let checkpoint = dir.file("fifo.safetensors")
        // Whatever happens, no thread is left waiting on the FIFO: an open for writing that
        // finds no reader fails at once (ENXIO), one that finds a reader gives it end of file.
        let release = {
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let t = runWithin(60, ["train", "--model", "bigram", "--data", fifo, "--checkpoint", checkpoint], unblock: release)
        XCTAssertEqual(t.status, 0, t.err)
        if written.wait(timeout: .now() + 10) == .timedOut {
            let fd = open(fifo, O_RDONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        XCTAssertEqual(try Checkpoint.read(from: checkpoint).dataFile, fifo)

        // eval: a clear error that asks for --data FILE.
        let e = runWithin(10, ["eval", "--checkpoint", checkpoint], unblock: release)
        XCTAssertEqual(e.status, 65, e.err)
        XCTAssertTrue(e.err.contains("'\(fifo)', a FIFO, which is not read again"), e.err)
        XCTAssertTrue(e.err.contains("Pass --data FILE"), e.err)
        // sample: names, without the summary of new names.
        let s = runWithin(10, ["sample", "--checkpoint", checkpoint, "-n", "5"], unblock: release)
        XCTAssertEqual(s.status, 0, s.err)
        XCTAssertEqual(s.out.split(separator: "\n").count, 5)
        XCTAssertTrue(s.err.contains("no summary of new names"), s.err)
        // With --data FILE, eval reads that file.
        let withData = runWithin(30, ["eval", "--checkpoint", checkpoint, "--data", data], unblock: release)
        XCTAssertEqual(withData.status, 0, withData.err)
    }

    func testATextFileGivenAsACheckpointSaysSo() {
        for command in ["info", "eval", "sample"] {
            let r = run([command, "--checkpoint", data])
            XCTAssertEqual(r.status, 66, r.err)
            XCTAssertEqual(r.err.split(separator: "\n").first.map(String.init),
                           "Error: '\(data!)' is not a valid checkpoint: it is text, not a safetensors file. Pass a checkpoint written by 'namegen train' with --checkpoint PATH.")
        }
    }
}
