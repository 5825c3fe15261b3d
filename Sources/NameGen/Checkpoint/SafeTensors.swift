#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The safetensors file format (https://github.com/huggingface/safetensors):
///
///   bytes 0..<8     N, the header length, a little-endian UInt64
///   bytes 8..<8+N   a UTF-8 JSON object: for each tensor name
///                   {"dtype": "F32", "shape": [r, c], "data_offsets": [begin, end]},
///                   plus an optional "__metadata__" object of string → string
///   bytes 8+N...    the data buffer; offsets are relative to its start
///
/// The reader trusts nothing: every length, offset, shape and dtype is checked, so that a
/// truncated or hostile file gives a `NameGenError` and never a trap.
///
/// The header is written as ASCII, every other character as a `\uXXXX` escape, so that every
/// character reads back as it was written by any JSON reader (some drop a raw U+FEFF inside a
/// string, taking it for a byte-order mark). It is read with `JSON`, which takes raw UTF-8 too.
package enum SafeTensors {
    /// The largest header accepted (the reference implementation uses the same 100 MB bound).
    package static let maxHeaderBytes = 100_000_000

    /// Serialises tensors and metadata. Tensors are laid out in name order, 8-byte aligned
    /// header (padded with spaces, as the reference implementation does).
    package static func encode(tensors: [String: Tensor], metadata: [String: String]) -> [UInt8] {
        var header: [String: JSON] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .object(metadata.mapValues { .string($0) }) }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": .string(t.dtype.rawValue), "shape": .array(t.shape.map { .int($0) }),
                            "data_offsets": [.int(offset), .int(offset + t.bytes.count)]]
            offset += t.bytes.count
        }
        var json = asciiJSON(JSON.object(header).text(escapingSlashes: true))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        let n = UInt64(json.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out += json
        for name in names { out += tensors[name]!.bytes }
        return out
    }

    /// Parses a safetensors file's bytes; `source` names it in error messages.
    package static func decode(_ bytes: [UInt8], source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ why: String) -> NameGenError {
            NameGenError(.checkpoint, "'\(source)' is not a valid checkpoint: \(why).",
                         hint: "Train a new one with 'namegen train'.")
        }
        guard bytes.count >= 8 else { throw fail("it is \(bytes.count) bytes long, too short for a safetensors header") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        // Text read as a length field gives at least 0x0900000000000000 (its eighth byte is a
        // tab or more), far beyond any header: such a file is not a checkpoint at all.
        if n > UInt64(maxHeaderBytes), startsWithText(bytes) {
            throw NameGenError(.checkpoint, "'\(source)' is not a valid checkpoint: it is text, not a safetensors file.",
                               hint: "Pass a checkpoint written by 'namegen train' with --checkpoint PATH.")
        }
        guard n <= UInt64(bytes.count - 8) else {
            throw fail("the header claims \(n) bytes but the file has only \(bytes.count - 8) after the length field (truncated?)")
        }
        guard n <= UInt64(maxHeaderBytes) else { throw fail("the header length \(n) is larger than \(maxHeaderBytes)") }
        let headerEnd = 8 + Int(n)
        guard let text = String(validating: bytes[8..<headerEnd], as: UTF8.self) else { throw fail("the header is not valid JSON (not UTF-8)") }
        guard let parsed = try? JSON.parse(text) else { throw fail("the header is not valid JSON") }
        guard let header = parsed.object else { throw fail("the header is not a JSON object") }
        let dataLength = bytes.count - headerEnd

        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let m = meta.object else { throw fail("__metadata__ is not an object") }
            for (k, v) in m {
                guard let s = v.string else { throw fail("__metadata__ value '\(k)' is not a string") }
                metadata[k] = s
            }
        }

        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value.object else { throw fail("entry '\(name)' is not an object") }
            guard let dtypeName = entry["dtype"]?.string else { throw fail("tensor '\(name)' has no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("tensor '\(name)' has the unknown dtype '\(dtypeName)'") }
            guard let shapeValues = entry["shape"]?.array else { throw fail("tensor '\(name)' has no shape") }
            guard let offsetValues = entry["data_offsets"]?.array, offsetValues.count == 2 else {
                throw fail("tensor '\(name)' has no data_offsets pair")
            }
            var shape: [Int] = []
            var elements = 1
            for v in shapeValues {
                guard let d = v.integer, d >= 0 else { throw fail("tensor '\(name)' has a bad dimension in its shape") }
                shape.append(d)
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= Int(Int32.max) else { throw fail("tensor '\(name)' has a shape too large") }
                elements = p
            }
            guard let begin = offsetValues[0].integer, let end = offsetValues[1].integer else {
                throw fail("tensor '\(name)' has non-integer data_offsets")
            }
            guard begin >= 0, end >= begin else { throw fail("tensor '\(name)' has negative or reversed data_offsets [\(begin), \(end)]") }
            guard end <= dataLength else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] past the end of the data (\(dataLength) bytes; truncated?)")
            }
            guard end - begin == elements * dtype.size else {
                throw fail("tensor '\(name)' has shape \(shape) (\(elements * dtype.size) bytes) but data_offsets span \(end - begin) bytes")
            }
            ranges.append((begin, end, name))
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + begin)..<(headerEnd + end)]))
        }
        ranges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var covered = 0
        for (begin, end, name) in ranges {
            guard begin >= covered else { throw fail("tensor '\(name)' overlaps another tensor") }
            guard begin == covered else { throw fail("the data buffer has a hole before tensor '\(name)'") }
            covered = end
        }
        guard covered == dataLength else { throw fail("the data buffer has \(dataLength - covered) bytes that no tensor uses") }
        return (tensors, metadata)
    }

    /// JSON text with every character beyond ASCII written as a `\uXXXX` escape (a surrogate
    /// pair above U+FFFF). Outside a string such a character is invalid JSON either way, so the
    /// result means what `json` means; it is `json` itself when that is all ASCII.
    package static func asciiJSON(_ json: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.utf8.count)
        let hex = Array("0123456789abcdef".utf8)
        func escape(_ unit: UInt16) {
            out += [0x5C, 0x75]  // \u
            for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
        }
        for scalar in json.unicodeScalars {
            if scalar.isASCII {
                out.append(UInt8(scalar.value))
            } else {
                for unit in String(scalar).utf16 { escape(unit) }
            }
        }
        return out
    }

    /// Whether the first bytes (up to 64) are UTF-8 text: no control characters but tab, LF
    /// and CR. A character cut by the end of that window does not count against it.
    static func startsWithText(_ bytes: [UInt8]) -> Bool {
        let window = bytes.prefix(64)
        for cut in 0...min(3, window.count - 1) {
            guard let text = String(validating: window.dropLast(cut), as: UTF8.self) else { continue }
            return text.unicodeScalars.allSatisfy {
                $0 == "\t" || $0 == "\n" || $0 == "\r" || $0.properties.generalCategory != .control
            }
        }
        return false
    }
}
