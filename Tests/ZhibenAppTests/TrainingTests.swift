import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Trainings, principals' coverage, managers' exams and drills over the API.
@Suite("people: training coverage, managers' exams, drills")
struct TrainingTests {
    @Test("coverage by year equals direct counts of the enterprises with each risk and their principals trained on it; another county's training leaves it unchanged")
    func coverage() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let all = try await h.enterprises(in: "141181").filter(\.active)
            let dusty = all.filter { $0.profile.specialRisks.contains(.combustibleDust) }
            try #require(dusty.count >= 2, "the demo county has dust enterprises")
            let today = ChinaTime.day(Date())
            let attendees: [[String: any Sendable]] = dusty.prefix(2).map { ["enterpriseId": $0.id.uuidString, "role": "principal"] }
            let made = try await h.api(.POST, "/api/v1/trainings", token: county,
                                       json: ["title": "粉尘涉爆专题培训", "topic": "combustibleDust", "on": today, "attendees": attendees])
            #expect(made.status == .created, "\(made.body.string)")
            // An enterprise of another county is refused as an attendee of this county's training, naming it.
            let other = try #require(try await h.enterprises(in: "141102").first)
            let stray = try await h.api(.POST, "/api/v1/trainings", token: county,
                                        json: ["title": "x", "on": today, "attendees": [["enterpriseId": other.id.uuidString, "role": "principal"]] as [[String: any Sendable]]])
            #expect(stray.status == .unprocessableEntity && WorkforceTests.fields(stray) == ["attendees[0].enterpriseId"])

            let rows = try await h.api(.GET, "/api/v1/trainings/coverage", token: county).content.get([CoverageDTO].self)
            #expect(rows.map(\.topic) == ["combustibleDust", "metalSmelting", "confinedSpace"] && rows.map(\.year) == [2024, 2025, 2026])
            for row in rows {
                let risk = SpecialRisk(rawValue: row.topic)!
                let concerned = all.filter { $0.profile.specialRisks.contains(risk) }
                let trained = risk == .combustibleDust ? Set(dusty.prefix(2).map(\.id)) : []
                let direct = TrainingRules.coverage(risk, principals: concerned.map { e in
                    (risks: e.profile.specialRisks, trainings: trained.contains(e.id) ? [(topic: risk, on: today)] : [])
                }, today: today)
                #expect(row.required == direct.required && row.trained == direct.trained, "\(row.topic)")
                #expect(Set(row.untrained.map(\.enterpriseId)) == Set(concerned.map(\.id)).subtracting(trained))
            }
            // The city sees the same county figures.
            let city = try await h.api(.GET, "/api/v1/trainings/coverage?county=141181", token: try await h.token("city")).content.get([CoverageDTO].self)
            #expect(city.map(\.trained) == rows.map(\.trained))
        }
    }

    @Test("an unexamined principal of metal smelting is listed until an exam is passed; drills: due by the interval, overdue when never drilled, equal to direct counts")
    func examsAndDrills() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let all = try await h.enterprises(in: "141181").filter(\.active)
            let smelters = all.filter { $0.profile.specialRisks.contains(.metalSmelting) }
            let listed = try await h.api(.GET, "/api/v1/manager-exams/unexamined-principals", token: county).content.get([TrainingAPIController.UnexaminedDTO].self)
            #expect(Set(listed.map(\.enterpriseId)) == Set(smelters.map(\.id)) && listed.allSatisfy { $0.criterion == "MHC-3-03" })
            let today = ChinaTime.day(Date())
            if let first = smelters.first {
                let failed = try await h.api(.POST, "/api/v1/manager-exams", token: county, json: ["enterpriseId": first.id.uuidString, "role": "principal", "on": today, "passed": false])
                #expect(failed.status == .created)
                #expect(try await h.api(.GET, "/api/v1/manager-exams/unexamined-principals", token: county).content.get([TrainingAPIController.UnexaminedDTO].self).count == smelters.count)
                _ = try await h.api(.POST, "/api/v1/manager-exams", token: county, json: ["enterpriseId": first.id.uuidString, "role": "principal", "on": today, "passed": true])
                #expect(try await h.api(.GET, "/api/v1/manager-exams/unexamined-principals", token: county).content.get([TrainingAPIController.UnexaminedDTO].self).count == smelters.count - 1)
            }
            // Enterprises can't record exams.
            let e = all[0]
            let ent = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/manager-exams", token: ent, json: ["enterpriseId": e.id.uuidString, "role": "principal", "on": today, "passed": true]).status == .forbidden)

            let drilled = try await h.api(.POST, "/api/v1/drills", token: ent, json: ["kind": "special", "on": today, "scenario": "煤气泄漏", "participants": 30])
            #expect(drilled.status == .created, "\(drilled.body.string)")
            let badDrill = try await h.api(.POST, "/api/v1/drills", token: ent, json: ["kind": "special", "on": today, "scenario": "", "participants": 0])
            #expect(badDrill.status == .unprocessableEntity && Set(WorkforceTests.fields(badDrill)) == ["scenario", "participants"])
            let standing = try await h.api(.GET, "/api/v1/drills/standing", token: county).content.get(DrillStandingDTO.self)
            #expect(standing.enterprises.count == all.count)
            let mine = try #require(standing.enterprises.first { $0.enterpriseId == e.id })
            let p = DrillRules.profile(e.profile)
            #expect(mine.lastDrill == today && mine.intervalMonths == DrillRules.intervalMonths(p) && !mine.overdue)
            #expect(mine.dueBy == DrillRules.due(p, lastDrill: today, today: today).by)
            #expect(standing.enterprises.filter(\.overdue).count == all.count - 1, "every other enterprise never drilled")
            #expect(standing.countiesWithoutObservationDrill == ["141181"])
            let observed = try await h.api(.POST, "/api/v1/drills", token: county, json: ["kind": "observation", "on": today, "scenario": "观摩", "participants": 100])
            #expect(observed.status == .created)
            #expect(try await h.api(.GET, "/api/v1/drills/standing", token: county).content.get(DrillStandingDTO.self).countiesWithoutObservationDrill.isEmpty)
            // An enterprise cannot record the county's observation drill.
            #expect(try await h.api(.POST, "/api/v1/drills", token: ent, json: ["kind": "observation", "on": today, "scenario": "x", "participants": 1]).status == .unprocessableEntity)
        }
    }

    @Test("the page: coverage, the unexamined principals with the offer to report, drills; the report form comes filled with the criterion")
    func page() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.signIn("county-141181")
            let page = try await h.get("/people/trainings", as: county)
            #expect(page.status == .ok)
            let body = page.body.string
            #expect(body.contains("主要负责人培训覆盖") && body.contains("应急演练") && !body.contains("ZhibenApp.HTML"), "markup built as markup, not as text")
            if let smelter = try await h.enterprises(in: "141181").first(where: { $0.profile.specialRisks.contains(.metalSmelting) && $0.active }) {
                #expect(body.contains("criterion=MHC-3-03"))
                let form = try await h.get("/hazards/new?enterprise=\(smelter.id)&criterion=MHC-3-03", as: county).body.string
                #expect(form.contains("MHC-3-03"))
            }
        }
    }
    @Test("a drill's photos: the enterprise adds them to its drill (judged by content), another enterprise cannot, a county cannot add to an enterprise's drill; the exports list the drills, trainings and exams in scope")
    func drillPhotosAndExports() async throws {
        try await Harness.with(enterprises: 20) { h in
            let list = try await h.enterprises(in: "141181").filter(\.active)
            let (e, other) = (list[0], list[1])
            let ent = try await h.token(h.enterpriseUsername(e))
            let made = try await h.api(.POST, "/api/v1/drills", token: ent, json: ["kind": "special", "on": ChinaTime.day(Date()), "scenario": "煤气泄漏处置", "participants": 24])
            #expect(made.status == .created, "\(made.body.string)")
            let id = try made.content.get(UUID.self, at: "id")
            func upload(_ token: String, _ body: Data) async throws -> TestingHTTPResponse {
                var headers: HTTPHeaders = ["Content-Type": "image/png"]
                headers.bearerAuthorization = BearerAuthorization(token: token)
                return try await h.tester.sendRequest(.POST, "/api/v1/drills/\(id)/photos", headers: headers, body: ByteBuffer(data: body))
            }
            let fake = try await upload(ent, Data("not an image".utf8))
            #expect(fake.status == .unprocessableEntity && WorkforceTests.fields(fake) == ["photo"])
            #expect(try await upload(try await h.token(h.enterpriseUsername(other)), HazardFlowTests.png).status == .notFound)
            #expect(try await upload(try await h.token("county-141181"), HazardFlowTests.png).status == .forbidden)
            let stored = try await upload(ent, HazardFlowTests.png)
            #expect(stored.status == .created)
            let photo = try stored.content.get(UUID.self, at: "id")
            let drill = try await h.api(.GET, "/api/v1/drills/\(id)", token: ent)
            #expect(try drill.content.get([UUID].self, at: "photos") == [photo])
            let bytes = try await h.api(.GET, "/api/v1/drills/\(id)/photos/\(photo)", token: try await h.token("county-141181"))
            #expect(bytes.status == .ok && Data(bytes.body.readableBytesView) == HazardFlowTests.png && bytes.headers.contentType?.subType == "png")
            #expect(try await WorkforceTests.audits(h, action: "upload", entity: "drill") == 1)

            let csv = try await h.api(.GET, "/api/v1/drills/export.csv?county=141181", token: try await h.token("county-141181"))
            #expect(csv.status == .ok && csv.body.string.contains("煤气泄漏处置"))
            #expect(!(try await h.api(.GET, "/api/v1/drills/export.csv", token: try await h.token("county-141102"))).body.string.contains("煤气泄漏处置"))
            #expect(try await h.api(.GET, "/api/v1/trainings/export.csv", token: ent).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/manager-exams/export.csv?from=2026-01-01", token: ent).status == .ok)
            #expect(try await h.api(.GET, "/api/v1/drills?from=2999-01-01", token: ent).content.get(Int.self, at: "total") == 0)
        }
    }
}
