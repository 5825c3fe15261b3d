#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import CPUFeatures
import KernelSupport
import KernelsFlagFree

/// Chooses the kernel set once per process: the widest registered one this CPU and OS can run,
/// or the one named by `NAMEGEN_KERNELS` (avx512, avx2 or portable). Detection reads the CPUID
/// feature bits and, through XGETBV, whether the OS saves the ymm/zmm registers (Kernels/CPUID).
///
/// The library itself links only `KernelsFlagFree`, the portable set built without any flag, so
/// that a package that depends on NameGen by version may build it (SwiftPM refuses unsafe flags
/// there). The executables and the tests register the dispatched sets (AVX-512, AVX2, portable
/// optimised in debug builds too) with `register` before any kernel runs
/// (`DispatchedKernels.register()`, Sources/NameGen/Kernels/Dispatched).
package enum KernelDispatch {
    /// The sets to choose from, widest first: the flag-free portable set until `register`.
    nonisolated(unsafe) private static var registered: [any KernelSet.Type] = [KernelsFlagFree.Kernels.self]
    private static let registration = Lock()
    /// Set when `selection` is made: from then on the registered sets are fixed.
    private static let chosen = Atomic<Bool>(false)

    /// Makes `sets` (widest first, the portable set last) the ones to choose from. Call it at
    /// start-up, before anything computes: once a set has been chosen, only the same list may
    /// be registered again (the tests register in every test class).
    package static func register(_ sets: [any KernelSet.Type]) {
        precondition(!sets.isEmpty)
        registration.withLock {
            let same = sets.map(ObjectIdentifier.init) == registered.map(ObjectIdentifier.init)
            precondition(same || !chosen.load(ordering: .relaxed),
                         "kernel sets registered after a set was chosen (\(registered.map { $0.name }))")
            registered = sets
        }
    }

    /// Every registered set, widest first.
    package static var all: [any KernelSet.Type] { registration.withLock { registered } }

    /// The environment variable that forces a set.
    package static let environmentKey = "NAMEGEN_KERNELS"

    /// The sets this CPU can run, widest first (portable always).
    package static var supported: [any KernelSet.Type] { all.filter(canRun) }

    /// Whether this CPU and OS can run `set`.
    package static func canRun(_ set: any KernelSet.Type) -> Bool {
        let features = namegen_cpu_features()
        switch set.name {
        case "avx512": return features & UInt32(NAMEGEN_CPU_AVX512) != 0
        case "avx2", "avx512-layout": return features & UInt32(NAMEGEN_CPU_AVX2) != 0
        default: return true
        }
    }

    /// The set that `value` (NAMEGEN_KERNELS) asks for: nil or empty means the widest supported.
    /// Throws a usage error for an unknown name or a set the CPU cannot run.
    package static func set(named value: String?) throws -> any KernelSet.Type {
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
        chosen.store(true, ordering: .relaxed)
        let value = ProcessInfo.processInfo.environment[environmentKey]
        do { return .success(Choice(set: try set(named: value))) } catch let error as NameGenError { return .failure(error) }
        catch { return .failure(NameGenError(.usage, "\(error)")) }
    }()

    /// The widest supported set, used when NAMEGEN_KERNELS is bad.
    private static let fallback = Choice(set: supported[0])

    /// Throws the error of a bad NAMEGEN_KERNELS; the CLI calls it before anything else.
    package static func checkEnvironment() throws {
        _ = try selection.get()
    }

    /// Holds a set for a task-local override.
    package struct Choice: @unchecked Sendable {
        package let set: any KernelSet.Type
    }

    /// Whether `withKernels` has ever been called (then `scoped` must be read).
    private static let overridden = Atomic<Bool>(false)

    /// A scoped override of the process's set (see `withKernels`).
    @TaskLocal static var scoped: Choice?

    /// The set in use: a scoped override, else the process's choice (with a bad NAMEGEN_KERNELS,
    /// which the CLI reports before it gets here, the widest supported set).
    package static var active: any KernelSet.Type {
        // Reading a task-local costs a runtime call; skip it until an override has been made.
        if overridden.load(ordering: .relaxed), let choice = scoped { return choice.set }
        switch selection {
        case .success(let choice): return choice.set
        case .failure: return fallback.set
        }
    }

    /// Runs `body` with `set` as the active kernel set on this thread (tests compare the sets in
    /// one process this way). Worker threads follow: a product's set is fixed when it starts.
    package static func withKernels<R>(_ set: any KernelSet.Type, _ body: () throws -> R) rethrows -> R {
        overridden.store(true, ordering: .relaxed)
        return try $scoped.withValue(Choice(set: set), operation: body)
    }

    /// The CPU's brand string ("" where the CPU does not report one).
    package static let cpuName: String = {
        var brand = [CChar](repeating: 0, count: 49)
        namegen_cpu_brand(&brand)
        let bytes = brand.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).trimming(.whitespaces)
    }()
}
