import XCTest
@testable import NameGen

/// BatchNorm and tanh split between threads by blocks of columns (or elements) give the same
/// bits as on one thread: each column is computed alone, whichever part holds it. The shapes
/// have ragged widths (a last block of fewer than 16), so the part boundaries and the moved-back
/// ragged block are both exercised. One thread's results are checked against the Value oracle
/// elsewhere (BatchNormTests, VectorMathTests).
final class BatchSplitTests: NameGenTestCase {
    /// (rows, columns), each at least `BatchSplit.parallelMinElements` floats.
    static let shapes = [(256, 200), (600, 56), (512, 72), (64, 600)]

    func testBatchNormForwardAndBackwardSplitByColumnsMatchOneThread() {
        KernelSetsUnderTest.forEach { set in
            for (n, c) in Self.shapes {
                var rng = RandomGenerator(seed: UInt64(n * 1000 + c))
                let x = randomMatrix(n, c, &rng, scale: 2), dy = randomMatrix(n, c, &rng)
                let gamma = (0..<c).map { _ in 1 + 0.3 * rng.nextNormal() }, beta = (0..<c).map { _ in rng.nextNormal() }
                let start = (0..<c).map { _ in rng.nextNormal() }
                var results: [[[Float]]] = []
                for threads in [1, 2, 3] {
                    XCTAssertGreaterThanOrEqual(BatchSplit.partCount(width: c, elements: n * c, threads: threads),
                                                min(threads, 2), "\(set.name) \(n)×\(c): the batch is split")
                    var out = Matrix(rows: n, cols: c), xhat = Matrix(rows: n, cols: c), dx = Matrix(rows: n, cols: c)
                    var mean = [Float](repeating: 0, count: c), variance = mean, rstd = mean
                    var dGamma = start, dBeta = start.map { -$0 }, sumDy = mean, sumDyXhat = mean
                    Matmul.$maxThreads.withValue(threads) {
                        BatchNormKernels.forwardTraining(out: &out, xhat: &xhat, mean: &mean, variance: &variance, rstd: &rstd,
                                                         x: x, gamma: gamma, beta: beta, epsilon: 1e-5)
                        BatchNormKernels.backward(dx: &dx, dGamma: &dGamma, dBeta: &dBeta, sumDy: &sumDy, sumDyXhat: &sumDyXhat,
                                                  dy: dy, xhat: xhat, gamma: gamma, rstd: rstd)
                    }
                    results.append([out.data, xhat.data, mean, variance, rstd, dx.data, dGamma, dBeta, sumDy, sumDyXhat])
                }
                for threads in 1..<results.count {
                    for (i, name) in ["out", "xhat", "mean", "variance", "rstd", "dx", "dGamma", "dBeta", "sumDy", "sumDyXhat"].enumerated() {
                        XCTAssertEqual(results[threads][i].map(\.bitPattern), results[0][i].map(\.bitPattern),
                                       "\(set.name) \(n)×\(c), \(threads + 1) threads: \(name)")
                    }
                }
            }
        }
    }

    func testTanhAndItsBackwardSplitByElementsMatchOneThread() {
        KernelSetsUnderTest.forEach { set in
            for count in [BatchSplit.parallelMinElements, 51_207] {
                var rng = RandomGenerator(seed: UInt64(count))
                let x = (0..<count).map { _ in 3 * rng.nextNormal() }, dy = (0..<count).map { _ in rng.nextNormal() }
                var results: [[[Float]]] = []
                for threads in [1, 2, 3] {
                    var y = [Float](repeating: .nan, count: count), dx = y
                    Matmul.$maxThreads.withValue(threads) {
                        VectorMath.tanh(&y, x, count: count)
                        VectorMath.tanhBackward(dInput: &dx, dOut: dy, out: y, count: count)
                    }
                    results.append([y, dx])
                }
                XCTAssertFalse(results[0][0].contains { $0.isNaN }, "\(set.name): every element written")
                for threads in 1..<results.count {
                    XCTAssertEqual(results[threads][0].map(\.bitPattern), results[0][0].map(\.bitPattern), "\(set.name) \(count): tanh")
                    XCTAssertEqual(results[threads][1].map(\.bitPattern), results[0][1].map(\.bitPattern), "\(set.name) \(count): backward")
                }
            }
        }
    }
}
