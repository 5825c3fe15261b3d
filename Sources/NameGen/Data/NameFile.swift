#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a UTF-8 text file of names, one per line, or standard input (`-`).
///
/// Accepts `\n` and `\r\n` line ends and a UTF-8 byte-order mark at the start of the file,
/// trims white space around each line and skips blank lines. Everything else that could not be
/// a list of names is rejected with a `NameGenError` of kind `.data`: a missing path, a
/// directory, an empty file, a file of blank lines, invalid UTF-8, NUL bytes or other control
/// characters (a binary file), a tab inside a name (columns), a carriage return inside a line
/// (CR line endings), a byte-order mark past the start (joined files), an input larger than
/// `maxBytes`.
///
/// The file is read in chunks with POSIX calls; each chunk is hashed (SHA-256, on a second
/// thread) and cut into names while the next is read, so the whole file is never in memory at
/// once. A FIFO, a terminal or a pipe is waited on with `poll` in short slices, so that a stop
/// request (Ctrl-C) ends a read that no writer feeds.
package enum NameFile {
    /// The largest input namegen reads. Token offsets are 32-bit.
    package static let maxBytes = 2 * 1024 * 1024 * 1024 - 1
    /// The path that names standard input.
    package static let standardInput = "-"
    static let chunkSize = 4 * 1024 * 1024
    /// The longest line accepted, far beyond any name: a longer one means the input is not a
    /// list of names, and is refused before more of it is held.
    package static let maxLineBytes = 16 * 1024 * 1024

    /// What `load` returns: the names, the SHA-256 of the bytes read and their count.
    package struct Contents: Sendable {
        package let names: NameList
        package let sha256: String
        package let bytes: Int
    }

    /// Reads and parses `path` (`-` for standard input). `progress` is called after each
    /// chunk with the bytes read so far and the total when it is known (a regular file).
    /// A request on `stop` ends the read with an `.interrupted` error within about 50 ms, even
    /// while it waits on a FIFO or a terminal; an input of more than `limit` bytes is refused
    /// as soon as its first byte past the limit is read.
    ///
    /// Labelled data: a directory is read as one file of names per category, and a `.tsv` file
    /// (or any input when `labelled` is true, as standard input needs) as `category<TAB>name`
    /// lines. The names then carry `NameList.categories`.
    package static func load(_ path: String, labelled: Bool = false, stop: StopRequest? = nil, limit: Int = maxBytes,
                            progress: (Int, Int?) -> Void = { _, _ in }) throws -> Contents {
        if path != standardInput && isDirectory(path) {
            return try loadDirectory(path, stop: stop, limit: limit, progress: progress)
        }
        var input = try InputFile(path)
        defer { input.close() }
        let hasher = ChunkHasher()
        var parser = NameParser(source: path, labelled: labelled || isTSV(path))
        var read = 0
        let names: NameList
        do {
            while let chunk = try input.readChunk(upTo: chunkSize, total: &read, limit: limit, stop: stop) {
                hasher.update(chunk)
                try parser.consume(chunk)
                progress(read, input.size)
            }
            names = try parser.finish()
        } catch {
            hasher.finish()  // waits for the queued chunks, which hold the hasher
            throw error
        }
        return Contents(names: names, sha256: hasher.finish(), bytes: read)
    }

    /// Whether `path` is read as `category<TAB>name` lines by its extension.
    package static func isTSV(_ path: String) -> Bool { path.lowercased().hasSuffix(".tsv") }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The category of a file of a labelled directory: its name without the last extension.
    package static func categoryName(ofFile file: String) -> String {
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    /// A directory of per-category files, read in sorted order (hidden files skipped). The
    /// SHA-256 covers each file's name and bytes, so renaming a category changes it.
    static func loadDirectory(_ path: String, stop: StopRequest?, limit: Int,
                              progress: (Int, Int?) -> Void) throws -> Contents {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw NameGenError(.data, "Cannot list the directory '\(path)'.", hint: "Check its permissions.")
        }
        let files = entries.filter { !$0.hasPrefix(".") }.sorted().filter { file in
            var status = stat()
            return stat(path + "/" + file, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        }
        guard !files.isEmpty else {
            throw NameGenError(.data, "The directory '\(path)' has no files of names.",
                               hint: "Put one file per category in it, e.g. \(path)/elvish.txt with one name per line.")
        }
        var seen: [String: String] = [:]
        for file in files {
            let category = categoryName(ofFile: file)
            if let other = seen[category] {
                throw NameGenError(.data, "'\(path)/\(other)' and '\(path)/\(file)' are both the category '\(category)'.",
                                   hint: "Keep one file per category.")
            }
            seen[category] = file
        }
        let hasher = ChunkHasher()
        var parser = NameParser(source: path)
        var read = 0
        let names: NameList
        do {
            for file in files {
                let filePath = path + "/" + file
                var input = try InputFile(filePath)
                defer { input.close() }
                parser = parser.reading(source: filePath)
                parser.category = try parser.intern(category: categoryName(ofFile: file))
                hasher.update(Array(file.utf8) + [0])
                let before = parser.nameCount
                while let chunk = try input.readChunk(upTo: chunkSize, total: &read, limit: limit, stop: stop) {
                    hasher.update(chunk)
                    try parser.consume(chunk)
                    progress(read, nil)
                }
                try parser.endInput()
                if parser.nameCount == before {
                    throw NameGenError(.data, "'\(filePath)' has no names, so its category '\(categoryName(ofFile: file))' has nothing to learn from.",
                                       hint: "Put one name per line in it, or remove it from the directory.")
                }
            }
            names = try parser.finish()
        } catch {
            hasher.finish()
            throw error
        }
        return Contents(names: names, sha256: hasher.finish(), bytes: read)
    }

    /// The bytes of `path`, with errors for the cases a user can hit (for small files such
    /// as training logs).
    package static func readBytes(_ path: String, stop: StopRequest? = nil, limit: Int = maxBytes) throws -> [UInt8] {
        var input = try InputFile(path)
        defer { input.close() }
        var bytes: [UInt8] = []
        var read = 0
        while let chunk = try input.readChunk(upTo: chunkSize, total: &read, limit: limit, stop: stop) {
            bytes += chunk
        }
        return bytes
    }

    /// Reads the names in `path` as strings.
    package static func read(_ path: String) throws -> [String] {
        try load(path).names.strings
    }

    /// Parses file contents into names; `source` names the file in error messages.
    package static func parse(_ bytes: [UInt8], source: String) throws -> [String] {
        try parseList(bytes, source: source).strings
    }

    /// Parses file contents into a name list.
    package static func parseList(_ bytes: [UInt8], source: String) throws -> NameList {
        var parser = NameParser(source: source)
        try parser.consume(bytes)
        return try parser.finish()
    }

    /// The limit as messages give it: in MiB from 1 MiB up, else in bytes.
    static func describe(limit: Int) -> String {
        limit >= 1024 * 1024 ? "\(limit / (1024 * 1024)) MiB" : "\(limit) bytes"
    }
}

/// A data file (or standard input) open for reading with POSIX calls.
///
/// A path is opened with O_NONBLOCK, so that opening a FIFO does not wait for a writer. Every
/// input but a regular file is then waited on with `poll` in slices of `pollMilliseconds`,
/// and the stop request is checked between them: a FIFO with no writer, an idle terminal or a
/// stalled pipe answers Ctrl-C at once. A regular file, which cannot block, is read to its end.
struct InputFile {
    let path: String
    let fd: Int32
    /// Whether `fd` is ours to close (standard input is not).
    let owned: Bool
    /// Whether the input is a regular file, which never blocks and needs no `poll`.
    let regular: Bool
    /// The file's size when it is a regular file.
    let size: Int?
    private var atEnd = false

    static let pollMilliseconds: Int32 = 50

    /// How messages name the input.
    var displayName: String { path == NameFile.standardInput ? "standard input" : "'\(path)'" }

    /// Opens `path` (or standard input) with the errors a user can hit.
    init(_ path: String) throws {
        self.path = path
        if path == NameFile.standardInput {
            fd = STDIN_FILENO
            owned = false
        } else {
            var status = stat()
            guard stat(path, &status) == 0 else {
                if errno == ENOENT || errno == ENOTDIR {
                    throw NameGenError(.data, "No such file: '\(path)'.",
                                       hint: "Pass a text file with one name per line, e.g. --data names.txt")
                }
                throw NameGenError(.data, "Cannot read '\(path)': \(String(cString: strerror(errno))).")
            }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                throw NameGenError(.data, "'\(path)' is a directory, not a file.",
                                   hint: "Pass a text file with one name per line, e.g. --data names.txt")
            }
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                throw NameGenError(.data, "Cannot read '\(path)': \(String(cString: strerror(errno))).",
                                   hint: errno == EACCES ? "Check the file's permissions." : nil)
            }
            owned = true
        }
        var status = stat()
        if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
            regular = true
            size = Int(status.st_size)
        } else {
            regular = false
            size = nil
        }
    }

    func close() {
        if owned { _ = LibC.close(fd) }
    }

    /// The next bytes, up to `count` (fewer only at the end of the input); nil at the end.
    /// `total` counts every byte read; past `limit` the input is refused.
    mutating func readChunk(upTo count: Int, total: inout Int, limit: Int, stop: StopRequest?) throws -> [UInt8]? {
        if atEnd { return nil }
        var readTotal = total
        var chunk = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            // A regular file never blocks: it is read to the end, and a stop request is
            // answered by the work that follows (a training run saves and stops after its
            // first step). Anything else may wait for ever, so it answers the request here.
            if !regular, let stop, stop.isRequested {
                throw stop.interrupted("\(stop.signalName) while reading \(displayName).")
            }
            if !regular {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, Self.pollMilliseconds)
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                if ready < 0 { throw readError() }
            }
            let n = RawIO.read(fd, into: &chunk, at: filled, count: count - filled)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                throw readError()
            }
            if n == 0 {
                atEnd = true
                break
            }
            filled += n
            readTotal += n
            if readTotal > limit {
                throw NameGenError(.data, "\(displayName.prefix(1).uppercased() + displayName.dropFirst()) is larger than \(NameFile.describe(limit: limit)).",
                                   hint: "namegen trains on lists of names; split or trim the file.")
            }
        }
        chunk.removeLast(count - filled)
        total = readTotal
        return chunk.isEmpty ? nil : chunk
    }

    private func readError() -> NameGenError {
        NameGenError(.data, "Cannot read \(displayName): \(String(cString: strerror(errno))).")
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
    private(set) var source: String
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

    /// Labelled lines, `category<TAB>name` (a `.tsv` file): each name's category is read
    /// from its line. Otherwise every name gets `category` (set per file of a directory).
    let labelled: Bool
    /// The category of the names that follow, by first appearance; nil for plain data.
    var category: Int?
    private var categoryIndex: [String: Int] = [:]
    private(set) var categoryNames: [String] = []
    private var nameCategories: [UInt16] = []
    /// Names parsed so far.
    var nameCount: Int { ends.count }

    /// Byte classes for the fast path: ordinary printable ASCII, the space, anything else.
    private static let ordinary: UInt8 = 0, space: UInt8 = 1, other: UInt8 = 2
    private static let classes: [UInt8] = (0..<256).map { b in
        b == 0x20 ? space : (0x21...0x7E).contains(b) ? ordinary : other
    }

    init(source: String, labelled: Bool = false) {
        self.source = source
        self.labelled = labelled
    }

    /// The provisional index of category `name`, added when new.
    mutating func intern(category name: String) throws -> Int {
        if let k = categoryIndex[name] { return k }
        guard categoryNames.count < Categories.limit else {
            throw NameGenError(.data, "'\(source)' has more than \(Categories.limit) categories; namegen supports at most \(Categories.limit).",
                               hint: "Merge small categories, or check that the first column is the category.")
        }
        categoryIndex[name] = categoryNames.count
        categoryNames.append(name)
        return categoryNames.count - 1
    }

    /// The parser, its names so far kept, reading the next input of several (messages name it).
    func reading(source: String) -> NameParser {
        var p = self
        p.source = source
        return p
    }

    /// Ends one input of several (a file of a directory): its last line is parsed, and the
    /// next input may start with its own byte-order mark.
    mutating func endInput() throws {
        try flushLastLine()
        head = []
        offset = 0
        lineNumber = 0
    }

    /// The first bytes of the input while they could still be a byte-order mark (a FIFO can
    /// deliver fewer than three at once); nil once that is decided.
    private var head: [UInt8]? = []
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Parses the next bytes of the input. A UTF-8 byte-order mark at the very start is
    /// skipped (line and offset numbers still count it).
    mutating func consume(_ chunk: [UInt8]) throws {
        guard let start = head else { return try consumeLines(chunk) }
        let bytes = start + chunk
        if bytes.count < 3 && Self.byteOrderMark.starts(with: bytes) {
            head = bytes
            return
        }
        head = nil
        if bytes.starts(with: Self.byteOrderMark) {
            offset += 3
            try consumeLines(Array(bytes[3...]))
        } else {
            try consumeLines(bytes)
        }
    }

    private mutating func consumeLines(_ chunk: [UInt8]) throws {
        if !chunk.isEmpty { sawBytes = true }
        var start = 0
        if !pending.isEmpty {
            // Finish the carried line with this chunk's first line.
            guard let newline = chunk.firstIndex(of: 0x0A) else {
                try carry(chunk[...], fileOffset: offset)
                offset += chunk.count
                return
            }
            try carry(chunk[0..<newline], fileOffset: offset)
            let line = pending
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
                try carry(chunk[lineStart..<n], fileOffset: offset + lineStart)
                break
            }
            if plain {
                lineNumber += 1
                if first >= 0 {
                    if labelled { throw missingTab() }
                    appendASCII(chunk[first...last])
                }
            } else {
                try parseLine(chunk[lineStart..<i], fileOffset: offset + lineStart)
            }
            i += 1
        }
        offset += n
    }

    /// Keeps the start of a line that the chunk does not finish. A NUL byte in it is reported
    /// at once, and so is a line past `maxLineBytes`: input without a newline (a binary
    /// stream, /dev/zero) would otherwise be held whole until the input's size limit.
    private mutating func carry(_ bytes: ArraySlice<UInt8>, fileOffset: Int) throws {
        if let nul = bytes.firstIndex(of: 0) {
            throw nulError(line: lineNumber + 1, offset: fileOffset + nul - bytes.startIndex)
        }
        pending.append(contentsOf: bytes)
        if pending.count > NameFile.maxLineBytes {
            throw NameGenError(.data, "'\(source)' line \(lineNumber + 1) is longer than \(NameFile.describe(limit: NameFile.maxLineBytes)); this is not a list of names.",
                               hint: "Pass a UTF-8 text file with one name per line.")
        }
    }

    private func nulError(line: Int, offset: Int) -> NameGenError {
        NameGenError(.data, "'\(source)' line \(line) contains a NUL byte at offset \(offset); this looks like a binary file.",
                     hint: "Pass a UTF-8 text file with one name per line.")
    }

    /// Parses what the input left unfinished: its first bytes while they could still be a
    /// byte-order mark (fewer than three, all a prefix of the mark: text, or invalid), and a last
    /// line without a newline.
    private mutating func flushLastLine() throws {
        if let start = head {
            head = nil
            try consumeLines(start)
        }
        if !pending.isEmpty {
            let line = pending
            pending = []
            try parseLine(line[...], fileOffset: offset - line.count)
        }
    }

    mutating func finish() throws -> NameList {
        try flushLastLine()
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
        var list = NameList(vocabulary: vocabulary, tokens: tokens.mapped(through: table, vocabularySize: vocabulary.size),
                            ends: ends)
        if labelled || category != nil {
            // Categories in sorted order, whatever order the data gave them in.
            let sorted = categoryNames.indices.sorted { categoryNames[$0] < categoryNames[$1] }
            var rank = [UInt16](repeating: 0, count: categoryNames.count)
            for (r, k) in sorted.enumerated() { rank[k] = UInt16(r) }
            list.categories = Categories(names: sorted.map { categoryNames[$0] }, ofName: nameCategories.map { rank[Int($0)] })
        }
        return list
    }

    private func missingTab() -> NameGenError {
        NameGenError(.data, "'\(source)' line \(lineNumber) has no tab: a labelled file has one 'category<TAB>name' per line.",
                     hint: "Write each line as 'category<TAB>name'; plain names go in a file whose name does not end in .tsv.")
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
        if let category { nameCategories.append(UInt16(category)) }
    }

    /// The slow path: one line (without its `\n`) as Swift's `String` sees it.
    private mutating func parseLine(_ line: ArraySlice<UInt8>, fileOffset: Int) throws {
        lineNumber += 1
        if let nul = line.firstIndex(of: 0) {
            throw nulError(line: lineNumber, offset: fileOffset + nul - line.startIndex)
        }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw NameGenError(.data, "'\(source)' line \(lineNumber) is not valid UTF-8.",
                               hint: "Convert the file to UTF-8, e.g. iconv -t UTF-8.")
        }
        var name = text.trimming(.whitespacesAndNewlines)
        if labelled && !name.isEmpty {
            // Split before trimming: an empty category or name leaves the tab at an end.
            let raw = text.trimming(.newlines)
            guard let tab = raw.firstIndex(of: "\t") else { throw missingTab() }
            let label = raw[..<tab].trimming(.whitespaces)
            guard !label.isEmpty else {
                throw NameGenError(.data, "'\(source)' line \(lineNumber) has an empty category before its tab.",
                                   hint: "Write each line as 'category<TAB>name'.")
            }
            if let bad = label.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0 == "\u{FEFF}" }) {
                throw NameGenError(.data, "'\(source)' line \(lineNumber) has the control character U+\(String(bad.value, radix: 16, uppercase: true)) in its category.",
                                   hint: "Write each line as 'category<TAB>name'.")
            }
            name = raw[raw.index(after: tab)...].trimming(.whitespaces)
            guard !name.isEmpty else {
                throw NameGenError(.data, "'\(source)' line \(lineNumber) has the category '\(label)' but no name after its tab.",
                                   hint: "Write each line as 'category<TAB>name'.")
            }
            category = try intern(category: label)
        }
        if let bad = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            switch bad {
            case "\t":
                throw NameGenError(.data, "'\(source)' line \(lineNumber) contains a tab inside a name; namegen reads one name per line, not columns.",
                                   hint: "Keep one column (e.g. cut -f1 FILE > names.txt) or replace the tabs with spaces.")
            case "\r":
                throw NameGenError(.data, "'\(source)' line \(lineNumber) contains a carriage return inside it: the file seems to use CR line endings (classic Mac OS), and namegen reads lines ended by LF or CRLF.",
                                   hint: "Convert the line endings with: tr '\\r' '\\n' < FILE > names.txt")
            default:
                let code = String(bad.value, radix: 16, uppercase: true)
                throw NameGenError(.data, "'\(source)' line \(lineNumber) contains the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code); this looks like a binary file.",
                                   hint: "Pass a UTF-8 text file with one name per line.")
            }
        }
        // A byte-order mark is skipped at the start of the file only. Anywhere else it is
        // most likely where files that start with one were joined, and an invisible character
        // is no part of a name.
        if name.unicodeScalars.contains("\u{FEFF}") {
            throw NameGenError(.data, "'\(source)' line \(lineNumber) contains a byte-order mark (U+FEFF), as where files that start with one were joined.",
                               hint: "Remove it, e.g. sed 's/\\xEF\\xBB\\xBF//g' FILE > names.txt")
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
