import Foundation

/// A major-hazard check the enterprise runs itself (T9): who led it, when, which checklist items were
/// checked and which hazards it found.
public struct SelfInspection: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var enterpriseID: UUID
    public var countyCode: String
    public var ledBy: String
    /// Led by the principal (主要负责人) in person: only such checks count toward the rule.
    public var principalLed: Bool
    public var conductedAt: Date
    /// Criterion ids, and `local:<uuid>` for a county's local items.
    public var checkedItems: [String]
    public var hazardIDs: [UUID]
    public var notes: String
    public var recordedBy: String
    public var createdAt: Date

    public init(id: UUID = UUID(), enterpriseID: UUID, countyCode: String, ledBy: String, principalLed: Bool, conductedAt: Date,
                checkedItems: [String], hazardIDs: [UUID] = [], notes: String = "", recordedBy: String, createdAt: Date) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.ledBy = ledBy
        self.principalLed = principalLed
        self.conductedAt = conductedAt
        self.checkedItems = checkedItems
        self.hazardIDs = hazardIDs
        self.notes = notes
        self.recordedBy = recordedBy
        self.createdAt = createdAt
    }
}

/// The self-inspection rule (T9): the principal leads a major-hazard check at least once a quarter;
/// in a metal-smelting enterprise once a month. Periods count from the campaign's start.
public enum SelfInspectionSchedule {
    public static let campaignStart = ChinaTime.parseDay("2024-01-01")!

    public enum Cadence: String, Sendable, Labeled {
        case monthly, quarterly
        public var zh: String { self == .monthly ? "每月" : "每季度" }
        public var en: String { self == .monthly ? "monthly" : "quarterly" }
    }

    public struct Period: Sendable, Equatable {
        public var label: String
        public var start: Date
        public var end: Date
        /// Principal-led checks conducted in the period.
        public var checks: Int
        /// The period has ended without one.
        public var missed: Bool
        /// The period is under way now.
        public var current: Bool
    }

    public static func cadence(for profile: EnterpriseProfile) -> Cadence {
        profile.specialRisks.contains(.metalSmelting) ? .monthly : .quarterly
    }

    /// A month as one number, `year * 12 + month - 1` in Asia/Shanghai; its quarter is this divided by 3.
    public static func monthIndex(_ date: Date) -> Int {
        let c = ChinaTime.calendar.dateComponents([.year, .month], from: date)
        return c.year! * 12 + c.month! - 1
    }

    /// Every period from the campaign's start (or `from`) up to and including the current one.
    public static func periods(cadence: Cadence, from: Date = campaignStart, now: Date) -> [(label: String, start: Date, end: Date)] {
        let cal = ChinaTime.calendar
        let step = cadence == .monthly ? 1 : 3
        var c = cal.dateComponents([.year, .month], from: max(from, campaignStart))
        if cadence == .quarterly { c.month = ((c.month! - 1) / 3) * 3 + 1 }
        var start = cal.date(from: c)!
        var out: [(String, Date, Date)] = []
        while start <= now {
            let end = cal.date(byAdding: .month, value: step, to: start)!
            let y = cal.component(.year, from: start), m = cal.component(.month, from: start)
            let label = cadence == .monthly ? String(format: "%04d-%02d", y, m) : "\(y)Q\((m - 1) / 3 + 1)"
            out.append((label, start, end))
            start = end
        }
        return out
    }

    /// The periods with their checks; a period that has ended without a principal-led check is missed.
    public static func compliance(cadence: Cadence, checks: [Date], from: Date = campaignStart, now: Date) -> [Period] {
        compliance(periods: periods(cadence: cadence, from: from, now: now), checks: checks, now: now)
    }

    /// The same for periods computed once and shared by many enterprises: each check is placed in its
    /// period by binary search, so thousands of enterprises cost no calendar arithmetic each.
    public static func compliance(periods: [(label: String, start: Date, end: Date)], checks: [Date], now: Date) -> [Period] {
        var counts = [Int](repeating: 0, count: periods.count)
        for c in checks {
            var lo = 0, hi = periods.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                if c < periods[mid].start { hi = mid - 1 } else if c >= periods[mid].end { lo = mid + 1 } else { counts[mid] += 1; break }
            }
        }
        return periods.enumerated().map { i, p in
            Period(label: p.label, start: p.start, end: p.end, checks: counts[i], missed: counts[i] == 0 && p.end <= now,
                   current: p.start <= now && now < p.end)
        }
    }
}

/// A staff member's report of a hazard inside the enterprise (内部吹哨人), anonymous if they wish;
/// the enterprise confirms or dismisses it and records the reward for a confirmed one.
public struct InternalReport: Sendable, Equatable, Identifiable {
    public enum Status: String, Sendable, Codable, CaseIterable, Labeled {
        case received, confirmed, dismissed
        public var zh: String { switch self { case .received: "待核实"; case .confirmed: "属实"; case .dismissed: "不属实" } }
        public var en: String { switch self { case .received: "Received"; case .confirmed: "Confirmed"; case .dismissed: "Dismissed" } }
    }

    public var id: UUID
    public var enterpriseID: UUID
    public var countyCode: String
    public var text: String
    /// Nil when the reporter asked to stay anonymous.
    public var reporter: String?
    public var receivedAt: Date
    public var status: Status
    /// Yuan, for a confirmed report.
    public var reward: Decimal?
    public var hazardID: UUID?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var recordedBy: String

    public init(id: UUID = UUID(), enterpriseID: UUID, countyCode: String, text: String, reporter: String?, receivedAt: Date,
                status: Status = .received, reward: Decimal? = nil, hazardID: UUID? = nil, decidedBy: String? = nil,
                decidedAt: Date? = nil, recordedBy: String) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.text = text
        self.reporter = reporter
        self.receivedAt = receivedAt
        self.status = status
        self.reward = reward
        self.hazardID = hazardID
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.recordedBy = recordedBy
    }
}

public protocol SelfInspectionRepository: Sendable {
    func create(_ inspection: SelfInspection, audit: AuditContext) async throws -> SelfInspection
    func createAll(_ inspections: [SelfInspection], audit: AuditContext) async throws
    func list(enterpriseID: UUID?, scope: Scope, page: Paging) async throws -> Paged<SelfInspection>
    /// Dates of principal-led checks per enterprise in scope, since `since`.
    func principalLedDates(scope: Scope, since: Date) async throws -> [UUID: [Date]]
    func principalLedDates(ids: [UUID], since: Date) async throws -> [UUID: [Date]]
    /// Per enterprise in scope with a principal-led check since the campaign's start: how many distinct
    /// months and quarters had one, and the latest of each. Kept in step by every check, so the county
    /// view reads one row per enterprise.
    func tallies(scope: Scope) async throws -> [UUID: SelfInspectionTally]
    /// Every active enterprise in scope with its missed periods, most missed first (then by name), a
    /// page at a time, counted in the database from the tallies: ended periods since `startMonth` up to
    /// `currentMonth` (month indexes), monthly for metal-smelting enterprises and quarterly for the rest,
    /// less those ended periods that had a check. Also how many there are, and how many missed any.
    func missedPeriods(scope: Scope, startMonth: Int, currentMonth: Int, onlyMissed: Bool, page: Paging) async throws -> MissedPeriodsPage

    func createReport(_ report: InternalReport, audit: AuditContext) async throws -> InternalReport
    func reports(enterpriseID: UUID?, scope: Scope, page: Paging) async throws -> Paged<InternalReport>
    func decideReport(id: UUID, scope: Scope, audit: AuditContext,
                      change: @escaping @Sendable (InternalReport) throws -> InternalReport) async throws -> InternalReport
}

public struct MissedPeriodsPage: Sendable, Equatable {
    public var rows: [(id: UUID, missed: Int)]
    /// Active enterprises in scope, and those with a missed period.
    public var enterprises: Int
    public var withMisses: Int

    public init(rows: [(id: UUID, missed: Int)], enterprises: Int, withMisses: Int) {
        self.rows = rows
        self.enterprises = enterprises
        self.withMisses = withMisses
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.rows.map(\.id) == b.rows.map(\.id) && a.rows.map(\.missed) == b.rows.map(\.missed) && a.enterprises == b.enterprises && a.withMisses == b.withMisses
    }
}

public struct SelfInspectionTally: Sendable, Equatable {
    public var months: Int
    public var quarters: Int
    /// `SelfInspectionSchedule.monthIndex` of the latest month with a check.
    public var lastMonth: Int
    public var lastQuarter: Int

    public init(months: Int, quarters: Int, lastMonth: Int, lastQuarter: Int) {
        self.months = months
        self.quarters = quarters
        self.lastMonth = lastMonth
        self.lastQuarter = lastQuarter
    }

    /// Ended periods of the cadence that had a check: the current period's check (if any) is not one.
    public func checkedEnded(_ cadence: SelfInspectionSchedule.Cadence, now: Date) -> Int {
        let month = SelfInspectionSchedule.monthIndex(now)
        switch cadence {
        case .monthly: return months - (lastMonth >= month ? 1 : 0)
        case .quarterly: return quarters - (lastQuarter >= month / 3 ? 1 : 0)
        }
    }
}

/// An enterprise's standing against the self-inspection rule.
public struct SelfInspectionStanding: Sendable, Equatable {
    public var enterprise: Enterprise
    public var cadence: SelfInspectionSchedule.Cadence
    public var periods: [SelfInspectionSchedule.Period]
    public var missedCount: Int?
    public var missed: Int { missedCount ?? periods.filter(\.missed).count }
    public var lastCheck: Date?
}

/// Self-inspections and internal reports (T9).
public struct SelfInspectionService: Sendable {
    public let repository: any SelfInspectionRepository
    public let enterprises: any EnterpriseRepository
    public let hazards: any HazardRepository
    public let clock: any WallClock
    /// The ranking of missed periods, per scope, month and page.
    public let computed: ChangeKeyedCache?

    public init(repository: any SelfInspectionRepository, enterprises: any EnterpriseRepository, hazards: any HazardRepository, clock: any WallClock,
                computed: ChangeKeyedCache? = nil) {
        self.repository = repository
        self.enterprises = enterprises
        self.hazards = hazards
        self.clock = clock
        self.computed = computed
    }

    public struct Draft: Sendable {
        public var enterpriseID: UUID?
        public var ledBy: String
        public var principalLed: Bool
        public var conductedAt: Date?
        public var checkedItems: [String]
        public var hazardIDs: [UUID]
        public var notes: String

        public init(enterpriseID: UUID? = nil, ledBy: String = "", principalLed: Bool = false, conductedAt: Date? = nil,
                    checkedItems: [String] = [], hazardIDs: [UUID] = [], notes: String = "") {
            self.enterpriseID = enterpriseID
            self.ledBy = ledBy
            self.principalLed = principalLed
            self.conductedAt = conductedAt
            self.checkedItems = checkedItems
            self.hazardIDs = hazardIDs
            self.notes = notes
        }
    }

    func ownEnterprise(_ id: UUID?, actor: Caller) async throws -> Enterprise {
        let target: UUID? = if case .enterprise(let own) = actor.scope { own } else { id }
        guard let target, let e = try await enterprises.find(id: target, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        return e
    }

    public func record(_ draft: Draft, actor: Caller, origin: String? = nil) async throws -> SelfInspection {
        try actor.require(.selfInspectionRecord)
        let e = try await ownEnterprise(draft.enterpriseID, actor: actor)
        let now = clock.now()
        var issues: [FieldIssue] = []
        let ledBy = draft.ledBy.trimmingCharacters(in: .whitespaces)
        if !(1...50).contains(ledBy.length) || draft.ledBy.length > 50 { issues.append(FieldIssue(field: "ledBy", zh: "请填写带队人姓名", en: "who led the check is required")) }
        let at = draft.conductedAt ?? now
        if at > now.addingTimeInterval(300) { issues.append(FieldIssue(field: "conductedAt", zh: "检查时间不能晚于现在", en: "the check cannot be in the future")) }
        if at < SelfInspectionSchedule.campaignStart.addingTimeInterval(-366 * 86_400) { issues.append(FieldIssue(field: "conductedAt", zh: "检查时间过早", en: "the check is too long ago")) }
        let checklist = Checklist.applicable(to: e.profile, catalogue: .shipped)
        let known = Set(checklist.criteria.map(\.id))
        let unknown = draft.checkedItems.filter { !known.contains($0) && !$0.hasPrefix("local:") }
        if draft.checkedItems.isEmpty { issues.append(FieldIssue(field: "checkedItems", zh: "请勾选检查了哪些清单项", en: "tick the checklist items that were checked")) }
        if !unknown.isEmpty { issues.append(FieldIssue(field: "checkedItems", zh: "不在本企业清单中的条款：\(unknown.joined(separator: "、"))", en: "not on this enterprise's checklist: \(unknown.joined(separator: ", "))")) }
        for id in draft.hazardIDs where try await hazards.find(id: id, scope: .enterprise(e.id)) == nil {
            issues.append(FieldIssue(field: "hazardIds", zh: "隐患\(id.uuidString)不属于本企业", en: "hazard \(id.uuidString) is not this enterprise's"))
        }
        if draft.notes.length > 2000 { issues.append(FieldIssue(field: "notes", zh: "说明不能超过2000字", en: "notes have at most 2000 characters")) }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let inspection = SelfInspection(enterpriseID: e.id, countyCode: e.profile.countyCode, ledBy: ledBy, principalLed: draft.principalLed,
                                        conductedAt: at, checkedItems: Array(Set(draft.checkedItems)).sorted(), hazardIDs: draft.hazardIDs,
                                        notes: draft.notes.trimmingCharacters(in: .whitespacesAndNewlines), recordedBy: actor.username, createdAt: now)
        return try await repository.create(inspection, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func list(enterpriseID: UUID?, page: Paging, actor: Caller) async throws -> Paged<SelfInspection> {
        try actor.require(.hazardRead)
        return try await repository.list(enterpriseID: enterpriseID, scope: actor.scope, page: page)
    }

    /// One enterprise's periods and whether each had its principal-led check.
    public func standing(enterpriseID: UUID, actor: Caller) async throws -> SelfInspectionStanding {
        try actor.require(.hazardRead)
        guard let e = try await enterprises.find(id: enterpriseID, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        let dates = try await repository.principalLedDates(scope: .enterprise(e.id), since: SelfInspectionSchedule.campaignStart)[e.id] ?? []
        return Self.standing(e, dates: dates, now: clock.now())
    }

    static func standing(_ e: Enterprise, dates: [Date], now: Date,
                         periods: [SelfInspectionSchedule.Cadence: [(label: String, start: Date, end: Date)]]? = nil) -> SelfInspectionStanding {
        let cadence = SelfInspectionSchedule.cadence(for: e.profile)
        // The rule runs from the campaign's start, whenever the enterprise was entered in the registry.
        let list = periods?[cadence] ?? SelfInspectionSchedule.periods(cadence: cadence, now: now)
        return SelfInspectionStanding(enterprise: e, cadence: cadence,
                                      periods: SelfInspectionSchedule.compliance(periods: list, checks: dates, now: now), lastCheck: dates.max())
    }

    /// The county's view: every enterprise in scope with its missed periods, most missed first, a page
    /// at a time. Each enterprise's missed periods come from its tally (one row, kept in step by every
    /// check); only the page's enterprises are read whole, with their checks.
    public func standings(actor: Caller, countyCode: String? = nil, onlyMissed: Bool = true, page: Paging) async throws -> (Paged<SelfInspectionStanding>, withMisses: Int, enterprises: Int) {
        try actor.require(.hazardRead)
        let now = clock.now()
        let scope = countyCode.map { c in actor.scope == .city || actor.scope == .county(c) ? Scope.county(c) : actor.scope } ?? actor.scope
        let periods: [SelfInspectionSchedule.Cadence: [(label: String, start: Date, end: Date)]] = [
            .monthly: SelfInspectionSchedule.periods(cadence: .monthly, now: now),
            .quarterly: SelfInspectionSchedule.periods(cadence: .quarterly, now: now),
        ]
        let (start, month, repository) = (SelfInspectionSchedule.monthIndex(SelfInspectionSchedule.campaignStart), SelfInspectionSchedule.monthIndex(now), self.repository)
        let read: @Sendable () async throws -> MissedPeriodsPage = {
            try await repository.missedPeriods(scope: scope, startMonth: start, currentMonth: month, onlyMissed: onlyMissed, page: page)
        }
        let counted = try await computed.value("missed-periods|\(scope)|\(month)|\(onlyMissed)|\(page.page)|\(page.per)", compute: read)
        let slice = counted.rows
        var items: [SelfInspectionStanding] = []
        let dates = try await repository.principalLedDates(ids: slice.map(\.id), since: SelfInspectionSchedule.campaignStart)
        let records = try await enterprises.find(ids: slice.map(\.id), scope: scope)
        for row in slice {
            guard let e = records[row.id] else { continue }
            var s = Self.standing(e, dates: dates[row.id] ?? [], now: now, periods: periods)
            s.missedCount = row.missed
            items.append(s)
        }
        return (Paged(items: items, page: page.page, per: page.per, total: onlyMissed ? counted.withMisses : counted.enterprises),
                counted.withMisses, counted.enterprises)
    }

    // MARK: internal reports

    public func receiveReport(text: String, reporter: String?, receivedAt: Date?, enterpriseID: UUID?, actor: Caller, origin: String? = nil) async throws -> InternalReport {
        try actor.require(.selfInspectionRecord)
        let e = try await ownEnterprise(enterpriseID, actor: actor)
        let now = clock.now()
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var issues: [FieldIssue] = []
        if !(4...2000).contains(t.length) || text.length > 2000 { issues.append(FieldIssue(field: "text", zh: "请填写报告内容（4–2000字）", en: "the report needs 4–2000 characters")) }
        let name = reporter?.trimmingCharacters(in: .whitespaces)
        if name != nil, (reporter ?? "").length > 50 { issues.append(FieldIssue(field: "reporter", zh: "报告人姓名不能超过50字", en: "the reporter's name has at most 50 characters")) }
        let at = receivedAt ?? now
        if at > now.addingTimeInterval(300) { issues.append(FieldIssue(field: "receivedAt", zh: "接收时间不能晚于现在", en: "received at cannot be in the future")) }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let report = InternalReport(enterpriseID: e.id, countyCode: e.profile.countyCode, text: t, reporter: name.flatMap { $0.isEmpty ? nil : $0 },
                                    receivedAt: at, recordedBy: actor.username)
        return try await repository.createReport(report, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func reports(enterpriseID: UUID?, page: Paging, actor: Caller) async throws -> Paged<InternalReport> {
        try actor.require(.hazardRead)
        return try await repository.reports(enterpriseID: enterpriseID, scope: actor.scope, page: page)
    }

    /// Confirms (with the reward paid, in yuan) or dismisses a received report.
    public func decideReport(_ id: UUID, confirmed: Bool, reward: Decimal?, hazardID: UUID?, actor: Caller, origin: String? = nil) async throws -> InternalReport {
        try actor.require(.selfInspectionRecord)
        let now = clock.now()
        if let reward, reward < 0 || reward > 10_000_000 {
            throw DomainError.validation([FieldIssue(field: "reward", zh: "奖励金额应为0至1000万元", en: "the reward must be 0 to 10,000,000 yuan")])
        }
        if confirmed, reward == nil {
            throw DomainError.validation([FieldIssue(field: "reward", zh: "属实的报告请登记奖励金额（元，可为0）", en: "record the reward (yuan, may be 0) for a confirmed report")])
        }
        if let hazardID, try await hazards.find(id: hazardID, scope: actor.scope) == nil {
            throw DomainError.validation([FieldIssue(field: "hazardId", zh: "未找到该隐患", en: "no such hazard")])
        }
        let decision: InternalReportWorkflow.Decision = confirmed ? .confirm(reward: reward ?? 0) : .dismiss
        return try await repository.decideReport(id: id, scope: actor.scope, audit: AuditContext(actor: actor, at: now, origin: origin)) { r in
            try InternalReportWorkflow.decide(r, decision, hazardID: hazardID, by: actor.username, now: now)
        }
    }
}
