import Foundation
import NameGen

/// A minimal training loop for the transformer: batches of `batch` random training names,
/// AdamW (β 0.9, 0.99, ε 1e-8, weight decay on every tensor, as PyTorch's AdamW on
/// `model.parameters()`), learning rate `lr(step)`. Calls `evaluate` every `evalEvery` steps.
struct TransformerRun {
    let model: TransformerModel
    let tokens: [Int32], targets: [Int32], count: Int
    var rng: RandomGenerator
    var m: [[Float]], v: [[Float]]
    var step = 0
    let weightDecay: Float
    var batchTokens: [Int32], batchTargets: [Int32]
    let batch: Int

    init(model: TransformerModel, names: [[Int32]], batch: Int, weightDecay: Float, rng: RandomGenerator) {
        self.model = model
        (tokens, targets) = TransformerModel.padded(names, blockSize: model.blockSize)
        count = names.count
        self.rng = rng
        m = model.parameters.map { [Float](repeating: 0, count: $0.count) }
        v = m
        self.weightDecay = weightDecay
        self.batch = batch
        batchTokens = [Int32](repeating: 0, count: batch * model.blockSize)
        batchTargets = batchTokens
        model.prepareTraining(batchSize: batch)
    }

    mutating func trainStep(lr: Float) -> Float {
        let t = model.blockSize
        for b in 0..<batch {
            let i = rng.nextInt(below: count)
            for j in 0..<t {
                batchTokens[b * t + j] = tokens[i * t + j]
                batchTargets[b * t + j] = targets[i * t + j]
            }
        }
        model.zeroGrad()
        let loss = model.trainingStep(tokens: batchTokens, targets: batchTargets, batch: batch, rng: &rng)
        step += 1
        let c1 = 1 - Foundation.pow(Float(0.9), Float(step)), c2 = 1 - Foundation.pow(Float(0.99), Float(step))
        for (i, p) in model.parameters.enumerated() {
            VectorMath.adamwStep(weights: &p.value.data, grads: p.grad.data, m: &m[i], v: &v[i], lr: lr, beta1: 0.9,
                                 beta2: 0.99, epsilon: 1e-8, weightDecay: weightDecay, correction1: c1, correction2: c2)
        }
        return loss
    }
}

/// Mean NLL per character (end token included) of names under the model.
func transformerNLL(_ model: TransformerModel, _ names: [[Int32]]) -> Double {
    let (tokens, targets) = TransformerModel.padded(names, blockSize: model.blockSize)
    let r = model.negativeLogLikelihood(tokens: tokens, targets: targets, count: names.count)
    return r.sum / Double(r.count)
}

/// Training throughput of the default transformer at batch 32 (steps/s over the step loop).
func transformerTrainingBench(dataset: Dataset, json: Bool, threads: [Int], steps: Int) {
    if !json {
        print("\ntransformer training throughput at batch 32 (release build; makemore recipe: 4 layers, 4 heads, embed 64, AdamW 5e-4)")
        print("batch  threads      steps    seconds    steps/s")
    }
    let names = dataset.names(.train).map { dataset.vocabulary.encode($0)! }
    let t = (names.map(\.count).max() ?? 0) + 1
    for th in threads { Matmul.$maxThreads.withValue(th) {
        var rng = RandomGenerator(seed: 42)
        var config = TransformerConfig()
        config.blockSize = t
        let model = TransformerModel(config: config, vocabularySize: dataset.vocabulary.size, rng: &rng)
        var run = TransformerRun(model: model, names: names, batch: 32, weightDecay: 0.01, rng: rng)
        for _ in 0..<(steps / 10) { _ = run.trainStep(lr: 5e-4) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { _ = run.trainStep(lr: 5e-4) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = Double(steps) / seconds
        if json {
            print("{\"bench\":\"train\",\"model\":\"transformer\",\"batch\":32,\"threads\":\(th),\"steps\":\(steps),\"seconds\":\(String(format: "%.3f", seconds)),\"steps_per_s\":\(String(format: "%.1f", rate))}")
        } else {
            print(String(format: "%5d  %7d  %9d  %9.3f  %9.1f", 32, th, steps, seconds, rate))
        }
    } }
}
