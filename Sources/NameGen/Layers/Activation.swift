/// The hidden activations, element-wise on any shape: out = f(x), x and out (N, C).
/// Backward is written with the forward output, which both derivatives need:
///   tanh: dx = dy · (1 − out²)      relu: dx = dy · [out > 0]
package enum Activation: String, CaseIterable, Codable, Sendable {
    case tanh, relu

    package func forward(out: inout Matrix, x: Matrix) {
        switch self {
        case .tanh: VectorMath.tanh(&out.data, x.data, count: x.count)
        case .relu: VectorMath.relu(&out.data, x.data, count: x.count)
        }
    }

    /// Overwrites dx.
    package func backward(dx: inout Matrix, dOut: Matrix, out: Matrix) {
        switch self {
        case .tanh: VectorMath.tanhBackward(dInput: &dx.data, dOut: dOut.data, out: out.data, count: out.count)
        case .relu: VectorMath.reluBackward(dInput: &dx.data, dOut: dOut.data, out: out.data, count: out.count)
        }
    }
}
