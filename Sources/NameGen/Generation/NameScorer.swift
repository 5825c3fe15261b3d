import Dispatch
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

/// The log-probability of whole names under a model: what `score`, `classify` and `eval` on
/// labelled data compute.
///
/// log p(name | c) = Σ over the name's characters and its end token of log p(next | before, c),
/// log-softmax in Double, each term from the same logits `eval` reads (windows for a window
/// model, whole names for a sequence model). A batch of names is cut into chunks of about
/// `Evaluation.chunkRows` examples; the chunks run at once on copies of the model, one per
/// thread, each with one-thread products, and every chunk writes its own names' totals, so the
/// result is the same for any number of threads.
package final class NameScorer: @unchecked Sendable {
    /// One copy of the model per thread.
    let models: [LanguageModel]
    let layout: TrainingRecipe.Layout

    /// `models` are copies of one model (one per thread); `layout` is its recipe's.
    package init(models: [LanguageModel], layout: TrainingRecipe.Layout) {
        precondition(!models.isEmpty)
        precondition(layout == .windows || models.allSatisfy { $0 is SequenceModel })
        self.models = models
        self.layout = layout
    }

    /// The scorer of the model `setup` rebuilds from `checkpoint`, on `threads` threads: `first`
    /// (a copy already loaded) and threads − 1 more.
    convenience init(setup: ModelSetup, first: LanguageModel, checkpoint: Checkpoint, threads: Int) throws {
        var models = [first]
        for _ in 1..<max(1, threads) { models.append(try setup.load(from: checkpoint)) }
        self.init(models: models, layout: setup.recipe?.layout ?? .windows)
    }

    var model: LanguageModel { models[0] }

    /// The longest name the model can score, in characters: a sequence model reads at most
    /// its block size of positions (the name and its end token); a window model any length.
    package var longestName: Int? { layout == .sequences ? model.blockSize - 1 : nil }

    /// log p(name | c) for every name and every category of `categories`: result[n·K + k] for
    /// K = categories.count. For a model of plain names pass [0]. Every name must be non-empty,
    /// in the model's vocabulary and no longer than `longestName`.
    package func logProbabilities(names: [[Int32]], categories: [Int32]) -> [Double] {
        precondition(!categories.isEmpty)
        precondition(model.categoryCount == 0 ? categories == [0] : categories.allSatisfy { $0 >= 0 && Int($0) < model.categoryCount })
        let k = categories.count
        var result = [Double](repeating: 0, count: names.count * k)
        guard !names.isEmpty else { return result }
        // Chunks of whole names with about chunkRows examples (windows) or 64 names (sequences).
        var bounds = [0]
        if layout == .sequences {
            var s = 0
            while s < names.count { s = min(names.count, s + 64); bounds.append(s) }
        } else {
            var rows = 0
            for (i, name) in names.enumerated() {
                rows += name.count + 1
                if rows >= Evaluation.chunkRows || i == names.count - 1 {
                    bounds.append(i + 1)
                    rows = 0
                }
            }
        }
        let chunks = bounds.count - 1
        let threads = min(models.count, chunks)
        let job = ScoringJob(scorer: self, names: names, categories: categories, bounds: bounds)
        if threads == 1 {
            job.run(thread: 0)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                Matmul.$maxThreads.withValue(1) { job.run(thread: t) }
            }
        }
        job.copyResults(into: &result)
        return result
    }
}

/// One call's chunks as its threads take them; each chunk's totals go to its own rows.
private final class ScoringJob: @unchecked Sendable {
    let scorer: NameScorer
    let names: [[Int32]]
    let categories: [Int32]
    let bounds: [Int]
    private let lock = Lock()
    private var next = 0
    private var totals: [Double]

    init(scorer: NameScorer, names: [[Int32]], categories: [Int32], bounds: [Int]) {
        self.scorer = scorer
        self.names = names
        self.categories = categories
        self.bounds = bounds
        totals = [Double](repeating: 0, count: names.count * categories.count)
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < bounds.count - 1 else { return nil }
        next += 1
        return next - 1
    }

    private func store(_ values: [Double], from first: Int) {
        lock.lock()
        defer { lock.unlock() }
        for (i, x) in values.enumerated() { totals[first * categories.count + i] = x }
    }

    func copyResults(into result: inout [Double]) { result = totals }

    func run(thread: Int) {
        let model = scorer.models[thread]
        let v = model.vocabularySize, b = model.blockSize, k = categories.count
        let sequences = scorer.layout == .sequences
        var scratch = [Double](repeating: 0, count: v)
        var logits = Matrix(rows: 0, cols: v)
        var contexts: [Int32] = [], targets: [Int32] = [], owner: [Int32] = [], rowCategories: [Int32] = []
        while let c = take() {
            let first = bounds[c], end = bounds[c + 1], count = end - first
            // The chunk's examples: contexts and targets, and the name (within the chunk) of each.
            contexts.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            owner.removeAll(keepingCapacity: true)
            if sequences {
                for (j, name) in names[first..<end].enumerated() {
                    for t in 0..<b {
                        contexts.append(t == 0 ? Vocabulary.boundary : t <= name.count ? name[t - 1] : Vocabulary.boundary)
                        targets.append(t < name.count ? name[t] : t == name.count ? Vocabulary.boundary : TrainingRecipe.masked)
                        owner.append(Int32(j))
                    }
                }
            } else {
                for (j, name) in names[first..<end].enumerated() {
                    for t in 0...name.count {
                        for w in 0..<b {
                            let p = t - b + w
                            contexts.append(p >= 0 ? name[p] : Vocabulary.boundary)
                        }
                        targets.append(t < name.count ? name[t] : Vocabulary.boundary)
                        owner.append(Int32(j))
                    }
                }
            }
            let rows = targets.count
            if logits.rows != rows { logits = Matrix(rows: rows, cols: v) }
            var values = [Double](repeating: 0, count: count * k)
            for (kk, category) in categories.enumerated() {
                if model.categoryCount > 0 {
                    let perRow = sequences ? count : rows
                    rowCategories = [Int32](repeating: category, count: perRow)
                    model.condition(on: rowCategories)
                }
                if sequences {
                    (model as! SequenceModel).sequenceLogits(tokens: contexts, count: count, into: &logits)
                } else {
                    model.logits(contexts: contexts, count: rows, into: &logits)
                }
                for r in 0..<rows where targets[r] != TrainingRecipe.masked {
                    let nll = Softmax.negativeLogLikelihood(logits.data[(r * v)..<((r + 1) * v)], target: Int(targets[r]),
                                                            scratch: &scratch)
                    values[Int(owner[r]) * k + kk] -= nll
                }
            }
            store(values, from: first)
        }
    }
}

/// Bayes' rule over categories: the posterior p(c | name) ∝ p(c) p(name | c), and the
/// mixture log p(name) = log Σ_c p(c) p(name | c), from log p(name | c).
package enum CategoryPosterior {
    /// log Σ_c prior[c] · exp(logLikelihoods[c]), stable in Double.
    package static func mixture(_ logLikelihoods: ArraySlice<Double>, prior: [Double]) -> Double {
        var m = -Double.infinity
        for (i, l) in logLikelihoods.enumerated() where prior[i] > 0 { m = max(m, l + log(prior[i])) }
        guard m > -Double.infinity else { return -Double.infinity }
        var sum = 0.0
        for (i, l) in logLikelihoods.enumerated() where prior[i] > 0 { sum += exp(l + log(prior[i]) - m) }
        return m + log(sum)
    }

    /// The most probable category: the largest log p(c) + log p(name | c), ties to the smaller
    /// index (the first of `posterior` ranked best first).
    package static func mostProbable(_ logLikelihoods: ArraySlice<Double>, prior: [Double]) -> Int {
        var best = 0, bestValue = -Double.infinity
        for (c, l) in logLikelihoods.enumerated() where prior[c] > 0 {
            let value = l + log(prior[c])
            if value > bestValue { (best, bestValue) = (c, value) }
        }
        return best
    }

    /// p(c | name) for every category.
    package static func posterior(_ logLikelihoods: ArraySlice<Double>, prior: [Double]) -> [Double] {
        let z = mixture(logLikelihoods, prior: prior)
        return logLikelihoods.enumerated().map { i, l in prior[i] > 0 ? exp(l + log(prior[i]) - z) : 0 }
    }
}
