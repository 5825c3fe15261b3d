/// A names file as read from disk: its names, where it came from and its SHA-256.
struct DataSource {
    let path: String
    let names: [String]
    let sha256: String

    static func load(_ path: String) throws -> DataSource {
        let bytes = try NameFile.readBytes(path)
        let names = try NameFile.parse(bytes, source: path)
        return DataSource(path: path, names: names, sha256: SHA256.hex(bytes))
    }

    /// The data a checkpoint was trained on, re-read for eval and sample: `--data` if given,
    /// else the file the checkpoint names. A file whose hash differs gives a warning, since
    /// the split (and so every loss) may then differ from training's.
    static func forCheckpoint(_ checkpoint: Checkpoint, override: String?, console: Console) throws -> DataSource {
        let path = override ?? checkpoint.dataFile
        let source: DataSource
        do {
            source = try load(path)
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
