import Foundation

/// A county's yearly enforcement plan (执法计划): the key enterprises it inspects (重点检查企业名单),
/// each with a month and a style, and the number it draws at random from the rest (双随机).
public struct EnforcementPlan: Sendable, Equatable {
    public struct KeyEnterprise: Sendable, Equatable, Codable {
        public var enterpriseID: UUID
        public var name: String
        /// 1–12.
        public var month: Int
        public var style: InspectionStyle
        public var reason: String

        public init(enterpriseID: UUID, name: String, month: Int, style: InspectionStyle, reason: String) {
            self.enterpriseID = enterpriseID
            self.name = name
            self.month = month
            self.style = style
            self.reason = reason
        }
    }

    public var countyCode: String
    public var year: Int
    public var keyEnterprises: [KeyEnterprise]
    /// Enterprises to draw at random over the year.
    public var drawQuota: Int
    public var updatedBy: String
    public var updatedAt: Date
    /// 0 for a plan not yet saved.
    public var version: Int

    public init(countyCode: String, year: Int, keyEnterprises: [KeyEnterprise] = [], drawQuota: Int = 0, updatedBy: String = "", updatedAt: Date, version: Int = 0) {
        self.countyCode = countyCode
        self.year = year
        self.keyEnterprises = keyEnterprises
        self.drawQuota = drawQuota
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// What the plan's suggestions and coverage are computed from, per active enterprise of the county.
public struct PlanFacts: Sendable, Equatable {
    public var enterpriseID: UUID
    public var name: String
    public var grade: SupervisionGrade
    public var standardization: StandardizationGrade
    public var standardizationValidUntil: Date?
    public var specialRisks: Set<SpecialRisk>
    public var openMajorHazards: Int
    /// A level-1 alarm in the last 90 days.
    public var recentLevel1Alarm: Bool
    /// The last completed inspection.
    public var lastInspected: Date?
    /// A completed thorough check-up (体检式精查) ever.
    public var thoroughDone: Bool
    /// Hazards found by an accident investigation in the last twelve months.
    public var recentAccidents: Int

    public init(enterpriseID: UUID, name: String, grade: SupervisionGrade, standardization: StandardizationGrade = .none, standardizationValidUntil: Date? = nil,
                specialRisks: Set<SpecialRisk> = [], openMajorHazards: Int = 0, recentLevel1Alarm: Bool = false, lastInspected: Date? = nil, thoroughDone: Bool = false,
                recentAccidents: Int = 0) {
        self.enterpriseID = enterpriseID
        self.name = name
        self.grade = grade
        self.standardization = standardization
        self.standardizationValidUntil = standardizationValidUntil
        self.specialRisks = specialRisks
        self.openMajorHazards = openMajorHazards
        self.recentLevel1Alarm = recentLevel1Alarm
        self.lastInspected = lastInspected
        self.thoroughDone = thoroughDone
        self.recentAccidents = recentAccidents
    }
}

/// One reason to put an enterprise on the key list, in both languages.
public enum PlanReason: Sendable, Equatable, Labeled {
    case grade(SupervisionGrade)
    case openMajorHazards(Int)
    case recentLevel1Alarm
    case recentAccident(Int)
    case notInspectedInAYear
    case neverInspected

    /// Stable code for the API.
    public var code: String {
        switch self {
        case .grade: "grade"; case .openMajorHazards: "openMajorHazards"; case .recentLevel1Alarm: "recentLevel1Alarm"
        case .recentAccident: "recentAccident"; case .notInspectedInAYear: "notInspectedInAYear"; case .neverInspected: "neverInspected"
        }
    }

    public var zh: String {
        switch self {
        case .grade(let g): "\(g.zh)企业"
        case .openMajorHazards(let n): "\(n)项重大隐患未销号"
        case .recentLevel1Alarm: "近90天有一级报警"
        case .recentAccident(let n): "近12个月事故调查发现\(n)项隐患"
        case .notInspectedInAYear: "12个月未执法检查"
        case .neverInspected: "从未执法检查"
        }
    }

    public var en: String {
        switch self {
        case .grade(let g): "grade \(g.rawValue)"
        case .openMajorHazards(let n): n == 1 ? "1 open major hazard" : "\(n) open major hazards"
        case .recentLevel1Alarm: "level-1 alarm in the last 90 days"
        case .recentAccident(let n): n == 1 ? "1 hazard from an accident investigation in 12 months" : "\(n) hazards from accident investigations in 12 months"
        case .notInspectedInAYear: "not inspected in 12 months"
        case .neverInspected: "never inspected"
        }
    }
}

public enum PlanRules {
    /// High-risk enterprises for 体检式精查 (full coverage by the end of 2024): metal smelting, molten
    /// metal, gas, combustible dust, ammonia refrigeration.
    public static let highRisks: Set<SpecialRisk> = [.metalSmelting, .moltenMetal, .gas, .combustibleDust, .ammoniaRefrigeration]

    public static func isHighRisk(_ f: PlanFacts) -> Bool { !f.specialRisks.isDisjoint(with: highRisks) }

    /// Why an enterprise belongs on the key list, or nothing: grade A or B, open major hazards, a recent
    /// level-1 alarm, an accident in twelve months, not inspected in twelve months.
    public static func reasons(_ f: PlanFacts, now: Date) -> [PlanReason] {
        var out: [PlanReason] = []
        if f.grade == .A || f.grade == .B { out.append(.grade(f.grade)) }
        if f.openMajorHazards > 0 { out.append(.openMajorHazards(f.openMajorHazards)) }
        if f.recentLevel1Alarm { out.append(.recentLevel1Alarm) }
        if f.recentAccidents > 0 { out.append(.recentAccident(f.recentAccidents)) }
        if let last = f.lastInspected {
            if now.timeIntervalSince(last) > 365 * 86_400 { out.append(.notInspectedInAYear) }
        } else {
            out.append(.neverInspected)
        }
        return out
    }

    /// The suggested key list: enterprises with a reason, gravest first (open major hazards, alarms,
    /// grade), with the style (体检式精查 for a high-risk enterprise not yet checked up that way).
    public static func suggestions(_ facts: [PlanFacts], now: Date) -> [(facts: PlanFacts, reasons: [PlanReason], style: InspectionStyle)] {
        // The sort key is computed once per enterprise: a county has thousands.
        struct Entry { let index: Int; let reasons: [PlanReason]; let majors: Int; let alarm: Bool; let accident: Bool; let grade: SupervisionGrade }
        var entries: [Entry] = []
        for (n, f) in facts.enumerated() {
            let r = reasons(f, now: now)
            guard !r.isEmpty else { continue }
            entries.append(Entry(index: n, reasons: r, majors: f.openMajorHazards, alarm: f.recentLevel1Alarm, accident: f.recentAccidents > 0, grade: f.grade))
        }
        entries.sort { a, b in
            if a.majors != b.majors { return a.majors > b.majors }
            if a.alarm != b.alarm { return a.alarm }
            if a.accident != b.accident { return a.accident }
            if a.grade != b.grade { return a.grade < b.grade }
            return facts[a.index].name < facts[b.index].name
        }
        return entries.map { e in
            let f = facts[e.index]
            return (facts: f, reasons: e.reasons, style: isHighRisk(f) && !f.thoroughDone ? .thorough : .routine)
        }
    }

    /// 体检式精查 coverage: high-risk enterprises with a completed check-up, of all high-risk ones.
    public static func thoroughCoverage(_ facts: [PlanFacts]) -> (done: Int, total: Int) {
        let high = facts.filter(isHighRisk)
        return (high.filter(\.thoroughDone).count, high.count)
    }
}

/// A county's yearly plans. Each call takes the caller's scope: a county reaches its own county's plan
/// and facts, the city every county's; outside it a plan does not exist.
public protocol PlanRepository: Sendable {
    func find(countyCode: String, year: Int, scope: Scope) async throws -> EnforcementPlan?
    /// Saves the plan; `staleVersion` when it changed since `expectedVersion` (0: not saved yet);
    /// `notFound` for a county outside the scope.
    func save(_ plan: EnforcementPlan, expectedVersion: Int, scope: Scope, audit: AuditContext) async throws -> EnforcementPlan
    /// The county's active enterprises with what the plan suggests from; none outside the scope.
    func facts(countyCode: String, now: Date, scope: Scope) async throws -> [PlanFacts]
    /// Inspections made this year (planned or done) and completed, per county; penalties' count and
    /// amount; workers off duty. For the dashboard: the scope's counties (the city's: all).
    func figures(scope: Scope, year: Int) async throws -> EnforcementFigures
}

public struct EnforcementFigures: Sendable, Equatable {
    public var planned: Int
    public var inspections: Int
    public var completed: Int
    public var penalties: Int
    public var fined: Int
    public var offDuty: Int
    /// 体检式精查 coverage: active high-risk enterprises (`PlanRules.highRisks`), and those of them with a
    /// completed thorough check-up.
    public var highRisk: Int
    public var thoroughDone: Int

    public init(planned: Int = 0, inspections: Int = 0, completed: Int = 0, penalties: Int = 0, fined: Int = 0, offDuty: Int = 0,
                highRisk: Int = 0, thoroughDone: Int = 0) {
        self.planned = planned
        self.inspections = inspections
        self.completed = completed
        self.penalties = penalties
        self.fined = fined
        self.offDuty = offDuty
        self.highRisk = highRisk
        self.thoroughDone = thoroughDone
    }
}

/// Yearly plans, their suggestions and the enforcement figures.
public struct PlanService: Sendable {
    public let repository: any PlanRepository
    public let clock: any WallClock
    /// The county's facts for the suggestions, per day (their windows count back from today).
    public let computed: ChangeKeyedCache?

    public init(repository: any PlanRepository, clock: any WallClock, computed: ChangeKeyedCache? = nil) {
        self.repository = repository
        self.clock = clock
        self.computed = computed
    }

    static func county(_ requested: String?, _ actor: Caller) throws -> String {
        switch actor.scope {
        case .county(let c):
            if let requested, requested != c { throw DomainError.notFound(entity: "plan") }
            return c
        case .city:
            guard let requested, County.named(requested) != nil else {
                throw DomainError.validation([FieldIssue(field: "county", zh: "请选择县（市、区）", en: "choose a county")])
            }
            return requested
        default: throw DomainError.forbidden(permission: .enforcementRead)
        }
    }

    public func plan(county: String?, year: Int, actor: Caller) async throws -> (EnforcementPlan, [PlanFacts]) {
        try actor.require(.enforcementRead)
        let c = try Self.county(county, actor)
        let now = clock.now()
        let (repository, scope) = (self.repository, actor.scope)
        let read: @Sendable () async throws -> [PlanFacts] = { try await repository.facts(countyCode: c, now: now, scope: scope) }
        // Kept per county: a caller outside it gets none of them (as the repository would answer).
        let facts = scope.reaches(county: c) ? try await computed.value("plan-facts|\(c)|\(ChinaTime.day(now))", compute: read) : []
        return (try await repository.find(countyCode: c, year: year, scope: actor.scope) ?? EnforcementPlan(countyCode: c, year: year, updatedAt: clock.now()), facts)
    }

    /// Saves the plan; each entry's name is the enterprise's registered name.
    public func save(county: String?, year: Int, keyEnterprises: [EnforcementPlan.KeyEnterprise], drawQuota: Int?, expectedVersion: Int,
                     actor: Caller, origin: String? = nil) async throws -> EnforcementPlan {
        try actor.require(.drawManage)
        let c = try Self.county(county, actor)
        var issues: [FieldIssue] = []
        if !(2020...2100).contains(year) { issues.append(FieldIssue(field: "year", zh: "年度无效", en: "the year is not valid")) }
        if drawQuota == nil || !(0...10_000).contains(drawQuota!) { issues.append(FieldIssue(field: "drawQuota", zh: "双随机抽查数应为0至10000", en: "the random-draw quota is 0 to 10,000")) }
        if keyEnterprises.contains(where: { !(1...12).contains($0.month) }) { issues.append(FieldIssue(field: "keyEnterprises", zh: "计划月份应为1至12", en: "a planned month is 1 to 12")) }
        if Set(keyEnterprises.map(\.enterpriseID)).count != keyEnterprises.count { issues.append(FieldIssue(field: "keyEnterprises", zh: "企业重复", en: "an enterprise is listed twice")) }
        // The county's active enterprises, by id: an entry must be one of them, and takes its registered name.
        let names = Dictionary(try await repository.facts(countyCode: c, now: clock.now(), scope: actor.scope).map { ($0.enterpriseID, $0.name) }, uniquingKeysWith: { a, _ in a })
        if keyEnterprises.contains(where: { names[$0.enterpriseID] == nil }) {
            issues.append(FieldIssue(field: "keyEnterprises", zh: "只能列入本县（市、区）在册企业", en: "only the county's active enterprises"))
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let entries = keyEnterprises.map { k in var k = k; k.name = names[k.enterpriseID] ?? k.name; return k }
        let plan = EnforcementPlan(countyCode: c, year: year, keyEnterprises: entries.sorted { ($0.month, $0.name) < ($1.month, $1.name) },
                                   drawQuota: drawQuota!, updatedBy: actor.username, updatedAt: now)
        return try await repository.save(plan, expectedVersion: expectedVersion, scope: actor.scope, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func figures(year: Int, actor: Caller) async throws -> EnforcementFigures {
        try actor.require(.enforcementRead)
        guard actor.scope.isRegulator else { throw DomainError.forbidden(permission: .enforcementRead) }
        return try await repository.figures(scope: actor.scope, year: year)
    }
}
