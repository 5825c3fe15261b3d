import Foundation
import Synchronization

/// Persistent worker threads for `Matmul`: `DispatchQueue.concurrentPerform` costs more than a
/// batch-32 product takes (tens of µs to wake its threads), so products above
/// `Matmul.parallelMinFlops` hand their parts to workers that are already running.
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
/// outlasts a whole batch-32 training step (about 0.6 ms); with 200 µs the worker parked about
/// every second step, and on this VM the wake-ups cost up to half the 2-thread step rate
/// (950 against 1,700 steps/s, in the same session).
///
/// Oversubscription: when another process keeps a core busy, a spinning worker takes CPU time
/// from the caller, and a worker that has claimed a part can be descheduled for a whole time
/// slice while the caller waits for it. Two signals put the pool in back-off, where every call
/// runs all its parts on the calling thread for a while (50 ms, doubling up to 2 s while the
/// signals keep coming) and idle workers park:
/// a worker that the kernel preempted eight times within 50 ms (its involuntary
/// context-switch count grew),
/// and three jobs in a row where the caller waited for workers longer than twice its own
/// share (and over 20 µs). This changes who computes a part, never what is computed.
///
/// One job runs at a time. A call that finds the pool busy (another thread, or a product
/// started from inside a task) runs all its parts on the calling thread instead. The parts
/// write disjoint blocks of C, and which thread runs a part never changes what it computes.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker polls for the next job before parking.
    static let spinNanoseconds: UInt64 = 1_000_000

    /// Preemptions of one worker within 50 ms that put the pool in back-off.
    static let preemptionWindow = 8

    /// How long the pool stays unused after workers kept the caller waiting.
    static let backoffNanoseconds: UInt64 = 50_000_000

    private let busy = NSLock()
    private var lateJobs = 0                 // guarded by `busy`
    private let backoffUntil = Atomic<UInt64>(0)
    /// The length of the next back-off: it doubles (up to 2 s) while back-offs follow each
    /// other within a second, so that a core that stays busy costs a few slow products per
    /// doubling rather than per 50 ms, and falls back to `backoffNanoseconds` after a quiet second.
    private let backoffLength = Atomic<UInt64>(WorkerPool.backoffNanoseconds)
    /// generation << 32 | parts << 16 | next part to claim.
    private let state = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let parking = NSCondition()
    private var sleepers = 0                 // guarded by `parking`
    private var workerCount = 0              // guarded by `busy`
    /// Written by the caller before the generation is published; read only by a thread that
    /// has claimed a part of that generation.
    private var task: Matmul.Split?

    /// Runs every part of `split`, on the calling thread and up to `parts - 1` workers, and
    /// returns when all parts are done.
    func run(_ split: Matmul.Split) {
        let parts = split.parts
        guard parts > 1, parts < 1 << 15, busy.try() else {
            for part in 0..<parts { split.run(part: part) }
            return
        }
        defer { busy.unlock() }
        let start = DispatchTime.now().uptimeNanoseconds
        if start < backoffUntil.load(ordering: .relaxed) {
            for part in 0..<parts { split.run(part: part) }
            return
        }
        while workerCount < parts - 1 { startWorker(index: workerCount + 1) }
        do {
            task = split
            done.store(0, ordering: .relaxed)
            let generation = (Self.generation(of: state.load(ordering: .relaxed)) + 1) & 0x7FFF_FFFF
            state.store(generation << 32 | parts << 16, ordering: .releasing)
            parking.lock()
            if sleepers > 0 { parking.broadcast() }
            parking.unlock()
            claimParts(generation: generation)
            let ownDone = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while done.load(ordering: .acquiring) != parts {
                spins += 1
                if spins > 20_000 { sched_yield() }
            }
            task = nil
            if spins > 0 {
                let end = DispatchTime.now().uptimeNanoseconds
                let waited = end - ownDone, own = ownDone - start
                lateJobs = waited > 2 * own + 20_000 ? lateJobs + 1 : 0
                if lateJobs >= 3 {
                    lateJobs = 0
                    enterBackoff(now: end)
                }
            } else {
                lateJobs = 0
            }
        }
    }

    /// Every call runs on its own thread until `now` + the back-off length.
    private func enterBackoff(now: UInt64) {
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

    /// Times the kernel took this thread off its CPU for another task.
    private static func involuntaryContextSwitches() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(1, &usage)  // RUSAGE_THREAD (a GNU extension the Glibc module does not export)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage.ru_nivcsw
    }

    private func startWorker(index: Int) {
        workerCount += 1
        let seen = Self.generation(of: state.load(ordering: .acquiring))
        let thread = Thread { [self] in workerLoop(seen: seen) }
        thread.name = "namegen-matmul-\(index)"
        thread.start()
    }

    private func workerLoop(seen: Int) {
        var seen = seen
        var switches = Self.involuntaryContextSwitches()
        // Times of the last `preemptionWindow - 1` preemptions, oldest at `oldest` (a ring).
        var preemptions = [UInt64](repeating: 0, count: Self.preemptionWindow - 1)
        var oldest = 0
        while true {
            var current = Self.generation(of: state.load(ordering: .acquiring))
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current == seen {
                    spins += 1
                    guard spins & 255 == 0 else {
                        current = Self.generation(of: state.load(ordering: .acquiring))
                        continue
                    }
                    let now = DispatchTime.now().uptimeNanoseconds
                    // Preempted since the last check (while spinning or running a part)? Kernel
                    // threads and the hypervisor do that now and then on an idle machine (four
                    // within 50 ms happened there, backing off 512³ products mid-benchmark);
                    // eight within 50 ms means another process wants this core.
                    let count = Self.involuntaryContextSwitches()
                    var preempted = false
                    if count != switches {
                        preempted = now - preemptions[oldest] < 50_000_000
                        preemptions[oldest] = now
                        oldest = (oldest + 1) % preemptions.count
                        switches = count
                    }
                    if preempted { enterBackoff(now: now) }
                    if preempted || now - start > Self.spinNanoseconds {
                        parking.lock()
                        sleepers += 1
                        while Self.generation(of: state.load(ordering: .acquiring)) == seen { parking.wait() }
                        sleepers -= 1
                        parking.unlock()
                    }
                    current = Self.generation(of: state.load(ordering: .acquiring))
                }
            }
            seen = current
            claimParts(generation: current)
        }
    }
}
