import Foundation

/// A long-lived key for a machine client (an enterprise's gateway). Only its hash is stored.
public struct APIKey: Sendable, Equatable, Identifiable {
    /// Starts every key's secret, so a bearer secret says which table to look in.
    public static let secretPrefix = "zbk_"

    public var id: UUID
    public var name: String
    public var enterpriseID: UUID
    /// The first characters of the key, shown so people can tell keys apart.
    public var prefix: String
    public var createdBy: String
    public var createdAt: Date
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(id: UUID = UUID(), name: String, enterpriseID: UUID, prefix: String, createdBy: String,
                createdAt: Date, revokedAt: Date? = nil, lastUsedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.enterpriseID = enterpriseID
        self.prefix = prefix
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    public var caller: Caller {
        Caller(kind: .apiKey, id: id, username: "apikey:\(prefix)", role: .enterpriseUser, scope: .enterprise(enterpriseID))
    }
}

/// Bearer tokens of signed-in API users, and API keys; both looked up by the hash of the secret.
public protocol TokenRepository: Sendable {
    func createSession(userID: UUID, tokenHash: String, expiresAt: Date) async throws
    func findSession(tokenHash: String, now: Date) async throws -> User?
    /// Ends one session and audits the sign-out, in one transaction.
    func endSession(tokenHash: String, audit: AuditContext) async throws
    /// Signs a user out everywhere (after a password change), except the session given.
    func deleteSessions(userID: UUID, except tokenHash: String?) async throws
    func purgeExpired(now: Date) async throws

    func createAPIKey(_ key: APIKey, secretHash: String, audit: AuditContext) async throws
    func findAPIKey(secretHash: String) async throws -> APIKey?
    func listAPIKeys(scope: Scope) async throws -> [APIKey]
    func revokeAPIKey(id: UUID, scope: Scope, audit: AuditContext) async throws -> APIKey
    func touchAPIKey(id: UUID, at: Date) async throws
}
