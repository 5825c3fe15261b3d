import Dispatch
import Foundation

/// The loss of a model on one split: the mean over every example, or above `Evaluation`'s
/// limit an estimate from a seeded sample of examples, with its standard error.
public struct SplitLoss: Equatable, Sendable {
    /// Mean negative log-likelihood in nats per character.
    public var mean: Double
    /// Examples evaluated.
    public var examples: Int
    /// Examples in the split.
    public var total: Int
    /// The standard error of `mean` when it is an estimate; nil when it is exact.
    public var standardError: Double?

    public var isEstimate: Bool { standardError != nil }
}

/// Loss of any model on a set of examples.
public enum Evaluation {
    /// Rows per call of `model.logits`: large, so that the matrix products run on every thread
    /// at their large-matrix speed.
    public static let chunkRows = 2048
    /// At the end of training, a split with more examples than this is estimated from a
    /// sample of this many (`namegen eval` is always exact).
    public static let exactLimit = 1_000_000

    /// Mean negative log-likelihood in nats per character over every example (end-of-name
    /// token included), log-softmax accumulated in Double, in inference mode. NaN for an
    /// empty stream, or when `stop` says yes before a chunk (e.g. on Ctrl-C).
    public static func meanNLL(model: LanguageModel, stream: TokenStream, stop: () -> Bool = { false }) -> Double {
        loss(model: model, stream: stream, stop: stop)?.mean ?? .nan
    }

    /// The old spelling of `meanNLL(model:stream:)`, until the commands move to it.
    public static func meanNLL(model: LanguageModel, windows: TokenStream, stop: () -> Bool = { false }) -> Double {
        meanNLL(model: model, stream: windows, stop: stop)
    }

    /// The loss on `stream`: exact over every example when there are at most `sampleAbove`
    /// (or `sampleAbove` is nil), else an estimate on `sampleAbove` examples drawn uniformly
    /// (with replacement) by a generator seeded with `seed`. nil for an empty stream or when
    /// `stop` ends the evaluation. `progress` gets (examples done, examples to do).
    ///
    /// `models` are copies of one model, one per thread: each thread takes the next chunk of
    /// `chunkRows` examples and runs it through its own copy (the models keep their activations
    /// in their own buffers), with one-thread matrix products. Each chunk's sums are kept in
    /// its slot and added up in chunk order, so the result does not depend on the number of
    /// threads or on which thread ran which chunk.
    public static func loss(models: [LanguageModel], stream: TokenStream, sampleAbove limit: Int? = nil, seed: UInt64 = 0,
                            progress: (Int, Int) -> Void = { _, _ in }, stop: () -> Bool = { false }) -> SplitLoss? {
        precondition(!models.isEmpty && models.allSatisfy { $0.blockSize == stream.blockSize })
        guard stream.count > 0 else { return nil }
        var sample: [Int]?
        if let limit, stream.count > limit {
            var rng = RandomGenerator(seed: seed)
            var indices = (0..<limit).map { _ in rng.nextInt(below: stream.count) }
            // In stream order, so that the gathers walk the stream forwards.
            indices.sort()
            sample = indices
        }
        let n = sample?.count ?? stream.count
        let rows: Int = chunkRows
        let chunks = (n + rows - 1) / rows
        let threads = min(models.count, chunks)

        return withoutActuallyEscaping(progress) { progress in
            withoutActuallyEscaping(stop) { stop in
                let work = EvaluationWork(chunks: chunks, progress: progress, stop: stop)
                return evaluate(models: models, stream: stream, sample: sample, rows: rows, threads: threads, work: work)
            }
        }
    }

    private static func evaluate(models: [LanguageModel], stream: TokenStream, sample: [Int]?, rows: Int, threads: Int,
                                 work: EvaluationWork) -> SplitLoss? {
        let n = sample?.count ?? stream.count
        let models = ModelCopies(models)
        @Sendable func run(_ t: Int) {
            let model = models.models[t]
            let v = model.vocabularySize, b = model.blockSize
            var logits = Matrix(rows: min(rows, n), cols: v)
            var contexts = [Int32](repeating: 0, count: logits.rows * b)
            var targets = [Int32](repeating: 0, count: logits.rows)
            while let c = work.next() {
                let start: Int = c * rows
                let m: Int = min(rows, n - start)
                if let sample {
                    stream.copy(examples: sample[start..<(start + m)], contexts: &contexts, targets: &targets)
                } else {
                    stream.copy(examples: start..<(start + m), contexts: &contexts, targets: &targets)
                }
                if m != logits.rows { logits = Matrix(rows: m, cols: v) }
                model.logits(contexts: contexts, count: m, into: &logits)
                var sum: Double = 0, sumOfSquares: Double = 0
                for i in 0..<m {
                    let nll = negativeLogLikelihood(logits.data, row: i, columns: v, target: Int(targets[i]))
                    sum += nll
                    sumOfSquares += nll * nll
                }
                work.finish(chunk: c, examples: m, sum: sum, sumOfSquares: sumOfSquares, of: n)
            }
        }
        if threads == 1 {
            run(0)
        } else {
            MatmulThreads.withOneThreadPerProduct {
                DispatchQueue.concurrentPerform(iterations: threads) { t in run(t) }
            }
        }
        guard let (sum, sumOfSquares) = work.totals() else { return nil }
        let mean = sum / Double(n)
        guard sample != nil else { return SplitLoss(mean: mean, examples: n, total: stream.count, standardError: nil) }
        let variance = n > 1 ? max(0, (sumOfSquares - Double(n) * mean * mean) / Double(n - 1)) : 0
        return SplitLoss(mean: mean, examples: n, total: stream.count, standardError: (variance / Double(n)).squareRoot())
    }

    /// One model on every chunk, in order (products on the threads `Matmul` is set to use).
    public static func loss(model: LanguageModel, stream: TokenStream, sampleAbove limit: Int? = nil, seed: UInt64 = 0,
                            progress: (Int, Int) -> Void = { _, _ in }, stop: () -> Bool = { false }) -> SplitLoss? {
        loss(models: [model], stream: stream, sampleAbove: limit, seed: seed, progress: progress, stop: stop)
    }

    /// `threads` copies of `model` for `loss(models:)`, rebuilt from its tensors (the first is
    /// `model` itself).
    public static func replicas(of model: LanguageModel, vocabulary: Vocabulary, threads: Int) throws -> [LanguageModel] {
        guard threads > 1 else { return [model] }
        let checkpoint = Checkpoint(model: model.kind, hyperparameters: model.hyperparameters, vocabulary: vocabulary,
                                    split: SplitConfig(), dedupe: false, dataFile: "", dataSHA256: "", dataNames: 0,
                                    training: [:], tensors: model.namedTensors())
        return [model] + (try (1..<threads).map { _ in try ModelLoader.load(checkpoint) })
    }

    /// −log softmax(row)[target], with the row's maximum subtracted first, in Double.
    @inline(__always)
    static func negativeLogLikelihood(_ logits: [Float], row i: Int, columns v: Int, target: Int) -> Double {
        var maxLogit = -Float.infinity
        for c in 0..<v { maxLogit = max(maxLogit, logits[i * v + c]) }
        var sum: Double = 0
        for c in 0..<v { sum += Foundation.exp(Double(logits[i * v + c] - maxLogit)) }
        return Foundation.log(sum) - Double(logits[i * v + target] - maxLogit)
    }
}

/// The model copies of one evaluation: copy t is used by thread t alone.
private struct ModelCopies: @unchecked Sendable {
    let models: [LanguageModel]
    init(_ models: [LanguageModel]) { self.models = models }
}

/// The chunks of one evaluation, shared by its threads: which chunk is next, each chunk's
/// sums, the progress count, and whether to stop.
final class EvaluationWork: @unchecked Sendable {
    private let lock = NSLock()
    private var nextChunk = 0
    private let chunks: Int
    private var sums: [Double]
    private var squares: [Double]
    private var done = 0
    private var stopped = false
    private let progress: (Int, Int) -> Void
    private let stop: () -> Bool

    init(chunks: Int, progress: @escaping (Int, Int) -> Void, stop: @escaping () -> Bool) {
        self.chunks = chunks
        sums = [Double](repeating: 0, count: chunks)
        squares = sums
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

    func finish(chunk: Int, examples: Int, sum: Double, sumOfSquares: Double, of total: Int) {
        lock.lock()
        defer { lock.unlock() }
        sums[chunk] = sum
        squares[chunk] = sumOfSquares
        done += examples
        progress(done, total)
    }

    /// The sums over all chunks in chunk order, or nil when the evaluation was stopped.
    func totals() -> (Double, Double)? {
        guard !stopped else { return nil }
        return (sums.reduce(0, +), squares.reduce(0, +))
    }
}

/// Runs the matrix products on the calling thread while the evaluation's own threads run, so
/// that two threads never share the product worker pool.
private enum MatmulThreads {
    static func withOneThreadPerProduct(_ body: () -> Void) {
        let saved = Matmul.maxThreads
        Matmul.maxThreads = 1
        defer { Matmul.maxThreads = saved }
        body()
    }
}

/// The losses of a model on the splits of a data set, as `train` and `eval` print them.
public struct LossReport: Sendable {
    public struct Row: Sendable {
        public var split: SplitName
        public var names: Int
        /// nil when the split is empty.
        public var loss: SplitLoss?
    }
    public var rows: [Row]

    /// Evaluates `splits` of `dataset`. With `exactUpTo`, a split with more examples is
    /// estimated on that many, sampled with a generator seeded from the split seed (so the
    /// same data and split give the same sample). `threads` copies of the model run at once.
    /// nil when `stop` ended the evaluation.
    public static func evaluate(_ model: LanguageModel, on dataset: Dataset, splits: [SplitName] = SplitName.allCases,
                                exactUpTo limit: Int? = nil, threads: Int = 1,
                                progress: (SplitName, Int, Int) -> Void = { _, _, _ in },
                                stop: () -> Bool = { false }) throws -> LossReport? {
        let models = try Evaluation.replicas(of: model, vocabulary: dataset.vocabulary, threads: threads)
        var rows: [Row] = []
        for (k, split) in splits.enumerated() {
            let stream = dataset.stream(split, blockSize: model.blockSize)
            var loss: SplitLoss?
            if stream.count > 0 {
                guard let l = Evaluation.loss(models: models, stream: stream, sampleAbove: limit,
                                              seed: dataset.split.seed &+ 0x5EED &+ UInt64(k),
                                              progress: { progress(split, $0, $1) }, stop: stop) else { return nil }
                loss = l
            }
            rows.append(Row(split: split, names: dataset.count(split), loss: loss))
        }
        return LossReport(rows: rows)
    }

    /// The table: one row per split; an empty split shows "–"; an estimated nll is marked
    /// "~" and followed by its standard error, and a note under the table says how many
    /// examples were sampled.
    public var table: String {
        let nameWidth = max(7, rows.map { String($0.names).count }.max() ?? 0)
        let estimated = rows.contains { $0.loss?.isEstimate ?? false }
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var out = "split " + cell("names", nameWidth) + "      nll   perplexity   bits/char" + (estimated ? "   std. error" : "") + "\n"
        for r in rows {
            out += r.split.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0) + " " + cell(String(r.names), nameWidth)
            if let l = r.loss {
                out += "  " + cell((l.isEstimate ? "~" : "") + String(format: "%.4f", l.mean), 7)
                out += String(format: "  %11.4f  %10.4f", exp(l.mean), l.mean / log(2.0))
                if let se = l.standardError { out += String(format: "  %11.4f", se) }
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
