/// The `gru` model: makemore's `RNN` with its `GRUCell` (Layers/GRUCell.swift), a learned start
/// state and lm_head on every h_t (RecurrentModel.swift).
///
/// Checkpoint tensors: start (1, H) · wte.weight (V, E) · cell.xh_to_z, cell.xh_to_r,
/// cell.xh_to_hbar: .weight (H, E + H) and .bias (H) · lm_head.weight (V, H) · lm_head.bias (V).
package final class GRUModel: RecurrentModel<GRUCell>, RecurrentFamily {
    package static let name = "gru"
    /// Twice makemore's hidden state for a shorter 16,000 steps: longer, it overfits (its val
    /// losses: docs/MODELS.md).
    package static var defaults: RecurrentConfig { RecurrentConfig(blockSize: 16, embed: 64, hidden: 128) }
    package static var defaultSteps: Int { 16_000 }
    package static var defaultLearningRate: Double { 2e-3 }
    package static var gates: Int { 3 }
}
