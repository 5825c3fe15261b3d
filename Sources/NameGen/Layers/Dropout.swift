/// Inverted dropout: in training each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), so that inference (no dropout) needs no rescaling.
///
///   x (N, C) → out (N, C) = x · mask,  mask[i] ∈ {0, 1/(1 − p)} drawn from the model's generator
public struct Dropout: Sendable {
    public let probability: Float

    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1)
        self.probability = probability
    }

    /// Draws a new mask (N, C) and applies it.
    public func forward(out: inout Matrix, mask: inout Matrix, x: Matrix, rng: inout RandomGenerator) {
        let keep = 1 / (1 - probability)
        for i in 0..<mask.count { mask.data[i] = rng.nextFloat() < probability ? 0 : keep }
        VectorMath.multiply(&out.data, x.data, mask.data, count: x.count)
    }

    /// Overwrites dx with dOut · mask.
    public func backward(dx: inout Matrix, dOut: Matrix, mask: Matrix) {
        VectorMath.multiply(&dx.data, dOut.data, mask.data, count: dOut.count)
    }
}
