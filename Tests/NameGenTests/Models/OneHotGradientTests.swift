import Foundation
import XCTest
@testable import NameGen

/// The `onehot` model: loss and weight gradient of `trainingStep` against `Value` and finite
/// differences. logits[n] = onehot(context[n])·W is row context[n] of W, which the oracle
/// gathers directly (not through a product with a one-hot matrix).
final class OneHotGradientTests: NameGenTestCase {
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

    /// Labelled: logits[n] = W[c[n]·V + context[n]], one table per category; the gradient
    /// against the oracle and finite differences. Category 2 never occurs (its rows' gradient is 0).
    func testCategoryGradientMatchesOracleAndFiniteDifferences() {
        let v = 5
        var rng = RandomGenerator(seed: 82)
        let model = OneHotModel(vocabularySize: v, categories: 3, rng: &rng)
        XCTAssertEqual(model.weight.shape, [15, 5])
        let contexts: [Int32] = [0, 1, 1, 2, 3, 1, 0, 2]
        let targets: [Int32] = [1, 2, 0, 4, 4, 3, 1, 0]
        let categories: [Int32] = [0, 1, 0, 1, 1, 0, 0, 1]
        model.prepareTraining(batchSize: contexts.count)
        model.zeroGrad()
        model.condition(on: categories)
        let loss = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        XCTAssertEqual(model.parameters.map(\.name), ["weight"])
        XCTAssertTrue(model.weight.grad.data[50..<75].allSatisfy { $0 == 0 })
        let tensors = [CheckedTensor("weight", model.weight.value.data, model.weight.grad.data)]
        let oracle = checkGradients(tensors) { leaves in
            let w = leaves[0]
            let logits = zip(contexts, categories).map { x, k in
                (0..<v).map { w[(Int(k) * v + Int(x)) * v + $0] }
            }
            return [Value.crossEntropy(logits: logits, targets: targets.map(Int.init))]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")

        // Inference reads the category's table: two categories, one context, different logits.
        var logits = Matrix(rows: 2, cols: v)
        model.condition(on: [0, 1])
        model.logits(contexts: [3, 3], count: 2, into: &logits)
        for j in 0..<v {
            XCTAssertEqual(logits.data[j], model.weight.value.data[3 * v + j])
            XCTAssertEqual(logits.data[v + j], model.weight.value.data[(v + 3) * v + j])
        }
        XCTAssertNotEqual(Array(logits.data[0..<v]), Array(logits.data[v...]))
    }
}
