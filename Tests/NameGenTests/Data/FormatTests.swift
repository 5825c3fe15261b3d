import Foundation
import XCTest
@testable import NameGen

/// `Format` and the string helpers against the Foundation methods they stand for.
final class FormatTests: XCTestCase {
    /// Negatives, exact halves (which C rounds to even on the binary value), values just off a
    /// half, large and tiny values, zeros of both signs, NaN and infinities.
    static let values: [Double] = [
        0, -0.0, 1, -1, 0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375, -0.625, 2.675, 1.005, 1.0005, 0.00005, 0.00015,
        9.99995, 99.5, 0.045, 3.14159265358979, -2.718281828, 1 / 3, 2.0 / 3, 123456789.987654, 1e15, -1e15, 1e21,
        1.7976931348623157e308, 1e-7, 4.9e-324, -1e-300, 0.1, 0.2 + 0.1, 1e-5, 12345.678, 0.0001234,
        .nan, .infinity, -.infinity, Double(Float(0.1)), Double(Float.pi), 64.5, 1023.5, 5e-5, 2.5e-5,
    ]

    func testFixedMatchesStringFormat() {
        for v in Self.values {
            for decimals in [0, 1, 2, 3, 4, 6] {
                XCTAssertEqual(Format.fixed(v, decimals), String(format: "%.\(decimals)f", v), "\(v) \(decimals)")
            }
            XCTAssertEqual(Format.fixed(v, 4, width: 11), String(format: "%11.4f", v), "\(v)")
            XCTAssertEqual(Format.fixed(v, 4, width: 10), String(format: "%10.4f", v), "\(v)")
            XCTAssertEqual(Format.fixed(v, 1, width: 5), String(format: "%5.1f", v), "\(v)")
        }
    }

    func testGeneralMatchesStringFormat() {
        for v in Self.values + [0.003, 0.0003, 0.00003, 1e-4, 3e-4, 0.01, 1000, 9999.5, 99999, 123456, 0.00012345] {
            XCTAssertEqual(Format.general(v, 4), String(format: "%.4g", v), "\(v)")
            XCTAssertEqual(Format.general(v, 3), String(format: "%.3g", v), "\(v)")
        }
    }

    func testSeededRandomValuesMatchStringFormat() {
        var rng = SplitMix(seed: 24)
        for _ in 0..<20_000 {
            let bits = rng.next()
            let v = Double(bitPattern: bits)  // every exponent, NaNs included
            let scaled = Double(Int64(bitPattern: bits) % 2_000_000) / 1000  // values on the grid of halves
            for x in [v, scaled, scaled + 0.0005] {
                XCTAssertEqual(Format.fixed(x, 4), String(format: "%.4f", x))
                XCTAssertEqual(Format.fixed(x, 2), String(format: "%.2f", x))
                XCTAssertEqual(Format.general(x, 4), String(format: "%.4g", x))
            }
        }
    }

    func testIntegersMatchStringFormat() {
        for n in [0, 1, -1, 7, 42, -42, 999, 12345, 123456789, -123456789, 1_000_000_000_000, Int.max, Int.min] {
            XCTAssertEqual(Format.integer(n, width: 9), String(format: "%9ld", n), "\(n)")
            XCTAssertEqual(Format.integer(n, width: 2, zeros: true), String(format: "%02ld", n), "\(n)")
            XCTAssertEqual(Format.integer(n, width: 0), String(format: "%ld", n), "\(n)")
        }
        for n in [0, 9, 10, 15, 16, 125, 200, 255, 256, 4096] {
            XCTAssertEqual(Format.hexByte(n), String(format: "%02x", n), "\(n)")
        }
    }

    func testTrimmingMatchesFoundation() {
        let sets: [(TrimmedScalars, CharacterSet)] = [(.whitespaces, .whitespaces), (.whitespacesAndNewlines, .whitespacesAndNewlines),
                                                      (.newlines, .newlines)]
        for (mine, theirs) in sets {
            for v in UInt32(0)...0xFFFF {
                guard let s = Unicode.Scalar(v) else { continue }
                XCTAssertEqual(mine.contains(s), theirs.contains(s), "U+\(String(v, radix: 16)) in \(mine)")
            }
            for text in ["", " ", "  a b  ", "\t\nemma\r\n", "\u{3000}名前\u{00A0}", "\u{200B}x\u{200B}", " \u{301}a ",
                         "\u{85}z\u{2028}", "😀 ", "\n\n", "a\u{2029}"] {
                XCTAssertEqual(text.trimming(mine), text.trimmingCharacters(in: theirs), "'\(text.debugDescription)' \(mine)")
                XCTAssertEqual(text.dropFirst(0).trimming(mine), text.dropFirst(0).trimmingCharacters(in: theirs))
            }
        }
    }

    func testPaddingMatchesFoundation() {
        for text in ["", "a", "train", "running_mean", "zoë", "名前", "😀ab", "a😀", "×12"] {
            for length in [0, 1, 2, 3, 5, 14] {
                XCTAssertEqual(text.padded(toLength: length), text.padding(toLength: length, withPad: " ", startingAt: 0),
                               "'\(text)' \(length)")
            }
        }
    }

    func testReplacingEveryMatchesFoundation() {
        for text in ["", "a-b--c", "-", "it's [x]: y", "\\e\\", "no match"] {
            for (c, r) in [("-", "\\-"), ("'", "'\\''"), ("\\", "\\\\"), (":", "\\:"), ("[", "\\[")] {
                XCTAssertEqual(text.replacingEvery(Character(c), with: r), text.replacingOccurrences(of: c, with: r))
            }
        }
    }
}

/// A small seeded generator for the tests here (SplitMix64).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
