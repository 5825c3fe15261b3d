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
/// microseconds apart), then parks on a condition variable: idle workers use no CPU.
///
/// One job runs at a time. A call that finds the pool busy (another thread, or a product
/// started from inside a task) runs all its parts on the calling thread instead. The parts
/// write disjoint blocks of C, and which thread runs a part never changes what it computes.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker polls for the next job before parking.
    static let spinNanoseconds: UInt64 = 200_000

    private let busy = NSLock()
    /// generation << 32 | parts << 16 | next part to claim.
    private let state = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let parking = NSCondition()
    private var sleepers = 0                 // guarded by `parking`
    private var workerCount = 0              // guarded by `busy`
    /// Written by the caller before the generation is published; read only by a thread that
    /// has claimed a part of that generation.
    private var task: ((Int) -> Void)?

    /// Runs `body(part)` for every part in 0..<parts, on the calling thread and up to
    /// `parts - 1` workers, and returns when all parts are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1, parts < 1 << 15, busy.try() else {
            for part in 0..<parts { body(part) }
            return
        }
        defer { busy.unlock() }
        while workerCount < parts - 1 { startWorker(index: workerCount + 1) }
        withoutActuallyEscaping(body) { body in
            task = body
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

    private static func generation(of word: Int) -> Int { word >> 32 }

    /// Claims and runs parts of job `generation` until none are left (or the job is over).
    private func claimParts(generation: Int) {
        while true {
            let word = state.load(ordering: .acquiring)
            let parts = (word >> 16) & 0xFFFF, next = word & 0xFFFF
            guard Self.generation(of: word) == generation, next < parts else { return }
            if state.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing).exchanged {
                task!(next)
                done.add(1, ordering: .releasing)
            }
        }
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
        while true {
            var current = Self.generation(of: state.load(ordering: .acquiring))
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current == seen {
                    spins += 1
                    if spins & 255 == 0 && DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds {
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
