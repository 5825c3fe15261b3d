/// Column-wise kernels over a row-major (N, C) batch: the reductions of BatchNorm1d and of a
/// Linear layer's bias gradient. Every loop runs over rows outside and the C columns inside, so
/// the inner loops are contiguous and the compiler vectorises them.
public enum BatchNormKernels {
    /// sums[c] += Σₙ x[n, c]
    public static func addColumnSums(_ sums: inout [Float], of x: Matrix) {
        let n = x.rows, c = x.cols
        precondition(sums.count == c)
        x.data.withUnsafeBufferPointer { xs in
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<n {
                    let row = xs.baseAddress! + r &* c
                    for j in 0..<c { s[j] += row[j] }
                }
            }
        }
    }

    /// Training-mode BatchNorm over the batch (biased variance, as PyTorch normalises):
    ///   mean[c] = Σₙ x / N,  var[c] = Σₙ (x − mean)² / N,  rstd = 1/√(var + ε)
    ///   xhat = (x − mean)·rstd,  out = gamma·xhat + beta
    /// x, xhat, out (N, C); gamma, beta, mean, variance, rstd (C). mean and variance receive
    /// the batch statistics (the caller updates the running ones).
    public static func forwardTraining(out: inout Matrix, xhat: inout Matrix, mean: inout [Float],
                                       variance: inout [Float], rstd: inout [Float], x: Matrix,
                                       gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(n > 0 && out.rows == n && out.cols == c && xhat.rows == n && xhat.cols == c)
        precondition(mean.count == c && variance.count == c && rstd.count == c && gamma.count == c && beta.count == c)
        let invN = 1 / Float(n)
        x.data.withUnsafeBufferPointer { xs in
        xhat.data.withUnsafeMutableBufferPointer { xh in
        out.data.withUnsafeMutableBufferPointer { o in
        mean.withUnsafeMutableBufferPointer { mu in
        variance.withUnsafeMutableBufferPointer { va in
        rstd.withUnsafeMutableBufferPointer { rs in
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
            // Row pointers keep the inner loops free of index arithmetic (and its overflow
            // checks), so that they vectorise.
            let x0 = xs.baseAddress!, h0 = xh.baseAddress!, o0 = o.baseAddress!
            for j in 0..<c { mu[j] = 0; va[j] = 0 }
            for r in 0..<n {
                let xr = x0 + r &* c
                for j in 0..<c { mu[j] += xr[j] }
            }
            for j in 0..<c { mu[j] *= invN }
            for r in 0..<n {
                let xr = x0 + r &* c
                for j in 0..<c {
                    let d = xr[j] - mu[j]
                    va[j] += d * d
                }
            }
            for j in 0..<c {
                va[j] *= invN
                rs[j] = 1 / (va[j] + epsilon).squareRoot()
            }
            for r in 0..<n {
                let xr = x0 + r &* c, hr = h0 + r &* c, or = o0 + r &* c
                for j in 0..<c {
                    let h = (xr[j] - mu[j]) * rs[j]
                    hr[j] = h
                    or[j] = g[j] * h + b[j]
                }
            }
        }}}}}}}}
    }

    /// Inference-mode BatchNorm on fixed statistics: out = gamma·(x − mean)/√(var + ε) + beta.
    public static func forwardInference(out: inout Matrix, x: Matrix, mean: [Float], variance: [Float],
                                        gamma: [Float], beta: [Float], epsilon: Float) {
        let n = x.rows, c = x.cols
        precondition(out.rows == n && out.cols == c && mean.count == c && variance.count == c)
        precondition(gamma.count == c && beta.count == c)
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for j in 0..<c {
            scale[j] = gamma[j] / (variance[j] + epsilon).squareRoot()
            shift[j] = beta[j] - mean[j] * scale[j]
        }
        x.data.withUnsafeBufferPointer { xs in
            out.data.withUnsafeMutableBufferPointer { o in
                scale.withUnsafeBufferPointer { sc in
                    shift.withUnsafeBufferPointer { sh in
                        for r in 0..<n {
                            let xr = xs.baseAddress! + r &* c, or = o.baseAddress! + r &* c
                            for j in 0..<c { or[j] = xr[j] * sc[j] + sh[j] }
                        }
                    }
                }
            }
        }
    }

    /// Backward of `forwardTraining`. Adds into dGamma and dBeta; overwrites dx:
    ///   dBeta += Σₙ dy,  dGamma += Σₙ dy·xhat
    ///   dx = gamma·rstd/N · (N·dy − Σₙ dy − xhat · Σₙ dy·xhat)
    /// dy, xhat, dx (N, C); gamma, rstd, dGamma, dBeta (C); sumDy and sumDyXhat are (C) scratch.
    public static func backward(dx: inout Matrix, dGamma: inout [Float], dBeta: inout [Float],
                                sumDy: inout [Float], sumDyXhat: inout [Float],
                                dy: Matrix, xhat: Matrix, gamma: [Float], rstd: [Float]) {
        let n = dy.rows, c = dy.cols
        precondition(dx.rows == n && dx.cols == c && xhat.rows == n && xhat.cols == c)
        precondition(dGamma.count == c && dBeta.count == c && sumDy.count == c && sumDyXhat.count == c)
        precondition(gamma.count == c && rstd.count == c)
        let fn = Float(n)
        dy.data.withUnsafeBufferPointer { g in
        xhat.data.withUnsafeBufferPointer { xh in
        dx.data.withUnsafeMutableBufferPointer { d in
        dGamma.withUnsafeMutableBufferPointer { dga in
        dBeta.withUnsafeMutableBufferPointer { dbe in
        sumDy.withUnsafeMutableBufferPointer { s1 in
        sumDyXhat.withUnsafeMutableBufferPointer { s2 in
        gamma.withUnsafeBufferPointer { ga in
        rstd.withUnsafeBufferPointer { rs in
            let g0 = g.baseAddress!, h0 = xh.baseAddress!, d0 = d.baseAddress!
            for j in 0..<c { s1[j] = 0; s2[j] = 0 }
            for r in 0..<n {
                let gr = g0 + r &* c, hr = h0 + r &* c
                for j in 0..<c {
                    s1[j] += gr[j]
                    s2[j] += gr[j] * hr[j]
                }
            }
            for j in 0..<c {
                dbe[j] += s1[j]
                dga[j] += s2[j]
            }
            // Per-column coefficients: dx = k·dy − s1·k/N − xhat·s2·k/N with k = gamma·rstd;
            // s1 and s2 are scaled in place once they have been added into the gradients.
            for j in 0..<c {
                let k = ga[j] * rs[j]
                s1[j] *= k / fn
                s2[j] *= k / fn
            }
            for r in 0..<n {
                let gr = g0 + r &* c, hr = h0 + r &* c, dr = d0 + r &* c
                for j in 0..<c {
                    dr[j] = ga[j] * rs[j] * gr[j] - s1[j] - hr[j] * s2[j]
                }
            }
        }}}}}}}}}
    }
}
