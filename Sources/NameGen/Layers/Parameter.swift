/// A trainable tensor and its gradient, both stored as row-major matrices of the same shape.
///
/// Layers own their parameters; a model lists them (in a fixed order) for the optimiser and the
/// checkpoint. Backward passes add into `grad`; `zeroGrad` clears it once per step.
package final class Parameter {
    /// The checkpoint tensor name, e.g. `layers.0.linear.weight`.
    package let name: String
    package var value: Matrix
    package var grad: Matrix
    /// The tensor's shape as stored in the checkpoint: [rows, cols], or [cols] for a vector.
    package let shape: [Int]

    package init(name: String, value: Matrix, isVector: Bool = false) {
        precondition(!isVector || value.rows == 1)
        self.name = name
        self.value = value
        self.grad = Matrix(rows: value.rows, cols: value.cols)
        self.shape = isVector ? [value.cols] : [value.rows, value.cols]
    }

    /// A rows × cols parameter drawn N(0, 1) from `rng`, element by element in row-major order:
    /// PyTorch's `nn.Embedding` initialisation, shared by the token and position embeddings.
    package static func standardNormal(name: String, rows: Int, cols: Int, rng: inout RandomGenerator) -> Parameter {
        var value = Matrix(rows: rows, cols: cols)
        for i in 0..<value.count { value.data[i] = rng.nextNormal() }
        return Parameter(name: name, value: value)
    }

    package var count: Int { value.count }

    package func zeroGrad() { VectorMath.zero(&grad.data) }
}
