/// The `lstm` model: makemore's `RNN` around char-rnn's LSTM cell (Layers/LSTMCell.swift), a
/// learned start state h₋₁ with c₋₁ = 0, and lm_head on every h_t (RecurrentModel.swift).
///
/// Checkpoint tensors: start (1, H) · wte.weight (V, E) · cell.xh_to_gates.weight (4H, E + H) ·
/// cell.xh_to_gates.bias (4H) · lm_head.weight (V, H) · lm_head.bias (V).
public final class LSTMModel: RecurrentModel<LSTMCell>, RecurrentFamily {
    public static let name = "lstm"
    /// makemore's sizes and 30,000 steps (its val loss: docs/MODELS.md).
    public static var defaults: RecurrentConfig { RecurrentConfig(blockSize: 16, embed: 64, hidden: 64) }
    public static var defaultSteps: Int { 30_000 }
    public static var defaultLearningRate: Double { 2e-3 }
    public static var gates: Int { 4 }
}
