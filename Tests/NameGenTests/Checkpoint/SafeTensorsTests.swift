import Foundation
import XCTest
@testable import NameGen

final class SafeTensorsTests: NameGenTestCase {
    private func checkpoint() throws -> Checkpoint {
        let d = try Dataset(names: ["ab", "ba", "b", "abba", "zoë"], split: SplitConfig(seed: 9, trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 0.5)
        model.fit(d.stream(.train, blockSize: 1))
        return Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig(smoothing: 0.5)),
                          vocabulary: d.vocabulary, split: d.split, dedupe: false, dataFile: "names.txt",
                          dataSHA256: String(repeating: "ab", count: 32), dataNames: 5, run: RunRecord(),
                          tensors: model.namedTensors())
    }

    func testRoundTripIsBitExact() throws {
        let dir = TemporaryDirectory()
        let original = try checkpoint()
        var tensors = original.tensors
        // Values whose bits must survive: negative zero, subnormal, NaN payload, infinities.
        let special: [Float] = [-0.0, .leastNonzeroMagnitude, Float(bitPattern: 0x7FC0_1234), .infinity, -.infinity, 1.0 / 3]
        tensors["special"] = Tensor(shape: [2, 3], floats: special)
        var c = original
        c.tensors = tensors
        let path = dir.file("m.safetensors")
        try c.write(to: path)
        let back = try Checkpoint.read(from: path)
        XCTAssertEqual(back.encode(), c.encode())
        XCTAssertEqual(back.tensors["special"]!.bytes, tensors["special"]!.bytes)
        XCTAssertEqual(back.tensors["special"]!.floats!.map(\.bitPattern), special.map(\.bitPattern))
        XCTAssertEqual(back.vocabulary, c.vocabulary)
        XCTAssertEqual(back.split, c.split)
        XCTAssertEqual(back.configJSON, #"{"smoothing":0.5}"#)
        XCTAssertEqual(back.run, c.run)
        XCTAssertEqual(back.dataSHA256, c.dataSHA256)
        // The model rebuilt from the file gives the same logits, bit for bit.
        let m1 = try ModelRegistry.load(c).model, m2 = try ModelRegistry.load(back).model
        var l1 = Matrix(rows: 3, cols: c.vocabulary.size), l2 = l1
        m1.logits(contexts: [0, 1, 2], count: 3, into: &l1)
        m2.logits(contexts: [0, 1, 2], count: 3, into: &l2)
        XCTAssertEqual(l1.data.map(\.bitPattern), l2.data.map(\.bitPattern))
    }

    func testLayoutFollowsTheSpec() throws {
        let bytes = SafeTensors.encode(tensors: ["w": Tensor(shape: [2], floats: [1, -2])], metadata: ["k": "v"])
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        XCTAssertEqual((8 + n) % 8, 0, "header padded to 8 bytes")
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        let w = header["w"] as! [String: Any]
        XCTAssertEqual(w["dtype"] as? String, "F32")
        XCTAssertEqual(w["shape"] as? [Int], [2])
        XCTAssertEqual(w["data_offsets"] as? [Int], [0, 8])
        XCTAssertEqual(header["__metadata__"] as? [String: String], ["k": "v"])
        // 1.0 = 0x3F800000 and -2.0 = 0xC0000000, little-endian.
        XCTAssertEqual(Array(bytes[(8 + n)...]), [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
    }

    private func header(_ json: String, data: [UInt8]) -> [UInt8] {
        let h = Array(json.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
    }

    private func assertRejected(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.decode(bytes, source: "x"), file: file, line: line) { error in
            guard let e = error as? NameGenError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .checkpoint, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testHostileFilesAreRejected() throws {
        assertRejected([], "too short")
        assertRejected([1, 2, 3], "too short")
        assertRejected([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B], "header claims")
        assertRejected(header("{not json", data: []), "not valid JSON")
        assertRejected(header("[1,2]", data: []), "not a JSON object")
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]), "past the end")
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: []), "negative or reversed")
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}}"#, data: [0, 0, 0, 0]), "negative")
        assertRejected(header(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "unknown dtype")
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)), "shape")
        assertRejected(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                              data: Array(repeating: 0, count: 12)), "overlaps")
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[3000000000,3000000000],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "too large")
        // Valid safetensors, but not namegen's.
        assertRejected(header(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "namegen_format")
    }

    func testNewerFormatVersionIsAClearError() throws {
        var bytes = try checkpoint().encode()
        // Rewrite the version in the header: same length, so offsets stay valid.
        let needle = Array("\"namegen_format\":\"\(Checkpoint.formatVersion)\"".utf8)
        let start = (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }!
        let replacement = Array("\"namegen_format\":\"9\"".utf8)
        bytes.replaceSubrange(start..<(start + replacement.count), with: replacement)
        assertRejected(bytes, "newer namegen")
    }

    func testEveryTruncationIsRejected() throws {
        let bytes = try checkpoint().encode()
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            XCTAssertThrowsError(try Checkpoint.decode(Array(bytes[0..<cut]), source: "t"), "cut at \(cut)")
        }
    }

    func testMissingCheckpointAndDirectory() {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try Checkpoint.read(from: dir.file("none.safetensors"))) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
        }
        XCTAssertThrowsError(try Checkpoint.read(from: dir.path)) {
            XCTAssertTrue(($0 as? NameGenError)?.message.contains("directory") ?? false)
        }
    }

    func testAtomicWriteLeavesNoTemporaryFileAndReplacesWhole() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("c.safetensors")
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path).map { [UInt8]($0) }, [4, 5])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["c.safetensors"])
        // Writing over a directory fails and leaves it alone.
        XCTAssertThrowsError(try AtomicFile.write([1], to: dir.path))
    }
}

/// The run record is one Codable value: what is written is what is read, and a record that
/// does not decode is a checkpoint error, not a model with an empty history.
final class RunRecordTests: NameGenTestCase {
    private func checkpoint(_ run: RunRecord) throws -> Checkpoint {
        let d = try Dataset(names: ["ab", "ba", "b"], split: SplitConfig(seed: 9, trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        return Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig()), vocabulary: d.vocabulary,
                          split: d.split, dedupe: false, dataFile: "n.txt", dataSHA256: "", dataNames: 3, run: run,
                          tensors: model.namedTensors())
    }

    func testEveryFieldSurvivesTheFile() throws {
        var run = RunRecord()
        run.optimization = RunRecord.Optimization(optimizer: .adamw, learningRate: 0.002, schedule: .cosine, warmup: 7,
                                                  weightDecay: 0.05, beta1: 0.9, beta2: 0.99, batchSize: 128,
                                                  targetSteps: 40_000, evalEvery: 500, seed: .max)
        run.step = 1234
        run.resume = RunRecord.ResumeState(optimizerSteps: 1234, rngState: [.max, 1, 0x8000_0000_0000_0001, 42])
        run.best = RunRecord.Best(valLoss: 2.0146329084243395, step: 1000)
        run.losses = RunRecord.Losses(train: 1.9, val: nil, test: 2.0000000000000004)
        run.seconds = 12.5
        let back = try Checkpoint.decode(try checkpoint(run).encode(), source: "t")
        XCTAssertEqual(back.run, run)
        XCTAssertEqual(back.format, Checkpoint.formatVersion)
        XCTAssertTrue(try checkpoint(run).metadata["run"]!.contains(#""learning_rate":0.002"#), "snake_case keys for Python readers")
    }

    func testAMalformedRecordIsACheckpointError() throws {
        var meta = try checkpoint(RunRecord()).metadata
        meta["run"] = #"{"step":"many"}"#
        let bytes = SafeTensors.encode(tensors: try checkpoint(RunRecord()).tensors, metadata: meta)
        XCTAssertThrowsError(try Checkpoint.decode(bytes, source: "bad")) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
            XCTAssertTrue(($0 as? NameGenError)?.message.contains("run record") ?? false, "\($0)")
        }
    }
}
