/// The element types of the safetensors format.
package enum DType: String, CaseIterable, Sendable {
    case BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64

    /// Bytes per element.
    package var size: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3: return 1
        case .I16, .U16, .F16, .BF16: return 2
        case .I32, .U32, .F32: return 4
        case .F64, .I64, .U64: return 8
        }
    }
}

/// One named array of a checkpoint: its element type, shape and raw little-endian bytes.
package struct Tensor: Equatable, Sendable {
    package var dtype: DType
    package var shape: [Int]
    package var bytes: [UInt8]

    package var elementCount: Int { shape.reduce(1, *) }

    package init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor of `shape` holding `values` (bit-exact, little-endian).
    package init(shape: [Int], floats values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor shape does not match its values")
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        for (i, v) in values.enumerated() {
            let bits = v.bitPattern.littleEndian
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        self.init(dtype: .F32, shape: shape, bytes: bytes)
    }

    /// The values of an F32 tensor; nil for any other dtype.
    package var floats: [Float]? {
        guard dtype == .F32, bytes.count % 4 == 0 else { return nil }
        var out = [Float](repeating: 0, count: bytes.count / 4)
        for i in 0..<out.count {
            let bits = UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8
                | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
            out[i] = Float(bitPattern: bits)
        }
        return out
    }
}
