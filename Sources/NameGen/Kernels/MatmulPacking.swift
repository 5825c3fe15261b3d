#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Packing of operand panels for `MatmulMicroKernel` (GotoBLAS style).
///
/// A packed B panel holds `kc` rows of 16 floats: element (p, j) at `dst[p * 16 + j]`, columns
/// past the matrix edge set to 0. A packed A panel holds `kc` columns of 6 floats: element (i, p)
/// at `dst[p * 6 + i]`, rows past the edge set to 0. Both are read by the micro-kernel with unit
/// stride, so a panel streams from L1/L2 with no TLB or cache-set conflicts, whatever the
/// leading dimension of the source.
///
/// Sources are described by strides: b(p, j) = src[p * rowStride + j * colStride], and the same
/// for A. Either stride may be 1; the two common layouts have fast paths (a row copy, or an
/// 8×8 in-register transpose for B stored as (N, K) in the nt form).
enum MatmulPacking {
    /// Packs columns j0..<j0+width (width ≤ 16) and rows p0..<p0+kc of B into one 16-wide panel.
    static func packBPanel(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           p0: Int, kc: Int, j0: Int, width: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        if colStride == 1 {
            let base = src + p0 * rowStride + j0
            if width == 16 {
                for p in 0..<kc {
                    UnsafeMutableRawPointer(dst + p * 16).storeBytes(
                        of: UnsafeRawPointer(base + p * rowStride).loadUnaligned(as: SIMD16<Float>.self),
                        as: SIMD16<Float>.self)
                }
            } else {
                for p in 0..<kc {
                    let s = base + p * rowStride, d = dst + p * 16
                    for j in 0..<width { d[j] = s[j] }
                    for j in width..<16 { d[j] = 0 }
                }
            }
            return
        }
        // B stored transposed: column j of the panel is a contiguous run src[j * colStride + p].
        var p = 0
        #if arch(x86_64)
        if rowStride == 1 {
            while p + 8 <= kc {
                for half in 0..<2 {
                    let jj = half * 8
                    if jj + 8 <= width {
                        transpose8x8(src + (j0 + jj) * colStride + p0 + p, colStride, dst + p * 16 + jj, 16)
                    } else {
                        for q in 0..<8 {
                            for j in jj..<jj + 8 {
                                dst[(p + q) * 16 + j] = j < width ? src[(j0 + j) * colStride + (p0 + p + q)] : 0
                            }
                        }
                    }
                }
                p += 8
            }
        }
        #endif
        while p < kc {
            let d = dst + p * 16
            for j in 0..<16 {
                d[j] = j < width ? src[(p0 + p) * rowStride + (j0 + j) * colStride] : 0
            }
            p += 1
        }
    }

    /// Packs rows i0..<i0+mc and columns p0..<p0+kc of A into consecutive 6-row panels
    /// (panel q at dst + q * 6 * kc), zero-padding the last one.
    static func packABlock(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           i0: Int, mc: Int, p0: Int, kc: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        var ir = 0
        if rowStride == 1 {
            // A stored transposed (tn): each column p of the block is one contiguous run, so
            // walk p in the outer loop and read each run once, scattering it over the panels.
            let panels = mc / 6
            for p in 0..<kc {
                let s = src + (p0 + p) * colStride + i0
                for q in 0..<panels {
                    let d = dst + q * 6 * kc + p * 6, t = s + q * 6
                    d[0] = t[0]; d[1] = t[1]; d[2] = t[2]; d[3] = t[3]; d[4] = t[4]; d[5] = t[5]
                }
            }
            ir = panels * 6
        }
        while ir < mc {
            packAPanel(src, rowStride: rowStride, colStride: colStride, i0: i0 + ir,
                       height: min(6, mc - ir), p0: p0, kc: kc, into: dst + ir * kc)
            ir += 6
        }
    }

    /// Packs rows i0..<i0+height (height ≤ 6) and columns p0..<p0+kc of A into one 6-row panel.
    static func packAPanel(_ src: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                           i0: Int, height: Int, p0: Int, kc: Int,
                           into dst: UnsafeMutablePointer<Float>) {
        let base = src + i0 * rowStride + p0 * colStride
        if height == 6 && colStride == 1 {
            // Rows are contiguous runs: read six streams, write interleaved.
            let r0 = base, r1 = base + rowStride, r2 = base + 2 * rowStride
            let r3 = base + 3 * rowStride, r4 = base + 4 * rowStride, r5 = base + 5 * rowStride
            for p in 0..<kc {
                let d = dst + p * 6
                d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
            }
        } else if height == 6 && rowStride == 1 {
            for p in 0..<kc {
                let s = base + p * colStride, d = dst + p * 6
                d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; d[5] = s[5]
            }
        } else {
            for p in 0..<kc {
                let d = dst + p * 6
                for i in 0..<6 { d[i] = i < height ? base[i * rowStride + p * colStride] : 0 }
            }
        }
    }

    #if arch(x86_64)
    /// dst[q * ldd + r] = src[r * lds + q] for r, q in 0..<8, through ymm registers:
    /// unpack pairs of rows, then pairs of pairs (as doubles), then swap 128-bit halves.
    @inline(__always)
    static func transpose8x8(_ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>, _ ldd: Int) {
        @inline(__always) func row(_ r: Int) -> SIMD8<Float> {
            UnsafeRawPointer(src + r * lds).loadUnaligned(as: SIMD8<Float>.self)
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        let r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
        let t0 = _mm256_castps_pd(_mm256_unpacklo_ps(r0, r1)), t1 = _mm256_castps_pd(_mm256_unpackhi_ps(r0, r1))
        let t2 = _mm256_castps_pd(_mm256_unpacklo_ps(r2, r3)), t3 = _mm256_castps_pd(_mm256_unpackhi_ps(r2, r3))
        let t4 = _mm256_castps_pd(_mm256_unpacklo_ps(r4, r5)), t5 = _mm256_castps_pd(_mm256_unpackhi_ps(r4, r5))
        let t6 = _mm256_castps_pd(_mm256_unpacklo_ps(r6, r7)), t7 = _mm256_castps_pd(_mm256_unpackhi_ps(r6, r7))
        // s_k holds column k of rows 0-3 in its low and high lanes (for columns k and k+4).
        let s0 = _mm256_castpd_ps(_mm256_unpacklo_pd(t0, t2)), s1 = _mm256_castpd_ps(_mm256_unpackhi_pd(t0, t2))
        let s2 = _mm256_castpd_ps(_mm256_unpacklo_pd(t1, t3)), s3 = _mm256_castpd_ps(_mm256_unpackhi_pd(t1, t3))
        let s4 = _mm256_castpd_ps(_mm256_unpacklo_pd(t4, t6)), s5 = _mm256_castpd_ps(_mm256_unpackhi_pd(t4, t6))
        let s6 = _mm256_castpd_ps(_mm256_unpacklo_pd(t5, t7)), s7 = _mm256_castpd_ps(_mm256_unpackhi_pd(t5, t7))
        @inline(__always) func put(_ q: Int, _ v: SIMD8<Float>) {
            UnsafeMutableRawPointer(dst + q * ldd).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        put(0, SIMD8(lowHalf: s0.lowHalf, highHalf: s4.lowHalf))
        put(1, SIMD8(lowHalf: s1.lowHalf, highHalf: s5.lowHalf))
        put(2, SIMD8(lowHalf: s2.lowHalf, highHalf: s6.lowHalf))
        put(3, SIMD8(lowHalf: s3.lowHalf, highHalf: s7.lowHalf))
        put(4, SIMD8(lowHalf: s0.highHalf, highHalf: s4.highHalf))
        put(5, SIMD8(lowHalf: s1.highHalf, highHalf: s5.highHalf))
        put(6, SIMD8(lowHalf: s2.highHalf, highHalf: s6.highHalf))
        put(7, SIMD8(lowHalf: s3.highHalf, highHalf: s7.highHalf))
    }
    #endif
}
