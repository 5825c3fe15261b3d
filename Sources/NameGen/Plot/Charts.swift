#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The three figures `namegen plot` draws, as SVG text.
package enum Charts {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    /// Tick values at 1, 2 or 5 × 10ⁿ covering lo...hi.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var t = ceil(lo / step) * step
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        guard v.isFinite, abs(v) < 1e15 else { return Format.general(v, 3) }  // Int(v) would trap
        if abs(v) >= 1000 && v == v.rounded() { return String(Int(v)) }
        return Format.fixed(v, abs(v) >= 10 ? 0 : (abs(v) >= 1 ? 2 : 3))
    }

    struct Frame {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let width: Double, height: Double
        let x: ClosedRange<Double>, y: ClosedRange<Double>
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        func px(_ v: Double) -> Double { left + (v - x.lowerBound) / max(x.upperBound - x.lowerBound, 1e-12) * plotWidth }
        func py(_ v: Double) -> Double { top + plotHeight - (v - y.lowerBound) / max(y.upperBound - y.lowerBound, 1e-12) * plotHeight }

        func draw(_ svg: inout SVG, title: String, xLabel: String, yLabel: String) {
            svg.text(title, x: width / 2, y: 24, size: 16, anchor: .middle, weight: "bold", cssClass: "title")
            for t in Charts.ticks(x.lowerBound, x.upperBound) {
                svg.line(x1: px(t), y1: top, x2: px(t), y2: top + plotHeight, stroke: "#e5e5e5")
                svg.text(Charts.label(t), x: px(t), y: top + plotHeight + 16, size: 11, anchor: .middle, cssClass: "tick")
            }
            for t in Charts.ticks(y.lowerBound, y.upperBound) {
                svg.line(x1: left, y1: py(t), x2: left + plotWidth, y2: py(t), stroke: "#e5e5e5")
                svg.text(Charts.label(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end, cssClass: "tick")
            }
            svg.rect(x: left, y: top, width: plotWidth, height: plotHeight, fill: "none", stroke: "#444")
            svg.text(xLabel, x: left + plotWidth / 2, y: height - 12, size: 13, anchor: .middle, cssClass: "axis-label")
            svg.text(yLabel, x: 18, y: top + plotHeight / 2, size: 13, anchor: .middle, rotate: -90, cssClass: "axis-label")
        }
    }

    static func padded(_ values: [Double], fraction: Double = 0.05) -> ClosedRange<Double> {
        let finite = values.filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        if hi == lo { return (lo - 1)...(hi + 1) }
        let pad = (hi - lo) * fraction
        return (lo - pad)...(hi + pad)
    }

    /// Loss curves: one polyline per series (e.g. train and val), with a legend.
    package static func lossCurves(_ series: [(name: String, points: [(step: Double, loss: Double)])], title: String) -> String {
        let all = series.flatMap { $0.points }
        let frame = Frame(width: 720, height: 440, x: padded(all.map(\.step), fraction: 0), y: padded(all.map(\.loss)))
        var svg = SVG(width: frame.width, height: frame.height)
        frame.draw(&svg, title: title, xLabel: "step", yLabel: "loss (nats per character)")
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let points = s.points.filter { $0.loss.isFinite }.map { (frame.px($0.step), frame.py($0.loss)) }
            svg.polyline(points, stroke: color, cssClass: "series")
            if points.count == 1 { svg.circle(cx: points[0].0, cy: points[0].1, r: 3, fill: color) }
            let ly = frame.top + 14 + Double(i) * 18
            svg.line(x1: frame.left + frame.plotWidth - 110, y1: ly - 4, x2: frame.left + frame.plotWidth - 86, y2: ly - 4, stroke: color, width: 2)
            svg.text(s.name, x: frame.left + frame.plotWidth - 80, y: ly, size: 12, cssClass: "legend")
        }
        return svg.render()
    }

    /// A labelled scatter plot: one point and one label per character.
    package static func scatter(_ points: [(x: Double, y: Double, label: String)], title: String, xLabel: String, yLabel: String) -> String {
        let frame = Frame(width: 640, height: 600, x: padded(points.map(\.x), fraction: 0.08), y: padded(points.map(\.y), fraction: 0.08))
        var svg = SVG(width: frame.width, height: frame.height)
        frame.draw(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        for p in points {
            svg.circle(cx: frame.px(p.x), cy: frame.py(p.y), r: 9, fill: "#9ecae1", cssClass: "point")
            svg.text(p.label, x: frame.px(p.x), y: frame.py(p.y) + 4, size: 11, anchor: .middle, cssClass: "point-label")
        }
        return svg.render()
    }

    /// A count as a whole number; %g where Int(v) would trap (NaN, infinite or beyond Int).
    static func count(_ v: Double) -> String {
        v.isFinite && abs(v) < 1e15 ? String(Int(v)) : Format.general(v, 3)
    }

    /// A heat map of a square count matrix, each cell labelled with its row→column pair and count.
    package static func heatMap(_ counts: Matrix, labels: [String], title: String) -> String {
        let n = counts.rows
        let cell = 30.0, margin = 50.0
        let size = margin + Double(n) * cell + 20
        var svg = SVG(width: size, height: size + 10)
        svg.text(title, x: size / 2, y: 24, size: 16, anchor: .middle, weight: "bold", cssClass: "title")
        let top = margin
        let maxCount = max(counts.data.max() ?? 1, 1)
        for r in 0..<n {
            svg.text(labels[r], x: margin - 8, y: top + (Double(r) + 0.6) * cell, size: 12, anchor: .end, cssClass: "row-label")
            svg.text(labels[r], x: margin + (Double(r) + 0.5) * cell, y: top - 6, size: 12, anchor: .middle, cssClass: "col-label")
            for c in 0..<n {
                let v = Double(counts[r, c])
                // Light to dark blue by the square root of the count, so rare pairs stay visible.
                let t = v > 0 && v.isFinite ? min(v / Double(maxCount), 1).squareRoot() : 0
                let shade = Int(255 - 200 * t)
                let fill = "#" + Format.hexByte(shade) + Format.hexByte(Int(255 - 130 * t)) + Format.hexByte(255)
                svg.rect(x: margin + Double(c) * cell, y: top + Double(r) * cell, width: cell, height: cell, fill: fill,
                         title: "\(labels[r])\(labels[c]): \(Charts.count(v))")
                svg.text(Charts.count(v), x: margin + (Double(c) + 0.5) * cell, y: top + (Double(r) + 0.65) * cell,
                         size: 8, anchor: .middle, fill: t > 0.6 ? "white" : "#333", cssClass: "cell")
            }
        }
        return svg.render()
    }
}

extension Charts {
    /// A scatter plot of an embedding table (V, E), one labelled point per token: the first two
    /// dimensions when E ≤ 2, else the first two principal components.
    package static func embeddings(_ table: Matrix, labels: [String]) -> String {
        let e = table.cols
        let rows = (0..<table.rows).map { r in (0..<e).map { Double(table.data[r * e + $0]) } }
        let projected = PCA.project(rows)
        let points = (0..<table.rows).map { (x: projected[$0][0], y: projected[$0][1], label: labels[$0]) }
        let axis = e <= 2 ? ("dimension 0", "dimension 1") : ("principal component 1", "principal component 2")
        return scatter(points, title: "character embeddings" + (e > 2 ? " (PCA of \(e) dimensions)" : ""),
                       xLabel: axis.0, yLabel: axis.1)
    }
}
