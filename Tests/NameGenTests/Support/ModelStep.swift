import XCTest
@testable import NameGen

/// One seeded training step of a whole model, set up for a gradient check: BatchNorm's gamma
/// and beta moved off their defaults (so that a backward that ignored gamma or confused it with
/// beta would show), a random batch, and the dropout masks the step drew, reproduced by
/// replaying its generator. `maskShapes` lists (rows, columns) of each mask in the order the
/// step draws them.
struct ModelStep {
    let loss: Float
    let contexts: [Int32]
    let targets: [Int32]
    /// One mask per dropout layer (values 0 or 1/(1 − p)), nil without dropout.
    let masks: [[Double]]?

    init(_ model: TrainableModel, norms: [BatchNorm], dropout: Dropout?, maskShapes: [(Int, Int)],
         batch: Int, seed: UInt64, rng: inout RandomGenerator, file: StaticString = #filePath, line: UInt = #line) {
        for norm in norms {
            for j in 0..<norm.features {
                norm.gamma.value.data[j] = 1 + 0.3 * rng.nextNormal()
                norm.beta.value.data[j] = 0.3 * rng.nextNormal()
            }
        }
        let v = model.vocabularySize
        contexts = (0..<(batch * model.blockSize)).map { _ in Int32(rng.nextInt(below: v)) }
        targets = (0..<batch).map { _ in Int32(rng.nextInt(below: v)) }
        model.prepareTraining(batchSize: batch)
        model.zeroGrad()
        var stepRng = RandomGenerator(seed: seed &+ 1000)
        var replay = stepRng
        loss = model.trainingStep(contexts: contexts, targets: targets, rng: &stepRng)
        // The step draws one dropout mask per layer, in layer order, from the generator it is
        // given, and nothing else. Drawing the same masks with `Dropout.forward` from a copy of
        // the generator's starting state reproduces them; that the copy ends in the same state
        // shows the replay consumed exactly the step's draws, and the loss comparison of the
        // caller would fail if any mask differed.
        if let dropout {
            masks = maskShapes.map { rows, cols in
                var out = Matrix(rows: rows, cols: cols), mask = out
                dropout.forward(out: &out, mask: &mask, x: Matrix(rows: rows, cols: cols), rng: &replay)
                return mask.data.map(Double.init)
            }
            XCTAssertTrue(masks!.allSatisfy { $0.contains(0) && $0.contains { $0 != 0 } }, "every mask drops some and keeps some",
                          file: file, line: line)
        } else {
            masks = nil
        }
        XCTAssertEqual(replay.stateWords, stepRng.stateWords, "the step's random draws are exactly the replayed masks",
                       file: file, line: line)
    }
}
