/// Hyperparameters of the `hierarchical` model. The defaults are the WaveNet lecture's scaled
/// recipe: 76,579 parameters at V = 27.
package struct HierarchicalConfig: WindowConfiguration {
    /// T, a power of two: the model fuses pairs log₂(T) times.
    package var blockSize = 8
    package var embed = 24
    package var hidden = 128
    package var activation = Activation.tanh
    package var dropout: Float = 0
    /// Initialisation only, so not saved: a loaded model takes its weights from the file.
    package var outputScale: Float = 0.1

    package init() {}

    /// log₂(T): the number of fuse levels.
    package var levels: Int { blockSize.trailingZeroBitCount }

    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden, activation, dropout
    }
}

/// The `hierarchical` model, the WaveNet-style MLP of the makemore notes: instead of crushing
/// the whole context in the first layer, it fuses neighbouring characters in pairs, level by
/// level (as a WaveNet's dilated causal convolutions do):
///
///   tokens (N, T) → Embedding (V, E) → x (N·T, E)
///   → for each of log₂(T) levels: fuse pairs (N·T/2, 2·C) → Linear (H, 2·C), no bias
///                                  → BatchNorm over every position (N·T/2, H) → tanh → [Dropout]
///   → (N, H) → Linear (V, H) + bias → logits (N, V) → softmax cross-entropy
///
/// C is E at the first level and H after. BatchNorm normalises over batch and position together
/// (PyTorch's BatchNorm1d over (N, C, T)), and keeps running statistics for eval and sample.
/// The output weight is scaled by 0.1 at initialisation, as in the lecture. The layers,
/// forward, backward and training step are `WindowModel`'s.
///
/// Checkpoint tensors (F32, PyTorch layout, weight = (out, in)):
///   embedding.weight (V, E) · levels.i.linear.weight (H, 2·C)
///   levels.i.norm.{weight,bias,running_mean,running_var} (H) · output.weight (V, H) · output.bias (V)
package final class HierarchicalModel: WindowModel<HierarchicalConfig> {
    /// The levels: every one has BatchNorm.
    package var levels: [(linear: Linear, norm: BatchNorm)] { layers.map { ($0.linear, $0.norm!) } }

    /// The embeddings as (N·T, E); level i reads the fused pairs of the rows before it, so it
    /// has N·T/2^(i+1) rows and 2·C inputs.
    override class func layout(_ c: HierarchicalConfig) -> WindowLayout {
        precondition(c.blockSize >= 2 && c.blockSize.nonzeroBitCount == 1 && c.embed >= 1 && c.hidden >= 1)
        return WindowLayout(embeddedRows: c.blockSize, layers: (0..<c.levels).map {
            WindowLayout.Layer(name: "levels.\($0)", inputs: 2 * ($0 == 0 ? c.embed : c.hidden), rows: c.blockSize >> ($0 + 1))
        }, batchNorm: true)
    }

    /// A level's input is the previous output (or the embeddings) fused in pairs: (R, C) → (R/2, 2·C).
    override func layerInput(from previous: Matrix) -> Matrix { FuseConsecutive.forward(previous) }

    /// Un-fuses a level's input gradient: (R/2, 2·C) → (R, C).
    override func outputGradient(from dInput: Matrix) -> Matrix { FuseConsecutive.backward(dInput) }
}

// MARK: - The registry's view: options, recipe and memory (build, load and figures are `WindowModel`'s)

extension HierarchicalModel: ModelFamily {
    package static let name = "hierarchical"

    static let window = WindowOptions<HierarchicalConfig>(blockSizes: 2...256)

    package static var options: [AnyOption] { window.list() }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> HierarchicalConfig {
        let blockSize = try a.value(window.blockSize)
        guard blockSize.nonzeroBitCount == 1 else {
            throw UsageError.badValue(window.blockSize.spec, "\(blockSize)",
                                      "the hierarchical model fuses pairs, so it needs a power of two (2, 4, 8, 16, …)")
        }
        return try window.configuration(from: a)
    }

    /// The block size is checked first: in its range, then a power of two.
    package static func problem(with c: HierarchicalConfig) -> String? {
        if window.blockSize.problem(with: "\(c.blockSize)") == nil && c.blockSize.nonzeroBitCount != 1 {
            return "'block_size' must be a power of two"
        }
        return window.problem(with: c)
    }

    /// The lecture's recipe: SGD 0.1, a tenth of it for the last quarter, 200,000 steps at batch 32.
    package static var recipe: TrainingRecipe? {
        TrainingRecipe(steps: 200_000, learningRate: [.sgd: 0.1, .adamw: 0.002])
    }

    /// Per level R·H floats nine times (four activations, mask, three gradients, the BatchNorm
    /// cache) plus the fused input gradient R·2C, where the levels' rows add up to N·(T − 1);
    /// the embeddings (N·T·E); logits, probabilities and their gradient (N, V). Weight,
    /// gradient and two AdamW moments per parameter.
    package static func memoryEstimate(_ c: HierarchicalConfig, batchSize: Int, data: DataFacts) -> Double {
        let n = Double(batchSize), t = Double(c.blockSize), e = Double(c.embed), h = Double(c.hidden)
        let v = Double(data.vocabularySize), levels = Double(c.levels)
        let floats = n * (t - 1) * h * 11 + n * t * e * 2 + n * v * 3
        let params = v * e + 2 * e * h + (levels - 1) * 2 * h * h + levels * 2 * h + v * (h + 1)
        return (floats + params * 4) * 4
    }

    package static func memoryDrivers(_ c: HierarchicalConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --hidden \(c.hidden)"
    }
}
