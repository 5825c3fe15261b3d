import Foundation

/// Writes files so that readers see either the old contents or the new, never a mix:
/// the bytes go to a temporary file in the same directory, are flushed to disk, and the
/// temporary file is renamed over the destination. On any failure the temporary file is
/// removed and the destination is left as it was.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw NameGenError(.io, "Cannot create the directory '\(directory)' for '\(path)'.",
                                   hint: "Check the path and its permissions, or pass another --checkpoint.")
            }
        } else if !isDirectory.boolValue {
            throw NameGenError(.io, "Cannot write '\(path)': '\(directory)' is not a directory.")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw NameGenError(.io, "Cannot write '\(path)': it is a directory.", hint: "Pass a file path.")
        }
        // rename(2) would replace a device, FIFO or socket with a regular file (as root,
        // '--checkpoint /dev/full' turned /dev/full into a checkpoint).
        var status = stat()
        if lstat(path, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG, (status.st_mode & S_IFMT) != S_IFLNK {
            throw NameGenError(.io, "Cannot write '\(path)': it is not a regular file.", hint: "Pass the path of a file.")
        }
        let temporary = directory + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw NameGenError(.io, "Cannot write '\(path)': \(String(cString: strerror(errno))).",
                               hint: "Check that the directory is writable, or pass another --checkpoint.")
        }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw NameGenError(.io, "Cannot write '\(path)': \(failure). The previous file, if any, is unchanged.",
                               hint: "Free some disk space or choose another path.")
        }
    }
}
