import Foundation
import NameGen

/// Runs `trainer`, built for `steps + steps / 10` steps, and returns the seconds taken by the
/// last `steps` of them: the first tenth is a warm-up and is not timed.
func timedSteps(_ trainer: Trainer, steps: Int) -> Double {
    var start: UInt64 = 0
    var events = Trainer.Events()
    events.step = { step, _, _ in if step == steps / 10 { start = DispatchTime.now().uptimeNanoseconds } }
    _ = try? trainer.run(events: events)
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Training throughput of the mlp model on names.txt: optimisation steps per second over the
/// step loop only (forward, backward, update), as `Sources/namegen-bench/compare_torch.py` measures
/// PyTorch. Prints the command that runs the two side by side.
func trainingBench(dataset: Dataset, json: Bool, threads: [Int], batchSizes: [Int], steps: Int) {
    if !json {
        print("\nmlp training throughput at batch \(batchSizes.map(String.init).joined(separator: ", ")) (release build; default recipe: block 8, embed 10, 6×200 BatchNorm tanh, SGD)")
        print("batch  threads      steps    seconds    steps/s   examples/s")
    }
    let train = dataset.stream(.train, blockSize: 8)
    let val = dataset.stream(.val, blockSize: 8)
    for batch in batchSizes {
        for t in threads {
            var rng = RandomGenerator(seed: 42)
            let model = MLPModel(config: MLPConfig(), vocabularySize: dataset.vocabulary.size, rng: &rng)
            var options = TrainingOptions()
            options.batchSize = batch
            options.threads = t  // the trainer may use fewer when that measures faster (ThreadTuner)
            // A short warm-up run, then the timed one; the schedule does not change the cost.
            let total = steps + steps / 10
            options.steps = total
            let trainer = Trainer(model: model, train: train, val: val, options: options,
                                  schedule: LearningRateSchedule(shape: .stepDecay, peak: 0.1, steps: total), rng: rng)
            let seconds = timedSteps(trainer, steps: steps)
            let rate = Double(steps) / seconds
            if json {
                print("{\"bench\":\"train\",\"model\":\"mlp\",\"batch\":\(batch),\"threads\":\(t),\"steps\":\(steps),\"seconds\":\(String(format: "%.3f", seconds)),\"steps_per_s\":\(String(format: "%.1f", rate))}")
            } else {
                print(String(format: "%5d  %7d  %9d  %9.3f  %9.1f  %11.0f", batch, t, steps, seconds, rate, rate * Double(batch)))
            }
        }
    }
    if !json {
        print("PyTorch on the same recipe, side by side (in a venv with torch, see the README):")
        print("  python3 Sources/namegen-bench/compare_torch.py --threads \(threads.map(String.init).joined(separator: " "))")
    }
}
