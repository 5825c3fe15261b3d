import KernelSupport

/// The loops around the micro-kernel: the direct path for small products and the cache-blocked
/// path with packed panels for large ones (which one, and KC, the caller decides: see NameGen's
/// Matmul). MR = `KernelConfig.tileRows`, NR = `KernelConfig.panelWidth`.
enum MatmulCompute {
    static let mr = KernelConfig.tileRows, nr = KernelConfig.panelWidth
    static let mc = 16 * KernelConfig.tileRows, nc = KernelConfig.nc

    /// Computes C[rows, columns] of the job on the calling thread.
    static func compute(_ job: MatmulJob, rows: Range<Int>, columns: Range<Int>) {
        if job.direct {
            computeDirect(job, rows: rows, columns: columns)
        } else {
            computeBlocked(job, rows: rows, columns: columns)
        }
    }

    /// Small shapes: whole K per tile, A and B read in place where that is fast.
    /// B: nn/tn read it in place (NR floats per row, N apart), as is a last panel that is a whole
    /// number of 16-float vectors or exactly 8 columns wide; nt (B stored (N, K)), other ragged
    /// last panels, and leading dimensions that are a multiple of 256 floats (rows 1 KB apart
    /// fall into a few L1 sets and evict each other) go through a packed K×NR panel. A: read in place through its strides, except in the tn form with M a
    /// multiple of 256, where it is packed into MR-row panels first for the same reason.
    /// Row tiles: MR rows each, the last one shorter (32 rows with MR = 6 as 6+6+6+6+6+2; tiles
    /// of nearly equal height were no faster, see docs/PERFORMANCE.md). Tile heights change no
    /// result.
    static func computeDirect(_ job: MatmulJob, rows: Range<Int>, columns: Range<Int>) {
        let k = job.k, n = job.n
        let rowCount = rows.count, paddedRows = (rowCount + mr - 1) / mr * mr
        // Decided on the whole matrix, not on this part, so all parts take the same path.
        let packA = job.sa.row == 1 && job.sa.col % 256 == 0
            && (job.m + mr - 1) / mr * mr * k <= KernelConfig.directPackedAMax
        let bInPlace = job.sb.col == 1 && job.sb.row % 256 != 0
        let panel = ScratchBuffer.floats(k * nr + (packA ? paddedRows * k + 8 : 0))
        let aPacked = panel + k * nr
        if packA {
            MatmulPacking.packABlock(job.a, rowStride: job.sa.row, colStride: job.sa.col,
                                     i0: rows.lowerBound, mc: rowCount, p0: 0, kc: k, into: aPacked)
        }
        var j0 = columns.lowerBound
        while j0 < columns.upperBound {
            let width = min(nr, columns.upperBound - j0)
            let vectors = (width + 15) / 16
            let bp: UnsafePointer<Float>, ldb: Int
            // In place when the tile reads exactly the panel's columns: a full panel, or a
            // ragged one of exactly 8 columns (N = 200 leaves one), which the 8-wide tile reads
            // as one SIMD8 per row.
            if bInPlace && (width == 16 * vectors || width == 8) {
                bp = job.b + j0; ldb = job.sb.row
            } else {
                MatmulPacking.packBPanel(job.b, rowStride: job.sb.row, colStride: job.sb.col,
                                         p0: 0, kc: k, j0: j0, width: width, into: panel)
                bp = UnsafePointer(panel); ldb = nr
            }
            if packA {
                var i = 0
                while i < rowCount {
                    let h = min(mr, rowCount - i)
                    let c = job.c + (rows.lowerBound + i) * n + j0
                    if h == mr && vectors == KernelConfig.panelVectors && (width == 16 * vectors || ldb == nr) {
                        MicroKernel.packedTile(columns: width, kc: k, a: aPacked + i * k, b: bp, ldb: ldb,
                                               c: c, ldc: n, accumulate: job.accumulate)
                    } else {
                        MicroKernel.tile(rows: h, vectors: vectors, columns: width, kc: k, a: aPacked + i * k,
                                         rsa: 1, csa: mr, b: bp, ldb: ldb, c: c, ldc: n, accumulate: job.accumulate)
                    }
                    i += mr
                }
            } else {
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let h = min(mr, rows.upperBound - i)
                    MicroKernel.tile(rows: h, vectors: vectors, columns: width, kc: k,
                                     a: job.a + i * job.sa.row, rsa: job.sa.row, csa: job.sa.col,
                                     b: bp, ldb: ldb, c: job.c + i * n + j0, ldc: n, accumulate: job.accumulate)
                    i += h
                }
            }
            j0 += nr
        }
    }

    /// Packs the NR-column panels `panels` of B, for every KC block in `job.kRange`, into
    /// `job.packedB`. Layout: the KC block starting at row pc holds all ceil(N / NR) panels
    /// (each kcur × NR, see `MatmulPacking.packBPanel`) one after another, panel j at
    /// (pc − kRange.lowerBound)·NR·panels + j·kcur·NR.
    static func packB(_ job: MatmulJob, panels: Range<Int>) {
        guard let packed = job.packedB else { return }
        let total = (job.n + nr - 1) / nr
        var pc = job.kRange.lowerBound
        while pc < job.kRange.upperBound {
            let kcur = min(job.kc, job.kRange.upperBound - pc)
            let block = packed + (pc - job.kRange.lowerBound) * nr * total
            var rest = panels
            if job.sb.col == 1 {
                // Row-major B: the full panels row by row, then a ragged last one on its own.
                let full = panels.clamped(to: 0..<job.n / nr)
                MatmulPacking.packBPanels(job.b, rowStride: job.sb.row, p0: pc, kc: kcur, j0: full.lowerBound * nr,
                                          count: full.count, into: block + full.lowerBound * kcur * nr,
                                          panelStride: kcur * nr)
                rest = max(full.upperBound, panels.lowerBound)..<panels.upperBound
            }
            for j in rest {
                MatmulPacking.packBPanel(job.b, rowStride: job.sb.row, colStride: job.sb.col,
                                         p0: pc, kc: kcur, j0: j * nr, width: min(nr, job.n - j * nr),
                                         into: block + j * kcur * nr)
            }
            pc += job.kc
        }
    }

    /// Large shapes: the KC blocks of `job.kRange`, B packed beforehand (`packB`), A packed
    /// block by block, cache-blocked over N (NC), K (KC) and M (MC):
    ///   for jc in N by NC:                    B block KC×NC in L2/L3
    ///     for pc in K by KC:                  B panel KC×NR in L1/L2
    ///       for ic in M by MC: pack A block   A block MC×KC in L2
    ///         for each NR-column panel, for each MR-row panel: micro-kernel
    /// The first KC block of K stores into C (or adds, when accumulating), the later ones add.
    /// `columns` starts on a panel boundary.
    static func computeBlocked(_ job: MatmulJob, rows: Range<Int>, columns: Range<Int>) {
        guard let packedB = job.packedB else { return }
        let n = job.n, panels = (n + nr - 1) / nr
        let aBlock = ScratchBuffer.floats((mc + mr) * job.kc + 8)  // + 8: transposeRows spill
        var jc = columns.lowerBound
        while jc < columns.upperBound {
            let ncur = min(nc, columns.upperBound - jc)
            var pc = job.kRange.lowerBound
            while pc < job.kRange.upperBound {
                let kcur = min(job.kc, job.kRange.upperBound - pc)
                let accumulate = job.accumulate || pc > 0
                let bBlock = packedB + (pc - job.kRange.lowerBound) * nr * panels + jc / nr * kcur * nr
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mcur = min(mc, rows.upperBound - ic)
                    MatmulPacking.packABlock(job.a, rowStride: job.sa.row, colStride: job.sa.col,
                                             i0: ic, mc: mcur, p0: pc, kc: kcur, into: aBlock)
                    var jr = 0
                    while jr < ncur {
                        let width = min(nr, ncur - jr)
                        let vectors = (width + 15) / 16
                        var ir = 0
                        while ir < mcur {
                            let h = min(mr, mcur - ir)
                            let c = job.c + (ic + ir) * n + jc + jr
                            if h == mr && vectors == KernelConfig.panelVectors {
                                MicroKernel.packedTile(columns: width, kc: kcur, a: aBlock + ir * kcur,
                                                       b: bBlock + jr * kcur, ldb: nr, c: c, ldc: n,
                                                       accumulate: accumulate)
                            } else {
                                MicroKernel.tile(rows: h, vectors: vectors, columns: width, kc: kcur,
                                                 a: aBlock + ir * kcur, rsa: 1, csa: mr, b: bBlock + jr * kcur,
                                                 ldb: nr, c: c, ldc: n, accumulate: accumulate)
                            }
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += job.kc
            }
            jc += nc
        }
    }
}
