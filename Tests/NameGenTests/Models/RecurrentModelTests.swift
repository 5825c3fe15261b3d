import Foundation
import XCTest
@testable import NameGen

/// The recurrent models (`rnn`, `gru`, `lstm`) whole: `trainingStep`'s loss and every parameter
/// gradient, backpropagated through time over whole names, against makemore's `RNN` rebuilt with
/// `Value` (Support/ValueRecurrent.swift) and finite differences of it; evaluation's logits;
/// sampling with the carried state against recomputing every name from its start; and the
/// parameter counts at makemore's sizes, counted by hand.
///
/// Shapes: V = 6, T = 6, embed 4, hidden 5; four names of 5, 0, 1 and 3 characters (6, 1, 2
/// and 4 positions), given in an order the model must sort (longest first) and unsort.
final class RecurrentModelTests: NameGenTestCase {
    static let vocabularySize = 6
    static let names: [[Int32]] = [[3, 1, 5, 2, 4], [], [4], [2, 2, 1]]

    /// With `categories` > 0, a labelled model whose table is drawn away from zero.
    static func tinyModel<C: RecurrentCell>(_ type: C.Type, seed: UInt64, categories: Int = 0) -> RecurrentModel<C> {
        var rng = RandomGenerator(seed: seed)
        let model = RecurrentModel<C>(config: RecurrentConfig(blockSize: 6, embed: 4, hidden: 5), vocabularySize: vocabularySize,
                                      categories: categories, rng: &rng)
        // A start state away from makemore's zeros, so that its use and gradient show.
        for j in 0..<5 { (model.parameters[0]).value.data[j] = 0.5 * rng.nextNormal() }
        if let table = model.category?.table { for i in 0..<table.count { table.value.data[i] = rng.nextNormal() } }
        return model
    }

    /// Names as `NameSequences` lays them out for the trainer.
    static func padded(_ names: [[Int32]], blockSize t: Int) -> (tokens: [Int32], targets: [Int32]) {
        let s = NameSequences(encoded: names, blockSize: t)
        return (s.contexts, s.targets)
    }

    /// With `categories` (one per name, of 2) the model is labelled.
    func checkModel<C: RecurrentCell>(_ type: C.Type, oracle: @escaping ValueRecurrent.Cell, seed: UInt64,
                                        categories: [Int32]? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let model = Self.tinyModel(type, seed: seed, categories: categories == nil ? 0 : 2)
        if let categories { model.condition(on: categories) }
        let (tokens, targets) = Self.padded(Self.names, blockSize: 6)
        XCTAssertEqual(targets.filter { $0 >= 0 }.count, 13, file: file, line: line)
        for p in model.parameters { p.grad.data = [Float](repeating: 0.5, count: p.count) }
        var rng = RandomGenerator(seed: 1)
        let before = rng.stateWords
        let loss = model.trainingStep(contexts: tokens, targets: targets, rng: &rng)
        XCTAssertEqual(rng.stateWords, before, "the step draws nothing", file: file, line: line)
        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data.map { $0 - 0.5 }) }
        let oracleLoss = checkGradients(tensors, finiteDifferenceLimit: 3, file: file, line: line) { leaves in
            [ValueRecurrent.loss(oracle, parameters: leaves, names: Self.names, embed: 4, hidden: 5,
                                 vocabularySize: Self.vocabularySize, categories: categories)]
        }
        assertClose(Double(loss), oracleLoss, tolerance: GradientCheck.forwardTolerance, "loss", file: file, line: line)

        // Evaluation's logits at every real position give the same mean NLL; padding rows are 0.
        let v = Self.vocabularySize
        var logits = Matrix(rows: 4 * 6, cols: v)
        logits.data = [Float](repeating: .nan, count: logits.count)
        model.sequenceLogits(tokens: tokens, count: 4, into: &logits)
        var total = 0.0, counted = 0
        var scratch = [Double](repeating: 0, count: v)
        for r in 0..<(4 * 6) {
            let row = logits.data[(r * v)..<((r + 1) * v)]
            if targets[r] < 0 {
                XCTAssertTrue(row.allSatisfy { $0 == 0 }, "padding row \(r)", file: file, line: line)
                continue
            }
            total += Softmax.negativeLogLikelihood(row, target: Int(targets[r]), scratch: &scratch)
            counted += 1
        }
        assertClose(total / Double(counted), oracleLoss, tolerance: GradientCheck.forwardTolerance, "eval NLL",
                    file: file, line: line)
    }

    /// Sampling: the state carried from call to call gives the logits of recomputing each
    /// history from its start, bit for bit, with far fewer cell steps, and so the same names for
    /// a seed; and those logits are the training forward's (evaluation's) at the same position.
    func checkSampling<C: RecurrentCell>(_ type: C.Type, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let carried = Self.tinyModel(type, seed: seed), fresh = Self.tinyModel(type, seed: seed)
        let vocabulary = try! Vocabulary(characters: ["a", "b", "c", "d", "e"])
        var options = SamplingOptions()
        options.count = 40
        options.maxLength = 30
        options.minLength = 7
        options.prefix = [2]
        var rng1 = RandomGenerator(seed: 7), rng2 = rng1
        let names = try! Sampler.sample(model: carried, vocabulary: vocabulary, options: options, rng: &rng1)
        let recomputed = try! Sampler.sample(model: Recomputing(fresh), vocabulary: vocabulary, options: options, rng: &rng2)
        XCTAssertEqual(names, recomputed, file: file, line: line)
        XCTAssertTrue(names.allSatisfy { $0.count >= 7 }, "names longer than the training rows: \(names)", file: file, line: line)
        let steps = carried.decoder!.computedSteps, without = fresh.decoder!.computedSteps
        XCTAssertLessThan(steps * 3, without, "the carried state saves steps", file: file, line: line)

        // Histories as the sampler grows them, against the training forward at their last position.
        let histories: [[Int32]] = [[0], [0, 3], [0, 3, 1], [0, 3, 1, 5, 2, 4]]
        let v = Self.vocabularySize
        var logits = Matrix(rows: 1, cols: v), full = Matrix(rows: 6, cols: v)
        for history in histories {
            carried.nextLogits(histories: [history], into: &logits)
            var tokens = [Int32](repeating: 0, count: 6)
            for (i, token) in history.enumerated() { tokens[i] = token }
            carried.sequenceLogits(tokens: tokens, count: 1, into: &full)
            let last = history.count - 1
            XCTAssertEqual(logits.data.map(\.bitPattern), full.data[(last * v)..<((last + 1) * v)].map(\.bitPattern),
                           "history \(history)", file: file, line: line)
        }
    }

    /// Labelled sampling: each row's carried-state logits under its category are evaluation's
    /// with that category, bit for bit; a row whose category changes starts again from the start
    /// state, and the category changes the logits.
    func checkSamplingWithCategories<C: RecurrentCell>(_ type: C.Type, seed: UInt64,
                                                       file: StaticString = #filePath, line: UInt = #line) {
        let model = Self.tinyModel(type, seed: seed, categories: 2), v = Self.vocabularySize
        var logits = Matrix(rows: 2, cols: v)
        let steps: [([[Int32]], [Int32])] = [([[0], [0]], [0, 1]), ([[0, 2], [0, 3]], [0, 1]),
                                             ([[0, 2, 1], [0, 3, 3]], [1, 1]), ([[0, 2, 1, 4], [0, 3, 3, 5]], [1, 0])]
        for (histories, categories) in steps {
            model.condition(on: categories)
            model.nextLogits(histories: histories, into: &logits)
            let got = logits.data
            for (r, history) in histories.enumerated() {
                var tokens = [Int32](repeating: 0, count: 6)
                for (i, token) in history.enumerated() { tokens[i] = token }
                var full = Matrix(rows: 6, cols: v)
                model.condition(on: [categories[r]])
                model.sequenceLogits(tokens: tokens, count: 1, into: &full)
                let last = history.count - 1
                XCTAssertEqual(got[(r * v)..<((r + 1) * v)].map(\.bitPattern), full.data[(last * v)..<((last + 1) * v)].map(\.bitPattern),
                               "history \(history) category \(categories[r])", file: file, line: line)
            }
        }
        var a = Matrix(rows: 1, cols: v), b = a
        model.condition(on: [0])
        model.nextLogits(histories: [[0, 1]], into: &a)
        model.condition(on: [1])
        model.nextLogits(histories: [[0, 1]], into: &b)
        XCTAssertNotEqual(a.data, b.data, "the category changes the logits", file: file, line: line)
    }

    func testRNNGradients() { checkModel(RNNCell.self, oracle: ValueRecurrent.rnn, seed: 3) }

    func testRNNGradientsWithCategories() { checkModel(RNNCell.self, oracle: ValueRecurrent.rnn, seed: 13, categories: [1, 0, 1, 0]) }

    func testGRUGradientsWithCategories() { checkModel(GRUCell.self, oracle: ValueRecurrent.gru, seed: 15, categories: [0, 1, 1, 0]) }

    func testLSTMGradientsWithCategories() {
        checkModel(LSTMCell.self, oracle: ValueRecurrent.lstm, seed: 17, categories: [1, 1, 0, 1])
    }

    func testRNNSamplingWithCategories() { checkSamplingWithCategories(RNNCell.self, seed: 14) }

    func testGRUSamplingWithCategories() { checkSamplingWithCategories(GRUCell.self, seed: 16) }

    func testLSTMSamplingWithCategories() { checkSamplingWithCategories(LSTMCell.self, seed: 18) }

    func testRNNSampling() { checkSampling(RNNCell.self, seed: 4) }

    func testGRUGradients() { checkModel(GRUCell.self, oracle: ValueRecurrent.gru, seed: 5) }

    func testGRUSampling() { checkSampling(GRUCell.self, seed: 6) }

    func testLSTMGradients() { checkModel(LSTMCell.self, oracle: ValueRecurrent.lstm, seed: 7) }

    func testLSTMSampling() { checkSampling(LSTMCell.self, seed: 8) }

    /// At makemore's sizes, E = H = 64, V = 27, every model has
    ///   start 64 · wte 27·64 = 1,728 · lm_head 27·64 + 27 = 1,755
    /// and its cell's maps of [x | h] (64 + 64 = 128 inputs):
    ///   rnn   xh_to_h                        64·128 + 64     =  8,256   → 11,803
    ///   gru   xh_to_z, xh_to_r, xh_to_hbar   3·(64·128 + 64) = 24,768   → 28,315
    ///   lstm  xh_to_gates                    256·128 + 256   = 33,024   → 36,571
    func testParameterCounts() {
        let config = RecurrentConfig(blockSize: 16, embed: 64, hidden: 64)
        var rng = RandomGenerator(seed: 1)
        let models: [(any TrainableModel, cell: [String: [Int]], count: Int, total: Int)] = [
            (RNNModel(config: config, vocabularySize: 27, rng: &rng), ["xh_to_h": [64, 128]], 8_256, 11_803),
            (GRUModel(config: config, vocabularySize: 27, rng: &rng),
             ["xh_to_z": [64, 128], "xh_to_r": [64, 128], "xh_to_hbar": [64, 128]], 24_768, 28_315),
            (LSTMModel(config: config, vocabularySize: 27, rng: &rng), ["xh_to_gates": [256, 128]], 33_024, 36_571),
        ]
        for (model, cell, count, total) in models {
            XCTAssertEqual(model.parameterCount, 64 + 1_728 + count + 1_755)
            XCTAssertEqual(model.parameterCount, total)
            var shapes = ["start": [1, 64], "wte.weight": [27, 64], "lm_head.weight": [27, 64], "lm_head.bias": [27]]
            for (map, shape) in cell { (shapes["cell.\(map).weight"], shapes["cell.\(map).bias"]) = (shape, [shape[0]]) }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.shape) }), shapes)
            XCTAssertEqual(Array(model.parameters.map(\.name).prefix(2)), ["start", "wte.weight"], "makemore's order")
        }
        XCTAssertEqual(GRUCell(name: "cell", inputs: 2, hidden: 3, rng: &rng).parameters.map(\.name),
                       ["cell.xh_to_z.weight", "cell.xh_to_z.bias", "cell.xh_to_r.weight", "cell.xh_to_r.bias",
                        "cell.xh_to_hbar.weight", "cell.xh_to_hbar.bias"], "makemore's order")
    }
}

/// A model that reads every history from its start on every call: the reference for sampling
/// with a carried state.
final class Recomputing: IncrementalSampling {
    let model: any RecurrentSampling
    init(_ model: any RecurrentSampling) { self.model = model }
    var blockSize: Int { model.blockSize }
    var vocabularySize: Int { model.vocabularySize }
    func namedTensors() -> [String: Tensor] { model.namedTensors() }
    func logits(contexts: [Int32], count: Int, into logits: inout Matrix) { model.logits(contexts: contexts, count: count, into: &logits) }
    func nextLogits(histories: [[Int32]], into logits: inout Matrix) { model.nextLogits(histories: histories, reuse: false, into: &logits) }
}

/// `RecurrentModel.nextLogits(histories:reuse:into:)` for any cell.
protocol RecurrentSampling: LanguageModel {
    func nextLogits(histories: [[Int32]], reuse: Bool, into logits: inout Matrix)
}

extension RecurrentModel: RecurrentSampling {}
