/// The few string operations the tool needs beyond the standard library, with the exact
/// behaviour of the Foundation methods they stand for (tests compare the two).
extension StringProtocol {
    /// The string without the scalars of `set` at either end.
    func trimming(_ set: TrimmedScalars) -> String {
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !set.contains($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// The string cut or padded with spaces to `length` UTF-16 code units, as the tables were
    /// laid out (NSString's `padding(toLength:withPad:startingAt:)`). A cut through a surrogate
    /// pair leaves U+FFFD.
    func padded(toLength length: Int) -> String {
        let units = utf16.count
        if units < length { return String(self) + String(repeating: " ", count: length - units) }
        if units == length { return String(self) }
        return String(decoding: Array(utf16.prefix(length)), as: UTF16.self)
    }

    /// The string with every `character` replaced by `replacement`.
    func replacingEvery(_ character: Character, with replacement: String) -> String {
        split(separator: character, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Which scalars `trimming` removes: Foundation's `CharacterSet.whitespaces`,
/// `.whitespacesAndNewlines` and `.newlines`.
enum TrimmedScalars {
    /// Tab and the space separators (General Category Zs, and U+200B ZERO WIDTH SPACE).
    case whitespaces
    /// `whitespaces`, `newlines` and U+0085.
    case whitespacesAndNewlines
    /// LF, VT, FF, CR, U+0085 NEXT LINE, U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
    case newlines

    func contains(_ s: Unicode.Scalar) -> Bool {
        switch self {
        case .whitespaces: Self.isWhitespace(s.value)
        case .newlines: Self.isNewline(s.value)
        case .whitespacesAndNewlines: Self.isWhitespace(s.value) || Self.isNewline(s.value)
        }
    }

    private static func isWhitespace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || (v >= 0xA0 && (v == 0xA0 || v == 0x1680 || (0x2000...0x200B).contains(v)
                                                 || v == 0x202F || v == 0x205F || v == 0x3000))
    }

    private static func isNewline(_ v: UInt32) -> Bool {
        (0x0A...0x0D).contains(v) || v == 0x85 || v == 0x2028 || v == 0x2029
    }
}
