/// Row-major Float32 matrix products: the three forms that training needs.
///
///   nn:  C(M,N) = A(M,K) · B(K,N)
///   nt:  C(M,N) = A(M,K) · B(N,K)ᵀ   (Linear forward, weight is (out, in))
///   tn:  C(M,N) = A(K,M)ᵀ · B(K,N)   (Linear weight gradient)
///
/// With `accumulate: true` the product is added into C (`C += …`), which is how backward
/// passes add into gradients. Every shape is allowed, zero-sized ones included.
///
/// TEMPORARY: this file currently routes everything to the naive reference. The SIMD core
/// (issue "Hand-written SIMD matmul core") replaces the bodies; the signatures stay.
public enum Matmul {
    /// Upper bound on worker threads used by large products (set from `--threads`).
    nonisolated(unsafe) public static var maxThreads: Int = 1

    public static func nn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols, "nn: shape mismatch")
        MatmulNaive.nn(&c, a, b, accumulate: accumulate)
    }

    public static func nt(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.cols == b.cols && c.rows == a.rows && c.cols == b.rows, "nt: shape mismatch")
        MatmulNaive.nt(&c, a, b, accumulate: accumulate)
    }

    public static func tn(_ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool = false) {
        precondition(a.rows == b.rows && c.rows == a.cols && c.cols == b.cols, "tn: shape mismatch")
        MatmulNaive.tn(&c, a, b, accumulate: accumulate)
    }
}
