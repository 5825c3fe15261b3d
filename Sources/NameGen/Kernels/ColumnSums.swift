import KernelSupport

/// Column sums of a row-major (N, C) matrix, added into `sums`: the Linear layer's bias gradient.
/// They run in the active kernel set, which sums each column over the rows in order, so the
/// result does not depend on the vector width.
package enum ColumnSums {
    /// sums[c] += Σₙ x[n, c]
    package static func add(_ sums: inout [Float], of x: Matrix) {
        precondition(sums.count == x.cols)
        guard x.count > 0 else { return }
        x.data.withUnsafeBufferPointer { xs in
            sums.withUnsafeMutableBufferPointer { s in
                KernelDispatch.active.addColumnSums(s.baseAddress!, xs.baseAddress!, rows: x.rows, columns: x.cols)
            }
        }
    }
}
