/// Every name of a data file, in file order, as tokens of the file's vocabulary: one
/// `TokenBuffer` with the names back to back, and where each one ends. This is the whole
/// data set in memory, about one byte per character; strings are made only on request.
package struct NameList: Sendable {
    package let vocabulary: Vocabulary
    /// The names' tokens back to back (1...V-1, no start/stop tokens).
    package let tokens: TokenBuffer
    /// `ends[i]` is where name `i` ends in `tokens`; it starts where name `i - 1` ends.
    package let ends: [UInt32]
    /// Each name's category, for labelled data; nil for a plain list of names.
    package var categories: Categories?

    package var count: Int { ends.count }

    package init(vocabulary: Vocabulary, tokens: TokenBuffer, ends: [UInt32]) {
        precondition(ends.last.map { Int($0) == tokens.count } ?? (tokens.count == 0))
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.ends = ends
    }

    /// The names of `strings`, with the vocabulary of their characters (for tests and small
    /// in-memory lists; files go through `NameFile.load`).
    package init(_ strings: [String]) throws {
        let vocabulary = try Vocabulary(names: strings)
        var tokens = TokenBuffer(vocabularySize: vocabulary.size)
        var ends: [UInt32] = []
        ends.reserveCapacity(strings.count)
        for s in strings {
            for t in vocabulary.encode(s)! { tokens.append(Int(t)) }
            ends.append(UInt32(tokens.count))
        }
        self.init(vocabulary: vocabulary, tokens: tokens, ends: ends)
    }

    /// Where name `i` lies in `tokens`.
    @inline(__always)
    package func range(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])
    }

    /// The length of name `i` in characters.
    @inline(__always)
    package func length(_ i: Int) -> Int { range(i).count }

    /// The tokens of name `i`.
    package func tokens(of i: Int) -> [Int32] { tokens.tokens(range(i)) }

    /// Name `i` as a string.
    package func name(_ i: Int) -> String { vocabulary.decode(tokens(of: i)) }

    /// Every name as a string, in file order.
    package var strings: [String] { (0..<count).map(name) }

    /// The same names in the tokens of `other`, a vocabulary that has every character of this
    /// one (a checkpoint's, which may have more characters than the file it is evaluated on).
    /// A character that `other` lacks is a data error naming it.
    package func reencoded(in other: Vocabulary) throws -> NameList {
        if other == vocabulary { return self }
        var table = [UInt16](repeating: 0, count: vocabulary.size)
        for (i, c) in vocabulary.characters.enumerated() {
            guard let t = other.token(c) else {
                throw NameGenError(.data, "The data has the character '\(c)', which the model's vocabulary does not have.",
                                   hint: "Evaluate on the file the model was trained on, or train a new model.")
            }
            table[i + 1] = UInt16(t)
        }
        var list = NameList(vocabulary: other, tokens: tokens.mapped(through: table, vocabularySize: other.size), ends: ends)
        list.categories = categories
        return list
    }

    /// The same names in the tokens of `other`; a character that `other` lacks becomes the
    /// start/stop token (0), which no generated name contains, so such a name never matches one.
    package func reencodedKeepingUnknown(in other: Vocabulary) -> NameList {
        if other == vocabulary { return self }
        var table = [UInt16](repeating: 0, count: vocabulary.size)
        for (i, c) in vocabulary.characters.enumerated() { table[i + 1] = other.token(c).map(UInt16.init) ?? 0 }
        var list = NameList(vocabulary: other, tokens: tokens.mapped(through: table, vocabularySize: other.size), ends: ends)
        list.categories = categories
        return list
    }

    /// The indices of the names, without repeats: the first occurrence of each name is kept,
    /// in file order. Names are equal when their tokens are (so "é" and "e\u{301}" are one).
    package func firstOccurrences() -> [UInt32] {
        var set = NameSet(capacity: count)
        var kept: [UInt32] = []
        kept.reserveCapacity(count)
        for i in 0..<count where set.insert(i, of: self) { kept.append(UInt32(i)) }
        return kept
    }
}

/// A hash set of names of one `NameList`, by their tokens: what `--dedupe`, `sample --new`
/// and the "names also in train" count need, without a `String` per name (20 million
/// strings take gigabytes and tens of seconds to hash; token runs take a pass).
package struct NameSet: Sendable {
    /// Open addressing, linear probing; each slot holds a name index + 1 (0 = empty).
    private var slots: [UInt32]
    private var hashes: [UInt32]
    private var mask: Int
    package private(set) var count = 0

    package init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    /// FNV-1a over the tokens of a name.
    @inline(__always)
    static func hash(_ tokens: [Int32]) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for t in tokens { h = (h ^ UInt32(truncatingIfNeeded: t)) &* 16_777_619 }
        return h
    }

    static func hash(_ list: NameList, _ i: Int) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for p in list.range(i) { h = (h ^ UInt32(truncatingIfNeeded: list.tokens[p])) &* 16_777_619 }
        return h
    }

    private static func equal(_ list: NameList, _ i: Int, _ tokens: [Int32]) -> Bool {
        let r = list.range(i)
        guard r.count == tokens.count else { return false }
        for (k, p) in r.enumerated() where list.tokens[p] != tokens[k] { return false }
        return true
    }

    private static func equal(_ list: NameList, _ i: Int, _ j: Int) -> Bool {
        let a = list.range(i), b = list.range(j)
        guard a.count == b.count else { return false }
        for k in 0..<a.count where list.tokens[a.lowerBound + k] != list.tokens[b.lowerBound + k] { return false }
        return true
    }

    private mutating func grow(_ list: NameList) {
        let old = slots
        let oldHashes = hashes
        slots = [UInt32](repeating: 0, count: old.count * 2)
        hashes = [UInt32](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for s in old.indices where old[s] != 0 {
            var p = Int(oldHashes[s]) & mask
            while slots[p] != 0 { p = (p + 1) & mask }
            slots[p] = old[s]
            hashes[p] = oldHashes[s]
        }
    }

    /// Adds name `i` of `list`; false when an equal name is already in the set.
    package mutating func insert(_ i: Int, of list: NameList) -> Bool {
        if (count + 1) * 2 > slots.count { grow(list) }
        let h = Self.hash(list, i)
        var p = Int(h) & mask
        while slots[p] != 0 {
            if hashes[p] == h && Self.equal(list, Int(slots[p]) - 1, i) { return false }
            p = (p + 1) & mask
        }
        slots[p] = UInt32(i + 1)
        hashes[p] = h
        count += 1
        return true
    }

    /// Whether a name with these tokens is in the set (the set was filled from `list`).
    package func contains(_ tokens: [Int32], in list: NameList) -> Bool {
        let h = Self.hash(tokens)
        var p = Int(h) & mask
        while slots[p] != 0 {
            if hashes[p] == h && Self.equal(list, Int(slots[p]) - 1, tokens) { return true }
            p = (p + 1) & mask
        }
        return false
    }

    /// Whether name `i` of `list` (the list the set was filled from) is in the set.
    package func contains(_ i: Int, of list: NameList) -> Bool {
        let h = Self.hash(list, i)
        var p = Int(h) & mask
        while slots[p] != 0 {
            if hashes[p] == h && Self.equal(list, Int(slots[p]) - 1, i) { return true }
            p = (p + 1) & mask
        }
        return false
    }
}

/// `NameSet`s with the list they index: answers whether a name, given as tokens, is in any.
package struct NameLookup: Sendable {
    package let sets: [NameSet]
    package let list: NameList

    package init(set: NameSet, list: NameList) {
        sets = [set]
        self.list = list
    }

    /// The union of lookups over one list (e.g. the three splits), without building a
    /// fourth set as large as the three.
    package init(combining lookups: [NameLookup]) {
        precondition(!lookups.isEmpty)
        sets = lookups.flatMap(\.sets)
        list = lookups[0].list
    }

    package func contains(_ tokens: [Int32]) -> Bool { sets.contains { $0.contains(tokens, in: list) } }

    /// Whether name `i` of the list is in any of the sets.
    package func contains(nameAt i: Int) -> Bool { sets.contains { $0.contains(i, of: list) } }
}
