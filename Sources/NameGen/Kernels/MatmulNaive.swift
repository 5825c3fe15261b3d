/// The naive triple-loop reference for `Matmul`: the test oracle and the documentation of
/// what each form computes. Sums run over k in order, in Float.
package enum MatmulNaive {
    /// C(M,N) (+)= A(M,K) · B(K,N)
    package static func nn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        let m = a.rows, k = a.cols, n = b.cols
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a.data[i * k + p] * b.data[p * n + j] }
                c.data[i * n + j] = accumulate ? c.data[i * n + j] + s : s
            }
        }
    }

    /// C(M,N) (+)= A(M,K) · B(N,K)ᵀ
    package static func nt(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        let m = a.rows, k = a.cols, n = b.rows
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a.data[i * k + p] * b.data[j * k + p] }
                c.data[i * n + j] = accumulate ? c.data[i * n + j] + s : s
            }
        }
    }

    /// C(M,N) (+)= A(K,M)ᵀ · B(K,N)
    package static func tn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        let k = a.rows, m = a.cols, n = b.cols
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a.data[p * m + i] * b.data[p * n + j] }
                c.data[i * n + j] = accumulate ? c.data[i * n + j] + s : s
            }
        }
    }
}
