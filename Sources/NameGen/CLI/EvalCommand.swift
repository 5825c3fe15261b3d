import Foundation

/// `namegen eval`: the loss of a trained model on the split it was trained with.
enum EvalCommand: Subcommand {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "Report a model's loss on a data split.",
        discussion: "Re-reads the data file named in the checkpoint, rebuilds the same train/val/test split and prints the mean negative log-likelihood per character (nats, end-of-name included), the perplexity and the bits per character.",
        options: [
            OptionSpec(["--split"], value: "split", help: "Split to evaluate.", choices: SplitName.allCases.map(\.rawValue) + ["all"], default: "val"),
            OptionSpec(["--checkpoint"], value: "path", help: "Checkpoint to read.", default: Checkpoint.defaultPath),
            OptionSpec(["--data"], value: "file", help: "Names file.", default: "the file the model was trained on"),
            OptionSpec(["--json"], help: "Print one JSON object instead of a table."),
        ])

    static func run(_ a: ParsedArguments, console: Console) throws {
        let which = a.string("--split") ?? "val"
        let checkpoint = try Checkpoint.read(from: a.string("--checkpoint") ?? Checkpoint.defaultPath)
        let model = try ModelLoader.load(checkpoint)
        let source = try DataSource.forCheckpoint(checkpoint, override: a.string("--data"), console: console)
        let dataset = try source.dataset(for: checkpoint)
        let splits = which == "all" ? SplitName.allCases : [SplitName(rawValue: which)!]

        var rows: [(split: String, names: Int, nll: Double)] = []
        for name in splits {
            let windows = dataset.windows(name, blockSize: model.blockSize)
            guard windows.count > 0 else {
                throw NameGenError(.data, "The \(name.rawValue) split is empty.", hint: "Train with a larger --val-fraction or a larger file.")
            }
            rows.append((name.rawValue, dataset.names(name).count, Evaluation.meanNLL(model: model, windows: windows)))
        }
        let trainSet = Set(dataset.train)
        let overlap = splits.filter { $0 != .train }.map { name in
            (name, dataset.names(name).filter { trainSet.contains($0) }.count, dataset.names(name).count)
        }

        if a.flag("--json") {
            var splitsJSON: [String: Any] = [:]
            for r in rows {
                splitsJSON[r.split] = ["names": r.names, "nll": r.nll, "perplexity": exp(r.nll), "bits_per_char": r.nll / log(2.0)]
            }
            var object: [String: Any] = ["model": checkpoint.model.rawValue, "checkpoint": a.string("--checkpoint") ?? Checkpoint.defaultPath,
                                         "data": source.path, "splits": splitsJSON]
            object["names_also_in_train"] = Dictionary(uniqueKeysWithValues: overlap.map { ($0.0.rawValue, $0.1) })
            console.out(Checkpoint.json(object) + "\n")
        } else {
            console.out(LossTable.render(rows: rows))
            for (name, shared, total) in overlap {
                console.out(String(format: "%@ names also in train: %d of %d (%.1f%%)\n", name.rawValue, shared, total,
                                   total > 0 ? 100 * Double(shared) / Double(total) : 0))
            }
        }
    }
}
