import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain
import ZhibenTestSupport

/// A configured app on a fresh database with a small demo data set, as `zhiben serve` would seed it.
struct Harness {
    static let password = "test-password-1"
    let app: Application
    let seeded: DemoSeeder.Result

    var tester: any TestingApplicationTester { get throws { try app.testing() } }

    static func with(enterprises: Int = 60, clock: any WallClock = SystemClock(), configure adjust: (inout AppConfig) -> Void = { _ in },
                     _ body: (Harness) async throws -> Void) async throws {
        var config = AppConfig(demoPassword: password, demoEnterprises: enterprises, maxBodyBytes: 1 << 20, bcryptCost: 4)
        adjust(&config)
        var drop: (@Sendable () async throws -> Void)?
        if let url = TestStore.postgresURL {
            let fresh = try await PostgresAdmin.freshDatabase(url: url)
            config.database = .postgres(url: fresh.url)
            drop = fresh.drop
        } else {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("za-\(UUID().uuidString).sqlite").path
            config.database = .sqlite(path: path)
            drop = { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        }
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: config, clock: clock)
            try await app.autoMigrate()
            // As `serve` does: PostgreSQL's reading partitions for the days around now.
            try await app.zhiben.telemetry.maintain()
            let seeded = try await DemoSeeder.seed(app.zhiben, enterprises: enterprises, logger: app.logger)
            try await body(Harness(app: app, seeded: seeded))
        } catch {
            try? await app.asyncShutdown()
            try? await drop?()
            throw error
        }
        try await app.asyncShutdown()
        try await drop?()
    }

    // MARK: data

    func enterprises(in county: String) async throws -> [Enterprise] {
        try await app.zhiben.enterprises.repository.all(EnterpriseQuery(countyCode: county, includeInactive: true), scope: .city, limit: 1000)
    }

    func enterpriseUsername(_ e: Enterprise) -> String { "ent-" + e.profile.creditCode.lowercased() }

    // MARK: API

    func token(_ username: String) async throws -> String {
        var token = ""
        try await tester.test(.POST, "/api/v1/session", beforeRequest: { req in
            try req.content.encode(["username": username, "password": Self.password])
        }, afterResponse: { res in
            #expect(res.status == .created, "login of \(username)")
            token = try res.content.get(String.self, at: "token")
        })
        return token
    }

    func api(_ method: HTTPMethod, _ path: String, token: String?, json: [String: any Sendable]? = nil,
             body: ByteBuffer? = nil, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var h = headers
        if let token { h.bearerAuthorization = BearerAuthorization(token: token) }
        var buffer = body
        if let json {
            let data = try JSONSerialization.data(withJSONObject: json)
            buffer = ByteBuffer(data: data)
            h.contentType = .json
        }
        return try await tester.sendRequest(method, path, headers: h, body: buffer)
    }

    /// Answers every item of an inspection's checklist over the API, as its officers would before
    /// completing it: the items in `failing` fail, the others pass. Answers the saved inspection.
    @discardableResult
    func answerEveryItem(_ inspectionID: UUID, token: String, failing: Set<String> = []) async throws -> TestingHTTPResponse {
        let current = try await api(.GET, "/api/v1/inspections/\(inspectionID)", token: token)
        let enterpriseID = try current.content.get(UUID.self, at: "enterpriseId")
        let version = try current.content.get(Int.self, at: "version")
        let checklist = try await app.zhiben.hazards.checklist(enterpriseID: enterpriseID, actor: .system).1
        let results = checklist.itemCodes.map { ["item": $0, "outcome": failing.contains($0) ? "fail" : "pass"] }
        let saved = try await api(.PUT, "/api/v1/inspections/\(inspectionID)/results", token: token, json: ["baseVersion": version, "results": results])
        #expect(saved.status == .ok, "\(saved.body.string.prefix(300))")
        return saved
    }

    // MARK: web

    /// A browser's cookie jar and CSRF token after signing in through the login form.
    struct Browser {
        var cookies: [String: String]
        var csrf: String

        var cookieHeader: HTTPHeaders { ["Cookie": cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")] }
    }

    func loginForm() async throws -> (cookie: String, csrf: String) {
        let res = try await tester.sendRequest(.GET, "/login")
        #expect(res.status == .ok)
        let cookie = try #require(res.headers.setCookie?[Cookies.loginCSRF]?.string)
        let csrf = try #require(Self.hiddenCSRF(res.body.string))
        return (cookie, csrf)
    }

    func signIn(_ username: String, password: String = Harness.password) async throws -> Browser {
        let (cookie, csrf) = try await loginForm()
        var session = ""
        try await tester.test(.POST, "/login", headers: ["Cookie": "\(Cookies.loginCSRF)=\(cookie)"], beforeRequest: { req in
            try req.content.encode(["_csrf": csrf, "username": username, "password": password], as: .urlEncodedForm)
        }, afterResponse: { res in
            #expect(res.status == .seeOther, "sign-in of \(username)")
            session = res.headers.setCookie?[Cookies.session]?.string ?? ""
        })
        #expect(!session.isEmpty)
        return Browser(cookies: [Cookies.session: session], csrf: Tokens.csrf(for: session))
    }

    func get(_ path: String, as browser: Browser) async throws -> TestingHTTPResponse {
        try await tester.sendRequest(.GET, path, headers: browser.cookieHeader)
    }

    func post(_ path: String, as browser: Browser, form: [String: String], csrf: String? = nil) async throws -> TestingHTTPResponse {
        var fields = form
        fields["_csrf"] = csrf ?? browser.csrf
        return try await tester.sendRequest(.POST, path, headers: browser.cookieHeader, beforeRequest: { req in
            try req.content.encode(fields, as: .urlEncodedForm)
        })
    }

    static func hiddenCSRF(_ html: String) -> String? {
        guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// Reads an RFC 9457 problem body, which Vapor's content decoders do not know.
struct ProblemProbe: Decodable {
    struct FieldError: Decodable { let field: String; let reason: String; let reasonZh: String }
    let status: Int
    let title: String
    let detail: String?
    let errors: [FieldError]?

    init(_ res: TestingHTTPResponse) throws {
        self = try JSONDecoder().decode(ProblemProbe.self, from: Data(res.body.readableBytesView))
    }
}

/// The real HTTP server on a free loopback port, for requests sent at the same time over the network.
struct LiveServer {
    let app: Application
    let base: String

    static func start(_ h: Harness) async throws -> LiveServer {
        try await h.app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(h.app.http.server.shared.localAddress?.port)
        return LiveServer(app: h.app, base: "http://127.0.0.1:\(port)")
    }

    func stop() async { await app.server.shutdown() }

    /// One request over HTTP; answers the status and the body.
    func send(_ method: HTTPMethod, _ path: String, token: String?, json: [String: any Sendable]? = nil,
              headers extra: HTTPHeaders = [:]) async throws -> (status: HTTPStatus, body: String) {
        var headers = extra
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            headers.contentType = .json
        }
        let res = try await app.client.send(method, headers: headers, to: URI(string: base + path)) { req in req.body = body }
        return (res.status, res.body.map { String(buffer: $0) } ?? "")
    }

    /// The same request `n` times at once; the statuses, sorted.
    func race(_ n: Int = 2, _ method: HTTPMethod, _ path: String, token: String, json: [String: any Sendable]? = nil) async throws -> [UInt] {
        try await withThrowingTaskGroup(of: UInt.self) { group in
            for _ in 0..<n { group.addTask { try await send(method, path, token: token, json: json).status.code } }
            return try await group.reduce(into: [UInt]()) { $0.append($1) }.sorted()
        }
    }
}
