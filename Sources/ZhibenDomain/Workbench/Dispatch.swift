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

/// The counties' figures, read city-wide in a few grouped queries (one per kind of record) rather
/// than a round of queries per county.
public protocol DispatchRepository: Sendable {
    /// Per county: open, overdue and legacy major hazards; unacknowledged alarms; the year's planned and
    /// completed inspections, its penalties and fines. Connection figures and the times to acknowledge
    /// are the monitoring figures'.
    func counties(year: Int, now: Date) async throws -> [String: CountyDispatch]
}

/// The city's dispatch view: the thirteen counties side by side.
public struct DispatchService: Sendable {
    public let repository: any DispatchRepository
    public let monitoring: MonitoringFiguresService
    public let clock: any WallClock
    /// The counties' figures, per minute (their deadlines and windows count from now).
    public let computed: ChangeKeyedCache?

    public init(repository: any DispatchRepository, monitoring: MonitoringFiguresService, clock: any WallClock, computed: ChangeKeyedCache? = nil) {
        self.repository = repository
        self.monitoring = monitoring
        self.clock = clock
        self.computed = computed
    }

    /// Every county's row, for the city's officers.
    public func counties(actor: Caller) async throws -> [CountyDispatch] {
        try actor.require(.dashboardRead)
        guard actor.scope == .city else { throw DomainError.forbidden(permission: .dashboardRead) }
        let now = clock.now()
        let year = Int(ChinaTime.day(now).prefix(4)) ?? 2026
        let connection = try await monitoring.connection(actor: actor, maxAge: 60)
        let (repository, alarms) = (self.repository, monitoring.repository)
        let read: @Sendable () async throws -> ([String: CountyDispatch], [String: [Double]]) = {
            let figures = try await repository.counties(year: year, now: now)
            // Minutes from raise to acknowledgement, over the level-1 alarms of the last 30 days acknowledged so far.
            let facts = try await alarms.alarmFacts(scope: .city, from: now.addingTimeInterval(-30 * 86_400), to: now)
            let waits = Dictionary(grouping: facts.filter { $0.level == .first }.compactMap { f in
                f.acknowledgedAt.map { (county: f.countyCode, minutes: $0.timeIntervalSince(f.raisedAt) / 60) }
            }, by: \.county).mapValues { $0.map(\.minutes) }
            return (figures, waits)
        }
        let minute = Int(now.timeIntervalSince1970 / 60)
        let (figures, waits) = try await computed.value("dispatch|\(year)|\(minute)", compute: read)
        return County.all.map { county in
            var row = figures[county.code] ?? CountyDispatch(countyCode: county.code)
            row.countyCode = county.code
            if let w = waits[county.code] { row.meanMinutesToAcknowledge = w.reduce(0, +) / Double(w.count) }
            if let c = connection.counties.first(where: { $0.countyCode == county.code }) {
                row.connectionRate = c.rate(year)
                row.onlineRate = c.onlineRate
            }
            return row
        }
    }
}
