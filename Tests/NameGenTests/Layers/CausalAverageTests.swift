import Foundation
import XCTest
@testable import NameGen

/// The causal average (makemore's CausalBoW) on packed sequences: forward and dx against the
/// `Value` oracle and finite differences, with the loss Σ out·dOut (Support/GradientCheck.swift).
final class CausalAverageTests: NameGenTestCase {
    /// Sequences of 4, 1 and 3 rows, 18 columns (a full block of 16 and a ragged end).
    func testGradients() {
        let lengths = [4, 1, 3], c = 18
        let sequences = PackedSequences(lengths: lengths, maxLength: 4)
        let n = sequences.rows
        var rng = RandomGenerator(seed: 8)
        let x = randomMatrix(n, c, &rng), dOut = randomMatrix(n, c, &rng)
        var out = nanMatrix(n, c), dx = nanMatrix(n, c)
        CausalAverage.forward(out: &out, x: x, sequences: sequences)
        CausalAverage.backward(dx: &dx, dOut: dOut, sequences: sequences)
        let positions = sequences.positions.prefix(n).map(Int.init)
        checkGradients([CheckedTensor("x", x.data, dx.data)], upstream: dOut.data, layerOutput: out.data) { v in
            (0..<(n * c)).map { i in
                let r = i / c, first = r - positions[r]
                return Value.sum((first...r).map { v[0][$0 * c + i % c] }) * (1 / Double(positions[r] + 1))
            }
        }
    }
}
