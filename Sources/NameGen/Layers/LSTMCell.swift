/// char-rnn's LSTM cell: one linear map of [x | hPrev] with one bias gives the four gates.
///
///   xh = [x | hPrev] (n, E + H) → [i | f | g | o] = xh_to_gates(xh) (n, 4H)
///   c = σ(f) ⊙ cPrev + σ(i) ⊙ tanh(g),  h = σ(o) ⊙ tanh(c)    (n, H)
///   xh_to_gates.weight (4H, E + H), xh_to_gates.bias (4H), rows in the order i, f, g, o
///
/// The gate arithmetic runs in the kernel sets (RecurrentMath.lstmForward, lstmBackward).
package final class LSTMCell: RecurrentCell {
    package let xhToGates: Linear

    /// One step's activations (saved) and backward scratch.
    package final class Step {
        /// [x | hPrev] (n, E + H); the gates (n, 4H), pre-activations then activations; tanh(c) (n, H)
        var xh, gates, tanhC: Matrix
        /// gradients at the gates' pre-activations (n, 4H) and at xh (n, E + H)
        var dGates, dxh: Matrix

        init(rows: Int, inputs: Int, hidden: Int) {
            xh = Matrix(rows: rows, cols: inputs + hidden)
            dxh = xh
            gates = Matrix(rows: rows, cols: 4 * hidden)
            dGates = gates
            tanhC = Matrix(rows: rows, cols: hidden)
        }
    }

    package static let hasMemory = true

    package init(name: String, inputs: Int, hidden: Int, rng: inout RandomGenerator) {
        xhToGates = Linear(name: name + ".xh_to_gates", inputs: inputs + hidden, outputs: 4 * hidden, bias: true, rng: &rng)
    }

    package var parameters: [Parameter] { xhToGates.parameters }

    private var hidden: Int { xhToGates.outputs / 4 }

    package func makeStep(rows: Int) -> Step {
        Step(rows: rows, inputs: xhToGates.inputs - hidden, hidden: hidden)
    }

    package func forward(h: inout Matrix, c: inout Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let n = x.rows
        (s.gates.rows, s.tanhC.rows, h.rows, c.rows) = (n, n, n, n)
        Rows.concatenate(&s.xh, x, hPrev)
        xhToGates.forward(out: &s.gates, input: s.xh)
        RecurrentMath.lstmForward(gates: &s.gates.data, c: &c.data, tanhC: &s.tanhC.data, h: &h.data, cPrev: cPrev.data,
                                  rows: n, width: hidden)
    }

    package func backward(dx: inout Matrix, dhPrev: inout Matrix, dcPrev: inout Matrix, dh: Matrix, dc: Matrix,
                         h: Matrix, c: Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let n = x.rows
        (s.dGates.rows, s.dxh.rows, dcPrev.rows) = (n, n, n)
        RecurrentMath.lstmBackward(dGates: &s.dGates.data, dcPrev: &dcPrev.data, dh: dh.data, dc: dc.data, gates: s.gates.data,
                                   cPrev: cPrev.data, tanhC: s.tanhC.data, rows: n, width: hidden)
        xhToGates.backward(dInput: &s.dxh, dOut: s.dGates, input: s.xh)
        Rows.split(s.dxh, &dx, &dhPrev)
    }
}
