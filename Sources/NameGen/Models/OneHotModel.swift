/// The `onehot` model: one linear layer on the one-hot encoding of the previous character,
/// trained by gradient descent (the makemore notes' neural bigram).
///
///   x = onehot(previous token) (N, V),  logits (N, V) = x · W,  W (V, V) row = previous token
///
/// The product runs on the shared matmul core. W is initialised N(0, 1), and exp(W) row by row
/// is proportional to the bigram probabilities the model learns, the same layout as the bigram
/// model's `counts`. A model of labelled names adds its example's category row to the logits:
/// logits = x · W + category[c], category (K, V).
///
/// Checkpoint tensors: `weight` F32 (V, V) · [`category.weight` F32 (K, V), labelled names only].
public final class OneHotModel: TrainableModel {
    public let blockSize = 1
    public let vocabularySize: Int
    public let weight: Parameter
    /// The category rows added to the logits; nil for plain names.
    let category: CategoryEmbedding?
    public let parameters: [Parameter]
    public var usesFullBatch: Bool { true }

    /// W drawn from `rng`; with `categories` > 0 the model is conditioned on that many
    /// categories (`category`, zero at first and listed last).
    public init(vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        self.vocabularySize = vocabularySize
        var w = Matrix(rows: vocabularySize, cols: vocabularySize)
        for i in 0..<w.count { w.data[i] = rng.nextNormal() }
        weight = Parameter(name: "weight", value: w)
        category = CategoryEmbedding.make(categories: categories, dimensions: vocabularySize)
        parameters = [weight] + (category.map { [$0.table] } ?? [])
    }

    public convenience init(checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(vocabularySize: checkpoint.vocabulary.size, categories: checkpoint.categories.count, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    public var categoryCount: Int { category?.count ?? 0 }
    public func condition(on categories: [Int32]) { category?.set(categories) }

    public func load(from checkpoint: Checkpoint, prefix: String) throws {
        try parameters.load(from: checkpoint, prefix: prefix)
    }

    public func namedTensors() -> [String: Tensor] { parameters.namedTensors() }

    // MARK: Training: x (N, V) one-hot, logits = x · W [+ category], dW += xᵀ · dLogits

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
        category?.forward(addInto: &logitBuffer, rowsPerExample: 1)
        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &probabilities,
                                                logits: logitBuffer, targets: targets)
        Matmul.tn(&weight.grad, oneHot, dLogits, accumulate: true)
        category?.backward(dOut: dLogits, rowsPerExample: 1)
        return loss
    }

    public func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        var x = Matrix(rows: count, cols: vocabularySize)
        encode(contexts, count: count, into: &x)
        var out = Matrix(rows: count, cols: vocabularySize)
        Matmul.nn(&out, x, weight.value)
        category?.forward(addInto: &out, rowsPerExample: 1)
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
        OneHotModel(vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
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
