import Foundation
import XCTest
import NameGen

/// Learning-rate schedules, values worked out by hand.
final class LearningRateScheduleTests: NameGenTestCase {
    /// Step decay over 100 steps: steps 0…74 at the peak, 75…99 at peak/10 (75 = 0.75·100 is the
    /// first decayed step). Over 10 steps the boundary 7.5 falls between steps 7 and 8.
    func testStepDecayAtSeventyFivePercent() {
        let s = LearningRateSchedule(shape: .stepDecay, peak: 0.1, steps: 100)
        XCTAssertEqual(s.rate(at: 0), 0.1)
        XCTAssertEqual(s.rate(at: 74), 0.1)
        XCTAssertEqual(s.rate(at: 75), 0.01, accuracy: 1e-15)
        XCTAssertEqual(s.rate(at: 99), 0.01, accuracy: 1e-15)
        let short = LearningRateSchedule(shape: .stepDecay, peak: 1, steps: 10)
        XCTAssertEqual((0..<10).map { short.rate(at: $0) }, [1, 1, 1, 1, 1, 1, 1, 1, 0.1, 0.1])
    }

    /// Cosine with warm-up: peak 1, 10 steps, 2 warm-up steps.
    ///   warm-up: rate(s) = (s + 1)/2 → 0.5, 1
    ///   then rate(s) = ½(1 + cos(π(s − 2)/8)), s = 2…9:
    ///     s=2: ½(1 + 1) = 1        s=4: ½(1 + √2/2) = 0.853553…   s=6: ½(1 + 0) = 0.5
    ///     s=8: ½(1 − √2/2) = 0.146447…   s=9: ½(1 + cos(7π/8)) = ½(1 − 0.923880) = 0.038060…
    func testCosineWithWarmup() {
        let s = LearningRateSchedule(shape: .cosine, peak: 1, steps: 10, warmup: 2)
        let expected: [Int: Double] = [0: 0.5, 1: 1, 2: 1, 4: 0.853_553_390_593, 6: 0.5, 8: 0.146_446_609_407,
                                       9: 0.038_060_233_744]
        for (step, rate) in expected {
            XCTAssertEqual(s.rate(at: step), rate, accuracy: 1e-12, "step \(step)")
        }
        // Non-increasing after the warm-up.
        for step in 2..<9 { XCTAssertGreaterThanOrEqual(s.rate(at: step), s.rate(at: step + 1)) }

        // Without warm-up it starts at the peak; peak 0.002 over 4 steps: 0.002, 0.001707…, 0.001, 0.000293…
        let plain = LearningRateSchedule(shape: .cosine, peak: 0.002, steps: 4)
        let values = (0..<4).map { plain.rate(at: $0) }
        for (got, want) in zip(values, [0.002, 0.001 * (1 + 0.5.squareRoot()), 0.001, 0.001 * (1 - 0.5.squareRoot())]) {
            XCTAssertEqual(got, want, accuracy: 1e-15)
        }
    }

    func testConstant() {
        let s = LearningRateSchedule(shape: .constant, peak: 50, steps: 10)
        XCTAssertEqual((0..<10).map { s.rate(at: $0) }, [Double](repeating: 50, count: 10))
    }
}
