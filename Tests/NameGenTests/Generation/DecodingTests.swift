import Foundation
import XCTest
@testable import NameGen

/// Beam search against exhaustive enumeration, patterns against an independent matcher, and
/// sampling frequencies against a bigram model's exact probabilities.
final class DecodingTests: NameGenTestCase {
    /// A smoothed bigram over a small alphabet, with its exact transition probabilities.
    struct Bigram {
        let model: BigramModel
        let vocabulary: Vocabulary
        /// p[a][b]: the probability of token b after token a (token 0 is start and end).
        let p: [[Double]]

        init(names: [String], smoothing: Float) throws {
            let d = try Dataset(names: names, split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
            model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: smoothing)
            model.fit(d.stream(.train, blockSize: 1))
            vocabulary = d.vocabulary
            let v = d.vocabulary.size
            var logits = Matrix(rows: 1, cols: v)
            var p: [[Double]] = []
            for a in 0..<v {
                model.logits(contexts: [Int32(a)], count: 1, into: &logits)
                let m = logits.data.max()!
                let e = logits.data.map { exp(Double($0 - m)) }
                let s = e.reduce(0, +)
                p.append(e.map { $0 / s })
            }
            self.p = p
        }

        /// log p(name) with the end token.
        func logProbability(_ tokens: [Int32]) -> Double {
            var previous = 0, total = 0.0
            for t in tokens {
                total += log(p[previous][Int(t)])
                previous = Int(t)
            }
            return total + log(p[previous][0])
        }

        /// Every name of 1...maxLength characters.
        func allNames(maxLength: Int) -> [[Int32]] {
            var all: [[Int32]] = [], frontier: [[Int32]] = [[]]
            for _ in 0..<maxLength {
                frontier = frontier.flatMap { name in (1..<vocabulary.size).map { name + [Int32($0)] } }
                all += frontier
            }
            return all
        }
    }

    let names = ["abc", "ab", "ca", "bca", "a", "cab", "bb", "acca", "b", "cc"]

    // MARK: - Beam search

    func testBeamSearchIsExactAgainstEnumeration() throws {
        let b = try Bigram(names: names, smoothing: 0.5)
        let maxLength = 5
        let all = b.allNames(maxLength: maxLength)
        XCTAssertEqual(all.count, 3 + 9 + 27 + 81 + 243)
        for perCharacter in [false, true] {
            func score(_ t: [Int32]) -> Double {
                perCharacter ? b.logProbability(t) / Double(t.count + 1) : b.logProbability(t)
            }
            let expected = all.sorted { score($0) > score($1) }.prefix(12).map { $0 }
            var options = SamplingOptions()
            options.maxLength = maxLength
            let results = try BeamSearch.search(model: b.model, options: options, count: 12, width: 243, perCharacter: perCharacter)
            XCTAssertEqual(results.map(\.tokens), expected, "per character: \(perCharacter)")
            for r in results {
                XCTAssertEqual(r.logProbability, b.logProbability(r.tokens), accuracy: 1e-9)
                XCTAssertEqual(r.score, score(r.tokens), accuracy: 1e-9)
            }
        }
    }

    func testBeamSearchRespectsEveryConstraint() throws {
        let b = try Bigram(names: names, smoothing: 0.5)
        var options = SamplingOptions()
        options.maxLength = 5
        options.minLength = 3
        options.prefix = [Int32(b.vocabulary.token("a")!)]
        options.pattern = try NamePattern("a*[bc]", vocabulary: b.vocabulary)
        // Exclude the most probable name that meets the rest.
        let pattern = try NSRegularExpression(pattern: "^a.*[bc]$")
        func ok(_ t: [Int32]) -> Bool {
            let s = b.vocabulary.decode(t)
            return (3...5).contains(t.count) && s.hasPrefix("a")
                && pattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }
        let all = b.allNames(maxLength: 5).filter(ok).sorted { b.logProbability($0) > b.logProbability($1) }
        let excluded = try NameList([b.vocabulary.decode(all[0])]).reencodedKeepingUnknown(in: b.vocabulary)
        var set = NameSet(capacity: 1)
        _ = set.insert(0, of: excluded)
        options.exclusions = [NameLookup(set: set, list: excluded)]
        let results = try BeamSearch.search(model: b.model, options: options, count: 8, width: 243, perCharacter: false)
        XCTAssertEqual(results.map(\.tokens), Array(all.dropFirst().prefix(8)))
        XCTAssertTrue(results.allSatisfy { ok($0.tokens) })
    }

    // MARK: - Patterns

    /// A glob as a regular expression: an independent matcher.
    func regex(_ glob: String) throws -> NSRegularExpression {
        var out = "^", chars = Array(glob), i = 0
        while i < chars.count {
            switch chars[i] {
            case "?": out += "."
            case "*": out += ".*"
            case "[":
                let close = chars[i...].firstIndex(of: "]")!
                out += "[" + String(chars[(i + 1)..<close]) + "]"
                i = close
            default: out += NSRegularExpression.escapedPattern(for: String(chars[i]))
            }
            i += 1
        }
        return try NSRegularExpression(pattern: out + "$")
    }

    func testEverySampledAndBeamNameMatchesItsPattern() throws {
        let b = try Bigram(names: ["kella", "anna", "bella", "karl", "kim", "nell", "ella", "ben", "lena", "mike"], smoothing: 1)
        let patterns = ["*ella", "*a", "k????", "?e*", "[kb]*", "*[ae]n", "k*l*a", "a*n*a", "??", "[mn]?[ek]*"]
        for glob in patterns {
            let compiled = try NamePattern(glob, vocabulary: b.vocabulary)
            let re = try regex(glob)
            var options = SamplingOptions()
            options.count = 10_000
            options.maxLength = 12
            options.pattern = compiled
            var rng = RandomGenerator(seed: 7)
            let sampled = try Sampler.sample(model: b.model, vocabulary: b.vocabulary, options: options, rng: &rng)
            XCTAssertEqual(sampled.count, 10_000, glob)
            let misses = sampled.filter { re.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) == nil }
            XCTAssertEqual(misses.count, 0, "\(glob): \(misses.prefix(5))")
            XCTAssertTrue(sampled.allSatisfy { $0.count <= 12 }, glob)
            let beam = try BeamSearch.search(model: b.model, options: options, count: 20, width: 64, perCharacter: false)
            XCTAssertFalse(beam.isEmpty, glob)
            for r in beam {
                let s = b.vocabulary.decode(r.tokens)
                XCTAssertNotNil(re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)), "\(glob): beam gave \(s)")
                XCTAssertTrue(compiled.matches(r.tokens))
            }
        }
    }

    func testTheAutomatonAgreesWithTheMatcherOnEveryShortName() throws {
        let b = try Bigram(names: names, smoothing: 1)
        for glob in ["a*", "*a", "?b?", "[ab]*c", "a*b*a", "*", "c", "\\a?", "[ca][ca]*"] {
            let compiled = try NamePattern(glob, vocabulary: b.vocabulary)
            let re = try regex(glob.replacingOccurrences(of: "\\", with: ""))
            for tokens in b.allNames(maxLength: 5) {
                let s = b.vocabulary.decode(tokens)
                XCTAssertEqual(compiled.matches(tokens), re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil, "\(glob) on \(s)")
                // The minimum is exact: a state can finish in exactly minimumRemaining more characters.
                if let state = compiled.state(after: tokens) {
                    let need = compiled.minimumRemaining(state)
                    let completions = b.allNames(maxLength: max(need, 1)).filter { $0.count == need }
                    let finishes = need == 0 ? compiled.accepts(state) : completions.contains { compiled.matches(tokens + $0) }
                    XCTAssertTrue(finishes, "\(glob) after \(s) needs \(need)")
                }
            }
        }
    }

    func testUnmatchablePatternsAreUsageErrors() throws {
        let b = try Bigram(names: names, smoothing: 1)
        for glob in ["a9", "[xyz]", "abc\\", "[ab"] {
            XCTAssertThrowsError(try NamePattern(glob, vocabulary: b.vocabulary), glob) { error in
                XCTAssertEqual((error as? NameGenError)?.kind, .usage)
            }
        }
    }

    // MARK: - Sampling statistics

    /// Over 200,000 names the frequency of each first character and of each length matches the
    /// model's exact probabilities (by enumeration over the bigram) within 4.5 standard errors.
    func testSampledFrequenciesMatchTheExactProbabilities() throws {
        let b = try Bigram(names: names, smoothing: 1)
        let v = b.vocabulary.size
        let n = 200_000
        var options = SamplingOptions()
        options.count = n
        options.maxLength = 60
        var rng = RandomGenerator(seed: 11)
        let sampled = try Sampler.sample(model: b.model, vocabulary: b.vocabulary, options: options, rng: &rng)
        // --min-length 1 (the default) rules out the empty name: every probability below is
        // conditioned on a first character, so divided by 1 − p(end | start).
        let nonEmpty = 1 - b.p[0][0]
        XCTAssertGreaterThan(b.p[0][0], 0.01, "the smoothed model gives the empty name a real probability")
        // First characters: p(c | start).
        for c in 1..<v {
            let expected = b.p[0][c] / nonEmpty
            let seen = Double(sampled.filter { b.vocabulary.token($0.first!).map { Int($0) } == c }.count) / Double(n)
            XCTAssertEqual(seen, expected, accuracy: 4.5 * sqrt(expected * (1 - expected) / Double(n)), "first \(c)")
        }
        // Lengths: α_L(c) = P(the first L characters end in c), P(length L) = Σ α_L(c) p(end | c).
        var alpha = (0..<v).map { $0 == 0 ? 0 : b.p[0][$0] }
        var counts = [Int: Int]()
        for s in sampled { counts[s.count, default: 0] += 1 }
        for length in 1...8 {
            let expected = (1..<v).reduce(0.0) { $0 + alpha[$1] * b.p[$1][0] } / nonEmpty
            let seen = Double(counts[length, default: 0]) / Double(n)
            XCTAssertEqual(seen, expected, accuracy: 4.5 * sqrt(expected * (1 - expected) / Double(n)), "length \(length)")
            alpha = (0..<v).map { c in c == 0 ? 0 : (1..<v).reduce(0.0) { $0 + alpha[$1] * b.p[$1][c] } }
        }
    }

    /// Top-p keeps the smallest set of most likely characters whose mass reaches p.
    func testTopPDrawsOnlyFromTheNucleus() throws {
        let b = try Bigram(names: names, smoothing: 1)
        let first = (1..<b.vocabulary.size).sorted { b.p[0][$0] > b.p[0][$1] }
        let total = first.reduce(0.0) { $0 + b.p[0][$1] }
        for p in [0.3, 0.7, 0.95] {
            var mass = 0.0, nucleus: Set<Int> = []
            for c in first where nucleus.isEmpty || mass < p * total {
                mass += b.p[0][c]
                nucleus.insert(c)
            }
            var options = SamplingOptions()
            options.count = 3000
            options.topP = p
            var rng = RandomGenerator(seed: 3)
            let sampled = try Sampler.sample(model: b.model, vocabulary: b.vocabulary, options: options, rng: &rng)
            let seen = Set(sampled.map { Int(b.vocabulary.token($0.first!)!) })
            XCTAssertEqual(seen, nucleus, "top-p \(p)")
        }
        // Without --top-p (or at 1) the output is unchanged.
        var options = SamplingOptions()
        options.count = 200
        var r1 = RandomGenerator(seed: 5), r2 = RandomGenerator(seed: 5)
        let plain = try Sampler.sample(model: b.model, vocabulary: b.vocabulary, options: options, rng: &r1)
        options.topP = 1
        XCTAssertEqual(try Sampler.sample(model: b.model, vocabulary: b.vocabulary, options: options, rng: &r2), plain)
    }
}
