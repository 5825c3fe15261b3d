#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a training run is, as `NameGenerator.train` reports it after every step.
public struct TrainingProgress: Sendable {
    /// Optimisation steps done, from 1 to `steps`.
    public var step: Int
    /// Steps the run takes in all.
    public var steps: Int
    /// The step's training loss: mean negative log-likelihood per character, in nats.
    public var loss: Float
    /// The learning rate of the step.
    public var learningRate: Double
}

extension NameGenerator {
    /// What a checkpoint trained by `train` names as its data file: the names came from memory.
    package static let inMemoryDataFile = "(names in memory)"

    /// Trains a model on `names`, as `namegen train` does on a file with these lines: the same
    /// seeded 80/10/10 split into train, validation and test, the model family's default recipe,
    /// and the same bits for the same names, options and seed. Returns the trained generator,
    /// with its losses measured on every split; `save(to:)` writes it.
    ///
    /// - Parameters:
    ///   - names: one name per element. Leading and trailing white space is dropped, as in a
    ///     file, and so are empty names.
    ///   - categories: for labelled data, the category of each name (same count as `names`);
    ///     the model then learns one distribution per category.
    ///   - model: the model family, one of `NameGenerator.models` ("mlp" by default).
    ///   - steps: optimisation steps; nil for the family's default (50,000 for the mlp).
    ///   - seed: the seed of the split, the initialisation and the minibatches.
    ///   - threads: the most threads the matrix products use; nil for every core.
    ///   - progress: called after every step, on the calling thread.
    /// - Throws: a `NameGenError`: `.usage` for a bad option, `.data` for names that cannot be
    ///   used (none left, too many categories), `.diverged` when the loss blows up.
    public static func train(names: [String], categories: [String]? = nil, model: String = "mlp", steps: Int? = nil,
                             seed: UInt64 = 42, threads: Int? = nil,
                             progress: (TrainingProgress) -> Void = { _ in }) throws -> NameGenerator {
        var arguments = ["--model", model, "--seed", "\(seed)"]
        if let steps { arguments += ["--steps", "\(steps)"] }
        if let threads { arguments += ["--threads", "\(threads)"] }
        // The command line's declarations check every value and supply every default.
        let (request, _) = try TrainCommand.validate(try ParsedArguments(arguments, command: TrainCommand.spec))
        let source = try dataSource(names: names, categories: categories)
        let checkpoint = try TrainingRun.inMemory(source, request: request) { step, steps, loss, rate in
            progress(TrainingProgress(step: step, steps: steps, loss: loss, learningRate: rate))
        }
        return try NameGenerator(checkpoint: checkpoint, threads: request.options.threads)
    }

    /// The names as the data-file reader parses a file of these lines (`category<TAB>name` when
    /// labelled), so that white space and characters are handled exactly as for a file.
    static func dataSource(names: [String], categories: [String]?) throws -> DataSource {
        if let categories, categories.count != names.count {
            throw NameGenError(.usage, "train needs one category per name: \(categories.count) categories for \(names.count) names.")
        }
        var text = ""
        for (i, name) in names.enumerated() {
            guard !name.contains(where: \.isNewline) else {
                throw NameGenError(.data, "Name \(i + 1) holds a line break: \(name.debugDescription).")
            }
            if let category = categories?[i] {
                guard !category.isEmpty, !category.contains(where: { $0.isNewline || $0 == "\t" }) else {
                    throw NameGenError(.data, "Category \(i + 1) is empty or holds a tab or a line break: \(category.debugDescription).")
                }
                text += category + "\t"
            }
            text += name + "\n"
        }
        let bytes = Array(text.utf8)
        var parser = NameParser(source: inMemoryDataFile, labelled: categories != nil)
        try parser.consume(bytes)
        return DataSource(path: inMemoryDataFile, names: try parser.finish(), sha256: SHA256.hex(bytes))
    }
}
