/// Tokens stored in the narrowest unsigned integer type that holds every token of the
/// vocabulary: one byte per token up to 256 tokens (every alphabet namegen meets), two bytes
/// up to `Vocabulary.maxCharacters + 1`. A 20-million-name file is about 120 million tokens,
/// so the width is the difference between 120 MB and 480 MB (as `Int32`).
///
/// The loops that read tokens are written once, generic over the element type, and called
/// through `switch` so that each width gets its own specialised code.
package enum TokenBuffer: Equatable, Sendable {
    case u8([UInt8])
    case u16([UInt16])

    /// An empty buffer wide enough for tokens below `vocabularySize`.
    package init(vocabularySize: Int, reservingCapacity capacity: Int = 0) {
        if vocabularySize <= 256 {
            var a: [UInt8] = []
            a.reserveCapacity(capacity)
            self = .u8(a)
        } else {
            var a: [UInt16] = []
            a.reserveCapacity(capacity)
            self = .u16(a)
        }
    }

    /// `count` zeros (start/stop tokens), wide enough for tokens below `vocabularySize`.
    package init(zeros count: Int, vocabularySize: Int) {
        self = vocabularySize <= 256 ? .u8([UInt8](repeating: 0, count: count))
                                     : .u16([UInt16](repeating: 0, count: count))
    }

    package var count: Int {
        switch self {
        case .u8(let a): return a.count
        case .u16(let a): return a.count
        }
    }

    /// Bytes per token.
    package var width: Int {
        switch self {
        case .u8: return 1
        case .u16: return 2
        }
    }

    package subscript(i: Int) -> Int32 {
        switch self {
        case .u8(let a): return Int32(a[i])
        case .u16(let a): return Int32(a[i])
        }
    }

    /// Appends one token; it must fit the buffer's width.
    package mutating func append(_ token: Int) {
        switch self {
        case .u8(var a):
            self = .u8([])  // keep `a` uniquely referenced, so the append does not copy
            a.append(UInt8(token))
            self = .u8(a)
        case .u16(var a):
            self = .u16([])
            a.append(UInt16(token))
            self = .u16(a)
        }
    }

    /// The tokens of `range` as `Int32`.
    package func tokens(_ range: Range<Int>) -> [Int32] {
        switch self {
        case .u8(let a): return a[range].map { Int32($0) }
        case .u16(let a): return a[range].map { Int32($0) }
        }
    }

    /// Every token replaced by `table[token]`, in a buffer wide enough for `vocabularySize`.
    /// Tokens without an entry in `table` are a programming error.
    package func mapped(through table: [UInt16], vocabularySize: Int) -> TokenBuffer {
        func map<T: FixedWidthInteger, U: FixedWidthInteger>(_ a: [T], to: U.Type) -> [U] {
            var out = [U](repeating: 0, count: a.count)
            for i in a.indices { out[i] = U(truncatingIfNeeded: table[Int(a[i])]) }
            return out
        }
        switch (self, vocabularySize <= 256) {
        case (.u8(let a), true): return .u8(map(a, to: UInt8.self))
        case (.u8(let a), false): return .u16(map(a, to: UInt16.self))
        case (.u16(let a), true): return .u8(map(a, to: UInt8.self))
        case (.u16(let a), false): return .u16(map(a, to: UInt16.self))
        }
    }
}
