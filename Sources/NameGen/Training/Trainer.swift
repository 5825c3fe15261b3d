import Foundation

/// The training loop shared by the onehot and mlp models: minibatches drawn from one seeded
/// generator, forward and backward, one optimiser update, the learning-rate schedule, periodic
/// evaluation on val with the best weights kept, divergence and interrupt checks.
///
/// The trainer knows nothing of files: it reports through `Events`, and the command
/// writes the log and the checkpoints. Its whole state (weights, optimiser, generator, step,
/// best val loss) can be saved and restored, so a resumed run continues bit for bit.
public final class Trainer {
    public let model: TrainableModel
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    public let batchSize: Int
    public let evalEvery: Int
    public var rng: RandomGenerator
    /// Optimisation steps completed.
    public private(set) var step = 0
    /// The lowest val loss seen at an evaluation, and the model's tensors at that point.
    public private(set) var bestValLoss: Double?
    public private(set) var bestStep: Int?
    public private(set) var bestTensors: [String: Tensor]?

    /// Picks all threads or one for the products as the run goes (see `ThreadTuner`); nil
    /// leaves `Matmul.maxThreads` alone.
    private var tuner: ThreadTuner?

    private let train: TokenStream
    private let val: TokenStream
    /// The minibatch (or, for a full-batch model, every training example).
    private var contexts: [Int32]
    private var targets: [Int32]

    /// `rng` is the run's one generator, after it initialised the model: minibatches and
    /// dropout masks continue its stream.
    public init(model: TrainableModel, train: TokenStream, val: TokenStream, options: TrainingOptions,
                schedule: LearningRateSchedule, rng: RandomGenerator) {
        precondition(train.count > 0 && train.blockSize == model.blockSize)
        self.model = model
        self.train = train
        self.val = val
        self.schedule = schedule
        self.optimizer = Optimizer(kind: options.optimizer, parameters: model.parameters, weightDecay: options.weightDecay)
        self.batchSize = model.usesFullBatch ? train.count : options.batchSize
        self.evalEvery = options.evalEvery
        // Runs too short to amortise two 100-step measurements keep the thread count they got.
        self.tuner = options.threads > 1 && options.steps >= 2000 ? ThreadTuner(maxThreads: options.threads) : nil
        self.rng = rng
        if model.usesFullBatch {
            (contexts, targets) = train.materialize()
        } else {
            contexts = [Int32](repeating: 0, count: batchSize * model.blockSize)
            targets = [Int32](repeating: 0, count: batchSize)
        }
        model.prepareTraining(batchSize: batchSize)
    }

    public enum Outcome: Equatable { case finished, interrupted }

    /// A loss above this counts as divergence, like NaN and ∞: 100 × ln V nats per character,
    /// a hundred times the loss of a uniform guess, which no training run passes through.
    public var divergenceThreshold: Double { 100 * Foundation.log(Double(max(model.vocabularySize, 2))) }

    /// What the loop tells its caller.
    public struct Events {
        /// After every step: (steps completed, loss, learning rate).
        public var step: (Int, Float, Double) -> Void = { _, _, _ in }
        /// After each evaluation: (steps completed, val loss, whether it is the best so far).
        public var evaluated: (Int, Double, Bool) throws -> Void = { _, _, _ in }
        public init() {}
    }

    /// Trains until `schedule.steps` steps are done, or until an interrupt is requested (the
    /// step in progress is finished first). Throws `.diverged` on a non-finite loss or one above
    /// `divergenceThreshold`, before the update that would spread it, naming the step.
    public func run(events: Events = Events()) throws -> Outcome {
        while step < schedule.steps {
            let lr = schedule.rate(at: step)
            if tuner != nil { Matmul.maxThreads = tuner!.threads(forStep: step) }
            model.zeroGrad()
            let loss: Float
            if !model.usesFullBatch { drawBatch() }
            loss = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
            guard loss.isFinite && Double(loss) < divergenceThreshold else {
                throw NameGenError(.diverged, "Training diverged at step \(step + 1): the loss is \(loss) (learning rate \(lr)).",
                                   hint: "Try a lower learning rate, e.g. --lr \(schedule.peak / 10)"
                                       + (optimizer.weightDecay > 0 ? " (or a smaller --weight-decay)." : "."))
            }
            optimizer.step(learningRate: lr)
            step += 1
            events.step(step, loss, lr)
            if evalEvery > 0 && (step % evalEvery == 0 || step == schedule.steps) {
                try evaluate(events: events)
            }
            if Interrupt.requested && step < schedule.steps { return .interrupted }
        }
        return .finished
    }

    /// Val loss now; keeps the model's tensors when it is the best so far.
    private func evaluate(events: Events) throws {
        guard val.count > 0 else { return }
        let loss = Evaluation.meanNLL(model: model, stream: val)
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
            train.copy(example: rng.nextInt(below: train.count), toRow: row, contexts: &contexts, targets: &targets)
        }
    }

    // MARK: Resume

    /// The trainer's state as checkpoint metadata (the tensors come from `stateTensors`).
    public var stateMetadata: [String: String] {
        var meta = ["step": "\(step)", "optimizer_steps": "\(optimizer.stepCount)",
                    "rng_state": rng.stateWords.map { String($0) }.joined(separator: ",")]
        if let bestValLoss, let bestStep {
            meta["best_val_loss"] = "\(bestValLoss)"
            meta["best_step"] = "\(bestStep)"
        }
        return meta
    }

    /// The optimiser's moments, and the current weights under `resume.` when the checkpoint's
    /// model tensors are the best-by-val ones rather than the current ones.
    public func stateTensors(modelTensorsAreCurrent: Bool) -> [String: Tensor] {
        var tensors = optimizer.stateTensors()
        if !modelTensorsAreCurrent {
            for (name, t) in model.namedTensors() { tensors["resume." + name] = t }
        }
        return tensors
    }

    /// Restores what `stateMetadata` and `stateTensors` saved.
    public func restore(from checkpoint: Checkpoint) throws {
        func bad(_ what: String) -> NameGenError {
            NameGenError(.checkpoint, "The checkpoint cannot be resumed: \(what).",
                         hint: "Train from the start without --resume.")
        }
        let meta = checkpoint.training
        guard let s = meta["step"].flatMap(Int.init), s >= 0 else { throw bad("it has no valid step count") }
        guard let words = meta["rng_state"]?.split(separator: ",").compactMap({ UInt64($0) }),
              let restored = RandomGenerator(state: words) else { throw bad("it has no generator state") }
        guard let optimizerSteps = meta["optimizer_steps"].flatMap(Int.init), optimizerSteps >= 0 else {
            throw bad("it has no optimizer step count")
        }
        let prefix = checkpoint.tensors.keys.contains { $0.hasPrefix("resume.") } ? "resume." : ""
        try model.load(from: checkpoint, prefix: prefix)
        try optimizer.restore(from: checkpoint, stepCount: optimizerSteps)
        if let best = meta["best_val_loss"].flatMap(Double.init), let bestStep = meta["best_step"].flatMap(Int.init) {
            bestValLoss = best
            self.bestStep = bestStep
            bestTensors = prefix.isEmpty ? model.namedTensors() : checkpoint.tensors.filter { !$0.key.hasPrefix("resume.") && !$0.key.hasPrefix("optimizer.") }
        }
        rng = restored
        step = s
    }
}
