import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// The major-hazard loop through the API, by the right people, and every refusal on the way.
@Suite("Hazards through HTTP", .serialized)
struct HazardFlowTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 120))

    struct Setup {
        let h: Harness
        let enterprise: Enterprise
        let inspector: String
        let county: String
        let company: String
    }

    static func setup(_ h: Harness) async throws -> Setup {
        let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
        return Setup(h: h, enterprise: e, inspector: try await h.token("inspector-141181"), county: try await h.token("county-141181"),
                     company: try await h.token(h.enterpriseUsername(e)))
    }

    static func report(_ s: Setup, level: String = "major", criteria: [String] = ["MHC-4-01"]) async throws -> (UUID, String) {
        let res = try await s.h.api(.POST, "/api/v1/hazards", token: s.inspector, json: [
            "enterpriseId": s.enterprise.id.uuidString, "title": "铁水吊运跨下设有休息室", "location": "炼钢车间二跨",
            "source": "inspection", "foundAt": "2026-03-02", "focusTags": ["moltenMetal"], "level": level, "criteria": criteria,
        ])
        #expect(res.status == .created)
        return (try res.content.get(UUID.self, at: "id"), res.headers.first(name: .eTag) ?? "")
    }

    /// Ids the list shows for the test's own finding.
    static func listed(_ h: Harness, token: String) async throws -> [UUID] {
        let q = "铁水吊运跨下设有休息室".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return try await h.api(.GET, "/api/v1/hazards?q=\(q)&per=200", token: token).content.get([IDProbe].self, at: "items").map(\.id)
    }

    /// List totals (answered from the tallies) equal a direct count of the records, per state and level.
    static func expectTalliesMatch(_ h: Harness, users: [String] = ["city", "county-141181", "county-141182"]) async throws {
        let all = try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .city, now: h.app.zhiben.clock.now(), limit: 100_000)
        for user in users {
            let token = try await h.token(user)
            let scope: Scope = user == "city" ? .city : .county(String(user.suffix(6)))
            for state in HazardState.allCases {
                for level in HazardLevel.allCases {
                    let direct = all.filter { $0.state == state && $0.level == level && scope.includes(countyCode: $0.countyCode, enterpriseID: $0.enterpriseID) }.count
                    let listed = try await h.api(.GET, "/api/v1/hazards?state=\(state.rawValue)&level=\(level.rawValue)&per=1", token: token)
                    #expect(try listed.content.get(Int.self, at: "total") == direct, "\(user) \(state) \(level)")
                }
            }
        }
    }

    static func step(_ s: Setup, _ id: UUID, token: String, _ body: [String: any Sendable], ifMatch: String? = nil) async throws -> TestingHTTPResponse {
        try await s.h.api(.POST, "/api/v1/hazards/\(id)/transitions", token: token, json: body, headers: ifMatch.map { ["If-Match": $0] } ?? [:])
    }

    @Test("a county officer assigns an expert, who alone of the experts sees the hazard and judges it")
    func expertJudges() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let (id, _) = try await Self.report(s)
            let (one, two) = (try await h.token("expert-1"), try await h.token("expert-2"))
            let beforeRes = try await h.api(.GET, "/api/v1/hazards?per=200", token: two)
            #expect(beforeRes.status == .ok, "\(beforeRes.body.string)")
            let before = try beforeRes.content.get([IDProbe].self, at: "items").map(\.id)
            #expect(!before.contains(id))
            #expect(try await h.api(.GET, "/api/v1/hazards/\(id)", token: two).status == .notFound, "unassigned: not even seen")
            #expect(try await Self.step(s, id, token: two, ["action": "judge", "level": "general"]).status == .notFound)

            // Only a county officer assigns, and only an active expert account.
            #expect(try await Self.step(s, id, token: s.inspector, ["action": "assignExpert", "expert": "expert-2"]).status == .forbidden)
            #expect(try await Self.step(s, id, token: s.company, ["action": "assignExpert", "expert": "expert-2"]).status == .forbidden)
            for bad in ["", "nobody-here", "county-141181"] {
                let res = try await Self.step(s, id, token: s.county, ["action": "assignExpert", "expert": bad])
                #expect(res.status == .unprocessableEntity, "\(bad)")
                #expect(try ProblemProbe(res).errors?.map(\.field) == ["expert"], "\(bad)")
            }
            let assigned = try await Self.step(s, id, token: s.county, ["action": "assignExpert", "expert": "expert-2", "comment": "请专家判定"])
            #expect(assigned.status == .ok, "\(assigned.body.string)")
            #expect(try assigned.content.get(String.self, at: "expert", "username") == "expert-2")
            #expect(try assigned.content.get(String.self, at: "state") == "reported")

            // The assigned expert sees it, is told, and judges it; the other experts still see nothing.
            let mine = try await h.api(.GET, "/api/v1/hazards?per=200", token: two)
            #expect(mine.status == .ok, "\(mine.body.string)")
            #expect(try mine.content.get([IDProbe].self, at: "items").map(\.id).contains(id))
            let detail = try await h.api(.GET, "/api/v1/hazards/\(id)", token: two)
            #expect(detail.status == .ok, "\(detail.body.string)")
            #expect(try detail.content.get([String].self, at: "allowedActions") == ["judge", "reject"])
            let inbox = try await h.api(.GET, "/api/v1/notifications", token: two)
            #expect(inbox.status == .ok, "\(inbox.body.string)")
            #expect(try inbox.content.get([NotificationProbe].self, at: "items").contains { $0.hazardId == id && $0.kind == "awaitingAction" })
            #expect(try await h.api(.GET, "/api/v1/hazards/\(id)", token: one).status == .notFound)
            let registry = try await h.api(.GET, "/api/v1/enterprises", token: two)
            #expect(registry.status == .ok, "\(registry.body.string)")
            // The registry shows the expert the enterprises of their assignments, and no other.
            struct Row: Decodable { let enterprise_id: UUID }
            let twoID = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-2")).id
            let theirs = Set(try await h.app.zhiben.store.sql.raw("""
                SELECT enterprise_id FROM hazards WHERE expert_id = \(bind: twoID) UNION SELECT enterprise_id FROM inspections WHERE expert_user_id = \(bind: twoID)
                """).all(decoding: Row.self).map(\.enterprise_id))
            #expect(Set(try registry.content.get([IDProbe].self, at: "items").map(\.id)) == theirs && theirs.contains(s.enterprise.id), "experts see their assignments' enterprises")
            let judged = try await Self.step(s, id, token: two, ["action": "judge", "level": "major", "criteria": ["MHC-4-01"]])
            #expect(judged.status == .ok)
            #expect(try judged.content.get(String.self, at: "state") == "judged")
            #expect(try await Self.step(s, id, token: s.county, ["action": "assignExpert", "expert": "expert-1"]).status == .conflict,
                    "an expert is assigned to judge: not after the judgement")
            #expect(try await Self.step(s, id, token: two, ["action": "acknowledge"]).status == .forbidden)
            let history = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.county).content.get([EventProbe].self, at: "history")
            #expect(history.compactMap(\.action).suffix(2) == ["assignExpert", "judge"])
            #expect(history.last?.actor == "expert-2")

            // The page offers the county the assignment with the experts to choose from.
            let (other, _) = try await Self.report(s)
            let page = try await h.get("/hazards/\(other)", as: try await h.signIn("county-141181"))
            #expect(page.body.string.contains("name=\"expert\"") && page.body.string.contains("value=\"expert-3\""))
        }
    }

    @Test("the answer to a report, built from what was stored, is what reading the hazard back gives, ETag included")
    func reportAnswersAsRead() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let res = try await s.h.api(.POST, "/api/v1/hazards", token: s.inspector, json: [
                "enterpriseId": s.enterprise.id.uuidString, "title": "铁水吊运跨下设有休息室", "location": "炼钢车间二跨",
                "source": "inspection", "foundAt": "2026-03-02", "focusTags": ["moltenMetal"], "level": "major", "criteria": ["MHC-4-01"],
            ])
            #expect(res.status == .created)
            let id = try res.content.get(UUID.self, at: "id")
            #expect(res.headers.first(name: .location) == "/api/v1/hazards/\(id)")
            let read = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.inspector)
            #expect(read.headers.first(name: .eTag) == res.headers.first(name: .eTag))
            let answered = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as! NSDictionary
            let stored = try JSONSerialization.jsonObject(with: Data(read.body.readableBytesView)) as! NSDictionary
            #expect(answered == stored)
            #expect((answered["history"] as? [Any])?.count == 1)
        }
    }

    @Test("a major hazard walks the whole loop through the API; its history shows every step with who and when")
    func wholeLoop() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let (id, _) = try await Self.report(s)
            #expect(try await Self.step(s, id, token: s.inspector, ["action": "judge", "level": "major", "criteria": ["MHC-4-01", "MHC-14-00"]]).status == .ok)
            let ack = try await Self.step(s, id, token: s.company, ["action": "acknowledge", "principal": "孙一", "controller": "孙二"])
            #expect(ack.status == .ok)
            #expect(try ack.content.get(String.self, at: "state") == "acknowledged")
            #expect(try ack.content.get([String].self, at: "allowedActions") == ["plan"])

            let before = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.company)
            let incomplete = try await Self.step(s, id, token: s.company, ["action": "plan", "responsible": "孙一", "deadline": "2099-01-01"])
            #expect(incomplete.status == .unprocessableEntity)
            #expect(Set(try ProblemProbe(incomplete).errors?.map(\.field) ?? []) == ["measures", "funds", "contingencyPlan", "interimSafeguards"])
            let after = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.company)
            #expect(after.headers.first(name: .eTag) == before.headers.first(name: .eTag), "a refused step writes nothing")

            let plan = try await Self.step(s, id, token: s.company, [
                "action": "plan", "responsible": "孙一", "measures": "休息室迁出吊运跨", "funds": 120000, "deadline": "2099-06-30",
                "contingencyPlan": "吊运作业应急预案", "interimSafeguards": "吊运时清空休息室",
            ])
            #expect(plan.status == .ok)
            #expect(try plan.content.get(String.self, at: "deadline").hasPrefix("2099-06-30T23:59:59"))

            var headers: HTTPHeaders = ["Content-Type": "image/png"]
            headers.bearerAuthorization = BearerAuthorization(token: s.company)
            let upload = try await h.tester.sendRequest(.POST, "/api/v1/hazards/\(id)/photos", headers: headers, body: ByteBuffer(data: Self.png))
            #expect(upload.status == .created)
            let photoID = try upload.content.get(UUID.self, at: "id")
            #expect(try upload.content.get(String.self, at: "sha256").count == 64)
            let submit = try await Self.step(s, id, token: s.company, ["action": "submit", "evidence": "已迁出，见照片", "photos": [photoID.uuidString]])
            #expect(submit.status == .ok)
            let image = try await h.api(.GET, "/api/v1/hazards/\(id)/photos/\(photoID)", token: s.county)
            #expect(image.status == .ok && image.headers.contentType == .png && Data(image.body.readableBytesView) == Self.png)

            #expect(try await Self.step(s, id, token: s.county, ["action": "accept", "comment": "现场核实"]).status == .ok)
            let detail = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.company)
            #expect(try detail.content.get(String.self, at: "state") == "closed")
            let history = try detail.content.get([EventProbe].self, at: "history")
            #expect(history.map(\.action) == ["report", "judge", "acknowledge", "plan", "submit", "accept"])
            #expect(history.map(\.actor) == ["inspector-141181", "inspector-141181", h.enterpriseUsername(s.enterprise), h.enterpriseUsername(s.enterprise),
                                              h.enterpriseUsername(s.enterprise), "county-141181"])
            #expect(history[4].photos == [photoID])

            // Notifications: the enterprise heard of the new hazard, the judgement and the acceptance; the county of the submission.
            let inbox = try await h.api(.GET, "/api/v1/notifications", token: s.company)
            let kinds = try inbox.content.get([NotificationProbe].self, at: "items").map(\.kind)
            #expect(Set(kinds) == ["newHazard", "awaitingAction", "accepted"])
            let countyInbox = try await h.api(.GET, "/api/v1/notifications?unread=true", token: s.county)
            #expect(try countyInbox.content.get([NotificationProbe].self, at: "items").map(\.kind) == ["awaitingAction"])
            #expect(try await h.api(.POST, "/api/v1/notifications/read", token: s.county, json: [:]).content.get(Int.self, at: "marked") == 1)

            let log = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityType: "hazard", entityID: id.uuidString))
            #expect(log.total == 7, "report, five steps and the photo upload are audited")
            try await Self.expectTalliesMatch(h)
        }
    }

    @Test("refusals: another role 403, wrong state 409 naming both, stale If-Match 412, bad criteria and photos 422/413; nothing written")
    func refusals() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let (id, tag) = try await Self.report(s)
            let wrongRole = try await Self.step(s, id, token: s.company, ["action": "judge", "level": "general"])
            #expect(wrongRole.status == .forbidden)
            let wrongState = try await Self.step(s, id, token: s.company, ["action": "submit", "evidence": "已整改"])
            #expect(wrongState.status == .conflict)
            let problem = try ProblemProbe(wrongState)
            #expect(problem.detail?.contains("reported") == true && problem.detail?.contains("submit") == true)
            #expect(try await Self.step(s, id, token: s.inspector, ["action": "fly"]).status == .unprocessableEntity)
            let unknown = try await Self.step(s, id, token: s.inspector, ["action": "judge", "level": "major", "criteria": ["MHC-4-42"]])
            #expect(unknown.status == .unprocessableEntity)
            #expect(try ProblemProbe(unknown).errors?.first?.field == "criteria")

            #expect(try await Self.step(s, id, token: s.inspector, ["action": "judge", "level": "major", "criteria": ["MHC-4-01"]], ifMatch: tag).status == .ok)
            let stale = try await Self.step(s, id, token: s.company, ["action": "acknowledge", "principal": "孙一", "controller": "孙二"], ifMatch: tag)
            #expect(stale.status == .preconditionFailed)

            var headers: HTTPHeaders = ["Content-Type": "image/jpeg"]
            headers.bearerAuthorization = BearerAuthorization(token: s.company)
            let fake = try await h.tester.sendRequest(.POST, "/api/v1/hazards/\(id)/photos", headers: headers, body: ByteBuffer(string: "not an image.jpg"))
            #expect(fake.status == .unprocessableEntity)
            let huge = ByteBuffer(data: Data([0xFF, 0xD8, 0xFF]) + Data(count: HazardRules.maxPhotoBytes))
            let big = try await h.tester.sendRequest(.POST, "/api/v1/hazards/\(id)/photos", headers: headers, body: huge)
            #expect(big.status == .payloadTooLarge)
            let detail = try await h.api(.GET, "/api/v1/hazards/\(id)", token: s.company)
            #expect(try detail.content.get([EventProbe].self, at: "photos").isEmpty)
            #expect(try detail.content.get([EventProbe].self, at: "history").count == 2)

            let badReport = try await h.api(.POST, "/api/v1/hazards", token: s.company, json: ["title": "x", "source": "inspection", "level": "major"])
            #expect(badReport.status == .unprocessableEntity)
            #expect(Set(try ProblemProbe(badReport).errors?.map(\.field) ?? []) == ["title", "source", "criteria"])
        }
    }

    @Test("jurisdiction: another county's hazard does not exist (404) for reading, listing, acting and photos")
    func jurisdiction() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let (id, _) = try await Self.report(s)
            let outsider = try await h.token("county-141182")
            let otherCompany = try await h.token(h.enterpriseUsername(try #require(try await h.enterprises(in: "141182").first)))
            for token in [outsider, otherCompany, try await h.token("inspector-141182")] {
                #expect(try await h.api(.GET, "/api/v1/hazards/\(id)", token: token).status == .notFound)
                #expect(try await Self.step(s, id, token: token, ["action": "judge", "level": "general"]).status == .notFound)
                #expect(try await Self.listed(h, token: token).contains(id) == false)
                #expect(try await h.api(.POST, "/api/v1/hazards/\(id)/photos", token: token, body: ByteBuffer(data: Self.png)).status == .notFound)
            }
            for token in [try await h.token("city"), s.county, s.inspector, s.company] {
                #expect(try await h.api(.GET, "/api/v1/hazards/\(id)", token: token).status == .ok)
                #expect(try await Self.listed(h, token: token).contains(id))
            }
            // Experts see nothing until inspections assign them; the city sees everything.
            #expect(try await h.api(.GET, "/api/v1/hazards/\(id)", token: try await h.token("expert-1")).status == .notFound)
            let report = try await h.api(.POST, "/api/v1/hazards", token: outsider, json: [
                "enterpriseId": s.enterprise.id.uuidString, "title": "越权报告", "source": "inspection", "level": "general",
            ])
            #expect(report.status == .unprocessableEntity, "a county cannot report for another county's enterprise")
        }
    }

    @Test("dashboard figures (open, overdue, supervised, legacy) equal a direct count of the records, for the city and a county")
    func figuresMatchRecords() async throws {
        try await Harness.with(enterprises: 60) { h in
            let now = h.app.zhiben.clock.now()
            let all = try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .city, now: now, limit: 100_000)
            #expect(all.count == 240)
            #expect(Set(all.map(\.state)).count == HazardState.allCases.count, "demo hazards cover every state")
            for (user, scope) in [("city", Scope.city), ("county-141181", .county("141181"))] {
                let mine = all.filter { scope.includes(countyCode: $0.countyCode, enterpriseID: $0.enterpriseID) }
                let open = mine.filter(\.state.isOpen)
                let stats = try await h.api(.GET, "/api/v1/hazards/statistics", token: try await h.token(user))
                #expect(try stats.content.get(Int.self, at: "openMajor") == open.filter { $0.level == .major }.count, "\(user)")
                #expect(try stats.content.get(Int.self, at: "overdue") == open.filter { $0.isOverdue(at: now) }.count, "\(user)")
                #expect(try stats.content.get(Int.self, at: "supervised") == open.filter(\.isSupervised).count, "\(user)")
                #expect(try stats.content.get(Int.self, at: "legacyOpen") == open.filter(\.isOpenLegacyMajor).count, "\(user)")
                #expect(try stats.content.get(Int.self, at: "closed") == mine.filter { $0.state == .closed }.count, "\(user)")
                let overdueList = try await h.api(.GET, "/api/v1/hazards?overdue=true&per=100", token: try await h.token(user))
                let overdue = open.filter { $0.isOverdue(at: now) }
                #expect(try overdueList.content.get(Int.self, at: "total") == overdue.count, "\(user)")
                // Most overdue first, unless another order is asked for.
                #expect(try overdueList.content.get([IDProbe].self, at: "items").map(\.id.uuidString) ==
                        overdue.sorted { ($0.deadline!, $0.id.uuidString) < ($1.deadline!, $1.id.uuidString) }.map(\.id.uuidString))
                let openOverdue = try await h.api(.GET, "/api/v1/hazards?state=open&overdue=true&per=1", token: try await h.token(user))
                #expect(try openOverdue.content.get(Int.self, at: "total") == overdue.count, "\(user)")
                let rectifyingOverdue = try await h.api(.GET, "/api/v1/hazards?state=rectifying&overdue=true&per=1", token: try await h.token(user))
                #expect(try rectifyingOverdue.content.get(Int.self, at: "total") == overdue.filter { $0.state == .rectifying }.count, "\(user)")
                let notOverdue = try await h.api(.GET, "/api/v1/hazards?overdue=false&per=1", token: try await h.token(user))
                #expect(try notOverdue.content.get(Int.self, at: "total") == mine.count - overdue.count, "\(user)")
                let page = try await h.get("/overview", as: try await h.signIn(user))
                #expect(page.body.string.contains("<span class=\"figure\">\(open.filter { $0.level == .major }.count)</span><span class=\"label\">未销号重大隐患"))
            }
        }
    }

    @Test("an overdue hazard notifies the enterprise and its county once")
    func overdueSweep() async throws {
        try await Harness.with(enterprises: 10) { h in
            let s = try await Self.setup(h)
            let (id, _) = try await Self.report(s, level: "general", criteria: [])
            _ = try await Self.step(s, id, token: s.inspector, ["action": "judge", "level": "general"])
            _ = try await Self.step(s, id, token: s.company, ["action": "acknowledge"])
            let tomorrow = ChinaTime.day(h.app.zhiben.clock.now().addingTimeInterval(86_400))
            _ = try await Self.step(s, id, token: s.company, ["action": "plan", "responsible": "孙一", "measures": "修复护栏", "deadline": tomorrow])
            let later = HazardService(repository: h.app.zhiben.hazards.repository, enterprises: h.app.zhiben.enterprises.repository,
                                      users: h.app.zhiben.hazards.users, checklists: h.app.zhiben.hazards.checklists, files: h.app.zhiben.hazards.files,
                                      digest: h.app.zhiben.hazards.digest, channel: h.app.zhiben.hazards.channel,
                                      clock: FixedClock(h.app.zhiben.clock.now().addingTimeInterval(3 * 86_400)))
            #expect(try await later.sweepOverdue() >= 1)
            #expect(try await later.sweepOverdue() == 0, "each overdue hazard is announced once")
            for token in [s.company, s.county] {
                let inbox = try await h.api(.GET, "/api/v1/notifications?per=200", token: token)
                let mine = try inbox.content.get([NotificationProbe].self, at: "items").filter { $0.hazardId == id && $0.kind == "overdue" }
                #expect(mine.count == 1)
            }
        }
    }

    @Test("the web report form takes the enterprise by credit code, keeps what was typed on an error, and reports")
    func webReport() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let inspector = try await h.signIn("inspector-141181")
            let wrong = try await h.post("/hazards", as: inspector, form: ["enterpriseCode": "91141182MA0K12345X", "title": "平台护栏缺失", "source": "inspection"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("未找到“91141182MA0K12345X”对应的企业") && wrong.body.string.contains("value=\"平台护栏缺失\""))
            let missing = try await h.post("/hazards", as: inspector, form: ["enterpriseCode": e.profile.creditCode, "title": "x", "source": "inspection", "level": "major"])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("重大隐患须引用至少一条判定标准条款"))
            let ok = try await h.post("/hazards", as: inspector, form: ["enterpriseCode": e.profile.creditCode, "title": "平台护栏缺失", "source": "inspection",
                                                                        "foundAt": "2026-03-01", "level": "general"])
            #expect(ok.status == .seeOther)
            let location = try #require(ok.headers.first(name: .location))
            #expect(location.hasPrefix("/hazards/") && location.hasSuffix("?done=reported"))
            let page = try await h.get(String(location), as: inspector)
            #expect(page.body.string.contains("平台护栏缺失") && page.body.string.contains("隐患已报告"))
        }
    }

    @Test("the enterprise picker suggests by name, code or pinyin initials within the caller's scope, and the form resolves what was typed")
    func enterprisePicker() async throws {
        try await Harness.with(enterprises: 30) { h in
            let mine = try await h.enterprises(in: "141181").filter(\.active)
            let e = try #require(mine.first)
            let other = try #require(try await h.enterprises(in: "141102").first { $0.active })
            let inspector = try await h.signIn("inspector-141181")
            struct Suggestion: Decodable { let id: UUID; let name: String; let creditCode: String; let county: String }
            func suggest(_ q: String) async throws -> [Suggestion] {
                let res = try await h.get("/enterprises/suggest?q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, as: inspector)
                #expect(res.status == .ok && res.headers.contentType == .json)
                return try JSONDecoder().decode([Suggestion].self, from: Data(buffer: res.body))
            }
            let initials = PinyinInitials.of(e.profile.name)
            #expect(initials.count >= 4 && initials.allSatisfy { $0.isASCII })
            let byInitials = try await suggest(initials)
            #expect(byInitials.contains { $0.id == e.id } && byInitials.count <= 8)
            #expect(try await suggest(initials.uppercased()).contains { $0.id == e.id }, "initials match in either case")
            #expect(try await suggest(String(e.profile.creditCode.prefix(12))).contains { $0.id == e.id })
            #expect(try await suggest(String(e.profile.name.dropFirst(2).prefix(4))).contains { $0.id == e.id })
            let ids = Set(mine.map(\.id))
            for q in [initials, "有限", "sx", "9114"] {
                let found = try await suggest(q)
                #expect(found.allSatisfy { ids.contains($0.id) }, "nothing outside the county: \(q)")
            }
            #expect(try await suggest(PinyinInitials.of(other.profile.name)).allSatisfy { $0.id != other.id })
            #expect(try await suggest("").isEmpty)

            let form = ["title": "平台护栏缺失", "source": "inspection", "foundAt": "2026-03-01", "level": "general"]
            // Typed text alone: the exact name is enough; text matching several names is refused with the count.
            let byName = try await h.post("/hazards", as: inspector, form: form.merging(["enterpriseCode": e.profile.name]) { $1 })
            #expect(byName.status == .seeOther)
            let several = try await h.post("/hazards", as: inspector, form: form.merging(["enterpriseCode": "有限"]) { $1 })
            #expect(several.status == .unprocessableEntity && several.body.string.contains("匹配到\(mine.filter { $0.profile.name.contains("有限") }.count)家企业"))
            // The id the picker chose wins over the text; another county's id is refused.
            let picked = try await h.post("/hazards", as: inspector, form: form.merging(["enterprisePick": e.id.uuidString, "enterpriseCode": "有限"]) { $1 })
            #expect(picked.status == .seeOther)
            let outside = try await h.post("/hazards", as: inspector, form: form.merging(["enterprisePick": other.id.uuidString, "enterpriseCode": other.profile.name]) { $1 })
            #expect(outside.status == .unprocessableEntity && outside.body.string.contains("所选企业不存在或不在您的辖区内"))
            let page = try await h.get("/hazards/new", as: inspector)
            #expect(page.body.string.contains("data-picker=\"/enterprises/suggest\"") && page.body.string.contains("role=\"combobox\""))
        }
    }

    @Test("a renamed enterprise's hazards show its new name and industry")
    func renameCarriesToHazards() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let token = try await h.token("city")
            #expect(try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["name": "孝义更名演示有限公司"]).status == .ok)
            let list = try await h.api(.GET, "/api/v1/hazards?enterprise=\(e.id)&per=200", token: token)
            let names = try list.content.get([NameProbe].self, at: "items").map(\.enterpriseName)
            #expect(!names.isEmpty && names.allSatisfy { $0 == "孝义更名演示有限公司" })
            let found = try await h.api(.GET, "/api/v1/hazards?q=\("更名演示".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&per=200", token: token)
            #expect(try found.content.get(Int.self, at: "total") == names.count, "the search finds the hazards by the new name")
        }
    }

    @Test("hazard search answers exactly what a substring match of title, enterprise and location answers")
    func searchMatchesSubstrings() async throws {
        try await Harness.with(enterprises: 30) { h in
            let now = h.app.zhiben.clock.now()
            let all = try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .city, now: now, limit: 100_000)
            // SQLite's LIKE folds ASCII case; PostgreSQL's does not.
            let folds = h.app.zhiben.store.engine == .sqlite
            func norm(_ s: String) -> String { folds ? String(s.map { $0.isASCII ? Character($0.lowercased()) : $0 }) : s }
            var queries: Set<String> = ["消防", "氨", "车间", "1#", "#", "有限公司", "不存在的文字", "%", "_"]
            for (i, hz) in all.enumerated() where i % 17 == 0 {
                let text = Array([hz.title, hz.enterpriseName, hz.location][i % 3])
                for length in [1, 2, 3, 5] where text.count >= length {
                    let start = (i / 3) % (text.count - length + 1)
                    queries.insert(String(text[start..<(start + length)]))
                }
            }
            let token = try await h.token("city")
            let county = try await h.token("county-141181")
            for q in queries.sorted() where !q.trimmingCharacters(in: .whitespaces).isEmpty {
                let expected = all.filter { hz in [hz.title, hz.enterpriseName, hz.location].contains { norm($0).contains(norm(q.trimmingCharacters(in: .whitespaces))) } }
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let res = try await h.api(.GET, "/api/v1/hazards?q=\(encoded)&per=200", token: token)
                #expect(try res.content.get(Int.self, at: "total") == expected.count, "\(q)")
                let items = try res.content.get([IDProbe].self, at: "items").map(\.id)
                #expect(items.count == min(expected.count, 200) && Set(items).isSubset(of: Set(expected.map(\.id))), "\(q)")
                // The same in one county, as its officer and as the city filtering by it; newest found first.
                let inCounty = expected.filter { $0.countyCode == "141181" }.sorted { ($0.foundAt, $0.id.uuidString) > ($1.foundAt, $1.id.uuidString) }
                for (who, path) in [(county, "/api/v1/hazards?q=\(encoded)&per=200"), (token, "/api/v1/hazards?q=\(encoded)&county=141181&per=200")] {
                    let mine = try await h.api(.GET, path, token: who)
                    #expect(try mine.content.get(Int.self, at: "total") == inCounty.count, "\(q) in 141181")
                    let found = try mine.content.get([IDProbe].self, at: "items").map(\.id)
                    #expect(Set(found) == Set(inCounty.map(\.id)), "\(q) in 141181")
                    #expect(found.compactMap { id in inCounty.first { $0.id == id }?.foundAt } == inCounty.map(\.foundAt), "\(q): newest found first")
                }
            }
        }
    }

    @Test("criteria catalogue and checklists through the API; counties' local items are marked local")
    func criteriaAndChecklists() async throws {
        try await Harness.with(enterprises: 10) { h in
            let token = try await h.token("county-141181")
            let all = try await h.api(.GET, "/api/v1/hazard-criteria", token: token)
            #expect(try all.content.get(Int.self, at: "total") == 65)
            let dust = try await h.api(.GET, "/api/v1/hazard-criteria?group=combustibleDust", token: token)
            #expect(try dust.content.get(Int.self, at: "total") == 10)
            let added = try await h.api(.POST, "/api/v1/checklist-items", token: token, json: ["group": "general", "text": "每班检查消防通道畅通"])
            #expect(added.status == .created)
            let e = try #require(try await h.enterprises(in: "141181").first)
            let list = try await h.api(.GET, "/api/v1/enterprises/\(e.id)/checklist", token: token)
            #expect(list.status == .ok)
            let locals = try list.content.get([LocalProbe].self, at: "localItems")
            #expect(locals.map(\.text) == ["每班检查消防通道畅通"] && locals.allSatisfy(\.local))
            let criteria = try list.content.get([CriterionProbe].self, at: "criteria")
            #expect(criteria.allSatisfy { $0.id.hasPrefix("MHC-") })
            let other = try #require(try await h.enterprises(in: "141182").first)
            let otherList = try await h.api(.GET, "/api/v1/enterprises/\(other.id)/checklist", token: try await h.token("city"))
            #expect(try otherList.content.get([LocalProbe].self, at: "localItems").isEmpty, "a county's items stay in that county")
            #expect(try await h.api(.POST, "/api/v1/checklist-items", token: try await h.token("city"), json: ["group": "general", "text": "市局不能加县的本地项"]).status == .forbidden)
        }
    }
}

struct EventProbe: Decodable {
    let action: String?
    let actor: String?
    let photos: [UUID]?
}

struct NotificationProbe: Decodable {
    let kind: String
    let hazardId: UUID?
}

struct LocalProbe: Decodable {
    let text: String
    let local: Bool
}

struct CriterionProbe: Decodable {
    let id: String
}

struct IDProbe: Decodable {
    let id: UUID
}

struct NameProbe: Decodable {
    let enterpriseName: String
}
