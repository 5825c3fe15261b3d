/// The `onehot` model: one linear layer on the one-hot encoding of the previous character,
/// trained by gradient descent (the makemore notes' neural bigram).
///
///   x = onehot(previous token) (N, V),  logits (N, V) = x · W,  W (V, V) row = previous token
///
/// The product runs on the shared matmul core. W is initialised N(0, 1), and exp(W) row by row
/// is proportional to the bigram probabilities the model learns, the same layout as the bigram
/// model's `counts`. Checkpoint tensor: `weight` F32 (V, V).
public final class OneHotModel: TrainableModel {
    public let blockSize = 1
    public let vocabularySize: Int
    public let weight: Parameter
    public var parameters: [Parameter] { [weight] }
    public var usesFullBatch: Bool { true }

    public init(vocabularySize: Int, rng: inout RandomGenerator) {
        self.vocabularySize = vocabularySize
        var w = Matrix(rows: vocabularySize, cols: vocabularySize)
        for i in 0..<w.count { w.data[i] = rng.nextNormal() }
        weight = Parameter(name: "weight", value: w)
    }

    public convenience init(checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(vocabularySize: checkpoint.vocabulary.size, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    public func load(from checkpoint: Checkpoint, prefix: String) throws {
        weight.value.data = try checkpoint.floats(prefix + weight.name, shape: weight.shape)
    }

    public func namedTensors() -> [String: Tensor] {
        [weight.name: Tensor(shape: weight.shape, floats: weight.value.data)]
    }

    // MARK: Training: x (N, V) one-hot, logits = x · W, dW += xᵀ · dLogits

    private var oneHot = Matrix(rows: 0, cols: 0)
    private var logitBuffer = Matrix(rows: 0, cols: 0)
    private var probabilities = Matrix(rows: 0, cols: 0)
    private var dLogits = Matrix(rows: 0, cols: 0)

    public func prepareTraining(batchSize: Int) {
        guard oneHot.rows != batchSize else { return }
        oneHot = Matrix(rows: batchSize, cols: vocabularySize)
        logitBuffer = oneHot
        probabilities = oneHot
        dLogits = oneHot
    }

    /// Writes the one-hot rows of `contexts` into `x` (N, V).
    private func encode(_ contexts: [Int32], count: Int, into x: inout Matrix) {
        x.zero()
        for i in 0..<count { x.data[i * vocabularySize + Int(contexts[i])] = 1 }
    }

    public func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        encode(contexts, count: oneHot.rows, into: &oneHot)
        Matmul.nn(&logitBuffer, oneHot, weight.value)
        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &probabilities,
                                                logits: logitBuffer, targets: targets)
        Matmul.tn(&weight.grad, oneHot, dLogits, accumulate: true)
        return loss
    }

    public func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        var x = Matrix(rows: count, cols: vocabularySize)
        encode(contexts, count: count, into: &x)
        var out = Matrix(rows: count, cols: vocabularySize)
        Matmul.nn(&out, x, weight.value)
        for i in 0..<out.count { logits.data[i] = out.data[i] }
    }
}

// MARK: - The registry's view

/// The onehot model has no hyperparameters: its size is the vocabulary's.
public struct OneHotConfig: ModelConfiguration {}

extension OneHotModel: ModelFamily {
    public static let name = "onehot"
    public static var options: [AnyOption] { [] }

    public static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> OneHotConfig { OneHotConfig() }

    /// The makemore notes' recipe: full batch, SGD at a constant 50 for 200 steps.
    public static var recipe: TrainingRecipe? {
        var r = TrainingRecipe(steps: 200, learningRate: [.sgd: 50, .adamw: 0.1])
        r.sgdSchedule = .constant
        r.fullBatch = true
        r.weightDecayNote = "L2 on W"
        return r
    }

    public static func build(_ config: OneHotConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        OneHotModel(vocabularySize: dataset.vocabulary.size, rng: &rng)
    }

    public static func load(_ config: OneHotConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try OneHotModel(checkpoint: checkpoint, prefix: prefix)
    }

    /// Full batch: the one-hot inputs, logits, probabilities and their gradient, four
    /// (examples, V) matrices; W with its gradient and two AdamW moments.
    public static func memoryEstimate(_ config: OneHotConfig, batchSize: Int, data: DataFacts) -> Double {
        let v = Double(data.vocabularySize)
        return Double(data.trainExamples) * v * 4 * 4 + v * v * 4 * 4
    }

    public static func memoryDrivers(_ config: OneHotConfig, batchSize: Int, data: DataFacts) -> String {
        "the onehot model trains on all \(data.trainExamples) training examples at once, with \(data.vocabularySize) tokens"
    }
}
