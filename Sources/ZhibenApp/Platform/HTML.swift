import Foundation
import Vapor
import ZhibenDomain

/// HTML text. Interpolated strings are escaped; only `HTML` values are inserted as they are.
struct HTML: ExpressibleByStringInterpolation, ExpressibleByStringLiteral, Sendable {
    var raw: String

    init(raw: String) { self.raw = raw }
    init(stringLiteral value: String) { raw = value }
    init(stringInterpolation: StringInterpolation) { raw = stringInterpolation.out }

    struct StringInterpolation: StringInterpolationProtocol {
        var out = ""
        init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ s: String) { out += s }
        mutating func appendInterpolation(_ s: String) { out += HTML.escape(s) }
        mutating func appendInterpolation(_ s: String?) { out += HTML.escape(s ?? "") }
        mutating func appendInterpolation(_ h: HTML) { out += h.raw }
        mutating func appendInterpolation(_ hs: [HTML]) { for h in hs { out += h.raw } }
        mutating func appendInterpolation(_ n: Int) { out += String(n) }
    }

    static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }

    static func join(_ parts: [HTML], _ separator: HTML = "") -> HTML {
        HTML(raw: parts.map(\.raw).joined(separator: separator.raw))
    }

    static func when(_ condition: Bool, _ make: () -> HTML) -> HTML { condition ? make() : "" }
}

extension Language {
    /// Picks the interface text of this language.
    func t(_ zh: String, _ en: String) -> String { self == .en ? en : zh }
}

extension Labeled {
    func label(_ lang: Language) -> String { lang == .en ? en : zh }
}

/// Query strings for links that keep the current filters.
struct QueryString {
    var items: [(String, String)] = []

    mutating func set(_ key: String, _ value: String?) {
        items.removeAll { $0.0 == key }
        if let value, !value.isEmpty { items.append((key, value)) }
    }

    func with(_ key: String, _ value: String?) -> QueryString {
        var copy = self
        copy.set(key, value)
        return copy
    }

    var string: String {
        guard !items.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return "?" + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}

extension Response {
    /// A CSV download. `displayName`: a Chinese file name for browsers that take one (RFC 6266
    /// `filename*`), with `filename` for the others.
    static func csv(_ data: Data, filename: String, displayName: String? = nil) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let utf8 = displayName.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) }.map { "; filename*=UTF-8''\($0)" } ?? ""
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"" + utf8)
        return res
    }

    static func html(_ body: HTML, status: HTTPResponseStatus = .ok) -> Response {
        let res = Response(status: status, body: .init(string: body.raw))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "html", parameters: ["charset": "utf-8"])
        return res
    }
}
