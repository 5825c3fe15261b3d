import Foundation

/// `namegen train`: builds the data set, trains a model and writes the checkpoint.
enum TrainCommand: Subcommand {
    static let spec = CommandSpec(
        name: "train",
        abstract: "Train a model on a file of names.",
        discussion: """
            Reads one name per line, splits the names into train/val/test with a seeded shuffle, \
            trains the model on train and writes one checkpoint (safetensors) that 'sample', \
            'eval' and 'info' read.
            """.split(separator: "\n").joined(separator: " "),
        options: [
            OptionSpec(["--model"], value: "model", help: "Model to train.", choices: ModelKind.allCases.map(\.rawValue), default: "mlp"),
            OptionSpec(["--data"], value: "file", help: "Names file, one name per line (UTF-8).", default: "names.txt"),
            OptionSpec(["--checkpoint"], value: "path", help: "Where to write the checkpoint.", default: Checkpoint.defaultPath),
            OptionSpec(["--seed"], value: "n", help: "Seed for initialisation, minibatches and dropout.", default: "42"),
            OptionSpec(["--split-seed"], value: "n", help: "Seed of the train/val/test shuffle.", default: "42"),
            OptionSpec(["--train-fraction"], value: "f", help: "Fraction of the names used for training.", default: "0.8"),
            OptionSpec(["--val-fraction"], value: "f", help: "Fraction of the names used for validation; the rest is test.", default: "0.1"),
            OptionSpec(["--dedupe"], help: "Drop repeated names before the split."),
            OptionSpec(["--smoothing"], value: "k", help: "bigram: add-k smoothing of the counts.", default: "1"),
            OptionSpec(["--block-size"], value: "n", help: "mlp: characters of context.", default: "8"),
            OptionSpec(["--embed"], value: "n", help: "mlp: embedding size per character.", default: "10"),
            OptionSpec(["--hidden"], value: "n", help: "mlp: units per hidden layer.", default: "200"),
            OptionSpec(["--layers"], value: "n", help: "mlp: number of hidden layers.", default: "6"),
            OptionSpec(["--activation"], value: "name", help: "mlp: hidden activation.", choices: MLPConfig.Activation.allCases.map(\.rawValue), default: "tanh"),
            OptionSpec(["--batchnorm"], help: "mlp: BatchNorm after each hidden Linear (the default)."),
            OptionSpec(["--no-batchnorm"], help: "mlp: no BatchNorm; the hidden Linear layers get a bias."),
            OptionSpec(["--dropout"], value: "p", help: "mlp: dropout probability after each activation.", default: "0"),
            OptionSpec(["--optimizer"], value: "name", help: "Optimizer: SGD (mlp: lr/10 for the last quarter) or AdamW with cosine decay.", choices: TrainingOptions.Optimizer.allCases.map(\.rawValue), default: "sgd"),
            OptionSpec(["--lr"], value: "lr", help: "Peak learning rate.", default: "mlp: 0.1 sgd, 0.002 adamw; onehot: 50 sgd (constant), 0.1 adamw"),
            OptionSpec(["--weight-decay"], value: "wd", help: "Weight decay (L2 for sgd, decoupled for adamw; onehot: L2 on W).", default: "0"),
            OptionSpec(["--warmup"], value: "steps", help: "adamw: linear warm-up steps.", default: "0"),
            OptionSpec(["--batch-size"], value: "n", help: "Examples per step (onehot always uses the full batch).", default: "32"),
            OptionSpec(["--steps"], value: "n", help: "Optimisation steps.", default: "50000 for mlp, 200 for onehot"),
            OptionSpec(["--eval-every"], value: "n", help: "Evaluate on val every n steps and keep the best checkpoint; 0 evaluates at the end only.", default: "0"),
            OptionSpec(["--log-every"], value: "n", help: "Log line interval when stderr is not a terminal.", default: "1000"),
            OptionSpec(["--log"], value: "file", help: "CSV training log (step, train_loss, val_loss, lr).", default: "the checkpoint path with .csv"),
            OptionSpec(["--threads"], value: "n", help: "Threads for the matrix products at most; every 5,000 steps training times all against one and keeps the faster (results are the same).", default: "number of cores"),
            OptionSpec(["--resume"], help: "Continue the run saved in --checkpoint (after Ctrl-C, or with a larger --steps)."),
        ])

    /// Options that define the model and its optimisation: fixed by the checkpoint on --resume.
    static let fixedOnResume = ["--model", "--seed", "--split-seed", "--train-fraction", "--val-fraction", "--dedupe",
                                "--smoothing", "--block-size", "--embed", "--hidden", "--layers", "--activation",
                                "--batchnorm", "--no-batchnorm", "--dropout", "--optimizer", "--lr", "--weight-decay",
                                "--warmup", "--batch-size"]

    /// Everything `train` needs, validated before any file is touched.
    struct Settings {
        var kind: ModelKind
        var dataPath: String
        var checkpointPath: String
        var split: SplitConfig
        var dedupe: Bool
        var smoothing: Double
        var mlp: MLPConfig
        var options: TrainingOptions
    }

    /// An empty path is a usage error rather than a failed write after training.
    static func checkPathsNotEmpty(_ a: ParsedArguments) throws {
        for key in ["--data", "--checkpoint", "--log"] where a.string(key) == "" {
            throw NameGenError(.usage, "The value '' is invalid for '\(key) <\(key == "--checkpoint" ? "path" : "file")>': it must be a file path.")
        }
    }

    static func validate(_ a: ParsedArguments) throws -> Settings {
        try checkPathsNotEmpty(a)
        let kind = ModelKind(rawValue: a.string("--model") ?? "mlp")!
        let checkpointPath = a.string("--checkpoint") ?? Checkpoint.defaultPath
        let split = SplitConfig(seed: try a.seed("--split-seed") ?? 42,
                                trainFraction: try a.double("--train-fraction", in: 0.000_001...1, default: 0.8),
                                valFraction: try a.double("--val-fraction", in: 0...0.999_999, default: 0.1))
        try split.validate()
        let smoothing = try a.double("--smoothing", in: 0...1e9, default: 1)
        if a.flag("--batchnorm") && a.flag("--no-batchnorm") {
            throw NameGenError(.usage, "'--batchnorm' and '--no-batchnorm' cannot be used together.")
        }
        var mlp = MLPConfig()
        mlp.blockSize = try a.int("--block-size", in: 1...256, default: mlp.blockSize)
        mlp.embed = try a.int("--embed", in: 1...1024, default: mlp.embed)
        mlp.hidden = try a.int("--hidden", in: 1...8192, default: mlp.hidden)
        mlp.layers = try a.int("--layers", in: 1...64, default: mlp.layers)
        mlp.activation = MLPConfig.Activation(rawValue: a.string("--activation") ?? "tanh")!
        mlp.batchNorm = !a.flag("--no-batchnorm")
        mlp.dropout = Float(try a.double("--dropout", in: 0...0.99, default: 0))

        var options = TrainingOptions()
        options.seed = try a.seed("--seed") ?? 42
        options.optimizer = TrainingOptions.Optimizer(rawValue: a.string("--optimizer") ?? "sgd")!
        options.learningRate = try a.double("--lr", in: 1e-12...1e12)
        options.weightDecay = try a.double("--weight-decay", in: 0...1e6, default: 0)
        options.warmupSteps = try a.int("--warmup", in: 0...1_000_000_000, default: 0)
        options.batchSize = try a.int("--batch-size", in: 1...65_536, default: 32)
        options.steps = try a.int("--steps", in: 1...1_000_000_000, default: kind == .onehot ? 200 : 50_000)
        options.evalEvery = try a.int("--eval-every", in: 0...1_000_000_000, default: 0)
        options.logEvery = try a.int("--log-every", in: 1...1_000_000_000, default: 1000)
        options.threads = try a.int("--threads", in: 1...256, default: ProcessInfo.processInfo.activeProcessorCount)
        options.logPath = a.string("--log") ?? Self.defaultLogPath(for: checkpointPath)
        if kind == .mlp {
            try checkMemory(mlp, batchSize: options.batchSize)
        }
        try checkOutputs(data: a.string("--data") ?? "names.txt", checkpoint: checkpointPath, log: options.logPath)
        return Settings(kind: kind, dataPath: a.string("--data") ?? "names.txt", checkpointPath: checkpointPath,
                        split: split, dedupe: a.flag("--dedupe"), smoothing: smoothing, mlp: mlp, options: options)
    }

    static func run(_ a: ParsedArguments, console: Console) throws {
        if a.flag("--resume") {
            try NeuralTraining.resume(a, console: console)
            return
        }
        let settings = try validate(a)
        for option in ignoredOptions(a, kind: settings.kind, optimizer: settings.options.optimizer) {
            console.warn("'\(option)' has no effect on a \(settings.kind.rawValue) model\(option == "--warmup" ? " trained with sgd" : "").")
        }
        let source = try DataSource.load(settings.dataPath)
        let dataset = try Dataset(names: source.names, split: settings.split, dedupe: settings.dedupe)
        console.err("data \(settings.dataPath): \(source.names.count) names, vocabulary \(dataset.vocabulary.size) | train \(dataset.count(.train)) | val \(dataset.count(.val)) | test \(dataset.count(.test))\n")
        if settings.options.evalEvery > 0 && settings.kind != .bigram && dataset.count(.val) == 0 {
            console.warn("'--eval-every' needs a val split, and --val-fraction leaves it empty: the last model is kept.")
        }
        switch settings.kind {
        case .bigram:
            let bigram = BigramModel(vocabularySize: dataset.vocabulary.size, smoothing: Float(settings.smoothing))
            bigram.fit(dataset.windows(.train, blockSize: 1))
            var training = ["steps": "0"]
            let losses = finalLosses(bigram, dataset: dataset, into: &training)
            try source.checkpoint(of: bigram, dataset: dataset, dedupe: settings.dedupe, training: training,
                                  tensors: bigram.namedTensors()).write(to: settings.checkpointPath)
            console.err("saved \(settings.checkpointPath) (\(bigram.parameterCount) parameters)\n")
            console.out(losses)
        case .onehot, .mlp:
            try NeuralTraining.start(settings, source: source, dataset: dataset, console: console)
        }
    }

    /// Evaluates every split (exact up to `Evaluation.exactLimit` examples, estimated above),
    /// records `<split>_loss` in `training`, and returns the loss table. `stop` ends the
    /// evaluation early (Ctrl-C); the caller then discards the table.
    static func finalLosses(_ model: LanguageModel, dataset: Dataset, into training: inout [String: String],
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            stop: () -> Bool = { false }) -> String {
        guard let report = try? LossReport.evaluate(model, on: dataset, exactUpTo: Evaluation.exactLimit, threads: threads,
                                                    stop: stop) else { return "" }
        for r in report.rows {
            training["\(r.split.rawValue)_loss"] = r.loss.map { String(format: "%.6f", $0.mean) } ?? "–"
            if let se = r.loss?.standardError { training["\(r.split.rawValue)_loss_standard_error"] = String(format: "%.6f", se) }
        }
        return report.table
    }

    /// Options given on the command line that the chosen model (and optimizer) does not use.
    static func ignoredOptions(_ a: ParsedArguments, kind: ModelKind, optimizer: TrainingOptions.Optimizer) -> [String] {
        let mlpOnly = ["--block-size", "--embed", "--hidden", "--layers", "--activation", "--batchnorm", "--no-batchnorm", "--dropout"]
        let trained = ["--optimizer", "--lr", "--weight-decay", "--warmup", "--batch-size", "--steps", "--eval-every", "--log-every", "--log", "--threads"]
        var unused: [String]
        switch kind {
        case .bigram: unused = mlpOnly + trained
        case .onehot: unused = mlpOnly + ["--smoothing", "--batch-size"]
        case .mlp: unused = ["--smoothing"]
        }
        if kind != .bigram && optimizer == .sgd { unused.append("--warmup") }
        return unused.filter { a.has($0) }
    }

    /// `checkpoints/model.safetensors` → `checkpoints/model.csv`.
    static func defaultLogPath(for checkpoint: String) -> String {
        let url = URL(fileURLWithPath: checkpoint)
        let base = url.pathExtension.isEmpty ? checkpoint : String(checkpoint.dropLast(url.pathExtension.count + 1))
        return base + ".csv"
    }

    /// Refuses a checkpoint or log path that names the data file or each other: the later
    /// write would silently replace the earlier file (e.g. '--log names.txt' overwrote the names).
    static func checkOutputs(data: String, checkpoint: String, log: String?) throws {
        func same(_ a: String, _ b: String) -> Bool {
            let ua = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath()
            let ub = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
            return ua.path == ub.path
        }
        if same(checkpoint, data) {
            throw NameGenError(.usage, "--checkpoint '\(checkpoint)' is the data file; training would overwrite the names.",
                               hint: "Pass another --checkpoint.")
        }
        if let log, same(log, data) {
            throw NameGenError(.usage, "--log '\(log)' is the data file; the training log would overwrite the names.",
                               hint: "Pass another --log.")
        }
        if let log, same(log, checkpoint) {
            throw NameGenError(.usage, "--log '\(log)' is the checkpoint; one would overwrite the other.",
                               hint: "Pass another --log.")
        }
    }

    /// Refuses models whose activations and parameters would need more than 8 GiB. Before the
    /// data is read the vocabulary size is not known (0); `NeuralTraining.start` checks again with it.
    static func checkMemory(_ config: MLPConfig, batchSize: Int, vocabularySize v: Int = 0) throws {
        let b = Double(batchSize), h = Double(config.hidden), inputs = Double(config.blockSize * config.embed)
        let perLayer = b * h * 6
        let floats = perLayer * Double(config.layers) + b * inputs * 2 + b * Double(v) * 3
        // Weight, gradient and two AdamW moments per parameter; the first layer is (hidden, block·embed).
        let params = (h * inputs + h * h * Double(config.layers - 1) + Double(v) * (Double(config.embed) + h + 1)) * 4
        guard (floats + params) * 4 <= 8 * 1024 * 1024 * 1024 else {
            throw NameGenError(.usage, "That model would need more than 8 GiB of memory (--batch-size \(batchSize), --block-size \(config.blockSize), --embed \(config.embed), --hidden \(config.hidden), --layers \(config.layers)).",
                               hint: "Use smaller values.")
        }
    }

    /// onehot trains on the full batch: four (examples, V) matrices.
    static func checkOneHotMemory(examples: Int, vocabularySize v: Int) throws {
        guard Double(examples) * Double(v) * 4 * 4 + Double(v) * Double(v) * 4 * 4 <= 8 * 1024 * 1024 * 1024 else {
            throw NameGenError(.usage, "The onehot model trains on all \(examples) training examples at once; with \(v) tokens that needs more than 8 GiB of memory.",
                               hint: "Use --model mlp, a smaller --train-fraction, or a smaller file.")
        }
    }
}

/// The loss table that `train` and `eval` print.
enum LossTable {
    static func render(rows: [(split: String, names: Int, nll: Double)]) -> String {
        var out = "split   names      nll   perplexity   bits/char\n"
        for r in rows {
            out += r.split.padding(toLength: 5, withPad: " ", startingAt: 0)
                + String(format: " %7d  %7.4f  %11.4f  %10.4f\n", r.names, r.nll, exp(r.nll), r.nll / log(2.0))
        }
        return out
    }
}
