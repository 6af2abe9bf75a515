import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class DrawModel: Model, @unchecked Sendable {
    static let schema = "draws"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "county_code") var countyCode: String?
    @Field(key: "year") var year: Int
    @Field(key: "title") var title: String
    @Field(key: "parameters") var parameters: String
    /// The pool exactly as hashed and published.
    @Field(key: "pool") var pool: String
    @Field(key: "pool_digest") var poolDigest: String
    @Field(key: "commitment") var commitment: String
    /// Kept secret until the reveal; never in an answer before it.
    @Field(key: "secret") var secret: String
    @OptionalField(key: "seed") var seed: String?
    @OptionalField(key: "result") var result: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revealed_at") var revealedAt: Date?
    @Field(key: "pool_enterprises") var poolEnterprises: Int
    @Field(key: "pool_inspectors") var poolInspectors: Int
    @Field(key: "pool_experts") var poolExperts: Int
    @OptionalField(key: "overlap_reason") var overlapReason: String?

    init() {}

    func domain() throws -> Draw {
        guard let parameters = JSONColumn.decode(parameters, as: DrawParameters.self), let pool = JSONColumn.decode(pool, as: DrawPool.self) else {
            throw DomainError.notFound(entity: "draw")
        }
        return Draw(id: try requireID(), countyCode: countyCode, year: year, title: title, parameters: parameters, pool: pool, poolDigest: poolDigest,
                    commitment: commitment, seed: seed, result: JSONColumn.decode(result, as: DrawResult.self), createdBy: createdBy,
                    createdAt: createdAt, revealedAt: revealedAt, overlapReason: overlapReason)
    }
}

public struct FluentDrawRepository: DrawRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func candidates(_ query: DrawPoolQuery, now: Date) async throws -> [DrawPool.Enterprise] {
        struct Row: Decodable { let id: UUID; let credit_code: String; let name: String; let county_code: String }
        var q: SQLQueryString = "SELECT id, credit_code, name, county_code FROM enterprises WHERE active = \(bind: true) AND county_code IN ("
        for (i, c) in query.countyCodes.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: c)" }
        q += ")"
        if !query.industries.isEmpty {
            q += " AND industry IN ("
            for (i, c) in query.industries.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: c)" }
            q += ")"
        }
        if !query.grades.isEmpty {
            q += " AND grade IN ("
            for (i, c) in query.grades.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: c)" }
            q += ")"
        }
        if let since = query.excludeInspectedSince {
            q += " AND id NOT IN (SELECT enterprise_id FROM inspections WHERE state = \(bind: Inspection.State.completed.rawValue) AND completed_at >= \(bind: since))"
        }
        let rows = try await store.sql.raw(q).all(decoding: Row.self)
        var majors: Set<UUID> = [], alarmed: Set<UUID> = []
        if query.weighted {
            struct E: Decodable { let enterprise_id: UUID }
            majors = Set(try await store.sql.raw("SELECT DISTINCT enterprise_id FROM hazards WHERE level = \(bind: HazardLevel.major.rawValue) AND closed_at IS NULL")
                .all(decoding: E.self).map(\.enterprise_id))
            alarmed = Set(try await AlarmModel.query(on: store.database).filter(\.$level == AlarmLevel.first.rawValue)
                .filter(\.$raisedAt >= now.addingTimeInterval(-90 * 86_400)).all().map(\.enterpriseID))
        }
        return rows.map { r in
            DrawPool.Enterprise(id: r.id, creditCode: r.credit_code, name: r.name, countyCode: r.county_code,
                                weight: 1 + (majors.contains(r.id) ? 1 : 0) + (alarmed.contains(r.id) ? 1 : 0))
        }
    }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<DrawModel>? {
        switch scope {
        case .city: return DrawModel.query(on: db)
        case .county(let c): return DrawModel.query(on: db).filter(\.$countyCode == c)
        default: return nil
        }
    }

    public func create(_ draw: Draw, secret: String, audit: AuditContext) async throws {
        try await store.write { db in
            let m = DrawModel()
            m.id = draw.id
            m.countyCode = draw.countyCode
            m.year = draw.year
            m.title = draw.title
            m.parameters = JSONColumn.encode(draw.parameters) ?? "{}"
            m.pool = String(decoding: draw.pool.canonical, as: UTF8.self)
            m.poolDigest = draw.poolDigest
            m.commitment = draw.commitment
            m.secret = secret
            m.createdBy = draw.createdBy
            m.createdAt = draw.createdAt
            m.poolEnterprises = draw.pool.enterprises.count
            m.poolInspectors = draw.pool.inspectors.count
            m.poolExperts = draw.pool.experts.count
            m.overlapReason = draw.overlapReason
            try await m.create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "draw", entityID: draw.id.uuidString,
                                        changes: [FieldChange(field: "title", before: nil, after: draw.title),
                                                  FieldChange(field: "poolDigest", before: nil, after: draw.poolDigest),
                                                  FieldChange(field: "commitment", before: nil, after: draw.commitment),
                                                  FieldChange(field: "enterprises", before: nil, after: String(draw.pool.enterprises.count))]
                                            + (draw.overlapReason.map { [FieldChange(field: "overlapReason", before: nil, after: $0)] } ?? []),
                                        audit: audit)
        }
    }

    public func reveal(id: UUID, scope: Scope, audit: AuditContext, step: @escaping @Sendable (Draw, String) throws -> Draw) async throws -> Draw {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "draw") }
            let next = try step(try m.domain(), m.secret)
            guard let seed = next.seed, let result = next.result else { return next }
            m.seed = seed
            m.result = JSONColumn.encode(result)
            m.revealedAt = next.revealedAt
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.transition.rawValue, entityType: "draw", entityID: id.uuidString,
                                        changes: [FieldChange(field: "seed", before: nil, after: seed),
                                                  FieldChange(field: "picks", before: nil, after: String(result.picks.count))],
                                        audit: audit)
            return next
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Draw? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func list(scope: Scope, page: Paging) async throws -> Paged<Draw> {
        guard let q = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let total = try await q.copy().rowCount()
        var sql: SQLQueryString = Self.listColumns
        if case .county(let c) = scope { sql += " WHERE county_code = \(bind: c)" }
        sql += " ORDER BY created_at DESC, id LIMIT \(bind: page.per) OFFSET \(bind: page.offset)"
        return Paged(items: try await lightDraws(sql), page: page.page, per: page.per, total: total)
    }

    /// Without the pools (megabytes each for a city-wide draw) and the secrets.
    static let listColumns: SQLQueryString = """
        SELECT id, county_code, year, title, parameters, pool_digest, commitment, seed, result, created_by, created_at, revealed_at,
        pool_enterprises, pool_inspectors, pool_experts, overlap_reason FROM draws
        """

    func lightDraws(_ sql: SQLQueryString) async throws -> [Draw] {
        struct Row: Decodable {
            let id: UUID; let county_code: String?; let year: Int; let title: String; let parameters: String; let pool_digest: String; let commitment: String
            let seed: String?; let result: String?; let created_by: String; let created_at: Date; let revealed_at: Date?
            let pool_enterprises: Int; let pool_inspectors: Int; let pool_experts: Int; let overlap_reason: String?
        }
        let rows = try await store.sql.raw(sql).all(decoding: Row.self)
        let empty = DrawPool(enterprises: [], inspectors: [], experts: [], day: "")
        return rows.compactMap { r in
            guard let parameters = JSONColumn.decode(r.parameters, as: DrawParameters.self) else { return nil }
            return Draw(id: r.id, countyCode: r.county_code, year: r.year, title: r.title, parameters: parameters, pool: empty, poolDigest: r.pool_digest,
                        commitment: r.commitment, seed: r.seed, result: JSONColumn.decode(r.result, as: DrawResult.self), createdBy: r.created_by,
                        createdAt: r.created_at, revealedAt: r.revealed_at,
                        poolCounts: Draw.PoolCounts(enterprises: r.pool_enterprises, inspectors: r.pool_inspectors, experts: r.pool_experts),
                        overlapReason: r.overlap_reason)
        }
    }

    public func inYear(_ year: Int) async throws -> [Draw] {
        var sql = Self.listColumns
        sql += " WHERE year = \(bind: year) ORDER BY created_at DESC, id"
        return try await lightDraws(sql)
    }

    public func revealedSince(_ since: Date) async throws -> [Draw] {
        try await DrawModel.query(on: store.database).filter(\.$revealedAt >= since).all().map { try $0.domain() }
    }

    public func arranged(drawIDs: [UUID]) async throws -> Set<UUID> {
        guard !drawIDs.isEmpty else { return [] }
        struct Row: Decodable { let origin_id: UUID }
        var sql: SQLQueryString = "SELECT DISTINCT origin_id FROM inspections WHERE origin = \(bind: InspectionOrigin.draw.rawValue) AND origin_id IN ("
        for (i, id) in drawIDs.enumerated() { sql += (i == 0 ? "" : ", ") + "\(bind: id)" }
        sql += ")"
        return Set(try await store.sql.raw(sql).all(decoding: Row.self).map(\.origin_id))
    }
}
