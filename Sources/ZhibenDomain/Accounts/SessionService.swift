import Foundation

/// Makes secrets and the digests under which they are stored (the app supplies SHA-256).
public protocol SecretSource: Sendable {
    /// A new random, URL-safe secret.
    func make() -> String
    /// What is stored and looked up instead of the secret itself.
    func digest(_ secret: String) -> String
}

/// Who a bearer secret belongs to.
public struct Authenticated: Sendable {
    public var caller: Caller
    /// The signed-in account; nil for an API key.
    public var user: User?
}

/// Sign-in sessions (web cookie or API bearer token) and their end.
public struct SessionService: Sendable {
    public let tokens: any TokenRepository
    public let audit: any AuditRepository
    public let secrets: any SecretSource
    public let clock: any WallClock
    public let lifetime: TimeInterval

    public init(tokens: any TokenRepository, audit: any AuditRepository, secrets: any SecretSource, clock: any WallClock,
                lifetime: TimeInterval) {
        self.tokens = tokens
        self.audit = audit
        self.secrets = secrets
        self.clock = clock
        self.lifetime = lifetime
    }

    /// Resolves a session token or an API key to its caller; nil when it is unknown, expired or revoked.
    public func authenticate(_ secret: String) async throws -> Authenticated? {
        let now = clock.now()
        if secret.hasPrefix(APIKey.secretPrefix) {
            guard let key = try await tokens.findAPIKey(secretHash: secrets.digest(secret)) else { return nil }
            // Gateways call often; "last used" to the minute is enough and spares a write per call.
            if key.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
                try await tokens.touchAPIKey(id: key.id, at: now)
            }
            return Authenticated(caller: key.caller, user: nil)
        }
        guard let user = try await tokens.findSession(tokenHash: secrets.digest(secret), now: now),
              let caller = user.caller else { return nil }
        return Authenticated(caller: caller, user: user)
    }

    /// Starts a session for a user who has just proved its password; a new token every time.
    public func start(for user: User) async throws -> (token: String, expiresAt: Date) {
        let token = secrets.make()
        let now = clock.now()
        let expires = now.addingTimeInterval(lifetime)
        // Signing in is rare enough to carry the clean-up of sessions that have run out.
        try await tokens.purgeExpired(now: now)
        try await tokens.createSession(userID: user.id, tokenHash: secrets.digest(token), expiresAt: expires)
        return (token, expires)
    }

    /// Signs out the session of `secret`, audited.
    public func end(_ secret: String, actor: Caller, origin: String?) async throws {
        try await tokens.endSession(tokenHash: secrets.digest(secret), audit: AuditContext(actor: actor, at: clock.now(), origin: origin))
    }

    /// Ends every session of a user (after a password change or reset), except the one of `keeping`.
    public func endAll(userID: UUID, keeping secret: String? = nil) async throws {
        try await tokens.deleteSessions(userID: userID, except: secret.map(secrets.digest))
    }
}

/// Keys for machine clients (an enterprise's gateway): issued, listed and revoked by administrators.
public struct APIKeyService: Sendable {
    public let tokens: any TokenRepository
    public let enterprises: any EnterpriseRepository
    public let secrets: any SecretSource
    public let clock: any WallClock

    public init(tokens: any TokenRepository, enterprises: any EnterpriseRepository, secrets: any SecretSource, clock: any WallClock) {
        self.tokens = tokens
        self.enterprises = enterprises
        self.secrets = secrets
        self.clock = clock
    }

    /// Issues a key for the enterprise with this credit code and returns the secret, which is shown once.
    public func issue(name: String, creditCode: String, actor: Caller, origin: String?) async throws -> String {
        try actor.require(.apiKeyManage)
        var issues: [FieldIssue] = []
        let n = name.trimmingCharacters(in: .whitespaces)
        if n.isEmpty || name.length > 100 { issues.append(FieldIssue(field: "name", zh: "请填写名称（最多100字）", en: "name of 1–100 characters is required")) }
        let code = creditCode.trimmingCharacters(in: .whitespaces).uppercased()
        let enterprise = try await enterprises.find(creditCode: code, scope: actor.scope)
        if enterprise == nil { issues.append(FieldIssue(field: "enterpriseCreditCode", zh: "未找到该统一社会信用代码的企业", en: "no enterprise with this credit code")) }
        guard issues.isEmpty, let enterprise else { throw DomainError.validation(issues) }
        let secret = secrets.make()
        let full = APIKey.secretPrefix + secret
        let key = APIKey(name: n, enterpriseID: enterprise.id, prefix: String(secret.prefix(8)), createdBy: actor.username, createdAt: clock.now())
        try await tokens.createAPIKey(key, secretHash: secrets.digest(full), audit: AuditContext(actor: actor, at: key.createdAt, origin: origin))
        return full
    }

    public func list(actor: Caller) async throws -> [APIKey] {
        try actor.require(.apiKeyManage)
        return try await tokens.listAPIKeys(scope: actor.scope)
    }

    public func revoke(_ id: UUID, actor: Caller, origin: String?) async throws -> APIKey {
        try actor.require(.apiKeyManage)
        return try await tokens.revokeAPIKey(id: id, scope: actor.scope, audit: AuditContext(actor: actor, at: clock.now(), origin: origin))
    }
}
