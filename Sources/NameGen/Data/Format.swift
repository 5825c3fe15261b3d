#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as the tool prints them: C's printf conversions `%.Nf`, `%W.Nf` and `%.Ng`, and
/// integers padded to a width. Every figure in the tool's output goes through here.
///
/// The floating-point conversions are the C library's own `vsnprintf`: it rounds the exact
/// binary value (so 2.675 with two decimals is "2.67", and an exact half goes to even), writes
/// "nan", "inf" and "-0.0000" as C does, and is the routine Foundation's `String(format:)` calls
/// for these conversions, so the output is byte for byte what that printed (a test compares
/// the two). The process never calls `setlocale`, so it runs in the C locale: the decimal
/// point is always ".".
enum Format {
    /// `x` with `decimals` digits after the point, right-aligned in `width` characters (C's
    /// `%*.*f`; a wider number is not cut).
    static func fixed(_ x: Double, _ decimals: Int, width: Int = 0) -> String {
        printf("%*.*f", [Int32(clamping: width), Int32(clamping: decimals), x])
    }

    /// `x` with `digits` significant digits, in exponent form when the exponent is below −4 or
    /// at least `digits`, without trailing zeros (C's `%.*g`).
    static func general(_ x: Double, _ digits: Int) -> String {
        printf("%.*g", [Int32(clamping: digits), x])
    }

    /// `n` right-aligned in `width` characters, padded with spaces, or with zeros after any sign
    /// when `zeros` is set (C's `%*d` and `%0*d`).
    static func integer(_ n: Int, width: Int, zeros: Bool = false) -> String {
        let digits = String(n.magnitude)
        let sign = n < 0 ? "-" : ""
        let fill = max(0, width - digits.count - sign.count)
        return zeros ? sign + String(repeating: "0", count: fill) + digits
                     : String(repeating: " ", count: fill) + sign + digits
    }

    /// `n` as at least two lowercase hexadecimal digits (C's `%02x`, which reads an unsigned int).
    static func hexByte(_ n: Int) -> String {
        let hex = String(UInt32(truncatingIfNeeded: n), radix: 16)
        return hex.count < 2 ? "0" + hex : hex
    }

    /// One `vsnprintf` conversion of `arguments` by `format`, which the functions above choose.
    private static func printf(_ format: String, _ arguments: [CVarArg]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = Int(withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) })
        if length >= buffer.count {  // a large %f: one more pass with room for all of it
            buffer = [CChar](repeating: 0, count: length + 1)
            length = Int(withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) })
        }
        return String(decoding: buffer[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
