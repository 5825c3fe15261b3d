import Foundation
import XCTest
@testable import NameGen

/// Training the neural models through the command line, as a user does: resume after an
/// interrupt gives the same weights as an uninterrupted run, divergence stops with exit 70 and
/// leaves the old checkpoint alone, eval-every keeps the best checkpoint, and the trained
/// models load back through sample, eval and info.
final class NeuralTrainingTests: CommandLineTestCase {
    /// A small mlp with every stateful part: BatchNorm running statistics, dropout (draws from
    /// the generator) and AdamW moments.
    private func mlpArgs(_ checkpoint: String, steps: Int) -> [String] {
        ["train", "--model", "mlp", "--data", data, "--checkpoint", checkpoint, "--block-size", "3", "--embed", "4",
         "--hidden", "12", "--layers", "2", "--dropout", "0.2", "--optimizer", "adamw", "--lr", "0.01",
         "--weight-decay", "0.01", "--batch-size", "8", "--steps", "\(steps)", "--threads", "1"]
    }

    private func tensors(_ path: String) throws -> [String: Tensor] {
        try Checkpoint.read(from: path).tensors
    }

    func testInterruptedAndResumedRunEqualsUninterruptedRunBitForBit() throws {
        let whole = dir.file("whole.safetensors"), parts = dir.file("parts.safetensors")
        XCTAssertEqual(run(mlpArgs(whole, steps: 12)).status, 0)

        // SIGINT arrives during the first step: the step finishes, a resumable checkpoint is written.
        let stopped = run(mlpArgs(parts, steps: 12), stopped: true)
        XCTAssertEqual(stopped.status, 130)
        let partial = dir.file("parts.partial.safetensors")
        XCTAssertTrue(stopped.err.contains("Interrupted: SIGINT at step 1 of 12; saved a resumable checkpoint to '\(partial)'."), stopped.err)
        XCTAssertTrue(stopped.err.contains("namegen train --resume --checkpoint \(parts)"), stopped.err)
        XCTAssertEqual(try Checkpoint.read(from: partial).run.step, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: parts), "an interrupted run is not a finished model")

        let resumed = run(["train", "--resume", "--checkpoint", parts, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("resuming \(partial) at step 1 of 12"), resumed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial), "the finished run replaces its partial file")

        let a = try tensors(whole), b = try tensors(parts)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        XCTAssertTrue(a.keys.contains("optimizer.output.weight.m"), "AdamW moments are saved")
        for (name, t) in a { XCTAssertEqual(t, b[name], "tensor \(name) differs after resume") }
        XCTAssertEqual(try Checkpoint.read(from: whole).run.resume, try Checkpoint.read(from: parts).run.resume)
    }

    func testInterruptDuringTheFinalEvaluationExits130AndKeepsTheTrainedModel() throws {
        // A signal during the last step is not an interrupt of the loop (nothing is left to
        // do), so it lands in the final evaluation, which used to ignore it and exit 0.
        let path = dir.file("final.safetensors"), partial = dir.file("final.partial.safetensors")
        let stopped = run(mlpArgs(path, steps: 1), stopped: true)
        XCTAssertEqual(stopped.status, 130, stopped.err)
        XCTAssertEqual(stopped.out, "", "no loss table")
        XCTAssertTrue(stopped.err.contains("Interrupted: SIGINT during the final evaluation; the trained model (step 1 of 1) is saved to '\(partial)'"), stopped.err)
        XCTAssertTrue(stopped.err.hasSuffix("Finish it with 'namegen train --resume --checkpoint \(path)'.\n"), stopped.err)
        let saved = try Checkpoint.read(from: partial)
        XCTAssertEqual(saved.run.step, 1)
        XCTAssertNil(saved.run.losses.val)
        XCTAssertEqual(run(["eval", "--checkpoint", partial, "--data", data]).status, 0)
        // --resume evaluates it and puts it in place, with its losses.
        let finished = run(["train", "--resume", "--checkpoint", path])
        XCTAssertEqual(finished.status, 0, finished.err)
        XCTAssertNotNil(try Checkpoint.read(from: path).run.losses.val)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial))
    }

    /// The library path: a run of 2N steps against N steps, a checkpoint written and read back
    /// as bytes, and N more steps on a new model and trainer.
    func testTwoNStepsEqualNStepsPlusResumedNSteps() throws {
        let dataset = try Dataset(names: Self.names, split: SplitConfig())
        var config = MLPConfig()
        (config.blockSize, config.embed, config.hidden, config.layers, config.dropout) = (3, 4, 10, 2, 0.25)
        var options = TrainingOptions()
        (options.optimizer, options.batchSize, options.steps, options.weightDecay) = (.adamw, 6, 16, 0.01)
        let schedule = LearningRateSchedule(shape: .cosine, peak: 0.01, steps: 16, warmup: 3)
        func trainer() -> Trainer {
            var rng = RandomGenerator(seed: 9)
            let model = MLPModel(config: config, vocabularySize: dataset.vocabulary.size, rng: &rng)
            return Trainer(model: model, train: dataset.stream(.train, blockSize: 3), val: dataset.stream(.val, blockSize: 3),
                           options: options, schedule: schedule, rng: rng)
        }
        let whole = trainer()
        XCTAssertEqual(try whole.run(), .finished)

        let first = trainer()
        var events = Trainer.Events()
        let stop = StopRequest()
        events.step = { step, _, _ in if step == 8 { stop.request() } }
        XCTAssertEqual(try first.run(events: events, stop: stop), .interrupted)
        XCTAssertEqual(first.step, 8)
        var tensors = first.model.namedTensors()
        tensors.merge(first.stateTensors(modelTensorsAreCurrent: true)) { a, _ in a }
        var record = RunRecord()
        first.record(into: &record)
        let saved = Checkpoint(setup: ModelSetup(entry: ModelEntry(MLPModel.self), config: config), vocabulary: dataset.vocabulary,
                               split: SplitConfig(), dedupe: false, dataFile: "names.txt", dataSHA256: "", dataNames: 60,
                               run: record, tensors: tensors)
        let second = trainer()
        try second.restore(from: try Checkpoint.decode(saved.encode(), source: "saved"))
        XCTAssertEqual(second.step, 8)
        XCTAssertEqual(try second.run(), .finished)
        XCTAssertEqual(second.model.namedTensors(), whole.model.namedTensors(), "weights and running statistics, bit for bit")
        XCTAssertEqual(second.optimizer.stateTensors(), whole.optimizer.stateTensors())
        XCTAssertEqual(second.rng.stateWords, whole.rng.stateWords)
    }

    func testResumeOfADamagedModelIsACheckpointError() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 2)).status, 0)
        // A vocabulary cut to three characters no longer matches the embedding's rows.
        var c = try Checkpoint.read(from: path)
        c.vocabulary = try Vocabulary(characters: ["a", "b", "c"])
        try c.write(to: path)
        let bytes = FileManager.default.contents(atPath: path)
        let r = run(["train", "--resume", "--checkpoint", path])
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.hasPrefix("Error: Tensor 'embedding.weight' has shape"), r.err)
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes)
    }

    func testResumeWithLargerStepsContinuesFromTheSavedStep() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 5)).status, 0)
        let before = try tensors(path)
        let r = run(["train", "--resume", "--checkpoint", path, "--steps", "9"])
        XCTAssertEqual(r.status, 0, r.err)
        let c = try Checkpoint.read(from: path)
        XCTAssertEqual(c.run.step, 9)
        XCTAssertNotEqual(c.tensors["output.weight"], before["output.weight"], "four more steps change the weights")
        XCTAssertEqual(run(["train", "--resume", "--checkpoint", path, "--steps", "9"]).status, 64, "nothing left to do")
    }

    func testResumeRejectsChangedSettingsAndOtherData() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 3)).status, 0)
        let bytes = FileManager.default.contents(atPath: path)
        let changed = run(["train", "--resume", "--checkpoint", path, "--lr", "0.5"])
        XCTAssertEqual(changed.status, 64)
        XCTAssertTrue(changed.err.hasPrefix("Error: '--lr' cannot be used with '--resume'"), changed.err)
        let other = dir.write("other.txt", "zed\nzara\nzoe\nzack\nzuri\nzion\nzeke\nzola\nzane\nzeta\n")
        let wrongData = run(["train", "--resume", "--checkpoint", path, "--data", other])
        XCTAssertEqual(wrongData.status, 65)
        XCTAssertTrue(wrongData.err.hasPrefix("Error: '\(other)' is not the file this run was trained on"), wrongData.err)
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes, "a refused resume leaves the checkpoint alone")
        let bigram = dir.file("b.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", bigram]).status, 0)
        XCTAssertEqual(run(["train", "--resume", "--checkpoint", bigram]).status, 64)
    }

    func testMismatchedDataFilesAndModelKinds() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 3)).status, 0)
        // Another file over the same characters: a warning, since the split may differ.
        let shuffled = dir.write("shuffled.txt", Self.names.reversed().joined(separator: "\n"))
        let warned = run(["eval", "--checkpoint", path, "--data", shuffled])
        XCTAssertEqual(warned.status, 0, warned.err)
        XCTAssertTrue(warned.err.hasPrefix("Warning: '\(shuffled)' is not the file this model was trained on"), warned.err)
        // A character the model has never seen: an error naming it.
        let foreign = dir.write("foreign.txt", (Self.names + ["zoë"]).joined(separator: "\n"))
        let refused = run(["eval", "--checkpoint", path, "--data", foreign])
        XCTAssertEqual(refused.status, 65)
        let lastLine = refused.err.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(lastLine.hasPrefix("Error: The data has the character 'z', which the model's vocabulary does not have."), refused.err)
        // Resuming as another model kind is refused before anything is read or written.
        let bytes = FileManager.default.contents(atPath: path)
        let otherKind = run(["train", "--resume", "--checkpoint", path, "--model", "onehot"])
        XCTAssertEqual(otherKind.status, 64)
        XCTAssertTrue(otherKind.err.hasPrefix("Error: '--model' cannot be used with '--resume'"), otherKind.err)
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes)
    }

    func testOptionsTheModelDoesNotUseAreWarnedAbout() {
        let path = dir.file("w.safetensors")
        let bigram = run(["train", "--model", "bigram", "--data", data, "--checkpoint", path, "--hidden", "5", "--lr", "3", "--force"])
        XCTAssertEqual(bigram.status, 0)
        XCTAssertTrue(bigram.err.hasPrefix("Warning: '--hidden' has no effect on a bigram model.\nWarning: '--lr' has no effect on a bigram model.\n"), bigram.err)
        let onehot = run(["train", "--model", "onehot", "--data", data, "--checkpoint", path, "--steps", "2", "--batch-size", "8", "--warmup", "3", "--force"])
        XCTAssertEqual(onehot.status, 0)
        XCTAssertTrue(onehot.err.contains("Warning: '--batch-size' has no effect on a onehot model.\n"), onehot.err)
        XCTAssertTrue(onehot.err.contains("Warning: '--warmup' has no effect on a onehot model trained with sgd.\n"), onehot.err)
        let noVal = run(mlpArgs(path, steps: 4) + ["--val-fraction", "0", "--eval-every", "2", "--force"])
        XCTAssertEqual(noVal.status, 0, noVal.err)
        XCTAssertTrue(noVal.err.contains("Warning: '--eval-every' needs a val split"), noVal.err)
        for key in ["--log", "--checkpoint", "--data"] {
            let empty = run(mlpArgs(path, steps: 2) + [key, ""])
            XCTAssertEqual(empty.status, 64, "\(key) ''")
            XCTAssertTrue(empty.err.hasPrefix("Error: The value '' is invalid for '\(key) <"), empty.err)
        }
        let quiet = run(mlpArgs(path, steps: 2) + ["--force"])
        XCTAssertFalse(quiet.err.contains("Warning:"), quiet.err)
    }

    func testDivergenceStopsWithExit70AndLeavesTheCheckpointIntact() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 3)).status, 0)
        let bytes = FileManager.default.contents(atPath: path)
        let r = run(["train", "--model", "onehot", "--data", data, "--checkpoint", path, "--lr", "1e9", "--steps", "50", "--force"])
        XCTAssertEqual(r.status, 70)
        let line = r.err.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(line.hasPrefix("Error: Training diverged at step "), line)
        XCTAssertTrue(line.contains("Try a lower learning rate, e.g. --lr 100000000.0"), line)
        XCTAssertTrue(line.contains("was not changed by this run"), line)
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes)
    }

    func testEvalEveryKeepsTheBestCheckpointAndLogsCSV() throws {
        let path = dir.file("m.safetensors")
        var args = mlpArgs(path, steps: 40)
        args += ["--eval-every", "10"]
        let r = run(args)
        XCTAssertEqual(r.status, 0, r.err)
        let c = try Checkpoint.read(from: path)
        let best = try XCTUnwrap(c.run.best)
        // The saved model is the best by val: its val loss, recomputed, equals the best seen.
        let model = try ModelRegistry.load(c).model
        let dataset = try Dataset(names: Self.names, split: c.split)
        let val = Evaluation.meanNLL(model: model, examples: dataset.stream(.val, blockSize: 3))
        XCTAssertEqual(val, best.valLoss, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(c.run.losses.val), best.valLoss, accuracy: 1e-12)
        let info = run(["info", "--checkpoint", path]).out
        let line = info.split(separator: "\n").first { $0.hasPrefix("  best val loss") }.map(String.init) ?? ""
        XCTAssertTrue(line.hasSuffix("\(best.valLoss) (step \(best.step))"), info)
        // Log: header, a val row at each of the four evaluations.
        let log = try String(contentsOfFile: dir.file("m.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.first, "step,train_loss,val_loss,lr")
        let valRows = log.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[2] != "" }
        XCTAssertEqual(valRows.map { $0.split(separator: ",")[0] }, ["10", "20", "30", "40"])
    }

    func testTrainedModelsSampleEvalAndInfo() throws {
        for model in ["onehot", "mlp"] {
            let path = dir.file("\(model).safetensors")
            let args = model == "mlp" ? mlpArgs(path, steps: 20)
                : ["train", "--model", "onehot", "--data", data, "--checkpoint", path, "--steps", "20"]
            let trained = run(args)
            XCTAssertEqual(trained.status, 0, trained.err)
            let sample = run(["sample", "--checkpoint", path, "-n", "7", "--seed", "3"])
            XCTAssertEqual(sample.status, 0, sample.err)
            XCTAssertEqual(sample.out.split(separator: "\n").count, 7)
            XCTAssertEqual(run(["sample", "--checkpoint", path, "-n", "7", "--seed", "3"]).out, sample.out)
            let eval = run(["eval", "--checkpoint", path, "--split", "val"])
            XCTAssertEqual(eval.status, 0, eval.err)
            // eval's val figure is the one train reported.
            let trainVal = trained.out.split(separator: "\n").first { $0.hasPrefix("val") }
            XCTAssertEqual(eval.out.split(separator: "\n").first { $0.hasPrefix("val") }, trainVal)
            let info = run(["info", "--checkpoint", path])
            XCTAssertEqual(info.status, 0, info.err)
            XCTAssertTrue(info.out.contains("model         \(model)"), info.out)
        }
    }

    func testTruncatedResumableCheckpointsAreRejectedEverywhere() throws {
        let path = dir.file("m.safetensors")
        XCTAssertEqual(run(mlpArgs(path, steps: 2)).status, 0)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertGreaterThan(bytes.count, 3000)
        let cut = dir.file("cut.safetensors")
        for length in stride(from: 0, to: bytes.count, by: 1000) {
            XCTAssertTrue(FileManager.default.createFile(atPath: cut, contents: bytes.prefix(length)))
            for args in [["train", "--resume"], ["eval"], ["sample"], ["info"]] {
                let r = run(args + ["--checkpoint", cut])
                XCTAssertEqual(r.status, 66, "\(args) on \(length) bytes: \(r.err)")
                XCTAssertTrue(r.err.hasPrefix("Error: "), r.err)
            }
        }
    }

    func testDefaultMLPHasTheRecipeParameterCount() {
        var rng = RandomGenerator(seed: 1)
        let model = MLPModel(config: MLPConfig(), vocabularySize: 27, rng: &rng)
        // 27·10 + (80·200 + 2·200) + 5·(200·200 + 2·200) + (200·27 + 27), worked out by hand
        XCTAssertEqual(model.parameterCount, 270 + 16_400 + 202_000 + 5_427)
        XCTAssertEqual(model.parameterCount, 224_097)
    }
}
