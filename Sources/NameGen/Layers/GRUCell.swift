/// makemore's `GRUCell`:
///
///   xh = [x | hPrev] (n, E + H)
///   r = σ(xh_to_r(xh)), z = σ(xh_to_z(xh))                    (n, H)
///   hbar = tanh(xh_to_hbar([x | r ⊙ hPrev]))                  (n, H)
///   h = (1 − z) ⊙ hPrev + z ⊙ hbar                             (n, H)
///   xh_to_z, xh_to_r, xh_to_hbar: weight (H, E + H), bias (H) each, in that order
///
/// The sigmoids, tanh and gate products run in the kernel sets (RecurrentMath, VectorMath).
package final class GRUCell: RecurrentCell {
    package let xhToZ: Linear
    package let xhToR: Linear
    package let xhToHbar: Linear

    /// One step's activations (saved) and backward scratch.
    package final class Step {
        /// [x | hPrev], [x | r ⊙ hPrev] (n, E + H)
        var xh, xhr: Matrix
        /// pre-activations and activations of the gates and the candidate; r ⊙ hPrev (n, H)
        var rPre, r, zPre, z, hbarPre, hbar, rh: Matrix
        /// gradients at the pre-activations and at r ⊙ hPrev (n, H); at the inputs (n, E + H)
        var drPre, dzPre, dhbarPre, drh: Matrix
        var dxh: Matrix

        init(rows: Int, inputs: Int, hidden: Int) {
            xh = Matrix(rows: rows, cols: inputs + hidden)
            (xhr, dxh) = (xh, xh)
            rPre = Matrix(rows: rows, cols: hidden)
            (r, zPre, z, hbarPre, hbar, rh) = (rPre, rPre, rPre, rPre, rPre, rPre)
            (drPre, dzPre, dhbarPre, drh) = (rPre, rPre, rPre, rPre)
        }

        func setRows(_ n: Int) {
            (xh.rows, xhr.rows, dxh.rows) = (n, n, n)
            (rPre.rows, r.rows, zPre.rows, z.rows, hbarPre.rows, hbar.rows, rh.rows) = (n, n, n, n, n, n, n)
            (drPre.rows, dzPre.rows, dhbarPre.rows, drh.rows) = (n, n, n, n)
        }
    }

    package static let hasMemory = false

    package init(name: String, inputs: Int, hidden: Int, rng: inout RandomGenerator) {
        xhToZ = Linear(name: name + ".xh_to_z", inputs: inputs + hidden, outputs: hidden, bias: true, rng: &rng)
        xhToR = Linear(name: name + ".xh_to_r", inputs: inputs + hidden, outputs: hidden, bias: true, rng: &rng)
        xhToHbar = Linear(name: name + ".xh_to_hbar", inputs: inputs + hidden, outputs: hidden, bias: true, rng: &rng)
    }

    package var parameters: [Parameter] { xhToZ.parameters + xhToR.parameters + xhToHbar.parameters }

    package func makeStep(rows: Int) -> Step {
        Step(rows: rows, inputs: xhToZ.inputs - xhToZ.outputs, hidden: xhToZ.outputs)
    }

    package func forward(h: inout Matrix, c: inout Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let n = x.rows, count = n * hPrev.cols
        s.setRows(n)
        h.rows = n
        Rows.concatenate(&s.xh, x, hPrev)
        xhToR.forward(out: &s.rPre, input: s.xh)
        RecurrentMath.sigmoid(&s.r.data, s.rPre.data, count: count)
        xhToZ.forward(out: &s.zPre, input: s.xh)
        RecurrentMath.sigmoid(&s.z.data, s.zPre.data, count: count)
        VectorMath.multiply(&s.rh.data, s.r.data, hPrev.data, count: count)
        Rows.concatenate(&s.xhr, x, s.rh)
        xhToHbar.forward(out: &s.hbarPre, input: s.xhr)
        VectorMath.tanh(&s.hbar.data, s.hbarPre.data, count: count)
        RecurrentMath.gruUpdate(h: &h.data, hPrev: hPrev.data, z: s.z.data, hbar: s.hbar.data, count: count)
    }

    package func backward(dx: inout Matrix, dhPrev: inout Matrix, dcPrev: inout Matrix, dh: Matrix, dc: Matrix,
                         h: Matrix, c: Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step s: Step) {
        let count = x.rows * hPrev.cols
        dhPrev.rows = x.rows
        RecurrentMath.gruUpdateBackward(dhPrev: &dhPrev.data, dzPre: &s.dzPre.data, dhbarPre: &s.dhbarPre.data, dh: dh.data,
                                        hPrev: hPrev.data, z: s.z.data, hbar: s.hbar.data, count: count)
        xhToHbar.backward(dInput: &s.dxh, dOut: s.dhbarPre, input: s.xhr)
        Rows.split(s.dxh, &dx, &s.drh)
        RecurrentMath.gruResetBackward(drPre: &s.drPre.data, dhPrev: &dhPrev.data, drh: s.drh.data, r: s.r.data,
                                       hPrev: hPrev.data, count: count)
        xhToZ.backward(dInput: &s.dxh, dOut: s.dzPre, input: s.xh)
        Rows.split(s.dxh, &dx, &dhPrev, add: true)
        xhToR.backward(dInput: &s.dxh, dOut: s.drPre, input: s.xh)
        Rows.split(s.dxh, &dx, &dhPrev, add: true)
    }
}
