/// A character embedding table, PyTorch's `nn.Embedding` followed by a flatten:
///
///   tokens (N, T), table (V, E) → out (N, T·E), out[n, t·E + e] = table[tokens[n, t], e]
///
/// Initialised N(0, 1) as PyTorch does.
public final class Embedding {
    public let table: Parameter

    public init(name: String, vocabularySize: Int, dimensions: Int, rng: inout RandomGenerator) {
        var t = Matrix(rows: vocabularySize, cols: dimensions)
        for i in 0..<t.count { t.data[i] = rng.nextNormal() }
        table = Parameter(name: name + ".weight", value: t)
    }

    public var dimensions: Int { table.value.cols }

    /// Gathers the rows of `tokens` (N·T values, row-major) into out (N, T·E).
    public func forward(out: inout Matrix, tokens: [Int32]) {
        let e = dimensions
        precondition(tokens.count * e >= out.count)
        for i in 0..<(out.count / e) {
            let row = Int(tokens[i]) * e
            for k in 0..<e { out.data[i * e + k] = table.value.data[row + k] }
        }
    }

    /// Adds each row of dOut (N, T·E) into the gradient of the table row it was read from.
    public func backward(dOut: Matrix, tokens: [Int32]) {
        let e = dimensions
        for i in 0..<(dOut.count / e) {
            let row = Int(tokens[i]) * e
            for k in 0..<e { table.grad.data[row + k] += dOut.data[i * e + k] }
        }
    }
}
