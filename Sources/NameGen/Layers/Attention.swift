/// Causal multi-head self-attention, makemore's `CausalSelfAttention`, on sequences packed row
/// after row (`PackedSequences`; a sequence's rows are its positions 0, 1, …, so no
/// padding is ever computed):
///
///   qkv = x · attnᵀ + attn_bias                  x (N, C), attn (3C, C) → qkv (N, 3C) = [q | k | v]
///   per head h (D = C/H columns) and row i of a sequence:
///     p[i, j] = softmax_{j ≤ i}(q_i · k_j / √D)  the causal mask: a row sees itself and earlier rows
///     y_i = Σ_{j ≤ i} dropout(p)[i, j] · v_j     y (N, C), heads side by side
///   out = y · projᵀ + proj_bias                  proj (C, C) → out (N, C)
///
/// Dropout on the probabilities (attention dropout) draws its mask from the model's generator.
package final class CausalSelfAttention {
    package let attn: Linear
    package let proj: Linear
    package let heads: Int
    /// T: the longest sequence.
    package let maxLength: Int
    package let dropout: Dropout?

    package init(name: String, embed: Int, heads: Int, maxLength: Int, dropout: Float, rng: inout RandomGenerator) {
        precondition(embed % heads == 0, "the embedding must split evenly between the heads")
        attn = Linear(name: name + ".attn", inputs: embed, outputs: 3 * embed, bias: true, rng: &rng)
        proj = Linear(name: name + ".proj", inputs: embed, outputs: embed, bias: true, rng: &rng)
        self.heads = heads
        self.maxLength = maxLength
        self.dropout = dropout > 0 ? Dropout(probability: dropout) : nil
    }

    package var embed: Int { proj.outputs }
    package var parameters: [Parameter] { attn.parameters + proj.parameters }

    /// Forward activations kept for backward and backward scratch, for up to `rows` rows.
    package struct Cache {
        /// q, k, v (N, 3C); y (N, C); probabilities and dropout mask (N, H, T)
        var qkv: Matrix, y: Matrix
        var probabilities: [Float], mask: Matrix
        /// gradients of qkv and y
        var dqkv: Matrix, dy: Matrix

        package init(rows: Int, embed: Int, heads: Int, maxLength: Int, training: Bool, dropout: Bool) {
            qkv = Matrix(rows: rows, cols: 3 * embed)
            y = Matrix(rows: rows, cols: embed)
            probabilities = [Float](repeating: 0, count: rows * heads * maxLength)
            mask = Matrix(rows: 1, cols: training && dropout ? rows * heads * maxLength : 0)
            dqkv = Matrix(rows: training ? rows : 0, cols: 3 * embed)
            dy = Matrix(rows: training ? rows : 0, cols: embed)
        }

        /// Uses the first n rows of every buffer.
        mutating func setRows(_ n: Int, training: Bool) {
            qkv.rows = n; y.rows = n
            if training { dqkv.rows = n; dy.rows = n }
        }
    }

    /// out (N, C) from x (N, C), N = the packed rows. With `training` and dropout, a mask is
    /// drawn from `rng`.
    package func forward(out: inout Matrix, cache: inout Cache, x: Matrix, sequences: PackedSequences,
                        training: Bool, rng: inout RandomGenerator) {
        cache.setRows(x.rows, training: training)
        attn.forward(out: &cache.qkv, input: x)
        let useMask = training && dropout != nil
        if useMask, let dropout {
            // A mask over all (N, H, T) entries: those past a row's position are never read, but
            // drawing them keeps the number of draws a function of N alone.
            cache.mask.cols = x.rows * heads * maxLength
            dropout.drawMask(&cache.mask, rng: &rng)
        }
        LayerKernels.attentionForward(out: &cache.y, probabilities: &cache.probabilities, qkv: cache.qkv,
                                      mask: useMask ? cache.mask.data : nil, sequences: sequences, heads: heads,
                                      maxLength: maxLength)
        proj.forward(out: &out, input: cache.y)
    }

    /// Adds into the gradients of attn and proj; overwrites dx (N, C). cache and x are those of
    /// the training forward pass.
    package func backward(dx: inout Matrix, cache: inout Cache, dOut: Matrix, x: Matrix, sequences: PackedSequences) {
        proj.backward(dInput: &cache.dy, dOut: dOut, input: cache.y)
        LayerKernels.attentionBackward(dqkv: &cache.dqkv, dOut: cache.dy, qkv: cache.qkv,
                                       probabilities: cache.probabilities, mask: dropout != nil ? cache.mask.data : nil,
                                       sequences: sequences, heads: heads, maxLength: maxLength)
        attn.backward(dInput: &dx, dOut: cache.dqkv, input: x)
    }
}
