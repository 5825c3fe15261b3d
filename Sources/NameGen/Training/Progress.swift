#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch

/// Training progress on stderr. On a terminal one line is redrawn in place (at most ten times a
/// second): step, loss, learning rate, steps/s and ETA. Otherwise a plain line every
/// `logEvery` steps, in the makemore style, so that logs stay readable in files and CI.
final class Progress {
    private let console: Console
    private let totalSteps: Int
    private let logEvery: Int
    private let start = DispatchTime.now().uptimeNanoseconds
    private let firstStep: Int
    private var lastDraw: UInt64 = 0
    private var lossSum: Double = 0
    private var lossCount = 0
    private var drewLine = false

    init(console: Console, totalSteps: Int, firstStep: Int, logEvery: Int) {
        self.console = console
        self.totalSteps = totalSteps
        self.firstStep = firstStep
        self.logEvery = logEvery
    }

    /// Seconds since the loop started.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    var stepsPerSecond: Double {
        let e = elapsed
        return e > 0 && lastStep > firstStep ? Double(lastStep - firstStep) / e : 0
    }

    private var lastStep = 0

    /// After each step: `loss` of that step at learning rate `lr`.
    func step(_ step: Int, loss: Float, lr: Double) {
        lastStep = step
        lossSum += Double(loss)
        lossCount += 1
        if console.stderrIsTerminal {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastDraw > 100_000_000 || step == totalSteps else { return }
            lastDraw = now
            let rate = stepsPerSecond
            let eta = rate > 0 ? Double(totalSteps - step) / rate : 0
            let width = String(totalSteps).count
            let bar = Self.bar(fraction: Double(step) / Double(max(totalSteps, 1)), width: 20)
            let line = "\(bar) step \(Format.integer(step, width: width))/\(totalSteps) | loss \(Format.fixed(lossSum / Double(lossCount), 4))"
                + " | lr \(Format.general(lr, 4)) | \(Format.fixed(rate, 0)) steps/s | ETA \(Self.clock(eta))"
            console.err("\r\u{1B}[2K" + line)
            drewLine = true
            lossSum = 0
            lossCount = 0
        } else if step % logEvery == 0 || step == totalSteps {
            let rate = stepsPerSecond
            console.err("step \(step)/\(totalSteps) | loss \(Format.fixed(lossSum / Double(lossCount), 4)) | lr \(Format.general(lr, 4))"
                        + " | \(Format.fixed(rate, 0)) steps/s | step time \(Format.fixed(rate > 0 ? 1000 / rate : 0, 3))ms\n")
            lossSum = 0
            lossCount = 0
        }
    }

    /// A message between progress lines (evaluations, saves).
    func note(_ text: String) {
        finishLine()
        console.err(text + "\n")
    }

    /// Ends a redrawn line, so that what follows starts on a new one.
    func finishLine() {
        if drewLine { console.err("\n") }
        drewLine = false
    }

    /// `[#######.............]`
    static func bar(fraction: Double, width: Int) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// 75 → "1:15", 3725 → "1:02:05"
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let minutesAndSeconds = Format.integer(s / 60 % 60, width: 2, zeros: true) + ":" + Format.integer(s % 60, width: 2, zeros: true)
        return s >= 3600 ? "\(s / 3600):" + minutesAndSeconds : "\(s / 60):" + Format.integer(s % 60, width: 2, zeros: true)
    }
}
