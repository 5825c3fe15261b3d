/// One time step of a recurrent cell over a batch of rows: the part that differs between the
/// `rnn`, `gru` and `lstm` models (`RecurrentModel` runs it over whole names and backpropagates
/// through time).
///
///   x (n, E), hPrev (n, H), cPrev (n, H) → h (n, H), c (n, H)
///
/// c is the LSTM's memory; a cell without one (`hasMemory` false) ignores cPrev and dc and
/// leaves c and dcPrev alone. Forward saves what backward needs in a `Step`, one per time step,
/// allocated once for up to `rows` rows; every call sets the rows it uses from x.
package protocol RecurrentCell: AnyObject {
    /// One time step's activations and backward scratch.
    associatedtype Step: AnyObject
    /// Whether the state carries a memory c beside h.
    static var hasMemory: Bool { get }
    /// A new cell named `name` (its tensors are `name.…`), initialised from `rng` as PyTorch
    /// initialises `nn.Linear`.
    init(name: String, inputs: Int, hidden: Int, rng: inout RandomGenerator)
    /// Its parameters, in checkpoint order.
    var parameters: [Parameter] { get }
    /// The buffers of one time step for up to `rows` rows.
    func makeStep(rows: Int) -> Step
    /// h (and c) of the rows of x from the previous state; n = x.rows.
    func forward(h: inout Matrix, c: inout Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step: Step)
    /// From dh and dc, the gradients at this step's h and c (n, H): overwrites dx (n, E), dhPrev
    /// and dcPrev (n, H), and adds into every parameter's gradient. h, c, x, hPrev and cPrev are
    /// the forward's.
    func backward(dx: inout Matrix, dhPrev: inout Matrix, dcPrev: inout Matrix, dh: Matrix, dc: Matrix,
                  h: Matrix, c: Matrix, x: Matrix, hPrev: Matrix, cPrev: Matrix, step: Step)
}

/// The row copies the cells share: [x | h] side by side, and a gradient split back.
enum Rows {
    /// out (n, A + B) = [a (n, A) | b (n, B)]; sets out.rows to n = a.rows.
    static func concatenate(_ out: inout Matrix, _ a: Matrix, _ b: Matrix) {
        let n = a.rows, p = a.cols, q = b.cols, w = p + q
        precondition(b.rows == n && out.cols == w && out.data.count >= n * w)
        out.rows = n
        for r in 0..<n {
            for j in 0..<p { out.data[r * w + j] = a.data[r * p + j] }
            for j in 0..<q { out.data[r * w + p + j] = b.data[r * q + j] }
        }
    }

    /// a (n, A) = d[:, ..<A] and b (n, B) = d[:, A...], overwritten, or added into with `add`.
    static func split(_ d: Matrix, _ a: inout Matrix, _ b: inout Matrix, add: Bool = false) {
        let n = d.rows, p = a.cols, q = b.cols, w = p + q
        precondition(d.cols == w && a.data.count >= n * p && b.data.count >= n * q)
        a.rows = n
        b.rows = n
        for r in 0..<n {
            if add {
                for j in 0..<p { a.data[r * p + j] += d.data[r * w + j] }
                for j in 0..<q { b.data[r * q + j] += d.data[r * w + p + j] }
            } else {
                for j in 0..<p { a.data[r * p + j] = d.data[r * w + j] }
                for j in 0..<q { b.data[r * q + j] = d.data[r * w + p + j] }
            }
        }
    }
}
