#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `namegen score`: the log-probability of given names under a trained model.
enum ScoreCommand: Subcommand {
    static let spec = CommandSpec(
        name: "score",
        abstract: "Score names under a trained model.",
        discussion: "Prints one line per name: the name, its total log-probability (natural log, the end of the name included), the negative log-likelihood per character (the end counted as a character, as eval counts it) and the perplexity, separated by tabs. A model trained on labelled data scores under --category, or else under the mixture p(name) = sum over c of p(c) p(name | c) with the training frequencies as p(c). Names come as arguments, or one per line from standard input with '-'; they stream, so any number runs in bounded memory. A name that cannot be scored (a character the model lacks) gets an error line, the others go on, and the exit status is 65.",
        options: [category.spec, json.spec, checkpoint.spec],
        positional: (name: "name", help: "Names to score, or '-' to read one per line from standard input.", choices: nil),
        variadic: true)

    static let category = Option<String>(["--category"], value: "name", help: "Score under this category (a model trained on labelled data).",
                                         default: nil, defaultText: "the mixture over every category", allowsEmpty: false)
    static let json = Flag(["--json"], help: "Print one JSON object per line: name, logprob, nll_per_char, perplexity (or error).")
    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Checkpoint to read.",
                                           default: Checkpoint.defaultPath, allowsEmpty: true)

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        try NameInput.check(a)
        let checkpoint = try Checkpoint.read(from: try a.value(Self.checkpoint))
        let generator = try NameGenerator(checkpoint: checkpoint)
        let chosen = try generator.categoryIndex(try a.given(category), names: .cli)
        var failures = NameFailures()
        try NameInput.forEachBatch(a, stop: stop) { names in
            var out = ""
            for s in try generator.score(names, categoryIndex: chosen) {
                if let row = failures.record(s.name, error: s.error, json: a.flag(json)) {
                    out += row
                    continue
                }
                let logp = s.logProbability!, nll = s.nllPerCharacter!, ppl = s.perplexity!
                if a.flag(json) {
                    var object: [String: JSON] = ["name": .string(s.name), "logprob": .real(logp), "nll_per_char": .real(nll),
                                                  "perplexity": .real(ppl), "characters": .int(s.characters)]
                    if let chosen { object["category"] = .string(checkpoint.categories[chosen].name) }
                    out += JSON.object(object).text() + "\n"
                } else {
                    out += s.name + "\t" + Format.fixed(logp, 6) + "\t" + Format.fixed(nll, 6) + "\t" + Format.fixed(ppl, 4) + "\n"
                }
            }
            console.out(out)
            try console.checkOutput()
        }
        try failures.finish(verb: "scored")
    }
}

/// `namegen classify`: the most probable categories of given names, by Bayes' rule.
enum ClassifyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "classify",
        abstract: "Say which categories names most likely belong to.",
        discussion: "For a model trained on labelled data: prints each name followed by its --top most probable categories and their posterior probabilities p(c | name), proportional to p(c) p(name | c) with the training frequencies as p(c), separated by tabs, best first. Names come as arguments, or one per line from standard input with '-', and stream. A name that cannot be scored gets an error line, the others go on, and the exit status is 65.",
        options: [top.spec, json.spec, checkpoint.spec],
        positional: (name: "name", help: "Names to classify, or '-' to read one per line from standard input.", choices: nil),
        variadic: true)

    static let top = Option<Int>(["--top"], value: "k", help: "Categories shown per name.", range: 1...Categories.limit, default: 1)
    static let json = Flag(["--json"], help: "Print one JSON object per line: name and categories, a list of {category, probability}.")
    static let checkpoint = ScoreCommand.checkpoint

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        try NameInput.check(a)
        let k = try a.value(top)
        let path = try a.value(checkpoint)
        let checkpoint = try Checkpoint.read(from: path)
        guard !checkpoint.categories.isEmpty else {
            throw NameGenError(.usage, "'\(path)' was trained on names without categories, so it cannot classify.",
                               hint: "Train on labelled data: a directory of per-category files, or a .tsv of 'category<TAB>name' lines.")
        }
        let generator = try NameGenerator(checkpoint: checkpoint)
        var failures = NameFailures()
        try NameInput.forEachBatch(a, stop: stop) { names in
            var out = ""
            for c in try generator.classify(names) {
                if let row = failures.record(c.name, error: c.error, json: a.flag(json)) {
                    out += row
                    continue
                }
                let best = c.categories.prefix(k)
                if a.flag(json) {
                    let list = best.map { ["category": .string($0.category), "probability": .real($0.probability)] as JSON }
                    out += (["name": .string(c.name), "categories": .array(Array(list))] as JSON).text() + "\n"
                } else {
                    out += c.name + best.map { "\t" + $0.category + "\t" + Format.fixed($0.probability, 4) }.joined() + "\n"
                }
            }
            console.out(out)
            try console.checkOutput()
        }
        try failures.finish(verb: "classified")
    }
}

/// The names `score` and `classify` read: the arguments, or the lines of standard input for '-'.
enum NameInput {
    static func check(_ a: ParsedArguments) throws {
        guard !a.positionals.isEmpty else {
            throw NameGenError(.usage, "'\(a.command.name)' needs names: give them as arguments, or '-' to read one per line from standard input.",
                               hint: "e.g. namegen \(a.command.name) emma olivia, or namegen \(a.command.name) - < names.txt")
        }
        if a.positionals.contains("-") && a.positionals.count > 1 {
            throw NameGenError(.usage, "'-' reads the names from standard input and cannot be mixed with names as arguments.")
        }
    }

    /// Calls `body` with each batch of names, in order.
    static func forEachBatch(_ a: ParsedArguments, stop: StopRequest, _ body: ([String]) throws -> Void) throws {
        guard a.positionals == ["-"] else { return try body(a.positionals) }
        var lines = try LineBatches(NameFile.standardInput, stop: stop)
        defer { lines.close() }
        while let batch = try lines.next() {
            try body(batch)
            if stop.isRequested { throw stop.interrupted("\(stop.signalName) while reading standard input.") }
        }
    }

}

/// The names `score` or `classify` could not handle, counted as their error lines are written.
struct NameFailures {
    private var failed = 0, total = 0
    private var first: String?

    /// Counts one name; for a name with an error, returns its line (JSON or text).
    mutating func record(_ name: String, error: String?, json: Bool) -> String? {
        total += 1
        guard let error else { return nil }
        failed += 1
        first = first ?? "'\(name)': \(error)"
        return json ? (["name": .string(name), "error": .string(error)] as JSON).text() + "\n" : "\(name)\terror: \(error)\n"
    }

    /// A data error (exit 65) when some names failed.
    func finish(verb: String) throws {
        guard failed > 0 else { return }
        throw NameGenError(.data, "\(failed) of \(total) names could not be \(verb) (the first, \(first ?? "")).",
                           hint: "Their lines say why; the others were \(verb).")
    }
}
