import Foundation
import KernelSupport
import XCTest
@testable import NameGen

/// The kernel sets against each other: choosing a set by name, and the promise that a seeded
/// run gives the same bits under every set with FMA (AVX-512, AVX2, NEON).
final class KernelSetTests: XCTestCase {
    func testNamesChooseSetsAndBadNamesAreUsageErrors() throws {
        XCTAssertEqual(try KernelDispatch.set(named: nil).name, KernelDispatch.supported[0].name)
        XCTAssertEqual(try KernelDispatch.set(named: "").name, KernelDispatch.supported[0].name)
        XCTAssertEqual(try KernelDispatch.set(named: "PORTABLE").name, "portable")
        XCTAssertEqual(KernelDispatch.all.map { $0.name }, ["avx512", "avx2", "portable"])
        for set in KernelDispatch.all {
            if KernelDispatch.canRun(set) {
                XCTAssertEqual(try KernelDispatch.set(named: set.name).name, set.name)
            } else {
                XCTAssertThrowsError(try KernelDispatch.set(named: set.name)) { error in
                    XCTAssertEqual((error as? NameGenError)?.kind, .usage)
                    XCTAssertTrue("\(error)".contains("cannot run"), "\(error)")
                }
            }
        }
        XCTAssertThrowsError(try KernelDispatch.set(named: "sse9")) { error in
            XCTAssertEqual((error as? NameGenError)?.kind, .usage)
            XCTAssertEqual("\(error)", "NAMEGEN_KERNELS='sse9' is not a kernel set.")
        }
        // A wider set is never supported without the narrower one.
        let names = KernelDispatch.supported.map { $0.name }
        if names.contains("avx512") { XCTAssertTrue(names.contains("avx2")) }
        XCTAssertEqual(names.last, "portable")
    }

    /// Each element-wise and batch kernel, on ragged lengths, gives the same bits under every
    /// set with FMA: each reduction has an order that does not depend on the vector width.
    func testElementWiseKernelsGiveTheSameBitsInEverySetWithFMA() {
        var rng = RandomGenerator(seed: 23)
        func random(_ count: Int, scale: Float = 3) -> [Float] {
            (0..<count).map { _ in Float(rng.nextDouble() * 2 - 1) * scale }
        }
        var results: [(String, [[Float]])] = []
        let fused = KernelSetsUnderTest.sets.filter(KernelSetsUnderTest.fuses)
        let shapes = [(1, 1), (3, 15), (32, 27), (32, 200), (17, 33)]
        let inputs = shapes.map { (random($0.0 * $0.1), random($0.0 * $0.1), random($0.1), random($0.1)) }
        let targets = shapes.map { s in (0..<s.0).map { _ in Int32(rng.nextDouble() * Double(s.1)) } }
        for set in fused {
            var outputs: [[Float]] = []
            KernelDispatch.withKernels(set) {
                for (index, (n, c)) in shapes.enumerated() {
                    let (x, y, g, b) = inputs[index]
                    var out = [Float](repeating: 0, count: n * c)
                    VectorMath.exp(&out, x, count: x.count); outputs.append(out)
                    VectorMath.tanh(&out, x, count: x.count); outputs.append(out)
                    VectorMath.tanhBackward(dInput: &out, dOut: x, out: y, count: x.count); outputs.append(out)
                    var sums = g
                    ColumnSums.add(&sums, of: Matrix(rows: n, cols: c, data: x)); outputs.append(sums)
                    var o = Matrix(rows: n, cols: c), xhat = Matrix(rows: n, cols: c), dx = Matrix(rows: n, cols: c)
                    var mean = [Float](repeating: 0, count: c), variance = mean, rstd = mean
                    BatchNormKernels.forwardTraining(out: &o, xhat: &xhat, mean: &mean, variance: &variance, rstd: &rstd,
                                                     x: Matrix(rows: n, cols: c, data: x), gamma: g, beta: b, epsilon: 1e-5)
                    outputs += [o.data, xhat.data, mean, variance, rstd]
                    var dGamma = b, dBeta = g, s1 = mean, s2 = mean
                    BatchNormKernels.backward(dx: &dx, dGamma: &dGamma, dBeta: &dBeta, sumDy: &s1, sumDyXhat: &s2,
                                              dy: Matrix(rows: n, cols: c, data: y), xhat: xhat, gamma: g, rstd: rstd)
                    outputs += [dx.data, dGamma, dBeta]
                    if c >= 2 {
                        var dLogits = Matrix(rows: n, cols: c), scratch = Matrix(rows: n, cols: c)
                        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &scratch,
                                                                logits: Matrix(rows: n, cols: c, data: x), targets: targets[index])
                        outputs += [dLogits.data, [loss]]
                    }
                    var w = x, m = y.map(abs), v = y.map { $0 * $0 }
                    VectorMath.adamwStep(weights: &w, grads: y, m: &m, v: &v, lr: 0.01, beta1: 0.9, beta2: 0.999,
                                         epsilon: 1e-8, weightDecay: 0.01, correction1: 0.1, correction2: 0.001)
                    outputs += [w, m, v]
                }
            }
            results.append((set.name, outputs))
        }
        for (name, outputs) in results.dropFirst() {
            for (i, (a, b)) in zip(results[0].1, outputs).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "output \(i): \(results[0].0) vs \(name)")
            }
        }
    }

    /// The promise: a seeded run of the default mlp writes byte-identical tensors under
    /// every set with FMA. 300 steps at batch 32; every parameter, byte for byte. The portable
    /// set on x86-64 (no FMA) rounds differently, so it is held only to a close loss.
    func testSeededTrainingGivesByteIdenticalTensorsUnderEverySetWithFMA() throws {
        let names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia", "harper",
                     "evelyn", "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila"]
        let dataset = try Dataset(names: names + names.map { String($0.reversed()) }, split: SplitConfig())
        let train = dataset.stream(.train, blockSize: 8), val = dataset.stream(.val, blockSize: 8)
        var runs: [(name: String, fused: Bool, tensors: [String: Tensor], loss: Double)] = []
        for set in KernelSetsUnderTest.sets {
            try KernelDispatch.withKernels(set) {
                var rng = RandomGenerator(seed: 42)
                let model = MLPModel(config: MLPConfig(), vocabularySize: dataset.vocabulary.size, rng: &rng)
                var options = TrainingOptions()
                (options.batchSize, options.steps, options.threads) = (32, 300, 2)
                let trainer = Trainer(model: model, train: train, val: val, options: options,
                                      schedule: LearningRateSchedule(shape: .stepDecay, peak: 0.1, steps: 300), rng: rng)
                var last = 0.0
                var events = Trainer.Events()
                events.step = { _, loss, _ in last = Double(loss) }
                XCTAssertEqual(try trainer.run(events: events), .finished)
                runs.append((set.name, KernelSetsUnderTest.fuses(set), model.namedTensors(), last))
            }
        }
        let fused = runs.filter(\.fused)
        XCTAssertFalse(fused.isEmpty)
        for run in fused.dropFirst() {
            XCTAssertEqual(run.tensors.keys.sorted(), fused[0].tensors.keys.sorted())
            for (key, tensor) in fused[0].tensors {
                XCTAssertEqual(run.tensors[key], tensor, "\(key): \(fused[0].name) vs \(run.name)")
            }
        }
        // The tensors did change from their initial values, so the comparison is not vacuous.
        var rng = RandomGenerator(seed: 42)
        let initial = MLPModel(config: MLPConfig(), vocabularySize: dataset.vocabulary.size, rng: &rng).namedTensors()
        XCTAssertNotEqual(initial["output.weight"], fused[0].tensors["output.weight"])
        for run in runs where !run.fused {
            XCTAssertEqual(run.loss, fused[0].loss, accuracy: 0.05, "\(run.name) vs \(fused[0].name)")
        }
    }

    /// BatchNorm and the column sums against scalar loops written in the documented order (each
    /// column summed over the rows in order, no FMA), bit for bit, under every set, on widths
    /// around the 16-lane blocks: 33 and 200 end in a block moved back over columns already
    /// done, whose gradients must not be added twice.
    func testBatchNormAndColumnSumsMatchScalarLoopsBitForBit() {
        var rng = RandomGenerator(seed: 29)
        for (n, c) in [(5, 1), (4, 15), (3, 16), (7, 33), (32, 200)] {
            func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.nextDouble() * 4 - 2) } }
            let x = random(n * c), dy = random(n * c), gamma = random(c), beta = random(c)
            let dGamma0 = random(c), dBeta0 = random(c), eps: Float = 1e-5
            // Scalar reference.
            var mean = [Float](repeating: 0, count: c), variance = mean, rstd = mean
            var out = [Float](repeating: 0, count: n * c), xhat = out, dx = out
            var dGamma = dGamma0, dBeta = dBeta0, sums = dBeta0
            for j in 0..<c {
                for r in 0..<n { mean[j] += x[r * c + j]; sums[j] += x[r * c + j] }
                mean[j] *= 1 / Float(n)
                for r in 0..<n { let d = x[r * c + j] - mean[j]; variance[j] += d * d }
                variance[j] *= 1 / Float(n)
                rstd[j] = 1 / (variance[j] + eps).squareRoot()
                for r in 0..<n {
                    xhat[r * c + j] = (x[r * c + j] - mean[j]) * rstd[j]
                    out[r * c + j] = gamma[j] * xhat[r * c + j] + beta[j]
                }
                var s1: Float = 0, s2: Float = 0
                for r in 0..<n { s1 += dy[r * c + j]; s2 += dy[r * c + j] * xhat[r * c + j] }
                dBeta[j] += s1; dGamma[j] += s2
                let k = gamma[j] * rstd[j]
                let a1 = s1 * (k / Float(n)), a2 = s2 * (k / Float(n))
                for r in 0..<n { dx[r * c + j] = gamma[j] * rstd[j] * dy[r * c + j] - a1 - xhat[r * c + j] * a2 }
            }
            KernelSetsUnderTest.forEach { set in
                let label = "\(set.name) \(n)×\(c)"
                var o = Matrix(rows: n, cols: c), h = Matrix(rows: n, cols: c), d = Matrix(rows: n, cols: c)
                var mu = [Float](repeating: 9, count: c), va = mu, rs = mu
                BatchNormKernels.forwardTraining(out: &o, xhat: &h, mean: &mu, variance: &va, rstd: &rs,
                                                 x: Matrix(rows: n, cols: c, data: x), gamma: gamma, beta: beta, epsilon: eps)
                XCTAssertEqual(o.data.map(\.bitPattern), out.map(\.bitPattern), label)
                XCTAssertEqual(h.data.map(\.bitPattern), xhat.map(\.bitPattern), label)
                XCTAssertEqual([mu, va, rs].map { $0.map(\.bitPattern) }, [mean, variance, rstd].map { $0.map(\.bitPattern) }, label)
                var dg = dGamma0, db = dBeta0, s1 = mu, s2 = mu
                BatchNormKernels.backward(dx: &d, dGamma: &dg, dBeta: &db, sumDy: &s1, sumDyXhat: &s2,
                                          dy: Matrix(rows: n, cols: c, data: dy), xhat: h, gamma: gamma, rstd: rs)
                XCTAssertEqual(d.data.map(\.bitPattern), dx.map(\.bitPattern), label)
                XCTAssertEqual(dg.map(\.bitPattern), dGamma.map(\.bitPattern), label)
                XCTAssertEqual(db.map(\.bitPattern), dBeta.map(\.bitPattern), label)
                var columnSums = dBeta0
                ColumnSums.add(&columnSums, of: Matrix(rows: n, cols: c, data: x))
                XCTAssertEqual(columnSums.map(\.bitPattern), sums.map(\.bitPattern), label)
            }
        }
    }
}
