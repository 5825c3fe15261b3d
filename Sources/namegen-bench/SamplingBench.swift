import Foundation
import NameGen

/// Sampling throughput: names per second for a model trained in-process on names.txt.
/// Prints a table row per model, or one JSON object per line with `json`.
func samplingBench(models: [(name: String, model: LanguageModel)], vocabulary: Vocabulary, json: Bool) {
    if !json { print("\nsampling (batched, release build)\nmodel        names      seconds      names/s") }
    for (name, model) in models {
        var options = SamplingOptions()
        options.count = model is BigramModel ? 200_000 : 20_000
        var rng = RandomGenerator(seed: 1)
        _ = try? Sampler.sample(model: model, vocabulary: vocabulary, options: { var o = options; o.count = 1000; return o }(), rng: &rng)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try? Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let rate = Double(options.count) / best
        if json {
            print("{\"bench\":\"sample\",\"model\":\"\(name)\",\"names\":\(options.count),\"seconds\":\(String(format: "%.4f", best)),\"names_per_s\":\(Int(rate))}")
        } else {
            print(String(format: "%-8@ %9d %12.4f %12.0f", name, options.count, best, rate))
        }
    }
}

/// The bigram model of names.txt (in the working directory), for the benchmarks.
func benchBigram() throws -> (BigramModel, Dataset) {
    let dataset = try Dataset(names: try NameFile.read("names.txt"), split: SplitConfig())
    let model = BigramModel(vocabularySize: dataset.vocabulary.size, smoothing: 1)
    model.fit(dataset.stream(.train, blockSize: 1))
    return (model, dataset)
}

/// A default mlp trained for 3,000 steps: its names have realistic lengths (an untrained model's
/// are about V characters long), which is what sampling speed depends on.
func benchMLP(_ dataset: Dataset) -> MLPModel {
    var rng = RandomGenerator(seed: 42)
    let model = MLPModel(config: MLPConfig(), vocabularySize: dataset.vocabulary.size, rng: &rng)
    var options = TrainingOptions()
    options.steps = 3000
    let trainer = Trainer(model: model, train: dataset.stream(.train, blockSize: 8), val: dataset.stream(.val, blockSize: 8),
                          options: options, schedule: LearningRateSchedule(shape: .stepDecay, peak: 0.1, steps: 3000), rng: rng)
    _ = try? trainer.run()
    return model
}
