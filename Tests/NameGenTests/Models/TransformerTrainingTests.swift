import Foundation
import XCTest
@testable import NameGen

/// The transformer through the command line, as a user runs it: an interrupted and resumed run
/// gives the same checkpoint as an uninterrupted one, bit for bit; eval, info, plot and every
/// sample option work on it; the Python rebuild's inputs (hyperparameters, PyTorch tensor names
/// and shapes) are in the file. A tiny model (embed 8, 2 heads, 1 layer, dropout 0.2) keeps it fast.
final class TransformerTrainingTests: CommandLineTestCase {
    private func trainArgs(_ checkpoint: String, steps: Int) -> [String] {
        ["train", "--model", "transformer", "--data", data, "--checkpoint", checkpoint, "--embed", "8", "--heads", "2",
         "--layers", "1", "--batch-size", "4", "--steps", "\(steps)", "--threads", "1"]
    }

    func testInterruptedAndResumedRunEqualsUninterruptedRunBitForBit() throws {
        try checkResumedRunEqualsUninterruptedRun({ self.trainArgs($0, steps: 10) }, moment: "optimizer.blocks.0.attn.weight.m")
    }

    func testTrainedModelWorksWithEveryCommand() throws {
        let path = dir.file("t.safetensors")
        let trained = run(trainArgs(path, steps: 30))
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.err.contains("model transformer:"), trained.err)
        XCTAssertTrue(trained.err.contains("adamw lr 0.001"), trained.err)

        // The checkpoint: hyperparameters as JSON (T = the longest name + 1), PyTorch names and shapes.
        let checkpoint = try Checkpoint.read(from: path)
        let longest = NeuralTrainingTests.names.map(\.count).max()!
        XCTAssertEqual(checkpoint.metadata["hparams"], "{\"block_size\":\(longest + 1),\"dropout\":0.2,\"embed\":8,\"heads\":2,\"layers\":1}")
        XCTAssertEqual(checkpoint.tensors["blocks.0.attn.weight"]?.shape, [24, 8])
        XCTAssertEqual(checkpoint.tensors["blocks.0.fc2.weight"]?.shape, [8, 32])
        XCTAssertEqual(checkpoint.tensors["wpe.weight"]?.shape, [longest + 1, 8])
        XCTAssertNil(checkpoint.tensors["head.bias"])

        let eval = run(["eval", "--checkpoint", path, "--data", data])
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertTrue(eval.out.hasPrefix("split   names      nll"), eval.out)
        XCTAssertEqual(run(["info", "--checkpoint", path]).status, 0)
        let plot = run(["plot", "--checkpoint", path, "--out", dir.file("plots")])
        XCTAssertEqual(plot.status, 0, plot.err)
        XCTAssertTrue(plot.out.contains("embeddings.svg"), plot.out)

        for options in [["--prefix", "an", "--temperature", "0.7"], ["--top-k", "3", "--min-length", "4", "--max-length", "6"],
                        ["--temperature", "0"], ["--unique", "--new"]] {
            let sampled = run(["sample", "--checkpoint", path, "--data", data, "-n", "5", "--seed", "1"] + options)
            XCTAssertEqual(sampled.status, 0, "\(options): \(sampled.err)")
            let names = sampled.out.split(separator: "\n").map(String.init)
            XCTAssertEqual(names.count, 5, "\(options)")
            if options.contains("--prefix") { XCTAssertTrue(names.allSatisfy { $0.hasPrefix("an") }, "\(names)") }
            if options.contains("--min-length") { XCTAssertTrue(names.allSatisfy { (4...6).contains($0.count) }, "\(names)") }
            if options.contains("--unique") {
                XCTAssertEqual(Set(names).count, 5)
                XCTAssertTrue(names.allSatisfy { !NeuralTrainingTests.names.contains($0) }, "\(names)")
            }
            if options == ["--temperature", "0"] { XCTAssertEqual(Set(names).count, 1, "greedy gives one name: \(names)") }
        }
    }

    /// The memory check covers the transformer: 64 blocks of width 1024 need 13 GB for the
    /// weights, gradients and AdamW moments alone (64 · 12 · 1024² · 4 floats of 4 bytes), and
    /// heads that do not divide the width are a usage error.
    func testMemoryCheckAndHeadsAreValidated() {
        let big = run(["train", "--model", "transformer", "--data", data, "--embed", "1024", "--layers", "64",
                       "--checkpoint", dir.file("big.safetensors")])
        XCTAssertEqual(big.status, 64, big.err)
        XCTAssertTrue(big.err.contains("8 GiB"), big.err)
        let heads = run(["train", "--model", "transformer", "--data", data, "--embed", "10", "--heads", "4",
                         "--checkpoint", dir.file("h.safetensors")])
        XCTAssertEqual(heads.status, 64, heads.err)
        XCTAssertTrue(heads.err.contains("does not split into 4 heads"), heads.err)
    }
}
