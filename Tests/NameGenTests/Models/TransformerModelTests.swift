import Foundation
import XCTest
@testable import NameGen

/// The whole `transformer` model: `trainingStep`'s loss and every parameter gradient against the
/// same network rebuilt with `Value` (Support/ValueTransformer.swift) from the model's own
/// parameter values on padded sequences, and against finite differences of it in Double
/// (tolerances in Support/GradientCheck.swift). Finite differences are taken on 3 (2 with dropout)
/// evenly spaced elements per tensor, the first and the last among them, to keep the test fast;
/// the layer tests check the oracle against finite differences element by element.
/// Shapes: V = 6, T = 5, embed 8, 2 heads, 2 layers, 3 names of lengths 4, 1 and 0 characters
/// (5, 2 and 1 real targets).
final class TransformerModelTests: NameGenTestCase {
    private let vocabularySize = 6

    private func tinyConfig(dropout: Float, layers: Int = 2) -> TransformerConfig {
        var c = TransformerConfig()
        c.blockSize = 5
        c.embed = 8
        c.heads = 2
        c.layers = layers
        c.dropout = dropout
        return c
    }

    /// The model's network as scalars on leaves given per parameter, with the dropout masks
    /// (embedding, then per block: attention probabilities, attention output, MLP output) as
    /// constants. Returns the mean cross-entropy over the real targets.
    /// With `categories` (one per name) the category table's row is added at every position.
    private func oracleLoss(model: TransformerModel, leaves: [[Value]], names: [[Int32]], masks: [[Double]]?,
                            categories: [Int32]? = nil) -> Value {
        let index = Dictionary(uniqueKeysWithValues: model.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func leaf(_ p: Parameter) -> [Value] { leaves[index[ObjectIdentifier(p)]!] }
        let c = model.config.embed, h = model.config.heads, t = model.config.blockSize
        var tokens: [Int], targets: [Int], starts: [Int] = [], lengths: [Int] = []
        (tokens, targets) = ([], [])
        for name in names {
            starts.append(tokens.count)
            lengths.append(name.count + 1)
            tokens += [0] + name.map(Int.init)
            targets += name.map(Int.init) + [0]
        }
        let n = tokens.count
        var nextMask = 0
        func dropped(_ x: [Value]) -> [Value] {
            guard let masks else { return x }
            defer { nextMask += 1 }
            return zip(x, masks[nextMask]).map { $0 * $1 }
        }
        let wte = leaf(model.tokenEmbedding.table), wpe = leaf(model.positionEmbedding.table)
        var positions: [Int] = [], rowCategories: [Int] = []
        for (s, length) in lengths.enumerated() {
            positions += Array(0..<length)
            rowCategories += [Int](repeating: Int(categories?[s] ?? 0), count: length)
        }
        let table = categories.map { _ in leaf(model.category!.table) }
        var embedded: [Value] = []
        for i in 0..<(n * c) {
            let row: Int = i / c, column: Int = i % c
            var e = wte[tokens[row] * c + column] + wpe[positions[row] * c + column]
            if let table { e = e + table[rowCategories[row] * c + column] }
            embedded.append(e)
        }
        var x = dropped(embedded)
        for block in model.blocks {
            let a = block.attention
            let ln1 = ValueTransformer.layerNorm(x, gamma: leaf(block.ln1.gamma), beta: leaf(block.ln1.beta), rows: n, features: c)
            let qkv = ValueTransformer.linear(ln1, leaf(a.attn.weight), leaf(a.attn.bias!), rows: n, inputs: c, outputs: 3 * c)
            let attentionMask = masks.map { $0[nextMask] }
            if masks != nil { nextMask += 1 }
            let y = ValueTransformer.attention(qkv, starts: starts, lengths: lengths, embed: c, heads: h, maxLength: t,
                                               mask: attentionMask)
            let proj = ValueTransformer.linear(y, leaf(a.proj.weight), leaf(a.proj.bias!), rows: n, inputs: c, outputs: c)
            x = zip(x, dropped(proj)).map { $0 + $1 }
            let ln2 = ValueTransformer.layerNorm(x, gamma: leaf(block.ln2.gamma), beta: leaf(block.ln2.beta), rows: n, features: c)
            let fc = ValueTransformer.linear(ln2, leaf(block.fc.weight), leaf(block.fc.bias!), rows: n, inputs: c, outputs: 4 * c)
            let fc2 = ValueTransformer.linear(fc.map(ValueTransformer.gelu), leaf(block.fc2.weight), leaf(block.fc2.bias!),
                                              rows: n, inputs: 4 * c, outputs: c)
            x = zip(x, dropped(fc2)).map { $0 + $1 }
        }
        let lnf = ValueTransformer.layerNorm(x, gamma: leaf(model.finalNorm.gamma), beta: leaf(model.finalNorm.beta), rows: n, features: c)
        let logits = ValueTransformer.linear(lnf, leaf(model.head.weight), nil, rows: n, inputs: c, outputs: vocabularySize)
        let rows = (0..<n).map { Array(logits[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
        return Value.crossEntropy(logits: rows, targets: targets)
    }

    /// With `categories` (one per name) the model is conditioned on 2 categories, its table
    /// drawn away from zero, and has one block (to keep the test fast).
    private func checkModel(dropout: Float, seed: UInt64, finiteDifferences: Int, categories: [Int32]? = nil,
                            file: StaticString = #filePath, line: UInt = #line) {
        let config = tinyConfig(dropout: dropout, layers: categories == nil ? 2 : 1)
        var rng = RandomGenerator(seed: seed)
        let model = TransformerModel(config: config, vocabularySize: vocabularySize, categories: categories == nil ? 0 : 2,
                                     rng: &rng)
        if let categories {
            let table = model.category!.table
            for i in 0..<table.count { table.value.data[i] = rng.nextNormal() }
            model.condition(on: categories)
        }
        // LayerNorm gains and shifts away from 1 and 0, so that a backward ignoring them would show.
        for norm in model.blocks.flatMap({ [$0.ln1, $0.ln2] }) + [model.finalNorm] {
            for j in 0..<norm.features {
                norm.gamma.value.data[j] = 1 + 0.3 * rng.nextNormal()
                norm.beta.value.data[j] = 0.3 * rng.nextNormal()
            }
        }
        let names: [[Int32]] = [[3, 1, 5, 2], [4], []]
        let (tokens, targets) = TransformerModel.padded(names, blockSize: config.blockSize)
        XCTAssertEqual(tokens, [0, 3, 1, 5, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0], file: file, line: line)
        XCTAssertEqual(targets, [3, 1, 5, 2, 0, 4, 0, -1, -1, -1, 0, -1, -1, -1, -1], file: file, line: line)
        model.zeroGrad()
        var stepRng = RandomGenerator(seed: seed &+ 100)
        var replay = stepRng
        let loss = model.trainingStep(tokens: tokens, targets: targets, batch: 3, rng: &stepRng)

        // The step draws, from the generator it is given and in this order, the embedding mask
        // (N, C), then per block the attention mask (N, H, T), the attention-output mask and the
        // MLP-output mask (N, C). Replaying the draws from a copy reproduces them; that the copy
        // ends in the same state shows that these were all the step drew.
        var masks: [[Double]]?
        if let drop = model.dropout {
            let n = 8, c = config.embed
            func draw(_ count: Int) -> [Double] {
                var m = Matrix(rows: 1, cols: count)
                drop.drawMask(&m, rng: &replay)
                return m.data.map(Double.init)
            }
            var drawn = [draw(n * c)]
            for _ in model.blocks { drawn += [draw(n * config.heads * config.blockSize), draw(n * c), draw(n * c)] }
            masks = drawn
        }
        XCTAssertEqual(replay.stateWords, stepRng.stateWords, "the step's random draws are exactly the replayed masks",
                       file: file, line: line)

        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        let oracle = checkGradients(tensors, finiteDifferenceLimit: finiteDifferences, file: file, line: line) { leaves in
            [oracleLoss(model: model, leaves: leaves, names: names, masks: masks, categories: categories)]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss", file: file, line: line)

        // Evaluation (inference, no dropout) gives the summed NLL over the same 8 targets.
        let nll = model.negativeLogLikelihood(tokens: tokens, targets: targets, count: 3)
        XCTAssertEqual(nll.count, 8, file: file, line: line)
        if dropout == 0 { assertClose(nll.sum / 8, oracle, tolerance: GradientCheck.forwardTolerance, "eval NLL", file: file, line: line) }
    }

    func testGradients() { checkModel(dropout: 0, seed: 1, finiteDifferences: 3) }

    func testGradientsWithDropout() { checkModel(dropout: 0.2, seed: 2, finiteDifferences: 2) }

    /// Labelled names: the category table's gradient (and every other) against the oracle and
    /// finite differences, and evaluation with the same categories.
    func testGradientsWithCategories() { checkModel(dropout: 0, seed: 3, finiteDifferences: 2, categories: [1, 0, 1]) }

    /// The category table comes last, zero, and draws nothing: every other tensor is the plain
    /// model's, bit for bit.
    func testCategoryTableLeavesThePlainModelAlone() {
        var rng1 = RandomGenerator(seed: 5), rng2 = rng1
        let plain = TransformerModel(config: tinyConfig(dropout: 0), vocabularySize: vocabularySize, rng: &rng1)
        let labelled = TransformerModel(config: tinyConfig(dropout: 0), vocabularySize: vocabularySize, categories: 3, rng: &rng2)
        XCTAssertEqual(rng1.stateWords, rng2.stateWords)
        XCTAssertEqual(labelled.parameters.last!.name, "category.weight")
        XCTAssertEqual(labelled.parameters.last!.shape, [3, 8])
        XCTAssertTrue(labelled.parameters.last!.value.data.allSatisfy { $0 == 0 })
        XCTAssertEqual(plain.parameters.count + 1, labelled.parameters.count)
        for (a, b) in zip(plain.parameters, labelled.parameters) { XCTAssertEqual(a.value.data, b.value.data, a.name) }
        XCTAssertEqual(plain.categoryCount, 0)
        XCTAssertEqual(labelled.categoryCount, 3)
    }

    /// After a few training steps on names of two categories, the same context gives different
    /// logits under each category.
    func testCategoriesChangeTheLogits() {
        var rng = RandomGenerator(seed: 6)
        let model = TransformerModel(config: tinyConfig(dropout: 0), vocabularySize: vocabularySize, categories: 2, rng: &rng)
        let (tokens, targets) = TransformerModel.padded([[1, 2], [3, 4]], blockSize: 5)
        let optimizer = Optimizer(kind: .adamw, parameters: model.parameters, weightDecay: 0, betas: (0.9, 0.99))
        for _ in 0..<5 {
            model.zeroGrad()
            model.condition(on: [0, 1])
            _ = model.trainingStep(tokens: tokens, targets: targets, batch: 2, rng: &rng)
            optimizer.step(learningRate: 0.01)
        }
        XCTAssertTrue(model.category!.table.value.data.contains { $0 != 0 }, "the table learns")
        var logits = Matrix(rows: 2, cols: vocabularySize)
        model.condition(on: [0, 1])
        model.logits(contexts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], count: 2, into: &logits)
        XCTAssertNotEqual(Array(logits.data[0..<vocabularySize]), Array(logits.data[vocabularySize...]))
    }

    /// makemore's default at V = 27 and T = 16, counted by hand:
    ///   wte 27·64 + wpe 16·64                                     = 1,728 + 1,024
    ///   per block: ln1 2·64, attn 192·64 + 192, proj 64·64 + 64, ln2 2·64,
    ///              fc 256·64 + 256, fc2 64·256 + 64               = 49,984, × 4 = 199,936
    ///   lnf 2·64 + head 27·64                                     = 128 + 1,728
    ///   total                                                      = 204,544
    func testDefaultParameterCount() {
        var rng = RandomGenerator(seed: 1)
        let model = TransformerModel(config: TransformerConfig(), vocabularySize: 27, rng: &rng)
        XCTAssertEqual(model.parameterCount, 1_728 + 1_024 + 4 * 49_984 + 128 + 1_728)
        XCTAssertEqual(model.parameterCount, 204_544)
        XCTAssertEqual(model.parameters.count, 2 + 4 * 12 + 3)
        XCTAssertEqual(Array(model.parameters.map(\.name).prefix(8)), [
            "wte.weight", "wpe.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.attn.weight",
            "blocks.0.attn.bias", "blocks.0.proj.weight", "blocks.0.proj.bias",
        ])
        XCTAssertEqual(model.blocks[0].attention.attn.weight.shape, [192, 64])
        XCTAssertEqual(model.head.weight.shape, [27, 64])
    }
}

/// Sampling's key/value cache: `logits(contexts:)` called as the sampler calls it (one more
/// character per row and call, rows restarting at new names, a window cropped to its last T
/// tokens) gives the logits of a full forward pass over each row's sequence, whether the cache
/// was reused or not.
final class TransformerSamplingTests: NameGenTestCase {
    /// The logits at the last position of `sequence` (the model reads it from position 0) by the
    /// training code's full forward pass in inference mode.
    private func fullForwardLogits(_ model: TransformerModel, _ sequence: [Int32], category: Int32? = nil) -> [Float] {
        let t = model.blockSize, v = model.vocabularySize
        if let category { model.condition(on: [category]) }
        let ws = TransformerModel.Workspace(model: model, sequences: 1, training: false)
        var tokens = [Int32](repeating: 0, count: t), targets = [Int32](repeating: -1, count: t)
        for (i, token) in sequence.enumerated() { tokens[i] = token; targets[i] = 0 }
        let rows = ws.pack(tokens: tokens, targets: targets, count: 1)
        var unused = RandomGenerator(seed: 0)
        model.forward(ws: ws, training: false, rng: &unused)
        return Array(ws.logits.data[((rows - 1) * v)..<(rows * v)])
    }

    func testCachedLogitsMatchTheFullForwardPass() {
        var config = TransformerConfig()
        config.blockSize = 5
        config.embed = 8
        config.heads = 2
        config.layers = 2
        var rng = RandomGenerator(seed: 9)
        let model = TransformerModel(config: config, vocabularySize: 6, rng: &rng)
        let t = 5, v = 6
        // Per row, the sequence of names it generates one character at a time.
        let rows: [[[Int32]]] = [[[1, 2, 3, 4, 5, 1, 2], [3]], [[2], [4, 4], [5, 1]], [[3, 3, 3]]]
        var texts = rows.map { $0.flatMap { name in (0...name.count).map { Array(name.prefix($0)) } } }
        let calls = texts.map(\.count).max()!
        for r in texts.indices { while texts[r].count < calls { texts[r].append([]) } }
        var logits = Matrix(rows: 3, cols: v)
        var reused = 0, withoutCache = 0, expected = 0
        var previous: [[Int32]?] = [nil, nil, nil]
        for call in 0..<calls {
            var contexts = [Int32](repeating: 0, count: 3 * t)
            var sequences: [[Int32]] = []
            for r in 0..<3 {
                let name = texts[r][call]
                let padded = [Int32](repeating: 0, count: t) + name
                let window = Array(padded.suffix(t))
                for j in 0..<t { contexts[r * t + j] = window[j] }
                // The sequence read: from the window's last start token, or the whole window.
                let start = window.lastIndex(of: 0) ?? 0
                let sequence = Array(window[start...])
                sequences.append(sequence)
                withoutCache += sequence.count
                // One new position when the row's last sequence is a proper prefix of this one
                // (neither cropped), else the whole sequence.
                let cropped = !window.contains(0)
                if let p = previous[r], !cropped, p.count < sequence.count, Array(sequence.prefix(p.count)) == p {
                    expected += sequence.count - p.count
                } else {
                    expected += sequence.count
                }
                previous[r] = cropped ? nil : sequence
                if call > 0 && name.count > 0 && name.count < t { reused += 1 }
            }
            model.logits(contexts: contexts, count: 3, into: &logits)
            for r in 0..<3 {
                let want = fullForwardLogits(model, sequences[r]).map(Double.init)
                assertClose(Array(logits.data[(r * v)..<((r + 1) * v)]), want, tolerance: 1e-5, "call \(call) row \(r)")
            }
        }
        XCTAssertGreaterThan(reused, 5, "the calls exercise the cache")
        XCTAssertEqual(model.decoder!.computedPositions, expected, "positions computed with the cache")
        XCTAssertLessThan(expected, withoutCache * 2 / 3)
        XCTAssertEqual(texts[0].filter { $0.count >= t }.count, 3, "row 0 has windows cropped to the last T tokens")
    }

    /// The sampler's call: histories [start, …] give the same logits as the full forward pass,
    /// a history longer than T is read as its last T tokens.
    func testNextLogitsOfHistories() {
        var config = TransformerConfig()
        (config.blockSize, config.embed, config.heads, config.layers) = (4, 8, 2, 1)
        var rng = RandomGenerator(seed: 10)
        let model = TransformerModel(config: config, vocabularySize: 5, rng: &rng)
        let histories: [[Int32]] = [[0], [0, 3, 1], [0, 1, 2, 3, 4, 1]]
        var logits = Matrix(rows: 3, cols: 5)
        model.nextLogits(histories: histories, into: &logits)
        for (r, h) in histories.enumerated() {
            let want = fullForwardLogits(model, Array(h.suffix(4))).map(Double.init)
            assertClose(Array(logits.data[(r * 5)..<((r + 1) * 5)]), want, tolerance: 1e-5, "history \(h)")
        }
    }

    /// Labelled: each history's logits under its own category are the full forward pass's with
    /// that category; a row whose category changes recomputes its cache rather than reusing it.
    func testNextLogitsOfHistoriesWithCategories() {
        var config = TransformerConfig()
        (config.blockSize, config.embed, config.heads, config.layers) = (4, 8, 2, 1)
        var rng = RandomGenerator(seed: 11)
        let model = TransformerModel(config: config, vocabularySize: 5, categories: 2, rng: &rng)
        let table = model.category!.table
        for i in 0..<table.count { table.value.data[i] = rng.nextNormal() }
        var logits = Matrix(rows: 3, cols: 5)
        let steps: [[[Int32]]] = [[[0], [0, 3], [0, 1, 2]], [[0, 2], [0, 3, 1], [0, 1, 2, 3]]]
        for (step, histories) in steps.enumerated() {
            for categories: [Int32] in [[1, 0, 1], [0, 0, 1]] {
                model.condition(on: categories)
                model.nextLogits(histories: histories, into: &logits)
                let got = logits.data
                for (r, h) in histories.enumerated() {
                    let want = fullForwardLogits(model, Array(h.suffix(4)), category: categories[r]).map(Double.init)
                    assertClose(Array(got[(r * 5)..<((r + 1) * 5)]), want, tolerance: 1e-5,
                                "step \(step) history \(h) category \(categories[r])")
                }
            }
        }
        var other = Matrix(rows: 1, cols: 5)
        model.condition(on: [1])
        model.nextLogits(histories: [[0, 3]], into: &other)
        model.condition(on: [0])
        model.nextLogits(histories: [[0, 3]], into: &logits)
        XCTAssertNotEqual(Array(other.data), Array(logits.data[0..<5]), "the category changes the logits")
    }
}
