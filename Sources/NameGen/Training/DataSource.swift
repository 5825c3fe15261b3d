/// A names file as read from disk: its names, where it came from and its SHA-256.
struct DataSource {
    let path: String
    let names: NameList
    let sha256: String

    /// How messages name the data: its path, or "standard input" for `-`.
    var displayName: String { path == NameFile.standardInput ? "standard input" : path }

    /// Reads `path` (`-` for standard input), with a progress line on stderr when that takes
    /// more than a second.
    static func load(_ path: String, console: Console? = nil) throws -> DataSource {
        let progress = console.map { WorkProgress(console: $0, label: "reading \(path == NameFile.standardInput ? "standard input" : path)", unit: .bytes) }
        defer { progress?.finish() }
        let contents = try NameFile.load(path) { progress?.update($0, of: $1) }
        return DataSource(path: path, names: contents.names, sha256: contents.sha256)
    }

    /// The data a checkpoint was trained on, re-read for eval and sample: `--data` if given,
    /// else the file the checkpoint names. A file whose hash differs gives a warning, since
    /// the split (and so every loss) may then differ from training's.
    static func forCheckpoint(_ checkpoint: Checkpoint, override: String?, console: Console) throws -> DataSource {
        let path = override ?? checkpoint.dataFile
        // Standard input is read only when asked for: a model trained on `--data -` would
        // otherwise wait on the terminal.
        if override == nil && path == NameFile.standardInput {
            throw NameGenError(.data, "The model was trained on standard input, which is not read again unless asked.",
                               hint: "Pass --data FILE, or --data - to read the names from standard input again.")
        }
        let source: DataSource
        do {
            source = try load(path, console: console)
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

    /// The checkpoint of a model of `setup`, trained on this file's `dataset` (its vocabulary and split).
    func checkpoint(of setup: ModelSetup, dataset: Dataset, dedupe: Bool, run: RunRecord,
                    tensors: [String: Tensor]) -> Checkpoint {
        Checkpoint(setup: setup, vocabulary: dataset.vocabulary, split: dataset.split, dedupe: dedupe, dataFile: path,
                   dataSHA256: sha256, dataNames: names.count, run: run, tensors: tensors)
    }

    /// The split the checkpoint was trained with, rebuilt from this data.
    func dataset(for checkpoint: Checkpoint) throws -> Dataset {
        try Dataset(names: names, split: checkpoint.split, dedupe: checkpoint.dedupe, vocabulary: checkpoint.vocabulary)
    }
}
