import Foundation
import KernelSupport
import KernelsFlagFree
import KernelsPortable
import XCTest
@testable import NameGen

/// The kernel sets against each other: choosing a set by name, and the promise that a seeded
/// run gives the same bits under every set with FMA (AVX-512, AVX2, NEON).
final class KernelSetTests: NameGenTestCase {
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

    /// Each element-wise and batch kernel, on ragged lengths, against an independent reference
    /// under every set, and with the same bits under every set with FMA: each reduction has an
    /// order that does not depend on the vector width. The references: exp and tanh in Double
    /// within the ulp bounds VectorMathTests derives; BatchNorm and the column sums as the scalar
    /// loops of `scalarBatchNorm`, bit for bit; tanh's backward, cross-entropy and AdamW in
    /// Double within a bound counted from their Float roundings (`u` = 2⁻²⁴ each, first order).
    func testElementWiseKernelsMatchAReferenceAndGiveTheSameBitsInEverySetWithFMA() {
        var rng = RandomGenerator(seed: 23)
        func random(_ count: Int, scale: Float = 3) -> [Float] {
            (0..<count).map { _ in Float(rng.nextDouble() * 2 - 1) * scale }
        }
        let u = 0x1p-24
        /// One Float ulp in the binade of t (t in the normal range).
        func ulp(_ t: Double) -> Double { Double(sign: .plus, exponent: t.exponent - 23, significand: 1) }
        var checked = 0
        /// Checks got[i] against want[i] within bound[i]; counts the elements checked.
        func check(_ got: [Float], _ want: [Double], _ bound: [Double], _ what: String) {
            XCTAssertEqual(got.count, want.count, what)
            for (i, (g, w)) in zip(got, want).enumerated() where !(abs(Double(g) - w) <= bound[i]) {
                XCTFail("\(what)[\(i)]: \(g) vs reference \(w), bound \(bound[i])")
                return
            }
            checked += got.count
        }
        func checkBits(_ got: [Float], _ want: [Float], _ what: String) {
            XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), what)
            checked += got.count
        }
        var results: [(String, [[Float]])] = []
        let shapes = [(1, 1), (3, 15), (32, 27), (32, 200), (17, 33)]
        let inputs = shapes.map { (random($0.0 * $0.1), random($0.0 * $0.1), random($0.1), random($0.1)) }
        let targets = shapes.map { s in (0..<s.0).map { _ in Int32(rng.nextDouble() * Double(s.1)) } }
        for set in KernelSetsUnderTest.sets {
            var outputs: [[Float]] = []
            KernelDispatch.withKernels(set) {
                for (index, (n, c)) in shapes.enumerated() {
                    let (x, y, g, b) = inputs[index]
                    let label = "\(set.name) \(n)×\(c)"
                    var out = [Float](repeating: 0, count: n * c)
                    VectorMath.exp(&out, x, count: x.count); outputs.append(out)
                    let exps = x.map { Foundation.exp(Double($0)) }
                    check(out, exps, exps.map { VectorMathTests.expBoundUlps * ulp($0) }, "exp \(label)")
                    VectorMath.tanh(&out, x, count: x.count); outputs.append(out)
                    let tanhs = x.map { Foundation.tanh(Double($0)) }
                    check(out, tanhs, tanhs.map { VectorMathTests.tanhBoundUlps * ulp($0) }, "tanh \(label)")
                    // dOut · (1 − out²): out² rounds (u·out²), 1 − out² and the product (u·|1 − out²|
                    // each, relative to |dOut|); with out·out fused into the subtraction, one fewer.
                    VectorMath.tanhBackward(dInput: &out, dOut: x, out: y, count: x.count); outputs.append(out)
                    let squares = y.map { Double($0) * Double($0) }
                    let dxs: [Double] = zip(x, squares).map { dOut, sq in Double(dOut) * (1 - sq) }
                    let dxBounds: [Double] = zip(x, squares).map { dOut, sq in u * abs(Double(dOut)) * (sq + 2 * abs(1 - sq)) }
                    check(out, dxs, dxBounds, "tanhBackward \(label)")
                    let reference = Self.scalarBatchNorm(x: x, dy: y, gamma: g, beta: b, dGamma0: b, dBeta0: g, n: n, c: c, eps: 1e-5)
                    var sums = g
                    ColumnSums.add(&sums, of: Matrix(rows: n, cols: c, data: x)); outputs.append(sums)
                    checkBits(sums, reference.sums, "column sums \(label)")
                    var o = Matrix(rows: n, cols: c), xhat = Matrix(rows: n, cols: c), dx = Matrix(rows: n, cols: c)
                    var mean = [Float](repeating: 0, count: c), variance = mean, rstd = mean
                    BatchNormKernels.forwardTraining(out: &o, xhat: &xhat, mean: &mean, variance: &variance, rstd: &rstd,
                                                     x: Matrix(rows: n, cols: c, data: x), gamma: g, beta: b, epsilon: 1e-5)
                    outputs += [o.data, xhat.data, mean, variance, rstd]
                    var dGamma = b, dBeta = g, s1 = mean, s2 = mean
                    BatchNormKernels.backward(dx: &dx, dGamma: &dGamma, dBeta: &dBeta, sumDy: &s1, sumDyXhat: &s2,
                                              dy: Matrix(rows: n, cols: c, data: y), xhat: xhat, gamma: g, rstd: rstd)
                    outputs += [dx.data, dGamma, dBeta]
                    for (got, want, what) in [(o.data, reference.out, "out"), (xhat.data, reference.xhat, "xhat"),
                                              (mean, reference.mean, "mean"), (variance, reference.variance, "variance"),
                                              (rstd, reference.rstd, "rstd"), (dx.data, reference.dx, "dx"),
                                              (dGamma, reference.dGamma, "dGamma"), (dBeta, reference.dBeta, "dBeta")] {
                        checkBits(got, want, "BatchNorm \(what) \(label)")
                    }
                    if c >= 2 {
                        var dLogits = Matrix(rows: n, cols: c), scratch = Matrix(rows: n, cols: c)
                        let loss = CrossEntropy.forwardBackward(dLogits: &dLogits, probabilities: &scratch,
                                                                logits: Matrix(rows: n, cols: c, data: x), targets: targets[index])
                        outputs += [dLogits.data, [loss]]
                        let want = Self.crossEntropyReference(logits: x, targets: targets[index], n: n, c: c)
                        check(dLogits.data, want.dLogits, want.dLogitsBound, "cross-entropy dLogits \(label)")
                        check([loss], [want.loss], [want.lossBound], "cross-entropy loss \(label)")
                    }
                    var w = x, m = y.map(abs), v = y.map { $0 * $0 }
                    VectorMath.adamwStep(weights: &w, grads: y, m: &m, v: &v, lr: 0.01, beta1: 0.9, beta2: 0.999,
                                         epsilon: 1e-8, weightDecay: 0.01, correction1: 0.1, correction2: 0.001)
                    outputs += [w, m, v]
                    let adamw = Self.adamwReference(w: x, g: y, m: y.map(abs), v: y.map { $0 * $0 }, lr: 0.01, beta1: 0.9,
                                                    beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, c1: 0.1, c2: 0.001)
                    check(w, adamw.w, adamw.wBound, "adamw w \(label)")
                    check(m, adamw.m, adamw.mBound, "adamw m \(label)")
                    check(v, adamw.v, adamw.vBound, "adamw v \(label)")
                }
            }
            results.append((set.name, outputs))
        }
        XCTAssertGreaterThan(checked, 0, "no kernel output was compared with its reference")
        let fused = results.filter { r in KernelSetsUnderTest.fuses(KernelSetsUnderTest.sets.first { $0.name == r.0 }!) }
        for (name, outputs) in fused.dropFirst() {
            for (i, (a, b)) in zip(fused[0].1, outputs).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "output \(i): \(fused[0].0) vs \(name)")
            }
        }
    }

    /// Softmax cross-entropy in Double, and a bound on the Float kernel's error. Per row, with
    /// z = logit − max: exp(z) is off by its argument's rounding (u·|z|) and ≤ 2 ulps ≤ 4u;
    /// the row sum S adds at most c·u; 1/S, ·(1/S), ·scale and scale = 1/N one rounding each;
    /// the target's −scale (itself within u of 1/N) one more. The loss adds S's error, log S in
    /// Float (a libm logf is within 1 ulp ≤ 2u·|log S|), the shifted target (u·|z|) and the
    /// Float result (u).
    static func crossEntropyReference(logits: [Float], targets: [Int32], n: Int, c: Int)
        -> (dLogits: [Double], dLogitsBound: [Double], loss: Double, lossBound: Double) {
        let u = 0x1p-24, scale = 1 / Double(n)
        var d = [Double](repeating: 0, count: n * c), bound = d
        var loss = 0.0, lossBound = 0.0
        for r in 0..<n {
            let row = logits[(r * c)..<((r + 1) * c)].map(Double.init), m = row.max()!, t = Int(targets[r])
            let z = row.map { $0 - m }, e = z.map { Foundation.exp($0) }, sum = e.reduce(0, +)
            let expError = z.map { 4 * u + u * abs($0) }
            let sumError = expError.max()! + Double(c) * u
            for j in 0..<c {
                let p = e[j] / sum, relative = expError[j] + sumError + 4 * u
                d[r * c + j] = (p - (j == t ? 1 : 0)) * scale
                bound[r * c + j] = p * scale * relative + (j == t ? u * scale + u * abs(d[r * c + j]) : 0)
            }
            loss += Foundation.log(sum) - z[t]
            lossBound += sumError + 2 * u * abs(Foundation.log(sum)) + u * abs(z[t])
        }
        loss *= scale
        return (d, bound, loss, lossBound * scale + u * abs(loss))
    }

    /// One AdamW step in Double (`VectorMath.adamwStep`'s formula), and a bound on the Float
    /// kernel's error (no FMA: each operation rounds once, at most u of its result). m: β₁m,
    /// (1 − β₁)g (1 − β₁ is exact in Float for β₁ in [½, 1]) and their sum, ≤ 2u of the terms;
    /// v: one more on (1 − β₂)g² for g², ≤ 2u·β₂v + 3u·(1 − β₂)g². The weight: decay = 1 − lr·wd and w·decay ≤ 3u of |w|;
    /// the step lr/c₁ · m / (√v · (1/√c₂) + ε) ≤ its relative error in m, half that in v, and
    /// eight roundings (lr/c₁, 1/√c₂ and its square root, ·m, √v, ·, +ε, /); the subtraction u.
    static func adamwReference(w: [Float], g: [Float], m: [Float], v: [Float], lr: Float, beta1: Float, beta2: Float,
                               epsilon: Float, weightDecay: Float, c1: Float, c2: Float)
        -> (w: [Double], wBound: [Double], m: [Double], mBound: [Double], v: [Double], vBound: [Double]) {
        let u = 0x1p-24
        let (lr, b1, b2, eps, wd) = (Double(lr), Double(beta1), Double(beta2), Double(epsilon), Double(weightDecay))
        var result: (w: [Double], wBound: [Double], m: [Double], mBound: [Double], v: [Double], vBound: [Double])
            = ([], [], [], [], [], [])
        for i in 0..<w.count {
            let gi = Double(g[i]), w0 = Double(w[i])
            let mTerms = (b1 * Double(m[i]), (1 - b1) * gi), vTerms = (b2 * Double(v[i]), (1 - b2) * gi * gi)
            let mi = mTerms.0 + mTerms.1, vi = vTerms.0 + vTerms.1
            let mBound = 2 * u * (abs(mTerms.0) + abs(mTerms.1)), vBound = u * (2 * vTerms.0 + 3 * vTerms.1)
            let step = lr / Double(c1) * mi / ((vi / Double(c2)).squareRoot() + eps)
            let wi = w0 * (1 - lr * wd) - step
            let stepRelative = mBound / abs(mi) + vBound / (2 * vi) + 8 * u
            result.w.append(wi); result.wBound.append(3 * u * abs(w0) + abs(step) * stepRelative + u * abs(wi))
            result.m.append(mi); result.mBound.append(mBound)
            result.v.append(vi); result.vBound.append(vBound)
        }
        return result
    }

    /// Under every set, one mlp training step (BatchNorm, tanh, dropout) gives the loss and the
    /// gradients of the scalar `Value` network of MLPGradientTests, within its tolerances: the
    /// independent expectation for the training below, which compares sets only with each other.
    func testTrainingStepMatchesTheScalarOracleUnderEverySet() {
        var checked = 0
        KernelSetsUnderTest.forEach { set in
            let model = MLPGradientTests.checkModel(MLPGradientTests.config(batchNorm: true, activation: .tanh, dropout: 0.3),
                                                    seed: 3)
            XCTAssertTrue(model.parameters.allSatisfy { $0.grad.data.contains { $0 != 0 } }, "\(set.name): every gradient is set")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no kernel set was checked")
    }

    /// The library product's own set (KernelsFlagFree: the portable source built with no flag,
    /// what an app that depends on NameGen by version runs) is the portable set: the same name,
    /// and a seeded run gives the same bits. 5 steps: in a debug build it is not optimised.
    func testTheLibrarysFlagFreeSetIsThePortableSet() throws {
        XCTAssertEqual(KernelsFlagFree.Kernels.name, "portable")
        XCTAssertTrue(KernelDispatch.all.contains { $0 == KernelsPortable.Kernels.self }, "the tests register the dispatched sets")
        let dataset = try Dataset(names: ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia"],
                                  split: SplitConfig(trainFraction: 1, valFraction: 0))
        let train = dataset.stream(.train, blockSize: 8), val = dataset.stream(.val, blockSize: 8)
        var runs: [[String: Tensor]] = []
        for set: any KernelSet.Type in [KernelsFlagFree.Kernels.self, KernelsPortable.Kernels.self] {
            try KernelDispatch.withKernels(set) {
                var rng = RandomGenerator(seed: 42)
                let model = MLPModel(config: MLPConfig(), vocabularySize: dataset.vocabulary.size, rng: &rng)
                var options = TrainingOptions()
                (options.batchSize, options.steps, options.threads) = (32, 5, 2)
                let trainer = Trainer(model: model, train: train, val: val, options: options,
                                      schedule: LearningRateSchedule(shape: .stepDecay, peak: 0.1, steps: 5), rng: rng)
                XCTAssertEqual(try trainer.run(), .finished)
                runs.append(model.namedTensors())
            }
        }
        XCTAssertEqual(runs[0].keys.sorted(), runs[1].keys.sorted())
        for (key, tensor) in runs[1] { XCTAssertEqual(runs[0][key], tensor, "\(key): flag-free vs portable") }
    }

    /// The promise: a seeded run of the default mlp writes byte-identical tensors under
    /// every set with FMA. 300 steps at batch 32; every parameter, byte for byte. The portable
    /// set on x86-64 (no FMA) rounds differently, so it is held only to a close loss. What each
    /// set computes is checked against an independent oracle by the test above; here every run
    /// is also held to the same run's own loss falling below the uniform prediction's log V.
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
        let uniform = Foundation.log(Double(dataset.vocabulary.size))
        for run in runs { XCTAssertLessThan(run.loss, uniform, "\(run.name): the run learned nothing") }
        XCTAssertGreaterThan(runs.count, 0, "no kernel set was run")
    }

    /// BatchNorm and the column sums against scalar loops written in the documented order (each
    /// column summed over the rows in order, no FMA), bit for bit, under every set, on widths
    /// around the 16-lane blocks: 33 and 200 end in a block moved back over columns already
    /// done, whose gradients must not be added twice.
    func testBatchNormAndColumnSumsMatchScalarLoopsBitForBit() {
        var rng = RandomGenerator(seed: 29)
        var checked = 0
        for (n, c) in [(5, 1), (4, 15), (3, 16), (7, 33), (32, 200)] {
            func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.nextDouble() * 4 - 2) } }
            let x = random(n * c), dy = random(n * c), gamma = random(c), beta = random(c)
            let dGamma0 = random(c), dBeta0 = random(c), eps: Float = 1e-5
            let reference = Self.scalarBatchNorm(x: x, dy: dy, gamma: gamma, beta: beta, dGamma0: dGamma0, dBeta0: dBeta0,
                                                 n: n, c: c, eps: eps)
            let (mean, variance, rstd, out, xhat, dx) = (reference.mean, reference.variance, reference.rstd, reference.out,
                                                         reference.xhat, reference.dx)
            let (dGamma, dBeta, sums) = (reference.dGamma, reference.dBeta, reference.sums)
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
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, "no kernel set was compared with the scalar loops")
    }

    /// Training-mode BatchNorm forward and backward and the column sums as scalar loops in the
    /// documented order (each column summed over the rows in order, no FMA): what every set must
    /// give bit for bit. `sums` starts from dBeta0.
    static func scalarBatchNorm(x: [Float], dy: [Float], gamma: [Float], beta: [Float], dGamma0: [Float], dBeta0: [Float],
                                n: Int, c: Int, eps: Float)
        -> (mean: [Float], variance: [Float], rstd: [Float], out: [Float], xhat: [Float], dx: [Float],
            dGamma: [Float], dBeta: [Float], sums: [Float]) {
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
        return (mean, variance, rstd, out, xhat, dx, dGamma, dBeta, sums)
    }
}
