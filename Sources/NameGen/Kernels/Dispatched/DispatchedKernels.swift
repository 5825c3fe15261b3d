import KernelsAVX2
import KernelsAVX512
import KernelsPortable
import NameGen

/// The kernel sets the executables and the tests choose from at run time: AVX-512, AVX2 and
/// portable, each built with its own instruction-set flags (see Package.swift). The NameGen
/// library alone has only the flag-free portable set, which a versioned dependency may build.
package enum DispatchedKernels {
    /// Registers the three sets with `KernelDispatch`, widest first. Call it before anything
    /// computes (first thing in `main`).
    package static func register() {
        KernelDispatch.register([KernelsAVX512.Kernels.self, KernelsAVX2.Kernels.self, KernelsPortable.Kernels.self])
    }
}
