#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The lines of a file or of standard input, in batches, for commands that stream names
/// (`score`, `classify`): memory holds one batch, whatever the input's length.
///
/// Each line is trimmed of white space; blank lines are skipped. Bytes that are not UTF-8 are
/// read as U+FFFD, which no vocabulary has, so such a line is reported as a name that cannot be
/// scored rather than ending the stream.
struct LineBatches {
    private var input: InputFile
    private let stop: StopRequest?
    private var pending: [UInt8] = []
    private var buffered: [String] = []
    private var read = 0
    private var ended = false
    let batchSize: Int

    init(_ path: String, batchSize: Int = 8192, stop: StopRequest? = nil) throws {
        input = try InputFile(path)
        self.stop = stop
        self.batchSize = batchSize
    }

    func close() { input.close() }

    /// The next lines, at most `batchSize`; nil at the end of the input.
    mutating func next() throws -> [String]? {
        while buffered.count < batchSize && !ended {
            guard let chunk = try input.readChunk(upTo: 1 << 20, total: &read, limit: Int.max, stop: stop) else {
                ended = true
                if !pending.isEmpty { append(pending[...]) }
                pending = []
                break
            }
            var start = 0
            for i in chunk.indices where chunk[i] == 0x0A {
                if pending.isEmpty {
                    append(chunk[start..<i])
                } else {
                    pending += chunk[start..<i]
                    append(pending[...])
                    pending = []
                }
                start = i + 1
            }
            pending += chunk[start...]
            if pending.count > NameFile.maxLineBytes {
                throw NameGenError(.data, "\(input.displayName) has a line longer than \(NameFile.describe(limit: NameFile.maxLineBytes)); this is not a list of names.",
                                   hint: "Pass one name per line.")
            }
        }
        guard !buffered.isEmpty else { return nil }
        let n = min(batchSize, buffered.count)
        let batch = Array(buffered[0..<n])
        buffered.removeFirst(n)
        return batch
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>) {
        let line = String(decoding: bytes, as: UTF8.self).trimming(.whitespacesAndNewlines)
        if !line.isEmpty { buffered.append(line) }
    }
}
