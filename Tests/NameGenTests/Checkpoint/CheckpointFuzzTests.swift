import Foundation
import XCTest
@testable import NameGen

/// A seeded mutation loop over a valid checkpoint: every mutant must either be rejected with
/// a NameGenError or load into a model that answers without trapping. A trap would kill
/// the test process, so reaching the end is the assertion that none happened.
final class CheckpointFuzzTests: NameGenTestCase {
    private func validCheckpoint() throws -> [UInt8] {
        let d = try Dataset(names: ["emma", "olivia", "ava", "zoë", "o'neil", "mia", "ella"],
                            split: SplitConfig(seed: 1, trainFraction: 1, valFraction: 0))
        let m = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        m.fit(d.stream(.train, blockSize: 1))
        return Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig()), vocabulary: d.vocabulary,
                          split: d.split, dedupe: false, dataFile: "names.txt", dataSHA256: String(repeating: "0", count: 64),
                          dataNames: 7, run: RunRecord(), tensors: m.namedTensors()).encode()
    }

    func testMutatedCheckpointsNeverTrap() throws {
        let original = try validCheckpoint()
        let headerLength = Int(original[0]) | Int(original[1]) << 8
        var rng = RandomGenerator(seed: 2024)
        var rejected = 0, loaded = 0
        let interesting: [UInt8] = Array("0123456789-[]{}\",:.eE".utf8) + [0, 0xFF, 0x80]
        for _ in 0..<4000 {
            var bytes = original
            for _ in 0...rng.nextInt(below: 3) {
                switch rng.nextInt(below: 6) {
                case 0:  // flip a bit anywhere
                    let i = rng.nextInt(below: bytes.count)
                    bytes[i] ^= UInt8(1 << rng.nextInt(below: 8))
                case 1:  // replace a header byte with a JSON-significant one
                    let i = 8 + rng.nextInt(below: headerLength)
                    if i < bytes.count { bytes[i] = interesting[rng.nextInt(below: interesting.count)] }
                case 2:  // truncate
                    bytes.removeLast(rng.nextInt(below: bytes.count))
                case 3:  // insert random bytes
                    let i = rng.nextInt(below: bytes.count + 1)
                    bytes.insert(contentsOf: (0..<rng.nextInt(below: 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: i)
                case 4:  // corrupt the length field
                    bytes[rng.nextInt(below: min(8, bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                default:  // overwrite a data float with a random bit pattern (NaN, negative, huge)
                    if bytes.count >= 8 + headerLength + 4 {
                        let i = 8 + headerLength + rng.nextInt(below: (bytes.count - 8 - headerLength) / 4) * 4
                        let bits = UInt32(truncatingIfNeeded: rng.next())
                        for k in 0..<4 where i + k < bytes.count { bytes[i + k] = UInt8(truncatingIfNeeded: bits >> (8 * k)) }
                    }
                }
                if bytes.isEmpty { break }
            }
            do {
                let c = try Checkpoint.decode(bytes, source: "fuzz")
                let model = try ModelRegistry.load(c).model
                var logits = Matrix(rows: 1, cols: model.vocabularySize)
                model.logits(contexts: [Int32](repeating: 0, count: model.blockSize), count: 1, into: &logits)
                // What the loader promises of a file it accepts: counts that are finite and not
                // negative, so that no probability is NaN or above 1.
                let counts = (model as! BigramModel).counts.data
                XCTAssertTrue(counts.allSatisfy { $0.isFinite && $0 >= 0 }, "a mutant with invalid counts loaded")
                XCTAssertFalse(logits.data.contains { $0.isNaN || $0 > 0 }, "log-probabilities must be ≤ 0")
                loaded += 1
            } catch let e as NameGenError {
                XCTAssertEqual(e.kind, .checkpoint, e.message)
                XCTAssertFalse(e.message.isEmpty)
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 2000, "most mutations must be caught")
        // Some mutations leave a valid file (a flipped low mantissa bit of a count, a changed
        // hash digit): the loader must not refuse those.
        XCTAssertGreaterThan(loaded, 0, "valid mutants must load")
    }

    func testTruncationAtEveryThousandthByteOfARealCheckpoint() throws {
        // A checkpoint large enough to have many 1,000-byte cut points.
        let v = 60
        let chars = (0..<(v - 1)).map { Character(Unicode.Scalar(0x100 + $0)!) }
        let vocab = try Vocabulary(characters: chars)
        let m = BigramModel(vocabularySize: v, smoothing: 1)
        let bytes = Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig()), vocabulary: vocab,
                               split: SplitConfig(), dedupe: false, dataFile: "x", dataSHA256: "", dataNames: 0, run: RunRecord(),
                               tensors: m.namedTensors()).encode()
        XCTAssertGreaterThan(bytes.count, 10_000)
        XCTAssertNoThrow(try Checkpoint.decode(bytes, source: "whole"))
        for cut in stride(from: 0, to: bytes.count, by: 1000) {
            XCTAssertThrowsError(try Checkpoint.decode(Array(bytes[0..<cut]), source: "cut"), "cut at \(cut)") {
                XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
            }
        }
    }
}
