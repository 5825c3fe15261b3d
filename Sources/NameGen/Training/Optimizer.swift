/// SGD or AdamW over a model's parameters.
///
///   sgd:   w ← w − lr·(g + wd·w)                       (weight decay as an L2 term)
///   adamw: PyTorch's AdamW (β₁ 0.9, β₂ 0.999, ε 1e-8), weight decay decoupled: w ← w·(1 − lr·wd)
///
/// AdamW's moments are allocated once, at construction. `stateTensors` and `restore` carry them
/// (and the step count) through a checkpoint so that a resumed run continues exactly.
package final class Optimizer {
    package enum Kind: String, CaseIterable, Codable, Sendable { case sgd, adamw }

    package let kind: Kind
    package let weightDecay: Float
    /// AdamW's moment decay rates; PyTorch's defaults unless a model's recipe says otherwise.
    package let beta1: Float
    package let beta2: Float
    package static let defaultBeta1 = 0.9
    package static let defaultBeta2 = 0.999
    package static let epsilon: Float = 1e-8

    private let parameters: [Parameter]
    private var m: [[Float]]
    private var v: [[Float]]
    /// Updates taken so far (AdamW's bias correction uses it).
    package private(set) var stepCount = 0

    package init(kind: Kind, parameters: [Parameter], weightDecay: Double,
                betas: (Double, Double) = (Optimizer.defaultBeta1, Optimizer.defaultBeta2)) {
        self.kind = kind
        (beta1, beta2) = (Float(betas.0), Float(betas.1))
        self.parameters = parameters
        self.weightDecay = Float(weightDecay)
        let moments = kind == .adamw ? parameters.map { [Float](repeating: 0, count: $0.count) } : []
        m = moments
        v = moments
    }

    /// One update of every parameter from its gradient.
    package func step(learningRate: Double) {
        stepCount += 1
        let lr = Float(learningRate)
        switch kind {
        case .sgd:
            for p in parameters { VectorMath.sgdStep(weights: &p.value.data, grads: p.grad.data, lr: lr, weightDecay: weightDecay) }
        case .adamw:
            let t = Float(stepCount)
            let c1 = 1 - LibC.pow(beta1, t), c2 = 1 - LibC.pow(beta2, t)
            for (i, p) in parameters.enumerated() {
                VectorMath.adamwStep(weights: &p.value.data, grads: p.grad.data, m: &m[i], v: &v[i], lr: lr,
                                     beta1: beta1, beta2: beta2, epsilon: Self.epsilon,
                                     weightDecay: weightDecay, correction1: c1, correction2: c2)
            }
        }
    }

    /// `optimizer.<parameter>.m` and `.v` for AdamW; nothing for SGD, which has no state.
    package func stateTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (i, p) in parameters.enumerated() where kind == .adamw {
            tensors["optimizer.\(p.name).m"] = Tensor(shape: p.shape, floats: m[i])
            tensors["optimizer.\(p.name).v"] = Tensor(shape: p.shape, floats: v[i])
        }
        return tensors
    }

    /// Restores the moments and the step count saved by `stateTensors`.
    package func restore(from checkpoint: Checkpoint, stepCount: Int) throws {
        self.stepCount = stepCount
        for (i, p) in parameters.enumerated() where kind == .adamw {
            m[i] = try checkpoint.floats("optimizer.\(p.name).m", shape: p.shape)
            v[i] = try checkpoint.floats("optimizer.\(p.name).v", shape: p.shape)
            guard v[i].allSatisfy({ $0 >= 0 }) else {
                throw NameGenError(.checkpoint, "The checkpoint's AdamW second moment for '\(p.name)' is negative.",
                                   hint: "The file may be damaged; train again without --resume.")
            }
        }
    }
}

