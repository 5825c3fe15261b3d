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

/// The loss of a model on one split: the mean over every target, or above `Evaluation`'s
/// limit an estimate from a seeded sample of examples, with its standard error.
package struct SplitLoss: Equatable, Sendable {
    /// Mean negative log-likelihood in nats per character.
    package var mean: Double
    /// Examples evaluated (rows: windows, or names for a sequence model).
    package var examples: Int
    /// Examples in the split.
    package var total: Int
    /// The standard error of `mean` when it is an estimate; nil when it is exact.
    package var standardError: Double?

    package var isEstimate: Bool { standardError != nil }
}

/// Loss of any model on a set of examples.
package enum Evaluation {
    /// Rows per call of `model.logits`: large enough for the matrix products to run at their
    /// large-matrix speed. It stays 1024, as before evaluation ran on several threads: a
    /// product's rounding can depend on its size, and with the same chunks the logits, and so
    /// the losses, are the same bits as before.
    package static let chunkRows = 1024
    /// At the end of training, a split with more examples than this is estimated from a
    /// sample of this many (`namegen eval` is always exact).
    package static let exactLimit = 1_000_000

    /// Mean negative log-likelihood in nats per character over every target (end-of-name
    /// token included, padding of sequence layouts left out), log-softmax accumulated in Double,
    /// in inference mode, with one model (its products on the threads `Matmul.maxThreads` is
    /// bound to). NaN for no examples, or when `stop` says yes before a chunk (e.g. on Ctrl-C).
    package static func meanNLL(model: LanguageModel, examples: any ExampleSource, stop: () -> Bool = { false }) -> Double {
        loss(models: [model], examples: examples, stop: stop)?.mean ?? .nan
    }

    package static func meanNLL(model: LanguageModel, stream: TokenStream, stop: () -> Bool = { false }) -> Double {
        meanNLL(model: model, examples: stream, stop: stop)
    }

    /// The loss on `examples`: exact over every example when there are at most `sampleAbove`
    /// (or `sampleAbove` is nil), else an estimate on `sampleAbove` examples drawn uniformly
    /// (with replacement) by a generator seeded with `seed`. nil for no examples or when
    /// `stop` ends the evaluation. `progress` gets (examples done, examples to do).
    ///
    /// `models` are copies of one model, one per thread: each thread takes the next chunk of
    /// `chunkRows` examples and runs it through its own copy (the models keep their activations
    /// in their own buffers), with one-thread matrix products. The per-target losses are added
    /// up one by one in example order, whichever thread finishes a chunk first, so the result
    /// is the same bits for any number of threads, and as a single sequential pass gives. With
    /// one model the chunks run on the calling thread, with the products on the threads
    /// `Matmul.maxThreads` is bound to.
    package static func loss(models: [LanguageModel], examples: any ExampleSource, sampleAbove limit: Int? = nil,
                            seed: UInt64 = 0, progress: (Int, Int) -> Void = { _, _ in },
                            stop: () -> Bool = { false }) -> SplitLoss? {
        precondition(!models.isEmpty && models.allSatisfy { $0.blockSize == examples.contextWidth })
        precondition(examples.targetWidth == 1 || models.allSatisfy { $0 is SequenceModel },
                     "per-position targets need a SequenceModel")
        guard examples.count > 0 else { return nil }
        var sample: [Int]?
        if let limit, examples.count > limit {
            var rng = RandomGenerator(seed: seed)
            var indices = (0..<limit).map { _ in rng.nextInt(below: examples.count) }
            // In stream order, so that the gathers walk the data forwards.
            indices.sort()
            sample = indices
        }
        let n = sample?.count ?? examples.count
        let chunks = (n + chunkRows - 1) / chunkRows
        let threads = min(models.count, chunks)
        return withoutActuallyEscaping(progress) { progress in
            withoutActuallyEscaping(stop) { stop in
                let work = EvaluationWork(chunks: chunks, progress: progress, stop: stop)
                let job = EvaluationJob(models: models, examples: examples, sample: sample, work: work)
                if threads == 1 {
                    job.run(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        Matmul.$maxThreads.withValue(1) { job.run(t) }
                    }
                }
                guard let (sum, sumOfSquares, counted) = work.totals(), counted > 0 else { return nil }
                let mean = sum / Double(counted)
                guard sample != nil else {
                    return SplitLoss(mean: mean, examples: n, total: examples.count, standardError: nil)
                }
                let variance = counted > 1 ? max(0, (sumOfSquares - Double(counted) * mean * mean) / Double(counted - 1)) : 0
                return SplitLoss(mean: mean, examples: n, total: examples.count,
                                 standardError: (variance / Double(counted)).squareRoot())
            }
        }
    }

    /// One model on every chunk, in order.
    package static func loss(model: LanguageModel, stream: TokenStream, sampleAbove limit: Int? = nil, seed: UInt64 = 0,
                            progress: (Int, Int) -> Void = { _, _ in }, stop: () -> Bool = { false }) -> SplitLoss? {
        loss(models: [model], examples: stream, sampleAbove: limit, seed: seed, progress: progress, stop: stop)
    }
}

/// One evaluation's chunks as its threads run them: thread t uses model copy t alone.
private final class EvaluationJob: @unchecked Sendable {
    let models: [LanguageModel]
    let examples: any ExampleSource
    let stream: TokenStream?
    let sample: [Int]?
    let work: EvaluationWork

    init(models: [LanguageModel], examples: any ExampleSource, sample: [Int]?, work: EvaluationWork) {
        self.models = models
        self.examples = examples
        stream = examples as? TokenStream
        self.sample = sample
        self.work = work
    }

    func run(_ t: Int) {
        let model = models[t]
        let v = model.vocabularySize, width = examples.contextWidth, targetWidth = examples.targetWidth
        let sequence = model as? SequenceModel
        let n = sample?.count ?? examples.count
        let rows = Evaluation.chunkRows
        var logits = Matrix(rows: min(rows, n) * targetWidth, cols: v)
        var contexts = [Int32](repeating: 0, count: min(rows, n) * width)
        var targets = [Int32](repeating: 0, count: min(rows, n) * targetWidth)
        let labelled = model.categoryCount > 0
        precondition(!labelled || examples.isLabelled, "a labelled model needs labelled examples")
        var categories = [Int32](repeating: 0, count: labelled ? min(rows, n) : 0)
        var scratch = [Double](repeating: 0, count: v)
        while let c = work.next() {
            let start = c * rows
            let m = min(rows, n - start)
            if let sample {
                if let stream {
                    stream.copy(examples: sample[start..<(start + m)], contexts: &contexts, targets: &targets)
                } else {
                    for (row, i) in sample[start..<(start + m)].enumerated() {
                        examples.copy(i, toRow: row, contexts: &contexts, targets: &targets)
                    }
                }
            } else if let stream {
                stream.copy(examples: start..<(start + m), contexts: &contexts, targets: &targets)
            } else {
                for row in 0..<m { examples.copy(start + row, toRow: row, contexts: &contexts, targets: &targets) }
            }
            if labelled {
                if let sample {
                    for (row, i) in sample[start..<(start + m)].enumerated() { categories[row] = examples.category(i) }
                } else if let stream {
                    stream.categories(examples: start..<(start + m), into: &categories)
                } else {
                    for row in 0..<m { categories[row] = examples.category(start + row) }
                }
                model.condition(on: categories)
            }
            if m * targetWidth != logits.rows { logits = Matrix(rows: m * targetWidth, cols: v) }
            if let sequence, targetWidth > 1 {
                sequence.sequenceLogits(tokens: contexts, count: m, into: &logits)
            } else {
                model.logits(contexts: contexts, count: m, into: &logits)
            }
            var losses: [Double] = []
            losses.reserveCapacity(m * targetWidth)
            for i in 0..<(m * targetWidth) where targets[i] != TrainingRecipe.masked {
                losses.append(Softmax.negativeLogLikelihood(logits.data[(i * v)..<((i + 1) * v)], target: Int(targets[i]),
                                                            scratch: &scratch))
            }
            work.finish(chunk: c, examples: m, losses: losses, of: n)
        }
    }
}

/// The chunks of one evaluation, shared by its threads: which chunk is next, the sums of the
/// losses in example order (a finished chunk waits until those before it are added), the
/// progress count, and whether to stop.
private final class EvaluationWork: @unchecked Sendable {
    private let lock = Lock()
    private var nextChunk = 0
    private let chunks: Int
    private var pending: [Int: [Double]] = [:]
    private var added = 0
    private var sum: Double = 0
    private var sumOfSquares: Double = 0
    private var counted = 0
    private var done = 0
    private var stopped = false
    private let progress: (Int, Int) -> Void
    private let stop: () -> Bool

    init(chunks: Int, progress: @escaping (Int, Int) -> Void, stop: @escaping () -> Bool) {
        self.chunks = chunks
        self.progress = progress
        self.stop = stop
    }

    /// The next chunk to evaluate, or nil when all are taken or a stop was asked for.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if !stopped && stop() { stopped = true }
        guard !stopped, nextChunk < chunks else { return nil }
        nextChunk += 1
        return nextChunk - 1
    }

    func finish(chunk: Int, examples: Int, losses: [Double], of total: Int) {
        lock.lock()
        defer { lock.unlock() }
        pending[chunk] = losses
        while let next = pending.removeValue(forKey: added) {
            for x in next {
                sum += x
                sumOfSquares += x * x
            }
            counted += next.count
            added += 1
        }
        done += examples
        progress(done, total)
    }

    /// The sums over all chunks, or nil when the evaluation was stopped.
    func totals() -> (sum: Double, sumOfSquares: Double, counted: Int)? {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, added == chunks else { return nil }
        return (sum, sumOfSquares, counted)
    }
}

/// The losses of a model on the splits of a data set, and the table `train` and `eval` print.
package struct LossReport: Sendable {
    package struct Row: Sendable {
        package var split: SplitName
        package var names: Int
        /// nil when the split is empty.
        package var loss: SplitLoss?
    }
    package var rows: [Row]

    package init(rows: [Row]) { self.rows = rows }

    /// Evaluates `splits` of `dataset` in `layout`. With `exactUpTo`, a split with more
    /// examples is estimated on that many, sampled with a generator seeded from the split
    /// seed (the same data and split give the same sample). `copy` makes another copy of the
    /// model; with it, `threads` copies run at once (without, `model` alone). `reuse` holds
    /// splits already laid out (the trainer's), so that they are not built twice. nil when
    /// `stop` ended the evaluation.
    package static func evaluate(_ model: LanguageModel, copy: (() throws -> LanguageModel)? = nil, threads: Int = 1,
                                layout: TrainingRecipe.Layout = .windows, on dataset: Dataset,
                                splits: [SplitName] = SplitName.allCases, exactUpTo limit: Int? = nil,
                                reuse: [SplitName: any ExampleSource] = [:],
                                progress: (SplitName, Int, Int) -> Void = { _, _, _ in },
                                stop: () -> Bool = { false }) throws -> LossReport? {
        var models = [model]
        if let copy, threads > 1 { for _ in 1..<threads { models.append(try copy()) } }
        var rows: [Row] = []
        for (k, split) in splits.enumerated() {
            let examples = reuse[split] ?? dataset.examples(split, layout: layout, blockSize: model.blockSize)
            var loss: SplitLoss?
            if examples.count > 0 {
                guard let l = Evaluation.loss(models: models, examples: examples, sampleAbove: limit,
                                              seed: dataset.split.seed &+ 0x5EED &+ UInt64(k),
                                              progress: { progress(split, $0, $1) }, stop: stop) else {
                    if stop() { return nil }
                    rows.append(Row(split: split, names: dataset.count(split), loss: nil))
                    continue
                }
                loss = l
            }
            rows.append(Row(split: split, names: dataset.count(split), loss: loss))
        }
        return LossReport(rows: rows)
    }

    /// The table: one row per split; an empty split shows "–"; an estimated nll is marked
    /// "~" and followed by its standard error, and a note under the table says how many
    /// examples were sampled.
    package var table: String {
        let nameWidth = max(7, rows.map { String($0.names).count }.max() ?? 0)
        let estimated = rows.contains { $0.loss?.isEstimate ?? false }
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var out = "split " + cell("names", nameWidth) + "      nll   perplexity   bits/char" + (estimated ? "   std. error" : "") + "\n"
        for r in rows {
            out += r.split.rawValue.padded(toLength: 5) + " " + cell(String(r.names), nameWidth)
            if let l = r.loss {
                out += "  " + cell((l.isEstimate ? "~" : "") + Format.fixed(l.mean, 4), 7)
                out += "  " + Format.fixed(exp(l.mean), 4, width: 11) + "  " + Format.fixed(l.mean / log(2.0), 4, width: 10)
                if let se = l.standardError { out += "  " + Format.fixed(se, 4, width: 11) }
            } else {
                out += "  " + cell("–", 7) + "  " + cell("–", 11) + "  " + cell("–", 10)
            }
            out += "\n"
        }
        for r in rows {
            if let l = r.loss, l.isEstimate {
                out += "~ \(r.split.rawValue): estimate on a seeded sample of \(l.examples) of its \(l.total) examples ('namegen eval' is exact)\n"
            }
        }
        return out
    }
}
