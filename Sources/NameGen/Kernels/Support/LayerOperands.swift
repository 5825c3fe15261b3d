/// Operands of LayerNorm over the rows of an (N, C) batch (see NameGen's `LayerKernels`):
/// x and out (or dOut and dx) are (N, C) rows `columns` floats apart; gamma, beta, dGamma and
/// dBeta are (C); mean and rstd (N) are written by forward and read by backward.
public struct LayerNormOperands {
    public var x: UnsafePointer<Float>, gamma: UnsafePointer<Float>
    public var mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
    public var rows: Int, columns: Int
    public init(x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
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
public struct AttentionOperands {
    public var q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>
    public var qStride: Int, kvStride: Int
    public var first: UnsafePointer<Int32>, positions: UnsafePointer<Int32>
    public var probabilities: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?
    public var rows: Int, heads: Int, headSize: Int, maxLength: Int
    public init(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, qStride: Int, kvStride: Int,
                first: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, probabilities: UnsafeMutablePointer<Float>,
                mask: UnsafePointer<Float>?, rows: Int, heads: Int, headSize: Int, maxLength: Int) {
        (self.q, self.k, self.v, self.qStride, self.kvStride) = (q, k, v, qStride, kvStride)
        (self.first, self.positions, self.probabilities, self.mask) = (first, positions, probabilities, mask)
        (self.rows, self.heads, self.headSize, self.maxLength) = (rows, heads, headSize, maxLength)
    }
}
