import Dispatch
import Foundation

/// Reads a UTF-8 text file of names, one per line, or standard input (`-`).
///
/// Accepts `\n` and `\r\n` line ends, trims white space around each line and skips blank
/// lines. Everything else that could not be a list of names is rejected with a
/// `NameGenError` of kind `.data`: a missing path, a directory, an empty file, a file of
/// blank lines, invalid UTF-8, NUL bytes or other control characters (a binary file).
///
/// The file is read in chunks; each chunk is hashed (SHA-256, on a second thread) and cut
/// into names while the next is read, so the whole file is never in memory at once.
public enum NameFile {
    /// The largest input namegen reads. Token offsets are 32-bit.
    public static let maxBytes = 2 * 1024 * 1024 * 1024 - 1
    /// The path that names standard input.
    public static let standardInput = "-"
    static let chunkSize = 4 * 1024 * 1024

    /// What `load` returns: the names, the SHA-256 of the bytes read and their count.
    public struct Contents: Sendable {
        public let names: NameList
        public let sha256: String
        public let bytes: Int
    }

    /// Reads and parses `path` (`-` for standard input). `progress` is called after each
    /// chunk with the bytes read so far and the total when it is known (a regular file).
    public static func load(_ path: String, progress: (Int, Int?) -> Void = { _, _ in }) throws -> Contents {
        let (handle, total) = try open(path)
        defer { if path != standardInput { try? handle.close() } }
        let hasher = ChunkHasher()
        var parser = NameParser(source: path)
        var read = 0
        while true {
            let data: Data
            do {
                guard let d = try handle.read(upToCount: chunkSize), !d.isEmpty else { break }
                data = d
            } catch {
                throw NameGenError(.data, "Cannot read '\(path)': \(error.localizedDescription)")
            }
            read += data.count
            if read > maxBytes {
                throw NameGenError(.data, "'\(path)' is larger than \(maxBytes / (1024 * 1024)) MiB.",
                                   hint: "namegen trains on lists of names; split or trim the file.")
            }
            let chunk = [UInt8](data)
            hasher.update(chunk)
            do {
                try parser.consume(chunk)
            } catch {
                hasher.finish()
                throw error
            }
            progress(read, total)
        }
        let names = try parser.finish()
        return Contents(names: names, sha256: hasher.finish(), bytes: read)
    }

    /// Opens `path` (or standard input) with the errors a user can hit.
    private static func open(_ path: String) throws -> (FileHandle, Int?) {
        if path == standardInput { return (FileHandle.standardInput, nil) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NameGenError(.data, "No such file: '\(path)'.",
                               hint: "Pass a text file with one name per line, e.g. --data names.txt")
        }
        if isDirectory.boolValue {
            throw NameGenError(.data, "'\(path)' is a directory, not a file.",
                               hint: "Pass a text file with one name per line, e.g. --data names.txt")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NameGenError(.data, "Cannot read '\(path)' (permission denied?).")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let regular = (attributes?[.type] as? FileAttributeType) == .typeRegular
        return (handle, regular ? (attributes?[.size] as? Int) : nil)
    }

    /// The bytes of `path`, with errors for the cases a user can hit (for small files such
    /// as training logs).
    public static func readBytes(_ path: String) throws -> [UInt8] {
        let (handle, _) = try open(path)
        defer { if path != standardInput { try? handle.close() } }
        let data: Data
        do {
            guard let d = try handle.readToEnd() else { return [] }
            data = d
        } catch {
            throw NameGenError(.data, "Cannot read '\(path)': \(error.localizedDescription)")
        }
        if data.count > maxBytes {
            throw NameGenError(.data, "'\(path)' is larger than \(maxBytes / (1024 * 1024)) MiB.",
                               hint: "namegen trains on lists of names; split or trim the file.")
        }
        return [UInt8](data)
    }

    /// Reads the names in `path` as strings.
    public static func read(_ path: String) throws -> [String] {
        try load(path).names.strings
    }

    /// Parses file contents into names; `source` names the file in error messages.
    public static func parse(_ bytes: [UInt8], source: String) throws -> [String] {
        try parseList(bytes, source: source).strings
    }

    /// Parses file contents into a name list.
    public static func parseList(_ bytes: [UInt8], source: String) throws -> NameList {
        var parser = NameParser(source: source)
        try parser.consume(bytes)
        return try parser.finish()
    }
}

/// SHA-256 of the chunks of a file, computed on a serial queue while the caller parses.
private final class ChunkHasher: @unchecked Sendable {
    private var hasher = SHA256.Hasher()
    private let queue = DispatchQueue(label: "namegen.sha256")

    func update(_ chunk: [UInt8]) { queue.async { self.hasher.update(chunk) } }

    /// Waits for the queued chunks and returns the digest.
    @discardableResult
    func finish() -> String { queue.sync { hasher.finalizeHex() } }
}

/// Cuts bytes into names and tokens, chunk by chunk.
///
/// A line of printable ASCII (the usual case) takes the fast path: its bytes are its
/// characters, so they are copied as they are, with the byte value as a provisional token.
/// A line with any byte of 0x80 or above, or an ASCII control character, goes through
/// Swift's UTF-8 validation, white-space trimming and grapheme segmentation, exactly as a
/// `String` sees it: "é" written as e + U+0301 is one character. Its characters get
/// provisional tokens from 128 up. `finish` sorts the characters into the vocabulary and
/// maps the provisional tokens to the final ones.
struct NameParser {
    let source: String
    private var lineNumber = 0
    /// Bytes of the file before the current chunk.
    private var offset = 0
    /// The start of a line that the previous chunk did not finish.
    private var pending: [UInt8] = []
    /// Provisional tokens, one byte each until a token above 255 appears, then in `wide`.
    private var narrow: [UInt8] = []
    private var wide: [UInt16]?
    private var ends: [UInt32] = []
    private var asciiSeen = [Bool](repeating: false, count: 128)
    private var characters: [Character] = []
    private var characterIndex: [Character: Int] = [:]
    private var sawBytes = false

    /// Byte classes for the fast path: ordinary printable ASCII, the space, anything else.
    private static let ordinary: UInt8 = 0, space: UInt8 = 1, other: UInt8 = 2
    private static let classes: [UInt8] = (0..<256).map { b in
        b == 0x20 ? space : (0x21...0x7E).contains(b) ? ordinary : other
    }

    init(source: String) { self.source = source }

    mutating func consume(_ chunk: [UInt8]) throws {
        if !chunk.isEmpty { sawBytes = true }
        var start = 0
        if !pending.isEmpty {
            // Finish the carried line with this chunk's first line.
            guard let newline = chunk.firstIndex(of: 0x0A) else {
                pending.append(contentsOf: chunk)
                return
            }
            let line = pending + chunk[0..<newline]
            pending = []
            try parseLine(line[...], fileOffset: offset - (line.count - newline))
            start = newline + 1
        }
        let classes = Self.classes
        var i = start
        let n = chunk.count
        while i < n {
            // Scan one line: its first and last non-space byte, and whether every byte is plain.
            let lineStart = i
            var first = -1, last = -1
            var plain = true
            while i < n {
                let b = chunk[i]
                if b == 0x0A { break }
                let c = classes[Int(b)]
                if c == Self.ordinary {
                    if first < 0 { first = i }
                    last = i
                } else if c == Self.other {
                    plain = false
                }
                i += 1
            }
            if i == n {
                // No newline before the end of the chunk: the line continues in the next one.
                pending = Array(chunk[lineStart..<n])
                break
            }
            if plain {
                lineNumber += 1
                if first >= 0 { appendASCII(chunk[first...last]) }
            } else {
                try parseLine(chunk[lineStart..<i], fileOffset: offset + lineStart)
            }
            i += 1
        }
        offset += n
    }

    mutating func finish() throws -> NameList {
        if !pending.isEmpty {
            let line = pending
            pending = []
            try parseLine(line[...], fileOffset: offset - line.count)
        }
        if !sawBytes {
            throw NameGenError(.data, "'\(source)' is empty.", hint: "Put one name per line in the file.")
        }
        if ends.isEmpty {
            throw NameGenError(.data, "'\(source)' has no names: every line is blank.",
                               hint: "Put one name per line in the file.")
        }
        // The vocabulary: every character seen, sorted as `Character`s sort.
        var all: [(Character, Int)] = []
        for b in 0..<128 where asciiSeen[b] { all.append((Character(Unicode.Scalar(UInt8(b))), b)) }
        for (i, c) in characters.enumerated() { all.append((c, 128 + i)) }
        all.sort { $0.0 < $1.0 }
        let vocabulary = try Vocabulary(characters: all.map(\.0))
        var table = [UInt16](repeating: 0, count: 128 + characters.count)
        for (token, entry) in all.enumerated() { table[entry.1] = UInt16(token + 1) }
        let tokens: TokenBuffer = wide.map { .u16($0) } ?? .u8(narrow)
        narrow = []
        wide = nil
        return NameList(vocabulary: vocabulary, tokens: tokens.mapped(through: table, vocabularySize: vocabulary.size),
                        ends: ends)
    }

    private mutating func appendASCII(_ bytes: ArraySlice<UInt8>) {
        for b in bytes { asciiSeen[Int(b)] = true }
        if wide == nil {
            narrow.append(contentsOf: bytes)
        } else {
            wide!.append(contentsOf: bytes.lazy.map { UInt16($0) })
        }
        endName()
    }

    private mutating func endName() {
        ends.append(UInt32(wide?.count ?? narrow.count))
    }

    /// The slow path: one line (without its `\n`) as Swift's `String` sees it.
    private mutating func parseLine(_ line: ArraySlice<UInt8>, fileOffset: Int) throws {
        lineNumber += 1
        if let nul = line.firstIndex(of: 0) {
            throw NameGenError(.data, "'\(source)' line \(lineNumber) contains a NUL byte at offset \(fileOffset + nul - line.startIndex); this looks like a binary file.",
                               hint: "Pass a UTF-8 text file with one name per line.")
        }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw NameGenError(.data, "'\(source)' line \(lineNumber) is not valid UTF-8.",
                               hint: "Convert the file to UTF-8, e.g. iconv -t UTF-8.")
        }
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let bad = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            let code = String(bad.value, radix: 16, uppercase: true)
            throw NameGenError(.data, "'\(source)' line \(lineNumber) contains the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code); this looks like a binary file.",
                               hint: "Pass a UTF-8 text file with one name per line.")
        }
        guard !name.isEmpty else { return }
        for c in name { append(try provisionalToken(c)) }
        endName()
    }

    private mutating func append(_ token: Int) {
        if token > 255 && wide == nil {
            wide = narrow.map { UInt16($0) }
            narrow = []
        }
        if wide == nil { narrow.append(UInt8(token)) } else { wide!.append(UInt16(token)) }
    }

    /// The provisional token of a character met on the slow path.
    private mutating func provisionalToken(_ c: Character) throws -> Int {
        if let ascii = c.asciiValue, c.unicodeScalars.count == 1 {
            asciiSeen[Int(ascii)] = true
            return Int(ascii)
        }
        if let i = characterIndex[c] { return 128 + i }
        // A character equal to an ASCII one (U+212A KELVIN SIGN is "K") is that character.
        for b in 0x20..<0x7F where Character(Unicode.Scalar(UInt8(b))) == c {
            asciiSeen[b] = true
            characterIndex[c] = b - 128  // so that 128 + index is the ASCII byte
            return b
        }
        guard characters.count < Vocabulary.maxCharacters else {
            throw NameGenError(.data, "The data has more than \(Vocabulary.maxCharacters) distinct characters; namegen supports at most \(Vocabulary.maxCharacters).",
                               hint: "Use a file of names in one alphabet.")
        }
        characterIndex[c] = characters.count
        characters.append(c)
        return 128 + characters.count - 1
    }
}
