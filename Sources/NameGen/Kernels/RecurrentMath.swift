import KernelSupport

/// The gate arithmetic of the GRU and LSTM cells on safe arrays, forwarded to the active kernel
/// set (Kernels/Source/RecurrentKernels.swift). `count` elements (or rows of width H) of each
/// operand are used; the arrays may be longer (buffers allocated for a larger batch).
package enum RecurrentMath {
    /// y[i] = σ(x[i]) = 1 / (1 + exp(−x[i])).
    package static func sigmoid(_ y: inout [Float], _ x: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(x.count >= count && y.count >= count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in KernelDispatch.active.sigmoid(y.baseAddress!, x.baseAddress!, count: count) }
        }
    }

    /// h = hPrev + z·(hbar − hPrev).
    package static func gruUpdate(h: inout [Float], hPrev: [Float], z: [Float], hbar: [Float], count: Int) {
        guard count > 0 else { return }
        precondition(h.count >= count && hPrev.count >= count && z.count >= count && hbar.count >= count)
        hPrev.withUnsafeBufferPointer { hp in
            z.withUnsafeBufferPointer { z in
                hbar.withUnsafeBufferPointer { hb in
                    h.withUnsafeMutableBufferPointer { h in
                        KernelDispatch.active.gruUpdate(h.baseAddress!, hPrev: hp.baseAddress!, z: z.baseAddress!,
                                                        hbar: hb.baseAddress!, count: count)
                    }
                }
            }
        }
    }

    /// dhPrev = dh·(1 − z) (overwritten), dzPre = dh·(hbar − hPrev)·z(1 − z), dhbarPre = dh·z·(1 − hbar²).
    package static func gruUpdateBackward(dhPrev: inout [Float], dzPre: inout [Float], dhbarPre: inout [Float], dh: [Float],
                                         hPrev: [Float], z: [Float], hbar: [Float], count: Int) {
        guard count > 0 else { return }
        precondition([dhPrev.count, dzPre.count, dhbarPre.count, dh.count, hPrev.count, z.count, hbar.count].allSatisfy { $0 >= count })
        dh.withUnsafeBufferPointer { dh in
            hPrev.withUnsafeBufferPointer { hp in
                z.withUnsafeBufferPointer { z in
                    hbar.withUnsafeBufferPointer { hb in
                        dhPrev.withUnsafeMutableBufferPointer { dhp in
                            dzPre.withUnsafeMutableBufferPointer { dz in
                                dhbarPre.withUnsafeMutableBufferPointer { dhb in
                                    KernelDispatch.active.gruUpdateBackward(
                                        dhPrev: dhp.baseAddress!, dzPre: dz.baseAddress!, dhbarPre: dhb.baseAddress!,
                                        dh: dh.baseAddress!, hPrev: hp.baseAddress!, z: z.baseAddress!, hbar: hb.baseAddress!,
                                        count: count)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// drPre = drh·hPrev·r(1 − r) (overwritten), dhPrev += drh·r.
    package static func gruResetBackward(drPre: inout [Float], dhPrev: inout [Float], drh: [Float], r: [Float], hPrev: [Float],
                                        count: Int) {
        guard count > 0 else { return }
        precondition([drPre.count, dhPrev.count, drh.count, r.count, hPrev.count].allSatisfy { $0 >= count })
        drh.withUnsafeBufferPointer { drh in
            r.withUnsafeBufferPointer { r in
                hPrev.withUnsafeBufferPointer { hp in
                    drPre.withUnsafeMutableBufferPointer { dr in
                        dhPrev.withUnsafeMutableBufferPointer { dhp in
                            KernelDispatch.active.gruResetBackward(drPre: dr.baseAddress!, dhPrev: dhp.baseAddress!,
                                                                   drh: drh.baseAddress!, r: r.baseAddress!,
                                                                   hPrev: hp.baseAddress!, count: count)
                        }
                    }
                }
            }
        }
    }

    /// The LSTM cell on `rows` rows of width H (see `KernelSet.lstmForward`): gates (rows, 4H)
    /// pre-activations in, activations out; c, tanhC and h (rows, H) out.
    package static func lstmForward(gates: inout [Float], c: inout [Float], tanhC: inout [Float], h: inout [Float],
                                   cPrev: [Float], rows: Int, width: Int) {
        guard rows > 0 && width > 0 else { return }
        let n = rows * width
        precondition(gates.count >= 4 * n && [c.count, tanhC.count, h.count, cPrev.count].allSatisfy { $0 >= n })
        cPrev.withUnsafeBufferPointer { cp in
            gates.withUnsafeMutableBufferPointer { g in
                c.withUnsafeMutableBufferPointer { c in
                    tanhC.withUnsafeMutableBufferPointer { tc in
                        h.withUnsafeMutableBufferPointer { h in
                            KernelDispatch.active.lstmForward(gates: g.baseAddress!, c: c.baseAddress!, tanhC: tc.baseAddress!,
                                                              h: h.baseAddress!, cPrev: cp.baseAddress!, rows: rows, width: width)
                        }
                    }
                }
            }
        }
    }

    /// Backward of `lstmForward` (see `KernelSet.lstmBackward`): dGates (rows, 4H) and dcPrev
    /// (rows, H) overwritten.
    package static func lstmBackward(dGates: inout [Float], dcPrev: inout [Float], dh: [Float], dc: [Float], gates: [Float],
                                    cPrev: [Float], tanhC: [Float], rows: Int, width: Int) {
        guard rows > 0 && width > 0 else { return }
        let n = rows * width
        precondition(dGates.count >= 4 * n && gates.count >= 4 * n
                     && [dcPrev.count, dh.count, dc.count, cPrev.count, tanhC.count].allSatisfy { $0 >= n })
        dh.withUnsafeBufferPointer { dh in
            dc.withUnsafeBufferPointer { dc in
                gates.withUnsafeBufferPointer { g in
                    cPrev.withUnsafeBufferPointer { cp in
                        tanhC.withUnsafeBufferPointer { tc in
                            dGates.withUnsafeMutableBufferPointer { dg in
                                dcPrev.withUnsafeMutableBufferPointer { dcp in
                                    KernelDispatch.active.lstmBackward(
                                        dGates: dg.baseAddress!, dcPrev: dcp.baseAddress!, dh: dh.baseAddress!, dc: dc.baseAddress!,
                                        gates: g.baseAddress!, cPrev: cp.baseAddress!, tanhC: tc.baseAddress!, rows: rows,
                                        width: width)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
