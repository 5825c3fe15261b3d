/// makemore's `CausalBoW`: each position the uniform average of its sequence's positions up to
/// and including it (softmax over a causal mask of zeros, times x), on packed sequences:
///
///   out[n] = (x[first(n)] + … + x[n]) / (position(n) + 1)        x (N, C) → out (N, C)
///   dx[j]  = Σ_{n ≥ j, same sequence} dOut[n] / (position(n) + 1)
///
/// No parameters. The running sums run in the kernel set (`LayerKernels.causalMean`).
package enum CausalAverage {
    /// out (N, C) from x (N, C), N = the packed rows.
    package static func forward(out: inout Matrix, x: Matrix, sequences: PackedSequences) {
        precondition(x.rows == sequences.rows)
        LayerKernels.causalMean(out: &out, x: x, positions: sequences.positions)
    }

    /// Overwrites dx (N, C) from dOut (N, C).
    package static func backward(dx: inout Matrix, dOut: Matrix, sequences: PackedSequences) {
        precondition(dOut.rows == sequences.rows)
        LayerKernels.causalMeanBackward(dx: &dx, dOut: dOut, positions: sequences.positions)
    }
}
