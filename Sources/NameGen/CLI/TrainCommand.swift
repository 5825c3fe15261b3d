#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `namegen train`: parses and checks the options, then runs the library's `TrainingRun`
/// and prints its loss table. The model options come from the registry's families.
enum TrainCommand: Subcommand {
    static let model = Option<String>(["--model"], value: "model", help: "Model to train.", choices: ModelRegistry.names,
                                      default: ModelRegistry.defaultName)
    static let data = Option<String>(["--data"], value: "file",
                                     help: "Names file, one name per line (UTF-8); a directory of per-category files, or a .tsv of 'category<TAB>name' lines, is labelled.",
                                     default: "names.txt")
    static let labelled = Flag(["--labelled"], help: "Read --data as 'category<TAB>name' lines whatever its name (for standard input).")
    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Where to write the checkpoint.",
                                           default: Checkpoint.defaultPath)
    static let seed = Option<UInt64>(seed: ["--seed"], help: "Seed for initialisation, minibatches and dropout.",
                                     default: TrainingOptions().seed)
    static let splitSeed = Option<UInt64>(seed: ["--split-seed"], help: "Seed of the train/val/test shuffle.", default: SplitConfig().seed)
    static let trainFraction = Option<Double>(["--train-fraction"], value: "f", help: "Fraction of the names used for training.",
                                              range: 0.000_001...1, default: SplitConfig().trainFraction)
    static let valFraction = Option<Double>(["--val-fraction"], value: "f",
                                            help: "Fraction of the names used for validation; the rest is test.",
                                            range: 0...0.999_999, default: SplitConfig().valFraction)
    static let dedupe = Flag(["--dedupe"], help: "Drop repeated names before the split.")
    static let resume = Flag(["--resume"], help: "Continue the run saved in --checkpoint (after Ctrl-C, or with a larger --steps).")
    static let force = Flag(["--force"], help: "Replace the model already in --checkpoint, once this run finishes.")

    typealias Training = TrainingOptions.Declared

    /// Options that define the run before the model's own.
    static let general = [AnyOption(model), AnyOption(data), AnyOption(checkpoint), AnyOption(seed), AnyOption(splitSeed),
                          AnyOption(trainFraction), AnyOption(valFraction), AnyOption(dedupe), AnyOption(labelled)]
    /// How the model is optimised: unused by a model without a training recipe.
    static let optimisation = [AnyOption(Training.optimizer), AnyOption(Training.learningRate), AnyOption(Training.weightDecay),
                               AnyOption(Training.warmup), AnyOption(Training.batchSize)]
    /// The run's length, evaluation, log and threads: these may change on --resume.
    static let schedule = [AnyOption(Training.steps), AnyOption(Training.evalEvery), AnyOption(Training.logEvery),
                           AnyOption(Training.log), AnyOption(Training.threads)]
    static let modelOptions = ModelRegistry.mergedOptions

    static let spec = CommandSpec(
        name: "train",
        abstract: "Train a model on a file of names.",
        discussion: """
            Reads one name per line, splits the names into train/val/test with a seeded shuffle, \
            trains the model on train and writes one checkpoint (safetensors) that 'sample', \
            'eval' and 'info' read.
            """.split(separator: "\n").joined(separator: " "),
        options: (general + modelOptions.map(\.option) + optimisation + schedule + [AnyOption(resume), AnyOption(force)]).map(\.spec))

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        if stop === Interrupt.request { Interrupt.install() }
        if a.flag(resume) {
            if a.flag(force) {
                throw NameGenError(.usage, "'--force' cannot be used with '--resume': a resumed run continues the checkpoint it replaces.")
            }
            let table = try TrainingRun.resume(try resumeRequest(a), console: console, stop: stop)
            console.out(table)
            return
        }
        let (request, family) = try validate(a)
        for option in ignoredOptions(a, family: family, optimizer: request.options.optimizer) {
            console.warn("'\(option)' has no effect on a \(family.name) model\(option == Training.warmup.key ? " trained with sgd" : "").")
        }
        console.out(try TrainingRun.start(request, console: console, stop: stop))
    }

    /// Everything a new run needs, checked before any file is touched: every option given is
    /// checked against its declaration, whichever model reads it.
    static func validate(_ a: ParsedArguments) throws -> (TrainingRequest, ModelEntry) {
        let family = ModelRegistry.family(named: try a.value(model))!
        let ownKeys = Set(family.options.map(\.spec.key))
        for (option, _) in modelOptions where a.has(option.spec) && !ownKeys.contains(option.spec.key) {
            if let text = a.values[option.spec.key], let why = option.check(text) {
                throw UsageError.badValue(option.spec, text, why)
            }
        }
        let dataPath = try a.value(data)
        let checkpointPath = try a.value(checkpoint)
        let split = SplitConfig(seed: try a.value(splitSeed), trainFraction: try a.value(trainFraction),
                                valFraction: try a.value(valFraction))
        try split.validate()
        // The model's options, checked now; built again with the data's facts once it is read.
        _ = try family.setup(from: a, data: nil)

        var options = TrainingOptions()
        let recipe = family.recipe
        options.seed = try a.value(seed)
        options.optimizer = try a.given(Training.optimizer) ?? recipe?.optimizer ?? .sgd
        options.learningRate = try a.given(Training.learningRate)
        options.weightDecay = try a.given(Training.weightDecay) ?? recipe?.weightDecay ?? 0
        options.warmupSteps = try a.value(Training.warmup)
        options.batchSize = try a.value(Training.batchSize)
        options.steps = try a.given(Training.steps) ?? recipe?.steps ?? 1
        options.evalEvery = try a.value(Training.evalEvery)
        options.logEvery = try a.value(Training.logEvery)
        options.threads = try a.given(Training.threads) ?? ProcessInfo.processInfo.activeProcessorCount
        options.logPath = try a.given(Training.log) ?? RunPaths.defaultLog(for: checkpointPath)
        if recipe != nil {
            // Before the data is read the vocabulary is not known (0); the run checks again with it.
            try TrainingRun.checkMemory(try family.setup(from: a, data: nil), batchSize: options.batchSize,
                                        data: DataFacts(vocabularySize: 0, longestName: 0, trainExamples: 0))
        }
        try TrainingRun.checkOutputs(data: dataPath, checkpoint: checkpointPath, log: options.logPath)
        var request = TrainingRequest(configure: { facts in try family.setup(from: a, data: facts) }, dataPath: dataPath,
                                      checkpointPath: checkpointPath, split: split, dedupe: a.flag(dedupe), options: options)
        request.force = a.flag(force)
        request.labelled = a.flag(labelled)
        return (request, family)
    }

    /// What `--resume` may change; the options that define the run are refused.
    static func resumeRequest(_ a: ParsedArguments) throws -> ResumeRequest {
        let fixed = general.filter { $0.spec.key != data.key && $0.spec.key != checkpoint.key } + modelOptions.map(\.option)
            + optimisation
        if let given = fixed.first(where: { a.has($0.spec) }) {
            throw NameGenError(.usage, "'\(given.spec.key)' cannot be used with '--resume': a resumed run keeps the settings saved in its checkpoint.")
        }
        let checkpointPath = try a.value(checkpoint)
        return ResumeRequest(checkpointPath: checkpointPath, dataPath: try a.given(data), steps: try a.given(Training.steps),
                             evalEvery: try a.given(Training.evalEvery), logEvery: try a.value(Training.logEvery),
                             logPath: try a.given(Training.log) ?? RunPaths.defaultLog(for: checkpointPath),
                             threads: try a.given(Training.threads) ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Options given on the command line that the chosen model (and optimizer) does not use.
    static func ignoredOptions(_ a: ParsedArguments, family: ModelEntry, optimizer: Optimizer.Kind) -> [String] {
        let own = Set(family.options.map(\.spec.key))
        var unused = modelOptions.map(\.option.spec).filter { !own.contains($0.key) }
        if let recipe = family.recipe {
            if recipe.fullBatch { unused.append(Training.batchSize.spec) }
            if optimizer == .sgd { unused.append(Training.warmup.spec) }
        } else {
            unused += (optimisation + schedule).map(\.spec)
        }
        return unused.filter { a.has($0) }.map(\.key)
    }
}
