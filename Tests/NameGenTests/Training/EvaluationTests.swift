import XCTest
@testable import NameGen

/// The batched, threaded evaluation against a loss worked out row by row.
final class EvaluationTests: NameGenTestCase {
    /// A bigram model on random names, and the mean NLL computed directly from its table.
    private func fixture(names count: Int = 3000, seed: UInt64 = 5) throws -> (BigramModel, Dataset) {
        var rng = RandomGenerator(seed: seed)
        let letters = Array("abcdefg")
        let names = (0..<count).map { _ in String((0..<(1 + rng.nextInt(below: 8))).map { _ in letters[rng.nextInt(below: letters.count)] }) }
        let d = try Dataset(names: names, split: SplitConfig(seed: 1))
        let m = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        m.fit(d.stream(.train, blockSize: 1))
        return (m, d)
    }

    /// Another bigram with the same counts (a copy for a second thread).
    private func copy(_ m: BigramModel, _ d: Dataset) -> BigramModel {
        let c = BigramModel(vocabularySize: m.vocabularySize, smoothing: m.smoothing)
        c.fit(d.stream(.train, blockSize: 1))
        return c
    }

    /// −log P(next | prev) from the model's counts, summed over the names' pairs by hand.
    private func directNLL(_ m: BigramModel, _ names: [String], _ v: Vocabulary) -> [Double] {
        var out: [Double] = []
        for name in names {
            let t = [0] + v.encode(name)!.map(Int.init) + [0]
            for k in 1..<t.count {
                var row: Double = 0
                for c in 0..<m.vocabularySize { row += Double(m.counts[t[k - 1], c] + 1) }
                out.append(-log(Double(m.counts[t[k - 1], t[k]] + 1) / row))
            }
        }
        return out
    }

    func testExactLossMatchesTheDirectSumForAnyThreadCount() throws {
        let (m, d) = try fixture()
        let expected = directNLL(m, d.val, d.vocabulary)
        let mean = expected.reduce(0, +) / Double(expected.count)
        let stream = d.stream(.val, blockSize: 1)
        for threads in [1, 2, 3] {
            let models = [m] + (1..<max(threads, 1)).map { _ in copy(m, d) }
            let l = try XCTUnwrap(Evaluation.loss(models: models, examples: stream))
            XCTAssertEqual(l.mean, mean, accuracy: 1e-6)
            XCTAssertNil(l.standardError)
            XCTAssertFalse(l.isEstimate)
            XCTAssertEqual(l.examples, expected.count)
        }
        // The train split spans several chunks: every thread count gives the same bits.
        let train = d.stream(.train, blockSize: 1)
        XCTAssertGreaterThan(train.count, Evaluation.chunkRows)
        let one = try XCTUnwrap(Evaluation.loss(model: m, stream: train))
        let two = try XCTUnwrap(Evaluation.loss(models: [m, copy(m, d)], examples: train))
        XCTAssertEqual(one.mean.bitPattern, two.mean.bitPattern)
        let direct = directNLL(m, d.train, d.vocabulary)
        XCTAssertEqual(one.mean, direct.reduce(0, +) / Double(direct.count), accuracy: 1e-6)
    }

    /// Above the limit the loss is a seeded sample's mean, marked as an estimate, with the
    /// standard error of that sample; the exact loss lies within a few standard errors.
    func testSampledEstimateIsMarkedAndHasItsStandardError() throws {
        let (m, d) = try fixture(names: 6000)
        let stream = d.stream(.train, blockSize: 1)
        let exact = directNLL(m, d.train, d.vocabulary)
        let exactMean = exact.reduce(0, +) / Double(exact.count)
        let l = try XCTUnwrap(Evaluation.loss(model: m, stream: stream, sampleAbove: 2000, seed: 9))
        XCTAssertTrue(l.isEstimate)
        XCTAssertEqual(l.examples, 2000)
        XCTAssertEqual(l.total, exact.count)
        // The same seed draws the same sample; the sample's own mean and standard error by hand
        // (the model's table is Float, the hand sum Double: agreement to 1e-6).
        var rng = RandomGenerator(seed: 9)
        let picks = (0..<2000).map { _ in exact[rng.nextInt(below: exact.count)] }
        let mean = picks.reduce(0, +) / 2000
        let sd = (picks.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1999).squareRoot()
        XCTAssertEqual(l.mean, mean, accuracy: 1e-6)
        XCTAssertEqual(l.standardError!, sd / 2000.0.squareRoot(), accuracy: 1e-6)
        XCTAssertLessThan(abs(l.mean - exactMean), 4 * l.standardError!)
        // At or under the limit it is exact.
        XCTAssertFalse(try XCTUnwrap(Evaluation.loss(model: m, stream: stream, sampleAbove: stream.count)).isEstimate)
    }

    func testEmptySplitPrintsADashAndStopReturnsNil() throws {
        let d = try Dataset(names: (0..<20).map { "n\($0)" }, split: SplitConfig(seed: 1, trainFraction: 0.9, valFraction: 0))
        let m = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        m.fit(d.stream(.train, blockSize: 1))
        XCTAssertNil(Evaluation.loss(model: m, stream: d.stream(.val, blockSize: 1)))
        XCTAssertTrue(Evaluation.meanNLL(model: m, stream: d.stream(.val, blockSize: 1)).isNaN)
        let report = try XCTUnwrap(LossReport.evaluate(m, on: d))
        let lines = report.table.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[2].split(separator: " ", omittingEmptySubsequences: true), ["val", "0", "–", "–", "–"])
        XCTAssertFalse(report.table.contains("nan"))
        XCTAssertNil(try LossReport.evaluate(m, on: d, stop: { true }))
    }

    func testEstimatedRowsAreMarkedInTheTable() throws {
        let (m, d) = try fixture(names: 3000)
        let report = try XCTUnwrap(LossReport.evaluate(m, copy: { self.copy(m, d) }, threads: 2, on: d, exactUpTo: 1000))
        let table = report.table
        XCTAssertTrue(table.contains("std. error"))
        let trainRow = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("train") })
        XCTAssertTrue(trainRow.contains("~"), "the train row is an estimate: \(trainRow)")
        XCTAssertTrue(table.contains("~ train: estimate on a seeded sample of 1000 of its"))
        // Under the limit no marks at all.
        XCTAssertFalse(try XCTUnwrap(LossReport.evaluate(m, on: d)).table.contains("~"))
    }
}
