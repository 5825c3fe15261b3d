import Foundation

/// Loss of any model on a set of examples.
public enum Evaluation {
    /// Mean negative log-likelihood in nats per character (end-of-name token included),
    /// log-softmax accumulated in Double. Runs in inference mode, in chunks of `chunk` rows.
    /// `stop` is asked before each chunk; when it says yes the result is NaN (e.g. on Ctrl-C).
    public static func meanNLL(model: LanguageModel, windows: ContextWindows, chunk: Int = 1024,
                               stop: () -> Bool = { false }) -> Double {
        precondition(windows.blockSize == model.blockSize)
        guard windows.count > 0 else { return .nan }
        let v = model.vocabularySize
        let b = model.blockSize
        var logits = Matrix(rows: min(chunk, windows.count), cols: v)
        var contexts = [Int32](repeating: 0, count: logits.rows * b)
        var total: Double = 0
        var start = 0
        while start < windows.count {
            if stop() { return .nan }
            let n = min(chunk, windows.count - start)
            if n != logits.rows {
                logits = Matrix(rows: n, cols: v)
                contexts = [Int32](repeating: 0, count: n * b)
            }
            for i in 0..<(n * b) { contexts[i] = windows.contexts[start * b + i] }
            model.logits(contexts: contexts, count: n, into: &logits)
            for i in 0..<n {
                var maxLogit = -Float.infinity
                for c in 0..<v { maxLogit = max(maxLogit, logits.data[i * v + c]) }
                var sum: Double = 0
                for c in 0..<v { sum += Foundation.exp(Double(logits.data[i * v + c] - maxLogit)) }
                let target = Int(windows.targets[start + i])
                total += Foundation.log(sum) - Double(logits.data[i * v + target] - maxLogit)
            }
            start += n
        }
        return total / Double(windows.count)
    }
}
