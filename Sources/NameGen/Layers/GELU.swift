/// GELU with the tanh approximation, PyTorch's `F.gelu(x, approximate='tanh')`, element-wise:
///
///   out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
///   dx  = dOut · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 0.134145x²)),  t = the tanh above
///
///   x (N, C) → out (N, C); the tanh t (N, C) is kept for backward.
package enum GELU {
    /// out and t from x (all (N, C), the first N·C values of each).
    package static func forward(out: inout Matrix, tanhOut: inout Matrix, x: Matrix) {
        LayerKernels.geluForward(out: &out.data, tanhOut: &tanhOut.data, x: x.data, count: x.count)
    }

    /// Overwrites dx (N, C); x and t are those of the forward pass.
    package static func backward(dx: inout Matrix, dOut: Matrix, x: Matrix, tanhOut: Matrix) {
        LayerKernels.geluBackward(dx: &dx.data, dOut: dOut.data, x: x.data, tanhOut: tanhOut.data, count: x.count)
    }
}
