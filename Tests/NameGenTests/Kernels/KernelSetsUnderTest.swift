import KernelSupport
import KernelsAVX512Layout
import XCTest
@testable import NameGen

/// The kernel sets that the tests run on this machine: every set the CPU can run, plus the
/// AVX-512 set's tile and packing logic compiled for AVX2 (KernelsAVX512Layout) where AVX2 runs,
/// so that a machine without AVX-512 still tests that logic.
enum KernelSetsUnderTest {
    nonisolated(unsafe) static let sets: [any KernelSet.Type] = {
        let layout: [any KernelSet.Type] = KernelDispatch.canRun(KernelsAVX512Layout.Kernels.self)
            ? [KernelsAVX512Layout.Kernels.self] : []
        let sets = KernelDispatch.supported + layout
        let missing = KernelDispatch.all.filter { !KernelDispatch.canRun($0) }.map { $0.name }
        print("Kernel sets tested natively on this CPU (\(KernelDispatch.cpuName)): "
              + sets.map { $0.name }.joined(separator: ", ")
              + (missing.isEmpty ? "" : "; not runnable here, so not tested: " + missing.joined(separator: ", ")))
        return sets
    }()

    /// Whether `set` computes a·b + c with one rounding: every set but portable on x86-64,
    /// whose baseline has no FMA. These must all give the same bits.
    static func fuses(_ set: any KernelSet.Type) -> Bool {
        #if arch(x86_64)
        return set.name != "portable"
        #else
        return true
        #endif
    }

    /// Runs `body` once under each set, with the set active.
    static func forEach(_ body: (any KernelSet.Type) throws -> Void) rethrows {
        for set in sets {
            try KernelDispatch.withKernels(set) { try body(set) }
        }
    }
}
