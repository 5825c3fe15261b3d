/// Rebuilds the model a checkpoint holds, whatever its kind.
public enum ModelLoader {
    public static func load(_ checkpoint: Checkpoint) throws -> LanguageModel {
        switch checkpoint.model {
        case .bigram:
            return try BigramModel(checkpoint: checkpoint)
        case .onehot, .mlp:
            throw NameGenError(.checkpoint, "This namegen cannot load \(checkpoint.model.rawValue) models yet.")
        }
    }
}
