/// How layers' tensors go into a checkpoint and come back: the parameters by their names, and a
/// BatchNorm's running statistics (state, not parameters) beside its weight and bias. Models
/// list their parameters and norms; the names live in the layers.

extension Array where Element == Parameter {
    /// Every parameter's value as a tensor, by its checkpoint name.
    package func namedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: map { ($0.name, Tensor(shape: $0.shape, floats: $0.value.data)) })
    }

    /// Overwrites every parameter with the tensor named `prefix + name`, which must have its
    /// shape and be finite.
    package func load(from checkpoint: Checkpoint, prefix: String) throws {
        for p in self { p.value.data = try checkpoint.floats(prefix + p.name, shape: p.shape) }
    }
}

extension BatchNorm {
    /// running_mean and running_var as tensors, by checkpoint name.
    package var runningStatisticsTensors: [String: Tensor] {
        [runningMeanName: Tensor(shape: [features], floats: runningMean),
         runningVarName: Tensor(shape: [features], floats: runningVar)]
    }

    /// Reads the running statistics named `prefix + name`; a negative variance is a damaged file.
    package func loadRunningStatistics(from checkpoint: Checkpoint, prefix: String) throws {
        runningMean = try checkpoint.floats(prefix + runningMeanName, shape: [features])
        runningVar = try checkpoint.floats(prefix + runningVarName, shape: [features])
        guard runningVar.allSatisfy({ $0 >= 0 }) else {
            throw NameGenError(.checkpoint, "The checkpoint's BatchNorm running variance is negative.",
                               hint: "The file may be damaged; retrain with 'namegen train'.")
        }
    }
}
