import FluentKit
import SQLKit

/// The schema, as one ordered list. Never edit a migration that has shipped; add the next one.
public enum Migrations {
    public static let all: [any AsyncMigration] = [
        M001CreateEnterprises(),
        M002CreateAccounts(),
        M003CreateAuditLog(),
        M004StatisticsIndex(),
        M005PendingUploads(),
        M006EnterpriseVersion(),
    ]
}

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

struct M002CreateAccounts: AsyncMigration {
    var name: String { "002-create-accounts" }

    func prepare(on db: any Database) async throws {
        try await db.schema(UserModel.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("county_code", .string)
            .field("enterprise_id", .uuid, .references(EnterpriseModel.schema, "id"))
            .field("enterprise_county_code", .string)
            .field("locale", .string, .required)
            .field("password_hash", .string, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("last_login_at", .datetime)
            .unique(on: "username")
            .create()
        try await db.schema(SessionTokenModel.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id", onDelete: .cascade))
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await db.schema(APIKeyModel.schema)
            .id()
            .field("name", .string, .required)
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("prefix", .string, .required)
            .field("secret_hash", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "secret_hash")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "users_county").on(UserModel.schema).column("county_code").run()
        try await sql.create(index: "users_enterprise_county").on(UserModel.schema).column("enterprise_county_code").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(APIKeyModel.schema).delete()
        try await db.schema(SessionTokenModel.schema).delete()
        try await db.schema(UserModel.schema).delete()
    }
}

struct M003CreateAuditLog: AsyncMigration {
    var name: String { "003-create-audit-log" }

    func prepare(on db: any Database) async throws {
        try await db.schema(AuditEntryModel.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("at_ms", .int64, .required)
            .field("actor_kind", .string, .required)
            .field("actor_username", .string, .required)
            .field("action", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .string, .required)
            .field("changes", .string, .required)
            .field("origin", .string)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "audit_entity").on(AuditEntryModel.schema).column("entity_type").column("entity_id").run()
        try await sql.create(index: "audit_actor").on(AuditEntryModel.schema).column("actor_username").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(AuditEntryModel.schema).delete()
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

/// Files previewed for import, kept until the user confirms them.
struct M005PendingUploads: AsyncMigration {
    var name: String { "005-pending-uploads" }

    func prepare(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema)
            .id()
            .field("owner", .string, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema).delete()
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
