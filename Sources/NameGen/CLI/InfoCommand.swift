import Foundation

/// `namegen info`: what a checkpoint holds.
enum InfoCommand: Subcommand {
    static let spec = CommandSpec(
        name: "info",
        abstract: "Describe a trained model.",
        discussion: "Prints the model kind, hyperparameters, parameter count per tensor and in total, the vocabulary, the data file and its hash, the steps trained and the losses.",
        options: [
            OptionSpec(["--checkpoint"], value: "path", help: "Checkpoint to read.", default: Checkpoint.defaultPath),
        ])

    static func run(_ a: ParsedArguments, console: Console) throws {
        let path = a.string("--checkpoint") ?? Checkpoint.defaultPath
        let c = try Checkpoint.read(from: path)
        let model = try ModelLoader.load(c)  // validates every tensor, so a damaged file is reported here too
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        func row(_ key: String, _ value: String) -> String { key.padding(toLength: 14, withPad: " ", startingAt: 0) + value + "\n" }
        var out = row("model", c.model.rawValue)
        out += row("checkpoint", "\(path) (\(size) bytes, format \(Checkpoint.formatVersion))")
        out += row("data", "\(c.dataFile) (\(c.dataNames) names, sha256 \(c.dataSHA256))")
        out += row("split", String(format: "seed %llu, train %.2f / val %.2f / test %.2f%@", c.split.seed, c.split.trainFraction,
                                   c.split.valFraction, c.split.testFraction, c.dedupe ? ", duplicates dropped" : ""))
        out += row("vocabulary", "\(c.vocabulary.size) tokens: · " + c.vocabulary.characters.map { String($0) }.joined(separator: " "))
        out += "hyperparameters\n"
        for key in c.hyperparameters.keys.sorted() { out += row("  " + key, c.hyperparameters[key]!) }
        // The model's own tensors: weights, and running statistics (state, not counted as parameters).
        let modelTensors = model.namedTensors()
        out += row("parameters", "\(model.parameterCount)")
        for name in modelTensors.keys.sorted() {
            let t = modelTensors[name]!
            out += "  " + name.padding(toLength: 34, withPad: " ", startingAt: 0)
                + t.shape.map(String.init).joined(separator: "×").padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: "%9d%@\n", t.elementCount, name.hasSuffix("running_mean") || name.hasSuffix("running_var") ? "  (state)" : "")
        }
        out += "training\n"
        // The generator state and optimizer step count are for --resume, not for reading.
        let shown = c.training.keys.filter { $0 != "rng_state" && $0 != "optimizer_steps" }.sorted()
        let width = (shown.map(\.count).max() ?? 0) + 4
        for key in shown { out += ("  " + key).padding(toLength: width, withPad: " ", startingAt: 0) + c.training[key]! + "\n" }
        if c.model != .bigram {
            // The best val loss: the one kept by --eval-every, else the final model's.
            if let best = c.training["best_val_loss"] ?? c.training["val_loss"] {
                out += ("  best val loss").padding(toLength: width, withPad: " ", startingAt: 0)
                    + best + (c.training["best_step"].map { " (step \($0))" } ?? " (the final model)") + "\n"
            }
            out += ("  resumable").padding(toLength: width, withPad: " ", startingAt: 0)
                + (c.training["rng_state"] != nil ? "yes (namegen train --resume)" : "no") + "\n"
        }
        console.out(out)
    }
}
