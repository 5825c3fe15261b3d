import Foundation

/// `namegen sample`: names from a trained model, one per line on stdout.
enum SampleCommand: Subcommand {
    static let spec = CommandSpec(
        name: "sample",
        abstract: "Generate names from a trained model.",
        discussion: "Prints one name per line on stdout. A summary on stderr says how many names are new and how many occur in the train, val or test split of the data file.",
        options: [
            OptionSpec(["-n", "--count"], value: "n", help: "Number of names.", default: "10"),
            OptionSpec(["--seed"], value: "n", help: "Random seed; the same seed prints the same names.", default: "a new one each run"),
            OptionSpec(["--temperature"], value: "t", help: "Softmax temperature; 0 always takes the most likely character.", default: "1"),
            OptionSpec(["--top-k"], value: "k", help: "Sample among the k most likely characters only.", default: "all"),
            OptionSpec(["--prefix"], value: "text", help: "Every name starts with these characters."),
            OptionSpec(["--min-length"], value: "n", help: "Shortest name, in characters.", default: "1"),
            OptionSpec(["--max-length"], value: "n", help: "Longest name, in characters; longer ones are drawn again.", default: "50"),
            OptionSpec(["--new"], help: "Only names that are not in the data file."),
            OptionSpec(["--unique"], help: "No name twice."),
            OptionSpec(["--checkpoint"], value: "path", help: "Checkpoint to read.", default: Checkpoint.defaultPath),
            OptionSpec(["--data"], value: "file", help: "Names file for --new and the summary.", default: "the file the model was trained on"),
        ])

    /// The sampling options, validated before the checkpoint is read (the prefix is
    /// checked against the vocabulary later).
    static func validate(_ a: ParsedArguments) throws -> (options: SamplingOptions, seed: UInt64) {
        var options = SamplingOptions()
        options.count = try a.int("--count", in: 1...10_000_000, default: 10)
        let seed = try a.seed("--seed") ?? UInt64.random(in: 0...UInt64.max)
        options.temperature = try a.double("--temperature", in: 0...1e6, default: 1)
        options.topK = try a.int("--top-k", in: 1...1_000_000)
        options.minLength = try a.int("--min-length", in: 1...100_000, default: 1)
        options.maxLength = try a.int("--max-length", in: 1...100_000, default: 50)
        options.unique = a.flag("--unique")
        guard options.minLength <= options.maxLength else {
            throw NameGenError(.usage, "--min-length \(options.minLength) is greater than --max-length \(options.maxLength).")
        }
        return (options, seed)
    }

    static func run(_ a: ParsedArguments, console: Console) throws {
        var (options, seed) = try validate(a)
        let prefix = a.string("--prefix") ?? ""

        let checkpoint = try Checkpoint.read(from: a.string("--checkpoint") ?? Checkpoint.defaultPath)
        let vocabulary = checkpoint.vocabulary
        guard let prefixTokens = vocabulary.encode(prefix) else {
            let bad = prefix.first { vocabulary.token($0) == nil }!
            throw NameGenError(.usage, "The value '\(prefix)' is invalid for '--prefix <text>': the model has no character '\(bad)'.")
        }
        guard prefixTokens.count < options.maxLength else {
            throw NameGenError(.usage, "--prefix '\(prefix)' is as long as --max-length \(options.maxLength) allows.")
        }
        options.prefix = prefixTokens
        let model = try ModelLoader.load(checkpoint)

        // The data file tags names as in train/val/test; --new needs it.
        var dataset: Dataset?
        do {
            dataset = try DataSource.forCheckpoint(checkpoint, override: a.string("--data"), console: console).dataset(for: checkpoint)
        } catch let error as NameGenError where !a.flag("--new") {
            console.warn("no summary of new names: \(error.message)")
        }
        if a.flag("--new"), let dataset {
            options.excluded = Set(dataset.train + dataset.val + dataset.test)
        }

        var rng = RandomGenerator(seed: seed)
        let names = try Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng)
        console.out(names.map { $0 + "\n" }.joined())

        if let dataset {
            let sets = SplitName.allCases.map { Set(dataset.names($0)) }
            var counts = [0, 0, 0]
            var new = 0
            for name in names {
                if let i = sets.firstIndex(where: { $0.contains(name) }) { counts[i] += 1 } else { new += 1 }
            }
            console.err("\(names.count) names (seed \(seed)): \(new) new, \(counts[0]) in train, \(counts[1]) in val, \(counts[2]) in test\n")
        }
    }
}
