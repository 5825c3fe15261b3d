#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `namegen train` asks for, validated before any file is touched.
package struct TrainingRequest {
    /// The model's setup once the data's facts are known (a default may depend on them).
    package var configure: (DataFacts) throws -> ModelSetup
    package var dataPath: String
    package var checkpointPath: String
    package var split: SplitConfig
    package var dedupe: Bool
    /// Read the data as `category<TAB>name` lines whatever its name (standard input); a
    /// `.tsv` file or a directory is labelled anyway.
    package var labelled = false
    package var options: TrainingOptions
    /// Replace a checkpoint (finished or not) that is already at `checkpointPath`, once this run finishes.
    package var force = false
}

/// What `namegen train --resume` may change: the rest comes from the checkpoint.
package struct ResumeRequest {
    package var checkpointPath: String
    /// nil: the file the checkpoint names.
    package var dataPath: String?
    /// nil: the saved target.
    package var steps: Int?
    /// nil: the saved interval.
    package var evalEvery: Int?
    package var logEvery: Int
    package var logPath: String
    package var threads: Int
}

/// The training driver: a new run or a resumed one, with its files. It builds the model
/// through the registry, runs the `Trainer`, writes the CSV log and the checkpoints, evaluates
/// the saved model on every split and returns the loss table. The command line only parses
/// and prints.
///
/// Nothing finished is lost (see `RunPaths`): a run holds a lock on its checkpoint path, refuses
/// to start over an existing checkpoint unless forced, checks before any work that its files
/// can be written, trains into the `.partial` files (atomically: at each improvement in val
/// loss and on an interrupt), and only when it finishes renames them over the finished ones.
package enum TrainingRun {
    /// Models that would need more memory than this are refused before any work.
    package static let memoryLimit: Double = 8 * 1024 * 1024 * 1024

    /// Refuses a setup whose estimate exceeds `memoryLimit`: a usage error naming what drives it.
    package static func checkMemory(_ setup: ModelSetup, batchSize: Int, data: DataFacts) throws {
        guard setup.memoryEstimate(batchSize: batchSize, data: data) <= memoryLimit else {
            throw NameGenError(.usage, "That model would need more than 8 GiB of memory (\(setup.memoryDrivers(batchSize: batchSize, data: data))).",
                               hint: "Use smaller values, a smaller --train-fraction or a smaller file.")
        }
    }

    /// A new run. Returns the loss table of the saved model.
    package static func start(_ request: TrainingRequest, console: Console, stop: StopRequest) throws -> String {
        let paths = RunPaths(checkpoint: RunPaths.resolved(request.checkpointPath),
                             log: request.options.logPath.map(RunPaths.resolved))
        try checkOutputs(data: request.dataPath, checkpoint: paths.checkpoint, log: paths.log)
        try RunPaths.checkWritable(paths.checkpoint, option: "--checkpoint")
        let locks = try RunLock.all(paths)
        defer { locks.forEach { $0.release() } }
        try checkLog(paths)
        if !request.force { try refuseToReplace(paths) }
        try checkWritable(paths)
        let source = try DataSource.load(request.dataPath, labelled: request.labelled, console: console, stop: stop)
        let dataset = try Dataset(names: source.names, split: request.split, dedupe: request.dedupe)
        console.err("data \(source.displayName): \(source.names.count) names, vocabulary \(dataset.vocabulary.size) | train \(dataset.count(.train)) | val \(dataset.count(.val)) | test \(dataset.count(.test))\n")
        let facts = DataFacts(vocabularySize: dataset.vocabulary.size, longestName: dataset.longestName,
                              trainExamples: dataset.exampleCount(.train))
        let setup = try request.configure(facts)
        var options = request.options
        guard let recipe = setup.recipe else {
            // Counted in one pass: no optimizer, no steps.
            var rng = RandomGenerator(seed: options.seed)
            let model = setup.build(dataset: dataset, rng: &rng)
            var checkpoint = source.checkpoint(of: setup, dataset: dataset, dedupe: request.dedupe, run: RunRecord(),
                                               tensors: model.namedTensors())
            let counted = checkpoint
            guard let report = try finalLosses(model, copy: { try setup.load(from: counted) }, threads: options.threads,
                                               layout: .windows, dataset: dataset, console: console, stop: stop) else {
                throw stop.interrupted("\(stop.signalName) during the evaluation; nothing was saved.")
            }
            for row in report.rows { checkpoint.run.losses[row.split] = row.loss?.mean }
            try save(checkpoint, to: paths.checkpoint)
            console.err("saved \(request.checkpointPath) (\(model.parameterCount) parameters)\n")
            return report.table
        }
        if options.evalEvery > 0 && dataset.count(.val) == 0 {
            console.warn("'--eval-every' needs a val split, and --val-fraction leaves it empty: the last model is kept.")
        }
        try checkMemory(setup, batchSize: options.batchSize, data: facts)
        let (trainer, optimization) = newTrainer(setup, recipe: recipe, dataset: dataset, options: &options)
        let model = trainer.model
        console.err("model \(setup.name): \(model.parameterCount) parameters | \(options.optimizer.rawValue) lr \(trainer.schedule.peak) | batch \(trainer.batchSize) | \(trainer.schedule.steps) steps | threads \(options.threads)\n")
        let files = RunFiles(paths: paths, logEvery: options.logEvery, source: source, dataset: dataset, dedupe: request.dedupe,
                             setup: setup)
        return try train(trainer, optimization: optimization, files: files, previousLog: nil, console: console, stop: stop)
    }

    /// `train --resume`: the model, data split and optimisation come from the checkpoint;
    /// `--steps` may extend the run, and the log and thread options may change.
    package static func resume(_ request: ResumeRequest, console: Console, stop: StopRequest) throws -> String {
        let paths = RunPaths(checkpoint: RunPaths.resolved(request.checkpointPath), log: RunPaths.resolved(request.logPath))
        try RunPaths.checkWritable(paths.checkpoint, option: "--checkpoint")
        let locks = try RunLock.all(paths)
        defer { locks.forEach { $0.release() } }
        try checkLog(paths)
        // An unfinished run continues from its partial file; a finished one (given a larger
        // --steps) from the checkpoint itself, with its log.
        let fromPartial = RunPaths.exists(paths.partialCheckpoint)
        let path = fromPartial ? paths.partialCheckpoint : paths.checkpoint
        guard fromPartial || RunPaths.exists(path) else {
            throw NameGenError(.checkpoint, "There is no run to resume at '\(paths.checkpoint)' (nor '\(paths.partialCheckpoint)').",
                               hint: "Start one with 'namegen train', or pass the --checkpoint of the run to resume.")
        }
        let checkpoint = try Checkpoint.read(from: path)
        // A damaged model is a checkpoint error (66), as in eval and sample, before the data is read.
        // Its weights are the best-by-val ones; `Trainer.restore` loads the ones to continue from.
        let setup = try checkpoint.setup()
        guard let recipe = setup.recipe else {
            throw NameGenError(.usage, "A \(setup.name) model is counted in one pass and has no run to resume.",
                               hint: "Train it again with 'namegen train --model \(setup.name)'.")
        }
        guard let model = try setup.load(from: checkpoint) as? TrainableModel else {
            preconditionFailure("\(setup.name) has a training recipe, so its model must be a TrainableModel")
        }
        guard var saved = checkpoint.run.optimization else {
            throw NameGenError(.checkpoint, "'\(path)' cannot be resumed: its run record has no optimisation settings (or they are malformed).",
                               hint: "Train from the start without --resume.")
        }
        if let problem = problem(with: saved) {
            throw NameGenError(.checkpoint, "'\(path)' cannot be resumed: its run record's \(problem).",
                               hint: "Train from the start without --resume.")
        }
        var options = TrainingOptions()
        options.optimizer = saved.optimizer
        options.learningRate = saved.learningRate
        options.weightDecay = saved.weightDecay
        options.warmupSteps = saved.warmup
        options.batchSize = saved.batchSize
        options.seed = saved.seed
        options.steps = request.steps ?? saved.targetSteps
        options.evalEvery = request.evalEvery ?? saved.evalEvery
        options.logEvery = request.logEvery
        options.threads = request.threads
        options.logPath = request.logPath
        (saved.targetSteps, saved.evalEvery) = (options.steps, options.evalEvery)

        let dataPath = request.dataPath ?? checkpoint.dataFile
        if request.dataPath == nil, !RunPaths.isRegularFile(dataPath) {
            // A FIFO or standard input cannot be read again: waiting on it would hang.
            throw NameGenError(.data, "The model was trained on '\(dataPath)', which is not a regular file and is not read again.",
                               hint: "Resume with the same names from a file: --data FILE.")
        }
        try checkOutputs(data: dataPath, checkpoint: paths.checkpoint, log: paths.log)
        try checkWritable(paths)
        let source = try DataSource.load(dataPath, labelled: !checkpoint.categories.isEmpty, console: console, stop: stop)
        guard source.sha256 == checkpoint.dataSHA256 else {
            throw NameGenError(.data, "'\(source.path)' is not the file this run was trained on (sha256 \(source.sha256.prefix(12))… vs \(checkpoint.dataSHA256.prefix(12))…).",
                               hint: "Resume with the same data file (--data FILE), or train a new model.")
        }
        let dataset = try source.dataset(for: checkpoint)
        let done = checkpoint.run.step
        // A partial run that trained all its steps (stopped during its final evaluation) is
        // evaluated and put in place; anything else needs steps left to train.
        guard options.steps > done || (fromPartial && options.steps == done) else {
            throw NameGenError(.usage, "'\(path)' has already trained \(done) steps; --steps \(options.steps) leaves nothing to do.",
                               hint: "Pass a larger --steps to train further.")
        }
        // The generator is replaced by the saved one in `restore`.
        let trainer = makeTrainer(model, recipe: recipe, dataset: dataset, options: options, optimization: saved,
                                  rng: RandomGenerator(seed: 0))
        try trainer.restore(from: checkpoint)
        console.err("resuming \(path) at step \(trainer.step) of \(trainer.schedule.steps)\n")
        let files = RunFiles(paths: paths, logEvery: options.logEvery, source: source, dataset: dataset, dedupe: checkpoint.dedupe,
                             setup: setup)
        return try train(trainer, optimization: saved, files: files, previousLog: fromPartial ? paths.partialLog : paths.log,
                         console: console, stop: stop)
    }

    /// A saved optimisation checked against the option declarations: nil, or what is wrong.
    static func problem(with o: RunRecord.Optimization) -> String? {
        let d = TrainingOptions.Declared.self
        let checks: [(String, String?)] = [
            ("lr", d.learningRate.problem(with: "\(o.learningRate)")), ("warmup", d.warmup.problem(with: "\(o.warmup)")),
            ("weight_decay", d.weightDecay.problem(with: "\(o.weightDecay)")),
            ("batch_size", d.batchSize.problem(with: "\(o.batchSize)")),
            ("target_steps", d.steps.problem(with: "\(o.targetSteps)")),
            ("eval_every", d.evalEvery.problem(with: "\(o.evalEvery)")),
            ("betas", (0..<1).contains(o.beta1) && (0..<1).contains(o.beta2) ? nil : "must be from 0 to 1"),
        ]
        return checks.first { $0.1 != nil }.map { "'\($0.0)' \($0.1!)" }
    }

    /// A new model of `setup`, initialised from `options.seed`, and the trainer that trains it
    /// on `dataset` as `options` and the recipe say (`options.learningRate` is filled in).
    static func newTrainer(_ setup: ModelSetup, recipe: TrainingRecipe, dataset: Dataset,
                           options: inout TrainingOptions) -> (Trainer, RunRecord.Optimization) {
        var rng = RandomGenerator(seed: options.seed)
        guard let model = setup.build(dataset: dataset, rng: &rng) as? TrainableModel else {
            preconditionFailure("\(setup.name) has a training recipe, so its model must be a TrainableModel")
        }
        let optimization = RunRecord.Optimization(
            optimizer: options.optimizer, learningRate: options.learningRate ?? recipe.learningRate[options.optimizer]!,
            schedule: recipe.schedule(for: options.optimizer), warmup: options.optimizer == .adamw ? options.warmupSteps : 0,
            weightDecay: options.weightDecay, beta1: recipe.betas.0, beta2: recipe.betas.1, batchSize: options.batchSize,
            targetSteps: options.steps, evalEvery: options.evalEvery, seed: options.seed)
        options.learningRate = optimization.learningRate
        let trainer = makeTrainer(model, recipe: recipe, dataset: dataset, options: options, optimization: optimization,
                                  rng: rng)
        return (trainer, optimization)
    }

    /// The checkpoint of a run now: the best model by val (or the current one) plus the state
    /// to resume.
    static func checkpoint(of trainer: Trainer, optimization: RunRecord.Optimization, source: DataSource, dataset: Dataset,
                           dedupe: Bool, setup: ModelSetup) -> Checkpoint {
        let current = trainer.bestTensors == nil || trainer.bestStep == trainer.step
        var tensors = current ? trainer.model.namedTensors() : trainer.bestTensors!
        tensors.merge(trainer.stateTensors(modelTensorsAreCurrent: current)) { a, _ in a }
        var run = RunRecord()
        run.optimization = optimization
        trainer.record(into: &run)
        return source.checkpoint(of: setup, dataset: dataset, dedupe: dedupe, run: run, tensors: tensors)
    }

    /// A new run on names held in memory, with no file, lock, log or console: `source` holds
    /// the names and `request` the options (its paths are not used). `progress` hears every
    /// step as (steps done, steps, loss, learning rate). Returns the finished checkpoint with
    /// its losses on every split, as `start` writes it.
    static func inMemory(_ source: DataSource, request: TrainingRequest,
                         progress: (Int, Int, Float, Double) -> Void) throws -> Checkpoint {
        let dataset = try Dataset(names: source.names, split: request.split, dedupe: request.dedupe)
        let facts = DataFacts(vocabularySize: dataset.vocabulary.size, longestName: dataset.longestName,
                              trainExamples: dataset.exampleCount(.train))
        let setup = try request.configure(facts)
        var options = request.options
        let silent = Console(out: { _ in }, err: { _ in })
        let stop = StopRequest()
        var checkpoint: Checkpoint
        let model: LanguageModel
        var reuse: [SplitName: any ExampleSource] = [:]
        let started = Date()
        if let recipe = setup.recipe {
            try checkMemory(setup, batchSize: options.batchSize, data: facts)
            let (trainer, optimization) = newTrainer(setup, recipe: recipe, dataset: dataset, options: &options)
            try withoutActuallyEscaping(progress) { progress in
                var events = Trainer.Events()
                let steps = trainer.schedule.steps
                events.step = { step, loss, rate in progress(step, steps, loss, rate) }
                _ = try trainer.run(events: events, stop: stop)
            }
            checkpoint = Self.checkpoint(of: trainer, optimization: optimization, source: source, dataset: dataset,
                                         dedupe: request.dedupe, setup: setup)
            model = try setup.load(from: checkpoint)
            reuse = [.train: trainer.trainExamples, .val: trainer.valExamples]
            checkpoint.run.seconds = Date().timeIntervalSince(started)
        } else {
            var rng = RandomGenerator(seed: options.seed)
            model = setup.build(dataset: dataset, rng: &rng)
            checkpoint = source.checkpoint(of: setup, dataset: dataset, dedupe: request.dedupe, run: RunRecord(),
                                           tensors: model.namedTensors())
        }
        let measured = checkpoint
        let report = try finalLosses(model, copy: { try setup.load(from: measured) }, threads: options.threads,
                                     layout: setup.recipe?.layout ?? .windows, dataset: dataset, reuse: reuse,
                                     console: silent, stop: stop)
        for row in report?.rows ?? [] { checkpoint.run.losses[row.split] = row.loss?.mean }
        return checkpoint
    }

    static func makeTrainer(_ model: TrainableModel, recipe: TrainingRecipe, dataset: Dataset, options: TrainingOptions,
                            optimization o: RunRecord.Optimization, rng: RandomGenerator) -> Trainer {
        let schedule = LearningRateSchedule(shape: o.schedule, peak: o.learningRate, steps: options.steps, warmup: o.warmup)
        return Trainer(model: model, train: dataset.examples(.train, layout: recipe.layout, blockSize: model.blockSize),
                       val: dataset.examples(.val, layout: recipe.layout, blockSize: model.blockSize), options: options,
                       schedule: schedule, fullBatch: recipe.fullBatch, betas: (o.beta1, o.beta2), rng: rng)
    }

    /// Where a run writes, and what its checkpoints record besides the trainer's state.
    struct RunFiles {
        var paths: RunPaths
        var logEvery: Int
        var source: DataSource
        var dataset: Dataset
        var dedupe: Bool
        var setup: ModelSetup
    }

    /// The loop with its files: log, progress, partial checkpoints on improvement and interrupt,
    /// and at the end the finished checkpoint and log in place of the partial ones.
    /// `previousLog`: the log whose rows a resumed run keeps (nil for a new run).
    static func train(_ trainer: Trainer, optimization: RunRecord.Optimization, files: RunFiles, previousLog: String?,
                      console: Console, stop: StopRequest) throws -> String {
        let model = trainer.model
        let paths = files.paths
        let partial = paths.partialCheckpoint
        let steps = trainer.schedule.steps
        let log = try paths.partialLog.map {
            try TrainingLog(path: $0, every: max(1, steps / 1000), previous: previousLog,
                            resumeStep: previousLog == nil ? nil : trainer.step)
        }
        let progress = Progress(console: console, totalSteps: steps, firstStep: trainer.step, logEvery: files.logEvery)

        func checkpoint() -> Checkpoint {
            Self.checkpoint(of: trainer, optimization: optimization, source: files.source, dataset: files.dataset,
                            dedupe: files.dedupe, setup: files.setup)
        }

        var savedDuringRun = false
        var events = Trainer.Events()
        events.step = { step, loss, lr in
            progress.step(step, loss: loss, lr: lr)
            try log?.step(step, loss: loss, lr: lr)
        }
        events.evaluated = { step, val, improved in
            try log?.evaluated(step, val: val, lr: trainer.schedule.rate(at: step - 1))
            if improved {
                try checkpoint().write(to: partial)
                savedDuringRun = true
            }
            progress.note("step \(step) | val loss \(Format.fixed(val, 4))" + (improved ? " | best, saved" : ""))
        }

        let outcome: Trainer.Outcome
        do {
            outcome = try trainer.run(events: events, stop: stop)
        } catch var error as NameGenError where error.kind == .diverged {
            progress.finishLine()
            error.hint = (error.hint.map { $0 + " " } ?? "")
                + (savedDuringRun ? "'\(partial)' holds the best model up to step \(trainer.bestStep ?? 0)."
                                  : "'\(paths.checkpoint)' was not changed by this run.")
            throw error
        } catch var error as NameGenError where error.kind == .io {
            // A log or checkpoint write failed in mid-run: keep the steps done, if the disk allows.
            progress.finishLine()
            if (try? checkpoint().write(to: partial)) != nil {
                error.message += " The run so far (step \(trainer.step)) is saved to '\(partial)'; 'namegen train --resume' continues it."
            }
            throw error
        }
        progress.finishLine()
        let seconds = progress.elapsed, rate = progress.stepsPerSecond
        let pathOption = paths.checkpoint == Checkpoint.defaultPath ? "" : " --checkpoint \(paths.checkpoint)"

        if outcome == .interrupted {
            try log?.close()
            try checkpoint().write(to: partial)
            throw stop.interrupted("\(stop.signalName) at step \(trainer.step) of \(steps); saved a resumable checkpoint to '\(partial)'.",
                                   hint: "Continue with 'namegen train --resume\(pathOption)'.")
        }

        // The saved model is the best by val when evaluating, else the last: evaluate that one.
        var final = checkpoint()
        let saved = try files.setup.load(from: final)
        let measured = final
        let report = try finalLosses(saved, copy: { try files.setup.load(from: measured) }, threads: trainer.threads,
                                     layout: files.setup.recipe?.layout ?? .windows, dataset: files.dataset,
                                     reuse: [.train: trainer.trainExamples, .val: trainer.valExamples],
                                     console: console, stop: stop)
        final.run.seconds = seconds
        guard let report, !stop.isRequested else {
            // A signal during the final evaluation (minutes on a large model): keep the trained
            // model, without the losses that were not measured, as a partial run, and stop.
            try log?.close()
            try final.write(to: partial)
            throw stop.interrupted("\(stop.signalName) during the final evaluation; the trained model (step \(trainer.step) of \(steps)) is saved to '\(partial)' without its losses.",
                                   hint: "Finish it with 'namegen train --resume\(pathOption)'.")
        }
        for row in report.rows { final.run.losses[row.split] = row.loss?.mean }
        if trainer.evalEvery == 0, let val = final.run.losses.val {
            try log?.evaluated(trainer.step, val: val, lr: trainer.schedule.rate(at: trainer.step - 1))
        }
        try log?.close()
        try finish(final, paths: paths)
        let best = trainer.bestStep.map { $0 != trainer.step ? ", best val at step \($0)" : "" } ?? ""
        console.err("saved \(paths.checkpoint) (\(model.parameterCount) parameters\(best)) | \(trainer.step) steps in "
                    + "\(Format.fixed(seconds, 1)) s, \(Format.fixed(rate, 0)) steps/s\n")
        warnIfUseless(final, vocabularySize: files.dataset.vocabulary.size, console: console)
        return report.table
    }

    /// Puts a finished run in place: the checkpoint goes to the partial path, then the partial
    /// log and the partial checkpoint are renamed over the finished ones (each rename is atomic).
    /// When the checkpoint cannot be written, it is saved to `RunPaths.rescuePath` instead.
    static func finish(_ checkpoint: Checkpoint, paths: RunPaths) throws {
        do {
            try checkpoint.write(to: paths.partialCheckpoint)
        } catch let error as NameGenError {
            throw rescue(checkpoint, after: error, path: paths.checkpoint)
        }
        if let partialLog = paths.partialLog, let log = paths.log, rename(partialLog, log) != 0 {
            throw NameGenError(.io, "Cannot move the log '\(partialLog)' to '\(log)': \(String(cString: strerror(errno))).",
                               hint: "The trained model is in '\(paths.partialCheckpoint)'; 'namegen train --resume' puts it in place.")
        }
        guard rename(paths.partialCheckpoint, paths.checkpoint) == 0 else {
            throw NameGenError(.io, "Cannot move '\(paths.partialCheckpoint)' to '\(paths.checkpoint)': \(String(cString: strerror(errno))).",
                               hint: "The trained model is in '\(paths.partialCheckpoint)'.")
        }
    }

    /// Writes a finished model to its path, or to `RunPaths.rescuePath` when that fails.
    static func save(_ checkpoint: Checkpoint, to path: String) throws {
        do {
            try checkpoint.write(to: path)
        } catch let error as NameGenError {
            throw rescue(checkpoint, after: error, path: path)
        }
    }

    /// The error for a checkpoint that could not be written, after saving it to the rescue path.
    static func rescue(_ checkpoint: Checkpoint, after error: NameGenError, path: String) -> NameGenError {
        let rescue = RunPaths.rescuePath
        let failed = error
        do {
            try checkpoint.write(to: rescue)
            return NameGenError(.io, "\(failed.message) The trained model is saved to '\(rescue)' instead.",
                                hint: "Move it where you want it; 'namegen info --checkpoint \(rescue)' describes it.")
        } catch {
            return NameGenError(.io, "\(failed.message) Saving it to '\(rescue)' failed too: \(error).", hint: failed.hint)
        }
    }

    /// A model whose val loss is well above a uniform guess over the vocabulary has learnt
    /// nothing useful (a learning rate far too high, say): say so rather than exit quietly.
    static func warnIfUseless(_ checkpoint: Checkpoint, vocabularySize: Int, console: Console) {
        guard let val = checkpoint.run.losses.val, vocabularySize > 1 else { return }
        let uniform = log(Double(vocabularySize))
        if val > uniform * 1.5 {
            console.warn("the val loss \(Format.fixed(val, 4)) is far above a uniform guess's \(Format.fixed(uniform, 4)): "
                         + "the model has not learnt. Try a smaller --lr.")
        }
    }

    /// Refuses to start over an existing checkpoint or an unfinished run at the same path.
    static func refuseToReplace(_ paths: RunPaths) throws {
        let option = paths.checkpoint == Checkpoint.defaultPath ? "" : " --checkpoint \(paths.checkpoint)"
        if RunPaths.exists(paths.partialCheckpoint) {
            throw NameGenError(.io, "'\(paths.partialCheckpoint)' holds \(describe(paths.partialCheckpoint)) that has not finished.",
                               hint: "Continue it with 'namegen train --resume\(option)', or pass --force to start again.")
        }
        if RunPaths.exists(paths.checkpoint) {
            throw NameGenError(.io, "'\(paths.checkpoint)' already holds \(describe(paths.checkpoint)).",
                               hint: "Pass --force to replace it when the new run finishes, --checkpoint PATH to keep both, or --resume to continue it.")
        }
    }

    /// "a trained mlp model (50000 steps, val 2.0146)", "an mlp run at step 735 of 50000", or "a file".
    static func describe(_ path: String) -> String {
        guard let c = try? Checkpoint.read(from: path) else { return "a file that is not a namegen checkpoint" }
        let article = c.model.first.map { "aeio".contains($0) } == true ? "an" : "a"
        if let target = c.run.optimization?.targetSteps, c.run.losses.train == nil || c.run.step < target {
            return "\(article) \(c.model) run at step \(c.run.step) of \(target)"
        }
        let val = c.run.losses.val.map { "val " + Format.fixed($0, 4) }
        let steps = c.run.optimization == nil ? nil : "\(c.run.step) steps"
        let facts = [steps, val].compactMap { $0 }.joined(separator: ", ")
        return "a trained \(c.model) model" + (facts.isEmpty ? "" : " (\(facts))")
    }

    /// Refuses a log path that holds something other than a training log: `--log` must not
    /// replace a checkpoint, a device, a FIFO or an unrelated file.
    static func checkLog(_ paths: RunPaths) throws {
        guard let log = paths.log, RunPaths.exists(log) else { return }
        guard RunPaths.isRegularFile(log) else {
            throw NameGenError(.io, "--log '\(log)' is not a regular file; the training log would replace it.",
                               hint: "Pass another --log.")
        }
        guard TrainingLog.isTrainingLog(log) else {
            throw NameGenError(.io, "--log '\(log)' exists and is not a namegen training log; the training log would replace it.",
                               hint: "Pass another --log, or remove the file.")
        }
    }

    /// Shows that the run's files can be written, before any data is read.
    static func checkWritable(_ paths: RunPaths) throws {
        try RunPaths.checkWritable(paths.checkpoint, option: "--checkpoint")
        try RunPaths.checkWritable(paths.partialCheckpoint, option: "--checkpoint")
        if let log = paths.log { try RunPaths.checkWritable(log, option: "--log") }
        if let log = paths.partialLog { try RunPaths.checkWritable(log, option: "--log") }
    }

    /// The losses of the saved model on every split, `threads` copies at once: exact up to
    /// `Evaluation.exactLimit` examples per split, a seeded estimate above. A progress line on
    /// stderr when a split takes more than a second. nil when `stop` ended it.
    static func finalLosses(_ model: LanguageModel, copy: @escaping () throws -> LanguageModel, threads: Int,
                            layout: TrainingRecipe.Layout, dataset: Dataset, reuse: [SplitName: any ExampleSource] = [:],
                            console: Console, stop: StopRequest) throws -> LossReport? {
        var progress: (split: SplitName, line: WorkProgress)?
        defer { progress?.line.finish() }
        return try LossReport.evaluate(model, copy: copy, threads: threads, layout: layout, on: dataset,
                                       exactUpTo: Evaluation.exactLimit, reuse: reuse,
                                       progress: { split, done, total in
                                           if progress?.split != split {
                                               progress?.line.finish()
                                               progress = (split, WorkProgress(console: console, label: "evaluating \(split.rawValue)", unit: .examples))
                                           }
                                           progress!.line.update(done, of: total)
                                       },
                                       stop: { stop.isRequested })
    }

    /// Refuses a checkpoint or log path that names the data file or each other: the later
    /// write would silently replace the earlier file (e.g. '--log names.txt' overwrote the names).
    package static func checkOutputs(data: String, checkpoint: String, log: String?) throws {
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
}
