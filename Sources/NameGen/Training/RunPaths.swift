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

/// The files of one training run, all derived from the checkpoint path (and `--log`):
///
///     checkpoints/model.safetensors           the finished model
///     checkpoints/model.csv                   its training log
///     checkpoints/model.partial.safetensors   a run in progress: best-so-far and resumable state
///     checkpoints/model.partial.csv           that run's log
///     checkpoints/model.lock                  held (flock) by the run that writes these files
///
/// A run writes only the partial files while it trains. When it finishes, the partial log and
/// then the partial checkpoint are renamed over the finished ones, so an interrupted or failed
/// run never replaces a finished model, and a finished model's log is the one written by the
/// run that made it.
package struct RunPaths: Sendable {
    package let checkpoint: String
    package let log: String?
    package let partialCheckpoint: String
    package let partialLog: String?
    package let lock: String

    /// The paths for `checkpoint`, with the log at `log` (nil: no log).
    package init(checkpoint: String, log: String?) {
        self.checkpoint = checkpoint
        self.log = log
        partialCheckpoint = Self.inserting("partial", into: checkpoint)
        partialLog = log.map { Self.inserting("partial", into: $0) }
        lock = Self.replacingExtension(of: checkpoint, with: "lock")
    }

    /// `checkpoints/model.safetensors` → `checkpoints/model.csv`.
    package static func defaultLog(for checkpoint: String) -> String {
        replacingExtension(of: checkpoint, with: "csv")
    }

    /// `dir/model.safetensors` → `dir/model.partial.safetensors`; `dir/model` → `dir/model.partial`.
    static func inserting(_ word: String, into path: String) -> String {
        let (base, ext) = split(path)
        return base + "." + word + (ext.map { "." + $0 } ?? "")
    }

    static func replacingExtension(of path: String, with ext: String) -> String {
        split(path).base + "." + ext
    }

    /// The path without its extension, and the extension (nil when the file name has none).
    private static func split(_ path: String) -> (base: String, ext: String?) {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (path, nil) }
        let ext = String(name[name.index(after: dot)...])
        return (String(path.dropLast(ext.count + 1)), ext)
    }

    /// `path` with its symbolic links followed when it names an existing link, so that a run's
    /// partial file, lock and final rename all act on the link's target and the link stays.
    package static func resolved(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return path }
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// True when `path` is a regular file (after following links).
    static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// True when a file (or anything else) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Shows, before any work, that a file can be created beside `path` and that `path` itself
    /// is not a directory: a run must not find out after hours of training that its output
    /// cannot be written. `option` names the option in the hint.
    package static func checkWritable(_ path: String, option: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        if NameFile.isDirectory(path) {
            throw NameGenError(.io, "Cannot write '\(path)': it is a directory.", hint: "Pass a file path to \(option).")
        }
        var directoryStatus = stat()
        if stat(directory, &directoryStatus) == 0 {
            guard (directoryStatus.st_mode & S_IFMT) == S_IFDIR else {
                throw NameGenError(.io, "Cannot write '\(path)': '\(directory)' is not a directory.", hint: "Pass another \(option).")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw NameGenError(.io, "Cannot create the directory '\(directory)' for '\(path)'.",
                                   hint: "Check the path and its permissions, or pass another \(option).")
            }
        }
        let probe = directory + "/.namegen-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw NameGenError(.io, "Cannot write in '\(directory)' (for '\(path)'): \(why).",
                               hint: "Check its permissions, or pass another \(option).")
        }
        close(fd)
        unlink(probe)
    }

    /// Where a checkpoint goes when its own path cannot be written at the end of a run:
    /// `$TMPDIR/namegen-rescued-<pid>.safetensors` (TMPDIR defaults to /tmp).
    package static var rescuePath: String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/namegen-rescued-\(getpid()).safetensors"
    }
}

/// An exclusive lock on a run's files (`flock` on the lock file), held while a run writes them.
/// A second `train` on the same checkpoint refuses at once instead of racing the first; the
/// kernel drops the lock when the process ends, however it ends.
final class RunLock {
    private let fd: Int32
    let path: String

    /// Takes the lock, or throws `.busy` naming the process that holds it.
    init(_ path: String, checkpoint: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NameGenError(.io, "Cannot create the lock file '\(path)': \(String(cString: strerror(errno))).",
                               hint: "Check that its directory is writable, or pass another --checkpoint.")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimming(.whitespacesAndNewlines)
            close(fd)
            throw NameGenError(.busy, "Another 'namegen train' is writing '\(checkpoint)'" + (holder.map { $0.isEmpty ? "" : " (process \($0))" } ?? "") + ".",
                               hint: "Wait for it to finish, or pass another --checkpoint.")
        }
        self.fd = fd
        ftruncate(fd, 0)
        _ = RawIO.writeAll(fd, Array("\(getpid())\n".utf8))
    }

    private var released = false

    /// The locks of a run: its checkpoint's, and its log's when the log is named apart from the
    /// checkpoint (two runs that share a log must not interleave it either).
    static func all(_ paths: RunPaths) throws -> [RunLock] {
        var locks = [try RunLock(paths.lock, checkpoint: paths.checkpoint)]
        if let log = paths.log {
            let logLock = RunPaths.replacingExtension(of: log, with: "lock")
            if logLock != paths.lock {
                do {
                    try RunPaths.checkWritable(log, option: "--log")
                    locks.append(try RunLock(logLock, checkpoint: log))
                } catch {
                    locks.forEach { $0.release() }
                    throw error
                }
            }
        }
        return locks
    }

    /// Removes the lock file and releases the lock.
    func release() {
        guard !released else { return }
        released = true
        unlink(path)
        close(fd)
    }

    deinit { release() }
}
