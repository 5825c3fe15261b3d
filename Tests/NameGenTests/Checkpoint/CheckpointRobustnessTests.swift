import Foundation
import XCTest
@testable import NameGen

/// Every character a data file can bring reads back from the checkpoint; a file that is not a
/// checkpoint says so; an impossible run record is refused; a symbolic link stays a link.
final class CheckpointRobustnessTests: NameGenTestCase {
    /// Characters that JSON writers and readers get wrong: U+FEFF (Foundation's parser drops it
    /// at the start of a string), quotes, backslash, slash, combining marks (alone and on a
    /// letter), a non-BMP emoji and a flag, U+2028/U+2029, format characters (zero-width space
    /// and joiner, soft hyphen, bidi marks), noncharacters, private use and U+10FFFF.
    static let awkward: [Character] = [
        "\u{FEFF}", "\"", "\\", "/", "'", "\u{301}", "e\u{301}", "\u{1F600}", "\u{1F1EB}\u{1F1F7}", "\u{2028}", "\u{2029}",
        "\u{200B}", "\u{200D}", "\u{AD}", "\u{61C}", "\u{2066}", "\u{FFFE}", "\u{FFFF}", "\u{E000}", "\u{10FFFF}", "a", "z",
    ]

    private func checkpoint(_ characters: [Character], dataFile: String = "names.txt", run: RunRecord = RunRecord()) throws -> Checkpoint {
        let vocabulary = try Vocabulary(characters: characters)
        let model = BigramModel(vocabularySize: vocabulary.size, smoothing: 1)
        return Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig()), vocabulary: vocabulary,
                          split: SplitConfig(), dedupe: false, dataFile: dataFile, dataSHA256: String(repeating: "0", count: 64),
                          dataNames: 3, run: run, tensors: model.namedTensors())
    }

    func testEveryAwkwardCharacterReadsBack() throws {
        let dir = TemporaryDirectory()
        // Each character first (a JSON string that starts with it) and all together.
        for characters in Self.awkward.map({ [$0] }) + [Self.awkward] {
            let c = try checkpoint(characters, dataFile: "\u{FEFF}n\u{1F600}s\u{2028}.txt")
            let path = dir.file("c.safetensors")
            try c.write(to: path)
            let back = try Checkpoint.read(from: path)
            XCTAssertEqual(back.vocabulary.characters.map { Array(String($0).unicodeScalars) },
                           characters.map { Array(String($0).unicodeScalars) }, "\(characters)")
            XCTAssertEqual(back.dataFile.unicodeScalars.map(\.value), c.dataFile.unicodeScalars.map(\.value))
        }
    }

    func testTheHeaderIsASCIIAndUnchangedForASCII() throws {
        let bytes = try checkpoint(Self.awkward).encode()
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        XCTAssertTrue(bytes[8..<(8 + n)].allSatisfy { $0 < 0x80 }, "every character is escaped")
        XCTAssertTrue(String(decoding: bytes[8..<(8 + n)], as: UTF8.self).contains(#"\\ufeff"#))
        // ASCII JSON is left as it is, so a checkpoint of ASCII names is written as before.
        let ascii = #"{"a":["x\\\"/"],"b":1}"#
        XCTAssertEqual(SafeTensors.asciiJSON(ascii), Array(ascii.utf8))
        XCTAssertEqual(String(decoding: SafeTensors.asciiJSON("[\"\u{E9}\u{FEFF}\u{1F600}\"]"), as: UTF8.self), #"["\u00e9\ufeff\ud83d\ude00"]"#)
    }

    /// A file written with the raw characters (as JSONSerialization writes them) reads back too.
    func testRawCharactersInTheHeaderReadBack() throws {
        let c = try checkpoint(Self.awkward)
        var metadata = c.metadata
        let rawVocabulary = try JSONSerialization.data(withJSONObject: Self.awkward.map { String($0) }, options: [.withoutEscapingSlashes])
        metadata["vocabulary"] = String(decoding: rawVocabulary, as: UTF8.self)
        XCTAssertTrue(metadata["vocabulary"]!.unicodeScalars.contains("\u{FEFF}"), "the test writes the mark raw")
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for name in c.tensors.keys.sorted() {
            let t = c.tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]] as [String: Any]
            offset += t.bytes.count
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        XCTAssertTrue(json.contains(0xEF), "raw UTF-8 in the header")
        while json.count % 8 != 0 { json.append(0x20) }
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json
            + c.tensors.keys.sorted().flatMap { c.tensors[$0]!.bytes }
        let back = try Checkpoint.decode(bytes, source: "raw")
        XCTAssertEqual(back.vocabulary.characters.map { Array(String($0).unicodeScalars) },
                       Self.awkward.map { Array(String($0).unicodeScalars) })
    }

    // MARK: - Not a checkpoint

    func testATextFileIsNotASafetensorsCheckpoint() throws {
        let dir = TemporaryDirectory()
        for (name, text) in [("names.txt", Array("emma\nolivia\nava\n".utf8)),
                             ("bom.txt", [0xEF, 0xBB, 0xBF] + Array("zo\u{EB}\n".utf8)),
                             ("accents.txt", Array("\u{E9}lodie\nzo\u{EB}\n".utf8)),
                             ("json.txt", Array(#"{"not": "a checkpoint"}"#.utf8))] {
            let path = dir.write(name, text)
            XCTAssertThrowsError(try Checkpoint.read(from: path), name) {
                XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
                XCTAssertEqual(($0 as? NameGenError)?.message, "'\(path)' is not a valid checkpoint: it is text, not a safetensors file.")
            }
        }
        // A binary length field that claims too much is still described as such.
        let huge: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0] + Array(#"{"a":1}"#.utf8)
        XCTAssertThrowsError(try SafeTensors.decode(huge, source: "h")) {
            XCTAssertTrue(($0 as? NameGenError)?.message.contains("the header claims") ?? false, "\($0)")
        }
    }

    func testAFIFOIsNotReadAsACheckpoint() {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for path in [fifo, "/dev/zero"] {
            XCTAssertThrowsError(try Checkpoint.read(from: path)) {
                XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
                XCTAssertEqual(($0 as? NameGenError)?.message, "'\(path)' is not a regular file, so not a checkpoint.")
            }
        }
    }

    // MARK: - Impossible run records

    /// The checkpoint with `edit` applied to its run record's JSON text.
    private func edited(_ edit: (String) -> String) throws -> [UInt8] {
        var run = RunRecord()
        run.optimization = RunRecord.Optimization(optimizer: .adamw, learningRate: 0.01, schedule: .cosine, warmup: 5,
                                                  weightDecay: 0.01, beta1: 0.9, beta2: 0.99, batchSize: 32,
                                                  targetSteps: 100, evalEvery: 10, seed: 1)
        run.step = 100
        run.resume = RunRecord.ResumeState(optimizerSteps: 100, rngState: [1, 2, 3, 4])
        run.best = RunRecord.Best(valLoss: 2.5, step: 90)
        run.losses = RunRecord.Losses(train: 2.25, val: 2.5, test: 2.75)
        run.seconds = 3.5
        let c = try checkpoint(["a", "b"], run: run)
        var metadata = c.metadata
        let text = metadata["run"]!
        metadata["run"] = edit(text)
        XCTAssertNotEqual(metadata["run"], text, "the edit applies")
        return SafeTensors.encode(tensors: c.tensors, metadata: metadata)
    }

    func testImpossibleRunRecordNumbersAreRefusedNamingTheField() throws {
        XCTAssertNoThrow(try Checkpoint.decode(try edited { $0 + " " }, source: "ok"), "the unedited record reads")
        let cases: [(String, String, String)] = [
            (#""step":100"#, #""step":-3"#, "'step' is -3, not a count"),
            (#""optimizer_steps":100"#, #""optimizer_steps":-1"#, "'resume.optimizer_steps' is -1, not a count"),
            (#""step":90"#, #""step":-90"#, "'best.step' is -90, not a count"),
            (#""val_loss":2.5"#, #""val_loss":-2.5"#, "'best.val_loss' is -2.5, not a finite value of at least 0"),
            (#""test":2.75"#, #""test":-1"#, "'losses.test' is -1.0, not a finite value of at least 0"),
            (#""seconds":3.5"#, #""seconds":-3.5"#, "'seconds' is -3.5, not a finite value of at least 0"),
            (#""batch_size":32"#, #""batch_size":0"#, "'optimization.batch_size' is 0, less than 1"),
            (#""warmup":5"#, #""warmup":-5"#, "'optimization.warmup' is -5, not a count"),
            (#""rng_state":[1,2,3,4]"#, #""rng_state":[1,2]"#, "'resume.rng_state' has 2 words, not 4"),
        ]
        for (from, to, problem) in cases {
            let bytes = try edited { $0.replacingOccurrences(of: from, with: to) }
            XCTAssertThrowsError(try Checkpoint.decode(bytes, source: "x"), to) {
                XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
                XCTAssertEqual(($0 as? NameGenError)?.message, "'x' is not a namegen checkpoint: its run record's \(problem).")
            }
        }
    }

    // MARK: - Symbolic links

    func testASymlinkedPathStaysALinkAndItsTargetIsReplaced() throws {
        let dir = TemporaryDirectory()
        let models = dir.path + "/models"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        let target = models + "/real.safetensors"
        try AtomicFile.write([1, 2, 3], to: target)
        // A relative link in another directory, and a link to that link.
        XCTAssertEqual(symlink("models/real.safetensors", dir.file("link.safetensors")), 0)
        XCTAssertEqual(symlink("link.safetensors", dir.file("chain.safetensors")), 0)
        for (link, bytes) in [("link.safetensors", [4, 5] as [UInt8]), ("chain.safetensors", [6])] {
            try AtomicFile.write(bytes, to: dir.file(link))
            var status = stat()
            XCTAssertEqual(lstat(dir.file(link), &status), 0)
            XCTAssertEqual(status.st_mode & S_IFMT, S_IFLNK, "\(link) is still a link")
            XCTAssertEqual(FileManager.default.contents(atPath: target).map { [UInt8]($0) }, bytes, "the target holds the new bytes")
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.safetensors")), "models/real.safetensors")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: models), ["real.safetensors"], "no temporary file left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["chain.safetensors", "link.safetensors", "models"])
        // A checkpoint written through a dangling link creates the file it points to.
        XCTAssertEqual(symlink(models + "/new.safetensors", dir.file("dangling.safetensors")), 0)
        let c = try checkpoint(["a", "b"])
        try c.write(to: dir.file("dangling.safetensors"))
        XCTAssertEqual(try Checkpoint.read(from: models + "/new.safetensors").encode(), c.encode())
        var status = stat()
        XCTAssertEqual(lstat(dir.file("dangling.safetensors"), &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFLNK)
        // A loop of links is an I/O error, not a hang.
        XCTAssertEqual(symlink("loop-b", dir.file("loop-a")), 0)
        XCTAssertEqual(symlink("loop-a", dir.file("loop-b")), 0)
        XCTAssertThrowsError(try AtomicFile.write([1], to: dir.file("loop-a"))) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .io)
        }
    }
}
