/// The `lstm` model: makemore's `RNN` around char-rnn's LSTM cell (Layers/LSTMCell.swift), a
/// learned start state h₋₁ with c₋₁ = 0, and lm_head on every h_t (RecurrentModel.swift).
///
/// Checkpoint tensors: start (1, H) · wte.weight (V, E) · cell.xh_to_gates.weight (4H, E + H) ·
/// cell.xh_to_gates.bias (4H) · lm_head.weight (V, H) · lm_head.bias (V).
package final class LSTMModel: RecurrentModel<LSTMCell>, RecurrentFamily {
    package static let name = "lstm"
    /// makemore's sizes and 30,000 steps (its val loss: docs/MODELS.md).
    package static var defaults: RecurrentConfig { RecurrentConfig(blockSize: 16, embed: 64, hidden: 64) }
    package static var defaultSteps: Int { 30_000 }
    package static var defaultLearningRate: Double { 2e-3 }
    package static var gates: Int { 4 }
}
