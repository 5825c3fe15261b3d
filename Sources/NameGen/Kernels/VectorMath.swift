import KernelSupport

/// Element-wise kernels on Float32 arrays: exp, tanh and the vector updates the layers and
/// optimisers need. The layers call them with safe `[Float]` arrays; each forwards to the
/// active kernel set (`KernelDispatch.active`), where the loops run at the set's vector width
/// (Kernels/Source/ElementWise.swift: exp and tanh on the Cephes polynomials with FMA).
package enum VectorMath {
    /// output[i] = exp(input[i]) for i < count (inputs clamped to [-87.3, 88.7]).
    package static func exp(_ output: inout [Float], _ input: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(input.count >= count && output.count >= count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in KernelDispatch.active.exp(y.baseAddress!, x.baseAddress!, count: count) }
        }
    }

    /// output[i] = tanh(input[i]) for i < count.
    package static func tanh(_ output: inout [Float], _ input: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(input.count >= count && output.count >= count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                BatchSplit.run(.tanh(y: y.baseAddress!, x: x.baseAddress!), width: count, elements: count)
            }
        }
    }

    /// In place: values[i] = exp(values[i]) for i < count.
    package static func expInPlace(_ values: inout [Float], count: Int) {
        guard count > 0 else { return }
        precondition(values.count >= count)
        values.withUnsafeMutableBufferPointer { y in KernelDispatch.active.exp(y.baseAddress!, y.baseAddress!, count: count) }
    }

    // MARK: activation backward

    /// dInput[i] = dOut[i] · (1 − out[i]²), the tanh derivative written with its output.
    package static func tanhBackward(dInput: inout [Float], dOut: [Float], out: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(dInput.count >= count && dOut.count >= count && out.count >= count)
        binary(&dInput, dOut, out) { BatchSplit.run(.tanhBackward(dx: $0, dy: $1, y: $2), width: count, elements: count) }
    }

    /// output[i] = max(input[i], 0).
    package static func relu(_ output: inout [Float], _ input: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(input.count >= count && output.count >= count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in KernelDispatch.active.relu(y.baseAddress!, x.baseAddress!, count: count) }
        }
    }

    /// dInput[i] = out[i] > 0 ? dOut[i] : 0, the ReLU derivative written with its output.
    package static func reluBackward(dInput: inout [Float], dOut: [Float], out: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(dInput.count >= count && dOut.count >= count && out.count >= count)
        binary(&dInput, dOut, out) { KernelDispatch.active.reluBackward($0, $1, $2, count: count) }
    }

    /// output[i] = a[i] · b[i] (dropout's mask, forward and backward).
    package static func multiply(_ output: inout [Float], _ a: [Float], _ b: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(a.count >= count && b.count >= count && output.count >= count)
        binary(&output, a, b) { KernelDispatch.active.multiply($0, $1, $2, count: count) }
    }

    /// Runs a kernel on the base addresses of one output and two input arrays (all non-empty).
    private static func binary(_ out: inout [Float], _ x: [Float], _ y: [Float],
                               _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { o in kernel(o.baseAddress!, x.baseAddress!, y.baseAddress!) }
            }
        }
    }

    // MARK: whole-array updates

    /// Sets values[0..<count] to zero.
    package static func zero(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// SGD with L2 weight decay: w −= lr · (g + wd · w).
    package static func sgdStep(weights: inout [Float], grads: [Float], lr: Float, weightDecay: Float) {
        precondition(weights.count == grads.count)
        guard !weights.isEmpty else { return }
        grads.withUnsafeBufferPointer { g in
            weights.withUnsafeMutableBufferPointer { w in
                KernelDispatch.active.sgdStep(w.baseAddress!, g.baseAddress!, count: w.count, lr: lr, weightDecay: weightDecay)
            }
        }
    }

    /// One AdamW step (Loshchilov & Hutter; PyTorch's `AdamW` update order):
    ///   w ← w − lr·wd·w;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
    ///   w ← w − lr · (m / c₁) / (√(v / c₂) + ε),  c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ
    package static func adamwStep(weights: inout [Float], grads: [Float], m: inout [Float], v: inout [Float],
                                 lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float,
                                 correction1: Float, correction2: Float) {
        let count = weights.count
        precondition(grads.count == count && m.count == count && v.count == count)
        guard count > 0 else { return }
        let step = AdamWStep(beta1: beta1, beta2: beta2, epsilon: epsilon, decay: 1 - lr * weightDecay,
                             stepSize: lr / correction1, invRootC2: 1 / correction2.squareRoot())
        grads.withUnsafeBufferPointer { g in
            weights.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        KernelDispatch.active.adamwStep(w.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!,
                                                        count: count, step)
                    }
                }
            }
        }
    }

    // MARK: embeddings and the loss, for the layers

    /// out[i·width + j] = table[tokens[i]·width + j] for i < count: the rows of `tokens` gathered.
    package static func embeddingGather(_ out: inout [Float], table: [Float], tokens: [Int32], count: Int, width: Int) {
        guard count > 0 else { return }
        precondition(tokens.count >= count && out.count >= count * width)
        tokens.withUnsafeBufferPointer { t in
            table.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    KernelDispatch.active.embeddingGather(o.baseAddress!, w.baseAddress!, tokens: t.baseAddress!,
                                                          count: count, width: width)
                }
            }
        }
    }

    /// grad[tokens[i]·width + j] += dOut[i·width + j] for i < count, in order of i.
    package static func embeddingScatter(_ grad: inout [Float], dOut: [Float], tokens: [Int32], count: Int, width: Int) {
        guard count > 0 else { return }
        precondition(tokens.count >= count && dOut.count >= count * width)
        tokens.withUnsafeBufferPointer { t in
            dOut.withUnsafeBufferPointer { d in
                grad.withUnsafeMutableBufferPointer { g in
                    KernelDispatch.active.embeddingScatter(g.baseAddress!, d.baseAddress!, tokens: t.baseAddress!,
                                                           count: count, width: width)
                }
            }
        }
    }

    /// x[r·width + j] += bias[j] for r < rows: a bias added to every row, as the plain loop
    /// would (one addition per element), without its bounds checks.
    package static func addBias(_ x: inout [Float], bias: [Float], rows: Int, width: Int) {
        guard rows > 0 && width > 0 else { return }
        precondition(bias.count >= width && x.count >= rows * width)
        bias.withUnsafeBufferPointer { b in
            x.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    let row = o.baseAddress! + r * width
                    for j in 0..<width { row[j] += b[j] }
                }
            }
        }
    }

    /// x[(n·r + k)·width + j] += table[indices[n]·width + j] for n < count, k < r: one table
    /// row added to each group of r rows (a category's vector at every position).
    package static func addRows(_ x: inout [Float], table: [Float], categories indices: [Int32], rowsPerIndex r: Int,
                               count: Int, width: Int) {
        guard count > 0 else { return }
        precondition(indices.count >= count && x.count >= count * r * width)
        indices.withUnsafeBufferPointer { idx in
            table.withUnsafeBufferPointer { w in
                x.withUnsafeMutableBufferPointer { o in
                    for n in 0..<count {
                        let source = w.baseAddress! + Int(idx[n]) * width
                        for k in 0..<r {
                            let row = o.baseAddress! + (n * r + k) * width
                            for j in 0..<width { row[j] += source[j] }
                        }
                    }
                }
            }
        }
    }

    /// grad[indices[n]·width + j] += dOut[(n·r + k)·width + j] for n < count, k < r, in order
    /// of n then k: the gradient of `addRows`.
    package static func scatterRows(_ grad: inout [Float], dOut: [Float], categories indices: [Int32], rowsPerIndex r: Int,
                                   count: Int, width: Int) {
        guard count > 0 else { return }
        precondition(indices.count >= count && dOut.count >= count * r * width)
        indices.withUnsafeBufferPointer { idx in
            dOut.withUnsafeBufferPointer { d in
                grad.withUnsafeMutableBufferPointer { g in
                    for n in 0..<count {
                        let target = g.baseAddress! + Int(idx[n]) * width
                        for k in 0..<r {
                            let row = d.baseAddress! + (n * r + k) * width
                            for j in 0..<width { target[j] += row[j] }
                        }
                    }
                }
            }
        }
    }

    /// Softmax cross-entropy over rows (rows, columns) of `logits`: dLogits = scale · (p − onehot)
    /// (zero on a row whose target is negative), and for each row r, scratch[r] = Σ exp(shifted)
    /// and scratch[rows + r] = the shifted target logit (scratch holds at least 2·rows floats).
    package static func softmaxCrossEntropy(dLogits: inout [Float], logits: [Float], targets: [Int32], rows: Int,
                                           columns: Int, scale: Float, scratch: inout [Float]) {
        guard rows > 0 else { return }
        precondition(logits.count >= rows * columns && dLogits.count >= rows * columns && targets.count >= rows)
        precondition(scratch.count >= 2 * rows)
        logits.withUnsafeBufferPointer { l in
            targets.withUnsafeBufferPointer { t in
                dLogits.withUnsafeMutableBufferPointer { d in
                    scratch.withUnsafeMutableBufferPointer { p in
                        KernelDispatch.active.softmaxCrossEntropy(d.baseAddress!, l.baseAddress!, targets: t.baseAddress!,
                                                                  rows: rows, columns: columns, scale: scale,
                                                                  rowSum: p.baseAddress!, rowShiftedTarget: p.baseAddress! + rows)
                    }
                }
            }
        }
    }
}
