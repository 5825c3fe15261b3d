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

/// Reads and writes of raw file descriptors on safe byte arrays: the one place outside the
/// kernel loops where the file readers and writers (data files, checkpoints, stdout) touch a
/// buffer's address. Both retry EINTR; the caller decides what the other errors mean.
enum RawIO {
    /// Writes all of `bytes` to `fd`. Returns nil, or the errno of the write that failed.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            var done = 0
            while done < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
    }

    /// One read(2) of at most `count` bytes into `buffer` at `offset` (the array must hold
    /// offset + count bytes). Returns the bytes read (0 at the end), or −1 with errno set.
    static func read(_ fd: Int32, into buffer: inout [UInt8], at offset: Int, count: Int) -> Int {
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count)
        return buffer.withUnsafeMutableBytes { raw in systemRead(fd, raw.baseAddress! + offset, count) }
    }
}

// read(2) and write(2) under names that `RawIO.read` does not hide.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
