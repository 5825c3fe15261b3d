import KernelSupport

/// BatchNorm1d over a row-major (N, C) batch, training, inference and backward. They forward to
/// the active kernel set, which sums each column over the rows in order, so the result does not
/// depend on the vector width; training and backward split a large batch between the worker
/// threads by blocks of columns (`BatchSplit`), which changes no result either.
package enum BatchNormKernels {
    /// Training-mode BatchNorm over the batch (biased variance, as PyTorch normalises):
    ///   mean[c] = Σₙ x / N,  var[c] = Σₙ (x − mean)² / N,  rstd = 1/√(var + ε)
    ///   xhat = (x − mean)·rstd,  out = gamma·xhat + beta
    /// x, xhat, out (N, C); gamma, beta, mean, variance, rstd (C). mean and variance receive
    /// the batch statistics (the caller updates the running ones).
    package static func forwardTraining(out: inout Matrix, xhat: inout Matrix, mean: inout [Float],
                                       variance: inout [Float], rstd: inout [Float], x: Matrix,
                                       gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(n > 0 && out.rows == n && out.cols == c && xhat.rows == n && xhat.cols == c)
        precondition(mean.count == c && variance.count == c && rstd.count == c && gamma.count == c && beta.count == c)
        guard c > 0 else { return }
        x.data.withUnsafeBufferPointer { xs in
        xhat.data.withUnsafeMutableBufferPointer { xh in
        out.data.withUnsafeMutableBufferPointer { o in
        mean.withUnsafeMutableBufferPointer { mu in
        variance.withUnsafeMutableBufferPointer { va in
        rstd.withUnsafeMutableBufferPointer { rs in
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
            let p = BatchNormForward(
                out: o.baseAddress!, xhat: xh.baseAddress!, mean: mu.baseAddress!, variance: va.baseAddress!,
                rstd: rs.baseAddress!, x: xs.baseAddress!, gamma: g.baseAddress!, beta: b.baseAddress!,
                rows: n, columns: c, epsilon: epsilon)
            BatchSplit.run(.batchNormForward(p), width: c, elements: n * c)
        }}}}}}}}
    }

    /// Inference-mode BatchNorm on fixed statistics: out = gamma·(x − mean)/√(var + ε) + beta.
    package static func forwardInference(out: inout Matrix, x: Matrix, mean: [Float], variance: [Float],
                                        gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(out.rows == n && out.cols == c && mean.count == c && variance.count == c)
        precondition(gamma.count == c && beta.count == c)
        guard n > 0 && c > 0 else { return }
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for j in 0..<c {
            scale[j] = gamma[j] / (variance[j] + epsilon).squareRoot()
            shift[j] = beta[j] - mean[j] * scale[j]
        }
        x.data.withUnsafeBufferPointer { xs in
            out.data.withUnsafeMutableBufferPointer { o in
                scale.withUnsafeBufferPointer { sc in
                    shift.withUnsafeBufferPointer { sh in
                        KernelDispatch.active.batchNormInference(o.baseAddress!, xs.baseAddress!, scale: sc.baseAddress!,
                                                                 shift: sh.baseAddress!, rows: n, columns: c)
                    }
                }
            }
        }
    }

    /// Backward of `forwardTraining`. Adds into dGamma and dBeta; overwrites dx:
    ///   dBeta += Σₙ dy,  dGamma += Σₙ dy·xhat
    ///   dx = gamma·rstd/N · (N·dy − Σₙ dy − xhat · Σₙ dy·xhat)
    /// dy, xhat, dx (N, C); gamma, rstd, dGamma, dBeta (C); sumDy and sumDyXhat are (C) scratch.
    package static func backward(dx: inout Matrix, dGamma: inout [Float], dBeta: inout [Float],
                                sumDy: inout [Float], sumDyXhat: inout [Float],
                                dy: Matrix, xhat: Matrix, gamma: [Float], rstd: [Float]) {
        let n = dy.rows, c = dy.cols
        precondition(dx.rows == n && dx.cols == c && xhat.rows == n && xhat.cols == c)
        precondition(dGamma.count == c && dBeta.count == c && sumDy.count == c && sumDyXhat.count == c)
        precondition(gamma.count == c && rstd.count == c)
        guard n > 0 && c > 0 else { return }
        dy.data.withUnsafeBufferPointer { g in
        xhat.data.withUnsafeBufferPointer { xh in
        dx.data.withUnsafeMutableBufferPointer { d in
        dGamma.withUnsafeMutableBufferPointer { dga in
        dBeta.withUnsafeMutableBufferPointer { dbe in
        sumDy.withUnsafeMutableBufferPointer { s1 in
        sumDyXhat.withUnsafeMutableBufferPointer { s2 in
        gamma.withUnsafeBufferPointer { ga in
        rstd.withUnsafeBufferPointer { rs in
            let p = BatchNormBackward(
                dx: d.baseAddress!, dGamma: dga.baseAddress!, dBeta: dbe.baseAddress!, sumDy: s1.baseAddress!,
                sumDyXhat: s2.baseAddress!, dy: g.baseAddress!, xhat: xh.baseAddress!, gamma: ga.baseAddress!,
                rstd: rs.baseAddress!, rows: n, columns: c)
            BatchSplit.run(.batchNormBackward(p), width: c, elements: n * c)
        }}}}}}}}}
    }
}
