import XCTest
@testable import NameGen

/// The batched, threaded sampler: the same names for any number of threads, chunks that do not
/// share a generator stream, and the finishing of names under a suffix pattern.
final class ChunkedGenerationTests: NameGenTestCase {
    private func dataset() throws -> Dataset {
        let names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail",
                     "ella", "stella", "bella", "luna", "nora", "lily", "zoe", "leah", "anna", "hannah"]
        return try Dataset(names: names, split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
    }

    /// Copies of one model: a model keeps per-call state, so each thread gets its own.
    private func copies(_ make: () -> LanguageModel, _ n: Int) -> [LanguageModel] { (0..<n).map { _ in make() } }

    private func names(_ models: [LanguageModel], _ v: Vocabulary, _ options: SamplingOptions, seed: UInt64 = 7) throws -> [String] {
        var rng = RandomGenerator(seed: seed)
        var out: [String] = []
        try Sampler.sample(models: models, vocabulary: v, options: options, chunkSize: 200, rng: &rng) { name, _, _ in
            out.append(name)
        }
        return out
    }

    /// 1,000 names span five chunks of 200 tries: one, two and three threads print the same
    /// names in the same order, for a window model, the transformer (slot caches) and a
    /// recurrent model (per-row state), with and without --unique and a pattern.
    func testSameNamesForAnyNumberOfThreads() throws {
        let d = try dataset(), v = d.vocabulary
        let makers: [(String, () -> LanguageModel)] = [
            ("mlp", { var r = RandomGenerator(seed: 3); return MLPModel(config: MLPConfig(), vocabularySize: v.size, rng: &r) }),
            ("transformer", {
                var c = TransformerConfig()
                (c.blockSize, c.embed, c.heads, c.layers) = (12, 16, 2, 2)
                var r = RandomGenerator(seed: 3)
                return TransformerModel(config: c, vocabularySize: v.size, rng: &r)
            }),
            ("gru", {
                var c = GRUModel.defaults
                (c.blockSize, c.embed, c.hidden) = (12, 8, 16)
                var r = RandomGenerator(seed: 3)
                return GRUModel(config: c, vocabularySize: v.size, categories: 0, rng: &r)
            }),
        ]
        for (name, make) in makers {
            var options = SamplingOptions()
            options.count = 1000
            options.maxLength = 11
            let one = try names(copies(make, 1), v, options)
            XCTAssertEqual(one.count, 1000, name)
            XCTAssertEqual(try names(copies(make, 2), v, options), one, "\(name): 2 threads")
            XCTAssertEqual(try names(copies(make, 3), v, options), one, "\(name): 3 threads")
            XCTAssertGreaterThan(Set(one).count, 500, "\(name): an untrained model's names are varied")
            options.unique = true
            options.count = 600
            options.pattern = try NamePattern("*a", vocabulary: v)
            let unique = try names(copies(make, 1), v, options)
            XCTAssertEqual(Set(unique).count, 600, name)
            XCTAssertTrue(unique.allSatisfy { $0.hasSuffix("a") }, name)
            XCTAssertEqual(try names(copies(make, 2), v, options), unique, "\(name): 2 threads, unique, pattern")
        }
    }

    /// Each chunk draws from its own generator, not a shifted copy of another's stream:
    /// RandomGenerator(seed: s) and (seed: s + 0x9E37…) share three of their four state words
    /// (splitmix steps by that constant), so chunk seeds must not be such neighbours.
    func testChunksDrawFromDistinctStreams() throws {
        let plan = ChunkPlan(count: 100_000, seed: 5)
        var words = Set<UInt64>()
        for j in 0..<1000 { words.formUnion(plan.generator(chunk: j).stateWords) }
        XCTAssertEqual(words.count, 4000, "no state word shared between 1,000 chunks")
        XCTAssertNotEqual(ChunkPlan(count: 100_000, seed: 6).generator(chunk: 0).stateWords, plan.generator(chunk: 0).stateWords)
    }

    /// Finishing: after an end request the mask allows exactly the characters one step closer
    /// to a match. For "*ab" from a state that needs 2 more characters: only 'a'; then only 'b';
    /// then the end. Before the request the end token is allowed as a request only with
    /// `endRequests`, and never before --min-length.
    func testFinishingFollowsAShortestCompletion() throws {
        let v = try dataset().vocabulary
        let pattern = try NamePattern("*ab", vocabulary: v)
        let (a, b) = (Int32(v.token("a")!), Int32(v.token("b")!))
        let s0 = pattern.state(after: [Int32(v.token("e")!)])!
        XCTAssertEqual(pattern.minimumRemaining(s0), 2)
        func allowed(_ mask: Sampler.Mask) -> [Int] { (0..<v.size).filter { mask.allows($0) } }
        var mask = Sampler.Mask(forbidEnd: false, pattern: pattern, state: s0, room: 10)
        XCTAssertEqual(allowed(mask).count, v.size - 1, "every character, not the end")
        mask.endRequests = true
        XCTAssertEqual(allowed(mask).count, v.size, "the end as a request")
        mask.forbidEnd = true
        XCTAssertFalse(mask.allows(0))
        mask = Sampler.Mask(forbidEnd: false, pattern: pattern, state: s0, room: 10, endRequests: true, finishing: true)
        XCTAssertEqual(allowed(mask), [Int(a)])
        mask.state = pattern.advance(s0, a)!
        XCTAssertEqual(allowed(mask), [Int(b)])
        mask.state = pattern.advance(mask.state, b)!
        XCTAssertTrue(pattern.accepts(mask.state))
        XCTAssertTrue(mask.allows(0), "complete: the end")
    }

    /// Under a suffix pattern the names end about where the model would end them: a model of
    /// short names (mean 1.5 characters) sampled under "*ella" gives names of mean length below
    /// 1.5 + 4 + 1, where wandering until "ella" appears by chance would take dozens.
    func testSuffixPatternsDoNotWander() throws {
        let d = try Dataset(names: ["a", "b", "ab", "ba", "e", "l"], split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let m = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 0.1)
        m.fit(d.stream(.train, blockSize: 1))
        var options = SamplingOptions()
        options.count = 2000
        options.pattern = try NamePattern("*ella", vocabulary: d.vocabulary)
        let out = try names([m], d.vocabulary, options)
        XCTAssertTrue(out.allSatisfy { $0.hasSuffix("ella") })
        let mean = Double(out.map(\.count).reduce(0, +)) / Double(out.count)
        XCTAssertLessThan(mean, 6.5)
        XCTAssertGreaterThan(mean, 4.5)
    }
}
