import Dispatch
import KernelSupport

/// Row-major Float32 matrix products: the three forms that training needs.
///
///   nn:  C(M,N) = A(M,K) · B(K,N)
///   nt:  C(M,N) = A(M,K) · B(N,K)ᵀ   (Linear forward, weight is (out, in))
///   tn:  C(M,N) = A(K,M)ᵀ · B(K,N)   (Linear weight gradient)
///
/// With `accumulate: true` the product is added into C (`C += …`), which is how backward
/// passes add into gradients. Every shape is allowed, zero-sized ones included. `threads` caps
/// the threads a large product uses. `MatmulNaive` is the reference these are tested against.
///
/// How a product runs (all three forms share one driver; they differ only in strides). This
/// file decides everything that fixes the result, the same for every kernel set; the set
/// (`KernelDispatch.active`, see `KernelSet`) runs the loops, with its own tile and panel sizes:
///
/// * The work unit is a tile of C (AVX-512: 8×32, AVX2 and portable: 6×16) computed in
///   registers by the set's micro-kernel. Every element is summed over k in increasing order,
///   one FMA per term, so the tile shape changes no result.
/// * Small products (K ≤ `directMaxK` and M·K·N ≤ `directMaxVolume`) take the direct path:
///   whole K per tile, A and B read in place through their strides where that is fast.
/// * Larger products use GotoBLAS cache blocking with packed panels. K is cut into the fewest
///   equal KC blocks of at most `kcMax` (342 at K = 1024); the first block stores into C (or
///   adds, when accumulating), the later ones add. B is packed first (`packedBMaxFloats` at
///   most at a time, the threads sharing the work) into one buffer that every thread then
///   reads; each thread packs only the A blocks of its own rows.
/// * Threads: above `parallelMinFlops` the output is split into one part per thread (up to
///   `threads`), run by `WorkerPool` (the caller plus persistent workers). Direct path: by
///   column panels, or by row tiles when there are few columns. Blocked path: by row tiles, or
///   by columns when there are fewer row tiles than threads. K is never split, and the path
///   and KC depend only on the shape, so every element of C is summed in the same order
///   whatever the thread count and the kernel set: results are bit-identical.
package enum Matmul {
    /// Upper bound on worker threads used by large products. A task-local value: the caller
    /// binds it for a stretch of work (`Matmul.$maxThreads.withValue(n) { … }`: the tool for a
    /// command, the trainer from `--threads`), and it is 1 where nothing bound it.
    @TaskLocal package static var maxThreads: Int = 1

    package static func nn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false,
                          threads: Int = Matmul.maxThreads) {
        precondition(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols, "nn: shape mismatch")
        let m = a.rows, k = a.cols, n = b.cols
        run(&c, a, b, m: m, n: n, k: k, a: MatmulStrides(row: k, col: 1), b: MatmulStrides(row: n, col: 1),
            accumulate: accumulate, threads: threads)
    }

    package static func nt(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false,
                          threads: Int = Matmul.maxThreads) {
        precondition(a.cols == b.cols && c.rows == a.rows && c.cols == b.rows, "nt: shape mismatch")
        let m = a.rows, k = a.cols, n = b.rows
        run(&c, a, b, m: m, n: n, k: k, a: MatmulStrides(row: k, col: 1), b: MatmulStrides(row: 1, col: k),
            accumulate: accumulate, threads: threads)
    }

    package static func tn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false,
                          threads: Int = Matmul.maxThreads) {
        precondition(a.rows == b.rows && c.rows == a.cols && c.cols == b.cols, "tn: shape mismatch")
        let k = a.rows, m = a.cols, n = b.cols
        run(&c, a, b, m: m, n: n, k: k, a: MatmulStrides(row: 1, col: m), b: MatmulStrides(row: n, col: 1),
            accumulate: accumulate, threads: threads)
    }

    /// How many times the worker pool has backed off to one thread because another process was
    /// taking a core (see `WorkerPool`). Benchmarks report it.
    package static var poolBackoffs: Int { WorkerPool.shared.backoffs.load(ordering: .relaxed) }

    // MARK: - Decisions that fix the result (the same for every kernel set)

    /// Direct (unpacked) path limits: products up to about 256³ ran as fast or faster without
    /// cache blocking.
    static let directMaxK = 512
    static let directMaxVolume = 160 * 256 * 512
    /// K is cut into the fewest blocks of at most `kcMax`, all of one length KC: each block is
    /// one more pass over C, so fewer, longer blocks help where C has left the caches.
    static let kcMax = 352
    /// Most floats of packed B held at once (4 MB, all of B at 1024³): a longer K is packed and
    /// computed in chunks of whole KC blocks, so that K = 228,146 (the onehot model's full
    /// batch) does not pack a 29 MB copy of B. A chunk holds at least one KC block of all of N.
    static let packedBMaxFloats = 1 << 20
    /// Below this many flops (2·M·N·K) a product runs on the calling thread: handing a part to
    /// a worker costs a few microseconds.
    static let parallelMinFlops = 250_000

    // MARK: - Driver

    static func run(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, m: Int, n: Int, k: Int,
                    a sa: MatmulStrides, b sb: MatmulStrides, accumulate: Bool, threads: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.zero() }
            return
        }
        let kernels = KernelDispatch.active
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    let job = MatmulJob(a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!,
                                        m: m, n: n, k: k, sa: sa, sb: sb, accumulate: accumulate,
                                        direct: k <= directMaxK && m * n * k <= directMaxVolume)
                    execute(job, kernels: kernels, threads: threads)
                }
            }
        }
    }

    static func execute(_ job: MatmulJob, kernels: any KernelSet.Type, threads requested: Int) {
        var job = job
        let flops = 2 * job.m * job.n * job.k
        let width = kernels.matmulPanelWidth, tileRows = kernels.matmulTileRows
        let panels = (job.n + width - 1) / width, rowPanels = (job.m + tileRows - 1) / tileRows
        var threads = min(max(requested, 1), max(panels, rowPanels))
        if flops < parallelMinFlops { threads = 1 }
        let shape = Split.Shape(kernels: kernels, panels: panels, rowPanels: rowPanels)
        if job.direct {
            computeInParts(job, threads: threads, shape: shape)
            return
        }
        // Blocked: pack B (a chunk of whole KC blocks at a time, see `packedBMaxFloats`)
        // into the caller's shared scratch, each thread a share of the panels; the compute parts
        // then all read it.
        let blocks = (job.k + kcMax - 1) / kcMax
        job.kc = (job.k + blocks - 1) / blocks
        let blockFloats = job.kc * width * panels
        let chunk = max(1, packedBMaxFloats / blockFloats) * job.kc
        job.packedB = ScratchBuffer.floats(min(chunk, job.k) * width * panels, slot: .shared)
        var p0 = 0
        while p0 < job.k {
            job.kRange = p0..<min(job.k, p0 + chunk)
            if threads == 1 {
                kernels.matmulPackB(job, panels: 0..<panels)
            } else {
                WorkerPool.shared.run(.matmul(Split(job: job, parts: min(threads, panels), cut: .packB, shape: shape)),
                                      threads: threads)
            }
            computeInParts(job, threads: threads, shape: shape)
            p0 += chunk
        }
    }

    /// Computes the job's C, on `threads` threads. Direct path: split by column panels when
    /// there are enough of them (each thread packs only its own B panels), else by row tiles.
    /// Blocked path: split by rows when each thread gets some (each packs only its own rows of
    /// A), else by columns.
    static func computeInParts(_ job: MatmulJob, threads: Int, shape: Split.Shape) {
        if threads == 1 {
            shape.kernels.matmulCompute(job, rows: 0..<job.m, columns: 0..<job.n)
            return
        }
        let byColumns = job.direct ? (shape.panels >= 2 * threads || shape.panels >= shape.rowPanels)
                                   : shape.rowPanels < threads
        WorkerPool.shared.run(.matmul(Split(job: job, parts: threads, cut: byColumns ? .columns : .rows, shape: shape)),
                              threads: threads)
    }

    /// A product cut into `parts` pieces of work for the worker pool: a plain value, not a
    /// closure, so that handing it to the workers allocates nothing (a stored closure was boxed
    /// on the heap at every call).
    struct Split: @unchecked Sendable {
        enum Cut { case columns, rows, packB }
        /// The kernel set and how the product falls into its panels and row tiles.
        struct Shape {
            var kernels: any KernelSet.Type
            var panels: Int, rowPanels: Int
        }
        var job: MatmulJob
        var parts: Int
        var cut: Cut
        var shape: Shape

        /// Runs piece `t`: a block of C (columns or rows), or a share of the B panels to pack.
        func run(part t: Int) {
            let kernels = shape.kernels, panels = shape.panels, rowPanels = shape.rowPanels
            switch cut {
            case .columns:
                let width = kernels.matmulPanelWidth
                let lo = panels * t / parts * width, hi = min(panels * (t + 1) / parts * width, job.n)
                if lo < hi { kernels.matmulCompute(job, rows: 0..<job.m, columns: lo..<hi) }
            case .rows:
                let tile = kernels.matmulTileRows
                let lo = rowPanels * t / parts * tile, hi = min(rowPanels * (t + 1) / parts * tile, job.m)
                if lo < hi { kernels.matmulCompute(job, rows: lo..<hi, columns: 0..<job.n) }
            case .packB:
                kernels.matmulPackB(job, panels: panels * t / parts..<panels * (t + 1) / parts)
            }
        }
    }
}
