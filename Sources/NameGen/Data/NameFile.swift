import Foundation

/// Reads a UTF-8 text file of names, one per line.
///
/// Accepts `\n` and `\r\n` line ends, trims white space around each line and skips blank
/// lines. Everything else that could not be a list of names is rejected with a
/// `NameGenError` of kind `.data`: a missing path, a directory, an empty file, a file of
/// blank lines, invalid UTF-8, NUL bytes or other control characters (a binary file).
public enum NameFile {
    /// The largest file namegen reads (names.txt is 228 KB).
    public static let maxBytes = 256 * 1024 * 1024

    /// The bytes of `path`, with errors for the cases a user can hit.
    public static func readBytes(_ path: String) throws -> [UInt8] {
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
        defer { try? handle.close() }
        let data: Data
        do {
            guard let d = try handle.read(upToCount: maxBytes + 1) else { return [] }
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

    /// Reads the names in `path`.
    public static func read(_ path: String) throws -> [String] {
        let names = try parse(try readBytes(path), source: path)
        return names
    }

    /// Parses file contents into names; `source` names the file in error messages.
    public static func parse(_ bytes: [UInt8], source: String) throws -> [String] {
        if bytes.isEmpty {
            throw NameGenError(.data, "'\(source)' is empty.", hint: "Put one name per line in the file.")
        }
        var names: [String] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let line = bytes[start..<end]
            if let nul = line.firstIndex(of: 0) {
                throw NameGenError(.data, "'\(source)' line \(lineNumber) contains a NUL byte at offset \(nul); this looks like a binary file.",
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
            if !name.isEmpty { names.append(name) }
            start = end + 1
        }
        if names.isEmpty {
            throw NameGenError(.data, "'\(source)' has no names: every line is blank.",
                               hint: "Put one name per line in the file.")
        }
        return names
    }
}
