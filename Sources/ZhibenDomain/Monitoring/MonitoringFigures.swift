import Foundation

/// Which enterprises the plan (T14) requires to be connected to monitoring, and by the end of which year.
public enum ConnectionRules {
    public static let years = [2024, 2025, 2026]

    /// End 2024: combustible-dust enterprises with at least 10 dust workers; end 2025: all steel (metallurgy
    /// with metal smelting), all deep-well casting, dust enterprises with at least 3; end 2026: every dust
    /// enterprise. Nil when the plan does not require it. (The key enterprises each county names for 2024
    /// are not recorded yet.)
    public static func deadline(industry: Industry, risks: Set<SpecialRisk>, dustWorkers: Int) -> Int? {
        var years: [Int] = []
        if risks.contains(.combustibleDust) { years.append(dustWorkers >= 10 ? 2024 : dustWorkers >= 3 ? 2025 : 2026) }
        if industry == .metallurgy, risks.contains(.metalSmelting) { years.append(2025) }
        if risks.contains(.deepWellCasting) { years.append(2025) }
        return years.min()
    }
}

/// What storage knows of one active enterprise's monitoring.
public struct ConnectionFacts: Sendable, Equatable {
    public var enterpriseID: UUID
    public var name: String
    public var countyCode: String
    public var industry: Industry
    public var risks: Set<SpecialRisk>
    public var dustWorkers: Int
    /// Active monitoring points.
    public var points: Int
    /// Active points that have sent at least one reading still kept.
    public var reporting: Int
    /// Active points whose latest reading is within three of their intervals.
    public var online: Int

    public init(enterpriseID: UUID, name: String, countyCode: String, industry: Industry, risks: Set<SpecialRisk>, dustWorkers: Int,
                points: Int, reporting: Int, online: Int) {
        self.enterpriseID = enterpriseID
        self.name = name
        self.countyCode = countyCode
        self.industry = industry
        self.risks = risks
        self.dustWorkers = dustWorkers
        self.points = points
        self.reporting = reporting
        self.online = online
    }

    public var deadline: Int? { ConnectionRules.deadline(industry: industry, risks: risks, dustWorkers: dustWorkers) }
    /// Connected (已接入): its data arrives, from at least one point.
    public var connected: Bool { reporting > 0 }
}

/// Connection (接入率) and online (在线率) figures per county, against the plan's deadlines.
public struct ConnectionFigures: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var countyCode: String
        /// Enterprises required by the end of each year (cumulative) and, of those, connected.
        public var required: [Int: Int] = [:]
        public var connected: [Int: Int] = [:]
        /// Required by the end of a past year and still not connected.
        public var overdue = 0
        public var points = 0
        public var online = 0

        public init(countyCode: String) { self.countyCode = countyCode }

        /// Connected share of those required by the end of `year`; nil when none is.
        public func rate(_ year: Int) -> Double? {
            guard let r = required[year], r > 0 else { return nil }
            return Double(connected[year] ?? 0) / Double(r)
        }

        public var onlineRate: Double? { points > 0 ? Double(online) / Double(points) : nil }
    }

    public var year: Int
    public var counties: [Row]
    public var total: Row
    /// Required by the end of this year or earlier and not connected, earliest deadline first.
    public var lagging: [ConnectionFacts]

    public static func compute(_ facts: [ConnectionFacts], counties: [String], year: Int) -> ConnectionFigures {
        var rows = Dictionary(uniqueKeysWithValues: counties.map { ($0, Row(countyCode: $0)) })
        var total = Row(countyCode: "")
        var lagging: [ConnectionFacts] = []
        for f in facts {
            var row = rows[f.countyCode] ?? Row(countyCode: f.countyCode)
            row.points += f.points
            row.online += f.online
            total.points += f.points
            total.online += f.online
            if let deadline = f.deadline {
                for y in ConnectionRules.years where deadline <= y {
                    row.required[y, default: 0] += 1
                    total.required[y, default: 0] += 1
                    if f.connected {
                        row.connected[y, default: 0] += 1
                        total.connected[y, default: 0] += 1
                    }
                }
                if !f.connected, deadline < year {
                    row.overdue += 1
                    total.overdue += 1
                }
                if !f.connected, deadline <= year { lagging.append(f) }
            }
            rows[f.countyCode] = row
        }
        lagging.sort { ($0.deadline ?? 0, $0.countyCode, $0.name) < ($1.deadline ?? 0, $1.countyCode, $1.name) }
        return ConnectionFigures(year: year, counties: counties.compactMap { rows[$0] }, total: total, lagging: lagging)
    }
}

/// One alarm as the statistics need it.
public struct AlarmFact: Sendable, Equatable {
    public var enterpriseID: UUID
    public var enterpriseName: String
    public var countyCode: String
    public var indicator: String
    public var condition: AlarmCondition
    public var level: AlarmLevel
    public var raisedAt: Date
    public var acknowledgedAt: Date?
    public var closedAt: Date?

    public init(enterpriseID: UUID, enterpriseName: String, countyCode: String, indicator: String, condition: AlarmCondition, level: AlarmLevel,
                raisedAt: Date, acknowledgedAt: Date?, closedAt: Date?) {
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.indicator = indicator
        self.condition = condition
        self.level = level
        self.raisedAt = raisedAt
        self.acknowledgedAt = acknowledgedAt
        self.closedAt = closedAt
    }
}

/// Alarms over a period: how many per level, county, indicator and condition; how fast they were
/// acknowledged and closed; and the floods (more than 10 alarms in 10 minutes at one enterprise).
public struct AlarmStatistics: Sendable, Equatable {
    public struct Flood: Sendable, Equatable {
        public var enterpriseID: UUID
        public var enterpriseName: String
        public var countyCode: String
        public var start: Date
        /// Alarms raised from its start until fewer than the threshold fell within the window again.
        public var alarms: Int
    }

    public var total = 0
    public var byLevel: [AlarmLevel: Int] = [:]
    public var byCounty: [String: Int] = [:]
    public var byIndicator: [String: Int] = [:]
    public var byCondition: [AlarmCondition: Int] = [:]
    public var acknowledged = 0
    public var closed = 0
    /// Mean seconds from raised to acknowledged, over those acknowledged; and to closed.
    public var meanToAcknowledge: Double?
    public var meanToClose: Double?
    public var floods: [Flood] = []

    public static func compute(_ facts: [AlarmFact]) -> AlarmStatistics {
        var s = AlarmStatistics()
        var ackSum = 0.0, closeSum = 0.0
        for f in facts {
            s.total += 1
            s.byLevel[f.level, default: 0] += 1
            s.byCounty[f.countyCode, default: 0] += 1
            s.byIndicator[f.indicator, default: 0] += 1
            s.byCondition[f.condition, default: 0] += 1
            if let a = f.acknowledgedAt {
                s.acknowledged += 1
                ackSum += max(0, a.timeIntervalSince(f.raisedAt))
            }
            if let c = f.closedAt {
                s.closed += 1
                closeSum += max(0, c.timeIntervalSince(f.raisedAt))
            }
        }
        s.meanToAcknowledge = s.acknowledged > 0 ? ackSum / Double(s.acknowledged) : nil
        s.meanToClose = s.closed > 0 ? closeSum / Double(s.closed) : nil
        for (_, list) in Dictionary(grouping: facts, by: \.enterpriseID) {
            s.floods += floods(list)
        }
        s.floods.sort { $0.start > $1.start }
        return s
    }

    /// The floods of one enterprise: a flood starts with the alarm that makes more than the threshold
    /// within the window, and lasts while each new alarm still does.
    static func floods(_ list: [AlarmFact]) -> [Flood] {
        let sorted = list.sorted { $0.raisedAt < $1.raisedAt }
        var out: [Flood] = []
        var lo = 0
        var current: Flood?
        for (hi, f) in sorted.enumerated() {
            while sorted[lo].raisedAt <= f.raisedAt.addingTimeInterval(-AlarmFlood.window) { lo += 1 }
            let inWindow = hi - lo + 1
            if inWindow > AlarmFlood.threshold {
                if current == nil {
                    current = Flood(enterpriseID: f.enterpriseID, enterpriseName: f.enterpriseName, countyCode: f.countyCode,
                                    start: sorted[lo].raisedAt, alarms: inWindow)
                } else {
                    current!.alarms += 1
                }
            } else if let c = current {
                out.append(c)
                current = nil
            }
        }
        if let current { out.append(current) }
        return out
    }
}

public protocol MonitoringFiguresRepository: Sendable {
    /// Every active enterprise in scope with its points' connection, as of `now`.
    func connectionFacts(scope: Scope, now: Date) async throws -> [ConnectionFacts]
    /// The alarms in scope raised in [from, to).
    func alarmFacts(scope: Scope, from: Date, to: Date) async throws -> [AlarmFact]
}

/// Connection figures per scope, kept a short while for the dashboard: they read every enterprise of
/// the scope (20,000 for the city), and change when a point first reports or goes quiet.
actor ConnectionFiguresCache {
    private var entries: [Scope: (at: Date, figures: ConnectionFigures)] = [:]

    func get(_ scope: Scope, now: Date, maxAge: TimeInterval) -> ConnectionFigures? {
        guard let e = entries[scope], now.timeIntervalSince(e.at) < maxAge, e.at <= now else { return nil }
        return e.figures
    }

    func put(_ scope: Scope, _ figures: ConnectionFigures, at: Date) { entries[scope] = (at, figures) }
}

/// The monitoring figures of the dashboard and the statistics page.
public struct MonitoringFiguresService: Sendable {
    public let repository: any MonitoringFiguresRepository
    public let clock: any WallClock
    let cache = ConnectionFiguresCache()

    public init(repository: any MonitoringFiguresRepository, clock: any WallClock) {
        self.repository = repository
        self.clock = clock
    }

    /// `maxAge`: figures computed this recently for the same scope will do (the dashboard's 60 s);
    /// 0 computes them afresh (the statistics page, the API).
    public func connection(actor: Caller, maxAge: TimeInterval = 0) async throws -> ConnectionFigures {
        try actor.require(.monitoringRead)
        let now = clock.now()
        if maxAge > 0, let hit = await cache.get(actor.scope, now: now, maxAge: maxAge) { return hit }
        let figures = try await compute(actor: actor, now: now)
        await cache.put(actor.scope, figures, at: now)
        return figures
    }

    func compute(actor: Caller, now: Date) async throws -> ConnectionFigures {
        let counties: [String] = switch actor.scope {
        case .city: County.all.map(\.code)
        case .county(let c): [c]
        case .enterprise, .assigned: []
        }
        let year = ChinaTime.calendar.component(.year, from: now)
        return ConnectionFigures.compute(try await repository.connectionFacts(scope: actor.scope, now: now), counties: counties, year: year)
    }

    /// Alarm statistics over [from, to); by default the last 30 days.
    public func alarms(from: Date?, to: Date?, actor: Caller) async throws -> (from: Date, to: Date, statistics: AlarmStatistics) {
        try actor.require(.monitoringRead)
        let end = to ?? clock.now()
        let start = from ?? end.addingTimeInterval(-30 * 86_400)
        guard start < end else {
            throw DomainError.validation([FieldIssue(field: "from", zh: "开始时间应早于结束时间", en: "from must be before to")])
        }
        guard end.timeIntervalSince(start) <= 366 * 86_400 else {
            throw DomainError.validation([FieldIssue(field: "from", zh: "统计区间最长一年", en: "the period may span at most a year")])
        }
        return (start, end, AlarmStatistics.compute(try await repository.alarmFacts(scope: actor.scope, from: start, to: end)))
    }
}
