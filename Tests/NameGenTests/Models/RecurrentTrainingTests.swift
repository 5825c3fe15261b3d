import Foundation
import XCTest
@testable import NameGen

/// The recurrent models through the command line: an interrupted and resumed run gives the same
/// checkpoint as an uninterrupted one, bit for bit; the checkpoint holds makemore's tensor names
/// and shapes and the hyperparameters; eval, info, plot and sample work on it. Tiny sizes
/// (embed 6, hidden 8) keep it fast.
final class RecurrentTrainingTests: CommandLineTestCase {
    private func trainArgs(_ model: String, _ checkpoint: String, steps: Int) -> [String] {
        ["train", "--model", model, "--data", data, "--checkpoint", checkpoint, "--embed", "6", "--hidden", "8",
         "--batch-size", "4", "--steps", "\(steps)", "--threads", "1"]
    }

    func checkResume(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let whole = dir.file("\(model)-whole.safetensors"), parts = dir.file("\(model)-parts.safetensors")
        XCTAssertEqual(run(trainArgs(model, whole, steps: 10)).status, 0, file: file, line: line)
        let stopped = run(trainArgs(model, parts, steps: 10), stopped: true)
        XCTAssertEqual(stopped.status, 130, stopped.err, file: file, line: line)
        let resumed = run(["train", "--resume", "--checkpoint", parts, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err, file: file, line: line)
        XCTAssertTrue(resumed.err.contains("at step 1 of 10"), resumed.err, file: file, line: line)
        let a = try Checkpoint.read(from: whole).tensors, b = try Checkpoint.read(from: parts).tensors
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        XCTAssertTrue(a.keys.contains("optimizer.start.m"), "AdamW moments are saved", file: file, line: line)
        for (name, t) in a { XCTAssertEqual(t, b[name], "tensor \(name) differs after resume", file: file, line: line) }
    }

    /// Trains 30 steps and checks the checkpoint's tensors (name: shape) and every command on it.
    func checkCommands(_ model: String, tensors: [String: [Int]], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = dir.file("\(model).safetensors")
        let trained = run(trainArgs(model, path, steps: 30))
        XCTAssertEqual(trained.status, 0, trained.err, file: file, line: line)
        XCTAssertTrue(trained.err.contains("model \(model):"), trained.err, file: file, line: line)
        XCTAssertTrue(trained.err.contains("adamw lr"), trained.err, file: file, line: line)
        let checkpoint = try Checkpoint.read(from: path)
        let longest = Self.names.map(\.count).max()!
        XCTAssertEqual(checkpoint.metadata["hparams"], "{\"block_size\":\(longest + 1),\"embed\":6,\"hidden\":8}",
                       file: file, line: line)
        let weights = checkpoint.tensors.filter { !$0.key.hasPrefix("optimizer.") && !$0.key.hasPrefix("resume.") }
        XCTAssertEqual(weights.mapValues(\.shape), tensors, file: file, line: line)

        let eval = run(["eval", "--checkpoint", path, "--data", data])
        XCTAssertEqual(eval.status, 0, eval.err, file: file, line: line)
        XCTAssertTrue(eval.out.hasPrefix("split   names      nll"), eval.out, file: file, line: line)
        XCTAssertEqual(run(["info", "--checkpoint", path]).status, 0, file: file, line: line)
        let plot = run(["plot", "--checkpoint", path, "--out", dir.file("plots-\(model)")])
        XCTAssertEqual(plot.status, 0, plot.err, file: file, line: line)
        XCTAssertTrue(plot.out.contains("embeddings.svg"), plot.out, file: file, line: line)
        let sampled = run(["sample", "--checkpoint", path, "--data", data, "-n", "5", "--seed", "1", "--prefix", "an",
                           "--min-length", "12", "--max-length", "20"])
        XCTAssertEqual(sampled.status, 0, sampled.err, file: file, line: line)
        let names = sampled.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 5, file: file, line: line)
        XCTAssertTrue(names.allSatisfy { $0.hasPrefix("an") && (12...20).contains($0.count) },
                      "names longer than the training rows: \(names)", file: file, line: line)
    }

    func testRNNResumesBitForBit() throws { try checkResume("rnn") }

    /// V: the test names' characters and the start/stop token.
    private var v: Int { Set(Self.names.joined()).count + 1 }

    func testRNNCheckpointAndCommands() throws {
        try checkCommands("rnn", tensors: ["start": [1, 8], "wte.weight": [v, 6], "cell.xh_to_h.weight": [8, 14],
                                           "cell.xh_to_h.bias": [8], "lm_head.weight": [v, 8], "lm_head.bias": [v]])
    }

    func testGRUResumesBitForBit() throws { try checkResume("gru") }

    func testGRUCheckpointAndCommands() throws {
        var tensors = ["start": [1, 8], "wte.weight": [v, 6], "lm_head.weight": [v, 8], "lm_head.bias": [v]]
        for map in ["xh_to_z", "xh_to_r", "xh_to_hbar"] { (tensors["cell.\(map).weight"], tensors["cell.\(map).bias"]) = ([8, 14], [8]) }
        try checkCommands("gru", tensors: tensors)
    }

    func testLSTMResumesBitForBit() throws { try checkResume("lstm") }

    func testLSTMCheckpointAndCommands() throws {
        try checkCommands("lstm", tensors: ["start": [1, 8], "wte.weight": [v, 6], "cell.xh_to_gates.weight": [32, 14],
                                            "cell.xh_to_gates.bias": [32], "lm_head.weight": [v, 8], "lm_head.bias": [v]])
    }
}
