import Foundation
import KernelSupport
import XCTest
@testable import NameGen

/// The direct path reads some operands past a row's last column (the 8-wide ragged panel in
/// place, the 16-lane packing of ragged panels, the masked and partial stores): each such read
/// or write must stay inside the operand. Here A, B and C each end exactly where a PROT_NONE page
/// begins, so a read or write past the end of any of them stops the test process with SIGSEGV;
/// the results are also checked against a plain triple loop.
final class MatmulBoundsTests: NameGenTestCase {
    /// `count` floats that end where an inaccessible page begins.
    final class GuardedFloats {
        let mapping: UnsafeMutableRawPointer, length: Int
        let floats: UnsafeMutablePointer<Float>

        init(_ values: [Float]) {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let dataPages = (values.count * 4 + page - 1) / page
            length = (dataPages + 1) * page
            mapping = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            precondition(mapping != UnsafeMutableRawPointer(bitPattern: -1), "mmap failed")
            precondition(mprotect(mapping + dataPages * page, page, PROT_NONE) == 0, "mprotect failed")
            floats = (mapping + dataPages * page).assumingMemoryBound(to: Float.self) - values.count
            for (i, v) in values.enumerated() { floats[i] = v }
        }

        deinit { munmap(mapping, length) }
    }

    enum Form: CaseIterable { case nn, nt, tn }

    func testDirectPathStaysInsideItsOperands() {
        // Ragged widths below 8, of 8 (read in place), and between 8 and 32; K below 16 too.
        let shapes = [(9, 31, 24), (32, 200, 27), (6, 5, 7), (8, 3, 40), (33, 17, 8), (7, 12, 3), (16, 9, 56)]
        KernelSetsUnderTest.forEach { set in
            for form in Form.allCases {
                for (m, k, n) in shapes {
                    for accumulate in [false, true] {
                        check(set, form, m, k, n, accumulate: accumulate)
                    }
                }
            }
        }
    }

    private func check(_ set: any KernelSet.Type, _ form: Form, _ m: Int, _ k: Int, _ n: Int, accumulate: Bool) {
        var rng = RandomGenerator(seed: UInt64(m * 10_000 + k * 100 + n))
        let aValues = (0..<(m * k)).map { _ in rng.nextNormal() }, bValues = (0..<(k * n)).map { _ in rng.nextNormal() }
        let cStart = (0..<(m * n)).map { _ in rng.nextNormal() }
        // a(i, p) and b(p, j) through the form's layout, as Matmul lays the operands out.
        let sa = form == .tn ? MatmulStrides(row: 1, col: m) : MatmulStrides(row: k, col: 1)
        let sb = form == .nt ? MatmulStrides(row: 1, col: k) : MatmulStrides(row: n, col: 1)
        let a = GuardedFloats(aValues), b = GuardedFloats(bValues), c = GuardedFloats(cStart)
        let job = MatmulJob(a: a.floats, b: b.floats, c: c.floats, m: m, n: n, k: k, sa: sa, sb: sb,
                            accumulate: accumulate, direct: true)
        set.matmulCompute(job, rows: 0..<m, columns: 0..<n)
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += aValues[i * sa.row + p * sa.col] * bValues[p * sb.row + j * sb.col] }
                let expected = accumulate ? cStart[i * n + j] + s : s
                worst = max(worst, abs(c.floats[i * n + j] - expected) / max(1, abs(expected)))
            }
        }
        XCTAssertLessThan(worst, 1e-4, "\(set.name) \(form) \(m)×\(k)×\(n) accumulate \(accumulate)")
    }
}
