#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Persistent worker threads for `Matmul` and the large-batch kernels (`BatchSplit`):
/// `DispatchQueue.concurrentPerform` costs more than a batch-32 product takes (it wakes its
/// threads for every call), so products above `Matmul.parallelMinFlops`, and BatchNorm and tanh
/// from `BatchSplit.parallelMinElements`, hand their parts to workers that are already running.
///
/// Protocol: one atomic word `state` holds (job generation, part count, next unclaimed part).
/// The caller publishes the task, stores a new generation (release) and wakes parked workers.
/// The caller and the workers then claim parts with a compare-and-swap on `state` until none
/// are left, and the caller waits until `done` reaches the part count, so the task never
/// outlives the call. A part is claimed only while its job is current, and a job stays current
/// until all its parts are done, so a worker that wakes up late finds nothing to claim, and a
/// worker that the OS does not schedule in time only means the caller runs more parts itself.
///
/// After a job a worker polls for the next one for `spinNanoseconds` (training issues products
/// microseconds apart), then parks on a condition variable: idle workers use no CPU. 1 ms
/// outlasts a whole batch-32 training step, so a worker does not park between steps (waking it
/// costs more than a step's products take).
///
/// Oversubscription: when another process keeps a core busy, a spinning worker takes CPU time
/// from the caller, and a worker that has claimed a part can be descheduled for a whole time
/// slice while the caller waits for it. Each worker therefore watches its own share of the CPU:
/// over windows of `shareWindowNanoseconds` of wanting to run (spinning or computing, not
/// parked), the thread's CPU time against the wall time. Below `minimumShare` in two windows in
/// a row, another task is taking the core, and the pool goes into back-off: every call runs all
/// its parts on the calling thread for a while (50 ms, doubling up to 2 s while the signal keeps
/// coming) and idle workers park. This changes who computes a part, never what is computed.
/// (docs/PERFORMANCE.md has the measurements behind this rule and the signals it replaced.)
///
/// One job runs at a time. A call that finds the pool busy (another thread, or a product
/// started from inside a task) runs all its parts on the calling thread instead. The parts
/// write disjoint blocks of C (or disjoint columns or elements of a batch), and which thread runs
/// a part never changes what it computes.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker polls for the next job before parking.
    static let spinNanoseconds: UInt64 = 1_000_000

    /// A worker that got less than this share of its core's time, over two windows in a row of
    /// `shareWindowNanoseconds` in which it wanted to run, puts the pool in back-off. A competing
    /// CPU-bound process gets the worker about half; brief preemptions by kernel threads cost
    /// it a percent or two.
    static let minimumShare = 0.7
    static let shareWindowNanoseconds: UInt64 = 20_000_000

    /// How long the pool stays unused after workers kept the caller waiting.
    static let backoffNanoseconds: UInt64 = 50_000_000

    /// How many back-offs the pool has entered (for benchmarks: a figure taken during one ran
    /// partly on one thread).
    let backoffs = Atomic<Int>(0)
    private let busy = Lock()
    private let backoffUntil = Atomic<UInt64>(0)
    /// The length of the next back-off: it doubles (up to 2 s) while back-offs follow each
    /// other within a second, so that a core that stays busy costs a few slow products per
    /// doubling rather than per 50 ms, and falls back to `backoffNanoseconds` after a quiet second.
    private let backoffLength = Atomic<UInt64>(WorkerPool.backoffNanoseconds)
    /// generation << 32 | parts << 16 | next part to claim.
    private let state = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let parking = Condition()
    private var sleepers = 0                 // guarded by `parking`
    private var workerCount = 0              // guarded by `busy`
    /// Workers 1...helpers take part in the current job; the others (left from a call with more
    /// threads) stay out of it.
    private let helpers = Atomic<Int>(0)
    /// Written by the caller before the generation is published; read only by a thread that
    /// has claimed a part of that generation.
    private var task: Work?

    /// What the pool runs: a product's parts or a batch kernel's (plain values: see their types).
    enum Work: @unchecked Sendable {
        case matmul(Matmul.Split)
        case batch(BatchSplit)

        var parts: Int {
            switch self {
            case .matmul(let split): split.parts
            case .batch(let split): split.parts
            }
        }

        func run(part: Int) {
            switch self {
            case .matmul(let split): split.run(part: part)
            case .batch(let split): split.run(part: part)
            }
        }
    }

    /// Runs every part of `split`, on the calling thread and `threads - 1` workers, and returns
    /// when all parts are done.
    func run(_ split: Work, threads: Int) {
        let parts = split.parts
        guard parts > 1, threads > 1, parts < 1 << 15, busy.try() else {
            for part in 0..<parts { split.run(part: part) }
            return
        }
        defer { busy.unlock() }
        if DispatchTime.now().uptimeNanoseconds < backoffUntil.load(ordering: .relaxed) {
            for part in 0..<parts { split.run(part: part) }
            return
        }
        while workerCount < threads - 1 { startWorker(index: workerCount + 1) }
        helpers.store(threads - 1, ordering: .relaxed)
        do {
            task = split
            done.store(0, ordering: .relaxed)
            let generation = (Self.generation(of: state.load(ordering: .relaxed)) + 1) & 0x7FFF_FFFF
            state.store(generation << 32 | parts << 16, ordering: .releasing)
            parking.lock()
            if sleepers > 0 { parking.broadcast() }
            parking.unlock()
            claimParts(generation: generation)
            var spins = 0
            while done.load(ordering: .acquiring) != parts {
                spins += 1
                if spins > 20_000 { sched_yield() }
            }
            task = nil
        }
    }

    /// Every call runs on its own thread until `now` + the back-off length.
    private func enterBackoff(now: UInt64) {
        backoffs.add(1, ordering: .relaxed)
        let previousEnd = backoffUntil.load(ordering: .relaxed)
        var length = backoffLength.load(ordering: .relaxed)
        length = now > previousEnd + 1_000_000_000 ? Self.backoffNanoseconds : min(2 * length, 2_000_000_000)
        backoffLength.store(length, ordering: .relaxed)
        backoffUntil.store(now + length, ordering: .relaxed)
    }

    private static func generation(of word: Int) -> Int { word >> 32 }

    /// Claims and runs parts of job `generation` until none are left (or the job is over).
    private func claimParts(generation: Int) {
        while true {
            let word = state.load(ordering: .acquiring)
            let parts = (word >> 16) & 0xFFFF, next = word & 0xFFFF
            guard Self.generation(of: word) == generation, next < parts else { return }
            if state.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing).exchanged {
                task!.run(part: next)
                done.add(1, ordering: .releasing)
            }
        }
    }

    /// CPU time of the calling thread, in nanoseconds.
    fileprivate static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private func startWorker(index: Int) {
        workerCount += 1
        let seen = Self.generation(of: state.load(ordering: .acquiring))
        Self.startThread { [self] in workerLoop(index: index, seen: seen) }
    }

    /// Starts a detached thread that runs `body`.
    private static func startThread(_ body: @escaping () -> Void) {
        final class Start {
            let body: () -> Void
            init(_ body: @escaping () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Start(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<Start>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if status == 0 { pthread_detach(thread!) }
        #else
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        if status == 0 { pthread_detach(thread) }
        #endif
        precondition(status == 0, "pthread_create failed for a worker thread")
    }

    private func workerLoop(index: Int, seen: Int) {
        var seen = seen
        var window = ShareWindow()
        // A worker left out of the current job (a call with fewer threads than workers) parks
        // at once instead of spinning beside the threads that do the work.
        var excluded = false
        while true {
            var current = Self.generation(of: state.load(ordering: .acquiring))
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds - (excluded ? Self.spinNanoseconds : 0)
                var spins = 0
                while current == seen {
                    spins += 1
                    guard spins & 255 == 0 else {
                        current = Self.generation(of: state.load(ordering: .acquiring))
                        continue
                    }
                    let now = DispatchTime.now().uptimeNanoseconds
                    let contended = window.isContended(now: now)
                    if contended { enterBackoff(now: now) }
                    if contended || now - start > Self.spinNanoseconds {
                        parking.lock()
                        sleepers += 1
                        while Self.generation(of: state.load(ordering: .acquiring)) == seen { parking.wait() }
                        sleepers -= 1
                        parking.unlock()
                        window = ShareWindow()  // parked time is not wanted CPU time
                    }
                    current = Self.generation(of: state.load(ordering: .acquiring))
                }
            }
            seen = current
            excluded = index > helpers.load(ordering: .relaxed)
            if !excluded {
                claimParts(generation: current)
                // Jobs can follow each other too closely for the spin loop's check (training
                // steps issue products microseconds apart), so check after every job too.
                let now = DispatchTime.now().uptimeNanoseconds
                if window.isContended(now: now) { enterBackoff(now: now) }
            }
        }
    }

    /// A worker's CPU-share window (see the type's comment): wall clock and thread CPU time at
    /// its start.
    struct ShareWindow {
        var wall = DispatchTime.now().uptimeNanoseconds
        var cpu = WorkerPool.threadCPUNanoseconds()
        /// Whether the window before this one was short of CPU.
        var previousShort = false

        /// Once the window is `shareWindowNanoseconds` long: whether another task is taking the
        /// core, that is, the thread was on the CPU for less than `minimumShare` of the wall
        /// time in this window and in the one before; a new window then starts. False before
        /// that. One short window alone is not enough: the first 20 ms of a new process's worker
        /// can lose a third of its first window to preemptions with nothing else running.
        mutating func isContended(now: UInt64) -> Bool {
            guard now - wall >= WorkerPool.shareWindowNanoseconds else { return false }
            var next = ShareWindow()
            next.previousShort = Double(next.cpu - cpu) < WorkerPool.minimumShare * Double(now - wall)
            let contended = next.previousShort && previousShort
            self = next
            return contended
        }
    }
}
