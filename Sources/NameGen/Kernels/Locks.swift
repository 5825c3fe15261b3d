#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock: a pthread mutex (what `NSLock` wraps), for state that threads share
/// outside an `Atomic` or a `Mutex`-owned value, and for `WorkerPool`'s try-lock.
final class Lock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Takes the lock if no thread holds it; returns whether it did.
    func `try`() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    /// Runs `body` holding the lock.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A condition variable with its lock (a pthread mutex and condition, as `NSCondition` is):
/// `wait()` releases the lock while it sleeps and holds it again when it returns. As with any
/// condition variable, a wait can return without a `broadcast`; callers wait in a loop on
/// their condition.
final class Condition: @unchecked Sendable {
    private let lockValue = Lock()
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    func lock() { lockValue.lock() }
    func unlock() { lockValue.unlock() }
    func wait() { pthread_cond_wait(condition, lockValue.mutex) }
    func broadcast() { pthread_cond_broadcast(condition) }
}
