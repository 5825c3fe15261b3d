import Foundation
import XCTest
@testable import NameGen

/// The whole `mlp` model: `trainingStep`'s loss and the gradient of every parameter against the
/// same network rebuilt with `Value` from the model's own parameter values, and against finite
/// differences of that network in Double (tolerances in Support/GradientCheck.swift).
///
/// Every element of every gradient is compared with the oracle. The finite differences, which
/// rebuild the whole scalar graph twice per element, are taken on up to 16 evenly spaced
/// elements per tensor (about 90 of the 209 parameters), which halves the test's time; the
/// oracle itself is checked element by element against finite differences in the layer tests.
///
/// Shapes: V = 7, blockSize 3, embed 4, hidden 6, 2 hidden layers, batch 5, in three variants:
/// BatchNorm + tanh; no BatchNorm (hidden biases) + ReLU; BatchNorm + tanh + dropout.
final class MLPGradientTests: NameGenTestCase {
    static let vocabularySize = 7, batch = 5

    static func config(batchNorm: Bool, activation: Activation, dropout: Float) -> MLPConfig {
        var c = MLPConfig()
        c.blockSize = 3
        c.embed = 4
        c.hidden = 6
        c.layers = 2
        c.batchNorm = batchNorm
        c.activation = activation
        c.dropout = dropout
        return c
    }

    /// The network of `model` as scalars, on leaves given per parameter (in `model.parameters`
    /// order): embedding → [Linear (+ bias) → BatchNorm (batch statistics) → activation → × mask]
    /// × layers → Linear + bias → mean cross-entropy. `masks[i]` is hidden layer i's dropout mask
    /// (N·H, values 0 or 1/(1 − p)); nil without dropout. Also returns the smallest |input| of
    /// any ReLU, to show that no input sits at the kink.
    private static func oracleLoss(model: MLPModel, leaves: [[Value]], contexts: [Int32], targets: [Int32],
                                   masks: [[Double]]?, categories: [Int32] = []) -> (loss: Value, smallestActivationInput: Double) {
        let index = Dictionary(uniqueKeysWithValues: model.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func leaf(_ p: Parameter) -> [Value] { leaves[index[ObjectIdentifier(p)]!] }
        let n = contexts.count / model.blockSize, e = model.config.embed, h = model.config.hidden
        let table = leaf(model.embedding.table)
        // x (N, T·E): the context's embedding rows side by side.
        var x: [[Value]] = (0..<n).map { r in
            (0..<model.blockSize).flatMap { t in
                let token = Int(contexts[r * model.blockSize + t])
                return (0..<e).map { table[token * e + $0] }
            }
        }
        var smallest = Double.infinity
        for (i, layer) in model.layers.enumerated() {
            let w = leaf(layer.linear.weight), b = layer.linear.bias.map(leaf)
            let width = x[0].count
            var pre: [Value] = []
            for row in x {
                for o in 0..<h {
                    var terms = (0..<width).map { row[$0] * w[o * width + $0] }
                    if let b { terms.append(b[o]) }
                    // A labelled model adds its category's row to the first layer's output.
                    if i == 0, let table = model.category?.table { terms.append(leaf(table)[Int(categories[pre.count / h]) * h + o]) }
                    pre.append(Value.sum(terms))
                }
            }
            if let norm = layer.norm {
                pre = BatchNormTests.oracleBatchNorm(pre, gamma: leaf(norm.gamma), beta: leaf(norm.beta), n: n, c: h)
            }
            smallest = min(smallest, pre.map { abs($0.data) }.min()!)
            var activated = pre.map { model.config.activation == .tanh ? $0.tanh() : $0.relu() }
            if let masks { activated = zip(activated, masks[i]).map { $0 * $1 } }
            x = (0..<n).map { Array(activated[$0 * h..<($0 + 1) * h]) }
        }
        let w = leaf(model.output.weight), b = leaf(model.output.bias!)
        let flat = ValueTransformer.linear(x.flatMap { $0 }, w, b, rows: x.count, inputs: h, outputs: vocabularySize)
        let logits = (0..<x.count).map { Array(flat[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
        return (Value.crossEntropy(logits: logits, targets: targets.map(Int.init)), smallest)
    }

    /// Builds the model (seed 1), runs one `trainingStep` on a random batch, and checks the loss
    /// and every parameter gradient. Dropout masks are reproduced by replaying the step's
    /// generator (see `testDropoutGradients`). KernelSetTests runs it under every kernel set.
    static func checkModel(_ config: MLPConfig, seed: UInt64, categories: Int = 0, file: StaticString = #filePath,
                           line: UInt = #line) -> MLPModel {
        var rng = RandomGenerator(seed: seed)
        let model = MLPModel(config: config, vocabularySize: vocabularySize, categories: categories, rng: &rng)
        var rowCategories: [Int32] = []
        if let table = model.category?.table {
            // A table away from its zero start, and a category per example from another generator.
            var other = RandomGenerator(seed: seed + 100)
            for i in 0..<table.count { table.value.data[i] = other.nextNormal() }
            rowCategories = (0..<batch).map { _ in Int32(other.nextInt(below: categories)) }
            model.condition(on: rowCategories)
        }
        let step = ModelStep(model, norms: model.layers.compactMap(\.norm), dropout: model.dropout,
                             maskShapes: model.layers.map { _ in (batch, config.hidden) }, batch: batch, seed: seed, rng: &rng,
                             file: file, line: line)
        let (loss, contexts, targets, masks) = (step.loss, step.contexts, step.targets, step.masks)

        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        var smallest = Double.infinity
        let oracle = checkGradients(tensors, finiteDifferenceLimit: 16, file: file, line: line) { leaves in
            let result = oracleLoss(model: model, leaves: leaves, contexts: contexts, targets: targets, masks: masks,
                                    categories: rowCategories)
            smallest = min(smallest, result.smallestActivationInput)
            return [result.loss]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss", file: file, line: line)
        if config.activation == .relu {
            // Far from the kink compared with the finite-difference step 1e-5 and with Float
            // rounding, so the Float model, the oracle and the finite differences agree on every branch.
            XCTAssertGreaterThan(smallest, 1e-3, "a ReLU input is too close to 0 for this seed", file: file, line: line)
        }
        return model
    }

    func testBatchNormTanhGradients() {
        let model = Self.checkModel(Self.config(batchNorm: true, activation: .tanh, dropout: 0), seed: 1)
        XCTAssertEqual(model.parameters.map(\.name), [
            "embedding.weight", "layers.0.linear.weight", "layers.0.norm.weight", "layers.0.norm.bias",
            "layers.1.linear.weight", "layers.1.norm.weight", "layers.1.norm.bias", "output.weight", "output.bias",
        ])
    }

    /// A labelled model: the category table's gradient, and every other, with the category
    /// vectors added to the first layer (with BatchNorm after it, and with a bias and no BatchNorm).
    func testLabelledGradients() {
        let model = Self.checkModel(Self.config(batchNorm: true, activation: .tanh, dropout: 0), seed: 5, categories: 3)
        XCTAssertEqual(model.parameters.last?.name, "category.weight")
        XCTAssertEqual(model.parameters.last?.shape, [3, 6])
        XCTAssertTrue(model.parameters.last!.grad.data.contains { $0 != 0 })
        _ = Self.checkModel(Self.config(batchNorm: false, activation: .tanh, dropout: 0), seed: 6, categories: 2)
    }

    func testBiasReluGradients() {
        let model = Self.checkModel(Self.config(batchNorm: false, activation: .relu, dropout: 0), seed: 2)
        XCTAssertEqual(model.parameters.map(\.name), [
            "embedding.weight", "layers.0.linear.weight", "layers.0.linear.bias",
            "layers.1.linear.weight", "layers.1.linear.bias", "output.weight", "output.bias",
        ])
    }

    /// With dropout the loss depends on the masks `trainingStep` draws. They are reproduced
    /// exactly (see `checkModel`), and the oracle multiplies by them as constants: the
    /// gradient of the step's own random function, which is what backward must compute.
    func testDropoutGradients() {
        _ = Self.checkModel(Self.config(batchNorm: true, activation: .tanh, dropout: 0.3), seed: 3)
    }

    /// trainingStep adds into the gradients (two steps on the same batch without zeroGrad give
    /// twice the gradient: BatchNorm uses the batch statistics, so the running ones updated by the
    /// first step do not change the second), and zeroGrad clears them.
    func testTrainingStepAccumulatesGradients() {
        var rng = RandomGenerator(seed: 4)
        let model = MLPModel(config: Self.config(batchNorm: true, activation: .tanh, dropout: 0), vocabularySize: Self.vocabularySize, rng: &rng)
        let contexts = (0..<(Self.batch * 3)).map { _ in Int32(rng.nextInt(below: Self.vocabularySize)) }
        let targets = (0..<Self.batch).map { _ in Int32(rng.nextInt(below: Self.vocabularySize)) }
        model.prepareTraining(batchSize: Self.batch)
        let first = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        let once = model.parameters.map(\.grad.data)
        let second = model.trainingStep(contexts: contexts, targets: targets, rng: &rng)
        XCTAssertEqual(first, second)
        for (p, g) in zip(model.parameters, once) {
            assertClose(p.grad.data, g.map { 2 * Double($0) }, tolerance: 1e-6, "\(p.name) after two steps")
        }
        model.zeroGrad()
        XCTAssertTrue(model.parameters.allSatisfy { $0.grad.data.allSatisfy { $0 == 0 } })
    }
}
