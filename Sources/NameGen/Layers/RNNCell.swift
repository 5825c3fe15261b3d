/// makemore's `RNNCell`: h = tanh(xh_to_h([x | hPrev])).
///
///   x (n, E), hPrev (n, H) → xh (n, E + H) → pre (n, H) → h = tanh(pre) (n, H)
///   xh_to_h.weight (H, E + H), xh_to_h.bias (H)
package final class RNNCell: RecurrentCell {
    package let xhToH: Linear

    /// One step's input [x | hPrev] and pre-activation (saved), and backward scratch.
    package final class Step {
        var xh, pre: Matrix
        var dPre, dxh: Matrix

        init(rows: Int, inputs: Int, hidden: Int) {
            xh = Matrix(rows: rows, cols: inputs + hidden)
            dxh = xh
            pre = Matrix(rows: rows, cols: hidden)
            dPre = pre
        }
    }

    package static let hasMemory = false

    package init(name: String, inputs: Int, hidden: Int, rng: inout RandomGenerator) {
        xhToH = Linear(name: name + ".xh_to_h", inputs: inputs + hidden, outputs: hidden, bias: true, rng: &rng)
    }

    package var parameters: [Parameter] { xhToH.parameters }

    package func makeStep(rows: Int) -> Step {
        Step(rows: rows, inputs: xhToH.inputs - xhToH.outputs, hidden: xhToH.outputs)
    }

    package func forward(h: inout Matrix, c: inout Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let n = x.rows
        Rows.concatenate(&s.xh, x, hPrev)
        (s.pre.rows, h.rows) = (n, n)
        xhToH.forward(out: &s.pre, input: s.xh)
        VectorMath.tanh(&h.data, s.pre.data, count: s.pre.count)
    }

    package func backward(dx: inout Matrix, dhPrev: inout Matrix, dcPrev: inout Matrix, dh: Matrix, dc: Matrix,
                         h: Matrix, c: Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let n = x.rows
        (s.dPre.rows, s.dxh.rows) = (n, n)
        VectorMath.tanhBackward(dInput: &s.dPre.data, dOut: dh.data, out: h.data, count: s.dPre.count)
        xhToH.backward(dInput: &s.dxh, dOut: s.dPre, input: s.xh)
        Rows.split(s.dxh, &dx, &dhPrev)
    }
}
