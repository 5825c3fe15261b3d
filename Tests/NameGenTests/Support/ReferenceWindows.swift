@testable import NameGen

/// The windows as namegen materialised them before the token stream (kept as the oracle of
/// `TokenStreamTests`): next-character examples cut from names: for each position, the previous `blockSize`
/// tokens (padded on the left with the start/stop token 0) and the token that follows.
///
/// For "emma" at block size 3 the pairs are
///   [0,0,0]→e, [0,0,e]→m, [0,e,m]→m, [e,m,m]→a, [m,m,a]→0.
///
/// `contexts` is (count, blockSize) row-major; `targets` is (count).
struct ReferenceWindows: Equatable {
    let blockSize: Int
    private(set) var contexts: [Int32]
    private(set) var targets: [Int32]

    var count: Int { targets.count }

    /// Windows for already-encoded names.
    init(encoded names: [[Int32]], blockSize: Int) {
        precondition(blockSize >= 1, "block size must be at least 1")
        self.blockSize = blockSize
        let total = names.reduce(0) { $0 + $1.count + 1 }
        var contexts = [Int32](repeating: 0, count: total * blockSize)
        var targets = [Int32](repeating: 0, count: total)
        var row = 0
        var window = [Int32](repeating: 0, count: blockSize)
        for name in names {
            for i in 0..<blockSize { window[i] = 0 }
            for position in 0...name.count {
                let next = position < name.count ? name[position] : Vocabulary.boundary
                let base = row * blockSize
                for i in 0..<blockSize { contexts[base + i] = window[i] }
                targets[row] = next
                row += 1
                // slide the window left by one and append `next`
                if blockSize > 1 { for i in 0..<(blockSize - 1) { window[i] = window[i + 1] } }
                window[blockSize - 1] = next
            }
        }
        self.contexts = contexts
        self.targets = targets
    }

    /// The context of example `i`.
    func context(_ i: Int) -> ArraySlice<Int32> {
        contexts[(i * blockSize)..<((i + 1) * blockSize)]
    }
}
