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
                g.filter(.sql(SQLBinaryExpression(SQLColumn("name"), .like, SQLBind(pattern))))
                g.filter(.sql(SQLBinaryExpression(SQLColumn("credit_code"), .like, SQLBind(codePrefix))))
            }
        }
        let dir: DatabaseQuery.Sort.Direction = q.direction == .asc ? .ascending : .descending
        switch q.sort {
        case .name: query.sort(\.$name, dir)
        case .creditCode: query.sort(\.$creditCode, dir)
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

    public func statistics(scope: Scope) async throws -> EnterpriseStatistics {
        var where_: [any SQLExpression] = [SQLBinaryExpression(SQLColumn("active"), .equal, SQLLiteral.boolean(true))]
        switch scope {
        case .city: break
        case .county(let c): where_.append(SQLBinaryExpression(SQLColumn("county_code"), .equal, SQLBind(c)))
        case .enterprise(let id): where_.append(SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(id)))
        case .assigned: return EnterpriseStatistics()
        }
        let condition = where_.dropFirst().reduce(where_[0]) { SQLBinaryExpression($0, .and, $1) }
        let sql = store.sql

        struct Row: Decodable { let key: String; let n: Int }
        func grouped(_ column: String) async throws -> [String: Int] {
            let rows = try await sql.select().column(SQLAlias(SQLColumn(column), as: SQLIdentifier("key")))
                .column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
                .from(EnterpriseModel.schema).where(condition).groupBy(column).all(decoding: Row.self)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.n) })
        }
        let byCounty = try await grouped("county_code")
        let byIndustry = try await grouped("industry")
        let byGrade = try await grouped("grade")

        var risks = SQLQueryString("SELECT ")
        for (i, r) in SpecialRisk.allCases.enumerated() {
            if i > 0 { risks.appendLiteral(", ") }
            risks.appendInterpolation(unsafeRaw: "SUM(CASE WHEN special_risks LIKE ")
            risks.appendInterpolation(bind: TagSet.pattern(r.rawValue))
            risks.appendInterpolation(unsafeRaw: " THEN 1 ELSE 0 END) AS ")
            risks.appendInterpolation(ident: r.rawValue)
        }
        risks.appendInterpolation(unsafeRaw: " FROM \(EnterpriseModel.schema) WHERE ")
        risks.appendInterpolation(condition)
        var byRisk: [SpecialRisk: Int] = [:]
        if let row = try await sql.raw(risks).first() {
            for r in SpecialRisk.allCases {
                byRisk[r] = try row.decodeNil(column: r.rawValue) ? 0 : row.decode(column: r.rawValue, as: Int.self)
            }
        }
        return EnterpriseStatistics(
            total: byCounty.values.reduce(0, +), byCounty: byCounty,
            byIndustry: Dictionary(uniqueKeysWithValues: byIndustry.compactMap { k, v in Industry(rawValue: k).map { ($0, v) } }),
            byGrade: Dictionary(uniqueKeysWithValues: byGrade.compactMap { k, v in SupervisionGrade(rawValue: k).map { ($0, v) } }),
            bySpecialRisk: byRisk)
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
            for e in enterprises {
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "enterprise",
                                            entityID: e.id.uuidString, changes: FieldChange.diff([:], e.auditFields), audit: audit)
            }
        }
    }

    public func update(id: UUID, scope: Scope, action: AuditAction, audit: AuditContext,
                       change: @escaping @Sendable (Enterprise) throws -> Enterprise) async throws -> Enterprise {
        try await store.write { db in
            guard let model = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else {
                throw DomainError.notFound(entity: "enterprise")
            }
            let before = try model.domain()
            let after = try change(before)
            model.apply(after)
            try await model.update(on: db)
            try await AuditChain.append(on: db, action: action.rawValue, entityType: "enterprise", entityID: id.uuidString,
                                        changes: FieldChange.diff(before.auditFields, after.auditFields), audit: audit)
            return after
        }
    }
}
