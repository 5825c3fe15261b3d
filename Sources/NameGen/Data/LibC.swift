#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's functions under one qualified name, for code inside a type with a member of
/// the same name (a reader's `close()`, a model's loss `log`), where the plain name would call
/// the member. At file scope the plain names below are the C library's.
enum LibC {
    @inline(__always) static func exp(_ x: Double) -> Double { cExp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { cLog(x) }
    @inline(__always) static func log(_ x: Float) -> Float { cLog(x) }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double { cPow(x, y) }
    @inline(__always) static func pow(_ x: Float, _ y: Float) -> Float { cPow(x, y) }
    @inline(__always) static func cos(_ x: Double) -> Double { cCos(x) }
    @inline(__always) static func close(_ fd: Int32) -> Int32 { cClose(fd) }
}

@inline(__always) private func cExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func cLog(_ x: Float) -> Float { log(x) }
@inline(__always) private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) private func cPow(_ x: Float, _ y: Float) -> Float { pow(x, y) }
@inline(__always) private func cCos(_ x: Double) -> Double { cos(x) }
@inline(__always) private func cClose(_ fd: Int32) -> Int32 { close(fd) }
