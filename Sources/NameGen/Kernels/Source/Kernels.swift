import KernelSupport

/// This module's kernel set (see `KernelSet`; the name says which one: KernelConfig).
package enum Kernels: KernelSet {
    package static var name: String { KernelConfig.name }
    package static var matmulTileRows: Int { KernelConfig.tileRows }
    package static var matmulPanelWidth: Int { KernelConfig.panelWidth }

    package static func matmulPackB(_ job: MatmulJob, panels: Range<Int>) {
        MatmulCompute.packB(job, panels: panels)
    }

    package static func matmulCompute(_ job: MatmulJob, rows: Range<Int>, columns: Range<Int>) {
        MatmulCompute.compute(job, rows: rows, columns: columns)
    }

    package static func exp(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        ElementWise.map(y, x, count, ElementWise.exp16)
    }

    package static func tanh(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        ElementWise.map(y, x, count, ElementWise.tanh16)
    }

    package static func tanhBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ y: UnsafePointer<Float>, count: Int) {
        ElementWise.map2(dx, dy, y, count, ElementWise.tanhBackward16)
    }

    package static func relu(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        ElementWise.map(y, x, count, ElementWise.relu16)
    }

    package static func reluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ y: UnsafePointer<Float>, count: Int) {
        ElementWise.map2(dx, dy, y, count, ElementWise.reluBackward16)
    }

    package static func multiply(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                _ y: UnsafePointer<Float>, count: Int) {
        ElementWise.map2(z, x, y, count, ElementWise.multiply16)
    }

    package static func sgdStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int,
                               lr: Float, weightDecay: Float) {
        ElementWise.sgdStep(w, g, count: count, lr: lr, weightDecay: weightDecay)
    }

    package static func adamwStep(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                                 _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                                 count: Int, _ step: AdamWStep) {
        ElementWise.adamwStep(w, g, m, v, count: count, step)
    }

    package static func addColumnSums(_ sums: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                     rows: Int, columns: Int) {
        BatchKernels.addColumnSums(sums, x, rows: rows, columns: columns)
    }

    package static func batchNormForward(_ p: BatchNormForward) { BatchKernels.batchNormForward(p) }

    package static func batchNormInference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                          scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                          rows: Int, columns: Int) {
        BatchKernels.batchNormInference(out, x, scale: scale, shift: shift, rows: rows, columns: columns)
    }

    package static func batchNormBackward(_ p: BatchNormBackward) { BatchKernels.batchNormBackward(p) }

    package static func softmaxCrossEntropy(_ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                                           targets: UnsafePointer<Int32>, rows: Int, columns: Int, scale: Float,
                                           rowSum: UnsafeMutablePointer<Float>,
                                           rowShiftedTarget: UnsafeMutablePointer<Float>) {
        BatchKernels.softmaxCrossEntropy(dLogits, logits, targets: targets, rows: rows, columns: columns, scale: scale,
                                         rowSum: rowSum, rowShiftedTarget: rowShiftedTarget)
    }

    package static func embeddingGather(_ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
                                       tokens: UnsafePointer<Int32>, count: Int, width: Int) {
        BatchKernels.embeddingGather(out, table, tokens: tokens, count: count, width: width)
    }

    package static func embeddingScatter(_ grad: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                        tokens: UnsafePointer<Int32>, count: Int, width: Int) {
        BatchKernels.embeddingScatter(grad, dOut, tokens: tokens, count: count, width: width)
    }

    package static func layerNormForward(_ p: LayerNormOperands, out: UnsafeMutablePointer<Float>,
                                        beta: UnsafePointer<Float>, epsilon: Float) {
        LayerLoops.layerNormForward(p, out: out, beta: beta, epsilon: epsilon)
    }

    package static func layerNormBackward(_ p: LayerNormOperands, dx: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                         dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        LayerLoops.layerNormBackward(p, dx: dx, dOut: dOut, dGamma: dGamma, dBeta: dBeta)
    }

    package static func geluForward(_ y: UnsafeMutablePointer<Float>, _ t: UnsafeMutablePointer<Float>,
                                   _ x: UnsafePointer<Float>, count: Int) {
        LayerLoops.geluForward(y, t, x, count: count)
    }

    package static func geluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                    _ t: UnsafePointer<Float>, count: Int) {
        LayerLoops.geluBackward(dx, dy, x, t, count: count)
    }

    package static func add(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                           count: Int) {
        ElementWise.map2(z, x, y, count, LayerLoops.add16)
    }

    package static func attentionForward(_ a: AttentionOperands, out: UnsafeMutablePointer<Float>) {
        LayerLoops.attentionForward(a, out: out)
    }

    public static func attentionCached(_ a: CachedAttentionOperands, out: UnsafeMutablePointer<Float>) {
        LayerLoops.attentionCached(a, out: out)
    }

    public static func attentionBackward(_ a: AttentionOperands, dOut: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                                         dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        LayerLoops.attentionBackward(a, dOut: dOut, dq: dq, dk: dk, dv: dv)
    }

    package static func causalMean(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                  positions: UnsafePointer<Int32>, rows: Int, columns: Int) {
        LayerLoops.causalMean(y, x, positions: positions, rows: rows, columns: columns)
    }

    package static func causalMeanBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                          positions: UnsafePointer<Int32>, rows: Int, columns: Int) {
        LayerLoops.causalMeanBackward(dx, dy, positions: positions, rows: rows, columns: columns)
    }

    package static func peakFMA(iterations: Int, sink: UnsafeMutablePointer<Float>) -> Int {
        Peak.run(iterations: iterations, sink: sink)
    }
}
