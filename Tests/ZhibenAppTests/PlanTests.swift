import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("the yearly enforcement plan and the enforcement figures")
struct PlanTests {
    struct InspectionNames: Decodable {
        struct Person: Decodable { let name: String }
        let state: String
        let inspectors: [Person]
    }

    @Test("a county saves its plan from the suggestions (a stale save is refused); another county's plan is not its own; the figures equal a direct count")
    func planAndFigures() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let year = Int(ChinaTime.day(Date()).prefix(4))!
            let plan = try await h.api(.GET, "/api/v1/plans/141181/\(year)", token: county)
            #expect(plan.status == .ok)
            struct Reason: Decodable { let code: String; let zh: String; let en: String }
            struct Suggestion: Decodable { let enterpriseId: UUID; let reasons: [Reason]; let expectedPerTwoYears: Int }
            let suggestions = try plan.content.get([Suggestion].self, at: "suggestions")
            #expect(!suggestions.isEmpty && suggestions.allSatisfy { !$0.reasons.isEmpty && $0.expectedPerTwoYears >= 1 })
            #expect(suggestions.flatMap(\.reasons).allSatisfy { !$0.code.isEmpty && !$0.zh.isEmpty && $0.en.allSatisfy(\.isASCII) }, "each reason in both languages")
            #expect(try plan.content.get(Int.self, at: "version") == 0)
            let keys = suggestions.prefix(2).map { ["enterpriseId": $0.enterpriseId.uuidString, "month": 3, "style": "thorough"] as [String: any Sendable] }
            let saved = try await h.api(.PUT, "/api/v1/plans/141181/\(year)", token: county, json: ["version": 0, "drawQuota": 20, "keyEnterprises": keys])
            #expect(saved.status == .ok, "\(saved.body.string.prefix(300))")
            #expect(try saved.content.get(Int.self, at: "version") == 1)
            let stale = try await h.api(.PUT, "/api/v1/plans/141181/\(year)", token: county, json: ["version": 0, "drawQuota": 5])
            #expect(stale.status == .preconditionFailed)
            let badMonth = try await h.api(.PUT, "/api/v1/plans/141181/\(year)", token: county,
                                           json: ["version": 1, "drawQuota": 5, "keyEnterprises": [["enterpriseId": suggestions[0].enterpriseId.uuidString, "month": 13, "style": "routine"] as [String: any Sendable]]])
            #expect(badMonth.status == .unprocessableEntity && badMonth.body.string.contains("keyEnterprises"))
            #expect(try await h.api(.GET, "/api/v1/plans/141182/\(year)", token: county).status == .notFound)
            #expect(try await h.api(.PUT, "/api/v1/plans/141181/\(year)", token: try await h.token("inspector-141181"), json: ["version": 1, "drawQuota": 1]).status == .forbidden)

            // Some enforcement: a draw of three, one inspection completed with a penalty and a failed exam.
            let drawID = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "t", "size": 3]).content.get(UUID.self, at: "id")
            _ = try await h.api(.POST, "/api/v1/draws/\(drawID)/reveal", token: county)
            struct Probe: Decodable { let id: UUID; let version: Int; let enterpriseId: UUID }
            let list = try await h.api(.POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "\(year)-06-01"]).content.decode([Probe].self)
            let inspector = try await h.token("inspector-141181")
            try await h.answerEveryItem(list[0].id, token: inspector)
            _ = try await h.api(.POST, "/api/v1/inspections/\(list[0].id)/exams", token: inspector, json: ["workers": [["workerName": "甲", "score": 30] as [String: any Sendable]]])
            _ = try await h.api(.POST, "/api/v1/inspections/\(list[0].id)/transitions", token: inspector, json: ["action": "complete"])
            #expect(try await h.api(.POST, "/api/v1/inspections/\(list[0].id)/penalties", token: county, json: [
                "caseNo": "测试罚〔\(year)〕1号", "legalBasis": "《安全生产法》", "enterpriseFine": 30000, "principalName": "某", "principalFine": 5000, "decidedOn": "\(year)-06-02"]).status == .created)
            let publicPage = try await h.tester.sendRequest(.GET, "/public/draws/\(drawID)").body.string
            #expect(publicPage.contains("行政处罚 测试罚〔\(year)〕1号") && publicPage.contains("罚款 35000 元"), "the decision is public with the outcome")
            _ = try await h.api(.POST, "/api/v1/inspections/\(list[1].id)/transitions", token: county, json: ["action": "cancel"])
            // An accident investigation's hazard at the cancelled one's enterprise: both show in the reasons.
            let accident = try await h.api(.POST, "/api/v1/hazards", token: inspector, json: [
                "enterpriseId": list[1].enterpriseId.uuidString, "title": "事故调查发现除尘系统未设泄爆装置", "location": "抛光车间",
                "source": "accidentInvestigation", "foundAt": ChinaTime.day(Date()), "level": "general"])
            #expect(accident.status == .created, "\(accident.body.string.prefix(300))")
            let after = try await h.api(.GET, "/api/v1/plans/141181/\(year)", token: county).content.get([Suggestion].self, at: "suggestions")
            #expect(!(after.first { $0.enterpriseId == list[0].enterpriseId }?.reasons.map(\.code).contains("neverInspected") ?? false), "inspected now")
            #expect(after.first { $0.enterpriseId == list[1].enterpriseId }?.reasons.map(\.code).contains("recentAccident") == true)

            // A thorough check-up of a high-risk enterprise, completed: coverage 1.
            let risky = try #require(try await h.enterprises(in: "141181").first { $0.active && !$0.profile.specialRisks.isDisjoint(with: PlanRules.highRisks) })
            let officers = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"]).filter { $0.drawable(on: ChinaTime.day(Date())) }
            let thorough = try await h.api(.POST, "/api/v1/inspections", token: county, json: ["enterpriseId": risky.id.uuidString, "style": "thorough", "origin": "plan",
                                                                                             "inspectors": officers.prefix(2).map(\.id.uuidString), "plannedOn": "\(year)-07-01"])
            #expect(thorough.status == .created, "\(thorough.body.string.prefix(300))")
            let t = try thorough.content.decode(Probe.self)
            try await h.answerEveryItem(t.id, token: inspector)
            #expect(try await h.api(.POST, "/api/v1/inspections/\(t.id)/transitions", token: inspector, json: ["action": "complete"]).status == .ok)

            struct Figures: Decodable, Equatable { let planned: Int; let inspections: Int; let completed: Int; let penalties: Int; let fined: Int; let offDuty: Int; let highRisk: Int; let thoroughDone: Int }
            let figures = try await h.api(.GET, "/api/v1/enforcement/figures?year=\(year)", token: county).content.decode(Figures.self)
            // High risk by the domain's rule, over the county's active enterprises as the registry gives them.
            let highRisk = try await h.enterprises(in: "141181").filter { $0.active && !$0.profile.specialRisks.isDisjoint(with: PlanRules.highRisks) }
            struct N: Decodable { let n: Int? }
            let sql = h.app.zhiben.store.sql
            func count(_ q: SQLQueryString) async throws -> Int { try await sql.raw(q).first(decoding: N.self)?.n ?? 0 }
            let direct = Figures(
                planned: 2 + 20,
                inspections: try await count("SELECT COUNT(*) AS n FROM inspections WHERE county_code = '141181' AND planned_on LIKE '\(unsafeRaw: String(year))-%' AND state <> 'cancelled'"),
                completed: try await count("SELECT COUNT(*) AS n FROM inspections WHERE county_code = '141181' AND planned_on LIKE '\(unsafeRaw: String(year))-%' AND state = 'completed'"),
                penalties: try await count("SELECT COUNT(*) AS n FROM penalties WHERE county_code = '141181'"),
                fined: try await count("SELECT CAST(SUM(enterprise_fine + principal_fine) AS BIGINT) AS n FROM penalties WHERE county_code = '141181'"),
                offDuty: try await count("SELECT COUNT(*) AS n FROM worker_exams WHERE county_code = '141181' AND state = 'awaitingRetraining'"),
                highRisk: highRisk.count,
                thoroughDone: try await count("SELECT COUNT(DISTINCT enterprise_id) AS n FROM inspections WHERE county_code = '141181' AND state = 'completed' AND style = 'thorough'"))
            #expect(figures == direct)
            #expect(figures == Figures(planned: 22, inspections: 3, completed: 2, penalties: 1, fined: 35000, offDuty: 1, highRisk: highRisk.count, thoroughDone: 1))
            let page = try await h.get("/overview", as: try await h.signIn("county-141181")).body.string
            #expect(page.contains("执法检查（\(year)年）") && page.contains("35000"))
            let planPage = try await h.get("/enforcement/plan", as: try await h.signIn("county-141181")).body.string
            #expect(planPage.contains("体检式精查覆盖") && planPage.contains("双随机抽查数"))
            #expect(planPage.contains("检查日历") && planPage.contains("执法人员工作量"))
            let drawn = try await h.api(.GET, "/api/v1/inspections?draw=\(drawID)", token: county).content.get([InspectionNames].self, at: "items")
            let name = try #require(drawn.first { $0.state == "completed" }?.inspectors.first?.name)
            #expect(planPage.contains(name), "the completed inspection's inspector is on the workload")
        }
    }
}
