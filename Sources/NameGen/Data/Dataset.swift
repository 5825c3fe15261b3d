/// Which part of the data an operation works on.
package enum SplitName: String, CaseIterable, Sendable {
    case train, val, test
}

/// How the names are divided: a seeded shuffle, then the first `trainFraction` of the names
/// for training, the next `valFraction` for validation and the rest for test.
package struct SplitConfig: Equatable, Sendable {
    package var seed: UInt64
    package var trainFraction: Double
    package var valFraction: Double

    package init(seed: UInt64 = 42, trainFraction: Double = 0.8, valFraction: Double = 0.1) {
        self.seed = seed
        self.trainFraction = trainFraction
        self.valFraction = valFraction
    }

    package var testFraction: Double { max(0, 1 - trainFraction - valFraction) }

    /// Checks the fractions; a usage error names the bad one.
    package func validate() throws {
        guard trainFraction > 0, trainFraction <= 1, trainFraction.isFinite else {
            throw NameGenError(.usage, "The train fraction must be in (0, 1], got \(trainFraction).")
        }
        guard valFraction >= 0, valFraction < 1, valFraction.isFinite else {
            throw NameGenError(.usage, "The val fraction must be in [0, 1), got \(valFraction).")
        }
        guard trainFraction + valFraction <= 1 + 1e-9 else {
            throw NameGenError(.usage, "The train and val fractions add up to more than 1 (\(trainFraction) + \(valFraction)).")
        }
    }
}

/// The data set shared by every model: names, vocabulary and the seeded train/val/test split.
///
/// The names stay in one `NameList` (tokens, file order); a split is a list of name indices,
/// and `stream` lays a split out for a model's block size.
package struct Dataset: Sendable {
    package let vocabulary: Vocabulary
    package let split: SplitConfig
    /// Every name of the file, in file order (repeats included even with dedupe).
    package let names: NameList
    /// The indices of the names used (without repeats under dedupe), shuffled: the train
    /// names, then val, then test.
    package let order: [UInt32]
    private let trainEnd: Int
    private let valEnd: Int

    /// Splits `names` by `split`, vocabulary from the names. With `dedupe`, repeated names
    /// are dropped (first occurrence kept) before the split.
    package init(names: NameList, split: SplitConfig, dedupe: Bool = false) throws {
        try split.validate()
        var order = dedupe ? names.firstOccurrences() : Array(0..<UInt32(names.count))
        var rng = RandomGenerator(seed: split.seed)
        let n = order.count
        var n1 = 0, n2 = 0
        if let categories = names.categories {
            // Stratified: each category's names (in file order) shuffled and cut on their own,
            // one generator for all, categories in index order; then every train part, every
            // val part, every test part.
            var members = [[UInt32]](repeating: [], count: categories.count)
            for i in order { members[Int(categories.ofName[Int(i)])].append(i) }
            var parts: ([UInt32], [UInt32], [UInt32]) = ([], [], [])
            for (k, var m) in members.enumerated() {
                rng.shuffle(&m)
                let (a, b) = Self.cut(m.count, split)
                guard a > 0 else {
                    throw NameGenError(.data, "The category '\(categories.names[k])' has \(m.count) name(s), which leave it no training names after the split.",
                                       hint: "Give each category more names, or merge the small ones.")
                }
                parts.0 += m[0..<a]
                parts.1 += m[a..<b]
                parts.2 += m[b...]
            }
            order = parts.0 + parts.1 + parts.2
            (n1, n2) = (parts.0.count, parts.0.count + parts.1.count)
        } else {
            // The same Fisher–Yates swaps as shuffling the names themselves.
            rng.shuffle(&order)
            (n1, n2) = Self.cut(n, split)
        }
        guard n1 > 0 else {
            throw NameGenError(.data, "Too few names to train on: \(n) name(s) leave no training names after the split.",
                               hint: "Use a larger file or a larger --train-fraction.")
        }
        self.vocabulary = names.vocabulary
        self.split = split
        self.names = names
        self.order = order
        trainEnd = n1
        valEnd = n2
    }

    /// Where `n` shuffled names are cut: train is [0, a), val [a, b), test [b, n).
    static func cut(_ n: Int, _ split: SplitConfig) -> (Int, Int) {
        let a = min(n, Int((Double(n) * split.trainFraction).rounded(.down)))
        return (a, min(n, a + Int((Double(n) * split.valFraction).rounded(.down))))
    }

    /// The number of categories (0 for plain names).
    package var categoryCount: Int { names.categories?.count ?? 0 }

    /// The category of name `i` (0 for plain names).
    @inline(__always)
    package func category(ofName i: Int) -> Int32 { names.categories.map { Int32($0.ofName[i]) } ?? 0 }

    /// Each category with its number of training names, as the checkpoint records them; empty
    /// for plain names.
    package var categoryCounts: [CategoryCount] {
        guard let categories = names.categories else { return [] }
        var counts = [Int](repeating: 0, count: categories.count)
        for i in indices(.train) { counts[Int(categories.ofName[Int(i)])] += 1 }
        return zip(categories.names, counts).map { CategoryCount(name: $0, count: $1) }
    }

    /// The categories of a split's names, in the split's order (nil for plain names).
    package func nameCategories(_ split: SplitName) -> [UInt16]? {
        names.categories.map { c in indices(split).map { c.ofName[Int($0)] } }
    }

    package init(names: [String], split: SplitConfig, dedupe: Bool = false) throws {
        try self.init(names: try NameList(names), split: split, dedupe: dedupe)
    }

    /// Rebuilds a data set from a file's names with the vocabulary a model was trained with;
    /// a name with a character outside that vocabulary is an error.
    package init(names: NameList, split: SplitConfig, dedupe: Bool, vocabulary: Vocabulary) throws {
        try self.init(names: try names.reencoded(in: vocabulary), split: split, dedupe: dedupe)
    }

    package init(names: [String], split: SplitConfig, dedupe: Bool, vocabulary: Vocabulary) throws {
        try self.init(names: try NameList(names), split: split, dedupe: dedupe, vocabulary: vocabulary)
    }

    /// The indices (into `names`) of a split's names, in shuffled order.
    package func indices(_ split: SplitName) -> ArraySlice<UInt32> {
        switch split {
        case .train: return order[0..<trainEnd]
        case .val: return order[trainEnd..<valEnd]
        case .test: return order[valEnd...]
        }
    }

    /// The number of names in a split.
    package func count(_ split: SplitName) -> Int { indices(split).count }

    /// The number of examples of a split: its characters plus one end per name.
    package func exampleCount(_ split: SplitName) -> Int {
        indices(split).reduce(0) { $0 + names.length(Int($1)) + 1 }
    }

    /// The length of the longest name used (in any split).
    package var longestName: Int { order.reduce(0) { max($0, names.length(Int($1))) } }

    /// The names of a split as strings, in shuffled order (small data: tests, summaries).
    package func names(_ split: SplitName) -> [String] { indices(split).map { names.name(Int($0)) } }

    package var train: [String] { names(.train) }
    package var val: [String] { names(.val) }
    package var test: [String] { names(.test) }

    /// The examples of one split at `blockSize`, as a token stream.
    package func stream(_ split: SplitName, blockSize: Int) -> TokenStream {
        TokenStream(names: names, order: indices(split), blockSize: blockSize, categories: nameCategories(split))
    }

    /// The names of `splits`, to look up by tokens.
    package func lookup(_ splits: [SplitName]) -> NameLookup {
        var set = NameSet(capacity: splits.reduce(0) { $0 + count($1) })
        for s in splits { for i in indices(s) { _ = set.insert(Int(i), of: names) } }
        return NameLookup(set: set, list: names)
    }
}
