import Foundation
import XCTest
@testable import NameGen

/// The command-line parts of reading big inputs: standard input, empty splits, sample counts.
final class BigDataCLITests: NameGenTestCase {
    private var dir: TemporaryDirectory!
    private var data: String!
    private let names = ["jade", "jake", "jamal", "jana", "jasmine", "emma", "ella", "leo", "liam", "noah", "nora",
                         "mia", "max", "ava", "eva", "ivan", "jan", "jay", "anna", "hanna", "zoe\u{308}", "zoë", "rené"]

    /// Releases the directory (XCTest keeps the test object alive until the process ends).
    override func tearDown() { dir = nil }

    override func setUp() {
        dir = TemporaryDirectory()
        data = dir.write("names.txt", names.joined(separator: "\n") + "\n")
    }

    private func run(_ args: [String]) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let status = CommandLineTool.run(args, console: console)
        return (status, out(), err())
    }

    /// Runs `body` with the process's standard input reading `path`.
    private func withStandardInput<T>(_ path: String, _ body: () throws -> T) rethrows -> T {
        let fd = open(path, O_RDONLY)
        precondition(fd >= 0)
        let saved = dup(0)
        dup2(fd, 0)
        close(fd)
        defer {
            dup2(saved, 0)
            close(saved)
        }
        return try body()
    }

    func testStandardInputTrainsTheSameModelAsTheFile() throws {
        let a = dir.file("a.safetensors"), b = dir.file("b.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", a]).status, 0)
        let r = withStandardInput(data) { run(["train", "--model", "bigram", "--data", "-", "--checkpoint", b]) }
        XCTAssertEqual(r.status, 0, r.err)
        let ca = try Checkpoint.read(from: a), cb = try Checkpoint.read(from: b)
        XCTAssertEqual(ca.tensors, cb.tensors)
        XCTAssertEqual(ca.dataSHA256, cb.dataSHA256)
        XCTAssertEqual(cb.dataFile, "-")
        // eval and sample --new read standard input too, and give what the file gives.
        let fromFile = run(["eval", "--split", "all", "--checkpoint", a, "--data", data])
        let fromInput = withStandardInput(data) { run(["eval", "--split", "all", "--checkpoint", a, "--data", "-"]) }
        XCTAssertEqual(fromInput.status, 0, fromInput.err)
        XCTAssertEqual(fromInput.out, fromFile.out)
        let sampled = withStandardInput(data) { run(["sample", "-n", "30", "--new", "--seed", "3", "--checkpoint", b, "--data", "-"]) }
        XCTAssertEqual(sampled.status, 0, sampled.err)
        let out = sampled.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(out.count, 30)
        XCTAssertTrue(Set(out).isDisjoint(with: names), "--new read the names from standard input")
        XCTAssertTrue(sampled.err.contains("30 new"), sampled.err)
        // Without --data, a model trained on standard input does not wait on it: eval says
        // how to pass the names, sample prints its names without the summary.
        let noData = run(["eval", "--checkpoint", b])
        XCTAssertEqual(noData.status, 65)
        XCTAssertTrue(noData.err.contains("trained on standard input"), noData.err)
        let noSummary = run(["sample", "-n", "3", "--seed", "1", "--checkpoint", b])
        XCTAssertEqual(noSummary.status, 0, noSummary.err)
        XCTAssertEqual(noSummary.out.split(separator: "\n").count, 3)
        XCTAssertTrue(noSummary.err.contains("no summary of new names"), noSummary.err)
    }

    /// --val-fraction 0 leaves val empty: "–" in the tables, null in JSON and in info.
    func testEmptySplitsShowADash() throws {
        let path = dir.file("m.safetensors")
        let r = run(["train", "--data", data, "--checkpoint", path, "--val-fraction", "0", "--steps", "3", "--hidden", "4",
                     "--layers", "1", "--block-size", "2", "--embed", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        let valRow = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("val") })
        XCTAssertEqual(valRow.split(separator: " "), ["val", "0", "–", "–", "–"])
        XCTAssertFalse(r.out.contains("nan"))
        let e = run(["eval", "--split", "all", "--checkpoint", path, "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let splits = try XCTUnwrap(json["splits"] as? [String: Any])
        XCTAssertTrue(splits["val"] is NSNull, "\(splits)")
        XCTAssertNotNil((splits["train"] as? [String: Any])?["nll"] as? Double)
        let table = run(["eval", "--split", "all", "--checkpoint", path])
        XCTAssertTrue(table.out.contains("val         0        –"), table.out)
        let info = run(["info", "--checkpoint", path])
        XCTAssertEqual(info.status, 0, info.err)
        let best = try XCTUnwrap(info.out.split(separator: "\n").first { $0.contains("best val loss") })
        XCTAssertTrue(best.hasSuffix("–") || best.contains("– "), String(best))
        XCTAssertFalse(info.out.contains("nan"))
    }

    /// The count is not capped: a count past the old 10,000,000 limit passes the option
    /// checks and fails only on the missing checkpoint (66, not a usage error 64).
    func testSampleCountHasNoFixedCap() {
        let r = run(["sample", "-n", "20000000", "--checkpoint", dir.file("missing.safetensors")])
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertEqual(run(["sample", "-n", "0", "--checkpoint", dir.file("missing.safetensors")]).status, 64)
    }

    /// Quiet for the first second; then one plain line (no bar, no redraw) off a terminal.
    func testProgressLineOnlyAfterASecond() {
        let (console, _, err) = Console.capturing()
        let progress = WorkProgress(console: console, label: "reading big.txt", unit: .bytes)
        progress.update(4_000_000, of: 143_000_000)
        XCTAssertEqual(err(), "", "nothing within the first second")
        Thread.sleep(forTimeInterval: 1.05)
        progress.update(8_000_000, of: 143_000_000)
        progress.update(12_000_000, of: 143_000_000)
        progress.finish()
        let lines = err().split(separator: "\n")
        XCTAssertEqual(lines.count, 1, err())
        XCTAssertTrue(lines[0].hasPrefix("reading big.txt: 8.0 of 143.0 MB | ETA "), err())
        XCTAssertFalse(err().contains("["), "no bar off a terminal")
    }
}
