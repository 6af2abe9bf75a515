import Foundation

/// An enterprise's monitoring points as a CSV file: what the export writes and the import reads back,
/// one point per row, limits included. The header names columns in Chinese (as exported) or by their
/// English keys; the order is free.
public enum MonitoringPointCSV {
    public struct Column: Sendable {
        public let key: String
        public let zh: String
        public let required: Bool
    }

    public static let columns: [Column] = [
        Column(key: "code", zh: "点位编码", required: true),
        Column(key: "name", zh: "点位名称", required: true),
        Column(key: "indicator", zh: "监测指标", required: true),
        Column(key: "equipment", zh: "设备", required: false),
        Column(key: "unit", zh: "单位", required: false),
        Column(key: "kind", zh: "类型", required: false),
        Column(key: "interval", zh: "上报周期(秒)", required: true),
        Column(key: "lowLow", zh: "低低限", required: false),
        Column(key: "low", zh: "低限", required: false),
        Column(key: "high", zh: "高限", required: false),
        Column(key: "highHigh", zh: "高高限", required: false),
        Column(key: "abnormalStates", zh: "异常状态", required: false),
        Column(key: "onDelay", zh: "报警延时(秒)", required: false),
        Column(key: "deadband", zh: "回差", required: false),
        Column(key: "rateOfChange", zh: "变化率(每分钟)", required: false),
        Column(key: "active", zh: "在用", required: false),
    ]

    public static let maxRows = 5_000

    public struct Row: Sendable, Equatable {
        /// The row's line in the file (the header is line 1).
        public var line: Int
        public var draft: MonitoringPointDraft
        public var issues: [FieldIssue]
    }

    public struct Parsed: Sendable, Equatable {
        public var rows: [Row]
        public var fileIssues: [FieldIssue]
        public var isClean: Bool { fileIssues.isEmpty && rows.allSatisfy { $0.issues.isEmpty } }
    }

    /// Reads the file and checks each row on its own (the rules of `MonitoringRules`) and against the
    /// rows above it (a code twice).
    public static func parse(_ data: Data) -> Parsed {
        guard let (text, _) = CSV.decode(data) else {
            return Parsed(rows: [], fileIssues: [FieldIssue(field: "file", zh: "无法识别文件编码（应为 UTF-8 或 GB18030）", en: "the file is neither UTF-8 nor GB18030")])
        }
        var lines = CSV.parse(text)
        guard !lines.isEmpty else { return Parsed(rows: [], fileIssues: [FieldIssue(field: "file", zh: "文件为空", en: "the file is empty")]) }
        let header = lines.removeFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if let c = columns.first(where: { $0.zh == name || $0.key.lowercased() == name.lowercased() }) { index[c.key] = i }
        }
        let missing = columns.filter { $0.required && index[$0.key] == nil }
        if !missing.isEmpty {
            return Parsed(rows: [], fileIssues: [FieldIssue(field: "file", zh: "缺少列：" + missing.map(\.zh).joined(separator: "、"),
                                                            en: "missing columns: " + missing.map(\.key).joined(separator: ", "))])
        }
        if lines.isEmpty { return Parsed(rows: [], fileIssues: [FieldIssue(field: "file", zh: "文件中没有点位", en: "the file holds no points")]) }
        if lines.count > maxRows {
            return Parsed(rows: [], fileIssues: [FieldIssue(field: "file", zh: "一次最多导入\(maxRows)个点位", en: "at most \(maxRows) points a file")])
        }
        var seen: [String: Int] = [:]
        let rows = lines.enumerated().map { (i, cells) -> Row in
            var issues: [FieldIssue] = []
            func cell(_ key: String) -> String {
                guard let j = index[key], j < cells.count else { return "" }
                return cells[j].trimmingCharacters(in: .whitespaces)
            }
            func number(_ key: String, _ zh: String) -> Double? {
                let t = cell(key)
                guard !t.isEmpty else { return nil }
                guard let v = Double(t), v.isFinite else {
                    issues.append(FieldIssue(field: key, zh: "\(zh)应为数字：\(t)", en: "\(key) must be a number: \(t)"))
                    return nil
                }
                return v
            }
            func integer(_ key: String, _ zh: String) -> Int? {
                let t = cell(key)
                guard !t.isEmpty else { return nil }
                guard let v = Int(t) else {
                    issues.append(FieldIssue(field: key, zh: "\(zh)应为整数：\(t)", en: "\(key) must be a whole number: \(t)"))
                    return nil
                }
                return v
            }
            let indicator = MonitoringCatalogue.indicator(cell("indicator"))
            let kindText = cell("kind")
            let kind = MonitoringPoint.Kind.allCases.first { $0.rawValue == kindText.lowercased() || $0.zh == kindText }?.rawValue
                ?? (kindText.isEmpty ? indicator?.kind.rawValue ?? "" : kindText)
            var active = true
            switch cell("active").lowercased() {
            case "", "是", "yes", "true", "1", "在用": active = true
            case "否", "no", "false", "0", "停用": active = false
            default: issues.append(FieldIssue(field: "active", zh: "在用应为“是”或“否”：\(cell("active"))", en: "active must be yes or no: \(cell("active"))"))
            }
            let states = cell("abnormalStates").split(whereSeparator: { "|,，、;；/ ".contains($0) }).map(String.init)
            let limits = AlarmLimits(lowLow: number("lowLow", "低低限"), low: number("low", "低限"), high: number("high", "高限"),
                                     highHigh: number("highHigh", "高高限"), abnormalStates: states, onDelay: integer("onDelay", "报警延时") ?? 0,
                                     deadband: number("deadband", "回差") ?? 0, rateOfChange: number("rateOfChange", "变化率"))
            let equipment = cell("equipment")
            let draft = MonitoringPointDraft(code: cell("code"), name: cell("name"), indicator: cell("indicator"),
                                             equipment: equipment.isEmpty ? indicator?.equipmentZh ?? "" : equipment, unit: cell("unit"),
                                             kind: kind, interval: integer("interval", "上报周期"), limits: limits, active: active)
            // A number that could not be read is named once, not again by the rules.
            issues += MonitoringRules.issues(draft).filter { rule in !issues.contains { $0.field == rule.field } }
            let code = draft.code
            if let first = seen[code], !code.isEmpty {
                issues.append(FieldIssue(field: "code", zh: "点位编码\(code)与第\(first)行重复", en: "code \(code) repeats line \(first)"))
            } else {
                seen[code] = i + 2
            }
            return Row(line: i + 2, draft: draft, issues: issues)
        }
        return Parsed(rows: rows, fileIssues: [])
    }

    /// The points as a file the import reads back: UTF-8 with a BOM, Chinese headers; the enterprise
    /// first (the import passes over that column).
    public static func export(_ points: [MonitoringPoint]) -> Data {
        func n(_ v: Double?) -> String { v.map(AlarmEngine.format) ?? "" }
        return CSV.document(header: ["企业"] + columns.map(\.zh), rows: points.map { p in
            [p.enterpriseName, p.code, p.name, p.indicator, p.equipment, p.unit, p.kind.zh, String(p.interval), n(p.limits.lowLow), n(p.limits.low), n(p.limits.high),
             n(p.limits.highHigh), p.limits.abnormalStates.joined(separator: "|"), String(p.limits.onDelay), n(p.limits.deadband),
             n(p.limits.rateOfChange), p.active ? "是" : "否"]
        })
    }
}

/// What an import found and did: each row new, changed or unchanged (or with its problems).
public struct PointImportReport: Sendable, Equatable {
    public enum Outcome: String, Sendable { case new, changed, unchanged, invalid }

    public var parsed: MonitoringPointCSV.Parsed
    public var outcomes: [Outcome]
    public var committed: Bool

    public func count(_ o: Outcome) -> Int { outcomes.filter { $0 == o }.count }
}

extension MonitoringService {
    /// Reads an enterprise's points file: rows whose code the enterprise has change that point (limits
    /// into its history), the others are new points. All rows or none: nothing is written unless every
    /// row is clean, and only when `commit` is set (otherwise it is a preview).
    public func importPoints(_ data: Data, enterpriseID requested: UUID? = nil, commit: Bool, actor: Caller, origin: String? = nil) async throws -> PointImportReport {
        try actor.require(.monitoringManage)
        let target: UUID? = if case .enterprise(let own) = actor.scope { own } else { requested }
        guard let target, let e = try await enterprises.find(id: target, scope: actor.scope) else {
            if requested == nil, actor.kind == .system {
                throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请指定企业", en: "the enterprise is required")])
            }
            throw DomainError.notFound(entity: "enterprise")
        }
        let parsed = MonitoringPointCSV.parse(data)
        let existing = try await points.points(enterpriseID: e.id, codes: parsed.rows.map(\.draft.code))
        let now = clock.now()
        var creates: [MonitoringPoint] = []
        var updates: [(expectedVersion: Int, point: MonitoringPoint)] = []
        let outcomes = parsed.rows.map { row -> PointImportReport.Outcome in
            guard row.issues.isEmpty else { return .invalid }
            let fresh = Self.point(from: row.draft, enterprise: e, now: now)
            guard let old = existing[fresh.code] else {
                creates.append(fresh)
                return .new
            }
            var next = fresh
            next.id = old.id
            next.createdAt = old.createdAt
            next.version = old.version + 1
            if MonitoringPointDraft(next) == MonitoringPointDraft(old) { return .unchanged }
            updates.append((old.version, next))
            return .changed
        }
        guard commit, parsed.isClean, !creates.isEmpty || !updates.isEmpty else {
            return PointImportReport(parsed: parsed, outcomes: outcomes, committed: false)
        }
        try await points.importAll(creates: creates, updates: updates, audit: AuditContext(actor: actor, at: now, origin: origin))
        await definitions?.invalidate(enterpriseID: e.id)
        return PointImportReport(parsed: parsed, outcomes: outcomes, committed: true)
    }

    /// The points in the caller's scope matching `query`, as a file the import reads back.
    public func exportPoints(_ query: MonitoringPointQuery, actor: Caller) async throws -> Data {
        try actor.require(.monitoringRead)
        var all: [MonitoringPoint] = []
        var page = 1
        while true {
            let part = try await points.list(query, page: Paging(page: page, per: Paging.maxPer), scope: actor.scope)
            all += part.items
            if part.items.count < Paging.maxPer || all.count >= part.total || all.count >= 50_000 { break }
            page += 1
        }
        return MonitoringPointCSV.export(all)
    }
}
