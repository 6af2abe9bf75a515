import FluentKit
import Foundation
import ZhibenDomain

final class UserModel: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "role") var role: String
    @OptionalField(key: "county_code") var countyCode: String?
    @OptionalField(key: "enterprise_id") var enterpriseID: UUID?
    /// County of the bound enterprise, copied so county scoping of accounts needs no join.
    @OptionalField(key: "enterprise_county_code") var enterpriseCountyCode: String?
    @Field(key: "locale") var locale: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_login_at") var lastLoginAt: Date?

    init() {}

    init(_ u: User, enterpriseCountyCode: String?) {
        id = u.id
        self.enterpriseCountyCode = enterpriseCountyCode
        apply(u)
    }

    func apply(_ u: User) {
        username = u.username
        displayName = u.displayName
        role = u.role.rawValue
        countyCode = u.countyCode
        enterpriseID = u.enterpriseID
        locale = u.locale.rawValue
        passwordHash = u.passwordHash
        failedLogins = u.failedLogins
        lockedUntil = u.lockedUntil
        active = u.active
        createdAt = u.createdAt
        lastLoginAt = u.lastLoginAt
    }

    func domain() throws -> User {
        User(id: try requireID(), username: username, displayName: displayName, role: Role(rawValue: role) ?? .expert,
             countyCode: countyCode, enterpriseID: enterpriseID, locale: ZhibenDomain.Language(rawValue: locale) ?? .zh,
             passwordHash: passwordHash, failedLogins: failedLogins, lockedUntil: lockedUntil, active: active,
             createdAt: createdAt, lastLoginAt: lastLoginAt)
    }
}

/// A bearer token of a signed-in API user; the token itself is never stored, only its SHA-256.
final class SessionTokenModel: Model, @unchecked Sendable {
    static let schema = "api_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "user_id") var userID: UUID
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

final class APIKeyModel: Model, @unchecked Sendable {
    static let schema = "api_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "prefix") var prefix: String
    @Field(key: "secret_hash") var secretHash: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?

    init() {}

    func domain() throws -> APIKey {
        APIKey(id: try requireID(), name: name, enterpriseID: enterpriseID, prefix: prefix, createdBy: createdBy,
               createdAt: createdAt, revokedAt: revokedAt, lastUsedAt: lastUsedAt)
    }
}
