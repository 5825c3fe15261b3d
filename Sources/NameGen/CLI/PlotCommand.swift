#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `namegen plot`: SVG figures of a model and its training run.
enum PlotCommand: Subcommand {
    static let spec = CommandSpec(
        name: "plot",
        abstract: "Draw SVG plots of a model and its training.",
        discussion: "Writes loss.svg (train and val loss from the training log)"
            + ModelRegistry.figureHelp.map { ", " + $0 }.joined().replacingLastComma(with: " and")
            + ", whichever apply, and prints their paths.",
        options: [checkpoint.spec, log.spec, out.spec])

    static let checkpoint = Option<String>(["--checkpoint"], value: "path", help: "Checkpoint to read.",
                                           default: Checkpoint.defaultPath, allowsEmpty: true)
    static let log = Option<String>(["--log"], value: "file", help: "CSV training log.", default: nil,
                                    defaultText: "the checkpoint path with .csv")
    static let out = Option<String>(["--out"], value: "dir", help: "Directory for the SVG files.", default: nil,
                                    defaultText: "the checkpoint's directory")

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        let path = try a.value(checkpoint)
        let checkpoint = try Checkpoint.read(from: path)
        // Loading validates every tensor, as info/eval/sample do: a damaged file is exit 66 here too.
        let (setup, model) = try ModelRegistry.load(checkpoint)
        let outDir = try a.given(out) ?? (path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : ".")
        let logPath = try a.given(log) ?? RunPaths.defaultLog(for: path)
        // The folder is shown to be writable before anything is drawn.
        try RunPaths.checkWritable(outDir + "/loss.svg", option: "--out")
        var written: [String] = []
        func save(_ name: String, _ svg: String) throws {
            let file = outDir + "/" + name
            do {
                try AtomicFile.write(Array(svg.utf8), to: file)
            } catch var error as NameGenError {
                error.hint = "Pass --out DIR, a writable directory, or free some disk space."
                throw error
            }
            written.append(file)
        }
        let labels = (0..<checkpoint.vocabulary.size).map { checkpoint.vocabulary.display($0) }

        if FileManager.default.fileExists(atPath: logPath) {
            guard RunPaths.isRegularFile(logPath) else {
                throw NameGenError(.data, "--log '\(logPath)' is not a regular file.", hint: "Pass the CSV that 'namegen train' wrote.")
            }
            // A log that ends at another step than the checkpoint was written by another run.
            if checkpoint.run.optimization != nil, let last = TrainingLog.lastStep(logPath), last != checkpoint.run.step {
                console.warn("the log '\(logPath)' ends at step \(last) but the checkpoint is at step \(checkpoint.run.step): they come from different runs.")
            }
            let series = try TrainingLog.read(logPath)
            try save("loss.svg", Charts.lossCurves(series, title: "\(checkpoint.model): loss during training"))
        } else if try a.given(log) != nil {
            throw NameGenError(.data, "No training log at '\(logPath)'.")
        }
        for (file, svg) in setup.plots(model, labels: labels) { try save(file, svg) }
        guard !written.isEmpty else {
            throw NameGenError(.data, "Nothing to plot for this \(checkpoint.model) model: no training log at '\(logPath)'.",
                               hint: "Pass --log FILE, the CSV that 'namegen train --log' wrote.")
        }
        console.out(written.map { $0 + "\n" }.joined())
    }
}

extension String {
    /// "a, b, c" → "a, b and c": the last ", " becomes `word` + " ".
    func replacingLastComma(with word: String) -> String {
        var i = endIndex
        while i > startIndex {
            formIndex(before: &i)
            if self[i...].hasPrefix(", ") { return String(self[..<i]) + word + " " + String(self[index(i, offsetBy: 2)...]) }
        }
        return self
    }
}
