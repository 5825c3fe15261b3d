#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `namegen sample`: names from a trained model, one per line on stdout.
enum SampleCommand: Subcommand {
    static let spec = CommandSpec(
        name: "sample",
        abstract: "Generate names from a trained model.",
        discussion: "Prints one name per line on stdout. A summary on stderr says how many names are new and how many occur in the train, val or test split of the data file. Sampling applies the temperature, then --top-k, then --top-p. --pattern masks, at each character, what could no longer match: every name matches, but the draw is the model's step-by-step distribution under the mask, not its exact distribution given a match. --beam searches for the most probable names instead of sampling. A model trained on labelled data draws each name's category with its training frequency, unless --category fixes it.",
        options: [count.spec, seed.spec, temperature.spec, topK.spec, topP.spec, prefix.spec, pattern.spec, minLength.spec,
                  maxLength.spec, new.spec, exclude.spec, unique.spec, category.spec, showCategory.spec, beam.spec, beamWidth.spec, perChar.spec, scores.spec,
                  threads.spec, checkpoint.spec, data.spec])

    static let count = Option<Int>(["-n", "--count"], help: "Number of names.", range: 1...Int.max, default: SamplingOptions().count)
    static let seed = Option<UInt64>(seed: ["--seed"], help: "Random seed; the same seed prints the same names.", default: nil,
                                     defaultText: "a new one each run")
    static let temperature = Option<Double>(["--temperature"], value: "t",
                                            help: "Softmax temperature; 0 always takes the most likely character.",
                                            range: 0...1e6, default: SamplingOptions().temperature)
    static let topK = Option<Int>(["--top-k"], value: "k", help: "Sample among the k most likely characters only.",
                                  range: 1...1_000_000, default: nil, defaultText: "all")
    static let topP = Option<Double>(["--top-p"], value: "p",
                                     help: "Nucleus sampling: only the most likely characters whose probabilities add up to p.",
                                     range: 1e-9...1, default: nil, defaultText: "1, all")
    static let pattern = Option<String>(["--pattern"], value: "glob",
                                        help: "Every name matches: ? one character, * any run, [abc] one of a set, \\c the character c.",
                                        default: nil, allowsEmpty: false)
    static let exclude = Option<String>(["--exclude"], value: "file", help: "Names, one per line, never to print.", default: nil)
    static let beam = Option<Int>(["--beam"], value: "k", help: "The k most probable names, best first, by beam search (no seed).",
                                  range: 1...100_000, default: nil)
    static let beamWidth = Option<Int>(["--beam-width"], value: "w", help: "Partial names kept at each length by --beam.",
                                       range: 1...1_000_000, default: nil, defaultText: "the larger of --beam and \(defaultBeamWidth)")
    static let perChar = Flag(["--per-char"], help: "--beam ranks by log-probability per character (the total favours short names).")
    static let scores = Flag(["--scores"], help: "--beam prints each name's score (natural log) after a tab.")
    static let defaultBeamWidth = NameGenerator.defaultBeamWidth
    static let threads = Option<Int>(["--threads"], help: "Threads drawing names; the names are the same for any number.",
                                     range: 1...256, default: nil, defaultText: "number of cores")
    static let prefix = Option<String>(["--prefix"], value: "text", help: "Every name starts with these characters.",
                                       default: nil, defaultText: nil, allowsEmpty: true)
    static let minLength = Option<Int>(["--min-length"], help: "Shortest name, in characters.", range: 1...100_000, default: SamplingOptions().minLength)
    static let maxLength = Option<Int>(["--max-length"], help: "Longest name, in characters; longer ones are drawn again.",
                                       range: 1...100_000, default: SamplingOptions().maxLength)
    static let new = Flag(["--new"], help: "Only names that are not in the data file.")
    static let unique = Flag(["--unique"], help: "No name twice.")
    static let category = Option<String>(["--category"], value: "name",
                                         help: "Names of this category only (a model trained on labelled data).",
                                         default: nil, defaultText: "each drawn with its training frequency", allowsEmpty: false)
    static let showCategory = Flag(["--show-category"], help: "Print each name as 'category<TAB>name'.")
    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Checkpoint to read.",
                                           default: Checkpoint.defaultPath, allowsEmpty: true)
    static let data = Option<String>(["--data"], value: "file", help: "Names file for --new and the summary.", default: nil,
                                     defaultText: "the file the model was trained on", allowsEmpty: true)

    /// The sampling options, validated before the checkpoint is read (the prefix is
    /// checked against the vocabulary later).
    static func validate(_ a: ParsedArguments) throws -> (options: SamplingOptions, seed: UInt64) {
        var options = SamplingOptions()
        options.count = try a.value(count)
        let seed = try a.given(Self.seed) ?? UInt64.random(in: 0...UInt64.max)
        options.temperature = try a.value(temperature)
        options.topK = try a.given(topK)
        options.topP = try a.given(topP)
        options.minLength = try a.value(minLength)
        options.maxLength = try a.value(maxLength)
        options.unique = a.flag(unique)
        if options.unique && options.count > SamplingOptions.uniqueLimit {
            throw NameGenError(.usage, "--unique accepts at most \(SamplingOptions.uniqueLimit) names (it keeps a hash of each in memory), not \(options.count).")
        }
        if a.has(beam) {
            for conflicting in [AnyOption(temperature), AnyOption(topK), AnyOption(topP), AnyOption(count), AnyOption(Self.seed)]
            where a.has(conflicting.spec) {
                throw NameGenError(.usage, "'\(conflicting.spec.key)' cannot be used with '--beam': beam search takes no samples and returns --beam names.",
                                   hint: "Drop '\(conflicting.spec.key)', or sample without '--beam'.")
            }
        } else {
            for flag in [AnyOption(beamWidth), AnyOption(perChar), AnyOption(scores)] where a.has(flag.spec) {
                throw NameGenError(.usage, "'\(flag.spec.key)' needs '--beam'.", hint: "Add '--beam K' for the K most probable names.")
            }
        }
        guard options.minLength <= options.maxLength else {
            throw NameGenError(.usage, "--min-length \(options.minLength) is greater than --max-length \(options.maxLength).")
        }
        return (options, seed)
    }

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        let (validated, seed) = try validate(a)
        let checkpoint = try Checkpoint.read(from: try a.value(Self.checkpoint))
        if a.flag(showCategory) && checkpoint.categories.isEmpty {
            throw NameGenError(.usage, "'--show-category' needs a model trained on labelled data; '\(try a.value(Self.checkpoint))' has no categories.",
                               hint: "Train on a directory of per-category files or a .tsv of 'category<TAB>name' lines.")
        }
        // The library's options, checked against the model there (prefix, pattern, category).
        var generation = GenerationOptions(seed: seed)
        (generation.temperature, generation.topK, generation.topP) = (validated.temperature, validated.topK, validated.topP)
        (generation.minLength, generation.maxLength, generation.unique) = (validated.minLength, validated.maxLength, validated.unique)
        generation.prefix = try a.given(Self.prefix) ?? ""
        generation.pattern = try a.given(pattern)
        generation.category = try a.given(category)
        let vocabulary = checkpoint.vocabulary
        func label(_ c: Int32) -> String { a.flag(showCategory) ? checkpoint.categories[Int(c)].name + "\t" : "" }
        let generator = try NameGenerator(checkpoint: checkpoint, threads: try a.given(threads) ?? ProcessInfo.processInfo.activeProcessorCount)
        var options = try generator.samplingOptions(generation, count: validated.count, names: .cli)
        if let path = try a.given(exclude) {
            // A name with a character the model lacks can never be drawn: it maps to the
            // start/stop token, which no drawn name contains.
            let loaded: NameFile.Contents
            do {
                loaded = try NameFile.load(path, stop: stop)
            } catch let error as NameGenError where error.kind == .data {
                throw NameGenError(.usage, "The value '\(path)' is invalid for '--exclude <file>': \(error.message)",
                                   hint: "Pass a text file with one name per line.")
            }
            let names = loaded.names.reencodedKeepingUnknown(in: vocabulary)
            var set = NameSet(capacity: names.count)
            for i in 0..<names.count { _ = set.insert(i, of: names) }
            options.exclusions.append(NameLookup(set: set, list: names))
        }
        // The data file tags names as in train/val/test; --new needs it.
        var dataset: Dataset?
        do {
            dataset = try DataSource.forCheckpoint(checkpoint, override: try a.given(data), console: console, stop: stop).dataset(for: checkpoint)
        } catch let error as NameGenError where !a.flag(new) && error.kind != .interrupted {
            console.warn("no summary of new names: \(error.message)")
        }
        // Each split's names, looked up by tokens: --new and the summary.
        let splitNames = dataset.map { d in SplitName.allCases.map { d.lookup([$0]) } }
        if a.flag(new), let dataset {
            options.exclusions.append(NameLookup(combining: splitNames ?? [dataset.lookup(SplitName.allCases)]))
        }

        if let k = try a.given(beam) {
            let width = try a.given(beamWidth) ?? max(k, defaultBeamWidth)
            let results = try generator.mostProbable(options, count: k, width: width, perCharacter: a.flag(perChar))
            var text = ""
            var counts = [0, 0, 0], fresh = 0
            for r in results {
                text += label(r.category) + vocabulary.decode(r.tokens) + (a.flag(scores) ? "\t" + Format.fixed(r.score, 4) : "") + "\n"
                if let splitNames {
                    if let i = splitNames.firstIndex(where: { $0.contains(r.tokens) }) { counts[i] += 1 } else { fresh += 1 }
                }
            }
            console.out(text)
            try console.checkOutput()
            if splitNames != nil {
                console.err("\(results.count) names (beam \(k), width \(width)): \(fresh) new, \(counts[0]) in train, \(counts[1]) in val, \(counts[2]) in test\n")
            }
            guard results.count == k else {
                throw NameGenError(.shortfall, "Only \(results.count) of \(k) names meet the constraints.",
                                   hint: "Relax --min-length/--max-length, --prefix, --pattern, --new or --exclude.")
            }
            return
        }

        // Names stream out as they are drawn, in blocks of about 64 KB, so any count runs in
        // constant memory (but for --unique's set).
        var buffer = ""
        var counts = [0, 0, 0]
        var fresh = 0, total = 0
        var shortfall: NameGenError?
        do {
            try generator.sample(options, seed: seed) { name, tokens, c in
                if a.flag(showCategory) { buffer += label(c) }
                buffer += name
                buffer += "\n"
                if buffer.utf8.count >= 65_536 {
                    console.out(buffer)
                    buffer = ""
                    // A full disk stops the drawing at once rather than after every name.
                    try console.checkOutput()
                }
                total += 1
                if let splitNames {
                    if let i = splitNames.firstIndex(where: { $0.contains(tokens) }) { counts[i] += 1 } else { fresh += 1 }
                }
            }
        } catch let error as NameGenError where error.kind == .shortfall {
            // The names found are printed; the error (exit 69) comes after them.
            shortfall = error
        }
        console.out(buffer)
        try console.checkOutput()

        if splitNames != nil {
            console.err("\(total) names (seed \(seed)): \(fresh) new, \(counts[0]) in train, \(counts[1]) in val, \(counts[2]) in test\n")
        }
        if let shortfall { throw shortfall }
    }
}
