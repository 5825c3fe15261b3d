import Foundation
import KernelSupport
import XCTest
@testable import NameGen

/// The GRU and LSTM gate kernels (RecurrentMath) on ragged lengths, under every kernel set,
/// against a reference in Double from the same Float inputs, and with the same bits under
/// every set with FMA.
///
/// The bound: the reference carries beside each value v a magnitude m ≥ |v| (inputs and
/// constants: their absolute value; a product: the product of the magnitudes; a sum or
/// difference: the sum of the magnitudes; an activation a(x): |a(x)| plus |a′(x)|·m(x)). To
/// first order, a Float result computed in R roundings, each within u = 2⁻²⁴ of its result,
/// and with activations within 6u of theirs (exp 2 ulps and tanh 3 ulps, VectorMathTests, each
/// ulp at most 2u, and the two roundings around sigmoid's exp), is within (R + 6·activations)·u·m
/// of the reference. No output here takes more than 40 such units; the bound is 64·u·m.
final class RecurrentKernelTests: NameGenTestCase {
    /// A value and its magnitude (see the class comment).
    struct D {
        var v: Double, m: Double
        init(_ x: Float) { (v, m) = (Double(x), abs(Double(x))) }
        init(v: Double, m: Double) { (self.v, self.m) = (v, m) }
        static func * (a: D, b: D) -> D { D(v: a.v * b.v, m: a.m * b.m) }
        static func + (a: D, b: D) -> D { D(v: a.v + b.v, m: a.m + b.m) }
        static func - (a: D, b: D) -> D { D(v: a.v - b.v, m: a.m + b.m) }
        static let one = D(v: 1, m: 1)
        var sigmoid: D {
            let s = 1 / (1 + Foundation.exp(-v))
            return D(v: s, m: s + s * (1 - s) * m)
        }
        var tanh: D {
            let t = Foundation.tanh(v)
            return D(v: t, m: abs(t) + (1 - t * t) * m)
        }
    }

    static let bound = 64 * 0x1p-24

    func testKernelsMatchTheReferenceAndGiveTheSameBitsInEverySetWithFMA() {
        var rng = RandomGenerator(seed: 31)
        func random(_ count: Int, scale: Float = 3) -> [Float] { (0..<count).map { _ in Float(rng.nextDouble() * 2 - 1) * scale } }
        var checked = 0
        func check(_ got: [Float], _ want: [D], _ what: String) {
            XCTAssertEqual(got.count, want.count, what)
            for (i, (g, w)) in zip(got, want).enumerated() where !(abs(Double(g) - w.v) <= Self.bound * w.m) {
                XCTFail("\(what)[\(i)]: \(g) vs reference \(w.v), bound \(Self.bound * w.m)")
                return
            }
            checked += got.count
        }
        let counts = [1, 15, 16, 33, 200]
        let shapes = [(1, 1), (3, 5), (2, 17), (4, 16)]
        // Gate pre-activations up to ±12 reach both flat ends of σ and tanh; states within ±1.5.
        let elementInputs = counts.map { n in (random(n, scale: 12), random(n), random(n, scale: 1), random(n, scale: 1),
                                               random(n, scale: 1.5)) }
        let rowInputs = shapes.map { r, w in (random(4 * r * w, scale: 6), random(r * w, scale: 1.5), random(r * w), random(r * w)) }
        var results: [(any KernelSet.Type, [[Float]])] = []
        for set in KernelSetsUnderTest.sets {
            var outputs: [[Float]] = []
            KernelDispatch.withKernels(set) {
                for (n, (x, g, z0, hb0, hp)) in zip(counts, elementInputs) {
                    let label = "\(set.name) \(n)"
                    // z and hbar as a cell has them: a sigmoid's and a tanh's outputs.
                    let z = z0.map { 1 / (1 + Float(Foundation.exp(-Double($0 * 4)))) }, hbar = hb0.map { Float(Foundation.tanh(Double($0 * 3))) }
                    var y = [Float](repeating: .nan, count: n)
                    RecurrentMath.sigmoid(&y, x, count: n); outputs.append(y)
                    check(y, x.map { D($0).sigmoid }, "sigmoid \(label)")
                    RecurrentMath.gruUpdate(h: &y, hPrev: hp, z: z, hbar: hbar, count: n); outputs.append(y)
                    check(y, (0..<n).map { D(hp[$0]) + D(z[$0]) * (D(hbar[$0]) - D(hp[$0])) }, "gruUpdate \(label)")
                    var dhPrev = y, dz = y, dhbar = y
                    RecurrentMath.gruUpdateBackward(dhPrev: &dhPrev, dzPre: &dz, dhbarPre: &dhbar, dh: g, hPrev: hp, z: z,
                                                    hbar: hbar, count: n)
                    outputs += [dhPrev, dz, dhbar]
                    check(dhPrev, (0..<n).map { D(g[$0]) * (.one - D(z[$0])) }, "gruUpdateBackward dhPrev \(label)")
                    check(dz, (0..<n).map { D(g[$0]) * (D(hbar[$0]) - D(hp[$0])) * (D(z[$0]) * (.one - D(z[$0]))) },
                          "gruUpdateBackward dzPre \(label)")
                    check(dhbar, (0..<n).map { D(g[$0]) * D(z[$0]) * (.one - D(hbar[$0]) * D(hbar[$0])) },
                          "gruUpdateBackward dhbarPre \(label)")
                    var dr = y, dh = hb0
                    RecurrentMath.gruResetBackward(drPre: &dr, dhPrev: &dh, drh: g, r: z, hPrev: hp, count: n)
                    outputs += [dr, dh]
                    check(dr, (0..<n).map { D(g[$0]) * D(hp[$0]) * (D(z[$0]) * (.one - D(z[$0]))) }, "gruResetBackward drPre \(label)")
                    check(dh, (0..<n).map { D(hb0[$0]) + D(g[$0]) * D(z[$0]) }, "gruResetBackward dhPrev \(label)")
                }
                for ((rows, w), (pre, cPrev, dh, dc)) in zip(shapes, rowInputs) {
                    let label = "\(set.name) \(rows)×\(w)", n = rows * w
                    var gates = pre, c = [Float](repeating: .nan, count: n), tanhC = c, h = c
                    RecurrentMath.lstmForward(gates: &gates, c: &c, tanhC: &tanhC, h: &h, cPrev: cPrev, rows: rows, width: w)
                    outputs += [gates, c, tanhC, h]
                    var wantGates: [D] = [], wantC: [D] = [], wantTanhC: [D] = [], wantH: [D] = []
                    var dGatesWant = [D](repeating: D(0), count: 4 * n), dcPrevWant: [D] = []
                    for r in 0..<rows {
                        let a = (0..<4).map { k in (0..<w).map { j in D(pre[r * 4 * w + k * w + j]) } }
                        let act = [a[0].map(\.sigmoid), a[1].map(\.sigmoid), a[2].map(\.tanh), a[3].map(\.sigmoid)]
                        wantGates += act.flatMap { $0 }
                        for j in 0..<w {
                            let (i, f, g, o) = (act[0][j], act[1][j], act[2][j], act[3][j])
                            let cj = f * D(cPrev[r * w + j]) + i * g, tc = cj.tanh
                            wantC.append(cj); wantTanhC.append(tc); wantH.append(o * tc)
                            // Backward from the kernel's own saved activations (as the cell calls it).
                            let (fi, ff, fg, fo) = (D(gates[r * 4 * w + j]), D(gates[r * 4 * w + w + j]),
                                                    D(gates[r * 4 * w + 2 * w + j]), D(gates[r * 4 * w + 3 * w + j]))
                            let ftc = D(tanhC[r * w + j]), gh = D(dh[r * w + j])
                            let gc = D(dc[r * w + j]) + gh * fo * (.one - ftc * ftc)
                            dGatesWant[r * 4 * w + j] = gc * fg * (fi * (.one - fi))
                            dGatesWant[r * 4 * w + w + j] = gc * D(cPrev[r * w + j]) * (ff * (.one - ff))
                            dGatesWant[r * 4 * w + 2 * w + j] = gc * fi * (.one - fg * fg)
                            dGatesWant[r * 4 * w + 3 * w + j] = gh * ftc * (fo * (.one - fo))
                            dcPrevWant.append(gc * ff)
                        }
                    }
                    check(gates, wantGates, "lstmForward gates \(label)")
                    check(c, wantC, "lstmForward c \(label)")
                    check(tanhC, wantTanhC, "lstmForward tanhC \(label)")
                    check(h, wantH, "lstmForward h \(label)")
                    var dGates = [Float](repeating: .nan, count: 4 * n), dcPrev = [Float](repeating: .nan, count: n)
                    RecurrentMath.lstmBackward(dGates: &dGates, dcPrev: &dcPrev, dh: dh, dc: dc, gates: gates, cPrev: cPrev,
                                               tanhC: tanhC, rows: rows, width: w)
                    outputs += [dGates, dcPrev]
                    check(dGates, dGatesWant, "lstmBackward dGates \(label)")
                    check(dcPrev, dcPrevWant, "lstmBackward dcPrev \(label)")
                }
            }
            results.append((set, outputs))
        }
        XCTAssertGreaterThan(checked, 0)
        let fused = results.filter { KernelSetsUnderTest.fuses($0.0) }
        for (set, outputs) in fused.dropFirst() {
            for (i, (a, b)) in zip(fused[0].1, outputs).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "output \(i): \(fused[0].0.name) vs \(set.name)")
            }
        }
    }
}
