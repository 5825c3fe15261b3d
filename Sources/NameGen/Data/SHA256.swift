/// SHA-256 (FIPS 180-4), used to record which data file a checkpoint was trained on.
/// Foundation on Linux has no CryptoKit, and the package takes no dependencies.
///
/// `Hasher` takes the data in pieces as it is read, so a file is hashed in the same pass
/// (on another thread, see `NameFile.load`) and never needs to be held whole.
package enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The digest of `bytes` as 64 lowercase hex digits.
    package static func hex(_ bytes: [UInt8]) -> String {
        var h = Hasher()
        h.update(bytes)
        return h.finalizeHex()
    }

    /// The 32-byte digest of `bytes`.
    package static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var h = Hasher()
        h.update(bytes)
        return h.finalize()
    }

    /// An incremental SHA-256: `update` with the data in any pieces, then `finalize`.
    package struct Hasher: Sendable {
        private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
        /// The bytes of an incomplete 64-byte block.
        private var partial: [UInt8] = []
        private var length: UInt64 = 0
        /// The message schedule, allocated once.
        private var w = [UInt32](repeating: 0, count: 64)

        package init() { partial.reserveCapacity(64) }

        package mutating func update(_ bytes: [UInt8]) { update(bytes[...]) }

        package mutating func update(_ bytes: ArraySlice<UInt8>) {
            length &+= UInt64(bytes.count)
            var i = bytes.startIndex
            if !partial.isEmpty {
                let take = min(64 - partial.count, bytes.endIndex - i)
                partial.append(contentsOf: bytes[i..<(i + take)])
                i += take
                if partial.count < 64 { return }
                let block = partial
                compress(block[...], at: 0)
                partial.removeAll(keepingCapacity: true)
            }
            while bytes.endIndex - i >= 64 {
                compress(bytes, at: i)
                i += 64
            }
            partial.append(contentsOf: bytes[i...])
        }

        /// The digest; the hasher is finished afterwards.
        package mutating func finalize() -> [UInt8] {
            let bitLength = length &* 8
            var tail = partial
            tail.append(0x80)
            while tail.count % 64 != 56 { tail.append(0) }
            for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
            for start in stride(from: 0, to: tail.count, by: 64) { compress(tail[...], at: start) }
            partial.removeAll()
            return [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7].flatMap { v in
                (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) }
            }
        }

        package mutating func finalizeHex() -> String {
            finalize().map { b in
                let s = String(b, radix: 16)
                return b < 16 ? "0" + s : s
            }.joined()
        }

        @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

        /// One 64-byte block starting at `start`.
        private mutating func compress(_ m: ArraySlice<UInt8>, at start: Int) {
            precondition(start >= m.startIndex && start + 64 <= m.endIndex)
            for i in 0..<16 {
                let j = start + i * 4
                w[i] = UInt32(m[j]) << 24 | UInt32(m[j + 1]) << 16 | UInt32(m[j + 2]) << 8 | UInt32(m[j + 3])
            }
            for i in 16..<64 {
                let a = w[i - 15], b = w[i - 2]
                let s0 = Self.rotr(a, 7) ^ Self.rotr(a, 18) ^ (a >> 3)
                let s1 = Self.rotr(b, 17) ^ Self.rotr(b, 19) ^ (b >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = h
            let k = SHA256.k
            for i in 0..<64 {
                let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1
                d = c; c = b; b = a; a = t1 &+ t2
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
        }
    }
}
