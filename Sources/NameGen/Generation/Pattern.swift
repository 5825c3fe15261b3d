/// A glob over names, compiled once into an automaton over a model's vocabulary, so that
/// decoding can mask every character after which the pattern can no longer match.
///
/// `?` matches one character, `*` any run of characters (also none), `[abc]` one of a set,
/// and anything else itself. `\` takes the next character literally (`\*`, `\?`, `\[`).
///
/// The automaton's states are sets of positions in the pattern (bit i: the first i elements
/// are matched), closed under skipping a `*`. From a state the pattern needs at least
/// `minimumRemaining` more characters, so a character is allowed only where the state it
/// leads to can still finish within the length left, and the end token only in an accepting
/// state. Every name decoded under the mask therefore matches, with no rejection loop.
///
/// Masked sampling renormalises over the allowed characters at each step: it draws from the
/// model's distribution constrained step by step, which is not the exact conditional
/// distribution p(name | name matches) (that would weigh each character by the probability of
/// completing a match after it).
package struct NamePattern: Sendable {
    /// One element of the glob.
    enum Element: Equatable, Sendable {
        case any            // ?
        case run            // *
        case set([Int32])   // a literal or [abc], as tokens of the vocabulary
    }

    package let text: String
    let elements: [Element]
    /// DFA transitions: `next[state * vocabularySize + token]`, −1 where the pattern dies.
    private let next: [Int32]
    /// Whether each DFA state accepts (the whole pattern matched).
    private let accepting: [Bool]
    /// The fewest characters each DFA state still needs.
    private let remaining: [Int]
    private let vocabularySize: Int

    /// The start state (nothing read).
    package let start: Int32

    /// Compiles `text` over `vocabulary`. A pattern that can never match (a character the
    /// model does not have, an empty set) is a usage error that says why.
    package init(_ text: String, vocabulary: Vocabulary) throws {
        self.text = text
        var elements: [Element] = []
        var chars = Array(text)
        var i = 0
        func token(_ c: Character) throws -> Int32 {
            guard let t = vocabulary.token(c) else {
                throw NameGenError(.usage, "The pattern '\(text)' can never match: the model has no character '\(c)'.")
            }
            return Int32(t)
        }
        while i < chars.count {
            let c = chars[i]
            i += 1
            switch c {
            case "?": elements.append(.any)
            case "*": if elements.last != .run { elements.append(.run) }
            case "\\":
                guard i < chars.count else {
                    throw NameGenError(.usage, "The pattern '\(text)' ends with '\\'; write '\\\\' for a backslash.")
                }
                elements.append(.set([try token(chars[i])]))
                i += 1
            case "[":
                guard let close = chars[i...].firstIndex(of: "]"), close > i else {
                    throw NameGenError(.usage, "The pattern '\(text)' has a '[' without a closing ']' (or an empty set).")
                }
                // Characters of the set that the model lacks cannot be produced: they are dropped.
                let members = Set(chars[i..<close].compactMap { vocabulary.token($0) }).map { Int32($0) }.sorted()
                guard !members.isEmpty else {
                    throw NameGenError(.usage, "The pattern '\(text)' can never match: the model has none of the characters in [\(String(chars[i..<close]))].")
                }
                elements.append(.set(members))
                i = close + 1
            default:
                elements.append(.set([try token(c)]))
            }
        }
        chars.removeAll()
        self.elements = elements

        // Subset construction over the positions 0...n, each state a bit set.
        let n = elements.count
        let v = vocabulary.size
        func closure(_ s: [Bool]) -> [Bool] {
            var s = s
            for p in 0..<n where s[p] && elements[p] == .run { s[p + 1] = true }
            return s
        }
        func minimum(_ s: [Bool]) -> Int {
            var best = Int.max
            for p in 0...n where s[p] {
                best = min(best, elements[p...].reduce(0) { $0 + ($1 == .run ? 0 : 1) })
            }
            return best
        }
        var initial = [Bool](repeating: false, count: n + 1)
        initial[0] = true
        initial = closure(initial)
        var states: [[Bool]] = [initial]
        var index: [[Bool]: Int] = [initial: 0]
        var next: [Int32] = []
        var k = 0
        while k < states.count {
            let s = states[k]
            for token in 0..<v {
                guard token != Int(Vocabulary.boundary) else { next.append(-1); continue }
                var t = [Bool](repeating: false, count: n + 1)
                for p in 0..<n where s[p] {
                    switch elements[p] {
                    case .run: t[p] = true
                    case .any: t[p + 1] = true
                    case .set(let members): if members.contains(Int32(token)) { t[p + 1] = true }
                    }
                }
                t = closure(t)
                guard t.contains(true) else { next.append(-1); continue }
                if let j = index[t] {
                    next.append(Int32(j))
                } else {
                    index[t] = states.count
                    next.append(Int32(states.count))
                    states.append(t)
                }
            }
            k += 1
        }
        self.next = next
        accepting = states.map { $0[n] }
        remaining = states.map(minimum)
        vocabularySize = v
        start = 0
    }

    /// The state after `token`, or nil where the pattern can no longer match.
    package func advance(_ state: Int32, _ token: Int32) -> Int32? {
        let t = next[Int(state) * vocabularySize + Int(token)]
        return t < 0 ? nil : t
    }

    /// Whether a name may end in `state`.
    package func accepts(_ state: Int32) -> Bool { accepting[Int(state)] }

    /// The fewest characters the pattern still needs from `state`.
    package func minimumRemaining(_ state: Int32) -> Int { remaining[Int(state)] }

    /// Whether `token` may follow in `state` when `room` more characters fit after it.
    package func allows(_ token: Int32, in state: Int32, room: Int) -> Bool {
        guard let t = advance(state, token) else { return false }
        return remaining[Int(t)] <= room
    }

    /// The state after `tokens` from the start, or nil where they already break the pattern.
    package func state(after tokens: [Int32]) -> Int32? {
        var s = start
        for t in tokens {
            guard let n = advance(s, t) else { return nil }
            s = n
        }
        return s
    }

    /// Whether a whole name (its tokens) matches.
    package func matches(_ tokens: [Int32]) -> Bool {
        state(after: tokens).map(accepts) ?? false
    }
}
