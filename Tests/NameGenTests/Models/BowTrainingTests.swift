import Foundation
import XCTest
@testable import NameGen

/// bow through the command line: an interrupted and resumed run gives the same checkpoint as an
/// uninterrupted one, bit for bit; eval, sample (from the running sums) and plot work on it; the
/// checkpoint holds makemore's tensor names and the hyperparameters PyTorch's rebuild reads.
final class BowTrainingTests: CommandLineTestCase {
    private func trainArgs(_ checkpoint: String, steps: Int) -> [String] {
        ["train", "--model", "bow", "--data", data, "--checkpoint", checkpoint, "--embed", "8", "--hidden", "6",
         "--batch-size", "4", "--steps", "\(steps)", "--threads", "1"]
    }

    func testInterruptedAndResumedRunEqualsUninterruptedRunBitForBit() throws {
        try checkResumedRunEqualsUninterruptedRun({ self.trainArgs($0, steps: 10) },
                                                  moment: "optimizer.context_block.mlp.c_fc.weight.m")
    }

    func testTrainedModelWorksWithEveryCommand() throws {
        let path = dir.file("b.safetensors")
        let trained = run(trainArgs(path, steps: 30))
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.err.contains("model bow:"), trained.err)
        XCTAssertTrue(trained.err.contains("adamw lr 0.002"), trained.err)
        let checkpoint = try Checkpoint.read(from: path)
        let longest = NeuralTrainingTests.names.map(\.count).max()!
        XCTAssertEqual(checkpoint.metadata["hparams"], "{\"block_size\":\(longest + 1),\"embed\":8,\"hidden\":6}")
        XCTAssertEqual(checkpoint.tensors["context_block.mlp.c_fc.weight"]?.shape, [6, 8])
        XCTAssertEqual(checkpoint.tensors["context_block.mlp.c_proj.weight"]?.shape, [8, 6])
        XCTAssertEqual(checkpoint.tensors["lm_head.bias"]?.shape, [checkpoint.vocabulary.size])
        XCTAssertEqual(checkpoint.tensors["wpe.weight"]?.shape, [longest + 1, 8])

        let eval = run(["eval", "--checkpoint", path, "--data", data])
        XCTAssertEqual(eval.status, 0, eval.err)
        XCTAssertTrue(eval.out.hasPrefix("split   names      nll"), eval.out)
        let plot = run(["plot", "--checkpoint", path, "--out", dir.file("plots")])
        XCTAssertEqual(plot.status, 0, plot.err)
        XCTAssertTrue(plot.out.contains("embeddings.svg"), plot.out)
        let sampled = run(["sample", "--checkpoint", path, "--data", data, "-n", "5", "--seed", "1", "--prefix", "an"])
        XCTAssertEqual(sampled.status, 0, sampled.err)
        let names = sampled.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 5)
        XCTAssertTrue(names.allSatisfy { $0.hasPrefix("an") }, "\(names)")
    }
}
