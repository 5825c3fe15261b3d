import Foundation
import XCTest
@testable import NameGen

/// The `hierarchical` model: its parameter count worked out by hand, and `trainingStep`'s loss
/// and every parameter gradient against the same network rebuilt with `Value`, and against
/// finite differences of that network (on up to 16 elements per tensor, as for mlp).
///
/// Shapes: V = 7, T = 4 (two levels), embed 3, hidden 5, batch 4.
final class HierarchicalModelTests: XCTestCase {
    private let vocabularySize = 7, batch = 4

    func testDefaultsHaveTheLectureParameterCount() {
        var rng = RandomGenerator(seed: 1)
        let model = HierarchicalModel(config: HierarchicalConfig(), vocabularySize: 27, rng: &rng)
        // Embedding 27·24; level 0: Linear 128·48 and BatchNorm 2·128; levels 1 and 2: Linear
        // 128·256 and BatchNorm 2·128 each; output 27·128 + 27.
        let byHand = 27 * 24 + (128 * 48 + 256) + 2 * (128 * 256 + 256) + (27 * 128 + 27)
        XCTAssertEqual(byHand, 648 + 6_400 + 66_048 + 3_483)
        XCTAssertEqual(model.parameterCount, byHand)
        XCTAssertEqual(model.parameterCount, 76_579)
        XCTAssertEqual(model.levels.count, 3, "log₂ 8 levels")
    }

    private func config(dropout: Float, activation: Activation = .tanh) -> HierarchicalConfig {
        var c = HierarchicalConfig()
        (c.blockSize, c.embed, c.hidden, c.dropout, c.activation) = (4, 3, 5, dropout, activation)
        return c
    }

    private func oracleLoss(model: HierarchicalModel, leaves: [[Value]], contexts: [Int32], targets: [Int32],
                            masks: [[Double]]?) -> Value {
        let index = Dictionary(uniqueKeysWithValues: model.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func leaf(_ p: Parameter) -> [Value] { leaves[index[ObjectIdentifier(p)]!] }
        let t = model.blockSize, e = model.config.embed, h = model.config.hidden
        let table = leaf(model.embedding.table)
        // x[n][p]: the vector at position p of example n.
        var x: [[[Value]]] = (0..<batch).map { r in
            (0..<t).map { p in (0..<e).map { table[Int(contexts[r * t + p]) * e + $0] } }
        }
        for (i, level) in model.levels.enumerated() {
            let w = leaf(level.linear.weight), width = 2 * x[0][0].count
            let positions = x[0].count / 2
            // Fuse positions 2p and 2p+1, then the Linear, row by row in (n, p) order.
            var pre: [Value] = []
            for r in 0..<batch {
                for p in 0..<positions {
                    let fused = x[r][2 * p] + x[r][2 * p + 1]
                    for o in 0..<h { pre.append(Value.sum((0..<width).map { fused[$0] * w[o * width + $0] })) }
                }
            }
            pre = BatchNormTests.oracleBatchNorm(pre, gamma: leaf(level.norm.gamma), beta: leaf(level.norm.beta),
                                                 n: batch * positions, c: h)
            var activated = pre.map { model.config.activation == .tanh ? $0.tanh() : $0.relu() }
            if let masks { activated = zip(activated, masks[i]).map { $0 * $1 } }
            x = (0..<batch).map { r in (0..<positions).map { p in Array(activated[((r * positions + p) * h)..<((r * positions + p + 1) * h)]) } }
        }
        let w = leaf(model.output.weight), b = leaf(model.output.bias!)
        let logits = x.map { row in (0..<vocabularySize).map { v in Value.sum((0..<h).map { row[0][$0] * w[v * h + $0] } + [b[v]]) } }
        return Value.crossEntropy(logits: logits, targets: targets.map(Int.init))
    }

    private func check(_ config: HierarchicalConfig, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let model = HierarchicalModel(config: config, vocabularySize: vocabularySize, rng: &rng)
        for norm in model.levels.map(\.norm) {
            for j in 0..<norm.features {
                norm.gamma.value.data[j] = 1 + 0.3 * rng.nextNormal()
                norm.beta.value.data[j] = 0.3 * rng.nextNormal()
            }
        }
        let contexts = (0..<(batch * config.blockSize)).map { _ in Int32(rng.nextInt(below: vocabularySize)) }
        let targets = (0..<batch).map { _ in Int32(rng.nextInt(below: vocabularySize)) }
        model.prepareTraining(batchSize: batch)
        model.zeroGrad()
        var stepRng = RandomGenerator(seed: seed &+ 1000)
        var replay = stepRng
        let loss = model.trainingStep(contexts: contexts, targets: targets, rng: &stepRng)
        // The step draws one dropout mask per level, in level order; replaying them from a copy
        // of the generator gives the same masks (the end states must match).
        var masks: [[Double]]?
        if let dropout = model.dropout {
            var rows = batch * config.blockSize
            masks = model.levels.map { _ in
                rows /= 2
                var out = Matrix(rows: rows, cols: config.hidden), mask = out
                dropout.forward(out: &out, mask: &mask, x: Matrix(rows: rows, cols: config.hidden), rng: &replay)
                return mask.data.map(Double.init)
            }
        }
        XCTAssertEqual(replay.stateWords, stepRng.stateWords, "the step's random draws are exactly the replayed masks")
        let tensors = model.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data) }
        let oracle = checkGradients(tensors, finiteDifferenceLimit: 16) { leaves in
            [oracleLoss(model: model, leaves: leaves, contexts: contexts, targets: targets, masks: masks)]
        }
        assertClose(Double(loss), oracle, tolerance: GradientCheck.forwardTolerance, "loss")
    }

    func testGradientsAgainstTheOracle() {
        check(config(dropout: 0), seed: 5)
    }

    func testGradientsWithDropout() {
        check(config(dropout: 0.3), seed: 6)
    }

    /// Inference (eval, sample) uses the running statistics: logits for one context do not
    /// depend on the other contexts of the batch.
    func testInferenceDoesNotDependOnTheBatch() {
        var rng = RandomGenerator(seed: 7)
        let model = HierarchicalModel(config: config(dropout: 0), vocabularySize: vocabularySize, rng: &rng)
        let contexts: [Int32] = [1, 2, 3, 4, 0, 0, 5, 6, 6, 5, 4, 3]
        var three = Matrix(rows: 3, cols: vocabularySize), one = Matrix(rows: 1, cols: vocabularySize)
        model.logits(contexts: contexts, count: 3, into: &three)
        model.logits(contexts: Array(contexts[4..<8]), count: 1, into: &one)
        XCTAssertEqual(Array(three.data[vocabularySize..<(2 * vocabularySize)]), one.data)
    }
}
