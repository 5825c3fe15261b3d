import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import NameGen

/// Collects the elements of an SVG document (it must parse as XML).
private final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [(cssClass: String?, text: String)] = []
    private var currentClass: String?
    private var inText = false
    private var buffer = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        if name == "text" { inText = true; buffer = ""; currentClass = attributes["class"] }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { buffer += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append((currentClass, buffer)); inText = false }
    }

    static func parse(_ svg: String) throws -> SVGCollector {
        let c = SVGCollector()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = c
        guard p.parse() else { throw p.parserError ?? NSError(domain: "xml", code: 1) }
        return c
    }
}

final class PlotTests: NameGenTestCase {
    func testScatterHasOnePointAndLabelPerCharacter() throws {
        let labels = ["·", "a", "<", "&", "\"q\""]
        let svg = Charts.scatter(labels.enumerated().map { (Double($0.offset), Double($0.offset * $0.offset), $0.element) },
                                 title: "emb", xLabel: "x", yLabel: "y")
        let doc = try SVGCollector.parse(svg)
        XCTAssertEqual(doc.elements.filter { $0.name == "circle" && $0.attributes["class"] == "point" }.count, 5)
        XCTAssertEqual(doc.texts.filter { $0.cssClass == "point-label" }.map(\.text), labels, "labels survive XML escaping")
        XCTAssertEqual(doc.texts.first { $0.cssClass == "title" }?.text, "emb")
        XCTAssertEqual(Set(doc.texts.filter { $0.cssClass == "axis-label" }.map(\.text)), ["x", "y"])
    }

    func testPlotOfATrainedMLPWritesItsEmbeddingsAndLossCurves() throws {
        let dir = TemporaryDirectory()
        let data = dir.write("names.txt", ["ava", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jon", "kay", "lee"].joined(separator: "\n"))
        let checkpoint = dir.file("m.safetensors")
        let (console, out, _) = Console.capturing()
        XCTAssertEqual(CommandLineTool.run(["train", "--data", data, "--checkpoint", checkpoint, "--block-size", "2", "--embed", "3",
                                            "--hidden", "8", "--layers", "1", "--steps", "20", "--eval-every", "5"], console: console), 0)
        XCTAssertEqual(CommandLineTool.run(["plot", "--checkpoint", checkpoint, "--out", dir.path], console: console), 0)
        XCTAssertTrue(out().hasSuffix(dir.file("loss.svg") + "\n" + dir.file("embeddings.svg") + "\n"), out())
        let embeddings = try SVGCollector.parse(try String(contentsOfFile: dir.file("embeddings.svg"), encoding: .utf8))
        // One labelled point per token: the start/stop token, then the 18 letters of the file, sorted.
        let labels = embeddings.texts.filter { $0.cssClass == "point-label" }.map(\.text)
        XCTAssertEqual(labels, ["·", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "n", "o", "s", "u", "v", "y"])
        XCTAssertEqual(embeddings.elements.filter { $0.name == "circle" && $0.attributes["class"] == "point" }.count, labels.count)
        XCTAssertEqual(embeddings.texts.first { $0.cssClass == "title" }?.text, "character embeddings (PCA of 3 dimensions)")
        let loss = try SVGCollector.parse(try String(contentsOfFile: dir.file("loss.svg"), encoding: .utf8))
        let series = loss.elements.filter { $0.name == "polyline" && $0.attributes["class"] == "series" }
        XCTAssertEqual(series.count, 2, "train and val")
        XCTAssertEqual(series[1].attributes["points"]?.split(separator: " ").count, 4, "val at steps 5, 10, 15, 20")
    }

    func testHeatMapHasACellPerPair() throws {
        var m = Matrix(rows: 3, cols: 3)
        for i in 0..<9 { m.data[i] = Float(i * 10) }
        let doc = try SVGCollector.parse(Charts.heatMap(m, labels: ["·", "a", "b"], title: "counts"))
        let cells = doc.texts.filter { $0.cssClass == "cell" }.map(\.text)
        XCTAssertEqual(cells, (0..<9).map { String($0 * 10) })
        XCTAssertEqual(doc.texts.filter { $0.cssClass == "row-label" }.map(\.text), ["·", "a", "b"])
    }

    func testHugeValuesDoNotTrap() throws {
        // Int(v) traps beyond Int.max: labels and counts fall back to %g.
        XCTAssertEqual(Charts.label(1e30), "1e+30")
        XCTAssertEqual(Charts.label(-3e38), "-3e+38")
        XCTAssertEqual(Charts.label(2000), "2000")
        var m = Matrix(rows: 2, cols: 2)
        m.data = [1e30, 3e38, 0, 5]
        let doc = try SVGCollector.parse(Charts.heatMap(m, labels: ["·", "a"], title: "counts"))
        XCTAssertEqual(doc.texts.filter { $0.cssClass == "cell" }.map(\.text), ["1e+30", "3e+38", "0", "5"])
        let scatter = Charts.scatter([(x: 3e38, y: -3e38, label: "a"), (x: -3e38, y: 3e38, label: "b")], title: "e", xLabel: "x", yLabel: "y")
        XCTAssertNoThrow(try SVGCollector.parse(scatter))
    }

    func testPlotRejectsADamagedCheckpointLikeTheOtherCommands() throws {
        let dir = TemporaryDirectory()
        let data = dir.write("names.txt", "emma\nolivia\nava\nisabella\nsophia\nmia\namelia\nharper\n")
        let (console, _, _) = Console.capturing()
        let bigram = dir.file("b.safetensors"), mlp = dir.file("m.safetensors")
        XCTAssertEqual(CommandLineTool.run(["train", "--model", "bigram", "--data", data, "--checkpoint", bigram], console: console), 0)
        XCTAssertEqual(CommandLineTool.run(["train", "--data", data, "--checkpoint", mlp, "--hidden", "4", "--layers", "1", "--steps", "5"], console: console), 0)
        // Negative counts (plot trapped on the square root of a negative) and a NaN output bias
        // (plot drew the embeddings and exited 0 while info/eval/sample refused the file).
        var b = try Checkpoint.read(from: bigram)
        let v = b.vocabulary.size
        b.tensors["counts"] = Tensor(shape: [v, v], floats: [Float](repeating: -1, count: v * v))
        try b.write(to: bigram)
        var m = try Checkpoint.read(from: mlp)
        m.tensors["output.bias"] = Tensor(shape: [v], floats: [Float](repeating: .nan, count: v))
        try m.write(to: mlp)
        for path in [bigram, mlp] {
            let (c, out, err) = Console.capturing()
            XCTAssertEqual(CommandLineTool.run(["plot", "--checkpoint", path, "--out", dir.path], console: c), 66, err())
            XCTAssertEqual(out(), "")
            XCTAssertTrue(err().hasPrefix("Error: ") && err().filter { $0 == "\n" }.count == 1, err())
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("counts.svg")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("embeddings.svg")))
    }

    func testLossCurvesDrawOneLinePerSeries() throws {
        let svg = Charts.lossCurves([("train", [(0, 3.3), (100, 2.5), (200, 2.2)]), ("val", [(200, 2.3)])], title: "loss")
        let doc = try SVGCollector.parse(svg)
        let lines = doc.elements.filter { $0.name == "polyline" && $0.attributes["class"] == "series" }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].attributes["points"]?.split(separator: " ").count, 3)
        XCTAssertEqual(doc.texts.filter { $0.cssClass == "legend" }.map(\.text), ["train", "val"])
    }

    func testTicksAreRoundNumbersCoveringTheRange() {
        XCTAssertEqual(Charts.ticks(0, 10, count: 5), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(Charts.ticks(2.03, 2.49, count: 5), [2.1, 2.2, 2.3, 2.4], accuracy: 1e-9)
    }

    func testPCAFindsTheDirectionOfLargestVariance() {
        // Points on the line y = 2x (plus a small orthogonal wiggle) in 3-D; the first
        // component must carry almost all the spread, the second almost none.
        let rows: [[Double]] = (0..<20).map { i in
            let t = Double(i) - 9.5
            let wiggle = (i % 2 == 0 ? 0.1 : -0.1)
            return [t, 2 * t, wiggle]
        }
        let p = PCA.project(rows)
        let var1 = p.reduce(0) { $0 + $1[0] * $1[0] }, var2 = p.reduce(0) { $0 + $1[1] * $1[1] }
        // The rows are centred already (t and the wiggle both average 0), so this is the total variance.
        let total = rows.reduce(0) { acc, r in acc + r[0] * r[0] + r[1] * r[1] + r[2] * r[2] }
        XCTAssertEqual(var1 + var2, total, accuracy: 1e-6 * total, "two components keep the variance of a rank-2 cloud")
        XCTAssertGreaterThan(var1 / var2, 1000)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
