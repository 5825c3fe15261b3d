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

/// The learning rate at each step (0-based) of a run of `steps` steps.
///   stepDecay: peak, then peak/10 from 75% of the steps on (the makemore recipe for SGD)
///   cosine:    linear warm-up over `warmup` steps, then peak·½(1 + cos(π·s/S)) over the rest
///   constant:  peak throughout (the onehot recipe)
package struct LearningRateSchedule: Equatable, Sendable {
    package enum Shape: String, Codable, Sendable { case stepDecay = "step", cosine, constant }

    package var shape: Shape
    package var peak: Double
    package var steps: Int
    package var warmup: Int

    package init(shape: Shape, peak: Double, steps: Int, warmup: Int = 0) {
        self.shape = shape
        self.peak = peak
        self.steps = steps
        self.warmup = warmup
    }

    package func rate(at step: Int) -> Double {
        switch shape {
        case .constant:
            return peak
        case .stepDecay:
            return Double(step) < 0.75 * Double(steps) ? peak : peak / 10
        case .cosine:
            if step < warmup { return peak * Double(step + 1) / Double(warmup) }
            let span = max(1, steps - warmup)
            return peak * 0.5 * (1 + cos(Double.pi * Double(step - warmup) / Double(span)))
        }
    }
}
