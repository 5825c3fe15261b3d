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

/// Per-thread scratch memory for the matmul core's packed panels. Each thread (the caller and
/// every pool worker) keeps one buffer that grows to the largest size it was asked for and is
/// then reused, so products in the training loop allocate nothing: `withUnsafeTemporaryAllocation`
/// fell back to `malloc` above 1 KB (18 calls per batch-32 step), and the blocked path's 1 MB
/// panels were mapped and unmapped on every call. The buffer is freed when its thread exits.
///
/// A thread has two independent buffers (slots): `.own` for panels only it uses, and `.shared`
/// for the packed B that a caller fills with the workers' help and they all then read.
package enum ScratchBuffer {
    package enum Slot: Sendable { case own, shared }

    /// Bytes before the floats: the capacity (in floats), padded to keep the floats 64-byte aligned.
    private static let header = 64

    private static let keys: [pthread_key_t] = (0..<2).map { _ in
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { free($0) }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }

    /// At least `count` floats of this thread's scratch memory in `slot`, valid until the
    /// thread's next call for the same slot. Contents are undefined.
    package static func floats(_ count: Int, slot: Slot = .own) -> UnsafeMutablePointer<Float> {
        let key = keys[slot == .own ? 0 : 1]
        if let raw = pthread_getspecific(key) {
            if raw.load(as: Int.self) >= count {
                return (raw + header).assumingMemoryBound(to: Float.self)
            }
            free(raw)
        }
        var memory: UnsafeMutableRawPointer?
        let status = posix_memalign(&memory, 64, header + max(count, 1) * MemoryLayout<Float>.stride)
        guard status == 0, let raw = memory else { fatalError("out of memory for \(count) floats of matmul scratch") }
        raw.storeBytes(of: count, as: Int.self)
        pthread_setspecific(key, raw)
        return (raw + header).assumingMemoryBound(to: Float.self)
    }
}
