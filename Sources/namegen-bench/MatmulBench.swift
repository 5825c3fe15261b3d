import Foundation
import Dispatch
import NameGen

/// Matmul speed on the shapes namegen uses, timed as `compare_numpy.py` times numpy:
/// a warm-up (20 ms of calls here; numpy's threads are warm from its earlier calls), then five runs of `reps` calls (reps ≈ 3e8 / flops, 5…20000), median of
/// the five per-call times. Prints a table, or one JSON object per line with the numpy
/// script's fields (`impl`, `variant`, `m`, `k`, `n`, `us`, `gflops`) plus `threads`.
enum MatmulBench {
    /// (M, K, N) of the numpy script, in its order.
    static let shapes: [(Int, Int, Int)] = [
        (32, 80, 200), (32, 200, 200), (32, 200, 27), (256, 200, 200), (128, 256, 512),
        (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
    ]

    /// The products of one batch-32 training step of the deep MLP (block 8 × embed 10 = 80
    /// inputs, hidden 200, 27 outputs): forward nt, input-gradient nn, weight-gradient tn.
    static let trainingShapes: [(String, Int, Int, Int)] = [
        ("nt", 32, 80, 200), ("nt", 32, 200, 200), ("nt", 32, 200, 27),
        ("nn", 32, 200, 80), ("nn", 32, 200, 200), ("nn", 32, 27, 200),
        ("tn", 200, 32, 80), ("tn", 200, 32, 200), ("tn", 27, 32, 200),
    ]

    /// Call within `Matmul.$maxThreads.withValue(threads)`.
    static func run(json: Bool, threads: Int, training: Bool, only: (Int, Int, Int)? = nil) {
        if !json {
            print("matmul (release build, median of 5 runs, kernel set \(KernelDispatch.active.name))")
            print("form       M      K      N        µs/call     GFLOPS  threads")
        }
        for (m, k, n) in only.map({ [$0] }) ?? shapes {
            for variant in ["nn", "nt", "tn"] {
                report(variant: variant, m: m, k: k, n: n, threads: threads, json: json, section: nil)
            }
        }
        if training && only == nil {
            if !json { print("\ntraining shapes (batch 32)") }
            for (variant, m, k, n) in trainingShapes {
                report(variant: variant, m: m, k: k, n: n, threads: threads, json: json, section: "training")
            }
        }
    }

    static func report(variant: String, m: Int, k: Int, n: Int, threads: Int, json: Bool, section: String?) {
        let backoffs = Matmul.poolBackoffs
        let seconds = time(variant: variant, m: m, k: k, n: n)
        if Matmul.poolBackoffs != backoffs {
            FileHandle.standardError.write(Data("note: \(variant) \(m)×\(k)×\(n) ran partly on one thread (the worker pool backed off: another process was taking a core)\n".utf8))
        }
        let flops = 2.0 * Double(m) * Double(k) * Double(n)
        let us = seconds * 1e6, gflops = flops / seconds / 1e9
        if json {
            let extra = section.map { ",\"section\":\"\($0)\"" } ?? ""
            print("{\"impl\":\"namegen\",\"variant\":\"\(variant)\",\"m\":\(m),\"k\":\(k),\"n\":\(n),"
                  + "\"us\":\(rounded(us)),\"gflops\":\(rounded(gflops)),\"threads\":\(threads),\"kernels\":\"\(KernelDispatch.active.name)\"\(extra)}")
        } else {
            print("\(pad(variant, 4)) \(pad(m, 6)) \(pad(k, 6)) \(pad(n, 6)) \(pad(rounded(us), 14)) \(pad(rounded(gflops), 10)) \(pad(threads, 8))")
        }
    }

    /// Median per-call time in seconds.
    static func time(variant: String, m: Int, k: Int, n: Int) -> Double {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            var mat = Matrix(rows: rows, cols: cols)
            for i in 0..<mat.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                mat.data[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
            }
            return mat
        }
        let a = variant == "tn" ? random(k, m) : random(m, k)
        let b = variant == "nt" ? random(n, k) : random(k, n)
        var c = Matrix(rows: m, cols: n)
        let call: (inout Matrix) -> Void
        switch variant {
        case "nn": call = { Matmul.nn(&$0, a, b) }
        case "nt": call = { Matmul.nt(&$0, a, b) }
        default: call = { Matmul.tn(&$0, a, b) }
        }
        // Warm-up: one call, and then calls for 20 ms, so that the worker threads (new in this
        // process: their first milliseconds run slow) are running as they are in training.
        call(&c)
        let warmUpEnd = DispatchTime.now().uptimeNanoseconds + 20_000_000
        while DispatchTime.now().uptimeNanoseconds < warmUpEnd { call(&c) }
        let flops = 2 * m * k * n
        let reps = max(5, min(20000, 300_000_000 / max(flops, 1)))
        var times: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { call(&c) }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(reps))
        }
        return times.sorted()[2]
    }

    static func rounded(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        let s = String(r)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) + ".0" : s
    }

    static func pad(_ value: Any, _ width: Int) -> String {
        let s = "\(value)"
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
