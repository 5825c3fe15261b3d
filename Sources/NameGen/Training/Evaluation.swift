import Foundation

/// Loss of any model on a set of examples, and the table `train` and `eval` print.
public enum Evaluation {
    /// Mean negative log-likelihood in nats per character (end-of-name token included),
    /// log-softmax accumulated in Double. Runs in inference mode, in chunks of `chunk` rows.
    /// `stop` is asked before each chunk; when it says yes the result is NaN (e.g. on Ctrl-C).
    /// A sequence model is evaluated on whole names, over every target that is not padding.
    public static func meanNLL(model: LanguageModel, examples: any ExampleSource, chunk: Int = 1024,
                               stop: () -> Bool = { false }) -> Double {
        precondition(examples.contextWidth == model.blockSize)
        guard examples.count > 0 else { return .nan }
        let v = model.vocabularySize
        let width = examples.contextWidth, targetWidth = examples.targetWidth
        let sequence = model as? SequenceModel
        precondition(targetWidth == 1 || sequence != nil, "per-position targets need a SequenceModel")
        var rows = min(chunk, examples.count)
        var logits = Matrix(rows: rows * targetWidth, cols: v)
        var contexts = [Int32](repeating: 0, count: rows * width)
        var targets = [Int32](repeating: 0, count: rows * targetWidth)
        var scratch = [Double](repeating: 0, count: v)
        var total: Double = 0
        var counted = 0
        var start = 0
        while start < examples.count {
            if stop() { return .nan }
            let n = min(chunk, examples.count - start)
            if n != rows {
                rows = n
                logits = Matrix(rows: n * targetWidth, cols: v)
                contexts = [Int32](repeating: 0, count: n * width)
                targets = [Int32](repeating: 0, count: n * targetWidth)
            }
            for i in 0..<n { examples.copy(start + i, toRow: i, contexts: &contexts, targets: &targets) }
            if let sequence {
                sequence.sequenceLogits(tokens: contexts, count: n, into: &logits)
            } else {
                model.logits(contexts: contexts, count: n, into: &logits)
            }
            for i in 0..<(n * targetWidth) where targets[i] != TrainingRecipe.masked {
                total += Softmax.negativeLogLikelihood(logits.data[(i * v)..<((i + 1) * v)], target: Int(targets[i]),
                                                       scratch: &scratch)
                counted += 1
            }
            start += n
        }
        return counted > 0 ? total / Double(counted) : .nan
    }

    /// Each split's mean NLL for `model` (NaN for an empty split, or when `stop` says yes).
    public static func splitLosses(_ model: LanguageModel, layout: TrainingRecipe.Layout, dataset: Dataset,
                                   stop: () -> Bool = { false }) -> [(split: SplitName, names: Int, nll: Double)] {
        SplitName.allCases.map { name in
            let examples = dataset.examples(name, layout: layout, blockSize: model.blockSize)
            let nll = examples.count > 0 ? meanNLL(model: model, examples: examples, stop: stop) : .nan
            return (name, dataset.names(name).count, nll)
        }
    }
}

/// The loss table that `train` and `eval` print.
public enum LossTable {
    public static func render(rows: [(split: String, names: Int, nll: Double)]) -> String {
        var out = "split   names      nll   perplexity   bits/char\n"
        for r in rows {
            out += r.split.padding(toLength: 5, withPad: " ", startingAt: 0)
                + String(format: " %7d  %7.4f  %11.4f  %10.4f\n", r.names, r.nll, exp(r.nll), r.nll / log(2.0))
        }
        return out
    }
}
