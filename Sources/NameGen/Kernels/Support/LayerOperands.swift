/// Operands of LayerNorm over the rows of an (N, C) batch (see NameGen's `LayerKernels`):
/// x and out (or dOut and dx) are (N, C) rows `columns` floats apart; gamma, beta, dGamma and
/// dBeta are (C); mean and rstd (N) are written by forward and read by backward.
package struct LayerNormOperands {
    /// The forward's input (N, C) and the gain (C).
    package var x: UnsafePointer<Float>, gamma: UnsafePointer<Float>
    /// Each row's mean and 1/√(var + ε) (N).
    package var mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
    /// N and C.
    package var rows: Int, columns: Int
    /// The operands, as the fields name them.
    package init(x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
                rstd: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        (self.x, self.gamma, self.mean, self.rstd, self.rows, self.columns) = (x, gamma, mean, rstd, rows, columns)
    }
}

/// Operands of causal attention, one query row at a time (see NameGen's `LayerKernels`). Query
/// row i (q + i·qStride, head h at h·headSize) attends over the keys and values of rows
/// first[i] … first[i] + positions[i] of k and v (kvStride floats apart): its own sequence up
/// to its own position. Packed training rows read keys from the same qkv buffer; the sampler's
/// cache keeps them in buffers of their own. probabilities (rows, H, T) and the dropout mask
/// (same shape, optional) are indexed (i·H + h)·T + j.
package struct AttentionOperands {
    /// Row 0 of the queries, keys and values (head 0's first column).
    package var q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>
    /// Floats from one query row to the next, and from one key (or value) row to the next.
    package var qStride: Int, kvStride: Int
    /// Per query row: the key row of its sequence's position 0, and its own position.
    package var first: UnsafePointer<Int32>, positions: UnsafePointer<Int32>
    /// (rows, H, T) softmax probabilities, written by forward; the dropout mask, or nil.
    package var probabilities: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?
    /// Query rows, H, D (C = H·D) and T.
    package var rows: Int, heads: Int, headSize: Int, maxLength: Int
    /// The operands, as the fields name them.
    package init(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, qStride: Int, kvStride: Int,
                first: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, probabilities: UnsafeMutablePointer<Float>,
                mask: UnsafePointer<Float>?, rows: Int, heads: Int, headSize: Int, maxLength: Int) {
        (self.q, self.k, self.v, self.qStride, self.kvStride) = (q, k, v, qStride, kvStride)
        (self.first, self.positions, self.probabilities, self.mask) = (first, positions, probabilities, mask)
        (self.rows, self.heads, self.headSize, self.maxLength) = (rows, heads, headSize, maxLength)
    }
}

/// Incremental attention over a key/value cache: one new query per row, attending over its
/// slot's positions 0 … positions[i]. Keys are stored transposed per slot and head, so that one
/// query's scores over 16 positions are 16-lane products.
public struct CachedAttentionOperands {
    /// Row 0's query (head 0's first column), and floats from one query row to the next.
    public var q: UnsafePointer<Float>, qStride: Int
    /// Element e of head h's key at position j of slot s: keys[((s·H + h)·D + e)·T + j].
    public var keys: UnsafePointer<Float>
    /// Value at position j of slot s: values[(s·T + j)·C ...], head h at column h·D.
    public var values: UnsafePointer<Float>
    /// Per row: its slot and the position of its query.
    public var slots: UnsafePointer<Int32>, positions: UnsafePointer<Int32>
    /// (rows, H, T) scratch for the softmax probabilities.
    public var probabilities: UnsafeMutablePointer<Float>
    /// Query rows, H, D (C = H·D) and T.
    public var rows: Int, heads: Int, headSize: Int, maxLength: Int
    /// The operands, as the fields name them.
    public init(q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                slots: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, probabilities: UnsafeMutablePointer<Float>,
                rows: Int, heads: Int, headSize: Int, maxLength: Int) {
        (self.q, self.qStride, self.keys, self.values) = (q, qStride, keys, values)
        (self.slots, self.positions, self.probabilities) = (slots, positions, probabilities)
        (self.rows, self.heads, self.headSize, self.maxLength) = (rows, heads, headSize, maxLength)
    }
}
