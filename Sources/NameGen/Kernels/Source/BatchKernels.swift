import KernelSupport

/// Kernels over the rows and columns of a row-major (N, C) batch: BatchNorm, column sums,
/// softmax cross-entropy and the embedding's gather and scatter. Column reductions run over the
/// rows in order, 16 columns at a time, so each column's sum has one order in every set; row
/// reductions go through 16 logical lanes and `sum16`. Apart from the exp inside the softmax, no
/// FMA is used here: each lane rounds as the scalar expression does.
enum BatchKernels {
    typealias V = SIMD16<Float>

    /// Calls body(j0, width, skip) for blocks of 16 columns covering `columns`. A ragged last
    /// block is moved back to end at the last column (when there are 16 columns or more), so
    /// that it too is full width; its first `skip` lanes were done by the block before. Each
    /// column's arithmetic is the same in either block, so pure outputs may simply be written
    /// again; outputs that add into memory must leave the first `skip` lanes alone (`merge`).
    /// Fewer than 16 columns make one narrow block (width < 16, loads and stores lane by lane).
    @inline(__always)
    static func columnBlocks(_ columns: Int, _ body: (Int, Int, Int) -> Void) {
        var j0 = 0
        while j0 + 16 <= columns {
            body(j0, 16, 0)
            j0 += 16
        }
        if j0 < columns {
            if columns >= 16 {
                body(columns - 16, 16, j0 - (columns - 16))
            } else {
                body(j0, columns - j0, 0)
            }
        }
    }

    static let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// `new` in lanes skip..<16 and `old` in the first `skip` lanes.
    @inline(__always)
    static func merge(_ old: V, _ new: V, skip: Int) -> V {
        skip == 0 ? new : new.replacing(with: old, where: laneIndex .< Int32(skip))
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ width: Int) -> V {
        width == 16 ? load16(p) : loadPartial16(p, width)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ width: Int) {
        if width == 16 { store16(v, p) } else { storePartial16(v, p, width) }
    }

    static func addColumnSums(_ sums: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, columns: Int) {
        columnBlocks(columns) { j0, w, skip in
            let old = load(sums + j0, w)
            var s = old
            for r in 0..<rows { s += load(x + r * columns + j0, w) }
            store(merge(old, s, skip: skip), sums + j0, w)
        }
    }

    static func batchNormForward(_ p: BatchNormForward) {
        let n = p.rows, c = p.columns, s = p.stride
        let invN = 1 / Float(n)
        columnBlocks(c) { j0, w, _ in
            var mu = V()
            for r in 0..<n { mu += load(p.x + r * s + j0, w) }
            mu *= invN
            var va = V()
            for r in 0..<n {
                let d = load(p.x + r * s + j0, w) - mu
                va += d * d
            }
            va *= invN
            let rs = 1 / (va + p.epsilon).squareRoot()
            store(mu, p.mean + j0, w); store(va, p.variance + j0, w); store(rs, p.rstd + j0, w)
            let g = load(p.gamma + j0, w), b = load(p.beta + j0, w)
            for r in 0..<n {
                let h = (load(p.x + r * s + j0, w) - mu) * rs
                store(h, p.xhat + r * s + j0, w)
                store(g * h + b, p.out + r * s + j0, w)
            }
        }
    }

    static func batchNormInference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rows: Int, columns: Int) {
        columnBlocks(columns) { j0, w, _ in
            let sc = load(scale + j0, w), sh = load(shift + j0, w)
            for r in 0..<rows { store(load(x + r * columns + j0, w) * sc + sh, out + r * columns + j0, w) }
        }
    }

    static func batchNormBackward(_ p: BatchNormBackward) {
        let n = p.rows, c = p.columns, s = p.stride
        let fn = Float(n)
        columnBlocks(c) { j0, w, skip in
            var s1 = V(), s2 = V()
            for r in 0..<n {
                let g = load(p.dy + r * s + j0, w)
                s1 += g
                s2 += g * load(p.xhat + r * s + j0, w)
            }
            let oldBeta = load(p.dBeta + j0, w), oldGamma = load(p.dGamma + j0, w)
            store(merge(oldBeta, oldBeta + s1, skip: skip), p.dBeta + j0, w)
            store(merge(oldGamma, oldGamma + s2, skip: skip), p.dGamma + j0, w)
            store(s1, p.sumDy + j0, w); store(s2, p.sumDyXhat + j0, w)
            // dx = k·dy − s1·k/N − xhat·s2·k/N with k = gamma·rstd.
            let ga = load(p.gamma + j0, w), rs = load(p.rstd + j0, w)
            let k = ga * rs
            let a1 = s1 * (k / fn), a2 = s2 * (k / fn)
            for r in 0..<n {
                let dy = load(p.dy + r * s + j0, w), h = load(p.xhat + r * s + j0, w)
                store(ga * rs * dy - a1 - h * a2, p.dx + r * s + j0, w)
            }
        }
    }

    static func softmaxCrossEntropy(_ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                                    targets: UnsafePointer<Int32>, rows: Int, columns v: Int, scale: Float,
                                    rowSum: UnsafeMutablePointer<Float>, rowShiftedTarget: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let l = logits + r * v, d = dLogits + r * v
            let t = Int(targets[r])
            guard t >= 0 else {
                // A negative target marks a row without a loss (a sequence's padding): no
                // gradient, and log(1) − 0 = 0 towards the total.
                for c in 0..<v { d[c] = 0 }
                rowSum[r] = 1
                rowShiftedTarget[r] = 0
                continue
            }
            var m = -Float.infinity
            for c in 0..<v { m = max(m, l[c]) }  // exact in any order
            // exp(l − m) into d, summed per lane over the 16-column blocks, then one tree.
            var acc = V()
            var j0 = 0
            while j0 < v {
                let w = min(16, v - j0)
                var e = ElementWise.exp16(load(l + j0, w) - m)
                if w < 16 { e = e.replacing(with: 0, where: laneIndex .>= Int32(w)) }
                acc += e
                store(e, d + j0, w)
                j0 += 16
            }
            let sum = sum16(acc)
            let inv = 1 / sum
            j0 = 0
            while j0 < v {
                let w = min(16, v - j0)
                store(load(d + j0, w) * inv * scale, d + j0, w)
                j0 += 16
            }
            d[t] -= scale
            rowSum[r] = sum
            rowShiftedTarget[r] = l[t] - m
        }
    }

    static func embeddingGather(_ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, count: Int, width e: Int) {
        for i in 0..<count {
            let src = table + Int(tokens[i]) * e, dst = out + i * e
            if e < 16 {
                for j in 0..<e { dst[j] = src[j] }  // narrow rows (embedding 10): lane by lane is faster
            } else {
                columnBlocks(e) { j0, w, _ in store(load(src + j0, w), dst + j0, w) }
            }
        }
    }

    static func embeddingScatter(_ grad: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                 tokens: UnsafePointer<Int32>, count: Int, width e: Int) {
        for i in 0..<count {
            let dst = grad + Int(tokens[i]) * e, src = dOut + i * e
            if e < 16 {
                for j in 0..<e { dst[j] += src[j] }
                continue
            }
            columnBlocks(e) { j0, w, skip in
                let old = load(dst + j0, w)
                store(merge(old, old + load(src + j0, w), skip: skip), dst + j0, w)
            }
        }
    }
}
