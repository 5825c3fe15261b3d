#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A trained name model: load it from a checkpoint (or train one from an array of names), then
/// sample names, find the most probable ones, score names and classify them by category.
///
/// ```swift
/// let generator = try NameGenerator(contentsOf: "checkpoints/model.safetensors")
/// print(try generator.sample(10, options: GenerationOptions(seed: 1)))
/// for s in try generator.score(["emma", "zzxq"]) { print(s.name, s.logProbability ?? .nan) }
/// ```
///
/// A generator keeps working buffers in its model, so use one from one thread at a time (it is
/// not `Sendable`); load a second one for a second thread. Its results do not depend on the
/// thread count: `sample` with a seed gives the names `namegen sample --seed` prints.
public final class NameGenerator {
    /// The checkpoint the model came from (or the one training made).
    let checkpoint: Checkpoint
    /// The model, rebuilt from the checkpoint's tensors.
    let languageModel: LanguageModel
    /// Threads for sampling, scoring and classifying (the model is loaded once more per extra thread).
    let threads: Int
    /// Built on the first call of `score` or `classify`.
    private var session: ScoringSession?
    /// More copies of the model, for sampling on more than one thread.
    private var extraModels: [LanguageModel] = []

    /// Loads the checkpoint at `path`, as `namegen train` writes it (a `.safetensors` file).
    /// Throws a `NameGenError` of kind `.checkpoint` when it is missing, damaged or not namegen's.
    public convenience init(contentsOf path: String) throws {
        try self.init(checkpoint: try Checkpoint.read(from: path))
    }

    /// Loads the checkpoint at a file URL (see `init(contentsOf:)` with a path).
    public convenience init(contentsOf url: URL) throws {
        try self.init(contentsOf: url.path)
    }

    /// The generator of a checkpoint already read (what the command line uses).
    package init(checkpoint: Checkpoint, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.checkpoint = checkpoint
        languageModel = try ModelRegistry.load(checkpoint).model
        self.threads = max(1, threads)
    }

    // MARK: - What the model is

    /// The model family: "bigram", "onehot", "mlp", "hierarchical", "transformer", "rnn",
    /// "gru", "lstm" or "bow".
    public var model: String { checkpoint.model }

    /// The characters the model knows, sorted; names with any other character cannot be
    /// sampled with it as a prefix, nor scored.
    public var characters: [Character] { checkpoint.vocabulary.characters }

    /// The categories of a model trained on labelled data, sorted; empty for plain names.
    public var categories: [String] { checkpoint.categories.map(\.name) }

    /// The mean loss (nats per character) on the validation split, as `namegen eval` reports it
    /// after training; nil where the checkpoint has none.
    public var validationLoss: Double? { checkpoint.run.losses.val }

    /// The model families `train` accepts, the default ("mlp") among them.
    public static var models: [String] { ModelRegistry.names }

    /// The kernel set the hot loops run on in this process: "avx512", "avx2" or "portable" in
    /// the namegen tool; "portable" in an app (see docs/SWIFT-API.md).
    public static var kernelSet: String { KernelDispatch.active.name }

    // MARK: - Sampling

    /// `count` names drawn from the model under `options`. With `options.seed` the result is
    /// the same on every run (and the same as `namegen sample --seed`). Throws a `NameGenError`
    /// of kind `.usage` for options the model cannot meet (a prefix with a character it lacks,
    /// an unknown category), and of kind `.shortfall` when the constraints reject too many draws.
    public func sample(_ count: Int, options: GenerationOptions = GenerationOptions()) throws -> [String] {
        var names: [String] = []
        names.reserveCapacity(max(0, count))
        try sample(try samplingOptions(options, count: count), seed: options.seed ?? UInt64.random(in: 0...UInt64.max)) {
            name, _, _ in names.append(name)
        }
        return names
    }

    /// Every accepted name with its tokens and category index, as the sampler emits it, in the
    /// order of the seeded draws (the command line streams them).
    /// Sampling runs on up to `threads` threads, each with its own copy of the model (loaded
    /// here the first time it is needed); the names do not depend on how many.
    package func sample(_ options: SamplingOptions, seed: UInt64, emit: (String, [Int32], Int32) throws -> Void) throws {
        var rng = RandomGenerator(seed: seed)
        let wanted = ChunkPlan.threads(count: options.count, requested: threads)
        while 1 + extraModels.count < wanted { extraModels.append(try ModelRegistry.load(checkpoint).model) }
        try Sampler.sample(models: [languageModel] + extraModels.prefix(wanted - 1), vocabulary: checkpoint.vocabulary,
                           options: options, rng: &rng, emit: emit)
    }

    /// The `count` most probable names under `options` (its prefix, pattern, lengths, category
    /// and exclusions; the temperature, top-k, top-p and seed do not apply), best first, by beam
    /// search keeping `beamWidth` partial names at each length (default: the larger of `count`
    /// and 32). `perCharacter` ranks by log-probability per character instead of in total.
    /// Fewer than `count` names come back when the constraints allow fewer.
    public func mostProbable(_ count: Int, options: GenerationOptions = GenerationOptions(), beamWidth: Int? = nil,
                             perCharacter: Bool = false) throws -> [ScoredName] {
        guard count >= 1, beamWidth.map({ $0 >= 1 }) ?? true else {
            throw NameGenError(.usage, "mostProbable needs a count and a beam width of at least 1.")
        }
        let results = try mostProbable(try samplingOptions(options, count: count), count: count,
                                       width: beamWidth ?? max(count, Self.defaultBeamWidth), perCharacter: perCharacter)
        return results.map { r in
            ScoredName(name: checkpoint.vocabulary.decode(r.tokens), logProbability: r.logProbability, score: r.score,
                       category: checkpoint.categories.isEmpty ? nil : checkpoint.categories[Int(r.category)].name)
        }
    }

    /// The beam width when none is given (at least the count asked for).
    package static let defaultBeamWidth = 32

    /// Beam search with options already checked (the command line's `--beam`).
    package func mostProbable(_ options: SamplingOptions, count: Int, width: Int, perCharacter: Bool) throws -> [BeamSearch.Result] {
        try BeamSearch.search(model: languageModel, options: options, count: count, width: width, perCharacter: perCharacter)
    }

    // MARK: - Scoring and classifying

    /// Each name's log-probability under the model (natural log, the end of the name included),
    /// in order. A labelled model scores under `category`, or without one under the mixture
    /// p(name) = Σ_c p(c) p(name | c) with the training frequencies as p(c). A name that cannot
    /// be scored (a character the model lacks, longer than the model reads) gets its `error`.
    public func score(_ names: [String], category: String? = nil) throws -> [NameScore] {
        try scoringSession().score(names, category: try categoryIndex(category, names: .api))
    }

    /// Scores under a category index already resolved (the command line's `--category`).
    package func score(_ names: [String], categoryIndex: Int?) throws -> [NameScore] {
        try scoringSession().score(names, category: categoryIndex)
    }

    /// Each name's categories by posterior probability p(c | name), best first, for a model
    /// trained on labelled data (a `.usage` error otherwise).
    public func classify(_ names: [String]) throws -> [NameClassification] {
        guard !checkpoint.categories.isEmpty else {
            throw NameGenError(.usage, "The model was trained on names without categories, so it cannot classify.")
        }
        return try scoringSession().classify(names)
    }

    private func scoringSession() throws -> ScoringSession {
        if let session { return session }
        let made = try ScoringSession(checkpoint: checkpoint, first: languageModel, threads: threads)
        session = made
        return made
    }

    // MARK: - Saving

    /// Writes the model to `path` as a checkpoint that `NameGenerator(contentsOf:)` and every
    /// `namegen` command read (atomically: a temporary file, then a rename).
    public func save(to path: String) throws {
        try checkpoint.write(to: path)
    }

    /// Writes the model to a file URL (see `save(to:)` with a path).
    public func save(to url: URL) throws {
        try save(to: url.path)
    }
}

/// How `NameGenerator.sample` and `mostProbable` shape names. The defaults are `namegen
/// sample`'s: every name the model draws, at temperature 1, from 1 to 50 characters.
public struct GenerationOptions: Sendable {
    /// The seed of the draws: the same seed gives the same names. nil draws a new one each call.
    public var seed: UInt64?
    /// Softmax temperature; 0 always takes the most likely character, above 1 flattens.
    public var temperature: Double = 1
    /// Draw only among the k most likely characters; nil for all.
    public var topK: Int?
    /// Nucleus sampling: only the most likely characters whose probabilities (after the
    /// temperature and top-k) add up to p, in 0 < p ≤ 1; nil for all.
    public var topP: Double?
    /// Every name starts with these characters.
    public var prefix = ""
    /// Every name matches this glob: `?` one character, `*` any run, `[abc]` one of a set,
    /// `\c` the character c. Decoding masks what could no longer match, so nothing is redrawn.
    public var pattern: String?
    /// The shortest name, in characters.
    public var minLength = 1
    /// The longest name, in characters; longer draws are dropped and drawn again.
    public var maxLength = 50
    /// For a labelled model: names of this category only; nil draws each name's category with
    /// its training frequency (and beam search looks in every category).
    public var category: String?
    /// Names never to return (compared as written, after decoding).
    public var excluded: Set<String> = []
    /// No name twice within one call.
    public var unique = false

    /// Options with every default; set the fields to change.
    public init(seed: UInt64? = nil) {
        self.seed = seed
    }
}

/// A name found by `NameGenerator.mostProbable`.
public struct ScoredName: Sendable, Equatable {
    /// The name.
    public var name: String
    /// log p(name), natural log, the end of the name included (for a labelled model searched
    /// without a category, log p(category) + log p(name | category)).
    public var logProbability: Double
    /// What the search ranked by: `logProbability`, or that over (characters + 1) per character.
    public var score: Double
    /// The category it was found under, for a labelled model; nil otherwise.
    public var category: String?
}

/// The names of the options in messages: the command line's flags or the API's fields.
package struct OptionNames: Sendable {
    var prefix = "prefix", prefixValue = "prefix", pattern = "pattern", maxLength = "maxLength", category = "category"
    /// The API's field names.
    package static let api = OptionNames()
    /// `namegen sample`'s flags.
    package static let cli = OptionNames(prefix: "--prefix", prefixValue: "--prefix <text>", pattern: "--pattern",
                                         maxLength: "--max-length", category: "--category <name>")
}

extension NameGenerator {
    /// The sampler's options for `options` and this model: the ranges checked, the prefix and
    /// pattern compiled over the model's characters, the category resolved. `names` says how
    /// messages name the options.
    package func samplingOptions(_ options: GenerationOptions, count: Int, names: OptionNames = .api) throws -> SamplingOptions {
        func usage(_ message: String, hint: String? = nil) -> NameGenError { NameGenError(.usage, message, hint: hint) }
        guard count >= 0 else { throw usage("The count of names must not be negative, not \(count).") }
        guard options.temperature >= 0 && options.temperature.isFinite else {
            throw usage("The temperature must be 0 or more, not \(options.temperature).")
        }
        if let k = options.topK, k < 1 { throw usage("topK must be at least 1, not \(k).") }
        if let p = options.topP, !(p > 0 && p <= 1) { throw usage("topP must be above 0 and at most 1, not \(p).") }
        guard options.minLength >= 1 && options.minLength <= options.maxLength else {
            throw usage("The lengths must satisfy 1 ≤ minLength ≤ maxLength, not \(options.minLength) and \(options.maxLength).")
        }
        var result = SamplingOptions()
        result.count = count
        result.temperature = options.temperature
        result.topK = options.topK
        result.topP = options.topP
        result.minLength = options.minLength
        result.maxLength = options.maxLength
        result.excluded = options.excluded
        result.unique = options.unique

        let vocabulary = checkpoint.vocabulary
        let prefix = options.prefix
        guard let prefixTokens = vocabulary.encode(prefix) else {
            let bad = prefix.first { vocabulary.token($0) == nil }!
            throw usage("The value '\(prefix)' is invalid for '\(names.prefixValue)': the model has no character '\(bad)'.")
        }
        guard prefixTokens.count < options.maxLength else {
            throw usage("\(names.prefix) '\(prefix)' is as long as \(names.maxLength) \(options.maxLength) allows.")
        }
        result.prefix = prefixTokens
        result.category = try categoryIndex(options.category, names: names)
        result.categoryPrior = checkpoint.categories.prior
        if let glob = options.pattern {
            let compiled: NamePattern
            do {
                compiled = try NamePattern(glob, vocabulary: vocabulary)
            } catch var error as NameGenError {
                error.hint = "The model's characters: \(String(vocabulary.characters))."
                throw error
            }
            guard let state = compiled.state(after: prefixTokens) else {
                throw usage("The pattern '\(glob)' can never match: no name that starts with '\(prefix)' matches it.",
                            hint: "Change \(names.prefix) or \(names.pattern).")
            }
            let needed = prefixTokens.count + compiled.minimumRemaining(state)
            guard needed <= options.maxLength else {
                throw usage("The pattern '\(glob)' can never match: it needs at least \(needed) characters, and \(names.maxLength) is \(options.maxLength).",
                            hint: "Raise \(names.maxLength) or shorten the pattern.")
            }
            result.pattern = compiled
        }
        return result
    }

    /// The index of category `name`, or nil for none (see `CategoryChoice`).
    package func categoryIndex(_ name: String?, names: OptionNames) throws -> Int? {
        try CategoryChoice.resolve(name, option: names.category, checkpoint: checkpoint)
    }
}
