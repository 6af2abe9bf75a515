import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class RosterInspectorModel: Model, @unchecked Sendable {
    static let schema = "roster_inspectors"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "certificate_no") var certificateNo: String
    @Field(key: "certificate_valid_until") var certificateValidUntil: String
    @Field(key: "specialties") var specialties: String
    @Field(key: "conflicts") var conflicts: String
    @OptionalField(key: "user_id") var userID: UUID?
    @Field(key: "active") var active: Bool
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ i: RosterInspector) {
        id = i.id
        name = i.name
        countyCode = i.countyCode
        certificateNo = i.certificateNo
        certificateValidUntil = i.certificateValidUntil
        specialties = JSONColumn.encode(i.specialties) ?? "[]"
        conflicts = JSONColumn.encode(i.conflicts) ?? "[]"
        userID = i.userID
        active = i.active
        updatedAt = i.updatedAt
        version = i.version
    }

    func domain() throws -> RosterInspector {
        RosterInspector(id: try requireID(), name: name, countyCode: countyCode, certificateNo: certificateNo, certificateValidUntil: certificateValidUntil,
                        specialties: JSONColumn.decode(specialties, as: [Specialty].self) ?? [], conflicts: JSONColumn.decode(conflicts, as: [UUID].self) ?? [],
                        userID: userID, active: active, updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        ["name": name, "countyCode": countyCode, "certificateNo": certificateNo, "certificateValidUntil": certificateValidUntil,
         "specialties": specialties, "conflicts": conflicts, "active": active ? "true" : "false"]
    }
}

final class ExpertModel: Model, @unchecked Sendable {
    static let schema = "experts"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "specialties") var specialties: String
    @Field(key: "title") var title: String
    @Field(key: "employer") var employer: String
    @OptionalField(key: "county_code") var countyCode: String?
    @Field(key: "available") var available: Bool
    @Field(key: "conflicts") var conflicts: String
    @OptionalField(key: "user_id") var userID: UUID?
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ e: Expert) {
        id = e.id
        name = e.name
        specialties = JSONColumn.encode(e.specialties) ?? "[]"
        title = e.title
        employer = e.employer
        countyCode = e.countyCode
        available = e.available
        conflicts = JSONColumn.encode(e.conflicts) ?? "[]"
        userID = e.userID
        updatedAt = e.updatedAt
        version = e.version
    }

    func domain() throws -> Expert {
        Expert(id: try requireID(), name: name, specialties: JSONColumn.decode(specialties, as: [Specialty].self) ?? [], title: title, employer: employer,
               countyCode: countyCode, available: available, conflicts: JSONColumn.decode(conflicts, as: [UUID].self) ?? [], userID: userID,
               updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        ["name": name, "specialties": specialties, "title": title, "employer": employer, "countyCode": countyCode ?? "",
         "available": available ? "true" : "false", "conflicts": conflicts]
    }
}

public struct FluentEnforcementPeopleRepository: EnforcementPeopleRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func inspectors(countyCode: String?, search: String?, page: Paging) async throws -> Paged<RosterInspector> {
        let q = RosterInspectorModel.query(on: store.database)
        if let countyCode { q.filter(\.$countyCode == countyCode) }
        if let text = search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            q.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "certificate_no", pattern: pattern)))
            }
        }
        let total = try await q.copy().count()
        let rows = try await q.sort(\.$countyCode).sort(\.$name).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func allInspectors(countyCodes: [String]?) async throws -> [RosterInspector] {
        let q = RosterInspectorModel.query(on: store.database)
        if let countyCodes { q.filter(\.$countyCode ~~ countyCodes) }
        return try await q.all().map { try $0.domain() }
    }

    public func inspector(id: UUID) async throws -> RosterInspector? {
        try await RosterInspectorModel.find(id, on: store.database)?.domain()
    }

    public func saveInspector(_ i: RosterInspector, expectedVersion: Int?, audit: AuditContext) async throws -> RosterInspector {
        try await store.write { db in
            let existing = try await RosterInspectorModel.find(i.id, on: db)
            if let expectedVersion, expectedVersion != (existing?.version ?? 0) {
                throw DomainError.staleVersion(entity: "roster-inspector", expected: expectedVersion, current: existing?.version ?? 0)
            }
            let before = existing?.auditFields ?? [:]
            let m = existing ?? RosterInspectorModel()
            var next = i
            next.version = (existing?.version ?? 0) + 1
            m.apply(next)
            try await (existing == nil ? m.create(on: db) : m.update(on: db))
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: "roster-inspector",
                                        entityID: i.id.uuidString, changes: FieldChange.diff(before, m.auditFields), audit: audit)
            return next
        }
    }

    public func experts(search: String?, specialty: Specialty?, page: Paging) async throws -> Paged<Expert> {
        let q = ExpertModel.query(on: store.database)
        if let text = search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            q.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "employer", pattern: pattern)))
            }
        }
        if let specialty { q.filter(.sql(LikeMatch(column: "specialties", pattern: "%\"\(specialty.rawValue)\"%"))) }
        let total = try await q.copy().count()
        let rows = try await q.sort(\.$name).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func allExperts() async throws -> [Expert] {
        try await ExpertModel.query(on: store.database).all().map { try $0.domain() }
    }

    public func expert(id: UUID) async throws -> Expert? {
        try await ExpertModel.find(id, on: store.database)?.domain()
    }

    public func saveExpert(_ e: Expert, expectedVersion: Int?, audit: AuditContext) async throws -> Expert {
        try await store.write { db in
            let existing = try await ExpertModel.find(e.id, on: db)
            if let expectedVersion, expectedVersion != (existing?.version ?? 0) {
                throw DomainError.staleVersion(entity: "expert", expected: expectedVersion, current: existing?.version ?? 0)
            }
            let before = existing?.auditFields ?? [:]
            let m = existing ?? ExpertModel()
            var next = e
            next.version = (existing?.version ?? 0) + 1
            m.apply(next)
            try await (existing == nil ? m.create(on: db) : m.update(on: db))
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: "expert",
                                        entityID: e.id.uuidString, changes: FieldChange.diff(before, m.auditFields), audit: audit)
            return next
        }
    }
}

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

    public func reveal(id: UUID, scope: Scope, at: Date, audit: AuditContext,
                       compute: @escaping @Sendable (Draw, String) throws -> DrawResult) async throws -> Draw {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "draw") }
            guard m.seed == nil else {
                throw DomainError.conflict(FieldIssue(field: "seed", zh: "该抽取已揭晓，结果不可更改", en: "this draw is revealed already; it cannot change"))
            }
            var draw = try m.domain()
            let result = try compute(draw, m.secret)
            m.seed = m.secret
            m.result = JSONColumn.encode(result)
            m.revealedAt = at
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.transition.rawValue, entityType: "draw", entityID: id.uuidString,
                                        changes: [FieldChange(field: "seed", before: nil, after: m.secret),
                                                  FieldChange(field: "picks", before: nil, after: String(result.picks.count))],
                                        audit: audit)
            draw.seed = m.secret
            draw.result = result
            draw.revealedAt = at
            return draw
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Draw? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func list(scope: Scope, page: Paging) async throws -> Paged<Draw> {
        guard let q = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let total = try await q.copy().count()
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

final class InspectionModel: Model, @unchecked Sendable {
    static let schema = "inspections"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "style") var style: String
    @Field(key: "origin") var origin: String
    @OptionalField(key: "origin_id") var originID: UUID?
    /// JSON: the roster ids and names.
    @Field(key: "inspectors") var inspectors: String
    /// `,141181,141182,`: the inspectors' counties, for scoping with LIKE.
    @Field(key: "inspector_counties") var inspectorCounties: String
    @OptionalField(key: "expert_id") var expertID: UUID?
    @OptionalField(key: "expert_name") var expertName: String?
    @OptionalField(key: "expert_user_id") var expertUserID: UUID?
    @Field(key: "planned_on") var plannedOn: String
    @Field(key: "state") var state: String
    @Field(key: "results") var results: String
    @Field(key: "summary") var summary: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    struct Person: Codable { let id: UUID; let name: String }

    func apply(_ i: Inspection) {
        id = i.id
        enterpriseID = i.enterpriseID
        enterpriseName = i.enterpriseName
        countyCode = i.countyCode
        style = i.style.rawValue
        origin = i.origin.rawValue
        originID = i.originID
        inspectors = JSONColumn.encode(zip(i.inspectorIDs, i.inspectorNames).map { Person(id: $0, name: $1) }) ?? "[]"
        inspectorCounties = "," + i.inspectorCounties.joined(separator: ",") + ","
        expertID = i.expertID
        expertName = i.expertName
        expertUserID = i.expertUserID
        plannedOn = i.plannedOn
        state = i.state.rawValue
        results = JSONColumn.encode(i.results) ?? "[]"
        summary = i.summary
        createdBy = i.createdBy
        createdAt = i.createdAt
        startedAt = i.startedAt
        completedAt = i.completedAt
        updatedAt = i.updatedAt
        version = i.version
    }

    func domain() throws -> Inspection {
        let people = JSONColumn.decode(inspectors, as: [Person].self) ?? []
        return Inspection(id: try requireID(), enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                          style: InspectionStyle(rawValue: style) ?? .routine, origin: InspectionOrigin(rawValue: origin) ?? .manual, originID: originID,
                          inspectorIDs: people.map(\.id), inspectorNames: people.map(\.name),
                          inspectorCounties: inspectorCounties.split(separator: ",").map(String.init), expertID: expertID, expertName: expertName,
                          expertUserID: expertUserID, plannedOn: plannedOn, state: Inspection.State(rawValue: state) ?? .planned,
                          results: JSONColumn.decode(results, as: [InspectionItemResult].self) ?? [], summary: summary, createdBy: createdBy,
                          createdAt: createdAt, startedAt: startedAt, completedAt: completedAt, updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        ["state": state, "plannedOn": plannedOn, "inspectors": inspectors, "expert": expertName ?? "", "summary": summary,
         "results": String((JSONColumn.decode(results, as: [InspectionItemResult].self) ?? []).map { "\($0.item)=\($0.outcome.rawValue)\($0.hazardID.map { "→\($0.uuidString)" } ?? "")" }.joined(separator: ";"))]
    }
}

final class InspectionPhotoModel: Model, @unchecked Sendable {
    static let schema = "inspection_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "item") var item: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: String
    @Field(key: "uploaded_at") var uploadedAt: Date
    @OptionalField(key: "hazard_photo_id") var hazardPhotoID: UUID?

    init() {}

    init(_ p: InspectionPhoto) {
        id = p.id
        inspectionID = p.inspectionID
        item = p.item
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = p.uploadedAt
        hazardPhotoID = p.hazardPhotoID
    }

    func domain() throws -> InspectionPhoto {
        InspectionPhoto(id: try requireID(), inspectionID: inspectionID, item: item, contentType: contentType, size: size, sha256: sha256,
                        uploadedBy: uploadedBy, uploadedAt: uploadedAt, hazardPhotoID: hazardPhotoID)
    }
}

public struct FluentInspectionRepository: InspectionRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<InspectionModel>? {
        switch scope {
        case .city: return InspectionModel.query(on: db)
        case .county(let c):
            return InspectionModel.query(on: db).group(.or) { g in
                g.filter(\.$countyCode == c)
                g.filter(.sql(LikeMatch(column: "inspector_counties", pattern: "%," + likeEscaped(c) + ",%")))
            }
        case .assigned(let user): return InspectionModel.query(on: db).filter(\.$expertUserID == user)
        case .enterprise: return nil
        }
    }

    public func create(_ inspections: [Inspection], audit: AuditContext) async throws {
        try await store.write { db in
            // A draw's inspections are made once: checked inside the write, so two requests at once make one set.
            for drawID in Set(inspections.filter { $0.origin == .draw }.compactMap(\.originID)) {
                if try await InspectionModel.query(on: db).filter(\.$originID == drawID).count() > 0 {
                    throw DomainError.conflict(FieldIssue(field: "draw", zh: "该抽取已生成检查任务", en: "this draw's inspections exist already"))
                }
            }
            for i in inspections {
                let m = InspectionModel()
                m.apply(i)
                try await m.create(on: db)
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "inspection", entityID: i.id.uuidString,
                                            changes: FieldChange.diff([:], m.auditFields.merging(["enterprise": i.enterpriseName, "style": i.style.rawValue]) { a, _ in a }),
                                            audit: audit)
            }
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Inspection? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func list(_ query: InspectionQuery, scope: Scope, page: Paging) async throws -> Paged<Inspection> {
        guard let q = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        if let s = query.state { q.filter(\.$state == s.rawValue) }
        if let e = query.enterpriseID { q.filter(\.$enterpriseID == e) }
        if let o = query.originID { q.filter(\.$originID == o) }
        if let c = query.countyCode { q.filter(\.$countyCode == c) }
        if let y = query.year {
            q.filter(.sql(LikeMatch(column: "planned_on", pattern: "\(y)-%"))).filter(\.$state != Inspection.State.cancelled.rawValue)
        }
        let total = try await q.copy().count()
        let rows = try await q.sort(\.$plannedOn, .descending).sort(\.$enterpriseName).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func addPhoto(_ photo: InspectionPhoto, audit: AuditContext) async throws {
        try await store.write { db in
            try await InspectionPhotoModel(photo).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.upload.rawValue, entityType: "inspection", entityID: photo.inspectionID.uuidString,
                                        changes: [FieldChange(field: "photo", before: nil, after: photo.id.uuidString),
                                                  FieldChange(field: "item", before: nil, after: photo.item),
                                                  FieldChange(field: "sha256", before: nil, after: photo.sha256),
                                                  FieldChange(field: "size", before: nil, after: String(photo.size))], audit: audit)
        }
    }

    public func photos(inspectionID: UUID) async throws -> [InspectionPhoto] {
        try await InspectionPhotoModel.query(on: store.database).filter(\.$inspectionID == inspectionID).sort(\.$uploadedAt).sort(\.$id).all().map { try $0.domain() }
    }

    public func complete(id: UUID, scope: Scope, readVersion: Int, audit: AuditContext, hazards: [(item: String, new: NewHazard)],
                         photoCopies: [InspectionPhotoCopy], change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "inspection") }
            let before = try m.domain()
            // Compare-and-set: decided on `readVersion`, applied to nothing else.
            guard before.version == readVersion else { throw DomainError.staleVersion(entity: "inspection", expected: readVersion, current: before.version) }
            let beforeFields = m.auditFields
            var after = try change(before)
            after.version = before.version + 1
            // The failed items' hazards, reported in the enterprise's county by the inspection's writer.
            for h in hazards {
                try await FluentHazardRepository.insert(h.new, audit: audit, on: db)
            }
            for copy in photoCopies {
                try await FluentHazardRepository.insertPhoto(copy.photo, audit: audit, on: db)
                try await InspectionPhotoModel.query(on: db).filter(\.$id == copy.inspectionPhotoID).filter(\.$inspectionID == id)
                    .set(\.$hazardPhotoID, to: copy.photo.id).update()
            }
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "inspection", entityID: id.uuidString,
                                        changes: FieldChange.diff(beforeFields, m.auditFields), audit: audit)
            return after
        }
    }

    public func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                       change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "inspection") }
            let before = try m.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "inspection", expected: expectedVersion, current: before.version)
            }
            let beforeFields = m.auditFields
            var after = try change(before)
            after.version = before.version + 1
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "inspection", entityID: id.uuidString,
                                        changes: FieldChange.diff(beforeFields, m.auditFields), audit: audit)
            return after
        }
    }
}

final class PenaltyModel: Model, @unchecked Sendable {
    static let schema = "penalties"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "case_no") var caseNo: String
    @Field(key: "legal_basis") var legalBasis: String
    @Field(key: "enterprise_fine") var enterpriseFine: Int
    @Field(key: "principal_name") var principalName: String
    @Field(key: "principal_fine") var principalFine: Int
    @Field(key: "decided_on") var decidedOn: String
    @Field(key: "hazard_ids") var hazardIDs: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    func domain() throws -> Penalty {
        Penalty(id: try requireID(), inspectionID: inspectionID, enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                caseNo: caseNo, legalBasis: legalBasis, enterpriseFine: enterpriseFine, principalName: principalName, principalFine: principalFine,
                decidedOn: decidedOn, hazardIDs: JSONColumn.decode(hazardIDs, as: [UUID].self) ?? [], createdBy: createdBy, createdAt: createdAt)
    }
}

final class WorkerExamModel: Model, @unchecked Sendable {
    static let schema = "worker_exams"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "worker_name") var workerName: String
    @Field(key: "job") var job: String
    @Field(key: "score") var score: Int
    @Field(key: "examined_on") var examinedOn: String
    @Field(key: "state") var state: String
    @OptionalField(key: "retrained_on") var retrainedOn: String?
    @OptionalField(key: "reexam_score") var reexamScore: Int?
    @OptionalField(key: "reexam_on") var reexamOn: String?
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ e: WorkerExam) {
        id = e.id
        inspectionID = e.inspectionID
        enterpriseID = e.enterpriseID
        enterpriseName = e.enterpriseName
        countyCode = e.countyCode
        workerName = e.workerName
        job = e.job
        score = e.score
        examinedOn = e.examinedOn
        state = e.state.rawValue
        retrainedOn = e.retrainedOn
        reexamScore = e.reexamScore
        reexamOn = e.reexamOn
        version = e.version
    }

    func domain() throws -> WorkerExam {
        WorkerExam(id: try requireID(), inspectionID: inspectionID, enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                   workerName: workerName, job: job, score: score, examinedOn: examinedOn, state: WorkerExam.State(rawValue: state) ?? .passed,
                   retrainedOn: retrainedOn, reexamScore: reexamScore, reexamOn: reexamOn, version: version)
    }
}

public struct FluentPenaltyRepository: PenaltyRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func create(_ p: Penalty, audit: AuditContext) async throws {
        try await store.write { db in
            if try await PenaltyModel.query(on: db).filter(\.$caseNo == p.caseNo).count() > 0 {
                throw DomainError.conflict(FieldIssue(field: "caseNo", zh: "案号\(p.caseNo)已存在", en: "case number \(p.caseNo) exists already"))
            }
            let m = PenaltyModel()
            m.id = p.id
            m.inspectionID = p.inspectionID
            m.enterpriseID = p.enterpriseID
            m.enterpriseName = p.enterpriseName
            m.countyCode = p.countyCode
            m.caseNo = p.caseNo
            m.legalBasis = p.legalBasis
            m.enterpriseFine = p.enterpriseFine
            m.principalName = p.principalName
            m.principalFine = p.principalFine
            m.decidedOn = p.decidedOn
            m.hazardIDs = JSONColumn.encode(p.hazardIDs) ?? "[]"
            m.createdBy = p.createdBy
            m.createdAt = p.createdAt
            try await m.create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "penalty", entityID: p.id.uuidString,
                                        changes: FieldChange.diff([:], ["inspection": p.inspectionID.uuidString, "caseNo": p.caseNo, "legalBasis": p.legalBasis,
                                                                        "enterpriseFine": String(p.enterpriseFine), "principalName": p.principalName,
                                                                        "principalFine": String(p.principalFine), "decidedOn": p.decidedOn,
                                                                        "hazards": p.hazardIDs.map(\.uuidString).joined(separator: ",")]),
                                        audit: audit)
        }
    }

    public func penalties(inspectionID: UUID) async throws -> [Penalty] {
        try await PenaltyModel.query(on: store.database).filter(\.$inspectionID == inspectionID).sort(\.$createdAt).all().map { try $0.domain() }
    }

    public func fined(inspectionIDs: [UUID]) async throws -> [UUID: (amount: Int, caseNos: [String])] {
        guard !inspectionIDs.isEmpty else { return [:] }
        var out: [UUID: (amount: Int, caseNos: [String])] = [:]
        for p in try await PenaltyModel.query(on: store.database).filter(\.$inspectionID ~~ inspectionIDs).sort(\.$caseNo).all() {
            out[p.inspectionID, default: (0, [])].amount += p.enterpriseFine + p.principalFine
            out[p.inspectionID, default: (0, [])].caseNos.append(p.caseNo)
        }
        return out
    }

    public func createExams(_ exams: [WorkerExam], audit: AuditContext) async throws {
        try await store.write { db in
            for e in exams {
                let m = WorkerExamModel()
                m.apply(e)
                try await m.create(on: db)
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "worker-exam", entityID: e.id.uuidString,
                                            changes: FieldChange.diff([:], ["inspection": e.inspectionID.uuidString, "worker": e.workerName, "job": e.job,
                                                                            "score": String(e.score), "state": e.state.rawValue]),
                                            audit: audit)
            }
        }
    }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<WorkerExamModel>? {
        switch scope {
        case .city: WorkerExamModel.query(on: db)
        case .county(let c): WorkerExamModel.query(on: db).filter(\.$countyCode == c)
        case .enterprise(let e): WorkerExamModel.query(on: db).filter(\.$enterpriseID == e)
        case .assigned: nil
        }
    }

    public func exams(inspectionID: UUID?, enterpriseID: UUID?, outstandingOnly: Bool, scope: Scope) async throws -> [WorkerExam] {
        guard let q = Self.scoped(scope, on: store.database) else { return [] }
        if let inspectionID { q.filter(\.$inspectionID == inspectionID) }
        if let enterpriseID { q.filter(\.$enterpriseID == enterpriseID) }
        if outstandingOnly { q.filter(\.$state == WorkerExam.State.awaitingRetraining.rawValue) }
        return try await q.sort(\.$examinedOn, .descending).sort(\.$workerName).limit(500).all().map { try $0.domain() }
    }

    public func updateExam(id: UUID, scope: Scope, audit: AuditContext, change: @escaping @Sendable (WorkerExam) throws -> WorkerExam) async throws -> WorkerExam {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "exam") }
            let before = try m.domain()
            var after = try change(before)
            after.version = before.version + 1
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "worker-exam", entityID: id.uuidString,
                                        changes: FieldChange.diff(["state": before.state.rawValue, "reexamScore": before.reexamScore.map(String.init) ?? ""],
                                                                  ["state": after.state.rawValue, "reexamScore": after.reexamScore.map(String.init) ?? ""]),
                                        audit: audit)
            return after
        }
    }
}

final class PlanModel: Model, @unchecked Sendable {
    static let schema = "enforcement_plans"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "year") var year: Int
    @Field(key: "key_enterprises") var keyEnterprises: String
    @Field(key: "draw_quota") var drawQuota: Int
    @Field(key: "updated_by") var updatedBy: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func domain() -> EnforcementPlan {
        EnforcementPlan(countyCode: countyCode, year: year, keyEnterprises: JSONColumn.decode(keyEnterprises, as: [EnforcementPlan.KeyEnterprise].self) ?? [],
                        drawQuota: drawQuota, updatedBy: updatedBy, updatedAt: updatedAt, version: version)
    }
}

public struct FluentPlanRepository: PlanRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func find(countyCode: String, year: Int) async throws -> EnforcementPlan? {
        try await PlanModel.query(on: store.database).filter(\.$countyCode == countyCode).filter(\.$year == year).first()?.domain()
    }

    public func save(_ plan: EnforcementPlan, expectedVersion: Int, audit: AuditContext) async throws -> EnforcementPlan {
        try await store.write { db in
            let existing = try await PlanModel.query(on: db).filter(\.$countyCode == plan.countyCode).filter(\.$year == plan.year).first()
            let current = existing?.version ?? 0
            guard current == expectedVersion else { throw DomainError.staleVersion(entity: "plan", expected: expectedVersion, current: current) }
            let before = existing.map { ["keyEnterprises": $0.keyEnterprises, "drawQuota": String($0.drawQuota)] } ?? [:]
            let m = existing ?? PlanModel()
            if existing == nil { m.id = UUID() }
            m.countyCode = plan.countyCode
            m.year = plan.year
            m.keyEnterprises = JSONColumn.encode(plan.keyEnterprises) ?? "[]"
            m.drawQuota = plan.drawQuota
            m.updatedBy = plan.updatedBy
            m.updatedAt = plan.updatedAt
            m.version = current + 1
            try await (existing == nil ? m.create(on: db) : m.update(on: db))
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: "enforcement-plan",
                                        entityID: "\(plan.countyCode)-\(plan.year)",
                                        changes: FieldChange.diff(before, ["keyEnterprises": m.keyEnterprises, "drawQuota": String(m.drawQuota)]), audit: audit)
            return m.domain()
        }
    }

    public func facts(countyCode: String, now: Date) async throws -> [PlanFacts] {
        // Plain rows, read column by column: a county holds a few thousand enterprises, and models (or a
        // Decodable row) cost several times more per row.
        struct E { let id: UUID; let name: String; let grade: String; let standardization: String; let standardization_valid_until: Date?; let special_risks: String }
        let enterprises = try await store.sql.raw("""
            SELECT id, name, grade, standardization, standardization_valid_until, special_risks FROM enterprises
            WHERE county_code = \(bind: countyCode) AND active = \(bind: true)
            """).all().map { r in
                E(id: try r.decode(column: "id", as: UUID.self), name: try r.decode(column: "name", as: String.self),
                  grade: try r.decode(column: "grade", as: String.self), standardization: try r.decode(column: "standardization", as: String.self),
                  standardization_valid_until: try r.decode(column: "standardization_valid_until", as: Date?.self),
                  special_risks: try r.decode(column: "special_risks", as: String.self))
            }
        struct Count: Decodable { let enterprise_id: UUID; let n: Int }
        let majors = try await store.sql.raw("""
            SELECT enterprise_id, COUNT(*) AS n FROM hazards WHERE county_code = \(bind: countyCode) AND level = \(bind: HazardLevel.major.rawValue)
            AND state NOT IN (\(bind: HazardState.closed.rawValue), \(bind: HazardState.rejected.rawValue)) GROUP BY enterprise_id
            """).all(decoding: Count.self)
        let majorsBy = Dictionary(majors.map { ($0.enterprise_id, $0.n) }, uniquingKeysWith: +)
        struct E1: Decodable { let enterprise_id: UUID }
        let alarmed = Set(try await store.sql.raw("""
            SELECT DISTINCT enterprise_id FROM alarms WHERE county_code = \(bind: countyCode) AND level = \(bind: AlarmLevel.first.rawValue)
            AND raised_at >= \(bind: now.addingTimeInterval(-90 * 86_400))
            """).all(decoding: E1.self).map(\.enterprise_id))
        let accidents = Dictionary(try await store.sql.raw("""
            SELECT enterprise_id, COUNT(*) AS n FROM hazards WHERE county_code = \(bind: countyCode) AND source = \(bind: HazardSource.accidentInvestigation.rawValue)
            AND found_at >= \(bind: now.addingTimeInterval(-365 * 86_400)) GROUP BY enterprise_id
            """).all(decoding: Count.self).map { ($0.enterprise_id, $0.n) }, uniquingKeysWith: +)
        // One row per inspected enterprise: the last completion, and whether a thorough check-up is among them.
        struct Done: Decodable { let enterprise_id: UUID; let last: Date?; let thorough: Int }
        let done = try await store.sql.raw("""
            SELECT enterprise_id, MAX(completed_at) AS last, MAX(CASE WHEN style = \(bind: InspectionStyle.thorough.rawValue) THEN 1 ELSE 0 END) AS thorough
            FROM inspections WHERE county_code = \(bind: countyCode) AND state = \(bind: Inspection.State.completed.rawValue) GROUP BY enterprise_id
            """).all(decoding: Done.self)
        var last: [UUID: Date] = [:]
        var thorough: Set<UUID> = []
        for d in done {
            if let at = d.last { last[d.enterprise_id] = at }
            if d.thorough == 1 { thorough.insert(d.enterprise_id) }
        }
        return enterprises.map { m in
            PlanFacts(enterpriseID: m.id, name: m.name, grade: SupervisionGrade(rawValue: m.grade) ?? .D,
                      standardization: StandardizationGrade(rawValue: m.standardization) ?? .none, standardizationValidUntil: m.standardization_valid_until,
                      specialRisks: TagSet.decode(m.special_risks, as: SpecialRisk.self), openMajorHazards: majorsBy[m.id] ?? 0,
                      recentLevel1Alarm: alarmed.contains(m.id), lastInspected: last[m.id], thoroughDone: thorough.contains(m.id),
                      recentAccidents: accidents[m.id] ?? 0)
        }.sorted { $0.name < $1.name }
    }

    public func figures(countyCode: String?, year: Int) async throws -> EnforcementFigures {
        let plans = PlanModel.query(on: store.database).filter(\.$year == year)
        let inspections = InspectionModel.query(on: store.database).filter(.sql(LikeMatch(column: "planned_on", pattern: "\(year)-%")))
            .filter(\.$state != Inspection.State.cancelled.rawValue)
        let penalties = PenaltyModel.query(on: store.database).filter(.sql(LikeMatch(column: "decided_on", pattern: "\(year)-%")))
        let exams = WorkerExamModel.query(on: store.database).filter(\.$state == WorkerExam.State.awaitingRetraining.rawValue)
        if let countyCode {
            plans.filter(\.$countyCode == countyCode)
            inspections.filter(\.$countyCode == countyCode)
            penalties.filter(\.$countyCode == countyCode)
            exams.filter(\.$countyCode == countyCode)
        }
        let planned = try await plans.all().reduce(0) { $0 + $1.drawQuota + (JSONColumn.decode($1.keyEnterprises, as: [EnforcementPlan.KeyEnterprise].self)?.count ?? 0) }
        let fines = try await penalties.copy().all()
        // High-risk active enterprises, and those with a completed 体检式精查 ever.
        var high: SQLQueryString = "SELECT COUNT(*) AS n FROM enterprises WHERE active = \(bind: true) AND ("
        for (n, risk) in PlanRules.highRisks.map(\.rawValue).sorted().enumerated() {
            high += (n == 0 ? "" : " OR ") + "special_risks LIKE \(bind: TagSet.pattern(risk))"
        }
        high += ")"
        if let countyCode { high += " AND county_code = \(bind: countyCode)" }
        struct N: Decodable { let n: Int }
        let highRisk = try await store.sql.raw(high).first(decoding: N.self)?.n ?? 0
        high += " AND id IN (SELECT enterprise_id FROM inspections WHERE state = \(bind: Inspection.State.completed.rawValue) AND style = \(bind: InspectionStyle.thorough.rawValue))"
        let thoroughDone = try await store.sql.raw(high).first(decoding: N.self)?.n ?? 0
        return EnforcementFigures(planned: planned, inspections: try await inspections.copy().count(),
                                  completed: try await inspections.copy().filter(\.$state == Inspection.State.completed.rawValue).count(),
                                  penalties: fines.count, fined: fines.reduce(0) { $0 + $1.enterpriseFine + $1.principalFine }, offDuty: try await exams.count(),
                                  highRisk: highRisk, thoroughDone: thoroughDone)
    }
}
