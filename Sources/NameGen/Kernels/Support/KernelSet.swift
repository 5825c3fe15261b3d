/// The interface every kernel set implements: one module per instruction set (KernelsAVX512,
/// KernelsAVX2, KernelsPortable), each compiled from the same source (Kernels/Source) with its
/// own `-march` flags, and each exporting an `enum Kernels: KernelSet`. NameGen picks one at
/// start-up (`KernelDispatch`) and calls it through this protocol; nothing outside the kernel
/// modules is compiled with instruction-set flags, so the binary starts on any x86-64 CPU.
///
/// Results must not depend on the set (the same seed gives the same checkpoint everywhere),
/// so every kernel fixes its arithmetic order independently of the vector width:
/// - a matmul output element is summed over k in increasing order, one FMA per term, from 0,
///   per KC block (KC and the direct/blocked choice are made by the caller, the same for all sets);
/// - element-wise functions use the same polynomials, with FMA;
/// - every other reduction runs in a fixed order: column sums row by row, and row sums over
///   16 logical lanes (whatever the register width) closed by one fixed tree (`sum16`).
/// The portable set on x86-64 without FMA computes `a * b + c` in two roundings instead, so its
/// results may differ in the last bits; on arm64 (NEON has FMA) it matches the other sets.
///
/// What belongs here: every loop whose work grows with the batch (its rows, positions or
/// elements), forward and backward: matrix products, element-wise functions and activations,
/// normalisations, softmax and attention, the optimisers' updates, gathers and scatters. Code
/// outside these modules is built without instruction-set flags (baseline SSE2, no FMA), so such
/// a loop written there would run several times slower and round differently. What stays
/// outside: work per parameter tensor or per call (bookkeeping, shapes, a C-float vector per
/// sampled row), the reductions done in Double (losses), and anything that allocates.
package protocol KernelSet {
    /// "avx512", "avx2" or "portable".
    static var name: String { get }

    // MARK: matmul (see NameGen's Matmul for the algorithm around these)

    /// Rows of C per micro-kernel tile; parts of a threaded product start on multiples of it.
    static var matmulTileRows: Int { get }
    /// Columns per packed B panel (a multiple of 16); parts start on multiples of it.
    static var matmulPanelWidth: Int { get }
    /// Packs panels `panels` (of width `matmulPanelWidth`) of B for the KC blocks of
    /// `job.kRange` into `job.packedB`.
    static func matmulPackB(_ job: MatmulJob, panels: Range<Int>)
    /// Computes C[rows, columns] of the job on the calling thread.
    static func matmulCompute(_ job: MatmulJob, rows: Range<Int>, columns: Range<Int>)

    // MARK: element-wise

    /// y[i] = exp(x[i]); x is clamped to [-87.3, 88.7]. y may be x.
    static func exp(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int)
    /// y[i] = tanh(x[i]). y may be x.
    static func tanh(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int)
    /// dx[i] = dy[i] · (1 − y[i]²)
    static func tanhBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                             _ y: UnsafePointer<Float>, count: Int)
    /// y[i] = max(x[i], 0)
    static func relu(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int)
    /// dx[i] = y[i] > 0 ? dy[i] : 0
    static func reluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                             _ y: UnsafePointer<Float>, count: Int)
    /// z[i] = x[i] · y[i]
    static func multiply(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                         _ y: UnsafePointer<Float>, count: Int)
    /// w[i] −= lr · (g[i] + wd · w[i])
    static func sgdStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int,
                        lr: Float, weightDecay: Float)
    /// One AdamW step over `count` parameters (see `AdamWStep`).
    static func adamwStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                          _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                          count: Int, _ step: AdamWStep)

    // MARK: recurrent cells (GRU and LSTM gate arithmetic; NameGen's RecurrentMath is the front)

    /// y[i] = 1 / (1 + exp(−x[i])), exp's argument clamped as `exp`'s. y may be x.
    static func sigmoid(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int)
    /// The GRU's new state h = hPrev + z·(hbar − hPrev), makemore's (1 − z)·hPrev + z·hbar.
    static func gruUpdate(_ h: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, z: UnsafePointer<Float>,
                          hbar: UnsafePointer<Float>, count: Int)
    /// Backward of `gruUpdate` and of the activations before it, from dh: dhPrev = dh·(1 − z)
    /// (overwritten), dzPre = dh·(hbar − hPrev)·z·(1 − z), dhbarPre = dh·z·(1 − hbar²).
    static func gruUpdateBackward(dhPrev: UnsafeMutablePointer<Float>, dzPre: UnsafeMutablePointer<Float>,
                                  dhbarPre: UnsafeMutablePointer<Float>, dh: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                                  z: UnsafePointer<Float>, hbar: UnsafePointer<Float>, count: Int)
    /// Backward of the GRU's reset product r·hPrev and of r = σ(rPre), from its gradient drh:
    /// drPre = drh·hPrev·r·(1 − r) (overwritten), dhPrev += drh·r.
    static func gruResetBackward(drPre: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>,
                                 drh: UnsafePointer<Float>, r: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, count: Int)
    /// The LSTM cell after its linear map, over `rows` rows of H = `width`: gates (rows, 4H) holds
    /// the pre-activations [i | f | g | o] and is overwritten with σ(i), σ(f), tanh(g), σ(o);
    /// c = σ(f)·cPrev + σ(i)·tanh(g), tanhC = tanh(c), h = σ(o)·tanhC, each (rows, H).
    static func lstmForward(gates: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                            tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
                            rows: Int, width: Int)
    /// Backward of `lstmForward` from dh and dc (rows, H), with its activated gates: overwrites
    /// dGates (rows, 4H) with the gradients at the pre-activations and dcPrev (rows, H).
    static func lstmBackward(dGates: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>,
                             dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, gates: UnsafePointer<Float>,
                             cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>, rows: Int, width: Int)

    // MARK: rows and columns of a row-major (N, C) batch

    /// sums[c] += Σₙ x[n, c], summed row by row.
    static func addColumnSums(_ sums: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, columns: Int)
    /// Training-mode BatchNorm (see NameGen's BatchNormKernels for the formulas).
    static func batchNormForward(_ p: BatchNormForward)
    /// Inference-mode BatchNorm: out = x · scale + shift, per column.
    static func batchNormInference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rows: Int, columns: Int)
    /// Backward of `batchNormForward`.
    static func batchNormBackward(_ p: BatchNormBackward)
    /// Softmax cross-entropy of each row of logits (N, V) against its target, fused with its
    /// gradient: dLogits[n] = (softmax(logits[n]) − onehot(target[n])) · scale. Writes, per row,
    /// rowSum[n] = Σ exp(logits[n] − max) and rowShiftedTarget[n] = logits[n, target] − max,
    /// from which the caller forms the loss log(rowSum) − rowShiftedTarget. A row whose target is
    /// negative has no loss: its gradient is 0, rowSum 1 and rowShiftedTarget 0.
    static func softmaxCrossEntropy(_ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                                    targets: UnsafePointer<Int32>, rows: Int, columns: Int, scale: Float,
                                    rowSum: UnsafeMutablePointer<Float>, rowShiftedTarget: UnsafeMutablePointer<Float>)
    /// out[i·E ..< (i+1)·E] = table[tokens[i]·E ..< (tokens[i]+1)·E] for i < count.
    static func embeddingGather(_ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, count: Int, width: Int)
    /// grad[tokens[i]·E ..< …] += dOut[i·E ..< …], in increasing i.
    static func embeddingScatter(_ grad: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                 tokens: UnsafePointer<Int32>, count: Int, width: Int)

    // MARK: sequence-model layers (LayerNorm, GELU, causal attention, the residual add)

    /// LayerNorm of each row: mean and rstd = 1/√(var + ε) into p.mean and p.rstd,
    /// out = (x − mean)·rstd·gamma + beta.
    static func layerNormForward(_ p: LayerNormOperands, out: UnsafeMutablePointer<Float>, beta: UnsafePointer<Float>,
                                 epsilon: Float)
    /// Backward of `layerNormForward` from its mean and rstd: ADDS into dx, dGamma and dBeta.
    static func layerNormBackward(_ p: LayerNormOperands, dx: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                  dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>)
    /// GELU, tanh form: y = ½x(1 + t), t = tanh(√(2/π)(x + 0.044715x³)) kept for backward.
    static func geluForward(_ y: UnsafeMutablePointer<Float>, _ t: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                            count: Int)
    /// dx = dy · GELU'(x), from x and the forward's t; overwrites dx.
    static func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                             _ t: UnsafePointer<Float>, count: Int)
    /// z[i] = x[i] + y[i]
    static func add(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int)
    /// Causal attention of every query row (see `AttentionOperands`): softmax probabilities into
    /// a.probabilities, out (rows, H·D) = Σⱼ p·mask·vⱼ per head.
    static func attentionForward(_ a: AttentionOperands, out: UnsafeMutablePointer<Float>)
    /// Attention of one new query per row over its cached keys and values (see
    /// `CachedAttentionOperands`): out (rows, H·D) = Σⱼ softmax(q·kⱼ/√D) vⱼ per head.
    static func attentionCached(_ a: CachedAttentionOperands, out: UnsafeMutablePointer<Float>)
    /// Backward of `attentionForward`: ADDS into dq (laid out as q) and dk, dv (as k and v).
    static func attentionBackward(_ a: AttentionOperands, dOut: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                                  dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>)
    /// Causal mean over packed sequences (rows in order; a row at position 0 starts a sequence):
    /// y[n] = Σ x[first … n] / (positions[n] + 1), (N, C).
    static func causalMean(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, positions: UnsafePointer<Int32>,
                           rows: Int, columns: Int)
    /// Backward of `causalMean`: dx[j] = Σ_{n ≥ j in j's sequence} dy[n] / (positions[n] + 1); overwrites dx.
    static func causalMeanBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                   positions: UnsafePointer<Int32>, rows: Int, columns: Int)

    // MARK: benchmarks

    /// Runs `iterations` rounds of independent FMAs at the set's native vector width and
    /// returns the number of floating-point operations done (2 per lane per FMA). The result
    /// of the arithmetic is kept alive through `sink`.
    static func peakFMA(iterations: Int, sink: UnsafeMutablePointer<Float>) -> Int
}

/// One AdamW update (PyTorch's order): w ← w·decay; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// w ← w − stepSize · m / (√v · invRootC2 + ε).
package struct AdamWStep {
    package var beta1: Float, beta2: Float, epsilon: Float
    package var decay: Float, stepSize: Float, invRootC2: Float
    package init(beta1: Float, beta2: Float, epsilon: Float, decay: Float, stepSize: Float, invRootC2: Float) {
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        (self.decay, self.stepSize, self.invRootC2) = (decay, stepSize, invRootC2)
    }
}

/// Operands of training-mode BatchNorm over an (N, C) batch (biased variance, as PyTorch
/// normalises): mean, variance and rstd are (C) outputs; xhat and out are (N, C) outputs.
package struct BatchNormForward {
    package var out: UnsafeMutablePointer<Float>, xhat: UnsafeMutablePointer<Float>
    package var mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
    package var x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>
    /// `columns` columns of rows that lie `stride` floats apart (stride ≥ columns: a block of
    /// columns of a wider batch, which is how the batch is split between threads).
    package var rows: Int, columns: Int, stride: Int, epsilon: Float
    package init(out: UnsafeMutablePointer<Float>, xhat: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                variance: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, rows: Int, columns: Int, epsilon: Float) {
        (self.out, self.xhat, self.mean, self.variance, self.rstd) = (out, xhat, mean, variance, rstd)
        (self.x, self.gamma, self.beta, self.rows, self.columns, self.epsilon) = (x, gamma, beta, rows, columns, epsilon)
        stride = columns
    }

    /// Columns j0..<j0+width of the same batch (pointers moved by j0, the stride kept).
    package func columns(_ j0: Int, width: Int) -> BatchNormForward {
        var p = self
        (p.out, p.xhat, p.mean, p.variance, p.rstd) = (out + j0, xhat + j0, mean + j0, variance + j0, rstd + j0)
        (p.x, p.gamma, p.beta, p.columns) = (x + j0, gamma + j0, beta + j0, width)
        return p
    }
}

/// Operands of BatchNorm's backward: dx (N, C) is overwritten, dGamma and dBeta (C) are added
/// into, sumDy and sumDyXhat are (C) scratch.
package struct BatchNormBackward {
    package var dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>
    package var sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>
    package var dy: UnsafePointer<Float>, xhat: UnsafePointer<Float>, gamma: UnsafePointer<Float>, rstd: UnsafePointer<Float>
    /// As in `BatchNormForward`: `columns` columns of rows `stride` floats apart.
    package var rows: Int, columns: Int, stride: Int
    package init(dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                sumDy: UnsafeMutablePointer<Float>, sumDyXhat: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                xhat: UnsafePointer<Float>, gamma: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, columns: Int) {
        (self.dx, self.dGamma, self.dBeta, self.sumDy, self.sumDyXhat) = (dx, dGamma, dBeta, sumDy, sumDyXhat)
        (self.dy, self.xhat, self.gamma, self.rstd, self.rows, self.columns) = (dy, xhat, gamma, rstd, rows, columns)
        stride = columns
    }

    /// Columns j0..<j0+width of the same batch (pointers moved by j0, the stride kept).
    package func columns(_ j0: Int, width: Int) -> BatchNormBackward {
        var p = self
        (p.dx, p.dGamma, p.dBeta, p.sumDy, p.sumDyXhat) = (dx + j0, dGamma + j0, dBeta + j0, sumDy + j0, sumDyXhat + j0)
        (p.dy, p.xhat, p.gamma, p.rstd, p.columns) = (dy + j0, xhat + j0, gamma + j0, rstd + j0, width)
        return p
    }
}

/// Element (r, c) of a logical matmul operand lives at base[r * row + c * col].
package struct MatmulStrides: Sendable {
    package var row: Int, col: Int
    package init(row: Int, col: Int) { (self.row, self.col) = (row, col) }
}

/// One product C(M,N) (+)= A(M,K) · B(K,N), its operands described by strides, and the choices
/// the caller (NameGen's Matmul) made for it. Handed to worker threads, hence the unchecked
/// Sendable: the pointers stay valid for the whole call, and parts write disjoint blocks of C.
package struct MatmulJob: @unchecked Sendable {
    package var a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    package var m: Int, n: Int, k: Int
    package var sa: MatmulStrides, sb: MatmulStrides
    package var accumulate: Bool
    /// Small products: whole K per tile, operands read in place. Otherwise cache-blocked.
    package var direct: Bool
    /// The blocked path's packed B, shared by all parts; nil on the direct path.
    package var packedB: UnsafeMutablePointer<Float>? = nil
    /// The rows of B (the range of K) packed in `packedB`: whole KC blocks.
    package var kRange: Range<Int> = 0..<0
    /// The KC of the blocked path (the same for every kernel set: it fixes the summation order).
    package var kc: Int = 0

    package init(a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                m: Int, n: Int, k: Int, sa: MatmulStrides, sb: MatmulStrides, accumulate: Bool, direct: Bool) {
        (self.a, self.b, self.c, self.m, self.n, self.k) = (a, b, c, m, n, k)
        (self.sa, self.sb, self.accumulate, self.direct) = (sa, sb, accumulate, direct)
    }
}
