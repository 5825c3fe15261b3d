/// The hyperparameters every window model has (`mlp`, `hierarchical`): a model that reads the
/// `blockSize` characters before a prediction, embeds them, and runs them through hidden layers.
package protocol WindowConfiguration: ModelConfiguration {
    /// The family's defaults.
    init()
    /// T, the characters of context.
    var blockSize: Int { get set }
    /// E, the embedding size per character.
    var embed: Int { get set }
    /// H, the units of every hidden layer.
    var hidden: Int { get set }
    var activation: Activation { get set }
    /// The dropout probability after each activation (0: no dropout).
    var dropout: Float { get set }
    /// The factor on the output weight at initialisation.
    var outputScale: Float { get }
}

/// The hidden stack of a window model, per example: what the layers are built with and what a
/// workspace allocates for a batch of N examples.
struct WindowLayout {
    /// One hidden layer: its checkpoint name ("layers.0"), its input width and its rows per
    /// example (R/N, 1 when the layer sees one row per example).
    struct Layer {
        var name: String
        var inputs: Int
        var rows: Int
    }

    /// Rows per example of the embeddings as the first layer's input is made from them: 1 for
    /// (N, T·E), T for (N·T, E). Either way the same values in the same order.
    var embeddedRows: Int
    var layers: [Layer]
    /// BatchNorm after every hidden Linear, which then has no bias.
    var batchNorm: Bool
}

/// What the window models share: the layers, their forward and backward, the buffers, the
/// training step, inference and the checkpoint tensors. A window model is
///
///   tokens (N, T) → Embedding (V, E) → x, the T·E values of each example
///   → for each hidden layer i: input (R, in) made from the previous output (see `layerInput(from:)`)
///       → Linear (H, in) [+ bias without BatchNorm] → [BatchNorm (H)] → tanh|relu → [Dropout] → (R, H)
///   → the last layer's output (N, H) → Linear (V, H) + bias → logits (N, V) → softmax cross-entropy
///
/// A family subclasses it with its configuration, says in `layout(_:)` how many hidden layers
/// it has, their names, input widths and rows, and overrides `layerInput(from:)` and
/// `outputGradient(from:)` when a layer reads more than the previous output as it stands. The
/// output weight is scaled by `outputScale` at initialisation, so the first predictions are
/// nearly uniform.
package class WindowModel<Config: WindowConfiguration>: TrainableModel {
    package let vocabularySize: Int
    package let embedding: Embedding
    /// The hidden layers in order; `norm` is nil without BatchNorm.
    package let layers: [(linear: Linear, norm: BatchNorm?)]
    package let output: Linear
    package let activation: Activation
    package let dropout: Dropout?
    package let parameters: [Parameter]
    /// The category vectors added to the first hidden layer's Linear output, at every row of
    /// it, before BatchNorm; nil for plain names.
    let category: CategoryEmbedding?
    let layout: WindowLayout
    package let config: Config

    private var trainingWorkspace: WindowWorkspace?
    private var inferenceWorkspace: WindowWorkspace?

    /// A new model initialised from `rng` as PyTorch initialises its layers: the embedding, each
    /// hidden Linear in order, then the output Linear.
    /// With `categories` > 0 the model is conditioned on that many categories (`category`,
    /// zero at first and listed last, so the other weights draw what they draw for plain names).
    package required init(config: Config, vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        let layout = Self.layout(config)
        self.layout = layout
        self.config = config
        self.vocabularySize = vocabularySize
        embedding = Embedding(name: "embedding", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        layers = layout.layers.map { layer in
            (Linear(name: layer.name + ".linear", inputs: layer.inputs, outputs: config.hidden, bias: !layout.batchNorm,
                    rng: &rng),
             layout.batchNorm ? BatchNorm(name: layer.name + ".norm", features: config.hidden) : nil)
        }
        output = Linear(name: "output", inputs: config.hidden, outputs: vocabularySize, bias: true, rng: &rng)
        for i in 0..<output.weight.count { output.weight.value.data[i] *= config.outputScale }
        activation = config.activation
        dropout = config.dropout > 0 ? Dropout(probability: config.dropout) : nil
        category = CategoryEmbedding.make(categories: categories, dimensions: config.hidden)
        parameters = [embedding.table] + layers.flatMap { $0.linear.parameters + ($0.norm?.parameters ?? []) }
            + output.parameters + (category.map { [$0.table] } ?? [])
    }

    package var categoryCount: Int { category?.count ?? 0 }

    package func condition(on categories: [Int32]) { category?.set(categories) }

    /// The family's hidden stack for `config`; checks what the options' ranges do not.
    class func layout(_ config: Config) -> WindowLayout {
        fatalError("a window model declares its layout")
    }

    /// The input of a hidden layer, (R, in), from the previous layer's output or, for the first
    /// layer, the embeddings: as they stand here.
    func layerInput(from previous: Matrix) -> Matrix { previous }

    /// The gradient of the previous layer's output (or of the embeddings) from the gradient of
    /// a layer's input: the inverse of `layerInput(from:)`.
    func outputGradient(from dInput: Matrix) -> Matrix { dInput }

    package var blockSize: Int { config.blockSize }

    // MARK: Checkpoint

    /// Rebuilds a trained model from its configuration and a checkpoint, checking every tensor's shape.
    package required convenience init(config: Config, checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(config: config, vocabularySize: checkpoint.vocabulary.size, categories: checkpoint.categories.count, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    /// Overwrites the weights and running statistics with the tensors named `prefix + name`.
    package func load(from checkpoint: Checkpoint, prefix: String = "") throws {
        try parameters.load(from: checkpoint, prefix: prefix)
        for norm in layers.compactMap(\.norm) { try norm.loadRunningStatistics(from: checkpoint, prefix: prefix) }
    }

    package func namedTensors() -> [String: Tensor] {
        layers.compactMap(\.norm).reduce(into: parameters.namedTensors()) { $0.merge($1.runningStatisticsTensors) { a, _ in a } }
    }

    // MARK: Forward and backward

    /// The output of hidden layer i, (R, H): after dropout when dropout is active.
    private func layerOutput(_ i: Int, _ ws: WindowWorkspace, training: Bool) -> Matrix {
        training && dropout != nil ? ws.layers[i].dropped : ws.layers[i].activated
    }

    /// The input of hidden layer i, (R, in).
    private func layerInput(_ i: Int, _ ws: WindowWorkspace, training: Bool) -> Matrix {
        layerInput(from: i == 0 ? ws.embedded : layerOutput(i - 1, ws, training: training))
    }

    /// Forward pass into `ws.logits`. In training mode BatchNorm uses (and updates) batch
    /// statistics and dropout draws masks from `rng`; otherwise running statistics, no dropout.
    func forward(tokens: [Int32], ws: WindowWorkspace, training: Bool, rng: inout RandomGenerator) {
        embedding.forward(out: &ws.embedded, tokens: tokens)
        for (i, layer) in layers.enumerated() {
            let b = ws.layers[i]
            layer.linear.forward(out: &b.pre, input: layerInput(i, ws, training: training))
            if i == 0, let category { category.forward(addInto: &b.pre, rowsPerExample: layout.layers[0].rows) }
            if let norm = layer.norm {
                if training {
                    norm.forwardTraining(out: &b.normed, cache: &b.cache, x: b.pre)
                } else {
                    norm.forwardInference(out: &b.normed, x: b.pre)
                }
                activation.forward(out: &b.activated, x: b.normed)
            } else {
                activation.forward(out: &b.activated, x: b.pre)
            }
            if training, let dropout { dropout.forward(out: &b.dropped, mask: &b.mask, x: b.activated, rng: &rng) }
        }
        output.forward(out: &ws.logits, input: layerOutput(layers.count - 1, ws, training: training))
    }

    /// Backward from `ws.dLogits` after a training forward pass; adds into every gradient.
    func backward(tokens: [Int32], ws: WindowWorkspace) {
        let last = layers.count - 1
        output.backward(dInput: &ws.dTop, dOut: ws.dLogits, input: layerOutput(last, ws, training: true))
        for i in stride(from: last, through: 0, by: -1) {
            let layer = layers[i], b = ws.layers[i]
            // The gradient of this layer's output: from the output layer, or from the next layer's input.
            let dOut = i == last ? ws.dTop : outputGradient(from: ws.layers[i + 1].dInput)
            if let dropout { dropout.backward(dx: &b.dActivated, dOut: dOut, mask: b.mask) }
            // Without BatchNorm dNormed is the gradient of the Linear output itself.
            activation.backward(dx: &b.dNormed, dOut: dropout != nil ? b.dActivated : dOut, out: b.activated)
            if let norm = layer.norm { norm.backward(dx: &b.dPre, cache: &b.cache, dOut: b.dNormed) }
            if i == 0, let category {
                category.backward(dOut: layer.norm != nil ? b.dPre : b.dNormed, rowsPerExample: layout.layers[0].rows)
            }
            layer.linear.backward(dInput: &b.dInput, dOut: layer.norm != nil ? b.dPre : b.dNormed,
                                  input: layerInput(i, ws, training: true))
        }
        embedding.backward(dOut: outputGradient(from: ws.layers[0].dInput), tokens: tokens)
    }

    // MARK: TrainableModel

    package func prepareTraining(batchSize: Int) {
        if trainingWorkspace?.batch != batchSize { trainingWorkspace = WindowWorkspace(self, batch: batchSize, training: true) }
    }

    package func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        let ws = trainingWorkspace!
        forward(tokens: contexts, ws: ws, training: true, rng: &rng)
        let loss = CrossEntropy.forwardBackward(dLogits: &ws.dLogits, probabilities: &ws.probabilities,
                                                logits: ws.logits, targets: targets)
        backward(tokens: contexts, ws: ws)
        return loss
    }

    // MARK: LanguageModel

    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        if inferenceWorkspace?.batch != count { inferenceWorkspace = WindowWorkspace(self, batch: count, training: false) }
        let ws = inferenceWorkspace!
        var unused = RandomGenerator(seed: 0)
        forward(tokens: contexts, ws: ws, training: false, rng: &unused)
        precondition(logits.count >= count * vocabularySize)
        for i in 0..<(count * vocabularySize) { logits.data[i] = ws.logits.data[i] }
    }

    // MARK: The family's build, load and figures

    /// A new model initialised from `rng` (`ModelFamily.build`).
    package class func build(_ config: Config, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        Self(config: config, vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
    }

    /// The saved model, every tensor checked (`ModelFamily.load`).
    package class func load(_ config: Config, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try Self(config: config, checkpoint: checkpoint, prefix: prefix)
    }

    /// The figures `plot` draws beyond the loss curves (`ModelFamily.figures`).
    package class var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the character embeddings, first two dimensions or a PCA projection")]
    }

    /// The character embeddings, projected on their first two principal components (`ModelFamily.plots`).
    package class func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let m = model as? Self else { return [] }
        return [("embeddings.svg", Charts.embeddings(m.embedding.table.value, labels: labels))]
    }
}

/// One hidden layer's activations and gradients for one batch size, allocated once and reused
/// by every step (the training step allocates nothing). The layer has R rows and reads an
/// (R, in) input.
final class WindowLayerBuffers {
    /// Linear output, BatchNorm output, activation output, after dropout (R, H)
    var pre, normed, activated, dropped: Matrix
    var mask: Matrix
    var cache: BatchNorm.Cache
    /// Gradients: of the layer's input (R, in), and of the BatchNorm output and input and the
    /// activation output (R, H). Each buffer is written once per step.
    var dInput, dNormed, dPre, dActivated: Matrix

    /// Inference needs only the forward activations; training also gets the dropout buffers,
    /// the BatchNorm cache and the gradients.
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

/// A window model's buffers for one batch size N.
final class WindowWorkspace {
    let batch: Int
    /// The embeddings, (N·rows, T·E/rows) with rows = `WindowLayout.embeddedRows`.
    var embedded: Matrix
    var layers: [WindowLayerBuffers]
    var logits: Matrix, probabilities: Matrix, dLogits: Matrix
    /// The gradient of the last hidden layer's output, (N, H).
    var dTop: Matrix

    init<Config>(_ model: WindowModel<Config>, batch: Int, training: Bool) {
        self.batch = batch
        let layout = model.layout, h = model.config.hidden, v = model.vocabularySize
        let rows = layout.embeddedRows
        embedded = Matrix(rows: batch * rows, cols: model.config.blockSize * model.config.embed / rows)
        layers = layout.layers.map {
            WindowLayerBuffers(rows: batch * $0.rows, inputs: $0.inputs, features: h, training: training)
        }
        logits = Matrix(rows: batch, cols: v)
        probabilities = Matrix(rows: training ? batch : 0, cols: v)
        dLogits = probabilities
        dTop = Matrix(rows: training ? batch : 0, cols: h)
    }
}

// MARK: - The options the window families share

/// The options every window family reads, each declared once here with the family's default
/// (from `Config()`), and the reading and checking of them.
struct WindowOptions<Config: WindowConfiguration>: Sendable {
    let blockSize: Option<Int>
    let embed: Option<Int>
    let hidden: Option<Int>
    let activation: Option<Activation>
    let dropout: Option<Double>

    /// `blockSizes` is the family's range of --block-size.
    init(blockSizes: ClosedRange<Int>) {
        let d = Config()
        blockSize = Option<Int>(["--block-size"], help: "characters of context.", range: blockSizes, default: d.blockSize)
        embed = Option<Int>(["--embed"], help: "embedding size per character.", range: 1...1024, default: d.embed)
        hidden = Option<Int>(["--hidden"], help: "units per hidden layer.", range: 1...8192, default: d.hidden)
        activation = Option<Activation>(["--activation"], value: "name", help: "hidden activation.", default: d.activation)
        dropout = Option<Double>(["--dropout"], value: "p", help: "dropout probability after each activation.",
                                 range: 0...0.99, default: Double(d.dropout))
    }

    /// The family's option list: these, with the family's own after --hidden and after --activation.
    func list(afterHidden: [AnyOption] = [], afterActivation: [AnyOption] = []) -> [AnyOption] {
        [AnyOption(blockSize), AnyOption(embed), AnyOption(hidden)] + afterHidden + [AnyOption(activation)]
            + afterActivation + [AnyOption(dropout)]
    }

    /// The configuration from the command line, read in the order of `list`: `readOwn` reads the
    /// family's own options after --hidden, so that the first bad value given is the one reported.
    func configuration(from a: ParsedArguments, readOwn: (inout Config) throws -> Void = { _ in }) throws -> Config {
        var c = Config()
        c.blockSize = try a.value(blockSize)
        c.embed = try a.value(embed)
        c.hidden = try a.value(hidden)
        try readOwn(&c)
        c.activation = try a.value(activation)
        c.dropout = Float(try a.value(dropout))
        return c
    }

    /// The first value of `c` outside its option's range, as "'key' why", with the family's own
    /// checks (checkpoint key, problem) after hidden; nil when all are acceptable.
    func problem(with c: Config, own: [(String, String?)] = []) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", blockSize.problem(with: "\(c.blockSize)")), ("embed", embed.problem(with: "\(c.embed)")),
            ("hidden", hidden.problem(with: "\(c.hidden)")),
        ] + own + [("dropout", dropout.problem(with: "\(c.dropout)"))]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }
}
