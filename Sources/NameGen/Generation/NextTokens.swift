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

    /// Per row, its category (slot calls of a labelled transformer), and the logits of every
    /// slot (slot calls of the other models).
    private var rowCategories: [Int32] = []
    private var slotLogits = Matrix(rows: 0, cols: 0)
    /// Each slot's name for the models that read every slot (empty for a slot that is done),
    /// during a call only.
    private var slotNames: [[Int32]] = []

    /// `incremental`: whether the caller keeps the incremental contract.
    init(model: LanguageModel, rows: Int, incremental: Bool) {
        self.model = model
        self.incremental = incremental ? model as? IncrementalSampling : nil
        contexts = [Int32](repeating: Vocabulary.boundary, count: rows * model.blockSize)
    }

    /// Logits (n, V) after the names in `slots[0..<n]` (rows in that order): `names[s]` is slot
    /// s's tokens after the start token, and `categories[s]` its category for a labelled model.
    /// From one call to the next a slot's name grows by one token or starts again; slots not
    /// listed are done. The transformer keeps each slot's key/value cache whatever its row, so
    /// it reads only the listed names. The other models read every slot in slot order (a done
    /// slot as a new name): a recurrent model or bow keeps state per row, and a window model
    /// keeps its buffers for one batch size.
    mutating func logits(slots: [Int32], names: [[Int32]], categories: [Int32]?, slotCount: Int,
                         into logits: inout Matrix) {
        let n = slots.count, v = model.vocabularySize
        guard let transformer = model as? TransformerModel, incremental != nil else {
            if slotNames.count != slotCount { slotNames = [[Int32]](repeating: [], count: slotCount) }
            for s in slots { slotNames[Int(s)] = names[Int(s)] }
            if slotLogits.rows != slotCount || slotLogits.cols != v { slotLogits = Matrix(rows: slotCount, cols: v) }
            var all = Matrix(rows: 0, cols: 0), rows: [[Int32]] = []
            swap(&all, &slotLogits)
            swap(&rows, &slotNames)
            self.logits(after: rows, categories: categories.map { $0.count == slotCount ? $0 : Array($0[0..<slotCount]) },
                        into: &all)
            // Let go of the names, so that the caller's next append does not copy them.
            for s in slots { rows[Int(s)] = [] }
            swap(&rows, &slotNames)
            for (i, s) in slots.enumerated() {
                for k in 0..<v { logits.data[i * v + k] = all.data[Int(s) * v + k] }
            }
            swap(&all, &slotLogits)
            return
        }
        if let categories {
            if rowCategories.count != n { rowCategories = [Int32](repeating: 0, count: n) }
            for (i, s) in slots.enumerated() { rowCategories[i] = categories[Int(s)] }
            model.condition(on: rowCategories)
        }
        let b = model.blockSize
        if contexts.count < n * b { contexts = [Int32](repeating: 0, count: n * b) }
        for (row, s) in slots.enumerated() { writeWindow(of: names[Int(s)], row: row) }
        transformer.logits(contexts: contexts, slots: slots, count: n, slotCount: slotCount, into: &logits)
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
        for (row, t) in names.enumerated() { writeWindow(of: t, row: row) }
        model.logits(contexts: contexts, count: names.count, into: &logits)
    }

    /// Row `row` of `contexts`: the last blockSize tokens of `name`, left-padded with the start token.
    private mutating func writeWindow(of name: [Int32], row: Int) {
        let b = model.blockSize
        for j in 0..<b {
            let source = name.count - b + j
            contexts[row * b + j] = source >= 0 ? name[source] : Vocabulary.boundary
        }
    }
}
