import Foundation
import XCTest
@testable import NameGen

/// The `hierarchical` model: its parameter count worked out by hand, and `trainingStep`'s loss
/// and every parameter gradient against the same network rebuilt with `Value`, and against
/// finite differences of that network (on up to 16 elements per tensor, as for mlp).
///
/// Shapes: V = 7, T = 4 (two levels), embed 3, hidden 5, batch 4.
final class HierarchicalModelTests: NameGenTestCase {
    private let vocabularySize = 7, batch = 4

    func testDefaultsHaveTheLectureParameterCount() {
        var rng = RandomGenerator(seed: 1)
        let model = HierarchicalModel(config: HierarchicalConfig(), vocabularySize: 27, rng: &rng)
        // Embedding 27·24; level 0: Linear 128·48 and BatchNorm 2·128; levels 1 and 2: Linear
        // 128·256 and BatchNorm 2·128 each; output 27·128 + 27.
        let byHand = 27 * 24 + (128 * 48 + 256) + 2 * (128 * 256 + 256) + (27 * 128 + 27)
        XCTAssertEqual(byHand, 648 + 6_400 + 66_048 + 3_483)
        XCTAssertEqual(model.parameterCount, byHand)
        XCTAssertEqual(model.parameterCount, 76_579)
        XCTAssertEqual(model.levels.count, 3, "log₂ 8 levels")
    }

    private func config(dropout: Float, activation: Activation = .tanh) -> HierarchicalConfig {
        var c = HierarchicalConfig()
        (c.blockSize, c.embed, c.hidden, c.dropout, c.activation) = (4, 3, 5, dropout, activation)
        return c
    }

    private func oracleLoss(model: HierarchicalModel, leaves: [[Value]], contexts: [Int32], targets: [Int32],
                            masks: [[Double]]?) -> Value {
        let index = Dictionary(uniqueKeysWithValues: model.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func leaf(_ p: Parameter) -> [Value] { leaves[index[ObjectIdentifier(p)]!] }
        let t = model.blockSize, e = model.config.embed, h = model.config.hidden
        let table = leaf(model.embedding.table)
        // x[n][p]: the vector at position p of example n.
        var x: [[[Value]]] = (0..<batch).map { r in
            (0..<t).map { p in (0..<e).map { table[Int(contexts[r * t + p]) * e + $0] } }
        }
        for (i, level) in model.levels.enumerated() {
            let w = leaf(level.linear.weight), width = 2 * x[0][0].count
            let positions = x[0].count / 2
            // Fuse positions 2p and 2p+1, then the Linear, row by row in (n, p) order.
            var pre: [Value] = []
            for r in 0..<batch {
                for p in 0..<positions {
                    let fused = x[r][2 * p] + x[r][2 * p + 1]
                    for o in 0..<h { pre.append(Value.sum((0..<width).map { fused[$0] * w[o * width + $0] })) }
                }
            }
            pre = BatchNormTests.oracleBatchNorm(pre, gamma: leaf(level.norm.gamma), beta: leaf(level.norm.beta),
                                                 n: batch * positions, c: h)
            var activated = pre.map { model.config.activation == .tanh ? $0.tanh() : $0.relu() }
            if let masks { activated = zip(activated, masks[i]).map { $0 * $1 } }
            x = (0..<batch).map { r in (0..<positions).map { p in Array(activated[((r * positions + p) * h)..<((r * positions + p + 1) * h)]) } }
        }
        let w = leaf(model.output.weight), b = leaf(model.output.bias!)
        let flat = ValueTransformer.linear(x.flatMap { $0[0] }, w, b, rows: x.count, inputs: h, outputs: vocabularySize)
        let logits = (0..<x.count).map { Array(flat[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
        return Value.crossEntropy(logits: logits, targets: targets.map(Int.init))
    }

    private func check(_ config: HierarchicalConfig, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let model = HierarchicalModel(config: config, vocabularySize: vocabularySize, rng: &rng)
        var rows = batch * config.blockSize
        let shapes = model.levels.map { _ -> (Int, Int) in rows /= 2; return (rows, config.hidden) }
        let step = ModelStep(model, norms: model.levels.map(\.norm), dropout: model.dropout, maskShapes: shapes,
                             batch: batch, seed: seed, rng: &rng)
        let (loss, contexts, targets, masks) = (step.loss, step.contexts, step.targets, step.masks)
        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        let oracle = checkGradients(tensors, finiteDifferenceLimit: 16) { leaves in
            [oracleLoss(model: model, leaves: leaves, contexts: contexts, targets: targets, masks: masks)]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")
    }

    func testGradientsAgainstTheOracle() {
        check(config(dropout: 0), seed: 5)
    }

    func testGradientsWithDropout() {
        check(config(dropout: 0.3), seed: 6)
    }

    /// Inference (eval, sample) uses the running statistics: logits for one context do not
    /// depend on the other contexts of the batch.
    func testInferenceDoesNotDependOnTheBatch() {
        var rng = RandomGenerator(seed: 7)
        let model = HierarchicalModel(config: config(dropout: 0), vocabularySize: vocabularySize, rng: &rng)
        let contexts: [Int32] = [1, 2, 3, 4, 0, 0, 5, 6, 6, 5, 4, 3]
        var three = Matrix(rows: 3, cols: vocabularySize), one = Matrix(rows: 1, cols: vocabularySize)
        model.logits(contexts: contexts, count: 3, into: &three)
        model.logits(contexts: Array(contexts[4..<8]), count: 1, into: &one)
        XCTAssertEqual(Array(three.data[vocabularySize..<(2 * vocabularySize)]), one.data)
    }

    // MARK: - Through the command line

    private func run(_ args: [String], stopped: Bool = false) -> (status: Int32, out: String, err: String) {
        let (console, out, err) = Console.capturing()
        let stop = StopRequest()
        if stopped { stop.request() }
        return (CommandLineTool.run(args, console: console, stop: stop), out(), err())
    }

    private func smallRun(_ data: String, _ checkpoint: String, steps: Int) -> [String] {
        ["train", "--model", "hierarchical", "--data", data, "--checkpoint", checkpoint, "--block-size", "4", "--embed", "3",
         "--hidden", "6", "--dropout", "0.2", "--optimizer", "adamw", "--lr", "0.01", "--batch-size", "8",
         "--steps", "\(steps)", "--eval-every", "5", "--threads", "1"]
    }

    /// An interrupted and resumed run ends with the same tensors, bit for bit, as one that was
    /// not interrupted: weights, BatchNorm running statistics, AdamW moments, best-by-val copy.
    func testResumeIsBitForBit() throws {
        let dir = TemporaryDirectory()
        let data = dir.write("names.txt", NeuralTrainingTests.names.joined(separator: "\n") + "\n")
        let whole = dir.file("whole.safetensors"), parts = dir.file("parts.safetensors")
        XCTAssertEqual(run(smallRun(data, whole, steps: 20)).status, 0)
        let stopped = run(smallRun(data, parts, steps: 20), stopped: true)
        XCTAssertEqual(stopped.status, 130, stopped.err)
        let resumed = run(["train", "--resume", "--checkpoint", parts, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        let a = try Checkpoint.read(from: whole), b = try Checkpoint.read(from: parts)
        XCTAssertEqual(a.model, "hierarchical")
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
        XCTAssertTrue(a.tensors.keys.contains("levels.1.norm.running_var"))
        XCTAssertTrue(a.tensors.keys.contains("optimizer.levels.0.linear.weight.m"))
        for (name, t) in a.tensors { XCTAssertEqual(t, b.tensors[name], name) }
        XCTAssertEqual(a.run.resume, b.run.resume)
    }

    /// sample with every option, eval, info and plot on a trained hierarchical model; a block
    /// size that is not a power of two is a usage error that says so.
    func testEveryCommandWorksOnIt() throws {
        let dir = TemporaryDirectory()
        let data = dir.write("names.txt", NeuralTrainingTests.names.joined(separator: "\n") + "\n")
        let path = dir.file("h.safetensors")
        let trained = run(smallRun(data, path, steps: 30))
        XCTAssertEqual(trained.status, 0, trained.err)
        let sample = run(["sample", "--checkpoint", path, "-n", "5", "--seed", "3", "--temperature", "0.8", "--top-k", "10",
                          "--prefix", "a", "--min-length", "2", "--max-length", "12", "--unique"])
        XCTAssertEqual(sample.status, 0, sample.err)
        let names = sample.out.split(separator: "\n")
        XCTAssertEqual(names.count, 5)
        XCTAssertTrue(names.allSatisfy { $0.hasPrefix("a") && (2...12).contains($0.count) }, sample.out)
        XCTAssertEqual(Set(names).count, 5)
        XCTAssertEqual(run(["sample", "--checkpoint", path, "-n", "3", "--seed", "4", "--temperature", "0"]).status, 0)
        let eval = run(["eval", "--checkpoint", path, "--split", "val"])
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertEqual(eval.out.split(separator: "\n").first { $0.hasPrefix("val") },
                       trained.out.split(separator: "\n").first { $0.hasPrefix("val") }, "eval's val is train's")
        let info = run(["info", "--checkpoint", path])
        XCTAssertTrue(info.out.contains("model         hierarchical"), info.out)
        XCTAssertTrue(info.out.contains("  levels.1.linear.weight            6×12"), info.out)
        let plot = run(["plot", "--checkpoint", path, "--out", dir.path])
        XCTAssertEqual(plot.status, 0, plot.err)
        XCTAssertEqual(plot.out, "\(dir.path)/loss.svg\n\(dir.path)/embeddings.svg\n")
        let odd = run(["train", "--model", "hierarchical", "--data", data, "--block-size", "6", "--checkpoint", dir.file("x.safetensors")])
        XCTAssertEqual(odd.status, 64)
        XCTAssertTrue(odd.err.hasPrefix("Error: The value '6' is invalid for '--block-size <n>': the hierarchical model fuses pairs, so it needs a power of two"), odd.err)
        let huge = run(["train", "--model", "hierarchical", "--data", data, "--hidden", "8192", "--embed", "1024",
                        "--block-size", "256", "--batch-size", "65536", "--checkpoint", dir.file("y.safetensors")])
        XCTAssertEqual(huge.status, 64)
        XCTAssertTrue(huge.err.contains("more than 8 GiB"), huge.err)
    }
}
