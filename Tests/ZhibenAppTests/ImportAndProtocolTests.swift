import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("CSV import", .serialized)
struct ImportTests {
    static func code(_ county: String, _ n: Int) -> String {
        let first = "91\(county)MA" + String(format: "%07d", n)
        return first + String(CreditCode.checkCharacter(for: first)!)
    }

    static func csv(rows: [String]) -> String {
        (["统一社会信用代码,企业名称,所属县（市、区）,行业,专项风险,主要负责人,主要负责人电话"] + rows).joined(separator: "\r\n") + "\r\n"
    }

    static let clean = [
        "\(code("141181", 1)),孝义导入一演示有限公司,孝义市,有色,深井铸造、高温熔融金属,王一,10000000001",
        "\(code("141181", 2)),孝义导入二演示有限公司,141181,机械,,王二,",
        "\(code("141181", 3)),孝义导入三演示有限公司,孝义市,轻工,涉氨制冷,王三,0358-1234567",
    ]

    @Test("a file with one bad credit code imports nothing and names that row and field")
    func oneBadCodeImportsNothing() async throws {
        try await Harness.with(enterprises: 5) { h in
            var rows = Self.clean
            let good = Self.code("141181", 2)
            rows[1] = rows[1].replacingOccurrences(of: good, with: String(good.dropLast()) + (good.last == "0" ? "1" : "0"))
            let token = try await h.token("county-141181")
            let before = try await h.app.zhiben.enterprises.repository.statistics(scope: .city).total
            let res = try await h.api(.POST, "/api/v1/enterprises/import", token: token, body: ByteBuffer(string: Self.csv(rows: rows)),
                                      headers: ["Content-Type": "text/csv"])
            #expect(res.status == .unprocessableEntity)
            let errors = try res.content.get([RowProbe].self, at: "errors")
            #expect(errors.map(\.row) == [3])
            #expect(errors.map(\.field) == ["creditCode"])
            #expect(errors.first?.column == "统一社会信用代码")
            #expect(try res.content.get(Int.self, at: "imported") == 0)
            #expect(try await h.app.zhiben.enterprises.repository.statistics(scope: .city).total == before)

            // The user may then choose to import only the clean rows.
            let valid = try await h.api(.POST, "/api/v1/enterprises/import?mode=valid", token: token,
                                        body: ByteBuffer(string: Self.csv(rows: rows)), headers: ["Content-Type": "text/csv"])
            #expect(valid.status == .created)
            #expect(try valid.content.get(Int.self, at: "imported") == 2)
            #expect(try await h.app.zhiben.enterprises.repository.statistics(scope: .city).total == before + 2)
        }
    }

    @Test("GB18030 from Excel and UTF-8 with BOM both import; Chinese labels are understood")
    func encodings() async throws {
        try await Harness.with(enterprises: 5) { h in
            let token = try await h.token("city")
            let gb = try #require(Self.csv(rows: Array(Self.clean.prefix(2))).data(using: CSV.gb18030))
            let res = try await h.api(.POST, "/api/v1/enterprises/import", token: token, body: ByteBuffer(data: gb), headers: ["Content-Type": "text/csv"])
            #expect(res.status == .created)
            #expect(try res.content.get(String.self, at: "encoding") == "GB18030")
            let bom = Data([0xEF, 0xBB, 0xBF]) + Data(Self.csv(rows: [Self.clean[2]]).utf8)
            let res2 = try await h.api(.POST, "/api/v1/enterprises/import", token: token, body: ByteBuffer(data: bom), headers: ["Content-Type": "text/csv"])
            #expect(res2.status == .created)
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(creditCode: Self.code("141181", 1), scope: .city))
            #expect(e.profile.specialRisks == [.deepWellCasting, .moltenMetal])
            #expect(e.grade == .A)
            #expect(try await h.app.zhiben.auditLog.repository.verify() != .ok(count: 0))
        }
    }

    @Test("a county officer cannot import another county's enterprises, nor codes already registered")
    func scopeAndDuplicates() async throws {
        try await Harness.with(enterprises: 5) { h in
            let existing = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 1).first)
            let rows = [
                "\(Self.code("141182", 9)),汾阳越界演示有限公司,汾阳市,轻工,,赵一,",
                "\(existing.profile.creditCode),重复演示有限公司,孝义市,机械,,赵二,",
            ]
            let token = try await h.token("county-141181")
            let res = try await h.api(.POST, "/api/v1/enterprises/import?dryRun=true", token: token, body: ByteBuffer(string: Self.csv(rows: rows)),
                                      headers: ["Content-Type": "text/csv"])
            let errors = try res.content.get([RowProbe].self, at: "errors")
            #expect(errors.contains { $0.row == 2 && $0.field == "countyCode" })
            #expect(errors.contains { $0.row == 3 && $0.field == "creditCode" })
        }
    }

    @Test("the web import previews every problem, then imports on confirmation")
    func webImport() async throws {
        try await Harness.with(enterprises: 5) { h in
            let browser = try await h.signIn("county-141181")
            let boundary = "zhibenboundary"
            func multipart(_ csv: String) -> ByteBuffer {
                ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(browser.csrf)\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.csv\"\r\nContent-Type: text/csv\r\n\r\n\(csv)\r\n--\(boundary)--\r\n")
            }
            var headers = browser.cookieHeader
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            let preview = try await h.tester.sendRequest(.POST, "/enterprises/import", headers: headers, body: multipart(Self.csv(rows: Self.clean)))
            #expect(preview.status == .ok)
            let html = preview.body.string
            #expect(html.contains("3 行无误"))
            #expect(try await h.app.zhiben.enterprises.repository.find(creditCode: Self.code("141181", 1), scope: .city) == nil)
            // The confirmation names the file kept on the server; it does not carry the file again.
            #expect(!html.contains("name=\"data\""))
            let upload = try #require(html.range(of: "name=\"upload\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            let otherUser = try await h.signIn("city")
            let stolen = try await h.post("/enterprises/import", as: otherUser, form: ["upload": upload, "mode": "all"])
            #expect(stolen.status == .unprocessableEntity, "another account cannot confirm someone else's upload")
            let done = try await h.post("/enterprises/import", as: browser, form: ["upload": upload, "mode": "all"])
            #expect(done.status == .ok)
            #expect(done.body.string.contains("已导入 3 家企业"))
            #expect(try await h.app.zhiben.enterprises.repository.find(creditCode: Self.code("141181", 3), scope: .city) != nil)
        }
    }
}

@Suite("HTTP protocol, health, metrics, API document", .serialized)
struct ProtocolTests {
    @Test("health and readiness")
    func health() async throws {
        try await Harness.with(enterprises: 1) { h in
            let t = try h.tester
            #expect(try await t.sendRequest(.GET, "/healthz").status == .ok)
            #expect(try await t.sendRequest(.GET, "/readyz").status == .ok)
        }
    }

    @Test("SQLite runs in WAL mode with synchronous=FULL, so an acknowledged write is durable")
    func durability() async throws {
        try await Harness.with(enterprises: 1) { h in
            guard h.app.zhiben.store.engine == .sqlite else { return }
            let mode = try await h.app.zhiben.store.sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            #expect(mode == "wal")
            let sync = try await h.app.zhiben.store.sql.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
            #expect(sync == 2)
        }
    }

    @Test("metrics are Prometheus text with request counts and latencies")
    func metrics() async throws {
        try await Harness.with(enterprises: 1) { h in
            _ = try await h.tester.sendRequest(.GET, "/login")
            // Over real HTTP from loopback: /metrics answers loopback and its configured scrapers only.
            let live = try await LiveServer.start(h)
            let res = try await live.send(.GET, "/metrics", token: nil)
            await live.stop()
            #expect(res.status == .ok)
            #expect(res.body.contains("http_requests_total"))
            #expect(res.body.contains("http_request_duration_seconds"))
            // Every metric is explained (what promtool's linter asks), and the domain's figures are there.
            let lines = res.body.split(separator: "\n")
            let typed = Set(lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
            let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
            #expect(!typed.isEmpty && typed == helped)
            for name in ["zhiben_alarms_unacknowledged", "zhiben_alarms_raised", "zhiben_alarm_escalations", "zhiben_pending_evaluations",
                         "zhiben_engine_leases_held", "zhiben_write_gate_wait_seconds", "zhiben_checkpoint_frames_behind"] {
                #expect(typed.contains(Substring(name)), "\(name)")
            }
            // The unacknowledged alarms equal a direct count.
            struct N: Decodable { let n: Int }
            let direct = try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM alarms WHERE state = 'active' AND level = 1").first(decoding: N.self)?.n ?? -1
            #expect(lines.contains { $0 == "zhiben_alarms_unacknowledged{level=\"1\"} \(direct)" || $0 == "zhiben_alarms_unacknowledged{level=\"1\"} \(direct).0" })
            #expect(try await h.tester.sendRequest(.GET, "/metrics").status == .forbidden, "a request with no peer address is nobody's")
        }
    }

    @Test("unknown routes answer 404, a wrong method 405 with Allow, no stack trace anywhere")
    func notFoundAndMethod() async throws {
        try await Harness.with(enterprises: 1) { h in
            let token = try await h.token("city")
            let missing = try await h.api(.GET, "/api/v1/nothing-here", token: token)
            #expect(missing.status == .notFound)
            #expect(missing.headers.contentType?.subType == "problem+json")
            let wrong = try await h.api(.PUT, "/api/v1/enterprises", token: token)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers.first(name: "Allow")?.contains("GET") == true)
            let page = try await h.tester.sendRequest(.GET, "/no-such-page")
            #expect(page.status == .notFound)
            #expect(page.body.string.contains("没有找到"))
            let badID = try await h.api(.GET, "/api/v1/enterprises/not-a-uuid", token: token)
            #expect(badID.status == .notFound)
            // `export.csv` is no record id: PATCH /enterprises/:id is not among this path's methods.
            let patchExport = try await h.api(.PATCH, "/api/v1/enterprises/export.csv", token: token)
            #expect(patchExport.status == .methodNotAllowed)
            #expect(patchExport.headers.first(name: "Allow") == "GET")
            let options = try await h.api(.OPTIONS, "/api/v1/monitoring-points/export.csv", token: token)
            #expect(options.headers.first(name: "Allow") == "GET")
            let nullIDs = try await h.api(.POST, "/api/v1/notifications/read", token: token, body: ByteBuffer(string: #"{"ids": null}"#),
                                    headers: ["Content-Type": "application/json"])
            #expect(nullIDs.status == .badRequest, "null is not a list of ids")
        }
    }

    @Test("null is no value for a declared member of a POST or PUT body (400 naming it, nothing written); undeclared members are ignored; a limit may be null")
    func nullMembers() async throws {
        try await Harness.with(enterprises: 4) { h in
            let city = try await h.token("city")
            func raw(_ method: HTTPMethod, _ path: String, _ token: String, _ json: String) async throws -> TestingHTTPResponse {
                try await h.api(method, path, token: token, body: ByteBuffer(string: json), headers: ["Content-Type": "application/json"])
            }
            let drawsBefore = try await h.api(.GET, "/api/v1/draws", token: city).content.get(Int.self, at: "total")
            let nullTitle = try await raw(.POST, "/api/v1/draws", city, #"{"title": null, "size": 1}"#)
            #expect(nullTitle.status == .badRequest)
            #expect(try ProblemProbe(nullTitle).errors?.first?.field == "title")
            #expect(try ProblemProbe(nullTitle).errors?.first?.reason == "null is not a value here; leave the member out")
            let nestedNull = try await raw(.POST, "/api/v1/draws", city, #"{"title": "抽查", "size": 1, "grades": ["A", null]}"#)
            #expect(nestedNull.status == .badRequest)
            #expect(try await h.api(.GET, "/api/v1/draws", token: city).content.get(Int.self, at: "total") == drawsBefore, "nothing written")
            // A member the body type does not declare is ignored, null or not.
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let point = try await raw(.POST, "/api/v1/monitoring-points", company,
                                      #"{"code": "T-NULL-1", "name": "灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60, "note": null, "limits": {"low": null, "high": 70.0, "highHigh": null}}"#)
            #expect(point.status == .created, "\(point.body.string)")
            let nullLimits = try await raw(.POST, "/api/v1/monitoring-points", company,
                                           #"{"code": "T-NULL-2", "name": "灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "limits": null}"#)
            #expect(nullLimits.status == .badRequest, "limits is an object; its members may be null, it may not")
        }
    }

    @Test("a maximum length holds for the text as sent, white space at the ends included; a body without a required member is refused before any version is compared")
    func textAsSent() async throws {
        try await Harness.with(enterprises: 4) { h in
            let city = try await h.token("city")
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let padded = "停产整顿" + String(repeating: "\u{0B}", count: 600)
            let res = try await h.api(.POST, "/api/v1/enterprises/\(e.id)/deactivate", token: city, json: ["reason": padded])
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            #expect(try ProblemProbe(res).errors?.first?.field == "reason")
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.active == true, "nothing written")
            let title = "检查" + String(repeating: " ", count: 120)
            let draw = try await h.api(.POST, "/api/v1/draws", token: city, json: ["title": title, "size": 1])
            #expect(draw.status == .unprocessableEntity)

            // The body is read first: whichever inspection it names, a body without results is a 400.
            let missing = try await h.api(.PUT, "/api/v1/inspections/\(UUID())/results", token: city, json: ["baseVersion": 0, "summary": ""])
            #expect(missing.status == .badRequest, "results is required: refused, not compared (412)")
        }
    }

    @Test("bodies over the configured limit answer 413, over a real socket")
    func bodyLimit() async throws {
        try await Harness.with(enterprises: 1) { h in
            let token = try await h.token("city")
            let live = try h.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 2 << 20)
            var headers: HTTPHeaders = ["Content-Type": "text/csv"]
            headers.bearerAuthorization = BearerAuthorization(token: token)
            let res = try await live.sendRequest(.POST, "/api/v1/enterprises/import", headers: headers, body: big)
            #expect(res.status == .payloadTooLarge)
            headers.contentType = .json
            let json = try await live.sendRequest(.POST, "/api/v1/enterprises", headers: headers, body: big)
            #expect(json.status == .payloadTooLarge)
        }
    }

    @Test("every page renders as HTML, never as escaped markup")
    func pagesRender() async throws {
        try await Harness.with(enterprises: 10) { h in
            let city = try await h.signIn("city")
            let admin = try await h.signIn("admin")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 1).first)
            let hazard = try #require(try await h.app.zhiben.hazards.repository.all(HazardQuery(states: [.rectifying, .acknowledged, .judged]), scope: .city,
                                                                                   now: h.app.zhiben.clock.now(), limit: 1).first)
            // A reported one, whose page offers the county the expert assignment.
            let reported = try #require(try await h.app.zhiben.hazards.repository.all(HazardQuery(states: [.reported]), scope: .city,
                                                                                     now: h.app.zhiben.clock.now(), limit: 1).first)
            let reportedCounty = try await h.signIn("county-\(reported.countyCode)")
            let expert = try await h.signIn("expert-1")
            let county = try await h.signIn("county-\(hazard.countyCode)")
            let company = try await h.signIn("ent-" + (try #require(try await h.app.zhiben.enterprises.repository.find(id: hazard.enterpriseID, scope: .city))).profile.creditCode.lowercased())
            let pages: [(Harness.Browser, String)] = [
                (city, "/"), (city, "/enterprises"), (city, "/enterprises?q=zzz"), (city, "/enterprises/new"), (city, "/enterprises/\(e.id)"),
                (city, "/enterprises/\(e.id)/edit"), (city, "/enterprises/import"), (city, "/audit"), (city, "/password"),
                (admin, "/users"), (admin, "/api-keys"), (admin, "/audit?action=login"),
                (city, "/hazards"), (city, "/hazards?state=open&overdue=1"), (city, "/hazards/print?level=major"), (city, "/hazards/zeroing"),
                (city, "/hazard-criteria?q=粉尘".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!), (city, "/checklists"),
                (city, "/checklists/metallurgy"), (city, "/enterprises/\(e.id)/checklist"), (city, "/notifications"), (city, "/self-inspections"),
                (city, "/internal-reports"), (city, "/hazards/new?enterprise=\(e.id)"), (county, "/hazards/\(hazard.id)"), (county, "/self-inspections"),
                (company, "/hazards/\(hazard.id)"), (company, "/self-inspections"), (company, "/internal-reports"), (company, "/hazards/new"),
                (reportedCounty, "/hazards/\(reported.id)"), (expert, "/hazards"), (city, "/monitoring/points"), (company, "/monitoring/points"),
                (company, "/monitoring/points/new"), (city, "/monitoring/points?indicator=DUST-SMOKE&q=x"), (city, "/monitoring/alarms"), (company, "/monitoring/alarms?out=1&level=1"), (county, "/monitoring/alarms?state=active"), (expert, "/enterprises"), (expert, "/notifications"),
                (city, "/"), (county, "/"), (company, "/"), (expert, "/"), (city, "/overview"), (county, "/workbench/judgeHazard"),
            ]
            #expect(try await h.get("/", as: expert).body.string.contains("工作台"), "experts land on their workbench")
            for (browser, path) in pages {
                let res = try await h.get(path, as: browser)
                #expect(res.status == .ok, "\(path)")
                let html = res.body.string
                #expect(!html.contains("&lt;form") && !html.contains("&lt;div") && !html.contains("&lt;p") && !html.contains("HTML(raw"), "\(path)")
                #expect(html.contains("<main id=\"main\">"), "\(path)")
                // Labels point at ids: every id on a page must be unique.
                let ids = html.components(separatedBy: " id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                #expect(Set(ids).count == ids.count, "\(path): duplicate ids \(Dictionary(grouping: ids, by: { $0 }).filter { $1.count > 1 }.keys)")
            }
        }
    }

    @Test("openapi.yaml is served and lists exactly the API's routes and methods")
    func openAPIMatchesRoutes() async throws {
        try await Harness.with(enterprises: 1) { h in
            let res = try await h.tester.sendRequest(.GET, "/api/v1/openapi.yaml")
            #expect(res.status == .ok)
            let documented = Self.operations(inYAML: res.body.string)
            let routed = Set(h.app.routes.all.compactMap { r -> String? in
                let path = "/" + r.path.map { c -> String in
                    if case .parameter(let name) = c { return "{\(name)}" }
                    return c.description
                }.joined(separator: "/")
                guard path.hasPrefix("/api/v1/") else { return nil }
                return "\(r.method.rawValue) \(path.dropFirst("/api/v1".count))"
            })
            #expect(!documented.isEmpty)
            #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed))")
            #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented))")
        }
    }

    /// "METHOD /path" for every operation under `paths:`.
    static func operations(inYAML text: String) -> Set<String> {
        var ops = Set<String>()
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) { ops.insert("\(key.uppercased()) \(path)") }
            }
        }
        return ops
    }
}

struct RowProbe: Decodable {
    let row: Int
    let column: String
    let field: String
}

@Suite("Demo seeding", .serialized)
struct SeedingTests {
    @Test("seeding again keeps what exists, adds the rest, binds every enterprise account and keeps the chain")
    func reseed() async throws {
        try await Harness.with(enterprises: 10) { h in
            let again = try await DemoSeeder.seed(h.app.zhiben, enterprises: 25, logger: h.app.logger)
            #expect(again.enterprises == 15)
            #expect(try await h.app.zhiben.enterprises.statistics(actor: .system).total == 25)
            #expect(try await h.app.zhiben.accounts.users.count() == again.accounts.count)
            let unbound = try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'enterpriseUser' AND enterprise_id IS NULL")
                .first()?.decode(column: "n", as: Int.self)
            #expect(unbound == 0)
            #expect(try await h.app.zhiben.auditLog.repository.verify() != .ok(count: 0))
            if case .broken(let seq, let reason) = try await h.app.zhiben.auditLog.repository.verify() { Issue.record("chain broken at \(seq): \(reason)") }
        }
    }
}
