import Foundation

/// One county's row of the city's dispatch view (调度): where the county stands on each of the
/// campaign's fronts, every figure the count of a list the city can open.
public struct CountyDispatch: Sendable, Equatable {
    public var countyCode: String
    public var openMajor = 0
    public var overdueMajor = 0
    /// Major hazards found in 2023 or earlier and still open (to be zeroed by the end of 2024).
    public var legacyOpen = 0
    /// Connected share of the enterprises required to connect by the end of the year; nil when none is.
    public var connectionRate: Double?
    /// Share of the county's points reporting now; nil without points.
    public var onlineRate: Double?
    public var unacknowledged = 0
    /// Mean minutes from raise to acknowledgement of the level-1 alarms raised in the last 30 days; nil
    /// when none was acknowledged.
    public var meanMinutesToAcknowledge: Double?
    public var inspectionsPlanned = 0
    public var inspectionsCompleted = 0
    public var penalties = 0
    public var fined = 0

    public init(countyCode: String) { self.countyCode = countyCode }

    /// Lagging: an overdue or legacy major hazard, an overdue connection, or an unacknowledged alarm.
    public var lagging: Bool { overdueMajor > 0 || legacyOpen > 0 || unacknowledged > 0 || (connectionRate ?? 1) < 1 }
}

/// The city's dispatch view: the thirteen counties side by side.
public struct DispatchService: Sendable {
    public let hazards: HazardService
    public let alarms: AlarmService
    public let plans: PlanService
    public let monitoring: MonitoringFiguresService
    public let clock: any WallClock

    public init(hazards: HazardService, alarms: AlarmService, plans: PlanService, monitoring: MonitoringFiguresService, clock: any WallClock) {
        self.hazards = hazards
        self.alarms = alarms
        self.plans = plans
        self.monitoring = monitoring
        self.clock = clock
    }

    /// Every county's row, for the city's officers; each figure read in that county's scope.
    public func counties(actor: Caller) async throws -> [CountyDispatch] {
        try actor.require(.dashboardRead)
        guard actor.scope == .city else { throw DomainError.forbidden(permission: .dashboardRead) }
        let now = clock.now()
        let year = Int(ChinaTime.day(now).prefix(4)) ?? 2026
        let connection = try await monitoring.connection(actor: actor, maxAge: 60)
        var out: [CountyDispatch] = []
        for county in County.all {
            var row = CountyDispatch(countyCode: county.code)
            let scope = Caller(kind: .user, id: actor.id, username: actor.username, role: .cityOfficer, scope: .county(county.code))
            let stats = try await hazards.statistics(actor: scope)
            row.openMajor = stats.openMajor
            row.overdueMajor = stats.overdueMajor
            row.legacyOpen = stats.legacyOpen
            if let c = connection.counties.first(where: { $0.countyCode == county.code }) {
                row.connectionRate = c.rate(year)
                row.onlineRate = c.onlineRate
            }
            row.unacknowledged = try await alarms.list(AlarmQuery(states: [.active], countyCode: county.code), page: Paging(per: 1), actor: scope).total
            let recent = try await alarms.list(AlarmQuery(level: .first, countyCode: county.code, raisedAfter: now.addingTimeInterval(-30 * 86_400)),
                                               page: Paging(page: 1, per: Paging.maxPer), actor: scope).items
            let waits = recent.compactMap { a in a.steps.first { $0.action == .acknowledge }.map { $0.at.timeIntervalSince(a.raisedAt) / 60 } }
            row.meanMinutesToAcknowledge = waits.isEmpty ? nil : waits.reduce(0, +) / Double(waits.count)
            let f = try await plans.figures(year: year, actor: scope)
            row.inspectionsPlanned = f.planned
            row.inspectionsCompleted = f.completed
            row.penalties = f.penalties
            row.fined = f.fined
            out.append(row)
        }
        return out
    }
}
