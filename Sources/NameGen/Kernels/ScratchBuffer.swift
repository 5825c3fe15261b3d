import Foundation

/// Per-thread scratch memory for the matmul core's packed panels. Each thread (the caller and
/// every pool worker) keeps one buffer that grows to the largest size it was asked for and is
/// then reused, so products in the training loop allocate nothing: `withUnsafeTemporaryAllocation`
/// fell back to `malloc` above 1 KB (18 calls per batch-32 step), and the blocked path's 1 MB
/// panels were mapped and unmapped on every call. The buffer is freed when its thread exits.
enum ScratchBuffer {
    /// Bytes before the floats: the capacity (in floats), padded to keep the floats 64-byte aligned.
    private static let header = 64

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { free($0) }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// At least `count` floats of this thread's scratch memory, valid until the thread's next
    /// call. Contents are undefined.
    static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
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
