import KernelSupport

/// The loops of LayerNorm, GELU, causal attention and the residual add (the sequence models'
/// layers; NameGen's `LayerKernels` states the formulas). As everywhere in the sets, the order of
/// every sum is fixed independently of the vector width: sums over a row's columns (LayerNorm's
/// statistics, attention's dot products over a head) run over 16 logical lanes, block after block,
/// closed by `sum16`; sums over rows or positions (LayerNorm's dGamma and dBeta, attention's
/// weighted values and their gradients) add one row after another, 16 columns at a time. Products
/// that feed a sum are fused (`madd`), so every set with FMA gives the same bits.
enum LayerLoops {
    typealias V = SIMD16<Float>

    /// `v` with the lanes from `width` on set to 0 (a ragged last block).
    @inline(__always)
    static func zeroTail(_ v: V, _ width: Int) -> V {
        width == 16 ? v : v.replacing(with: 0, where: BatchKernels.laneIndex .>= Int32(width))
    }

    /// body(j, 16) for each full block of 16 of n, then body(j, n − j) for a ragged end: with
    /// the width a constant in the first loop, its loads and stores are whole vectors.
    @inline(__always)
    static func blocks(_ n: Int, _ body: (Int, Int) -> Void) {
        var j = 0
        while j + 16 <= n {
            body(j, 16)
            j += 16
        }
        if j < n { body(j, n - j) }
    }

    /// Σ a[e]·b[e] for e < n, over 16 lanes closed by `sum16`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        blocks(n) { e, w in
            acc = madd(acc, BatchKernels.load(a + e, w), BatchKernels.load(b + e, w))
        }
        return sum16(acc)
    }

    /// y[e] += x[e]·s for e < n.
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ s: Float, _ n: Int) {
        blocks(n) { e, w in
            BatchKernels.store(madd(BatchKernels.load(y + e, w), BatchKernels.load(x + e, w), s), y + e, w)
        }
    }

    // MARK: LayerNorm

    static func layerNormForward(_ p: LayerNormOperands, out: UnsafeMutablePointer<Float>, beta: UnsafePointer<Float>,
                                 epsilon: Float) {
        let c = p.columns, invC = 1 / Float(c)
        for r in 0..<p.rows {
            let x = p.x + r * c, y = out + r * c
            var sum = V()
            blocks(c) { j, w in sum += BatchKernels.load(x + j, w) }
            let m = sum16(sum) * invC
            var squares = V()
            blocks(c) { j, w in
                let d = zeroTail(BatchKernels.load(x + j, w) - m, w)
                squares = madd(squares, d, d)
            }
            let rs = 1 / (sum16(squares) * invC + epsilon).squareRoot()
            blocks(c) { j, w in
                let xhat = (BatchKernels.load(x + j, w) - m) * rs
                BatchKernels.store(madd(BatchKernels.load(beta + j, w), xhat, BatchKernels.load(p.gamma + j, w)), y + j, w)
            }
            p.mean[r] = m
            p.rstd[r] = rs
        }
    }

    static func layerNormBackward(_ p: LayerNormOperands, dx: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                  dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        let c = p.columns, invC = 1 / Float(c)
        for r in 0..<p.rows {
            let x = p.x + r * c, dy = dOut + r * c, d = dx + r * c
            let m = p.mean[r], rs = p.rstd[r]
            var sumG = V(), sumGX = V()
            blocks(c) { j, w in
                let dyj = BatchKernels.load(dy + j, w), xhat = (BatchKernels.load(x + j, w) - m) * rs
                let g = dyj * BatchKernels.load(p.gamma + j, w)  // 0 in a ragged block's tail
                sumG += g
                sumGX = madd(sumGX, g, xhat)
                BatchKernels.store(madd(BatchKernels.load(dGamma + j, w), dyj, xhat), dGamma + j, w)
                BatchKernels.store(BatchKernels.load(dBeta + j, w) + dyj, dBeta + j, w)
            }
            let meanG = sum16(sumG) * invC, meanGX = sum16(sumGX) * invC
            blocks(c) { j, w in
                let xhat = (BatchKernels.load(x + j, w) - m) * rs
                let g = BatchKernels.load(dy + j, w) * BatchKernels.load(p.gamma + j, w)
                let inner = madd(g - meanG, xhat, -meanGX)
                BatchKernels.store(madd(BatchKernels.load(d + j, w), inner, rs), d + j, w)
            }
        }
    }

    // MARK: GELU (tanh form)

    /// √(2/π) and the cubic coefficient of the tanh approximation of GELU.
    static let geluScale: Float = 0.797_884_560_8
    static let geluCubic: Float = 0.044_715

    /// y = ½x(1 + t), t = tanh(√(2/π)·(x + 0.044715x³)), lane by lane.
    @inline(__always)
    static func gelu16(_ x: V) -> (y: V, t: V) {
        let t = ElementWise.tanh16(geluScale * madd(x, x * x * x, geluCubic))
        let half = 0.5 * x
        return (madd(half, half, t), t)
    }

    /// dy·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), lane by lane.
    @inline(__always)
    static func geluBackward16(_ dy: V, _ x: V, _ t: V) -> V {
        let halfX = 0.5 * x
        let slope = madd(V(repeating: 1), x * x, 3 * geluCubic) * geluScale
        let local = madd(madd(V(repeating: 0.5), t, 0.5), halfX * madd(V(repeating: 1), t, -t), slope)
        return dy * local
    }

    static func geluForward(_ y: UnsafeMutablePointer<Float>, _ t: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                            count: Int) {
        blocks(count) { i, w in
            let r = gelu16(BatchKernels.load(x + i, w))
            BatchKernels.store(r.y, y + i, w)
            BatchKernels.store(r.t, t + i, w)
        }
    }

    static func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                             _ t: UnsafePointer<Float>, count: Int) {
        blocks(count) { i, w in
            let g = geluBackward16(BatchKernels.load(dy + i, w), BatchKernels.load(x + i, w), BatchKernels.load(t + i, w))
            BatchKernels.store(g, dx + i, w)
        }
    }

    /// x + y.
    @inline(__always)
    static func add16(_ x: V, _ y: V) -> V { x + y }

    // MARK: causal attention

    /// Scores of row i, head h into p[0 ..< length], then softmax in place: exp of the scores
    /// shifted by their maximum, divided by their sum; p[length ..< T] = 0.
    @inline(__always)
    static func softmaxRow(_ p: UnsafeMutablePointer<Float>, length: Int, maxLength t: Int, maximum: Float) {
        var sum = V()
        blocks(length) { j, w in
            let e = zeroTail(ElementWise.exp16(BatchKernels.load(p + j, w) - maximum), w)
            sum += e
            BatchKernels.store(e, p + j, w)
        }
        for z in length..<t { p[z] = 0 }
        let inverse = 1 / sum16(sum)
        blocks(length) { j, w in
            BatchKernels.store(BatchKernels.load(p + j, w) * inverse, p + j, w)
        }
    }

    static func attentionForward(_ a: AttentionOperands, out: UnsafeMutablePointer<Float>) {
        let h = a.heads, d = a.headSize, t = a.maxLength, c = h * d
        let scale = 1 / Float(d).squareRoot()
        for i in 0..<a.rows {
            let length = Int(a.positions[i]) + 1, f = Int(a.first[i])
            precondition(length <= t, "a sequence longer than the attention's maximum length")
            for head in 0..<h {
                let q = a.q + i * a.qStride + head * d
                let p = a.probabilities + (i * h + head) * t
                var maximum = -Float.infinity
                for j in 0..<length {
                    let score = dot(q, a.k + (f + j) * a.kvStride + head * d, d) * scale
                    p[j] = score
                    maximum = max(maximum, score)
                }
                softmaxRow(p, length: length, maxLength: t, maximum: maximum)
                let y = out + i * c + head * d
                for e in 0..<d { y[e] = 0 }
                let m = a.mask.map { $0 + (i * h + head) * t }
                for j in 0..<length {
                    let weight = m.map { p[j] * $0[j] } ?? p[j]
                    addScaled(y, a.v + (f + j) * a.kvStride + head * d, weight, d)
                }
            }
        }
    }

    /// `softmaxRow` of p[0 ..< length] for length ≤ 16 with 16 floats at p, on whole vectors:
    /// the lanes from `length` on are set to 0. A function of its own, on pointers, so that
    /// exp16 is inlined here with 16-lane registers rather than called with the vector split
    /// into four 4-lane ones.
    @inline(never)
    static func softmax16(_ p: UnsafeMutablePointer<Float>, length: Int, maximum: Float) {
        let e = zeroTail(ElementWise.exp16(BatchKernels.load(p, 16) - maximum), length)
        BatchKernels.store(e * (1 / sum16(e)), p, 16)
    }

    /// The largest of 16 lanes, by halves (max is exact, so the order does not matter).
    @inline(__always)
    static func max16(_ v: V) -> Float {
        let a = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let b = a.lowHalf.replacing(with: a.highHalf, where: a.lowHalf .< a.highHalf)
        let c = b.lowHalf.replacing(with: b.highHalf, where: b.lowHalf .< b.highHalf)
        return Swift.max(c[0], c[1])
    }

    /// Per row and head: the scores of 16 positions at a time as Σₑ q[e]·keys[e][j…j+15] (the
    /// keys transposed, so no horizontal sum per position; four accumulators, so that the sum
    /// is not one chain of dependent FMAs), the softmax, then Σⱼ p[j]·vⱼ accumulated in
    /// registers. Within a slot's row of T positions a whole vector is loaded when 16 fit; the
    /// lanes past the query's position are left out of the maximum and the softmax.
    static func attentionCached(_ a: CachedAttentionOperands, out: UnsafeMutablePointer<Float>) {
        let h = a.heads, d = a.headSize, t = a.maxLength, c = h * d
        let scale = 1 / Float(d).squareRoot()
        for i in 0..<a.rows {
            let length = Int(a.positions[i]) + 1, s = Int(a.slots[i])
            precondition(length <= t, "a sequence longer than the attention's maximum length")
            for head in 0..<h {
                let q = a.q + i * a.qStride + head * d
                let keys = a.keys + (s * h + head) * d * t
                let p = a.probabilities + (i * h + head) * t
                var maximum = -Float.infinity
                blocks(length) { j0, w in
                    let whole = j0 + 16 <= t
                    @inline(__always) func key(_ e: Int) -> V {
                        whole ? BatchKernels.load(keys + e * t + j0, 16) : BatchKernels.load(keys + e * t + j0, w)
                    }
                    var acc0 = V(), acc1 = V(), acc2 = V(), acc3 = V()
                    var e = 0
                    while e + 4 <= d {
                        acc0 = madd(acc0, key(e), q[e])
                        acc1 = madd(acc1, key(e + 1), q[e + 1])
                        acc2 = madd(acc2, key(e + 2), q[e + 2])
                        acc3 = madd(acc3, key(e + 3), q[e + 3])
                        e += 4
                    }
                    while e < d {
                        acc0 = madd(acc0, key(e), q[e])
                        e += 1
                    }
                    let scores = ((acc0 + acc1) + (acc2 + acc3)) * scale
                    let valid = w == 16 ? scores : scores.replacing(with: -.infinity, where: BatchKernels.laneIndex .>= Int32(w))
                    BatchKernels.store(scores, p + j0, whole ? 16 : w)
                    maximum = Swift.max(maximum, max16(valid))
                }
                if length <= 16 && t >= 16 {
                    softmax16(p, length: length, maximum: maximum)
                } else {
                    softmaxRow(p, length: length, maxLength: t, maximum: maximum)
                }
                let y = out + i * c + head * d
                let values = a.values + s * t * c + head * d
                blocks(d) { e0, w in
                    var acc = V()
                    for j in 0..<length { acc = madd(acc, BatchKernels.load(values + j * c + e0, w), p[j]) }
                    BatchKernels.store(acc, y + e0, w)
                }
            }
        }
    }

    static func attentionBackward(_ a: AttentionOperands, dOut: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                                  dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let h = a.heads, d = a.headSize, t = a.maxLength, c = h * d
        let scale = 1 / Float(d).squareRoot()
        withUnsafeTemporaryAllocation(of: Float.self, capacity: t) { gBuffer in
            let g = gBuffer.baseAddress!
            for i in 0..<a.rows {
                let length = Int(a.positions[i]) + 1, f = Int(a.first[i])
                for head in 0..<h {
                    let off = head * d
                    let dy = dOut + i * c + off
                    let p = a.probabilities + (i * h + head) * t
                    let m = a.mask.map { $0 + (i * h + head) * t }
                    var pg: Float = 0
                    for j in 0..<length {
                        let row = (f + j) * a.kvStride + off
                        let mj: Float = m.map { $0[j] } ?? 1
                        addScaled(dv + row, dy, p[j] * mj, d)
                        let gj = dot(dy, a.v + row, d) * mj
                        g[j] = gj
                        pg += p[j] * gj
                    }
                    let q = a.q + i * a.qStride + off, dqi = dq + i * a.qStride + off
                    for j in 0..<length {
                        let row = (f + j) * a.kvStride + off
                        let ds = p[j] * (g[j] - pg) * scale
                        addScaled(dqi, a.k + row, ds, d)
                        addScaled(dk + row, q, ds, d)
                    }
                }
            }
        }
    }

    // MARK: causal mean

    /// 16 columns at a time, the rows in order: a running sum that restarts at position 0.
    static func causalMean(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, positions: UnsafePointer<Int32>,
                           rows: Int, columns c: Int) {
        BatchKernels.columnBlocks(c) { j0, w, _ in
            var sum = V()
            for r in 0..<rows {
                let p = positions[r]
                if p == 0 { sum = V() }
                sum += BatchKernels.load(x + r * c + j0, w)
                BatchKernels.store(sum * (1 / Float(p + 1)), y + r * c + j0, w)
            }
        }
    }

    /// The rows in reverse: a running sum of dy/(position + 1) that restarts after position 0.
    static func causalMeanBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                   positions: UnsafePointer<Int32>, rows: Int, columns c: Int) {
        BatchKernels.columnBlocks(c) { j0, w, _ in
            var sum = V()
            for r in stride(from: rows - 1, through: 0, by: -1) {
                let p = positions[r]
                sum = madd(sum, BatchKernels.load(dy + r * c + j0, w), 1 / Float(p + 1))
                BatchKernels.store(sum, dx + r * c + j0, w)
                if p == 0 { sum = V() }
            }
        }
    }
}
