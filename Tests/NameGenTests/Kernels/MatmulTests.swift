import XCTest
@testable import NameGen

/// The SIMD matmul against the naive reference, on odd shapes and on shapes that cross the
/// direct/blocked, cache-blocking and threading thresholds of `Matmul`.
final class MatmulTests: NameGenTestCase {
    enum Form: String, CaseIterable { case nn, nt, tn }

    /// (M, K, N): zero-sized dimensions, 1×1×1, primes, non-multiples of the 6×16 tile,
    /// the batch-32 training shapes, and large ones for the blocked and threaded paths.
    static let shapes: [(Int, Int, Int)] = [
        (0, 0, 0), (0, 5, 3), (4, 0, 3), (4, 5, 0), (1, 1, 1), (1, 7, 1), (2, 1, 3),
        (3, 5, 7), (7, 13, 17), (6, 16, 16), (5, 15, 17), (12, 32, 33), (13, 1, 29),
        (31, 47, 15), (2, 300, 1), (37, 3, 41), (61, 67, 71), (97, 101, 103),
        (32, 80, 200), (32, 200, 27), (27, 32, 200),
        // Leading dimensions of 256 floats: packed B (nn, tn) and packed A (tn) in the direct path.
        (256, 40, 17), (7, 45, 256),
        // A ragged last panel of exactly 8 columns, read in place (N = 40 and 200 leave one), also
        // beside a packed A (tn with M = 256).
        (256, 40, 40), (9, 31, 24),
        // K > directMaxK: packed path, K split into KC blocks, ragged MC and NR edges.
        (101, 600, 35),
        // Above parallelMinFlops and blocked: B packed once and shared, then split between
        // threads by rows (70 rows) or, with a single 6-row panel, by columns.
        (70, 530, 61), (5, 600, 100),
        // N > NC: two column blocks of the packed B. K = 70,000 with one panel: B packed and
        // computed in two chunks of KC blocks (packedBMaxFloats).
        (1, 513, 1041), (7, 70_000, 3),
        // Direct path above parallelMinFlops.
        (64, 160, 200),
    ]

    func testEveryFormMatchesNaiveReference() {
        var rng = RandomGenerator(seed: 42)
        for form in Form.allCases {
            for (m, k, n) in Self.shapes {
                let (a, b) = operands(form, m, k, n, &rng)
                var naive = Matrix(rows: m, cols: n)
                Self.naive(form, &naive, a, b, accumulate: false)
                let bound = errorBound(form, a, b, c0: nil)
                KernelSetsUnderTest.forEach { set in
                    var fast = Matrix(rows: m, cols: n)
                    Self.fast(form, &fast, a, b, accumulate: false)
                    assertClose(fast, naive, bound: bound, "\(set.name) \(form) \(m)×\(k)×\(n)")
                }
            }
        }
    }

    func testAccumulateAddsIntoExistingValues() {
        var rng = RandomGenerator(seed: 7)
        for form in Form.allCases {
            for (m, k, n) in [(1, 1, 1), (7, 13, 17), (32, 200, 27), (101, 600, 35), (7, 70_000, 3), (4, 0, 3)] {
                let (a, b) = operands(form, m, k, n, &rng)
                let c0 = random(m, n, &rng)
                var naive = c0
                Self.naive(form, &naive, a, b, accumulate: true)
                let bound = errorBound(form, a, b, c0: c0)
                KernelSetsUnderTest.forEach { set in
                    var fast = c0
                    Self.fast(form, &fast, a, b, accumulate: true)
                    assertClose(fast, naive, bound: bound, "\(set.name) \(form) accumulate \(m)×\(k)×\(n)")
                    if k > 0 { XCTAssertNotEqual(fast, c0, "\(set.name) \(form) accumulate changed nothing") }
                }
            }
        }
    }

    /// Without `accumulate`, whatever C held before is overwritten (K = 0 gives zeros).
    func testOverwriteIgnoresPreviousContents() {
        KernelSetsUnderTest.forEach { set in
        var rng = RandomGenerator(seed: 3)
        for form in Form.allCases {
            for (m, k, n) in [(7, 13, 17), (4, 0, 3), (101, 600, 35)] {
                let (a, b) = operands(form, m, k, n, &rng)
                var fromGarbage = random(m, n, &rng), fromZero = Matrix(rows: m, cols: n)
                Self.fast(form, &fromGarbage, a, b, accumulate: false)
                Self.fast(form, &fromZero, a, b, accumulate: false)
                XCTAssertEqual(fromGarbage, fromZero, "\(set.name) \(form) \(m)×\(k)×\(n)")
            }
        }
        }
    }

    /// `Matmul` never splits K between threads and picks its path from the shape alone, so
    /// each element is summed in the same order for any thread count: bit-identical results.
    func testResultDoesNotDependOnThreadCount() {
        KernelSetsUnderTest.forEach { set in
        var rng = RandomGenerator(seed: 11)
        for form in Form.allCases {
            for (m, k, n) in [(70, 530, 61), (5, 600, 100), (1, 513, 1041), (7, 70_000, 3), (64, 160, 200), (200, 64, 200), (256, 40, 256)] {
                XCTAssertGreaterThanOrEqual(2 * m * k * n, Matmul.parallelMinFlops)
                let (a, b) = operands(form, m, k, n, &rng)
                var results: [Matrix] = []
                for threads in [1, 2, 3] {
                    var c = Matrix(rows: m, cols: n)
                    Self.fast(form, &c, a, b, accumulate: false, threads: threads)
                    results.append(c)
                }
                XCTAssertEqual(results[0], results[1], "\(set.name) \(form) \(m)×\(k)×\(n): 1 vs 2 threads")
                XCTAssertEqual(results[0], results[2], "\(set.name) \(form) \(m)×\(k)×\(n): 1 vs 3 threads")
            }
        }
        }
    }

    /// Every set with FMA sums each element in one order (over k in increasing order, one FMA
    /// per term, from 0, per KC block), so each must give exactly the bits of a scalar loop
    /// written in that order: the same bits on AVX-512, AVX2 and NEON, whatever the tile shape.
    func testSetsWithFMASumInTheCanonicalOrderBitForBit() {
        var rng = RandomGenerator(seed: 19)
        var checked = 0
        for form in Form.allCases {
            for (m, k, n) in Self.shapes + [(33, 1024, 40)] where m * n * k > 0 {
                let (a, b) = operands(form, m, k, n, &rng)
                let c0 = random(m, n, &rng)
                for accumulate in [false, true] {
                    var expected = c0
                    Self.canonical(form, &expected, a, b, accumulate: accumulate)
                    KernelSetsUnderTest.forEach { set in
                        guard KernelSetsUnderTest.fuses(set) else { return }
                        var c = c0
                        Self.fast(form, &c, a, b, accumulate: accumulate, threads: 2)
                        XCTAssertEqual(c, expected, "\(set.name) \(form) \(m)×\(k)×\(n) accumulate \(accumulate)")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 0)
    }

    /// The reference for `testSetsWithFMASumInTheCanonicalOrderBitForBit`: per element, a Float
    /// sum over each KC block in increasing k with one FMA per term (`addingProduct`, which is
    /// exact: fmaf), the blocks added into C in order. Direct products are one block of all K.
    static func canonical(_ form: Form, _ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool) {
        let (m, k) = form == .tn ? (a.cols, a.rows) : (a.rows, a.cols)
        let n = form == .nt ? b.rows : b.cols
        let direct = k <= Matmul.directMaxK && m * n * k <= Matmul.directMaxVolume
        let blocks = direct ? 1 : (k + Matmul.kcMax - 1) / Matmul.kcMax
        let kc = (k + blocks - 1) / blocks
        for i in 0..<m {
            for j in 0..<n {
                var p0 = 0
                while p0 < k {
                    var s: Float = 0
                    for p in p0..<min(k, p0 + kc) {
                        let x = form == .tn ? a[p, i] : a[i, p]
                        let y = form == .nt ? b[j, p] : b[p, j]
                        s = s.addingProduct(x, y)
                    }
                    c[i, j] = (p0 > 0 || accumulate) ? c[i, j] + s : s
                    p0 += kc
                }
            }
        }
    }

    /// Products started from several threads at once share one worker pool: a caller that
    /// finds it busy runs its parts itself. Every result must still be exact (bit-identical to
    /// the same product computed alone), for many back-to-back calls.
    func testConcurrentCallersGetTheirOwnResults() {
        var rng = RandomGenerator(seed: 5)
        let shapes = [(64, 160, 200), (70, 530, 61), (200, 64, 200), (96, 100, 96)]
        let problems = shapes.map { operands(.nn, $0.0, $0.1, $0.2, &rng) }
        let expected = problems.map { (a, b) -> Matrix in
            var c = Matrix(rows: a.rows, cols: b.cols)
            Matmul.nn(&c, a, b, threads: 2)
            return c
        }
        let mismatches = UnsafeMutableBufferPointer<Int>.allocate(capacity: problems.count)
        mismatches.initialize(repeating: 0)
        defer { mismatches.deallocate() }
        nonisolated(unsafe) let counts = mismatches
        DispatchQueue.concurrentPerform(iterations: problems.count) { t in
            let (a, b) = problems[t]
            var c = Matrix(rows: a.rows, cols: b.cols)
            for _ in 0..<5 {
                Matmul.nn(&c, a, b, threads: 2)
                if c != expected[t] { counts[t] += 1 }
            }
        }
        XCTAssertEqual(Array(mismatches), [Int](repeating: 0, count: problems.count))
    }

    // MARK: - Helpers

    /// Forward error bound for a Float dot product of length K, summed in any order, with or
    /// without FMA: |fl(s) − s| ≤ γ(K)·Σ_p |a_ip|·|b_pj|, γ(K) = K·u / (1 − K·u), u = 2⁻²⁴
    /// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). Accumulating into C adds
    /// one more rounding and |C0| to the sum. Both the fast and the naive result are within
    /// that bound of the exact value, so they differ by at most twice it.
    func errorBound(_ form: Form, _ a: Matrix, _ b: Matrix, c0: Matrix?) -> [Double] {
        let u = Double(Float.ulpOfOne) / 2
        let (m, k) = form == .tn ? (a.cols, a.rows) : (a.rows, a.cols)
        let n = form == .nt ? b.rows : b.cols
        let terms = Double(k + (c0 == nil ? 0 : 1))
        let gamma = terms * u / (1 - terms * u)
        var bound = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = c0.map { Double(abs($0[i, j])) } ?? 0
                for p in 0..<k {
                    let x = form == .tn ? a[p, i] : a[i, p]
                    let y = form == .nt ? b[j, p] : b[p, j]
                    s += Double(abs(x)) * Double(abs(y))
                }
                bound[i * n + j] = 2 * gamma * s
            }
        }
        return bound
    }

    func assertClose(_ fast: Matrix, _ naive: Matrix, bound: [Double], _ message: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(fast.rows, naive.rows, message, file: file, line: line)
        XCTAssertEqual(fast.cols, naive.cols, message, file: file, line: line)
        var worst = 0
        for i in 0..<fast.count where abs(Double(fast.data[i]) - Double(naive.data[i])) > bound[i] {
            worst += 1
            if worst == 1 {
                XCTFail("\(message): element \(i) is \(fast.data[i]), naive \(naive.data[i]), bound \(bound[i])",
                        file: file, line: line)
            }
        }
    }

    func operands(_ form: Form, _ m: Int, _ k: Int, _ n: Int, _ rng: inout RandomGenerator) -> (Matrix, Matrix) {
        let a = form == .tn ? random(k, m, &rng) : random(m, k, &rng)
        let b = form == .nt ? random(n, k, &rng) : random(k, n, &rng)
        return (a, b)
    }

    func random(_ rows: Int, _ cols: Int, _ rng: inout RandomGenerator) -> Matrix {
        var x = Matrix(rows: rows, cols: cols)
        for i in 0..<x.count { x.data[i] = Float(rng.nextDouble() * 2 - 1) }
        return x
    }

    static func fast(_ form: Form, _ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool, threads: Int = 1) {
        switch form {
        case .nn: Matmul.nn(&c, a, b, accumulate: accumulate, threads: threads)
        case .nt: Matmul.nt(&c, a, b, accumulate: accumulate, threads: threads)
        case .tn: Matmul.tn(&c, a, b, accumulate: accumulate, threads: threads)
        }
    }

    static func naive(_ form: Form, _ c: inout Matrix, _ a: Matrix, _ b: Matrix, accumulate: Bool) {
        switch form {
        case .nn: MatmulNaive.nn(&c, a, b, accumulate: accumulate)
        case .nt: MatmulNaive.nt(&c, a, b, accumulate: accumulate)
        case .tn: MatmulNaive.tn(&c, a, b, accumulate: accumulate)
        }
    }
}
