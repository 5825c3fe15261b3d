import Foundation
import XCTest
import NameGen

/// Embedding: the gather forward and the scatter-add backward into the table, against the
/// `Value` oracle and finite differences.
final class EmbeddingTests: NameGenTestCase {
    /// V = 6, E = 3, a batch of N = 4 contexts of T = 3 tokens. Token 2 occurs four times (its
    /// row's gradient is a sum of four rows of dOut, so accumulation is tested) and token 5
    /// never (its row's gradient must stay 0).
    func testGradientsMatchOracleAndFiniteDifferences() {
        let v = 6, e = 3, n = 4, t = 3
        var rng = RandomGenerator(seed: 11)
        let embedding = Embedding(name: "emb", vocabularySize: v, dimensions: e, rng: &rng)
        let tokens: [Int32] = [0, 2, 2,
                               1, 2, 3,
                               4, 0, 2,
                               3, 3, 1]
        let dOut = randomMatrix(n, t * e, &rng)
        var out = Matrix(rows: n, cols: t * e)
        embedding.forward(out: &out, tokens: tokens)
        embedding.backward(dOut: dOut, tokens: tokens)

        // The forward is a copy, so it must be exact.
        for i in 0..<(n * t) {
            for k in 0..<e {
                XCTAssertEqual(out.data[i * e + k], embedding.table.value[Int(tokens[i]), k])
            }
        }
        XCTAssertEqual(Array(embedding.table.grad.data[15..<18]), [0, 0, 0], "token 5 is unused")

        checkGradients([CheckedTensor("table", embedding.table.value.data, embedding.table.grad.data)],
                       upstream: dOut.data, layerOutput: out.data) { leaves in
            let table = leaves[0]
            // out[n, t·E + k] = table[tokens[n, t], k]; a leaf used several times accumulates.
            return tokens.flatMap { token in (0..<e).map { table[Int(token) * e + $0] } }
        }
    }

    /// backward adds into the table gradient: two calls give twice the gradient.
    func testBackwardAddsIntoTheTableGradient() {
        var rng = RandomGenerator(seed: 12)
        let embedding = Embedding(name: "emb", vocabularySize: 4, dimensions: 2, rng: &rng)
        let tokens: [Int32] = [1, 1, 3]
        let dOut = randomMatrix(1, 6, &rng)
        embedding.backward(dOut: dOut, tokens: tokens)
        let once = embedding.table.grad.data
        XCTAssertEqual(Array(once[2..<4]), [dOut.data[0] + dOut.data[2], dOut.data[1] + dOut.data[3]])
        embedding.backward(dOut: dOut, tokens: tokens)
        // Up to rounding: the second call adds its rows one by one into the first's sums.
        assertClose(embedding.table.grad.data, once.map { 2 * Double($0) }, tolerance: 1e-6, "table gradient after two calls")
    }
}
