#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The most probable names under a model, by beam search: every live name is extended by every
/// allowed character, and the `width` best partial names (by total log-probability) are kept
/// at each length. It is deterministic (ties go to the smaller tokens) and draws nothing.
///
/// With the total log-probability as the ranking, a partial name can only lose probability as
/// it grows, so once `count` names have finished, a partial name that is already less likely
/// than the last of them is dropped: with a width at least the number of live partial names
/// the result is exact. Ranking per character (`perCharacter`) has no such bound: the search
/// then runs to the maximum length.
package enum BeamSearch {
    /// A finished name: its tokens and its log-probability (natural log, the end token included).
    package struct Result: Sendable, Equatable {
        package var tokens: [Int32]
        package var logProbability: Double
        /// The ranking score: the total, or the total over (characters + 1) with `perCharacter`.
        package var score: Double
        /// The category the name was found under (0 for a model of plain names).
        package var category: Int32 = 0
    }

    /// The `count` best names. `options` supplies the prefix, the lengths, the pattern and the
    /// exclusions (its temperature, top-k and top-p do not apply: the search takes no samples).
    ///
    /// A labelled model searches under `options.category`; without one, under each category,
    /// and ranks the (category, name) pairs by log p(c) + log p(name | c), the prior's term
    /// included in `logProbability` and `score`.
    package static func search(model: LanguageModel, options: SamplingOptions, count: Int, width: Int,
                              perCharacter: Bool) throws -> [Result] {
        try Sampler.checkCategories(model: model, options: options)
        guard model.categoryCount > 0 else {
            return try search(model: model, options: options, category: nil, count: count, width: width, perCharacter: perCharacter)
        }
        if let c = options.category {
            return try search(model: model, options: options, category: Int32(c), count: count, width: width,
                              perCharacter: perCharacter)
        }
        var all: [Result] = []
        for (c, p) in options.categoryPrior.enumerated() where p > 0 {
            for var r in try search(model: model, options: options, category: Int32(c), count: count, width: width,
                                    perCharacter: perCharacter) {
                r.logProbability += log(p)
                r.score = perCharacter ? r.logProbability / Double(r.tokens.count + 1) : r.logProbability
                all.append(r)
            }
        }
        all.sort { $0.score != $1.score ? $0.score > $1.score : $0.category < $1.category }
        return Array(all.prefix(count))
    }

    static func search(model: LanguageModel, options: SamplingOptions, category: Int32?, count: Int, width: Int,
                       perCharacter: Bool) throws -> [Result] {
        precondition(count >= 1 && width >= 1)
        let v = model.vocabularySize
        let pattern = options.pattern
        guard let startState = pattern.map({ $0.state(after: options.prefix) }) ?? 0 else {
            throw NameGenError(.usage, "No name can start with the prefix and match the pattern '\(pattern!.text)'.")
        }
        struct Partial { var tokens: [Int32]; var logProbability: Double; var state: Int32 }
        func better(_ a: Result, _ b: Result) -> Bool {
            a.score != b.score ? a.score > b.score : a.tokens.lexicographicallyPrecedes(b.tokens)
        }

        var live = [Partial(tokens: options.prefix, logProbability: 0, state: startState)]
        var finished: [Result] = []
        var logits = Matrix(rows: width, cols: v)
        var next = NextTokens(model: model, rows: width, incremental: false)
        var logp = [Double](repeating: 0, count: v)

        while !live.isEmpty {
            next.logits(after: live.map(\.tokens), categories: category.map { [Int32](repeating: $0, count: live.count) },
                        into: &logits)

            var candidates: [Partial] = []
            for (row, partial) in live.enumerated() {
                // log softmax of the row, in Double.
                let base = row * v
                var m = -Float.infinity
                for c in 0..<v { m = max(m, logits.data[base + c]) }
                var sum = 0.0
                for c in 0..<v { sum += exp(Double(logits.data[base + c] - m)) }
                let lse = Double(m) + log(sum)
                for c in 0..<v { logp[c] = Double(logits.data[base + c]) - lse }

                let length = partial.tokens.count
                let mask = Sampler.Mask(forbidEnd: length < options.minLength, pattern: pattern, state: partial.state,
                                        room: options.maxLength - length - 1)
                for c in 0..<v where mask.allows(c) && logp[c] > -Double.infinity {
                    let total = partial.logProbability + logp[c]
                    if c == Int(Vocabulary.boundary) {
                        guard !options.exclusions.contains(where: { $0.contains(partial.tokens) }) else { continue }
                        let score = perCharacter ? total / Double(length + 1) : total
                        finished.append(Result(tokens: partial.tokens, logProbability: total, score: score,
                                               category: category ?? 0))
                    } else if length < options.maxLength {
                        let state = pattern.flatMap { $0.advance(partial.state, Int32(c)) } ?? partial.state
                        candidates.append(Partial(tokens: partial.tokens + [Int32(c)], logProbability: total, state: state))
                    }
                }
            }
            finished.sort(by: better)
            if finished.count > count { finished.removeLast(finished.count - count) }
            candidates.sort {
                $0.logProbability != $1.logProbability ? $0.logProbability > $1.logProbability
                                                       : $0.tokens.lexicographicallyPrecedes($1.tokens)
            }
            if candidates.count > width { candidates.removeLast(candidates.count - width) }
            if !perCharacter && finished.count == count {
                // A partial name only loses probability as it grows.
                let last = finished[count - 1].logProbability
                candidates.removeAll { $0.logProbability <= last }
            }
            live = candidates
        }
        return finished
    }
}
