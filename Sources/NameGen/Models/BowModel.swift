#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hyperparameters of the `bow` model (makemore's `BoW`). The defaults give 12,827 parameters
/// at V = 27 and block size 16.
package struct BowConfig: Equatable, Sendable {
    /// T: the longest sequence, a start token and the longest name (names.txt: 15 + 1).
    package var blockSize = 16
    /// E: the width of the embeddings and of the residual stream.
    package var embed = 64
    /// H: the width of the MLP's hidden layer (makemore's n_embd2).
    package var hidden = 64

    package init() {}

    /// The default recipe: AdamW (β 0.9, 0.99, weight decay 0.01), peak learning rate 2e-3 with
    /// cosine decay to 0 over 30,000 steps of 32 names.
    static let defaultSteps = 30_000
    static let defaultLearningRate = 2e-3
}

/// The `bow` model, makemore's causal bag of words, every backward written by hand:
///
///   tokens (B, T): a name as [start, c1, c2, …], targets [c1, c2, …, stop]; padding masked out
///   x = wte[token] + wpe[position] [+ category[c]]        wte (V, E), wpe (T, E) → x (N, E)
///   h = x + causal average of x                           (Layers/CausalAverage.swift)
///   z = h + c_proj(tanh(c_fc(h)))                         c_fc (H, E), c_proj (E, H)
///   logits = lm_head(z)                                   lm_head (V, E) with bias → (N, V)
///   loss = mean cross-entropy over the real targets
///
/// Names are packed row after row (`PackedSequences`, N = Σ lengths). Sampling keeps each row's
/// running sum of x, so a new character costs one position. A model of labelled names adds its
/// name's category vector (category (K, E)) to x at every position.
///
/// Checkpoint tensors (F32, PyTorch layout, makemore's `BoW` state_dict names):
///   wte.weight (V, E) · wpe.weight (T, E) · context_block.mlp.c_fc.{weight (H, E), bias (H)}
///   context_block.mlp.c_proj.{weight (E, H), bias (E)} · lm_head.{weight (V, E), bias (V)}
///   [category.weight (K, E), labelled names only]
package final class BowModel {
    /// The hyperparameters it was built with.
    package let config: BowConfig
    /// V, the vocabulary size with the start/stop token.
    package let vocabularySize: Int
    /// wte (V, E) and wpe (T, E).
    let tokenEmbedding: Embedding
    let positionEmbedding: PositionEmbedding
    /// The block's MLP, c_fc (E → H) and c_proj (H → E), and the output layer lm_head (E → V).
    let fc: Linear
    let proj: Linear
    let head: Linear
    /// Every trainable tensor, in the checkpoint's order.
    package let parameters: [Parameter]
    /// The category vectors added to x at every position; nil for plain names.
    let category: CategoryEmbedding?

    /// A new model initialised from `rng` as PyTorch initialises its layers (embeddings N(0, 1),
    /// Linear uniform ±1/√in). With `categories` > 0 the model is conditioned on that many
    /// categories (`category`, zero at first and listed last, so the other weights draw what they
    /// draw for plain names).
    package init(config: BowConfig, vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        precondition(config.blockSize >= 1 && config.embed >= 1 && config.hidden >= 1)
        self.config = config
        self.vocabularySize = vocabularySize
        tokenEmbedding = Embedding(name: "wte", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        positionEmbedding = PositionEmbedding(name: "wpe", positions: config.blockSize, dimensions: config.embed, rng: &rng)
        fc = Linear(name: "context_block.mlp.c_fc", inputs: config.embed, outputs: config.hidden, bias: true, rng: &rng)
        proj = Linear(name: "context_block.mlp.c_proj", inputs: config.hidden, outputs: config.embed, bias: true, rng: &rng)
        head = Linear(name: "lm_head", inputs: config.embed, outputs: vocabularySize, bias: true, rng: &rng)
        category = CategoryEmbedding.make(categories: categories, dimensions: config.embed)
        parameters = [tokenEmbedding.table, positionEmbedding.table] + fc.parameters + proj.parameters + head.parameters
            + (category.map { [$0.table] } ?? [])
    }

    /// T, the longest sequence it reads.
    package var blockSize: Int { config.blockSize }
    package var categoryCount: Int { category?.count ?? 0 }
    package func condition(on categories: [Int32]) { category?.set(categories) }

    /// The tensors a checkpoint stores, by makemore's names.
    package func namedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, Tensor(shape: $0.shape, floats: $0.value.data)) })
    }

    /// Overwrites the weights with the tensors named `prefix + name`.
    package func load(from checkpoint: Checkpoint, prefix: String) throws {
        for p in parameters { p.value.data = try checkpoint.floats(prefix + p.name, shape: p.shape) }
    }

    // MARK: Forward and backward

    /// Every buffer of a forward (and, for training, backward) pass over up to `sequences`
    /// sequences of up to T positions: allocated once; a step only sets the row counts.
    final class Workspace {
        let sequences: Int
        let training: Bool
        var packed: PackedSequences
        /// The model's category table (nil for plain names) and the category of each packed row.
        let category: CategoryEmbedding?
        var rowCategories: [Int32]
        /// x, its causal average, h = x + average, the MLP's output and z = h + mlp (N, E)
        var x, average, h, mlp, z: Matrix
        /// c_fc's output and its tanh (N, H)
        var pre, hidden: Matrix
        var logits, probabilities, dLogits: Matrix
        /// Backward: the gradients at z, at h through the MLP, at h in all, and at x (N, E); at
        /// the tanh's output and input (N, H).
        var dZ, dMLPInput, dH, dX: Matrix
        var dHidden, dPre: Matrix

        init(model: BowModel, sequences: Int, training: Bool) {
            let c = model.config, rows = sequences * c.blockSize
            self.sequences = sequences
            self.training = training
            packed = PackedSequences(capacity: sequences, maxLength: c.blockSize)
            category = model.category
            rowCategories = [Int32](repeating: 0, count: model.category != nil ? rows : 0)
            x = Matrix(rows: rows, cols: c.embed)
            (average, h, mlp, z) = (x, x, x, x)
            pre = Matrix(rows: rows, cols: c.hidden)
            hidden = pre
            logits = Matrix(rows: rows, cols: model.vocabularySize)
            let backwardRows = training ? rows : 0
            probabilities = Matrix(rows: backwardRows, cols: model.vocabularySize)
            dLogits = probabilities
            dZ = Matrix(rows: backwardRows, cols: c.embed)
            (dMLPInput, dH, dX) = (dZ, dZ, dZ)
            dHidden = Matrix(rows: backwardRows, cols: c.hidden)
            dPre = dHidden
        }

        /// Packs `count` padded sequences with their targets, and the category of each row from
        /// categories 0 ..< count.
        func pack(tokens: [Int32], targets: [Int32], count: Int) {
            packed.pack(tokens: tokens, targets: targets, count: count)
            category?.expand(over: packed, first: 0, into: &rowCategories)
        }

        /// Packs rows first ..< first + count of padded tokens without targets, and their
        /// categories first ..< first + count.
        func pack(tokens: [Int32], from first: Int, count: Int) {
            packed.pack(tokens: tokens, from: first, count: count)
            category?.expand(over: packed, first: first, into: &rowCategories)
        }

        func setRows(_ n: Int) {
            (x.rows, average.rows, h.rows, mlp.rows, z.rows, pre.rows, hidden.rows, logits.rows) = (n, n, n, n, n, n, n, n)
            if training {
                (probabilities.rows, dLogits.rows, dZ.rows, dMLPInput.rows, dH.rows, dX.rows) = (n, n, n, n, n, n)
                (dHidden.rows, dPre.rows) = (n, n)
            }
        }
    }

    var trainingWorkspace: Workspace?
    private var inferenceWorkspace: Workspace?

    /// Forward over the packed rows of `ws` into `ws.logits`.
    func forward(ws: Workspace) {
        let n = ws.packed.rows
        ws.setRows(n)
        tokenEmbedding.forward(out: &ws.x, tokens: ws.packed.tokens)
        positionEmbedding.forward(out: &ws.x, positions: ws.packed.positions)
        category?.forward(addInto: &ws.x, rowCategories: ws.rowCategories)
        CausalAverage.forward(out: &ws.average, x: ws.x, sequences: ws.packed)
        LayerKernels.add(&ws.h.data, ws.x.data, ws.average.data, count: ws.h.count)
        fc.forward(out: &ws.pre, input: ws.h)
        Activation.tanh.forward(out: &ws.hidden, x: ws.pre)
        proj.forward(out: &ws.mlp, input: ws.hidden)
        LayerKernels.add(&ws.z.data, ws.h.data, ws.mlp.data, count: ws.z.count)
        head.forward(out: &ws.logits, input: ws.z)
    }

    /// Backward from `ws.dLogits` after a training forward pass; adds into every gradient.
    func backward(ws: Workspace) {
        head.backward(dInput: &ws.dZ, dOut: ws.dLogits, input: ws.z)
        proj.backward(dInput: &ws.dHidden, dOut: ws.dZ, input: ws.hidden)
        Activation.tanh.backward(dx: &ws.dPre, dOut: ws.dHidden, out: ws.hidden)
        fc.backward(dInput: &ws.dMLPInput, dOut: ws.dPre, input: ws.h)
        // z = h + mlp(h): dh = dz + the MLP's; h = x + average(x): dx = dh + averageᵀ(dh).
        LayerKernels.add(&ws.dH.data, ws.dZ.data, ws.dMLPInput.data, count: ws.dH.count)
        CausalAverage.backward(dx: &ws.dMLPInput, dOut: ws.dH, sequences: ws.packed)
        LayerKernels.add(&ws.dX.data, ws.dH.data, ws.dMLPInput.data, count: ws.dX.count)
        tokenEmbedding.backward(dOut: ws.dX, tokens: ws.packed.tokens)
        positionEmbedding.backward(dOut: ws.dX, positions: ws.packed.positions)
        category?.backward(dOut: ws.dX, rowCategories: ws.rowCategories)
    }

    // MARK: Training and evaluation

    /// Allocates the buffers for batches of `batchSize` sequences, once, before the step loop.
    package func prepareTraining(batchSize: Int) {
        if trainingWorkspace?.sequences != batchSize {
            trainingWorkspace = Workspace(model: self, sequences: batchSize, training: true)
        }
    }

    /// Sequences per forward pass in inference.
    static let inferenceChunk = 64

    /// Logits at every position in inference mode: tokens (count, T) as in training →
    /// logits (count·T, V), row n·T + t predicting the token after position t; padding rows 0.
    package func sequenceLogits(tokens: [Int32], count: Int, into logits: inout Matrix) {
        let t = config.blockSize
        precondition(tokens.count >= count * t && logits.count >= count * t * vocabularySize)
        if inferenceWorkspace == nil { inferenceWorkspace = Workspace(model: self, sequences: Self.inferenceChunk, training: false) }
        let ws = inferenceWorkspace!
        var start = 0
        while start < count {
            let m = min(Self.inferenceChunk, count - start)
            ws.pack(tokens: tokens, from: start, count: m)
            forward(ws: ws)
            ws.packed.unpack(ws.logits, into: &logits, firstRow: start)
            start += m
        }
    }

    // MARK: Sampling

    /// Per sampled row: the sequence it last computed, its category (labelled models) and the
    /// running sum of its x.
    final class RunningSums {
        let capacity: Int
        var sequences: [[Int32]]
        var categories: [Int32]
        var sums: [Float]
        /// The new position of each row: x, the average, and every activation after them.
        var x, average, h, pre, hidden, mlp, z: Matrix
        var rowLogits: Matrix
        /// Positions whose x was added into a sum (how much the running sums saved, for tests).
        var computedPositions = 0

        init(model: BowModel, capacity: Int) {
            let c = model.config
            self.capacity = capacity
            sequences = Array(repeating: [], count: capacity)
            categories = [Int32](repeating: 0, count: capacity)
            sums = [Float](repeating: 0, count: capacity * c.embed)
            x = Matrix(rows: capacity, cols: c.embed)
            (average, h, mlp, z) = (x, x, x, x)
            pre = Matrix(rows: capacity, cols: c.hidden)
            hidden = pre
            rowLogits = Matrix(rows: capacity, cols: model.vocabularySize)
        }
    }

    var runningSums: RunningSums?

    /// Next-token logits of each sequence (at most T tokens, read from position 0) into rows of
    /// `logits`. A row whose sequence extends the one it computed last by one token adds the new
    /// position into its running sum; any other starts its sum again, and so does a labelled
    /// row whose category changed.
    func lastLogits(of sequences: [ArraySlice<Int32>], into logits: inout Matrix) {
        let n = sequences.count, e = config.embed, v = vocabularySize
        precondition(logits.count >= n * v)
        if runningSums.map({ $0.capacity < n }) ?? true { runningSums = RunningSums(model: self, capacity: n) }
        let s = runningSums!
        (s.x.rows, s.average.rows, s.h.rows, s.pre.rows, s.hidden.rows, s.mlp.rows, s.z.rows, s.rowLogits.rows) =
            (n, n, n, n, n, n, n, n)
        let wte = tokenEmbedding.table.value.data, wpe = positionEmbedding.table.value.data
        let table = category?.table.value.data ?? []
        for (r, sequence) in sequences.enumerated() {
            precondition(!sequence.isEmpty && sequence.count <= config.blockSize)
            let cached = s.sequences[r]
            var extends = cached.count + 1 == sequence.count && cached.elementsEqual(sequence.dropLast())
            let c = category.map { Int($0.category(ofRow: r)) } ?? 0
            if category != nil {
                if Int32(c) != s.categories[r] { extends = false }
                s.categories[r] = Int32(c)
            }
            if !extends { for k in 0..<e { s.sums[r * e + k] = 0 } }
            // x = wte[token] + wpe[position] (+ category[c]), added into the sum in position
            // order, as `causalMean` adds it in training; the terms in the order training adds them.
            for p in (extends ? sequence.count - 1 : 0)..<sequence.count {
                let token = Int(sequence[sequence.startIndex + p])
                for k in 0..<e {
                    var xk = wte[token * e + k] + wpe[p * e + k]
                    if category != nil { xk += table[c * e + k] }
                    s.sums[r * e + k] += xk
                    s.x.data[r * e + k] = xk
                }
                s.computedPositions += 1
            }
            let scale = 1 / Float(sequence.count)
            for k in 0..<e { s.average.data[r * e + k] = s.sums[r * e + k] * scale }
            s.sequences[r] = Array(sequence)
        }
        LayerKernels.add(&s.h.data, s.x.data, s.average.data, count: n * e)
        fc.forward(out: &s.pre, input: s.h)
        Activation.tanh.forward(out: &s.hidden, x: s.pre)
        proj.forward(out: &s.mlp, input: s.hidden)
        LayerKernels.add(&s.z.data, s.h.data, s.mlp.data, count: n * e)
        head.forward(out: &s.rowLogits, input: s.z)
        for i in 0..<(n * v) { logits.data[i] = s.rowLogits.data[i] }
    }
}

// MARK: - The family: options, recipe, memory (the registry lists it in ModelRegistry.families)

extension BowConfig: ModelConfiguration {
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden
    }
}

extension BowModel: ModelFamily {
    /// The `--model` value and the checkpoint's `model`.
    package static let name = "bow"

    static let blockSizeOption = Option<Int>(["--block-size"], help: "positions per name: the start token and the characters.",
                                             range: 1...256, default: nil, defaultText: "the longest name + 1")
    static let embedOption = Option<Int>(["--embed"], help: "embedding size (the width of the residual stream).",
                                         range: 1...1024, default: BowConfig().embed)
    static let hiddenOption = Option<Int>(["--hidden"], help: "width of the MLP's hidden layer.", range: 1...4096,
                                          default: BowConfig().hidden)

    /// --block-size, --embed and --hidden.
    package static var options: [AnyOption] { [AnyOption(blockSizeOption), AnyOption(embedOption), AnyOption(hiddenOption)] }

    /// The configuration from the command line (the block size from the data unless given).
    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> BowConfig {
        var c = BowConfig()
        c.blockSize = try a.given(blockSizeOption) ?? data.map { $0.longestName + 1 } ?? c.blockSize
        c.embed = try a.value(embedOption)
        c.hidden = try a.value(hiddenOption)
        return c
    }

    /// What is wrong with a stored configuration, or nil.
    package static func problem(with c: BowConfig) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", blockSizeOption.problem(with: "\(c.blockSize)")), ("embed", embedOption.problem(with: "\(c.embed)")),
            ("hidden", hiddenOption.problem(with: "\(c.hidden)")),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    /// AdamW at 2e-3, cosine decay, 30,000 steps, whole names.
    package static var recipe: TrainingRecipe? {
        .sequences(steps: BowConfig.defaultSteps, learningRate: BowConfig.defaultLearningRate)
    }

    /// A new model initialised from `rng`.
    package static func build(_ config: BowConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        BowModel(config: config, vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
    }

    /// The saved model, every tensor checked.
    package static func load(_ config: BowConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        var rng = RandomGenerator(seed: 0)
        let model = BowModel(config: config, vocabularySize: checkpoint.vocabulary.size, categories: checkpoint.categories.count,
                             rng: &rng)
        try model.load(from: checkpoint, prefix: prefix)
        return model
    }

    /// Weight, gradient and two AdamW moments per parameter; per position about 10·E + 4·H
    /// floats of activations and gradients and 3V of logits, for batch·T positions and the
    /// inference workspace (64 names).
    package static func memoryEstimate(_ c: BowConfig, batchSize: Int, data: DataFacts) -> Double {
        let e = Double(c.embed), hid = Double(c.hidden), t = Double(c.blockSize), v = Double(data.vocabularySize)
        let params = v * e + t * e + 2 * e * hid + hid + e + v * e + v
        let perPosition = 10 * e + 4 * hid + 3 * v
        return (4 * params + perPosition * (Double(batchSize) + Double(inferenceChunk)) * t) * 4
    }

    /// The settings the memory estimate depends on.
    package static func memoryDrivers(_ c: BowConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --hidden \(c.hidden)"
    }

    /// The token embeddings figure.
    package static var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the token embeddings (wte), first two dimensions or a PCA projection")]
    }

    /// The token embeddings as SVG.
    package static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let bow = model as? BowModel else { return [] }
        return [("embeddings.svg", Charts.embeddings(bow.tokenEmbedding.table.value, labels: labels))]
    }
}

extension BowModel: TrainableModel, SequenceModel {
    /// One forward and backward pass on padded sequences (the `.sequences` layout): contexts and
    /// targets (batch, T), targets masked at padding. Returns the mean cross-entropy over the
    /// real targets and adds into every parameter's gradient.
    package func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        let batch = contexts.count / config.blockSize
        prepareTraining(batchSize: batch)
        let ws = trainingWorkspace!
        ws.pack(tokens: contexts, targets: targets, count: batch)
        forward(ws: ws)
        let loss = CrossEntropy.forwardBackward(dLogits: &ws.dLogits, probabilities: &ws.probabilities,
                                                logits: ws.logits, targets: ws.packed.targets)
        backward(ws: ws)
        return loss
    }
}

extension BowModel: IncrementalSampling {
    /// Next-token logits for `count` context windows of T tokens, each read from its last start
    /// token (or whole, when it has none: a name longer than T − 1 characters), as the
    /// transformer reads them.
    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        let t = config.blockSize
        precondition(contexts.count >= count * t)
        let sequences = (0..<count).map { r -> ArraySlice<Int32> in
            let window = contexts[(r * t)..<((r + 1) * t)]
            return window[(window.lastIndex(of: Vocabulary.boundary) ?? window.startIndex)...]
        }
        lastLogits(of: sequences, into: &logits)
    }

    /// The sampler's histories [start, c1, …, ck], each read as its last T tokens: a row that
    /// grew by one token adds one position into its running sum.
    package func nextLogits(histories: [[Int32]], into logits: inout Matrix) {
        lastLogits(of: histories.map { $0.suffix(config.blockSize) }, into: &logits)
    }
}
