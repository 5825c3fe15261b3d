/// A model trained by gradient descent (every model but bigram): its parameters, and one
/// forward-and-backward pass on a batch.
package protocol TrainableModel: LanguageModel {
    /// Every trainable tensor, in a fixed order (the optimiser's and the checkpoint's).
    var parameters: [Parameter] { get }
    /// Allocates the buffers for batches of `batchSize` examples, once, before the step loop.
    func prepareTraining(batchSize: Int)
    /// Forward in training mode (batch statistics, dropout), the mean cross-entropy loss and
    /// backward. Adds into every parameter's gradient and returns the loss. contexts is
    /// (batchSize, blockSize) and targets (batchSize), as prepared.
    func trainingStep(contexts: [Int32], targets: [Int32], rng: inout RandomGenerator) -> Float
    /// True when every step uses the whole training split (onehot's recipe).
    var usesFullBatch: Bool { get }
    /// Overwrites the weights (and any running statistics) from tensors named `prefix + name`.
    func load(from checkpoint: Checkpoint, prefix: String) throws
}

extension TrainableModel {
    /// Trainable values only (BatchNorm running statistics are state, not parameters).
    package var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    package var usesFullBatch: Bool { false }

    package func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
