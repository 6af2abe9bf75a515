import Foundation
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("Sign-in, sessions, CSRF, lockout", .serialized)
struct AuthTests {
    @Test("the login page is Chinese, carries a CSRF token, and the cookie is HttpOnly and SameSite=Lax")
    func loginPage() async throws {
        try await Harness.with(enterprises: 5) { h in
            let res = try await h.tester.sendRequest(.GET, "/login")
            #expect(res.status == .ok)
            #expect(res.body.string.contains("<html lang=\"zh-CN\">"))
            #expect(res.body.string.contains("登录"))
            let cookie = try #require(res.headers.setCookie?[Cookies.loginCSRF])
            #expect(cookie.isHTTPOnly)
            #expect(cookie.sameSite == .lax)
            #expect(!cookie.isSecure)
            let secure = try await h.tester.sendRequest(.GET, "/login", headers: ["X-Forwarded-Proto": "https"])
            #expect(secure.headers.setCookie?[Cookies.loginCSRF]?.isSecure == true)
        }
    }

    @Test("signing in starts a new session each time; signing out ends it")
    func sessions() async throws {
        try await Harness.with(enterprises: 5) { h in
            let a = try await h.signIn("city")
            let b = try await h.signIn("city")
            #expect(a.cookies != b.cookies)
            #expect(try await h.get("/enterprises", as: a).status == .ok)
            #expect(try await h.post("/logout", as: a, form: [:]).status == .seeOther)
            let after = try await h.get("/enterprises", as: a)
            #expect(after.status == .seeOther)
            #expect(after.headers.first(name: .location)?.hasPrefix("/login") == true)
            #expect(try await h.get("/enterprises", as: b).status == .ok)
        }
    }

    @Test("a form without the right CSRF token is refused and changes nothing")
    func csrf() async throws {
        try await Harness.with(enterprises: 5) { h in
            let browser = try await h.signIn("city")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 1).first)
            let forged = try await h.post("/enterprises/\(e.id)/deactivate", as: browser, form: ["reason": "伪造请求", "confirm": "yes"], csrf: "wrong")
            #expect(forged.status == .forbidden)
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.active == true)
            let (cookie, _) = try await h.loginForm()
            let noToken = try await h.tester.sendRequest(.POST, "/login", headers: ["Cookie": "\(Cookies.loginCSRF)=\(cookie)"], beforeRequest: { req in
                try req.content.encode(["username": "city", "password": Harness.password], as: .urlEncodedForm)
            })
            #expect(noToken.status == .forbidden)
        }
    }

    @Test("10 failed logins lock the account for 15 minutes; an administrator sees and lifts the lock")
    func lockout() async throws {
        try await Harness.with(enterprises: 5) { h in
            for _ in 1...9 {
                let res = try await h.api(.POST, "/api/v1/session", token: nil, json: ["username": "county-141182", "password": "wrong-password"])
                #expect(res.status == .unauthorized)
            }
            let tenth = try await h.api(.POST, "/api/v1/session", token: nil, json: ["username": "county-141182", "password": "wrong-password"])
            #expect(tenth.status == .locked)
            // Even the right password is refused while locked.
            let right = try await h.api(.POST, "/api/v1/session", token: nil, json: ["username": "county-141182", "password": Harness.password])
            #expect(right.status == .locked)
            #expect(right.headers.contentType?.subType == "problem+json")

            let admin = try await h.token("admin")
            let locked = try await h.api(.GET, "/api/v1/users?locked=true", token: admin)
            let items = try locked.content.get([UserProbe].self, at: "items")
            #expect(items.map(\.username) == ["county-141182"])
            let lockedUser = try #require(items.first)
            #expect(try await h.api(.POST, "/api/v1/users/\(lockedUser.id)/unlock", token: admin).status == .ok)
            _ = try await h.token("county-141182")

            let log = try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "login_failed"))
            #expect(log.total == 11)
            let city = try await h.signIn("city")
            let csv = try await h.get("/audit/export.csv?action=login_failed", as: city)
            #expect(csv.status == .ok)
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == 12)
            #expect(lines.dropFirst().allSatisfy { $0.contains("登录失败") })
            #expect(try await h.get("/audit/export.csv", as: try await h.signIn("county-141181")).status == .forbidden)
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "unlock")).total == 1)
        }
    }

    @Test("an administrator resets a forgotten password within its scope; others may not")
    func resetPassword() async throws {
        try await Harness.with(enterprises: 5) { h in
            let admin = try await h.signIn("admin")
            let user = try #require(try await h.app.zhiben.accounts.users.find(username: "inspector-141181"))
            let short = try await h.post("/users/\(user.id)/password", as: admin, form: ["password": "short"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.body.string.contains("密码至少10位"))
            let signedIn = try await h.signIn("inspector-141181")
            #expect(try await h.post("/users/\(user.id)/password", as: admin, form: ["password": "fresh-password-1"]).status == .seeOther)
            #expect(try await h.get("/enterprises", as: signedIn).status == .seeOther)
            _ = try await h.signIn("inspector-141181", password: "fresh-password-1")
            let county = try await h.token("county-141181")
            #expect(try await h.api(.POST, "/api/v1/users/\(user.id)/password", token: county, json: ["password": "another-pass-2"]).status == .forbidden)
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "password_change", entityID: user.id.uuidString)).total == 1)
        }
    }

    @Test("unknown users and wrong passwords get the same answer")
    func noEnumeration() async throws {
        try await Harness.with(enterprises: 5) { h in
            let unknown = try await h.api(.POST, "/api/v1/session", token: nil, json: ["username": "nobody", "password": "whatever-123"])
            let wrong = try await h.api(.POST, "/api/v1/session", token: nil, json: ["username": "city", "password": "whatever-123"])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.body.string == wrong.body.string)
        }
    }

    @Test("the API needs a bearer token; a signed-out token stops working")
    func bearer() async throws {
        try await Harness.with(enterprises: 5) { h in
            let none = try await h.api(.GET, "/api/v1/enterprises", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(try await h.api(.GET, "/api/v1/enterprises", token: "made-up").status == .unauthorized)
            let token = try await h.token("city")
            #expect(try await h.api(.GET, "/api/v1/me", token: token).status == .ok)
            #expect(try await h.api(.DELETE, "/api/v1/session", token: token).status == .noContent)
            #expect(try await h.api(.GET, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test("passwords are stored as bcrypt hashes and can be changed with the current one")
    func passwords() async throws {
        try await Harness.with(enterprises: 5) { h in
            let user = try #require(try await h.app.zhiben.accounts.users.find(username: "city"))
            #expect(user.passwordHash.hasPrefix("$2"))
            #expect(!user.passwordHash.contains(Harness.password))
            let browser = try await h.signIn("city")
            let elsewhere = try await h.signIn("city")
            let bad = try await h.post("/password", as: browser, form: ["current": "nope", "new": "new-password-9", "confirm": "new-password-9"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("当前密码不正确"))
            let ok = try await h.post("/password", as: browser, form: ["current": Harness.password, "new": "new-password-9", "confirm": "new-password-9"])
            #expect(ok.status == .ok)
            #expect(try await h.get("/enterprises", as: browser).status == .ok)
            #expect(try await h.get("/enterprises", as: elsewhere).status == .seeOther, "other sessions end with the old password")
            _ = try await h.signIn("city", password: "new-password-9")
        }
    }

    @Test("API keys read their own enterprise only, and stop working when revoked")
    func apiKeys() async throws {
        try await Harness.with(enterprises: 20) { h in
            let admin = try await h.token("admin")
            let all = try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 100)
            let issued = try await h.api(.POST, "/api/v1/api-keys", token: admin, json: ["name": "网关1", "enterpriseCreditCode": all[0].profile.creditCode])
            #expect(issued.status == .created)
            let key = try issued.content.get(String.self, at: "key")
            #expect(key.hasPrefix("zbk_"))
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(all[0].id)", token: key).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(all[1].id)", token: key).status == .notFound)
            #expect(try await h.api(.PATCH, "/api/v1/enterprises/\(all[0].id)", token: key, json: ["employees": 1]).status == .forbidden)
            let keys = try await h.app.zhiben.sessions.tokens.listAPIKeys(scope: .city)
            #expect(try await h.api(.DELETE, "/api/v1/api-keys/\(keys[0].id)", token: admin).status == .noContent)
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(all[0].id)", token: key).status == .unauthorized)
            // Only the hash is stored.
            let stored = try await h.app.zhiben.store.sql.raw("SELECT secret_hash FROM api_keys").all()
            #expect(try stored.map { try $0.decode(column: "secret_hash", as: String.self) }.allSatisfy { !$0.contains(key) && $0.count == 64 })
        }
    }

    @Test("switching to English shows English pages and is remembered for the user")
    func english() async throws {
        try await Harness.with(enterprises: 5) { h in
            let browser = try await h.signIn("city")
            #expect(try await h.post("/language", as: browser, form: ["language": "en", "next": "/enterprises"]).status == .seeOther)
            let page = try await h.get("/enterprises", as: browser).body.string
            #expect(page.contains("<html lang=\"en\">"))
            #expect(page.contains("Enterprises"))
            let again = try await h.signIn("city")
            #expect(try await h.get("/overview", as: again).body.string.contains("Registered enterprises"))
        }
    }
}

struct UserProbe: Decodable {
    let id: UUID
    let username: String
}
