/// A loop of nothing but independent FMAs on SIMD16<Float>, for namegen-bench to report GFLOPS as
/// a share of the machine's peak. 12 chains with AVX-512 (12 zmm) and 6 otherwise (12 ymm with
/// AVX2, 12 of SSE2's 16 xmm, 24 of NEON's 32): more than the FMA latency × units (4-5 × 2)
/// needs, and few enough to stay in registers. The operands change nothing measurable: a chain
/// converges to a fixed point.
enum Peak {
    typealias V = SIMD16<Float>

    static func run(iterations: Int, sink: UnsafeMutablePointer<Float>) -> Int {
        let x = V(repeating: 0.999_999), y = V(repeating: 1e-7)
        var c0 = V(repeating: 1), c1 = V(repeating: 2), c2 = V(repeating: 3), c3 = V(repeating: 4)
        var c4 = V(repeating: 5), c5 = V(repeating: 6), c6 = V(repeating: 7), c7 = V(repeating: 8)
        var c8 = V(repeating: 9), c9 = V(repeating: 10), c10 = V(repeating: 11), c11 = V(repeating: 12)
        let wide = KernelConfig.panelVectors == 2
        for _ in 0..<iterations {
            c0 = madd(y, c0, x); c1 = madd(y, c1, x); c2 = madd(y, c2, x)
            c3 = madd(y, c3, x); c4 = madd(y, c4, x); c5 = madd(y, c5, x)
            if wide {
                c6 = madd(y, c6, x); c7 = madd(y, c7, x); c8 = madd(y, c8, x)
                c9 = madd(y, c9, x); c10 = madd(y, c10, x); c11 = madd(y, c11, x)
            }
        }
        let total = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
        sink.pointee = sum16(total)
        return iterations * (wide ? 12 : 6) * 16 * 2
    }
}
