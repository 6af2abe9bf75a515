import Foundation
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

struct HazardPhotoProbe: Decodable { let id: UUID; let sha256: String }
struct InspectionPhotoProbe: Decodable { let id: UUID; let item: String; let hazardPhotoId: UUID? }

@Suite("inspections: from a draw, in the field, failed items into the hazard loop")
struct InspectionTests {
    struct ResultProbe: Decodable { let item: String; let outcome: String; let hazardId: UUID? }
    struct PersonProbe: Decodable { let id: UUID; let name: String }
    struct InspectionProbe: Decodable {
        let id: UUID; let enterpriseId: UUID; let countyCode: String; let state: String; let version: Int; let results: [ResultProbe]
        let inspectors: [PersonProbe]; let expert: PersonProbe?
    }

    @Test("a revealed draw makes one inspection per pick, once; the drawn inspectors complete one with a failed item, which becomes a major hazard citing its criterion; a stale save is refused")
    func fromDrawToHazard() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let created = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "检查", "size": 2, "withExpert": true])
            let drawID = try created.content.get(UUID.self, at: "id")
            #expect(try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-15"]).status == .conflict,
                    "not before the reveal")
            #expect(try await h.api(.POST, "/api/v1/draws/\(drawID)/reveal", token: county).status == .ok)
            let made = try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-15"])
            #expect(made.status == .created, "\(made.body.string)")
            let list = try made.content.decode([InspectionProbe].self)
            #expect(list.count == 2 && list.allSatisfy { $0.state == "planned" && $0.inspectors.count == 2 && $0.expert != nil })
            #expect(try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-15"]).status == .conflict, "once")

            // Who sees them: the county and its inspector; not another county; an expert only those assigned.
            let inspector = try await h.token("inspector-141181")
            #expect(try await h.api(.GET, "/api/v1/inspections?draw=\(drawID)", token: inspector).content.get(Int.self, at: "total") == 2)
            #expect(try await h.api(.GET, "/api/v1/inspections?draw=\(drawID)", token: try await h.token("county-141182")).content.get(Int.self, at: "total") == 0)
            #expect(try await h.api(.GET, "/api/v1/inspections/\(list[0].id)", token: try await h.token("inspector-141182")).status == .notFound)
            let experts = try await h.app.zhiben.people.repository.allExperts()
            for n in 1...3 {
                let account = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-\(n)"))
                let pool = experts.first { $0.userID == account.id }
                let mine = list.filter { $0.expert?.id == pool?.id }.map(\.id)
                let seen = try await h.api(.GET, "/api/v1/inspections", token: try await h.token("expert-\(n)")).content.get([InspectionProbe].self, at: "items").map(\.id)
                #expect(Set(seen) == Set(mine), "expert-\(n) sees exactly those assigned")
                for other in list where !mine.contains(other.id) {
                    #expect(try await h.api(.GET, "/api/v1/inspections/\(other.id)", token: try await h.token("expert-\(n)")).status == .notFound)
                }
            }

            // In the field: one item fails, the rest pass.
            let target = list[0]
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: target.enterpriseId, scope: .city))
            let checklist = try await h.app.zhiben.hazards.checklist(enterpriseID: e.id, actor: .system).1
            let failed = try #require(checklist.criteria.first { $0.article != 14 })
            let results = checklist.itemCodes.map { c in ["item": c, "outcome": c == failed.id ? "fail" : "pass", "note": c == failed.id ? "现场发现" : ""] }
            let saved = try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector, json: ["baseVersion": target.version, "results": results])
            #expect(saved.status == .ok, "\(saved.body.string.prefix(400))")
            let afterSave = try saved.content.decode(InspectionProbe.self)
            #expect(afterSave.state == "inProgress" && afterSave.version == target.version + 1)
            // The same sync again, from the version it started on: refused, nothing overwritten.
            let stale = try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector,
                                        json: ["baseVersion": target.version, "results": [["item": failed.id, "outcome": "pass"]]])
            #expect(stale.status == .preconditionFailed && stale.body.string.contains("version"))
            let unknown = try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector,
                                          json: ["baseVersion": afterSave.version, "results": [["item": "MHC-99-99", "outcome": "pass"]]])
            #expect(unknown.status == .unprocessableEntity && unknown.body.string.contains("MHC-99-99"))

            // A photo of the failed item (and one of a passed item, which stays with the inspection).
            var headers: HTTPHeaders = ["Content-Type": "image/png"]
            headers.bearerAuthorization = BearerAuthorization(token: inspector)
            let png = HazardFlowTests.png
            func upload(_ item: String, _ body: Data) async throws -> TestingHTTPResponse {
                try await h.tester.sendRequest(.POST, "/api/v1/inspections/\(target.id)/photos?item=\(item)", headers: headers, body: ByteBuffer(data: body))
            }
            let photo = try await upload(failed.id, png)
            #expect(photo.status == .created, "\(photo.body.string.prefix(300))")
            let photoURL = try photo.content.get(String.self, at: "url")
            #expect(try await upload(checklist.criteria.first { $0.id != failed.id }!.id, png).status == .created)
            #expect(try await upload("MHC-99-99", png).status == .unprocessableEntity, "not on the checklist")
            #expect(try await upload(failed.id, Data("not an image".utf8)).status == .unprocessableEntity, "judged by content")
            #expect(try await h.api(.GET, photoURL, token: try await h.token("inspector-141182")).status == .notFound, "outside the scope")
            let served = try await h.api(.GET, photoURL, token: county)
            #expect(served.status == .ok && Data(served.body.readableBytesView) == png)

            let completed = try await h.api(.POST, "/api/v1/inspections/\(target.id)/transitions", token: inspector, json: ["action": "complete"])
            #expect(completed.status == .ok, "\(completed.body.string.prefix(400))")
            let done = try completed.content.decode(InspectionProbe.self)
            #expect(done.state == "completed")
            let hazardID = try #require(done.results.first { $0.item == failed.id }?.hazardId)
            #expect(done.results.filter { $0.hazardId != nil }.count == 1, "only the failed item")
            let company = try await h.token(h.enterpriseUsername(e))
            let hazard = try await h.api(.GET, "/api/v1/hazards/\(hazardID)", token: company)
            #expect(hazard.status == .ok)
            #expect(try hazard.content.get([String].self, at: "criteria") == [failed.id] && hazard.content.get(String.self, at: "level") == "major"
                    && hazard.content.get(String.self, at: "source") == "inspection")
            // The failed item's photo is now the hazard's; the passed item's is not copied anywhere.
            let hazardPhotos = try hazard.content.get([HazardPhotoProbe].self, at: "photos")
            let uploadedSHA = try photo.content.get(String.self, at: "sha256")
            #expect(hazardPhotos.count == 1 && hazardPhotos[0].sha256 == uploadedSHA)
            let listed = try await h.api(.GET, "/api/v1/inspections/\(target.id)/photos", token: inspector).content.decode([InspectionPhotoProbe].self)
            #expect(listed.count == 2 && listed.filter { $0.hazardPhotoId != nil }.map(\.item) == [failed.id])
            #expect(try await upload(failed.id, png).status == .conflict, "no photo after completion")
            #expect(try await h.api(.POST, "/api/v1/inspections/\(target.id)/transitions", token: inspector, json: ["action": "complete"]).status == .conflict)
            let publicPage = try await h.tester.sendRequest(.GET, "/public/draws/\(drawID)").body.string
            #expect(publicPage.contains("已检查") && publicPage.contains("不符合 1 项") && publicPage.contains("计划 2026-12-15"), "the outcome, once inspected")
            #expect(try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector, json: ["baseVersion": done.version, "results": results]).status == .conflict,
                    "a completed inspection's results stay")
            #expect(try await h.api(.POST, "/api/v1/inspections/\(list[1].id)/transitions", token: inspector, json: ["action": "cancel"]).status == .forbidden,
                    "inspectors do not cancel")
        }
    }

    @Test("an inspection completes only when every checklist item is answered or marked 未检查 with its reason, over the API and the field form; nothing is made before; the printed record lists every item")
    func everyItemAccountedFor() async throws {
        try await Harness.with(enterprises: 30) { h in
            let county = try await h.token("county-141181")
            let inspector = try await h.token("inspector-141181")
            let drawID = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "逐项", "size": 1]).content.get(UUID.self, at: "id")
            _ = try await h.api(.POST, "/api/v1/draws/\(drawID)/reveal", token: county)
            let target = try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-15"]).content.decode([InspectionProbe].self)[0]
            let codes = try await h.app.zhiben.hazards.checklist(enterpriseID: target.enterpriseId, actor: .system).1.itemCodes
            #expect(codes.count > 3)
            let hazardsBefore = try await h.app.zhiben.hazards.repository.all(HazardQuery(enterpriseID: target.enterpriseId), scope: .city, now: Date(), limit: 10_000).count

            // Three of the items answered, one of them failed: completing is refused and makes nothing.
            let some = codes.prefix(3).enumerated().map { n, c in ["item": c, "outcome": n == 0 ? "fail" : "pass"] }
            let saved = try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector, json: ["baseVersion": target.version, "results": some])
            #expect(saved.status == .ok)
            let refused = try await h.api(.POST, "/api/v1/inspections/\(target.id)/transitions", token: inspector, json: ["action": "complete"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("还有 \(codes.count - 3) 项未作答"), "\(refused.body.string.prefix(300))")
            #expect(try ProblemProbe(refused).errors?.map(\.field) == ["results"])
            #expect(try await h.app.zhiben.inspections.repository.find(id: target.id, scope: .city)?.state == .inProgress)
            #expect(try await h.app.zhiben.hazards.repository.all(HazardQuery(enterpriseID: target.enterpriseId), scope: .city, now: Date(), limit: 10_000).count == hazardsBefore,
                    "no hazard is made by a refused completion")

            // 未检查 needs its reason.
            let version = try await h.api(.GET, "/api/v1/inspections/\(target.id)", token: inspector).content.get(Int.self, at: "version")
            let noReason = try await h.api(.PUT, "/api/v1/inspections/\(target.id)/results", token: inspector,
                                           json: ["baseVersion": version, "results": [["item": codes[0], "outcome": "notChecked"]]])
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains(codes[0]))

            // The field form: the rest answered except one, 保存并完成检查 saves and says what is open.
            let browser = try await h.signIn("inspector-141181")
            var form: [String: String] = ["baseVersion": String(version), "action": "complete", "summary": ""]
            for (n, c) in codes.enumerated() where n < codes.count - 1 { form["o-\(c)"] = n == 0 ? "fail" : "pass" }
            let partly = try await h.post("/enforcement/inspections/\(target.id)", as: browser, form: form)
            #expect(partly.status == .unprocessableEntity && partly.body.string.contains("还有 1 项未作答"), "\(partly.body.string.prefix(200))")
            #expect(partly.body.string.contains("check-item unanswered\" id=\"item-\(codes.last!)\""), "the open item is marked")
            #expect(partly.body.string.contains("已填 \(codes.count - 1) 项"), "the answers were saved")
            // The last one 未检查 with its reason: completed.
            let now = try await h.api(.GET, "/api/v1/inspections/\(target.id)", token: inspector).content.get(Int.self, at: "version")
            form["baseVersion"] = String(now)
            form["o-\(codes.last!)"] = "notChecked"
            form["n-\(codes.last!)"] = "设备检修停机，未能查看"
            let done = try await h.post("/enforcement/inspections/\(target.id)", as: browser, form: form)
            #expect(done.status == .seeOther, "\(done.body.string.prefix(300))")
            let stored = try #require(try await h.app.zhiben.inspections.repository.find(id: target.id, scope: .city))
            #expect(stored.state == .completed && stored.results.count == codes.count && stored.results.filter { $0.hazardID != nil }.count == 1)

            // The printed record lists every item with its outcome, and has its print button and a way back.
            let record = try await h.get("/enforcement/inspections/\(target.id)/print", as: browser).body.string
            #expect(record.components(separatedBy: "<tr class=").count - 1 == codes.count, "one row per item")
            #expect(record.contains("共 \(codes.count) 项") && record.contains("未检查 1 项") && record.contains("不符合 1 项") && record.contains("设备检修停机，未能查看"))
            #expect(record.contains("data-print") && record.contains("href=\"/enforcement/inspections/\(target.id)\""))
        }
    }

    @Test("a cross-county inspection is seen by the inspectors' county and not by a third; its officers must be of another county only when cross-county")
    func crossCounty() async throws {
        try await Harness.with(enterprises: 40) { h in
            let city = try await h.token("city")
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let roster = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141182"]).filter { $0.drawable(on: ChinaTime.day(Date())) }
            let ids = roster.prefix(2).map(\.id.uuidString)
            let routine = try await h.api(.POST, "/api/v1/inspections", token: city, json: ["enterpriseId": e.id.uuidString, "style": "routine", "inspectors": ids, "plannedOn": "2026-12-20"])
            #expect(routine.status == .unprocessableEntity && routine.body.string.contains("inspectors"))
            let one = try await h.api(.POST, "/api/v1/inspections", token: city, json: ["enterpriseId": e.id.uuidString, "style": "crossCounty", "inspectors": Array(ids.prefix(1)), "plannedOn": "2026-12-20"])
            #expect(one.status == .unprocessableEntity, "two officers at least")
            let expertAccount = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-1"))
            let expert = try #require(try await h.app.zhiben.people.repository.allExperts().first { $0.userID == expertAccount.id })
            let cross = try await h.api(.POST, "/api/v1/inspections", token: city, json: ["enterpriseId": e.id.uuidString, "style": "crossCounty", "inspectors": ids,
                                                                                         "expertId": expert.id.uuidString, "plannedOn": "2026-12-20"])
            #expect(cross.status == .created, "\(cross.body.string)")
            let id = try cross.content.get(UUID.self, at: "id")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: try await h.token("inspector-141182")).status == .ok, "assigned cross-county")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: try await h.token("inspector-141181")).status == .ok, "the enterprise's county")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: try await h.token("inspector-141102")).status == .notFound)
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: try await h.token("expert-1")).status == .ok, "the assigned expert")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(id)", token: try await h.token("expert-2")).status == .notFound)
            // The expert's pages: their inspections under 我的检查任务, and the inspected enterprise, nothing else.
            let expertBrowser = try await h.signIn("expert-1")
            let mine = try await h.get("/enforcement/inspections", as: expertBrowser).body.string
            #expect(mine.contains("我的检查任务") && mine.contains("/enforcement/inspections/\(id.uuidString)") && mine.contains("共 1 次检查"))
            #expect(try await h.get("/enforcement/inspections/\(id)", as: expertBrowser).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(e.id)", token: try await h.token("expert-1")).status == .ok, "the inspected enterprise")
            #expect(try await h.get("/enterprises/\(e.id)", as: expertBrowser).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(e.id)", token: try await h.token("expert-2")).status == .notFound)
            #expect(try await h.get("/enforcement/plan", as: expertBrowser).status == .forbidden, "nothing else of enforcement")
            #expect(try await h.api(.GET, "/api/v1/inspections", token: h.token(h.enterpriseUsername(e))).status == .forbidden)
        }
    }

    @Test("an inspection is arranged on the pages from a public report, a plan entry or by hand; the origin must be the enterprise's own record; the form keeps what was typed")
    func arrangedOnPages() async throws {
        try await Harness.with(enterprises: 40) { h in
            let officer = try await h.signIn("county-141181")
            let token = try await h.token("county-141181")
            let enterprises = try await h.enterprises(in: "141181").filter(\.active)
            let e = try #require(enterprises.first), other = try #require(enterprises.dropFirst().first)
            let roster = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"]).filter { $0.drawable(on: ChinaTime.day(Date())) }
            let ids = roster.prefix(2).map(\.id.uuidString)
            func report(_ enterprise: UUID) async throws -> UUID {
                let res = try await h.api(.POST, "/api/v1/hazards", token: token, json: [
                    "enterpriseId": enterprise.uuidString, "title": "群众举报：粉尘车间夜间违规作业", "location": "抛光车间",
                    "source": "publicReport", "foundAt": ChinaTime.day(Date()), "level": "general"])
                #expect(res.status == .created, "\(res.body.string.prefix(300))")
                return try res.content.get(UUID.self, at: "id")
            }
            let mine = try await report(e.id), theirs = try await report(other.id)
            #expect(try await h.get("/hazards/\(mine)", as: officer).body.string.contains("据举报安排执法检查"))
            #expect(try await h.get("/enterprises/\(e.id)", as: officer).body.string.contains("安排执法检查"))
            let form = try await h.get("/enforcement/inspections/new?enterprise=\(e.id)&origin=publicReport&originId=\(mine)", as: officer)
            #expect(form.status == .ok)
            #expect(form.body.string.contains(roster[0].name) && form.body.string.contains("群众举报：粉尘车间夜间违规作业"))
            let expired = try #require(try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"]).first { !$0.drawable(on: ChinaTime.day(Date())) })
            #expect(!form.body.string.contains(expired.name), "an expired certificate is not offered")
            func post(_ fields: [(String, String)]) async throws -> TestingHTTPResponse {
                let body = (fields + [("_csrf", officer.csrf)]).map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
                var headers = officer.cookieHeader
                headers.contentType = .urlEncodedForm
                return try await h.tester.sendRequest(.POST, "/enforcement/inspections", headers: headers, body: ByteBuffer(string: body))
            }
            let base = [("enterprise", e.id.uuidString), ("style", "unannounced"), ("plannedOn", "2026-12-20")]
            // Another enterprise's report, and one officer: refused, naming why, nothing made.
            let wrong = try await post(base + [("origin", "publicReport"), ("originId", theirs.uuidString)] + ids.map { ("inspectors[]", $0) })
            #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("群众举报隐患"))
            let one = try await post(base + [("origin", "publicReport"), ("originId", mine.uuidString), ("inspectors[]", ids[0])])
            #expect(one.status == .unprocessableEntity && one.body.string.contains("至少选择2名") && one.body.string.contains("value=\"\(ids[0])\" checked"))
            #expect(try await h.api(.GET, "/api/v1/inspections?enterprise=\(e.id)", token: token).content.get(Int.self, at: "total") == 0)
            let made = try await post(base + [("origin", "publicReport"), ("originId", mine.uuidString)] + ids.map { ("inspectors[]", $0) })
            #expect(made.status == .seeOther, "\(made.body.string.prefix(500))")
            let location = try #require(made.headers.first(name: .location))
            let id = try #require(UUID(uuidString: String(location.split(separator: "/").last!.prefix(36))))
            let api = try await h.api(.GET, "/api/v1/inspections/\(id)", token: token)
            #expect(try api.content.get(String.self, at: "origin") == "publicReport" && api.content.get(UUID.self, at: "originId") == mine)
            #expect(try await h.get(location, as: officer).body.string.contains("检查任务已安排"))
            // A second form for the same enterprise warns of the inspection not yet done.
            #expect(try await h.get("/enforcement/inspections/new?enterprise=\(e.id)&origin=manual", as: officer).body.string.contains("该企业已有未完成的检查"))
            // An alarm origin must name one of the enterprise's alarms.
            let alarm = try await h.api(.POST, "/api/v1/inspections", token: token, json: ["enterpriseId": e.id.uuidString, "style": "unannounced", "origin": "alarm",
                                                                                         "originId": UUID().uuidString, "inspectors": ids, "plannedOn": "2026-12-20"])
            #expect(alarm.status == .unprocessableEntity && alarm.body.string.contains("originId"))
            let draw = try await h.api(.POST, "/api/v1/inspections", token: token, json: ["enterpriseId": e.id.uuidString, "style": "routine", "origin": "draw",
                                                                                        "inspectors": ids, "plannedOn": "2026-12-20"])
            #expect(draw.status == .unprocessableEntity && draw.body.string.contains("origin"))

            // A plan entry offers to arrange its inspection, then links to it.
            let year = Int(ChinaTime.day(Date()).prefix(4))!
            _ = try await h.api(.PUT, "/api/v1/plans/141181/\(year)", token: token, json: ["version": 0, "drawQuota": 0,
                "keyEnterprises": [["enterpriseId": other.id.uuidString, "month": 12, "style": "thorough"] as [String: any Sendable]]])
            let plan = try await h.get("/enforcement/plan?year=\(year)", as: officer).body.string
            #expect(plan.contains("/enforcement/inspections/new?enterprise=\(other.id.uuidString)&amp;origin=plan&amp;style=thorough"))
            let planned = try await post([("enterprise", other.id.uuidString), ("style", "thorough"), ("plannedOn", "\(year)-12-15"), ("origin", "plan")] + ids.map { ("inspectors[]", $0) })
            #expect(planned.status == .seeOther)
            #expect(try await h.get("/enforcement/plan?year=\(year)", as: officer).body.string.contains("\(year)-12-15 待检查"))
            // Someone without the right to arrange inspections gets no form.
            #expect(try await h.get("/enforcement/inspections/new?enterprise=\(e.id)", as: try await h.signIn("inspector-141181")).status == .forbidden)
        }
    }

    @Test("一案双罚 names the enterprise and its principal or records nothing; 逢查必考 takes a failed worker off duty until a re-exam is passed; the record prints")
    func penaltiesAndExams() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let drawID = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "处罚", "size": 1]).content.get(UUID.self, at: "id")
            _ = try await h.api(.POST, "/api/v1/draws/\(drawID)/reveal", token: county)
            let inspection = try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-15"]).content.decode([InspectionProbe].self)[0]
            let inspector = try await h.token("inspector-141181")
            let checklist = try await h.app.zhiben.hazards.checklist(enterpriseID: inspection.enterpriseId, actor: .system).1
            let item = try #require(checklist.criteria.first { $0.article != 14 })
            try await h.answerEveryItem(inspection.id, token: inspector, failing: [item.id])

            // Exams during the inspection: one fails.
            let exams = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/exams", token: inspector, json: ["workers": [
                ["workerName": "赵一", "job": "叉车司机", "score": 45] as [String: any Sendable], ["workerName": "钱二", "job": "炼钢工", "score": 80] as [String: any Sendable]]])
            #expect(exams.status == .created, "\(exams.body.string)")
            let badExam = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/exams", token: inspector, json: ["workers": [["workerName": "", "score": 120] as [String: any Sendable]]])
            #expect(badExam.status == .unprocessableEntity && badExam.body.string.contains("exams[0].workerName") && badExam.body.string.contains("exams[0].score"))

            let done = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/transitions", token: inspector, json: ["action": "complete"]).content.decode(InspectionProbe.self)
            let hazardID = try #require(done.results.first?.hazardId)
            let noPrincipal = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/penalties", token: inspector, json: [
                "caseNo": "吕孝应急罚〔2026〕1号", "legalBasis": "《安全生产法》第一百零二条", "enterpriseFine": 50000, "principalFine": 10000, "decidedOn": "2026-12-20"])
            #expect(noPrincipal.status == .unprocessableEntity && noPrincipal.body.string.contains("principalName"))
            let stray = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/penalties", token: inspector, json: [
                "caseNo": "吕孝应急罚〔2026〕1号", "legalBasis": "《安全生产法》第一百零二条", "enterpriseFine": 50000, "principalName": "孙某", "principalFine": 10000,
                "decidedOn": "2026-12-20", "hazardIds": [UUID().uuidString]])
            #expect(stray.status == .unprocessableEntity && stray.body.string.contains("hazardIds"))
            let penalty = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/penalties", token: inspector, json: [
                "caseNo": "吕孝应急罚〔2026〕1号", "legalBasis": "《安全生产法》第一百零二条", "enterpriseFine": 50000, "principalName": "孙某", "principalFine": 10000,
                "decidedOn": "2026-12-20", "hazardIds": [hazardID.uuidString]])
            #expect(penalty.status == .created, "\(penalty.body.string)")
            let again = try await h.api(.POST, "/api/v1/inspections/\(inspection.id)/penalties", token: county, json: [
                "caseNo": "吕孝应急罚〔2026〕1号", "legalBasis": "同上", "enterpriseFine": 1, "principalName": "孙某", "principalFine": 1, "decidedOn": "2026-12-21"])
            #expect(again.status == .conflict, "a case number once")
            #expect(try await h.api(.GET, "/api/v1/inspections/\(inspection.id)/penalties", token: county).content.decode([PenaltyProbe].self).map(\.total) == [60000])

            // The enterprise sees its worker off duty until the re-exam is passed.
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: inspection.enterpriseId, scope: .city))
            let company = try await h.token(h.enterpriseUsername(e))
            let outstanding = try await h.api(.GET, "/api/v1/exams?enterprise=\(e.id)&outstanding=true", token: company).content.decode([ExamProbe].self)
            #expect(outstanding.map(\.workerName) == ["赵一"] && outstanding.first?.state == "awaitingRetraining")
            let enterprisePage = try await h.get("/enterprises/\(e.id)", as: try await h.signIn(h.enterpriseUsername(e))).body.string
            #expect(enterprisePage.contains("待培训补考") && enterprisePage.contains("赵一") && enterprisePage.contains("差异化监管"))
            let still = try await h.api(.POST, "/api/v1/exams/\(outstanding[0].id)/reexam", token: inspector, json: ["retrainedOn": "2026-12-22", "score": 50])
            #expect(try still.content.decode(ExamProbe.self).state == "awaitingRetraining", "50 fails again")
            // A failed re-exam can be taken again: the record keeps the latest.
            let cleared = try await h.api(.POST, "/api/v1/exams/\(outstanding[0].id)/reexam", token: inspector, json: ["retrainedOn": "2026-12-24", "score": 75])
            #expect(try cleared.content.decode(ExamProbe.self).state == "cleared")
            #expect(try await h.api(.GET, "/api/v1/exams?enterprise=\(e.id)&outstanding=true", token: company).content.decode([ExamProbe].self).isEmpty)
            #expect(try await h.api(.POST, "/api/v1/exams/\(outstanding[0].id)/reexam", token: company, json: ["retrainedOn": "2026-12-24", "score": 99]).status == .forbidden)

            let browser = try await h.signIn("inspector-141181")
            let printed = try await h.get("/enforcement/inspections/\(inspection.id)/print", as: browser).body.string
            #expect(printed.contains("安全生产行政执法检查记录") && printed.contains("签名") && printed.contains(item.id) && printed.contains("吕孝应急罚〔2026〕1号"))
            let fieldPage = try await h.get("/enforcement/inspections/\(inspection.id)", as: browser).body.string
            #expect(fieldPage.contains("一案双罚") && fieldPage.contains("赵一"))
        }
    }

    struct PenaltyProbe: Decodable { let enterpriseFine: Int; let principalFine: Int; var total: Int { enterpriseFine + principalFine } }
    struct ExamProbe: Decodable { let id: UUID; let workerName: String; let state: String }
}
