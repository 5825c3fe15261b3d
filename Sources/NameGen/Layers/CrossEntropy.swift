import Foundation

/// Softmax and cross-entropy fused, as PyTorch's `F.cross_entropy` with mean reduction:
///
///   loss = (1/N) Σₙ −log softmax(logits[n])[target[n]]
///   dLogits[n, c] = (softmax(logits[n])[c] − [c = target[n]]) / N
///
/// N counts the rows with a target: a row whose target is `TrainingRecipe.masked` (padding in
/// a sequence model's batch) is left out of the mean and gets a zero gradient.
///
///   logits (N, V), targets (N) → loss (scalar), dLogits (N, V)
public enum CrossEntropy {
    /// Returns the mean loss and overwrites dLogits with its gradient. `probabilities` is
    /// (N, V) scratch. The loss is summed in Double.
    public static func forwardBackward(dLogits: inout Matrix, probabilities: inout Matrix,
                                       logits: Matrix, targets: [Int32]) -> Float {
        let n = logits.rows, v = logits.cols
        precondition(targets.count >= n && dLogits.rows == n && dLogits.cols == v)
        precondition(probabilities.rows == n && probabilities.cols == v)
        // Shift each row by its maximum, exponentiate all rows at once, then normalise.
        Softmax.shiftedExponentials(logits, into: &probabilities)
        // Rows whose target is `TrainingRecipe.masked` (a sequence's padding) have no loss and
        // no gradient; the mean is over the others.
        var counted = 0
        for r in 0..<n where targets[r] != TrainingRecipe.masked { counted += 1 }
        var total: Double = 0
        let invN = 1 / Float(max(counted, 1))
        for r in 0..<n {
            guard targets[r] != TrainingRecipe.masked else {
                for c in 0..<v { dLogits.data[r * v + c] = 0 }
                continue
            }
            var sum: Float = 0, m = -Float.infinity
            for c in 0..<v {
                sum += probabilities.data[r * v + c]
                m = max(m, logits.data[r * v + c])
            }
            let t = Int(targets[r])
            // −log p[t] = log Σ exp(shifted) − shifted[t], shifted = logits − row maximum
            total += Double(Foundation.log(sum)) - Double(logits.data[r * v + t] - m)
            let inv = 1 / sum
            for c in 0..<v { dLogits.data[r * v + c] = probabilities.data[r * v + c] * inv * invN }
            dLogits.data[r * v + t] -= invN
        }
        return Float(total / Double(max(counted, 1)))
    }
}
