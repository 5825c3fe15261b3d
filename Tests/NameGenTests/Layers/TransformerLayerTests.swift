import Foundation
import XCTest
@testable import NameGen

/// The transformer's layers (LayerNorm, GELU, causal self-attention, position embedding): forward
/// output and every gradient against the `Value` oracle (Support/ValueTransformer.swift) and
/// finite differences, with the loss Σ out·dOut (see Support/GradientCheck.swift).
final class TransformerLayerTests: NameGenTestCase {
    /// Rows of 5 and 7 features (ragged against 8-lane loops), gamma and beta away from 1 and 0.
    /// Backward adds into dx: it starts from a known gradient, which is subtracted again.
    func testLayerNormGradients() {
        for (n, c, seed) in [(3, 5, UInt64(1)), (2, 7, 2)] {
            var rng = RandomGenerator(seed: seed)
            let norm = LayerNorm(name: "ln", features: c)
            for j in 0..<c {
                norm.gamma.value.data[j] = 1 + 0.5 * rng.nextNormal()
                norm.beta.value.data[j] = 0.5 * rng.nextNormal()
            }
            let x = randomMatrix(n, c, &rng, scale: 2)
            let dOut = randomMatrix(n, c, &rng)
            var out = Matrix(rows: n, cols: c)
            var cache = LayerNorm.Cache(rows: n)
            norm.forward(out: &out, cache: &cache, x: x)
            let before = randomMatrix(n, c, &rng)
            var dx = before
            norm.backward(dx: &dx, cache: cache, dOut: dOut, x: x)
            let added = zip(dx.data, before.data).map { $0 - $1 }
            checkGradients([CheckedTensor("x", x.data, added),
                            CheckedTensor("gamma", norm.gamma.value.data, norm.gamma.grad.data),
                            CheckedTensor("beta", norm.beta.value.data, norm.beta.grad.data)],
                           upstream: dOut.data, layerOutput: out.data) { v in
                ValueTransformer.layerNorm(v[0], gamma: v[1], beta: v[2], rows: n, features: c)
            }
        }
    }

    /// 29 values (three full 8-lane groups and a tail), spread over ±4 so that both tanh
    /// branches and the saturated region are used.
    func testGELUGradients() {
        var rng = RandomGenerator(seed: 3)
        let x = randomMatrix(1, 29, &rng, scale: 2)
        let dOut = randomMatrix(1, 29, &rng)
        var out = Matrix(rows: 1, cols: 29), t = out
        GELU.forward(out: &out, tanhOut: &t, x: x)
        var dx = nanMatrix(1, 29)
        GELU.backward(dx: &dx, dOut: dOut, x: x, tanhOut: t)
        checkGradients([CheckedTensor("x", x.data, dx.data)], upstream: dOut.data, layerOutput: out.data) { v in
            v[0].map(ValueTransformer.gelu)
        }
        // Known values of PyTorch's F.gelu(x, approximate='tanh').
        var y = Matrix(rows: 1, cols: 3), tt = y
        GELU.forward(out: &y, tanhOut: &tt, x: Matrix(rows: 1, cols: 3, data: [-1, 0.5, 2]))
        assertClose(y.data, [-0.15880800939172324, 0.34571400982514394, 1.954597694087775], tolerance: 1e-6, "gelu values")
    }

    /// Three sequences of lengths 4, 1 and 3 packed into 8 rows, T = 5, C = 6, 2 heads of 3.
    /// Every parameter of both Linear layers, the input, and the output against the oracle; with
    /// attention dropout the mask the layer drew is used as a constant.
    private func checkAttention(dropout: Float, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let c = 6, h = 2, t = 5
        let starts = [0, 4, 5], lengths = [4, 1, 3], n = 8
        let layout = PackedSequences(lengths: lengths, maxLength: t)
        var rng = RandomGenerator(seed: seed)
        let attention = CausalSelfAttention(name: "a", embed: c, heads: h, maxLength: t, dropout: dropout, rng: &rng)
        // Larger weights than PyTorch's initialisation, so that the softmax is far from uniform.
        for i in 0..<attention.attn.weight.count { attention.attn.weight.value.data[i] *= 3 }
        let x = randomMatrix(n, c, &rng)
        let dOut = randomMatrix(n, c, &rng)
        var cache = CausalSelfAttention.Cache(rows: n, embed: c, heads: h, maxLength: t, training: true, dropout: dropout > 0)
        var out = Matrix(rows: n, cols: c)
        attention.forward(out: &out, cache: &cache, x: x, sequences: layout, training: true, rng: &rng)
        var dx = nanMatrix(n, c)
        attention.backward(dx: &dx, cache: &cache, dOut: dOut, x: x, sequences: layout)
        let mask = dropout > 0 ? Array(cache.mask.data.prefix(n * h * t)).map(Double.init) : nil
        if let mask {
            XCTAssert(mask.contains(0) && mask.contains { $0 != 0 }, "the mask drops some and keeps some", file: file, line: line)
        }
        let a = attention.attn, p = attention.proj
        checkGradients([CheckedTensor("x", x.data, dx.data),
                        CheckedTensor("attn.weight", a.weight.value.data, a.weight.grad.data),
                        CheckedTensor("attn.bias", a.bias!.value.data, a.bias!.grad.data),
                        CheckedTensor("proj.weight", p.weight.value.data, p.weight.grad.data),
                        CheckedTensor("proj.bias", p.bias!.value.data, p.bias!.grad.data)],
                       upstream: dOut.data, layerOutput: out.data, finiteDifferenceLimit: 24, file: file, line: line) { v in
            let qkv = ValueTransformer.linear(v[0], v[1], v[2], rows: n, inputs: c, outputs: 3 * c)
            let y = ValueTransformer.attention(qkv, starts: starts, lengths: lengths, embed: c, heads: h, maxLength: t, mask: mask)
            return ValueTransformer.linear(y, v[3], v[4], rows: n, inputs: c, outputs: c)
        }
    }

    func testAttentionGradients() { checkAttention(dropout: 0, seed: 4) }

    func testAttentionGradientsWithDropout() { checkAttention(dropout: 0.3, seed: 5) }

    /// The causal mask: changing a later row of a sequence, or another sequence, leaves a row's
    /// output unchanged; changing an earlier row of its own sequence changes it.
    func testAttentionIsCausalWithinEachSequence() {
        let c = 4, t = 4
        var rng = RandomGenerator(seed: 6)
        let attention = CausalSelfAttention(name: "a", embed: c, heads: 2, maxLength: t, dropout: 0, rng: &rng)
        let layout = PackedSequences(lengths: [3, 3], maxLength: t)
        var cache = CausalSelfAttention.Cache(rows: 6, embed: c, heads: 2, maxLength: t, training: false, dropout: false)
        let x = randomMatrix(6, c, &rng)
        func output(_ x: Matrix) -> Matrix {
            var out = Matrix(rows: 6, cols: c)
            attention.forward(out: &out, cache: &cache, x: x, sequences: layout, training: false, rng: &rng)
            return out
        }
        let base = output(x)
        var later = x
        for j in 0..<c { later[2, j] += 1 }  // row 2: the last position of sequence 0
        let changed = output(later)
        for r in [0, 1, 3, 4, 5] { for j in 0..<c { XCTAssertEqual(changed[r, j], base[r, j], "row \(r)") } }
        XCTAssertNotEqual((0..<c).map { changed[2, $0] }, (0..<c).map { base[2, $0] })
        var earlier = x
        for j in 0..<c { earlier[3, j] += 1 }  // row 3: the first position of sequence 1
        let changed2 = output(earlier)
        for r in [0, 1, 2] { for j in 0..<c { XCTAssertEqual(changed2[r, j], base[r, j], "row \(r)") } }
        for r in [4, 5] { XCTAssertNotEqual((0..<c).map { changed2[r, $0] }, (0..<c).map { base[r, $0] }, "row \(r)") }
    }

    func testPositionEmbeddingGradients() {
        var rng = RandomGenerator(seed: 7)
        let embedding = PositionEmbedding(name: "wpe", positions: 4, dimensions: 3, rng: &rng)
        let positions: [Int32] = [0, 1, 2, 0, 1, 3, 1]
        let x = randomMatrix(7, 3, &rng)
        let dOut = randomMatrix(7, 3, &rng)
        var out = x
        embedding.forward(out: &out, positions: positions)
        embedding.backward(dOut: dOut, positions: positions)
        checkGradients([CheckedTensor("table", embedding.table.value.data, embedding.table.grad.data)],
                       upstream: dOut.data, layerOutput: out.data) { v in
            (0..<21).map { i in Value(Double(x.data[i])) + v[0][Int(positions[i / 3]) * 3 + i % 3] }
        }
    }
}
