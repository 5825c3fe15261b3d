#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Softmax with the max shift, for its three users: the training loss (`CrossEntropy`, Float,
/// all rows at once through the vectorised exp), evaluation (`Evaluation`, one row at a time in
/// Double) and sampling (`Sampler`, Double, with a temperature and excluded tokens).
///
///   softmax(l)[c] = exp(l[c] − m) / Σⱼ exp(l[j] − m),  m = maxⱼ l[j]
///
/// Subtracting the row maximum m keeps every exponent ≤ 0, so nothing overflows; it does not
/// change the result. The training path stays in Float and the other two in Double, as before
/// this type existed, so losses and samples are unchanged bit for bit.
package enum Softmax {
    /// The largest logit among the entries `include` accepts; −∞ when it accepts none.
    @inline(__always)
    package static func rowMax(_ logits: ArraySlice<Float>, include: (Int) -> Bool = { _ in true }) -> Float {
        var m = -Float.infinity
        let base = logits.startIndex
        for c in 0..<logits.count where include(c) { m = max(m, logits[base + c]) }
        return m
    }

    /// Unnormalised weights exp((l[c] − m) / temperature) into `weights` (0 where `include`
    /// refuses), m the largest included logit. Returns m and Σ weights (0 when none is included).
    @inline(__always)
    package static func weights(_ logits: ArraySlice<Float>, temperature: Double = 1, into weights: inout [Double],
                               include: (Int) -> Bool = { _ in true }) -> (max: Float, sum: Double) {
        let m = rowMax(logits, include: include)
        guard m > -Float.infinity else { return (m, 0) }
        let base = logits.startIndex
        var total: Double = 0
        for c in 0..<logits.count {
            let w = include(c) ? LibC.exp(Double(logits[base + c] - m) / temperature) : 0
            weights[c] = w
            total += w
        }
        return (m, total)
    }

    /// −log softmax(logits)[target] = log Σ exp(l − m) − (l[target] − m), in Double.
    /// `scratch` holds at least V values.
    @inline(__always)
    package static func negativeLogLikelihood(_ logits: ArraySlice<Float>, target: Int, scratch: inout [Double]) -> Double {
        let (m, sum) = weights(logits, into: &scratch)
        return LibC.log(sum) - Double(logits[logits.startIndex + target] - m)
    }

    /// exp(logits − row max) for every row of (N, V) logits into `out`, in Float: the numerators
    /// of the softmax, whose row sums are its denominators.
    package static func shiftedExponentials(_ logits: Matrix, into out: inout Matrix) {
        let n = logits.rows, v = logits.cols
        precondition(out.rows == n && out.cols == v)
        for r in 0..<n {
            let m = rowMax(logits.data[(r * v)..<((r + 1) * v)])
            for c in 0..<v { out.data[r * v + c] = logits.data[r * v + c] - m }
        }
        VectorMath.expInPlace(&out.data, count: n * v)
    }
}
