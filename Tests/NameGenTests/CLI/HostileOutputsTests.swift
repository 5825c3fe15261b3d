import Foundation
import XCTest
@testable import NameGen

/// Outputs that must not be clobbered or mistaken: --log over other files, symlinked
/// checkpoints, runs sharing a log, cut log rows, impossible run records, and help that
/// cannot be written.
final class HostileOutputsTests: CommandLineTestCase {
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func testLogNeverReplacesAnythingButATrainingLog() throws {
        let model = dir.file("big.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", model]).status, 0)
        let before = bytes(model)
        let notes = dir.write("notes.txt", "my notes\n")
        let fifo = dir.file("log.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for (log, fragment) in [(model, "not a namegen training log"), (notes, "not a namegen training log"),
                                (fifo, "not a regular file")] {
            let r = run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", dir.file("x.safetensors"),
                         "--log", log])
            XCTAssertEqual(r.status, 73, r.err)
            XCTAssertTrue(r.err.contains(fragment), r.err)
        }
        XCTAssertEqual(bytes(model), before)
        XCTAssertEqual(bytes(notes), Data("my notes\n".utf8))
        var status = stat()
        XCTAssertEqual(lstat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
        // A training log may be replaced (by a finished run).
        let log = dir.file("x.csv")
        XCTAssertEqual(run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", dir.file("x.safetensors"),
                            "--log", log]).status, 0)
        XCTAssertEqual(run(["train", "--model", "mlp", "--steps", "6", "--data", data, "--checkpoint", dir.file("y.safetensors"),
                            "--log", log]).status, 0)
        XCTAssertEqual(TrainingLog.lastStep(log), 6)
    }

    func testASharedLogIsLockedLikeACheckpoint() throws {
        let log = dir.file("shared.csv")
        let lock = try RunLock(dir.file("shared.lock"), checkpoint: log)
        let r = run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", dir.file("t.safetensors"),
                     "--log", log])
        XCTAssertEqual(r.status, 75, r.err)
        lock.release()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("t.lock")), "the checkpoint's lock is released too")
    }

    func testASymlinkedCheckpointStaysALinkAndItsTargetIsReplaced() throws {
        let target = dir.file("real/m.safetensors")
        XCTAssertEqual(run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", target]).status, 0)
        let link = dir.file("link.safetensors")
        XCTAssertEqual(symlink(target, link), 0)
        let r = run(["train", "--model", "onehot", "--steps", "5", "--data", data, "--checkpoint", link, "--force"])
        XCTAssertEqual(r.status, 0, r.err)
        var status = stat()
        XCTAssertEqual(lstat(link, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFLNK, "still a link")
        XCTAssertEqual(try Checkpoint.read(from: target).model, "onehot")
        // The lock follows the link: a run holding the target's lock blocks the link's.
        let held = try RunLock(dir.file("real/m.lock"), checkpoint: target)
        XCTAssertEqual(run(["train", "--resume", "--steps", "9", "--checkpoint", link]).status, 75)
        held.release()
    }

    func testAResumedLogDropsARowCutByAFailedWrite() throws {
        let checkpoint = dir.file("c.safetensors")
        XCTAssertEqual(run(["train", "--model", "mlp", "--steps", "20", "--data", data, "--checkpoint", checkpoint]).status, 0)
        let log = dir.file("c.csv")
        var text = try String(contentsOfFile: log, encoding: .utf8)
        text = text.split(separator: "\n").prefix(11).joined(separator: "\n") + "\n10,2.01"
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        XCTAssertEqual(run(["train", "--resume", "--steps", "30", "--checkpoint", checkpoint]).status, 0)
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertTrue(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 4 }, "\(rows)")
    }

    func testAnImpossibleOptimizerStepCountIsRefused() throws {
        var record = RunRecord()
        record.step = 5
        record.resume = RunRecord.ResumeState(optimizerSteps: Int.max, rngState: [1, 2, 3, 4])
        XCTAssertNotNil(record.problem)
        XCTAssertTrue(record.problem!.contains("resume.optimizer_steps"), record.problem!)
        record.resume = RunRecord.ResumeState(optimizerSteps: 5, rngState: [1, 2, 3, 4])
        XCTAssertNil(record.problem)
    }

    func testPlotRefusesAnEmptyOutFolderAndALogThatIsNotAFile() throws {
        let checkpoint = dir.file("p.safetensors")
        XCTAssertEqual(run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", checkpoint]).status, 0)
        XCTAssertEqual(run(["plot", "--checkpoint", checkpoint, "--out", ""]).status, 64)
        XCTAssertEqual(run(["plot", "--checkpoint", checkpoint, "--log", ""]).status, 64)
        let r = run(["plot", "--checkpoint", checkpoint, "--log", dir.path])
        XCTAssertEqual(r.status, 65, r.err)
        XCTAssertTrue(r.err.contains("is not a regular file"), r.err)
    }

    func testHelpAndVersionReportAFailedWrite() throws {
        for args in [["--help"], ["--version"], ["help", "train"], ["train", "--help"], ["--man"], ["help", "help"]] {
            let failure = Console.OutputFailure()
            var err = ""
            let console = Console(out: { _ in failure.why = "No space left on device" }, err: { err += $0 }, failure: failure)
            XCTAssertEqual(CommandLineTool.run(args, console: console), 73, "\(args)")
            XCTAssertTrue(err.hasPrefix("Error: Cannot write to standard output"), err)
        }
        XCTAssertEqual(run(["help", "help"]).status, 0)
        XCTAssertEqual(run(["help", "sample", "extra"]).status, 64)
    }

    func testAVocabularyWithALineBreakIsRefused() throws {
        let checkpoint = dir.file("v.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint]).status, 0)
        var c = try Checkpoint.read(from: checkpoint)
        var chars = c.vocabulary.characters
        chars[0] = "\n"
        c.vocabulary = try Vocabulary(characters: chars.sorted())
        try c.write(to: checkpoint)
        let r = run(["sample", "--checkpoint", checkpoint])
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("control character U+A"), r.err)
    }
}
