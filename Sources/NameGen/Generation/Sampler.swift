#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `namegen sample` asks for.
package struct SamplingOptions: Sendable {
    package var count = 10
    /// Softmax temperature; 0 means greedy (always the most likely token).
    package var temperature: Double = 1
    /// Sample only among the k most likely tokens; nil for all.
    package var topK: Int?
    /// Nucleus sampling: only the most likely tokens whose probabilities (after the temperature
    /// and top-k) add up to at least p; nil for all. Order: temperature, then top-k, then top-p.
    package var topP: Double?
    /// Every name matches this pattern: decoding masks the characters after which it cannot.
    package var pattern: NamePattern?
    /// Every name starts with these tokens.
    package var prefix: [Int32] = []
    package var minLength = 1
    /// Names that would grow longer than this are discarded and drawn again.
    package var maxLength = 50
    /// Names that must not be produced (e.g. every name of the data file, for --new).
    package var excluded: Set<String> = []
    /// Names that must not be produced, looked up by tokens (the data file for --new, the
    /// names of --exclude).
    package var exclusions: [NameLookup] = []
    /// No name twice. Each name drawn is remembered as a 64-bit hash of its tokens (a set of
    /// them costs about 16 to 32 bytes a name), so `count` may be at most `uniqueLimit`.
    package var unique = false
    /// For a labelled model: the category of every name, or nil to draw each name's category
    /// from `categoryPrior` (the training frequencies).
    package var category: Int?
    /// p(c) of each category of a labelled model, for names drawn without `category`.
    package var categoryPrior: [Double] = []

    /// The largest `count` that `unique` accepts: 50,000,000 names, about 1 GB of hashes at most.
    package static let uniqueLimit = 50_000_000

    package init() {}
}

/// A model that samples from whole histories rather than fixed windows, so that it can keep
/// per-row state between calls (a transformer's cached keys and values). `Sampler` uses it
/// instead of `LanguageModel.logits(contexts:)` when a model conforms.
package protocol IncrementalSampling: LanguageModel {
    /// Next-token logits for each row: `histories[r]` is row r's name so far as the model reads
    /// it, [start, c1, …, ck] (the prefix included). From one call to the next, a row's history
    /// either grows by exactly one token or starts again as [start] + prefix (a new name) or as
    /// [start] (a row no longer in use), so the model can reuse what it computed for the
    /// shorter history. logits (rows, V), overwritten.
    func nextLogits(histories: [[Int32]], into logits: inout Matrix)
}

/// Draws names from any model, many at a time: a batch of names in flight, one call of
/// `model.logits` (or `nextLogits` for an `IncrementalSampling` model) per character position
/// for the whole batch (`ChunkedGeneration`). Every draw comes from generators derived from the
/// one passed in, so a seed fixes the output, whatever the number of threads.
package enum Sampler {
    /// Returns exactly `options.count` names, or throws when the constraints reject too many.
    package static func sample(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator) throws -> [String] {
        var names: [String] = []
        try sample(model: model, vocabulary: vocabulary, options: options, rng: &rng) { name, _, _ in names.append(name) }
        return names
    }

    /// Checks a labelled model's category options: the category in range, or a prior with one
    /// probability per category.
    static func checkCategories(model: LanguageModel, options: SamplingOptions) throws {
        let c = model.categoryCount
        guard c == 0 || options.category.map({ $0 >= 0 && $0 < c }) ?? (options.categoryPrior.count == c) else {
            throw NameGenError(.usage, "The model was trained on \(c) categories: sampling needs a category in 0..<\(c), or the prior of each (SamplingOptions.category, .categoryPrior).",
                               hint: "Set categoryPrior to the checkpoint's categories.prior, or category to one of them.")
        }
    }

    /// A category drawn from `prior` with one uniform draw.
    static func drawCategory(_ prior: [Double], rng: inout RandomGenerator) -> Int32 {
        var u = rng.nextDouble() * prior.reduce(0, +)
        for (c, p) in prior.enumerated() where p > 0 {
            u -= p
            if u < 0 { return Int32(c) }
        }
        return Int32(prior.lastIndex { $0 > 0 } ?? 0)
    }

    /// Passes exactly `options.count` names to `emit` as they are accepted (with their tokens),
    /// so that any count streams in constant memory (but for --unique's set of names), or
    /// throws when the constraints reject too many.
    /// A labelled model's names come with their category (0 for a model of plain names).
    /// Runs on the calling thread; `sample(models:…)` spreads the same work over threads.
    package static func sample(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator, emit: (String, [Int32], Int32) throws -> Void) throws {
        try sample(models: [model], vocabulary: vocabulary, options: options, rng: &rng, emit: emit)
    }

    /// `sample(model:…)` on one thread per model: `models` are copies of one model (a model
    /// keeps per-call state, so threads cannot share one). The names are drawn in chunks of
    /// `chunkSize(count:)` tries, chunk j from its own generator seeded from one draw of `rng`
    /// and j, and passed to `emit` in chunk order on the calling thread, so the output is the
    /// same for any number of models.
    package static func sample(models: [LanguageModel], vocabulary: Vocabulary, options: SamplingOptions,
                              rng: inout RandomGenerator, emit: (String, [Int32], Int32) throws -> Void) throws {
        try sample(models: models, vocabulary: vocabulary, options: options, chunkSize: nil, rng: &rng, emit: emit)
    }

    /// `chunkSize` replaces the plan's tries per chunk (tests: many chunks from few names).
    static func sample(models: [LanguageModel], vocabulary: Vocabulary, options: SamplingOptions, chunkSize: Int?,
                       rng: inout RandomGenerator, emit: (String, [Int32], Int32) throws -> Void) throws {
        precondition(!models.isEmpty)
        let model = models[0]
        guard options.count > 0 else { return }
        try checkCategories(model: model, options: options)
        if options.unique && options.count > SamplingOptions.uniqueLimit {
            throw NameGenError(.usage, "--unique keeps every name drawn in memory and accepts at most \(SamplingOptions.uniqueLimit) names, not \(options.count).",
                               hint: "Ask for fewer names, or drop --unique.")
        }
        if let pattern = options.pattern, pattern.state(after: options.prefix) == nil {
            throw NameGenError(.usage, "No name can start with the prefix and match the pattern '\(pattern.text)'.")
        }
        let (budget, overflow) = options.count.multipliedReportingOverflow(by: 100)
        let maxAttempts = overflow ? Int.max : budget.addingReportingOverflow(1000).overflow ? Int.max : budget + 1000
        // Every `window` tries, give up early when the rate of the last window cannot reach the
        // count within the budget: once --unique or --new has used up (almost) all the model can
        // produce, the budget of 100 tries per name asked for could take hours to run out.
        // With --unique the rate can only fall (on average), so a run stopped here would have failed anyway.
        let window = 100_000
        var acceptedAtWindowStart = 0, attemptsAtWindowStart = 0
        var accepted = 0, attempts = 0
        var seen = Set<UInt64>()

        let plan = ChunkPlan(count: options.count, seed: rng.next(), size: chunkSize)
        try ChunkedGeneration.run(models: models, vocabulary: vocabulary, options: options, plan: plan) { chunk in
            for candidate in chunk.candidates where accepted < options.count {
                if options.excluded.contains(candidate.name) { continue }
                if options.unique && !seen.insert(fingerprint(candidate.tokens)).inserted { continue }
                try emit(candidate.name, candidate.tokens, candidate.category)
                accepted += 1
            }
            attempts += chunk.attempts
            if accepted >= options.count { return false }
            var hopeless = false
            if attempts - attemptsAtWindowStart >= window {
                let rate = Double(accepted - acceptedAtWindowStart) / Double(attempts - attemptsAtWindowStart)
                hopeless = Double(attempts) + Double(options.count - accepted) / rate > Double(maxAttempts)
                (acceptedAtWindowStart, attemptsAtWindowStart) = (accepted, attempts)
            }
            if attempts >= maxAttempts || hopeless {
                throw NameGenError(.shortfall, "Only \(accepted) of \(options.count) names met the constraints after \(attempts) tries.",
                                   hint: "Relax --min-length/--max-length, --prefix, --pattern, --new, --exclude or --unique, or raise --temperature.")
            }
            return true
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

    /// Which tokens a row may draw next: not the end before --min-length, and under a pattern
    /// only what keeps a match possible within the `room` characters left after this one.
    ///
    /// Sampling under a pattern also lets the model ask to end a name the pattern has not
    /// completed (`endRequests`): the row is then finished along a shortest completion
    /// (`finishing`), each character one step closer to a match, and ends there. Without this,
    /// a name that wants to end but must still match a suffix wanders on until it happens to
    /// spell it (three times the usual length for `*ella`).
    struct Mask {
        var forbidEnd: Bool
        var pattern: NamePattern?
        var state: Int32
        var room: Int
        /// The end token may be drawn before the pattern is complete, as a request to finish.
        var endRequests = false
        /// Only characters that bring the match one step closer.
        var finishing = false

        @inline(__always)
        func allows(_ c: Int) -> Bool {
            if c == Int(Vocabulary.boundary) {
                return !forbidEnd && (pattern.map { $0.accepts(state) || (endRequests && !finishing) } ?? true)
            }
            guard let pattern else { return true }
            guard pattern.allows(Int32(c), in: state, room: room) else { return false }
            guard finishing, let next = pattern.advance(state, Int32(c)) else { return true }
            return pattern.minimumRemaining(next) == pattern.minimumRemaining(state) - 1
        }
    }

    /// One token from one row of logits: the temperature, then top-k, then top-p, over the
    /// tokens the mask allows. Greedy (temperature 0) takes the most likely allowed token.
    /// When the mask allows nothing, the end token (0).
    static func draw(_ logits: ArraySlice<Float>, mask: Mask, options: SamplingOptions,
                     weights: inout [Double], order: inout [Int], rng: inout RandomGenerator) -> Int32 {
        let v = logits.count
        let base = logits.startIndex
        func allowed(_ c: Int) -> Bool { mask.allows(c) && logits[base + c] > -Float.infinity }
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
        var (maxLogit, total) = Softmax.weights(logits, temperature: options.temperature, into: &weights) {
            allowed($0) && logits[base + $0] >= threshold
        }
        guard maxLogit > -Float.infinity else { return 0 }
        if let p = options.topP, p < 1 {
            // The nucleus: the most likely tokens (ties by token) until their mass reaches p.
            var n = 0
            for c in 0..<v where weights[c] > 0 { order[n] = c; n += 1 }
            order[0..<n].sort { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
            var mass = 0.0, kept = 0
            while kept < n && (kept == 0 || mass < p * total) {
                mass += weights[order[kept]]
                kept += 1
            }
            for i in kept..<n { weights[order[i]] = 0 }
            total = mass
        }
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
