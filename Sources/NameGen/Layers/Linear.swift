/// A fully connected layer, PyTorch's `nn.Linear`: out = input · weightᵀ + bias.
///
///   input (N, C), weight (OC, C), bias (OC) → out (N, OC)
///
/// Initialised as PyTorch does: weight and bias uniform in ±1/√C.
package final class Linear {
    package let weight: Parameter
    package let bias: Parameter?

    package init(name: String, inputs: Int, outputs: Int, bias hasBias: Bool, rng: inout RandomGenerator) {
        let bound = 1 / Float(inputs).squareRoot()
        var w = Matrix(rows: outputs, cols: inputs)
        for i in 0..<w.count { w.data[i] = (2 * rng.nextFloat() - 1) * bound }
        weight = Parameter(name: name + ".weight", value: w)
        if hasBias {
            var b = Matrix(rows: 1, cols: outputs)
            for i in 0..<outputs { b.data[i] = (2 * rng.nextFloat() - 1) * bound }
            bias = Parameter(name: name + ".bias", value: b, isVector: true)
        } else {
            bias = nil
        }
    }

    package var inputs: Int { weight.value.cols }
    package var outputs: Int { weight.value.rows }
    package var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// out (N, OC) = input (N, C) · weightᵀ (C, OC) + bias
    package func forward(out: inout Matrix, input: Matrix) {
        Matmul.nt(&out, input, weight.value)
        if let bias { VectorMath.addBias(&out.data, bias: bias.value.data, rows: out.rows, width: out.cols) }
    }

    /// Adds dOutᵀ (OC, N) · input (N, C) into weight.grad and the column sums of dOut into
    /// bias.grad; overwrites dInput (N, C) with dOut (N, OC) · weight (OC, C).
    package func backward(dInput: inout Matrix, dOut: Matrix, input: Matrix) {
        Matmul.tn(&weight.grad, dOut, input, accumulate: true)
        if let bias { ColumnSums.add(&bias.grad.data, of: dOut) }
        Matmul.nn(&dInput, dOut, weight.value)
    }
}
