import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

/// The monitoring figures, read as plain rows: a few statements, however many enterprises.
public struct FluentMonitoringFiguresRepository: MonitoringFiguresRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scopeFilter(_ scope: Scope, county: String, enterprise: String) -> SQLQueryString? {
        switch scope {
        case .city: ""
        case .county(let c): " AND \(unsafeRaw: county) = \(bind: c)"
        case .enterprise(let id): " AND \(unsafeRaw: enterprise) = \(bind: id)"
        case .assigned: nil
        }
    }

    public func connectionFacts(scope: Scope, now: Date) async throws -> [ConnectionFacts] {
        guard let enterpriseFilter = Self.scopeFilter(scope, county: "county_code", enterprise: "id"),
              let pointFilter = Self.scopeFilter(scope, county: "p.county_code", enterprise: "p.enterprise_id") else { return [] }
        struct EnterpriseRow: Decodable {
            let id: UUID; let name: String; let county_code: String; let industry: String; let special_risks: String; let dust_workers: Int
        }
        struct PointRow: Decodable { let id: UUID; let enterprise_id: UUID; let interval_s: Int; var last: Int64? }
        // The two statements side by side (each on a connection of its own): under ingest load the
        // figure waited for one, then the other.
        let sql = store.sql
        async let enterpriseRows = sql.raw("SELECT id, name, county_code, industry, special_risks, dust_workers FROM enterprises WHERE active = \(bind: true)" + enterpriseFilter)
            .all(decoding: EnterpriseRow.self)
        var points = try await sql.raw("SELECT p.id, p.enterprise_id, p.interval_s, NULL AS last FROM monitoring_points p WHERE p.active = \(bind: true)" + pointFilter)
            .all(decoding: PointRow.self)
        // The latest reading of each point, from the reading log's memory.
        let last = try await store.readingLog.lastTimes(points.map(\.id))
        let enterprises = try await enterpriseRows
        for i in points.indices { points[i].last = last[points[i].id] }
        let nowMillis = FluentReadingRepository.millis(now)
        var tally: [UUID: (points: Int, reporting: Int, online: Int)] = [:]
        for p in points {
            var t = tally[p.enterprise_id] ?? (0, 0, 0)
            t.points += 1
            if let last = p.last {
                t.reporting += 1
                if nowMillis - last <= Int64(p.interval_s) * 3000 { t.online += 1 }
            }
            tally[p.enterprise_id] = t
        }
        return enterprises.map { e in
            let t = tally[e.id] ?? (0, 0, 0)
            return ConnectionFacts(enterpriseID: e.id, name: e.name, countyCode: e.county_code, industry: Industry(rawValue: e.industry) ?? .commerce,
                                   risks: Set(TagSet.decode(e.special_risks, as: SpecialRisk.self)), dustWorkers: e.dust_workers,
                                   points: t.points, reporting: t.reporting, online: t.online)
        }
    }

    public func alarmFacts(scope: Scope, from: Date, to: Date) async throws -> [AlarmFact] {
        guard let filter = Self.scopeFilter(scope, county: "a.county_code", enterprise: "a.enterprise_id") else { return [] }
        struct Row: Decodable {
            let enterprise_id: UUID; let enterprise_name: String; let county_code: String; let condition: String; let level: Int
            let raised_at: Date; let steps: String; let indicator: String
        }
        let rows = try await store.sql.raw("""
            SELECT a.enterprise_id, a.enterprise_name, a.county_code, a.condition, a.level, a.raised_at, a.steps, p.indicator
            FROM alarms a JOIN monitoring_points p ON p.id = a.point_id
            WHERE a.raised_at >= \(bind: from) AND a.raised_at < \(bind: to)
            """ + filter).all(decoding: Row.self)
        return rows.map { r in
            let steps = JSONColumn.decode(r.steps, as: [AlarmStep].self) ?? []
            return AlarmFact(enterpriseID: r.enterprise_id, enterpriseName: r.enterprise_name, countyCode: r.county_code, indicator: r.indicator,
                             condition: AlarmCondition(rawValue: r.condition) ?? .high, level: AlarmLevel(rawValue: r.level) ?? .second, raisedAt: r.raised_at,
                             acknowledgedAt: steps.first { $0.action == .acknowledge }?.at, closedAt: steps.first { $0.action == .close }?.at)
        }
    }
}
