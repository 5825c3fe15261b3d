import XCTest
@testable import NameGen

/// Seeded random command lines: parsing and validation either succeed or throw a usage
/// error. Nothing traps (a trap would end the test process).
final class ArgumentFuzzTests: NameGenTestCase {
    func testRandomCommandLinesGiveUsageErrorsOrValidSettings() throws {
        var rng = RandomGenerator(seed: 99)
        let values = ["0", "-1", "1", "7", "abc", "1e309", "nan", "inf", "-inf", "0.5", "1.5", "99999999999999999999",
                      "--", "-", "", "=", "mlp", "adamw", "relu", "val", "all", "é", "\u{0}", "-3", "0x10", " 3", "3 ", "+2"]
        var accepted = 0, rejected = 0
        for spec in [TrainCommand.spec, SampleCommand.spec, EvalCommand.spec, InfoCommand.spec, PlotCommand.spec, CompletionCommand.spec] {
            let words = spec.options.flatMap(\.names) + spec.options.flatMap(\.names).map { $0 + "=" + "1" } + ["--bogus", "-x"]
            for _ in 0..<1500 {
                var args: [String] = []
                for _ in 0..<rng.nextInt(below: 7) {
                    args.append(rng.nextInt(below: 3) == 0 ? values[rng.nextInt(below: values.count)] : words[rng.nextInt(below: words.count)])
                }
                do {
                    let parsed = try ParsedArguments(args, command: spec)
                    if spec.name == "train" { _ = try TrainCommand.validate(parsed) }
                    if spec.name == "sample" { _ = try SampleCommand.validate(parsed) }
                    accepted += 1
                } catch let e as NameGenError {
                    XCTAssertEqual(e.kind, .usage, "\(args): \(e.message)")
                    XCTAssertFalse(e.message.contains("\n"), "one-line message")
                    rejected += 1
                }
            }
        }
        XCTAssertGreaterThan(accepted, 100, "the fuzzer must also reach valid command lines")
        XCTAssertGreaterThan(rejected, 1000)
    }

    func testHostileValuesAreRejected() throws {
        for (args, fragment) in [(["--steps", "99999999999999999999"], "whole number"), (["--lr", "1e309"], "expected a number"),
                                 (["--dropout", "1"], "must be from"), (["--batch-size", "0"], "must be from 1"),
                                 (["--batchnorm", "--no-batchnorm"], "cannot be used together"),
                                 (["--train-fraction", "0.95", "--val-fraction", "0.1"], "add up to more than 1"),
                                 (["--hidden", "8192", "--batch-size", "65536", "--layers", "64"], "8 GiB"),
                                 // One layer, but its weight is (8192, 256·1024): 8 GiB before gradients (was accepted).
                                 (["--hidden", "8192", "--embed", "1024", "--block-size", "256", "--layers", "1"], "8 GiB")] {
            XCTAssertThrowsError(try TrainCommand.validate(try ParsedArguments(args, command: TrainCommand.spec)), "\(args)") {
                XCTAssertTrue(($0 as? NameGenError)?.message.contains(fragment) ?? false, "\(args): \($0)")
            }
        }
    }

    func testMemoryChecksCountTheVocabularyOnceItIsKnown() throws {
        func check<F: ModelFamily>(_ family: F.Type, _ config: F.Config, batch: Int, v: Int, examples: Int = 0) throws {
            try TrainingRun.checkMemory(ModelSetup(entry: ModelEntry(family), config: config), batchSize: batch,
                                        data: DataFacts(vocabularySize: v, longestName: 10, trainExamples: examples))
        }
        var small = MLPConfig()
        small.hidden = 16
        small.layers = 2
        XCTAssertNoThrow(try check(MLPModel.self, small, batch: 65_536, v: 4096))
        var wide = small
        wide.hidden = 8192
        wide.layers = 1
        XCTAssertThrowsError(try check(MLPModel.self, wide, batch: 65_536, v: 4096))
        // onehot: four (examples, V) matrices; 336,000 examples of a 4,001-token file need 21 GB.
        XCTAssertNoThrow(try check(OneHotModel.self, OneHotConfig(), batch: 32, v: 27, examples: 182_625))
        XCTAssertThrowsError(try check(OneHotModel.self, OneHotConfig(), batch: 32, v: 4001, examples: 336_000)) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .usage)
        }
    }
}
