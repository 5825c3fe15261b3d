import Foundation
import XCTest
import NameGen

/// The `onehot` model: loss and weight gradient of `trainingStep` against `Value` and finite
/// differences. logits[n] = onehot(context[n])·W is row context[n] of W, which the oracle
/// gathers directly (not through a product with a one-hot matrix).
final class OneHotGradientTests: XCTestCase {
    func testGradientMatchesOracleAndFiniteDifferences() {
        let v = 5
        var rng = RandomGenerator(seed: 81)
        let model = OneHotModel(vocabularySize: v, rng: &rng)
        // Context 1 occurs three times, context 4 never (its row's gradient is 0).
        let contexts: [Int32] = [0, 1, 1, 2, 3, 1, 0, 2]
        let targets: [Int32] = [1, 2, 0, 4, 4, 3, 1, 0]
        model.prepareTraining(batchSize: contexts.count)
        model.zeroGrad()
        let loss = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        XCTAssertEqual(Array(model.weight.grad.data[20..<25]), [0, 0, 0, 0, 0])
        let oracle = checkGradients([CheckedTensor("weight", model.weight.value.data, model.weight.grad.data)]) { leaves in
            let w = leaves[0]
            let logits = contexts.map { c in Array(w[Int(c) * v..<(Int(c) + 1) * v]) }
            return [Value.crossEntropy(logits: logits, targets: targets.map(Int.init))]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")

        // trainingStep adds into the gradient: a second step on the same batch doubles it.
        let once = model.weight.grad.data
        _ = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        assertClose(model.weight.grad.data, once.map { 2 * Double($0) }, tolerance: 1e-6, "gradient after two steps")
    }
}
