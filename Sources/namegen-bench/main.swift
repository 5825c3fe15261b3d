import NameGen

// Placeholder dispatcher; the matmul benchmark lands with the kernel work.
let json = CommandLine.arguments.contains("--json")
let (bigram, dataset) = try benchBigram()
samplingBench(models: [bigram], vocabulary: dataset.vocabulary, json: json)
