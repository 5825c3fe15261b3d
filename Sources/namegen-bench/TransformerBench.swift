import Foundation
import NameGen

/// The default transformer (makemore's: 4 layers, 4 heads, embed 64, T = longest name + 1) and a
/// `Trainer` for it with the family's recipe (AdamW β 0.9, 0.99, weight decay 0.01, cosine) at
/// batch 32, on names.txt's split.
func transformerTrainer(dataset: Dataset, steps: Int, threads: Int, dropout: Float? = nil) -> (TransformerModel, Trainer) {
    var rng = RandomGenerator(seed: 42)
    var config = TransformerConfig()
    config.blockSize = (dataset.train + dataset.val + dataset.test).map(\.count).max()! + 1
    if let dropout { config.dropout = dropout }
    let model = TransformerModel(config: config, vocabularySize: dataset.vocabulary.size, rng: &rng)
    let recipe = TransformerModel.recipe!
    var options = TrainingOptions()
    options.optimizer = .adamw
    options.weightDecay = recipe.weightDecay
    options.steps = steps
    options.threads = threads
    let lr = recipe.learningRate[.adamw]!
    let trainer = Trainer(model: model, train: dataset.examples(.train, layout: .sequences, blockSize: config.blockSize),
                          val: dataset.examples(.val, layout: .sequences, blockSize: config.blockSize), options: options,
                          schedule: LearningRateSchedule(shape: .cosine, peak: lr, steps: steps), betas: recipe.betas, rng: rng)
    return (model, trainer)
}

/// Training throughput of the default transformer at batch 32: steps/s over the step loop
/// (forward, backward, AdamW update), as `torch_transformer.py` measures PyTorch.
func transformerTrainingBench(dataset: Dataset, json: Bool, threads: [Int], steps: Int) {
    if !json {
        print("\ntransformer training throughput at batch 32 (release build; makemore's model: 4 layers, 4 heads, embed 64, AdamW)")
        print("batch  threads      steps    seconds    steps/s")
    }
    for t in threads {
        // A short warm-up, then the timed steps; the schedule does not change the cost.
        let total = steps + steps / 10
        let (_, trainer) = transformerTrainer(dataset: dataset, steps: total, threads: t)
        let seconds = timedSteps(trainer, steps: steps)
        let rate = Double(steps) / seconds
        if json {
            print("{\"bench\":\"train\",\"model\":\"transformer\",\"batch\":32,\"threads\":\(t),\"steps\":\(steps),\"seconds\":\(String(format: "%.3f", seconds)),\"steps_per_s\":\(String(format: "%.1f", rate))}")
        } else {
            print(String(format: "%5d  %7d  %9d  %9.3f  %9.1f", 32, t, steps, seconds, rate))
        }
    }
    if !json {
        print("PyTorch, same model and recipe (in a venv with torch):")
        for t in threads {
            print("  python3 Sources/namegen-bench/torch_transformer.py --steps \(steps) --threads \(t) --dropout 0.2 --no-final-eval")
        }
    }
}

/// A default transformer trained for 2,000 steps, for the sampling bench: its names have
/// realistic lengths, which is what sampling speed depends on (the key/value cache makes each
/// new character cost one position).
func benchTransformer(_ dataset: Dataset) -> TransformerModel {
    let (model, trainer) = transformerTrainer(dataset: dataset, steps: 2000, threads: 1)
    _ = try? trainer.run()
    return model
}
