import Foundation
import XCTest
@testable import NameGen

/// Whole-name log-probabilities against independent computations: bigram counts by hand, the
/// evaluation path for window and sequence models, and Bayes' rule by hand.
final class NameScorerTests: NameGenTestCase {
    /// A bigram's log p(name) is the sum of log (count + k) / (row total + k·V) along the name.
    func testBigramScoreFromCountsByHand() throws {
        let d = try Dataset(names: ["ab", "ab", "ba", "abb", "a"], split: SplitConfig(trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: 3, smoothing: 1)
        model.fit(d.stream(.train, blockSize: 1))
        // Pairs: . a b . | . a b . | . b a . | . a b b . | . a .
        // from . : a 4, b 1;  from a: b 3, . 2;  from b: . 3, a 1, b 1.
        func p(_ count: Double, _ total: Double) -> Double { log((count + 1) / (total + 3)) }
        let expected = p(4, 5) + p(3, 5) + p(3, 5)  // . → a → b → .
        let scorer = NameScorer(models: [model], layout: .windows)
        let got = scorer.logProbabilities(names: [[1, 2]], categories: [0])
        XCTAssertEqual(got[0], expected, accuracy: 1e-6)
    }

    /// A window model: each name's score is −(its examples' mean NLL × their count), computed by
    /// `Evaluation` on a stream of that name alone; with one and with two threads.
    func testWindowModelMatchesEvaluation() throws {
        var c = MLPConfig()
        c.blockSize = 3; c.embed = 4; c.hidden = 8; c.layers = 2
        var rng = RandomGenerator(seed: 3)
        let model = MLPModel(config: c, vocabularySize: 6, rng: &rng)
        let copy = MLPModel(config: c, vocabularySize: 6, rng: &rng)
        for (a, b) in zip(model.parameters, copy.parameters) { b.value = a.value }
        for (a, b) in zip(model.layers.compactMap(\.norm), copy.layers.compactMap(\.norm)) {
            b.runningMean = a.runningMean; b.runningVar = a.runningVar
        }
        var names: [[Int32]] = []
        for i in 0..<400 {
            var name: [Int32] = []
            for j in 0..<(1 + i % 7) { name.append(Int32(1 + (j * 3 + i) % 5)) }
            names.append(name)
        }
        for models in [[model as LanguageModel], [model, copy]] {
            let got = NameScorer(models: models, layout: .windows).logProbabilities(names: names, categories: [0])
            for i in [0, 1, 57, 399] {
                let stream = TokenStream(encoded: [names[i]], vocabularySize: 6, blockSize: 3)
                let mean = Evaluation.meanNLL(model: model, stream: stream)
                XCTAssertEqual(got[i], -mean * Double(names[i].count + 1), accuracy: 1e-9 + 1e-6 * abs(got[i]))
            }
        }
    }

    /// A labelled window model scored under category c matches the evaluation of examples
    /// conditioned on c, and different categories give different scores.
    func testLabelledScoresFollowTheCategory() throws {
        var c = MLPConfig()
        c.blockSize = 2; c.embed = 3; c.hidden = 5; c.layers = 1; c.batchNorm = false
        var rng = RandomGenerator(seed: 4)
        let model = MLPModel(config: c, vocabularySize: 5, categories: 2, rng: &rng)
        let table = try XCTUnwrap(model.category?.table)
        for i in 0..<table.count { table.value.data[i] = rng.nextNormal() }
        let name: [Int32] = [1, 3, 2, 4]
        let got = NameScorer(models: [model], layout: .windows).logProbabilities(names: [name], categories: [0, 1])
        var list = try NameList(["acbd"])
        for k in 0..<2 {
            list.categories = Categories(names: ["x", "y"], ofName: [UInt16(k)])
            let stream = TokenStream(names: list, order: [0], blockSize: 2, categories: [UInt16(k)])
            let mean = Evaluation.meanNLL(model: model, stream: stream)
            XCTAssertEqual(got[k], -mean * 5, accuracy: 1e-5)
        }
        XCTAssertGreaterThan(abs(got[0] - got[1]), 1e-3)
    }

    /// A sequence model (the transformer): the scorer's sums equal the model's own NLL of padded sequences.
    func testSequenceModelMatchesItsNLL() throws {
        var c = TransformerConfig()
        c.blockSize = 6; c.embed = 8; c.heads = 2; c.layers = 1
        var rng = RandomGenerator(seed: 5)
        let model = TransformerModel(config: c, vocabularySize: 5, rng: &rng)
        let names: [[Int32]] = [[1, 2], [3, 4, 1, 2, 3], [4]]
        let got = NameScorer(models: [model], layout: .sequences).logProbabilities(names: names, categories: [0])
        for (i, name) in names.enumerated() {
            let seq = NameSequences(encoded: [name], blockSize: 6)
            let (sum, count) = model.negativeLogLikelihood(tokens: seq.contexts, targets: seq.targets, count: 1)
            XCTAssertEqual(count, name.count + 1)
            XCTAssertEqual(got[i], -sum, accuracy: 1e-6 * max(1, sum))
        }
    }

    /// Bayes' rule by hand: likelihoods 0.2 and 0.5 with prior 0.25 / 0.75.
    func testMixtureAndPosteriorByHand() {
        let l: [Double] = [log(0.2), log(0.5)]
        XCTAssertEqual(CategoryPosterior.mixture(l[...], prior: [0.25, 0.75]), log(0.05 + 0.375), accuracy: 1e-12)
        let post = CategoryPosterior.posterior(l[...], prior: [0.25, 0.75])
        XCTAssertEqual(post[0], 0.05 / 0.425, accuracy: 1e-12)
        XCTAssertEqual(post[1], 0.375 / 0.425, accuracy: 1e-12)
        // Far below Double's range as probabilities, still exact as logs.
        let tiny = CategoryPosterior.posterior([-2000, -2001][...], prior: [0.5, 0.5])
        XCTAssertEqual(tiny[0], 1 / (1 + exp(-1)), accuracy: 1e-12)
    }
}
