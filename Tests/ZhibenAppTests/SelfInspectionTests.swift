import Foundation
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("Self-inspections and internal reports through HTTP", .serialized)
struct SelfInspectionTests {
    @Test("an enterprise records a principal-led check of its own checklist; missed periods show; other counties see nothing")
    func recordAndStanding() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let items = try await h.api(.GET, "/api/v1/enterprises/\(e.id)/checklist", token: company).content.get([CriterionProbe].self, at: "criteria").map(\.id)
            let bad = try await h.api(.POST, "/api/v1/self-inspections", token: company, json: ["ledBy": "", "principalLed": true, "checkedItems": ["MHC-99-01"]])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(try ProblemProbe(bad).errors?.map(\.field) ?? []) == ["ledBy", "checkedItems"])
            let ok = try await h.api(.POST, "/api/v1/self-inspections", token: company,
                                     json: ["ledBy": e.profile.principal.name, "principalLed": true, "checkedItems": items])
            #expect(ok.status == .created)
            let standing = try await h.api(.GET, "/api/v1/enterprises/\(e.id)/self-inspection-standing", token: try await h.token("county-141181"))
            #expect(standing.status == .ok)
            let periods = try standing.content.get([PeriodProbe].self, at: "periods")
            #expect(periods.last?.current == true && periods.last?.checks ?? 0 >= 1)
            #expect(try standing.content.get(Int.self, at: "missed") == periods.filter(\.missed).count)
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(e.id)/self-inspection-standing", token: try await h.token("county-141182")).status == .notFound)
            #expect(try await h.api(.POST, "/api/v1/self-inspections", token: try await h.token("county-141181"),
                                    json: ["enterpriseId": e.id.uuidString, "ledBy": "x", "principalLed": true, "checkedItems": items]).status == .forbidden)
            let page = try await h.get("/self-inspections", as: try await h.signIn("county-141181"))
            #expect(page.status == .ok && page.body.string.contains("漏查"))
        }
    }

    @Test("the county view's missed periods, counted in the database, equal each enterprise's own standing")
    func countyViewMatchesStandings() async throws {
        try await Harness.with(enterprises: 60) { h in
            let county = Caller(kind: .user, id: nil, username: "county-141181", role: .countyOfficer, scope: .county("141181"))
            let (page, withMisses, total) = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: false, page: Paging(per: 200))
            #expect(total == page.total && total > 0)
            #expect(withMisses == page.items.filter { $0.missed > 0 }.count)
            #expect(withMisses > 0, "demo data has gaps")
            for s in page.items {
                let own = try await h.app.zhiben.selfInspections.standing(enterpriseID: s.enterprise.id, actor: county)
                #expect(s.missed == own.missed, "\(s.enterprise.profile.name)")
            }
            #expect(page.items.map(\.missed) == page.items.map(\.missed).sorted(by: >), "most missed first")
            let missedOnly = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: true, page: Paging(per: 2))
            #expect(missedOnly.0.total == withMisses && missedOnly.0.items.count == min(2, withMisses) && missedOnly.enterprises == total)
            let beyond = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: true, page: Paging(page: 500, per: 2))
            #expect(beyond.0.items.isEmpty && beyond.0.total == withMisses && beyond.withMisses == withMisses && beyond.enterprises == total,
                    "a page past the end still counts")
        }
    }

    @Test("the county's ranking is kept between reads and moves with the next recorded check: a late check of a missed period counts at once")
    func rankingFollowsWrites() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = Caller(kind: .user, id: nil, username: "county-141181", role: .countyOfficer, scope: .county("141181"))
            let all = Paging(per: 200)
            let (before, missedBefore, _) = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: false, page: all)
            let hits = await h.app.zhiben.computed.hits
            let again = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: false, page: all)
            #expect(await h.app.zhiben.computed.hits == hits + 1, "the second read is answered from memory")
            #expect(again.0.items.map(\.missed) == before.items.map(\.missed))
            // An enterprise with a missed period records a check conducted in it.
            let s = try #require(before.items.first { $0.missed > 0 })
            let own = try await h.app.zhiben.selfInspections.standing(enterpriseID: s.enterprise.id, actor: county)
            let gap = try #require(own.periods.last { $0.missed })
            let company = try await h.token(h.enterpriseUsername(s.enterprise))
            let items = try await h.api(.GET, "/api/v1/enterprises/\(s.enterprise.id)/checklist", token: company).content.get([CriterionProbe].self, at: "criteria").map(\.id)
            let ok = try await h.api(.POST, "/api/v1/self-inspections", token: company,
                                     json: ["ledBy": s.enterprise.profile.principal.name, "principalLed": true, "checkedItems": items,
                                            "conductedAt": ISO8601DateFormatter().string(from: gap.start.addingTimeInterval(86_400))])
            #expect(ok.status == .created)
            let (after, missedAfter, _) = try await h.app.zhiben.selfInspections.standings(actor: county, onlyMissed: false, page: all)
            let now = try #require(after.items.first { $0.enterprise.id == s.enterprise.id })
            #expect(now.missed == s.missed - 1)
            #expect(now.missed == (try await h.app.zhiben.selfInspections.standing(enterpriseID: s.enterprise.id, actor: county)).missed)
            #expect(missedAfter == missedBefore - (s.missed == 1 ? 1 : 0))
        }
    }

    @Test("internal reports: anonymous when asked; confirmed ones record a reward; a decision is taken once")
    func internalReports() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let created = try await h.api(.POST, "/api/v1/internal-reports", token: company, json: ["text": "除尘器泄爆片被封堵"])
            #expect(created.status == .created)
            #expect(try created.content.get(Bool.self, at: "anonymous"))
            let id = try created.content.get(UUID.self, at: "id")
            let noReward = try await h.api(.POST, "/api/v1/internal-reports/\(id)/decision", token: company, json: ["confirmed": true])
            #expect(noReward.status == .unprocessableEntity)
            let confirmed = try await h.api(.POST, "/api/v1/internal-reports/\(id)/decision", token: company, json: ["confirmed": true, "reward": 500])
            #expect(confirmed.status == .ok)
            #expect(try confirmed.content.get(Double.self, at: "reward") == 500)
            #expect(try await h.api(.POST, "/api/v1/internal-reports/\(id)/decision", token: company, json: ["confirmed": false]).status == .conflict)
            let outsider = try await h.token("county-141182")
            #expect(try await h.api(.POST, "/api/v1/internal-reports/\(id)/decision", token: outsider, json: ["confirmed": false]).status == .forbidden)
            let list = try await h.api(.GET, "/api/v1/internal-reports?enterprise=\(e.id)", token: outsider)
            #expect(try list.content.get(Int.self, at: "total") == 0)
        }
    }
}

struct PeriodProbe: Decodable {
    let label: String
    let checks: Int
    let missed: Bool
    let current: Bool
}
