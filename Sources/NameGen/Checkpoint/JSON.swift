/// A JSON value (RFC 8259), with the reader and writer for the checkpoint's header and metadata
/// and for the `--json` outputs.
///
/// Numbers keep their text: an integer reads back exactly however large, and a number is
/// written as Swift prints it (`0.1`, `1e-05`; an integral double without its `.0`).
///
/// The writer sorts object keys, and escapes as Foundation's `JSONSerialization` does (`"`, `\`,
/// the control characters, and `/` unless told not to), so checkpoints and `--json` lines keep
/// their bytes. Its key order is Foundation's for ASCII keys: letters without regard to case
/// (lower case first on a tie), runs of digits by their value (`layers.2` before `layers.10`),
/// punctuation before digits before letters. Other characters follow, by code point.
enum JSON: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
           ExpressibleByDictionaryLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    case null
    case bool(Bool)
    /// A number's JSON text.
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int) { self = .number(String(value)) }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSON)...) { self = .object(Dictionary(elements, uniquingKeysWith: { $1 })) }

    /// An integer.
    static func int<T: BinaryInteger>(_ n: T) -> JSON { .number(String(n)) }

    /// A Float or Double as Swift prints it, without a trailing `.0`; null if it is not finite
    /// (JSON has no NaN or infinity).
    static func real<T: BinaryFloatingPoint & LosslessStringConvertible>(_ x: T) -> JSON {
        guard x.isFinite else { return .null }
        let text = x.description
        return .number(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }

    // MARK: - Access

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    var object: [String: JSON]? { if case .object(let o) = self { o } else { nil } }
    subscript(key: String) -> JSON? { object?[key] }

    /// An object whose values are all strings, as a dictionary.
    var stringValues: [String: String]? {
        guard let members = object else { return nil }
        var out: [String: String] = [:]
        for (key, value) in members {
            guard let s = value.string else { return nil }
            out[key] = s
        }
        return out
    }

    /// A number's value as the nearest Double.
    var double: Double? { if case .number(let text) = self { Double(text) } else { nil } }

    /// A number that is a whole value within ±9e15 (where every integer is exact in a double):
    /// `3`, `3.0` and `3e0` alike. Nil for fractions, larger values and non-numbers.
    var integer: Int? {
        guard let d = double, d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// A number that is a whole value in 0...UInt64.max, read exactly when written as an integer.
    var uint64: UInt64? {
        guard case .number(let text) = self else { return nil }
        if let n = UInt64(text) { return n }
        guard let d = Double(text), d >= 0, d < 0x1p64, d == d.rounded() else { return nil }
        return UInt64(d)
    }

    // MARK: - Writing

    /// The compact JSON text: no spaces, keys sorted, `/` escaped as `\/` when `escapingSlashes`.
    func text(escapingSlashes: Bool = false) -> String {
        var out = ""
        write(to: &out, escapingSlashes: escapingSlashes)
        return out
    }

    private func write(to out: inout String, escapingSlashes: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): Self.writeString(s, to: &out, escapingSlashes: escapingSlashes)
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                e.write(to: &out, escapingSlashes: escapingSlashes)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted(by: Self.keyPrecedes).enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, to: &out, escapingSlashes: escapingSlashes)
                out += ":"
                members[key]!.write(to: &out, escapingSlashes: escapingSlashes)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String, escapingSlashes: Bool) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += escapingSlashes ? "\\/" : "/"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The key order of `text` (see the type's comment).
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0, j = 0
        var tie = 0  // the first difference that only case or leading zeros make: -1 when a goes first
        while i < x.count && j < y.count {
            if !isDigit(x[i]) || !isDigit(y[j]) {
                let wx = weight(x[i]), wy = weight(y[j])
                if wx != wy { return wx < wy }
                if tie == 0 && x[i] != y[j] { tie = x[i].value > y[j].value ? -1 : 1 }  // "a" (0x61) before "A" (0x41)
                i += 1
                j += 1
                continue
            }
            let runX = digitRun(x, from: i), runY = digitRun(y, from: j)
            let vx = runX.drop { $0 == "0" }, vy = runY.drop { $0 == "0" }
            if vx.count != vy.count { return vx.count < vy.count }
            if vx != vy { return vx.lexicographicallyPrecedes(vy) }
            if tie == 0 && runX.count != runY.count { tie = runX.count < runY.count ? -1 : 1 }
            i += runX.count
            j += runY.count
        }
        if i < x.count || j < y.count { return j < y.count }  // a prefix goes first
        return tie < 0
    }

    private static func digitRun(_ s: [Unicode.Scalar], from start: Int) -> ArraySlice<Unicode.Scalar> {
        var end = start
        while end < s.count, isDigit(s[end]) { end += 1 }
        return s[start..<end]
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { (0x30...0x39).contains(s.value) }

    /// Where a character sorts: ASCII punctuation and symbols in the order of Unicode's default
    /// collation, then digits, then letters (case folded), then everything else by code point.
    private static func weight(_ s: Unicode.Scalar) -> UInt32 {
        let v = s.value
        switch v {
        case 0x30...0x39: return 200 + v
        case 0x41...0x5A: return 300 + v + 0x20
        case 0x61...0x7A: return 300 + v
        case 0...0x7F:
            if let k = punctuationOrder.firstIndex(of: UInt8(v)) { return 100 + UInt32(k) }
            return v  // controls
        default: return 0x1000 + v
        }
    }

    private static let punctuationOrder = Array(" _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$".utf8)
}

// MARK: - Reading

extension JSON {
    /// Why a text is not JSON.
    struct ParseError: Error, Equatable {
        let offset: Int
        let reason: String
    }

    /// Arrays and objects nest at most this deep: a hostile header cannot exhaust the stack.
    static let maxDepth = 512

    /// Parses `text`: one JSON value with optional white space around it (and a UTF-8
    /// byte-order mark before it).
    static func parse(_ text: String) throws(ParseError) -> JSON {
        var reader = Reader(bytes: Array(text.utf8))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == reader.bytes.count else { throw reader.error("text after the value") }
        return value
    }

    /// A recursive-descent reader over UTF-8 bytes.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        func error(_ reason: String) -> ParseError { ParseError(offset: position, reason: reason) }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 }
        }

        mutating func expect(_ word: String) throws(ParseError) {
            for b in word.utf8 {
                guard peek == b else { throw error("expected '\(word)'") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(ParseError) -> JSON {
            skipSpace()
            guard let b = peek else { throw error("unexpected end") }
            switch b {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return try number()
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> JSON {
            guard depth <= JSON.maxDepth else { throw error("nested too deeply") }
            position += 1  // {
            var members: [String: JSON] = [:]
            skipSpace()
            if peek == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a key") }
                let key = try string()
                skipSpace()
                try expect(":")
                members[key] = try value(depth: depth)
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; continue }
                try expect("}")
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> JSON {
            guard depth <= JSON.maxDepth else { throw error("nested too deeply") }
            position += 1  // [
            var elements: [JSON] = []
            skipSpace()
            if peek == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                elements.append(try value(depth: depth))
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; continue }
                try expect("]")
                return .array(elements)
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws(ParseError) -> JSON {
            let start = position
            func digits() -> Int {
                let from = position
                while let b = peek, b >= 0x30 && b <= 0x39 { position += 1 }
                return position - from
            }
            if peek == UInt8(ascii: "-") { position += 1 }
            if peek == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits() > 0 else { throw error("not a JSON value") }
            }
            if peek == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw error("a digit must follow the decimal point") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                position += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw error("a digit must follow the exponent") }
            }
            return .number(String(decoding: bytes[start..<position], as: UTF8.self))
        }

        mutating func string() throws(ParseError) -> String {
            position += 1  // "
            var out: [UInt8] = []
            while true {
                guard let b = peek else { throw error("unterminated string") }
                position += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw error("unterminated string") }
                    position += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        let unit = try hex4()
                        if UTF16.isLeadSurrogate(unit) {
                            guard bytes[position...].starts(with: Array("\\u".utf8)) else { throw error("a lone surrogate escape") }
                            position += 2
                            let trail = try hex4()
                            guard UTF16.isTrailSurrogate(trail) else { throw error("a lone surrogate escape") }
                            let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00))!
                            out.append(contentsOf: Array(String(scalar).utf8))
                            continue
                        }
                        guard !UTF16.isTrailSurrogate(unit), let scalar = Unicode.Scalar(unit) else { throw error("a lone surrogate escape") }
                        out.append(contentsOf: Array(String(scalar).utf8))
                    default: throw error("an unknown escape")
                    }
                case 0..<0x20:
                    throw error("a control character in a string")
                default:
                    out.append(b)  // the text came from a String, so this is valid UTF-8
                }
            }
        }

        mutating func hex4() throws(ParseError) -> UInt16 {
            guard position + 4 <= bytes.count else { throw error("a short \\u escape") }
            var unit: UInt16 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let digit: UInt8
                switch b {
                case 0x30...0x39: digit = b - 0x30
                case 0x41...0x46: digit = b - 0x41 + 10
                case 0x61...0x66: digit = b - 0x61 + 10
                default: throw error("a bad \\u escape")
                }
                unit = unit << 4 | UInt16(digit)
                position += 1
            }
            return unit
        }
    }
}
