/// Training and evaluation examples as the trainer draws them: example i is a row of
/// `contextWidth` context tokens and a row of `targetWidth` targets. Context windows have one
/// target per row; name sequences have one per position, with `TrainingRecipe.masked` on padding.
package protocol ExampleSource {
    var count: Int { get }
    var contextWidth: Int { get }
    var targetWidth: Int { get }
    /// Copies example `i` into `contexts[row·contextWidth ..]` and `targets[row·targetWidth ..]`.
    func copy(_ i: Int, toRow row: Int, contexts: inout [Int32], targets: inout [Int32])
    /// Whether the examples carry categories (labelled data).
    var isLabelled: Bool { get }
    /// The category of example `i`'s name (0 for plain names).
    func category(_ i: Int) -> Int32
}

extension TokenStream: ExampleSource {
    package var contextWidth: Int { blockSize }
    package var targetWidth: Int { 1 }
    package var isLabelled: Bool { nameCategories != nil }

    @inline(__always)
    package func copy(_ i: Int, toRow row: Int, contexts: inout [Int32], targets: inout [Int32]) {
        copy(example: i, toRow: row, contexts: &contexts, targets: &targets)
    }
}

/// Whole names for a sequence model (`TrainingRecipe.Layout.sequences`), one row per name:
///
///   contexts (count, T) = [start, c1, …, cn, start, …]   right-padded with the start token
///   targets  (count, T) = [c1, …, cn, end, masked, …]    `TrainingRecipe.masked` on padding
///
/// For "emma" at T = 6: contexts [0,e,m,m,a,0], targets [e,m,m,a,0,-1]. A name of T or more
/// characters keeps its first T targets (no end token); with T = longest name + 1, the
/// transformer's default, every character and every end token is a target.
package struct NameSequences: ExampleSource, Sendable {
    package let blockSize: Int
    package private(set) var contexts: [Int32]
    package private(set) var targets: [Int32]
    package let count: Int
    /// Each name's category, for labelled data.
    package let categories: [UInt16]?

    package init(encoded names: [[Int32]], blockSize: Int, categories: [UInt16]? = nil) {
        precondition(blockSize >= 1, "block size must be at least 1")
        precondition(categories.map { $0.count == names.count } ?? true)
        self.blockSize = blockSize
        self.categories = categories
        count = names.count
        contexts = [Int32](repeating: Vocabulary.boundary, count: names.count * blockSize)
        targets = [Int32](repeating: TrainingRecipe.masked, count: names.count * blockSize)
        for (row, name) in names.enumerated() {
            let base = row * blockSize
            for t in 0..<min(name.count + 1, blockSize) {
                if t > 0 { contexts[base + t] = name[t - 1] }
                targets[base + t] = t < name.count ? name[t] : Vocabulary.boundary
            }
        }
    }

    package var contextWidth: Int { blockSize }
    package var targetWidth: Int { blockSize }
    package var isLabelled: Bool { categories != nil }
    package func category(_ i: Int) -> Int32 { categories.map { Int32($0[i]) } ?? 0 }

    /// Targets that count in the loss: every position but the padding.
    package var targetCount: Int { targets.reduce(0) { $0 + ($1 == TrainingRecipe.masked ? 0 : 1) } }

    package func copy(_ i: Int, toRow row: Int, contexts: inout [Int32], targets: inout [Int32]) {
        let t = blockSize
        for j in 0..<t {
            contexts[row * t + j] = self.contexts[i * t + j]
            targets[row * t + j] = self.targets[i * t + j]
        }
    }
}

extension Dataset {
    /// The examples of `split` in the layout `layout` at `blockSize`.
    package func examples(_ split: SplitName, layout: TrainingRecipe.Layout, blockSize: Int) -> any ExampleSource {
        switch layout {
        case .windows: return stream(split, blockSize: blockSize)
        case .sequences:
            return NameSequences(encoded: indices(split).map { names.tokens(of: Int($0)) }, blockSize: blockSize,
                                 categories: nameCategories(split))
        }
    }
}
