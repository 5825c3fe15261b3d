/// A dense row-major Float32 matrix: element (r, c) lives at `data[r * cols + c]`.
///
/// The whole library passes activations, weights and gradients around as `Matrix` values.
/// Buffers are allocated once (by the layer that owns them) and then written in place
/// through `inout`, so the training step allocates nothing.
package struct Matrix: Equatable, Sendable {
    package var rows: Int
    package var cols: Int
    package var data: [Float]

    /// A zero-filled `rows × cols` matrix.
    package init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: 0, count: rows * cols)
    }

    /// Wraps `data`, which must hold exactly `rows * cols` elements.
    package init(rows: Int, cols: Int, data: [Float]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols,
                     "Matrix data has \(data.count) elements, expected \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    package var count: Int { rows * cols }

    package subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Sets every element to zero without reallocating.
    package mutating func zero() {
        data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
