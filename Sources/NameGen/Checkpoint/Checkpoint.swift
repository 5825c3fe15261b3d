import Foundation

/// Everything `train` saves and `sample`, `eval` and `info` read: one safetensors file.
///
/// Tensors hold the model (and, for resumable runs, the optimizer state). The safetensors
/// `__metadata__` (string → string) holds, JSON-encoded where structured:
///   namegen_format   format version ("1")
///   model            "bigram" | "onehot" | "mlp"
///   hparams          {"block_size": "8", ...}
///   vocabulary       ["a", "b", ...]: token i+1 is element i; token 0 is start/stop
///   split            {"seed": 42, "train": 0.8, "val": 0.1, "dedupe": false}
///   data             {"file": "names.txt", "sha256": "…", "names": 32033}
///   training         {"steps": "50000", "train_loss": "…", "val_loss": "…", ...}
public struct Checkpoint {
    public static let formatVersion = 1
    public static let defaultPath = "checkpoints/model.safetensors"

    public var model: ModelKind
    public var hyperparameters: [String: String]
    public var vocabulary: Vocabulary
    public var split: SplitConfig
    public var dedupe: Bool
    public var dataFile: String
    public var dataSHA256: String
    public var dataNames: Int
    public var training: [String: String]
    public var tensors: [String: Tensor]

    public init(model: ModelKind, hyperparameters: [String: String], vocabulary: Vocabulary,
                split: SplitConfig, dedupe: Bool, dataFile: String, dataSHA256: String, dataNames: Int,
                training: [String: String], tensors: [String: Tensor]) {
        self.model = model
        self.hyperparameters = hyperparameters
        self.vocabulary = vocabulary
        self.split = split
        self.dedupe = dedupe
        self.dataFile = dataFile
        self.dataSHA256 = dataSHA256
        self.dataNames = dataNames
        self.training = training
        self.tensors = tensors
    }

    // MARK: - Encoding

    public func encode() -> [UInt8] {
        SafeTensors.encode(tensors: tensors, metadata: metadata)
    }

    public var metadata: [String: String] {
        [
            "namegen_format": String(Self.formatVersion),
            "model": model.rawValue,
            "hparams": Self.json(hyperparameters),
            "vocabulary": Self.json(vocabulary.characters.map { String($0) }),
            "split": Self.json(["seed": NSNumber(value: split.seed), "train": split.trainFraction,
                                "val": split.valFraction, "dedupe": dedupe] as [String: Any]),
            "data": Self.json(["file": dataFile, "sha256": dataSHA256, "names": dataNames] as [String: Any]),
            "training": Self.json(training),
        ]
    }

    /// Writes the checkpoint atomically (temporary file + rename).
    public func write(to path: String) throws {
        try AtomicFile.write(encode(), to: path)
    }

    // MARK: - Decoding

    /// Reads and validates a checkpoint file.
    public static func read(from path: String) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NameGenError(.checkpoint, "No checkpoint at '\(path)'.",
                               hint: "Train one first with 'namegen train', or pass --checkpoint PATH.")
        }
        guard !isDirectory.boolValue else {
            throw NameGenError(.checkpoint, "'\(path)' is a directory, not a checkpoint.",
                               hint: "Pass the .safetensors file with --checkpoint PATH.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NameGenError(.checkpoint, "Cannot read the checkpoint '\(path)' (permission denied?).")
        }
        return try decode([UInt8](data), source: path)
    }

    public static func decode(_ bytes: [UInt8], source: String) throws -> Checkpoint {
        let (tensors, meta) = try SafeTensors.decode(bytes, source: source)
        func fail(_ why: String) -> NameGenError {
            NameGenError(.checkpoint, "'\(source)' is not a namegen checkpoint: \(why).",
                         hint: "Train one with 'namegen train'.")
        }
        guard let versionText = meta["namegen_format"] else { throw fail("its metadata has no namegen_format") }
        guard let version = Int(versionText), version >= 1 else { throw fail("namegen_format '\(versionText)' is not a version number") }
        guard version <= formatVersion else {
            throw NameGenError(.checkpoint, "'\(source)' was written by a newer namegen (format \(version); this one reads up to \(formatVersion)).",
                               hint: "Upgrade namegen, or retrain with this version.")
        }
        guard let kindText = meta["model"] else { throw fail("its metadata has no model") }
        guard let kind = ModelKind(rawValue: kindText) else { throw fail("unknown model kind '\(kindText)'") }
        guard let hparams = parse(meta["hparams"]) as? [String: String] else { throw fail("hparams is missing or malformed") }
        guard let chars = parse(meta["vocabulary"]) as? [String],
              chars.allSatisfy({ $0.count == 1 }) else { throw fail("vocabulary is missing or malformed") }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(characters: chars.map { Character($0) }) } catch { throw fail("its vocabulary is invalid") }
        guard let split = parse(meta["split"]) as? [String: Any],
              let seed = (split["seed"] as? NSNumber)?.uint64Value,
              let train = (split["train"] as? NSNumber)?.doubleValue,
              let val = (split["val"] as? NSNumber)?.doubleValue else { throw fail("split is missing or malformed") }
        let dedupe = (split["dedupe"] as? NSNumber)?.boolValue ?? false
        let splitConfig = SplitConfig(seed: seed, trainFraction: train, valFraction: val)
        do { try splitConfig.validate() } catch { throw fail("its split fractions are invalid") }
        guard let data = parse(meta["data"]) as? [String: Any],
              let file = data["file"] as? String, let sha = data["sha256"] as? String else {
            throw fail("data is missing or malformed")
        }
        let count = (data["names"] as? NSNumber)?.intValue ?? 0
        let training = parse(meta["training"]) as? [String: String] ?? [:]
        return Checkpoint(model: kind, hyperparameters: hparams, vocabulary: vocabulary, split: splitConfig,
                          dedupe: dedupe, dataFile: file, dataSHA256: sha, dataNames: count,
                          training: training, tensors: tensors)
    }

    // MARK: - Access for model loaders

    /// The F32 values of tensor `name`, which must have exactly `shape` and be finite.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let t = tensors[name] else {
            throw NameGenError(.checkpoint, "The checkpoint has no tensor '\(name)' for its \(model.rawValue) model.",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
        guard t.shape == shape else {
            throw NameGenError(.checkpoint, "Tensor '\(name)' has shape \(t.shape), expected \(shape).",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
        guard let values = t.floats else {
            throw NameGenError(.checkpoint, "Tensor '\(name)' has dtype \(t.dtype.rawValue), expected F32.")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw NameGenError(.checkpoint, "Tensor '\(name)' holds NaN or infinite values.",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
        return values
    }

    /// An integer hyperparameter in `range`.
    public func intParameter(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let text = hyperparameters[key], let v = Int(text), range.contains(v) else {
            throw NameGenError(.checkpoint, "The checkpoint's hyperparameter '\(key)' is missing or out of range \(range.lowerBound)...\(range.upperBound).",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
        return v
    }

    /// A floating-point hyperparameter that must be finite and in `range`.
    public func doubleParameter(_ key: String, in range: ClosedRange<Double>) throws -> Double {
        guard let text = hyperparameters[key], let v = Double(text), v.isFinite, range.contains(v) else {
            throw NameGenError(.checkpoint, "The checkpoint's hyperparameter '\(key)' is missing or out of range.",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
        return v
    }

    // MARK: - JSON helpers

    static func json(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func parse(_ text: String?) -> Any? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data, options: [])
    }
}
