import Foundation
import XCTest
@testable import NameGen

/// Checkpoints in format 1, written by namegen 0.1.0 before the run record
/// became a typed value, kept in Tests/Fixtures/format1 (its README has the commands). Each must
/// still work with eval, sample, info and train --resume, and give what that version gave: the
/// expected losses below were printed by it (`eval --json`), and the
/// `*-resumed-to-60` files are its own continuation of each run.
///
/// The kernel sets sum in another fixed order than 0.1.0 did, so Float results may
/// differ from its in the last bits. What is read from the file (step, generator state,
/// optimizer step count, best step, tensor names) must be exact; what is computed is compared
/// within a tolerance stated where it is used.
final class Format1FixtureTests: NameGenTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/format1").standardizedFileURL.path
    static let data = fixtures + "/names300.txt"

    private func run(_ args: [String]) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let status = CommandLineTool.run(args, console: console)
        return (status, out(), err())
    }

    private func fixture(_ name: String) -> String { Self.fixtures + "/" + name + ".safetensors" }

    /// Mean NLL of train, val and test, as 0.1.0's `eval --json` printed them (17 digits).
    static let expectedLosses: [String: [String]] = [
        "bigram": ["2.3065631446353434", "2.383311308489981", "2.554400312419638"],
        "onehot": ["2.2984889272894633", "2.345030379082803", "2.6246964098499785"],
        "mlp": ["7.306847266785911", "6.703040789988367", "8.485074989267854"],
    ]

    /// `sample --seed 5 -n 5` from each fixture, pinned: the weights read from format 1 must keep
    /// giving these names. (0.1.0 drew every name from one generator, row by row; this version's sampler
    /// draws in chunks, each from a generator of its own, so the same seed gives other names than
    /// 0.1.0 printed. `testEvalGivesTheLossesTheOldVersionGave` checks the weights against 0.1.0.)
    static let expectedNames: [String: [String]] = [
        "bigram": ["a", "a", "c", "a", "a"],
        "onehot": ["a", "n", "a", "c", "a"],
        "mlp": ["e", "e", "e", "l", "ee"],
    ]

    func testEvalGivesTheLossesTheOldVersionGave() throws {
        for (model, expected) in Self.expectedLosses {
            let r = run(["eval", "--checkpoint", fixture(model), "--data", Self.data, "--split", "all", "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            for (split, want) in zip(["train", "val", "test"], expected) {
                // Read the number as text (JSONSerialization's parser can be 1 ulp off).
                let fragment = r.out.components(separatedBy: #""\#(split)":{"#)[1].components(separatedBy: "}")[0]
                let text = fragment.components(separatedBy: #""nll":"#)[1].components(separatedBy: ",")[0]
                let got = try XCTUnwrap(Double(text), fragment)
                // The same weights through another summation order: float32 logits differ in the
                // last bits, the mean over ~2,000 examples by far less than 1e-6.
                XCTAssertEqual(got, try XCTUnwrap(Double(want)), accuracy: 1e-6, "\(model) \(split)")
            }
        }
    }

    func testSampleGivesThePinnedNames() {
        for (model, names) in Self.expectedNames {
            let r = run(["sample", "--checkpoint", fixture(model), "--data", Self.data, "--seed", "5", "-n", "5"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(r.out, names.map { $0 + "\n" }.joined(), model)
        }
    }

    func testInfoReadsTheStringRecord() throws {
        let mlp = run(["info", "--checkpoint", fixture("mlp")])
        XCTAssertEqual(mlp.status, 0, mlp.err)
        for line in ["model         mlp", "format 1)", "  block_size  3", "  dropout     0.1", "  batchnorm   true",
                     "  activation  tanh", "parameters    543", "  optimizer      adamw", "  lr             2.0",
                     "  batch_size     8", "  eval_every     10", "  val_loss       6.703041",
                     "  best val loss  6.703040789988367 (step 30)", "  resumable      yes"] {
            XCTAssertTrue(mlp.out.contains(line), "missing '\(line)' in\n\(mlp.out)")
        }
        let bigram = run(["info", "--checkpoint", fixture("bigram")])
        XCTAssertEqual(bigram.status, 0, bigram.err)
        XCTAssertTrue(bigram.out.contains("  smoothing   1\n"), bigram.out)
        XCTAssertFalse(bigram.out.contains("resumable"), "a counted model has no run to resume")
        // The converted record, field by field.
        let c = try Checkpoint.read(from: fixture("mlp"))
        XCTAssertEqual(c.format, 1)
        let o = try XCTUnwrap(c.run.optimization)
        XCTAssertEqual(o.optimizer, .adamw)
        XCTAssertEqual(o.schedule, .cosine)
        XCTAssertEqual([o.learningRate, o.weightDecay, o.beta1, o.beta2], [2, 0, 0.9, 0.999])
        XCTAssertEqual([o.batchSize, o.targetSteps, o.evalEvery, o.warmup], [8, 40, 10, 0])
        XCTAssertEqual(o.seed, 8)
        XCTAssertEqual(c.run.step, 40)
        XCTAssertEqual(c.run.best, RunRecord.Best(valLoss: 6.703040789988367, step: 30))
        XCTAssertEqual(c.run.resume?.rngState.count, 4)
    }

    /// --resume continues each run to step 60 as 0.1.0 continued it: the same tensors (weights,
    /// running statistics, AdamW moments, the best-by-val and resume. weights) to within the
    /// kernels' rounding, and exactly the same generator state, step counts and best step.
    func testResumeContinuesAsTheOldVersionDid() throws {
        let dir = TemporaryDirectory()
        for model in ["onehot", "mlp"] {
            let path = dir.file("\(model).safetensors")
            try FileManager.default.copyItem(atPath: fixture(model), toPath: path)
            let r = run(["train", "--resume", "--checkpoint", path, "--data", Self.data, "--steps", "60", "--threads", "1"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains("resuming \(path) at step \(model == "mlp" ? 40 : 20) of 60"), r.err)
            let ours = try Checkpoint.read(from: path), theirs = try Checkpoint.read(from: fixture("\(model)-resumed-to-60"))
            XCTAssertEqual(ours.format, Checkpoint.formatVersion, "a resumed run is written in the current format")
            XCTAssertEqual(Set(ours.tensors.keys), Set(theirs.tensors.keys), model)
            // 20 more steps with kernels that round in another order: the difference starts in the
            // last bit (~1e-7 relative) and grows step by step; measured at most 9e-6 of a
            // tensor's scale (the mlp's AdamW moments at lr 2). 1e-4 leaves a margin of ten,
            // while restoring the wrong tensor, step or moments moves values by 1e-2 or more.
            for (name, tensor) in theirs.tensors {
                let a = try XCTUnwrap(tensor.floats), b = try XCTUnwrap(ours.tensors[name]?.floats)
                XCTAssertEqual(ours.tensors[name]?.shape, tensor.shape, "\(model): \(name)")
                let scale = max(1, a.map { abs(Double($0)) }.max() ?? 0)
                let worst = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(model): \(name)")
            }
            XCTAssertEqual(ours.run.step, 60)
            XCTAssertEqual(ours.run.resume, theirs.run.resume, "generator state and optimizer step count")
            XCTAssertEqual(ours.run.best?.step, theirs.run.best?.step)
            XCTAssertEqual(ours.run.best?.valLoss ?? 0, theirs.run.best?.valLoss ?? 0, accuracy: 1e-6, "only the mlp has a best")
        }
    }
}
