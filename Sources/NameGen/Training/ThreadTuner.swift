#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch

/// Chooses, while training runs, whether the matrix products use all `--threads` or one.
///
/// Every `period` steps (from step 50 on) it times `window` steps with all threads and `window`
/// steps with one, then keeps the faster setting until the next measurement. The products give
/// bit-identical results for any thread count, so switching never changes the numbers, only the
/// speed. It exists because on a small shared VM the second core is not always worth having,
/// and whether it is changes over time; docs/thread-tuner.md has the measurements.
struct ThreadTuner {
    static let warmup = 50
    let maxThreads: Int
    let window: Int
    let period: Int
    /// Nanoseconds from a monotonic clock (tests pass their own).
    private let clock: () -> UInt64
    private var blockStart: UInt64 = 0
    private var parallelTime: UInt64 = 0
    /// The thread count in use between measurements.
    private(set) var chosen: Int

    init(maxThreads: Int, window: Int = 100, period: Int = 5000,
         clock: @escaping () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        precondition(window >= 1 && period > 2 * window)
        self.maxThreads = maxThreads
        self.window = window
        self.period = period
        self.clock = clock
        self.chosen = maxThreads
    }

    /// The thread count for step `step` (0-based); call once before each step.
    mutating func threads(forStep step: Int) -> Int {
        guard maxThreads > 1 else { return 1 }
        // The first steps start the workers and fill caches: measure after them.
        guard step >= Self.warmup else { return chosen }
        let phase = (step - Self.warmup) % period
        switch phase {
        case 0:
            blockStart = clock()
            return maxThreads
        case window:
            let now = clock()
            parallelTime = now - blockStart
            blockStart = now
            return 1
        case 2 * window:
            chosen = parallelTime <= clock() - blockStart ? maxThreads : 1
            return chosen
        default:
            return phase < window ? maxThreads : phase < 2 * window ? 1 : chosen
        }
    }
}
