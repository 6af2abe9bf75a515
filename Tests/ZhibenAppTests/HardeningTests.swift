import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// What an attacker and a strict API client found: each test failed before its fix.
@Suite("hardening: defects found by an attacker and a strict client")
struct HardeningTests {
    @Test("the expert pool is the city's: a county reads it but cannot add or change an entry; userId names an active expert account linked to no other entry, null clears it")
    func expertPoolIsTheCitys() async throws {
        try await Harness.with(enterprises: 20) { h in
            let county = try await h.token("county-141181")
            let city = try await h.token("city")
            let experts = try await h.app.zhiben.people.repository.allExperts()
            let other = try #require(experts.first { $0.available && $0.userID == nil })
            let auditBefore = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: other.id.uuidString)).total

            #expect(try await h.api(.GET, "/api/v1/experts/\(other.id)", token: county).status == .ok, "counties read the pool")
            let off = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: county, json: ["version": other.version, "available": false])
            #expect(off.status == .forbidden)
            let created = try await h.api(.POST, "/api/v1/experts", token: county, json: ["name": "县里加的专家", "specialties": ["dust"]])
            #expect(created.status == .forbidden)
            let expert2 = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-2"))
            let hijack = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: county, json: ["version": other.version, "userId": expert2.id.uuidString])
            #expect(hijack.status == .forbidden)
            let stored = try #require(try await h.app.zhiben.people.repository.expert(id: other.id, scope: .city))
            #expect(stored == other, "nothing changed")
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: other.id.uuidString)).total == auditBefore)
            // The pages: no edit link, no add form, no edit page for a county.
            let countyPage = try await h.signIn("county-141181")
            let list = try await h.get("/enforcement/experts", as: countyPage).body.string
            #expect(!list.contains("/enforcement/experts/\(other.id.uuidString)") && !list.contains("登记专家"))
            #expect(try await h.get("/enforcement/experts/\(other.id)", as: countyPage).status == .forbidden)
            #expect(try await h.post("/enforcement/experts/\(other.id)", as: countyPage, form: ["version": String(other.version), "name": other.name,
                                                                                                  "specialties": "dust"]).status == .forbidden)

            // The city: userId must be an active expert account linked to no other entry.
            let linkedElsewhere = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: city, json: ["version": other.version, "userId": expert2.id.uuidString])
            #expect(linkedElsewhere.status == .unprocessableEntity)
            #expect(try ProblemProbe(linkedElsewhere).errors?.map(\.field) == ["userId"])
            let countyAccount = try #require(try await h.app.zhiben.accounts.users.find(username: "county-141182"))
            let notExpert = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: city, json: ["version": other.version, "userId": countyAccount.id.uuidString])
            #expect(notExpert.status == .unprocessableEntity)
            #expect(try ProblemProbe(notExpert).errors?.map(\.field) == ["userId"])
            let nobody = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: city, json: ["version": other.version, "userId": UUID().uuidString])
            #expect(nobody.status == .unprocessableEntity)

            // A fresh expert account can be linked, and null removes the link again (merge patch).
            let fresh = try await h.api(.POST, "/api/v1/users", token: try await h.token("admin"),
                                        json: ["username": "expert-new", "role": "expert", "displayName": "新专家", "password": "a-long-password-1"])
            #expect(fresh.status == .created, "\(fresh.body.string.prefix(300))")
            let freshID = try fresh.content.get(UUID.self, at: "id")
            let linked = try await h.api(.PATCH, "/api/v1/experts/\(other.id)", token: city, json: ["version": other.version, "userId": freshID.uuidString])
            #expect(linked.status == .ok, "\(linked.body.string.prefix(300))")
            #expect(try linked.content.get(UUID?.self, at: "userId") == freshID)
            var headers: HTTPHeaders = ["Content-Type": "application/merge-patch+json"]
            headers.bearerAuthorization = BearerAuthorization(token: city)
            let unlinked = try await h.tester.sendRequest(.PATCH, "/api/v1/experts/\(other.id)", headers: headers,
                                                          body: ByteBuffer(string: #"{"version": \#(other.version + 1), "userId": null}"#))
            #expect(unlinked.status == .ok, "\(unlinked.body.string.prefix(300))")
            #expect(try await h.app.zhiben.people.repository.expert(id: other.id, scope: .city)?.userID == nil)
            #expect(try await h.app.zhiben.people.repository.expert(id: other.id, scope: .city)?.name == other.name, "absent fields stay")
            let clearName = try await h.tester.sendRequest(.PATCH, "/api/v1/experts/\(other.id)", headers: headers,
                                                           body: ByteBuffer(string: #"{"version": \#(other.version + 2), "name": null}"#))
            #expect(clearName.status == .unprocessableEntity)
            #expect(try ProblemProbe(clearName).errors?.map(\.field) == ["name"])
        }
    }

    @Test("a cross-county inspection: the county lending its officers sees it and works it, but only the enterprise's county (or the city) cancels it or records penalties")
    func crossCountyDecisions() async throws {
        try await Harness.with(enterprises: 30) { h in
            let city = try await h.token("city")
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let borrowed = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141182"]).filter { $0.drawable(on: ChinaTime.day(Date())) }
            func arrange() async throws -> UUID {
                let made = try await h.api(.POST, "/api/v1/inspections", token: city, json: ["enterpriseId": e.id.uuidString, "style": "crossCounty",
                                                                                            "inspectors": borrowed.prefix(2).map(\.id.uuidString), "plannedOn": "2026-12-20"])
                #expect(made.status == .created, "\(made.body.string.prefix(300))")
                return try made.content.get(UUID.self, at: "id")
            }
            let id = try await arrange()
            let lender = try await h.token("county-141182")
            let lenderInspector = try await h.token("inspector-141182")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: lender).status == .ok, "seeing it is right")
            let cancel = try await h.api(.POST, "/api/v1/inspections/\(id)/transitions", token: lender, json: ["action": "cancel"])
            #expect(cancel.status == .forbidden)
            #expect(try await h.app.zhiben.inspections.repository.find(id: id, scope: .city)?.state == .planned)
            // The borrowed officers work it in the field and complete it.
            #expect(try await h.api(.POST, "/api/v1/inspections/\(id)/transitions", token: lenderInspector, json: ["action": "start"]).status == .ok)
            try await h.answerEveryItem(id, token: lenderInspector)
            #expect(try await h.api(.POST, "/api/v1/inspections/\(id)/transitions", token: lenderInspector, json: ["action": "complete"]).status == .ok)
            let penalty: [String: any Sendable] = ["caseNo": "吕应急罚〔2026〕99号", "legalBasis": "《安全生产法》第一百零二条", "enterpriseFine": 50000,
                                                   "principalName": "张三", "principalFine": 8000, "decidedOn": "2026-12-21"]
            for token in [lender, lenderInspector] {
                let refused = try await h.api(.POST, "/api/v1/inspections/\(id)/penalties", token: token, json: penalty)
                #expect(refused.status == .forbidden)
            }
            #expect(try await h.app.zhiben.penalties.penalties(inspectionID: id, actor: .system).isEmpty)
            let page = try await h.get("/enforcement/inspections/\(id)", as: try await h.signIn("county-141182")).body.string
            #expect(!page.contains("记录处罚决定"), "no penalty form for the lending county")
            // The enterprise's county decides.
            let decided = try await h.api(.POST, "/api/v1/inspections/\(id)/penalties", token: try await h.token("county-141181"), json: penalty)
            #expect(decided.status == .created, "\(decided.body.string.prefix(300))")
            let other = try await arrange()
            #expect(try await h.api(.POST, "/api/v1/inspections/\(other)/transitions", token: try await h.token("county-141181"), json: ["action": "cancel"]).status == .ok)
        }
    }

    @Test("the style sheet and script are served to GET and HEAD; other methods, other paths and paths climbing out go to the routes or are refused")
    func publicFiles() async throws {
        try await Harness.with(enterprises: 2) { h in
            let css = try await h.tester.sendRequest(.GET, "/css/app.css")
            #expect(css.status == .ok && css.headers.contentType?.subType == "css" && !css.body.string.isEmpty)
            #expect(try await h.tester.sendRequest(.HEAD, "/js/app.js").status == .ok)
            #expect(try await h.tester.sendRequest(.GET, "/%63ss/app.css").status == .ok, "percent-encoded as FileMiddleware reads it")
            #expect(try await h.tester.sendRequest(.GET, "/css/none.css").status == .notFound)
            #expect(try await h.tester.sendRequest(.GET, "/css/../../Package.swift").status != .ok)
            #expect(try await h.tester.sendRequest(.POST, "/css/app.css").status != .ok)
            #expect(PublicFilesMiddleware.firstComponent(of: "//js/app.js") == "js")
            #expect(PublicFilesMiddleware.firstComponent(of: "/api/v1/telemetry") == "api")
        }
    }

    @Test("/metrics answers loopback and the configured scrapers only; through an unnamed proxy nobody; ZHIBEN_METRICS_ALLOW takes addresses and IPv4 ranges")
    func metricsAccess() async throws {
        try await Harness.with(enterprises: 1, configure: { c in
            c.trustedProxies = ["127.0.0.1"]
            c.metricsAllow = ["10.20.0.0/16", "2001:db8::7"].compactMap(AppConfig.AddressRange.init)
        }) { h in
            let live = try await LiveServer.start(h)
            #expect(try await live.send(.GET, "/metrics", token: nil).status == .ok, "loopback")
            let outsider = try await live.send(.GET, "/metrics", token: nil, headers: ["X-Forwarded-For": "203.0.113.9", "Accept": "application/json"])
            #expect(outsider.status == .forbidden && outsider.body.contains("ZHIBEN_METRICS_ALLOW"), "\(outsider.body)")
            #expect(try await live.send(.GET, "/metrics", token: nil, headers: ["X-Forwarded-For": "10.20.3.4"]).status == .ok, "a configured range")
            #expect(try await live.send(.GET, "/metrics", token: nil, headers: ["X-Forwarded-For": "10.21.3.4"]).status == .forbidden)
            #expect(try await live.send(.GET, "/metrics", token: nil, headers: ["X-Forwarded-For": "2001:db8::7"]).status == .ok)
            await live.stop()
        }
        try await Harness.with(enterprises: 1) { h in
            let live = try await LiveServer.start(h)
            // A proxy on this machine that is not named as trusted: its clients are not loopback.
            #expect(try await live.send(.GET, "/metrics", token: nil, headers: ["X-Forwarded-For": "127.0.0.1"]).status == .forbidden)
            #expect(try await live.send(.GET, "/metrics", token: nil, headers: ["Forwarded": "for=198.51.100.2"]).status == .forbidden)
            await live.stop()
        }
        #expect(AppConfig.AddressRange("10.0.0.0/33") == nil && AppConfig.AddressRange("example.org") == nil)
        #expect(AppConfig.AddressRange.isLoopback("127.8.9.1") && AppConfig.AddressRange.isLoopback("::ffff:127.0.0.1") && !AppConfig.AddressRange.isLoopback("128.0.0.1"))
        #expect(throws: AppConfig.ConfigError.self) { try AppConfig.fromEnvironment(["ZHIBEN_METRICS_ALLOW": "10.0.0.0/8, nonsense"]) }
        #expect(try AppConfig.fromEnvironment(["ZHIBEN_METRICS_ALLOW": "10.0.0.0/8, 192.0.2.5"]).metricsAllow.count == 2)
    }

    @Test("a provincial code registered by another enterprise is refused without naming that enterprise")
    func provincialCodeDoesNotLeak() async throws {
        try await Harness.with(enterprises: 20) { h in
            let a = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let b = try #require(try await h.enterprises(in: "141182").first { $0.active })
            let first = try await h.api(.PUT, "/api/v1/enterprises/\(b.id)/provincial-link", token: try await h.token(h.enterpriseUsername(b)),
                                        json: ["qybm": "130102000077", "key": "Zb2026!k"])
            #expect(first.status == .created, "\(first.body.string.prefix(300))")
            let taken = try await h.api(.PUT, "/api/v1/enterprises/\(a.id)/provincial-link", token: try await h.token(h.enterpriseUsername(a)),
                                        json: ["qybm": "130102000077", "key": "Ab2026!k"])
            #expect(taken.status == .conflict)
            #expect(!taken.body.string.contains(b.profile.name) && taken.body.string.contains("另一家企业"))
        }
    }

    @Test("a filter that is given but not understood answers 400 naming the parameter and the allowed values, on the API, its exports and the pages; never the unfiltered list")
    func strictFilters() async throws {
        try await Harness.with(enterprises: 10) { h in
            let city = try await h.token("city")
            let cases: [(String, String)] = [
                ("/api/v1/enterprises?risk=dust", "risk"), ("/api/v1/enterprises?county=999999", "county"),
                ("/api/v1/enterprises?inactive=null", "inactive"), ("/api/v1/enterprises?sort=bogus", "sort"),
                ("/api/v1/enterprises?per=201", "per"), ("/api/v1/enterprises?per=0", "per"), ("/api/v1/enterprises?page=x", "page"),
                ("/api/v1/enterprises/export.csv?county=nowhere", "county"),
                ("/api/v1/hazards?enterprise=not-a-uuid", "enterprise"), ("/api/v1/hazards?status=x&state=AAA", "state"),
                ("/api/v1/hazards?state=reported&state=judged", "state"), ("/api/v1/hazards?overdue=maybe", "overdue"),
                ("/api/v1/hazards/export.csv?enterprise=not-a-uuid", "enterprise"), ("/api/v1/hazards?foundAfter=yesterday", "foundAfter"),
                ("/api/v1/hazard-criteria?group=AAA", "group"), ("/api/v1/alarms?state=AAA", "state"), ("/api/v1/alarms?level=7", "level"),
                ("/api/v1/monitoring-points?indicator=NOPE", "indicator"), ("/api/v1/inspections?state=AAA", "state"),
                ("/api/v1/inspections?draw=42", "draw"), ("/api/v1/experts?specialty=AAA", "specialty"), ("/api/v1/users?role=AAA", "role"),
            ]
            for (path, field) in cases {
                let res = try await h.api(.GET, path, token: city)
                #expect(res.status == .badRequest, "\(path) answered \(res.status.code)")
                #expect(try ProblemProbe(res).errors?.map(\.field) == [field], "\(path)")
            }
            let risk = try await h.api(.GET, "/api/v1/enterprises?risk=dust", token: city)
            #expect(risk.body.string.contains("combustibleDust"), "the allowed values are named")
            // Right values still filter. A blank typed parameter is refused on the API (the document says what it is), and means
            // "any" on a page (what an empty filter field sends).
            #expect(try await h.api(.GET, "/api/v1/enterprises?risk=combustibleDust&inactive=true&per=200", token: city).status == .ok)
            let blank = try await h.api(.GET, "/api/v1/enterprises?county=", token: city)
            #expect(blank.status == .badRequest)
            #expect(try ProblemProbe(blank).errors?.map(\.field) == ["county"])
            #expect(try await h.get("/enterprises?county=&risk=", as: try await h.signIn("city")).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/hazards?state=open&overdue=false", token: city).status == .ok)
            // The pages say the same instead of an unfiltered list.
            let browser = try await h.signIn("city")
            let page = try await h.get("/enterprises?risk=dust", as: browser)
            #expect(page.status == .badRequest && page.body.string.contains("risk"))
            #expect(try await h.get("/hazards?enterprise=not-a-uuid", as: browser).status == .badRequest)
        }
    }

    /// A clock the test moves forward.
    final class MovableClock: WallClock, @unchecked Sendable {
        private let lock = NSLock()
        private var offset: TimeInterval = 0
        func now() -> Date { lock.withLock { Date().addingTimeInterval(offset) } }
        func advance(_ seconds: TimeInterval) { lock.withLock { offset += seconds } }
    }

    @Test("一公开 beyond the commitment: a draw over a pool overlapping one revealed in 30 days needs a published reason; a draw not revealed in 24 hours, or not followed by inspections in 30 days, is marked on the public page with counts per county")
    func drawFairness() async throws {
        let clock = MovableClock()
        try await Harness.with(enterprises: 40, clock: clock) { h in
            let county = try await h.token("county-141181")
            func draw(_ title: String, reason: String? = nil) async throws -> TestingHTTPResponse {
                var body: [String: any Sendable] = ["title": title, "size": 2]
                if let reason { body["overlapReason"] = reason }
                return try await h.api(.POST, "/api/v1/draws", token: county, json: body)
            }
            let first = try await draw("第一次抽取")
            let firstID = try first.content.get(UUID.self, at: "id")
            let year = try first.content.get(Int.self, at: "year")
            #expect(try await draw("揭晓前再抽").status == .created, "no reveal yet: nothing to overlap")
            #expect(try await h.api(.POST, "/api/v1/draws/\(firstID)/reveal", token: county).status == .ok)
            let refused = try await draw("结果不满意再抽一次")
            #expect(refused.status == .unprocessableEntity)
            #expect(try ProblemProbe(refused).errors?.map(\.field) == ["overlapReason"])
            let again = try await draw("补充抽取", reason: "首次抽中的企业已停产，经局务会研究补充抽取")
            #expect(again.status == .created)
            #expect(try again.content.get(String.self, at: "overlapReason") == "首次抽中的企业已停产，经局务会研究补充抽取")
            let againID = try again.content.get(UUID.self, at: "id")

            struct Counts { let draws: Int; let overdue: Int; let notArranged: Int; let redrawn: Int }
            func publicPage() async throws -> String { try await h.tester.sendRequest(.GET, "/public/draws?year=\(year)").body.string }
            var page = try await publicPage()
            let badge = "<span class=\"badge level-major\">"
            #expect(page.contains("首次抽中的企业已停产") && !page.contains(badge + "未揭晓超时") && page.contains("各县（市、区）抽取情况"))
            // A day later the unrevealed draws are marked.
            clock.advance(25 * 3600)
            page = try await publicPage()
            #expect(page.contains(badge + "未揭晓超时") && !page.contains(badge + "未按结果安排检查"))
            let (_, counties) = try await h.app.zhiben.draws.publicYear(year)
            let xiaoyi = try #require(counties.first { $0.countyCode == "141181" })
            #expect(xiaoyi.draws == 3 && xiaoyi.revealed == 1 && xiaoyi.revealOverdue == 2 && xiaoyi.redrawn == 1 && xiaoyi.notArranged == 0)
            #expect(try await h.tester.sendRequest(.GET, "/public/draws/\(againID)").body.string.contains("未揭晓超时"))
            // A month after the reveal without inspections: marked; once they are arranged, not.
            clock.advance(30 * 86_400)
            #expect(try await h.app.zhiben.draws.publicYear(year).counties.first { $0.countyCode == "141181" }?.notArranged == 1)
            #expect(try await h.tester.sendRequest(.GET, "/public/draws/\(firstID)").body.string.contains("未按结果安排检查"))
            let arranged = try await h.api(.POST, "/api/v1/draws/\(firstID)/inspections", token: try await h.token("county-141181"), json: ["plannedOn": "2027-01-10"])
            #expect(arranged.status == .created, "\(arranged.body.string.prefix(300))")
            #expect(try await h.app.zhiben.draws.publicYear(year).counties.first { $0.countyCode == "141181" }?.notArranged == 0)
        }
    }

    @Test("a text's limit counts Unicode scalars as the API's schema does: a reason of 500 characters with one \\r\\n in it is 501 and refused, naming the field; 500 scalars pass")
    func textLimitsCountScalars() async throws {
        try await Harness.with(enterprises: 5) { h in
            let city = try await h.token("city")
            let e = try #require(try await h.enterprises(in: "141181").first)
            let over = "a\r\n" + String(repeating: "停", count: 498)
            #expect(over.count == 500 && over.unicodeScalars.count == 501)
            let refused = try await h.api(.POST, "/api/v1/enterprises/\(e.id)/deactivate", token: city, json: ["reason": over], headers: ["If-Match": "*"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("\"reason\""))
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.active == true, "nothing written")
            let fits = "a\r\n" + String(repeating: "停", count: 497)
            #expect(try await h.api(.POST, "/api/v1/enterprises/\(e.id)/deactivate", token: city, json: ["reason": fits], headers: ["If-Match": "*"]).status == .ok)
        }
    }
}
