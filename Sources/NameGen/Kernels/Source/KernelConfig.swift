import KernelSupport

/// What differs between the kernel sets built from this source. Package.swift compiles this
/// directory three times: with NAMEGEN_AVX512 and -march=x86-64-v4, with NAMEGEN_AVX2 and
/// -march=x86-64-v3, and with NAMEGEN_PORTABLE and no flag (baseline x86-64, or arm64 NEON).
/// Only speed depends on these values, never a result (see `KernelSet`).
enum KernelConfig {
    #if NAMEGEN_AVX512
    static let name = "avx512"
    /// Micro-kernel tile: 8 rows × 32 columns, 16 zmm accumulators: twice the 8 chains that two
    /// FMA units of latency 4 need, and 8 divides the batch sizes 32 and 256. 12 rows measured
    /// level (docs/PERFORMANCE.md).
    static let tileRows = 8
    static let panelVectors = 2
    #elseif NAMEGEN_AVX512_LAYOUT
    /// The AVX-512 tile and panels compiled for AVX2, for the tests (see Package.swift).
    static let name = "avx512-layout"
    static let tileRows = 8
    static let panelVectors = 2
    #elseif NAMEGEN_AVX2
    static let name = "avx2"
    /// Micro-kernel tile: 6 rows × 16 columns, 12 ymm accumulators, 15 of the 16 registers.
    static let tileRows = 6
    static let panelVectors = 1
    #else
    static let name = "portable"
    static let tileRows = 6
    static let panelVectors = 1
    #endif
    /// Columns per packed B panel.
    static let panelWidth = 16 * panelVectors
    /// Cache blocking of the packed path over M and N (KC comes with the job: it is the same for
    /// every set, because it fixes the order of the sums).
    static let mc = 96, nc = 1024
    /// Largest tn A (in floats) that the direct path packs.
    static let directPackedAMax = 64 * 1024
}

/// acc + a · b with one rounding (an FMA instruction), except in the portable set on x86-64,
/// whose baseline has no FMA: there `addingProduct` would call `fmaf` per lane (100× slower),
/// so it rounds twice and its results may differ from the other sets in the last bits.
/// Not generic: debug builds compile each file alone (no whole-module optimisation), where a
/// generic helper from another file runs unspecialised, a thousand times slower.
@inline(__always)
func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    #if NAMEGEN_PORTABLE && arch(x86_64)
    return acc + a * b
    #else
    return acc.addingProduct(a, b)
    #endif
}

/// acc + a · b for a scalar b (see `madd`).
@inline(__always)
func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: Float) -> SIMD16<Float> {
    #if NAMEGEN_PORTABLE && arch(x86_64)
    return acc + a * b
    #else
    return acc.addingProduct(a, b)
    #endif
}

/// The sum of 16 lanes in one fixed order, whatever the register width: halves added pairwise
/// (lane i + lane i+8, then i + i+4, i + i+2, i + i+1). Every row reduction uses it, so that it
/// gives the same bits on AVX-512, AVX2 and NEON.
@inline(__always)
func sum16(_ v: SIMD16<Float>) -> Float {
    let h8 = v.lowHalf + v.highHalf
    let h4 = h8.lowHalf + h8.highHalf
    let h2 = h4.lowHalf + h4.highHalf
    return h2[0] + h2[1]
}

/// Loads 16 floats from p (any alignment).
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Stores 16 floats at p (any alignment).
@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Loads the first `count` (< 16) floats from p into a zero-padded vector.
@inline(__always)
func loadPartial16(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for j in 0..<count { v[j] = p[j] }
    return v
}

/// Stores the first `count` (< 16) lanes of v at p.
@inline(__always)
func storePartial16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for j in 0..<count { p[j] = v[j] }
}
