#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The bigram model: a (V × V) table of how often each token follows each other token,
/// counted on the train split, plus add-k smoothing.
///
///   P(next | prev) = (counts[prev, next] + k) / Σ_j (counts[prev, j] + k)
///
/// A model of labelled names keeps one table per category, counted on that category's names
/// and smoothed on its own; row r of a call reads the table of its category (`condition(on:)`).
///
/// Checkpoint tensors: `counts` F32 (V, V), row = previous token, column = next token,
/// token 0 = start/stop; (K, V, V), category first, for K categories. Hyperparameter
/// `smoothing` = k.
package final class BigramModel: LanguageModel {
    package let blockSize = 1
    package let vocabularySize: Int
    package let smoothing: Float
    /// K, the categories it has a table for; 0 for plain names (one table).
    package let categoryCount: Int
    /// counts[prev, next], raw (unsmoothed); (K·V, V) for K categories, table c at rows c·V ..< (c + 1)·V.
    package private(set) var counts: Matrix
    /// log P(next | prev), derived from counts and smoothing, laid out as `counts`.
    private var logProbabilities: Matrix
    /// The category of each row of the calls that follow (labelled models).
    private var categories: [Int32] = []

    package init(vocabularySize: Int, smoothing: Float, categories: Int = 0) {
        precondition(vocabularySize >= 1 && smoothing >= 0 && smoothing.isFinite && categories >= 0)
        self.vocabularySize = vocabularySize
        self.smoothing = smoothing
        categoryCount = categories
        let rows = max(categories, 1) * vocabularySize
        self.counts = Matrix(rows: rows, cols: vocabularySize)
        self.logProbabilities = Matrix(rows: rows, cols: vocabularySize)
        updateProbabilities()
    }

    /// Counts every (previous, next) pair of `stream`, which must have block size 1, in one
    /// pass over its tokens; a labelled model counts each name's pairs into its category's
    /// table, and needs a labelled stream. Counts are integers until the end, so they are exact
    /// below 2^24.
    package func fit(_ stream: TokenStream) {
        let pairs = categoryCount > 0
            ? stream.bigramCounts(vocabularySize: vocabularySize, categories: categoryCount)
            : stream.bigramCounts(vocabularySize: vocabularySize)
        for i in 0..<pairs.count { counts.data[i] += Float(pairs[i]) }
        updateProbabilities()
    }

    /// The saved counts, checked: (V, V), or (K, V, V) for a checkpoint of K categories.
    package convenience init(smoothing: Float, checkpoint: Checkpoint) throws {
        let v = checkpoint.vocabulary.size, k = checkpoint.categories.count
        self.init(vocabularySize: v, smoothing: smoothing, categories: k)
        let values = try checkpoint.floats("counts", shape: k > 0 ? [k, v, v] : [v, v])
        guard values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw NameGenError(.checkpoint, "The bigram counts in the checkpoint are negative or not finite.",
                               hint: "The file may be damaged; retrain with 'namegen train --model bigram'.")
        }
        counts = Matrix(rows: counts.rows, cols: v, data: values)
        updateProbabilities()
    }

    private func updateProbabilities() {
        let v = vocabularySize
        for r in 0..<counts.rows {
            var total: Double = 0
            for c in 0..<v { total += Double(counts[r, c] + smoothing) }
            for c in 0..<v {
                // A row with no counts and no smoothing has no distribution: make it uniform.
                let p = total > 0 ? Double(counts[r, c] + smoothing) / total : 1.0 / Double(v)
                logProbabilities[r, c] = Float(LibC.log(p))
            }
        }
    }

    package func namedTensors() -> [String: Tensor] {
        let v = vocabularySize
        return ["counts": Tensor(shape: categoryCount > 0 ? [categoryCount, v, v] : [v, v], floats: counts.data)]
    }

    package func condition(on categories: [Int32]) {
        guard categoryCount > 0 else { return }
        precondition(categories.allSatisfy { $0 >= 0 && Int($0) < categoryCount }, "category out of the table")
        self.categories = categories
    }

    /// The counts summed over the categories (V, V): the table of all names.
    package var totalCounts: Matrix {
        let v = vocabularySize
        var total = Matrix(rows: v, cols: v)
        for i in 0..<counts.count { total.data[i % (v * v)] += counts.data[i] }
        return total
    }

    /// contexts (count, 1) → logits (count, V) = log P(· | context), from row r's category's
    /// table for a labelled model.
    package func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        let v = vocabularySize
        precondition(categoryCount == 0 || categories.count >= count, "categories not set for every row")
        for i in 0..<count {
            let table = categoryCount > 0 ? Int(categories[i]) * v : 0
            let prev = table + Int(contexts[i])
            for c in 0..<v { logits.data[i * v + c] = logProbabilities.data[prev * v + c] }
        }
    }
}

// MARK: - The registry's view

/// The bigram's one hyperparameter.
package struct BigramConfig: ModelConfiguration {
    /// k of add-k smoothing.
    package var smoothing: Double = 1
}

extension BigramModel: ModelFamily {
    package static let name = "bigram"

    static let smoothingOption = Option<Double>(["--smoothing"], value: "k", help: "add-k smoothing of the counts.",
                                                range: 0...1e9, default: BigramConfig().smoothing)

    package static var options: [AnyOption] { [AnyOption(smoothingOption)] }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> BigramConfig {
        BigramConfig(smoothing: try a.value(smoothingOption))
    }

    package static func problem(with c: BigramConfig) -> String? {
        smoothingOption.problem(with: "\(c.smoothing)").map { "'smoothing' \($0)" }
    }

    /// Counted in one pass over the train split: no optimizer.
    package static var recipe: TrainingRecipe? { nil }

    package static func build(_ config: BigramConfig, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel {
        let model = BigramModel(vocabularySize: dataset.vocabulary.size, smoothing: Float(config.smoothing),
                                categories: dataset.categoryCount)
        model.fit(dataset.stream(.train, blockSize: 1))
        return model
    }

    package static func load(_ config: BigramConfig, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel {
        try BigramModel(smoothing: Float(config.smoothing), checkpoint: checkpoint)
    }

    /// The (V, V) counts and log-probabilities (one table per category for labelled names, which
    /// the estimate leaves out); the windows the count reads are the data's.
    package static func memoryEstimate(_ config: BigramConfig, batchSize: Int, data: DataFacts) -> Double {
        Double(data.vocabularySize * data.vocabularySize) * 2 * 4
    }

    package static func memoryDrivers(_ config: BigramConfig, batchSize: Int, data: DataFacts) -> String {
        "vocabulary \(data.vocabularySize)"
    }

    package static var figures: [(file: String, shows: String)] {
        [("counts.svg", "the count matrix as a heat map (summed over the categories of labelled names)")]
    }

    package static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] {
        guard let bigram = model as? BigramModel else { return [] }
        return [("counts.svg", Charts.heatMap(bigram.totalCounts, labels: labels, title: "bigram counts (row: previous, column: next)"))]
    }
}
