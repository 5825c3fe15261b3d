import Foundation

/// `namegen plot`: SVG figures of a model and its training run.
enum PlotCommand: Subcommand {
    static let spec = CommandSpec(
        name: "plot",
        abstract: "Draw SVG plots of a model and its training.",
        discussion: "Writes loss.svg (train and val loss from the training log), embeddings.svg (mlp: the character embeddings, first two dimensions or a PCA projection) and counts.svg (bigram: the count matrix as a heat map), whichever apply, and prints their paths.",
        options: [
            OptionSpec(["--checkpoint"], value: "path", help: "Checkpoint to read.", default: Checkpoint.defaultPath),
            OptionSpec(["--log"], value: "file", help: "CSV training log.", default: "the checkpoint path with .csv"),
            OptionSpec(["--out"], value: "dir", help: "Directory for the SVG files.", default: "the checkpoint's directory"),
        ])

    static func run(_ a: ParsedArguments, console: Console) throws {
        let path = a.string("--checkpoint") ?? Checkpoint.defaultPath
        let checkpoint = try Checkpoint.read(from: path)
        _ = try ModelLoader.load(checkpoint)  // validates every tensor, as info/eval/sample do: a damaged file is exit 66 here too
        let outDir = a.string("--out") ?? (path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : ".")
        let logPath = a.string("--log") ?? TrainCommand.defaultLogPath(for: path)
        var written: [String] = []
        func save(_ name: String, _ svg: String) throws {
            let file = outDir + "/" + name
            try AtomicFile.write(Array(svg.utf8), to: file)
            written.append(file)
        }
        let labels = (0..<checkpoint.vocabulary.size).map { checkpoint.vocabulary.display($0) }

        if FileManager.default.fileExists(atPath: logPath) {
            let series = try TrainingLogFile.read(logPath)
            try save("loss.svg", Charts.lossCurves(series, title: "\(checkpoint.model.rawValue): loss during training"))
        } else if a.string("--log") != nil {
            throw NameGenError(.data, "No training log at '\(logPath)'.")
        }
        switch checkpoint.model {
        case .bigram:
            let v = checkpoint.vocabulary.size
            let counts = try checkpoint.floats("counts", shape: [v, v])
            try save("counts.svg", Charts.heatMap(Matrix(rows: v, cols: v, data: counts), labels: labels, title: "bigram counts (row: previous, column: next)"))
        case .mlp:
            let v = checkpoint.vocabulary.size
            let e = try checkpoint.intParameter("embed", in: 1...1_000_000)
            let table = try checkpoint.floats("embedding.weight", shape: [v, e])
            let rows = (0..<v).map { r in (0..<e).map { Double(table[r * e + $0]) } }
            let projected = PCA.project(rows)
            let points = (0..<v).map { (x: projected[$0][0], y: projected[$0][1], label: labels[$0]) }
            let axis = e <= 2 ? ("dimension 0", "dimension 1") : ("principal component 1", "principal component 2")
            try save("embeddings.svg", Charts.scatter(points, title: "character embeddings" + (e > 2 ? " (PCA of \(e) dimensions)" : ""),
                                                      xLabel: axis.0, yLabel: axis.1))
        case .onehot:
            break
        }
        guard !written.isEmpty else {
            throw NameGenError(.data, "Nothing to plot for this \(checkpoint.model.rawValue) model: no training log at '\(logPath)'.",
                               hint: "Pass --log FILE, the CSV that 'namegen train --log' wrote.")
        }
        console.out(written.map { $0 + "\n" }.joined())
    }
}

/// Reads the CSV that training writes: `step,train_loss,val_loss,lr`, empty where not measured.
enum TrainingLogFile {
    static func read(_ path: String) throws -> [(name: String, points: [(step: Double, loss: Double)])] {
        let bytes = try NameFile.readBytes(path)
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }),
              let stepColumn = header.firstIndex(of: "step") else {
            throw NameGenError(.data, "'\(path)' is not a namegen training log (no 'step' column).")
        }
        var series: [(name: String, points: [(step: Double, loss: Double)])] = []
        for (column, name) in header.enumerated() where name.hasSuffix("_loss") {
            var points: [(step: Double, loss: Double)] = []
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count > max(column, stepColumn), let step = Double(fields[stepColumn]),
                      let loss = Double(fields[column]), loss.isFinite else { continue }
                points.append((step, loss))
            }
            if !points.isEmpty { series.append((String(name.dropLast(5)), points)) }
        }
        guard !series.isEmpty else { throw NameGenError(.data, "'\(path)' has no loss values to plot.") }
        return series
    }
}
