import KernelSupport

/// A batch kernel cut into parts for the worker pool: BatchNorm over blocks of columns, or an
/// element-wise kernel over ranges of elements. Part boundaries fall on multiples of 16 and
/// every column (or element) is computed alone, in the same order whichever part it falls in,
/// so the cut changes no result. A plain value, not a closure, so that handing it to the
/// workers allocates nothing (as `Matmul.Split`).
struct BatchSplit: @unchecked Sendable {
    enum Kernel {
        /// Columns of a BatchNorm forward or backward.
        case batchNormForward(BatchNormForward)
        case batchNormBackward(BatchNormBackward)
        /// y = tanh(x), and dx = dy·(1 − y²), over elements.
        case tanh(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>)
        case tanhBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, y: UnsafePointer<Float>)
    }

    /// Work below this many floats (32,768: batches from 164 rows at width 200) runs on the
    /// calling thread: handing a part to a worker costs a few microseconds.
    static let parallelMinElements = 32 * 1024

    var kernel: Kernel
    var kernels: any KernelSet.Type
    /// Columns (BatchNorm) or elements (tanh) in all.
    var width: Int
    var parts: Int

    /// The split of `kernel` over `width` columns or elements of a job of `elements` floats, on
    /// up to `threads` threads (one part, run on the caller, below `parallelMinElements`).
    init(_ kernel: Kernel, width: Int, elements: Int, threads: Int) {
        self.kernel = kernel
        kernels = KernelDispatch.active
        self.width = width
        parts = Self.partCount(width: width, elements: elements, threads: threads)
    }

    /// One part per thread, each at least two blocks of 16 wide (so a BatchNorm splits from 49
    /// columns); one part below `parallelMinElements`.
    static func partCount(width: Int, elements: Int, threads: Int) -> Int {
        elements < parallelMinElements ? 1 : max(1, min(threads, (width + 15) / 16 / 2))
    }

    /// Runs `kernel` over `width` columns (or elements) of a job of `elements` floats: on the
    /// calling thread, or split between it and the worker threads (`Matmul.maxThreads`, read
    /// only for a job of `parallelMinElements` or more).
    static func run(_ kernel: Kernel, width: Int, elements: Int) {
        let threads = elements < parallelMinElements ? 1 : Matmul.maxThreads
        BatchSplit(kernel, width: width, elements: elements, threads: threads).run()
    }

    /// Runs every part, on the worker pool when there is more than one.
    func run() {
        if parts == 1 {
            run(part: 0)
        } else {
            WorkerPool.shared.run(.batch(self), threads: parts)
        }
    }

    /// Runs part `t`: blocks of 16 columns (or elements), the last part taking the ragged end.
    func run(part t: Int) {
        let blocks = (width + 15) / 16
        let lo = blocks * t / parts * 16, hi = min(blocks * (t + 1) / parts * 16, width)
        guard lo < hi else { return }
        switch kernel {
        case .batchNormForward(let p): kernels.batchNormForward(p.columns(lo, width: hi - lo))
        case .batchNormBackward(let p): kernels.batchNormBackward(p.columns(lo, width: hi - lo))
        case .tanh(let y, let x): kernels.tanh(y + lo, x + lo, count: hi - lo)
        case .tanhBackward(let dx, let dy, let y): kernels.tanhBackward(dx + lo, dy + lo, y + lo, count: hi - lo)
        }
    }
}
