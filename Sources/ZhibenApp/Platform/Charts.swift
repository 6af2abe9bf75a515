import Foundation

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
