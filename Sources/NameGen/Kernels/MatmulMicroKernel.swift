/// The register-blocked micro-kernel of `Matmul`: a tile of up to 6 rows × 16 columns of C.
///
///   C[i, 0..<16] (+)= Σ_p a(i, p) · b(p, 0..<16)      for i in 0..<rows, p in 0..<kc
///
/// Tiling: the tile lives in six `SIMD16<Float>` accumulators (twelve ymm registers with AVX2).
/// Per k step the kernel loads one 16-wide row of B (two ymm loads), broadcasts six scalars of A
/// and issues twelve `vfmadd231ps`: 15 of the 16 ymm registers, so nothing spills. Twelve
/// independent accumulator chains cover the FMA latency (5 cycles × 2 FMA units on Zen 2/3).
///
/// A is read through two strides, so one kernel serves every layout without a copy:
///   a(i, p) = a[i * rowStrideA + p * colStrideA]
///     nn/nt in place: (K, 1)      tn in place: (1, M)      packed 6-row panel: (1, 6)
/// B rows are 16 contiguous floats, `ldb` apart: B in place for nn/tn (ldb = N), or a packed
/// 16-wide panel (ldb = 16) for nt, for cache-blocked shapes and for a ragged last panel.
///
/// Summation order: each element is summed over p in increasing order, in Float, with one FMA
/// per term, starting from 0; the sum is then added to C (when accumulating) or stored. The order
/// does not depend on where the tile sits or on the thread that computes it.
enum MatmulMicroKernel {
    static let rowsPerTile = 6
    static let columnsPerTile = 16

    /// Computes a `rows` × `columns` tile (rows ≤ 6, columns ≤ 16). B must hold 16 readable
    /// floats per row even when `columns < 16` (the caller pads a ragged panel).
    @inline(__always)
    static func tile(rows: Int, columns: Int, kc: Int,
                     a: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        switch rows {
        case 6: kernel6(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        case 5: kernel5(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        case 4: kernel4(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        case 3: kernel3(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        case 2: kernel2(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        case 1: kernel1(columns, kc, a, rowStrideA, colStrideA, b, ldb, c, ldc, accumulate)
        default: break
        }
    }

    /// A full 6×`columns` tile from a packed 6-row A panel (a(i, p) = a[p * 6 + i]): constant
    /// offsets for the six broadcasts and a k loop unrolled by two.
    @inline(never)
    static func packedTile(columns: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        body(rows: 6, columns, kc, a, 1, 6, b, ldb, c, ldc, accumulate, packed: true)
    }

    /// A full 6-row tile at most 8 columns wide (the ragged last panel when N mod 16 ≤ 8, as
    /// N = 200 gives): `SIMD8` accumulators, half the FMAs of a 16-wide tile. Six chains would
    /// leave the FMA units waiting on latency, so odd k go to a second set of six, and each
    /// element is summed as (Σ even p) + (Σ odd p), like the tiles of at most 3 rows.
    @inline(never)
    static func narrowTile(columns: Int, kc: Int, a: UnsafePointer<Float>, rowStrideA rsa: Int, colStrideA csa: Int,
                           b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias V = SIMD8<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V()
        let a0 = a, a1 = a + rsa, a2 = a + 2 * rsa, a3 = a + 3 * rsa, a4 = a + 4 * rsa, a5 = a + 5 * rsa
        var pb = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        var off = 0, p = 0
        while p &+ 2 <= kc {
            let b0 = pb.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: a0[off]), b0)
            c1 = c1.addingProduct(V(repeating: a1[off]), b0)
            c2 = c2.addingProduct(V(repeating: a2[off]), b0)
            c3 = c3.addingProduct(V(repeating: a3[off]), b0)
            c4 = c4.addingProduct(V(repeating: a4[off]), b0)
            c5 = c5.addingProduct(V(repeating: a5[off]), b0)
            let b1 = (pb + bStep).loadUnaligned(as: V.self)
            let o1 = off &+ csa
            d0 = d0.addingProduct(V(repeating: a0[o1]), b1)
            d1 = d1.addingProduct(V(repeating: a1[o1]), b1)
            d2 = d2.addingProduct(V(repeating: a2[o1]), b1)
            d3 = d3.addingProduct(V(repeating: a3[o1]), b1)
            d4 = d4.addingProduct(V(repeating: a4[o1]), b1)
            d5 = d5.addingProduct(V(repeating: a5[o1]), b1)
            off &+= 2 &* csa
            pb += 2 * bStep
            p &+= 2
        }
        if p < kc {
            let b0 = pb.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: a0[off]), b0)
            c1 = c1.addingProduct(V(repeating: a1[off]), b0)
            c2 = c2.addingProduct(V(repeating: a2[off]), b0)
            c3 = c3.addingProduct(V(repeating: a3[off]), b0)
            c4 = c4.addingProduct(V(repeating: a4[off]), b0)
            c5 = c5.addingProduct(V(repeating: a5[off]), b0)
        }
        let rows = (c0 + d0, c1 + d1, c2 + d2, c3 + d3, c4 + d4, c5 + d5)
        func put(_ v: V, _ r: Int) {
            let row = c + r * ldc
            if accumulate {
                for j in 0..<columns { row[j] += v[j] }
            } else {
                for j in 0..<columns { row[j] = v[j] }
            }
        }
        put(rows.0, 0); put(rows.1, 1); put(rows.2, 2); put(rows.3, 3); put(rows.4, 4); put(rows.5, 5)
    }

    // One specialised copy per row count: `body` is inlined with a constant `rows`, so the
    // `if rows > i` tests and the unused accumulators vanish at compile time.
    @inline(never) static func kernel6(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 6, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func kernel5(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 5, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func kernel4(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 4, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func kernel3(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 3, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func kernel2(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 2, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }
    @inline(never) static func kernel1(_ n: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ acc: Bool) {
        body(rows: 1, n, kc, a, rsa, csa, b, ldb, c, ldc, acc)
    }

    @inline(__always)
    static func body(rows: Int, _ columns: Int, _ kc: Int,
                     _ a: UnsafePointer<Float>, _ rsa: Int, _ csa: Int,
                     _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool,
                     packed: Bool = false) {
        typealias V = SIMD16<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        // Row pointers of A; rows beyond `rows` are never read.
        let a0 = a, a1 = a + rsa, a2 = a + 2 * rsa, a3 = a + 3 * rsa, a4 = a + 4 * rsa, a5 = a + 5 * rsa
        var pb = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        var off = 0
        if packed {
            // Ask for the C tile now, so that its lines arrive while the k loop runs: in the
            // blocked path every KC block after the first adds into C, which has left the caches
            // (4 MB at 1024³), and the loads at the end stalled 8% of the kernel's time.
            for r in 0..<6 {
                prefetchForWriting(c + r * ldc)
                prefetchForWriting(c + r * ldc + 15)
            }
            // a(i, p) = a[p * 6 + i]; two k steps per iteration.
            var pa = a
            var p = 0
            while p &+ 2 <= kc {
                let b0 = pb.loadUnaligned(as: V.self)
                c0 = c0.addingProduct(V(repeating: pa[0]), b0)
                c1 = c1.addingProduct(V(repeating: pa[1]), b0)
                c2 = c2.addingProduct(V(repeating: pa[2]), b0)
                c3 = c3.addingProduct(V(repeating: pa[3]), b0)
                c4 = c4.addingProduct(V(repeating: pa[4]), b0)
                c5 = c5.addingProduct(V(repeating: pa[5]), b0)
                let b1 = (pb + bStep).loadUnaligned(as: V.self)
                c0 = c0.addingProduct(V(repeating: pa[6]), b1)
                c1 = c1.addingProduct(V(repeating: pa[7]), b1)
                c2 = c2.addingProduct(V(repeating: pa[8]), b1)
                c3 = c3.addingProduct(V(repeating: pa[9]), b1)
                c4 = c4.addingProduct(V(repeating: pa[10]), b1)
                c5 = c5.addingProduct(V(repeating: pa[11]), b1)
                pa += 12
                pb += 2 * bStep
                p &+= 2
            }
            if p < kc {
                let b0 = pb.loadUnaligned(as: V.self)
                c0 = c0.addingProduct(V(repeating: pa[0]), b0)
                c1 = c1.addingProduct(V(repeating: pa[1]), b0)
                c2 = c2.addingProduct(V(repeating: pa[2]), b0)
                c3 = c3.addingProduct(V(repeating: pa[3]), b0)
                c4 = c4.addingProduct(V(repeating: pa[4]), b0)
                c5 = c5.addingProduct(V(repeating: pa[5]), b0)
            }
        } else if rows <= 3 {
            // Three rows or fewer give at most six accumulator chains, too few to hide the FMA
            // latency; a second set for odd k doubles them. Each element is then summed as
            // (Σ even p) + (Σ odd p), an order fixed by the row count alone.
            var d0 = V(), d1 = V(), d2 = V()
            var p = 0
            while p &+ 2 <= kc {
                let b0 = pb.loadUnaligned(as: V.self)
                c0 = c0.addingProduct(V(repeating: a0[off]), b0)
                if rows > 1 { c1 = c1.addingProduct(V(repeating: a1[off]), b0) }
                if rows > 2 { c2 = c2.addingProduct(V(repeating: a2[off]), b0) }
                let b1 = (pb + bStep).loadUnaligned(as: V.self)
                d0 = d0.addingProduct(V(repeating: a0[off &+ csa]), b1)
                if rows > 1 { d1 = d1.addingProduct(V(repeating: a1[off &+ csa]), b1) }
                if rows > 2 { d2 = d2.addingProduct(V(repeating: a2[off &+ csa]), b1) }
                off &+= 2 &* csa
                pb += 2 * bStep
                p &+= 2
            }
            if p < kc {
                let b0 = pb.loadUnaligned(as: V.self)
                c0 = c0.addingProduct(V(repeating: a0[off]), b0)
                if rows > 1 { c1 = c1.addingProduct(V(repeating: a1[off]), b0) }
                if rows > 2 { c2 = c2.addingProduct(V(repeating: a2[off]), b0) }
            }
            c0 += d0; c1 += d1; c2 += d2
        } else {
        for _ in 0..<kc {
            let bv = pb.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: a0[off]), bv)
            if rows > 1 { c1 = c1.addingProduct(V(repeating: a1[off]), bv) }
            if rows > 2 { c2 = c2.addingProduct(V(repeating: a2[off]), bv) }
            if rows > 3 { c3 = c3.addingProduct(V(repeating: a3[off]), bv) }
            if rows > 4 { c4 = c4.addingProduct(V(repeating: a4[off]), bv) }
            if rows > 5 { c5 = c5.addingProduct(V(repeating: a5[off]), bv) }
            off &+= csa
            pb += bStep
        }
        }
        if columns == 16 {
            store(c0, c, accumulate)
            if rows > 1 { store(c1, c + ldc, accumulate) }
            if rows > 2 { store(c2, c + 2 * ldc, accumulate) }
            if rows > 3 { store(c3, c + 3 * ldc, accumulate) }
            if rows > 4 { store(c4, c + 4 * ldc, accumulate) }
            if rows > 5 { store(c5, c + 5 * ldc, accumulate) }
        } else {
            storePartial(c0, columns, c, accumulate)
            if rows > 1 { storePartial(c1, columns, c + ldc, accumulate) }
            if rows > 2 { storePartial(c2, columns, c + 2 * ldc, accumulate) }
            if rows > 3 { storePartial(c3, columns, c + 3 * ldc, accumulate) }
            if rows > 4 { storePartial(c4, columns, c + 4 * ldc, accumulate) }
            if rows > 5 { storePartial(c5, columns, c + 5 * ldc, accumulate) }
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

    @inline(never)
    static func storePartial(_ v: SIMD16<Float>, _ columns: Int, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        if accumulate {
            for j in 0..<columns { c[j] += v[j] }
        } else {
            for j in 0..<columns { c[j] = v[j] }
        }
    }
}

/// LLVM's prefetch intrinsic (address, write 1, locality 3 = keep in all levels, data cache),
/// which compiles to `prefetcht0` (or `prefetchw` where the target has it). Swift has no public
/// prefetch, and the C header's `_mm_prefetch` is a macro the importer cannot see, so this
/// binds the intrinsic by name. Release builds only (Package.swift defines NAMEGEN_PREFETCH
/// there): the sanitizers' instrumentation rejects a call to an intrinsic bound this way
/// (`swift build --sanitize=thread` crashed the compiler), and the tests run in debug. If a
/// toolchain ever rejects it, drop the define: the prefetches change the speed of the blocked
/// path (9-12% at 1024³ on one thread), never a result.
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
