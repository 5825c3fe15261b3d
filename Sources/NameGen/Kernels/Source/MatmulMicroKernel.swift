import KernelSupport
#if arch(x86_64) && NAMEGEN_AVX512
import _Builtin_intrinsics.intel
#endif

/// The register-blocked micro-kernel of the matmul: a tile of up to 14 rows × 32 columns of C.
///
///   C[i, j] (+)= Σ_p a(i, p) · b(p, j)      for i < rows, j < columns, p < kc
///
/// The tile lives in `rows × vectors` SIMD16<Float> accumulators (`vectors` is 1 or 2, that is
/// 16 or 32 columns). What that means in registers depends on the set (see KernelConfig):
/// - AVX-512 (one zmm per SIMD16, 32 zmm registers): 8 rows × 32 columns, 16 accumulators,
///   2 loads of B and 8 broadcasts of A (folded into the FMAs as {1to16}) per k step;
/// - AVX2 (two ymm per SIMD16, 16 ymm registers): 6 rows × 16 columns, 12 accumulators;
/// - portable: the AVX2 shape, as SSE2 (x86-64) or NEON (arm64) registers.
/// Enough independent accumulator chains cover the FMA latency (4-5 cycles × 2 FMA units).
///
/// A is read through two strides, so one kernel serves every layout without a copy:
///   a(i, p) = a[i * rsa + p * csa]
///     nn/nt in place: (K, 1)      tn in place: (1, M)      packed panel: (1, tileRows)
/// B row p is 16·vectors contiguous floats at b + p·ldb: B in place (ldb = N) or a packed panel
/// (ldb = the panel width). When `columns` is less than 16·vectors, the rows must still be
/// readable that far (the caller pads a ragged panel).
///
/// Summation order, the same in every set and every tile shape: each element is summed over p in
/// increasing order, one FMA per term, starting from 0; the sum is then added to C (when
/// accumulating) or stored. So results do not depend on the tile, its position, or the thread.
enum MicroKernel {
    /// Computes a `rows` × `columns` tile (rows ≤ 14, columns ≤ 16·vectors, vectors 1 or 2,
    /// rows·vectors ≤ 28): one specialised copy per shape, so that the accumulators that the
    /// shape does not use vanish at compile time.
    @inline(__always)
    static func tile(rows: Int, vectors: Int, columns: Int, kc: Int,
                     a: UnsafePointer<Float>, rsa: Int, csa: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        if columns <= 8 {
            switch rows {
            case 1: h1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 2: h2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 3: h3(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 4: h4(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 5: h5(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 6: h6(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 7: h7(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 8: h8(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 9: h9(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 10: h10(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 11: h11(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 12: h12(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 13: h13(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            case 14: h14(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
            default: preconditionFailure("no \(rows)×8 tile")
            }
            return
        }
        switch (rows, vectors) {
        case (1, 1): k1x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (2, 1): k2x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (3, 1): k3x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (4, 1): k4x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (5, 1): k5x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (6, 1): k6x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (7, 1): k7x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (8, 1): k8x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (9, 1): k9x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (10, 1): k10x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (11, 1): k11x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (12, 1): k12x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (13, 1): k13x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (14, 1): k14x1(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (1, 2): k1x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (2, 2): k2x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (3, 2): k3x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (4, 2): k4x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (5, 2): k5x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (6, 2): k6x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (7, 2): k7x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (8, 2): k8x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (9, 2): k9x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (10, 2): k10x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (11, 2): k11x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (12, 2): k12x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (13, 2): k13x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        case (14, 2): k14x2(columns, kc, a, rsa, csa, b, ldb, c, ldc, accumulate)
        default: preconditionFailure("no \(rows)×\(vectors) tile")
        }
    }

    /// A full tile from a packed A panel (a(i, p) = a[p · tileRows + i]), with the C tile
    /// prefetched before the k loop: in the blocked path every KC block after the first adds into
    /// C, which has left the caches by then (4 MB at 1024³).
    @inline(never)
    static func packedTile(columns: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        body(rows: KernelConfig.tileRows, vectors: KernelConfig.panelVectors, columns, kc,
             a, 1, KernelConfig.tileRows, b, ldb, c, ldc, accumulate, prefetchC: true)
    }

    @inline(never) static func k1x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 1, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k2x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 2, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k3x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 3, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k4x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 4, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k5x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 5, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k6x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 6, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k7x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 7, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k8x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 8, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k9x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 9, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k10x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 10, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k11x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 11, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k12x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 12, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k13x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 13, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k14x1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 14, vectors: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k1x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 1, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k2x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 2, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k3x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 3, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k4x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 4, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k5x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 5, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k6x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 6, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k7x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 7, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k8x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 8, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k9x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 9, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k10x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 10, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k11x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 11, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k12x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 12, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k13x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 13, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }
    @inline(never) static func k14x2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 14, vectors: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc, prefetchC: false)
    }

    @inline(never) static func h1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h3(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 3, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h4(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 4, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h5(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 5, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h6(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 6, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h7(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 7, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h8(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 8, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h9(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 9, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h10(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 10, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h11(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 11, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h12(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 12, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h13(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 13, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func h14(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        halfBody(rows: 14, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }

    /// A tile at most 8 columns wide (a ragged last panel, as N = 200 leaves): SIMD8
    /// accumulators, half the work of a 16-wide tile, the same order of summation.
    @inline(__always)
    static func halfBody(rows: Int, _ columns: Int, _ kc: Int,
                         _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int,
                         _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
        typealias V = SIMD8<Float>
        var x0 = V(), x1 = V(), x2 = V(), x3 = V(), x4 = V(), x5 = V(), x6 = V()
        var x7 = V(), x8 = V(), x9 = V(), x10 = V(), x11 = V(), x12 = V(), x13 = V()
        let a0 = a, a1 = a + 1 * rsa, a2 = a + 2 * rsa, a3 = a + 3 * rsa, a4 = a + 4 * rsa, a5 = a + 5 * rsa, a6 = a + 6 * rsa
        let a7 = a + 7 * rsa, a8 = a + 8 * rsa, a9 = a + 9 * rsa, a10 = a + 10 * rsa, a11 = a + 11 * rsa, a12 = a + 12 * rsa, a13 = a + 13 * rsa
        var pb = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        var off = 0
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(as: V.self)
            do { x0 = madd8(x0, V(repeating: a0[off]), b0) }
            if rows > 1 { x1 = madd8(x1, V(repeating: a1[off]), b0) }
            if rows > 2 { x2 = madd8(x2, V(repeating: a2[off]), b0) }
            if rows > 3 { x3 = madd8(x3, V(repeating: a3[off]), b0) }
            if rows > 4 { x4 = madd8(x4, V(repeating: a4[off]), b0) }
            if rows > 5 { x5 = madd8(x5, V(repeating: a5[off]), b0) }
            if rows > 6 { x6 = madd8(x6, V(repeating: a6[off]), b0) }
            if rows > 7 { x7 = madd8(x7, V(repeating: a7[off]), b0) }
            if rows > 8 { x8 = madd8(x8, V(repeating: a8[off]), b0) }
            if rows > 9 { x9 = madd8(x9, V(repeating: a9[off]), b0) }
            if rows > 10 { x10 = madd8(x10, V(repeating: a10[off]), b0) }
            if rows > 11 { x11 = madd8(x11, V(repeating: a11[off]), b0) }
            if rows > 12 { x12 = madd8(x12, V(repeating: a12[off]), b0) }
            if rows > 13 { x13 = madd8(x13, V(repeating: a13[off]), b0) }
            off &+= csa
            pb += bStep
        }
        do { putHalf(x0, columns, c + 0 * ldc, accumulate) }
        if rows > 1 { putHalf(x1, columns, c + 1 * ldc, accumulate) }
        if rows > 2 { putHalf(x2, columns, c + 2 * ldc, accumulate) }
        if rows > 3 { putHalf(x3, columns, c + 3 * ldc, accumulate) }
        if rows > 4 { putHalf(x4, columns, c + 4 * ldc, accumulate) }
        if rows > 5 { putHalf(x5, columns, c + 5 * ldc, accumulate) }
        if rows > 6 { putHalf(x6, columns, c + 6 * ldc, accumulate) }
        if rows > 7 { putHalf(x7, columns, c + 7 * ldc, accumulate) }
        if rows > 8 { putHalf(x8, columns, c + 8 * ldc, accumulate) }
        if rows > 9 { putHalf(x9, columns, c + 9 * ldc, accumulate) }
        if rows > 10 { putHalf(x10, columns, c + 10 * ldc, accumulate) }
        if rows > 11 { putHalf(x11, columns, c + 11 * ldc, accumulate) }
        if rows > 12 { putHalf(x12, columns, c + 12 * ldc, accumulate) }
        if rows > 13 { putHalf(x13, columns, c + 13 * ldc, accumulate) }
    }

    /// Stores (or adds) the first `columns` (≤ 8) lanes of v at c.
    @inline(__always)
    static func putHalf(_ v: SIMD8<Float>, _ columns: Int, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        if columns == 8 {
            let raw = UnsafeMutableRawPointer(c)
            raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: SIMD8<Float>.self) + v : v, as: SIMD8<Float>.self)
        } else {
            for j in 0..<columns { c[j] = accumulate ? c[j] + v[j] : v[j] }
        }
    }

    /// acc + a · b for eight lanes (see `madd`).
    @inline(__always)
    static func madd8(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if NAMEGEN_PORTABLE && arch(x86_64)
        return acc + a * b
        #else
        return acc.addingProduct(a, b)
        #endif
    }

    @inline(__always)
    static func body(rows: Int, vectors: Int, _ columns: Int, _ kc: Int,
                     _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int,
                     _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool, prefetchC: Bool) {
        typealias V = SIMD16<Float>
        // x_i: columns 0..<16 of row i; y_i: columns 16..<32. Rows beyond `rows` are never used.
        var x0 = V(), x1 = V(), x2 = V(), x3 = V(), x4 = V(), x5 = V(), x6 = V()
        var x7 = V(), x8 = V(), x9 = V(), x10 = V(), x11 = V(), x12 = V(), x13 = V()
        var y0 = V(), y1 = V(), y2 = V(), y3 = V(), y4 = V(), y5 = V(), y6 = V()
        var y7 = V(), y8 = V(), y9 = V(), y10 = V(), y11 = V(), y12 = V(), y13 = V()
        // Row pointers of A (offsets when A is a packed panel, where rsa = 1).
        let a0 = a, a1 = a + 1 * rsa, a2 = a + 2 * rsa, a3 = a + 3 * rsa, a4 = a + 4 * rsa, a5 = a + 5 * rsa, a6 = a + 6 * rsa
        let a7 = a + 7 * rsa, a8 = a + 8 * rsa, a9 = a + 9 * rsa, a10 = a + 10 * rsa, a11 = a + 11 * rsa, a12 = a + 12 * rsa, a13 = a + 13 * rsa
        if prefetchC {
            for r in 0..<rows {
                prefetchForWriting(c + r * ldc)
                prefetchForWriting(c + r * ldc + 16 * vectors - 1)
            }
        }
        var pb = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        var off = 0
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = vectors > 1 ? (pb + 64).loadUnaligned(as: V.self) : V()
            do { let s = V(repeating: a0[off]); x0 = madd(x0, s, b0); if vectors > 1 { y0 = madd(y0, s, b1) } }
            if rows > 1 { let s = V(repeating: a1[off]); x1 = madd(x1, s, b0); if vectors > 1 { y1 = madd(y1, s, b1) } }
            if rows > 2 { let s = V(repeating: a2[off]); x2 = madd(x2, s, b0); if vectors > 1 { y2 = madd(y2, s, b1) } }
            if rows > 3 { let s = V(repeating: a3[off]); x3 = madd(x3, s, b0); if vectors > 1 { y3 = madd(y3, s, b1) } }
            if rows > 4 { let s = V(repeating: a4[off]); x4 = madd(x4, s, b0); if vectors > 1 { y4 = madd(y4, s, b1) } }
            if rows > 5 { let s = V(repeating: a5[off]); x5 = madd(x5, s, b0); if vectors > 1 { y5 = madd(y5, s, b1) } }
            if rows > 6 { let s = V(repeating: a6[off]); x6 = madd(x6, s, b0); if vectors > 1 { y6 = madd(y6, s, b1) } }
            if rows > 7 { let s = V(repeating: a7[off]); x7 = madd(x7, s, b0); if vectors > 1 { y7 = madd(y7, s, b1) } }
            if rows > 8 { let s = V(repeating: a8[off]); x8 = madd(x8, s, b0); if vectors > 1 { y8 = madd(y8, s, b1) } }
            if rows > 9 { let s = V(repeating: a9[off]); x9 = madd(x9, s, b0); if vectors > 1 { y9 = madd(y9, s, b1) } }
            if rows > 10 { let s = V(repeating: a10[off]); x10 = madd(x10, s, b0); if vectors > 1 { y10 = madd(y10, s, b1) } }
            if rows > 11 { let s = V(repeating: a11[off]); x11 = madd(x11, s, b0); if vectors > 1 { y11 = madd(y11, s, b1) } }
            if rows > 12 { let s = V(repeating: a12[off]); x12 = madd(x12, s, b0); if vectors > 1 { y12 = madd(y12, s, b1) } }
            if rows > 13 { let s = V(repeating: a13[off]); x13 = madd(x13, s, b0); if vectors > 1 { y13 = madd(y13, s, b1) } }
            off &+= csa
            pb += bStep
        }
        let full = columns == 16 * vectors
        put(x0, y0, vectors, full, columns, c, accumulate)
        if rows > 1 { put(x1, y1, vectors, full, columns, c + 1 * ldc, accumulate) }
        if rows > 2 { put(x2, y2, vectors, full, columns, c + 2 * ldc, accumulate) }
        if rows > 3 { put(x3, y3, vectors, full, columns, c + 3 * ldc, accumulate) }
        if rows > 4 { put(x4, y4, vectors, full, columns, c + 4 * ldc, accumulate) }
        if rows > 5 { put(x5, y5, vectors, full, columns, c + 5 * ldc, accumulate) }
        if rows > 6 { put(x6, y6, vectors, full, columns, c + 6 * ldc, accumulate) }
        if rows > 7 { put(x7, y7, vectors, full, columns, c + 7 * ldc, accumulate) }
        if rows > 8 { put(x8, y8, vectors, full, columns, c + 8 * ldc, accumulate) }
        if rows > 9 { put(x9, y9, vectors, full, columns, c + 9 * ldc, accumulate) }
        if rows > 10 { put(x10, y10, vectors, full, columns, c + 10 * ldc, accumulate) }
        if rows > 11 { put(x11, y11, vectors, full, columns, c + 11 * ldc, accumulate) }
        if rows > 12 { put(x12, y12, vectors, full, columns, c + 12 * ldc, accumulate) }
        if rows > 13 { put(x13, y13, vectors, full, columns, c + 13 * ldc, accumulate) }
    }

    /// Stores (or adds) one row of the tile: `columns` floats from x (then y).
    @inline(__always)
    static func put(_ x: SIMD16<Float>, _ y: SIMD16<Float>, _ vectors: Int, _ full: Bool, _ columns: Int,
                    _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        if full {
            store(x, c, accumulate)
            if vectors > 1 { store(y, c + 16, accumulate) }
        } else {
            storePartial(x, y, columns, c, accumulate)
        }
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        let raw = UnsafeMutableRawPointer(c)
        if accumulate {
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + v, as: SIMD16<Float>.self)
        } else {
            raw.storeBytes(of: v, as: SIMD16<Float>.self)
        }
    }

    /// Stores (or adds) the first `columns` (< 32) floats of a row: x, then y.
    @inline(never)
    static func storePartial(_ x: SIMD16<Float>, _ y: SIMD16<Float>, _ columns: Int,
                             _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        if columns >= 16 {
            store(x, c, accumulate)
            if columns > 16 { storeLanes(y, columns - 16, c + 16, accumulate) }
        } else {
            storeLanes(x, columns, c, accumulate)
        }
    }

    /// Stores (or adds) the first `count` (1...15) lanes of v at c and touches no other float:
    /// one masked store on AVX-512; elsewhere a full 8-lane store when count ≥ 8 and a lane
    /// loop for the rest (AVX2's `vmaskmovps` store is microcoded on AMD CPUs, slower than the
    /// loop). Each stored lane is c + v or v, as in `store`.
    @inline(__always)
    static func storeLanes(_ v: SIMD16<Float>, _ count: Int, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        #if arch(x86_64) && NAMEGEN_AVX512
        let mask = UInt16(truncatingIfNeeded: (1 << count) &- 1)
        _mm512_mask_storeu_ps(c, mask, accumulate ? _mm512_maskz_loadu_ps(mask, c) + v : v)
        #else
        var j = 0
        if count >= 8 {
            putHalf(v.lowHalf, 8, c, accumulate)
            j = 8
        }
        while j < count {
            c[j] = accumulate ? c[j] + v[j] : v[j]
            j += 1
        }
        #endif
    }
}

/// LLVM's prefetch intrinsic (address, write 1, locality 3 = keep in all levels, data cache),
/// which compiles to `prefetcht0` or `prefetchw`. Swift has no public prefetch, and the C
/// header's `_mm_prefetch` is a macro the importer cannot see, so this binds the intrinsic by
/// name. Release builds only (Package.swift defines NAMEGEN_PREFETCH there): the sanitizers'
/// instrumentation rejects a call to an intrinsic bound this way. If a toolchain ever rejects
/// it, drop the define: a prefetch changes speed, never a result.
#if NAMEGEN_PREFETCH
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)
#endif

/// Hints that the cache line holding `p` will soon be written (a no-op without NAMEGEN_PREFETCH).
@inline(__always)
func prefetchForWriting(_ p: UnsafeMutablePointer<Float>) {
    #if NAMEGEN_PREFETCH
    llvmPrefetch(UnsafeRawPointer(p), 1, 3, 1)
    #endif
}
