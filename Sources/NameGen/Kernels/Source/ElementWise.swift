import KernelSupport

/// Element-wise kernels on SIMD16<Float> (one zmm, two ymm or four NEON registers): each lane is
/// computed alone, so results do not depend on the register width. exp and tanh are vectorised
/// by hand (Swift has no vector libm): range reduction exp(x) = 2ⁿ·exp(r), |r| ≤ ln2/2, a
/// degree-6 polynomial for exp(r) (the Cephes `expf` coefficients), and tanh from exp or, near
/// 0, from an odd polynomial (Cephes `tanhf`). The polynomials use explicit FMAs (`madd`).
enum ElementWise {
    typealias V = SIMD16<Float>

    static let ln2Hi: Float = 0.693_359_375  // ln 2 split in two for an exact n·ln2
    static let ln2Lo: Float = -2.121_944_4e-4
    static let log2e: Float = 1.442_695_04
    static let magic: Float = 12_582_912  // 1.5·2²³, whose bit pattern is 0x4B40_0000

    /// exp of 16 lanes; inputs are clamped to [-87.3, 88.7] (the Float range of exp).
    @inline(__always)
    static func exp16(_ x: V) -> V {
        expInRange16(clamp(x, -87.3, 88.7))
    }

    /// exp of 16 lanes already in [-87.3, 88.7].
    @inline(__always)
    static func expInRange16(_ x: V) -> V {
        // n = round(x·log2 e) without a float-to-int conversion: adding 1.5·2²³ leaves
        // round(x·log2 e) in the low mantissa bits.
        let shifted = madd(V(repeating: magic), x, log2e)
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- SIMD16<Int32>(repeating: 0x4B40_0000)
        let n = shifted - magic
        let r = madd(madd(x, n, -ln2Hi), n, -ln2Lo)
        var p = madd(V(repeating: 1.398_199_950_7e-3), r, 1.987_569_15e-4)
        p = madd(V(repeating: 8.333_451_907_3e-3), p, r)
        p = madd(V(repeating: 4.166_579_589_4e-2), p, r)
        p = madd(V(repeating: 1.666_666_545_9e-1), p, r)
        p = madd(V(repeating: 5.000_000_120_1e-1), p, r)
        let er = madd(r + 1, p, r * r)
        // 2ⁿ by building the float's exponent bits; n ∈ [-126, 128] in range, and the
        // two-step scaling keeps n = 128 and n = -126 representable.
        let half = ni &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: V.self)
        return er * s1 * s2
    }

    /// tanh of 16 lanes: an odd polynomial for |x| < 0.625, where 1 − 2/(e²ˣ + 1) would cancel,
    /// and 1 − 2/(e^{2|x|} + 1) with the sign of x elsewhere (|x| capped at 9.1, where tanh is 1
    /// in Float).
    @inline(__always)
    static func tanh16(_ x: V) -> V {
        let signBit = SIMD16<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let ax = unsafeBitCast(bits & ~signBit, to: V.self)
        let z = x * x
        var p = madd(V(repeating: 2.063_908_879_54e-2), z, -5.704_988_727_45e-3)
        p = madd(V(repeating: -5.373_971_555_31e-2), p, z)
        p = madd(V(repeating: 1.333_144_220_36e-1), p, z)
        p = madd(V(repeating: -3.333_328_194_22e-1), p, z)
        let small = madd(x, p * z, x)
        let e = expInRange16(2 * ax.replacing(with: 9.1, where: ax .> 9.1))
        let large = 1 - 2 / (e + 1)
        let signed = unsafeBitCast(unsafeBitCast(large, to: SIMD16<UInt32>.self) | (bits & signBit), to: V.self)
        return signed.replacing(with: small, where: ax .< 0.625)
    }

    /// min(max(x, lo), hi) lane by lane, with compare-and-select.
    @inline(__always)
    static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        let low = V(repeating: lo), high = V(repeating: hi)
        return x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    }

    /// y[i] = f(x[i]) for i < count, 16 lanes at a time; the ragged tail goes through a
    /// zero-padded vector. y may be x. `f` must be a named function (exp16, relu16, …), which the
    /// optimiser inlines here; a closure literal passed the same way was not inlined (each block
    /// of 16 lanes became a call that passed the vectors through memory).
    @inline(__always)
    static func map(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, _ f: (V) -> V) {
        var i = 0
        while i + 16 <= count {
            store16(f(load16(x + i)), y + i)
            i += 16
        }
        if i < count { storePartial16(f(loadPartial16(x + i, count - i)), y + i, count - i) }
    }

    /// z[i] = f(x[i], y[i]) for i < count (see `map`; `f` a named function too).
    @inline(__always)
    static func map2(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                     _ count: Int, _ f: (V, V) -> V) {
        var i = 0
        while i + 16 <= count {
            store16(f(load16(x + i), load16(y + i)), z + i)
            i += 16
        }
        if i < count {
            let rest = count - i
            storePartial16(f(loadPartial16(x + i, rest), loadPartial16(y + i, rest)), z + i, rest)
        }
    }

    /// dy·(1 − y²), the gradient through y = tanh(x).
    @inline(__always)
    static func tanhBackward16(_ dy: V, _ y: V) -> V { dy * (1 - y * y) }

    /// max(x, 0), with NaN mapped to 0 as `x > 0 ? x : 0` does.
    @inline(__always)
    static func relu16(_ x: V) -> V { x.replacing(with: 0, where: .!(x .> 0)) }

    /// y > 0 ? dy : 0, the gradient through y = relu(x).
    @inline(__always)
    static func reluBackward16(_ dy: V, _ y: V) -> V { dy.replacing(with: 0, where: .!(y .> 0)) }

    /// x·y.
    @inline(__always)
    static func multiply16(_ x: V, _ y: V) -> V { x * y }

    // The SGD update needs lr and the weight decay, which a named function cannot capture, so
    // its loop is written out.

    /// w[i] −= lr·(g[i] + wd·w[i]), rounded as the scalar expression is (no FMA), in every set.
    static func sgdStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int,
                        lr: Float, weightDecay: Float) {
        var i = 0
        while i + 16 <= count {
            let wi = load16(w + i)
            store16(wi - lr * (load16(g + i) + weightDecay * wi), w + i)
            i += 16
        }
        if i < count {
            let rest = count - i, wi = loadPartial16(w + i, rest)
            storePartial16(wi - lr * (loadPartial16(g + i, rest) + weightDecay * wi), w + i, rest)
        }
    }

    static func adamwStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                          _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                          count: Int, _ s: AdamWStep) {
        // No FMA here: each lane rounds as the scalar expressions do, in every set.
        @inline(__always)
        func update(_ w: V, _ g: V, _ m: V, _ v: V) -> (w: V, m: V, v: V) {
            let mi = s.beta1 * m + (1 - s.beta1) * g
            let vi = s.beta2 * v + (1 - s.beta2) * g * g
            return (w * s.decay - s.stepSize * mi / (vi.squareRoot() * s.invRootC2 + s.epsilon), mi, vi)
        }
        var i = 0
        while i + 16 <= count {
            let r = update(load16(w + i), load16(g + i), load16(m + i), load16(v + i))
            store16(r.w, w + i); store16(r.m, m + i); store16(r.v, v + i)
            i += 16
        }
        if i < count {
            let rest = count - i
            let r = update(loadPartial16(w + i, rest), loadPartial16(g + i, rest),
                           loadPartial16(m + i, rest), loadPartial16(v + i, rest))
            storePartial16(r.w, w + i, rest); storePartial16(r.m, m + i, rest); storePartial16(r.v, v + i, rest)
        }
    }
}
