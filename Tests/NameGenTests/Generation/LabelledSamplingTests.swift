import XCTest
@testable import NameGen

/// Sampling from a labelled model through the library: without a category or a prior it is a
/// usage error, not a trap; with a category or a prior, each name comes with the category it was drawn under.
final class LabelledSamplingTests: NameGenTestCase {
    func testLabelledModelNeedsACategoryOrAPrior() throws {
        var c = MLPConfig()
        c.blockSize = 2; c.embed = 3; c.hidden = 4; c.layers = 1
        var rng = RandomGenerator(seed: 1)
        let model = MLPModel(config: c, vocabularySize: 4, categories: 2, rng: &rng)
        let vocabulary = try Vocabulary(characters: Array("abc"))
        var options = SamplingOptions()
        options.count = 5
        XCTAssertThrowsError(try Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng)) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .usage)
        }
        XCTAssertThrowsError(try BeamSearch.search(model: model, options: options, count: 2, width: 4, perCharacter: false))
        options.category = 2
        XCTAssertThrowsError(try Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng))

        // A fixed category comes back with every name; a prior of [1, 0] draws only category 0.
        options.category = 1
        var emitted: [Int32] = []
        try Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng) { _, _, c in emitted.append(c) }
        XCTAssertEqual(emitted, [1, 1, 1, 1, 1])
        options.categoryPrior = [1, 0]
        options.category = nil
        emitted = []
        try Sampler.sample(model: model, vocabulary: vocabulary, options: options, rng: &rng) { _, _, c in emitted.append(c) }
        XCTAssertEqual(emitted, [0, 0, 0, 0, 0])
    }
}
