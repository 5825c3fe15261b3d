/// How a run of a trained model is optimised: the command line's choices, or a checkpoint's
/// record of them on --resume.
package struct TrainingOptions: Equatable, Sendable {
    package var optimizer = Optimizer.Kind.sgd
    /// Peak learning rate; nil means the model family's default for the optimizer.
    package var learningRate: Double?
    package var weightDecay: Double = 0
    /// AdamW only: linear warm-up steps before the cosine decay.
    package var warmupSteps = 0
    package var batchSize = 32
    package var steps = 50_000
    package var seed: UInt64 = 42
    /// Evaluate on val every N steps (0: only at the end). The best checkpoint by val loss is kept.
    package var evalEvery = 0
    /// A plain log line every N steps when stderr is not a terminal.
    package var logEvery = 1000
    /// CSV log of step, train loss, val loss and lr; nil for none.
    package var logPath: String?
    /// The most threads the matrix products may use.
    package var threads = 1

    package init() {}
}

extension TrainingOptions {
    /// The optimisation options as the command line declares them. `train` parses them, and
    /// `--resume` checks a checkpoint's run record against the same ranges. Defaults that
    /// depend on the model come from each family's `TrainingRecipe`.
    package enum Declared {
        static let trained = ModelRegistry.helpOrder.filter { $0.recipe != nil }

        /// "mlp: 0.1 sgd, 0.002 adamw; onehot: 50 sgd (constant), 0.1 adamw"
        static var learningRateDefaults: String {
            trained.map { family in
                let r = family.recipe!
                return family.name + ": " + Optimizer.Kind.allCases.map { kind in
                    Option<Double>.format(r.learningRate[kind]!) + " " + kind.rawValue
                        + (r.schedule(for: kind) == .constant ? " (constant)" : "")
                }.joined(separator: ", ")
            }.joined(separator: "; ")
        }

        static let optimizer = Option<Optimizer.Kind>(
            ["--optimizer"], value: "name",
            help: "Optimizer: SGD (" + trained.filter { $0.recipe!.sgdSchedule == .stepDecay }.map(\.name).joined(separator: ", ")
                + ": lr/10 for the last quarter) or AdamW with cosine decay.",
            default: nil,
            defaultText: (["sgd"] + trained.filter { $0.recipe!.optimizer != .sgd }
                .map { "\($0.name): \($0.recipe!.optimizer.rawValue)" }).joined(separator: "; "))
        static let learningRate = Option<Double>(["--lr"], value: "lr", help: "Peak learning rate.", range: 1e-12...1e12,
                                                 default: nil, defaultText: learningRateDefaults)
        static let weightDecay = Option<Double>(
            ["--weight-decay"], value: "wd",
            help: "Weight decay (L2 for sgd, decoupled for adamw"
                + trained.compactMap { f in f.recipe!.weightDecayNote.map { "; \(f.name): \($0)" } }.joined() + ").",
            range: 0...1e6, default: nil,
            defaultText: (["0"] + trained.filter { $0.recipe!.weightDecay != 0 }
                .map { "\($0.name): \(Option<Double>.format($0.recipe!.weightDecay))" }).joined(separator: "; "))
        static let warmup = Option<Int>(["--warmup"], value: "steps", help: "adamw: linear warm-up steps.",
                                        range: 0...1_000_000_000, default: TrainingOptions().warmupSteps)
        static let batchSize = Option<Int>(
            ["--batch-size"],
            help: "Examples per step" + {
                let full = trained.filter { $0.recipe!.fullBatch }.map(\.name)
                return full.isEmpty ? "." : " (\(full.joined(separator: ", ")) always uses the full batch)."
            }(),
            range: 1...65_536, default: TrainingOptions().batchSize)
        static let steps = Option<Int>(["--steps"], help: "Optimisation steps.", range: 1...1_000_000_000, default: nil,
                                       defaultText: trained.map { "\($0.recipe!.steps) for \($0.name)" }.joined(separator: ", "))
        static let evalEvery = Option<Int>(
            ["--eval-every"],
            help: "Evaluate on val every n steps and keep the best checkpoint; 0 evaluates at the end only.",
            range: 0...1_000_000_000, default: TrainingOptions().evalEvery)
        static let logEvery = Option<Int>(["--log-every"], help: "Log line interval when stderr is not a terminal.",
                                          range: 1...1_000_000_000, default: TrainingOptions().logEvery)
        static let log = Option<String>(["--log"], value: "file", help: "CSV training log (step, train_loss, val_loss, lr).",
                                        default: nil, defaultText: "the checkpoint path with .csv")
        static let threads = Option<Int>(
            ["--threads"],
            help: "Threads for the matrix products at most; every 5,000 steps training times all against one and keeps the faster (results are the same).",
            range: 1...256, default: nil, defaultText: "number of cores")
    }
}
