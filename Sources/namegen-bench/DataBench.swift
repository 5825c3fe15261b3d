import Foundation
import NameGen

/// Reading and counting throughput on one names file, beside `wc -l` on the same file (the
/// floor: reading the bytes and finding the newlines), in alternating rounds so that all
/// see the same page cache and machine state. Figures are medians over the rounds, in MB/s
/// of the file's bytes (MB = 10^6 bytes).
///
///   wc -l        the reading floor
///   sha256       SHA-256 of the bytes alone (in memory)
///   load         `NameFile.load`: read, hash (second thread), cut and tokenise the names
///   split        shuffle and lay out the train stream at block size 1
///   bigram       count the bigrams of the train stream (one pass)
func dataBench(path: String, rounds: Int, json: Bool) throws {
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size > 0 else { throw NameGenError(.data, "'\(path)' is empty or missing.") }
    let bytes = try NameFile.readBytes(path)
    var times: [String: [Double]] = [:]
    func time(_ key: String, _ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times[key, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    var names = 0, examples = 0
    for _ in 0..<rounds {
        try time("wc -l") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/wc")
            p.arguments = ["-l", path]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        }
        time("sha256") { _ = SHA256.hex(bytes) }
        var contents: NameFile.Contents?
        try time("load") { contents = try NameFile.load(path) }
        var stream: TokenStream?
        try time("split") {
            let dataset = try Dataset(names: contents!.names, split: SplitConfig())
            stream = dataset.stream(.train, blockSize: 1)
        }
        var counts: [Int] = []
        time("bigram") { counts = stream!.bigramCounts(vocabularySize: contents!.names.vocabulary.size) }
        names = contents!.names.count
        examples = counts.reduce(0, +)
    }
    let mb = Double(size) / 1e6
    let order = ["wc -l", "sha256", "load", "split", "bigram"]
    if !json {
        print(String(format: "%@: %.1f MB, %d names, %d train bigrams; median of %d rounds", path, mb, names, examples, rounds))
        print("step         seconds      MB/s")
    }
    for key in order {
        let sorted = times[key]!.sorted()
        let median = sorted[sorted.count / 2]
        if json {
            print("{\"bench\":\"data\",\"step\":\"\(key)\",\"seconds\":\(median),\"mb_per_s\":\(mb / median),\"bytes\":\(size)}")
        } else {
            print(key.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "  %9.3f  %8.0f", median, mb / median))
        }
    }
}
