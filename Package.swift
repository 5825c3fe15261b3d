// swift-tools-version:6.0
import PackageDescription

// Kernel sets chosen at run time. The hot loops (Sources/NameGen/Kernels/Source) are compiled
// three times, as three modules, each with its own instruction-set flags: Swift has no
// per-function target attribute, so one module per set is the only way to get AVX-512 and AVX2
// code from one source. Kernels/AVX512, Kernels/AVX2 and Kernels/Portable are symbolic links to
// Kernels/Source. NameGen (CPUID detection in Kernels/CPUID) picks one set at start-up; it and
// everything else is built without instruction-set flags, so the binary starts on any x86-64.
// Without a flag Swift targets baseline x86-64 (SSE2), where `addingProduct` is a call to
// `fmaf` per lane, so no hot loop may live outside the kernel modules.
//
// The kernel modules are optimised in debug builds too (-O): the tests train models, and
// unoptimised SIMD code is about a hundred times slower.
//
// SwiftPM builds unsafe flags (-march, -O) only in a root package or one depended on by branch,
// revision or path, so the NameGen library product has none: its target links only
// KernelsFlagFree, the portable set again (Kernels/FlagFree, another link to Kernels/Source)
// with no flag at all. The executables and the tests add the dispatched sets through
// DispatchedKernels, which registers them with KernelDispatch at start-up.
#if arch(x86_64)
let avx512Flags = ["-Xcc", "-march=x86-64-v4"]
let avx2Flags = ["-Xcc", "-march=x86-64-v3"]
#else
let avx512Flags: [String] = []
let avx2Flags: [String] = []
#endif

/// A kernel-set module: Kernels/Source compiled with `flags` and the set's define.
func kernelSet(_ name: String, directory: String, define: String, flags: [String]) -> Target {
    .target(name: name, dependencies: ["KernelSupport"], path: "Sources/NameGen/Kernels/\(directory)",
            swiftSettings: [
                .define(define),
                // The C-tile prefetch (see MatmulMicroKernel.swift), release only.
                .define("NAMEGEN_PREFETCH", .when(configuration: .release)),
                .unsafeFlags(flags),
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ])
}

let package = Package(
    name: "namegen",
    products: [
        .executable(name: "namegen", targets: ["namegen"]),
        .library(name: "NameGen", targets: ["NameGen"]),
    ],
    dependencies: [],
    targets: [
        // CPUID and XGETBV (C: Swift has no inline assembly).
        .target(name: "CPUFeatures", path: "Sources/NameGen/Kernels/CPUID"),
        // The interface the sets implement and the types they share with NameGen.
        .target(name: "KernelSupport", path: "Sources/NameGen/Kernels/Support"),
        kernelSet("KernelsAVX512", directory: "AVX512", define: "NAMEGEN_AVX512", flags: avx512Flags),
        kernelSet("KernelsAVX2", directory: "AVX2", define: "NAMEGEN_AVX2", flags: avx2Flags),
        kernelSet("KernelsPortable", directory: "Portable", define: "NAMEGEN_PORTABLE", flags: []),
        // The portable set for the library product: the same code as KernelsPortable in a
        // release build, but unoptimised in a debug one (no -O: that flag is unsafe too).
        .target(name: "KernelsFlagFree", dependencies: ["KernelSupport"], path: "Sources/NameGen/Kernels/FlagFree",
                swiftSettings: [.define("NAMEGEN_PORTABLE"), .define("NAMEGEN_PREFETCH", .when(configuration: .release))]),
        // For the tests only: the AVX-512 set's tile and packing logic compiled for AVX2, so that
        // a machine without AVX-512 still runs it.
        kernelSet("KernelsAVX512Layout", directory: "AVX512Layout", define: "NAMEGEN_AVX512_LAYOUT", flags: avx2Flags),
        .target(name: "NameGen",
                dependencies: ["CPUFeatures", "KernelSupport", "KernelsFlagFree"],
                exclude: ["Kernels/CPUID", "Kernels/Support", "Kernels/Source", "Kernels/AVX512", "Kernels/AVX2",
                          "Kernels/Portable", "Kernels/AVX512Layout", "Kernels/FlagFree", "Kernels/Dispatched"]),
        // The dispatched kernel sets, registered by the executables and the tests.
        .target(name: "DispatchedKernels", dependencies: ["NameGen", "KernelsAVX512", "KernelsAVX2", "KernelsPortable"],
                path: "Sources/NameGen/Kernels/Dispatched"),
        .executableTarget(name: "namegen", dependencies: ["NameGen", "DispatchedKernels"]),
        .executableTarget(name: "namegen-bench", dependencies: ["NameGen", "DispatchedKernels"], exclude: ["compare_numpy.py", "compare_torch.py", "transformer_common.py",
                                                                                       "torch_transformer.py", "compare_torch_transformer.py",
                                                                                       "torch_hierarchical.py", "torch_bow.py",
                                                                                       "compare_torch_zoo.py", "torch_recurrent.py",
                                                                                       "compare_sampling.py"]),
        .testTarget(name: "NameGenTests", dependencies: ["NameGen", "DispatchedKernels", "KernelSupport", "KernelsAVX512Layout",
                                                        "KernelsPortable", "KernelsFlagFree"]),
    ],
    swiftLanguageModes: [.v6]
)
