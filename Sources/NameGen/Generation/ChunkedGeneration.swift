import Dispatch
import Synchronization

/// How one sampling call's tries are cut into chunks: chunk j makes `size` tries (names drawn
/// to their end, accepted or not), `inFlight` names at a time, all its draws from
/// `generator(chunk: j)`. The cut depends only on the count asked for and the seed, never on
/// the number of threads, so a seed fixes the output.
struct ChunkPlan: Sendable {
    /// Tries per chunk: enough that the names in flight are replaced many times over (a chunk
    /// ends with fewer rows in flight), few enough that a small count wastes little.
    let size: Int
    /// Names in flight in a chunk (its rows): 64 keeps a transformer's key/value cache of the
    /// positions in use within the core's L2 cache (docs/PERFORMANCE.md has the measurements).
    let inFlight: Int
    let seed: UInt64

    /// `size` replaces the tries per chunk (tests).
    init(count: Int, seed: UInt64, size: Int? = nil) {
        self.size = size ?? min(max(count, 64), 4096)
        inFlight = min(self.size, 64)
        self.seed = seed
    }

    /// The threads worth starting for `count` names: one when one chunk is likely to hold them
    /// all (more would only load more model copies), else `requested`.
    static func threads(count: Int, requested: Int) -> Int {
        count <= ChunkPlan(count: count, seed: 0).size ? 1 : max(1, requested)
    }

    /// Chunk j's generator: the seed and j mixed (MurmurHash3's finaliser) into a seed of their
    /// own, so that no two chunks' xoshiro streams are shifted copies of each other.
    func generator(chunk j: Int) -> RandomGenerator {
        var z = seed ^ (UInt64(j) &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return RandomGenerator(seed: z ^ (z >> 33))
    }
}

/// A name that ended and passed the filters a chunk can check on its own (length, pattern,
/// exclusions); --unique and the string exclusions are checked in order when it is emitted.
struct Candidate {
    var name: String
    var tokens: [Int32]
    var category: Int32
}

/// What one chunk produced: its candidates in the order they ended, and its tries.
struct ChunkOutput {
    var candidates: [Candidate] = []
    var attempts = 0
}

/// The sampler's engine: chunks of `ChunkPlan` run on one `ChunkWorker` per model copy, each
/// on its own thread with one-thread products, and are consumed in chunk order on the calling
/// thread. `consume` returns false when it needs no more chunks.
enum ChunkedGeneration {
    static func run(models: [LanguageModel], vocabulary: Vocabulary, options: SamplingOptions, plan: ChunkPlan,
                    consume: (ChunkOutput) throws -> Bool) throws {
        let workers = models.map { ChunkWorker(model: $0, vocabulary: vocabulary, options: options, plan: plan) }
        if workers.count == 1 {
            try Matmul.$maxThreads.withValue(1) {
                var j = 0
                while try consume(workers[0].run(chunk: j)) { j += 1 }
            }
            return
        }
        let queue = ChunkQueue(workers: workers.count)
        let group = DispatchGroup()
        for worker in workers {
            DispatchQueue.global().async(group: group) {
                Matmul.$maxThreads.withValue(1) {
                    while let j = queue.take() { queue.deposit(j, worker.run(chunk: j)) }
                }
            }
        }
        defer {
            queue.finish()
            group.wait()
        }
        var j = 0
        while try consume(queue.wait(for: j)) { j += 1 }
    }
}

/// Chunks handed to the worker threads and their outputs handed back. Workers run at most
/// `ahead` chunks beyond the one the caller waits for, which bounds the memory held and the
/// work thrown away when the caller stops.
private final class ChunkQueue: @unchecked Sendable {
    private struct State {
        var next = 0
        var waitingFor = 0
        var finished = false
        var done: [Int: ChunkOutput] = [:]
    }
    private let state = Mutex(State())
    private let ahead: Int
    /// Signalled when a chunk is deposited (the caller waits on it) and when the caller moves
    /// on or finishes (workers waiting for room wait on it).
    private let deposited = DispatchSemaphore(value: 0)
    private let room = DispatchSemaphore(value: 0)
    private let workers: Int

    init(workers: Int) {
        self.workers = workers
        ahead = 2 * workers
    }

    /// The next chunk to make, or nil once the caller has finished.
    func take() -> Int? {
        while true {
            let taken: Int?? = state.withLock { s in
                if s.finished { return .some(nil) }
                guard s.next < s.waitingFor + ahead else { return nil }
                s.next += 1
                return .some(s.next - 1)
            }
            if let taken { return taken }
            room.wait()
        }
    }

    func deposit(_ j: Int, _ output: ChunkOutput) {
        state.withLock { $0.done[j] = output }
        deposited.signal()
    }

    /// Chunk j's output, once a worker has made it.
    func wait(for j: Int) -> ChunkOutput {
        state.withLock { $0.waitingFor = j }
        for _ in 0..<workers { room.signal() }
        while true {
            if let output = state.withLock({ $0.done.removeValue(forKey: j) }) { return output }
            deposited.wait()
        }
    }

    /// No more chunks: workers stop after the chunk they are making.
    func finish() {
        state.withLock { $0.finished = true }
        for _ in 0..<workers { room.signal() }
    }
}

/// Makes chunks with one model copy: `inFlight` names at a time, one call for the logits of
/// every name still growing per character position, then one draw per name, in row order.
/// A name that ends is replaced by a new one while the chunk has tries left.
final class ChunkWorker: @unchecked Sendable {
    let model: LanguageModel
    let vocabulary: Vocabulary
    let options: SamplingOptions
    let plan: ChunkPlan
    /// What a chunk works in, moved out of the worker while it runs (a local value: no
    /// exclusivity checks on every access to a class's stored arrays).
    private struct Buffers {
        var source: NextTokens
        var logits: Matrix
        var weights: [Double]
        var order: [Int]
        /// Per slot: the name's tokens (the prefix included), its pattern state, whether it is
        /// being finished along a shortest completion (`Sampler.Mask`), and its category.
        var tokens: [[Int32]]
        var states: [Int32]
        var finishing: [Bool]
        var categories: [Int32]
        /// The slots of the names still growing, in draw order.
        var live: [Int32]
    }
    private var buffers: Buffers?

    init(model: LanguageModel, vocabulary: Vocabulary, options: SamplingOptions, plan: ChunkPlan) {
        let v = model.vocabularySize, rows = plan.inFlight
        self.model = model
        self.vocabulary = vocabulary
        self.options = options
        self.plan = plan
        var live: [Int32] = []
        live.reserveCapacity(rows)
        buffers = Buffers(source: NextTokens(model: model, rows: rows, incremental: true), logits: Matrix(rows: rows, cols: v),
                          weights: [Double](repeating: 0, count: v), order: [Int](repeating: 0, count: v),
                          tokens: [[Int32]](repeating: options.prefix, count: rows), states: [Int32](repeating: 0, count: rows),
                          finishing: [Bool](repeating: false, count: rows), categories: [Int32](repeating: 0, count: rows),
                          live: live)
    }

    func run(chunk j: Int) -> ChunkOutput {
        var b = buffers!
        buffers = nil
        defer { buffers = b }
        var rng = plan.generator(chunk: j)
        var output = ChunkOutput()
        let labelled = model.categoryCount > 0
        let startState = options.pattern.flatMap { $0.state(after: options.prefix) } ?? 0
        let v = model.vocabularySize
        let rows = plan.inFlight
        b.live.removeAll(keepingCapacity: true)
        for s in 0..<rows {
            Self.start(s, &b, startState: startState, labelled: labelled, options: options, rng: &rng)
            b.live.append(Int32(s))
        }
        var started = rows
        while !b.live.isEmpty {
            b.source.logits(slots: b.live, names: b.tokens, categories: labelled ? b.categories : nil, slotCount: rows, into: &b.logits)
            var kept = 0
            for i in 0..<b.live.count {
                let s = Int(b.live[i])
                let length = b.tokens[s].count
                var mask = Sampler.Mask(forbidEnd: length < options.minLength, pattern: options.pattern, state: b.states[s],
                                        room: options.maxLength - length - 1, endRequests: true, finishing: b.finishing[s])
                let row = b.logits.data[(i * v)..<((i + 1) * v)]
                var next = Sampler.draw(row, mask: mask, options: options, weights: &b.weights, order: &b.order, rng: &rng)
                if next == Vocabulary.boundary, let pattern = options.pattern, !pattern.accepts(b.states[s]), !b.finishing[s] {
                    // The model would end here: finish the name along a shortest completion.
                    b.finishing[s] = true
                    mask.finishing = true
                    next = Sampler.draw(row, mask: mask, options: options, weights: &b.weights, order: &b.order, rng: &rng)
                }
                if next != Vocabulary.boundary && length < options.maxLength {
                    b.tokens[s].append(next)
                    if let pattern = options.pattern { b.states[s] = pattern.advance(b.states[s], next) ?? b.states[s] }
                    b.live[kept] = b.live[i]
                    kept += 1
                    continue
                }
                // The name ended (or grew too long): a candidate if it passes the chunk's filters.
                // Under a mask that left nothing to draw, the end token comes back: such a row is dropped.
                output.attempts += 1
                if next == Vocabulary.boundary && length >= options.minLength
                    && (options.pattern.map { $0.accepts(b.states[s]) } ?? true)
                    && !options.exclusions.contains(where: { $0.contains(b.tokens[s]) }) {
                    output.candidates.append(Candidate(name: vocabulary.decode(b.tokens[s]), tokens: b.tokens[s],
                                                       category: labelled ? b.categories[s] : 0))
                }
                if started < plan.size {
                    Self.start(s, &b, startState: startState, labelled: labelled, options: options, rng: &rng)
                    started += 1
                    b.live[kept] = b.live[i]
                    kept += 1
                }
            }
            b.live.removeLast(b.live.count - kept)
        }
        return output
    }

    /// A new name in slot s: the prefix, the pattern's state after it, and its category (fixed,
    /// or drawn for each new name, before its first character).
    private static func start(_ s: Int, _ b: inout Buffers, startState: Int32, labelled: Bool, options: SamplingOptions,
                              rng: inout RandomGenerator) {
        b.tokens[s].removeAll(keepingCapacity: true)
        b.tokens[s].append(contentsOf: options.prefix)
        b.states[s] = startState
        b.finishing[s] = false
        if labelled {
            b.categories[s] = options.category.map(Int32.init) ?? Sampler.drawCategory(options.categoryPrior, rng: &rng)
        }
    }
}
