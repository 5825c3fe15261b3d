import Foundation
import XCTest
@testable import NameGen

/// `JSON` against Foundation's `JSONSerialization`: the same bytes written, the same values read.
final class JSONTests: XCTestCase {
    private func foundation(_ object: Any, escapingSlashes: Bool = false) throws -> String {
        let options: JSONSerialization.WritingOptions = escapingSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
    }

    func testKeyOrderMatchesFoundationForASCIIKeys() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aAbBzZ0129_.-")
        for _ in 0..<2000 {
            var keys = Set<String>()
            for _ in 0..<6 { keys.insert(String((0..<Int.random(in: 1...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })) }
            let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
            XCTAssertEqual(JSON.object(object.mapValues { .int($0) }).text(), try foundation(object))
        }
        let punctuation = Array(" _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0aA")
        let object = Dictionary(uniqueKeysWithValues: punctuation.map { ("x\($0)", 1) })
        XCTAssertEqual(JSON.object(object.mapValues { .int($0) }).text(), try foundation(object))
        // A model's tensor names.
        let names = ["layers.10.linear.weight", "layers.2.linear.weight", "layers.1.norm.running_mean", "layers.1.norm.bias",
                     "__metadata__", "embedding.weight", "optimizer.output.bias.m", "resume.layers.0.norm.weight", "output.bias"]
        let tensors = Dictionary(uniqueKeysWithValues: names.map { ($0, 0) })
        XCTAssertEqual(JSON.object(tensors.mapValues { .int($0) }).text(escapingSlashes: true), try foundation(tensors, escapingSlashes: true))
    }

    func testValuesAreWrittenAsFoundationWritesThem() throws {
        let strings = ["", "plain", "a/b", "quote\" back\\slash", "\u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}\u{7F}",
                       "zoë 名前 😀 \u{FEFF} \u{2028}"]
        let doubles = [0.0, -0.0, 0.8, 0.1, 1e-5, 1e20, 3.0, 123456789.0, 1e16, 2.5e-7, 1.0 / 3]
        for s in strings {
            XCTAssertEqual(JSON.array([.string(s)]).text(), try foundation([s]))
            XCTAssertEqual(JSON.array([.string(s)]).text(escapingSlashes: true), try foundation([s], escapingSlashes: true))
        }
        for d in doubles { XCTAssertEqual(JSON.array([.real(d)]).text(), try foundation([d]), "\(d)") }
        for f in [Float(0.1), 0.8, 1e-5, 3] { XCTAssertEqual(JSON.array([.real(f)]).text(), try foundation([f]), "\(f)") }
        for n in [0, -1, Int.max, Int.min] { XCTAssertEqual(JSON.array([.int(n)]).text(), try foundation([n])) }
        XCTAssertEqual(JSON.array([.int(UInt64.max)]).text(), try foundation([NSNumber(value: UInt64.max)]))
        let nested: [String: Any] = ["split": ["seed": 42, "train": 0.8, "val": 0.1, "dedupe": false], "list": [true, "x", [1, 2]]]
        let mine: JSON = ["split": ["seed": 42, "train": .real(0.8), "val": .real(0.1), "dedupe": false], "list": [true, "x", [1, 2]]]
        XCTAssertEqual(mine.text(), try foundation(nested))
        XCTAssertEqual(JSON.array([.real(Double.nan), .real(Double.infinity)]).text(), "[null,null]")
    }

    func testReadsWhatFoundationReads() throws {
        let texts = [#"{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"d"}}"#, #"  [ "x\u00e9\ud83d\ude00\n\"\/" ]  "#,
                     "\u{FEFF}{}", #"{"k":"zoë 名前","k":"last"}"#, #"[0, 1E+3, 1e-3, -2.5, 18446744073709551615]"#]
        for text in texts {
            let mine = try JSON.parse(text)
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            XCTAssertEqual(Self.byValue(mine), try Self.json(theirs), text)
        }
        XCTAssertEqual(try JSON.parse("[true,false,null]"), [true, false, .null])
        XCTAssertEqual(try JSON.parse("[18446744073709551615]").array?.first?.uint64, UInt64.max)
        XCTAssertEqual(try JSON.parse("[2.0, 2e0, 2.5, 1e16]").array?.map(\.integer), [2, 2, nil, nil])
    }

    func testRejectsWhatIsNotJSON() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "tru", "[\"\u{1}\"]", "[\"\\x\"]",
                     "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\u12\"]", "{1:2}", "[1] [2]", "[\"open]", "nul"] {
            XCTAssertThrowsError(try JSON.parse(text), text)
        }
        // Nesting is bounded: a hostile header gives an error, not a stack overflow.
        XCTAssertThrowsError(try JSON.parse(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)))
        XCTAssertNoThrow(try JSON.parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500)))
    }

    /// Foundation's parsed value as a `JSON`, numbers and booleans as the text of their Double.
    private static func json(_ value: Any) throws -> JSON {
        switch value {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let a as [Any]: return .array(try a.map(json))
        case let o as [String: Any]: return .object(try o.mapValues(json))
        case let n as NSNumber: return .number(String(n.doubleValue))
        default: throw NSError(domain: "json", code: 1)
        }
    }

    /// `value` with numbers and booleans as the text of their Double, as `json` gives them.
    private static func byValue(_ value: JSON) -> JSON {
        switch value {
        case .bool(let b): .number(String(b ? 1.0 : 0.0))
        case .number: .number(String(value.double!))
        case .array(let a): .array(a.map(byValue))
        case .object(let o): .object(o.mapValues(byValue))
        case .null, .string: value
        }
    }
}
