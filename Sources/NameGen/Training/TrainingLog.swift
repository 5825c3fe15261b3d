#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CSV training log: `step,train_loss,val_loss,lr`, one row every `every` steps with the mean
/// train loss since the previous row, and a row at each evaluation with the val loss (empty
/// otherwise). A resumed run starts from the rows of the log it continues, up to the step it
/// resumes from, so the log holds exactly the checkpoint's steps. Every write is checked: a log
/// that cannot be written stops the run with an error rather than ending early in silence.
final class TrainingLog {
    static let header = "step,train_loss,val_loss,lr"
    let path: String
    /// The log open for appending.
    private let fd: Int32
    private let every: Int
    private var lossSum: Double = 0
    private var lossCount = 0

    /// Creates the log at `path`. When resuming, the rows of `previous` (the log of the
    /// checkpoint being resumed, which may be `path` itself) up to `resumeStep` come first.
    init(path: String, every: Int, previous: String? = nil, resumeStep: Int? = nil) throws {
        self.path = path
        self.every = max(1, every)
        var text = Self.header + "\n"
        if let resumeStep, let previous, let old = try? String(contentsOfFile: previous, encoding: .utf8) {
            // Whole rows only: a row cut by a failed write (a full disk) has fewer fields.
            for line in old.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count == 4, let step = Int(fields[0]), step <= resumeStep {
                    text += line + "\n"
                }
            }
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch let error as NameGenError {
            throw Self.logError(error, path: path)
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            throw NameGenError(.io, "Cannot write the training log '\(path)': \(String(cString: strerror(errno))).",
                               hint: "Pass --log FILE in a writable directory.")
        }
    }

    deinit { _ = LibC.close(fd) }

    func step(_ step: Int, loss: Float, lr: Double) throws {
        lossSum += Double(loss)
        lossCount += 1
        if step % every == 0 { try flush(step: step, val: nil, lr: lr) }
    }

    func evaluated(_ step: Int, val: Double, lr: Double) throws {
        try flush(step: step, val: val, lr: lr)
    }

    /// Makes the rows written so far durable (before the log is renamed beside its checkpoint).
    func close() throws {
        if fsync(fd) != 0 {
            throw NameGenError(.io, "Cannot write the training log '\(path)': \(String(cString: strerror(errno))).",
                               hint: "Free some disk space, or pass --log FILE on another disk.")
        }
    }

    private func flush(step: Int, val: Double?, lr: Double) throws {
        let train = lossCount > 0 ? Format.fixed(lossSum / Double(lossCount), 6) : ""
        let row = "\(step),\(train),\(val.map { Format.fixed($0, 6) } ?? ""),\(lr)\n"
        lossSum = 0
        lossCount = 0
        if let failure = RawIO.writeAll(fd, Array(row.utf8)) {
            throw NameGenError(.io, "Cannot write the training log '\(path)' at step \(step): \(String(cString: strerror(failure))).",
                               hint: "Free some disk space, or pass --log FILE on another disk.")
        }
    }

    /// An error from writing the log, with a hint that names --log rather than --checkpoint.
    static func logError(_ error: NameGenError, path: String) -> NameGenError {
        var error = error
        if error.kind == .io { error.hint = "Pass --log FILE in a writable directory, or free some disk space." }
        return error
    }

    /// Whether the file at `path` starts with the training log's header.
    static func isTrainingLog(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = LibC.close(fd) }
        let expected = Array((header + "\n").utf8)
        var start = [UInt8](repeating: 0, count: expected.count)
        var filled = 0
        while filled < start.count {
            let n = RawIO.read(fd, into: &start, at: filled, count: start.count - filled)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        return filled == 0 || start[0..<filled].elementsEqual(expected)
    }

    /// The last step the log at `path` has a row for (nil when it has none or cannot be read).
    static func lastStep(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").dropFirst().compactMap {
            $0.split(separator: ",", omittingEmptySubsequences: false).first.flatMap { Int($0) }
        }.max()
    }
}

/// Reads the CSV that training writes: `step,train_loss,val_loss,lr`, empty where not measured.
extension TrainingLog {
    static func read(_ path: String) throws -> [(name: String, points: [(step: Double, loss: Double)])] {
        let bytes = try NameFile.readBytes(path)
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimming(.whitespaces) }),
              let stepColumn = header.firstIndex(of: "step") else {
            throw NameGenError(.data, "'\(path)' is not a namegen training log (no 'step' column).")
        }
        var series: [(name: String, points: [(step: Double, loss: Double)])] = []
        for (column, name) in header.enumerated() where name.hasSuffix("_loss") {
            var points: [(step: Double, loss: Double)] = []
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count > max(column, stepColumn), let step = Double(fields[stepColumn]),
                      let loss = Double(fields[column]), loss.isFinite else { continue }
                points.append((step, loss))
            }
            if !points.isEmpty { series.append((String(name.dropLast(5)), points)) }
        }
        guard !series.isEmpty else { throw NameGenError(.data, "'\(path)' has no loss values to plot.") }
        return series
    }
}
