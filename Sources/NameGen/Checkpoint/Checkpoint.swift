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

/// Everything `train` saves and `sample`, `eval` and `info` read: one safetensors file.
///
/// Tensors hold the model (and, for resumable runs, the optimizer state and the `resume.`
/// weights). The safetensors `__metadata__` (string → string) holds, JSON-encoded where structured:
///   namegen_format   format version ("2")
///   model            the model family's name ("bigram", "onehot", "mlp", …)
///   hparams          the family's configuration, e.g. {"block_size": 8, "embed": 10, …}
///   vocabulary       ["a", "b", ...]: token i+1 is element i; token 0 is start/stop
///   split            {"seed": 42, "train": 0.8, "val": 0.1, "dedupe": false}
///   data             {"file": "names.txt", "sha256": "…", "names": 32033}
///   run              the `RunRecord`: optimisation, step, resume state, best and losses
///   categories       labelled data only: [{"name": "french", "count": 1234}, …], sorted by
///                    name, each with its number of training names; such a file is format 3,
///                    so that a namegen that cannot condition refuses it by its version
/// Format 1 (namegen 0.1.0) had every hparams value as a string and the run record as
/// `training`, a string → string map; both are read and converted.
package struct Checkpoint {
    /// The format of a checkpoint of plain names.
    package static let formatVersion = 2
    /// The format of a labelled checkpoint (one with `categories`); this version reads both.
    package static let labelledFormatVersion = 3
    package static let defaultPath = "checkpoints/model.safetensors"

    /// The family name, as `ModelRegistry` knows it.
    package var model: String
    /// The family's configuration as a JSON object.
    package var configJSON: String
    package var vocabulary: Vocabulary
    package var split: SplitConfig
    package var dedupe: Bool
    package var dataFile: String
    package var dataSHA256: String
    package var dataNames: Int
    package var run: RunRecord
    package var tensors: [String: Tensor]
    /// The categories of a labelled model, with their training counts; empty for plain names.
    package var categories: [CategoryCount] = []
    /// The format the file was written in (this version writes `formatVersion`, or
    /// `labelledFormatVersion` with categories).
    package var format = Checkpoint.formatVersion

    package init(setup: ModelSetup, vocabulary: Vocabulary, split: SplitConfig, dedupe: Bool, dataFile: String,
                dataSHA256: String, dataNames: Int, run: RunRecord, tensors: [String: Tensor],
                categories: [CategoryCount] = []) {
        self.categories = categories
        self.format = categories.isEmpty ? Self.formatVersion : Self.labelledFormatVersion
        self.model = setup.name
        self.configJSON = setup.configJSON
        self.vocabulary = vocabulary
        self.split = split
        self.dedupe = dedupe
        self.dataFile = dataFile
        self.dataSHA256 = dataSHA256
        self.dataNames = dataNames
        self.run = run
        self.tensors = tensors
    }

    /// The model family and configuration, decoded and checked against the family's option ranges.
    package func setup() throws -> ModelSetup {
        guard let family = ModelRegistry.family(named: model) else {
            throw NameGenError(.checkpoint, "The checkpoint holds an unknown model kind '\(model)'.",
                               hint: "It may come from a newer namegen; this one knows \(ModelRegistry.names.joined(separator: ", ")).")
        }
        switch ModelSetup.decode(family, json: configJSON) {
        case .success(let setup): return setup
        case .failure(let problem):
            throw NameGenError(.checkpoint, "The checkpoint is damaged: \(problem.why).", hint: "Retrain with 'namegen train'.")
        }
    }

    /// The hyperparameters as `info` lists them: key and value, sorted by key.
    package var hyperparameterRows: [(key: String, value: String)] {
        guard let object = try? JSONDecoder().decode([String: Scalar].self, from: Data(configJSON.utf8)) else { return [] }
        return object.keys.sorted().map { ($0, object[$0]!.text) }
    }

    /// One JSON value of a configuration, as text.
    private enum Scalar: Decodable {
        case text(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .text(b ? "true" : "false") }
            else if let i = try? c.decode(Int.self) { self = .text("\(i)") }
            else if let d = try? c.decode(Double.self) { self = .text("\(d)") }
            else { self = .text(try c.decode(String.self)) }
        }
        var text: String { if case .text(let t) = self { return t }; return "" }
    }

    // MARK: - Encoding

    package func encode() -> [UInt8] {
        SafeTensors.encode(tensors: tensors, metadata: metadata)
    }

    /// The metadata strings. Each JSON value is written in ASCII (`SafeTensors.asciiJSON`), so
    /// that any character of the vocabulary or the data file's name reads back as it was.
    package var metadata: [String: String] {
        var values: [String: String] = [
            "namegen_format": String(categories.isEmpty ? Self.formatVersion : Self.labelledFormatVersion),
            "model": model,
            "hparams": configJSON,
            "vocabulary": JSON.array(vocabulary.characters.map { .string(String($0)) }).text(),
            "split": (["seed": .int(split.seed), "train": .real(split.trainFraction),
                       "val": .real(split.valFraction), "dedupe": .bool(dedupe)] as JSON).text(),
            "data": (["file": .string(dataFile), "sha256": .string(dataSHA256), "names": .int(dataNames)] as JSON).text(),
            "run": String(decoding: try! Self.recordEncoder.encode(run), as: UTF8.self),
        ]
        if !categories.isEmpty {
            values["categories"] = JSON.array(categories.map { ["name": .string($0.name), "count": .int($0.count)] }).text()
        }
        return values.mapValues { String(decoding: SafeTensors.asciiJSON($0), as: UTF8.self) }
    }

    static var recordEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var recordDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    /// Writes the checkpoint atomically (temporary file + rename).
    package func write(to path: String) throws {
        try AtomicFile.write(encode(), to: path)
    }

    // MARK: - Decoding

    /// Reads and validates a checkpoint file.
    package static func read(from path: String) throws -> Checkpoint {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw NameGenError(.checkpoint, "No checkpoint at '\(path)'.",
                               hint: "Train one first with 'namegen train', or pass --checkpoint PATH.")
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else {
            throw NameGenError(.checkpoint, "'\(path)' is a directory, not a checkpoint.",
                               hint: "Pass the .safetensors file with --checkpoint PATH.")
        }
        // A FIFO or a device would block or never end; a checkpoint is a file.
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw NameGenError(.checkpoint, "'\(path)' is not a regular file, so not a checkpoint.",
                               hint: "Pass the .safetensors file with --checkpoint PATH.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NameGenError(.checkpoint, "Cannot read the checkpoint '\(path)' (permission denied?).")
        }
        return try decode([UInt8](data), source: path)
    }

    package static func decode(_ bytes: [UInt8], source: String) throws -> Checkpoint {
        let (tensors, meta) = try SafeTensors.decode(bytes, source: source)
        func fail(_ why: String) -> NameGenError {
            NameGenError(.checkpoint, "'\(source)' is not a namegen checkpoint: \(why).",
                         hint: "Train one with 'namegen train'.")
        }
        guard let versionText = meta["namegen_format"] else { throw fail("its metadata has no namegen_format") }
        guard let version = Int(versionText), version >= 1 else { throw fail("namegen_format '\(versionText)' is not a version number") }
        guard version <= labelledFormatVersion else {
            throw NameGenError(.checkpoint, "'\(source)' was written by a newer namegen (format \(version); this one reads up to \(labelledFormatVersion)).",
                               hint: "Upgrade namegen, or retrain with this version.")
        }
        guard let kind = meta["model"] else { throw fail("its metadata has no model") }
        guard ModelRegistry.family(named: kind) != nil else { throw fail("unknown model kind '\(kind)'") }
        let configJSON: String
        if version == 1 {
            guard let hparams = parse(meta["hparams"])?.stringValues else { throw fail("hparams is missing or malformed") }
            configJSON = JSON.object(format1Values(hparams)).text()
        } else {
            guard let text = meta["hparams"], parse(text)?.object != nil else { throw fail("hparams is missing or malformed") }
            configJSON = text
        }
        guard let values = parse(meta["vocabulary"])?.array, case let chars = values.compactMap(\.string), chars.count == values.count,
              chars.allSatisfy({ $0.count == 1 }) else { throw fail("vocabulary is missing or malformed") }
        // A data file never yields a line break or a control character as a character of a name.
        if let bad = chars.first(where: { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw fail("its vocabulary has the control character U+\(String(bad.unicodeScalars.first!.value, radix: 16, uppercase: true))")
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(characters: chars.map { Character($0) }) } catch { throw fail("its vocabulary is invalid") }
        guard let split = parse(meta["split"]), split.object != nil,
              let seed = split["seed"]?.uint64,
              let train = split["train"]?.double,
              let val = split["val"]?.double else { throw fail("split is missing or malformed") }
        let dedupe = split["dedupe"]?.bool ?? false
        let splitConfig = SplitConfig(seed: seed, trainFraction: train, valFraction: val)
        do { try splitConfig.validate() } catch { throw fail("its split fractions are invalid") }
        guard let data = parse(meta["data"]),
              let file = data["file"]?.string, let sha = data["sha256"]?.string else {
            throw fail("data is missing or malformed")
        }
        let count = data["names"]?.integer ?? 0
        guard count >= 0 else { throw fail("its data record has a negative names count \(count)") }
        let run: RunRecord
        if version == 1 {
            run = RunRecord(format1: parse(meta["training"])?.stringValues ?? [:])
        } else {
            guard let text = meta["run"], let decoded = try? recordDecoder.decode(RunRecord.self, from: Data(text.utf8)) else {
                throw fail("its run record is missing or malformed")
            }
            run = decoded
        }
        if let problem = run.problem { throw fail("its run record's \(problem)") }
        var categories: [CategoryCount] = []
        if version >= labelledFormatVersion {
            guard let list = parse(meta["categories"])?.array, list.allSatisfy({ $0.object != nil }),
                  !list.isEmpty, list.count <= Categories.limit else {
                throw fail("format \(version) needs its categories, which are missing or malformed")
            }
            for entry in list {
                guard let name = entry["name"]?.string, !name.isEmpty,
                      let n = entry["count"]?.integer, n >= 0, n <= 1 << 40 else {
                    throw fail("a category in its metadata is malformed")
                }
                categories.append(CategoryCount(name: name, count: n))
            }
            guard Set(categories.map(\.name)).count == categories.count else { throw fail("it names a category twice") }
        }
        var checkpoint = Checkpoint(model: kind, configJSON: configJSON, vocabulary: vocabulary, split: splitConfig,
                                    dedupe: dedupe, dataFile: file, dataSHA256: sha, dataNames: count, run: run, tensors: tensors)
        checkpoint.categories = categories
        checkpoint.format = version
        return checkpoint
    }

    init(model: String, configJSON: String, vocabulary: Vocabulary, split: SplitConfig, dedupe: Bool, dataFile: String,
         dataSHA256: String, dataNames: Int, run: RunRecord, tensors: [String: Tensor]) {
        (self.model, self.configJSON, self.vocabulary, self.split, self.dedupe) = (model, configJSON, vocabulary, split, dedupe)
        (self.dataFile, self.dataSHA256, self.dataNames, self.run, self.tensors) = (dataFile, dataSHA256, dataNames, run, tensors)
    }

    /// Format 1 wrote every hyperparameter as a string ("8", "0.1", "true", "tanh"): the typed
    /// JSON value each stands for, so that the family's Codable configuration reads both formats.
    static func format1Values(_ hparams: [String: String]) -> [String: JSON] {
        hparams.mapValues { text -> JSON in
            if text == "true" || text == "false" { return .bool(text == "true") }
            if let i = Int(text) { return .int(i) }
            if let d = Double(text), d.isFinite { return .real(d) }
            return .string(text)
        }
    }

    // MARK: - Access for model loaders

    /// The F32 values of tensor `name`, which must have exactly `shape` and be finite.
    package func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let t = tensors[name] else {
            throw NameGenError(.checkpoint, "The checkpoint has no tensor '\(name)' for its \(model) model.",
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

    // MARK: - JSON helpers

    /// A metadata value's JSON, or nil when it is missing or not JSON.
    static func parse(_ text: String?) -> JSON? {
        guard let text else { return nil }
        return try? JSON.parse(text)
    }
}
