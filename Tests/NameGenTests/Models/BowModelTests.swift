import Foundation
import XCTest
@testable import NameGen

/// The `bow` model: `trainingStep`'s loss and every parameter gradient against the same network
/// rebuilt with `Value` from the model's own parameters, and against finite differences of it
/// (tolerances in Support/GradientCheck.swift); its size; and sampling from running sums.
/// Shapes: V = 6, T = 5, embed 4, hidden 3; 3 names of lengths 4, 1 and 0 (5, 2 and 1 targets).
final class BowModelTests: NameGenTestCase {
    private let vocabularySize = 6

    /// With `categories` > 0, a labelled model whose table is drawn away from zero.
    private func tinyModel(seed: UInt64, categories: Int = 0) -> BowModel {
        var c = BowConfig()
        (c.blockSize, c.embed, c.hidden) = (5, 4, 3)
        var rng = RandomGenerator(seed: seed)
        let model = BowModel(config: c, vocabularySize: vocabularySize, categories: categories, rng: &rng)
        if let table = model.category?.table { for i in 0..<table.count { table.value.data[i] = rng.nextNormal() } }
        return model
    }

    /// makemore's BoW on scalars: x = wte + wpe; h = x + causal mean; z = h + c_proj(tanh(c_fc(h)));
    /// logits = lm_head(z); the mean cross-entropy over the real targets.
    /// With `categories` (one per name) the category table's row is added to x at every position.
    private func oracleLoss(model: BowModel, leaves: [[Value]], names: [[Int32]], categories: [Int32]? = nil) -> Value {
        let index = Dictionary(uniqueKeysWithValues: model.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func leaf(_ p: Parameter) -> [Value] { leaves[index[ObjectIdentifier(p)]!] }
        let e = model.config.embed, hid = model.config.hidden
        var tokens: [Int] = [], targets: [Int] = [], positions: [Int] = [], rowCategories: [Int] = []
        for (s, name) in names.enumerated() {
            tokens += [0] + name.map(Int.init)
            targets += name.map(Int.init) + [0]
            positions += Array(0...name.count)
            rowCategories += [Int](repeating: Int(categories?[s] ?? 0), count: name.count + 1)
        }
        let n = tokens.count
        let wte = leaf(model.tokenEmbedding.table), wpe = leaf(model.positionEmbedding.table)
        let table = categories.map { _ in leaf(model.category!.table) }
        let x = (0..<(n * e)).map { i -> Value in
            let sum = wte[tokens[i / e] * e + i % e] + wpe[positions[i / e] * e + i % e]
            return table.map { sum + $0[rowCategories[i / e] * e + i % e] } ?? sum
        }
        var h: [Value] = []
        for r in 0..<n {
            let first = r - positions[r]
            for k in 0..<e {
                let mean = Value.sum((first...r).map { x[$0 * e + k] }) * (1 / Double(positions[r] + 1))
                h.append(x[r * e + k] + mean)
            }
        }
        let hidden = ValueTransformer.linear(h, leaf(model.fc.weight), leaf(model.fc.bias!), rows: n, inputs: e, outputs: hid)
            .map { $0.tanh() }
        let mlp = ValueTransformer.linear(hidden, leaf(model.proj.weight), leaf(model.proj.bias!), rows: n, inputs: hid, outputs: e)
        let z = zip(h, mlp).map { $0 + $1 }
        let logits = ValueTransformer.linear(z, leaf(model.head.weight), leaf(model.head.bias!), rows: n, inputs: e,
                                             outputs: vocabularySize)
        let rows = (0..<n).map { Array(logits[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
        return Value.crossEntropy(logits: rows, targets: targets)
    }

    func testGradients() {
        let model = tinyModel(seed: 1)
        let names: [[Int32]] = [[3, 1, 5, 2], [4], []]
        let sequences = NameSequences(encoded: names, blockSize: 5)
        model.zeroGrad()
        var rng = RandomGenerator(seed: 2)
        let loss = model.trainingStep(contexts: sequences.contexts, targets: sequences.targets, rng: &rng)
        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        let oracle = checkGradients(tensors, finiteDifferenceLimit: 4) { [oracleLoss(model: model, leaves: $0, names: names)] }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")
    }

    /// Labelled names: every gradient, the category table's among them, against the oracle and
    /// finite differences; evaluation's logits with the same categories give the same loss.
    func testGradientsWithCategories() {
        let model = tinyModel(seed: 5, categories: 2)
        let names: [[Int32]] = [[3, 1, 5, 2], [4], []]
        let categories: [Int32] = [1, 0, 1]
        let sequences = NameSequences(encoded: names, blockSize: 5)
        model.zeroGrad()
        model.condition(on: categories)
        var rng = RandomGenerator(seed: 2)
        let loss = model.trainingStep(contexts: sequences.contexts, targets: sequences.targets, rng: &rng)
        XCTAssertEqual(model.parameters.last!.name, "category.weight")
        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        let oracle = checkGradients(tensors, finiteDifferenceLimit: 4) {
            [oracleLoss(model: model, leaves: $0, names: names, categories: categories)]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")
        var logits = Matrix(rows: 15, cols: vocabularySize)
        model.sequenceLogits(tokens: sequences.contexts, count: 3, into: &logits)
        var total = 0.0
        var scratch = [Double](repeating: 0, count: vocabularySize)
        for r in 0..<15 where sequences.targets[r] >= 0 {
            total += Softmax.negativeLogLikelihood(logits.data[(r * vocabularySize)..<((r + 1) * vocabularySize)],
                                                   target: Int(sequences.targets[r]), scratch: &scratch)
        }
        assertClose(total / 8, oracle, tolerance: GradientCheck.forwardTolerance, "eval NLL")
    }

    /// The labelled sampler's calls: each row's running-sum logits under its category are the
    /// full forward pass's with that category, bit for bit, and a row whose category changes
    /// starts its sum again (so the category changes the logits).
    func testRunningSumsWithCategories() {
        let model = tinyModel(seed: 6, categories: 2), t = 5, v = vocabularySize
        var logits = Matrix(rows: 2, cols: v)
        let steps: [([[Int32]], [Int32])] = [([[0], [0]], [0, 1]), ([[0, 2], [0, 3]], [0, 1]), ([[0, 2, 1], [0, 3, 3]], [1, 1]),
                                             ([[0, 2, 1, 4], [0, 3, 3, 5]], [1, 0])]
        for (histories, categories) in steps {
            model.condition(on: categories)
            model.nextLogits(histories: histories, into: &logits)
            let got = logits.data
            for (r, history) in histories.enumerated() {
                var tokens = [Int32](repeating: 0, count: t)
                for (j, token) in history.enumerated() { tokens[j] = token }
                var full = Matrix(rows: t, cols: v)
                model.condition(on: [categories[r]])
                model.sequenceLogits(tokens: tokens, count: 1, into: &full)
                let last = history.count - 1
                XCTAssertEqual(Array(got[(r * v)..<((r + 1) * v)]), Array(full.data[(last * v)..<((last + 1) * v)]),
                               "history \(history) category \(categories[r])")
            }
        }
        var a = Matrix(rows: 1, cols: v), b = a
        model.condition(on: [0])
        model.nextLogits(histories: [[0, 1]], into: &a)
        model.condition(on: [1])
        model.nextLogits(histories: [[0, 1]], into: &b)
        XCTAssertNotEqual(a.data, b.data)
    }

    /// makemore's BoW at --embed 64 --hidden 64, V = 27, T = 16: wte 27·64 + wpe 16·64 + c_fc
    /// (64·64 + 64) + c_proj (64·64 + 64) + lm_head (27·64 + 27).
    func testDefaultParameterCount() {
        var rng = RandomGenerator(seed: 1)
        let model = BowModel(config: BowConfig(), vocabularySize: 27, rng: &rng)
        XCTAssertEqual(model.parameterCount, 27 * 64 + 16 * 64 + (64 * 64 + 64) + (64 * 64 + 64) + (27 * 64 + 27))
        XCTAssertEqual(model.parameterCount, 12_827)
        XCTAssertEqual(Set(model.namedTensors().keys), ["wte.weight", "wpe.weight", "context_block.mlp.c_fc.weight",
                                                       "context_block.mlp.c_fc.bias", "context_block.mlp.c_proj.weight",
                                                       "context_block.mlp.c_proj.bias", "lm_head.weight", "lm_head.bias"])
        XCTAssertEqual(model.fc.weight.shape, [64, 64])
        XCTAssertEqual(model.head.weight.shape, [27, 64])
    }

    /// The sampler's calls (each row one token longer per call; row 1 starts a new name; row 2
    /// grows past T and is read as its last T tokens) give the logits of the full forward pass at
    /// the last position, bit for bit, and a row that grew by one token adds one position into
    /// its running sum: nothing is recomputed from the start of the name.
    func testRunningSumsMatchTheFullForwardPass() {
        let model = tinyModel(seed: 3), t = 5, v = vocabularySize
        let rows: [[[Int32]]] = [[[0, 1, 2, 3, 4], [0, 2]], [[0, 5, 5], [0, 1, 1, 1]], [[0, 1, 2, 3, 4, 5, 1, 2]]]
        var histories = rows.map { $0.flatMap { name in (1...name.count).map { Array(name.prefix($0)) } } }
        let calls = histories.map(\.count).max()!
        for r in histories.indices { while histories[r].count < calls { histories[r].append(histories[r].last!) } }
        var logits = Matrix(rows: 3, cols: v)
        var expected = 0
        var previous: [[Int32]] = [[], [], []]
        for call in 0..<calls {
            let batch = histories.map { $0[call] }
            model.nextLogits(histories: batch, into: &logits)
            for (r, history) in batch.enumerated() {
                let read = Array(history.suffix(t))
                expected += previous[r].count + 1 == read.count && previous[r] == Array(read.dropLast()) ? 1 : read.count
                previous[r] = read
                var tokens = [Int32](repeating: 0, count: t)
                for (j, token) in read.enumerated() { tokens[j] = token }
                var full = Matrix(rows: t, cols: v)
                model.sequenceLogits(tokens: tokens, count: 1, into: &full)
                // A sequence ending in start tokens is read up to its last other token, so compare
                // rows whose last token is a character, or the lone start token.
                guard read.last != 0 || read.count == 1 else { continue }
                XCTAssertEqual(Array(logits.data[(r * v)..<((r + 1) * v)]),
                               Array(full.data[((read.count - 1) * v)..<(read.count * v)]), "call \(call) row \(r)")
            }
        }
        XCTAssertEqual(model.runningSums!.computedPositions, expected)
        XCTAssertLessThan(expected, histories.flatMap { $0 }.map { min($0.count, t) }.reduce(0, +) * 2 / 3,
                          "the running sums save a third of the positions or more")
    }

    /// `logits(contexts:)` reads a window from its last start token, or whole without one.
    func testContextWindows() {
        let model = tinyModel(seed: 4), v = vocabularySize
        var byWindow = Matrix(rows: 2, cols: v), byHistory = byWindow
        model.logits(contexts: [0, 0, 0, 3, 2, 1, 2, 3, 4, 5], count: 2, into: &byWindow)
        let fresh = tinyModel(seed: 4)
        fresh.nextLogits(histories: [[0, 3, 2], [0, 1, 2, 3, 4, 5]], into: &byHistory)
        XCTAssertEqual(byWindow.data, byHistory.data)
    }
}
