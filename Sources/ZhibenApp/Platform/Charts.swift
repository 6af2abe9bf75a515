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
