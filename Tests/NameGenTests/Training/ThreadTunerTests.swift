import XCTest
@testable import NameGen

/// The tuner's schedule: all threads until step 50, then a window with all threads, a window
/// with one, and the chosen count (one of the two) until the next period. Which one is chosen
/// depends on the clock, so only its range and its constancy are asserted.
final class ThreadTunerTests: XCTestCase {
    func testMeasurementScheduleAndChoice() {
        var tuner = ThreadTuner(maxThreads: 2, window: 10, period: 100)
        var used: [Int] = []
        for step in 0..<400 { used.append(tuner.threads(forStep: step)) }
        XCTAssertEqual(Array(used[0..<60]), [Int](repeating: 2, count: 60), "warm-up, then the all-threads window")
        XCTAssertEqual(Array(used[60..<70]), [Int](repeating: 1, count: 10), "the one-thread window")
        for period in 0..<3 {
            let start = 50 + period * 100
            let chosen = used[start + 20]
            XCTAssertTrue(chosen == 1 || chosen == 2)
            XCTAssertEqual(Array(used[(start + 20)..<min(start + 100, 400)]), [Int](repeating: chosen, count: min(80, 400 - start - 20)))
        }
    }

    func testOneThreadNeverMeasures() {
        var tuner = ThreadTuner(maxThreads: 1, window: 10, period: 100)
        XCTAssertEqual((0..<300).map { tuner.threads(forStep: $0) }, [Int](repeating: 1, count: 300))
    }
}
