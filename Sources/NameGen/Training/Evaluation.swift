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
    public static let chunk = 4096
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
    /// `stop` ends the evaluation. `progress` gets (examples done, examples to do) per chunk.
    public static func loss(model: LanguageModel, stream: TokenStream, sampleAbove limit: Int? = nil, seed: UInt64 = 0,
                            progress: (Int, Int) -> Void = { _, _ in }, stop: () -> Bool = { false }) -> SplitLoss? {
        precondition(stream.blockSize == model.blockSize)
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
        let v = model.vocabularySize
        let b = model.blockSize
        let rows = min(chunk, n)
        var logits = Matrix(rows: rows, cols: v)
        var contexts = [Int32](repeating: 0, count: rows * b)
        var targets = [Int32](repeating: 0, count: rows)
        var sum: Double = 0, sumOfSquares: Double = 0
        var start = 0
        while start < n {
            if stop() { return nil }
            let m = min(rows, n - start)
            if let sample {
                stream.copy(examples: sample[start..<(start + m)], contexts: &contexts, targets: &targets)
            } else {
                stream.copy(examples: start..<(start + m), contexts: &contexts, targets: &targets)
            }
            if m != logits.rows { logits = Matrix(rows: m, cols: v) }
            model.logits(contexts: contexts, count: m, into: &logits)
            for i in 0..<m {
                let nll = negativeLogLikelihood(logits.data, row: i, columns: v, target: Int(targets[i]))
                sum += nll
                sumOfSquares += nll * nll
            }
            start += m
            progress(start, n)
        }
        let mean = sum / Double(n)
        guard sample != nil else { return SplitLoss(mean: mean, examples: n, total: stream.count, standardError: nil) }
        let variance = n > 1 ? max(0, (sumOfSquares - Double(n) * mean * mean) / Double(n - 1)) : 0
        return SplitLoss(mean: mean, examples: n, total: stream.count, standardError: (variance / Double(n)).squareRoot())
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
