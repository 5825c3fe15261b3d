/// A learned embedding of each position in a sequence, PyTorch's `nn.Embedding(T, C)` indexed by
/// position and added to the token embedding:
///
///   out (N, C) += table[positions[n]],  positions (N) in 0..<T,  table (T, C)
///
/// Initialised N(0, 1) as PyTorch does.
package final class PositionEmbedding {
    package let table: Parameter

    package init(name: String, positions: Int, dimensions: Int, rng: inout RandomGenerator) {
        table = .standardNormal(name: name + ".weight", rows: positions, cols: dimensions, rng: &rng)
    }

    package var maxPositions: Int { table.value.rows }
    package var dimensions: Int { table.value.cols }

    /// Adds row positions[n] of the table into row n of out, for n < out.rows.
    package func forward(out: inout Matrix, positions: [Int32]) {
        let c = dimensions
        precondition(out.cols == c && positions.count >= out.rows)
        for n in 0..<out.rows {
            precondition(positions[n] >= 0 && Int(positions[n]) < maxPositions, "position \(positions[n]) outside the table")
        }
        VectorMath.addRows(&out.data, table: table.value.data, categories: positions, rowsPerIndex: 1, count: out.rows, width: c)
    }

    /// Adds row n of dOut (N, C) into the gradient of table row positions[n].
    package func backward(dOut: Matrix, positions: [Int32]) {
        let c = dimensions
        for n in 0..<dOut.rows {
            let p = Int(positions[n])
            for k in 0..<c { table.grad.data[p * c + k] += dOut.data[n * c + k] }
        }
    }
}
