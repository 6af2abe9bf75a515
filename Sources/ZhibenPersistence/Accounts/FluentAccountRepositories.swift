import FluentKit
import FluentSQL
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ZhibenDomain

public struct FluentUserRepository: UserRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<UserModel>? {
        let q = UserModel.query(on: db)
        switch scope {
        case .city: return q
        case .county(let c): return q.group(.or) { $0.filter(\.$countyCode == c).filter(\.$enterpriseCountyCode == c) }
        case .enterprise(let id): return q.filter(\.$enterpriseID == id)
        case .assigned: return nil
        }
    }

    public func find(username: String) async throws -> User? {
        try await UserModel.query(on: store.database).filter(\.$username == username).first()?.domain()
    }

    public func displayNames(usernames: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        let unique = Array(Set(usernames))
        for chunk in stride(from: 0, to: unique.count, by: 500) {
            let rows = try await UserModel.query(on: store.database).filter(\.$username ~~ Array(unique[chunk..<min(chunk + 500, unique.count)]))
                .field(\.$username).field(\.$displayName).all()
            for r in rows { out[r.username] = r.displayName }
        }
        return out
    }

    public func find(id: UUID, scope: Scope) async throws -> User? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func list(_ q: UserQuery, page: Paging, scope: Scope, now: Date) async throws -> Paged<User> {
        guard let query = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        if let r = q.role { query.filter(\.$role == r.rawValue) }
        if q.lockedOnly { query.filter(\.$lockedUntil > now) }
        if let s = q.search?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
            let pattern = "%" + likeEscaped(s) + "%"
            query.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "username", pattern: pattern.lowercased())))
                g.filter(.sql(LikeMatch(column: "display_name", pattern: pattern)))
            }
        }
        let total = try await query.copy().rowCount()
        let rows = try await query.sort(\.$role).sort(\.$username).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func count() async throws -> Int {
        try await UserModel.query(on: store.database).rowCount()
    }

    public func existingUsernames(_ names: [String]) async throws -> Set<String> {
        var taken = Set<String>()
        for chunk in stride(from: 0, to: names.count, by: 500) {
            let part = Array(names[chunk..<min(chunk + 500, names.count)])
            taken.formUnion(try await UserModel.query(on: store.database).filter(\.$username ~~ part).field(\.$username).all().map(\.username))
        }
        return taken
    }

    static func enterpriseCounty(_ id: UUID?, on db: any Database) async throws -> String? {
        guard let id else { return nil }
        return try await EnterpriseModel.find(id, on: db)?.countyCode
    }

    public func create(_ user: User, audit: AuditContext) async throws -> User {
        try await store.write { db in
            let county = try await Self.enterpriseCounty(user.enterpriseID, on: db)
            try await UserModel(user, enterpriseCountyCode: county).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "user", entityID: user.id.uuidString,
                                        changes: FieldChange.diff([:], user.auditFields), audit: audit)
            return user
        }
    }

    public func createAll(_ users: [User], audit: AuditContext) async throws {
        try await store.write { db in
            let enterpriseIDs = Array(Set(users.compactMap(\.enterpriseID)))
            var counties: [UUID: String] = [:]
            for chunk in stride(from: 0, to: enterpriseIDs.count, by: 500) {
                let ids = Array(enterpriseIDs[chunk..<min(chunk + 500, enterpriseIDs.count)])
                for e in try await EnterpriseModel.query(on: db).filter(\.$id ~~ ids).field(\.$id).field(\.$countyCode).all() {
                    counties[e.id!] = e.countyCode
                }
            }
            for chunk in stride(from: 0, to: users.count, by: 200) {
                let models = users[chunk..<min(chunk + 200, users.count)].map {
                    UserModel($0, enterpriseCountyCode: $0.enterpriseID.flatMap { counties[$0] })
                }
                try await models.create(on: db)
            }
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "user", entityID: "*",
                                        changes: [FieldChange(field: "count", before: nil, after: String(users.count))], audit: audit)
        }
    }

    public func update(id: UUID, scope: Scope, action: AuditAction, audit: AuditContext,
                       change: @escaping @Sendable (User) throws -> User) async throws -> User {
        try await store.write { db in
            guard let model = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else {
                throw DomainError.notFound(entity: "user")
            }
            let before = try model.domain()
            let after = try change(before)
            model.apply(after)
            try await model.update(on: db)
            var changes = FieldChange.diff(before.auditFields, after.auditFields)
            if before.passwordHash != after.passwordHash {
                changes.append(FieldChange(field: "password", before: nil, after: "changed"))
            }
            if before.failedLogins != after.failedLogins {
                changes.append(FieldChange(field: "failedLogins", before: String(before.failedLogins), after: String(after.failedLogins)))
            }
            try await AuditChain.append(on: db, action: action.rawValue, entityType: "user", entityID: id.uuidString,
                                        changes: changes, audit: audit)
            return after
        }
    }
}

public struct FluentTokenRepository: TokenRepository {
    let store: Store
    /// The API keys found lately (see `APIKeyCache`); nil: each call reads its key.
    let keys: APIKeyCache?

    /// `keyCache`: how long an API key found is used without reading it again. A revocation through
    /// this repository takes effect at once; one made by another instance (PostgreSQL) within that time.
    public init(store: Store, keyCache: Duration = .zero) {
        self.store = store
        keys = keyCache > .zero ? APIKeyCache(keepFor: keyCache) : nil
    }

    // Sessions are not audited records: their writes stay off the audit chain's lock (`bulkWrite`).

    public func createSession(userID: UUID, tokenHash: String, expiresAt: Date) async throws {
        try await store.bulkWrite { db in
            let m = SessionTokenModel()
            m.tokenHash = tokenHash
            m.userID = userID
            m.expiresAt = expiresAt
            try await m.create(on: db)
        }
    }

    public func findSession(tokenHash: String, now: Date) async throws -> User? {
        // Every signed-in request reads this: one plain statement.
        guard let u = try await store.sql.models(UserModel.self, """
            SELECT users.* FROM api_sessions JOIN users ON users.id = api_sessions.user_id
            WHERE api_sessions.token_hash = \(bind: tokenHash) AND api_sessions.expires_at > \(bind: now) LIMIT 1
            """).first, u.active else { return nil }
        return try u.domain()
    }

    public func endSession(tokenHash: String, audit: AuditContext) async throws {
        // The session goes and the sign-out is audited in one transaction: neither without the other.
        try await store.write { db in
            try await SessionTokenModel.query(on: db).filter(\.$tokenHash == tokenHash).delete()
            try await AuditChain.append(on: db, action: AuditAction.logout.rawValue, entityType: "user", entityID: audit.actor.id?.uuidString ?? "",
                                        changes: [], audit: audit)
        }
    }

    public func deleteSessions(userID: UUID, except tokenHash: String?) async throws {
        try await store.bulkWrite { db in
            let q = SessionTokenModel.query(on: db).filter(\.$userID == userID)
            if let tokenHash { q.filter(\.$tokenHash != tokenHash) }
            try await q.delete()
        }
    }

    public func purgeExpired(now: Date) async throws {
        try await store.bulkWrite { db in
            try await SessionTokenModel.query(on: db).filter(\.$expiresAt <= now).delete()
        }
    }

    public func createAPIKey(_ key: APIKey, secretHash: String, audit: AuditContext) async throws {
        try await store.write { db in
            guard let e = try await EnterpriseModel.find(key.enterpriseID, on: db) else { throw DomainError.notFound(entity: "enterprise") }
            let m = APIKeyModel()
            m.id = key.id
            m.name = key.name
            m.enterpriseID = key.enterpriseID
            m.countyCode = e.countyCode
            m.prefix = key.prefix
            m.secretHash = secretHash
            m.createdBy = key.createdBy
            m.createdAt = key.createdAt
            try await m.create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.apiKeyCreate.rawValue, entityType: "apikey",
                                        entityID: key.id.uuidString,
                                        changes: [FieldChange(field: "name", before: nil, after: key.name),
                                                  FieldChange(field: "enterpriseID", before: nil, after: key.enterpriseID.uuidString),
                                                  FieldChange(field: "prefix", before: nil, after: key.prefix)],
                                        audit: audit)
        }
    }

    public func findAPIKey(secretHash: String) async throws -> APIKey? {
        if let key = keys?.get(secretHash) { return key }
        // Noted before the read: a revocation committed while it runs drops what it finds.
        let asked = keys?.revocations
        let key = try await APIKeyModel.query(on: store.database).filter(\.$secretHash == secretHash).filter(\.$revokedAt == nil).first()?.domain()
        if let key, let asked { keys?.put(key, hash: secretHash, ifNoRevocationSince: asked) }
        return key
    }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<APIKeyModel>? {
        let q = APIKeyModel.query(on: db)
        switch scope {
        case .city: return q
        case .county(let c): return q.filter(\.$countyCode == c)
        case .enterprise(let id): return q.filter(\.$enterpriseID == id)
        case .assigned: return nil
        }
    }

    public func listAPIKeys(scope: Scope) async throws -> [APIKey] {
        try await Self.scoped(scope, on: store.database)?.sort(\.$createdAt, .descending).limit(1000).all().map { try $0.domain() } ?? []
    }

    public func revokeAPIKey(id: UUID, scope: Scope, audit: AuditContext) async throws -> APIKey {
        let key = try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "apikey") }
            if m.revokedAt == nil {
                m.revokedAt = audit.at
                try await m.update(on: db)
                try await AuditChain.append(on: db, action: AuditAction.apiKeyRevoke.rawValue, entityType: "apikey", entityID: id.uuidString,
                                            changes: [FieldChange(field: "revokedAt", before: nil, after: ISOTime.string(audit.at))], audit: audit)
            }
            return try m.domain()
        }
        keys?.revoke(id)
        return key
    }

    public func touchAPIKey(id: UUID, at: Date) async throws {
        // Bookkeeping, not a state change worth an audit entry: off the audit chain's lock.
        try await store.bulkWrite { db in
            try await APIKeyModel.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: at).update()
        }
        keys?.touched(id, at: at)
    }
}

/// The API keys found lately, by the hash of their secret. A busy gateway calls many times a second,
/// and each call would otherwise read its key (a round trip on PostgreSQL). An entry is used for
/// `keepFor` (monotonic time) after it was read; a revocation through this process drops the key at
/// once, and a key being read while one commits is not kept. At most `capacity` keys: past that, the
/// least recently used goes.
final class APIKeyCache: Sendable {
    private struct Entry: Sendable {
        var key: APIKey
        let until: ContinuousClock.Instant
    }
    private struct State: Sendable {
        var byHash: RecentlyUsed<String, Entry>
        /// Each kept key's hash, for a revocation or a touch by id; follows `byHash`.
        var hashOf: [UUID: String] = [:]
        var revocations = 0
    }
    private let state: NIOLockedValueBox<State>
    let keepFor: Duration

    init(keepFor: Duration, capacity: Int = 10_000) {
        self.keepFor = keepFor
        state = NIOLockedValueBox(State(byHash: RecentlyUsed(capacity: capacity)))
    }

    func get(_ hash: String) -> APIKey? {
        let now = ContinuousClock.now
        return state.withLockedValue { s in
            guard let e = s.byHash.get(hash) else { return nil }
            guard e.until > now else {
                s.byHash.remove(hash)
                s.hashOf.removeValue(forKey: e.key.id)
                return nil
            }
            return e.key
        }
    }

    /// How many keys are kept.
    var count: Int { state.withLockedValue { $0.byHash.count } }

    /// How many revocations this process has made: read before looking a key up, given back to `put`.
    var revocations: Int { state.withLockedValue { $0.revocations } }

    func put(_ key: APIKey, hash: String, ifNoRevocationSince asked: Int) {
        let until = ContinuousClock.now + keepFor
        state.withLockedValue { s in
            guard s.revocations == asked else { return }
            if let gone = s.byHash.set(hash, Entry(key: key, until: until)), s.hashOf[gone.value.key.id] == gone.key {
                s.hashOf.removeValue(forKey: gone.value.key.id)
            }
            s.hashOf[key.id] = hash
        }
    }

    func revoke(_ id: UUID) {
        state.withLockedValue { s in
            s.revocations &+= 1
            if let hash = s.hashOf.removeValue(forKey: id) { s.byHash.remove(hash) }
        }
    }

    /// Keeps "last used" as stored, so that the next minute's touch is not made on every call.
    func touched(_ id: UUID, at: Date) {
        state.withLockedValue { s in
            if let hash = s.hashOf[id] { s.byHash.update(hash) { $0.key.lastUsedAt = at } }
        }
    }
}
