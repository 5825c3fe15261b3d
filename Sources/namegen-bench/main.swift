// namegen-bench: speed of the matmul core and of sampling (release build: `make bench`).
//
// Flags:
//   --json           one JSON object per line instead of tables
//   --threads N      worker threads for the matmul products (default: number of cores)
//   --only WHAT      run only one part: `matmul`, `train` or `sample`
//   --no-training    skip the extra "training shapes" section of the matmul bench
//   --shape M,K,N    time only this (M, K, N), in the three forms (any shape, not only the table's)
//   --help           print this list
//
// Example: make bench ARGS="--only matmul --threads 1 --json"
import Foundation
import NameGen

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: namegen-bench [--only matmul|train|sample] [--threads N] [--json] [--no-training] [--shape M,K,N]
      --json           one JSON object per line instead of tables
      --threads N      worker threads (default: number of cores; train: both 1 and 2)
      --only WHAT      run only one part: matmul, train or sample
      --no-training    skip the "training shapes" section of the matmul bench
      --shape M,K,N    time only this product, in the three forms
    """)
    exit(0)
}
func value(of flag: String) -> String? {
    guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let json = arguments.contains("--json")
let threads = value(of: "--threads").flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
let only = value(of: "--only")

if only == nil || only == "matmul" {
    let shape = value(of: "--shape").map { $0.split(separator: ",").compactMap { Int($0) } }
        .flatMap { $0.count == 3 ? ($0[0], $0[1], $0[2]) : nil }
    MatmulBench.run(json: json, threads: threads, training: !arguments.contains("--no-training"), only: shape)
}
if only == nil || only == "train" {
    let dataset = try Dataset(names: try NameFile.read("names.txt"), split: SplitConfig())
    let threadCounts = value(of: "--threads").flatMap(Int.init).map { [$0] } ?? [1, 2]
    trainingBench(dataset: dataset, json: json, threads: threadCounts, batchSizes: [32], steps: 3000)
    trainingBench(dataset: dataset, json: json, threads: threadCounts, batchSizes: [256], steps: 600)
}
if only == nil || only == "sample" {
    let (bigram, dataset) = try benchBigram()
    Matmul.maxThreads = threads
    samplingBench(models: [bigram, benchMLP(dataset)], vocabulary: dataset.vocabulary, json: json)
}
