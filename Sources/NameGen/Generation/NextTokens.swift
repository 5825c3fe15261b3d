/// The one way generation asks a model for the next token: the logits after each of a batch of
/// names so far. Sampling and beam search both go through it; a model only provides
/// `LanguageModel.logits(contexts:)` over windows, and, where it can reuse work, the
/// `IncrementalSampling` form that keeps per-row state (a transformer's key/value cache, a
/// recurrent model's hidden state).
struct NextTokens {
    let model: LanguageModel
    /// The incremental form, used only when every call either grows each row by one token or
    /// starts it again (sampling); nil for callers that reorder rows (beam search).
    let incremental: IncrementalSampling?
    private var contexts: [Int32]
    /// Each row's history as the incremental form reads it, [start] + the row's tokens, kept
    /// from call to call so that a row that grew by one token costs one append.
    private var histories: [[Int32]] = []

    /// `incremental`: whether the caller keeps the incremental contract.
    init(model: LanguageModel, rows: Int, incremental: Bool) {
        self.model = model
        self.incremental = incremental ? model as? IncrementalSampling : nil
        contexts = [Int32](repeating: Vocabulary.boundary, count: rows * model.blockSize)
    }

    /// Logits (rows, V) after each name: `names[r]` is row r's tokens after the start token
    /// (the prefix included). Overwrites the first `names.count` rows of `logits`.
    /// `categories[r]` is row r's category, for a labelled model.
    mutating func logits(after names: [[Int32]], categories: [Int32]? = nil, into logits: inout Matrix) {
        if let categories { model.condition(on: categories) }
        if let incremental {
            if histories.count != names.count { histories = names.map { [Vocabulary.boundary] + $0 } }
            for (row, name) in names.enumerated() {
                if histories[row].count == name.count, let last = name.last {
                    histories[row].append(last)
                } else if histories[row].count != name.count + 1 {
                    histories[row] = [Vocabulary.boundary] + name
                }
            }
            incremental.nextLogits(histories: histories, into: &logits)
            return
        }
        let b = model.blockSize
        if contexts.count < names.count * b { contexts = [Int32](repeating: 0, count: names.count * b) }
        for (row, t) in names.enumerated() {
            // The last b tokens, left-padded with the start token.
            for j in 0..<b {
                let source = t.count - b + j
                contexts[row * b + j] = source >= 0 ? t[source] : Vocabulary.boundary
            }
        }
        model.logits(contexts: contexts, count: names.count, into: &logits)
    }
}
