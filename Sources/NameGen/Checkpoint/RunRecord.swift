#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a checkpoint records about the run that made it: how it optimised, how far it got, the
/// state that lets `--resume` continue bit for bit, and the losses it measured. Stored as one
/// JSON value (`run`) in the checkpoint's metadata; format-1 files kept the same facts as
/// strings under `training`, which `init(format1:)` reads.
package struct RunRecord: Codable, Equatable, Sendable {
    /// The optimisation settings; nil for a model counted in one pass (bigram), or a format-1
    /// file whose settings are missing or malformed (it loads, but cannot be resumed).
    package var optimization: Optimization?
    /// Optimisation steps completed (0 for bigram).
    package var step = 0
    /// The optimizer's step count and the generator's state after `step` steps; nil when the
    /// file cannot be resumed.
    package var resume: ResumeState?
    /// The lowest val loss seen at an evaluation (--eval-every), and its step.
    package var best: Best?
    /// Each split's loss of the saved model; nil until measured (and for an empty split).
    package var losses = Losses()
    /// Training time in seconds.
    package var seconds: Double?

    package struct Optimization: Codable, Equatable, Sendable {
        package var optimizer: Optimizer.Kind
        package var learningRate: Double
        package var schedule: LearningRateSchedule.Shape
        package var warmup: Int
        package var weightDecay: Double
        package var beta1: Double
        package var beta2: Double
        package var batchSize: Int
        package var targetSteps: Int
        package var evalEvery: Int
        package var seed: UInt64
    }

    package struct ResumeState: Codable, Equatable, Sendable {
        package var optimizerSteps: Int
        package var rngState: [UInt64]
    }

    package struct Best: Codable, Equatable, Sendable {
        package var valLoss: Double
        package var step: Int
    }

    package struct Losses: Codable, Equatable, Sendable {
        package var train: Double?
        package var val: Double?
        package var test: Double?

        package subscript(split: SplitName) -> Double? {
            get { split == .train ? train : split == .val ? val : test }
            set {
                switch split {
                case .train: train = newValue
                case .val: val = newValue
                case .test: test = newValue
                }
            }
        }
    }

    package init() {}
}

extension RunRecord {
    /// Reads format 1's `training` strings. A value that is missing or does not parse leaves
    /// its part of the record empty: the model still loads for eval, sample and info.
    package init(format1 t: [String: String]) {
        func int(_ key: String) -> Int? { t[key].flatMap(Int.init).flatMap { $0 >= 0 ? $0 : nil } }
        func double(_ key: String) -> Double? { t[key].flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil } }
        if let optimizer = t["optimizer"].flatMap(Optimizer.Kind.init(rawValue:)),
           let schedule = t["schedule"].flatMap(LearningRateSchedule.Shape.init(rawValue:)),
           let lr = double("lr"), let warmup = int("warmup"), let weightDecay = double("weight_decay"),
           let batchSize = int("batch_size"), let target = int("target_steps"),
           let seed = t["seed"].flatMap(UInt64.init) {
            optimization = Optimization(optimizer: optimizer, learningRate: lr, schedule: schedule, warmup: warmup,
                                        weightDecay: weightDecay, beta1: Optimizer.defaultBeta1, beta2: Optimizer.defaultBeta2,
                                        batchSize: batchSize, targetSteps: target, evalEvery: int("eval_every") ?? 0, seed: seed)
        }
        step = int("step") ?? int("steps") ?? 0
        if let words = t["rng_state"]?.split(separator: ",").compactMap({ UInt64($0) }), words.count == 4,
           let optimizerSteps = int("optimizer_steps") {
            resume = ResumeState(optimizerSteps: optimizerSteps, rngState: words)
        }
        if let loss = double("best_val_loss"), let bestStep = int("best_step") {
            best = Best(valLoss: loss, step: bestStep)
        }
        losses = Losses(train: double("train_loss"), val: double("val_loss"), test: double("test_loss"))
        seconds = double("seconds")
    }

    /// What makes the record impossible, naming the field ("'step' is -3, not a count"), or nil
    /// when every count is at least 0 (the batch size at least 1), every loss and time finite and
    /// at least 0, and the generator state four words. The optimisation's ranges (learning rate,
    /// betas, …) are checked when a run is resumed, since a model with odd ones still samples.
    package var problem: String? {
        // Counts above 2⁴⁰ (a trillion steps) come from no real run, and would overflow the
        // arithmetic that continues them.
        func count(_ name: String, _ value: Int, least: Int = 0) -> String? {
            if value > 1 << 40 { return "'\(name)' is \(value), more than any run could reach" }
            return value >= least ? nil : "'\(name)' is \(value), \(least == 0 ? "not a count" : "less than \(least)")"
        }
        func amount(_ name: String, _ value: Double?) -> String? {
            guard let value else { return nil }
            return value.isFinite && value >= 0 ? nil : "'\(name)' is \(value), not a finite value of at least 0"
        }
        var checks: [String?] = [count("step", step), amount("seconds", seconds)]
        for split in SplitName.allCases { checks.append(amount("losses.\(split.rawValue)", losses[split])) }
        if let o = optimization {
            checks += [count("optimization.warmup", o.warmup), count("optimization.batch_size", o.batchSize, least: 1),
                       count("optimization.target_steps", o.targetSteps), count("optimization.eval_every", o.evalEvery),
                       amount("optimization.learning_rate", o.learningRate), amount("optimization.weight_decay", o.weightDecay),
                       amount("optimization.beta1", o.beta1), amount("optimization.beta2", o.beta2)]
        }
        if let r = resume {
            checks.append(count("resume.optimizer_steps", r.optimizerSteps))
            checks.append(r.rngState.count == 4 ? nil : "'resume.rng_state' has \(r.rngState.count) words, not 4")
        }
        if let b = best { checks += [count("best.step", b.step), amount("best.val_loss", b.valLoss)] }
        return checks.lazy.compactMap { $0 }.first
    }

    /// The record as `info` lists it: name and value, in a fixed order.
    package var rows: [(name: String, value: String)] {
        var rows: [(String, String)] = []
        if let o = optimization {
            rows += [("optimizer", o.optimizer.rawValue), ("lr", "\(o.learningRate)"), ("schedule", o.schedule.rawValue),
                     ("warmup", "\(o.warmup)"), ("weight_decay", "\(o.weightDecay)")]
            if o.optimizer == .adamw { rows.append(("betas", "\(o.beta1), \(o.beta2)")) }
            rows += [("batch_size", "\(o.batchSize)"), ("target_steps", "\(o.targetSteps)"), ("eval_every", "\(o.evalEvery)"),
                     ("seed", "\(o.seed)")]
        }
        rows.append(("step", "\(step)"))
        for split in SplitName.allCases {
            if let loss = losses[split] { rows.append(("\(split.rawValue)_loss", Format.fixed(loss, 6))) }
        }
        if let seconds { rows.append(("seconds", Format.fixed(seconds, 2))) }
        return rows
    }
}
