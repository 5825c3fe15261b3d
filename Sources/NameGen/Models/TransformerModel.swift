#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hyperparameters of the `transformer` model (makemore's `Transformer`). The defaults give
/// 204,544 parameters at V = 27 and block size 16.
package struct TransformerConfig: Equatable, Sendable {
    /// T: the longest sequence, a start token and the longest name (names.txt: 15 + 1).
    package var blockSize = 16
    package var embed = 64
    package var layers = 4
    package var heads = 4
    /// makemore trains without dropout and overfits after about 10,000 steps; with 0.2 and a
    /// longer cosine schedule (the recipe below) the val loss falls to the end (README).
    package var dropout: Float = 0.2

    package init() {}

    /// The default recipe: AdamW (β 0.9, 0.99, weight decay 0.01), peak learning rate 1e-3 with
    /// cosine decay to 0 over 100,000 steps of 32 names.
    static let defaultSteps = 100_000
    static let defaultLearningRate = 1e-3
}

/// The `transformer` model, makemore's `Transformer` (a GPT-2 style decoder), every backward
/// written by hand:
///
///   tokens (B, T): a name as [start, c1, c2, …], targets [c1, c2, …, stop]; padding masked out
///   x = dropout(wte[token] + wpe[position] [+ category[c]])  wte (V, C), wpe (T, C) → x (N, C)
///   × layers:
///     x = x + dropout(attn(ln1(x)))     causal multi-head self-attention (Layers/Attention.swift)
///     x = x + dropout(fc2(GELU(fc(ln2(x)))))                  fc (4C, C), fc2 (C, 4C)
///   logits = head(lnf(x)), no bias                          head (V, C) → logits (N, V)
///   loss = mean cross-entropy over the real targets
///
/// Padding is never computed: the positions of every name are packed row after row
/// (`PackedSequences`, N = Σ lengths, not B·T).
///
/// A model of labelled names adds its name's category vector (category (K, C)) at every
/// position, in training, evaluation and sampling alike.
///
/// Checkpoint tensors (F32, PyTorch layout, as `torch_transformer.py` names them):
///   wte.weight (V, C) · wpe.weight (T, C)
///   blocks.i.{ln1,ln2}.{weight,bias} (C) · blocks.i.attn.weight (3C, C) · blocks.i.attn.bias (3C)
///   blocks.i.proj.weight (C, C) · blocks.i.proj.bias (C) · blocks.i.fc.weight (4C, C) · blocks.i.fc.bias (4C)
///   blocks.i.fc2.weight (C, 4C) · blocks.i.fc2.bias (C) · lnf.{weight,bias} (C) · head.weight (V, C)
///   [category.weight (K, C), labelled names only]
package final class TransformerModel {
    package let config: TransformerConfig
    package let vocabularySize: Int
    package let tokenEmbedding: Embedding
    package let positionEmbedding: PositionEmbedding
    package let blocks: [Block]
    package let finalNorm: LayerNorm
    package let head: Linear
    package let dropout: Dropout?
    package let parameters: [Parameter]
    /// The category vectors added to the embeddings at every position; nil for plain names.
    let category: CategoryEmbedding?

    /// One transformer block: pre-norm attention and MLP, each on a residual connection.
    package final class Block {
        package let ln1: LayerNorm
        package let attention: CausalSelfAttention
        package let ln2: LayerNorm
        package let fc: Linear
        package let fc2: Linear

        init(index i: Int, config c: TransformerConfig, rng: inout RandomGenerator) {
            ln1 = LayerNorm(name: "blocks.\(i).ln1", features: c.embed)
            attention = CausalSelfAttention(name: "blocks.\(i)", embed: c.embed, heads: c.heads, maxLength: c.blockSize,
                                            dropout: c.dropout, rng: &rng)
            ln2 = LayerNorm(name: "blocks.\(i).ln2", features: c.embed)
            fc = Linear(name: "blocks.\(i).fc", inputs: c.embed, outputs: 4 * c.embed, bias: true, rng: &rng)
            fc2 = Linear(name: "blocks.\(i).fc2", inputs: 4 * c.embed, outputs: c.embed, bias: true, rng: &rng)
        }

        var parameters: [Parameter] {
            ln1.parameters + attention.parameters + ln2.parameters + fc.parameters + fc2.parameters
        }
    }

    /// A new model initialised from `rng` as PyTorch initialises its layers (embeddings N(0, 1),
    /// Linear uniform ±1/√in, LayerNorm 1 and 0). With `categories` > 0 the model is conditioned
    /// on that many categories (`category`, zero at first and listed last, so the other weights
    /// draw what they draw for plain names).
    package init(config: TransformerConfig, vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        precondition(config.blockSize >= 1 && config.embed >= 1 && config.layers >= 1 && config.heads >= 1)
        precondition(config.embed % config.heads == 0 && config.dropout >= 0 && config.dropout < 1)
        self.config = config
        self.vocabularySize = vocabularySize
        tokenEmbedding = Embedding(name: "wte", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        positionEmbedding = PositionEmbedding(name: "wpe", positions: config.blockSize, dimensions: config.embed, rng: &rng)
        var made: [Block] = []
        for i in 0..<config.layers { made.append(Block(index: i, config: config, rng: &rng)) }
        blocks = made
        finalNorm = LayerNorm(name: "lnf", features: config.embed)
        head = Linear(name: "head", inputs: config.embed, outputs: vocabularySize, bias: false, rng: &rng)
        dropout = config.dropout > 0 ? Dropout(probability: config.dropout) : nil
        category = CategoryEmbedding.make(categories: categories, dimensions: config.embed)
        parameters = [tokenEmbedding.table, positionEmbedding.table] + blocks.flatMap(\.parameters)
            + finalNorm.parameters + head.parameters + (category.map { [$0.table] } ?? [])
    }

    package var blockSize: Int { config.blockSize }
    package var categoryCount: Int { category?.count ?? 0 }
    package func condition(on categories: [Int32]) { category?.set(categories) }
    package var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    package func zeroGrad() { for p in parameters { p.zeroGrad() } }

    // MARK: Checkpoint

    /// Overwrites the weights with the tensors named `prefix + name`.
    package func load(from checkpoint: Checkpoint, prefix: String = "") throws {
        for p in parameters { p.value.data = try checkpoint.floats(prefix + p.name, shape: p.shape) }
    }

    package func namedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, Tensor(shape: $0.shape, floats: $0.value.data)) })
    }

    // MARK: Buffers

    /// Activations of one block for up to `rows` packed rows.
    final class BlockBuffers {
        /// LayerNorm outputs (N, C) and their row statistics
        var ln1, ln2: Matrix
        var ln1Cache, ln2Cache: LayerNorm.Cache
        var attention: CausalSelfAttention.Cache
        /// attention output (N, C), the residual after it (N, C)
        var attended, middle: Matrix
        /// fc output, GELU's tanh and output (N, 4C); fc2 output (N, C); the block output (N, C)
        var fc, tanh, gelu: Matrix
        var fc2, out: Matrix
        /// Residual dropout masks and the dropped outputs (N, C); empty without dropout.
        var attendedMask, attendedDropped, fc2Mask, fc2Dropped: Matrix

        init(rows: Int, config c: TransformerConfig, training: Bool) {
            ln1 = Matrix(rows: rows, cols: c.embed)
            (ln2, attended, middle, fc2, out) = (ln1, ln1, ln1, ln1, ln1)
            ln1Cache = LayerNorm.Cache(rows: rows)
            ln2Cache = ln1Cache
            attention = CausalSelfAttention.Cache(rows: rows, embed: c.embed, heads: c.heads, maxLength: c.blockSize,
                                                  training: training, dropout: c.dropout > 0)
            fc = Matrix(rows: rows, cols: 4 * c.embed)
            (tanh, gelu) = (fc, fc)
            attendedMask = Matrix(rows: training && c.dropout > 0 ? rows : 0, cols: c.embed)
            (attendedDropped, fc2Mask, fc2Dropped) = (attendedMask, attendedMask, attendedMask)
        }

        func setRows(_ n: Int, training: Bool) {
            (ln1.rows, ln2.rows, attended.rows, middle.rows, out.rows) = (n, n, n, n, n)
            (fc.rows, tanh.rows, gelu.rows, fc2.rows) = (n, n, n, n)
            if training && attendedMask.data.count > 0 {
                (attendedMask.rows, attendedDropped.rows, fc2Mask.rows, fc2Dropped.rows) = (n, n, n, n)
            }
        }
    }

    /// Every buffer of a forward (and, for training, backward) pass over up to `sequences`
    /// sequences of up to T positions: allocated once; a step only sets the row counts.
    final class Workspace {
        let sequences: Int
        let capacity: Int
        let training: Bool
        /// The batch's names packed row after row: tokens, positions, targets (N)
        var packed: PackedSequences
        /// The model's category table (nil for plain names) and the category of each packed row.
        let category: CategoryEmbedding?
        var rowCategories: [Int32]
        /// embeddings (N, C), after dropout, and the mask
        var embedded, embeddedDropped, embeddedMask: Matrix
        var blocks: [BlockBuffers]
        var lnf: Matrix
        var lnfCache: LayerNorm.Cache
        var logits, probabilities, dLogits: Matrix
        /// Backward scratch: the residual stream's gradient and a copy after dropout (N, C); the
        /// gradient at a LayerNorm's output (N, C); at fc's output and GELU's output (N, 4C).
        var dResidual, dDropped, dNormed: Matrix
        var dFC, dGELU: Matrix

        init(model: TransformerModel, sequences: Int, training: Bool) {
            let c = model.config, v = model.vocabularySize
            self.sequences = sequences
            self.training = training
            let capacity = sequences * c.blockSize
            self.capacity = capacity
            packed = PackedSequences(capacity: sequences, maxLength: c.blockSize)
            category = model.category
            rowCategories = [Int32](repeating: 0, count: model.category != nil ? capacity : 0)
            embedded = Matrix(rows: capacity, cols: c.embed)
            let dropRows = training && c.dropout > 0 ? capacity : 0
            embeddedDropped = Matrix(rows: dropRows, cols: c.embed)
            embeddedMask = embeddedDropped
            blocks = model.blocks.map { _ in BlockBuffers(rows: capacity, config: c, training: training) }
            lnf = Matrix(rows: capacity, cols: c.embed)
            lnfCache = LayerNorm.Cache(rows: capacity)
            logits = Matrix(rows: capacity, cols: v)
            let backwardRows = training ? capacity : 0
            probabilities = Matrix(rows: backwardRows, cols: v)
            dLogits = probabilities
            dResidual = Matrix(rows: backwardRows, cols: c.embed)
            (dDropped, dNormed) = (dResidual, dResidual)
            dFC = Matrix(rows: backwardRows, cols: 4 * c.embed)
            dGELU = dFC
        }

        var rows: Int { embedded.rows }

        /// Packs `count` padded sequences with their targets (see `PackedSequences`), and the
        /// category of each row from categories 0 ..< count; returns the rows.
        func pack(tokens: [Int32], targets: [Int32], count: Int) -> Int {
            setRows(packed.pack(tokens: tokens, targets: targets, count: count))
            category?.expand(over: packed, first: 0, into: &rowCategories)
            return packed.rows
        }

        /// Packs rows first ..< first + count of padded tokens without targets, and their
        /// categories first ..< first + count; returns the rows.
        func pack(tokens: [Int32], from first: Int, count: Int) -> Int {
            setRows(packed.pack(tokens: tokens, from: first, count: count))
            category?.expand(over: packed, first: first, into: &rowCategories)
            return packed.rows
        }

        func setRows(_ n: Int) {
            (embedded.rows, lnf.rows, logits.rows) = (n, n, n)
            if training {
                (probabilities.rows, dLogits.rows, dResidual.rows, dDropped.rows, dNormed.rows) = (n, n, n, n, n)
                (dFC.rows, dGELU.rows) = (n, n)
                if embeddedMask.data.count > 0 { (embeddedMask.rows, embeddedDropped.rows) = (n, n) }
            }
            for b in blocks { b.setRows(n, training: training) }
        }
    }

    var trainingWorkspace: Workspace?
    private var inferenceWorkspace: Workspace?

    // MARK: Forward and backward

    /// Forward over the packed rows of `ws` into `ws.logits`. In training mode dropout draws
    /// masks from `rng` (embedding, then per block: attention probabilities, attention output,
    /// MLP output).
    func forward(ws: Workspace, training: Bool, rng: inout RandomGenerator) {
        let drop = training ? dropout : nil
        tokenEmbedding.forward(out: &ws.embedded, tokens: ws.packed.tokens)
        positionEmbedding.forward(out: &ws.embedded, positions: ws.packed.positions)
        category?.forward(addInto: &ws.embedded, rowCategories: ws.rowCategories)
        if let drop { drop.forward(out: &ws.embeddedDropped, mask: &ws.embeddedMask, x: ws.embedded, rng: &rng) }
        for (i, block) in blocks.enumerated() {
            let b = ws.blocks[i]
            let input = blockInput(i, ws, training: training)
            block.ln1.forward(out: &b.ln1, cache: &b.ln1Cache, x: input)
            block.attention.forward(out: &b.attended, cache: &b.attention, x: b.ln1, sequences: ws.packed,
                                    training: training, rng: &rng)
            if let drop {
                drop.forward(out: &b.attendedDropped, mask: &b.attendedMask, x: b.attended, rng: &rng)
                LayerKernels.add(&b.middle.data, input.data, b.attendedDropped.data, count: b.middle.count)
            } else {
                LayerKernels.add(&b.middle.data, input.data, b.attended.data, count: b.middle.count)
            }
            block.ln2.forward(out: &b.ln2, cache: &b.ln2Cache, x: b.middle)
            block.fc.forward(out: &b.fc, input: b.ln2)
            GELU.forward(out: &b.gelu, tanhOut: &b.tanh, x: b.fc)
            block.fc2.forward(out: &b.fc2, input: b.gelu)
            if let drop {
                drop.forward(out: &b.fc2Dropped, mask: &b.fc2Mask, x: b.fc2, rng: &rng)
                LayerKernels.add(&b.out.data, b.middle.data, b.fc2Dropped.data, count: b.out.count)
            } else {
                LayerKernels.add(&b.out.data, b.middle.data, b.fc2.data, count: b.out.count)
            }
        }
        finalNorm.forward(out: &ws.lnf, cache: &ws.lnfCache, x: ws.blocks[blocks.count - 1].out)
        head.forward(out: &ws.logits, input: ws.lnf)
    }

    /// The input of block i: the (dropped-out) embeddings for i = 0, else block i − 1's output.
    private func blockInput(_ i: Int, _ ws: Workspace, training: Bool) -> Matrix {
        if i > 0 { return ws.blocks[i - 1].out }
        return training && dropout != nil ? ws.embeddedDropped : ws.embedded
    }

    /// Backward from `ws.dLogits` after a training forward pass; adds into every gradient.
    /// `ws.dResidual` carries the gradient of the residual stream from the top down: each
    /// LayerNorm's backward adds its branch into it.
    func backward(ws: Workspace) {
        head.backward(dInput: &ws.dNormed, dOut: ws.dLogits, input: ws.lnf)
        ws.dResidual.zero()
        finalNorm.backward(dx: &ws.dResidual, cache: ws.lnfCache, dOut: ws.dNormed, x: ws.blocks[blocks.count - 1].out)
        for i in stride(from: blocks.count - 1, through: 0, by: -1) {
            let block = blocks[i], b = ws.blocks[i]
            // MLP branch: out = middle + dropout(fc2(GELU(fc(ln2(middle)))))
            var dBranch = ws.dResidual
            if let dropout {
                dropout.backward(dx: &ws.dDropped, dOut: ws.dResidual, mask: b.fc2Mask)
                dBranch = ws.dDropped
            }
            block.fc2.backward(dInput: &ws.dGELU, dOut: dBranch, input: b.gelu)
            GELU.backward(dx: &ws.dFC, dOut: ws.dGELU, x: b.fc, tanhOut: b.tanh)
            block.fc.backward(dInput: &ws.dNormed, dOut: ws.dFC, input: b.ln2)
            block.ln2.backward(dx: &ws.dResidual, cache: b.ln2Cache, dOut: ws.dNormed, x: b.middle)
            // Attention branch: middle = input + dropout(attention(ln1(input)))
            if let dropout {
                dropout.backward(dx: &ws.dDropped, dOut: ws.dResidual, mask: b.attendedMask)
                dBranch = ws.dDropped
            } else {
                dBranch = ws.dResidual
            }
            block.attention.backward(dx: &ws.dNormed, cache: &b.attention, dOut: dBranch, x: b.ln1, sequences: ws.packed)
            block.ln1.backward(dx: &ws.dResidual, cache: b.ln1Cache, dOut: ws.dNormed, x: blockInput(i, ws, training: true))
        }
        var dEmbedded = ws.dResidual
        if let dropout {
            dropout.backward(dx: &ws.dDropped, dOut: ws.dResidual, mask: ws.embeddedMask)
            dEmbedded = ws.dDropped
        }
        tokenEmbedding.backward(dOut: dEmbedded, tokens: ws.packed.tokens)
        positionEmbedding.backward(dOut: dEmbedded, positions: ws.packed.positions)
        category?.backward(dOut: dEmbedded, rowCategories: ws.rowCategories)
    }

    // MARK: Training

    /// Allocates the buffers for batches of `batchSize` sequences, once, before the step loop.
    package func prepareTraining(batchSize: Int) {
        if trainingWorkspace?.sequences != batchSize {
            trainingWorkspace = Workspace(model: self, sequences: batchSize, training: true)
        }
    }

    /// One forward and backward pass on `batch` padded sequences: tokens and targets are
    /// (batch, T) row-major, each row a start token and a name, its targets the name and the
    /// stop token, then padding with target −1. Returns the mean cross-entropy over the real
    /// targets and adds into every parameter's gradient.
    package func trainingStep(tokens: [Int32], targets: [Int32], batch: Int, rng: inout RandomGenerator) -> Float {
        prepareTraining(batchSize: batch)
        let ws = trainingWorkspace!
        _ = ws.pack(tokens: tokens, targets: targets, count: batch)
        forward(ws: ws, training: true, rng: &rng)
        let loss = CrossEntropy.forwardBackward(dLogits: &ws.dLogits, probabilities: &ws.probabilities,
                                                logits: ws.logits, targets: ws.packed.targets)
        backward(ws: ws)
        return loss
    }

    // MARK: Evaluation

    /// Logits at every position in inference mode: tokens (count, T) as in training, each row
    /// [start, c1, …, cn] right-padded with start tokens → logits (count·T, V), row n·T + t
    /// predicting the token after position t. A row's sequence ends at its last character (start
    /// tokens only pad); padding rows of logits are set to 0.
    package func sequenceLogits(tokens: [Int32], count: Int, into logits: inout Matrix) {
        let t = config.blockSize, v = vocabularySize
        precondition(tokens.count >= count * t && logits.count >= count * t * v)
        if inferenceWorkspace == nil { inferenceWorkspace = Workspace(model: self, sequences: Self.inferenceChunk, training: false) }
        let ws = inferenceWorkspace!
        var unused = RandomGenerator(seed: 0)
        var start = 0
        while start < count {
            let m = min(Self.inferenceChunk, count - start)
            _ = ws.pack(tokens: tokens, from: start, count: m)
            forward(ws: ws, training: false, rng: &unused)
            ws.packed.unpack(ws.logits, into: &logits, firstRow: start)
            start += m
        }
    }

    /// Sequences per forward pass in inference: 64 names of T positions (about 5 MB of
    /// activations at the default size).
    static let inferenceChunk = 64

    /// Σ −log p(target) over every real target of `count` padded sequences (as for
    /// `trainingStep`), in inference mode, log-softmax in Double; and the number of targets.
    package func negativeLogLikelihood(tokens: [Int32], targets: [Int32], count: Int) -> (sum: Double, count: Int) {
        let t = config.blockSize, v = vocabularySize
        var logits = Matrix(rows: count * t, cols: v)
        sequenceLogits(tokens: tokens, count: count, into: &logits)
        var total: Double = 0, n = 0
        for r in 0..<(count * t) where targets[r] >= 0 {
            var maxLogit = -Float.infinity
            for c in 0..<v { maxLogit = max(maxLogit, logits.data[r * v + c]) }
            var sum: Double = 0
            for c in 0..<v { sum += LibC.exp(Double(logits.data[r * v + c] - maxLogit)) }
            total += LibC.log(sum) - Double(logits.data[r * v + Int(targets[r])] - maxLogit)
            n += 1
        }
        return (total, n)
    }

    // MARK: Sampling

    var decoder: Decoder?

    /// Next-token logits for `count` context windows of T tokens (the `LanguageModel` call that
    /// `Sampler` makes once per character). A window holds a name's start token and characters,
    /// left-padded with start tokens; the sequence the model reads starts at the window's last
    /// start token. A window with no start token (a name longer than T − 1 characters) is read
    /// whole, as makemore crops its context to the last T tokens.
    ///
    /// Keys and values are cached per window row: when a row's sequence extends the one it held
    /// in the previous call (the sampler adds one character per call), only the new position is
    /// computed; otherwise the row starts again from position 0. A labelled model's row also
    /// starts again when its category differs from the one its cache was computed with.
    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        self.logits(contexts: contexts, slots: nil, count: count, slotCount: count, into: &logits)
    }

    /// `logits(contexts:count:into:)` with row r's key/value cache in slot `slots[r]` of
    /// `slotCount` (rows in distinct slots): a caller that keeps names in fixed slots and
    /// passes only the names still growing reuses each name's cache whatever its row.
    func logits(contexts: [Int32], slots: [Int32]?, count: Int, slotCount: Int, into logits: inout Matrix) {
        if decoder.map({ $0.capacity < slotCount }) ?? true { decoder = Decoder(model: self, capacity: slotCount) }
        decoder!.logits(contexts: contexts, slots: slots, count: count, into: &logits)
    }

    /// Incremental decoding with a key/value cache: for every row, the keys and values of every
    /// position it has computed, per layer (row, T, C). One call of `advance` computes one new
    /// position for a set of rows: each layer's query of the new position attends over the
    /// cached keys and values, the new key and value are appended.
    final class Decoder {
        unowned let model: TransformerModel
        let capacity: Int
        /// Per layer: keys, (capacity, H, D, T) (transposed per head), and values, (capacity, T, C)
        var keys: [[Float]], values: [[Float]]
        /// The tokens each row's cache holds (capacity, T), how many, and the sequence wanted now.
        var cachedTokens: [Int32], cachedLength: [Int]
        /// The category each row's cache was computed with, and the category of each active row
        /// of the current wave (labelled models).
        var cachedCategory: [Int32], categories: [Int32]
        var wanted: [Int32], wantedLength: [Int]
        /// Slots advanced in the current wave (as Int and as the kernels read them), the row of
        /// each, their packed tokens and positions; each call's row → slot.
        var activeRow: [Int], slots: [Int32], tokens: [Int32], positions: [Int32]
        var rowSlot: [Int] = []
        /// Activations of one position for up to `capacity` rows.
        var x, normed, attended, projected, middle, fc2: Matrix
        var qkv: Matrix
        var fc, tanh, gelu: Matrix
        var rowLogits: Matrix
        var cache: LayerNorm.Cache
        /// Attention scores (capacity, H, T).
        var scores: [Float]
        /// Positions computed so far (how much the cache saved, for tests).
        var computedPositions = 0

        init(model: TransformerModel, capacity: Int) {
            let c = model.config
            self.model = model
            self.capacity = capacity
            keys = model.blocks.map { _ in [Float](repeating: 0, count: capacity * c.blockSize * c.embed) }
            values = keys
            cachedTokens = [Int32](repeating: 0, count: capacity * c.blockSize)
            wanted = cachedTokens
            cachedLength = [Int](repeating: 0, count: capacity)
            wantedLength = cachedLength
            cachedCategory = [Int32](repeating: 0, count: model.category != nil ? capacity : 0)
            categories = cachedCategory
            activeRow = cachedLength
            tokens = [Int32](repeating: 0, count: capacity)
            (positions, slots) = (tokens, tokens)
            x = Matrix(rows: capacity, cols: c.embed)
            (normed, attended, projected, middle, fc2) = (x, x, x, x, x)
            qkv = Matrix(rows: capacity, cols: 3 * c.embed)
            fc = Matrix(rows: capacity, cols: 4 * c.embed)
            (tanh, gelu) = (fc, fc)
            rowLogits = Matrix(rows: capacity, cols: model.vocabularySize)
            cache = LayerNorm.Cache(rows: capacity)
            scores = [Float](repeating: 0, count: capacity * c.heads * c.blockSize)
        }

        /// Row r of `contexts` uses cache slot `slots[r]` (r without `slots`).
        func logits(contexts: [Int32], slots: [Int32]?, count: Int, into out: inout Matrix) {
            let t = model.config.blockSize, v = model.vocabularySize
            precondition(contexts.count >= count * t && out.count >= count * v && (slots?.count ?? count) >= count)
            if rowSlot.count < count { rowSlot = [Int](repeating: 0, count: count) }
            for r in 0..<count {
                let s = slots.map { Int($0[r]) } ?? r
                precondition(s >= 0 && s < capacity)
                rowSlot[r] = s
                let window = r * t
                var start = t - 1
                while start >= 0 && contexts[window + start] != Vocabulary.boundary { start -= 1 }
                let cropped = start < 0
                start = max(start, 0)
                let length = t - start
                for p in 0..<length { wanted[s * t + p] = contexts[window + start + p] }
                wantedLength[s] = length
                var reuse = !cropped && cachedLength[s] <= length
                if reuse { for p in 0..<cachedLength[s] where cachedTokens[s * t + p] != wanted[s * t + p] { reuse = false; break } }
                if let category = model.category {
                    let c = category.category(ofRow: r)
                    if c != cachedCategory[s] { reuse = false }
                    cachedCategory[s] = c
                }
                // A row whose cache already holds the whole sequence recomputes its last position
                // (its logits were not kept).
                if !reuse || cachedLength[s] == length { cachedLength[s] = reuse ? length - 1 : 0 }
            }
            // Waves: each computes the next position of every row that still needs one; a row's
            // logits are copied out when its last position is done.
            while true {
                var n = 0
                for r in 0..<count {
                    let s = rowSlot[r]
                    guard cachedLength[s] < wantedLength[s] else { continue }
                    activeRow[n] = r
                    tokens[n] = wanted[s * t + cachedLength[s]]
                    positions[n] = Int32(cachedLength[s])
                    self.slots[n] = Int32(s)
                    if model.category != nil { categories[n] = cachedCategory[s] }
                    n += 1
                }
                if n == 0 { break }
                advance(rows: n)
                computedPositions += n
                for i in 0..<n {
                    let s = Int(self.slots[i])
                    cachedTokens[s * t + cachedLength[s]] = tokens[i]
                    cachedLength[s] += 1
                    if cachedLength[s] == wantedLength[s] {
                        let r = activeRow[i]
                        for k in 0..<v { out.data[r * v + k] = rowLogits.data[i * v + k] }
                    }
                }
            }
        }

        /// One new position for slots `slots[0..<n]`: token `tokens[i]` at position `positions[i]`.
        func advance(rows n: Int) {
            let c = model.config.embed, t = model.config.blockSize, h = model.config.heads
            (x.rows, normed.rows, attended.rows, projected.rows, middle.rows, fc2.rows) = (n, n, n, n, n, n)
            (qkv.rows, fc.rows, tanh.rows, gelu.rows, rowLogits.rows) = (n, n, n, n, n)
            model.tokenEmbedding.forward(out: &x, tokens: tokens)
            model.positionEmbedding.forward(out: &x, positions: positions)
            model.category?.forward(addInto: &x, rowCategories: categories)
            for (layer, block) in model.blocks.enumerated() {
                block.ln1.forward(out: &normed, cache: &cache, x: x)
                block.attention.attn.forward(out: &qkv, input: normed)
                LayerKernels.storeKeysValues(qkv: qkv, rows: n, keys: &keys[layer], values: &values[layer],
                                             slots: slots, positions: positions, heads: h, maxLength: t)
                LayerKernels.attentionCached(out: &attended, qkv: qkv, keys: keys[layer], values: values[layer],
                                             slots: slots, positions: positions, rows: n, heads: h, maxLength: t,
                                             scores: &scores)
                block.attention.proj.forward(out: &projected, input: attended)
                LayerKernels.add(&middle.data, x.data, projected.data, count: n * c)
                block.ln2.forward(out: &normed, cache: &cache, x: middle)
                block.fc.forward(out: &fc, input: normed)
                GELU.forward(out: &gelu, tanhOut: &tanh, x: fc)
                block.fc2.forward(out: &fc2, input: gelu)
                LayerKernels.add(&x.data, middle.data, fc2.data, count: n * c)
            }
            model.finalNorm.forward(out: &normed, cache: &cache, x: x)
            model.head.forward(out: &rowLogits, input: normed)
        }
    }

    /// Names as padded (count, T) tokens and targets: [start, c1, …, cn, 0 …] and
    /// [c1, …, cn, stop, −1 …]. Names longer than T − 1 characters are cut to T − 1.
    package static func padded(_ names: [[Int32]], blockSize t: Int) -> (tokens: [Int32], targets: [Int32]) {
        var tokens = [Int32](repeating: Vocabulary.boundary, count: names.count * t)
        var targets = [Int32](repeating: -1, count: names.count * t)
        for (b, name) in names.enumerated() {
            let n = min(name.count, t - 1)
            for i in 0..<n {
                tokens[b * t + i + 1] = name[i]
                targets[b * t + i] = name[i]
            }
            targets[b * t + n] = Vocabulary.boundary
        }
        return (tokens, targets)
    }
}

// MARK: - The family: options, recipe, memory (the registry lists it in ModelRegistry.families)

extension TransformerConfig: ModelConfiguration {
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, layers, heads, dropout
    }
}

extension TransformerModel: ModelFamily {
    package static let name = "transformer"

    static let blockSizeOption = Option<Int>(["--block-size"], help: "positions per name: the start token and the characters.",
                                             range: 1...256, default: nil, defaultText: "the longest name + 1")
    static let embedOption = Option<Int>(["--embed"], help: "embedding size (the width of every block).", range: 1...1024,
                                         default: TransformerConfig().embed)
    static let layersOption = Option<Int>(["--layers"], help: "number of transformer blocks.", range: 1...64,
                                          default: TransformerConfig().layers)
    static let headsOption = Option<Int>(["--heads"], help: "attention heads per block (they split --embed).", range: 1...64,
                                         default: TransformerConfig().heads)
    static let dropoutOption = Option<Double>(["--dropout"], value: "p",
                                              help: "dropout on the embeddings, the attention weights and each residual branch.",
                                              range: 0...0.99, default: Double(TransformerConfig().dropout))

    package static var options: [AnyOption] {
        [AnyOption(blockSizeOption), AnyOption(embedOption), AnyOption(layersOption), AnyOption(headsOption),
         AnyOption(dropoutOption)]
    }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> TransformerConfig {
        var c = TransformerConfig()
        c.blockSize = try a.given(blockSizeOption) ?? data.map { $0.longestName + 1 } ?? c.blockSize
        c.embed = try a.value(embedOption)
        c.layers = try a.value(layersOption)
        c.heads = try a.value(headsOption)
        c.dropout = Float(try a.value(dropoutOption))
        guard c.embed % c.heads == 0 else {
            throw NameGenError(.usage, "'--embed' \(c.embed) does not split into \(c.heads) heads.",
                               hint: "Choose --heads that divides --embed, e.g. --heads 4 with --embed 64.")
        }
        return c
    }

    package static func problem(with c: TransformerConfig) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", blockSizeOption.problem(with: "\(c.blockSize)")), ("embed", embedOption.problem(with: "\(c.embed)")),
            ("layers", layersOption.problem(with: "\(c.layers)")), ("heads", headsOption.problem(with: "\(c.heads)")),
            ("dropout", dropoutOption.problem(with: "\(c.dropout)")),
            ("heads", c.heads > 0 && c.embed % c.heads != 0 ? "does not divide 'embed'" : nil),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    package static var recipe: TrainingRecipe? {
        .sequences(steps: TransformerConfig.defaultSteps, learningRate: TransformerConfig.defaultLearningRate)
    }

    package static func build(_ config: TransformerConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        TransformerModel(config: config, vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
    }

    package static func load(_ config: TransformerConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        var rng = RandomGenerator(seed: 0)
        let model = TransformerModel(config: config, vocabularySize: checkpoint.vocabulary.size,
                                     categories: checkpoint.categories.count, rng: &rng)
        try model.load(from: checkpoint, prefix: prefix)
        return model
    }

    /// Weight, gradient and two AdamW moments per parameter; per block and position about
    /// 30·C floats of activations and gradients plus 2·H·T of attention probabilities and mask;
    /// logits, probabilities and their gradient (3V), for batch·T positions; the inference
    /// workspace (64 names) and the sampling cache.
    package static func memoryEstimate(_ c: TransformerConfig, batchSize: Int, data: DataFacts) -> Double {
        let e = Double(c.embed), t = Double(c.blockSize), v = Double(data.vocabularySize), l = Double(c.layers)
        let params = v * e + t * e + l * (12 * e * e + 13 * e) + 2 * e + v * e
        let perPosition = l * (30 * e + 2 * Double(c.heads) * t) + 20 * e + 3 * v
        let positions = Double(batchSize) * t + Double(inferenceChunk) * t
        return (4 * params + perPosition * positions) * 4
    }

    package static func memoryDrivers(_ c: TransformerConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --layers \(c.layers), --heads \(c.heads)"
    }

    package static var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the token embeddings (wte), first two dimensions or a PCA projection")]
    }

    package static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let transformer = model as? TransformerModel else { return [] }
        return [("embeddings.svg", Charts.embeddings(transformer.tokenEmbedding.table.value, labels: labels))]
    }
}

extension TransformerModel: TrainableModel, SequenceModel {
    /// The `.sequences` layout: contexts and targets (batch, T), targets masked (−1) at padding.
    package func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        trainingStep(tokens: contexts, targets: targets, batch: contexts.count / config.blockSize, rng: &rng)
    }
}

extension TransformerModel: IncrementalSampling {
    /// The sampler's histories [start, c1, …, ck] as the context windows `logits(contexts:)`
    /// reads (the last T tokens, left-padded with start tokens): a row that grew by one token
    /// computes one new position from its key/value cache.
    package func nextLogits(histories: [[Int32]], into logits: inout Matrix) {
        let t = config.blockSize
        var contexts = [Int32](repeating: Vocabulary.boundary, count: histories.count * t)
        for (r, history) in histories.enumerated() {
            let kept = history.suffix(t)
            for (j, token) in kept.enumerated() { contexts[r * t + (t - kept.count) + j] = token }
        }
        self.logits(contexts: contexts, count: histories.count, into: &logits)
    }
}
