import KernelSupport

/// Kernels over the rows and columns of a row-major (N, C) batch: BatchNorm, column sums,
/// softmax cross-entropy and the embedding's gather and scatter. Column reductions run over the
/// rows in order, 16 columns at a time, so each column's sum has one order in every set; row
/// reductions go through 16 logical lanes and `sum16`. Apart from the exp inside the softmax, no
/// FMA is used here: each lane rounds as the scalar expression does.
enum BatchKernels {
    typealias V = SIMD16<Float>

    /// Calls body(j0, width) for the 16-column blocks of `columns` (the last may be narrower).
    @inline(__always)
    static func columnBlocks(_ columns: Int, _ body: (Int, Int) -> Void) {
        var j0 = 0
        while j0 < columns {
            body(j0, min(16, columns - j0))
            j0 += 16
        }
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
        columnBlocks(columns) { j0, w in
            var s = load(sums + j0, w)
            for r in 0..<rows { s += load(x + r * columns + j0, w) }
            store(s, sums + j0, w)
        }
    }

    static func batchNormForward(_ p: BatchNormForward) {
        let n = p.rows, c = p.columns
        let invN = 1 / Float(n)
        columnBlocks(c) { j0, w in
            var mu = V()
            for r in 0..<n { mu += load(p.x + r * c + j0, w) }
            mu *= invN
            var va = V()
            for r in 0..<n {
                let d = load(p.x + r * c + j0, w) - mu
                va += d * d
            }
            va *= invN
            let rs = 1 / (va + p.epsilon).squareRoot()
            store(mu, p.mean + j0, w); store(va, p.variance + j0, w); store(rs, p.rstd + j0, w)
            let g = load(p.gamma + j0, w), b = load(p.beta + j0, w)
            for r in 0..<n {
                let h = (load(p.x + r * c + j0, w) - mu) * rs
                store(h, p.xhat + r * c + j0, w)
                store(g * h + b, p.out + r * c + j0, w)
            }
        }
    }

    static func batchNormInference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rows: Int, columns: Int) {
        columnBlocks(columns) { j0, w in
            let sc = load(scale + j0, w), sh = load(shift + j0, w)
            for r in 0..<rows { store(load(x + r * columns + j0, w) * sc + sh, out + r * columns + j0, w) }
        }
    }

    static func batchNormBackward(_ p: BatchNormBackward) {
        let n = p.rows, c = p.columns
        let fn = Float(n)
        columnBlocks(c) { j0, w in
            var s1 = V(), s2 = V()
            for r in 0..<n {
                let g = load(p.dy + r * c + j0, w)
                s1 += g
                s2 += g * load(p.xhat + r * c + j0, w)
            }
            store(load(p.dBeta + j0, w) + s1, p.dBeta + j0, w)
            store(load(p.dGamma + j0, w) + s2, p.dGamma + j0, w)
            store(s1, p.sumDy + j0, w); store(s2, p.sumDyXhat + j0, w)
            // dx = k·dy − s1·k/N − xhat·s2·k/N with k = gamma·rstd.
            let ga = load(p.gamma + j0, w), rs = load(p.rstd + j0, w)
            let k = ga * rs
            let a1 = s1 * (k / fn), a2 = s2 * (k / fn)
            for r in 0..<n {
                let dy = load(p.dy + r * c + j0, w), h = load(p.xhat + r * c + j0, w)
                store(ga * rs * dy - a1 - h * a2, p.dx + r * c + j0, w)
            }
        }
    }

    static func softmaxCrossEntropy(_ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                                    targets: UnsafePointer<Int32>, rows: Int, columns v: Int, scale: Float,
                                    rowSum: UnsafeMutablePointer<Float>, rowShiftedTarget: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let l = logits + r * v, d = dLogits + r * v
            var m = -Float.infinity
            for c in 0..<v { m = max(m, l[c]) }  // exact in any order
            // exp(l − m) into d, summed per lane over the 16-column blocks, then one tree.
            var acc = V()
            var j0 = 0
            while j0 < v {
                let w = min(16, v - j0)
                var e = ElementWise.exp16(load(l + j0, w) - m)
                if w < 16 { e = e.replacing(with: 0, where: SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .>= Int32(w)) }
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
            let t = Int(targets[r])
            d[t] -= scale
            rowSum[r] = sum
            rowShiftedTarget[r] = l[t] - m
        }
    }

    static func embeddingGather(_ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, count: Int, width e: Int) {
        for i in 0..<count {
            let src = table + Int(tokens[i]) * e, dst = out + i * e
            columnBlocks(e) { j0, w in store(load(src + j0, w), dst + j0, w) }
        }
    }

    static func embeddingScatter(_ grad: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                 tokens: UnsafePointer<Int32>, count: Int, width e: Int) {
        for i in 0..<count {
            let dst = grad + Int(tokens[i]) * e, src = dOut + i * e
            columnBlocks(e) { j0, w in store(load(dst + j0, w) + load(src + j0, w), dst + j0, w) }
        }
    }
}
