import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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
