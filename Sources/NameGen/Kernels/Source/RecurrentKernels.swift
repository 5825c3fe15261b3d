import KernelSupport

/// The gate arithmetic of the GRU and LSTM cells (see `KernelSet`), on SIMD16 lanes as
/// `ElementWise`: each lane is computed alone, with explicit FMAs, so every set with FMA gives
/// the same bits.
extension Kernels {
    package static func sigmoid(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        ElementWise.map(y, x, count, RecurrentKernels.sigmoid16)
    }

    package static func gruUpdate(_ h: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, z: UnsafePointer<Float>,
                                 hbar: UnsafePointer<Float>, count: Int) {
        RecurrentKernels.blocks(count) { i, k in
            let hp = RecurrentKernels.load(hPrev + i, k)
            RecurrentKernels.store(madd(hp, RecurrentKernels.load(z + i, k), RecurrentKernels.load(hbar + i, k) - hp), h + i, k)
        }
    }

    package static func gruUpdateBackward(dhPrev: UnsafeMutablePointer<Float>, dzPre: UnsafeMutablePointer<Float>,
                                         dhbarPre: UnsafeMutablePointer<Float>, dh: UnsafePointer<Float>,
                                         hPrev: UnsafePointer<Float>, z: UnsafePointer<Float>, hbar: UnsafePointer<Float>,
                                         count: Int) {
        RecurrentKernels.blocks(count) { i, k in
            let g = RecurrentKernels.load(dh + i, k), zi = RecurrentKernels.load(z + i, k)
            let hb = RecurrentKernels.load(hbar + i, k), hp = RecurrentKernels.load(hPrev + i, k)
            RecurrentKernels.store(g * (1 - zi), dhPrev + i, k)
            RecurrentKernels.store(g * (hb - hp) * (zi * (1 - zi)), dzPre + i, k)
            RecurrentKernels.store(g * zi * (1 - hb * hb), dhbarPre + i, k)
        }
    }

    package static func gruResetBackward(drPre: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>,
                                        drh: UnsafePointer<Float>, r: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                                        count: Int) {
        RecurrentKernels.blocks(count) { i, k in
            let g = RecurrentKernels.load(drh + i, k), ri = RecurrentKernels.load(r + i, k)
            RecurrentKernels.store(g * RecurrentKernels.load(hPrev + i, k) * (ri * (1 - ri)), drPre + i, k)
            RecurrentKernels.store(madd(RecurrentKernels.load(dhPrev + i, k), g, ri), dhPrev + i, k)
        }
    }

    package static func lstmForward(gates: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                                   tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                                   cPrev: UnsafePointer<Float>, rows: Int, width w: Int) {
        for row in 0..<rows {
            let gr = gates + row * 4 * w, at = row * w
            RecurrentKernels.blocks(w) { j, k in
                let i = RecurrentKernels.sigmoid16(RecurrentKernels.load(gr + j, k))
                let f = RecurrentKernels.sigmoid16(RecurrentKernels.load(gr + w + j, k))
                let g = ElementWise.tanh16(RecurrentKernels.load(gr + 2 * w + j, k))
                let o = RecurrentKernels.sigmoid16(RecurrentKernels.load(gr + 3 * w + j, k))
                let ci = madd(f * RecurrentKernels.load(cPrev + at + j, k), i, g)
                let tc = ElementWise.tanh16(ci)
                RecurrentKernels.store(i, gr + j, k)
                RecurrentKernels.store(f, gr + w + j, k)
                RecurrentKernels.store(g, gr + 2 * w + j, k)
                RecurrentKernels.store(o, gr + 3 * w + j, k)
                RecurrentKernels.store(ci, c + at + j, k)
                RecurrentKernels.store(tc, tanhC + at + j, k)
                RecurrentKernels.store(o * tc, h + at + j, k)
            }
        }
    }

    package static func lstmBackward(dGates: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>,
                                    dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, gates: UnsafePointer<Float>,
                                    cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>, rows: Int, width w: Int) {
        for row in 0..<rows {
            let gr = gates + row * 4 * w, dg = dGates + row * 4 * w, at = row * w
            RecurrentKernels.blocks(w) { j, k in
                let i = RecurrentKernels.load(gr + j, k), f = RecurrentKernels.load(gr + w + j, k)
                let g = RecurrentKernels.load(gr + 2 * w + j, k), o = RecurrentKernels.load(gr + 3 * w + j, k)
                let gh = RecurrentKernels.load(dh + at + j, k), tc = RecurrentKernels.load(tanhC + at + j, k)
                // The gradient at c: the next step's, and h's through tanh.
                let gc = madd(RecurrentKernels.load(dc + at + j, k), gh * o, 1 - tc * tc)
                RecurrentKernels.store(gc * g * (i * (1 - i)), dg + j, k)
                RecurrentKernels.store(gc * RecurrentKernels.load(cPrev + at + j, k) * (f * (1 - f)), dg + w + j, k)
                RecurrentKernels.store(gc * i * (1 - g * g), dg + 2 * w + j, k)
                RecurrentKernels.store(gh * tc * (o * (1 - o)), dg + 3 * w + j, k)
                RecurrentKernels.store(gc * f, dcPrev + at + j, k)
            }
        }
    }
}

/// The loops and lane functions of the recurrent kernels.
enum RecurrentKernels {
    typealias V = SIMD16<Float>

    /// 1 / (1 + exp(−x)) of 16 lanes.
    @inline(__always)
    static func sigmoid16(_ x: V) -> V { 1 / (1 + ElementWise.exp16(-x)) }

    /// Calls body(i, k) for the blocks of 16 elements of 0..<count, k = 16 but for the ragged
    /// last block.
    @inline(__always)
    static func blocks(_ count: Int, _ body: (Int, Int) -> Void) {
        var i = 0
        while i < count {
            body(i, min(16, count - i))
            i += 16
        }
    }

    /// k (≤ 16) floats from p, zero-padded.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ k: Int) -> V { k == 16 ? load16(p) : loadPartial16(p, k) }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ k: Int) -> V { load(UnsafePointer(p), k) }

    /// The first k (≤ 16) lanes of v at p.
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ k: Int) {
        if k == 16 { store16(v, p) } else { storePartial16(v, p, k) }
    }
}
