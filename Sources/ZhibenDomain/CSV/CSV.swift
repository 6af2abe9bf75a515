import Foundation

/// RFC 4180 CSV, as Excel in China reads and writes it.
public enum CSV {
    public static let gb18030 = String.Encoding(rawValue: 0x80000632)

    public enum TextEncoding: String, Sendable { case utf8 = "UTF-8", utf8BOM = "UTF-8 (BOM)", gb18030 = "GB18030" }

    /// Decodes bytes: UTF-8 with a BOM, valid UTF-8, else GB18030 (what Excel saves as "CSV").
    public static func decode(_ data: Data) -> (text: String, encoding: TextEncoding)? {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            return String(data: data.dropFirst(3), encoding: .utf8).map { ($0, .utf8BOM) }
        }
        if let s = String(data: data, encoding: .utf8) { return (s, .utf8) }
        if let s = String(data: data, encoding: gb18030) { return (s, .gb18030) }
        return nil
    }

    /// Splits text into rows of fields. Quoted fields may hold commas, quotes ("") and line breaks.
    public static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case ",":
                row.append(field); field = ""; atFieldStart = true
            case "\r":
                if let n = next(), n != "\n" { pending = n }
                row.append(field); rows.append(row); row = []; field = ""; atFieldStart = true
            case "\n":
                row.append(field); rows.append(row); row = []; field = ""; atFieldStart = true
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        if !field.isEmpty || !row.isEmpty || !atFieldStart { row.append(field); rows.append(row) }
        // Excel leaves rows of empty cells at the end of a sheet.
        return rows.filter { !$0.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    /// One CSV line (CRLF-terminated), quoting where needed. Cells that a spreadsheet would read as
    /// a formula are prefixed with an apostrophe.
    public static func line(_ fields: [String]) -> String {
        fields.map { f in
            var v = f
            if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
            if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return v
        }.joined(separator: ",") + "\r\n"
    }

    /// A whole document as Excel opens it correctly: UTF-8 with a BOM.
    public static func document(header: [String], rows: [[String]]) -> Data {
        var out = "\u{FEFF}" + line(header)
        for r in rows { out += line(r) }
        return Data(out.utf8)
    }
}
