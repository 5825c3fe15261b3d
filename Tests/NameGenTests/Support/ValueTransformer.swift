import Foundation
@testable import NameGen

/// The transformer's layers written with `Value` scalars, straight from their definitions (no
/// code shared with the Float kernels): the oracle of the layer and model gradient tests.
/// Matrices are row-major arrays of Values.
enum ValueTransformer {
    /// out[n, o] = Σ_c x[n, c]·w[o, c] + b[o]; x (N, C), w (OC, C), b (OC) or none.
    static func linear(_ x: [Value], _ w: [Value], _ b: [Value]?, rows n: Int, inputs c: Int, outputs oc: Int) -> [Value] {
        var out: [Value] = []
        for r in 0..<n {
            for o in 0..<oc {
                var terms = (0..<c).map { x[r * c + $0] * w[o * c + $0] }
                if let b { terms.append(b[o]) }
                out.append(Value.sum(terms))
            }
        }
        return out
    }

    /// PyTorch's LayerNorm: (x − mean)/√(biased var + 1e-5)·gamma + beta, per row of x (N, C).
    static func layerNorm(_ x: [Value], gamma: [Value], beta: [Value], rows n: Int, features c: Int) -> [Value] {
        var out: [Value] = []
        for r in 0..<n {
            let row = Array(x[(r * c)..<((r + 1) * c)])
            let mean = Value.mean(row)
            let variance = Value.mean(row.map { ($0 - mean) * ($0 - mean) })
            let inv = (variance + Double(LayerNorm.epsilon)).pow(-0.5)
            for j in 0..<c { out.append((row[j] - mean) * inv * gamma[j] + beta[j]) }
        }
        return out
    }

    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func gelu(_ x: Value) -> Value {
        0.5 * x * (1 + ((x + 0.044715 * x * x * x) * (2 / Double.pi).squareRoot()).tanh())
    }

    /// Causal attention of packed sequences on q, k, v in qkv (N, 3C): per sequence, head and
    /// row i, softmax over j ≤ i of q_i·k_j/√D, times mask[(row·H + head)·T + j] when given,
    /// then the weighted sum of the v_j. Returns y (N, C).
    static func attention(_ qkv: [Value], starts: [Int], lengths: [Int], embed c: Int, heads h: Int, maxLength t: Int,
                          mask: [Double]?) -> [Value] {
        let d = c / h
        let rows = starts.indices.map { starts[$0] + lengths[$0] }.max() ?? 0
        var y = [Value](repeating: Value(0), count: rows * c)
        for (start, length) in zip(starts, lengths) {
            for i in 0..<length {
                let ri = start + i
                // Plain loops over typed locals: Swift 6.0's type checker (the arm64 toolchain)
                // gives up on this arithmetic written as nested map closures.
                for head in 0..<h {
                    let qOffset: Int = ri * 3 * c + head * d
                    let scale: Double = Double(d).squareRoot()
                    var scores: [Value] = []
                    for j in 0...i {
                        let kOffset: Int = (start + j) * 3 * c + c + head * d
                        var terms: [Value] = []
                        for e in 0..<d { terms.append(qkv[qOffset + e] * qkv[kOffset + e]) }
                        scores.append(Value.sum(terms) / scale)
                    }
                    var p: [Value] = Value.softmax(scores)
                    if let mask {
                        for j in 0...i {
                            let keep: Double = mask[(ri * h + head) * t + j]
                            p[j] = p[j] * keep
                        }
                    }
                    for e in 0..<d {
                        var terms: [Value] = []
                        for j in 0...i {
                            let vIndex: Int = (start + j) * 3 * c + 2 * c + head * d + e
                            terms.append(p[j] * qkv[vIndex])
                        }
                        y[ri * c + head * d + e] = Value.sum(terms)
                    }
                }
            }
        }
        return y
    }
}
