#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A name's score under a model (`NameGenerator.score`): its total log-probability (natural
/// log, the end of the name included), or why it could not be scored.
public struct NameScore: Sendable {
    /// The name, as given.
    public var name: String
    /// log p(name), or log p(name | category) when a category was chosen; nil on error.
    public var logProbability: Double?
    /// Characters of the name; the per-character figures divide by this + 1 (the end token).
    public var characters: Int
    /// Why the name has no score (a character outside the vocabulary, too long for the model).
    public var error: String?

    /// −log p / (characters + 1): nats per character, as `namegen eval` reports them.
    public var nllPerCharacter: Double? { logProbability.map { -$0 / Double(characters + 1) } }
    /// exp(nllPerCharacter): how many characters the model hesitates between, on average.
    public var perplexity: Double? { nllPerCharacter.map { exp($0) } }
}

/// A name's categories by posterior probability (`NameGenerator.classify`), best first, or why
/// it could not be classified.
public struct NameClassification: Sendable {
    /// The name, as given.
    public var name: String
    /// Every category with p(category | name), best first (ties by category order); empty on error.
    public var categories: [(category: String, probability: Double)]
    /// Why the name has no classification (a character outside the vocabulary, too long).
    public var error: String?
}

/// Scoring and classifying names with one trained model, on every thread: the model loaded
/// once per thread, the names encoded with its vocabulary, the scores from `NameScorer`.
package final class ScoringSession {
    package let checkpoint: Checkpoint
    let scorer: NameScorer
    /// p(c) of a labelled model's categories (their training frequencies); empty otherwise.
    package let prior: [Double]

    /// Loads `threads` copies of the model in `checkpoint`.
    package convenience init(checkpoint: Checkpoint, threads: Int) throws {
        try self.init(checkpoint: checkpoint, first: try ModelRegistry.load(checkpoint).model, threads: threads)
    }

    /// Uses `first`, the model already loaded from `checkpoint`, and loads threads − 1 more copies.
    package init(checkpoint: Checkpoint, first: LanguageModel, threads: Int) throws {
        self.checkpoint = checkpoint
        scorer = try NameScorer(setup: try checkpoint.setup(), first: first, checkpoint: checkpoint, threads: threads)
        prior = checkpoint.categories.prior
    }

    package var isLabelled: Bool { !checkpoint.categories.isEmpty }

    /// Each name's tokens, or why it cannot be scored.
    func encode(_ names: [String]) -> [Result<[Int32], NameProblem>] {
        let vocabulary = checkpoint.vocabulary
        return names.map { name in
            guard let tokens = vocabulary.encode(name) else {
                let bad = name.first { vocabulary.token($0) == nil }.map { String($0) } ?? "?"
                return .failure(NameProblem(why: "the character '\(bad)' is not in the model's vocabulary"))
            }
            guard !tokens.isEmpty else { return .failure(NameProblem(why: "the name is empty")) }
            if let longest = scorer.longestName, tokens.count > longest {
                return .failure(NameProblem(why: "it has \(tokens.count) characters; the model reads names of up to \(longest)"))
            }
            return .success(tokens)
        }
    }

    struct NameProblem: Error { var why: String }

    /// log p(name | c) for every category (one column for a model of plain names), for the
    /// names that encode; rows in the order of `encoded`'s successes.
    private func likelihoods(_ encoded: [Result<[Int32], NameProblem>], categories: [Int32]) -> [Double] {
        let tokens = encoded.compactMap { try? $0.get() }
        return scorer.logProbabilities(names: tokens, categories: categories)
    }

    /// Scores under `category`, or for a labelled model without one under the mixture
    /// p(name) = Σ_c p(c) p(name | c).
    package func score(_ names: [String], category: Int? = nil) -> [NameScore] {
        let encoded = encode(names)
        let columns: [Int32] = !isLabelled ? [0] : category.map { [Int32($0)] } ?? (0..<prior.count).map(Int32.init)
        let values = likelihoods(encoded, categories: columns)
        let k = columns.count
        var row = 0
        return zip(names, encoded).map { name, result in
            switch result {
            case .failure(let problem):
                return NameScore(name: name, logProbability: nil, characters: name.count, error: problem.why)
            case .success(let tokens):
                defer { row += 1 }
                let slice = values[(row * k)..<((row + 1) * k)]
                let logp = k == 1 ? slice.first! : CategoryPosterior.mixture(slice, prior: prior)
                return NameScore(name: name, logProbability: logp, characters: tokens.count, error: nil)
            }
        }
    }

    /// Every category of each name by posterior probability, best first (ties by index).
    package func classify(_ names: [String]) -> [NameClassification] {
        precondition(isLabelled)
        let encoded = encode(names)
        let k = prior.count
        let values = likelihoods(encoded, categories: (0..<k).map(Int32.init))
        var row = 0
        return zip(names, encoded).map { name, result in
            switch result {
            case .failure(let problem):
                return NameClassification(name: name, categories: [], error: problem.why)
            case .success:
                defer { row += 1 }
                let posterior = CategoryPosterior.posterior(values[(row * k)..<((row + 1) * k)], prior: prior)
                let ranked = posterior.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                let categories = checkpoint.categories
                return NameClassification(name: name, categories: ranked.map { (categories[$0.offset].name, $0.element) },
                                          error: nil)
            }
        }
    }
}

/// The loss and the classification accuracy of a labelled model on the splits of its data:
/// each name scored under every category once, which gives both its NLL under its own
/// category and its most probable category by Bayes' rule.
package struct ClassificationReport: Sendable {
    package struct Row: Sendable {
        package var split: SplitName
        package var names: Int
        /// Names whose most probable category is their own.
        package var correct: Int
        /// Σ −log p(name | its category), and the targets (characters + ends) it covers.
        package var negativeLogLikelihood: Double
        package var targets: Int
        /// confusion[true][predicted]: names of each category by the category predicted.
        package var confusion: [[Int]]

        package var accuracy: Double? { names > 0 ? Double(correct) / Double(names) : nil }
        package var loss: SplitLoss? {
            targets > 0 ? SplitLoss(mean: negativeLogLikelihood / Double(targets), examples: names, total: names, standardError: nil) : nil
        }
    }
    package var rows: [Row]

    /// Scores every name of `splits` under every category with `scorer`, in batches of
    /// `batchSize` names. nil when `stop` says yes between batches.
    package static func evaluate(_ scorer: NameScorer, dataset: Dataset, prior: [Double], splits: [SplitName],
                                batchSize: Int = 8192, progress: (Int, Int) -> Void = { _, _ in },
                                stop: () -> Bool = { false }) -> ClassificationReport? {
        let k = prior.count
        precondition(k > 0 && dataset.categoryCount == k)
        let everyCategory = (0..<k).map(Int32.init)
        let total = splits.reduce(0) { $0 + dataset.count($1) }
        var done = 0
        var rows: [Row] = []
        for split in splits {
            var row = Row(split: split, names: dataset.count(split), correct: 0, negativeLogLikelihood: 0, targets: 0,
                          confusion: [[Int]](repeating: [Int](repeating: 0, count: k), count: k))
            let indices = dataset.indices(split)
            var start = indices.startIndex
            while start < indices.endIndex {
                if stop() { return nil }
                let end = min(indices.endIndex, start + batchSize)
                let batch = indices[start..<end].map { Int($0) }
                let values = scorer.logProbabilities(names: batch.map { dataset.names.tokens(of: $0) }, categories: everyCategory)
                for (n, i) in batch.enumerated() {
                    let truth = Int(dataset.category(ofName: i))
                    let slice = values[(n * k)..<((n + 1) * k)]
                    row.negativeLogLikelihood -= slice[slice.startIndex + truth]
                    row.targets += dataset.names.length(i) + 1
                    let best = CategoryPosterior.mostProbable(slice, prior: prior)
                    row.confusion[truth][best] += 1
                    if best == truth { row.correct += 1 }
                }
                done += batch.count
                progress(done, total)
                start = end
            }
            rows.append(row)
        }
        return ClassificationReport(rows: rows)
    }
}
