import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class MonitoringPointModel: Model, @unchecked Sendable {
    static let schema = "monitoring_points"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "indicator") var indicator: String
    @Field(key: "equipment") var equipment: String
    @Field(key: "unit") var unit: String
    @Field(key: "kind") var kind: String
    @Field(key: "interval_s") var interval: Int
    /// The limits as JSON: read and written whole.
    @Field(key: "limits") var limits: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    init(_ p: MonitoringPoint) {
        id = p.id
        apply(p)
    }

    func apply(_ p: MonitoringPoint) {
        enterpriseID = p.enterpriseID
        countyCode = p.countyCode
        enterpriseName = p.enterpriseName
        code = p.code
        name = p.name
        indicator = p.indicator
        equipment = p.equipment
        unit = p.unit
        kind = p.kind.rawValue
        interval = p.interval
        limits = JSONColumn.encode(p.limits) ?? "{}"
        active = p.active
        createdAt = p.createdAt
        updatedAt = p.updatedAt
        version = p.version
    }

    func domain() throws -> MonitoringPoint {
        MonitoringPoint(id: try requireID(), enterpriseID: enterpriseID, countyCode: countyCode, enterpriseName: enterpriseName, code: code,
                        name: name, indicator: indicator, equipment: equipment, unit: unit, kind: MonitoringPoint.Kind(rawValue: kind) ?? .analog,
                        interval: interval, limits: JSONColumn.decode(limits, as: AlarmLimits.self) ?? AlarmLimits(), active: active,
                        createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

final class LimitChangeModel: Model, @unchecked Sendable {
    static let schema = "monitoring_limit_changes"

    @ID(key: .id) var id: UUID?
    @Field(key: "point_id") var pointID: UUID
    @OptionalField(key: "before") var before: String?
    @Field(key: "after") var after: String
    @Field(key: "by") var by: String
    @Field(key: "at") var at: Date

    init() {}

    init(_ c: LimitChange) {
        id = c.id
        pointID = c.pointID
        before = JSONColumn.encode(c.before)
        after = JSONColumn.encode(c.after) ?? "{}"
        by = c.by
        at = c.at
    }

    func domain() throws -> LimitChange {
        LimitChange(id: try requireID(), pointID: pointID, before: JSONColumn.decode(before, as: AlarmLimits.self),
                    after: JSONColumn.decode(after, as: AlarmLimits.self) ?? AlarmLimits(), by: by, at: at)
    }
}

public struct FluentMonitoringPointRepository: MonitoringPointRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<MonitoringPointModel>? {
        ScopedQuery.of(MonitoringPointModel.self, scope, on: db, county: \.$countyCode, enterprise: \.$enterpriseID)
    }

    public func list(_ query: MonitoringPointQuery, page: Paging, scope: Scope) async throws -> Paged<MonitoringPoint> {
        guard let q = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        if let e = query.enterpriseID { q.filter(\.$enterpriseID == e) }
        if let c = query.countyCode { q.filter(\.$countyCode == c) }
        if let i = query.indicator { q.filter(\.$indicator == i) }
        if !query.includeInactive { q.filter(\.$active == true) }
        if let text = query.search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            q.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "code", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "enterprise_name", pattern: pattern)))
            }
        }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$enterpriseName).sort(\.$code).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func find(id: UUID, scope: Scope) async throws -> MonitoringPoint? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func points(enterpriseID: UUID, codes: [String]) async throws -> [String: MonitoringPoint] {
        var out: [String: MonitoringPoint] = [:]
        let unique = Array(Set(codes))
        for chunk in stride(from: 0, to: unique.count, by: 500) {
            var q: SQLQueryString = "enterprise_id = \(bind: enterpriseID) AND code IN ("
            for (i, c) in unique[chunk..<min(chunk + 500, unique.count)].enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: c)" }
            for p in try await plainRows(where: q + ")") { out[p.code] = p }
        }
        return out
    }

    public func points(enterpriseID: UUID) async throws -> [MonitoringPoint] {
        try await plainRows(where: "enterprise_id = \(bind: enterpriseID)")
    }

    static func codeTaken(_ p: MonitoringPoint, on db: any Database) async throws -> Bool {
        try await MonitoringPointModel.query(on: db).filter(\.$enterpriseID == p.enterpriseID).filter(\.$code == p.code)
            .filter(\.$id != p.id).rowCount() > 0
    }

    static let taken = DomainError.conflict(FieldIssue(field: "code", zh: "本企业已有该编码的点位", en: "the enterprise already has a point with this code"))

    public func create(_ point: MonitoringPoint, audit: AuditContext) async throws -> MonitoringPoint {
        try await store.write { db in
            if try await Self.codeTaken(point, on: db) { throw Self.taken }
            try await MonitoringPointModel(point).create(on: db)
            try await LimitChangeModel(LimitChange(pointID: point.id, before: nil, after: point.limits, by: audit.actor.username, at: audit.at)).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "monitoring-point", entityID: point.id.uuidString,
                                        changes: FieldChange.diff([:], point.auditFields), audit: audit)
            return point
        }
    }

    public func createAll(_ points: [MonitoringPoint], audit: AuditContext) async throws {
        try await store.write { db in
            for chunk in stride(from: 0, to: points.count, by: 300) {
                let part = points[chunk..<min(chunk + 300, points.count)]
                try await part.map(MonitoringPointModel.init).create(on: db)
                try await part.map { LimitChangeModel(LimitChange(pointID: $0.id, before: nil, after: $0.limits, by: audit.actor.username, at: audit.at)) }
                    .create(on: db)
            }
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "monitoring-point", entityID: "*",
                                        changes: [FieldChange(field: "count", before: nil, after: String(points.count))], audit: audit)
        }
    }

    public func importAll(creates: [MonitoringPoint], updates: [(expectedVersion: Int, point: MonitoringPoint)], audit: AuditContext) async throws {
        try await store.write { db in
            for point in creates {
                if try await Self.codeTaken(point, on: db) { throw Self.taken }
                try await MonitoringPointModel(point).create(on: db)
                try await LimitChangeModel(LimitChange(pointID: point.id, before: nil, after: point.limits, by: audit.actor.username, at: audit.at)).create(on: db)
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "monitoring-point", entityID: point.id.uuidString,
                                            changes: FieldChange.diff([:], point.auditFields), audit: audit)
            }
            for (expected, after) in updates {
                guard let model = try await MonitoringPointModel.query(on: db).filter(\.$id == after.id).filter(\.$enterpriseID == after.enterpriseID).first() else {
                    throw DomainError.notFound(entity: "monitoring point")
                }
                let before = try model.domain()
                if expected != before.version {
                    throw DomainError.staleVersion(entity: "monitoring point", expected: expected, current: before.version)
                }
                model.apply(after)
                try await model.update(on: db)
                if after.limits != before.limits {
                    try await LimitChangeModel(LimitChange(pointID: after.id, before: before.limits, after: after.limits, by: audit.actor.username, at: audit.at))
                        .create(on: db)
                }
                try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "monitoring-point", entityID: after.id.uuidString,
                                            changes: FieldChange.diff(before.auditFields, after.auditFields), audit: audit)
            }
        }
    }

    public func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                       change: @escaping @Sendable (MonitoringPoint) throws -> MonitoringPoint) async throws -> MonitoringPoint {
        try await store.write { db in
            guard let model = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else {
                throw DomainError.notFound(entity: "monitoring point")
            }
            let before = try model.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "monitoring point", expected: expectedVersion, current: before.version)
            }
            var after = try change(before)
            after.version = before.version + 1
            if after.code != before.code, try await Self.codeTaken(after, on: db) { throw Self.taken }
            model.apply(after)
            try await model.update(on: db)
            if after.limits != before.limits {
                try await LimitChangeModel(LimitChange(pointID: id, before: before.limits, after: after.limits, by: audit.actor.username, at: audit.at))
                    .create(on: db)
            }
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "monitoring-point", entityID: id.uuidString,
                                        changes: FieldChange.diff(before.auditFields, after.auditFields), audit: audit)
            return after
        }
    }

    public func find(ids: [UUID]) async throws -> [UUID: MonitoringPoint] {
        var out: [UUID: MonitoringPoint] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            var q: SQLQueryString = "id IN ("
            for (i, id) in ids[chunk..<min(chunk + 500, ids.count)].enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
            for p in try await plainRows(where: q + ")") { out[p.id] = p }
        }
        return out
    }

    /// Points read as plain rows (a batch can name a few thousand; decoding models by reflection costs
    /// more than the query).
    func plainRows(where condition: SQLQueryString) async throws -> [MonitoringPoint] {
        struct Row: Decodable {
            let id: UUID; let enterprise_id: UUID; let county_code: String; let enterprise_name: String; let code: String; let name: String
            let indicator: String; let equipment: String; let unit: String; let kind: String; let interval_s: Int; let limits: String
            let active: Bool; let created_at: Date; let updated_at: Date; let version: Int
        }
        return try await store.sql.raw("SELECT * FROM monitoring_points WHERE " + condition).all(decoding: Row.self).map { r in
            MonitoringPoint(id: r.id, enterpriseID: r.enterprise_id, countyCode: r.county_code, enterpriseName: r.enterprise_name,
                            code: r.code, name: r.name, indicator: r.indicator, equipment: r.equipment, unit: r.unit,
                            kind: MonitoringPoint.Kind(rawValue: r.kind) ?? .analog, interval: r.interval_s,
                            limits: JSONColumn.decode(r.limits, as: AlarmLimits.self) ?? AlarmLimits(), active: r.active,
                            createdAt: r.created_at, updatedAt: r.updated_at, version: r.version)
        }
    }

    public func activePoints(enterpriseIDs: [UUID]) async throws -> [UUID: UUID] {
        struct Row: Decodable { let id: UUID; let enterprise_id: UUID }
        var out: [UUID: UUID] = [:]
        for chunk in stride(from: 0, to: enterpriseIDs.count, by: 500) {
            var q: SQLQueryString = "SELECT id, enterprise_id FROM monitoring_points WHERE active = \(bind: true) AND enterprise_id IN ("
            for (i, id) in enterpriseIDs[chunk..<min(chunk + 500, enterpriseIDs.count)].enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
            for r in try await store.sql.raw(q + ")").all(decoding: Row.self) { out[r.id] = r.enterprise_id }
        }
        return out
    }

    public func limitHistory(pointID: UUID) async throws -> [LimitChange] {
        try await LimitChangeModel.query(on: store.database).filter(\.$pointID == pointID).sort(\.$at, .descending).sort(\.$id).all()
            .map { try $0.domain() }
    }
}
