import FluentKit
import Foundation
import SQLKit
import Testing
import ZhibenDomain
import ZhibenTestSupport
@testable import ZhibenPersistence

@Suite("Audit chain", .serialized)
struct AuditChainTests {
    func seeded(_ t: TestStore) async throws -> FluentAuditRepository {
        _ = try await Fixtures.seed(t.store, count: 6)
        return FluentAuditRepository(store: t.store)
    }

    @Test("an untouched log verifies")
    func intact() async throws {
        try await TestStore.with { t in
            let audit = try await seeded(t)
            #expect(try await audit.verify() == .ok(count: 6))
        }
    }

    @Test("an edited row is named")
    func edited() async throws {
        try await TestStore.with { t in
            let audit = try await seeded(t)
            try await t.store.sql.raw("UPDATE audit_log SET actor_username = 'someone-else' WHERE seq = 3").run()
            guard case .broken(let seq, let reason) = try await audit.verify() else { Issue.record("not detected"); return }
            #expect(seq == 3)
            #expect(reason.contains("edited"))
        }
    }

    @Test("a deleted row is named")
    func deleted() async throws {
        try await TestStore.with { t in
            let audit = try await seeded(t)
            try await t.store.sql.raw("DELETE FROM audit_log WHERE seq = 4").run()
            guard case .broken(let seq, _) = try await audit.verify() else { Issue.record("not detected"); return }
            #expect(seq == 5)
        }
    }

    @Test("a row inserted with a forged hash is named")
    func inserted() async throws {
        try await TestStore.with { t in
            let audit = try await seeded(t)
            // Shift rows 5…6 up and slip a forged row in at 5, as someone covering tracks would.
            try await t.store.sql.raw("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 5").run()
            try await t.store.sql.raw("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 105").run()
            try await t.store.sql.raw("""
                INSERT INTO audit_log (seq, at_ms, actor_kind, actor_username, action, entity_type, entity_id, changes, origin, prev_hash, hash)
                SELECT 5, at_ms, actor_kind, 'forger', action, entity_type, entity_id, changes, origin, hash, 'f00d' FROM audit_log WHERE seq = 4
                """).run()
            guard case .broken(let seq, _) = try await audit.verify() else { Issue.record("not detected"); return }
            #expect(seq == 5)
        }
    }

    @Test("entries filter by actor, action and entity")
    func filters() async throws {
        try await TestStore.with { t in
            let audit = try await seeded(t)
            try await audit.append(action: .loginFailed, entityType: "user", entityID: "u1", changes: [],
                                   audit: AuditContext(actor: .anonymous("mallory"), at: Fixtures.now))
            let page = try await audit.list(AuditQuery(actor: "mallory"))
            #expect(page.total == 1)
            #expect(page.items.first?.action == "login_failed")
            #expect(try await audit.list(AuditQuery(action: "create", entityType: "enterprise")).total == 6)
            #expect(try await audit.verify() == .ok(count: 7))
        }
    }
}

@Suite("Accounts and tokens", .serialized)
struct AccountRepositoryTests {
    @Test("a county administrator's scope holds the county's officers, inspectors and enterprise users only")
    func userScopes() async throws {
        try await TestStore.with { t in
            let enterprises = try await Fixtures.seed(t.store, count: 60)
            let users = FluentUserRepository(store: t.store)
            let accounts = DemoData.accounts(for: enterprises.map(\.profile))
            let ids = Dictionary(uniqueKeysWithValues: enterprises.map { ($0.profile.creditCode, $0.id) })
            try await users.createAll(accounts.map {
                User(username: $0.username, displayName: $0.displayName, role: $0.role, countyCode: $0.countyCode,
                     enterpriseID: $0.enterpriseCreditCode.flatMap { ids[$0] }, passwordHash: "x", createdAt: Fixtures.now)
            }, audit: Fixtures.audit)
            let county = try await users.list(UserQuery(), page: Paging(per: 200), scope: .county("141181"), now: Fixtures.now)
            let expected = 2 + enterprises.filter { $0.profile.countyCode == "141181" }.count
            #expect(county.total == expected)
            let all = try await users.list(UserQuery(), page: Paging(per: 200), scope: .city, now: Fixtures.now)
            #expect(all.total == accounts.count)
            let admin = try #require(try await users.find(username: "admin"))
            #expect(try await users.find(id: admin.id, scope: .county("141181")) == nil)
        }
    }

    @Test("expired session tokens do not authenticate; revoked API keys do not either")
    func tokens() async throws {
        try await TestStore.with { t in
            let enterprises = try await Fixtures.seed(t.store, count: 2)
            let users = FluentUserRepository(store: t.store)
            let tokens = FluentTokenRepository(store: t.store)
            let u = try await users.create(User(username: "u1", displayName: "U", role: .cityOfficer, passwordHash: "x", createdAt: Fixtures.now),
                                           audit: Fixtures.audit)
            try await tokens.createSession(userID: u.id, tokenHash: "h1", expiresAt: Fixtures.now.addingTimeInterval(60))
            #expect(try await tokens.findSession(tokenHash: "h1", now: Fixtures.now)?.id == u.id)
            #expect(try await tokens.findSession(tokenHash: "h1", now: Fixtures.now.addingTimeInterval(61)) == nil)
            let audit = FluentAuditRepository(store: t.store)
            let before = try await audit.list(AuditQuery()).total
            try await tokens.endSession(tokenHash: "h1", audit: Fixtures.audit)
            #expect(try await tokens.findSession(tokenHash: "h1", now: Fixtures.now) == nil)
            let entries = try await audit.list(AuditQuery()).items
            #expect(try await audit.list(AuditQuery()).total == before + 1 && entries.first?.action == AuditAction.logout.rawValue,
                    "the sign-out is audited with the session's end")

            let key = APIKey(name: "gw", enterpriseID: enterprises[0].id, prefix: "abcd", createdBy: "admin", createdAt: Fixtures.now)
            try await tokens.createAPIKey(key, secretHash: "k1", audit: Fixtures.audit)
            #expect(try await tokens.findAPIKey(secretHash: "k1")?.id == key.id)
            let other = enterprises[1].profile.countyCode == enterprises[0].profile.countyCode ? "141100" : enterprises[1].profile.countyCode
            await #expect(throws: DomainError.notFound(entity: "apikey")) {
                _ = try await tokens.revokeAPIKey(id: key.id, scope: .county(other), audit: Fixtures.audit)
            }
            _ = try await tokens.revokeAPIKey(id: key.id, scope: .city, audit: Fixtures.audit)
            #expect(try await tokens.findAPIKey(secretHash: "k1") == nil)
        }
    }

    @Test("API keys kept in memory: a revocation here takes effect at once, one made by another instance once its time kept has passed; last use is kept")
    func apiKeyCache() async throws {
        try await TestStore.with { t in
            let enterprises = try await Fixtures.seed(t.store, count: 1)
            // Three instances' repositories over one database: one keeps keys briefly. The test asserts
            // nothing that a slow machine could make untrue: the others keep theirs for an hour.
            let here = FluentTokenRepository(store: t.store, keyCache: .seconds(3600))
            let there = FluentTokenRepository(store: t.store, keyCache: .seconds(3600))
            let brief = FluentTokenRepository(store: t.store, keyCache: .milliseconds(50))
            let key = APIKey(name: "gw", enterpriseID: enterprises[0].id, prefix: "abcd", createdBy: "admin", createdAt: Fixtures.now)
            try await here.createAPIKey(key, secretHash: "k1", audit: Fixtures.audit)
            #expect(try await here.findAPIKey(secretHash: "k1")?.lastUsedAt == nil)
            #expect(try await there.findAPIKey(secretHash: "k1")?.id == key.id)
            #expect(try await brief.findAPIKey(secretHash: "k1")?.id == key.id)
            try await here.touchAPIKey(id: key.id, at: Fixtures.now)
            #expect(try await here.findAPIKey(secretHash: "k1")?.lastUsedAt == Fixtures.now, "the touch is kept with the key")
            #expect(try await here.findAPIKey(secretHash: "nope") == nil)

            _ = try await here.revokeAPIKey(id: key.id, scope: .city, audit: Fixtures.audit)
            #expect(try await here.findAPIKey(secretHash: "k1") == nil, "revoked here: at once")
            #expect(try await there.findAPIKey(secretHash: "k1")?.id == key.id, "another instance still has it in memory")
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await brief.findAPIKey(secretHash: "k1") == nil, "but not past the time it keeps keys")
            #expect(try await FluentTokenRepository(store: t.store).findAPIKey(secretHash: "k1") == nil)
        }
    }

    @Test("the key cache keeps at most its capacity, the least recently used going first, and nothing read while a revocation commits")
    func apiKeyCacheBounds() {
        let cache = APIKeyCache(keepFor: .seconds(60), capacity: 3)
        let keys = (0..<5).map { APIKey(name: "gw\($0)", enterpriseID: UUID(), prefix: "p\($0)", createdBy: "admin", createdAt: Fixtures.now) }
        for i in 0..<3 { cache.put(keys[i], hash: "h\(i)", ifNoRevocationSince: cache.revocations) }
        #expect(cache.get("h0")?.id == keys[0].id)
        // h0 was used since: h1 and then h2 make room for the next two.
        for i in 3..<5 { cache.put(keys[i], hash: "h\(i)", ifNoRevocationSince: cache.revocations) }
        #expect(cache.count == 3)
        #expect((0..<5).map { cache.get("h\($0)")?.id } == [keys[0].id, nil, nil, keys[3].id, keys[4].id])
        // A touch is kept with the key; a revocation of a key no longer kept leaves the others.
        cache.touched(keys[3].id, at: Fixtures.now)
        #expect(cache.get("h3")?.lastUsedAt == Fixtures.now)
        cache.revoke(keys[1].id)
        #expect(cache.count == 3)
        let asked = cache.revocations
        cache.revoke(keys[0].id)
        let late = APIKey(name: "late", enterpriseID: UUID(), prefix: "late", createdBy: "admin", createdAt: Fixtures.now)
        cache.put(late, hash: "late", ifNoRevocationSince: asked)
        #expect(cache.get("late") == nil, "read before a revocation, kept by no one")
    }

    @Test("concurrent writers keep one unbroken audit chain")
    func concurrentWrites() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 20)
            let repo = FluentEnterpriseRepository(store: t.store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, e) in all.enumerated() {
                    group.addTask {
                        _ = try await repo.update(id: e.id, scope: .city, expectedVersion: nil, action: .update, audit: Fixtures.audit) { x in
                            var n = x
                            n.profile.employees = 1000 + i
                            return n
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await FluentAuditRepository(store: t.store).verify() == .ok(count: 40))
        }
    }
}

@Suite("Group commit of audited writes", .serialized)
struct GroupCommitTests {
    struct Refused: Error {}

    @Test("concurrent writes share commits; one that fails, in Swift or in SQL, is rolled back alone; the chain holds")
    func grouped() async throws {
        try await TestStore.with { t in
            let audit = FluentAuditRepository(store: t.store)
            let before = t.store.stats.snapshot
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<60 {
                    group.addTask {
                        do {
                            try await t.store.write { db in
                                try await AuditChain.append(on: db, action: "create", entityType: "probe", entityID: "w\(i)", changes: [],
                                                            audit: AuditContext(actor: .system, at: Date()))
                                // Every fifth write fails after its entry, half of them in Swift and half in SQL
                                // (which on PostgreSQL aborts the transaction up to the savepoint).
                                if i % 10 == 4 { throw Refused() }
                                if i % 10 == 9 { try await (db as! any SQLDatabase).raw("SELECT * FROM no_such_table").run() }
                            }
                            return (i, true)
                        } catch {
                            return (i, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            let kept = (0..<60).filter { $0 % 10 != 4 && $0 % 10 != 9 }
            #expect(outcomes.filter(\.value).keys.sorted() == kept)
            let stored = try await audit.list(AuditQuery(entityType: "probe", page: Paging(page: 1, per: 100)))
            #expect(Set(stored.items.map(\.entityID)) == Set(kept.map { "w\($0)" }))
            #expect(try await audit.verify() == .ok(count: kept.count))
            let after = t.store.stats.snapshot
            #expect(after.writes - before.writes == 60)
            // Sixty writes at once cannot each have had a commit of their own.
            #expect(after.groups - before.groups < 30)
        }
    }

    @Test("a write alone in its group that fails leaves nothing, and the next write still commits")
    func aloneFails() async throws {
        try await TestStore.with { t in
            let audit = FluentAuditRepository(store: t.store)
            await #expect(throws: Refused.self) {
                try await t.store.write { db in
                    try await AuditChain.append(on: db, action: "create", entityType: "probe", entityID: "gone", changes: [],
                                                audit: AuditContext(actor: .system, at: Date()))
                    throw Refused()
                }
            }
            try await audit.append(action: .create, entityType: "probe", entityID: "kept", changes: [], audit: AuditContext(actor: .system, at: Date()))
            #expect(try await audit.list(AuditQuery(entityType: "probe")).items.map(\.entityID) == ["kept"])
            #expect(try await audit.verify() == .ok(count: 1))
        }
    }
}
