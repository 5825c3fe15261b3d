// namegen-bench: speed of the matmul core, of training and of sampling (release build:
// `make bench`; `namegen-bench --help` lists the options).
//
// Example: make bench ARGS="--only matmul --threads 1 --json"
import DispatchedKernels
import Foundation
import NameGen

DispatchedKernels.register()

enum Part: String, CaseIterable, Sendable { case peak, matmul, train, sample, data, transformer }
let onlyOption = Option<Part>(["--only"], value: "part", help: "Run only one part.", default: nil)
let threadsOption = Option<Int>(["--threads"], help: "Worker threads (train: both 1 and 2 unless given).", range: 1...256,
                                default: nil, defaultText: "number of cores")
let jsonFlag = Flag(["--json"], help: "One JSON object per line instead of tables.")
let noTrainingFlag = Flag(["--no-training"], help: "Skip the \"training shapes\" section of the matmul bench.")
let shapeOption = Option<String>(["--shape"], value: "M,K,N", help: "Time only this product (M×K by K×N), in the three forms.",
                                 default: nil, allowsEmpty: true)
let dataOption = Option<String>(["--data"], value: "file", help: "data: the names file to read (make one with 'make big-names').",
                                default: "names.txt", allowsEmpty: false)
let roundsOption = Option<Int>(["--rounds"], help: "data: rounds, each alternating with wc -l.", range: 1...100, default: 5)
let helpFlag = Flag(["-h", "--help"], help: "Show help information.")

let spec = CommandSpec(
    name: "", abstract: "Times namegen's matmul core, mlp training and sampling.",
    discussion: "Matmul figures are medians of five runs, timed as Sources/namegen-bench/compare_numpy.py times numpy; "
        + "`make bench-numpy` runs the two side by side. NAMEGEN_KERNELS=avx512|avx2|portable forces a kernel set.",
    options: [onlyOption.spec, threadsOption.spec, jsonFlag.spec, noTrainingFlag.spec, shapeOption.spec, dataOption.spec,
              roundsOption.spec])

/// The parsed options, or exit 64 with a usage error (0 after --help).
func parseOptions() -> (only: String?, threads: Int?, json: Bool, training: Bool, shape: (Int, Int, Int)?,
                        data: String, rounds: Int) {
    do {
        let options = try ParsedArguments(Array(CommandLine.arguments.dropFirst()), command: spec)
        if options.flag(helpFlag) {
            print(HelpText.help(spec, tool: "namegen-bench"), terminator: "")
            exit(0)
        }
        var shape: (Int, Int, Int)?
        if let text = try options.given(shapeOption) {
            let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard sizes.count == 3, let m = sizes[0], let k = sizes[1], let n = sizes[2],
                  [m, k, n].allSatisfy({ (1...4096).contains($0) }) else {
                throw NameGenError(.usage, "The value '\(text)' is invalid for '--shape <M,K,N>': expected three whole numbers from 1 to 4096, as in 32,200,200.")
            }
            shape = (m, k, n)
        }
        return (try options.given(onlyOption)?.rawValue, try options.given(threadsOption), options.flag(jsonFlag),
                !options.flag(noTrainingFlag), shape, try options.value(dataOption),
                try options.value(roundsOption))
    } catch let error as NameGenError {
        FileHandle.standardError.write(Data(HelpText.usageError(error, command: spec, tool: "namegen-bench").utf8))
        exit(error.exitCode)
    } catch {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        exit(64)
    }
}

let options = parseOptions()
let json = options.json, only = options.only
let threads = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
do {
    try KernelDispatch.checkEnvironment()
} catch let error as NameGenError {
    FileHandle.standardError.write(Data("Error: \(error.message)\(error.hint.map { " " + $0 } ?? "")\n".utf8))
    exit(error.exitCode)
}
let kernels = KernelDispatch.active.name
let cpu = KernelDispatch.cpuName
if json {
    print("{\"bench\":\"system\",\"kernels\":\"\(kernels)\",\"cpu\":\"\(cpu)\",\"cores\":\(ProcessInfo.processInfo.activeProcessorCount)}")
} else {
    print("CPU: \(cpu.isEmpty ? "unknown" : cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores; kernel set: \(kernels)"
          + " (supported: \(KernelDispatch.supported.map { $0.name }.joined(separator: ", ")))\n")
}

if only == nil || only == "peak" {
    peakBench(json: json, threads: threads)
}

if only == "data" {
    do {
        try dataBench(path: options.data, rounds: options.rounds, json: json)
    } catch let error as NameGenError {
        FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
        exit(error.exitCode)
    }
    exit(0)
}
if only == nil || only == "matmul" {
    Matmul.$maxThreads.withValue(threads) {
        MatmulBench.run(json: json, threads: threads, training: options.training, only: options.shape)
    }
}
do {
    if only == nil || only == "train" {
        let dataset = try Dataset(names: try NameFile.read("names.txt"), split: SplitConfig())
        let threadCounts = options.threads.map { [$0] } ?? [1, 2]
        trainingBench(dataset: dataset, json: json, threads: threadCounts, batchSizes: [32], steps: 3000)
        trainingBench(dataset: dataset, json: json, threads: threadCounts, batchSizes: [256], steps: 600)
    }
    if only == nil || only == "transformer" {
        let dataset = try Dataset(names: try NameFile.read("names.txt"), split: SplitConfig())
        transformerTrainingBench(dataset: dataset, json: json, threads: options.threads.map { [$0] } ?? [1, 2], steps: 1000)
    }
    if only == nil || only == "sample" {
        let (bigram, dataset) = try benchBigram()
        Matmul.$maxThreads.withValue(threads) {
            samplingBench(models: [("bigram", bigram), ("mlp", benchMLP(dataset)), ("transformer", benchTransformer(dataset))],
                          vocabulary: dataset.vocabulary, json: json)
        }
    }
} catch let error as NameGenError {
    // The training and sampling benches read names.txt from the working directory.
    FileHandle.standardError.write(Data("Error: \(error.message) Run namegen-bench from the repository root.\n".utf8))
    exit(error.exitCode)
}
