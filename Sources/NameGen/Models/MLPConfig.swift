/// Hyperparameters of the `mlp` model (Bengio et al. 2003, with BatchNorm):
/// Embedding(V, embed) → flatten blockSize·embed → [Linear → BatchNorm → activation → Dropout] × layers
/// → Linear(hidden, V) with its weight scaled by `outputScale` at initialisation.
/// The defaults are the deep BatchNorm recipe of the makemore notes: 224,097 parameters at V = 27.
public struct MLPConfig: Equatable, Sendable {
    public enum Activation: String, CaseIterable, Sendable { case tanh, relu }

    public var blockSize = 8
    public var embed = 10
    public var hidden = 200
    public var layers = 6
    public var activation = Activation.tanh
    /// With BatchNorm the hidden Linear layers have no bias (BatchNorm's shift replaces it).
    public var batchNorm = true
    public var dropout: Float = 0
    public var outputScale: Float = 0.1

    public init() {}
}

/// How a neural model is optimised.
public struct TrainingOptions: Equatable, Sendable {
    public enum Optimizer: String, CaseIterable, Sendable { case sgd, adamw }

    public var optimizer = Optimizer.sgd
    /// Peak learning rate; nil means the optimizer's default (sgd 0.1, adamw 0.002, onehot 50).
    public var learningRate: Double?
    public var weightDecay: Double = 0
    /// AdamW only: linear warm-up steps before the cosine decay.
    public var warmupSteps = 0
    public var batchSize = 32
    public var steps = 50_000
    public var seed: UInt64 = 42
    /// Evaluate on val every N steps (0: only at the end). The best checkpoint by val loss is kept.
    public var evalEvery = 0
    /// A plain log line every N steps when stderr is not a terminal.
    public var logEvery = 1000
    /// CSV log of step, train loss, val loss and lr; nil for none.
    public var logPath: String?
    public var threads = 1

    public init() {}
}
