#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The training loop shared by every trained model: minibatches drawn from one seeded
/// generator, forward and backward, one optimiser update, the learning-rate schedule, periodic
/// evaluation on val with the best weights kept, divergence and interrupt checks.
///
/// The trainer knows nothing of files: it reports through `Events`, and the command
/// writes the log and the checkpoints. Its whole state (weights, optimiser, generator, step,
/// best val loss) can be saved and restored, so a resumed run continues bit for bit.
package final class Trainer {
    package let model: TrainableModel
    package let optimizer: Optimizer
    package let schedule: LearningRateSchedule
    package let batchSize: Int
    package let evalEvery: Int
    /// The most threads the matrix products may use (the tuner may pick fewer).
    package let threads: Int
    package var rng: RandomGenerator
    /// Optimisation steps completed.
    package private(set) var step = 0
    /// The lowest val loss seen at an evaluation, and the model's tensors at that point.
    package private(set) var bestValLoss: Double?
    package private(set) var bestStep: Int?
    package private(set) var bestTensors: [String: Tensor]?

    /// Picks all threads or one for the products as the run goes (see `ThreadTuner`); nil
    /// keeps `threads`.
    private var tuner: ThreadTuner?

    private let train: any ExampleSource
    private let val: any ExampleSource
    /// The examples the trainer draws from and evaluates on (the final evaluation reuses them).
    package var trainExamples: any ExampleSource { train }
    package var valExamples: any ExampleSource { val }
    private let fullBatch: Bool
    private var contexts: [Int32]
    private var targets: [Int32]
    /// The category of each example of the batch, for a labelled model; empty otherwise.
    private var categories: [Int32]
    private let labelled: Bool

    /// `rng` is the run's one generator, after it initialised the model: minibatches and
    /// dropout masks continue its stream. `train` and `val` are laid out as the model's recipe
    /// says (`Dataset.examples`); with `fullBatch` every step uses all of `train`.
    package init(model: TrainableModel, train: any ExampleSource, val: any ExampleSource, options: TrainingOptions,
                schedule: LearningRateSchedule, fullBatch: Bool = false,
                betas: (Double, Double) = (Optimizer.defaultBeta1, Optimizer.defaultBeta2), rng: RandomGenerator) {
        precondition(train.count > 0 && train.contextWidth == model.blockSize)
        self.model = model
        self.train = train
        self.val = val
        self.schedule = schedule
        self.optimizer = Optimizer(kind: options.optimizer, parameters: model.parameters, weightDecay: options.weightDecay,
                                   betas: betas)
        self.fullBatch = fullBatch
        self.batchSize = fullBatch ? train.count : options.batchSize
        self.evalEvery = options.evalEvery
        self.threads = max(1, options.threads)
        // Runs too short to amortise two 100-step measurements keep the thread count they got.
        self.tuner = options.threads > 1 && options.steps >= 2000 ? ThreadTuner(maxThreads: options.threads) : nil
        self.rng = rng
        contexts = [Int32](repeating: 0, count: batchSize * train.contextWidth)
        targets = [Int32](repeating: 0, count: batchSize * train.targetWidth)
        precondition(model.categoryCount == 0 || train.isLabelled, "a labelled model needs labelled examples")
        labelled = model.categoryCount > 0
        categories = [Int32](repeating: 0, count: labelled ? batchSize : 0)
        if fullBatch {
            for i in 0..<train.count { train.copy(i, toRow: i, contexts: &contexts, targets: &targets) }
            if labelled { for i in 0..<train.count { categories[i] = train.category(i) } }
        }
        model.prepareTraining(batchSize: batchSize)
    }

    package enum Outcome: Equatable { case finished, interrupted }

    /// A loss above this counts as divergence, like NaN and ∞: 100 × ln V nats per character,
    /// a hundred times the loss of a uniform guess, which no training run passes through.
    package var divergenceThreshold: Double { 100 * LibC.log(Double(max(model.vocabularySize, 2))) }

    /// What the loop tells its caller.
    package struct Events {
        /// After every step: (steps completed, loss, learning rate).
        package var step: (Int, Float, Double) throws -> Void = { _, _, _ in }
        /// After each evaluation: (steps completed, val loss, whether it is the best so far).
        package var evaluated: (Int, Double, Bool) throws -> Void = { _, _, _ in }
        package init() {}
    }

    /// Trains until `schedule.steps` steps are done, or until `stop` is requested (the step in
    /// progress is finished first). Throws `.diverged` on a non-finite loss or one above
    /// `divergenceThreshold`, before the update that would spread it, naming the step.
    ///
    /// The thread count reaches the matrix products through `Matmul.$maxThreads`, bound for
    /// each stretch of steps that share one count (the tuner changes it a few times per 5,000
    /// steps), so the loop neither writes a global nor binds a value every step.
    package func run(events: Events = Events(), stop: StopRequest = StopRequest()) throws -> Outcome {
        var current = tuner != nil ? tuner!.threads(forStep: step) : threads
        while step < schedule.steps {
            var next = current
            let outcome: Outcome? = try Matmul.$maxThreads.withValue(current) {
                while step < schedule.steps {
                    try oneStep(events: events)
                    if stop.isRequested && step < schedule.steps { return .interrupted }
                    if step < schedule.steps, tuner != nil {
                        next = tuner!.threads(forStep: step)
                        if next != current { return nil }
                    }
                }
                return .finished
            }
            if let outcome { return outcome }
            current = next
        }
        return .finished
    }

    private func oneStep(events: Events) throws {
        let lr = schedule.rate(at: step)
        model.zeroGrad()
        if !fullBatch { drawBatch() }
        // Every step, also for the full batch: evaluation between steps conditions the model on
        // other examples.
        if labelled { model.condition(on: categories) }
        let loss = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        guard loss.isFinite && Double(loss) < divergenceThreshold else {
            throw NameGenError(.diverged, "Training diverged at step \(step + 1): the loss is \(loss) (learning rate \(lr)).",
                               hint: "Try a lower learning rate, e.g. --lr \(schedule.peak / 10)"
                                   + (optimizer.weightDecay > 0 ? " (or a smaller --weight-decay)." : "."))
        }
        optimizer.step(learningRate: lr)
        step += 1
        try events.step(step, loss, lr)
        if evalEvery > 0 && (step % evalEvery == 0 || step == schedule.steps) {
            try evaluate(events: events)
        }
    }

    /// Val loss now; keeps the model's tensors when it is the best so far.
    private func evaluate(events: Events) throws {
        guard val.count > 0 else { return }
        let loss = Evaluation.meanNLL(model: model, examples: val)
        let improved = bestValLoss.map { loss < $0 } ?? true
        if improved {
            bestValLoss = loss
            bestStep = step
            bestTensors = model.namedTensors()
        }
        try events.evaluated(step, loss, improved)
    }

    /// `batchSize` random training examples, drawn with replacement.
    private func drawBatch() {
        for row in 0..<batchSize {
            let i = rng.nextInt(below: train.count)
            train.copy(i, toRow: row, contexts: &contexts, targets: &targets)
            if labelled { categories[row] = train.category(i) }
        }
    }

    // MARK: Resume

    /// The trainer's part of the run record: step, resume state and best val loss.
    package func record(into run: inout RunRecord) {
        run.step = step
        run.resume = RunRecord.ResumeState(optimizerSteps: optimizer.stepCount, rngState: rng.stateWords)
        run.best = bestValLoss.flatMap { loss in bestStep.map { RunRecord.Best(valLoss: loss, step: $0) } }
    }

    /// The optimiser's moments, and the current weights under `resume.` when the checkpoint's
    /// model tensors are the best-by-val ones rather than the current ones.
    package func stateTensors(modelTensorsAreCurrent: Bool) -> [String: Tensor] {
        var tensors = optimizer.stateTensors()
        if !modelTensorsAreCurrent {
            for (name, t) in model.namedTensors() { tensors["resume." + name] = t }
        }
        return tensors
    }

    /// Restores what `record(into:)` and `stateTensors` saved.
    package func restore(from checkpoint: Checkpoint) throws {
        func bad(_ what: String) -> NameGenError {
            NameGenError(.checkpoint, "The checkpoint cannot be resumed: \(what).",
                         hint: "Train from the start without --resume.")
        }
        let run = checkpoint.run
        guard let state = run.resume else { throw bad("it has no generator state") }
        guard let restored = RandomGenerator(state: state.rngState) else { throw bad("its generator state is invalid") }
        let prefix = checkpoint.tensors.keys.contains { $0.hasPrefix("resume.") } ? "resume." : ""
        try model.load(from: checkpoint, prefix: prefix)
        try optimizer.restore(from: checkpoint, stepCount: state.optimizerSteps)
        if let best = run.best {
            bestValLoss = best.valLoss
            bestStep = best.step
            bestTensors = prefix.isEmpty ? model.namedTensors() : checkpoint.tensors.filter { !$0.key.hasPrefix("resume.") && !$0.key.hasPrefix("optimizer.") }
        }
        rng = restored
        step = run.step
    }
}
