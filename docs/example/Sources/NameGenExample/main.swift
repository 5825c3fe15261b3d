import NameGen

// The checkpoint `make run` writes (run from the repository root), or the path given.
let path = CommandLine.arguments.dropFirst().first ?? "checkpoints/model.safetensors"
let generator = try NameGenerator(contentsOf: path)
print("\(generator.model) model, kernel set \(NameGenerator.kernelSet)")

var options = GenerationOptions(seed: 1)
options.temperature = 0.8
print(try generator.sample(10, options: options).joined(separator: " "))

for score in try generator.score(["emma", "zyxw", "olivia"]) {
    print(score.name, score.logProbability ?? .nan, score.perplexity ?? .nan)
}
