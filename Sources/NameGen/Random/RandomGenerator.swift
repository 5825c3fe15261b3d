/// The one seeded random generator that everything random in namegen draws from:
/// xoshiro256** (Blackman & Vigna), seeded through splitmix64.
///
/// The same seed gives the same stream on every machine. `state` can be saved in a
/// checkpoint and restored, so that a resumed run continues the same stream.
package struct RandomGenerator: RandomNumberGenerator, Sendable {
    package private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    package init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Restores a saved state. An all-zero state is invalid for xoshiro and is rejected.
    package init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = (state[0], state[1], state[2], state[3])
    }

    package var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Uniform in [0, 1), with 24 random bits.
    @inline(__always)
    package mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1), with 53 random bits.
    @inline(__always)
    package mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's method).
    @inline(__always)
    package mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Standard normal N(0, 1) by the Box–Muller transform (computed in Double).
    package mutating func nextNormal() -> Float {
        let u1 = 1.0 - nextDouble()  // (0, 1], so log is finite
        let u2 = nextDouble()
        return Float((-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2))
    }

    /// Fisher–Yates shuffle driven by this generator (same result on every platform,
    /// unlike `Array.shuffle(using:)`, whose algorithm is not specified).
    package mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { LibC.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { LibC.cos(x) }
