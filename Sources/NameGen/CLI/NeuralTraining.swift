import Foundation

/// `namegen train` for the models trained by gradient descent (onehot, mlp): a new run, or
/// `--resume` of a saved one. Owns the files of a run: the CSV log and the checkpoints, written
/// atomically at each improvement in val loss, on an interrupt and at the end.
enum NeuralTraining {
    /// What a run needs besides the model, the data and the split (which the model, the
    /// `DataSource` and the `Dataset` carry); the optimisation part is saved in the checkpoint's
    /// `training` metadata.
    struct RunSettings {
        var checkpointPath: String
        var dedupe: Bool
        var options: TrainingOptions
        var schedule: LearningRateSchedule

        var metadata: [String: String] {
            ["optimizer": options.optimizer.rawValue, "lr": "\(schedule.peak)", "schedule": schedule.shape.rawValue,
             "warmup": "\(schedule.warmup)", "weight_decay": "\(options.weightDecay)", "batch_size": "\(options.batchSize)",
             "target_steps": "\(schedule.steps)", "eval_every": "\(options.evalEvery)", "seed": "\(options.seed)"]
        }
    }

    /// The default peak learning rate of each model and optimiser.
    static func defaultLearningRate(_ kind: ModelKind, _ optimizer: TrainingOptions.Optimizer) -> Double {
        switch (kind, optimizer) {
        case (.onehot, .sgd): return 50
        case (.onehot, .adamw): return 0.1
        case (_, .sgd): return 0.1
        case (_, .adamw): return 0.002
        }
    }

    /// onehot with SGD keeps its rate (the makemore recipe); mlp with SGD divides it by 10 for
    /// the last quarter; AdamW decays along a cosine after the warm-up.
    static func schedule(_ kind: ModelKind, _ options: TrainingOptions) -> LearningRateSchedule {
        let peak = options.learningRate ?? defaultLearningRate(kind, options.optimizer)
        switch options.optimizer {
        case .sgd: return LearningRateSchedule(shape: kind == .onehot ? .constant : .stepDecay, peak: peak, steps: options.steps)
        case .adamw: return LearningRateSchedule(shape: .cosine, peak: peak, steps: options.steps, warmup: options.warmupSteps)
        }
    }

    /// A new run from `settings`.
    static func start(_ settings: TrainCommand.Settings, source: DataSource, dataset: Dataset, console: Console) throws {
        var rng = RandomGenerator(seed: settings.options.seed)
        let v = dataset.vocabulary.size
        if settings.kind == .onehot {
            try TrainCommand.checkOneHotMemory(examples: dataset.windows(.train, blockSize: 1).count, vocabularySize: v)
        } else {
            try TrainCommand.checkMemory(settings.mlp, batchSize: settings.options.batchSize, vocabularySize: v)
        }
        let model: TrainableModel = settings.kind == .onehot
            ? OneHotModel(vocabularySize: v, rng: &rng)
            : MLPModel(config: settings.mlp, vocabularySize: v, rng: &rng)
        let run = RunSettings(checkpointPath: settings.checkpointPath, dedupe: settings.dedupe, options: settings.options,
                              schedule: schedule(settings.kind, settings.options))
        let trainer = Trainer(model: model, train: dataset.windows(.train, blockSize: model.blockSize),
                              val: dataset.windows(.val, blockSize: model.blockSize), options: settings.options,
                              schedule: run.schedule, rng: rng)
        console.err("model \(settings.kind.rawValue): \(model.parameterCount) parameters | \(run.options.optimizer.rawValue) lr \(run.schedule.peak) | batch \(trainer.batchSize) | \(run.schedule.steps) steps | threads \(run.options.threads)\n")
        try train(trainer, run: run, source: source, dataset: dataset, resumed: false, console: console)
    }

    /// `train --resume`: the model, data split and optimisation come from the checkpoint;
    /// `--steps` may extend the run, and the log and thread options may change.
    static func resume(_ a: ParsedArguments, console: Console) throws {
        if let fixed = TrainCommand.fixedOnResume.first(where: { a.has($0) }) {
            throw NameGenError(.usage, "'\(fixed)' cannot be used with '--resume': a resumed run keeps the settings saved in its checkpoint.")
        }
        try TrainCommand.checkPathsNotEmpty(a)
        let path = a.string("--checkpoint") ?? Checkpoint.defaultPath
        let checkpoint = try Checkpoint.read(from: path)
        guard checkpoint.model != .bigram else {
            throw NameGenError(.usage, "A bigram model is counted in one pass and has no run to resume.",
                               hint: "Train it again with 'namegen train --model bigram'.")
        }
        // A damaged model is a checkpoint error (66), as in eval and sample, before the data is read.
        // Its weights are the best-by-val ones; `Trainer.restore` loads the ones to continue from.
        guard let model = try ModelLoader.load(checkpoint) as? TrainableModel else {
            preconditionFailure("every model kind but bigram is trainable")
        }
        let t = checkpoint.training
        func saved(_ key: String) throws -> String {
            guard let value = t[key] else {
                throw NameGenError(.checkpoint, "'\(path)' cannot be resumed: its training metadata has no '\(key)'.",
                                   hint: "Train from the start without --resume.")
            }
            return value
        }
        var options = TrainingOptions()
        guard let optimizer = TrainingOptions.Optimizer(rawValue: try saved("optimizer")),
              let shape = LearningRateSchedule.Shape(rawValue: try saved("schedule")),
              let peak = Double(try saved("lr")), peak.isFinite, peak > 0,
              let warmup = Int(try saved("warmup")), warmup >= 0,
              let weightDecay = Double(try saved("weight_decay")), weightDecay.isFinite, weightDecay >= 0,
              let batchSize = Int(try saved("batch_size")), (1...65_536).contains(batchSize),
              let target = Int(try saved("target_steps")), target >= 1,
              let done = Int(try saved("step")), done >= 0,
              let seed = UInt64(try saved("seed")),
              let savedEvalEvery = Int(t["eval_every"] ?? "0"), savedEvalEvery >= 0 else {
            throw NameGenError(.checkpoint, "'\(path)' cannot be resumed: its training metadata is malformed.",
                               hint: "Train from the start without --resume.")
        }
        options.optimizer = optimizer
        options.learningRate = peak
        options.weightDecay = weightDecay
        options.warmupSteps = warmup
        options.batchSize = batchSize
        options.seed = seed
        options.steps = try a.int("--steps", in: 1...1_000_000_000, default: target)
        options.evalEvery = try a.int("--eval-every", in: 0...1_000_000_000, default: savedEvalEvery)
        options.logEvery = try a.int("--log-every", in: 1...1_000_000_000, default: 1000)
        options.threads = try a.int("--threads", in: 1...256, default: ProcessInfo.processInfo.activeProcessorCount)
        options.logPath = a.string("--log") ?? TrainCommand.defaultLogPath(for: path)

        let dataPath = a.string("--data") ?? checkpoint.dataFile
        try TrainCommand.checkOutputs(data: dataPath, checkpoint: path, log: options.logPath)
        let source = try DataSource.load(dataPath)
        guard source.sha256 == checkpoint.dataSHA256 else {
            throw NameGenError(.data, "'\(source.path)' is not the file this run was trained on (sha256 \(source.sha256.prefix(12))… vs \(checkpoint.dataSHA256.prefix(12))…).",
                               hint: "Resume with the same data file (--data FILE), or train a new model.")
        }
        let dataset = try source.dataset(for: checkpoint)
        guard options.steps > done else {
            throw NameGenError(.usage, "The checkpoint has already trained \(done) steps; --steps \(options.steps) leaves nothing to do.",
                               hint: "Pass a larger --steps to train further.")
        }
        let run = RunSettings(checkpointPath: path, dedupe: checkpoint.dedupe, options: options,
                              schedule: LearningRateSchedule(shape: shape, peak: peak, steps: options.steps, warmup: warmup))
        // The generator is replaced by the saved one in `restore`.
        let trainer = Trainer(model: model, train: dataset.windows(.train, blockSize: model.blockSize),
                              val: dataset.windows(.val, blockSize: model.blockSize), options: options,
                              schedule: run.schedule, rng: RandomGenerator(seed: 0))
        try trainer.restore(from: checkpoint)
        console.err("resuming \(path) at step \(trainer.step) of \(run.schedule.steps)\n")
        try train(trainer, run: run, source: source, dataset: dataset, resumed: true, console: console)
    }

    /// The loop with its files: log, progress, checkpoints on improvement, interrupt and end.
    static func train(_ trainer: Trainer, run: RunSettings, source: DataSource, dataset: Dataset, resumed: Bool,
                      console: Console) throws {
        let model = trainer.model
        let path = run.checkpointPath
        Matmul.maxThreads = run.options.threads
        let log = try run.options.logPath.map {
            try TrainingLog(path: $0, every: max(1, run.schedule.steps / 1000), resumeStep: resumed ? trainer.step : nil)
        }
        let progress = Progress(console: console, totalSteps: run.schedule.steps, firstStep: trainer.step,
                                logEvery: run.options.logEvery)

        /// The checkpoint now: the best model by val (or the current one) plus the state to resume.
        func checkpoint() -> Checkpoint {
            let current = trainer.bestTensors == nil || trainer.bestStep == trainer.step
            var tensors = current ? model.namedTensors() : trainer.bestTensors!
            tensors.merge(trainer.stateTensors(modelTensorsAreCurrent: current)) { a, _ in a }
            return source.checkpoint(of: model, dataset: dataset, dedupe: run.dedupe,
                                     training: run.metadata.merging(trainer.stateMetadata) { _, b in b }, tensors: tensors)
        }

        var savedDuringRun = false
        var events = Trainer.Events()
        events.step = { step, loss, lr in
            progress.step(step, loss: loss, lr: lr)
            log?.step(step, loss: loss, lr: lr)
        }
        events.evaluated = { step, val, improved in
            log?.evaluated(step, val: val, lr: run.schedule.rate(at: step - 1))
            if improved {
                try checkpoint().write(to: path)
                savedDuringRun = true
            }
            progress.note(String(format: "step %d | val loss %.4f%@", step, val, improved ? " | best, saved" : ""))
        }

        Interrupt.install()
        let outcome: Trainer.Outcome
        do {
            outcome = try trainer.run(events: events)
        } catch var error as NameGenError where error.kind == .diverged {
            progress.finishLine()
            error.hint = (error.hint.map { $0 + " " } ?? "")
                + (savedDuringRun ? "'\(path)' holds the best model up to step \(trainer.bestStep ?? 0)."
                                  : "'\(path)' was not changed by this run.")
            throw error
        }
        progress.finishLine()
        let seconds = progress.elapsed, rate = progress.stepsPerSecond

        if outcome == .interrupted {
            try checkpoint().write(to: path)
            throw NameGenError(.interrupted, "\(Interrupt.signalName) at step \(trainer.step) of \(run.schedule.steps); saved a resumable checkpoint to '\(path)'.",
                               hint: "Continue with 'namegen train --resume\(path == Checkpoint.defaultPath ? "" : " --checkpoint \(path)")'.")
        }

        // The saved model is the best by val when evaluating, else the last; report its losses.
        var final = checkpoint()
        let saved = try ModelLoader.load(final)
        var losses: [String: String] = [:]
        let table = TrainCommand.finalLosses(saved, dataset: dataset, into: &losses, stop: { Interrupt.requested })
        if Interrupt.requested {
            // Ctrl-C during the final evaluation (minutes on a large model): keep the trained
            // model, without the losses that were not measured, and stop.
            final.training["seconds"] = String(format: "%.2f", seconds)
            try final.write(to: path)
            throw NameGenError(.interrupted, "\(Interrupt.signalName) during the final evaluation; the trained model (step \(trainer.step) of \(run.schedule.steps)) is saved to '\(path)' without its losses.",
                               hint: "Measure them with 'namegen eval\(path == Checkpoint.defaultPath ? "" : " --checkpoint \(path)")'.")
        }
        final.training.merge(losses) { _, b in b }
        if trainer.evalEvery == 0, let val = losses["val_loss"].flatMap(Double.init), val.isFinite {
            log?.evaluated(trainer.step, val: val, lr: run.schedule.rate(at: trainer.step - 1))
        }
        final.training["seconds"] = String(format: "%.2f", seconds)
        try final.write(to: path)
        console.err(String(format: "saved %@ (%d parameters%@) | %d steps in %.1f s, %.0f steps/s\n", path, model.parameterCount,
                           trainer.bestStep.map { $0 != trainer.step ? ", best val at step \($0)" : "" } ?? "",
                           trainer.step, seconds, rate))
        console.out(table)
    }
}
