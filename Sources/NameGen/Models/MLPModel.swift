/// Hyperparameters of the `mlp` model (Bengio et al. 2003, with BatchNorm):
/// Embedding(V, embed) → flatten blockSize·embed → [Linear → BatchNorm → activation → Dropout] × layers
/// → Linear(hidden, V) with its weight scaled by `outputScale` at initialisation.
/// The defaults are the deep BatchNorm recipe of the makemore notes: 224,097 parameters at V = 27.
package struct MLPConfig: WindowConfiguration {
    package var blockSize = 8
    package var embed = 10
    package var hidden = 200
    package var layers = 6
    package var activation = Activation.tanh
    /// With BatchNorm the hidden Linear layers have no bias (BatchNorm's shift replaces it).
    package var batchNorm = true
    package var dropout: Float = 0
    /// Initialisation only, so not saved: a loaded model takes its weights from the file.
    package var outputScale: Float = 0.1

    package init() {}

    /// The checkpoint's keys (format 1 wrote the same names, as strings).
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", embed, hidden, layers, activation, batchNorm = "batchnorm", dropout
    }
}

/// The `mlp` model, Bengio et al. 2003 with BatchNorm (the deep recipe of the makemore notes):
///
///   tokens (N, T) → Embedding (V, E) → x (N, T·E)
///   → [Linear (H, in) → BatchNorm (H) → tanh|relu → Dropout] × layers → h (N, H)
///   → Linear (V, H) + bias → logits (N, V) → softmax cross-entropy
///
/// Without BatchNorm the hidden Linear layers get a bias instead. The output weight is scaled
/// by `outputScale` (0.1) at initialisation, so the first predictions are nearly uniform.
/// The layers, forward, backward and training step are `WindowModel`'s.
///
/// Checkpoint tensors (F32, PyTorch layout, weight = (out, in)):
///   embedding.weight (V, E) · layers.i.linear.weight (H, in) · layers.i.linear.bias (H, no BatchNorm)
///   layers.i.norm.{weight,bias,running_mean,running_var} (H) · output.weight (V, H) · output.bias (V)
package final class MLPModel: WindowModel<MLPConfig> {
    /// One row per example: the first layer reads the T·E embeddings side by side, every other
    /// layer the previous layer's output.
    override class func layout(_ c: MLPConfig) -> WindowLayout {
        precondition(c.blockSize >= 1 && c.embed >= 1 && c.hidden >= 1 && c.layers >= 1)
        return WindowLayout(embeddedRows: 1, layers: (0..<c.layers).map {
            WindowLayout.Layer(name: "layers.\($0)", inputs: $0 == 0 ? c.blockSize * c.embed : c.hidden, rows: 1)
        }, batchNorm: c.batchNorm)
    }
}

// MARK: - The registry's view: options, recipe and memory (build, load and figures are `WindowModel`'s)

extension MLPModel: ModelFamily {
    package static let name = "mlp"

    static let window = WindowOptions<MLPConfig>(blockSizes: 1...256)
    static let layersOption = Option<Int>(["--layers"], help: "number of hidden layers.", range: 1...64,
                                          default: MLPConfig().layers)
    static let batchNormFlag = Flag(["--batchnorm"], help: "BatchNorm after each hidden Linear (the default).")
    static let noBatchNormFlag = Flag(["--no-batchnorm"], help: "no BatchNorm; the hidden Linear layers get a bias.")

    package static var options: [AnyOption] {
        window.list(afterHidden: [AnyOption(layersOption)], afterActivation: [AnyOption(batchNormFlag), AnyOption(noBatchNormFlag)])
    }

    package static func configuration(from a: ParsedArguments, data: DataFacts?) throws -> MLPConfig {
        if a.flag(batchNormFlag) && a.flag(noBatchNormFlag) {
            throw NameGenError(.usage, "'--batchnorm' and '--no-batchnorm' cannot be used together.")
        }
        return try window.configuration(from: a) { c in
            c.layers = try a.value(layersOption)
            c.batchNorm = !a.flag(noBatchNormFlag)
        }
    }

    package static func problem(with c: MLPConfig) -> String? {
        window.problem(with: c, own: [("layers", layersOption.problem(with: "\(c.layers)"))])
    }

    package static var recipe: TrainingRecipe? {
        TrainingRecipe(steps: 50_000, learningRate: [.sgd: 0.1, .adamw: 0.002])
    }

    /// Per hidden layer six (N, H) activation and gradient buffers; the input and its gradient
    /// (N, T·E); logits, probabilities and their gradient (N, V). Weight, gradient and two AdamW
    /// moments per parameter; the first layer is (H, T·E).
    package static func memoryEstimate(_ c: MLPConfig, batchSize: Int, data: DataFacts) -> Double {
        let b = Double(batchSize), h = Double(c.hidden), inputs = Double(c.blockSize * c.embed), v = Double(data.vocabularySize)
        let floats = b * h * 6 * Double(c.layers) + b * inputs * 2 + b * v * 3
        let params = (h * inputs + h * h * Double(c.layers - 1) + v * (Double(c.embed) + h + 1)) * 4
        return (floats + params) * 4
    }

    package static func memoryDrivers(_ c: MLPConfig, batchSize: Int, data: DataFacts) -> String {
        "--batch-size \(batchSize), --block-size \(c.blockSize), --embed \(c.embed), --hidden \(c.hidden), --layers \(c.layers)"
    }
}
