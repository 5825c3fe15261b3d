#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Softmax and cross-entropy fused, as PyTorch's `F.cross_entropy` with mean reduction:
///
///   loss = (1/N) Σₙ −log softmax(logits[n])[target[n]]
///   dLogits[n, c] = (softmax(logits[n])[c] − [c = target[n]]) / N
///
/// N counts the rows with a target: a row whose target is `TrainingRecipe.masked` (padding in
/// a sequence model's batch) is left out of the mean and gets a zero gradient.
///
///   logits (N, V), targets (N) → loss (scalar), dLogits (N, V)
package enum CrossEntropy {
    /// Returns the mean loss and overwrites dLogits with its gradient. `probabilities` is
    /// (N, V) scratch. The softmax runs in the active kernel set (each row shifted by its
    /// maximum, exponentiated, summed over 16 logical lanes in a fixed order); the loss is
    /// summed in Double.
    package static func forwardBackward(dLogits: inout Matrix, probabilities: inout Matrix,
                                       logits: Matrix, targets: [Int32]) -> Float {
        let n = logits.rows, v = logits.cols
        precondition(targets.count >= n && dLogits.rows == n && dLogits.cols == v)
        precondition(probabilities.rows == n && probabilities.cols == v)
        guard n > 0 else { return 0 }
        precondition(v >= 2, "cross-entropy needs at least two classes")
        // The kernel marks a row without a loss by a negative target; `masked` is one.
        var counted = 0
        for r in 0..<n where targets[r] != TrainingRecipe.masked { counted += 1 }
        let scale = 1 / Float(max(counted, 1))
        // The scratch holds each row's Σ exp(shifted) and shifted target logit (2N ≤ N·V floats).
        VectorMath.softmaxCrossEntropy(dLogits: &dLogits.data, logits: logits.data, targets: targets, rows: n, columns: v,
                                       scale: scale, scratch: &probabilities.data)
        var total: Double = 0
        for r in 0..<n {
            // −log p[t] = log Σ exp(shifted) − shifted[t], shifted = logits − row maximum
            total += Double(LibC.log(probabilities.data[r])) - Double(probabilities.data[n + r])
        }
        return Float(total / Double(max(counted, 1)))
    }
}
