#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import CPUFeatures
import KernelSupport
import KernelsAVX2
import KernelsAVX512
import KernelsPortable

/// Chooses the kernel set once per process: the widest one this CPU and OS can run, or the one
/// named by `NAMEGEN_KERNELS` (avx512, avx2 or portable). Detection reads the CPUID feature bits
/// and, through XGETBV, whether the OS saves the ymm/zmm registers (Kernels/CPUID).
public enum KernelDispatch {
    /// Every set, widest first. (`nonisolated(unsafe)`: these lists never change, but from Swift
    /// 6.2 an array of protocol metatypes is not Sendable.)
    nonisolated(unsafe) public static let all: [any KernelSet.Type] = [KernelsAVX512.Kernels.self, KernelsAVX2.Kernels.self,
                                                                       KernelsPortable.Kernels.self]

    /// The environment variable that forces a set.
    public static let environmentKey = "NAMEGEN_KERNELS"

    /// The sets this CPU can run, widest first (portable always).
    nonisolated(unsafe) public static let supported: [any KernelSet.Type] = all.filter(canRun)

    /// Whether this CPU and OS can run `set`.
    public static func canRun(_ set: any KernelSet.Type) -> Bool {
        let features = namegen_cpu_features()
        switch set.name {
        case "avx512": return features & UInt32(NAMEGEN_CPU_AVX512) != 0
        case "avx2", "avx512-layout": return features & UInt32(NAMEGEN_CPU_AVX2) != 0
        default: return true
        }
    }

    /// The set that `value` (NAMEGEN_KERNELS) asks for: nil or empty means the widest supported.
    /// Throws a usage error for an unknown name or a set the CPU cannot run.
    public static func set(named value: String?) throws -> any KernelSet.Type {
        guard let value, !value.isEmpty else { return supported[0] }
        let names = all.map { $0.name }
        guard let set = all.first(where: { $0.name == value.lowercased() }) else {
            throw NameGenError(.usage, "\(environmentKey)='\(value)' is not a kernel set.",
                               hint: "Use one of: \(names.joined(separator: ", ")), or unset it.")
        }
        guard canRun(set) else {
            throw NameGenError(.usage, "\(environmentKey)=\(set.name) asks for kernels this CPU cannot run"
                               + " (\(cpuName.isEmpty ? "this CPU" : cpuName) lacks them, or the OS does not save their registers).",
                               hint: "Use one of: \(supported.map { $0.name }.joined(separator: ", ")), or unset it.")
        }
        return set
    }

    /// The process's choice, made on first use from the environment.
    static let selection: Result<Choice, NameGenError> = {
        let value = ProcessInfo.processInfo.environment[environmentKey]
        do { return .success(Choice(set: try set(named: value))) } catch let error as NameGenError { return .failure(error) }
        catch { return .failure(NameGenError(.usage, "\(error)")) }
    }()

    /// Throws the error of a bad NAMEGEN_KERNELS; the CLI calls it before anything else.
    public static func checkEnvironment() throws {
        _ = try selection.get()
    }

    /// Holds a set for a task-local override.
    public struct Choice: @unchecked Sendable {
        public let set: any KernelSet.Type
    }

    /// Whether `withKernels` has ever been called (then `scoped` must be read).
    private static let overridden = Atomic<Bool>(false)

    /// A scoped override of the process's set (see `withKernels`).
    @TaskLocal static var scoped: Choice?

    /// The set in use: a scoped override, else the process's choice (with a bad NAMEGEN_KERNELS,
    /// which the CLI reports before it gets here, the widest supported set).
    public static var active: any KernelSet.Type {
        // Reading a task-local costs a runtime call; skip it until an override has been made.
        if overridden.load(ordering: .relaxed), let choice = scoped { return choice.set }
        switch selection {
        case .success(let choice): return choice.set
        case .failure: return supported[0]
        }
    }

    /// Runs `body` with `set` as the active kernel set on this thread (tests compare the sets in
    /// one process this way). Worker threads follow: a product's set is fixed when it starts.
    public static func withKernels<R>(_ set: any KernelSet.Type, _ body: () throws -> R) rethrows -> R {
        overridden.store(true, ordering: .relaxed)
        return try $scoped.withValue(Choice(set: set), operation: body)
    }

    /// The CPU's brand string ("" where the CPU does not report one).
    public static let cpuName: String = {
        var brand = [CChar](repeating: 0, count: 49)
        namegen_cpu_brand(&brand)
        let bytes = brand.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).trimming(.whitespaces)
    }()
}
