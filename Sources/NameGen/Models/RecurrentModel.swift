#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hyperparameters of the recurrent models (`rnn`, `gru`, `lstm`), makemore's names in brackets.
package struct RecurrentConfig: ModelConfiguration {
    /// T: the width of a padded training row, a start token and the longest name (names.txt:
    /// 15 + 1). Sampling is not limited by it: the state carries any length.
    package var blockSize = 16
    /// E (n_embd): the token embedding size.
    package var embed = 64
    /// H (n_embd2): the hidden state size.
    package var hidden = 64

    /// makemore's sizes, E = H = 64.
    package init() {}

    /// The given sizes.
    package init(blockSize: Int, embed: Int, hidden: Int) {
        (self.blockSize, self.embed, self.hidden) = (blockSize, embed, hidden)
    }

    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden
    }
}

/// makemore's `RNN` module around a recurrent cell, every backward written by hand:
///
///   tokens (B, T): a name as [start, c1, c2, …], targets [c1, c2, …, stop]; padding masked out
///   h₋₁ = start (a learned (1, H) state, broadcast), c₋₁ = 0 (the LSTM's memory)
///   for t in 0..<T:  x_t = wte[token_t] [+ category[c]] (E);  h_t, c_t = cell(x_t, h_{t−1}, c_{t−1})
///   logits_t = lm_head(h_t) (V);  loss = mean cross-entropy over the real targets
///
/// Backward runs through time over the whole name (BPTT): the gradient at h_t is lm_head's
/// plus the one the cell at t + 1 passes back. A model of labelled names adds its name's
/// category vector (category (K, E)) to the token embedding at every step.
///
/// Padding is never computed. The rows of a batch are sorted by length, longest first (a stable
/// sort, like PyTorch's `pack_padded_sequence`), so that the names still running at step t are
/// the first n_t rows: step t computes n_t rows, and the hidden states of all steps are packed
/// step after step for lm_head and the loss (N = Σ lengths rows, not B·T). That is exact: a
/// real position depends only on the positions before it.
///
/// Checkpoint tensors (F32, the names and layout of makemore's `RNN` in PyTorch):
///   start (1, H) · wte.weight (V, E) · cell.… (the cell's Linear maps of [x | h], (H or 4H, E + H)
///   and their biases) · lm_head.weight (V, H) · lm_head.bias (V) · [category.weight (K, E),
///   labelled names only]
package class RecurrentModel<Cell: RecurrentCell> {
    package let config: RecurrentConfig
    package let vocabularySize: Int
    /// The learned start state h₋₁ (1, H), zero at initialisation as in makemore.
    package let start: Parameter
    package let tokenEmbedding: Embedding
    package let cell: Cell
    package let head: Linear
    package let parameters: [Parameter]
    /// The category vectors added to the token embeddings at every step; nil for plain names.
    let category: CategoryEmbedding?

    /// A new model initialised from `rng` as PyTorch initialises makemore's: wte N(0, 1), the
    /// Linear maps uniform ±1/√in, start 0. With `categories` > 0 the model is conditioned on
    /// that many categories (`category`, zero at first and listed last, so the other weights
    /// draw what they draw for plain names).
    package required init(config: RecurrentConfig, vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        precondition(config.blockSize >= 1 && config.embed >= 1 && config.hidden >= 1 && vocabularySize >= 2)
        self.config = config
        self.vocabularySize = vocabularySize
        start = Parameter(name: "start", value: Matrix(rows: 1, cols: config.hidden))
        tokenEmbedding = Embedding(name: "wte", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        cell = Cell(name: "cell", inputs: config.embed, hidden: config.hidden, rng: &rng)
        head = Linear(name: "lm_head", inputs: config.hidden, outputs: vocabularySize, bias: true, rng: &rng)
        category = CategoryEmbedding.make(categories: categories, dimensions: config.embed)
        parameters = [start, tokenEmbedding.table] + cell.parameters + head.parameters + (category.map { [$0.table] } ?? [])
    }

    package var blockSize: Int { config.blockSize }
    package var categoryCount: Int { category?.count ?? 0 }
    package func condition(on categories: [Int32]) { category?.set(categories) }

    /// Overwrites the weights with the tensors named `prefix + name`.
    package func load(from checkpoint: Checkpoint, prefix: String) throws {
        try parameters.load(from: checkpoint, prefix: prefix)
    }

    package func namedTensors() -> [String: Tensor] { parameters.namedTensors() }

    // MARK: Buffers

    /// Every buffer of a forward (and backward) pass over up to `capacity` names of up to T
    /// positions, allocated once; a step only sets row counts.
    final class Workspace {
        let capacity: Int
        /// Steps of the current batch (its longest name + 1).
        var steps = 0
        /// Row i of the sorted batch is row order[i] of the padded batch; its length in positions.
        var order: [Int], lengths: [Int]
        /// The model's category table (nil for plain names) and the category of each sorted row.
        let category: CategoryEmbedding?
        var sortedCategories: [Int32]
        /// n_t, the rows still running at step t, and where step t's rows start in the packing.
        var active: [Int], offsets: [Int]
        /// Per step: the tokens of its rows (capacity).
        var tokens: [[Int32]]
        /// Packed targets (N).
        var targets: [Int32]
        /// Per step: embeddings (n_t, E), states (n_t, H) and the cell's activations.
        var x: [Matrix], h: [Matrix], c: [Matrix]
        var cellSteps: [Cell.Step]
        /// The start state for every row (capacity, H), and the zero memory.
        var h0: Matrix, c0: Matrix
        /// Packed hidden states (N, H) and logits (N, V).
        var hidden: Matrix, logits: Matrix
        /// Backward: softmax scratch and dLogits (N, V), dHidden (N, H); the gradients carried
        /// from step to step (capacity, H) and at the embeddings (capacity, E).
        var probabilities: Matrix, dLogits: Matrix, dHidden: Matrix
        var dh: Matrix, dhPrev: Matrix, dc: Matrix, dcPrev: Matrix, dx: Matrix

        init(model: RecurrentModel, capacity: Int, training: Bool) {
            let t = model.config.blockSize, e = model.config.embed, hw = model.config.hidden, v = model.vocabularySize
            let cw = Cell.hasMemory ? hw : 0
            self.capacity = capacity
            order = [Int](repeating: 0, count: capacity)
            lengths = order
            category = model.category
            sortedCategories = [Int32](repeating: 0, count: model.category != nil ? capacity : 0)
            active = [Int](repeating: 0, count: t)
            offsets = active
            tokens = [[Int32]](repeating: [Int32](repeating: 0, count: capacity), count: t)
            targets = [Int32](repeating: 0, count: capacity * t)
            x = [Matrix](repeating: Matrix(rows: capacity, cols: e), count: t)
            h = [Matrix](repeating: Matrix(rows: capacity, cols: hw), count: t)
            c = [Matrix](repeating: Matrix(rows: capacity, cols: cw), count: t)
            cellSteps = (0..<t).map { _ in model.cell.makeStep(rows: capacity) }
            h0 = Matrix(rows: capacity, cols: hw)
            c0 = Matrix(rows: capacity, cols: cw)
            hidden = Matrix(rows: capacity * t, cols: hw)
            logits = Matrix(rows: capacity * t, cols: v)
            let backward = training ? capacity : 0
            probabilities = Matrix(rows: backward * t, cols: v)
            dLogits = probabilities
            dHidden = Matrix(rows: backward * t, cols: hw)
            dh = Matrix(rows: backward, cols: hw)
            dhPrev = dh
            dc = Matrix(rows: backward, cols: cw)
            dcPrev = dc
            dx = Matrix(rows: backward, cols: e)
        }

        /// Rows first ..< first + count of padded tokens (·, T): each row's length is its number
        /// of real targets when `targets` are given, else it runs to its last token that is not
        /// the start token (at least one position). Sorts the rows, longest first, and lays out
        /// the steps' tokens and the packed targets, and the sorted rows' categories (categories
        /// first ..< first + count). Returns the number of packed rows.
        func pack(tokens padded: [Int32], targets paddedTargets: [Int32]?, first: Int, count: Int, t: Int) -> Int {
            precondition(count <= capacity && padded.count >= (first + count) * t)
            for b in 0..<count {
                let row = (first + b) * t
                var length = 0
                if let paddedTargets {
                    while length < t && paddedTargets[row + length] >= 0 { length += 1 }
                } else {
                    length = t
                    while length > 1 && padded[row + length - 1] == Vocabulary.boundary { length -= 1 }
                }
                // Insertion into the sorted prefix, after every row at least as long (stable).
                var i = b
                while i > 0 && lengths[i - 1] < length {
                    (order[i], lengths[i]) = (order[i - 1], lengths[i - 1])
                    i -= 1
                }
                (order[i], lengths[i]) = (b, length)
            }
            steps = count > 0 ? lengths[0] : 0
            if let category { for i in 0..<count { sortedCategories[i] = category.category(ofRow: first + order[i]) } }
            var n = 0
            for step in 0..<steps {
                var rows = 0
                while rows < count && lengths[rows] > step { rows += 1 }
                active[step] = rows
                offsets[step] = n
                for i in 0..<rows {
                    let index = (first + order[i]) * t + step
                    tokens[step][i] = padded[index]
                    if let paddedTargets { targets[n + i] = paddedTargets[index] }
                }
                n += rows
            }
            return n
        }
    }

    var trainingWorkspace: Workspace?
    private var inferenceWorkspace: Workspace?

    // MARK: Forward and backward

    /// Forward over the packed batch of `ws` into `ws.hidden` and `ws.logits` (N rows).
    func forward(ws: Workspace) {
        let hw = config.hidden
        let rows = ws.steps > 0 ? ws.active[0] : 0
        for r in 0..<rows { for j in 0..<hw { ws.h0.data[r * hw + j] = start.value.data[j] } }
        var n = 0
        for t in 0..<ws.steps {
            let m = ws.active[t]
            ws.x[t].rows = m
            (ws.h[t].rows, ws.c[t].rows) = (m, m)
            tokenEmbedding.forward(out: &ws.x[t], tokens: ws.tokens[t])
            category?.forward(addInto: &ws.x[t], rowCategories: ws.sortedCategories)
            let (hPrev, cPrev) = previousState(ws, t, rows: m)
            cell.forward(h: &ws.h[t], c: &ws.c[t], x: ws.x[t], hPrev: hPrev, cPrev: cPrev, step: ws.cellSteps[t])
            for i in 0..<(m * hw) { ws.hidden.data[n * hw + i] = ws.h[t].data[i] }
            n += m
        }
        (ws.hidden.rows, ws.logits.rows) = (n, n)
        head.forward(out: &ws.logits, input: ws.hidden)
    }

    /// The state before step t for its first `rows` rows: the start state, or step t − 1's.
    private func previousState(_ ws: Workspace, _ t: Int, rows: Int) -> (Matrix, Matrix) {
        var h = t == 0 ? ws.h0 : ws.h[t - 1], c = t == 0 ? ws.c0 : ws.c[t - 1]
        (h.rows, c.rows) = (rows, rows)
        return (h, c)
    }

    /// Backward through time from `ws.dLogits` after a forward pass; adds into every gradient.
    /// ws.dh carries the gradient at h from step t + 1 to step t: its rows past n_{t+1} stay 0
    /// (those names ended at t), because every write at a later step covers fewer rows.
    func backward(ws: Workspace) {
        let hw = config.hidden
        head.backward(dInput: &ws.dHidden, dOut: ws.dLogits, input: ws.hidden)
        (ws.dh.rows, ws.dhPrev.rows, ws.dc.rows, ws.dcPrev.rows) = (ws.capacity, ws.capacity, ws.capacity, ws.capacity)
        ws.dh.zero()
        ws.dhPrev.zero()
        ws.dc.zero()
        ws.dcPrev.zero()
        for t in stride(from: ws.steps - 1, through: 0, by: -1) {
            let m = ws.active[t], o = ws.offsets[t] * hw
            (ws.dh.rows, ws.dc.rows, ws.dx.rows, ws.dhPrev.rows, ws.dcPrev.rows) = (m, m, m, m, m)
            for i in 0..<(m * hw) { ws.dh.data[i] += ws.dHidden.data[o + i] }
            let (hPrev, cPrev) = previousState(ws, t, rows: m)
            cell.backward(dx: &ws.dx, dhPrev: &ws.dhPrev, dcPrev: &ws.dcPrev, dh: ws.dh, dc: ws.dc, h: ws.h[t], c: ws.c[t],
                          x: ws.x[t], hPrev: hPrev, cPrev: cPrev, step: ws.cellSteps[t])
            tokenEmbedding.backward(dOut: ws.dx, tokens: ws.tokens[t])
            category?.backward(dOut: ws.dx, rowCategories: ws.sortedCategories)
            swap(&ws.dh, &ws.dhPrev)
            swap(&ws.dc, &ws.dcPrev)
        }
        // ws.dh now holds the gradient at the start state of every row.
        if ws.steps > 0 { ColumnSums.add(&start.grad.data, of: ws.dh) }
    }

    // MARK: Training

    /// Allocates the buffers for batches of `batchSize` names, once, before the step loop.
    package func prepareTraining(batchSize: Int) {
        if trainingWorkspace?.capacity != batchSize {
            trainingWorkspace = Workspace(model: self, capacity: batchSize, training: true)
        }
    }

    /// One forward and backward pass on `batch` padded names: tokens and targets (batch, T)
    /// row-major as `NameSequences` lays them out. Returns the mean cross-entropy over the real
    /// targets and adds into every parameter's gradient.
    package func trainingStep(tokens: [Int32], targets: [Int32], batch: Int) -> Float {
        prepareTraining(batchSize: batch)
        let ws = trainingWorkspace!
        let n = ws.pack(tokens: tokens, targets: targets, first: 0, count: batch, t: config.blockSize)
        forward(ws: ws)
        (ws.probabilities.rows, ws.dLogits.rows, ws.dHidden.rows) = (n, n, n)
        let loss = CrossEntropy.forwardBackward(dLogits: &ws.dLogits, probabilities: &ws.probabilities,
                                                logits: ws.logits, targets: ws.targets)
        backward(ws: ws)
        return loss
    }

    // MARK: Evaluation

    /// Names per forward pass in inference.
    static var inferenceChunk: Int { 256 }

    /// Logits at every position in inference: tokens (count, T), each row [start, c1, …, cn]
    /// right-padded with start tokens → logits (count·T, V), row n·T + t predicting the token
    /// after position t. A row's sequence ends at its last character; padding rows are 0.
    package func sequenceLogits(tokens: [Int32], count: Int, into logits: inout Matrix) {
        let t = config.blockSize, v = vocabularySize
        precondition(tokens.count >= count * t && logits.count >= count * t * v)
        if inferenceWorkspace == nil {
            inferenceWorkspace = Workspace(model: self, capacity: Self.inferenceChunk, training: false)
        }
        let ws = inferenceWorkspace!
        for i in 0..<(count * t * v) { logits.data[i] = 0 }
        var first = 0
        while first < count {
            let m = min(Self.inferenceChunk, count - first)
            _ = ws.pack(tokens: tokens, targets: nil, first: first, count: m, t: t)
            forward(ws: ws)
            for step in 0..<ws.steps {
                for i in 0..<ws.active[step] {
                    let from = (ws.offsets[step] + i) * v, to = ((first + ws.order[i]) * t + step) * v
                    for k in 0..<v { logits.data[to + k] = ws.logits.data[from + k] }
                }
            }
            first += m
        }
    }

    // MARK: Sampling

    var decoder: Decoder?

    /// Each row's state (h and c) and the tokens it has read, carried from one sampling call to
    /// the next: a history that extends the one a row holds costs one cell step per new token.
    final class Decoder {
        unowned let model: RecurrentModel
        let capacity: Int
        /// Per row: the state after its tokens so far, those tokens, its category (labelled
        /// models) and its last logits.
        var h: Matrix, c: Matrix
        var read: [[Int32]]
        var readCategory: [Int32]
        var rowLogits: Matrix
        /// One wave: the rows advanced, their tokens and categories, states in and out, logits.
        var active: [Int], tokens: [Int32], categories: [Int32]
        var x: Matrix, hPrev: Matrix, cPrev: Matrix, hNext: Matrix, cNext: Matrix, logits: Matrix
        let step: Cell.Step
        /// Cell steps computed so far (how much the carried state saved, for tests).
        var computedSteps = 0

        init(model: RecurrentModel, capacity: Int) {
            let hw = model.config.hidden, cw = Cell.hasMemory ? hw : 0
            self.model = model
            self.capacity = capacity
            h = Matrix(rows: capacity, cols: hw)
            c = Matrix(rows: capacity, cols: cw)
            read = [[Int32]](repeating: [], count: capacity)
            readCategory = [Int32](repeating: 0, count: capacity)
            rowLogits = Matrix(rows: capacity, cols: model.vocabularySize)
            active = [Int](repeating: 0, count: capacity)
            tokens = [Int32](repeating: 0, count: capacity)
            categories = tokens
            x = Matrix(rows: capacity, cols: model.config.embed)
            (hPrev, hNext) = (h, h)
            (cPrev, cNext) = (c, c)
            logits = rowLogits
            step = model.cell.makeStep(rows: capacity)
        }

        /// Next-token logits after each history; `reuse` false recomputes every row from the start.
        func logits(histories: [[Int32]], reuse: Bool, into out: inout Matrix) {
            let hw = model.config.hidden, cw = c.cols, v = model.vocabularySize
            precondition(histories.count <= capacity && out.count >= histories.count * v)
            // A row keeps its state when it has read a proper prefix of its history, with the
            // same category.
            for (r, history) in histories.enumerated() {
                let category = model.category?.category(ofRow: r) ?? 0
                let keeps = reuse && !read[r].isEmpty && read[r].count < history.count && history.starts(with: read[r])
                    && category == readCategory[r]
                readCategory[r] = category
                if keeps { continue }
                read[r] = []
                for j in 0..<hw { h.data[r * hw + j] = model.start.value.data[j] }
                for j in 0..<cw { c.data[r * cw + j] = 0 }
            }
            while true {
                var n = 0
                for (r, history) in histories.enumerated() where read[r].count < history.count {
                    active[n] = r
                    tokens[n] = history[read[r].count]
                    categories[n] = readCategory[r]
                    n += 1
                }
                if n == 0 { break }
                (x.rows, hPrev.rows, cPrev.rows, hNext.rows, cNext.rows, logits.rows) = (n, n, n, n, n, n)
                for i in 0..<n {
                    let r = active[i]
                    for j in 0..<hw { hPrev.data[i * hw + j] = h.data[r * hw + j] }
                    for j in 0..<cw { cPrev.data[i * cw + j] = c.data[r * cw + j] }
                }
                model.tokenEmbedding.forward(out: &x, tokens: tokens)
                model.category?.forward(addInto: &x, rowCategories: categories)
                model.cell.forward(h: &hNext, c: &cNext, x: x, hPrev: hPrev, cPrev: cPrev, step: step)
                model.head.forward(out: &logits, input: hNext)
                computedSteps += n
                for i in 0..<n {
                    let r = active[i]
                    read[r].append(tokens[i])
                    for j in 0..<hw { h.data[r * hw + j] = hNext.data[i * hw + j] }
                    for j in 0..<cw { c.data[r * cw + j] = cNext.data[i * cw + j] }
                    for k in 0..<v { rowLogits.data[r * v + k] = logits.data[i * v + k] }
                }
            }
            for i in 0..<(histories.count * v) { out.data[i] = rowLogits.data[i] }
        }
    }

    /// Next-token logits after each history [start, c1, …, ck]; with `reuse` a row whose
    /// history extends the one it read last time reads only the new tokens.
    func nextLogits(histories: [[Int32]], reuse: Bool, into logits: inout Matrix) {
        if decoder.map({ $0.capacity < histories.count }) ?? true { decoder = Decoder(model: self, capacity: histories.count) }
        decoder!.logits(histories: histories, reuse: reuse, into: &logits)
    }

    /// Next-token logits for `count` context windows of T tokens, left-padded with start tokens:
    /// the model reads a window from its last start token (a window without one, whole), through
    /// the carried state (`nextLogits`).
    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        let t = config.blockSize
        precondition(contexts.count >= count * t)
        let histories = (0..<count).map { r -> [Int32] in
            let window = contexts[(r * t)..<((r + 1) * t)]
            return Array(window[(window.lastIndex(of: Vocabulary.boundary) ?? window.startIndex)...])
        }
        nextLogits(histories: histories, reuse: true, into: &logits)
    }
}

extension RecurrentModel: TrainableModel, SequenceModel, IncrementalSampling {
    /// The `.sequences` layout: contexts and targets (batch, T), targets masked (−1) at padding.
    package func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        trainingStep(tokens: contexts, targets: targets, batch: contexts.count / config.blockSize)
    }

    /// The sampler's histories [start, c1, …, ck], any length: each row carries its state (h,
    /// and the LSTM's c) from one call to the next and reads only the token it grew by.
    package func nextLogits(histories: [[Int32]], into logits: inout Matrix) {
        nextLogits(histories: histories, reuse: true, into: &logits)
    }
}

// MARK: - The families: options, recipe, memory (each model's file declares its own defaults)

/// What the `rnn`, `gru` and `lstm` families share: their options (`--embed`, `--hidden`, each
/// family with its own defaults), configuration, recipe, loading and memory estimate. A family
/// is a `RecurrentModel` subclass that names its cell and states its defaults.
package protocol RecurrentFamily: ModelFamily, TrainableModel where Config == RecurrentConfig {
    /// The default sizes (the block size comes from the data).
    static var defaults: RecurrentConfig { get }
    /// The default recipe's steps and AdamW peak learning rate.
    static var defaultSteps: Int { get }
    static var defaultLearningRate: Double { get }
    /// Linear maps of [x | h] per step, each H wide (the LSTM's one map of 4H counts 4).
    static var gates: Int { get }
    /// The token embedding table, for `plot`.
    var tokenEmbedding: Embedding { get }
    /// A new model initialised from `rng`, conditioned on `categories` categories (0: plain names).
    init(config: RecurrentConfig, vocabularySize: Int, categories: Int, rng: inout RandomGenerator)
}

extension RecurrentFamily {
    static var embedOption: Option<Int> {
        Option<Int>(["--embed"], help: "token embedding size (makemore's n_embd).",
                     range: 1...1024, default: defaults.embed)
    }

    static var hiddenOption: Option<Int> {
        Option<Int>(["--hidden"], help: "size of the recurrent state (makemore's n_embd2).", range: 1...8192,
                    default: defaults.hidden)
    }

    package static var options: [AnyOption] { [AnyOption(embedOption), AnyOption(hiddenOption)] }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> RecurrentConfig {
        var c = defaults
        c.blockSize = data.map { $0.longestName + 1 } ?? c.blockSize
        c.embed = try a.value(embedOption)
        c.hidden = try a.value(hiddenOption)
        return c
    }

    package static func problem(with c: RecurrentConfig) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", (1...4096).contains(c.blockSize) ? nil : "is not in 1...4096"),
            ("embed", embedOption.problem(with: "\(c.embed)")), ("hidden", hiddenOption.problem(with: "\(c.hidden)")),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    /// AdamW (β 0.9, 0.99 as makemore; weight decay 0.01) with cosine decay to 0, batches of 32 names.
    package static var recipe: TrainingRecipe? {
        TrainingRecipe.sequences(steps: defaultSteps, learningRate: defaultLearningRate)
    }

    package static func build(_ config: RecurrentConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        Self(config: config, vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
    }

    package static func load(_ config: RecurrentConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        var rng = RandomGenerator(seed: 0)
        let model = Self(config: config, vocabularySize: checkpoint.vocabulary.size, categories: checkpoint.categories.count,
                         rng: &rng)
        try model.load(from: checkpoint, prefix: prefix)
        return model
    }

    /// Weight, gradient and two AdamW moments per parameter; per position about
    /// (3 + gates)·(E + H) + 8H floats of activations and gradients, and 4V for the logits,
    /// for batch·T positions and the inference chunk's.
    package static func memoryEstimate(_ c: RecurrentConfig, batchSize: Int, data: DataFacts) -> Double {
        let e = Double(c.embed), h = Double(c.hidden), v = Double(data.vocabularySize), g = Double(gates)
        let params = v * e + h + g * h * (e + h + 1) + v * (h + 1)
        let perPosition = (3 + g) * (e + h) + 8 * h + 4 * v
        let positions = Double(batchSize + RecurrentModel<RNNCell>.inferenceChunk) * Double(c.blockSize)
        return (4 * params + perPosition * positions) * 4
    }

    package static func memoryDrivers(_ c: RecurrentConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --embed \(c.embed), --hidden \(c.hidden), the longest name (\(c.blockSize - 1))"
    }

    package static var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the token embeddings (wte), first two dimensions or a PCA projection")]
    }

    package static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let model = model as? Self else { return [] }
        return [("embeddings.svg", Charts.embeddings(model.tokenEmbedding.table.value, labels: labels))]
    }
}
