import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Defects found by trying the foundation as an attacker would; each test failed before its fix.
@Suite("Security defects", .serialized)
struct SecurityTests {
    /// A tester over a real socket, so the server sees a peer address (127.0.0.1).
    static func live(_ h: Harness) throws -> any TestingApplicationTester {
        try h.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
    }

    @Test("signing in never redirects to another site: tab, backslash, scheme and // targets go home")
    func openRedirect() async throws {
        try await Harness.with(enterprises: 1) { h in
            for (next, expected) in [("/\t/evil.example", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"),
                                     ("https://evil.example", "/"), ("/\n/evil.example", "/"), ("/ /evil.example", "/"),
                                     ("/enterprises?grade=A", "/enterprises?grade=A")] {
                let (cookie, csrf) = try await h.loginForm()
                let res = try await h.tester.sendRequest(.POST, "/login", headers: ["Cookie": "\(Cookies.loginCSRF)=\(cookie)"], beforeRequest: { req in
                    try req.content.encode(["_csrf": csrf, "username": "city", "password": Harness.password, "next": next], as: .urlEncodedForm)
                })
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == expected, "next=\(next.debugDescription)")
            }
            let form = try await h.tester.sendRequest(.GET, "/login?next=%2F%09%2Fevil.example")
            #expect(form.body.string.contains("name=\"next\" value=\"/\""))
        }
    }

    @Test("search finds names containing _ and %, and those characters match only themselves")
    func likeWildcards() async throws {
        try await Harness.with(enterprises: 5) { h in
            let token = try await h.token("city")
            var body = EnterpriseFlowTests.newEnterprise
            body["name"] = "孝义百分_号%演示有限公司"
            #expect(try await h.api(.POST, "/api/v1/enterprises", token: token, json: body).status == .created)
            for q in ["分_号", "_号%演示", "%演示"] {
                let res = try await h.api(.GET, "/api/v1/enterprises?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: token)
                #expect(try res.content.get(Int.self, at: "total") == 1, "q=\(q)")
            }
            // Unescaped, "_" would match any one character and "%" anything.
            let wildcard = try await h.api(.GET, "/api/v1/enterprises?q=%25", token: token)
            #expect(try wildcard.content.get(Int.self, at: "total") == 1)
            let users = try await h.api(.GET, "/api/v1/users?q=county%5F141181", token: try await h.token("admin"))
            #expect(try users.content.get([UserProbe].self, at: "items").isEmpty, "no account has an underscore in its name")
        }
    }

    @Test("X-Forwarded-For is believed only from a trusted proxy, and then its right-most untrusted hop")
    func forwardedFor() async throws {
        try await Harness.with(enterprises: 1) { h in
            let live = try Self.live(h)
            _ = try await live.sendRequest(.POST, "/api/v1/session", headers: ["X-Forwarded-For": "203.0.113.9", "Content-Type": "application/json"],
                                           body: ByteBuffer(string: #"{"username":"city","password":"\#(Harness.password)"}"#))
            let entry = try #require(try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "login")).items.first)
            #expect(entry.origin == "127.0.0.1")
        }
        try await Harness.with(enterprises: 1, configure: { $0.trustedProxies = ["127.0.0.1"] }) { h in
            let live = try Self.live(h)
            _ = try await live.sendRequest(.POST, "/api/v1/session",
                                           headers: ["X-Forwarded-For": "198.51.100.1, 203.0.113.9", "Content-Type": "application/json"],
                                           body: ByteBuffer(string: #"{"username":"city","password":"\#(Harness.password)"}"#))
            let entry = try #require(try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "login")).items.first)
            #expect(entry.origin == "203.0.113.9")
        }
        #expect(throws: AppConfig.ConfigError.self) { try AppConfig.fromEnvironment(["ZHIBEN_TRUSTED_PROXIES": "10.0.0.1, proxy.local"]) }
        #expect(try AppConfig.fromEnvironment(["ZHIBEN_TRUSTED_PROXIES": "10.0.0.1, ::1"]).trustedProxies == ["10.0.0.1", "::1"])
        #expect(try AppConfig.fromEnvironment([:]).trustedProxies.isEmpty)
    }

    @Test("a PostgreSQL URL without sslmode prefers TLS; sslmode is honoured and checked; so is the pool's size")
    func postgresTLS() throws {
        let plain = try PostgresSSLMode.configuration(url: "postgres://u:p@db.example:5432/zhiben").coreConfiguration.tls
        #expect(plain.isAllowed && !plain.isEnforced)
        let required = try PostgresSSLMode.configuration(url: "postgres://u:p@db.example/zhiben?sslmode=require").coreConfiguration.tls
        #expect(required.isEnforced)
        #expect(try PostgresSSLMode.configuration(url: "postgres://u:p@db.example/zhiben?sslmode=verify-full").coreConfiguration.tls.isEnforced)
        #expect(try !PostgresSSLMode.configuration(url: "postgres://u:p@db.example/zhiben?sslmode=disable").coreConfiguration.tls.isAllowed)
        #expect(throws: AppConfig.ConfigError.self) { try PostgresSSLMode.configuration(url: "postgres://u:p@db.example/zhiben?sslmode=sometimes") }
        #expect(try AppConfig.fromEnvironment([:]).databaseConnections == 4)
        #expect(try AppConfig.fromEnvironment(["ZHIBEN_DB_CONNECTIONS": "8"]).databaseConnections == 8)
        for bad in ["0", "65", "four"] {
            #expect(throws: AppConfig.ConfigError.self) { try AppConfig.fromEnvironment(["ZHIBEN_DB_CONNECTIONS": bad]) }
        }
    }

    @Test("a stranger cannot lock out a named account from one address; guessing from many addresses still locks it")
    func addressThrottle() async throws {
        try await Harness.with(enterprises: 1, configure: { $0.trustedProxies = ["127.0.0.1"] }) { h in
            let live = try Self.live(h)
            func signIn(_ password: String, from address: String) async throws -> TestingHTTPResponse {
                try await live.sendRequest(.POST, "/api/v1/session", headers: ["X-Forwarded-For": address, "Content-Type": "application/json"],
                                           body: ByteBuffer(string: #"{"username":"admin","password":"\#(password)"}"#))
            }
            for _ in 1...LoginPolicy.maxFailuresPerAddress {
                #expect(try await signIn("wrong-password", from: "198.51.100.1").status == .unauthorized)
            }
            let refused = try await signIn("wrong-password", from: "198.51.100.1")
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers.first(name: .retryAfter) ?? "").map { $0 > 0 && $0 <= 900 } == true)
            #expect(try await signIn(Harness.password, from: "198.51.100.1").status == .tooManyRequests)
            #expect(try await signIn(Harness.password, from: "198.51.100.2").status == .created, "the account is not locked")

            // Failures spread over addresses reach the account's own limit.
            var address = 10
            for i in 1...LoginPolicy.maxFailures {
                if i % LoginPolicy.maxFailuresPerAddress == 1 { address += 1 }
                _ = try await signIn("wrong-password", from: "198.51.100.\(address)")
            }
            #expect(try await signIn(Harness.password, from: "198.51.100.99").status == .locked)
        }
    }

    @Test("bcrypt runs on the application's thread pool, not on the threads that serve requests")
    func bcryptOffExecutor() async throws {
        let stopped = NIOThreadPool(numberOfThreads: 1)
        // A pool that is not running refuses work: proof the hasher hands its work to the pool.
        await #expect(throws: (any Error).self) { try await BcryptHasher(cost: 4, pool: stopped).hash("password-123") }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let hasher = BcryptHasher(cost: 4, pool: pool)
        let hash = try await hasher.hash("password-123")
        #expect(try await hasher.verify("password-123", against: hash))
        #expect(try await !hasher.verify("password-124", against: hash))
        try await pool.shutdownGracefully()
    }

    @Test("an enterprise that moves county takes its accounts and API keys into the new county's scope")
    func countyMove() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            _ = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let token = try await h.token("city")
            let moved = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token,
                                        json: ["countyCode": "141182", "township": "文峰街道"])
            #expect(moved.status == .ok)
            func administrator(of county: String) -> Caller {
                Caller(kind: .user, id: nil, username: "t", role: .cityAdmin, scope: .county(county))
            }
            let username = h.enterpriseUsername(e)
            for (county, sees) in [("141182", true), ("141181", false)] {
                let users = try await h.app.zhiben.accounts.list(UserQuery(search: username), page: Paging(), actor: administrator(of: county))
                #expect(users.items.contains { $0.username == username } == sees, "accounts seen from \(county)")
                let keys = try await h.app.zhiben.apiKeys.list(actor: administrator(of: county))
                #expect(keys.contains { $0.enterpriseID == e.id } == sees, "keys seen from \(county)")
            }
            // Its hazards move too, and the counts of both counties stay true.
            let hazards = try await h.app.zhiben.hazards.list(HazardQuery(enterpriseID: e.id), page: Paging(per: 200), actor: administrator(of: "141182").withRole(.countyOfficer))
            #expect(hazards.total > 0 && hazards.items.allSatisfy { $0.countyCode == "141182" })
            try await HazardFlowTests.expectTalliesMatch(h)
            // A short search (which the index answers by county) finds them in the new county only.
            let q = String(e.profile.name.prefix(2)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for (county, sees) in [("141182", true), ("141181", false)] {
                let found = try await h.api(.GET, "/api/v1/hazards?q=\(q)&per=200", token: try await h.token("county-\(county)"))
                let ids = Set(try found.content.get([IDProbe].self, at: "items").map(\.id))
                #expect(hazards.items.allSatisfy { ids.contains($0.id) } == sees, "searched from \(county)")
            }
        }
    }
}

extension Caller {
    func withRole(_ role: Role) -> Caller { Caller(kind: kind, id: id, username: username, role: role, scope: scope) }
}
