/// A character embedding table, PyTorch's `nn.Embedding` followed by a flatten:
///
///   tokens (N, T), table (V, E) → out (N, T·E), out[n, t·E + e] = table[tokens[n, t], e]
///
/// Initialised N(0, 1) as PyTorch does.
package final class Embedding {
    package let table: Parameter

    package init(name: String, vocabularySize: Int, dimensions: Int, rng: inout RandomGenerator) {
        table = .standardNormal(name: name + ".weight", rows: vocabularySize, cols: dimensions, rng: &rng)
    }

    package var dimensions: Int { table.value.cols }

    /// Gathers the rows of `tokens` (N·T values, row-major) into out (N, T·E).
    package func forward(out: inout Matrix, tokens: [Int32]) {
        let e = dimensions
        precondition(tokens.count * e >= out.count)
        let count = out.count / e
        guard count > 0 else { return }
        let rows = table.value.rows
        precondition(tokens.prefix(count).allSatisfy { $0 >= 0 && Int($0) < rows }, "token out of the table")
        VectorMath.embeddingGather(&out.data, table: table.value.data, tokens: tokens, count: count, width: e)
    }

    /// Adds each row of dOut (N, T·E) into the gradient of the table row it was read from.
    package func backward(dOut: Matrix, tokens: [Int32]) {
        let e = dimensions
        let count = dOut.count / e
        precondition(tokens.count >= count)
        guard count > 0 else { return }
        let rows = table.grad.rows
        precondition(tokens.prefix(count).allSatisfy { $0 >= 0 && Int($0) < rows }, "token out of the table")
        VectorMath.embeddingScatter(&table.grad.data, dOut: dOut.data, tokens: tokens, count: count, width: e)
    }
}
