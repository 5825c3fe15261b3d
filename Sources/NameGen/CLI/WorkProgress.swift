import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Progress of one long piece of work that is not a training loop (reading a large names
/// file, evaluating a split) on stderr. Nothing is shown for the first second, so small
/// files and splits stay quiet. After that, on a terminal, one line is redrawn at most ten
/// times a second; elsewhere a plain line every ten seconds, so that logs stay short.
/// Calls may come from several threads (evaluation); a lock keeps the lines whole.
final class WorkProgress: @unchecked Sendable {
    private let console: Console
    private let label: String
    private let unit: Unit
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastDraw: UInt64 = 0
    private var drewLine = false
    private var printed = false
    private let lock = Lock()

    enum Unit { case bytes, examples, names }

    init(console: Console, label: String, unit: Unit) {
        self.console = console
        self.label = label
        self.unit = unit
    }

    /// `done` of `total` (nil when unknown, e.g. standard input).
    func update(_ done: Int, of total: Int?) {
        lock.lock()
        defer { lock.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = Double(now - start) / 1e9
        guard elapsed > 1 else { return }
        let interval: UInt64 = console.stderrIsTerminal ? 100_000_000 : 10_000_000_000
        guard !printed || now - lastDraw >= interval else { return }
        lastDraw = now
        printed = true
        var line = label + ": "
        if let total, total > 0 {
            let fraction = Double(done) / Double(total)
            line += number(done) + " of " + amount(total)
            if console.stderrIsTerminal { line = Progress.bar(fraction: fraction, width: 20) + " " + line }
            if fraction > 0 { line += " | ETA " + Progress.clock(elapsed / fraction - elapsed) }
        } else {
            line += amount(done)
        }
        line += " | " + Format.fixed(elapsed, 0) + " s"
        if console.stderrIsTerminal {
            console.err("\r\u{1B}[2K" + line)
            drewLine = true
        } else {
            console.err(line + "\n")
        }
    }

    /// Ends a redrawn line, so that what follows starts on a new one.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewLine { console.err("\n") }
        drewLine = false
    }

    private func number(_ n: Int) -> String {
        switch unit {
        case .bytes: return Format.fixed(Double(n) / 1e6, 1)
        case .examples, .names: return "\(n)"
        }
    }

    private func amount(_ n: Int) -> String {
        switch unit {
        case .bytes: return Format.fixed(Double(n) / 1e6, 1) + " MB"
        case .examples: return "\(n) examples"
        case .names: return "\(n) names"
        }
    }
}
