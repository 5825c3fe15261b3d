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

/// `namegen eval`: the loss of a trained model on the split it was trained with.
enum EvalCommand: Subcommand {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "Report a model's loss on a data split.",
        discussion: "Re-reads the data file named in the checkpoint, rebuilds the same train/val/test split and prints the mean negative log-likelihood per character (nats, end-of-name included), the perplexity and the bits per character. For a model trained on labelled data, each name is scored under its own category, and the classification accuracy of each split follows (with --json also per category, and the confusion counts).",
        options: [split.spec, checkpoint.spec, data.spec, json.spec])

    static let split = Option<String>(["--split"], value: "split", help: "Split to evaluate.",
                                      choices: SplitName.allCases.map(\.rawValue) + ["all"], default: "val")
    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Checkpoint to read.", default: Checkpoint.defaultPath,
                                           allowsEmpty: true)
    static let data = Option<String>(["--data"], value: "file", help: "Names file.", default: nil,
                                     defaultText: "the file the model was trained on", allowsEmpty: true)
    static let json = Flag(["--json"], help: "Print one JSON object instead of a table.")

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        let which = try a.value(split)
        let path = try a.value(checkpoint)
        let checkpoint = try Checkpoint.read(from: path)
        let (setup, model) = try ModelRegistry.load(checkpoint)
        let source = try DataSource.forCheckpoint(checkpoint, override: try a.given(data), console: console, stop: stop)
        let dataset = try source.dataset(for: checkpoint)
        let splits = which == "all" ? SplitName.allCases : [SplitName(rawValue: which)!]

        // Always exact, on every core: one copy of the model per thread.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let report: LossReport?
        var classification: ClassificationReport?
        if checkpoint.categories.isEmpty {
            let progress = WorkProgress(console: console, label: "evaluating", unit: .examples)
            report = try LossReport.evaluate(model, copy: { try setup.load(from: checkpoint) }, threads: threads,
                                             layout: setup.recipe?.layout ?? .windows, on: dataset, splits: splits,
                                             progress: { progress.update($1, of: $2) }, stop: { stop.isRequested })
            progress.finish()
        } else {
            // Labelled: every name under every category gives its loss and its classification.
            let scorer = try NameScorer(setup: setup, first: model, checkpoint: checkpoint, threads: threads)
            let progress = WorkProgress(console: console, label: "evaluating", unit: .names)
            classification = ClassificationReport.evaluate(scorer, dataset: dataset, prior: checkpoint.categories.prior,
                                                           splits: splits, progress: { progress.update($0, of: $1) },
                                                           stop: { stop.isRequested })
            progress.finish()
            report = classification.map { LossReport(rows: $0.rows.map { LossReport.Row(split: $0.split, names: $0.names, loss: $0.loss) }) }
        }
        guard let report else {
            throw stop.interrupted("\(stop.signalName) during the evaluation.")
        }
        let categoryNames = checkpoint.categories.map(\.name)
        let trainNames = dataset.lookup([.train])
        let overlap = splits.filter { $0 != .train }.map { name in
            (name, dataset.indices(name).filter { trainNames.contains(nameAt: Int($0)) }.count, dataset.count(name))
        }

        if a.flag(json) {
            var splitsJSON: [String: JSON] = [:]
            for r in report.rows {
                // An empty split has no loss: null.
                splitsJSON[r.split.rawValue] = r.loss.map { l in
                    ["names": .int(r.names), "nll": .real(l.mean), "perplexity": .real(exp(l.mean)), "bits_per_char": .real(l.mean / log(2.0))]
                } ?? .null
            }
            if let classification {
                for r in classification.rows {
                    guard var entry = splitsJSON[r.split.rawValue]?.object, let accuracy = r.accuracy else { continue }
                    entry["accuracy"] = .real(accuracy)
                    entry["per_category"] = .object(Dictionary(categoryNames.enumerated().map { c, name in
                        let n = r.confusion[c].reduce(0, +)
                        return (name, ["names": .int(n), "accuracy": n > 0 ? .real(Double(r.confusion[c][c]) / Double(n)) : .null] as JSON)
                    }, uniquingKeysWith: { $1 }))
                    entry["confusion"] = ["categories": .array(categoryNames.map { .string($0) }),
                                          "counts": .array(r.confusion.map { .array($0.map { .int($0) }) })]
                    splitsJSON[r.split.rawValue] = .object(entry)
                }
            }
            var object: [String: JSON] = ["model": .string(checkpoint.model), "checkpoint": .string(path),
                                          "data": .string(source.path), "splits": .object(splitsJSON)]
            object["names_also_in_train"] = .object(Dictionary(overlap.map { ($0.0.rawValue, .int($0.1)) }, uniquingKeysWith: { $1 }))
            console.out(JSON.object(object).text() + "\n")
        } else {
            console.out(report.table)
            for r in classification?.rows ?? [] {
                if let accuracy = r.accuracy {
                    console.out("\(r.split.rawValue) accuracy: \(Format.fixed(100 * accuracy, 2))% "
                                + "(\(r.correct) of \(r.names) names classified as their category)\n")
                }
            }
            for (name, shared, total) in overlap {
                let percent = Format.fixed(total > 0 ? 100 * Double(shared) / Double(total) : 0, 1)
                console.out("\(name.rawValue) names also in train: \(shared) of \(total) (\(percent)%)\n")
            }
        }
    }
}
