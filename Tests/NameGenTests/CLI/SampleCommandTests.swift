import Foundation
import XCTest
@testable import NameGen

/// `namegen sample`, `info`, `plot` and `completion` as a user runs them, on a bigram
/// model of a small file.
final class SampleCommandTests: NameGenTestCase {
    private var dir: TemporaryDirectory!
    private var checkpoint: String!
    private var names: [String]!

    /// Releases the directory (XCTest keeps the test object alive until the process ends).
    override func tearDown() { dir = nil }

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        names = ["jade", "jake", "jamal", "jana", "jasmine", "emma", "ella", "leo", "liam", "noah", "nora",
                 "mia", "max", "ava", "eva", "ivan", "jan", "jay", "anna", "hanna"]
        let data = dir.write("names.txt", names.joined(separator: "\n"))
        checkpoint = dir.file("model.safetensors")
        let (console, _, err) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint], console: console), 0, err())
    }

    private func run(_ args: [String]) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let status = CommandLineTool.run(args + ["--checkpoint", checkpoint], console: console)
        return (status, out(), err())
    }

    private func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    func testPrefixTopKTemperatureIsReproducible() {
        let args = ["sample", "-n", "20", "--seed", "7", "--temperature", "0.8", "--top-k", "5", "--prefix", "ja"]
        let a = run(args), b = run(args)
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(lines(a.out).count, 20)
        XCTAssertTrue(lines(a.out).allSatisfy { $0.hasPrefix("ja") })
        XCTAssertEqual(a.out, b.out)
    }

    func testNewUniqueAndLengths() {
        let r = run(["sample", "-n", "30", "--new", "--unique", "--min-length", "3", "--max-length", "6", "--seed", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        let out = lines(r.out)
        XCTAssertEqual(out.count, 30)
        XCTAssertEqual(Set(out).count, 30)
        XCTAssertTrue(Set(out).isDisjoint(with: names))
        XCTAssertTrue(out.allSatisfy { (3...6).contains($0.count) })
        XCTAssertTrue(r.err.contains("30 names (seed 1): 30 new, 0 in train, 0 in val, 0 in test"), r.err)
    }

    /// 9,000 names are three chunks: --threads 1, 2 and 3 print the same names in the same
    /// order, and a bad --threads is a usage error.
    func testThreadsDoNotChangeTheNames() {
        let one = run(["sample", "-n", "9000", "--seed", "4", "--threads", "1"])
        XCTAssertEqual(one.status, 0, one.err)
        XCTAssertEqual(lines(one.out).count, 9000)
        for t in ["2", "3"] {
            let other = run(["sample", "-n", "9000", "--seed", "4", "--threads", t])
            XCTAssertEqual(other.status, 0, other.err)
            XCTAssertTrue(other.out == one.out, "--threads \(t) printed other names")
        }
        let bad = run(["sample", "--threads", "0"])
        XCTAssertEqual(bad.status, 64, bad.err)
        XCTAssertTrue(bad.err.hasPrefix("Error: "), bad.err)
    }

    func testBadSamplingValuesAreUsageErrors() {
        let cases: [[String]] = [
            ["--top-k", "0"], ["--top-k", "x"], ["--temperature", "-1"], ["--temperature", "inf"],
            ["--min-length", "0"], ["--max-length", "abc"], ["--min-length", "5", "--max-length", "4"],
            ["--prefix", "j!"], ["--prefix", "jasminejasmine", "--max-length", "5"], ["-n", "0"], ["--seed", "-1"],
        ]
        for extra in cases {
            let r = run(["sample"] + extra)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("Error: "), "\(extra)")
            XCTAssertEqual(r.out, "")
        }
        XCTAssertTrue(run(["sample", "--prefix", "j!"]).err.contains("no character '!'"))
    }

    func testInfoDescribesTheCheckpoint() {
        let r = run(["info"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("model         bigram"))
        // 15 distinct letters in the names above, plus the start/stop token.
        let letters = Set(names.joined()).count
        XCTAssertTrue(r.out.contains("vocabulary    \(letters + 1) tokens"), r.out)
        XCTAssertTrue(r.out.contains("parameters    \((letters + 1) * (letters + 1))"), r.out)
    }

    func testPlotWritesAHeatMapForBigram() throws {
        let r = run(["plot", "--out", dir.file("plots")])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(lines(r.out), [dir.file("plots/counts.svg")])
        let svg = try String(contentsOfFile: dir.file("plots/counts.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertEqual(run(["plot", "--log", dir.file("missing.csv")]).status, 65)
    }

    func testCompletionScriptsCoverEveryOption() throws {
        let (console, out, _) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["completion", "bash"], console: console), 0)
        let bash = out()
        for spec in CompletionCommand.specs {
            XCTAssertTrue(bash.contains("\(spec.name))"), spec.name)
            for o in spec.options { XCTAssertTrue(bash.contains(o.key), o.key) }
        }
        // The script must be valid bash.
        let path = dir.write("namegen.bash", bash)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-n", path]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)

        let (zc, zout, _) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["completion", "zsh"], console: zc), 0)
        XCTAssertTrue(zout().hasPrefix("#compdef namegen"))
        let (ec, _, eerr) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["completion", "tcsh"], console: ec), 64)
        XCTAssertTrue(eerr().contains("Please provide one of 'bash', 'zsh', 'fish'"), eerr())

        // fish: a line per option of each subcommand, under that subcommand's condition.
        let (fc, fout, _) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["completion", "fish"], console: fc), 0)
        let fish = fout().split(separator: "\n").map(String.init)
        for spec in CompletionCommand.specs {
            XCTAssertTrue(fish.contains { $0.contains("__fish_use_subcommand' -a \(spec.name) ") }, spec.name)
            for o in spec.options {
                let long = "-l " + o.key.dropFirst(2)
                XCTAssertTrue(fish.contains { $0.contains("__fish_seen_subcommand_from \(spec.name)'") && $0.contains(long + " ") },
                              "\(spec.name) \(o.key)")
            }
        }
        XCTAssertTrue(fish.contains { $0.contains("-l model -x -a 'bigram") }, "choices complete as values")
        // The script must be valid fish, where fish is installed.
        let fishBinary = ["/usr/bin/fish", "/usr/local/bin/fish"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let fishBinary {
            let script = dir.write("namegen.fish", fish.joined(separator: "\n") + "\n")
            let f = Process()
            f.executableURL = URL(fileURLWithPath: fishBinary)
            f.arguments = ["-n", script]
            try f.run()
            f.waitUntilExit()
            XCTAssertEqual(f.terminationStatus, 0)
        }
    }
}
