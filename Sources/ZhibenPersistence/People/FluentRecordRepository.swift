import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ZhibenDomain

/// The people-and-work records: one table per kind, each row the record's document (JSON) beside the
/// columns its lists filter and sort on. Ids are kept as text, the same on SQLite and PostgreSQL.
public struct FluentRecordRepository: RecordRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func body<R: StoredRecord>(_ r: R) throws -> String { String(decoding: try encoder.encode(r), as: UTF8.self) }

    static func decode<R: StoredRecord>(_ row: any SQLRow) throws -> R {
        let body = try row.decode(column: "body", as: String.self)
        let id = try row.decode(column: "id", as: String.self)
        var r: R
        if let kept = decoded.record(R.table, id, body: body) as? R {
            r = kept
        } else {
            r = try JSONDecoder().decode(R.self, from: Data(body.utf8))
            decoded.keep(r, R.table, id, body: body)
        }
        r.version = try row.decode(column: "version", as: Int.self)
        return r
    }

    /// Records already decoded, by table and id, with the document they were decoded from: the open
    /// permits (with their gas tests) are read by every workbench and by the permit job every five
    /// seconds, and decoding their JSON cost more than reading them. A record is taken from here only
    /// when its stored document is the same text.
    static let decoded = DecodedRecords(capacity: 2_000)

    final class DecodedRecords: Sendable {
        private let entries: NIOLockedValueBox<RecentlyUsed<String, (body: String, record: any Sendable)>>

        init(capacity: Int) { entries = NIOLockedValueBox(RecentlyUsed(capacity: capacity)) }

        func record(_ table: String, _ id: String, body: String) -> (any Sendable)? {
            entries.withLockedValue { e in
                guard let hit = e.get(table + "/" + id), hit.body == body else { return nil }
                return hit.record
            }
        }

        func keep(_ record: any Sendable, _ table: String, _ id: String, body: String) {
            entries.withLockedValue { $0.set(table + "/" + id, (body, record)) }
        }
    }

    /// The scope's filter on a query of `R`'s table; false: the scope sees none of them.
    static func scoped<R: StoredRecord>(_ type: R.Type, _ q: some SQLPredicateBuilder, _ scope: Scope) -> Bool {
        if R.cityWide { return !scope.isAssigned }
        switch scope {
        case .city: return true
        case .county(let c): q.where("county_code", .equal, c); return true
        case .enterprise(let id): q.where("enterprise_id", .equal, id.uuidString); return true
        case .assigned: return false
        }
    }

    static func filter(_ q: some SQLPredicateBuilder, _ query: RecordQuery) {
        if let e = query.enterpriseID { q.where("enterprise_id", .equal, e.uuidString) }
        if let c = query.countyCode { q.where("county_code", .equal, c) }
        if let tags = query.tags { q.where("tag", .in, tags) }
        if let r = query.ref { q.where("ref", .equal, r.uuidString) }
        if let from = query.from { q.where("ord", .greaterThanOrEqual, from) }
        if let to = query.to { q.where("ord", .lessThanOrEqual, to) }
        if let text = query.search?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty {
            for term in text.split(separator: " ").prefix(5) { q.where(LikeMatch(column: "search", pattern: "%\(likeEscaped(String(term)))%")) }
        }
    }

    public func page<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, scope: Scope, page: Paging) async throws -> Paged<R> {
        let sql = store.sql
        let count = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(R.table)
        guard Self.scoped(R.self, count, scope) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        Self.filter(count, query)
        let total = try await count.first()?.decode(column: "n", as: Int.self) ?? 0
        let select = sql.select().column("id").column("body").column("version").from(R.table)
        _ = Self.scoped(R.self, select, scope)
        Self.filter(select, query)
        let rows = try await select.orderBy("ord", query.descending ? .descending : .ascending).orderBy("id").limit(page.per).offset(page.offset).all()
        return Paged(items: try rows.map(Self.decode), page: page.page, per: page.per, total: total)
    }

    public func all<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, scope: Scope, limit: Int) async throws -> [R] {
        let select = store.sql.select().column("id").column("body").column("version").from(R.table)
        guard Self.scoped(R.self, select, scope) else { return [] }
        Self.filter(select, query)
        return try await select.orderBy("ord", query.descending ? .descending : .ascending).orderBy("id").limit(limit).all().map(Self.decode)
    }

    public func get<R: StoredRecord>(_ type: R.Type, id: UUID, scope: Scope) async throws -> R? {
        try await Self.get(R.self, id: id, scope: scope, on: store.sql)
    }

    static func get<R: StoredRecord>(_ type: R.Type, id: UUID, scope: Scope, on sql: any SQLDatabase) async throws -> R? {
        let select = sql.select().column("id").column("body").column("version").from(R.table).where("id", .equal, id.uuidString)
        guard scoped(R.self, select, scope) else { return nil }
        return try await select.first().map(decode)
    }

    static func row<R: StoredRecord>(_ r: R) throws -> [String: any SQLExpression] {
        let k = r.keys
        return ["id": SQLBind(r.id.uuidString), "enterprise_id": SQLBind(r.enterpriseID?.uuidString), "county_code": SQLBind(r.countyCode),
                "tag": SQLBind(k.tag), "ref": SQLBind(k.ref?.uuidString), "ord": SQLBind(k.order), "search": SQLBind(k.search),
                "uniq": SQLBind(k.unique), "body": SQLBind(try body(r)), "version": SQLBind(r.version)]
    }

    /// `conflict` when another record of the same enterprise (or, city-wide, any record) has the unique key.
    static func checkUnique<R: StoredRecord>(_ r: R, on sql: any SQLDatabase) async throws {
        guard let key = r.keys.unique else { return }
        let q = sql.select().column("id").from(R.table).where("uniq", .equal, key).where("id", .notEqual, r.id.uuidString)
        if let e = r.enterpriseID { q.where("enterprise_id", .equal, e.uuidString) }
        if try await q.first() != nil {
            throw DomainError.conflict(R.uniqueTaken(key))
        }
    }

    public func save<R: StoredRecord>(creating: [R], replacing: [(record: R, expected: Int)], action: AuditAction, audit: AuditContext) async throws {
        guard !creating.isEmpty || !replacing.isEmpty else { return }
        try await store.write { db in
            let sql = db as! any SQLDatabase
            var events: [AuditChain.Event] = []
            for r in creating {
                try await Self.checkUnique(r, on: sql)
                let cols = try Self.row(r)
                try await sql.insert(into: R.table).columns(Array(cols.keys)).values(Array(cols.values)).run()
                events.append(AuditChain.Event(action: action.rawValue, entityType: R.entity, entityID: r.id.uuidString, changes: FieldChange.diff([:], r.auditFields)))
            }
            for (r, expected) in replacing {
                guard let before = try await Self.get(R.self, id: r.id, scope: .city, on: sql) else { throw DomainError.notFound(entity: R.entity) }
                guard before.version == expected else { throw DomainError.staleVersion(entity: R.entity, expected: expected, current: before.version) }
                var next = r
                next.version = expected + 1
                try await Self.replace(next, expected: expected, on: sql)
                events.append(AuditChain.Event(action: action.rawValue, entityType: R.entity, entityID: r.id.uuidString,
                                               changes: FieldChange.diff(before.auditFields, next.auditFields)))
            }
            try await AuditChain.appendAll(on: db, events, audit: audit)
        }
    }

    /// Writes `next` over the row still at `expected`; `staleVersion` when it moved on.
    static func replace<R: StoredRecord>(_ next: R, expected: Int, on sql: any SQLDatabase) async throws {
        try await checkUnique(next, on: sql)
        let update = sql.update(R.table)
        for (column, value) in try row(next) where column != "id" { update.set(SQLIdentifier(column), to: value) }
        let changed = try await update.where("id", .equal, next.id.uuidString).where("version", .equal, expected)
            .returning("version").all()
        guard changed.count == 1 else { throw DomainError.staleVersion(entity: R.entity, expected: expected, current: expected + 1) }
    }

    public func update<R: StoredRecord>(_ type: R.Type, id: UUID, expectedVersion: Int?, scope: Scope, action: AuditAction, audit: AuditContext,
                                        change: @escaping @Sendable (R) throws -> R) async throws -> R {
        try await store.write { db in
            let sql = db as! any SQLDatabase
            guard let before = try await Self.get(R.self, id: id, scope: scope, on: sql) else { throw DomainError.notFound(entity: R.entity) }
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: R.entity, expected: expectedVersion, current: before.version)
            }
            var next = try change(before)
            next.version = before.version + 1
            try await Self.replace(next, expected: before.version, on: sql)
            try await AuditChain.append(on: db, action: action.rawValue, entityType: R.entity, entityID: id.uuidString,
                                        changes: FieldChange.diff(before.auditFields, next.auditFields), audit: audit)
            return next
        }
    }

    public func noteReveal(entity: String, id: UUID, field: String, audit: AuditContext) async throws {
        try await store.write { db in
            try await AuditChain.append(on: db, action: AuditAction.reveal.rawValue, entityType: entity, entityID: id.uuidString,
                                        changes: [FieldChange(field: field, before: nil, after: nil)], audit: audit)
        }
    }
}

/// Creates tables of the people-and-work records, all of one shape (`RecordTable`).
struct RecordTablesMigration: AsyncMigration {
    let name: String
    let tables: [String]

    func prepare(on db: any Database) async throws {
        for t in tables { try await RecordTable.create(t, on: db) }
    }

    func revert(on db: any Database) async throws {
        for t in tables { try await (db as! any SQLDatabase).drop(table: t).ifExists().run() }
    }

    /// Workers, violations, staffing needs.
    static let people = RecordTablesMigration(name: "033-people-records", tables: [Worker.table, Violation.table, StaffingNeed.table])
    /// The contractor registry, admissions, jobs.
    static let contractors = RecordTablesMigration(name: "034-contractor-records", tables: [Contractor.table, ContractorAdmission.table, ContractorJob.table])
    /// Trainings, managers' exams, drills.
    static let trainings = RecordTablesMigration(name: "035-training-records", tables: [Training.table, ManagerExam.table, Drill.table])
    /// The confined-space ledger and high-risk work permits.
    static let permits = RecordTablesMigration(name: "036-permit-records", tables: [ConfinedSpace.table, PermitRecord.table])
}

enum RecordTable {
    static func create(_ table: String, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.create(table: table)
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("enterprise_id", type: .text)
            .column("county_code", type: .text)
            .column("tag", type: .text, .notNull)
            .column("ref", type: .text)
            .column("ord", type: .text, .notNull)
            .column("search", type: .text, .notNull)
            .column("uniq", type: .text)
            .column("body", type: .text, .notNull)
            .column("version", type: .int, .notNull)
            .run()
        try await sql.create(index: "\(table)_enterprise").on(table).column("enterprise_id").column("ord").run()
        try await sql.create(index: "\(table)_county").on(table).column("county_code").column("ord").run()
        try await sql.create(index: "\(table)_tag").on(table).column("tag").column("ord").run()
        try await sql.create(index: "\(table)_ref").on(table).column("ref").run()
        try await sql.create(index: "\(table)_uniq").on(table).column("uniq").run()
    }
}
