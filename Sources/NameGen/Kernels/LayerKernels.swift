import KernelSupport

/// The sequence models' row-wise layers on safe arrays: LayerNorm, the tanh form of GELU, causal
/// multi-head self-attention over packed sequences (or over the sampler's key/value cache), and
/// the residual add. Each forwards to the active kernel set (Kernels/Source/LayerLoops.swift),
/// whose sums have one order in every set with FMA (see `KernelSet`).
package enum LayerKernels {
    // MARK: LayerNorm

    /// Per row n of x (N, C):
    ///   mean[n] = Σ_c x / C,  var = Σ_c (x − mean)² / C,  rstd[n] = 1/√(var + ε)
    ///   out[n, c] = (x[n, c] − mean[n]) · rstd[n] · gamma[c] + beta[c]
    /// out (N, C); gamma, beta (C); mean and rstd (≥ N) are kept for backward.
    package static func layerNormForward(out: inout Matrix, mean: inout [Float], rstd: inout [Float], x: Matrix,
                                        gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(out.cols == c && out.rows == n && mean.count >= n && rstd.count >= n)
        precondition(gamma.count == c && beta.count == c && out.data.count >= n * c && x.data.count >= n * c)
        guard n > 0 && c > 0 else { return }
        x.data.withUnsafeBufferPointer { xs in
        out.data.withUnsafeMutableBufferPointer { ys in
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
        mean.withUnsafeMutableBufferPointer { m in
        rstd.withUnsafeMutableBufferPointer { r in
            let p = LayerNormOperands(x: xs.baseAddress!, gamma: g.baseAddress!, mean: m.baseAddress!, rstd: r.baseAddress!,
                                      rows: n, columns: c)
            KernelDispatch.active.layerNormForward(p, out: ys.baseAddress!, beta: b.baseAddress!, epsilon: epsilon)
        }}}}}}
    }

    /// Backward of `layerNormForward`, with xhat = (x − mean)·rstd and g = dOut·gamma:
    ///   dx[n, c] += rstd[n] · (g[n, c] − Σ_c g / C − xhat[n, c] · Σ_c g·xhat / C)
    ///   dGamma[c] += Σ_n dOut·xhat,  dBeta[c] += Σ_n dOut
    /// ADDS into dx (N, C): the LayerNorms sit on the residual stream, whose gradient arrives in
    /// dx already.
    package static func layerNormBackward(dx: inout Matrix, dGamma: inout [Float], dBeta: inout [Float], dOut: Matrix,
                                         x: Matrix, mean: [Float], rstd: [Float], gamma: [Float]) {
        let n = x.rows, c = x.cols
        precondition(dx.cols == c && dOut.cols == c && dx.rows == n && dOut.rows == n)
        precondition(dGamma.count == c && dBeta.count == c && gamma.count == c && mean.count >= n && rstd.count >= n)
        precondition(dx.data.count >= n * c && dOut.data.count >= n * c && x.data.count >= n * c)
        guard n > 0 && c > 0 else { return }
        x.data.withUnsafeBufferPointer { xs in
        dOut.data.withUnsafeBufferPointer { dys in
        dx.data.withUnsafeMutableBufferPointer { dxs in
        gamma.withUnsafeBufferPointer { g in
        dGamma.withUnsafeMutableBufferPointer { dg in
        dBeta.withUnsafeMutableBufferPointer { db in
        mean.withUnsafeBufferPointer { m in
        rstd.withUnsafeBufferPointer { r in
            // Backward only reads the statistics.
            let p = LayerNormOperands(x: xs.baseAddress!, gamma: g.baseAddress!, mean: UnsafeMutablePointer(mutating: m.baseAddress!),
                                      rstd: UnsafeMutablePointer(mutating: r.baseAddress!), rows: n, columns: c)
            KernelDispatch.active.layerNormBackward(p, dx: dxs.baseAddress!, dOut: dys.baseAddress!, dGamma: dg.baseAddress!,
                                                    dBeta: db.baseAddress!)
        }}}}}}}}
    }

    // MARK: GELU (tanh form)

    /// out = ½x(1 + t), t = tanh(√(2/π)(x + 0.044715x³)), element-wise over count values;
    /// t is kept for backward.
    package static func geluForward(out: inout [Float], tanhOut: inout [Float], x: [Float], count: Int) {
        precondition(out.count >= count && tanhOut.count >= count && x.count >= count)
        guard count > 0 else { return }
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { ys in
                tanhOut.withUnsafeMutableBufferPointer { ts in
                    KernelDispatch.active.geluForward(ys.baseAddress!, ts.baseAddress!, xs.baseAddress!, count: count)
                }
            }
        }
    }

    /// dx = dOut · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)); overwrites dx.
    package static func geluBackward(dx: inout [Float], dOut: [Float], x: [Float], tanhOut: [Float], count: Int) {
        precondition(dx.count >= count && dOut.count >= count && x.count >= count && tanhOut.count >= count)
        guard count > 0 else { return }
        x.withUnsafeBufferPointer { xs in
            dOut.withUnsafeBufferPointer { gs in
                tanhOut.withUnsafeBufferPointer { ts in
                    dx.withUnsafeMutableBufferPointer { ds in
                        KernelDispatch.active.geluBackward(ds.baseAddress!, gs.baseAddress!, xs.baseAddress!, ts.baseAddress!,
                                                           count: count)
                    }
                }
            }
        }
    }

    // MARK: residual

    /// out[i] = a[i] + b[i] for i < count.
    package static func add(_ out: inout [Float], _ a: [Float], _ b: [Float], count: Int) {
        precondition(out.count >= count && a.count >= count && b.count >= count)
        guard count > 0 else { return }
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { z in
                    KernelDispatch.active.add(z.baseAddress!, x.baseAddress!, y.baseAddress!, count: count)
                }
            }
        }
    }

    // MARK: causal self-attention

    /// Causal multi-head attention on packed sequences. qkv (N, 3C) holds q, k and v side by
    /// side, head h in columns h·D ..< (h+1)·D of each (D = C / H). For row i of a sequence
    /// and head h:
    ///   p[i, j] = softmax_{j ≤ i}(q_i · k_j / √D)        probabilities (N, H, T): row i, head h at (i·H + h)·T
    ///   out[i, h·D + d] = Σ_{j ≤ i} p[i, j] · mask[i, j] · v_j[d]          out (N, C)
    /// `mask` (N, H, T), when given, is the dropout mask applied to the probabilities.
    package static func attentionForward(out: inout Matrix, probabilities: inout [Float], qkv: Matrix, mask: [Float]?,
                                        sequences: PackedSequences, heads: Int, maxLength t: Int) {
        let c = out.cols, n = qkv.rows
        precondition(qkv.cols == 3 * c && c % heads == 0 && out.rows == n && n == sequences.rows)
        precondition(probabilities.count >= n * heads * t && (mask.map { $0.count >= n * heads * t } ?? true))
        guard n > 0 else { return }
        qkv.data.withUnsafeBufferPointer { qkvp in
        probabilities.withUnsafeMutableBufferPointer { pp in
        out.data.withUnsafeMutableBufferPointer { op in
        withMask(mask) { mp in
        sequences.first.withUnsafeBufferPointer { fp in
        sequences.positions.withUnsafeBufferPointer { posp in
            let q = qkvp.baseAddress!
            let a = AttentionOperands(q: q, k: q + c, v: q + 2 * c, qStride: 3 * c, kvStride: 3 * c, first: fp.baseAddress!,
                                      positions: posp.baseAddress!, probabilities: pp.baseAddress!, mask: mp, rows: n,
                                      heads: heads, headSize: c / heads, maxLength: t)
            KernelDispatch.active.attentionForward(a, out: op.baseAddress!)
        }}}}}}
    }

    /// Backward of `attentionForward`; overwrites dqkv (N, 3C). With w = p·mask and
    /// g[i, j] = (dOut_i · v_j)·mask[i, j]:
    ///   dv_j += Σ_i w[i, j] dOut_i
    ///   ds[i, j] = p[i, j] (g[i, j] − Σ_j' p[i, j'] g[i, j']) / √D        (softmax backward)
    ///   dq_i = Σ_j ds[i, j] k_j,  dk_j += Σ_i ds[i, j] q_i
    package static func attentionBackward(dqkv: inout Matrix, dOut: Matrix, qkv: Matrix, probabilities: [Float],
                                         mask: [Float]?, sequences: PackedSequences, heads: Int, maxLength t: Int) {
        let c = dOut.cols, n = qkv.rows
        precondition(qkv.cols == 3 * c && dqkv.cols == 3 * c && dqkv.rows == n && dOut.rows == n && n == sequences.rows)
        precondition(probabilities.count >= n * heads * t && (mask.map { $0.count >= n * heads * t } ?? true))
        guard n > 0 else { return }
        dqkv.data.withUnsafeMutableBufferPointer { dp in
            dp.baseAddress!.update(repeating: 0, count: n * 3 * c)
            qkv.data.withUnsafeBufferPointer { qkvp in
            dOut.data.withUnsafeBufferPointer { dyp in
            probabilities.withUnsafeBufferPointer { pp in
            withMask(mask) { mp in
            sequences.first.withUnsafeBufferPointer { fp in
            sequences.positions.withUnsafeBufferPointer { posp in
                let q = qkvp.baseAddress!, d = dp.baseAddress!
                let a = AttentionOperands(q: q, k: q + c, v: q + 2 * c, qStride: 3 * c, kvStride: 3 * c, first: fp.baseAddress!,
                                          positions: posp.baseAddress!, probabilities: UnsafeMutablePointer(mutating: pp.baseAddress!),
                                          mask: mp, rows: n, heads: heads, headSize: c / heads, maxLength: t)
                KernelDispatch.active.attentionBackward(a, dOut: dyp.baseAddress!, dq: d, dk: d + c, dv: d + 2 * c)
            }}}}}}
        }
    }

    /// The keys and values of n new positions into a key/value cache (`attentionCached`'s
    /// layout): row i of qkv (n, 3C) is position positions[i] of slot slots[i]. Its key (columns
    /// C..<2C) goes to keys[((s·H + h)·D + e)·T + p], transposed per head; its value (columns
    /// 2C..<3C) to row s·T + p of `values` (rows of C floats).
    package static func storeKeysValues(qkv: Matrix, rows n: Int, keys: inout [Float], values: inout [Float],
                                       slots: [Int32], positions: [Int32], heads h: Int, maxLength t: Int) {
        let c = qkv.cols / 3, d = c / h
        precondition(qkv.cols == 3 * c && c == h * d && qkv.rows >= n && slots.count >= n && positions.count >= n)
        checkCache(keys: keys, values: values, slots: slots, positions: positions, rows: n, width: c, maxLength: t)
        qkv.data.withUnsafeBufferPointer { qp in
        keys.withUnsafeMutableBufferPointer { kp in
        values.withUnsafeMutableBufferPointer { vp in
            for i in 0..<n {
                let source = qp.baseAddress! + i * 3 * c, s = Int(slots[i]), p = Int(positions[i])
                let k = kp.baseAddress! + s * h * d * t + p
                for e in 0..<c { k[e * t] = source[c + e] }
                (vp.baseAddress! + (s * t + p) * c).update(from: source + 2 * c, count: c)
            }
        }}}
    }

    /// Incremental attention for n rows, one new query each: row i's query (in qkv (n, 3C),
    /// head h at columns h·D) attends over positions 0 … positions[i] of slot slots[i] of the
    /// cache that `storeKeysValues` fills:
    ///   out_i (C) = Σ_j softmax_j(q_i · k_j / √D) v_j,  per head.
    /// `scores` is scratch of n·H·T floats.
    package static func attentionCached(out: inout Matrix, qkv: Matrix, keys: [Float], values: [Float],
                                       slots: [Int32], positions: [Int32], rows n: Int, heads h: Int, maxLength t: Int,
                                       scores: inout [Float]) {
        let c = out.cols
        precondition(qkv.cols == 3 * c && qkv.rows >= n && out.rows >= n && scores.count >= n * h * t)
        checkCache(keys: keys, values: values, slots: slots, positions: positions, rows: n, width: c, maxLength: t)
        guard n > 0 else { return }
        qkv.data.withUnsafeBufferPointer { qp in
        keys.withUnsafeBufferPointer { kp in
        values.withUnsafeBufferPointer { vp in
        scores.withUnsafeMutableBufferPointer { sp in
        out.data.withUnsafeMutableBufferPointer { op in
        slots.withUnsafeBufferPointer { slp in
        positions.withUnsafeBufferPointer { posp in
            let a = CachedAttentionOperands(q: qp.baseAddress!, qStride: 3 * c, keys: kp.baseAddress!, values: vp.baseAddress!,
                                            slots: slp.baseAddress!, positions: posp.baseAddress!,
                                            probabilities: sp.baseAddress!, rows: n, heads: h, headSize: c / h, maxLength: t)
            KernelDispatch.active.attentionCached(a, out: op.baseAddress!)
        }}}}}}}
    }

    /// The key/value cache holds whole slots of T rows of C floats, and every row's slot and
    /// position lie inside it: the checks that keep the kernels' pointers in bounds.
    private static func checkCache(keys: [Float], values: [Float], slots: [Int32], positions: [Int32], rows n: Int,
                                   width c: Int, maxLength t: Int) {
        precondition(slots.count >= n && positions.count >= n && keys.count == values.count && keys.count % (t * c) == 0)
        let capacity = keys.count / (t * c)
        for i in 0..<n { precondition(slots[i] >= 0 && Int(slots[i]) < capacity && positions[i] >= 0 && Int(positions[i]) < t) }
    }

    /// Runs `body` with the mask's base address, or nil without a mask.
    private static func withMask<R>(_ mask: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let mask else { return body(nil) }
        return mask.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

extension LayerKernels {
    // MARK: causal mean

    /// Over packed sequences (rows in order, a sequence starting at position 0), per column:
    ///   out[n] = Σ_{j = first(n) … n} x[j] / (positions[n] + 1)          x, out (N, C)
    package static func causalMean(out: inout Matrix, x: Matrix, positions: [Int32]) {
        overRows(&out, x, positions) { KernelDispatch.active.causalMean($0, $1, positions: $2, rows: $3, columns: $4) }
    }

    /// Backward of `causalMean`: dx[j] = Σ_{n ≥ j, same sequence} dOut[n] / (positions[n] + 1); overwrites dx.
    package static func causalMeanBackward(dx: inout Matrix, dOut: Matrix, positions: [Int32]) {
        overRows(&dx, dOut, positions) { KernelDispatch.active.causalMeanBackward($0, $1, positions: $2, rows: $3, columns: $4) }
    }

    /// Runs a kernel from `input` (N, C) to `out` (N, C) with one position per row.
    private static func overRows(_ out: inout Matrix, _ input: Matrix, _ positions: [Int32],
                                 _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Int32>, Int, Int) -> Void) {
        let n = input.rows, c = input.cols
        precondition(out.rows == n && out.cols == c && positions.count >= n)
        guard n > 0 && c > 0 else { return }
        input.data.withUnsafeBufferPointer { xs in
            out.data.withUnsafeMutableBufferPointer { ys in
                positions.withUnsafeBufferPointer { ps in kernel(ys.baseAddress!, xs.baseAddress!, ps.baseAddress!, n, c) }
            }
        }
    }
}
