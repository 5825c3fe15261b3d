import Foundation

/// What `namegen sample` asks for.
public struct SamplingOptions: Sendable {
    public var count = 10
    /// Softmax temperature; 0 means greedy (always the most likely token).
    public var temperature: Double = 1
    /// Sample only among the k most likely tokens; nil for all.
    public var topK: Int?
    /// Every name starts with these tokens.
    public var prefix: [Int32] = []
    public var minLength = 1
    /// Names that would grow longer than this are discarded and drawn again.
    public var maxLength = 256
    /// Names that must not be produced (e.g. every name of the data file, for --new).
    public var excluded: Set<String> = []
    /// No name twice.
    public var unique = false

    public init() {}
}

/// Draws names from any model, many at a time: a batch of names in flight, one call of
/// `model.logits` per character position for the whole batch. Every draw comes from the
/// one generator passed in, row by row in order, so a seed fixes the output.
public enum Sampler {
    /// Returns exactly `options.count` names, or throws when the constraints reject too many.
    public static func sample(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator) throws -> [String] {
        let v = model.vocabularySize
        let b = model.blockSize
        guard options.count > 0 else { return [] }
        let batch = min(max(options.count, 16), 1024)
        let maxAttempts = 1000 + 100 * options.count
        // Every `window` tries, give up early when the rate of the last window cannot reach the
        // count within the budget: once --unique or --new has used up (almost) all the model can
        // produce, the budget of 100 tries per name asked for could take hours to run out.
        // With --unique the rate can only fall (on average), so a run stopped here would have failed anyway.
        let window = 100_000
        var acceptedAtWindowStart = 0

        var tokens = [[Int32]](repeating: options.prefix, count: batch)
        var contexts = [Int32](repeating: 0, count: batch * b)
        var logits = Matrix(rows: batch, cols: v)
        var weights = [Double](repeating: 0, count: v)
        var order = [Int](repeating: 0, count: v)
        var accepted: [String] = []
        var seen = Set<String>()
        var attempts = 0

        while accepted.count < options.count {
            for row in 0..<batch {
                let t = tokens[row]
                for j in 0..<b {
                    let source = t.count - b + j
                    contexts[row * b + j] = source >= 0 ? t[source] : Vocabulary.boundary
                }
            }
            model.logits(contexts: contexts, count: batch, into: &logits)
            for row in 0..<batch {
                let base = row * v
                let forbidEnd = tokens[row].count < options.minLength
                let next = draw(logits.data[base..<(base + v)], forbidEnd: forbidEnd, options: options,
                                weights: &weights, order: &order, rng: &rng)
                if next != Vocabulary.boundary && tokens[row].count < options.maxLength {
                    tokens[row].append(next)
                    continue
                }
                // The name ended (or grew too long): keep it if it passes every filter.
                attempts += 1
                if next == Vocabulary.boundary && accepted.count < options.count {
                    let name = vocabulary.decode(tokens[row])
                    if !options.excluded.contains(name) && (!options.unique || seen.insert(name).inserted) {
                        accepted.append(name)
                    }
                }
                tokens[row] = options.prefix
                var hopeless = false
                if attempts % window == 0 {
                    let rate = Double(accepted.count - acceptedAtWindowStart) / Double(window)
                    hopeless = Double(attempts) + Double(options.count - accepted.count) / rate > Double(maxAttempts)
                    acceptedAtWindowStart = accepted.count
                }
                if (attempts >= maxAttempts || hopeless) && accepted.count < options.count {
                    throw NameGenError(.data, "Only \(accepted.count) of \(options.count) names met the constraints after \(attempts) tries.",
                                       hint: "Relax --min-length/--max-length, --prefix, --new or --unique, or raise --temperature.")
                }
            }
        }
        return accepted
    }

    /// One token from one row of logits.
    private static func draw(_ logits: ArraySlice<Float>, forbidEnd: Bool, options: SamplingOptions,
                             weights: inout [Double], order: inout [Int], rng: inout RandomGenerator) -> Int32 {
        let v = logits.count
        let base = logits.startIndex
        func allowed(_ c: Int) -> Bool { !(forbidEnd && c == 0) && logits[base + c] > -Float.infinity }
        if options.temperature == 0 {
            var best = -1
            for c in 0..<v where allowed(c) && (best < 0 || logits[base + c] > logits[base + best]) { best = c }
            return Int32(max(best, 0))
        }
        // Threshold for top-k: the k-th largest allowed logit.
        var threshold = -Float.infinity
        if let k = options.topK, k < v {
            var n = 0
            for c in 0..<v where allowed(c) { order[n] = c; n += 1 }
            if k < n {
                order[0..<n].sort { logits[base + $0] > logits[base + $1] }
                threshold = logits[base + order[k - 1]]
            }
        }
        // The top-k cut cannot remove the largest allowed logit, so the shift is the same with or without it.
        let (maxLogit, total) = Softmax.weights(logits, temperature: options.temperature, into: &weights) {
            allowed($0) && logits[base + $0] >= threshold
        }
        guard maxLogit > -Float.infinity else { return 0 }
        var u = rng.nextDouble() * total
        for c in 0..<v where weights[c] > 0 {
            u -= weights[c]
            if u < 0 { return Int32(c) }
        }
        // Rounding left u ≥ 0 after the last weight: take the last allowed token.
        for c in stride(from: v - 1, through: 0, by: -1) where weights[c] > 0 { return Int32(c) }
        return 0
    }
}
