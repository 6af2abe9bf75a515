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
        case .assigned(let user):
            // An expert: the enterprises of the inspections and the hazards they are assigned to.
            let assigned: SQLQueryString = """
                enterprises.id IN (SELECT enterprise_id FROM inspections WHERE expert_user_id = \(bind: user)
                UNION SELECT enterprise_id FROM hazards WHERE expert_id = \(bind: user))
                """
            return q.filter(.sql(assigned))
        }
    }

    /// The same filter for hand-written SQL (after a WHERE).
    static func scopeClause(_ scope: Scope) -> SQLQueryString {
        switch scope {
        case .city: ""
        case .county(let code): " AND county_code = \(bind: code)"
        case .enterprise(let id): " AND id = \(bind: id)"
        case .assigned(let user):
            """
             AND id IN (SELECT enterprise_id FROM inspections WHERE expert_user_id = \(bind: user)
            UNION SELECT enterprise_id FROM hazards WHERE expert_id = \(bind: user))
            """
        }
    }

    /// One enterprise: read by most writes about it (a plain statement).
    public func find(id: UUID, scope: Scope) async throws -> Enterprise? {
        try await store.sql.models(EnterpriseModel.self, "SELECT * FROM enterprises WHERE id = \(bind: id)" + Self.scopeClause(scope) + " LIMIT 1")
            .first?.domain()
    }

    public func find(ids: [UUID], scope: Scope) async throws -> [UUID: Enterprise] {
        guard !ids.isEmpty else { return [:] }
        if case .county(let code) = scope {
            // Read by id, the county checked on each row: with the county in the statement SQLite walks
            // the county's index (thousands of entries) instead of looking the ids up.
            var out: [UUID: Enterprise] = [:]
            for m in try await EnterpriseModel.query(on: store.database).filter(\.$id ~~ ids).all() where m.countyCode == code {
                let e = try m.domain()
                out[e.id] = e
            }
            return out
        }
        guard let q = Self.scoped(scope, on: store.database) else { return [:] }
        var out: [UUID: Enterprise] = [:]
        for m in try await q.filter(\.$id ~~ ids).all() { let e = try m.domain(); out[e.id] = e }
        return out
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
                // 吕梁钢铁 is found by `llgt` or `gt`.
                if PinyinInitials.looksLikeInitials(text) {
                    g.filter(.sql(LikeMatch(column: "name_initials", pattern: "%" + likeEscaped(text.lowercased()) + "%")))
                }
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
        let total = try await query.copy().rowCount()
        let rows = try await query.range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func all(_ q: EnterpriseQuery, scope: Scope, limit: Int) async throws -> [Enterprise] {
        guard let query = filtered(q, scope: scope) else { return [] }
        return try await query.limit(limit).all().map { try $0.domain() }
    }

    /// The figures from `enterprise_tallies` (a few hundred rows); one enterprise's from its own row.
    public func statistics(scope: Scope) async throws -> EnterpriseStatistics {
        var stats = EnterpriseStatistics()
        let query: SQLQueryString
        switch scope {
        case .city: query = "SELECT county_code, dimension, k, n FROM enterprise_tallies WHERE n <> 0"
        case .county(let c): query = "SELECT county_code, dimension, k, n FROM enterprise_tallies WHERE n <> 0 AND county_code = \(bind: c)"
        case .enterprise(let id):
            guard let e = try await find(id: id, scope: scope), e.active else { return stats }
            for t in EnterpriseTallies.keys(of: e) { stats.add(dimension: t.dimension, key: t.key, county: e.profile.countyCode, n: 1) }
            return stats
        case .assigned: return stats
        }
        struct Row: Decodable { let county_code: String; let dimension: String; let k: String; let n: Int }
        for r in try await store.sql.raw(query).all(decoding: Row.self) {
            stats.add(dimension: r.dimension, key: r.k, county: r.county_code, n: r.n)
        }
        return stats
    }

    public func existingCreditCodes(_ codes: [String]) async throws -> Set<String> {
        guard !codes.isEmpty else { return [] }
        let rows = try await EnterpriseModel.query(on: store.database).filter(\.$creditCode ~~ codes).field(\.$creditCode).all()
        return Set(rows.map(\.creditCode))
    }

    public func create(_ enterprise: Enterprise, audit: AuditContext) async throws -> Enterprise {
        try await store.write { db in
            try await EnterpriseModel(enterprise).create(on: db)
            try await EnterpriseTallies.add([enterprise], delta: 1, on: db)
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
            try await EnterpriseTallies.add(enterprises, delta: 1, on: db)
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
            if EnterpriseTallies.keys(of: before) != EnterpriseTallies.keys(of: after) {
                try await EnterpriseTallies.add([before], delta: -1, on: db)
                try await EnterpriseTallies.add([after], delta: 1, on: db)
            }
            if before.profile.name != after.profile.name || before.profile.industry != after.profile.industry {
                // Hazards carry their enterprise's name and industry for lists and counts: keep them in step.
                try await (db as! any SQLDatabase).raw("""
                    UPDATE hazards SET enterprise_name = \(bind: after.profile.name), industry = \(bind: after.profile.industry.rawValue)
                    WHERE enterprise_id = \(bind: id)
                    """).run()
                if before.profile.name != after.profile.name { try await HazardSearchIndex.reindex(enterprise: id, on: db) }
                try await MonitoringPointModel.query(on: db).filter(\.$enterpriseID == id).set(\.$enterpriseName, to: after.profile.name).update()
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

/// Active enterprises counted per county and per value of each dimension the dashboard shows
/// (`all`, `industry`, `grade`, `risk`), changed in the same transaction as each enterprise.
enum EnterpriseTallies {
    struct Key: Hashable { let county: String; let dimension: String; let key: String }

    /// What one enterprise adds to the tallies: nothing when it is inactive.
    static func keys(of e: Enterprise) -> Set<Key> {
        guard e.active else { return [] }
        return keys(county: e.profile.countyCode, industry: e.profile.industry.rawValue, grade: e.grade.rawValue,
                    risks: e.profile.specialRisks.map(\.rawValue))
    }

    static func keys(county c: String, industry: String, grade: String, risks: [String]) -> Set<Key> {
        var out: Set<Key> = [Key(county: c, dimension: "all", key: ""), Key(county: c, dimension: "industry", key: industry),
                             Key(county: c, dimension: "grade", key: grade)]
        for r in risks { out.insert(Key(county: c, dimension: "risk", key: r)) }
        return out
    }

    static func add(_ enterprises: [Enterprise], delta: Int, on db: any Database) async throws {
        var counts: [Key: Int] = [:]
        for e in enterprises { for k in keys(of: e) { counts[k, default: 0] += delta } }
        try await add(counts, on: db)
    }

    static func add(_ counts: [Key: Int], on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let rows = Array(counts)
        for chunk in stride(from: 0, to: rows.count, by: 200) {
            var q: SQLQueryString = "INSERT INTO enterprise_tallies (county_code, dimension, k, n) VALUES "
            for (i, r) in rows[chunk..<min(chunk + 200, rows.count)].enumerated() {
                q += (i == 0 ? "" : ", ") + "(\(bind: r.key.county), \(bind: r.key.dimension), \(bind: r.key.key), \(bind: r.value))"
            }
            q += " ON CONFLICT (county_code, dimension, k) DO UPDATE SET n = enterprise_tallies.n + excluded.n"
            try await sql.raw(q).run()
        }
    }

    /// Counts every enterprise again.
    /// Reads only the columns it counts, so that it runs in a migration before later columns exist.
    static func rebuild(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM enterprise_tallies").run()
        struct Row: Decodable { let id: UUID; let county_code: String; let industry: String; let grade: String; let special_risks: String }
        var after: UUID?
        while true {
            var q: SQLQueryString = "SELECT id, county_code, industry, grade, special_risks FROM enterprises WHERE active = \(bind: true)"
            if let after { q += " AND id > \(bind: after)" }
            q += " ORDER BY id LIMIT 2000"
            let rows = try await sql.raw(q).all(decoding: Row.self)
            guard let last = rows.last else { break }
            var counts: [Key: Int] = [:]
            for r in rows {
                let risks = TagSet.decode(r.special_risks, as: SpecialRisk.self).map(\.rawValue)
                for k in keys(county: r.county_code, industry: r.industry, grade: r.grade, risks: risks) { counts[k, default: 0] += 1 }
            }
            try await add(counts, on: db)
            after = last.id
        }
    }
}

extension EnterpriseStatistics {
    mutating func add(dimension: String, key: String, county: String, n: Int) {
        switch dimension {
        case "all":
            total += n
            byCounty[county, default: 0] += n
        case "industry": if let i = Industry(rawValue: key) { byIndustry[i, default: 0] += n }
        case "grade": if let g = SupervisionGrade(rawValue: key) { byGrade[g, default: 0] += n }
        case "risk": if let r = SpecialRisk(rawValue: key) { bySpecialRisk[r, default: 0] += n }
        default: break
        }
    }
}
