import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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
