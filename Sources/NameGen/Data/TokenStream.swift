/// The next-character examples of one split, gathered on the fly from one stream of tokens.
///
/// The stream holds the split's names in order, each after `blockSize` start/stop tokens,
/// and one start/stop token after the last. At block size 3, "emma" then "ava" is
///
///   0 0 0 e m m a 0 0 0 a v a 0
///
/// Example i is a target position p of the stream (a character of a name, or the start/stop
/// token that ends it) with the `blockSize` tokens before p as its context: for "emma" the
/// pairs [0,0,0]→e, [0,0,e]→m, [0,e,m]→m, [e,m,m]→a, [m,m,a]→0. The examples are numbered
/// name by name as they always were, so a minibatch drawn by index is the same as before.
///
/// Memory is one token (usually one byte) per character plus `blockSize` per name, and a
/// 32-bit offset per name, instead of `blockSize` 32-bit tokens per character for
/// materialised windows.
package struct TokenStream: Sendable {
    package let blockSize: Int
    /// Number of examples: the characters of the names plus one end per name.
    package let count: Int
    package let nameCount: Int
    /// The padded stream.
    package let tokens: TokenBuffer
    /// `exampleStarts[j]` is the first example of name j, and `exampleStarts[nameCount]` is
    /// `count`. Only needed to find an example's position when `blockSize > 1`; empty at 1.
    let exampleStarts: [UInt32]
    /// The category of each name, in stream order, for labelled data (then `exampleStarts` is
    /// kept at every block size); nil for plain names.
    let nameCategories: [UInt16]?

    /// The stream of the names `order` of `names`, in that order.
    /// `NameFile.maxBytes` keeps a file's examples below 2^31, so they fit the 32-bit offsets;
    /// the stream's own length must too (names + block size × names < 2^32).
    package init(names: NameList, order: ArraySlice<UInt32>, blockSize: Int, categories: [UInt16]? = nil) {
        precondition(blockSize >= 1, "block size must be at least 1")
        precondition(categories.map { $0.count == order.count } ?? true)
        self.blockSize = blockSize
        nameCount = order.count
        nameCategories = categories
        let keepStarts = blockSize > 1 || categories != nil
        // One pass in split order: where each name starts in the stream (by file index, so
        // that the copy below reads the names in file order, sequentially, and only the
        // writes jump), and each name's first example.
        var starts: [UInt32] = []
        if keepStarts { starts.reserveCapacity(order.count + 1) }
        var firstPosition = [UInt32](repeating: .max, count: names.count)
        var examples = 0
        var cursor = 0
        for i in order {
            let n = names.length(Int(i))
            if keepStarts { starts.append(UInt32(examples)) }
            cursor += blockSize
            firstPosition[Int(i)] = UInt32(truncatingIfNeeded: cursor)
            cursor += n
            examples += n + 1
        }
        let length = cursor + 1
        precondition(length < Int(UInt32.max), "a stream longer than 32-bit offsets hold")
        if keepStarts { starts.append(UInt32(examples)) }
        count = examples
        exampleStarts = starts
        func fill<T: FixedWidthInteger>(_ source: [T]) -> [T] {
            var out = [T](repeating: 0, count: length)
            var q = 0
            for i in 0..<names.count {
                let end = Int(names.ends[i])
                let p = firstPosition[i]
                if p != .max {
                    var w = Int(p)
                    while q < end {
                        out[w] = source[q]
                        w += 1
                        q += 1
                    }
                }
                q = end
            }
            return out
        }
        switch names.tokens {
        case .u8(let a): tokens = .u8(fill(a))
        case .u16(let a): tokens = .u16(fill(a))
        }
    }

    /// The stream of already-encoded names (tests, small lists).
    package init(encoded names: [[Int32]], vocabularySize: Int = 256, blockSize: Int) {
        var buffer = TokenBuffer(vocabularySize: vocabularySize)
        var ends: [UInt32] = []
        for name in names {
            for t in name { buffer.append(Int(t)) }
            ends.append(UInt32(buffer.count))
        }
        let list = NameList(vocabulary: try! Vocabulary(characters: []), tokens: buffer, ends: ends)
        self.init(names: list, order: Array(0..<UInt32(names.count))[...], blockSize: blockSize)
    }

    /// The stream position of example `i`'s target (its context is the `blockSize` before).
    @inline(__always)
    package func position(ofExample i: Int) -> Int {
        if blockSize == 1 { return i + 1 }
        // Name j's first target is after j + 1 paddings and the j names (and ends) before it.
        return i + name(ofExample: i) * (blockSize - 1) + blockSize
    }

    /// The name j (in stream order) holding example i: the last start ≤ i.
    @inline(__always)
    func name(ofExample i: Int) -> Int {
        var lo = 0, hi = nameCount - 1
        let key = UInt32(i)
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if exampleStarts[mid] <= key { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The category of example `i`'s name (0 for plain names).
    @inline(__always)
    package func category(_ i: Int) -> Int32 {
        guard let nameCategories else { return 0 }
        return Int32(nameCategories[name(ofExample: i)])
    }

    /// The categories of the examples `range`, into the first rows of `categories`.
    package func categories(examples range: Range<Int>, into categories: inout [Int32]) {
        guard let nameCategories, !range.isEmpty else { return }
        var j = name(ofExample: range.lowerBound)
        for row in 0..<range.count {
            let i = range.lowerBound + row
            while exampleStarts[j + 1] <= UInt32(i) { j += 1 }
            categories[row] = Int32(nameCategories[j])
        }
    }

    /// Writes example `i` into row `row` of `contexts` (rows of `blockSize`) and `targets`.
    @inline(__always)
    package func copy(example i: Int, toRow row: Int, contexts: inout [Int32], targets: inout [Int32]) {
        let p = position(ofExample: i)
        let b = blockSize
        switch tokens {
        case .u8(let a):
            for k in 0..<b { contexts[row * b + k] = Int32(a[p - b + k]) }
            targets[row] = Int32(a[p])
        case .u16(let a):
            for k in 0..<b { contexts[row * b + k] = Int32(a[p - b + k]) }
            targets[row] = Int32(a[p])
        }
    }

    /// Writes the examples `range` (in order) into the first rows of `contexts` and `targets`.
    /// Walks the stream: after a target that ends a name, the next target is `blockSize` on.
    package func copy(examples range: Range<Int>, contexts: inout [Int32], targets: inout [Int32]) {
        guard !range.isEmpty else { return }
        var p = position(ofExample: range.lowerBound)
        let b = blockSize
        func walk<T: FixedWidthInteger>(_ a: [T]) {
            for row in 0..<range.count {
                for k in 0..<b { contexts[row * b + k] = Int32(a[p - b + k]) }
                let t = a[p]
                targets[row] = Int32(t)
                p += t == 0 ? b : 1
            }
        }
        switch tokens {
        case .u8(let a): walk(a)
        case .u16(let a): walk(a)
        }
    }

    /// Writes the examples `indices` (any order) into the first rows of `contexts` and `targets`.
    package func copy(examples indices: ArraySlice<Int>, contexts: inout [Int32], targets: inout [Int32]) {
        for (row, i) in indices.enumerated() { copy(example: i, toRow: row, contexts: &contexts, targets: &targets) }
    }

    /// The context of example `i`.
    package func context(_ i: Int) -> [Int32] {
        let p = position(ofExample: i)
        return tokens.tokens((p - blockSize)..<p)
    }

    /// The target of example `i`.
    package func target(_ i: Int) -> Int32 { tokens[position(ofExample: i)] }

    /// Every example at once, as (count, blockSize) contexts and (count) targets: for models
    /// that train on the full batch (onehot), whose own buffers are already this size × V.
    package func materialize() -> (contexts: [Int32], targets: [Int32]) {
        var contexts = [Int32](repeating: 0, count: count * blockSize)
        var targets = [Int32](repeating: 0, count: count)
        copy(examples: 0..<count, contexts: &contexts, targets: &targets)
        return (contexts, targets)
    }

    /// How often each token follows each other token over all examples, counted in one pass
    /// over the stream (block size 1, where every adjacent pair is an example):
    /// `counts[prev * vocabularySize + next]`.
    package func bigramCounts(vocabularySize v: Int) -> [Int] {
        precondition(blockSize == 1)
        var counts = [Int](repeating: 0, count: v * v)
        func pass<T: FixedWidthInteger>(_ a: [T]) {
            guard a.count > 1 else { return }
            var prev = Int(a[0])
            for p in 1..<a.count {
                let next = Int(a[p])
                counts[prev * v + next] += 1
                prev = next
            }
        }
        switch tokens {
        case .u8(let a): pass(a)
        case .u16(let a): pass(a)
        }
        return counts
    }

    /// `bigramCounts` per category of labelled names: `counts[(c * V + prev) * V + next]`
    /// counts the pairs of the names of category c, in one pass over the names (block size 1,
    /// where name j's examples are the pairs at stream positions exampleStarts[j] ..<
    /// exampleStarts[j + 1] and the one after each).
    package func bigramCounts(vocabularySize v: Int, categories k: Int) -> [Int] {
        precondition(blockSize == 1)
        guard let nameCategories else { preconditionFailure("per-category counts of unlabelled names") }
        var counts = [Int](repeating: 0, count: k * v * v)
        func pass<T: FixedWidthInteger>(_ a: [T]) {
            for j in 0..<nameCount {
                let c = Int(nameCategories[j])
                precondition(c < k, "category out of the table")
                let table = c * v * v
                for p in Int(exampleStarts[j])..<Int(exampleStarts[j + 1]) {
                    counts[table + Int(a[p]) * v + Int(a[p + 1])] += 1
                }
            }
        }
        switch tokens {
        case .u8(let a): pass(a)
        case .u16(let a): pass(a)
        }
        return counts
    }
}
