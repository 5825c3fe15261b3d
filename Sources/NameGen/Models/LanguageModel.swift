/// The models namegen can train.
public enum ModelKind: String, CaseIterable, Sendable {
    case bigram, onehot, mlp
}

/// What every model answers: next-character logits for a batch of contexts, and the
/// tensors and hyperparameters that a checkpoint stores.
public protocol LanguageModel: AnyObject {
    var kind: ModelKind { get }
    /// Tokens of context the model reads (1 for bigram and onehot).
    var blockSize: Int { get }
    /// V, the vocabulary size with the start/stop token.
    var vocabularySize: Int { get }
    /// Hyperparameters as checkpoint metadata; the model's loader reads them back.
    var hyperparameters: [String: String] { get }
    /// Every tensor the model needs to be rebuilt (weights and running statistics), by name.
    func namedTensors() -> [String: Tensor]
    /// Next-token logits for `count` contexts in inference mode (BatchNorm on running
    /// statistics, dropout off). contexts is (count, blockSize) row-major; logits is (count, V)
    /// and is overwritten. softmax(logits) is the model's next-token distribution.
    func logits(contexts: [Int32], count: Int, into logits: inout Matrix)
    /// Number of trained values (not counting running statistics or optimizer state).
    var parameterCount: Int { get }
}

extension LanguageModel {
    /// Every value of every tensor (the bigram counts).
    public var parameterCount: Int { namedTensors().values.reduce(0) { $0 + $1.elementCount } }
}
