import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

public struct FluentEnterpriseRepository: EnterpriseRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    /// The jurisdiction filter every query starts from. Nil: the scope sees nothing.
    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<EnterpriseModel>? {
        let q = EnterpriseModel.query(on: db)
        switch scope {
        case .city: return q
        case .county(let code): return q.filter(\.$countyCode == code)
        case .enterprise(let id): return q.filter(\.$id == id)
        case .assigned: return nil
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Enterprise? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func find(creditCode: String, scope: Scope) async throws -> Enterprise? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$creditCode == creditCode).first()?.domain()
    }

    func filtered(_ q: EnterpriseQuery, scope: Scope) -> QueryBuilder<EnterpriseModel>? {
        guard let query = Self.scoped(scope, on: store.database) else { return nil }
        if let c = q.countyCode { query.filter(\.$countyCode == c) }
        if let i = q.industry { query.filter(\.$industry == i.rawValue) }
        if let r = q.specialRisk { query.filter(\.$specialRisks, .custom("LIKE"), TagSet.pattern(r.rawValue)) }
        if let g = q.grade { query.filter(\.$grade == g.rawValue) }
        if let s = q.standardization { query.filter(\.$standardization == s.rawValue) }
        if let s = q.status { query.filter(\.$status == s.rawValue) }
        if !q.includeInactive { query.filter(\.$active == true) }
        if let text = q.search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            let codePrefix = likeEscaped(text.uppercased()) + "%"
            query.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "credit_code", pattern: codePrefix)))
            }
        }
        let dir: DatabaseQuery.Sort.Direction = q.direction == .asc ? .ascending : .descending
        switch q.sort {
        // Names tie-break on the (unique) credit code, which the name index holds: a deep page walks the
        // index alone instead of reading each skipped row for its id.
        case .name: return query.sort(\.$name, dir).sort(\.$creditCode, dir)
        case .creditCode: return query.sort(\.$creditCode, dir)
        case .county: query.sort(\.$countyCode, dir).sort(\.$name, .ascending)
        case .industry: query.sort(\.$industry, dir).sort(\.$name, .ascending)
        case .grade: query.sort(\.$grade, dir).sort(\.$name, .ascending)
        case .employees: query.sort(\.$employees, dir).sort(\.$name, .ascending)
        case .updatedAt: query.sort(\.$updatedAt, dir)
        }
        // A stable tie-breaker, so pages never repeat or skip rows.
        return query.sort(\.$id, .ascending)
    }

    public func list(_ q: EnterpriseQuery, page: Paging, scope: Scope) async throws -> Paged<Enterprise> {
        guard let query = filtered(q, scope: scope) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let total = try await query.copy().count()
        let rows = try await query.range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func all(_ q: EnterpriseQuery, scope: Scope, limit: Int) async throws -> [Enterprise] {
        guard let query = filtered(q, scope: scope) else { return [] }
        return try await query.limit(limit).all().map { try $0.domain() }
    }

    /// One pass over a covering index: counts per (county, industry, grade, special risks), added up here.
    public func statistics(scope: Scope) async throws -> EnterpriseStatistics {
        var condition: any SQLExpression = SQLBinaryExpression(SQLColumn("active"), .equal, SQLLiteral.boolean(true))
        switch scope {
        case .city: break
        case .county(let c): condition = SQLBinaryExpression(condition, .and, SQLBinaryExpression(SQLColumn("county_code"), .equal, SQLBind(c)))
        case .enterprise(let id): condition = SQLBinaryExpression(condition, .and, SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(id)))
        case .assigned: return EnterpriseStatistics()
        }
        struct Row: Decodable {
            let county_code: String
            let industry: String
            let grade: String
            let special_risks: String
            let n: Int
        }
        let columns = ["county_code", "industry", "grade", "special_risks"]
        let rows = try await store.sql.select()
            .columns(columns.map { SQLColumn($0) })
            .column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(EnterpriseModel.schema).where(condition)
            .groupBy(SQLColumn("county_code")).groupBy(SQLColumn("industry")).groupBy(SQLColumn("grade")).groupBy(SQLColumn("special_risks"))
            .all(decoding: Row.self)
        var stats = EnterpriseStatistics()
        for r in rows {
            stats.total += r.n
            stats.byCounty[r.county_code, default: 0] += r.n
            if let i = Industry(rawValue: r.industry) { stats.byIndustry[i, default: 0] += r.n }
            if let g = SupervisionGrade(rawValue: r.grade) { stats.byGrade[g, default: 0] += r.n }
            for risk in TagSet.decode(r.special_risks, as: SpecialRisk.self) { stats.bySpecialRisk[risk, default: 0] += r.n }
        }
        return stats
    }

    public func cadences(scope: Scope) async throws -> [(id: UUID, name: String, metalSmelting: Bool)] {
        guard let q = Self.scoped(scope, on: store.database) else { return [] }
        return try await q.filter(\.$active == true).field(\.$id).field(\.$name).field(\.$specialRisks).all().compactMap { m in
            m.id.map { ($0, m.name, TagSet.decode(m.specialRisks, as: SpecialRisk.self).contains(.metalSmelting)) }
        }
    }

    public func existingCreditCodes(_ codes: [String]) async throws -> Set<String> {
        guard !codes.isEmpty else { return [] }
        let rows = try await EnterpriseModel.query(on: store.database).filter(\.$creditCode ~~ codes).field(\.$creditCode).all()
        return Set(rows.map(\.creditCode))
    }

    public func create(_ enterprise: Enterprise, audit: AuditContext) async throws -> Enterprise {
        try await store.write { db in
            try await EnterpriseModel(enterprise).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "enterprise",
                                        entityID: enterprise.id.uuidString,
                                        changes: FieldChange.diff([:], enterprise.auditFields), audit: audit)
            return enterprise
        }
    }

    public func createAll(_ enterprises: [Enterprise], audit: AuditContext) async throws {
        try await store.write { db in
            for chunk in stride(from: 0, to: enterprises.count, by: 200) {
                let models = enterprises[chunk..<min(chunk + 200, enterprises.count)].map(EnterpriseModel.init)
                try await models.create(on: db)
            }
            try await AuditChain.appendAll(on: db, enterprises.map {
                AuditChain.Event(action: AuditAction.create.rawValue, entityType: "enterprise", entityID: $0.id.uuidString,
                                 changes: FieldChange.diff([:], $0.auditFields))
            }, audit: audit)
        }
    }

    public func update(id: UUID, scope: Scope, expectedVersion: Int?, action: AuditAction, audit: AuditContext,
                       change: @escaping @Sendable (Enterprise) throws -> Enterprise) async throws -> Enterprise {
        // Writers are serialised (Store.write), so reading the version inside the transaction and writing
        // the next one cannot interleave with another writer.
        try await store.write { db in
            guard let model = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else {
                throw DomainError.notFound(entity: "enterprise")
            }
            let before = try model.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "enterprise", expected: expectedVersion, current: before.version)
            }
            var after = try change(before)
            after.version = before.version + 1
            model.apply(after)
            try await model.update(on: db)
            if before.profile.name != after.profile.name || before.profile.industry != after.profile.industry {
                // Hazards carry their enterprise's name and industry for lists and counts: keep them in step.
                try await (db as! any SQLDatabase).raw("""
                    UPDATE hazards SET enterprise_name = \(bind: after.profile.name), industry = \(bind: after.profile.industry.rawValue)
                    WHERE enterprise_id = \(bind: id)
                    """).run()
                if before.profile.name != after.profile.name { try await HazardSearchIndex.reindex(enterprise: id, on: db) }
            }
            if before.profile.countyCode != after.profile.countyCode {
                // Accounts, API keys, hazards and self-inspections carry their enterprise's county for county
                // scoping: move them along.
                let county = after.profile.countyCode
                try await UserModel.query(on: db).filter(\.$enterpriseID == id).set(\.$enterpriseCountyCode, to: county).update()
                try await APIKeyModel.query(on: db).filter(\.$enterpriseID == id).set(\.$countyCode, to: county).update()
                try await FluentHazardRepository.moveEnterprise(id, from: before.profile.countyCode, to: county, on: db)
            }
            try await AuditChain.append(on: db, action: action.rawValue, entityType: "enterprise", entityID: id.uuidString,
                                        changes: FieldChange.diff(before.auditFields, after.auditFields), audit: audit)
            return after
        }
    }
}
