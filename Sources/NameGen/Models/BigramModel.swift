import Foundation

/// The bigram model: a (V × V) table of how often each token follows each other token,
/// counted on the train split, plus add-k smoothing.
///
///   P(next | prev) = (counts[prev, next] + k) / Σ_j (counts[prev, j] + k)
///
/// Checkpoint tensors: `counts` F32 (V, V), row = previous token, column = next token,
/// token 0 = start/stop. Hyperparameter `smoothing` = k.
public final class BigramModel: LanguageModel {
    public let blockSize = 1
    public let vocabularySize: Int
    public let smoothing: Float
    /// counts[prev, next], raw (unsmoothed).
    public private(set) var counts: Matrix
    /// log P(next | prev), derived from counts and smoothing.
    private var logProbabilities: Matrix

    public init(vocabularySize: Int, smoothing: Float) {
        precondition(vocabularySize >= 1 && smoothing >= 0 && smoothing.isFinite)
        self.vocabularySize = vocabularySize
        self.smoothing = smoothing
        self.counts = Matrix(rows: vocabularySize, cols: vocabularySize)
        self.logProbabilities = Matrix(rows: vocabularySize, cols: vocabularySize)
        updateProbabilities()
    }

    /// Counts every (previous, next) pair of `stream`, which must have block size 1, in one
    /// pass over its tokens. Counts are integers until the end, so they are exact below 2^24.
    public func fit(_ stream: TokenStream) {
        let pairs = stream.bigramCounts(vocabularySize: vocabularySize)
        for i in 0..<pairs.count { counts.data[i] += Float(pairs[i]) }
        updateProbabilities()
    }

    /// The saved counts, checked.
    public convenience init(smoothing: Float, checkpoint: Checkpoint) throws {
        let v = checkpoint.vocabulary.size
        self.init(vocabularySize: v, smoothing: smoothing)
        let values = try checkpoint.floats("counts", shape: [v, v])
        guard values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw NameGenError(.checkpoint, "The bigram counts in the checkpoint are negative or not finite.",
                               hint: "The file may be damaged; retrain with 'namegen train --model bigram'.")
        }
        counts = Matrix(rows: v, cols: v, data: values)
        updateProbabilities()
    }

    private func updateProbabilities() {
        let v = vocabularySize
        for r in 0..<v {
            var total: Double = 0
            for c in 0..<v { total += Double(counts[r, c] + smoothing) }
            for c in 0..<v {
                // A row with no counts and no smoothing has no distribution: make it uniform.
                let p = total > 0 ? Double(counts[r, c] + smoothing) / total : 1.0 / Double(v)
                logProbabilities[r, c] = Float(Foundation.log(p))
            }
        }
    }

    public func namedTensors() -> [String: Tensor] {
        ["counts": Tensor(shape: [vocabularySize, vocabularySize], floats: counts.data)]
    }

    /// contexts (count, 1) → logits (count, V) = log P(· | context).
    public func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        let v = vocabularySize
        for i in 0..<count {
            let prev = Int(contexts[i])
            for c in 0..<v { logits.data[i * v + c] = logProbabilities.data[prev * v + c] }
        }
    }
}

// MARK: - The registry's view

/// The bigram's one hyperparameter.
public struct BigramConfig: ModelConfiguration {
    /// k of add-k smoothing.
    public var smoothing: Double = 1
}

extension BigramModel: ModelFamily {
    public static let name = "bigram"

    static let smoothingOption = Option<Double>(["--smoothing"], value: "k", help: "add-k smoothing of the counts.",
                                                range: 0...1e9, default: BigramConfig().smoothing)

    public static var options: [AnyOption] { [AnyOption(smoothingOption)] }

    public static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> BigramConfig {
        BigramConfig(smoothing: try a.value(smoothingOption))
    }

    public static func problem(with c: BigramConfig) -> String? {
        smoothingOption.problem(with: "\(c.smoothing)").map { "'smoothing' \($0)" }
    }

    /// Counted in one pass over the train split: no optimizer.
    public static var recipe: TrainingRecipe? { nil }

    public static func build(_ config: BigramConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        let model = BigramModel(vocabularySize: dataset.vocabulary.size, smoothing: Float(config.smoothing))
        model.fit(dataset.stream(.train, blockSize: 1))
        return model
    }

    public static func load(_ config: BigramConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try BigramModel(smoothing: Float(config.smoothing), checkpoint: checkpoint)
    }

    /// The (V, V) counts and log-probabilities; the windows the count reads are the data's.
    public static func memoryEstimate(_ config: BigramConfig, batchSize: Int, data: DataFacts) -> Double {
        Double(data.vocabularySize * data.vocabularySize) * 2 * 4
    }

    public static func memoryDrivers(_ config: BigramConfig, batchSize: Int, data: DataFacts) -> String {
        "vocabulary \(data.vocabularySize)"
    }

    public static var figures: [(file: String, shows: String)] { [("counts.svg", "the count matrix as a heat map")] }

    public static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let bigram = model as? BigramModel else { return [] }
        return [("counts.svg", Charts.heatMap(bigram.counts, labels: labels, title: "bigram counts (row: previous, column: next)"))]
    }
}
