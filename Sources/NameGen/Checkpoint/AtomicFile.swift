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

/// Writes files so that readers see either the old contents or the new, never a mix:
/// the bytes go to a temporary file in the same directory, are flushed to disk, and the
/// temporary file is renamed over the destination. On any failure the temporary file is
/// removed and the destination is left as it was.
///
/// A destination that is a symbolic link keeps its link: the file it points to (followed
/// through every link, and created if it does not exist yet) is the one replaced, with the
/// temporary file in that file's directory, so that the rename stays on one file system.
package enum AtomicFile {
    /// Writes `bytes` to `path` (to the file it links to, when it is a symbolic link).
    package static func write(_ bytes: [UInt8], to path: String) throws {
        let target = try resolvedTarget(of: path)
        let url = URL(fileURLWithPath: target)
        let directory = url.deletingLastPathComponent().path
        var directoryStatus = stat()
        if stat(directory, &directoryStatus) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw NameGenError(.io, "Cannot create the directory '\(directory)' for '\(path)'.",
                                   hint: "Check the path and its permissions, or pass another --checkpoint.")
            }
        } else if (directoryStatus.st_mode & S_IFMT) != S_IFDIR {
            throw NameGenError(.io, "Cannot write '\(path)': '\(directory)' is not a directory.")
        }
        if NameFile.isDirectory(target) {
            throw NameGenError(.io, "Cannot write '\(path)': it is a directory.", hint: "Pass a file path.")
        }
        // rename(2) would replace a device, FIFO or socket with a regular file (as root,
        // '--checkpoint /dev/full' turned /dev/full into a checkpoint).
        var status = stat()
        if lstat(target, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
            throw NameGenError(.io, "Cannot write '\(path)': it is not a regular file.", hint: "Pass the path of a file.")
        }
        let temporary = directory + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw NameGenError(.io, "Cannot write '\(path)': \(String(cString: strerror(errno))).",
                               hint: "Check that the directory is writable, or pass another --checkpoint.")
        }
        var failure = RawIO.writeAll(fd, bytes).map { String(cString: strerror($0)) }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary, target) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw NameGenError(.io, "Cannot write '\(path)': \(failure). The previous file, if any, is unchanged.",
                               hint: "Free some disk space or choose another path.")
        }
    }

    /// The path that `path` names once every symbolic link is followed: `path` itself when it
    /// is not a link. A relative link target is taken from the link's directory. The last
    /// target need not exist (a dangling link names the file to create).
    static func resolvedTarget(of path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else {
                throw NameGenError(.io, "Cannot write '\(path)': cannot read the link '\(current)': \(String(cString: strerror(errno))).")
            }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : URL(fileURLWithPath: current).deletingLastPathComponent().path + "/" + link
        }
        throw NameGenError(.io, "Cannot write '\(path)': too many levels of symbolic links.", hint: "Pass the path of a file.")
    }
}
