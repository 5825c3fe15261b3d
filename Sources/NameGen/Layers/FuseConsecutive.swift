/// Fuses consecutive pairs of positions, as the makemore notes' `FlattenConsecutive(2)`:
///
///   x (N, T, C) → out (N, T/2, 2·C),  out[n, t, 0..<C] = x[n, 2t], out[n, t, C..<2C] = x[n, 2t + 1]
///
/// Stored row-major as (N·T, C), positions 2t and 2t + 1 of a name are adjacent rows, so the
/// fused (N·T/2, 2·C) matrix holds exactly the same elements in the same order. Forward and
/// backward therefore only change the shape: the result shares the argument's storage (Swift
/// copies an array only when one of two holders writes to it, and the model writes neither
/// while the other is alive). It is a layer of its own so that the model reads as the
/// architecture does, and so that the reshape is tested on its own.
package enum FuseConsecutive {
    /// x (R, C) → out (R/2, 2·C). R must be even.
    package static func forward(_ x: Matrix) -> Matrix {
        precondition(x.rows % 2 == 0, "fusing pairs needs an even number of positions")
        var out = x
        out.rows /= 2
        out.cols *= 2
        return out
    }

    /// dOut (R/2, 2·C) → dx (R, C): the gradient reaches the position each element came from,
    /// which is the same element, since forward moved none.
    package static func backward(_ dOut: Matrix) -> Matrix {
        precondition(dOut.cols % 2 == 0)
        var dx = dOut
        dx.rows *= 2
        dx.cols /= 2
        return dx
    }
}
