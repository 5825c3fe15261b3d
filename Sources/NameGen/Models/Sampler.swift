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
    public var maxLength = 50
    /// Names that must not be produced (e.g. every name of the data file, for --new).
    public var excluded: Set<String> = []
    /// Names that must not be produced, looked up by tokens (a large data file, for --new).
    public var excludedNames: NameLookup?
    /// No name twice. Each name drawn is remembered as a 64-bit hash of its tokens (a set of
    /// them costs about 16 to 32 bytes a name), so `count` may be at most `uniqueLimit`.
    public var unique = false

    /// The largest `count` that `unique` accepts: 50,000,000 names, about 1 GB of hashes at most.
    public static let uniqueLimit = 50_000_000

    public init() {}
}

/// A model that samples from whole histories rather than fixed windows, so that it can keep
/// per-row state between calls (a transformer's cached keys and values). `Sampler` uses it
/// instead of `LanguageModel.logits(contexts:)` when a model conforms.
public protocol IncrementalSampling: LanguageModel {
    /// Next-token logits for each row: `histories[r]` is row r's name so far as the model reads
    /// it, [start, c1, …, ck] (the prefix included). From one call to the next, a row's history
    /// either grows by exactly one token or starts again as [start] + prefix (a new name), so
    /// the model can reuse what it computed for the shorter history. logits (rows, V), overwritten.
    func nextLogits(histories: [[Int32]], into logits: inout Matrix)
}

/// Draws names from any model, many at a time: a batch of names in flight, one call of
/// `model.logits` (or `nextLogits` for an `IncrementalSampling` model) per character position
/// for the whole batch. Every draw comes from the one generator passed in, row by row in
/// order, so a seed fixes the output.
public enum Sampler {
    /// Returns exactly `options.count` names, or throws when the constraints reject too many.
    public static func sample(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator) throws -> [String] {
        var names: [String] = []
        try sample(model: model, vocabulary: vocabulary, options: options, rng: &rng) { name, _ in names.append(name) }
        return names
    }

    /// Passes exactly `options.count` names to `emit` as they are accepted (with their tokens),
    /// so that any count streams in constant memory (but for --unique's set of names), or
    /// throws when the constraints reject too many.
    public static func sample(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator, emit: (String, [Int32]) throws -> Void) throws {
        let v = model.vocabularySize
        let b = model.blockSize
        guard options.count > 0 else { return }
        if options.unique && options.count > SamplingOptions.uniqueLimit {
            throw NameGenError(.usage, "--unique keeps every name drawn in memory and accepts at most \(SamplingOptions.uniqueLimit) names, not \(options.count).",
                               hint: "Ask for fewer names, or drop --unique.")
        }
        let batch = min(max(options.count, 16), 1024)
        let (budget, overflow) = options.count.multipliedReportingOverflow(by: 100)
        let maxAttempts = overflow ? Int.max : budget.addingReportingOverflow(1000).overflow ? Int.max : budget + 1000
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
        var accepted = 0
        var seen = Set<UInt64>()
        var attempts = 0

        let incremental = model as? IncrementalSampling
        var histories = [[Int32]](repeating: [Vocabulary.boundary] + options.prefix, count: incremental == nil ? 0 : batch)

        while accepted < options.count {
            if let incremental {
                incremental.nextLogits(histories: histories, into: &logits)
            } else {
                for row in 0..<batch {
                    let t = tokens[row]
                    for j in 0..<b {
                        let source = t.count - b + j
                        contexts[row * b + j] = source >= 0 ? t[source] : Vocabulary.boundary
                    }
                }
                model.logits(contexts: contexts, count: batch, into: &logits)
            }
            for row in 0..<batch {
                let base = row * v
                let forbidEnd = tokens[row].count < options.minLength
                let next = draw(logits.data[base..<(base + v)], forbidEnd: forbidEnd, options: options,
                                weights: &weights, order: &order, rng: &rng)
                if next != Vocabulary.boundary && tokens[row].count < options.maxLength {
                    tokens[row].append(next)
                    if incremental != nil { histories[row].append(next) }
                    continue
                }
                // The name ended (or grew too long): keep it if it passes every filter.
                attempts += 1
                if next == Vocabulary.boundary && accepted < options.count
                    && !(options.excludedNames?.contains(tokens[row]) ?? false) {
                    let name = vocabulary.decode(tokens[row])
                    if !options.excluded.contains(name) && (!options.unique || seen.insert(fingerprint(tokens[row])).inserted) {
                        try emit(name, tokens[row])
                        accepted += 1
                    }
                }
                tokens[row] = options.prefix
                if incremental != nil { histories[row] = [Vocabulary.boundary] + options.prefix }
                var hopeless = false
                if attempts % window == 0 {
                    let rate = Double(accepted - acceptedAtWindowStart) / Double(window)
                    hopeless = Double(attempts) + Double(options.count - accepted) / rate > Double(maxAttempts)
                    acceptedAtWindowStart = accepted
                }
                if (attempts >= maxAttempts || hopeless) && accepted < options.count {
                    throw NameGenError(.shortfall, "Only \(accepted) of \(options.count) names met the constraints after \(attempts) tries.",
                                       hint: "Relax --min-length/--max-length, --prefix, --new or --unique, or raise --temperature.")
                }
            }
        }
    }

    /// A name's tokens as 64 bits (FNV-1a, then the SplitMix64 finaliser), the same on every
    /// run and machine: two names that collide (odds about n²/2⁶⁵) only cost a redraw.
    static func fingerprint(_ tokens: [Int32]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for t in tokens {
            h = (h ^ UInt64(UInt32(bitPattern: t))) &* 0x0000_0100_0000_01b3
        }
        h ^= UInt64(tokens.count)
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
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
