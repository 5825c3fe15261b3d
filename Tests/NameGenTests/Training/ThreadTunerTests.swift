import XCTest
@testable import NameGen

/// The tuner's schedule and its choice, on a clock the test controls: all threads until step 50,
/// then a window with all threads, a window with one, and whichever of the two was faster until
/// the next period.
final class ThreadTunerTests: NameGenTestCase {
    /// Steps take `parallel` ns with two threads and `serial` ns with one, on a fake clock.
    private func schedule(parallel: UInt64, serial: UInt64, steps: Int) -> [Int] {
        final class Clock { var now: UInt64 = 1_000 }
        let clock = Clock()
        var tuner = ThreadTuner(maxThreads: 2, window: 10, period: 100, clock: { clock.now })
        var used: [Int] = []
        for step in 0..<steps {
            let threads = tuner.threads(forStep: step)
            used.append(threads)
            clock.now += threads == 2 ? parallel : serial
        }
        return used
    }

    func testTheFasterCountIsKeptUntilTheNextMeasurement() {
        for (parallel, serial, winner) in [(UInt64(500), UInt64(900), 2), (900, 500, 1)] {
            let used = schedule(parallel: parallel, serial: serial, steps: 400)
            XCTAssertEqual(Array(used[0..<60]), [Int](repeating: 2, count: 60), "warm-up, then the all-threads window")
            XCTAssertEqual(Array(used[60..<70]), [Int](repeating: 1, count: 10), "the one-thread window")
            for period in 0..<3 {
                let start = 50 + period * 100
                XCTAssertEqual(Array(used[start..<(start + 10)]), [Int](repeating: 2, count: 10), "period \(period): all threads")
                XCTAssertEqual(Array(used[(start + 10)..<(start + 20)]), [Int](repeating: 1, count: 10), "period \(period): one")
                let rest = min(start + 100, 400)
                XCTAssertEqual(Array(used[(start + 20)..<rest]), [Int](repeating: winner, count: rest - start - 20),
                               "period \(period): \(parallel) ns vs \(serial) ns per step keeps \(winner)")
            }
        }
    }

    func testOneThreadNeverMeasures() {
        var tuner = ThreadTuner(maxThreads: 1, window: 10, period: 100)
        XCTAssertEqual((0..<300).map { tuner.threads(forStep: $0) }, [Int](repeating: 1, count: 300))
    }
}
