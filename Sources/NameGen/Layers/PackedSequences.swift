/// A batch of sequences packed row after row without padding, the layout every sequence model
/// computes on. The trainer and the evaluator hand a sequence model names as rows right-padded
/// to T (`TrainingRecipe.Layout.sequences`); `pack` keeps only the real positions:
///
///   padded tokens (B, T)  [start, c1, …, cn, start …]   targets (B, T) [c1, …, cn, end, masked …]
///   packed rows (N = Σ lengths): sequence s holds rows starts[s] ..< starts[s] + lengths[s],
///   one per position 0, 1, …; each row keeps its token, position, target and the row of its
///   sequence's position 0 (`first`, what causal attention and a causal average read back to).
///
/// Layers that work on one row at a time never see the difference; a causal layer reads rows
/// first[n] … n of its own sequence, so it never reads a padded position (padding only follows).
/// Buffers are allocated once, for up to `capacity` sequences of up to T positions.
package struct PackedSequences {
    /// T: the longest sequence.
    package let maxLength: Int
    /// The most sequences a batch may hold.
    package let capacity: Int
    /// Sequences in the current batch.
    package private(set) var count = 0
    /// Each sequence's first row.
    package private(set) var starts: [Int]
    /// Each sequence's length in rows.
    package private(set) var lengths: [Int]
    /// Rows in the current batch (N).
    package private(set) var rows = 0
    /// Each row's token (the first `rows` entries).
    package private(set) var tokens: [Int32]
    /// Each row's position in its sequence.
    package private(set) var positions: [Int32]
    /// Each row's target (`TrainingRecipe.masked` throughout from `init(lengths:)` and from the
    /// evaluation `pack`).
    package private(set) var targets: [Int32]
    /// The row of each row's sequence's position 0.
    package private(set) var first: [Int32]

    /// Empty buffers for up to `capacity` sequences of up to `maxLength` positions.
    package init(capacity: Int, maxLength: Int) {
        precondition(capacity >= 0 && maxLength >= 1)
        self.capacity = capacity
        self.maxLength = maxLength
        starts = [Int](repeating: 0, count: capacity)
        lengths = starts
        tokens = [Int32](repeating: 0, count: capacity * maxLength)
        (positions, targets, first) = (tokens, tokens, tokens)
    }

    /// A layout of sequences of the given lengths (tokens 0, targets masked), for a layer alone.
    package init(lengths: [Int], maxLength: Int) {
        self.init(capacity: lengths.count, maxLength: maxLength)
        for (s, length) in lengths.enumerated() {
            precondition(length >= 1 && length <= maxLength)
            append(s, length: length) { _, _ in (0, TrainingRecipe.masked) }
        }
        count = lengths.count
    }

    /// Packs `count` padded sequences: row b of tokens and targets (·, T) holds a start token
    /// and a name, then padding (target `TrainingRecipe.masked`); its length is its number of
    /// real targets, which come first. Returns the number of packed rows.
    @discardableResult
    package mutating func pack(tokens padded: [Int32], targets paddedTargets: [Int32], count: Int) -> Int {
        let t = maxLength
        precondition(count <= capacity && padded.count >= count * t && paddedTargets.count >= count * t)
        reset()
        for b in 0..<count {
            var length = 0
            while length < t && paddedTargets[b * t + length] != TrainingRecipe.masked { length += 1 }
            append(b, length: length) { (padded[b * t + $1], paddedTargets[b * t + $1]) }
        }
        self.count = count
        return rows
    }

    /// Packs rows first ..< first + count of padded tokens (·, T) without targets (evaluation):
    /// a row's sequence runs to its last token that is not the start token (at least position 0).
    @discardableResult
    package mutating func pack(tokens padded: [Int32], from firstRow: Int, count: Int) -> Int {
        let t = maxLength
        precondition(count <= capacity && padded.count >= (firstRow + count) * t)
        reset()
        for b in 0..<count {
            let row = (firstRow + b) * t
            var length = t
            while length > 1 && padded[row + length - 1] == Vocabulary.boundary { length -= 1 }
            append(b, length: length) { (padded[row + $1], TrainingRecipe.masked) }
        }
        self.count = count
        return rows
    }

    /// Copies the packed rows of `packed` (N, V) back to the padded layout: sequence b's rows go
    /// to rows (firstRow + b)·T … of `padded` ((·)·T, V), and its padding rows are set to 0.
    package func unpack(_ packed: Matrix, into padded: inout Matrix, firstRow: Int) {
        let t = maxLength, v = packed.cols
        precondition(padded.cols == v && padded.count >= (firstRow + count) * t * v)
        for b in 0..<count {
            let from = starts[b] * v, to = (firstRow + b) * t * v, length = lengths[b] * v
            for i in 0..<length { padded.data[to + i] = packed.data[from + i] }
            for i in length..<(t * v) { padded.data[to + i] = 0 }
        }
    }

    private mutating func reset() {
        rows = 0
        count = 0
    }

    /// Appends sequence s of `length` rows; `row(s, p)` gives position p's token and target.
    private mutating func append(_ s: Int, length: Int, _ row: (Int, Int) -> (Int32, Int32)) {
        starts[s] = rows
        lengths[s] = length
        for p in 0..<length {
            (tokens[rows], targets[rows]) = row(s, p)
            positions[rows] = Int32(p)
            first[rows] = Int32(starts[s])
            rows += 1
        }
    }
}
