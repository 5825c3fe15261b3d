/// Which part of the data an operation works on.
public enum SplitName: String, CaseIterable, Sendable {
    case train, val, test
}

/// How the names are divided: a seeded shuffle, then the first `trainFraction` of the names
/// for training, the next `valFraction` for validation and the rest for test.
public struct SplitConfig: Equatable, Sendable {
    public var seed: UInt64
    public var trainFraction: Double
    public var valFraction: Double

    public init(seed: UInt64 = 42, trainFraction: Double = 0.8, valFraction: Double = 0.1) {
        self.seed = seed
        self.trainFraction = trainFraction
        self.valFraction = valFraction
    }

    public var testFraction: Double { max(0, 1 - trainFraction - valFraction) }

    /// Checks the fractions; a usage error names the bad one.
    public func validate() throws {
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
public struct Dataset: Sendable {
    public let vocabulary: Vocabulary
    public let split: SplitConfig
    /// The names of each split, in shuffled order.
    public let train: [String]
    public let val: [String]
    public let test: [String]

    /// Builds the vocabulary from all `names` and splits them by `split`.
    /// With `dedupe`, repeated names are dropped (first occurrence kept) before the split.
    public init(names: [String], split: SplitConfig, dedupe: Bool = false) throws {
        try split.validate()
        var all = names
        if dedupe {
            var seen = Set<String>()
            all = names.filter { seen.insert($0).inserted }
        }
        self.vocabulary = try Vocabulary(names: all)
        self.split = split
        var rng = RandomGenerator(seed: split.seed)
        rng.shuffle(&all)
        let n = all.count
        let n1 = min(n, Int((Double(n) * split.trainFraction).rounded(.down)))
        let n2 = min(n, n1 + Int((Double(n) * split.valFraction).rounded(.down)))
        guard n1 > 0 else {
            throw NameGenError(.data, "Too few names to train on: \(n) name(s) leave no training names after the split.",
                               hint: "Use a larger file or a larger --train-fraction.")
        }
        self.train = Array(all[0..<n1])
        self.val = Array(all[n1..<n2])
        self.test = Array(all[n2..<n])
    }

    /// Rebuilds a data set from a file's names with the vocabulary a model was trained with;
    /// a name with a character outside that vocabulary is an error.
    public init(names: [String], split: SplitConfig, dedupe: Bool, vocabulary: Vocabulary) throws {
        let fresh = try Dataset(names: names, split: split, dedupe: dedupe)
        for c in fresh.vocabulary.characters where vocabulary.token(c) == nil {
            throw NameGenError(.data, "The data has the character '\(c)', which the model's vocabulary does not have.",
                               hint: "Evaluate on the file the model was trained on, or train a new model.")
        }
        self.vocabulary = vocabulary
        self.split = split
        self.train = fresh.train
        self.val = fresh.val
        self.test = fresh.test
    }

    public func names(_ split: SplitName) -> [String] {
        switch split {
        case .train: return train
        case .val: return val
        case .test: return test
        }
    }

    /// The context windows of one split at `blockSize`.
    public func windows(_ split: SplitName, blockSize: Int) -> ContextWindows {
        // Every character of the data is in the vocabulary, so encoding cannot fail.
        ContextWindows(encoded: names(split).map { vocabulary.encode($0)! }, blockSize: blockSize)
    }
}
