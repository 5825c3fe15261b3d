import Dispatch

/// Row-major Float32 matrix products: the three forms that training needs.
///
///   nn:  C(M,N) = A(M,K) · B(K,N)
///   nt:  C(M,N) = A(M,K) · B(N,K)ᵀ   (Linear forward, weight is (out, in))
///   tn:  C(M,N) = A(K,M)ᵀ · B(K,N)   (Linear weight gradient)
///
/// With `accumulate: true` the product is added into C (`C += …`), which is how backward
/// passes add into gradients. Every shape is allowed, zero-sized ones included.
/// `MatmulNaive` is the reference these are tested against.
///
/// How a product runs (all three forms share one driver; they differ only in strides):
///
/// * The work unit is a 6×16 tile of C, computed by `MatmulMicroKernel` in registers.
/// * Small products (K ≤ `directMaxK` and M·K·N ≤ `directMaxVolume`) take the direct path:
///   whole K per tile, A read in place through its strides, B in place as 16-wide rows. Only
///   what is slow in place is packed (see `computeDirect`): a ragged last column panel, every
///   panel in the nt form (B stored (N, K) must be transposed), and leading dimensions that are
///   multiples of 256 floats. Loop order: for each 16-column panel of B (K×16 ≤ 32 KB, stays
///   in L1), sweep all 6-row tiles of A (≤ 200 KB at the batch-32 shapes, L1/L2).
/// * Larger products use GotoBLAS cache blocking with packed panels. B is packed first
///   (`packB`: KC×16 panels, the threads sharing the work; about `packedBMaxFloats` at a
///   time) into one buffer that every thread then reads; each thread packs only the A blocks
///   of its own rows:
///     for jc in N by NC:                    B block KC×NC (≤ 1.4 MB) in L2/L3
///       for pc in K by KC:                  B panel KC×16 (≤ 22 KB) in L1
///         for ic in M by MC: pack A block   A block MC×KC (≤ 132 KB) in L2
///           for each 16-column panel, for each 6-row panel: micro-kernel
///   K is split into KC blocks: the first block stores (or adds to C when accumulating), the
///   later ones add. The micro-kernel prefetches its C tile before its k loop, because C
///   (4 MB at 1024³) has left the caches by the time the next KC block adds into it.
/// * Threads: above `parallelMinFlops` the output is split into one part per thread (up to
///   `maxThreads`), run by `WorkerPool` (the caller plus persistent workers). Direct path: by
///   16-column panels, or by 6-row panels when there are few columns. Blocked path: by 6-row
///   panels, or by columns when there are fewer row panels than threads. Part boundaries fall on
///   tile boundaries, K is never split, and the path (direct or blocked, KC, what is packed)
///   depends only on the shape, so every element of C is summed in the same order whatever the
///   thread count: results are bit-identical for any `maxThreads`, run to run.
public enum Matmul {
    /// Upper bound on worker threads used by large products. A task-local value: the caller
    /// binds it for a stretch of work (`Matmul.$maxThreads.withValue(n) { … }`: the tool for a
    /// command, the trainer from `--threads`), and it is 1 where nothing bound it.
    @TaskLocal public static var maxThreads: Int = 1

    public static func nn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols, "nn: shape mismatch")
        let m = a.rows, k = a.cols, n = b.cols
        run(&c, a, b, m: m, n: n, k: k,
            a: Strides(row: k, col: 1), b: Strides(row: n, col: 1), accumulate: accumulate)
    }

    public static func nt(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.cols == b.cols && c.rows == a.rows && c.cols == b.rows, "nt: shape mismatch")
        let m = a.rows, k = a.cols, n = b.rows
        run(&c, a, b, m: m, n: n, k: k,
            a: Strides(row: k, col: 1), b: Strides(row: 1, col: k), accumulate: accumulate)
    }

    public static func tn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.rows == b.rows && c.rows == a.cols && c.cols == b.cols, "tn: shape mismatch")
        let k = a.rows, m = a.cols, n = b.cols
        run(&c, a, b, m: m, n: n, k: k,
            a: Strides(row: 1, col: m), b: Strides(row: n, col: 1), accumulate: accumulate)
    }

    /// How many times the worker pool has backed off to one thread because another process was
    /// taking a core (see `WorkerPool`). Benchmarks report it.
    public static var poolBackoffs: Int { WorkerPool.shared.backoffs.load(ordering: .relaxed) }

    // MARK: - Tuning constants (measured on a 2-core AMD EPYC Zen 2 VM with `namegen-bench`)

    /// Direct (unpacked) path limits: up to 256³-sized products ran as fast or faster without
    /// cache blocking (92-98 GFLOPS at 256×200×200, 128×256×512 and 256³ on one core).
    static let directMaxK = 512
    static let directMaxVolume = 160 * 256 * 512
    /// Largest tn A (in floats) that the direct path packs (on the stack).
    static let directPackedAMax = 64 * 1024
    /// Cache blocking of the packed path. K is cut into the fewest blocks of at most `kcMax`,
    /// all of one length KC (342 at K = 1024, 256 at K = 512): a KC×16 B panel ≤ 22 KB and a
    /// 6×KC A panel ≤ 8 KB share the 32 KB L1d; MC×KC A block ≤ 132 KB (L2 is 512 KB); KC×NC B
    /// block ≤ 1.4 MB (L3). Each KC block is one more pass over C, so fewer, longer blocks help
    /// where C has left the caches: three blocks of 342 beat four of 256 at 1024³ in 13-18 of 20
    /// interleaved rounds (1-3%). MC 48-144 measured within noise; NC 256-512 lost to 1024
    /// (A is packed again for every NC block).
    static let kcMax = 352, mc = 96, nc = 1024
    /// Most floats of packed B held at once (4 MB, all of B at 1024³): a longer K is packed and
    /// computed in chunks of whole KC blocks, so that K = 228,146 (the onehot model's full
    /// batch) does not pack a 29 MB copy of B. A chunk holds at least one KC block of all of N,
    /// so N above about 3,000 goes over the cap (KC·N floats: 11 MB at N = 8,192).
    static let packedBMaxFloats = 1 << 20
    /// Below this many flops (2·M·N·K) a product runs on the calling thread. Measured with the
    /// persistent worker on an idle machine: 2 threads took 16 µs against 28 µs on one for
    /// nn 32×200×200 (2.6 MFLOP), 7.3 against 12 µs at 32×80×200 (1 MFLOP), 3.4 against 5.7 µs
    /// at 64³ (0.5 MFLOP), 4.0 against 6.2 µs at 32×200×27 (0.35 MFLOP, kept on one thread to
    /// leave a margin for the hand-off).
    static let parallelMinFlops = 500_000

    // MARK: - Driver

    /// Element (r, c) of a logical operand lives at base[r * row + c * col].
    struct Strides { var row: Int; var col: Int }

    /// Pointers handed to worker threads (Swift 6 `@Sendable` closures cannot capture them).
    struct Job: @unchecked Sendable {
        var a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
        var m: Int, n: Int, k: Int
        var sa: Strides, sb: Strides
        var accumulate: Bool
        var direct: Bool
        /// The blocked path's packed B (see `packB`), shared by all parts; nil on the direct path.
        var packedB: UnsafeMutablePointer<Float>? = nil
        /// The rows of B (the range of K) packed in `packedB` and computed by the current call
        /// of the blocked path: whole KC blocks, from `execute`.
        var kRange: Range<Int> = 0..<0
        /// The KC of the blocked path: K cut into ceil(K / kcMax) blocks of equal length.
        var kc: Int = 0
    }

    static func run(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, m: Int, n: Int, k: Int,
                    a sa: Strides, b sb: Strides, accumulate: Bool) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.zero() }
            return
        }
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    let job = Job(a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!,
                                  m: m, n: n, k: k, sa: sa, sb: sb, accumulate: accumulate,
                                  direct: k <= directMaxK && m * n * k <= directMaxVolume)
                    execute(job)
                }
            }
        }
    }

    static func execute(_ job: Job) {
        var job = job
        let flops = 2 * job.m * job.n * job.k
        let panels = (job.n + 15) / 16, rowPanels = (job.m + 5) / 6
        var threads = min(max(Matmul.maxThreads, 1), max(panels, rowPanels))
        if flops < parallelMinFlops { threads = 1 }
        if job.direct {
            computeInParts(job, threads: threads, panels: panels, rowPanels: rowPanels)
            return
        }
        // Blocked: pack B (a chunk of whole KC blocks at a time, see `packedBMaxFloats`)
        // into the caller's shared scratch, each thread a share of the panels; the compute parts
        // then all read it. Packing B per part instead meant that each thread, owning a band of
        // columns, packed all of A: 2-11% slower at 1024³ on 2 threads than splitting the rows.
        let blocks = (job.k + kcMax - 1) / kcMax
        job.kc = (job.k + blocks - 1) / blocks
        let blockFloats = job.kc * 16 * panels
        let chunk = max(1, packedBMaxFloats / blockFloats) * job.kc
        job.packedB = ScratchBuffer.floats(min(chunk, job.k) * 16 * panels, slot: .shared)
        var p0 = 0
        while p0 < job.k {
            job.kRange = p0..<min(job.k, p0 + chunk)
            if threads == 1 {
                packB(job, panels: 0..<panels)
            } else {
                WorkerPool.shared.run(Split(job: job, parts: min(threads, panels), cut: .packB,
                                            panels: panels, rowPanels: rowPanels), threads: threads)
            }
            computeInParts(job, threads: threads, panels: panels, rowPanels: rowPanels)
            p0 += chunk
        }
    }

    /// Computes the job's C, on `threads` threads. Direct path: split by 16-column panels when
    /// there are enough of them (each thread packs only its own B panels), else by 6-row
    /// panels. Blocked path: split by rows when each thread gets some (each packs only its own
    /// rows of A), else by columns.
    static func computeInParts(_ job: Job, threads: Int, panels: Int, rowPanels: Int) {
        if threads == 1 {
            compute(job, rows: 0..<job.m, columns: 0..<job.n)
            return
        }
        let byColumns = job.direct ? (panels >= 2 * threads || panels >= rowPanels) : rowPanels < threads
        WorkerPool.shared.run(Split(job: job, parts: threads, cut: byColumns ? .columns : .rows,
                                    panels: panels, rowPanels: rowPanels), threads: threads)
    }

    /// A product cut into `parts` pieces of work for the worker pool: a plain value, not a
    /// closure, so that handing it to the workers allocates nothing (a stored closure was boxed
    /// on the heap at every call).
    struct Split: @unchecked Sendable {
        enum Cut { case columns, rows, packB }
        var job: Job
        var parts: Int
        var cut: Cut
        var panels: Int, rowPanels: Int

        /// Runs piece `t`: a block of C (columns or rows), or a share of the B panels to pack.
        func run(part t: Int) {
            switch cut {
            case .columns:
                let lo = panels * t / parts * 16, hi = min(panels * (t + 1) / parts * 16, job.n)
                if lo < hi { compute(job, rows: 0..<job.m, columns: lo..<hi) }
            case .rows:
                let lo = rowPanels * t / parts * 6, hi = min(rowPanels * (t + 1) / parts * 6, job.m)
                if lo < hi { compute(job, rows: lo..<hi, columns: 0..<job.n) }
            case .packB:
                packB(job, panels: panels * t / parts..<panels * (t + 1) / parts)
            }
        }
    }

    /// Computes the block C[rows, columns] of the job on the calling thread.
    static func compute(_ job: Job, rows: Range<Int>, columns: Range<Int>) {
        if job.direct {
            computeDirect(job, rows: rows, columns: columns)
        } else {
            computeBlocked(job, rows: rows, columns: columns)
        }
    }

    /// Small shapes: whole K per tile, A and B read in place where that is fast.
    /// B: nn/tn read it in place (16 floats per row, N apart); nt (B stored (N, K)), a ragged
    /// last panel, and leading dimensions that are a multiple of 256 floats (rows 1 KB apart
    /// fall into a few L1 sets and evict each other: 60 against 85-95 GFLOPS at 128×256×512)
    /// go through a packed K×16 panel. A: read in place through its strides, except in the tn
    /// form with M a multiple of 256, where it is packed into 6-row panels first for the same
    /// reason. Packing costs more than it saves on the batch-32 shapes, so it is not the default.
    static func computeDirect(_ job: Job, rows: Range<Int>, columns: Range<Int>) {
        let k = job.k, n = job.n
        let rowCount = rows.count, paddedRows = (rowCount + 5) / 6 * 6
        // Decided on the whole matrix, not on this part, so all parts take the same path.
        let packA = job.sa.row == 1 && job.sa.col % 256 == 0 && (job.m + 5) / 6 * 6 * k <= directPackedAMax
        let bInPlace = job.sb.col == 1 && job.sb.row % 256 != 0
        do {
            let panel = ScratchBuffer.floats(k * 16 + (packA ? paddedRows * k : 0))
            let aPacked = panel + k * 16
            if packA {
                MatmulPacking.packABlock(job.a, rowStride: job.sa.row, colStride: job.sa.col,
                                         i0: rows.lowerBound, mc: rowCount, p0: 0, kc: k, into: aPacked)
            }
            var j0 = columns.lowerBound
            while j0 < columns.upperBound {
                let width = min(16, columns.upperBound - j0)
                let bp: UnsafePointer<Float>, ldb: Int
                if bInPlace && width == 16 {
                    bp = job.b + j0; ldb = job.sb.row
                } else {
                    MatmulPacking.packBPanel(job.b, rowStride: job.sb.row, colStride: job.sb.col,
                                             p0: 0, kc: k, j0: j0, width: width, into: panel)
                    bp = UnsafePointer(panel); ldb = 16
                }
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let h = min(6, rows.upperBound - i)
                    let c = job.c + i * n + j0
                    if packA {
                        let a = aPacked + (i - rows.lowerBound) * k
                        if h == 6 {
                            MatmulMicroKernel.packedTile(columns: width, kc: k, a: a, b: bp, ldb: ldb,
                                                         c: c, ldc: n, accumulate: job.accumulate)
                        } else {
                            MatmulMicroKernel.tile(rows: h, columns: width, kc: k, a: a, rowStrideA: 1, colStrideA: 6,
                                                   b: bp, ldb: ldb, c: c, ldc: n, accumulate: job.accumulate)
                        }
                    } else if h == 6 && width <= 8 {
                        MatmulMicroKernel.narrowTile(columns: width, kc: k,
                                                     a: job.a + i * job.sa.row, rowStrideA: job.sa.row, colStrideA: job.sa.col,
                                                     b: bp, ldb: ldb, c: c, ldc: n, accumulate: job.accumulate)
                    } else {
                        MatmulMicroKernel.tile(rows: h, columns: width, kc: k,
                                               a: job.a + i * job.sa.row, rowStrideA: job.sa.row, colStrideA: job.sa.col,
                                               b: bp, ldb: ldb, c: c, ldc: n, accumulate: job.accumulate)
                    }
                    i += 6
                }
                j0 += 16
            }
        }
    }

    /// Packs the 16-column panels `panels` of B, for every KC block in `job.kRange`, into
    /// `job.packedB`. Layout: the KC block starting at row pc holds all N/16 panels (each
    /// kcur × 16, see `MatmulPacking.packBPanel`) one after another, panel j at
    /// (pc − kRange.lowerBound)·16·panels + j·kcur·16.
    static func packB(_ job: Job, panels: Range<Int>) {
        guard let packed = job.packedB else { return }
        let total = (job.n + 15) / 16
        var pc = job.kRange.lowerBound
        while pc < job.kRange.upperBound {
            let kcur = min(job.kc, job.kRange.upperBound - pc)
            let block = packed + (pc - job.kRange.lowerBound) * 16 * total
            var rest = panels
            if job.sb.col == 1 {
                // Row-major B: the full panels row by row, then a ragged last one on its own.
                let full = panels.clamped(to: 0..<job.n / 16)
                MatmulPacking.packBPanels(job.b, rowStride: job.sb.row, p0: pc, kc: kcur, j0: full.lowerBound * 16,
                                          count: full.count, into: block + full.lowerBound * kcur * 16,
                                          panelStride: kcur * 16)
                rest = full.upperBound..<panels.upperBound
            }
            for j in rest {
                MatmulPacking.packBPanel(job.b, rowStride: job.sb.row, colStride: job.sb.col,
                                         p0: pc, kc: kcur, j0: j * 16, width: min(16, job.n - j * 16),
                                         into: block + j * kcur * 16)
            }
            pc += job.kc
        }
    }

    /// Large shapes: the KC blocks of `job.kRange`, B packed beforehand (`packB`), A packed
    /// block by block, cache-blocked over N (NC), K (KC) and M (MC). `columns` starts on a
    /// 16-column panel boundary.
    static func computeBlocked(_ job: Job, rows: Range<Int>, columns: Range<Int>) {
        guard let packedB = job.packedB else { return }
        let n = job.n, panels = (n + 15) / 16
        let aBlock = ScratchBuffer.floats((mc + 6) * job.kc + 8)  // + 8: transpose6x8 spill
        var jc = columns.lowerBound
        while jc < columns.upperBound {
            let ncur = min(nc, columns.upperBound - jc)
            var pc = job.kRange.lowerBound
            while pc < job.kRange.upperBound {
                let kcur = min(job.kc, job.kRange.upperBound - pc)
                let accumulate = job.accumulate || pc > 0
                let bBlock = packedB + (pc - job.kRange.lowerBound) * 16 * panels + jc / 16 * kcur * 16
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mcur = min(mc, rows.upperBound - ic)
                    MatmulPacking.packABlock(job.a, rowStride: job.sa.row, colStride: job.sa.col,
                                             i0: ic, mc: mcur, p0: pc, kc: kcur, into: aBlock)
                    var jr = 0
                    while jr < ncur {
                        let width = min(16, ncur - jr)
                        var ir = 0
                        while ir < mcur {
                            let h = min(6, mcur - ir)
                            if h == 6 {
                                MatmulMicroKernel.packedTile(columns: width, kc: kcur, a: aBlock + ir * kcur,
                                                             b: bBlock + jr * kcur, ldb: 16,
                                                             c: job.c + (ic + ir) * n + jc + jr, ldc: n,
                                                             accumulate: accumulate)
                            } else {
                                MatmulMicroKernel.tile(rows: h, columns: width, kc: kcur,
                                                       a: aBlock + ir * kcur, rowStrideA: 1, colStrideA: 6,
                                                       b: bBlock + jr * kcur, ldb: 16,
                                                       c: job.c + (ic + ir) * n + jc + jr, ldc: n,
                                                       accumulate: accumulate)
                            }
                            ir += 6
                        }
                        jr += 16
                    }
                    ic += mc
                }
                pc += job.kc
            }
            jc += nc
        }
    }
}
