/// What every model answers: next-character logits for a batch of contexts, and the tensors
/// that a checkpoint stores. How a model is configured, built and loaded is its family's
/// (`ModelFamily`), declared in the same file.
package protocol LanguageModel: AnyObject {
    /// Tokens of context the model reads (1 for bigram and onehot).
    var blockSize: Int { get }
    /// V, the vocabulary size with the start/stop token.
    var vocabularySize: Int { get }
    /// Every tensor the model needs to be rebuilt (weights and running statistics), by name.
    func namedTensors() -> [String: Tensor]
    /// Next-token logits for `count` contexts in inference mode (BatchNorm on running
    /// statistics, dropout off). contexts is (count, blockSize) row-major, each row the
    /// blockSize tokens before the prediction, left-padded with the start token; logits is
    /// (count, V) and is overwritten. softmax(logits) is the model's next-token distribution.
    /// A sequence model (see `SequenceModel`) answers this too: `Sampler` uses it.
    func logits(contexts: [Int32], count: Int, into logits: inout Matrix)
    /// Number of trained values (not counting running statistics or optimizer state).
    var parameterCount: Int { get }
    /// C, the number of categories the model is conditioned on; 0 for a model of plain names.
    var categoryCount: Int { get }
    /// Sets the category of each row (example, context or name) of the calls that follow:
    /// `logits`, `sequenceLogits`, `trainingStep` and `nextLogits` read row r's category from
    /// `categories[r]`. Ignored by a model of plain names.
    func condition(on categories: [Int32])
}

extension LanguageModel {
    package var categoryCount: Int { 0 }
    package func condition(on categories: [Int32]) {}

    /// Every value of every tensor (the bigram counts).
    package var parameterCount: Int { namedTensors().values.reduce(0) { $0 + $1.elementCount } }
}

/// A model that reads whole names and predicts at every position (the transformer): targets
/// sit at every position of a padded name, and padding is masked out. Its family's recipe has
/// `layout: .sequences`; `Trainer` then gives `trainingStep` contexts (N, T) = [start, c1, …, cn]
/// right-padded with the start token and targets (N, T) = [c1, …, cn, end] then
/// `TrainingRecipe.masked`, and `Evaluation` uses `sequenceLogits`.
package protocol SequenceModel: LanguageModel {
    /// Logits at every position in inference mode: tokens (count, blockSize) laid out as in
    /// training → logits (count·blockSize, V), row n·T + t predicting the token after position t.
    func sequenceLogits(tokens: [Int32], count: Int, into logits: inout Matrix)
}
