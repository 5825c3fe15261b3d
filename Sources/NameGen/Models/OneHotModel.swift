/// The `onehot` model: one linear layer on the one-hot encoding of the previous character,
/// trained by gradient descent (the makemore notes' neural bigram).
///
///   x = onehot(previous token) (N, V),  logits (N, V) = x · W,  W (V, V) row = previous token
///
/// The product runs on the shared matmul core. W is initialised N(0, 1), and exp(W) row by row
/// is proportional to the bigram probabilities the model learns, the same layout as the bigram
/// model's `counts`. A model of labelled names has one such table per category, as the labelled
/// bigram has one count table per category: the one-hot is over (category, previous token),
/// W (K·V, V) with row c·V + previous, and a row is read (and its gradient added) directly
/// rather than through a product with a one-hot matrix of K·V columns.
///
/// Checkpoint tensor: `weight` F32 (V, V), or (K·V, V) for labelled names.
package final class OneHotModel: TrainableModel {
    package let blockSize = 1
    package let vocabularySize: Int
    package let weight: Parameter
    /// K, the categories of labelled names (0 for plain names).
    package let categoryCount: Int
    package var parameters: [Parameter] { [weight] }
    package var usesFullBatch: Bool { true }
    /// The category of each row of the next calls (labelled names).
    private var categories: [Int32] = []
    /// Each row's table row, c·V + previous token (labelled names).
    private var rows: [Int32] = []

    /// W drawn from `rng`, row by row; with `categories` > 0 one (V, V) table per category.
    package init(vocabularySize: Int, categories: Int = 0, rng: inout RandomGenerator) {
        self.vocabularySize = vocabularySize
        categoryCount = categories
        var w = Matrix(rows: vocabularySize * max(1, categories), cols: vocabularySize)
        for i in 0..<w.count { w.data[i] = rng.nextNormal() }
        weight = Parameter(name: "weight", value: w)
    }

    package convenience init(checkpoint: Checkpoint, prefix: String = "") throws {
        var rng = RandomGenerator(seed: 0)
        self.init(vocabularySize: checkpoint.vocabulary.size, categories: checkpoint.categories.count, rng: &rng)
        try load(from: checkpoint, prefix: prefix)
    }

    package func condition(on categories: [Int32]) {
        guard categoryCount > 0 else { return }
        precondition(categories.allSatisfy { $0 >= 0 && Int($0) < categoryCount }, "category out of range")
        if self.categories.count < categories.count { self.categories = [Int32](repeating: 0, count: categories.count) }
        for i in categories.indices { self.categories[i] = categories[i] }
    }

    package func load(from checkpoint: Checkpoint, prefix: String) throws {
        weight.value.data = try checkpoint.floats(prefix + weight.name, shape: weight.shape)
    }

    package func namedTensors() -> [String: Tensor] {
        [weight.name: Tensor(shape: weight.shape, floats: weight.value.data)]
    }

    // MARK: Training: x (N, V) one-hot, logits = x · W, dW += xᵀ · dLogits

    private var oneHot = Matrix(rows: 0, cols: 0)
    private var logitBuffer = Matrix(rows: 0, cols: 0)
    private var probabilities = Matrix(rows: 0, cols: 0)
    private var dLogits = Matrix(rows: 0, cols: 0)

    package func prepareTraining(batchSize: Int) {
        guard logitBuffer.rows != batchSize else { return }
        oneHot = Matrix(rows: categoryCount > 0 ? 0 : batchSize, cols: vocabularySize)
        logitBuffer = Matrix(rows: batchSize, cols: vocabularySize)
        probabilities = logitBuffer
        dLogits = logitBuffer
        rows = [Int32](repeating: 0, count: categoryCount > 0 ? batchSize : 0)
    }

    /// Writes the one-hot rows of `contexts` into `x` (N, V).
    private func encode(_ contexts: [Int32], count: Int, into x: inout Matrix) {
        x.zero()
        for i in 0..<count { x.data[i * vocabularySize + Int(contexts[i])] = 1 }
    }

    /// Each row's table row for labelled names: category · V + previous token.
    private func tableRows(_ contexts: [Int32], count: Int, into rows: inout [Int32]) {
        precondition(categories.count >= count, "categories not set for every row")
        for i in 0..<count { rows[i] = categories[i] * Int32(vocabularySize) + contexts[i] }
    }

    package func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        let n = logitBuffer.rows, v = vocabularySize
        if categoryCount > 0 {
            tableRows(contexts, count: n, into: &rows)
            VectorMath.embeddingGather(&logitBuffer.data, table: weight.value.data, tokens: rows, count: n, width: v)
        } else {
            encode(contexts, count: n, into: &oneHot)
            Matmul.nn(&logitBuffer, oneHot, weight.value)
        }
        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &probabilities,
                                                logits: logitBuffer, targets: targets)
        if categoryCount > 0 {
            VectorMath.embeddingScatter(&weight.grad.data, dOut: dLogits.data, tokens: rows, count: n, width: v)
        } else {
            Matmul.tn(&weight.grad, oneHot, dLogits, accumulate: true)
        }
        return loss
    }

    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        if categoryCount > 0 {
            var indices = [Int32](repeating: 0, count: count)
            tableRows(contexts, count: count, into: &indices)
            VectorMath.embeddingGather(&logits.data, table: weight.value.data, tokens: indices, count: count, width: vocabularySize)
            return
        }
        var x = Matrix(rows: count, cols: vocabularySize)
        encode(contexts, count: count, into: &x)
        var out = Matrix(rows: count, cols: vocabularySize)
        Matmul.nn(&out, x, weight.value)
        for i in 0..<out.count { logits.data[i] = out.data[i] }
    }
}

// MARK: - The registry's view

/// The onehot model has no hyperparameters: its size is the vocabulary's.
package struct OneHotConfig: ModelConfiguration {}

extension OneHotModel: ModelFamily {
    package static let name = "onehot"
    package static var options: [AnyOption] { [] }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> OneHotConfig { OneHotConfig() }

    /// The makemore notes' recipe: full batch, SGD at a constant 50 for 200 steps.
    package static var recipe: TrainingRecipe? {
        var r = TrainingRecipe(steps: 200, learningRate: [.sgd: 50, .adamw: 0.1])
        r.sgdSchedule = .constant
        r.fullBatch = true
        r.weightDecayNote = "L2 on W"
        return r
    }

    package static func build(_ config: OneHotConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        OneHotModel(vocabularySize: dataset.vocabulary.size, categories: dataset.categoryCount, rng: &rng)
    }

    package static func load(_ config: OneHotConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try OneHotModel(checkpoint: checkpoint, prefix: prefix)
    }

    /// Full batch: the one-hot inputs, logits, probabilities and their gradient, four
    /// (examples, V) matrices; W with its gradient and two AdamW moments.
    package static func memoryEstimate(_ config: OneHotConfig, batchSize: Int, data: DataFacts) -> Double {
        let v = Double(data.vocabularySize)
        return Double(data.trainExamples) * v * 4 * 4 + v * v * 4 * 4
    }

    package static func memoryDrivers(_ config: OneHotConfig, batchSize: Int, data: DataFacts) -> String {
        "the onehot model trains on all \(data.trainExamples) training examples at once, with \(data.vocabularySize) tokens"
    }
}
