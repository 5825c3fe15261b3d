import Foundation
@testable import NameGen

// The scalar loops LayerNorm, GELU and attention ran as before they moved into the kernel sets,
// kept as an independent reference for `LayerKernels` (LayerKernelTests): one scalar operation
// at a time, sums left to right, no FMA.

/// LayerNorm, the tanh form of GELU and causal multi-head self-attention over packed sequences,
/// as scalar loops.
///
/// Every reduction runs in one fixed order that does not depend on the vector width (sums over
/// the columns of a row run left to right, sums over positions run j = 0, 1, …), and no product
/// is fused into an FMA, so the results are the same on every CPU. exp and tanh are computed by
/// `VectorMath` (the kernel set chosen at run time, the same polynomials everywhere), each over a
/// whole buffer in one call; everything here is plain scalar code that needs no instruction-set
/// flag.
enum ScalarLayerReference {
    // MARK: LayerNorm

    /// Per row n of x (N, C):
    ///   mean[n] = Σ_c x / C,  var = Σ_c (x − mean)² / C,  rstd[n] = 1/√(var + ε)
    ///   out[n, c] = (x[n, c] − mean[n]) · rstd[n] · gamma[c] + beta[c]
    /// out (N, C); gamma, beta (C); mean and rstd (≥ N) are kept for backward.
    static func layerNormForward(out: inout Matrix, mean: inout [Float], rstd: inout [Float], x: Matrix,
                                        gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(out.cols == c && out.rows == n && mean.count >= n && rstd.count >= n)
        precondition(gamma.count == c && beta.count == c && out.data.count >= n * c && x.data.count >= n * c)
        let invC = 1 / Float(c)
        x.data.withUnsafeBufferPointer { xs in
            out.data.withUnsafeMutableBufferPointer { ys in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        for r in 0..<n {
                            let xr = xs.baseAddress! + r &* c, yr = ys.baseAddress! + r &* c
                            var s: Float = 0
                            for j in 0..<c { s += xr[j] }
                            let m = s * invC
                            var v: Float = 0
                            for j in 0..<c { let d = xr[j] - m; v += d * d }
                            let rs = 1 / (v * invC + epsilon).squareRoot()
                            for j in 0..<c { yr[j] = (xr[j] - m) * rs * g[j] + b[j] }
                            mean[r] = m
                            rstd[r] = rs
                        }
                    }
                }
            }
        }
    }

    /// Backward of `layerNormForward`, with xhat = (x − mean)·rstd and g = dOut·gamma:
    ///   dx[n, c] += rstd[n] · (g[n, c] − Σ_c g / C − xhat[n, c] · Σ_c g·xhat / C)
    ///   dGamma[c] += Σ_n dOut·xhat,  dBeta[c] += Σ_n dOut
    /// ADDS into dx (N, C): the LayerNorms sit on the residual stream, whose gradient arrives in
    /// dx already.
    static func layerNormBackward(dx: inout Matrix, dGamma: inout [Float], dBeta: inout [Float], dOut: Matrix,
                                         x: Matrix, mean: [Float], rstd: [Float], gamma: [Float]) {
        let n = x.rows, c = x.cols
        precondition(dx.cols == c && dOut.cols == c && dx.rows == n && dOut.rows == n)
        precondition(dGamma.count == c && dBeta.count == c && gamma.count == c && mean.count >= n && rstd.count >= n)
        precondition(dx.data.count >= n * c && dOut.data.count >= n * c && x.data.count >= n * c)
        let invC = 1 / Float(c)
        x.data.withUnsafeBufferPointer { xs in
            dOut.data.withUnsafeBufferPointer { dys in
                dx.data.withUnsafeMutableBufferPointer { dxs in
                    gamma.withUnsafeBufferPointer { g in
                        dGamma.withUnsafeMutableBufferPointer { dg in
                            dBeta.withUnsafeMutableBufferPointer { db in
                                for r in 0..<n {
                                    let xr = xs.baseAddress! + r &* c, dyr = dys.baseAddress! + r &* c
                                    let dxr = dxs.baseAddress! + r &* c
                                    let m = mean[r], rs = rstd[r]
                                    var sumG: Float = 0, sumGX: Float = 0
                                    for j in 0..<c {
                                        let xhat = (xr[j] - m) * rs
                                        let gj = dyr[j] * g[j]
                                        sumG += gj
                                        sumGX += gj * xhat
                                        dg[j] += dyr[j] * xhat
                                        db[j] += dyr[j]
                                    }
                                    let meanG = sumG * invC, meanGX = sumGX * invC
                                    for j in 0..<c {
                                        let xhat = (xr[j] - m) * rs
                                        dxr[j] += rs * (dyr[j] * g[j] - meanG - xhat * meanGX)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: GELU (tanh form)

    /// √(2/π) and the cubic coefficient of the tanh approximation of GELU.
    static let geluScale: Float = 0.797_884_560_8
    static let geluCubic: Float = 0.044_715

    /// out = ½x(1 + t), t = tanh(√(2/π)(x + 0.044715x³)), element-wise over count values;
    /// t is kept for backward. out first holds tanh's argument.
    static func geluForward(out: inout [Float], tanhOut: inout [Float], x: [Float], count: Int) {
        precondition(out.count >= count && tanhOut.count >= count && x.count >= count)
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { us in
                for i in 0..<count { let v = xs[i]; us[i] = geluScale * (v + geluCubic * v * v * v) }
            }
        }
        VectorMath.tanh(&tanhOut, out, count: count)
        x.withUnsafeBufferPointer { xs in
            tanhOut.withUnsafeBufferPointer { ts in
                out.withUnsafeMutableBufferPointer { ys in
                    for i in 0..<count { ys[i] = 0.5 * xs[i] * (1 + ts[i]) }
                }
            }
        }
    }

    /// dx = dOut · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)); overwrites dx.
    static func geluBackward(dx: inout [Float], dOut: [Float], x: [Float], tanhOut: [Float], count: Int) {
        precondition(dx.count >= count && dOut.count >= count && x.count >= count && tanhOut.count >= count)
        x.withUnsafeBufferPointer { xs in
            dOut.withUnsafeBufferPointer { gs in
                tanhOut.withUnsafeBufferPointer { ts in
                    dx.withUnsafeMutableBufferPointer { ds in
                        for i in 0..<count {
                            let v = xs[i], t = ts[i]
                            let local = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * geluScale * (1 + 3 * geluCubic * v * v)
                            ds[i] = gs[i] * local
                        }
                    }
                }
            }
        }
    }

    /// Causal multi-head attention on packed sequences. qkv (N, 3C) holds q, k and v side by
    /// side, head h in columns h·D ..< (h+1)·D of each (D = C / H). For row i of a sequence
    /// and head h:
    ///   p[i, j] = softmax_{j ≤ i}(q_i · k_j / √D)        probabilities (N, H, T): row i, head h at (i·H + h)·T
    ///   out[i, h·D + d] = Σ_{j ≤ i} p[i, j] · mask[i, j] · v_j[d]          out (N, C)
    /// `mask` (N, H, T), when given, is the dropout mask applied to the probabilities.
    static func attentionForward(out: inout Matrix, probabilities: inout [Float], qkv: Matrix, mask: [Float]?,
                                        layout: PackedSequences, heads: Int, maxLength t: Int) {
        let c = out.cols, h = heads, d = c / heads, n = qkv.rows
        precondition(qkv.cols == 3 * c && c % heads == 0 && probabilities.count >= n * h * t)
        precondition(mask.map { $0.count >= n * h * t } ?? true)
        let scale = 1 / Float(d).squareRoot()
        // 1. Scores q_i·k_j/√D shifted by their row's maximum; −100 past the row's position
        //    (exp gives almost 0 there, and step 3 sets it to exactly 0).
        qkv.data.withUnsafeBufferPointer { qkvp in
            probabilities.withUnsafeMutableBufferPointer { pp in
                for s in 0..<layout.count {
                    let start = layout.starts[s], length = layout.lengths[s]
                    precondition(length <= t)
                    for i in 0..<length {
                        let ri = start + i
                        for head in 0..<h {
                            let q = qkvp.baseAddress! + ri &* 3 &* c + head &* d
                            let p = pp.baseAddress! + (ri &* h + head) &* t
                            var maxScore = -Float.infinity
                            for j in 0...i {
                                let k = qkvp.baseAddress! + (start + j) &* 3 &* c + c + head &* d
                                let score = dot(q, k, d) * scale
                                p[j] = score
                                maxScore = max(maxScore, score)
                            }
                            for j in 0...i { p[j] -= maxScore }
                            for j in (i + 1)..<t { p[j] = -100 }
                        }
                    }
                }
            }
        }
        // 2. exp of all of them at once.
        VectorMath.expInPlace(&probabilities, count: n * h * t)
        // 3. Normalise each row, then out_i = Σ_j p[i, j]·mask[i, j]·v_j.
        let noMask: [Float] = []
        qkv.data.withUnsafeBufferPointer { qkvp in
            out.data.withUnsafeMutableBufferPointer { outp in
                probabilities.withUnsafeMutableBufferPointer { pp in
                    (mask ?? noMask).withUnsafeBufferPointer { mp in
                        let hasMask = mask != nil
                        for s in 0..<layout.count {
                            let start = layout.starts[s], length = layout.lengths[s]
                            for i in 0..<length {
                                let ri = start + i
                                for head in 0..<h {
                                    let row = (ri &* h + head) &* t
                                    let p = pp.baseAddress! + row
                                    var sum: Float = 0
                                    for j in 0...i { sum += p[j] }
                                    let inv = 1 / sum
                                    for j in 0...i { p[j] *= inv }
                                    for j in (i + 1)..<t { p[j] = 0 }
                                    let y = outp.baseAddress! + ri &* c + head &* d
                                    for e in 0..<d { y[e] = 0 }
                                    for j in 0...i {
                                        let v = qkvp.baseAddress! + (start + j) &* 3 &* c + 2 &* c + head &* d
                                        let wj = hasMask ? p[j] * mp[row + j] : p[j]
                                        for e in 0..<d { y[e] += wj * v[e] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward of `attentionForward`; overwrites dqkv (N, 3C). With w = p·mask and
    /// g[i, j] = (dOut_i · v_j)·mask[i, j]:
    ///   dv_j += Σ_i w[i, j] dOut_i
    ///   ds[i, j] = p[i, j] (g[i, j] − Σ_j' p[i, j'] g[i, j']) / √D        (softmax backward)
    ///   dq_i = Σ_j ds[i, j] k_j,  dk_j += Σ_i ds[i, j] q_i
    static func attentionBackward(dqkv: inout Matrix, dOut: Matrix, qkv: Matrix, probabilities: [Float],
                                         mask: [Float]?, layout: PackedSequences, heads: Int, maxLength t: Int) {
        let c = dOut.cols, h = heads, d = c / heads
        precondition(qkv.cols == 3 * c && dqkv.cols == 3 * c && dqkv.rows == qkv.rows)
        let scale = 1 / Float(d).squareRoot()
        let noMask: [Float] = []
        qkv.data.withUnsafeBufferPointer { qkvp in
            dOut.data.withUnsafeBufferPointer { dyp in
                dqkv.data.withUnsafeMutableBufferPointer { dp in
                    probabilities.withUnsafeBufferPointer { pp in
                        (mask ?? noMask).withUnsafeBufferPointer { mp in
                            let hasMask = mask != nil
                            for r in 0..<(qkv.rows * 3 * c) { dp[r] = 0 }
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(t, 8)) { g in
                                for s in 0..<layout.count {
                                    let start = layout.starts[s], length = layout.lengths[s]
                                    for i in 0..<length {
                                        let ri = start + i
                                        for head in 0..<h {
                                            let off = head &* d
                                            let dy = dyp.baseAddress! + ri &* c + off
                                            let p = pp.baseAddress! + (ri &* h + head) &* t
                                            let m = hasMask ? mp.baseAddress! + (ri &* h + head) &* t : nil
                                            var pg: Float = 0
                                            for j in 0...i {
                                                let rowJ = (start + j) &* 3 &* c
                                                let v = qkvp.baseAddress! + rowJ + 2 &* c + off
                                                let dv = dp.baseAddress! + rowJ + 2 &* c + off
                                                let mj: Float = m.map { $0[j] } ?? 1
                                                let wj = p[j] * mj
                                                for e in 0..<d { dv[e] += wj * dy[e] }
                                                let gj = dot(dy, v, d) * mj
                                                g[j] = gj
                                                pg += p[j] * gj
                                            }
                                            let q = qkvp.baseAddress! + ri &* 3 &* c + off
                                            let dq = dp.baseAddress! + ri &* 3 &* c + off
                                            for j in 0...i {
                                                let rowJ = (start + j) &* 3 &* c
                                                let k = qkvp.baseAddress! + rowJ + c + off
                                                let dk = dp.baseAddress! + rowJ + c + off
                                                let ds = p[j] * (g[j] - pg) * scale
                                                for e in 0..<d {
                                                    dq[e] += ds * k[e]
                                                    dk[e] += ds * q[e]
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Incremental (cached) attention for n rows, one new position each: row i's query (in
    /// qkv (n, 3C), head h at columns h·D) attends over the `lengths[i]` keys and values of its
    /// cache, which start at `offsets[i]` in `keys` and `values` and lie C floats apart:
    ///   out_i (C) = Σ_j softmax_j(q_i · k_j / √D) v_j,  per head.
    /// `scores` is scratch of n·H·T floats.
    static func attentionCached(out: inout Matrix, qkv: Matrix, keys: [Float], values: [Float],
                                       offsets: [Int], lengths: [Int], rows n: Int, heads h: Int, maxLength t: Int,
                                       scores: inout [Float]) {
        let c = out.cols, d = c / h
        precondition(qkv.cols == 3 * c && scores.count >= n * h * t && offsets.count >= n && lengths.count >= n)
        let scale = 1 / Float(d).squareRoot()
        qkv.data.withUnsafeBufferPointer { qp in
            keys.withUnsafeBufferPointer { kp in
                scores.withUnsafeMutableBufferPointer { sp in
                    for i in 0..<n {
                        let length = lengths[i]
                        precondition(length >= 1 && length <= t)
                        for head in 0..<h {
                            let q = qp.baseAddress! + i &* 3 &* c + head &* d
                            let p = sp.baseAddress! + (i &* h + head) &* t
                            var maxScore = -Float.infinity
                            for j in 0..<length {
                                let score = dot(q, kp.baseAddress! + offsets[i] + j &* c + head &* d, d) * scale
                                p[j] = score
                                maxScore = max(maxScore, score)
                            }
                            for j in 0..<length { p[j] -= maxScore }
                            for j in length..<t { p[j] = -100 }
                        }
                    }
                }
            }
        }
        VectorMath.expInPlace(&scores, count: n * h * t)
        values.withUnsafeBufferPointer { vp in
            scores.withUnsafeBufferPointer { sp in
                out.data.withUnsafeMutableBufferPointer { op in
                    for i in 0..<n {
                        let length = lengths[i]
                        for head in 0..<h {
                            let p = sp.baseAddress! + (i &* h + head) &* t
                            var sum: Float = 0
                            for j in 0..<length { sum += p[j] }
                            let inv = 1 / sum
                            let y = op.baseAddress! + i &* c + head &* d
                            for e in 0..<d { y[e] = 0 }
                            for j in 0..<length {
                                let wj = p[j] * inv
                                let v = vp.baseAddress! + offsets[i] + j &* c + head &* d
                                for e in 0..<d { y[e] += wj * v[e] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Σ_e a[e]·b[e], left to right.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s: Float = 0
        for e in 0..<n { s += a[e] * b[e] }
        return s
    }

    @inline(__always)
    static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        dot(UnsafePointer(a), b, n)
    }
}
