/// Hyperparameters of the `mlp` model (Bengio et al. 2003, with BatchNorm):
/// Embedding(V, embed) → flatten blockSize·embed → [Linear → BatchNorm → activation → Dropout] × layers
/// → Linear(hidden, V) with its weight scaled by `outputScale` at initialisation.
/// The defaults are the deep BatchNorm recipe of the makemore notes: 224,097 parameters at V = 27.
public struct MLPConfig: ModelConfiguration {
    public var blockSize = 8
    public var embed = 10
    public var hidden = 200
    public var layers = 6
    public var activation = Activation.tanh
    /// With BatchNorm the hidden Linear layers have no bias (BatchNorm's shift replaces it).
    public var batchNorm = true
    public var dropout: Float = 0
    /// Initialisation only, so not saved: a loaded model takes its weights from the file.
    public var outputScale: Float = 0.1

    public init() {}

    /// The checkpoint's keys (format 1 wrote the same names, as strings).
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden, layers, activation, batchNorm = "batchnorm", dropout
    }
}

/// The `mlp` model, Bengio et al. 2003 with BatchNorm (the deep recipe of the makemore notes):
///
///   tokens (N, T) → Embedding (V, E) → x (N, T·E)
///   → [Linear (H, in) → BatchNorm (H) → tanh|relu → Dropout] × layers → h (N, H)
///   → Linear (V, H) + bias → logits (N, V) → softmax cross-entropy
///
/// Without BatchNorm the hidden Linear layers get a bias instead. The output weight is scaled
/// by `outputScale` (0.1) at initialisation, so the first predictions are nearly uniform.
///
/// Checkpoint tensors (F32, PyTorch layout, weight = (out, in)):
///   embedding.weight (V, E) · layers.i.linear.weight (H, in) · layers.i.linear.bias (H, no BatchNorm)
///   layers.i.norm.{weight,bias,running_mean,running_var} (H) · output.weight (V, H) · output.bias (V)
public final class MLPModel: TrainableModel {
    public let config: MLPConfig
    public let vocabularySize: Int
    public let embedding: Embedding
    public let hidden: [(linear: Linear, norm: BatchNorm?)]
    public let output: Linear
    public let activation: Activation
    public let dropout: Dropout?
    public let parameters: [Parameter]

    /// A new model initialised from `rng` as PyTorch initialises its layers.
    public init(config: MLPConfig, vocabularySize: Int, rng: inout RandomGenerator) {
        precondition(config.blockSize >= 1 && config.embed >= 1 && config.hidden >= 1 && config.layers >= 1)
        self.config = config
        self.vocabularySize = vocabularySize
        embedding = Embedding(name: "embedding", vocabularySize: vocabularySize, dimensions: config.embed, rng: &rng)
        var layers: [(linear: Linear, norm: BatchNorm?)] = []
        var inputs = config.blockSize * config.embed
        for i in 0..<config.layers {
            let linear = Linear(name: "layers.\(i).linear", inputs: inputs, outputs: config.hidden,
                                bias: !config.batchNorm, rng: &rng)
            layers.append((linear, config.batchNorm ? BatchNorm(name: "layers.\(i).norm", features: config.hidden) : nil))
            inputs = config.hidden
        }
        hidden = layers
        output = Linear(name: "output", inputs: config.hidden, outputs: vocabularySize, bias: true, rng: &rng)
        for i in 0..<output.weight.count { output.weight.value.data[i] *= config.outputScale }
        activation = config.activation
        dropout = config.dropout > 0 ? Dropout(probability: config.dropout) : nil
        parameters = [embedding.table] + hidden.flatMap { $0.linear.parameters + ($0.norm?.parameters ?? []) }
            + output.parameters
    }

    public var blockSize: Int { config.blockSize }

    // MARK: Checkpoint

    /// Rebuilds a trained model from its configuration and a checkpoint, checking every tensor's shape.
    public convenience init(config: MLPConfig, checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(config: config, vocabularySize: checkpoint.vocabulary.size, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    /// Overwrites the weights and running statistics with the tensors named `prefix + name`.
    public func load(from checkpoint: Checkpoint, prefix: String = "") throws {
        try parameters.load(from: checkpoint, prefix: prefix)
        for norm in hidden.compactMap(\.norm) { try norm.loadRunningStatistics(from: checkpoint, prefix: prefix) }
    }

    public func namedTensors() -> [String: Tensor] {
        hidden.compactMap(\.norm).reduce(into: parameters.namedTensors()) { $0.merge($1.runningStatisticsTensors) { a, _ in a } }
    }

    // MARK: Forward and backward

    /// Activations and gradients of every layer for one batch size: allocated once, reused
    /// by every step (the training step allocates nothing).
    final class HiddenBuffers {
        /// Linear output, BatchNorm output, activation output, layer output after dropout (N, H)
        var pre, normed, activated, dropped: Matrix
        var mask: Matrix
        var cache: BatchNorm.Cache
        /// Gradients with respect to the layer output, the activation output, the activation
        /// input and the Linear output (N, H). Each buffer is written once per step.
        var dOut, dActivated, dNormed, dPre: Matrix

        /// Inference needs only the forward activations; training also gets the dropout
        /// buffers, the BatchNorm cache and the gradients.
        init(batch: Int, features: Int, training: Bool) {
            pre = Matrix(rows: batch, cols: features)
            (normed, activated) = (pre, pre)
            let t = training ? batch : 0
            dropped = Matrix(rows: t, cols: features)
            (mask, dOut, dActivated, dNormed, dPre) = (dropped, dropped, dropped, dropped, dropped)
            cache = BatchNorm.Cache(batch: t, features: features)
        }
    }

    final class Workspace {
        let batch: Int
        var input: Matrix, dInput: Matrix
        var layers: [HiddenBuffers]
        var logits: Matrix, probabilities: Matrix, dLogits: Matrix

        init(model: MLPModel, batch: Int, training: Bool) {
            self.batch = batch
            input = Matrix(rows: batch, cols: model.blockSize * model.config.embed)
            dInput = Matrix(rows: training ? batch : 0, cols: input.cols)
            layers = model.hidden.map { _ in HiddenBuffers(batch: batch, features: model.config.hidden, training: training) }
            logits = Matrix(rows: batch, cols: model.vocabularySize)
            probabilities = Matrix(rows: training ? batch : 0, cols: model.vocabularySize)
            dLogits = probabilities
        }
    }

    private var trainingWorkspace: Workspace?
    private var inferenceWorkspace: Workspace?

    /// Forward pass into `ws.logits`. In training mode BatchNorm uses (and updates) batch
    /// statistics and dropout draws masks from `rng`; otherwise running statistics, no dropout.
    func forward(tokens: [Int32], ws: Workspace, training: Bool, rng: inout RandomGenerator) {
        embedding.forward(out: &ws.input, tokens: tokens)
        for (i, layer) in hidden.enumerated() {
            let b = ws.layers[i]
            layer.linear.forward(out: &b.pre, input: layerInput(i, ws, training: training))
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
        output.forward(out: &ws.logits, input: layerInput(hidden.count, ws, training: training))
    }

    /// The input of hidden layer i (the output layer when i == layers): the embeddings for
    /// i = 0, else the previous layer's output, after dropout when dropout is active.
    private func layerInput(_ i: Int, _ ws: Workspace, training: Bool) -> Matrix {
        guard i > 0 else { return ws.input }
        let b = ws.layers[i - 1]
        return training && dropout != nil ? b.dropped : b.activated
    }

    /// Backward from `ws.dLogits` after a training forward pass; adds into every gradient.
    func backward(tokens: [Int32], ws: Workspace) {
        let last = hidden.count - 1
        output.backward(dInput: &ws.layers[last].dOut, dOut: ws.dLogits, input: layerInput(last + 1, ws, training: true))
        for i in stride(from: last, through: 0, by: -1) {
            let layer = hidden[i], b = ws.layers[i]
            if let dropout { dropout.backward(dx: &b.dActivated, dOut: b.dOut, mask: b.mask) }
            activation.backward(dx: &b.dNormed, dOut: dropout != nil ? b.dActivated : b.dOut, out: b.activated)
            if let norm = layer.norm { norm.backward(dx: &b.dPre, cache: &b.cache, dOut: b.dNormed) }
            let dPre = layer.norm != nil ? b.dPre : b.dNormed
            if i > 0 {
                layer.linear.backward(dInput: &ws.layers[i - 1].dOut, dOut: dPre, input: layerInput(i, ws, training: true))
            } else {
                layer.linear.backward(dInput: &ws.dInput, dOut: dPre, input: ws.input)
            }
        }
        embedding.backward(dOut: ws.dInput, tokens: tokens)
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

extension MLPModel: ModelFamily {
    public static let name = "mlp"

    static let blockSizeOption = Option<Int>(["--block-size"], help: "characters of context.", range: 1...256,
                                             default: MLPConfig().blockSize)
    static let embedOption = Option<Int>(["--embed"], help: "embedding size per character.", range: 1...1024,
                                         default: MLPConfig().embed)
    static let hiddenOption = Option<Int>(["--hidden"], help: "units per hidden layer.", range: 1...8192,
                                          default: MLPConfig().hidden)
    static let layersOption = Option<Int>(["--layers"], help: "number of hidden layers.", range: 1...64,
                                          default: MLPConfig().layers)
    static let activationOption = Option<Activation>(["--activation"], value: "name", help: "hidden activation.",
                                                     default: MLPConfig().activation)
    static let batchNormFlag = Flag(["--batchnorm"], help: "BatchNorm after each hidden Linear (the default).")
    static let noBatchNormFlag = Flag(["--no-batchnorm"], help: "no BatchNorm; the hidden Linear layers get a bias.")
    static let dropoutOption = Option<Double>(["--dropout"], value: "p", help: "dropout probability after each activation.",
                                              range: 0...0.99, default: Double(MLPConfig().dropout))

    public static var options: [AnyOption] {
        [AnyOption(blockSizeOption), AnyOption(embedOption), AnyOption(hiddenOption), AnyOption(layersOption),
         AnyOption(activationOption), AnyOption(batchNormFlag), AnyOption(noBatchNormFlag), AnyOption(dropoutOption)]
    }

    public static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> MLPConfig {
        if a.flag(batchNormFlag) && a.flag(noBatchNormFlag) {
            throw NameGenError(.usage, "'--batchnorm' and '--no-batchnorm' cannot be used together.")
        }
        var c = MLPConfig()
        c.blockSize = try a.value(blockSizeOption)
        c.embed = try a.value(embedOption)
        c.hidden = try a.value(hiddenOption)
        c.layers = try a.value(layersOption)
        c.activation = try a.value(activationOption)
        c.batchNorm = !a.flag(noBatchNormFlag)
        c.dropout = Float(try a.value(dropoutOption))
        return c
    }

    public static func problem(with c: MLPConfig) -> String? {
        let checks: [(String, String?)] = [
            ("block_size", blockSizeOption.problem(with: "\(c.blockSize)")), ("embed", embedOption.problem(with: "\(c.embed)")),
            ("hidden", hiddenOption.problem(with: "\(c.hidden)")), ("layers", layersOption.problem(with: "\(c.layers)")),
            ("dropout", dropoutOption.problem(with: "\(c.dropout)")),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    public static var recipe: TrainingRecipe? {
        TrainingRecipe(steps: 50_000, learningRate: [.sgd: 0.1, .adamw: 0.002])
    }

    public static func build(_ config: MLPConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        MLPModel(config: config, vocabularySize: dataset.vocabulary.size, rng: &rng)
    }

    public static func load(_ config: MLPConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try MLPModel(config: config, checkpoint: checkpoint, prefix: prefix)
    }

    /// Per hidden layer six (N, H) activation and gradient buffers; the input and its gradient
    /// (N, T·E); logits, probabilities and their gradient (N, V). Weight, gradient and two AdamW
    /// moments per parameter; the first layer is (H, T·E).
    public static func memoryEstimate(_ c: MLPConfig, batchSize: Int, data: DataFacts) -> Double {
        let b = Double(batchSize), h = Double(c.hidden), inputs = Double(c.blockSize * c.embed), v = Double(data.vocabularySize)
        let floats = b * h * 6 * Double(c.layers) + b * inputs * 2 + b * v * 3
        let params = (h * inputs + h * h * Double(c.layers - 1) + v * (Double(c.embed) + h + 1)) * 4
        return (floats + params) * 4
    }

    public static func memoryDrivers(_ c: MLPConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --hidden \(c.hidden), --layers \(c.layers)"
    }

    public static var figures: [(file: String, shows: String)] {
        [("embeddings.svg", "the character embeddings, first two dimensions or a PCA projection")]
    }

    /// The character embeddings, projected on their first two principal components.
    public static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let mlp = model as? MLPModel else { return [] }
        return [("embeddings.svg", Charts.embeddings(mlp.embedding.table.value, labels: labels))]
    }
}
