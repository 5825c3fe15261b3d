/// Hyperparameters of the `hierarchical` model. The defaults are the WaveNet lecture's scaled
/// recipe: 76,579 parameters at V = 27.
public struct HierarchicalConfig: ModelConfiguration {
    /// T, a power of two: the model fuses pairs log₂(T) times.
    public var blockSize = 8
    public var embed = 24
    public var hidden = 128
    public var activation = Activation.tanh
    public var dropout: Float = 0
    /// Initialisation only, so not saved: a loaded model takes its weights from the file.
    public var outputScale: Float = 0.1

    public init() {}

    /// log₂(T): the number of fuse levels.
    public var levels: Int { blockSize.trailingZeroBitCount }

    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden, activation, dropout
    }
}

/// The `hierarchical` model, the WaveNet-style MLP of the makemore notes: instead of crushing
/// the whole context in the first layer, it fuses neighbouring characters in pairs, level by
/// level (as a WaveNet's dilated causal convolutions do):
///
///   tokens (N, T) → Embedding (V, E) → x (N·T, E)
///   → for each of log₂(T) levels: fuse pairs (N·T/2, 2·C) → Linear (H, 2·C), no bias
///                                  → BatchNorm over every position (N·T/2, H) → tanh → [Dropout]
///   → (N, H) → Linear (V, H) + bias → logits (N, V) → softmax cross-entropy
///
/// C is E at the first level and H after. BatchNorm normalises over batch and position together
/// (PyTorch's BatchNorm1d over (N, C, T)), and keeps running statistics for eval and sample.
/// The output weight is scaled by 0.1 at initialisation, as in the lecture.
///
/// Checkpoint tensors (F32, PyTorch layout, weight = (out, in)):
///   embedding.weight (V, E) · levels.i.linear.weight (H, 2·C)
///   levels.i.norm.{weight,bias,running_mean,running_var} (H) · output.weight (V, H) · output.bias (V)
public final class HierarchicalModel: TrainableModel {
    public let config: HierarchicalConfig
    public let vocabularySize: Int
    public let embedding: Embedding
    public let levels: [(linear: Linear, norm: BatchNorm)]
    public let output: Linear
    public let dropout: Dropout?
    public let parameters: [Parameter]

    /// A new model initialised from `rng` as PyTorch initialises its layers.
    public init(config: HierarchicalConfig, vocabularySize: Int, rng: inout RandomGenerator) {
        precondition(config.blockSize >= 2 && config.blockSize.nonzeroBitCount == 1 && config.embed >= 1 && config.hidden >= 1)
        self.config = config
        self.vocabularySize = vocabularySize
        embedding = Embedding(name: "embedding", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        var levels: [(Linear, BatchNorm)] = []
        var width = config.embed
        for i in 0..<config.levels {
            levels.append((Linear(name: "levels.\(i).linear", inputs: 2 * width, outputs: config.hidden, bias: false, rng: &rng),
                           BatchNorm(name: "levels.\(i).norm", features: config.hidden)))
            width = config.hidden
        }
        self.levels = levels
        output = Linear(name: "output", inputs: config.hidden, outputs: vocabularySize, bias: true, rng: &rng)
        for i in 0..<output.weight.count { output.weight.value.data[i] *= config.outputScale }
        dropout = config.dropout > 0 ? Dropout(probability: config.dropout) : nil
        parameters = [embedding.table] + self.levels.flatMap { $0.linear.parameters + $0.norm.parameters } + output.parameters
    }

    public var blockSize: Int { config.blockSize }

    /// Rebuilds a trained model from its configuration and a checkpoint, checking every tensor's shape.
    public convenience init(config: HierarchicalConfig, checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(config: config, vocabularySize: checkpoint.vocabulary.size, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    /// Overwrites the weights and running statistics with the tensors named `prefix + name`.
    public func load(from checkpoint: Checkpoint, prefix: String = "") throws {
        try parameters.load(from: checkpoint, prefix: prefix)
        for norm in levels.map(\.norm) { try norm.loadRunningStatistics(from: checkpoint, prefix: prefix) }
    }

    public func namedTensors() -> [String: Tensor] {
        levels.map(\.norm).reduce(into: parameters.namedTensors()) { $0.merge($1.runningStatisticsTensors) { a, _ in a } }
    }

    // MARK: Forward and backward

    /// One level's activations and gradients for one batch size, allocated once. Level i has
    /// R = N·T/2^(i+1) rows: its input is the previous output fused, (R, 2·C).
    final class LevelBuffers {
        /// Linear output, BatchNorm output, activation output, after dropout (R, H)
        var pre, normed, activated, dropped: Matrix
        var mask: Matrix
        var cache: BatchNorm.Cache
        /// Gradients: of the level's input in its fused shape (R, 2·C), and of the BatchNorm
        /// output and input and the activation output (R, H).
        var dInput, dNormed, dPre, dActivated: Matrix

        init(rows: Int, inputs: Int, features: Int, training: Bool) {
            pre = Matrix(rows: rows, cols: features)
            (normed, activated) = (pre, pre)
            let t = training ? rows : 0
            dropped = Matrix(rows: t, cols: features)
            (mask, dNormed, dPre, dActivated) = (dropped, dropped, dropped, dropped)
            dInput = Matrix(rows: t, cols: inputs)
            cache = BatchNorm.Cache(batch: t, features: features)
        }
    }

    final class Workspace {
        let batch: Int
        /// The embeddings of every position, (N·T, E).
        var embedded: Matrix
        var levels: [LevelBuffers]
        var logits: Matrix, probabilities: Matrix, dLogits: Matrix
        /// The gradient of the last level's output, (N, H).
        var dTop: Matrix

        init(model: HierarchicalModel, batch: Int, training: Bool) {
            self.batch = batch
            let c = model.config
            embedded = Matrix(rows: batch * c.blockSize, cols: c.embed)
            var rows = batch * c.blockSize, width = c.embed
            levels = []
            for _ in 0..<c.levels {
                rows /= 2
                levels.append(LevelBuffers(rows: rows, inputs: 2 * width, features: c.hidden, training: training))
                width = c.hidden
            }
            logits = Matrix(rows: batch, cols: model.vocabularySize)
            probabilities = Matrix(rows: training ? batch : 0, cols: model.vocabularySize)
            dLogits = probabilities
            dTop = Matrix(rows: training ? batch : 0, cols: c.hidden)
        }
    }

    private var trainingWorkspace: Workspace?
    private var inferenceWorkspace: Workspace?

    /// The output of level i, (R, H): after dropout when dropout is active.
    private func levelOutput(_ i: Int, _ ws: Workspace, training: Bool) -> Matrix {
        training && dropout != nil ? ws.levels[i].dropped : ws.levels[i].activated
    }

    /// The input of level i, fused: (R, 2·C).
    private func levelInput(_ i: Int, _ ws: Workspace, training: Bool) -> Matrix {
        FuseConsecutive.forward(i == 0 ? ws.embedded : levelOutput(i - 1, ws, training: training))
    }

    /// Forward pass into `ws.logits`. In training mode BatchNorm uses (and updates) batch
    /// statistics and dropout draws masks from `rng`; otherwise running statistics, no dropout.
    func forward(tokens: [Int32], ws: Workspace, training: Bool, rng: inout RandomGenerator) {
        embedding.forward(out: &ws.embedded, tokens: tokens)
        for (i, level) in levels.enumerated() {
            let b = ws.levels[i]
            level.linear.forward(out: &b.pre, input: levelInput(i, ws, training: training))
            if training {
                level.norm.forwardTraining(out: &b.normed, cache: &b.cache, x: b.pre)
            } else {
                level.norm.forwardInference(out: &b.normed, x: b.pre)
            }
            config.activation.forward(out: &b.activated, x: b.normed)
            if training, let dropout { dropout.forward(out: &b.dropped, mask: &b.mask, x: b.activated, rng: &rng) }
        }
        output.forward(out: &ws.logits, input: levelOutput(levels.count - 1, ws, training: training))
    }

    /// Backward from `ws.dLogits` after a training forward pass; adds into every gradient.
    func backward(tokens: [Int32], ws: Workspace) {
        let last = levels.count - 1
        output.backward(dInput: &ws.dTop, dOut: ws.dLogits, input: levelOutput(last, ws, training: true))
        for i in stride(from: last, through: 0, by: -1) {
            let level = levels[i], b = ws.levels[i]
            // The gradient of this level's output: from the output layer, or un-fused from the next level.
            let dOut = i == last ? ws.dTop : FuseConsecutive.backward(ws.levels[i + 1].dInput)
            if let dropout { dropout.backward(dx: &b.dActivated, dOut: dOut, mask: b.mask) }
            config.activation.backward(dx: &b.dNormed, dOut: dropout != nil ? b.dActivated : dOut, out: b.activated)
            level.norm.backward(dx: &b.dPre, cache: &b.cache, dOut: b.dNormed)
            level.linear.backward(dInput: &b.dInput, dOut: b.dPre, input: levelInput(i, ws, training: true))
        }
        embedding.backward(dOut: FuseConsecutive.backward(ws.levels[0].dInput), tokens: tokens)
    }

    // MARK: TrainableModel

    public func prepareTraining(batchSize: Int) {
        if trainingWorkspace?.batch != batchSize { trainingWorkspace = Workspace(model: self, batch: batchSize, training: true) }
    }

    public func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        let ws = trainingWorkspace!
        forward(tokens: contexts, ws: ws, training: true, rng: &rng)
        let loss = CrossEntropy.forwardBackward(dLogits: &ws.dLogits, probabilities: &ws.probabilities,
                                                logits: ws.logits, targets: targets)
        backward(tokens: contexts, ws: ws)
        return loss
    }

    // MARK: LanguageModel

    public func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        if inferenceWorkspace?.batch != count { inferenceWorkspace = Workspace(model: self, batch: count, training: false) }
        let ws = inferenceWorkspace!
        var unused = RandomGenerator(seed: 0)
        forward(tokens: contexts, ws: ws, training: false, rng: &unused)
        precondition(logits.count >= count * vocabularySize)
        for i in 0..<(count * vocabularySize) { logits.data[i] = ws.logits.data[i] }
    }
}

// MARK: - The registry's view: options, recipe, memory, build and load

extension HierarchicalModel: ModelFamily {
    public static let name = "hierarchical"

    static let blockSizeOption = Option<Int>(["--block-size"], help: "characters of context.", range: 2...256,
                                             default: HierarchicalConfig().blockSize)
    static let embedOption = Option<Int>(["--embed"], help: "embedding size per character.", range: 1...1024,
                                         default: HierarchicalConfig().embed)
    static let hiddenOption = Option<Int>(["--hidden"], help: "units per hidden layer.", range: 1...8192,
                                          default: HierarchicalConfig().hidden)
    static let activationOption = Option<Activation>(["--activation"], value: "name", help: "hidden activation.",
                                                     default: HierarchicalConfig().activation)
    static let dropoutOption = Option<Double>(["--dropout"], value: "p", help: "dropout probability after each activation.",
                                              range: 0...0.99, default: Double(HierarchicalConfig().dropout))

    public static var options: [AnyOption] {
        [AnyOption(blockSizeOption), AnyOption(embedOption), AnyOption(hiddenOption), AnyOption(activationOption),
         AnyOption(dropoutOption)]
    }

    public static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> HierarchicalConfig {
        var c = HierarchicalConfig()
        c.blockSize = try a.value(blockSizeOption)
        guard c.blockSize.nonzeroBitCount == 1 else {
            throw UsageError.badValue(blockSizeOption.spec, "\(c.blockSize)",
                                      "the hierarchical model fuses pairs, so it needs a power of two (2, 4, 8, 16, …)")
        }
        c.embed = try a.value(embedOption)
        c.hidden = try a.value(hiddenOption)
        c.activation = try a.value(activationOption)
        c.dropout = Float(try a.value(dropoutOption))
        return c
    }

    public static func problem(with c: HierarchicalConfig) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", blockSizeOption.problem(with: "\(c.blockSize)") ?? (c.blockSize.nonzeroBitCount == 1 ? nil : "must be a power of two")),
            ("embed", embedOption.problem(with: "\(c.embed)")), ("hidden", hiddenOption.problem(with: "\(c.hidden)")),
            ("dropout", dropoutOption.problem(with: "\(c.dropout)")),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    /// The lecture's recipe: SGD 0.1, a tenth of it for the last quarter, 200,000 steps at batch 32.
    public static var recipe: TrainingRecipe? {
        TrainingRecipe(steps: 200_000, learningRate: [.sgd: 0.1, .adamw: 0.002])
    }

    public static func build(_ config: HierarchicalConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        HierarchicalModel(config: config, vocabularySize: dataset.vocabulary.size, rng: &rng)
    }

    public static func load(_ config: HierarchicalConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try HierarchicalModel(config: config, checkpoint: checkpoint, prefix: prefix)
    }

    /// Per level R·H floats nine times (four activations, mask, three gradients, the BatchNorm
    /// cache) plus the fused input gradient R·2C, where the levels' rows add up to N·(T − 1);
    /// the embeddings (N·T·E); logits, probabilities and their gradient (N, V). Weight,
    /// gradient and two AdamW moments per parameter.
    public static func memoryEstimate(_ c: HierarchicalConfig, batchSize: Int, data: DataFacts) -> Double {
        let n = Double(batchSize), t = Double(c.blockSize), e = Double(c.embed), h = Double(c.hidden)
        let v = Double(data.vocabularySize), levels = Double(c.levels)
        let floats = n * (t - 1) * h * 11 + n * t * e * 2 + n * v * 3
        let params = v * e + 2 * e * h + (levels - 1) * 2 * h * h + levels * 2 * h + v * (h + 1)
        return (floats + params * 4) * 4
    }

    public static func memoryDrivers(_ c: HierarchicalConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --hidden \(c.hidden)"
    }

    public static var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the character embeddings, first two dimensions or a PCA projection")]
    }

    /// The character embeddings, projected on their first two principal components.
    public static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let m = model as? HierarchicalModel else { return [] }
        return [("embeddings.svg", Charts.embeddings(m.embedding.table.value, labels: labels))]
    }
}
