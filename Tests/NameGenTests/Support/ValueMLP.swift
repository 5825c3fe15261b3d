import NameGen

/// A tiny multilayer perceptron made of `Value`s, for checking that the oracle can train
/// something end to end (XOR). Weights and biases start uniform in [-1, 1) from the given
/// generator, drawn layer by layer, neuron by neuron, weights before bias.

/// One neuron: act(w · x + b).
final class ValueNeuron {
    let weights: [Value]
    let bias: Value
    let usesTanh: Bool

    init(inputs: Int, usesTanh: Bool, rng: inout RandomGenerator) {
        weights = (0..<inputs).map { _ in Value(rng.nextDouble() * 2 - 1) }
        bias = Value(rng.nextDouble() * 2 - 1)
        self.usesTanh = usesTanh
    }

    func callAsFunction(_ x: [Value]) -> Value {
        precondition(x.count == weights.count, "neuron expects \(weights.count) inputs, got \(x.count)")
        let z = Value.sum(zip(weights, x).map { $0 * $1 } + [bias])
        return usesTanh ? z.tanh() : z
    }

    var parameters: [Value] { weights + [bias] }
}

/// A fully connected layer of neurons that all see the same inputs.
final class ValueLayer {
    let neurons: [ValueNeuron]

    init(inputs: Int, outputs: Int, usesTanh: Bool, rng: inout RandomGenerator) {
        var made: [ValueNeuron] = []
        for _ in 0..<outputs { made.append(ValueNeuron(inputs: inputs, usesTanh: usesTanh, rng: &rng)) }
        neurons = made
    }

    func callAsFunction(_ x: [Value]) -> [Value] { neurons.map { $0(x) } }

    var parameters: [Value] { neurons.flatMap(\.parameters) }
}

/// MLP(inputs, sizes): one layer per entry of `sizes`; tanh on every layer but the last,
/// which is linear.
final class ValueMLP {
    let layers: [ValueLayer]

    init(inputs: Int, sizes: [Int], rng: inout RandomGenerator) {
        let widths = [inputs] + sizes
        var made: [ValueLayer] = []
        for i in sizes.indices {
            made.append(ValueLayer(inputs: widths[i], outputs: widths[i + 1],
                                   usesTanh: i < sizes.count - 1, rng: &rng))
        }
        layers = made
    }

    func callAsFunction(_ x: [Value]) -> [Value] {
        layers.reduce(x) { h, layer in layer(h) }
    }

    var parameters: [Value] { layers.flatMap(\.parameters) }
}
