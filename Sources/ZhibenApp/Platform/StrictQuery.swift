import Foundation
import Vapor
import ZhibenDomain

/// Query parameters read strictly: a filter that is given but not understood answers 400 naming the
/// parameter and what it accepts, never a silently unfiltered list (a typo must not export a whole
/// jurisdiction). Empty values count as absent, as a page's blank filter sends them.
extension Request {
    static func badQuery(_ key: String, zh: String, en: String) -> Problem {
        Problem(status: .badRequest, title: "查询参数无效 / invalid query parameter", detail: "\(key): \(en)",
                errors: [FieldIssue(field: key, zh: zh, en: en)])
    }

    /// The raw values given for `key` (decoded), in order.
    func rawQueryValues(_ key: String) -> [String] {
        guard let q = url.query, !q.isEmpty else { return [] }
        return q.split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            guard name == key else { return nil }
            let value = parts.count > 1 ? String(parts[1]) : ""
            return value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
        }
    }

    /// The one value of `key`, trimmed; nil when absent or blank. Given twice: 400.
    func strictString(_ key: String) throws -> String? {
        let values = rawQueryValues(key).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if values.count > 1 {
            throw Self.badQuery(key, zh: "参数 \(key) 只能给出一次", en: "give \(key) once")
        }
        return values.first
    }

    /// A typed parameter given with no value: blank on a page's filter form means "any"; on the API, where
    /// the document says what the value is, it is refused.
    func refuseBlank(_ key: String) throws {
        guard url.path.hasPrefix(APIRoute.prefix), rawQueryValues(key).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return }
        throw Self.badQuery(key, zh: "参数 \(key) 不能为空（不筛选时请省略该参数）", en: "\(key) is empty: leave it out to not filter")
    }

    /// A value that must parse as one of `allowed` when given.
    func queryChoice<T>(_ key: String, allowed: [String], _ parse: (String) -> T?) throws -> T? {
        try refuseBlank(key)
        guard let text = try strictString(key) else { return nil }
        guard let v = parse(text) else {
            let list = allowed.count > 20 ? allowed.prefix(20).joined(separator: ", ") + ", …" : allowed.joined(separator: ", ")
            throw Self.badQuery(key, zh: "参数 \(key) 的值 \(text) 无效，可选：\(list)", en: "\(text) is not one of \(list)")
        }
        return v
    }

    func queryEnum<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        try queryChoice(key, allowed: T.allCases.map(\.rawValue)) { T(rawValue: $0) }
    }

    /// The code or, for pages, the Chinese or English label.
    func queryLabeled<T: RawRepresentable & CaseIterable & Labeled>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        try queryChoice(key, allowed: T.allCases.map(\.rawValue)) { parseLabeled($0, as: T.self) }
    }

    func queryUUID(_ key: String) throws -> UUID? {
        try refuseBlank(key)
        guard let text = try strictString(key) else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw Self.badQuery(key, zh: "参数 \(key) 应为记录编号（UUID）", en: "\(text) is not a UUID")
        }
        return id
    }

    /// A county's code (or its Chinese name).
    func queryCounty(_ key: String = "county") throws -> String? {
        try queryChoice(key, allowed: County.all.map(\.code)) { County.lookup($0)?.code }
    }

    /// A yes/no filter: `true`/`false` (also `1`/`0`, and `on` as a checkbox sends it); absent is false.
    func queryFlag(_ key: String) throws -> Bool {
        try queryChoice(key, allowed: ["true", "false"]) { t -> Bool? in
            switch t.lowercased() {
            case "true", "1", "on", "yes": true
            case "false", "0", "off", "no": false
            default: nil
            }
        } ?? false
    }

    func queryInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        try refuseBlank(key)
        guard let text = try strictString(key) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw Self.badQuery(key, zh: "参数 \(key) 应为 \(range.lowerBound) 至 \(range.upperBound) 的整数", en: "\(key) is an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A day (`2026-12-01`) or a time with its offset, as `APIDate` reads them.
    func queryDate(_ key: String, endOfDay: Bool = false) throws -> Date? {
        try refuseBlank(key)
        guard let text = try strictString(key) else { return nil }
        do {
            return try APIDate.parse(text, field: key, endOfDay: endOfDay)
        } catch {
            throw Self.badQuery(key, zh: "参数 \(key) 应为日期（如 2026-12-01）或带时区的时间", en: "\(key) is a day such as 2026-12-01 or an ISO 8601 time with its offset")
        }
    }

    /// `page` (from 1) and `per` (1 to 200): out of range is a 400, not a silent clamp.
    func strictPaging(defaultPer: Int = 20) throws -> Paging {
        Paging(page: try queryInt("page", in: 1...Paging.maxPage) ?? 1, per: try queryInt("per", in: 1...Paging.maxPer) ?? defaultPer)
    }
}
