import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

struct M001CreateEnterprises: AsyncMigration {
    var name: String { "001-create-enterprises" }

    func prepare(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema)
            .id()
            .field("credit_code", .string, .required)
            .field("name", .string, .required)
            .field("county_code", .string, .required)
            .field("township", .string, .required)
            .field("address", .string, .required)
            .field("longitude", .double)
            .field("latitude", .double)
            .field("industry", .string, .required)
            .field("sub_industry", .string, .required)
            .field("scale", .string, .required)
            .field("employees", .int, .required)
            .field("dust_workers", .int, .required)
            .field("dust_types", .string, .required)
            .field("special_risks", .string, .required)
            .field("principal_name", .string, .required)
            .field("principal_phone", .string, .required)
            .field("controller_name", .string, .required)
            .field("controller_phone", .string, .required)
            .field("safety_manager_name", .string, .required)
            .field("safety_manager_phone", .string, .required)
            .field("standardization", .string, .required)
            .field("standardization_valid_until", .datetime)
            .field("status", .string, .required)
            .field("supervising_department", .string, .required)
            .field("computed_grade", .string, .required)
            .field("grade", .string, .required)
            .field("override_grade", .string)
            .field("override_reason", .string)
            .field("override_by", .string)
            .field("override_at", .datetime)
            .field("active", .bool, .required)
            .field("deactivation_reason", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "credit_code")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "enterprises_county_name").on(EnterpriseModel.schema).column("county_code").column("name").run()
        // Covers the list's search (name or code) and count without reading whole rows.
        try await sql.create(index: "enterprises_name").on(EnterpriseModel.schema)
            .column("name").column("credit_code").column("active").column("county_code").run()
        try await sql.create(index: "enterprises_grade").on(EnterpriseModel.schema).column("grade").run()
        try await sql.create(index: "enterprises_industry").on(EnterpriseModel.schema).column("industry").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).delete()
    }
}

/// The dashboard's counts read this index alone instead of every row. `active` comes last so that the
/// planner never prefers it for the list's `active = true ORDER BY name`.
struct M004StatisticsIndex: AsyncMigration {
    var name: String { "004-statistics-index" }

    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).create(index: "enterprises_statistics").on(EnterpriseModel.schema)
            .column("county_code").column("industry").column("grade").column("special_risks").column("active").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "enterprises_statistics").run()
    }
}

/// Optimistic concurrency: every stored change of an enterprise counts up its version.
struct M006EnterpriseVersion: AsyncMigration {
    var name: String { "006-enterprise-version" }

    func prepare(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).field("version", .int, .required, .sql(.default(1))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).deleteField("version").update()
    }
}

/// Active enterprises per county and dashboard dimension, so the overview reads a few hundred rows
/// instead of grouping the whole registry.
struct M013EnterpriseTallies: AsyncMigration {
    var name: String { "013-enterprise-tallies" }

    func prepare(on db: any Database) async throws {
        try await db.schema("enterprise_tallies")
            .field("county_code", .string, .required)
            .field("dimension", .string, .required)
            .field("k", .string, .required)
            .field("n", .int, .required)
            .compositeIdentifier(over: "county_code", "dimension", "k")
            .create()
        try await EnterpriseTallies.rebuild(on: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("enterprise_tallies").delete()
    }
}

/// The name's pinyin initials, so that the enterprise picker and the registry's search find 吕梁钢铁 by
/// `llgt`; filled for the enterprises already registered.
struct M032EnterpriseInitials: AsyncMigration {
    var name: String { "032-enterprise-initials" }

    func prepare(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).field("name_initials", .string, .required, .sql(.default(""))).update()
        let sql = db as! any SQLDatabase
        struct Row: Decodable { let id: UUID; let name: String }
        var after: UUID?
        while true {
            var q: SQLQueryString = "SELECT id, name FROM enterprises"
            if let after { q += " WHERE id > \(bind: after)" }
            q += " ORDER BY id LIMIT 1000"
            let rows = try await sql.raw(q).all(decoding: Row.self)
            guard let last = rows.last else { break }
            for r in rows {
                try await sql.raw("UPDATE enterprises SET name_initials = \(bind: PinyinInitials.of(r.name)) WHERE id = \(bind: r.id)").run()
            }
            after = last.id
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).deleteField("name_initials").update()
    }
}
