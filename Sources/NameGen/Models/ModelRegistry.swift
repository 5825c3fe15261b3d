/// The model families namegen knows, in the order help lists them. A new model is one file in
/// Models/ (its `ModelFamily` conformance) and one line here.
package enum ModelRegistry {
    package static let families: [ModelEntry] = [
        ModelEntry(BigramModel.self),
        ModelEntry(OneHotModel.self),
        ModelEntry(MLPModel.self),
        ModelEntry(HierarchicalModel.self),
        ModelEntry(TransformerModel.self),
        ModelEntry(RNNModel.self),
        ModelEntry(GRUModel.self),
        ModelEntry(LSTMModel.self),
        ModelEntry(BowModel.self),
    ]

    /// `train`'s model when --model is not given.
    package static let defaultName = MLPModel.name

    package static var names: [String] { families.map { $0.name } }

    package static func family(named name: String) -> ModelEntry? {
        families.first { $0.name == name }
    }

    /// The default family first, then the others in registry order: how help lists per-model defaults.
    static var helpOrder: [ModelEntry] {
        families.filter { $0.name == defaultName } + families.filter { $0.name != defaultName }
    }

    /// Every family's options merged by flag, in registry order: one help row per flag, its
    /// help prefixed with the families that read it ("mlp: characters of context."), and its
    /// default per family when they differ ("default: mlp 10, hierarchical 24").
    static var mergedOptions: [(option: AnyOption, families: [String])] {
        var merged: [(option: AnyOption, families: [String], defaults: [String?])] = []
        for family in families {
            for option in family.options {
                if let i = merged.firstIndex(where: { $0.option.spec.key == option.spec.key }) {
                    merged[i].families.append(family.name)
                    merged[i].defaults.append(option.spec.defaultText)
                } else {
                    merged.append((option, [family.name], [option.spec.defaultText]))
                }
            }
        }
        return merged.map { entry in
            var spec = entry.option.spec
            spec.help = entry.families.joined(separator: ", ") + ": " + spec.help
            let distinct = Set(entry.defaults.compactMap { $0 })
            if distinct.count > 1 {
                spec.defaultText = zip(entry.families, entry.defaults).compactMap { name, d in d.map { "\(name) \($0)" } }
                    .joined(separator: ", ")
            }
            return (AnyOption(spec: spec, check: entry.option.check), entry.families)
        }
    }

    /// `plot`'s figures beyond the loss curves, one per file, naming the families that draw it:
    /// "embeddings.svg (mlp: the character embeddings, …)", in help order.
    static var figureHelp: [String] {
        var files: [(file: String, shows: String, families: [String])] = []
        for family in helpOrder {
            for (file, shows) in family.figures {
                if let i = files.firstIndex(where: { $0.file == file }) { files[i].families.append(family.name) }
                else { files.append((file, shows, [family.name])) }
            }
        }
        return files.map { "\($0.file) (\($0.families.joined(separator: ", ")): \($0.shows))" }
    }

    /// The model a checkpoint holds: its family and configuration, decoded and checked, then
    /// its tensors. A damaged file is a checkpoint error (exit 66).
    package static func load(_ checkpoint: Checkpoint) throws -> (setup: ModelSetup, model: LanguageModel) {
        let setup = try checkpoint.setup()
        return (setup, try setup.load(from: checkpoint))
    }
}
