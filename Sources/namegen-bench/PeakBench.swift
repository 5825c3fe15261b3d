import Dispatch
import Foundation
import NameGen

/// The machine's FMA peak at the active kernel set's width: a loop of nothing but independent
/// FMAs (`KernelSet.peakFMA`), on 1 thread and on `threads` threads at once, best of five runs.
/// Matmul GFLOPS divided by this is the share of peak.
func peakBench(json: Bool, threads: Int) {
    nonisolated(unsafe) let kernels = KernelDispatch.active
    for t in Array(Set([1, threads])).sorted() {
        var best = 0.0
        for _ in 0..<5 {
            let iterations = 20_000_000
            let start = DispatchTime.now().uptimeNanoseconds
            nonisolated(unsafe) let flops = UnsafeMutablePointer<Int>.allocate(capacity: t)
            DispatchQueue.concurrentPerform(iterations: t) { i in
                var sink: Float = 0
                flops[i] = kernels.peakFMA(iterations: iterations, sink: &sink)
                if sink.isNaN { print("") }  // keeps the result alive
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let total = (0..<t).reduce(0) { $0 + flops[$1] }
            flops.deallocate()
            best = max(best, Double(total) / seconds / 1e9)
        }
        if json {
            print("{\"bench\":\"peak\",\"kernels\":\"\(kernels.name)\",\"threads\":\(t),\"gflops\":\(String(format: "%.1f", best))}")
        } else {
            print(String(format: "FMA peak (%@, pure FMA loop): %.1f GFLOPS on %d thread%@", kernels.name, best, t, t == 1 ? "" : "s"))
        }
    }
    if !json { print("") }
}
