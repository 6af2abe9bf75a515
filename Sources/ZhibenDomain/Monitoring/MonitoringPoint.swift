import Foundation

/// What a monitoring point observes (T14): from the shipped list of indicators the dust-explosion,
/// steel and aluminium deep-well casting monitoring systems use. No limits ship with it: the sources
/// give none that could be relied on, so each enterprise sets its own per point.
public struct MonitoringIndicator: Sendable, Equatable, Identifiable {
    public enum Scenario: String, Sendable, CaseIterable, Labeled {
        case dust, steel, alCasting = "al_casting"
        public var zh: String { switch self { case .dust: "粉尘涉爆"; case .steel: "钢铁"; case .alCasting: "铝深井铸造" } }
        public var en: String { switch self { case .dust: "Combustible dust"; case .steel: "Steel"; case .alCasting: "Aluminium deep-well casting" } }
    }

    public var id: String
    public var scenario: Scenario
    public var equipmentZh: String
    public var indicatorZh: String
    public var indicatorEn: String
    /// As the source gives it; "(unit assumed)" where it is our assumption, "unknown" where none was found.
    public var unit: String
    public var kind: MonitoringPoint.Kind

    public func label(_ lang: Language) -> String { lang == .en ? indicatorEn : indicatorZh }

    /// The unit as a person reads it: an assumed one marked so, none where the source gives none.
    public func unitLabel(_ lang: Language) -> String {
        switch unit {
        case "", "-", "unknown": return lang == .en ? "unit not given" : "单位未明确"
        case "records": return lang == .en ? "records" : "条记录"
        case "unit": return lang == .en ? "count" : "个"
        default: break
        }
        guard let cut = unit.range(of: " (unit assumed)") ?? unit.range(of: " (units assumed)") else { return unit }
        return unit[..<cut.lowerBound] + (lang == .en ? " (assumed)" : "（推定）")
    }
}

public enum MonitoringCatalogue {
    /// The shipped indicators, by code.
    public static let indicators: [MonitoringIndicator] = {
        guard let url = Bundle.module.url(forResource: "monitoring-indicators", withExtension: "tsv", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "monitoring-indicators", withExtension: "tsv"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("the bundled monitoring indicators file is missing")
        }
        return parse(tsv: text)
    }()

    public static func indicator(_ code: String) -> MonitoringIndicator? { indicators.first { $0.id == code } }

    static func parse(tsv: String) -> [MonitoringIndicator] {
        var lines = tsv.split(whereSeparator: \.isNewline).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        lines.removeFirst()
        func col(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let code = col("code"), let scenario = col("scenario"), let equipment = col("equipment_zh"), let zh = col("indicator_zh"),
              let en = col("indicator_en"), let unit = col("unit"), let kind = col("kind") else { return [] }
        return lines.compactMap { row in
            guard row.count > kind, let s = MonitoringIndicator.Scenario(rawValue: row[scenario]),
                  let k = MonitoringPoint.Kind(rawValue: row[kind]) else { return nil }
            return MonitoringIndicator(id: row[code], scenario: s, equipmentZh: row[equipment], indicatorZh: row[zh], indicatorEn: row[en],
                                       unit: row[unit], kind: k)
        }
    }
}

/// The limits an enterprise sets on one point: what counts as an alarm, and how it clears.
public struct AlarmLimits: Sendable, Equatable, Codable {
    public var lowLow: Double?
    public var low: Double?
    public var high: Double?
    public var highHigh: Double?
    /// For a state point: the states that are abnormal (e.g. `fault`, `open`).
    public var abnormalStates: [String]
    /// Seconds a condition must last before it raises an alarm.
    public var onDelay: Int
    /// How far back inside a limit a value must come before the alarm counts as returned to normal.
    public var deadband: Double
    /// Largest change per minute that is still normal; nil: not watched.
    public var rateOfChange: Double?

    public init(lowLow: Double? = nil, low: Double? = nil, high: Double? = nil, highHigh: Double? = nil, abnormalStates: [String] = [],
                onDelay: Int = 0, deadband: Double = 0, rateOfChange: Double? = nil) {
        self.lowLow = lowLow
        self.low = low
        self.high = high
        self.highHigh = highHigh
        self.abnormalStates = abnormalStates
        self.onDelay = onDelay
        self.deadband = deadband
        self.rateOfChange = rateOfChange
    }

    public var isEmpty: Bool { lowLow == nil && low == nil && high == nil && highHigh == nil && abnormalStates.isEmpty && rateOfChange == nil }

    /// One line for lists and the change history: `LL 10 · L 20 · H 80 · HH 90 · 延时 30s · 回差 2`.
    public var summary: String {
        var parts: [String] = []
        let n = AlarmEngine.format
        if let v = lowLow { parts.append("LL \(n(v))") }
        if let v = low { parts.append("L \(n(v))") }
        if let v = high { parts.append("H \(n(v))") }
        if let v = highHigh { parts.append("HH \(n(v))") }
        if !abnormalStates.isEmpty { parts.append("异常状态 " + abnormalStates.map { StateValues.label($0) }.joined(separator: "/")) }
        if let v = rateOfChange { parts.append("变化率 \(n(v))/min") }
        if onDelay > 0 { parts.append("延时 \(onDelay)s") }
        if deadband > 0 { parts.append("回差 \(n(deadband))") }
        return parts.joined(separator: " · ")
    }
}

/// One sensor or signal of an enterprise, reported through its gateway (T14).
public struct MonitoringPoint: Sendable, Equatable, Identifiable {
    public enum Kind: String, Sendable, Codable, CaseIterable, Labeled {
        case analog, state, counter
        public var zh: String { switch self { case .analog: "模拟量"; case .state: "状态量"; case .counter: "计数" } }
        public var en: String { switch self { case .analog: "Analog"; case .state: "State"; case .counter: "Counter" } }
    }

    public var id: UUID
    public var enterpriseID: UUID
    public var countyCode: String
    public var enterpriseName: String
    /// Unique within the enterprise; what the gateway sends.
    public var code: String
    public var name: String
    /// A shipped indicator's code.
    public var indicator: String
    public var equipment: String
    public var unit: String
    public var kind: Kind
    /// Seconds between readings the gateway promises; silence for three of them is an offline alarm.
    public var interval: Int
    public var limits: AlarmLimits
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, countyCode: String, enterpriseName: String, code: String, name: String, indicator: String,
                equipment: String, unit: String, kind: Kind, interval: Int, limits: AlarmLimits, active: Bool = true,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.enterpriseName = enterpriseName
        self.code = code
        self.name = name
        self.indicator = indicator
        self.equipment = equipment
        self.unit = unit
        self.kind = kind
        self.interval = interval
        self.limits = limits
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The record flattened to text, field by field: what the audit log compares.
    public var auditFields: [String: String] {
        ["code": code, "name": name, "indicator": indicator, "equipment": equipment, "unit": unit, "kind": kind.rawValue,
         "interval": String(interval), "limits": limits.summary, "active": active ? "true" : "false"]
    }
}

/// A change of a point's limits: who, when, from what to what.
public struct LimitChange: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var pointID: UUID
    public var before: AlarmLimits?
    public var after: AlarmLimits
    public var by: String
    public var at: Date

    public init(id: UUID = UUID(), pointID: UUID, before: AlarmLimits?, after: AlarmLimits, by: String, at: Date) {
        self.id = id
        self.pointID = pointID
        self.before = before
        self.after = after
        self.by = by
        self.at = at
    }
}

/// A point as an enterprise enters or changes it, before validation.
public struct MonitoringPointDraft: Sendable, Equatable {
    public var enterpriseID: UUID?
    public var code: String
    public var name: String
    public var indicator: String
    public var equipment: String
    public var unit: String
    public var kind: String
    public var interval: Int?
    public var limits: AlarmLimits
    public var active: Bool

    public init(enterpriseID: UUID? = nil, code: String = "", name: String = "", indicator: String = "", equipment: String = "", unit: String = "",
                kind: String = "", interval: Int? = nil, limits: AlarmLimits = AlarmLimits(), active: Bool = true) {
        self.enterpriseID = enterpriseID
        self.code = code
        self.name = name
        self.indicator = indicator
        self.equipment = equipment
        self.unit = unit
        self.kind = kind
        self.interval = interval
        self.limits = limits
        self.active = active
    }

    public init(_ p: MonitoringPoint) {
        self.init(enterpriseID: p.enterpriseID, code: p.code, name: p.name, indicator: p.indicator, equipment: p.equipment, unit: p.unit,
                  kind: p.kind.rawValue, interval: p.interval, limits: p.limits, active: p.active)
    }
}

public enum MonitoringRules {
    public static let minInterval = 1
    public static let maxInterval = 86_400

    /// Point codes: what gateways send, so plain characters only.
    public static func isValidCode(_ s: String) -> Bool {
        (1...64).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:/".contains($0)) }
    }

    /// Every problem with a draft, each naming its field.
    public static func issues(_ d: MonitoringPointDraft) -> [FieldIssue] {
        var out: [FieldIssue] = []
        func bad(_ f: String, _ zh: String, _ en: String) { out.append(FieldIssue(field: f, zh: zh, en: en)) }
        let code = d.code.trimmingCharacters(in: .whitespaces)
        if !isValidCode(code) { bad("code", "点位编码为1–64个字母、数字或 - _ . : /", "the code has 1–64 letters, digits or - _ . : /") }
        let name = d.name.trimmingCharacters(in: .whitespaces)
        if !(1...100).contains(name.length) || d.name.length > 100 { bad("name", "请填写点位名称（不超过100字）", "the name is required (at most 100 characters)") }
        let indicator = MonitoringCatalogue.indicator(d.indicator)
        if indicator == nil { bad("indicator", "监测指标不在指标目录中：\(d.indicator)", "unknown indicator \(d.indicator)") }
        if d.equipment.length > 200 { bad("equipment", "设备名称不能超过200字", "equipment has at most 200 characters") }
        if d.unit.length > 30 { bad("unit", "单位不能超过30字", "the unit has at most 30 characters") }
        let kind = MonitoringPoint.Kind(rawValue: d.kind)
        if kind == nil { bad("kind", "类型应为模拟量、状态量或计数", "kind must be analog, state or counter") }
        if let indicator, let kind, indicator.kind != kind {
            bad("kind", "该指标为\(indicator.kind.zh)", "this indicator is \(indicator.kind.en)")
        }
        if let i = d.interval {
            if !(minInterval...maxInterval).contains(i) { bad("interval", "上报周期应为1至86400秒", "the interval is 1 to 86,400 seconds") }
        } else {
            bad("interval", "请填写上报周期（秒）", "the reporting interval (seconds) is required")
        }
        let l = d.limits
        let ordered = [l.lowLow, l.low, l.high, l.highHigh].compactMap { $0 }
        if ordered.contains(where: { !$0.isFinite }) { bad("limits", "报警限值应为有限数值", "limits must be finite numbers") }
        else if zip(ordered, ordered.dropFirst()).contains(where: { $0 >= $1 }) {
            bad("limits", "限值应满足 低低 < 低 < 高 < 高高", "limits must satisfy low-low < low < high < high-high")
        }
        if kind == .state {
            if ordered.count > 0 || l.rateOfChange != nil { bad("limits", "状态量不设数值限值，请填写异常状态", "a state point has abnormal states, not numeric limits") }
            if l.abnormalStates.contains(where: { $0.isEmpty || $0.length > 30 }) { bad("abnormalStates", "异常状态为1–30字", "abnormal states have 1–30 characters") }
        } else if !l.abnormalStates.isEmpty {
            bad("abnormalStates", "只有状态量才设异常状态", "only state points have abnormal states")
        }
        if !(0...3600).contains(l.onDelay) { bad("onDelay", "报警延时应为0至3600秒", "the on-delay is 0 to 3,600 seconds") }
        if !(l.deadband >= 0 && l.deadband.isFinite) { bad("deadband", "回差应为非负数", "the deadband must not be negative") }
        else if let lo = l.low ?? l.lowLow, let hi = l.high ?? l.highHigh, l.deadband >= hi - lo {
            bad("deadband", "回差应小于高低限之差", "the deadband must be smaller than the gap between the limits")
        }
        if let r = l.rateOfChange, !(r > 0 && r.isFinite) { bad("rateOfChange", "变化率限值应为正数", "the rate-of-change limit must be positive") }
        return out
    }
}

public struct MonitoringPointQuery: Sendable, Equatable {
    public var enterpriseID: UUID?
    public var countyCode: String?
    public var indicator: String?
    public var search: String?
    public var includeInactive: Bool

    public init(enterpriseID: UUID? = nil, countyCode: String? = nil, indicator: String? = nil, search: String? = nil, includeInactive: Bool = false) {
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.indicator = indicator
        self.search = search
        self.includeInactive = includeInactive
    }
}

public protocol MonitoringPointRepository: Sendable {
    func list(_ query: MonitoringPointQuery, page: Paging, scope: Scope) async throws -> Paged<MonitoringPoint>
    func find(id: UUID, scope: Scope) async throws -> MonitoringPoint?
    /// The enterprise's points by code (what gateways send).
    func points(enterpriseID: UUID, codes: [String]) async throws -> [String: MonitoringPoint]
    /// Every point of the enterprise, in or out of service (what ingest checks readings against).
    func points(enterpriseID: UUID) async throws -> [MonitoringPoint]
    /// Stores a new point with its first limits in the history; 409 when the code is taken in the enterprise.
    func create(_ point: MonitoringPoint, audit: AuditContext) async throws -> MonitoringPoint
    func createAll(_ points: [MonitoringPoint], audit: AuditContext) async throws
    /// An import, in one write: new points, and changed ones (each refused with `staleVersion` when it
    /// changed since `expectedVersion`); each audited, each change of limits in its history.
    func importAll(creates: [MonitoringPoint], updates: [(expectedVersion: Int, point: MonitoringPoint)], audit: AuditContext) async throws
    /// Changes a point inside one write; a change of limits is added to its history.
    func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                change: @escaping @Sendable (MonitoringPoint) throws -> MonitoringPoint) async throws -> MonitoringPoint
    func limitHistory(pointID: UUID) async throws -> [LimitChange]
    /// Points by id, whatever the scope (for the alarm engine).
    func find(ids: [UUID]) async throws -> [UUID: MonitoringPoint]
    /// The points in service of these enterprises, each with its enterprise.
    func activePoints(enterpriseIDs: [UUID]) async throws -> [UUID: UUID]
}
