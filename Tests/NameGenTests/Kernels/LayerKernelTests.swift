import Foundation
import KernelSupport
import XCTest
@testable import NameGen

/// LayerNorm, GELU, causal attention and the residual add of `LayerKernels` (the kernel sets'
/// LayerLoops) under every set: against the scalar loops of `ScalarLayerReference` on ragged
/// shapes (columns and head sizes that are not multiples of 16, sequences longer than 16), and
/// with the same bits under every set with FMA.
final class LayerKernelTests: NameGenTestCase {
    /// The kernels sum in 16 lanes with fused products, the reference left to right without:
    /// each output is a sum of at most 40 terms of size about 1 (inputs are N(0, 1) to N(0, 3)),
    /// so both are within 40·2⁻²⁴·Σ|terms| ≈ 1e-5 of the exact value, relative to the largest output.
    static let tolerance = 1e-5

    private func check(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        let scale = Double(want.map { abs($0) }.max() ?? 0)
        for (i, (g, w)) in zip(got, want).enumerated() where !(abs(Double(g) - Double(w)) <= Self.tolerance * max(scale, 1)) {
            XCTFail("\(what)[\(i)]: \(g) vs reference \(w)", file: file, line: line)
            return
        }
    }

    /// Runs `body` under every set; each returns named outputs, which must equal the first FMA
    /// set's bit for bit in every set that fuses.
    private func compareSets(_ body: (any KernelSet.Type) -> [(String, [Float])]) {
        var fused: [(String, [(String, [Float])])] = []
        KernelSetsUnderTest.forEach { set in
            let outputs = body(set)
            if KernelSetsUnderTest.fuses(set) { fused.append((set.name, outputs)) }
        }
        XCTAssertFalse(fused.isEmpty)
        for (name, outputs) in fused.dropFirst() {
            for ((what, got), (_, want)) in zip(outputs, fused[0].1) {
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "\(what): \(name) vs \(fused[0].0)")
            }
        }
    }

    func testLayerNormForwardAndBackward() {
        var rng = RandomGenerator(seed: 31)
        let shapes = [(3, 5), (4, 16), (5, 37), (6, 64)]
        let inputs = shapes.map { n, c in
            (x: randomMatrix(n, c, &rng, scale: 3), dOut: randomMatrix(n, c, &rng), dxBefore: randomMatrix(n, c, &rng),
             gamma: randomMatrix(1, c, &rng).data.map { 1 + 0.5 * $0 }, beta: randomMatrix(1, c, &rng).data,
             dGammaBefore: randomMatrix(1, c, &rng).data)
        }
        compareSets { set in
            var outputs: [(String, [Float])] = []
            for ((n, c), a) in zip(shapes, inputs) {
                let label = "\(set.name) \(n)×\(c)"
                func run(_ forward: (inout Matrix, inout [Float], inout [Float]) -> Void,
                         _ backward: (inout Matrix, inout [Float], inout [Float], [Float], [Float]) -> Void)
                    -> [(String, [Float])] {
                    var out = nanMatrix(n, c), mean = [Float](repeating: .nan, count: n), rstd = mean
                    forward(&out, &mean, &rstd)
                    var dx = a.dxBefore, dGamma = a.dGammaBefore, dBeta = a.gamma
                    backward(&dx, &dGamma, &dBeta, mean, rstd)
                    return [("out", out.data), ("mean", mean), ("rstd", rstd), ("dx", dx.data), ("dGamma", dGamma),
                            ("dBeta", dBeta)]
                }
                let got = run({ LayerKernels.layerNormForward(out: &$0, mean: &$1, rstd: &$2, x: a.x, gamma: a.gamma, beta: a.beta,
                                                              epsilon: 1e-5) },
                              { LayerKernels.layerNormBackward(dx: &$0, dGamma: &$1, dBeta: &$2, dOut: a.dOut, x: a.x, mean: $3,
                                                               rstd: $4, gamma: a.gamma) })
                let want = run({ ScalarLayerReference.layerNormForward(out: &$0, mean: &$1, rstd: &$2, x: a.x, gamma: a.gamma,
                                                                       beta: a.beta, epsilon: 1e-5) },
                               { ScalarLayerReference.layerNormBackward(dx: &$0, dGamma: &$1, dBeta: &$2, dOut: a.dOut, x: a.x,
                                                                        mean: $3, rstd: $4, gamma: a.gamma) })
                for ((what, g), (_, w)) in zip(got, want) { check(g, w, "layerNorm \(what) \(label)") }
                outputs += got
            }
            return outputs
        }
    }

    func testGELUAndAdd() {
        var rng = RandomGenerator(seed: 32)
        let counts = [1, 15, 16, 29, 100]
        let inputs = counts.map { (x: randomMatrix(1, $0, &rng, scale: 3).data, dOut: randomMatrix(1, $0, &rng).data) }
        compareSets { set in
            var outputs: [(String, [Float])] = []
            for (count, a) in zip(counts, inputs) {
                let label = "\(set.name) \(count)"
                var y = [Float](repeating: .nan, count: count), t = y, dx = y, yRef = y, tRef = y, dxRef = y
                LayerKernels.geluForward(out: &y, tanhOut: &t, x: a.x, count: count)
                ScalarLayerReference.geluForward(out: &yRef, tanhOut: &tRef, x: a.x, count: count)
                LayerKernels.geluBackward(dx: &dx, dOut: a.dOut, x: a.x, tanhOut: t, count: count)
                ScalarLayerReference.geluBackward(dx: &dxRef, dOut: a.dOut, x: a.x, tanhOut: tRef, count: count)
                check(y, yRef, "gelu \(label)")
                check(t, tRef, "gelu tanh \(label)")
                check(dx, dxRef, "gelu backward \(label)")
                var sum = [Float](repeating: .nan, count: count)
                LayerKernels.add(&sum, a.x, a.dOut, count: count)
                XCTAssertEqual(sum, zip(a.x, a.dOut).map { $0 + $1 }, "add \(label)")
                outputs += [("gelu", y), ("tanh", t), ("gelu backward", dx), ("add", sum)]
            }
            return outputs
        }
    }

    /// Packed sequences with and without a dropout mask, forward and backward; and the cached
    /// form over keys and values copied out of the same qkv, which must give the unmasked output.
    func testAttentionForwardBackwardAndCached() {
        var rng = RandomGenerator(seed: 33)
        let configs: [(c: Int, h: Int, t: Int, lengths: [Int])] = [(6, 2, 5, [4, 1, 5, 3]), (32, 2, 20, [17, 3, 20]),
                                                                  (40, 2, 6, [6, 2])]
        let inputs = configs.map { cfg -> (qkv: Matrix, dOut: Matrix, mask: [Float]) in
            let n = cfg.lengths.reduce(0, +)
            let mask = (0..<(n * cfg.h * cfg.t)).map { _ in rng.nextDouble() < 0.3 ? Float(0) : 1 / 0.7 }
            return (randomMatrix(n, 3 * cfg.c, &rng), randomMatrix(n, cfg.c, &rng), mask)
        }
        compareSets { set in
            var outputs: [(String, [Float])] = []
            for (cfg, a) in zip(configs, inputs) {
                let sequences = PackedSequences(lengths: cfg.lengths, maxLength: cfg.t)
                let n = sequences.rows, c = cfg.c, h = cfg.h, t = cfg.t
                for mask in [nil, a.mask] {
                    let label = "\(set.name) C \(c) H \(h) T \(t)\(mask == nil ? "" : " masked")"
                    var out = nanMatrix(n, c), outRef = out
                    var p = [Float](repeating: .nan, count: n * h * t), pRef = p
                    LayerKernels.attentionForward(out: &out, probabilities: &p, qkv: a.qkv, mask: mask, sequences: sequences,
                                                  heads: h, maxLength: t)
                    ScalarLayerReference.attentionForward(out: &outRef, probabilities: &pRef, qkv: a.qkv, mask: mask,
                                                          layout: sequences, heads: h, maxLength: t)
                    var dqkv = nanMatrix(n, 3 * c), dqkvRef = dqkv
                    LayerKernels.attentionBackward(dqkv: &dqkv, dOut: a.dOut, qkv: a.qkv, probabilities: p, mask: mask,
                                                   sequences: sequences, heads: h, maxLength: t)
                    ScalarLayerReference.attentionBackward(dqkv: &dqkvRef, dOut: a.dOut, qkv: a.qkv, probabilities: pRef,
                                                           mask: mask, layout: sequences, heads: h, maxLength: t)
                    check(out.data, outRef.data, "attention \(label)")
                    check(p, pRef, "probabilities \(label)")
                    check(dqkv.data, dqkvRef.data, "attention backward \(label)")
                    outputs += [("attention", out.data), ("probabilities", p), ("attention backward", dqkv.data)]
                    guard mask == nil else { continue }
                    // The reference reads keys and values as rows of qkv; the kernels read the
                    // cache that storeKeysValues fills, one slot per sequence.
                    var keys = [Float](repeating: 0, count: n * c), values = keys
                    for r in 0..<n {
                        for e in 0..<c { (keys[r * c + e], values[r * c + e]) = (a.qkv[r, c + e], a.qkv[r, 2 * c + e]) }
                    }
                    let first = Array(sequences.first.prefix(n)), positions = Array(sequences.positions.prefix(n))
                    let slots = first.map { f in Int32(Set(first.filter { $0 < f }).count) }
                    var keyCache = [Float](repeating: .nan, count: cfg.lengths.count * t * c), valueCache = keyCache
                    LayerKernels.storeKeysValues(qkv: a.qkv, rows: n, keys: &keyCache, values: &valueCache, slots: slots,
                                                 positions: positions, heads: h, maxLength: t)
                    var cached = nanMatrix(n, c), cachedRef = cached
                    var scores = [Float](repeating: .nan, count: n * h * t), scoresRef = scores
                    LayerKernels.attentionCached(out: &cached, qkv: a.qkv, keys: keyCache, values: valueCache, slots: slots,
                                                 positions: positions, rows: n, heads: h, maxLength: t, scores: &scores)
                    ScalarLayerReference.attentionCached(out: &cachedRef, qkv: a.qkv, keys: keys, values: values,
                                                         offsets: first.map { Int($0) * c }, lengths: positions.map { Int($0) + 1 },
                                                         rows: n, heads: h, maxLength: t, scores: &scoresRef)
                    check(cached.data, cachedRef.data, "cached attention \(label)")
                    check(cached.data, out.data, "cached attention against packed attention \(label)")
                    outputs.append(("cached attention", cached.data))
                }
            }
            return outputs
        }
    }

    /// The causal mean over sequences of 4, 1 and 3 rows against running sums in scalar code,
    /// forward and backward, at widths around one block of 16.
    func testCausalMean() {
        var rng = RandomGenerator(seed: 34)
        let sequences = PackedSequences(lengths: [4, 1, 3], maxLength: 4)
        let n = sequences.rows, widths = [3, 16, 21]
        let positions = sequences.positions.prefix(n).map(Int.init)
        let inputs = widths.map { (x: randomMatrix(n, $0, &rng), dOut: randomMatrix(n, $0, &rng)) }
        compareSets { set in
            var outputs: [(String, [Float])] = []
            for (c, a) in zip(widths, inputs) {
                var out = nanMatrix(n, c), dx = nanMatrix(n, c)
                LayerKernels.causalMean(out: &out, x: a.x, positions: sequences.positions)
                LayerKernels.causalMeanBackward(dx: &dx, dOut: a.dOut, positions: sequences.positions)
                var want = [Float](repeating: 0, count: n * c), wantDx = want
                for r in 0..<n {
                    for k in 0..<c {
                        var sum: Float = 0
                        for j in (r - positions[r])...r { sum += a.x[j, k] }
                        want[r * c + k] = sum / Float(positions[r] + 1)
                        var back: Float = 0
                        var i = r
                        while i < n && (i == r || positions[i] > 0) {
                            back += a.dOut[i, k] / Float(positions[i] + 1)
                            i += 1
                        }
                        wantDx[r * c + k] = back
                    }
                }
                check(out.data, want, "causal mean \(set.name) width \(c)")
                check(dx.data, wantDx, "causal mean backward \(set.name) width \(c)")
                outputs += [("causal mean", out.data), ("causal mean backward", dx.data)]
            }
            return outputs
        }
    }
}
