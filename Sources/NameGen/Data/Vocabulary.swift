/// The characters of a data set, sorted, mapped to token indices 1...count.
///
/// Index 0 is the start/stop token. It is not a character at all, so it can never collide
/// with a character of the data, `.` included. Characters are Swift `Character`s (extended
/// grapheme clusters), so "ë" and "e\u{308}" are one token.
package struct Vocabulary: Equatable, Sendable {
    /// The largest number of distinct characters namegen accepts. Every model holds at least
    /// one (V × V) table, so a vocabulary much larger than an alphabet cannot be trained.
    package static let maxCharacters = 4096

    /// The start/stop token.
    package static let boundary: Int32 = 0

    /// `characters[i]` is token `i + 1`.
    package let characters: [Character]
    private let index: [Character: Int32]

    /// Token count, the start/stop token included.
    package var size: Int { characters.count + 1 }

    /// The vocabulary of `names`: every character that occurs, sorted.
    package init(names: [String]) throws {
        var set = Set<Character>()
        for name in names { set.formUnion(name) }
        try self.init(characters: set.sorted())
    }

    /// A vocabulary with exactly these characters (sorted, distinct), e.g. from a checkpoint.
    package init(characters: [Character]) throws {
        guard characters.count <= Self.maxCharacters else {
            throw NameGenError(.data, "The data has \(characters.count) distinct characters; namegen supports at most \(Self.maxCharacters).",
                               hint: "Use a file of names in one alphabet.")
        }
        var index: [Character: Int32] = [:]
        for (i, c) in characters.enumerated() {
            guard index.updateValue(Int32(i + 1), forKey: c) == nil else {
                throw NameGenError(.checkpoint, "The vocabulary lists '\(c)' twice.")
            }
        }
        self.characters = characters
        self.index = index
    }

    /// The token of `c`, or nil when `c` is not in the vocabulary.
    package func token(_ c: Character) -> Int32? { index[c] }

    /// The tokens of `name`, or nil when a character is not in the vocabulary.
    package func encode(_ name: String) -> [Int32]? {
        var out: [Int32] = []
        out.reserveCapacity(name.count)
        for c in name {
            guard let t = index[c] else { return nil }
            out.append(t)
        }
        return out
    }

    /// The characters of `tokens`; the start/stop token is skipped.
    package func decode<S: Sequence>(_ tokens: S) -> String where S.Element == Int32 {
        var s = ""
        for t in tokens where t > 0 && Int(t) <= characters.count { s.append(characters[Int(t) - 1]) }
        return s
    }

    /// How a token is shown to people (plots, info): the start/stop token is shown as `·`.
    package func display(_ token: Int) -> String {
        token == 0 ? "·" : String(characters[token - 1])
    }
}
