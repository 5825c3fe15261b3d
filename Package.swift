// swift-tools-version:6.0
import PackageDescription

// The matmul core needs AVX2 + FMA code generation: without a target CPU, Swift targets baseline
// x86-64 (SSE2) and `addingProduct` becomes a call to `fmaf` per element (about 100x slower).
// x86-64-v3 is the AVX2/FMA/BMI2 level that every machine we build on has. arm64 needs no flag.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]
#else
let cpuFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "namegen",
    products: [
        .executable(name: "namegen", targets: ["namegen"]),
        .library(name: "NameGen", targets: ["NameGen"]),
    ],
    dependencies: [],
    targets: [
        // NAMEGEN_PREFETCH: the matmul's C-tile prefetch (see MatmulMicroKernel.swift), release only.
        .target(name: "NameGen", swiftSettings: cpuFlags + [.define("NAMEGEN_PREFETCH", .when(configuration: .release))]),
        .executableTarget(name: "namegen", dependencies: ["NameGen"], swiftSettings: cpuFlags),
        .executableTarget(name: "namegen-bench", dependencies: ["NameGen"], exclude: ["compare_numpy.py", "transformer_common.py", "transformer_eval.py", "torch_transformer.py"],
                          swiftSettings: cpuFlags),
        .testTarget(name: "NameGenTests", dependencies: ["NameGen"], swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v5]
)
