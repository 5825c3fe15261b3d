import Foundation
@testable import NameGen

/// The recurrent cells and makemore's `RNN` written with `Value` scalars, straight from their
/// definitions (no code shared with the Float layers): the oracle of the cell and model
/// gradient tests. Matrices are row-major arrays of Values.
enum ValueRecurrent {
    /// One step of a cell on n rows: the cell's parameters (in its `parameters` order), x (n, E),
    /// hPrev and cPrev (n, H) → h (n, H), c (n, H) (c is cPrev for a cell without memory).
    typealias Cell = (_ parameters: [[Value]], _ x: [Value], _ hPrev: [Value], _ cPrev: [Value],
                      _ n: Int, _ e: Int, _ h: Int) -> (h: [Value], c: [Value])

    static func sigmoid(_ x: Value) -> Value {
        let e: Value = (-x).exp()
        return 1.0 / (e + 1.0)
    }

    /// [a | b] row by row: a (n, p), b (n, q) → (n, p + q).
    static func concatenate(_ a: [Value], _ b: [Value], rows n: Int) -> [Value] {
        let p: Int = a.count / n, q: Int = b.count / n
        var out: [Value] = []
        for r in 0..<n {
            for j in 0..<p { out.append(a[r * p + j]) }
            for j in 0..<q { out.append(b[r * q + j]) }
        }
        return out
    }

    /// makemore's RNNCell: h = tanh(W [x | hPrev] + b); parameters [W, b].
    static func rnn(_ p: [[Value]], _ x: [Value], _ hPrev: [Value], _ cPrev: [Value], _ n: Int, _ e: Int, _ h: Int)
        -> (h: [Value], c: [Value]) {
        let pre = ValueTransformer.linear(concatenate(x, hPrev, rows: n), p[0], p[1], rows: n, inputs: e + h, outputs: h)
        return (pre.map { $0.tanh() }, cPrev)
    }

    /// makemore's GRUCell; parameters [W_z, b_z, W_r, b_r, W_hbar, b_hbar].
    static func gru(_ p: [[Value]], _ x: [Value], _ hPrev: [Value], _ cPrev: [Value], _ n: Int, _ e: Int, _ h: Int)
        -> (h: [Value], c: [Value]) {
        let xh = concatenate(x, hPrev, rows: n)
        let z = ValueTransformer.linear(xh, p[0], p[1], rows: n, inputs: e + h, outputs: h).map(sigmoid)
        let r = ValueTransformer.linear(xh, p[2], p[3], rows: n, inputs: e + h, outputs: h).map(sigmoid)
        var rh: [Value] = []
        for i in 0..<(n * h) { rh.append(r[i] * hPrev[i]) }
        let xhr = concatenate(x, rh, rows: n)
        let hbar = ValueTransformer.linear(xhr, p[4], p[5], rows: n, inputs: e + h, outputs: h).map { $0.tanh() }
        var out: [Value] = []
        for i in 0..<(n * h) {
            let keep: Value = (1.0 - z[i]) * hPrev[i]
            out.append(keep + z[i] * hbar[i])
        }
        return (out, cPrev)
    }

    /// char-rnn's LSTM cell with one map of [x | hPrev] to the gates i, f, g, o; parameters [W, b].
    static func lstm(_ p: [[Value]], _ x: [Value], _ hPrev: [Value], _ cPrev: [Value], _ n: Int, _ e: Int, _ h: Int)
        -> (h: [Value], c: [Value]) {
        let gates = ValueTransformer.linear(concatenate(x, hPrev, rows: n), p[0], p[1], rows: n, inputs: e + h, outputs: 4 * h)
        var hOut: [Value] = [], cOut: [Value] = []
        for r in 0..<n {
            for j in 0..<h {
                let base: Int = r * 4 * h + j
                let i = sigmoid(gates[base]), f = sigmoid(gates[base + h])
                let g = gates[base + 2 * h].tanh(), o = sigmoid(gates[base + 3 * h])
                let c: Value = f * cPrev[r * h + j] + i * g
                cOut.append(c)
                hOut.append(o * c.tanh())
            }
        }
        return (hOut, cOut)
    }

    /// makemore's RNN over whole names: h = start, c = 0, then per position x = wte[token],
    /// (h, c) = cell(x, h, c) and logits = lm_head(h). parameters: start, wte, the cell's, then
    /// lm_head's weight and bias. Returns the mean cross-entropy over every target of every name
    /// ([c1, …, cn, stop] after [start, c1, …, cn]).
    /// With `categories` (one per name) the last leaf is the category table (K, E), whose row
    /// is added to the token embedding at every step.
    static func loss(_ cell: Cell, parameters all: [[Value]], names: [[Int32]], embed e: Int, hidden hw: Int,
                     vocabularySize v: Int, categories: [Int32]? = nil) -> Value {
        let p = categories == nil ? all : Array(all.dropLast()), table = categories == nil ? nil : all.last!
        let cellParameters = Array(p[2..<(p.count - 2)]), head = p[p.count - 2], headBias = p[p.count - 1]
        var rows: [[Value]] = [], targets: [Int] = []
        for (n, name) in names.enumerated() {
            var h = p[0], c = [Value](repeating: Value(0), count: hw)
            let tokens = [0] + name.map(Int.init)
            for (position, token) in tokens.enumerated() {
                var x = Array(p[1][(token * e)..<((token + 1) * e)])
                if let table, let categories {
                    let k = Int(categories[n])
                    x = (0..<e).map { x[$0] + table[k * e + $0] }
                }
                (h, c) = cell(cellParameters, x, h, c, 1, e, hw)
                rows.append(ValueTransformer.linear(h, head, headBias, rows: 1, inputs: hw, outputs: v))
                targets.append(position < name.count ? Int(name[position]) : 0)
            }
        }
        return Value.crossEntropy(logits: rows, targets: targets)
    }
}
