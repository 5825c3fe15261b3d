import KernelSupport
#if arch(x86_64) && !NAMEGEN_PORTABLE
import _Builtin_intrinsics.intel
#endif

/// Packing of operand panels for `MicroKernel` (GotoBLAS style). NR is the set's panel width
/// (`KernelConfig.panelWidth`, 16 or 32) and MR its tile rows (`KernelConfig.tileRows`).
///
/// A packed B panel holds `kc` rows of NR floats: element (p, j) at `dst[p * NR + j]`, columns
/// past the matrix edge set to 0. A packed A panel holds `kc` columns of MR floats: element
/// (i, p) at `dst[p * MR + i]`, rows past the edge set to 0. Both are read by the micro-kernel with unit
/// stride, so a panel streams from L1/L2 with no TLB or cache-set conflicts, whatever the
/// leading dimension of the source.
///
/// Sources are described by strides: b(p, j) = src[p * rowStride + j * colStride], and the same
/// for A. Either stride may be 1; the two common layouts have fast paths (a row copy, or an
/// 8×8 in-register transpose for B stored as (N, K) in the nt form).
enum MatmulPacking {
    static let nr = KernelConfig.panelWidth, mr = KernelConfig.tileRows

    /// Packs columns j0..<j0+width (width ≤ NR) and rows p0..<p0+kc of B into one NR-wide panel.
    /// For a ragged panel of a row-major B it reads up to 15 floats past a row's last column,
    /// but never past row p0+kc−1: B's rows p0..<p0+kc must lie whole inside its buffer, as
    /// they do for every operand `Matmul` passes (MatmulBoundsTests checks this at a guard page).
    static func packBPanel(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           p0: Int, kc: Int, j0: Int, width: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        if colStride == 1 {
            let base = src + p0 * rowStride + j0
            if width == nr {
                for p in 0..<kc {
                    for q in stride(from: 0, to: nr, by: 16) { store16(load16(base + p * rowStride + q), dst + p * nr + q) }
                }
            } else {
                // A ragged panel, 16 columns at a time. A row's last block is loaded whole and its
                // lanes past `width` zeroed: with rows at least 16 floats apart, the floats read
                // past the row lie in the next row, inside B, for every row of the block but the
                // last, which is copied lane by lane.
                let full = width / 16 * 16, rest = width - full
                let keep = BatchKernels.laneIndex .< Int32(rest)
                for p in 0..<kc {
                    let s = base + p * rowStride, d = dst + p * nr
                    var q = 0
                    while q < full { store16(load16(s + q), d + q); q += 16 }
                    if rest > 0 {
                        if p + 1 < kc && rowStride >= 16 {
                            store16(load16(s + q).replacing(with: 0, where: .!keep), d + q)
                        } else {
                            store16(loadPartial16(s + q, rest), d + q)
                        }
                        q += 16
                    }
                    while q < nr { store16(SIMD16(), d + q); q += 16 }
                }
            }
            return
        }
        // B stored transposed: column j of the panel is a contiguous run src[j * colStride + p].
        var p = 0
        #if arch(x86_64) && !NAMEGEN_PORTABLE
        if rowStride == 1 {
            while p + 8 <= kc {
                for jj in stride(from: 0, to: nr, by: 8) {
                    if jj + 8 <= width {
                        transpose8x8(src + (j0 + jj) * colStride + p0 + p, colStride, dst + p * nr + jj, nr)
                    } else if jj >= width {
                        for q in 0..<8 { store8(SIMD8(), dst + (p + q) * nr + jj) }
                    } else {
                        // Columns jj..<width exist; the rest of the block is zero.
                        let base = src + (j0 + jj) * colStride + p0 + p
                        func row(_ i: Int) -> SIMD8<Float> { jj + i < width ? load8(base + i * colStride) : SIMD8() }
                        let o = transpose((row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)))
                        let d = dst + p * nr + jj
                        store8(o.0, d); store8(o.1, d + nr); store8(o.2, d + 2 * nr); store8(o.3, d + 3 * nr)
                        store8(o.4, d + 4 * nr); store8(o.5, d + 5 * nr); store8(o.6, d + 6 * nr); store8(o.7, d + 7 * nr)
                    }
                }
                p += 8
            }
        }
        #endif
        while p < kc {
            let d = dst + p * nr
            for j in 0..<nr {
                d[j] = j < width ? src[(p0 + p) * rowStride + (j0 + j) * colStride] : 0
            }
            p += 1
        }
    }

    /// Packs `count` full NR-wide panels of a row-major B (column stride 1), columns
    /// j0..<j0+NR·count and rows p0..<p0+kc, panel q at dst + q·panelStride (same layout as
    /// `packBPanel`). Walks B row by row, so each row's slice is read as one contiguous run
    /// (panel by panel, every 64-byte read was a new row N floats away, a new page at N = 1024).
    static func packBPanels(_ src: UnsafePointer<Float>, rowStride: Int, p0: Int, kc: Int, j0: Int, count: Int,
                            into dst: UnsafeMutablePointer<Float>, panelStride: Int) {
        for p in 0..<kc {
            let row = src + (p0 + p) * rowStride + j0
            let out = dst + p * nr
            for q in 0..<count {
                for v in stride(from: 0, to: nr, by: 16) { store16(load16(row + q * nr + v), out + q * panelStride + v) }
            }
        }
    }

    /// Packs rows i0..<i0+mc and columns p0..<p0+kc of A into consecutive MR-row panels
    /// (panel q at dst + q * MR * kc), zero-padding the last one.
    static func packABlock(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           i0: Int, mc: Int, p0: Int, kc: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        var ir = 0
        if rowStride == 1 {
            // A stored transposed (tn): each column p of the block is one contiguous run, so
            // walk p in the outer loop and read each run once, scattering it over the panels.
            let panels = mc / mr
            for p in 0..<kc {
                let s = src + (p0 + p) * colStride + i0
                for q in 0..<panels {
                    copyColumn(from: s + q * mr, to: dst + q * mr * kc + p * mr)
                }
            }
            ir = panels * mr
        }
        while ir < mc {
            packAPanel(src, rowStride: rowStride, colStride: colStride, i0: i0 + ir,
                       height: min(mr, mc - ir), p0: p0, kc: kc, into: dst + ir * kc)
            ir += mr
        }
    }

    /// Packs rows i0..<i0+height (height ≤ MR) and columns p0..<p0+kc of A into one MR-row panel.
    static func packAPanel(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           i0: Int, height: Int, p0: Int, kc: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        let base = src + i0 * rowStride + p0 * colStride
        if height == mr && colStride == 1 {
            // Rows are contiguous runs: read MR streams, write interleaved, eight k at a time
            // through a register transpose (see `transposeRows`).
            var p = 0
            #if arch(x86_64) && !NAMEGEN_PORTABLE
            while p + 8 <= kc {
                transposeRows(base + p, rowStride, dst + p * mr)
                p += 8
            }
            #endif
            for p in p..<kc {
                let d = dst + p * mr
                for i in 0..<mr { d[i] = base[i * rowStride + p] }
            }
        } else if height == mr && rowStride == 1 {
            for p in 0..<kc { copyColumn(from: base + p * colStride, to: dst + p * mr) }
        } else {
            for p in 0..<kc {
                let d = dst + p * mr
                for i in 0..<mr { d[i] = i < height ? base[i * rowStride + p * colStride] : 0 }
            }
        }
    }

    /// dst[0..<MR] = src[0..<MR]: one 8-float move, or a 4-float and a 2-float move for MR = 6.
    @inline(__always)
    static func copyColumn(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        if mr == 8 {
            d.storeBytes(of: s.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        } else if mr == 6 {
            d.storeBytes(of: s.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            (d + 16).storeBytes(of: (s + 16).loadUnaligned(as: SIMD2<Float>.self), as: SIMD2<Float>.self)
        } else {
            for i in 0..<mr { dst[i] = src[i] }
        }
    }

    #if arch(x86_64) && !NAMEGEN_PORTABLE
    typealias Rows8 = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                       SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// The transpose of the 8×8 block whose rows are r: unpack pairs of rows, then pairs of
    /// pairs (as doubles), then swap 128-bit halves. 24 shuffles.
    @inline(__always)
    static func transpose(_ r: Rows8) -> Rows8 {
        let t0 = _mm256_castps_pd(_mm256_unpacklo_ps(r.0, r.1)), t1 = _mm256_castps_pd(_mm256_unpackhi_ps(r.0, r.1))
        let t2 = _mm256_castps_pd(_mm256_unpacklo_ps(r.2, r.3)), t3 = _mm256_castps_pd(_mm256_unpackhi_ps(r.2, r.3))
        let t4 = _mm256_castps_pd(_mm256_unpacklo_ps(r.4, r.5)), t5 = _mm256_castps_pd(_mm256_unpackhi_ps(r.4, r.5))
        let t6 = _mm256_castps_pd(_mm256_unpacklo_ps(r.6, r.7)), t7 = _mm256_castps_pd(_mm256_unpackhi_ps(r.6, r.7))
        // s_k holds column k of rows 0-3 (or 4-7) in its low lane and column k+4 in its high lane.
        let s0 = _mm256_castpd_ps(_mm256_unpacklo_pd(t0, t2)), s1 = _mm256_castpd_ps(_mm256_unpackhi_pd(t0, t2))
        let s2 = _mm256_castpd_ps(_mm256_unpacklo_pd(t1, t3)), s3 = _mm256_castpd_ps(_mm256_unpackhi_pd(t1, t3))
        let s4 = _mm256_castpd_ps(_mm256_unpacklo_pd(t4, t6)), s5 = _mm256_castpd_ps(_mm256_unpackhi_pd(t4, t6))
        let s6 = _mm256_castpd_ps(_mm256_unpacklo_pd(t5, t7)), s7 = _mm256_castpd_ps(_mm256_unpackhi_pd(t5, t7))
        return (SIMD8(lowHalf: s0.lowHalf, highHalf: s4.lowHalf), SIMD8(lowHalf: s1.lowHalf, highHalf: s5.lowHalf),
                SIMD8(lowHalf: s2.lowHalf, highHalf: s6.lowHalf), SIMD8(lowHalf: s3.lowHalf, highHalf: s7.lowHalf),
                SIMD8(lowHalf: s0.highHalf, highHalf: s4.highHalf), SIMD8(lowHalf: s1.highHalf, highHalf: s5.highHalf),
                SIMD8(lowHalf: s2.highHalf, highHalf: s6.highHalf), SIMD8(lowHalf: s3.highHalf, highHalf: s7.highHalf))
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// dst[q * ldd + r] = src[r * lds + q] for r, q in 0..<8.
    @inline(__always)
    static func transpose8x8(_ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>, _ ldd: Int) {
        let o = transpose((load8(src), load8(src + lds), load8(src + 2 * lds), load8(src + 3 * lds),
                           load8(src + 4 * lds), load8(src + 5 * lds), load8(src + 6 * lds), load8(src + 7 * lds)))
        store8(o.0, dst); store8(o.1, dst + ldd); store8(o.2, dst + 2 * ldd); store8(o.3, dst + 3 * ldd)
        store8(o.4, dst + 4 * ldd); store8(o.5, dst + 5 * ldd); store8(o.6, dst + 6 * ldd); store8(o.7, dst + 7 * ldd)
    }

    /// dst[q * MR + r] = src[r * lds + q] for r < MR, q < 8. MR = 8 is a plain 8×8 transpose.
    /// MR = 6 is an 8×8 transpose with two dummy rows, stored as eight overlapping 8-float writes
    /// in increasing order, so each write's two extra floats are overwritten by the next one;
    /// the last write spills two floats past dst + 48, which the caller must own and overwrite
    /// later (or ignore). Other MR go through a scalar loop.
    @inline(__always)
    static func transposeRows(_ r0: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>) {
        if mr == 8 {
            transpose8x8(r0, lds, dst, 8)
        } else if mr == 6 {
            let r5 = load8(r0 + 5 * lds)
            let o = transpose((load8(r0), load8(r0 + lds), load8(r0 + 2 * lds), load8(r0 + 3 * lds),
                               load8(r0 + 4 * lds), r5, r5, r5))
            store8(o.0, dst); store8(o.1, dst + 6); store8(o.2, dst + 12); store8(o.3, dst + 18)
            store8(o.4, dst + 24); store8(o.5, dst + 30); store8(o.6, dst + 36); store8(o.7, dst + 42)
        } else {
            for q in 0..<8 { for r in 0..<mr { dst[q * mr + r] = r0[r * lds + q] } }
        }
    }
    #endif
}
