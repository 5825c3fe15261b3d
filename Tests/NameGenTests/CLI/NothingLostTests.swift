import Foundation
import XCTest
@testable import NameGen

/// Nothing finished is lost: a finished checkpoint is never replaced unless asked, interrupted
/// runs go to the partial files, two runs on one path cannot collide, failed writes are errors,
/// and sampling that falls short still prints what it found.
final class NothingLostTests: CommandLineTestCase {
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
    var checkpoint: String { dir.file("checkpoints/model.safetensors") }
    var partial: String { dir.file("checkpoints/model.partial.safetensors") }

    /// Training arguments on the test's names with the default checkpoint path, in `dir`.
    func train(_ extra: [String], stopped: Bool = false) -> (status: Int32, out: String, err: String) {
        run(["train", "--data", data, "--checkpoint", checkpoint] + extra, stopped: stopped)
    }

    /// A new user's sequence with the default paths: bigram, mlp, mlp interrupted, transformer
    /// interrupted, bigram again. The finished bigram is still there, byte for byte, and each
    /// refusal names --force.
    func testANewUsersSequenceKeepsTheFinishedModel() throws {
        XCTAssertEqual(train(["--model", "bigram"]).status, 0)
        let finished = try XCTUnwrap(bytes(checkpoint))
        let runs: [([String], Bool)] = [
            (["--model", "mlp", "--steps", "30"], false), (["--model", "mlp", "--steps", "30"], true),
            (["--model", "transformer", "--steps", "30", "--embed", "8", "--heads", "2", "--layers", "1"], true),
            (["--model", "bigram"], false),
        ]
        for (args, stopped) in runs {
            let r = train(args, stopped: stopped)
            XCTAssertEqual(r.status, 73, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("already holds a trained bigram model"), r.err)
            XCTAssertTrue(r.err.contains("--force"), r.err)
            XCTAssertEqual(bytes(checkpoint), finished, "\(args) changed the finished checkpoint")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial))
    }

    /// With --force, interrupted runs (of the same model and of another) write only the partial
    /// file; the finished model and its log stay until a forced run finishes.
    func testInterruptedForcedRunsNeverReplaceAFinishedModel() throws {
        XCTAssertEqual(train(["--model", "mlp", "--steps", "40"]).status, 0)
        let model = try XCTUnwrap(bytes(checkpoint))
        let log = try XCTUnwrap(bytes(dir.file("checkpoints/model.csv")))
        for args in [["--model", "mlp", "--steps", "40"], ["--model", "transformer", "--steps", "40", "--embed", "8", "--heads", "2"]] {
            let r = train(args + ["--force"], stopped: true)
            XCTAssertEqual(r.status, 130, r.err)
            XCTAssertTrue(r.err.contains("model.partial.safetensors"), r.err)
            XCTAssertEqual(bytes(checkpoint), model)
            XCTAssertEqual(bytes(dir.file("checkpoints/model.csv")), log)
            XCTAssertTrue(FileManager.default.fileExists(atPath: partial))
        }
        // Without --force a new run refuses while an unfinished one waits to be resumed.
        let refused = train(["--model", "mlp", "--steps", "40"])
        XCTAssertEqual(refused.status, 73)
        XCTAssertTrue(refused.err.contains("has not finished") && refused.err.contains("--resume"), refused.err)
        // Resuming finishes the transformer and only then replaces the mlp.
        let resumed = run(["train", "--resume", "--checkpoint", checkpoint])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial))
        XCTAssertEqual(try Checkpoint.read(from: checkpoint).model, "transformer")
    }

    /// The log belongs to its checkpoint: an interrupted and resumed run's log holds exactly the
    /// steps 1…N once, and ends at the checkpoint's step.
    func testAResumedLogHoldsExactlyTheCheckpointsSteps() throws {
        let interrupted = train(["--model", "mlp", "--steps", "200"], stopped: true)
        XCTAssertEqual(interrupted.status, 130, interrupted.err)
        XCTAssertEqual(try Checkpoint.read(from: partial).run.step, 1)
        XCTAssertEqual(TrainingLog.lastStep(dir.file("checkpoints/model.partial.csv")), 1)
        let resumed = run(["train", "--resume", "--checkpoint", checkpoint, "--steps", "300"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        let text = try String(contentsOfFile: dir.file("checkpoints/model.csv"), encoding: .utf8)
        let steps = text.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: ",").first!) }
        // A row every step (fewer than 1000 steps), and one more at the end for the final val loss.
        XCTAssertEqual(steps, Array(1...300) + [300])
        XCTAssertEqual(try Checkpoint.read(from: checkpoint).run.step, 300)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("checkpoints/model.partial.csv")))
    }

    /// `plot` warns when the log beside a checkpoint comes from another run.
    func testPlotWarnsAboutALogFromAnotherRun() throws {
        XCTAssertEqual(train(["--model", "mlp", "--steps", "30"]).status, 0)
        XCTAssertEqual(run(["plot", "--checkpoint", checkpoint]).err, "")
        try "step,train_loss,val_loss,lr\n7,2.5,,0.1\n".write(toFile: dir.file("checkpoints/model.csv"), atomically: true, encoding: .utf8)
        let r = run(["plot", "--checkpoint", checkpoint])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("ends at step 7 but the checkpoint is at step 30"), r.err)
    }

    /// A second run on a path whose lock is held refuses at once with exit 75.
    func testASecondRunOnTheSamePathRefuses() throws {
        let paths = RunPaths(checkpoint: checkpoint, log: nil)
        try RunPaths.checkWritable(checkpoint, option: "--checkpoint")
        let lock = try RunLock(paths.lock, checkpoint: checkpoint)
        let r = train(["--model", "bigram"])
        XCTAssertEqual(r.status, 75, r.err)
        XCTAssertTrue(r.err.contains("Another 'namegen train' is writing") && r.err.contains("process \(getpid())"), r.err)
        XCTAssertEqual(run(["train", "--resume", "--checkpoint", checkpoint]).status, 75)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint))
        lock.release()
        XCTAssertEqual(train(["--model", "bigram"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: paths.lock), "the lock file is removed after the run")
    }

    /// Unwritable paths are found before any data is read: a checkpoint path that is a folder,
    /// a log below a regular file.
    func testUnwritablePathsAreRefusedBeforeTraining() throws {
        try FileManager.default.createDirectory(atPath: dir.file("taken.safetensors"), withIntermediateDirectories: true)
        let r = run(["train", "--data", dir.file("no-such-file.txt"), "--checkpoint", dir.file("taken.safetensors")])
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("it is a directory"), r.err)
        let file = dir.write("plain.txt", "x")
        let log = run(["train", "--model", "mlp", "--log", file + "/log.csv", "--data", dir.file("no-such-file.txt"),
                       "--checkpoint", checkpoint])
        XCTAssertEqual(log.status, 73, log.err)
        XCTAssertTrue(log.err.contains("is not a directory") && log.err.contains("--log"), log.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint))
    }

    /// A checkpoint that cannot be written at the end is saved to the rescue path, not lost.
    func testAnUnwritableCheckpointIsRescued() throws {
        let paths = RunPaths(checkpoint: dir.file("c/model.safetensors"), log: nil)
        let (console, _, _) = Console.capturing()
        let source = try DataSource.load(data, console: console)
        let dataset = try Dataset(names: source.names, split: SplitConfig(seed: 1, trainFraction: 0.8, valFraction: 0.1), dedupe: false)
        var rng = RandomGenerator(seed: 1)
        let setup = try ModelRegistry.family(named: "bigram")!.setup(from: ParsedArguments([], command: TrainCommand.spec), data: nil)
        let model = setup.build(dataset: dataset, rng: &rng)
        let c = source.checkpoint(of: setup, dataset: dataset, dedupe: false, run: RunRecord(), tensors: model.namedTensors())
        // The checkpoint's path is taken by a folder after the start-up checks.
        try FileManager.default.createDirectory(atPath: paths.checkpoint, withIntermediateDirectories: true)
        let tmp = dir.file("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        setenv("TMPDIR", tmp, 1)
        defer { unsetenv("TMPDIR") }
        XCTAssertThrowsError(try TrainingRun.save(c, to: paths.checkpoint)) { error in
            let e = error as? NameGenError
            XCTAssertEqual(e?.kind, .io)
            XCTAssertTrue(e?.message.contains(RunPaths.rescuePath) ?? false, "\(error)")
        }
        XCTAssertTrue(RunPaths.rescuePath.hasPrefix(tmp + "/"))
        XCTAssertEqual(try Checkpoint.read(from: RunPaths.rescuePath).model, "bigram")
    }

    /// A failed write on stdout (a full disk) is exit 73, and sampling stops at once.
    func testAFailedWriteOnStandardOutputIsAnError() throws {
        XCTAssertEqual(train(["--model", "bigram"]).status, 0)
        let failure = Console.OutputFailure()
        var written = 0
        let console = Console(out: { text in
            if written > 100_000 { failure.why = "No space left on device" } else { written += text.utf8.count }
        }, err: { _ in }, failure: failure)
        let status = CommandLineTool.run(["sample", "-n", "100000000", "--seed", "1", "--checkpoint", checkpoint],
                                         console: console)
        XCTAssertEqual(status, 73)
        XCTAssertLessThan(written, 300_000, "sampling went on after the failure")
        for command in [["eval"], ["info"]] {
            let f = Console.OutputFailure()
            let c = Console(out: { _ in f.why = "No space left on device" }, err: { _ in }, failure: f)
            XCTAssertEqual(CommandLineTool.run(command + ["--checkpoint", checkpoint], console: c), 73, "\(command)")
        }
        // The real stream: /dev/full refuses every write.
        let full = open("/dev/full", O_WRONLY), null = open("/dev/null", O_WRONLY)
        defer { close(full); close(null) }
        XCTAssertEqual(Console.writeAll("name\n", to: full), String(cString: strerror(ENOSPC)))
        XCTAssertNil(Console.writeAll("name\n", to: null))
    }

    /// Sampling that falls short prints the names it found, then exits 69.
    func testSamplingThatFallsShortPrintsWhatItFound() throws {
        XCTAssertEqual(train(["--model", "bigram"]).status, 0)
        let r = run(["sample", "-n", "500", "--unique", "--max-length", "2", "--seed", "3", "--checkpoint", checkpoint])
        XCTAssertEqual(r.status, 69, r.err)
        let names = r.out.split(separator: "\n").map(String.init)
        XCTAssertGreaterThan(names.count, 0)
        XCTAssertLessThan(names.count, 500)
        XCTAssertEqual(Set(names).count, names.count, "--unique")
        XCTAssertTrue(names.allSatisfy { $0.count <= 2 })
        XCTAssertTrue(r.err.contains("Only \(names.count) of 500 names"), r.err)
        let tooMany = run(["sample", "-n", "50000001", "--unique", "--checkpoint", checkpoint])
        XCTAssertEqual(tooMany.status, 64, tooMany.err)
        XCTAssertTrue(tooMany.err.contains("at most 50000000"), tooMany.err)
    }

    /// --unique keeps hashes, not names: the same seed gives the same names as a set of strings would.
    func testUniqueFingerprintsAgreeWithStrings() throws {
        var seen = Set<[Int32]>(), hashes = Set<UInt64>()
        var rng = RandomGenerator(seed: 5)
        for _ in 0..<50_000 {
            let tokens = (0..<(1 + Int(rng.next() % 6))).map { _ in Int32(1 + rng.next() % 27) }
            XCTAssertEqual(seen.insert(tokens).inserted, hashes.insert(Sampler.fingerprint(tokens)).inserted, "\(tokens)")
        }
        XCTAssertGreaterThan(seen.count, 10_000)
    }

    /// SIGTERM and SIGHUP on the real binary save a resumable checkpoint and exit 143 and 129.
    func testSignalsSaveAResumableCheckpoint() throws {
        // The test runner sits beside the tool in the build folder.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = runner.deletingLastPathComponent().appendingPathComponent("namegen").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no namegen binary beside the tests") }
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
            let path = dir.file("sig\(signal)/model.safetensors")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["train", "--model", "mlp", "--steps", "100000000", "--data", data, "--checkpoint", path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            // Wait until training has started (the model line is printed before the first step).
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("model mlp") {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += chunk
            }
            Thread.sleep(forTimeInterval: 0.3)
            kill(p.processIdentifier, signal)
            let rest = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: seen + rest, as: UTF8.self)
            XCTAssertEqual(p.terminationStatus, status, text)
            XCTAssertTrue(text.contains("saved a resumable checkpoint"), text)
            let saved = try Checkpoint.read(from: RunPaths(checkpoint: path, log: nil).partialCheckpoint)
            XCTAssertGreaterThan(saved.run.step, 0)
        }
    }

    /// `train --data FIFO` with no writer answers SIGINT at once (exit 130), on the real binary.
    func testReadingAFIFOWithoutAWriterAnswersSIGINT() throws {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = runner.deletingLastPathComponent().appendingPathComponent("namegen").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no namegen binary beside the tests") }
        let fifo = dir.file("names.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["train", "--data", fifo, "--checkpoint", dir.file("fifo/model.safetensors")]
        let err = Pipe()
        p.standardError = err
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, text)
        XCTAssertTrue(text.contains("SIGINT while reading"), text)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2, "answered at once")
    }
}
