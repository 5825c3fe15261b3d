import Foundation
import XCTest
@testable import NameGen

/// The public API against the command line: a model trained from an array equals one trained by
/// `namegen train` on a file of the same lines, and sampling, beam search and scoring give what
/// `sample`, `sample --beam` and `eval` give for the same checkpoint.
final class NameGeneratorTests: CommandLineTestCase {
    /// The 300 names of the format-1 fixture, as lines of a file and as an array.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/format1/names300.txt").standardizedFileURL.path
    static let names300 = try! NameFile.read(fixture)

    func testTrainingFromAnArrayEqualsTrainingOnAFileAndSamplesAsTheCommandLineDoes() throws {
        var steps: [Int] = []
        let generator = try NameGenerator.train(names: Self.names300, steps: 120, seed: 3, threads: 1) { p in
            XCTAssertEqual(p.steps, 120)
            XCTAssertTrue(p.loss.isFinite && p.learningRate > 0)
            steps.append(p.step)
        }
        XCTAssertEqual(steps, Array(1...120))
        XCTAssertEqual(generator.model, "mlp")
        XCTAssertEqual(String(generator.characters), "abcdefghijklmnopqrstuvwxyz")
        XCTAssertEqual(generator.categories, [])
        let saved = dir.file("api.safetensors")
        try generator.save(to: saved)

        let data = dir.write("names300.txt", Self.names300.joined(separator: "\n") + "\n")
        let cli = dir.file("cli.safetensors")
        let trained = run(["train", "--data", data, "--steps", "120", "--seed", "3", "--threads", "1", "--checkpoint", cli])
        XCTAssertEqual(trained.status, 0, trained.err)
        let a = try Checkpoint.read(from: saved), b = try Checkpoint.read(from: cli)
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
        for (name, t) in b.tensors { XCTAssertEqual(a.tensors[name], t, "tensor \(name)") }
        XCTAssertEqual(a.dataSHA256, b.dataSHA256, "the same lines hash the same")
        XCTAssertEqual(a.run.losses.val, b.run.losses.val)
        XCTAssertEqual(generator.validationLoss, b.run.losses.val)
        XCTAssertEqual(a.dataFile, NameGenerator.inMemoryDataFile)

        // The saved file loads, and a seed gives the names `sample --seed` prints.
        let loaded = try NameGenerator(contentsOf: URL(fileURLWithPath: saved))
        var options = GenerationOptions(seed: 7)
        options.temperature = 0.8
        let names = try loaded.sample(12, options: options)
        XCTAssertEqual(names.count, 12)
        XCTAssertEqual(try generator.sample(12, options: options), names, "the generator that trained samples the same")
        let sampled = run(["sample", "--checkpoint", cli, "-n", "12", "--seed", "7", "--temperature", "0.8"])
        XCTAssertEqual(sampled.status, 0, sampled.err)
        XCTAssertEqual(sampled.out, names.map { $0 + "\n" }.joined())
        XCTAssertNotEqual(try loaded.sample(12, options: GenerationOptions(seed: 8)), names)
    }

    func testScoresAddUpToTheValidationLossAndBeamSearchIsTheCommandLines() throws {
        let checkpoint = dir.file("model.safetensors")
        XCTAssertEqual(run(["train", "--data", data, "--steps", "200", "--threads", "1", "--checkpoint", checkpoint]).status, 0)
        let generator = try NameGenerator(contentsOf: checkpoint)

        // Σ −log p(name) over the val names / Σ (characters + 1) is eval's val loss.
        let dataset = try Dataset(names: Self.names, split: SplitConfig())
        let val = dataset.names(.val)
        XCTAssertFalse(val.isEmpty)
        let scores = try generator.score(val)
        XCTAssertEqual(scores.map(\.name), val)
        let total = scores.reduce(0.0) { $0 - $1.logProbability! }
        let targets = scores.reduce(0) { $0 + $1.characters + 1 }
        let evaluated = run(["eval", "--checkpoint", checkpoint, "--json"])
        XCTAssertEqual(evaluated.status, 0, evaluated.err)
        let json = try JSONSerialization.jsonObject(with: Data(evaluated.out.utf8)) as! [String: Any]
        let evalLoss = ((json["splits"] as! [String: Any])["val"] as! [String: Any])["nll"] as! Double
        XCTAssertEqual(total / Double(targets), evalLoss, accuracy: 1e-6 * evalLoss)
        XCTAssertEqual(generator.validationLoss!, evalLoss, accuracy: 1e-6 * evalLoss)
        for s in scores { XCTAssertEqual(s.nllPerCharacter!, -s.logProbability! / Double(s.characters + 1), accuracy: 1e-12) }

        // A name with a character the model lacks gets an error; the others are scored.
        let mixed = try generator.score(["anbel", "an9", "corda"])
        XCTAssertNil(mixed[1].logProbability)
        XCTAssertTrue(mixed[1].error?.contains("'9'") == true, mixed[1].error ?? "")
        XCTAssertNotNil(mixed[0].logProbability)
        XCTAssertEqual(mixed[2].logProbability, scores.first { $0.name == "corda" }?.logProbability ?? mixed[2].logProbability)

        // Beam search: the same names and scores as `sample --beam --scores`, best first.
        var options = GenerationOptions()
        options.pattern = "*a"
        let best = try generator.mostProbable(4, options: options)
        let beam = run(["sample", "--checkpoint", checkpoint, "--beam", "4", "--pattern", "*a", "--scores"])
        XCTAssertEqual(beam.status, 0, beam.err)
        XCTAssertEqual(beam.out, best.map { $0.name + String(format: "\t%.4f", $0.score) + "\n" }.joined())
        XCTAssertEqual(best.map(\.score), best.map(\.score).sorted(by: >))
        XCTAssertTrue(best.allSatisfy { $0.name.hasSuffix("a") && $0.category == nil })
        let check = try generator.score(best.map(\.name))
        for (b, s) in zip(best, check) { XCTAssertEqual(b.logProbability, s.logProbability!, accuracy: 1e-4) }
    }

    func testOptionsShapeNamesAndBadOptionsAreUsageErrors() throws {
        let checkpoint = dir.file("model.safetensors")
        XCTAssertEqual(run(["train", "--data", data, "--model", "bigram", "--checkpoint", checkpoint]).status, 0)
        let generator = try NameGenerator(contentsOf: checkpoint)
        var options = GenerationOptions(seed: 1)
        options.prefix = "k"
        options.pattern = "*a"
        options.maxLength = 8
        options.unique = true
        let names = try generator.sample(20, options: options)
        XCTAssertEqual(names.count, 20)
        XCTAssertEqual(Set(names).count, 20)
        XCTAssertTrue(names.allSatisfy { $0.hasPrefix("k") && $0.hasSuffix("a") && $0.count <= 8 }, "\(names)")
        options.excluded = Set(names.prefix(5))
        XCTAssertTrue(Set(try generator.sample(20, options: options)).isDisjoint(with: options.excluded))

        func usage(_ change: (inout GenerationOptions) -> Void, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
            var o = GenerationOptions(seed: 1)
            change(&o)
            XCTAssertThrowsError(try generator.sample(3, options: o), file: file, line: line) { error in
                XCTAssertEqual((error as? NameGenError)?.kind, .usage, file: file, line: line)
                XCTAssertTrue("\(error)".contains(message), "\(error)", file: file, line: line)
            }
        }
        usage({ $0.prefix = "k9" }, "no character '9'")
        usage({ $0.pattern = "q*" }, "can never match")
        usage({ $0.pattern = "??????"; $0.maxLength = 5 }, "needs at least 6 characters, and maxLength is 5")
        usage({ $0.category = "french" }, "without categories")
        usage({ $0.temperature = -1 }, "temperature")
        usage({ $0.minLength = 4; $0.maxLength = 3 }, "minLength")
        XCTAssertThrowsError(try generator.classify(["anbel"])) { XCTAssertEqual(($0 as? NameGenError)?.kind, .usage) }
        XCTAssertThrowsError(try NameGenerator(contentsOf: dir.file("missing.safetensors"))) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .checkpoint)
        }
        XCTAssertThrowsError(try NameGenerator.train(names: ["ab"], model: "nope")) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .usage)
        }
    }

    func testLabelledTrainingClassifiesAndSamplesByCategory() throws {
        // Two categories whose names share no character: each name's category is certain.
        let v: [String] = ["a", "e", "i", "o", "u"], c1: [String] = ["b", "c", "d", "f", "g"], c2: [String] = ["k", "l", "m", "n", "p"]
        var names: [String] = [], labels: [String] = []
        for i in 0..<40 {
            names.append(v[i % 5] + v[(i / 5) % 5] + "a")
            labels.append("vowel")
            names.append(c1[i % 5] + c2[(i / 5) % 5] + "b")
            labels.append("consonant")
        }
        let generator = try NameGenerator.train(names: names, categories: labels, model: "bigram")
        XCTAssertEqual(generator.categories, ["consonant", "vowel"])
        let classified = try generator.classify(["aea", "bkb", "x"])
        XCTAssertEqual(classified[0].categories.first?.category, "vowel")
        XCTAssertEqual(classified[1].categories.first?.category, "consonant")
        XCTAssertEqual(classified[0].categories.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-9)
        XCTAssertNotNil(classified[2].error)
        // The bigram's counts are smoothed, so a vowel can follow under "consonant", but rarely.
        var options = GenerationOptions(seed: 2)
        func vowelShare(_ category: String) throws -> Double {
            options.category = category
            let text = try generator.sample(50, options: options).joined()
            return Double(text.filter { "aeiou".contains($0) }.count) / Double(text.count)
        }
        let consonantShare = try vowelShare("consonant")
        XCTAssertGreaterThan(try vowelShare("vowel"), consonantShare + 0.3, "consonant: \(consonantShare)")
        options.category = "consonant"
        let best = try generator.mostProbable(3, options: options)
        XCTAssertEqual(best.map { $0.category }, ["consonant", "consonant", "consonant"])
        // The mixture with the training prior, here 1/2 each (32 training names per category).
        let consonant = try generator.score(["bkb"], category: "consonant")[0].logProbability!
        let vowel = try generator.score(["bkb"], category: "vowel")[0].logProbability!
        let mixture = try generator.score(["bkb"])[0].logProbability!
        XCTAssertLessThan(vowel, consonant - 3)
        XCTAssertEqual(mixture, log(0.5 * exp(consonant) + 0.5 * exp(vowel)), accuracy: 1e-9)
        XCTAssertThrowsError(try NameGenerator.train(names: ["ab", "cd"], categories: ["x"])) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .usage)
        }
    }
}
