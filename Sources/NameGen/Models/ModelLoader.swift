/// Rebuilds the model a checkpoint holds, whatever its kind.
public enum ModelLoader {
    public static func load(_ checkpoint: Checkpoint) throws -> LanguageModel {
        switch checkpoint.model {
        case .bigram: return try BigramModel(checkpoint: checkpoint)
        case .onehot: return try OneHotModel(checkpoint: checkpoint)
        case .mlp: return try MLPModel(checkpoint: checkpoint)
        }
    }
}
