import Foundation
import XCTest
@testable import NameGen

/// The defaults that README.md and docs/MODELS.md state, checked against the code's declarations
/// (the options' declared defaults and each family's `TrainingRecipe`), so that the documents
/// cannot drift from the tool.
///
/// Each checked table sits between a line starting `<!-- documented-defaults: NAME` and the line
/// `<!-- end documented-defaults -->`. Cells are compared after dropping backticks and the
/// thousands separators of numbers; numbers are compared as numbers ("0.001" = "1e-3").
final class DocumentedDefaultsTests: NameGenTestCase {
    /// The repository root: this file is Tests/NameGenTests/Docs/DocumentedDefaultsTests.swift.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func document(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The body rows of the marked table `name` in `text` (header and separator dropped), each
    /// row its cells, cleaned. Fails when the markers or the table are missing.
    static func table(_ name: String, in text: String, file: String) throws -> [[String]] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("<!-- documented-defaults: \(name)") }) else {
            XCTFail("\(file) has no table marked '<!-- documented-defaults: \(name)'")
            return []
        }
        guard let end = lines[start...].firstIndex(where: { $0.hasPrefix("<!-- end documented-defaults") }) else {
            XCTFail("\(file): the table '\(name)' has no end marker")
            return []
        }
        let rows = lines[(start + 1)..<end].filter { $0.hasPrefix("|") }
        XCTAssertGreaterThan(rows.count, 2, "\(file): the table '\(name)' has no rows")
        return rows.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { clean(String($0)) }
        }
    }

    static func clean(_ cell: String) -> String {
        var s = cell.replacingOccurrences(of: "`", with: "").trimmingCharacters(in: .whitespaces)
        // "50,000" → "50000"; text with commas that is not a number is left alone.
        let plain = s.replacingOccurrences(of: ",", with: "")
        if Double(plain) != nil { s = plain }
        return s
    }

    /// Equal as numbers when both are numbers, else as text.
    static func same(_ documented: String, _ declared: String) -> Bool {
        if let a = Double(documented), let b = Double(declared) { return a == b }
        return documented == declared
    }

    static func format(_ x: Double) -> String { Option<Double>.format(x) }

    // MARK: README.md

    func testReadmeModelTable() throws {
        let rows = try Self.table("models", in: try Self.document("README.md"), file: "README.md")
        XCTAssertEqual(Set(rows.map { $0[0] }), Set(ModelRegistry.names), "README.md's model table must list every model")
        for row in rows {
            guard row.count >= 3, let family = ModelRegistry.family(named: row[0]) else {
                XCTFail("README.md: model table row \(row) names no model")
                continue
            }
            let steps = family.recipe.map { "\($0.steps)" } ?? "–"
            XCTAssertTrue(Self.same(row[2], steps), "README.md says \(family.name) trains \(row[2]) steps by default; the code says \(steps)")
            let parameters = row[1].components(separatedBy: " ")[0]
            let declared = Self.defaultParameterCount(family.name)
            XCTAssertTrue(Self.same(parameters, "\(declared)"),
                          "README.md gives \(family.name) \(row[1]) parameters; the default model at V = 27 has \(declared)")
        }
    }

    func testReadmeOptionTable() throws {
        let rows = try Self.table("options", in: try Self.document("README.md"), file: "README.md")
        for row in rows {
            guard row.count >= 2 else { XCTFail("README.md: option table row \(row) has no default"); continue }
            let words = row[0].split(separator: " ").map(String.init)
            guard words.count == 2, let command = CommandLineTool.command(named: words[0]) else {
                XCTFail("README.md: '\(row[0])' is not '<command> <option>'")
                continue
            }
            guard let option = command.spec.option(named: words[1]) else {
                XCTFail("README.md: '\(words[0])' has no option '\(words[1])'")
                continue
            }
            let declared = option.defaultText ?? "(none)"
            XCTAssertTrue(Self.same(row[1], declared), "README.md says '\(row[0])' defaults to \(row[1]); the code says \(declared)")
        }
        // The two defaults the README's quick start leans on, against the declarations themselves.
        let byOption = Dictionary(rows.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byOption["train --model"], ModelRegistry.defaultName)
        XCTAssertEqual(byOption["sample --count"].flatMap { Int($0) }, SampleCommand.count.defaultValue)
        XCTAssertEqual(byOption["train --checkpoint"], TrainCommand.checkpoint.defaultValue)
    }

    /// The parameters of each model's default configuration at names.txt's vocabulary (27) and,
    /// for the transformer, its block size (16).
    static func defaultParameterCount(_ name: String) -> Int {
        var rng = RandomGenerator(seed: 1)
        switch name {
        case BigramModel.name: return BigramModel(vocabularySize: 27, smoothing: 1).parameterCount
        case OneHotModel.name: return OneHotModel(vocabularySize: 27, rng: &rng).parameterCount
        case MLPModel.name: return MLPModel(config: MLPConfig(), vocabularySize: 27, rng: &rng).parameterCount
        case HierarchicalModel.name: return HierarchicalModel(config: HierarchicalConfig(), vocabularySize: 27, rng: &rng).parameterCount
        case TransformerModel.name: return TransformerModel(config: TransformerConfig(), vocabularySize: 27, rng: &rng).parameterCount
        case BowModel.name: return BowModel(config: BowConfig(), vocabularySize: 27, rng: &rng).parameterCount
        case RNNModel.name: return RNNModel(config: RNNModel.defaults, vocabularySize: 27, rng: &rng).parameterCount
        case GRUModel.name: return GRUModel(config: GRUModel.defaults, vocabularySize: 27, rng: &rng).parameterCount
        case LSTMModel.name: return LSTMModel(config: LSTMModel.defaults, vocabularySize: 27, rng: &rng).parameterCount
        default:
            XCTFail("no default parameter count for '\(name)': add the new model here")
            return -1
        }
    }

    // MARK: docs/MODELS.md

    func testModelRecipeTable() throws {
        let rows = try Self.table("recipes", in: try Self.document("docs/MODELS.md"), file: "docs/MODELS.md")
        XCTAssertEqual(Set(rows.map { $0[0] }), Set(ModelRegistry.names), "docs/MODELS.md's recipe table must list every model")
        for row in rows {
            guard row.count == 8, let family = ModelRegistry.family(named: row[0]) else {
                XCTFail("docs/MODELS.md: recipe row \(row) is not a model and its 7 columns")
                continue
            }
            let name = family.name
            let declared: [String]
            if let r = family.recipe {
                declared = [r.optimizer.rawValue, Self.format(r.learningRate[r.optimizer]!), r.schedule(for: r.optimizer).rawValue,
                             "\(r.steps)", r.fullBatch ? "full" : "\(TrainingOptions.Declared.batchSize.defaultValue!)",
                             Self.format(r.weightDecay)]
            } else {
                declared = Array(repeating: "–", count: 6)
            }
            let columns = ["optimizer", "peak lr", "schedule", "steps", "batch", "weight decay"]
            for (i, column) in columns.enumerated() {
                XCTAssertTrue(Self.same(row[i + 1], declared[i]),
                              "docs/MODELS.md says \(name)'s default \(column) is \(row[i + 1]); the code says \(declared[i])")
            }
            checkModelOptions(row[7], family: family)
        }
    }

    /// "--embed 10; --hidden 200" against the family's declared options: each value must be
    /// the declared default, and every option with a value must be listed.
    func checkModelOptions(_ cell: String, family: ModelEntry) {
        var documented: [String: String] = [:]
        for item in cell.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { XCTFail("docs/MODELS.md: '\(item)' (\(family.name)) is not '--option value'"); continue }
            documented[parts[0]] = Self.clean(parts[1])
        }
        for option in family.options.map(\.spec) where !option.isFlag {
            guard let value = documented.removeValue(forKey: option.key) else {
                XCTFail("docs/MODELS.md does not give \(family.name)'s default for \(option.key)")
                continue
            }
            let declared = option.defaultText ?? "(none)"
            XCTAssertTrue(Self.same(value, declared),
                          "docs/MODELS.md says \(family.name)'s \(option.key) defaults to \(value); the code says \(declared)")
        }
        XCTAssertTrue(documented.isEmpty, "docs/MODELS.md lists options \(documented.keys.sorted()) that \(family.name) does not read")
    }
}
