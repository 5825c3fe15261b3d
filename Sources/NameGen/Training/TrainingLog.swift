import Foundation

/// The CSV training log: `step,train_loss,val_loss,lr`, one row every `every` steps with the mean
/// train loss since the previous row, and a row at each evaluation with the val loss (empty
/// otherwise). A resumed run keeps the rows up to the step it resumes from and appends.
final class TrainingLog {
    static let header = "step,train_loss,val_loss,lr"
    let path: String
    private let handle: FileHandle
    private let every: Int
    private var lossSum: Double = 0
    private var lossCount = 0

    /// Creates the log (or, when resuming from `resumeStep`, keeps its rows up to that step).
    init(path: String, every: Int, resumeStep: Int?) throws {
        self.path = path
        self.every = max(1, every)
        var text = Self.header + "\n"
        if let resumeStep, let old = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in old.split(separator: "\n").dropFirst() {
                if let step = line.split(separator: ",", omittingEmptySubsequences: false).first.flatMap({ Int($0) }),
                   step <= resumeStep {
                    text += line + "\n"
                }
            }
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch let error as NameGenError {
            throw error
        } catch {
            throw NameGenError(.io, "Cannot write the training log '\(path)': \(error.localizedDescription).",
                               hint: "Pass --log FILE in a writable directory.")
        }
    }

    deinit { try? handle.close() }

    func step(_ step: Int, loss: Float, lr: Double) {
        lossSum += Double(loss)
        lossCount += 1
        if step % every == 0 { flush(step: step, val: nil, lr: lr) }
    }

    func evaluated(_ step: Int, val: Double, lr: Double) {
        flush(step: step, val: val, lr: lr)
    }

    private func flush(step: Int, val: Double?, lr: Double) {
        let train = lossCount > 0 ? String(format: "%.6f", lossSum / Double(lossCount)) : ""
        let row = "\(step),\(train),\(val.map { String(format: "%.6f", $0) } ?? ""),\(lr)\n"
        lossSum = 0
        lossCount = 0
        try? handle.write(contentsOf: Data(row.utf8))
    }
}

/// Reads the CSV that training writes: `step,train_loss,val_loss,lr`, empty where not measured.
extension TrainingLog {
    static func read(_ path: String) throws -> [(name: String, points: [(step: Double, loss: Double)])] {
        let bytes = try NameFile.readBytes(path)
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }),
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
