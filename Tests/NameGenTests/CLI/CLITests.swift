import Foundation
import XCTest
@testable import NameGen

/// The tool as a user runs it: whole help strings, usage errors and exit codes, and the
/// train → eval → sample path on a small file.
final class CLITests: NameGenTestCase {
    private func run(_ args: [String]) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let status = CommandLineTool.run(args, console: console)
        return (status, out(), err())
    }

    func testOverviewHelpIsGolden() {
        let r = run(["--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.err, "")
        XCTAssertEqual(r.out, """
            OVERVIEW: Generate names with a character-level language model.

            USAGE: namegen <subcommand>

            OPTIONS:
              --version               Show the version.
              --man                   Print the manual page (roff).
              -h, --help              Show help information.

            SUBCOMMANDS:
              train                   Train a model on a file of names.
              sample                  Generate names from a trained model.
              score                   Score names under a trained model.
              classify                Say which categories names most likely belong to.
              eval                    Report a model's loss on a data split.
              info                    Describe a trained model.
              plot                    Draw SVG plots of a model and its training.
              completion              Print a shell completion script.
              help                    Show subcommand help information.

              See 'namegen help <subcommand>' for detailed help.

            """)
        XCTAssertEqual(run([]).out, r.out, "no arguments shows the overview")
    }

    func testEvalHelpIsGolden() {
        let expected = """
            OVERVIEW: Report a model's loss on a data split.

            Re-reads the data file named in the checkpoint, rebuilds the same train/val/test
            split and prints the mean negative log-likelihood per character (nats,
            end-of-name included), the perplexity and the bits per character. For a model
            trained on labelled data, each name is scored under its own category, and the
            classification accuracy of each split follows (with --json also per category,
            and the confusion counts).

            USAGE: namegen eval [--split <split>] [--checkpoint <path>] [--data <file>]
                   [--json]

            OPTIONS:
              --split <split>         Split to evaluate. (values: train, val, test, all;
                                      default: val)
              --checkpoint <path>     Checkpoint to read. (default:
                                      checkpoints/model.safetensors)
              --data <file>           Names file. (default: the file the model was trained
                                      on)
              --json                  Print one JSON object instead of a table.
              -h, --help              Show help information.

            """
        for args in [["eval", "--help"], ["eval", "-h"], ["help", "eval"], ["eval", "--split", "bogus", "--help"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.out, expected, "\(args)")
        }
    }

    /// A command with an empty name is the tool itself (namegen-bench): no doubled space in its
    /// usage line, and the --help pointer names the tool alone.
    func testUsageErrorOfAToolWithoutSubcommands() {
        let spec = CommandSpec(name: "", abstract: "Times things.",
                               options: [OptionSpec(["--threads"], value: "n", help: "Threads.")])
        XCTAssertEqual(HelpText.usageError(NameGenError(.usage, "Unknown option '--x'."), command: spec, tool: "namegen-bench"), """
            Error: Unknown option '--x'.
            Usage: namegen-bench [--threads <n>]
              See 'namegen-bench --help' for more information.

            """)
        XCTAssertTrue(HelpText.help(spec, tool: "namegen-bench").contains("USAGE: namegen-bench [--threads <n>]\n"))
    }

    /// The manual page comes from the same specs as --help: every command and every option.
    func testTheManualPageListsEveryCommandAndOption() {
        let r = run(["--man"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.hasPrefix(".TH NAMEGEN 1 "), r.out)
        for command in CommandLineTool.commands {
            XCTAssertTrue(r.out.contains(".SH \(command.spec.name.uppercased())\n"), command.spec.name)
            for option in command.spec.options {
                XCTAssertTrue(r.out.contains(".B " + option.names.joined(separator: ", ").replacingOccurrences(of: "-", with: "\\-")),
                              "\(command.spec.name) \(option.key)")
            }
        }
        for (code, _) in CommandLineTool.exitStatus { XCTAssertTrue(r.out.contains(".B \(code)\n"), code) }
    }

    func testEveryCommandHasHelp() {
        for name in CommandLineTool.commands.map({ $0.spec.name }) {
            let r = run([name, "--help"])
            XCTAssertEqual(r.status, 0)
            XCTAssertTrue(r.out.hasPrefix("OVERVIEW: "), name)
            XCTAssertTrue(r.out.contains("USAGE: namegen \(name)"), name)
        }
    }

    func testVersionNamesTheKernelSetInUse() {
        XCTAssertTrue(KernelDispatch.supported.contains { $0.name == "portable" })
        for set in KernelDispatch.supported {
            let out = KernelDispatch.withKernels(set) { run(["--version"]).out }
            XCTAssertEqual(out, "namegen \(CommandLineTool.version) (kernels: \(set.name))\n")
        }
    }

    func testUnknownOptionSuggestsTheNearestAndExits64() {
        let r = run(["train", "--blok-size", "3"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.out, "")
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.first, "Error: Unknown option '--blok-size'. Did you mean '--block-size'?")
        XCTAssertTrue(lines[1].hasPrefix("Usage: namegen train [--model <model>]"))
        XCTAssertEqual(lines.last, "  See 'namegen train --help' for more information.")
    }

    func testBadValuesAreUsageErrors() {
        let cases: [([String], String)] = [
            (["sample", "-n", "abc"], "Error: The value 'abc' is invalid for '-n, --count <n>': expected a whole number."),
            (["sample", "-n", "-3"], "Error: The value '-3' is invalid for '-n, --count <n>': must be at least 1."),
            (["sample", "-n"], "Error: Missing value for '-n, --count <n>'."),
            (["eval", "--split", "foo"], "Error: The value 'foo' is invalid for '--split <split>'. Please provide one of 'train', 'val', 'test', 'all'."),
            // The registry's families, in its order: a new model adds its name here without a test change.
            (["train", "--model", "gpt"], "Error: The value 'gpt' is invalid for '--model <model>'. Please provide one of "
                + ModelRegistry.names.map { "'\($0)'" }.joined(separator: ", ") + "."),
            (["train", "--block-size", "0"], "Error: The value '0' is invalid for '--block-size <n>': must be from 1 to 256."),
            (["train", "--steps", "-1"], "Error: The value '-1' is invalid for '--steps <n>': must be from 1 to 1000000000."),
            (["train", "--lr", "nan"], "Error: The value 'nan' is invalid for '--lr <lr>': expected a number."),
            (["train", "--dedupe=yes"], "Error: The flag '--dedupe' does not take a value."),
            (["sample", "extra"], "Error: Unexpected argument 'extra'."),
            (["trian"], "Error: Unknown subcommand 'trian'. Did you mean 'train'?"),
            (["help", "smaple"], "Error: Unknown subcommand 'smaple'. Did you mean 'sample'?"),
        ]
        for (args, first) in cases {
            let r = run(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertEqual(r.out, "", "\(args)")
            XCTAssertEqual(r.err.split(separator: "\n").first.map(String.init), first, "\(args)")
        }
    }

    func testEditDistance() {
        XCTAssertEqual(ParsedArguments.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ParsedArguments.editDistance("", "abc"), 3)
        XCTAssertEqual(ParsedArguments.editDistance("same", "same"), 0)
    }

    func testInlineValuesAndLastOneWins() throws {
        let p = try ParsedArguments(["--split=test", "--split", "train"], command: EvalCommand.spec)
        XCTAssertEqual(try p.value(EvalCommand.split), "train")
    }

    // MARK: - End to end on a small file

    private func smallData(_ dir: TemporaryDirectory) -> String {
        let names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail",
                     "emily", "ella", "elizabeth", "camila", "luna", "sofia", "avery", "mila", "aria", "scarlett"]
        return dir.write("names.txt", names.joined(separator: "\n") + "\n")
    }

    func testTrainEvalSampleBigram() throws {
        let dir = TemporaryDirectory()
        let data = smallData(dir)
        let ckpt = dir.file("out/model.safetensors")
        let t = run(["train", "--model", "bigram", "--data", data, "--checkpoint", ckpt])
        XCTAssertEqual(t.status, 0, t.err)
        XCTAssertTrue(t.err.contains("saved \(ckpt)"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ckpt))

        let e = run(["eval", "--checkpoint", ckpt, "--split", "train"])
        XCTAssertEqual(e.status, 0, e.err)
        // The train loss eval prints is the one train printed (same split, same model).
        let trainRow = t.out.split(separator: "\n").first { $0.hasPrefix("train") }
        XCTAssertEqual(e.out.split(separator: "\n").first { $0.hasPrefix("train") }, trainRow)

        let j = run(["eval", "--checkpoint", ckpt, "--split", "all", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as! [String: Any]
        let splits = object["splits"] as! [String: [String: Any]]
        XCTAssertEqual(Set(splits.keys), ["train", "val", "test"])

        let s1 = run(["sample", "--checkpoint", ckpt, "-n", "25", "--seed", "1"])
        let s2 = run(["sample", "--checkpoint", ckpt, "-n", "25", "--seed", "1"])
        XCTAssertEqual(s1.status, 0, s1.err)
        XCTAssertEqual(s1.out, s2.out)
        XCTAssertEqual(s1.out.split(separator: "\n").count, 25)
        XCTAssertTrue(s1.err.contains("25 names (seed 1):"))
        let s3 = run(["sample", "--checkpoint", ckpt, "-n", "25", "--seed", "2"])
        XCTAssertNotEqual(s1.out, s3.out)
    }

    func testRuntimeErrorsAreOneLineWithExitCodes() throws {
        let dir = TemporaryDirectory()
        let emptyDir = TemporaryDirectory()
        let cases: [([String], Int32, String)] = [
            (["train", "--model", "bigram", "--data", dir.file("missing.txt")], 65, "Error: No such file"),
            (["train", "--model", "bigram", "--data", emptyDir.path], 65, "has no files of names"),
            (["train", "--model", "bigram", "--data", dir.write("e.txt", "")], 65, "is empty"),
            (["train", "--model", "bigram", "--data", dir.write("b.txt", "\n\n  \n")], 65, "every line is blank"),
            (["train", "--model", "bigram", "--data", dir.write("bin", [0xCF, 0xFA, 0xED, 0xFE, 0, 0, 0, 1])], 65, "NUL byte"),
            (["train", "--model", "bigram", "--data", dir.write("l1.txt", [0x7A, 0x6F, 0xEB, 0x0A])], 65, "not valid UTF-8"),
            (["eval", "--checkpoint", dir.file("none.safetensors")], 66, "Error: No checkpoint at"),
            (["sample", "--checkpoint", dir.write("junk.safetensors", "hello, world")], 66, "is not a valid checkpoint"),
            (["sample", "--checkpoint", dir.write("short", [1, 0])], 66, "too short"),
        ]
        for (args, status, fragment) in cases {
            let r = run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("Error: "), "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(fragment), "\(args): \(r.err)")
            XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, "one line: \(r.err)")
        }
    }

    func testFailedTrainLeavesTheExistingCheckpointUntouched() throws {
        let dir = TemporaryDirectory()
        let data = smallData(dir)
        let ckpt = dir.file("model.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", ckpt]).status, 0)
        let before = FileManager.default.contents(atPath: ckpt)
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", dir.write("e.txt", ""), "--checkpoint", ckpt, "--force"]).status, 65)
        XCTAssertEqual(run(["train", "--block-size", "0", "--checkpoint", ckpt]).status, 64)
        XCTAssertEqual(FileManager.default.contents(atPath: ckpt), before)
    }

    func testCheckpointWithOffsetsPastTheEnd() throws {
        let dir = TemporaryDirectory()
        let header = Array(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#.utf8)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + [0, 0, 0, 0]
        let r = run(["eval", "--checkpoint", dir.write("bad.safetensors", bytes)])
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.err.contains("past the end"), r.err)
    }
}
