/// Projection of row vectors onto their first principal components, for plotting
/// embeddings wider than 2. Power iteration with deflation on the covariance, in Double.
package enum PCA {
    /// rows (n, d) → (n, components): the centred rows projected on the top components.
    /// With d ≤ components the centred coordinates themselves are returned.
    package static func project(_ rows: [[Double]], components: Int = 2) -> [[Double]] {
        guard let d = rows.first?.count, d > 0 else { return rows.map { _ in [Double](repeating: 0, count: components) } }
        let n = Double(rows.count)
        var mean = [Double](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += r[j] / n } }
        let centred = rows.map { r in (0..<d).map { r[$0] - mean[$0] } }
        if d <= components {
            return centred.map { $0 + [Double](repeating: 0, count: components - d) }
        }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for r in centred { for i in 0..<d { for j in 0..<d { cov[i][j] += r[i] * r[j] / n } } }
        var axes: [[Double]] = []
        for k in 0..<components {
            // A fixed, non-symmetric start vector: deterministic and unlikely to be orthogonal to the top axis.
            var v = (0..<d).map { 1.0 + Double(($0 * 7 + k * 3) % 11) / 10 }
            for _ in 0..<500 {
                var w = [Double](repeating: 0, count: d)
                for i in 0..<d { for j in 0..<d { w[i] += cov[i][j] * v[j] } }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 1e-300 else { break }
                v = w.map { $0 / norm }
            }
            // Deflate: remove the found component from the covariance.
            var lambda = 0.0
            for i in 0..<d { for j in 0..<d { lambda += v[i] * cov[i][j] * v[j] } }
            for i in 0..<d { for j in 0..<d { cov[i][j] -= lambda * v[i] * v[j] } }
            // Fix the sign so the largest entry is positive (stable pictures across runs).
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            axes.append(v)
        }
        return centred.map { r in axes.map { a in zip(r, a).reduce(0) { $0 + $1.0 * $1.1 } } }
    }
}
