/// The `rnn` model: makemore's `RNN` with its `RNNCell`, h_t = tanh(W [x_t | h_{t−1}] + b)
/// (Layers/RNNCell.swift), a learned start state and lm_head on every h_t (RecurrentModel.swift).
///
/// Checkpoint tensors: start (1, H) · wte.weight (V, E) · cell.xh_to_h.weight (H, E + H) ·
/// cell.xh_to_h.bias (H) · lm_head.weight (V, H) · lm_head.bias (V).
package final class RNNModel: RecurrentModel<RNNCell>, RecurrentFamily {
    package static let name = "rnn"
    /// Twice makemore's hidden state and 50,000 steps (its val loss: docs/MODELS.md).
    package static var defaults: RecurrentConfig { RecurrentConfig(blockSize: 16, embed: 64, hidden: 128) }
    package static var defaultSteps: Int { 50_000 }
    package static var defaultLearningRate: Double { 2e-3 }
    package static var gates: Int { 1 }
}
