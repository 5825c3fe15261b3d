import Foundation
import XCTest
@testable import NameGen

/// The registry's sequence interface, without a transformer: the layout of whole names with
/// masked padding, the masked loss, evaluation over every unmasked target, and the trainer
/// handing such batches to a model.
final class SequenceLayoutTests: NameGenTestCase {
    func testNamesAreLaidOutWithMaskedPadding() {
        // "emma" = e m m a → tokens 1 2 2 3 in a toy vocabulary; "ab" → 3 4; T = 6.
        let s = NameSequences(encoded: [[1, 2, 2, 3], [3, 4], [1, 1, 1, 1, 1, 1, 1]], blockSize: 6)
        XCTAssertEqual(Array(s.contexts[0..<6]), [0, 1, 2, 2, 3, 0])
        XCTAssertEqual(Array(s.targets[0..<6]), [1, 2, 2, 3, 0, -1])
        XCTAssertEqual(Array(s.contexts[6..<12]), [0, 3, 4, 0, 0, 0])
        XCTAssertEqual(Array(s.targets[6..<12]), [3, 4, 0, -1, -1, -1])
        // Seven characters at T = 6: the first six targets, no end token.
        XCTAssertEqual(Array(s.contexts[12..<18]), [0, 1, 1, 1, 1, 1])
        XCTAssertEqual(Array(s.targets[12..<18]), [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(s.targetCount, 5 + 3 + 6)
    }

    /// Masked rows count for nothing: the loss and the gradient of the other rows are those of
    /// the unmasked rows alone, and a masked row's gradient is zero.
    func testCrossEntropySkipsMaskedTargets() {
        var rng = RandomGenerator(seed: 3)
        let logits = randomMatrix(4, 5, &rng, scale: 2)
        var d = Matrix(rows: 4, cols: 5), p = d
        let masked = CrossEntropy.forwardBackward(dLogits: &d, probabilities: &p, logits: logits,
                                                  targets: [2, TrainingRecipe.masked, 4, TrainingRecipe.masked])
        let kept = Matrix(rows: 2, cols: 5, data: Array(logits.data[0..<5]) + Array(logits.data[10..<15]))
        var d2 = Matrix(rows: 2, cols: 5), p2 = d2
        let plain = CrossEntropy.forwardBackward(dLogits: &d2, probabilities: &p2, logits: kept, targets: [2, 4])
        XCTAssertEqual(masked, plain)
        XCTAssertEqual(Array(d.data[0..<5]) + Array(d.data[10..<15]), d2.data)
        XCTAssertEqual(Array(d.data[5..<10]) + Array(d.data[15..<20]), [Float](repeating: 0, count: 10))
    }

    /// A bigram read as a sequence model predicts from the current token only, so evaluating
    /// it on whole names (every unmasked target) must give the windows' NLL: every character
    /// and end token of the split, once each.
    func testSequenceEvaluationCoversEveryCharacterOnce() throws {
        let names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail", "ella"]
        let d = try Dataset(names: names, split: SplitConfig(seed: 3, trainFraction: 1, valFraction: 0))
        let bigram = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        bigram.fit(d.stream(.train, blockSize: 1))
        let longest = names.map(\.count).max()!
        let sequence = BigramAsSequence(bigram, blockSize: longest + 1)
        let windows = Evaluation.meanNLL(model: bigram, examples: d.stream(.train, blockSize: 1))
        let whole = Evaluation.meanNLL(model: sequence, examples: d.examples(.train, layout: .sequences, blockSize: longest + 1))
        XCTAssertEqual(whole, windows, accuracy: 1e-12)
    }

    /// With the `.sequences` layout the trainer hands `trainingStep` whole names: rows of
    /// `NameSequences`, drawn from the train split.
    func testTrainerDrawsWholeNames() throws {
        let names = ["ab", "ba", "abba", "b", "aab", "bab"]
        let d = try Dataset(names: names, split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let train = d.examples(.train, layout: .sequences, blockSize: 5) as! NameSequences
        let model = RecordingModel(blockSize: 5, vocabularySize: d.vocabulary.size)
        var options = TrainingOptions()
        (options.batchSize, options.steps) = (4, 3)
        let trainer = Trainer(model: model, train: train, val: d.examples(.val, layout: .sequences, blockSize: 5),
                              options: options, schedule: LearningRateSchedule(shape: .constant, peak: 0.1, steps: 3),
                              rng: RandomGenerator(seed: 2))
        XCTAssertEqual(try trainer.run(), .finished)
        XCTAssertEqual(model.batches.count, 3)
        let rows = (0..<train.count).map { i in (Array(train.contexts[(i * 5)..<(i * 5 + 5)]), Array(train.targets[(i * 5)..<(i * 5 + 5)])) }
        for (contexts, targets) in model.batches {
            XCTAssertEqual(contexts.count, 4 * 5)
            XCTAssertEqual(targets.count, 4 * 5)
            for r in 0..<4 {
                let row = (Array(contexts[(r * 5)..<(r * 5 + 5)]), Array(targets[(r * 5)..<(r * 5 + 5)]))
                XCTAssertTrue(rows.contains { $0 == row }, "\(row) is not a name of the train split")
            }
        }
    }
}

/// The bigram as a sequence model: the logits at position t are the bigram's after token t.
private final class BigramAsSequence: SequenceModel {
    let bigram: BigramModel
    let blockSize: Int
    init(_ bigram: BigramModel, blockSize: Int) { (self.bigram, self.blockSize) = (bigram, blockSize) }
    var vocabularySize: Int { bigram.vocabularySize }
    func namedTensors() -> [String: Tensor] { bigram.namedTensors() }
    func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {
        let last = (0..<count).map { contexts[$0 * blockSize + blockSize - 1] }
        bigram.logits(contexts: last, count: count, into: &logits)
    }
    func sequenceLogits(tokens: [Int32], count: Int, into logits: inout Matrix) {
        bigram.logits(contexts: tokens, count: count * blockSize, into: &logits)
    }
}

/// A trainable model that keeps every batch it is given and learns nothing.
private final class RecordingModel: TrainableModel {
    let blockSize: Int, vocabularySize: Int
    let parameters = [Parameter(name: "w", value: Matrix(rows: 1, cols: 1))]
    var batches: [(contexts: [Int32], targets: [Int32])] = []
    init(blockSize: Int, vocabularySize: Int) { (self.blockSize, self.vocabularySize) = (blockSize, vocabularySize) }
    func prepareTraining(batchSize: Int) {}
    func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float {
        batches.append((contexts, targets))
        return 1
    }
    func load(from checkpoint: Checkpoint, prefix: String) throws {}
    func namedTensors() -> [String: Tensor] { [:] }
    func logits(contexts: [Int32], count: Int, into logits: inout Matrix) {}
}
