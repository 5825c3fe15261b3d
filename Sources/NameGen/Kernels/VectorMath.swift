/// Element-wise kernels on Float32 arrays: exp, tanh and the vector updates the layers and
/// optimisers need. These are the only place outside the matmul core where unsafe pointers and
/// SIMD types appear; the layers call them with safe `[Float]` arrays.
///
/// exp and tanh are vectorised by hand on `SIMD8<Float>` (Swift has no vector libm): range
/// reduction exp(x) = 2ⁿ·exp(r), |r| ≤ ln2/2, with a degree-6 polynomial for exp(r) (the Cephes
/// `expf` coefficients), and tanh from exp. `VectorMathTests` bounds their error against
/// Foundation over a dense sweep.
public enum VectorMath {
    // MARK: exp

    private static let ln2Hi: Float = 0.693_359_375  // ln 2 split in two for an exact n·ln2
    private static let ln2Lo: Float = -2.121_944_4e-4
    private static let log2e: Float = 1.442_695_04
    private static let magic: Float = 12_582_912  // 1.5·2²³, whose bit pattern is 0x4B40_0000

    /// exp of eight lanes; inputs are clamped to [-87.3, 88.7] (the Float range of exp).
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        expInRange8(clamp(x, -87.3, 88.7))
    }

    /// exp of eight lanes already in [-87.3, 88.7]. The polynomials use explicit FMAs
    /// (`addingProduct`), which the compiler never forms from `a * b + c` by itself.
    @inline(__always)
    static func expInRange8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // n = round(x·log2 e) without a float-to-int conversion (SIMD8<Int32>(_:) of floats is a
        // scalar loop): adding 1.5·2²³ leaves round(x·log2 e) in the low mantissa bits.
        let shifted = SIMD8<Float>(repeating: magic).addingProduct(x, log2e)
        let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
        let n = shifted - magic
        let r = x.addingProduct(n, -ln2Hi).addingProduct(n, -ln2Lo)
        var p = SIMD8<Float>(repeating: 1.398_199_950_7e-3).addingProduct(r, 1.987_569_15e-4)
        p = SIMD8<Float>(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = SIMD8<Float>(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let er = (r + 1).addingProduct(p, r * r)
        // 2ⁿ by building the float's exponent bits; n ∈ [-126, 128] in range, and the
        // two-step scaling keeps n = 128 and n = -126 representable.
        let half = ni &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        return er * s1 * s2
    }

    /// tanh of eight lanes: an odd polynomial for |x| < 0.625 (Cephes `tanhf`), where
    /// 1 − 2/(e²ˣ + 1) would cancel, and 1 − 2/(e^{2|x|} + 1) with the sign of x elsewhere
    /// (|x| is capped at 9.1, where tanh is 1 in Float).
    @inline(__always)
    static func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let signBit = SIMD8<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let ax = unsafeBitCast(bits & ~signBit, to: SIMD8<Float>.self)
        let z = x * x
        var p = SIMD8<Float>(repeating: 2.063_908_879_54e-2).addingProduct(z, -5.704_988_727_45e-3)
        p = SIMD8<Float>(repeating: -5.373_971_555_31e-2).addingProduct(p, z)
        p = SIMD8<Float>(repeating: 1.333_144_220_36e-1).addingProduct(p, z)
        p = SIMD8<Float>(repeating: -3.333_328_194_22e-1).addingProduct(p, z)
        let small = x.addingProduct(p * z, x)
        let e = expInRange8(2 * ax.replacing(with: 9.1, where: ax .> 9.1))
        let large = 1 - 2 / (e + 1)
        let signed = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & signBit), to: SIMD8<Float>.self)
        return signed.replacing(with: small, where: ax .< 0.625)
    }

    /// min(max(x, lo), hi) lane by lane, written with compare-and-select (the generic
    /// `clamped` and `pointwiseMin` were not inlined and cost a call per vector).
    @inline(__always)
    static func clamp(_ x: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: lo), high = SIMD8<Float>(repeating: hi)
        return x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    }

    /// Applies an eight-lane function to `src[0..<count]`, writing `dst` (which may be `src`);
    /// the ragged tail goes through a zero-padded vector.
    @inline(__always)
    private static func map8(_ dst: UnsafeMutableBufferPointer<Float>, _ src: UnsafeBufferPointer<Float>, count: Int,
                             _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        precondition(src.count >= count && dst.count >= count)
        let s = UnsafeRawPointer(src.baseAddress!), d = UnsafeMutableRawPointer(dst.baseAddress!)
        var i = 0
        while i + 8 <= count {
            d.storeBytes(of: f(s.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)),
                         toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var v = SIMD8<Float>()
            for j in 0..<(count - i) { v[j] = src[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { dst[i + j] = r[j] }
        }
    }

    /// output[i] = exp(input[i]) for i < count.
    public static func exp(_ output: inout [Float], _ input: [Float], count: Int) {
        guard count > 0 else { return }
        input.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { y in map8(y, x, count: count, exp8) } }
    }

    /// output[i] = tanh(input[i]) for i < count.
    public static func tanh(_ output: inout [Float], _ input: [Float], count: Int) {
        guard count > 0 else { return }
        input.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { y in map8(y, x, count: count, tanh8) } }
    }

    /// In place: values[i] = exp(values[i]) for i < count.
    public static func expInPlace(_ values: inout [Float], count: Int) {
        guard count > 0 else { return }
        values.withUnsafeMutableBufferPointer { y in map8(y, UnsafeBufferPointer(y), count: count, exp8) }
    }

    // MARK: activation backward

    /// dInput[i] = dOut[i] · (1 − out[i]²), the tanh derivative written with its output.
    public static func tanhBackward(dInput: inout [Float], dOut: [Float], out: [Float], count: Int) {
        precondition(dInput.count >= count && dOut.count >= count && out.count >= count)
        dOut.withUnsafeBufferPointer { g in
            out.withUnsafeBufferPointer { y in
                dInput.withUnsafeMutableBufferPointer { d in
                    for i in 0..<count { d[i] = g[i] * (1 - y[i] * y[i]) }
                }
            }
        }
    }

    /// output[i] = max(input[i], 0).
    public static func relu(_ output: inout [Float], _ input: [Float], count: Int) {
        precondition(input.count >= count && output.count >= count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
            }
        }
    }

    /// dInput[i] = out[i] > 0 ? dOut[i] : 0, the ReLU derivative written with its output.
    public static func reluBackward(dInput: inout [Float], dOut: [Float], out: [Float], count: Int) {
        precondition(dInput.count >= count && dOut.count >= count && out.count >= count)
        dOut.withUnsafeBufferPointer { g in
            out.withUnsafeBufferPointer { y in
                dInput.withUnsafeMutableBufferPointer { d in
                    for i in 0..<count { d[i] = y[i] > 0 ? g[i] : 0 }
                }
            }
        }
    }

    /// output[i] = a[i] · b[i] (dropout's mask, forward and backward).
    public static func multiply(_ output: inout [Float], _ a: [Float], _ b: [Float], count: Int) {
        precondition(a.count >= count && b.count >= count && output.count >= count)
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                output.withUnsafeMutableBufferPointer { z in
                    for i in 0..<count { z[i] = x[i] * y[i] }
                }
            }
        }
    }

    // MARK: whole-array updates

    /// Sets values[0..<count] to zero.
    public static func zero(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// SGD with L2 weight decay: w −= lr · (g + wd · w).
    public static func sgdStep(weights: inout [Float], grads: [Float], lr: Float, weightDecay: Float) {
        precondition(weights.count == grads.count)
        grads.withUnsafeBufferPointer { g in
            weights.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count { w[i] -= lr * (g[i] + weightDecay * w[i]) }
            }
        }
    }

    /// One AdamW step (Loshchilov & Hutter; PyTorch's `AdamW` update order):
    ///   w ← w − lr·wd·w;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
    ///   w ← w − lr · (m / c₁) / (√(v / c₂) + ε),  c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ
    public static func adamwStep(weights: inout [Float], grads: [Float], m: inout [Float], v: inout [Float],
                                 lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float,
                                 correction1: Float, correction2: Float) {
        let count = weights.count
        precondition(grads.count == count && m.count == count && v.count == count)
        let decay = 1 - lr * weightDecay
        let stepSize = lr / correction1
        let invRootC2 = 1 / correction2.squareRoot()
        /// One lane group; written once for SIMD8 and for the scalar tail.
        @inline(__always)
        func update<V: SIMD>(_ w: V, _ g: V, _ m: V, _ v: V, sqrt: (V) -> V) -> (w: V, m: V, v: V) where V.Scalar == Float {
            let mi = beta1 * m + (1 - beta1) * g
            let vi = beta2 * v + (1 - beta2) * g * g
            return (w * decay - stepSize * mi / (sqrt(vi) * invRootC2 + epsilon), mi, vi)
        }
        grads.withUnsafeBufferPointer { g in
            weights.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        // Explicit eight-lane loads: with four arrays the compiler did not
                        // vectorise the scalar loop (AdamW was 16% of a batch-128 step).
                        let gp = UnsafeRawPointer(g.baseAddress!), wp = UnsafeMutableRawPointer(w.baseAddress!)
                        let mp = UnsafeMutableRawPointer(m.baseAddress!), vp = UnsafeMutableRawPointer(v.baseAddress!)
                        var i = 0
                        while i + 8 <= count {
                            let o = i * 4
                            let r = update(wp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                                           gp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                                           mp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                                           vp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)) { $0.squareRootLanes() }
                            wp.storeBytes(of: r.w, toByteOffset: o, as: SIMD8<Float>.self)
                            mp.storeBytes(of: r.m, toByteOffset: o, as: SIMD8<Float>.self)
                            vp.storeBytes(of: r.v, toByteOffset: o, as: SIMD8<Float>.self)
                            i += 8
                        }
                        while i < count {
                            let r = update(SIMD2(w[i], 0), SIMD2(g[i], 0), SIMD2(m[i], 0), SIMD2(v[i], 0)) { $0.squareRootLanes() }
                            (w[i], m[i], v[i]) = (r.w[0], r.m[0], r.v[0])
                            i += 1
                        }
                    }
                }
            }
        }
    }
}

#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

extension SIMD8 where Scalar == Float {
    /// √ of every lane: one `vsqrtps` on x86-64 (Swift's `squareRoot()` on SIMD types calls
    /// `sqrtf` lane by lane).
    @inline(__always)
    func squareRootLanes() -> Self {
        #if arch(x86_64)
        return _mm256_sqrt_ps(self)
        #else
        return squareRoot()
        #endif
    }
}

extension SIMD2 where Scalar == Float {
    @inline(__always)
    func squareRootLanes() -> Self { SIMD2(self[0].squareRoot(), self[1].squareRoot()) }
}
