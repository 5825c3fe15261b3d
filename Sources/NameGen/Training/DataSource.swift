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

/// A names file as read from disk: its names, where it came from and its SHA-256.
struct DataSource {
    let path: String
    let names: NameList
    let sha256: String

    /// How messages name the data: its path, or "standard input" for `-`.
    var displayName: String { path == NameFile.standardInput ? "standard input" : path }

    /// Reads `path` (`-` for standard input), with a progress line on stderr when that takes
    /// more than a second. A request on `stop` (the signal handlers') ends the read at once with
    /// an `.interrupted` error, also while it waits on a FIFO or a terminal.
    static func load(_ path: String, labelled: Bool = false, console: Console? = nil, stop: StopRequest? = nil) throws -> DataSource {
        let progress = console.map { WorkProgress(console: $0, label: "reading \(path == NameFile.standardInput ? "standard input" : path)", unit: .bytes) }
        defer { progress?.finish() }
        let contents = try NameFile.load(path, labelled: labelled, stop: stop) { progress?.update($0, of: $1) }
        return DataSource(path: path, names: contents.names, sha256: contents.sha256)
    }

    /// The data a checkpoint was trained on, re-read for eval and sample: `--data` if given,
    /// else the file the checkpoint names. A file whose hash differs gives a warning, since
    /// the split (and so every loss) may then differ from training's.
    ///
    /// The file the checkpoint names is read again only when it is a regular file (or a link
    /// to one): a model trained on standard input, a FIFO or a device would otherwise wait on
    /// the terminal or on a writer that is gone, so that gives a `.data` error asking for
    /// `--data FILE` without opening it. `stop` is passed to `load`.
    static func forCheckpoint(_ checkpoint: Checkpoint, override: String?, console: Console,
                              stop: StopRequest? = nil) throws -> DataSource {
        let path = override ?? checkpoint.dataFile
        if override == nil {
            if path == NameFile.standardInput {
                throw NameGenError(.data, "The model was trained on standard input, which is not read again unless asked.",
                                   hint: "Pass --data FILE, or --data - to read the names from standard input again.")
            }
            if let kind = nonRegularKind(path) {
                throw NameGenError(.data, "The model was trained on '\(path)', \(kind), which is not read again unless asked.",
                                   hint: "Pass --data FILE with the names it was trained on.")
            }
        }
        let source: DataSource
        do {
            source = try load(path, labelled: !checkpoint.categories.isEmpty, console: console, stop: stop)
        } catch var error as NameGenError {
            if override == nil {
                error.hint = "The checkpoint was trained on '\(checkpoint.dataFile)'; pass --data FILE to use another copy."
            }
            throw error
        }
        if source.sha256 != checkpoint.dataSHA256 {
            console.warn("'\(path)' is not the file this model was trained on (sha256 \(source.sha256.prefix(12))… vs \(checkpoint.dataSHA256.prefix(12))…); the splits may differ from training's.")
        }
        return source
    }

    /// What `path` is when it exists and is not a regular file ("a FIFO", …); nil for a
    /// regular file, a link to one, or a path that does not exist (reading that gives the
    /// usual "No such file" error).
    static func nonRegularKind(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return nil  // a directory gets the loader's own error
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The checkpoint of a model of `setup`, trained on this file's `dataset` (its vocabulary and split).
    func checkpoint(of setup: ModelSetup, dataset: Dataset, dedupe: Bool, run: RunRecord,
                    tensors: [String: Tensor]) -> Checkpoint {
        Checkpoint(setup: setup, vocabulary: dataset.vocabulary, split: dataset.split, dedupe: dedupe, dataFile: path,
                   dataSHA256: sha256, dataNames: names.count, run: run, tensors: tensors, categories: dataset.categoryCounts)
    }

    /// The split the checkpoint was trained with, rebuilt from this data.
    /// Labelled data must have the model's categories; the labels of data given to a model of
    /// plain names are left out (the split is then the unlabelled one).
    func dataset(for checkpoint: Checkpoint) throws -> Dataset {
        var list = names
        let expected = checkpoint.categories.map(\.name)
        if expected.isEmpty {
            list.categories = nil
        } else if list.categories?.names != expected {
            let found = list.categories.map { "the categories " + $0.names.joined(separator: ", ") } ?? "no categories"
            throw NameGenError(.data, "'\(displayName)' has \(found), but the model was trained on \(expected.joined(separator: ", ")).",
                               hint: "Pass the labelled data the model was trained on with --data.")
        }
        return try Dataset(names: list, split: checkpoint.split, dedupe: checkpoint.dedupe, vocabulary: checkpoint.vocabulary)
    }
}
