import Foundation
import ZhibenDomain

/// Horizontal bar charts drawn on the server as SVG, each with a table for screen readers and print.
enum BarChart {
    struct Bar {
        let label: String
        let value: Int
        let colour: String?
        let href: String?
    }

    static func render(title: String, bars: [Bar], valueHeader: String, labelHeader: String) -> HTML {
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        let rowHeight = 26, labelWidth = 110, chartWidth = 210, valueWidth = 50
        let height = max(rowHeight, bars.count * rowHeight)
        var rows: [HTML] = []
        for (i, b) in bars.enumerated() {
            let y = i * rowHeight
            let w = Int((Double(b.value) / Double(maxValue) * Double(chartWidth)).rounded())
            let bar: HTML = "<rect x=\"\(labelWidth)\" y=\"\(y + 5)\" width=\"\(max(w, b.value > 0 ? 2 : 0))\" height=\"\(rowHeight - 10)\" class=\"bar \(b.colour ?? "")\"></rect>"
            let label: HTML = "<text x=\"\(labelWidth - 8)\" y=\"\(y + rowHeight / 2 + 5)\" text-anchor=\"end\">\(b.label)</text>"
            let value: HTML = "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + rowHeight / 2 + 5)\">\(b.value)</text>"
            if let href = b.href {
                rows.append("<a href=\"\(href)\">\(label)\(bar)\(value)</a>")
            } else {
                rows.append(HTML.join([label, bar, value]))
            }
        }
        let table = bars.map { b -> HTML in "<tr><th scope=\"row\">\(b.label)</th><td class=\"num\">\(b.value)</td></tr>" }
        return """
        <figure class="chart">
          <figcaption>\(title)</figcaption>
          <svg role="img" aria-label="\(title)" viewBox="0 0 \(labelWidth + chartWidth + valueWidth) \(height)" width="100%" preserveAspectRatio="xMinYMin meet">\(rows)</svg>
          <details><summary>\(valueHeader)</summary>
          <table class="data compact"><thead><tr><th scope="col">\(labelHeader)</th><th scope="col">\(valueHeader)</th></tr></thead><tbody>\(table)</tbody></table>
          </details>
        </figure>
        """
    }
}

/// A column chart over time (months), drawn on the server as SVG, with a table alternative.
enum ColumnChart {
    struct Column {
        let label: String
        let value: Int
    }

    static func render(title: String, columns: [Column], valueHeader: String, labelHeader: String) -> HTML {
        let maxValue = max(1, columns.map(\.value).max() ?? 1)
        let columnWidth = 22, gap = 6, chartHeight = 150, top = 16, bottom = 34
        let width = max(1, columns.count) * (columnWidth + gap) + gap
        var shapes: [HTML] = []
        for (i, c) in columns.enumerated() {
            let x = gap + i * (columnWidth + gap)
            let h = Int((Double(c.value) / Double(maxValue) * Double(chartHeight)).rounded())
            let y = top + chartHeight - h
            shapes.append("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(columnWidth)\" height=\"\(max(h, c.value > 0 ? 2 : 0))\" class=\"bar red\"><title>\(c.label): \(c.value)</title></rect>")
            shapes.append("<text x=\"\(x + columnWidth / 2)\" y=\"\(y - 3)\" text-anchor=\"middle\" class=\"small\">\(c.value)</text>")
            // Every third month is labelled, so the labels stay legible.
            if i % 3 == 0 || i == columns.count - 1 {
                shapes.append("<text x=\"\(x + columnWidth / 2)\" y=\"\(top + chartHeight + 16)\" text-anchor=\"middle\" class=\"small\">\(String(c.label.suffix(5)))</text>")
            }
        }
        let table = columns.map { c -> HTML in "<tr><th scope=\"row\">\(c.label)</th><td class=\"num\">\(c.value)</td></tr>" }
        return """
        <figure class="chart wide">
          <figcaption>\(title)</figcaption>
          <svg role="img" aria-label="\(title)" viewBox="0 0 \(width) \(top + chartHeight + bottom)" width="100%" preserveAspectRatio="xMinYMin meet">\(shapes)</svg>
          <details><summary>\(valueHeader)</summary>
          <table class="data compact"><thead><tr><th scope="col">\(labelHeader)</th><th scope="col">\(valueHeader)</th></tr></thead><tbody>\(table)</tbody></table>
          </details>
        </figure>
        """
    }
}

/// A trend over time, drawn on the server as SVG: the mean line and the min–max band of each slice,
/// with the limits as dashed lines, and a table of the slices as its alternative.
enum TrendChart {
    struct Limit {
        let label: String
        let value: Double
        let grave: Bool
    }

    static func render(title: String, buckets: [SeriesBucket], limits: [Limit], from: Date, to: Date, unit: String, lang: Language) -> HTML {
        let values = buckets.flatMap { [$0.min, $0.max] } + limits.map(\.value)
        guard values.min() != nil else {
            return "<p class=\"empty\">\(lang.t("该时段没有数据。", "No readings in this period."))</p>"
        }
        // Two drawings of the same data: a wide one, and one for phones whose own units match the screen's
        // pixels, so that its text stays as large as the page's small print instead of shrinking.
        let wide = svg(title: title, buckets: buckets, limits: limits, from: from, to: to, width: 720, height: 220, narrow: false)
        let narrow = svg(title: title, buckets: buckets, limits: limits, from: from, to: to, width: 360, height: 240, narrow: true)
        let rows = buckets.suffix(48).map { b -> HTML in
            "<tr><th scope=\"row\">\(ChinaTime.display(b.start))</th><td class=\"num\">\(AlarmEngine.format((b.min * 100).rounded() / 100))</td><td class=\"num\">\(AlarmEngine.format((b.mean * 100).rounded() / 100))</td><td class=\"num\">\(AlarmEngine.format((b.max * 100).rounded() / 100))</td><td class=\"num\">\(b.count)</td></tr>"
        }
        return """
        <figure class="chart wide trend">
          <figcaption>\(title)\(unit.isEmpty ? "" : "（\(unit)）")</figcaption>
          \(wide)\(narrow)
          <details><summary>\(lang.t("数据表（最近48段）", "Table (last 48 slices)"))</summary>
          <table class="data compact"><thead><tr><th scope="col">\(lang.t("时段起", "From"))</th><th scope="col">\(lang.t("最小", "Min"))</th><th scope="col">\(lang.t("平均", "Mean"))</th><th scope="col">\(lang.t("最大", "Max"))</th><th scope="col">\(lang.t("读数", "Readings"))</th></tr></thead><tbody>\(rows)</tbody></table>
          </details>
        </figure>
        """
    }

    static func svg(title: String, buckets: [SeriesBucket], limits: [Limit], from: Date, to: Date, width: Double, height: Double, narrow: Bool) -> HTML {
        let left = narrow ? 40.0 : 52.0, right = narrow ? 6.0 : 12.0, top = 12.0, bottom = 28.0
        let values = buckets.flatMap { [$0.min, $0.max] } + limits.map(\.value)
        guard let lo0 = values.min(), let hi0 = values.max() else { return "" }
        let pad = max((hi0 - lo0) * 0.08, 0.5)
        let (lo, hi) = (lo0 - pad, hi0 + pad)
        let span = to.timeIntervalSince(from)
        func x(_ d: Date) -> Double { left + (width - left - right) * d.timeIntervalSince(from) / span }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (hi - v) / (hi - lo) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var shapes: [HTML] = []
        let band = buckets.map { "\(f(x($0.start))),\(f(y($0.max)))" } + buckets.reversed().map { "\(f(x($0.start))),\(f(y($0.min)))" }
        if buckets.count > 1 { shapes.append("<polygon points=\"\(band.joined(separator: " "))\" class=\"band\"/>") }
        shapes.append("<polyline points=\"\(buckets.map { "\(f(x($0.start))),\(f(y($0.mean)))" }.joined(separator: " "))\" class=\"line\" fill=\"none\"/>")
        // A point connected a few minutes ago has one or two buckets in a day's view: each is drawn as a
        // dot, so the chart is never blank while the range holds data.
        if buckets.count < 3 {
            for b in buckets {
                // The slice's range as a whisker through its mean.
                if b.max > b.min { shapes.append("<line x1=\"\(f(x(b.start)))\" x2=\"\(f(x(b.start)))\" y1=\"\(f(y(b.max)))\" y2=\"\(f(y(b.min)))\" class=\"whisker\"/>") }
                shapes.append("<circle cx=\"\(f(x(b.start)))\" cy=\"\(f(y(b.mean)))\" r=\"3.5\" class=\"dot\"/>")
            }
        }
        for l in limits {
            shapes.append("<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(l.value)))\" y2=\"\(f(y(l.value)))\" class=\"limit\(l.grave ? " grave" : "")\"/>")
            shapes.append("<text x=\"\(f(width - right - 2))\" y=\"\(f(y(l.value) - 3))\" text-anchor=\"end\" class=\"small\">\(l.label) \(AlarmEngine.format(l.value))</text>")
        }
        for v in [hi0, (hi0 + lo0) / 2, lo0] {
            shapes.append("<text x=\"\(f(left - 4))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\" class=\"small\">\(AlarmEngine.format((v * 10).rounded() / 10))</text>")
        }
        // On a phone the times are short (month-day hour:minute), at the start and the end only.
        let ticks: [(Date, String)] = narrow ? [(from, "start"), (to, "end")] : [(from, "start"), (from.addingTimeInterval(span / 2), "middle"), (to, "end")]
        for (d, anchor) in ticks {
            let label = narrow ? String(ChinaTime.display(d).dropFirst(5)) : ChinaTime.display(d)
            shapes.append("<text x=\"\(f(x(d)))\" y=\"\(f(height - 8))\" text-anchor=\"\(anchor)\" class=\"small\">\(label)</text>")
        }
        return "<svg class=\"\(narrow ? "trend-narrow" : "trend-wide")\" role=\"img\" aria-label=\"\(title)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\(shapes)</svg>"
    }
}
