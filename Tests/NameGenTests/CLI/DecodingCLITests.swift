import Foundation
import XCTest
@testable import NameGen

/// `sample --beam`, `--top-p`, `--pattern` and `--exclude` through the command line.
final class DecodingCLITests: CommandLineTestCase {
    var checkpoint: String { dir.file("model.safetensors") }

    override func setUp() {
        super.setUp()
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint]).status, 0)
    }

    func sample(_ args: [String]) -> (status: Int32, out: String, err: String) {
        run(["sample", "--checkpoint", checkpoint] + args)
    }

    func testBeamPrintsTheMostProbableNamesBestFirstAndIsDeterministic() throws {
        let r = sample(["--beam", "5", "--scores"])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t") }
        XCTAssertEqual(rows.count, 5)
        let scores = rows.map { Double($0[1])! }
        XCTAssertEqual(scores, scores.sorted(by: >), "best first")
        XCTAssertTrue(scores.allSatisfy { $0 < 0 })
        XCTAssertEqual(sample(["--beam", "5", "--scores"]).out, r.out, "no seed, same names")
        let plain = sample(["--beam", "5"])
        XCTAssertEqual(plain.out, rows.map { String($0[0]) + "\n" }.joined())
    }

    func testPatternAndExcludeHoldForEveryName() throws {
        let first = CommandLineTestCase.names[0]
        let excluded = dir.write("exclude.txt", CommandLineTestCase.names.joined(separator: "\n") + "\nzz9\n")
        let r = sample(["-n", "300", "--seed", "4", "--pattern", "?*a", "--exclude", excluded, "--max-length", "9"])
        XCTAssertEqual(r.status, 0, r.err)
        let names = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 300)
        let training = Set(CommandLineTestCase.names)
        for n in names {
            XCTAssertTrue(n.hasSuffix("a") && n.count >= 2 && n.count <= 9, n)
            XCTAssertFalse(training.contains(n), "\(n) is excluded")
        }
        XCTAssertTrue(training.contains(first))
        let beam = sample(["--beam", "10", "--pattern", "?*a", "--exclude", excluded])
        XCTAssertEqual(beam.status, 0, beam.err)
        for n in beam.out.split(separator: "\n").map(String.init) {
            XCTAssertTrue(n.hasSuffix("a"), n)
            XCTAssertFalse(training.contains(n), n)
        }
    }

    func testBadDecodingOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["--top-p", "0"], "is invalid for '--top-p"), (["--top-p", "1.5"], "is invalid for '--top-p"),
            (["--beam", "0"], "is invalid for '--beam"), (["--pattern", "q*"], "can never match"),
            (["--pattern", "??????", "--max-length", "5"], "needs at least 6 characters"),
            (["--exclude", dir.file("missing.txt")], "--exclude"), (["--beam", "3", "--temperature", "0.5"], "cannot be used with '--beam'"),
            (["--scores"], "needs '--beam'"), (["--pattern", "[xyz]"], "can never match"),
        ]
        for (args, fragment) in cases {
            let r = sample(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("Error: ") && r.err.contains(fragment), "\(args): \(r.err)")
            XCTAssertEqual(r.out, "", "\(args)")
        }
    }
}
