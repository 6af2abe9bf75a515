import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class SelfInspectionModel: Model, @unchecked Sendable {
    static let schema = "self_inspections"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "led_by") var ledBy: String
    @Field(key: "principal_led") var principalLed: Bool
    @Field(key: "conducted_at") var conductedAt: Date
    @Field(key: "checked_items") var checkedItems: String
    @Field(key: "hazard_ids") var hazardIDs: String
    @Field(key: "notes") var notes: String
    @Field(key: "recorded_by") var recordedBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(_ s: SelfInspection) {
        id = s.id
        enterpriseID = s.enterpriseID
        countyCode = s.countyCode
        ledBy = s.ledBy
        principalLed = s.principalLed
        conductedAt = s.conductedAt
        checkedItems = s.checkedItems.joined(separator: ",")
        hazardIDs = s.hazardIDs.map(\.uuidString).joined(separator: ",")
        notes = s.notes
        recordedBy = s.recordedBy
        createdAt = s.createdAt
    }

    func domain() throws -> SelfInspection {
        SelfInspection(id: try requireID(), enterpriseID: enterpriseID, countyCode: countyCode, ledBy: ledBy, principalLed: principalLed,
                       conductedAt: conductedAt, checkedItems: checkedItems.split(separator: ",").map(String.init),
                       hazardIDs: hazardIDs.split(separator: ",").compactMap { UUID(uuidString: String($0)) }, notes: notes,
                       recordedBy: recordedBy, createdAt: createdAt)
    }
}

final class InternalReportModel: Model, @unchecked Sendable {
    static let schema = "internal_reports"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "text") var text: String
    @OptionalField(key: "reporter") var reporter: String?
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "status") var status: String
    @OptionalField(key: "reward") var reward: String?
    @OptionalField(key: "hazard_id") var hazardID: UUID?
    @OptionalField(key: "decided_by") var decidedBy: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @Field(key: "recorded_by") var recordedBy: String

    init() {}

    init(_ r: InternalReport) {
        id = r.id
        apply(r)
    }

    func apply(_ r: InternalReport) {
        enterpriseID = r.enterpriseID
        countyCode = r.countyCode
        text = r.text
        reporter = r.reporter
        receivedAt = r.receivedAt
        status = r.status.rawValue
        reward = r.reward.map { "\($0)" }
        hazardID = r.hazardID
        decidedBy = r.decidedBy
        decidedAt = r.decidedAt
        recordedBy = r.recordedBy
    }

    func domain() throws -> InternalReport {
        InternalReport(id: try requireID(), enterpriseID: enterpriseID, countyCode: countyCode, text: text, reporter: reporter, receivedAt: receivedAt,
                       status: InternalReport.Status(rawValue: status) ?? .received, reward: reward.flatMap { Decimal(string: $0) },
                       hazardID: hazardID, decidedBy: decidedBy, decidedAt: decidedAt, recordedBy: recordedBy)
    }
}

/// The per-enterprise months with a principal-led check (`self_inspection_months`) and their tallies
/// (`self_inspection_tallies`), changed in the same transaction as the checks.
enum SelfInspectionTallies {
    static let monthsSchema = "self_inspection_months"
    static let talliesSchema = "self_inspection_tallies"

    /// Records the months of these checks and recounts the tallies of their enterprises.
    static func record(_ checks: [(enterprise: UUID, at: Date)], on db: any Database) async throws {
        let first = SelfInspectionSchedule.monthIndex(SelfInspectionSchedule.campaignStart)
        var pairs = Set<Pair>()
        for c in checks {
            let m = SelfInspectionSchedule.monthIndex(c.at)
            if m >= first { pairs.insert(Pair(enterprise: c.enterprise, month: m)) }
        }
        guard !pairs.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let list = Array(pairs)
        for chunk in stride(from: 0, to: list.count, by: 400) {
            var q: SQLQueryString = "INSERT INTO \(unsafeRaw: monthsSchema) (enterprise_id, month) VALUES "
            for (i, p) in list[chunk..<min(chunk + 400, list.count)].enumerated() {
                q += (i == 0 ? "" : ", ") + "(\(bind: p.enterprise), \(bind: p.month))"
            }
            q += " ON CONFLICT DO NOTHING"
            try await sql.raw(q).run()
        }
        let ids = Array(Set(list.map(\.enterprise)))
        for chunk in stride(from: 0, to: ids.count, by: 400) {
            try await recount(Array(ids[chunk..<min(chunk + 400, ids.count)]), on: sql)
        }
    }

    /// Recounts the tallies of the given enterprises (every enterprise when nil) from their months.
    static func recount(_ ids: [UUID]?, on sql: any SQLDatabase) async throws {
        var q: SQLQueryString = "INSERT INTO \(unsafeRaw: talliesSchema) (enterprise_id, months, quarters, last_month, last_quarter) "
            + "SELECT enterprise_id, COUNT(*), COUNT(DISTINCT month / 3), MAX(month), MAX(month) / 3 FROM \(unsafeRaw: monthsSchema)"
        if let ids {
            q += " WHERE enterprise_id IN ("
            for (i, id) in ids.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
            q += ")"
        }
        // The WHERE true keeps SQLite's parser from reading ON CONFLICT as a join constraint.
        q += (ids == nil ? " WHERE true" : "") + " GROUP BY enterprise_id ON CONFLICT (enterprise_id) DO UPDATE SET months = excluded.months, "
            + "quarters = excluded.quarters, last_month = excluded.last_month, last_quarter = excluded.last_quarter"
        try await sql.raw(q).run()
    }

    /// Fills both tables from the checks recorded so far.
    static func rebuild(on db: any Database) async throws {
        var afterID: UUID?
        while true {
            let q = SelfInspectionModel.query(on: db).filter(\.$principalLed == true)
            if let afterID { q.filter(\.$id > afterID) }
            let rows = try await q.sort(\.$id).limit(5000).field(\.$id).field(\.$enterpriseID).field(\.$conductedAt).all()
            guard let last = rows.last else { break }
            try await record(rows.map { ($0.enterpriseID, $0.conductedAt) }, on: db)
            afterID = try last.requireID()
        }
    }

    struct Pair: Hashable { let enterprise: UUID; let month: Int }
}

public struct FluentSelfInspectionRepository: SelfInspectionRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func create(_ inspection: SelfInspection, audit: AuditContext) async throws -> SelfInspection {
        try await store.write { db in
            try await SelfInspectionModel(inspection).create(on: db)
            if inspection.principalLed { try await SelfInspectionTallies.record([(inspection.enterpriseID, inspection.conductedAt)], on: db) }
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "self-inspection", entityID: inspection.id.uuidString,
                                        changes: FieldChange.diff([:], [
                                            "enterpriseID": inspection.enterpriseID.uuidString, "ledBy": inspection.ledBy,
                                            "principalLed": String(inspection.principalLed), "conductedAt": ISOTime.string(inspection.conductedAt),
                                            "checkedItems": String(inspection.checkedItems.count), "hazards": String(inspection.hazardIDs.count),
                                        ]), audit: audit)
            return inspection
        }
    }

    public func createAll(_ inspections: [SelfInspection], audit: AuditContext) async throws {
        try await store.write { db in
            for chunk in stride(from: 0, to: inspections.count, by: 500) {
                try await inspections[chunk..<min(chunk + 500, inspections.count)].map(SelfInspectionModel.init).create(on: db)
            }
            try await SelfInspectionTallies.record(inspections.filter(\.principalLed).map { ($0.enterpriseID, $0.conductedAt) }, on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "self-inspection", entityID: "*",
                                        changes: [FieldChange(field: "count", before: nil, after: String(inspections.count))], audit: audit)
        }
    }

    public func list(enterpriseID: UUID?, scope: Scope, page: Paging) async throws -> Paged<SelfInspection> {
        guard let q = ScopedQuery.of(SelfInspectionModel.self, scope, on: store.database, county: \.$countyCode, enterprise: \.$enterpriseID) else {
            return Paged(items: [], page: page.page, per: page.per, total: 0)
        }
        if let enterpriseID { q.filter(\.$enterpriseID == enterpriseID) }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$conductedAt, .descending).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func principalLedDates(scope: Scope, since: Date) async throws -> [UUID: [Date]] {
        guard let q = ScopedQuery.of(SelfInspectionModel.self, scope, on: store.database, county: \.$countyCode, enterprise: \.$enterpriseID) else { return [:] }
        let rows = try await q.filter(\.$principalLed == true).filter(\.$conductedAt >= since)
            .field(\.$id).field(\.$enterpriseID).field(\.$conductedAt).all()
        var out: [UUID: [Date]] = [:]
        for r in rows { out[r.enterpriseID, default: []].append(r.conductedAt) }
        return out
    }

    public func principalLedDates(ids: [UUID], since: Date) async throws -> [UUID: [Date]] {
        guard !ids.isEmpty else { return [:] }
        var q: SQLQueryString = "SELECT enterprise_id, conducted_at FROM self_inspections WHERE principal_led = \(bind: true) AND conducted_at >= \(bind: since) AND enterprise_id IN ("
        for (i, id) in ids.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
        // Column by column: a page of twenty enterprises has a few hundred checks, and a Decodable row
        // costs several times more.
        var out: [UUID: [Date]] = [:]
        for r in try await store.sql.raw(q + ")").all() {
            out[try r.decode(column: "enterprise_id", as: UUID.self), default: []].append(try r.decode(column: "conducted_at", as: Date.self))
        }
        return out
    }

    public func missedPeriods(scope: Scope, startMonth: Int, currentMonth: Int, onlyMissed: Bool, page: Paging) async throws -> MissedPeriodsPage {
        var clause: SQLQueryString
        switch scope {
        case .city: clause = ""
        case .county(let c): clause = " AND e.county_code = \(bind: c)"
        case .enterprise(let id): clause = " AND e.id = \(bind: id)"
        case .assigned: return MissedPeriodsPage(rows: [], enterprises: 0, withMisses: 0)
        }
        // Ended periods: every one from the start's up to, not including, the current one. An enterprise's
        // checked ones: its tally, less the current period if that had a check.
        let (endedMonths, endedQuarters) = (currentMonth - startMonth, currentMonth / 3 - startMonth / 3)
        let standing: SQLQueryString = "WITH s AS (SELECT e.id AS id, e.name AS name, CASE WHEN e.special_risks LIKE \(bind: TagSet.pattern(SpecialRisk.metalSmelting.rawValue)) "
            + "THEN \(bind: endedMonths) - (COALESCE(t.months, 0) - CASE WHEN t.last_month >= \(bind: currentMonth) THEN 1 ELSE 0 END) "
            + "ELSE \(bind: endedQuarters) - (COALESCE(t.quarters, 0) - CASE WHEN t.last_quarter >= \(bind: currentMonth / 3) THEN 1 ELSE 0 END) END AS missed "
            + "FROM enterprises e LEFT JOIN \(unsafeRaw: SelfInspectionTallies.talliesSchema) t ON t.enterprise_id = e.id WHERE e.active = \(bind: true)" + clause + ") "
        // The page and both counts in one pass: the counts ride along on each row (window functions over
        // the whole scope), and are asked for separately only when the page is empty.
        struct Row: Decodable { let id: UUID; let missed: Int; let n: Int; let m: Int? }
        let rows = try await store.sql.raw(standing + ", c AS (SELECT id, name, missed, COUNT(*) OVER () AS n, "
            + "SUM(CASE WHEN missed > 0 THEN 1 ELSE 0 END) OVER () AS m FROM s) SELECT id, missed, n, m FROM c" + (onlyMissed ? " WHERE missed > 0" : "")
            + " ORDER BY missed DESC, name ASC, id ASC LIMIT \(literal: page.per) OFFSET \(literal: page.offset)").all(decoding: Row.self)
        if let first = rows.first {
            return MissedPeriodsPage(rows: rows.map { ($0.id, max(0, $0.missed)) }, enterprises: first.n, withMisses: first.m ?? 0)
        }
        struct Counts: Decodable { let n: Int; let m: Int? }
        let counts = try await store.sql.raw(standing + "SELECT COUNT(*) AS n, SUM(CASE WHEN missed > 0 THEN 1 ELSE 0 END) AS m FROM s").first(decoding: Counts.self)
        return MissedPeriodsPage(rows: [], enterprises: counts?.n ?? 0, withMisses: counts?.m ?? 0)
    }

    public func tallies(scope: Scope) async throws -> [UUID: SelfInspectionTally] {
        var q: SQLQueryString = "SELECT t.enterprise_id, t.months, t.quarters, t.last_month, t.last_quarter FROM \(unsafeRaw: SelfInspectionTallies.talliesSchema) t"
        switch scope {
        case .city: break
        case .county(let c): q += " JOIN enterprises e ON e.id = t.enterprise_id WHERE e.county_code = \(bind: c)"
        case .enterprise(let id): q += " WHERE t.enterprise_id = \(bind: id)"
        case .assigned: return [:]
        }
        struct Row: Decodable { let enterprise_id: UUID; let months: Int; let quarters: Int; let last_month: Int; let last_quarter: Int }
        var out: [UUID: SelfInspectionTally] = [:]
        for r in try await store.sql.raw(q).all(decoding: Row.self) {
            out[r.enterprise_id] = SelfInspectionTally(months: r.months, quarters: r.quarters, lastMonth: r.last_month, lastQuarter: r.last_quarter)
        }
        return out
    }

    public func createReport(_ report: InternalReport, audit: AuditContext) async throws -> InternalReport {
        try await store.write { db in
            try await InternalReportModel(report).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "internal-report", entityID: report.id.uuidString,
                                        changes: [FieldChange(field: "enterpriseID", before: nil, after: report.enterpriseID.uuidString),
                                                  FieldChange(field: "anonymous", before: nil, after: String(report.reporter == nil))], audit: audit)
            return report
        }
    }

    public func reports(enterpriseID: UUID?, scope: Scope, page: Paging) async throws -> Paged<InternalReport> {
        guard let q = ScopedQuery.of(InternalReportModel.self, scope, on: store.database, county: \.$countyCode, enterprise: \.$enterpriseID) else {
            return Paged(items: [], page: page.page, per: page.per, total: 0)
        }
        if let enterpriseID { q.filter(\.$enterpriseID == enterpriseID) }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$receivedAt, .descending).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func decideReport(id: UUID, scope: Scope, audit: AuditContext,
                             change: @escaping @Sendable (InternalReport) throws -> InternalReport) async throws -> InternalReport {
        try await store.write { db in
            guard let m = try await ScopedQuery.of(InternalReportModel.self, scope, on: db, county: \.$countyCode, enterprise: \.$enterpriseID)?
                .filter(\.$id == id).first() else { throw DomainError.notFound(entity: "internal report") }
            let before = try m.domain()
            let after = try change(before)
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "internal-report", entityID: id.uuidString,
                                        changes: [FieldChange(field: "status", before: before.status.rawValue, after: after.status.rawValue),
                                                  FieldChange(field: "reward", before: nil, after: after.reward.map { "\($0)" })], audit: audit)
            return after
        }
    }
}
