#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `namegen info`: what a checkpoint holds.
enum InfoCommand: Subcommand {
    static let spec = CommandSpec(
        name: "info",
        abstract: "Describe a trained model.",
        discussion: "Prints the model kind, the categories of a model trained on labelled data with their training counts, hyperparameters, parameter count per tensor and in total, the vocabulary, the data file and its hash, the steps trained and the losses.",
        options: [checkpoint.spec])

    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Checkpoint to read.",
                                           default: Checkpoint.defaultPath, allowsEmpty: true)

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        let path = try a.value(checkpoint)
        let c = try Checkpoint.read(from: path)
        let (setup, model) = try ModelRegistry.load(c)  // validates every tensor, so a damaged file is reported here too
        var status = stat()
        let size = stat(path, &status) == 0 ? Int(status.st_size) : 0
        func row(_ key: String, _ value: String) -> String { key.padded(toLength: 14) + value + "\n" }
        var out = row("model", c.model)
        out += row("checkpoint", "\(path) (\(size) bytes, format \(c.format))")
        out += row("data", "\(c.dataFile) (\(c.dataNames) names, sha256 \(c.dataSHA256))")
        out += row("split", "seed \(c.split.seed), train \(Format.fixed(c.split.trainFraction, 2)) / val \(Format.fixed(c.split.valFraction, 2))"
                   + " / test \(Format.fixed(c.split.testFraction, 2))" + (c.dedupe ? ", duplicates dropped" : ""))
        if !c.categories.isEmpty {
            let total = c.categories.reduce(0) { $0 + $1.count }
            out += row("categories", "\(c.categories.count), by training names:")
            let width = max(12, (c.categories.map(\.name.count).max() ?? 0) + 4)
            for cat in c.categories {
                out += "  " + cat.name.padded(toLength: width)
                    + Format.integer(cat.count, width: 9) + "  " + Format.fixed(total > 0 ? 100 * Double(cat.count) / Double(total) : 0, 1, width: 5) + "%\n"
            }
        }
        out += row("vocabulary", "\(c.vocabulary.size) tokens: · " + c.vocabulary.characters.map { String($0) }.joined(separator: " "))
        out += "hyperparameters\n"
        for (key, value) in c.hyperparameterRows { out += row("  " + key, value) }
        // The model's own tensors: weights, and running statistics (state, not counted as parameters).
        let modelTensors = model.namedTensors()
        out += row("parameters", "\(model.parameterCount)")
        for name in modelTensors.keys.sorted() {
            let t = modelTensors[name]!
            out += "  " + name.padded(toLength: 34)
                + t.shape.map(String.init).joined(separator: "×").padded(toLength: 12)
                + Format.integer(t.elementCount, width: 9) + (name.hasSuffix("running_mean") || name.hasSuffix("running_var") ? "  (state)" : "") + "\n"
        }
        out += "training\n"
        let rows = c.run.rows
        let width = max(rows.map(\.name.count).max() ?? 0, "best val loss".count) + 4
        func line(_ key: String, _ value: String) -> String { ("  " + key).padded(toLength: width) + value + "\n" }
        for (key, value) in rows { out += line(key, value) }
        if setup.recipe != nil {
            // The best val loss: the one kept by --eval-every, else the final model's.
            if let best = c.run.best {
                out += line("best val loss", "\(best.valLoss) (step \(best.step))")
            } else if let val = c.run.losses.val {
                out += line("best val loss", Format.fixed(val, 6) + " (the final model)")
            } else {
                // No val loss: the val split is empty (--val-fraction 0), or was never measured.
                out += line("best val loss", "–")
            }
            out += line("resumable", c.run.resume != nil && c.run.optimization != nil ? "yes (namegen train --resume)" : "no")
        }
        console.out(out)
    }
}
