/// Inverted dropout: in training each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), so that inference (no dropout) needs no rescaling.
///
///   x (N, C) → out (N, C) = x · mask,  mask[i] ∈ {0, 1/(1 − p)} drawn from the model's generator
package struct Dropout: Sendable {
    package let probability: Float

    package init(probability: Float) {
        precondition(probability >= 0 && probability < 1)
        self.probability = probability
    }

    /// Draws a new mask (N, C) and applies it.
    package func forward(out: inout Matrix, mask: inout Matrix, x: Matrix, rng: inout RandomGenerator) {
        drawMask(&mask, rng: &rng)
        VectorMath.multiply(&out.data, x.data, mask.data, count: x.count)
    }

    /// Fills mask with 0 (probability p) or 1/(1 − p).
    package func drawMask(_ mask: inout Matrix, rng: inout RandomGenerator) {
        let keep = 1 / (1 - probability)
        // Each 64-bit draw gives two masks: an element is dropped when its 32 bits fall below
        // p·2³², i.e. with probability p (to within 2⁻³²).
        let threshold = UInt32((Double(probability) * 4_294_967_296).rounded(.down))
        var i = 0
        while i < mask.count {
            let bits = rng.next()
            mask.data[i] = UInt32(truncatingIfNeeded: bits) < threshold ? 0 : keep
            if i + 1 < mask.count { mask.data[i + 1] = UInt32(truncatingIfNeeded: bits >> 32) < threshold ? 0 : keep }
            i += 2
        }
    }

    /// Overwrites dx with dOut · mask.
    package func backward(dx: inout Matrix, dOut: Matrix, mask: Matrix) {
        VectorMath.multiply(&dx.data, dOut.data, mask.data, count: dOut.count)
    }
}
