import Foundation
import XCTest
@testable import NameGen

/// Base for tests that drive the tool through its command line, as a user does: each test gets a
/// fresh temporary directory holding `names.txt` (the 60 names below) and runs the tool in-process
/// with its output captured.
class CommandLineTestCase: NameGenTestCase {
    /// 60 short names: enough for a split with non-empty val and test.
    static let names = (0..<60).map { i -> String in
        let syllables = ["an", "bel", "cor", "da", "el", "fi", "ga", "hu", "is", "jo", "ka", "lu", "mi", "no"]
        return syllables[i % 14] + syllables[(i * 5 + 3) % 14] + (i % 3 == 0 ? "a" : "")
    }

    /// The test's temporary directory, removed when the test ends.
    var dir: TemporaryDirectory!
    /// Path of `names.txt` inside `dir`, one of `names` a line.
    var data: String!

    override func setUp() {
        dir = TemporaryDirectory()
        data = dir.write("names.txt", Self.names.joined(separator: "\n") + "\n")
    }

    /// XCTest keeps every test case object until the process ends, so the directory is released
    /// here: otherwise its deinit never runs and each test leaves a directory in /tmp.
    override func tearDown() {
        dir = nil
    }

    /// Runs the tool; `stopped` gives it a stop request that is already made, as if SIGINT had
    /// arrived before the first step ended.
    func run(_ args: [String], stopped: Bool = false) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let stop = StopRequest()
        if stopped { stop.request() }
        let status = CommandLineTool.run(args, console: console, stop: stop)
        return (status, out(), err())
    }

    /// A run of `train(checkpoint)` (10 steps) stopped after its first step and resumed ends with
    /// the same tensors, bit for bit, as one never stopped; `moment` names a saved AdamW moment.
    func checkResumedRunEqualsUninterruptedRun(_ train: (String) -> [String], moment: String,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
        let whole = dir.file("whole.safetensors"), parts = dir.file("parts.safetensors")
        XCTAssertEqual(run(train(whole)).status, 0, file: file, line: line)
        let stopped = run(train(parts), stopped: true)
        XCTAssertEqual(stopped.status, 130, stopped.err, file: file, line: line)
        let resumed = run(["train", "--resume", "--checkpoint", parts, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err, file: file, line: line)
        XCTAssertTrue(resumed.err.contains("resuming \(dir.file("parts.partial.safetensors")) at step 1 of 10"), resumed.err,
                      file: file, line: line)
        let a = try Checkpoint.read(from: whole).tensors, b = try Checkpoint.read(from: parts).tensors
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        XCTAssertTrue(a.keys.contains(moment), "AdamW moments are saved", file: file, line: line)
        for (name, t) in a { XCTAssertEqual(t, b[name], "tensor \(name) differs after resume", file: file, line: line) }
    }
}
