import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Contractors over the API: the registry, admission, bans, jobs and the start-of-work gate.
@Suite("contractors: registry, admission, bans, the start-of-work gate")
struct ContractorTests {
    /// The refusals a 409 lists.
    static func refusals(_ res: TestingHTTPResponse) throws -> [Problem.RefusalItem] {
        struct Body: Decodable { let refusals: [Problem.RefusalItem] }
        return try JSONDecoder().decode(Body.self, from: Data(res.body.readableBytesView)).refusals
    }

    static func member(_ id: UUID, _ op: String) -> [String: any Sendable] { ["workerId": id.uuidString, "operations": [op]] }

    static func code(_ n: Int) -> String { CreditCode.completing(String(format: "91141181MA0TEXT%02d", n))!.value }

    /// A contractor admitted at `e` with an agreement valid today, and a trained worker of `e` holding a
    /// valid welding certificate.
    static func setUp(_ h: Harness, _ e: Enterprise, token: String) async throws -> (contractor: UUID, welder: UUID) {
        let made = try await h.api(.POST, "/api/v1/contractors", token: token, json: ["creditCode": code(1), "name": "演示检修公司"])
        #expect(made.status == .created, "\(made.body.string)")
        let cid = try made.content.get(UUID.self, at: "id")
        let today = ChinaTime.day(Date())
        let admitted = try await h.api(.PUT, "/api/v1/contractors/\(cid)/admission", token: token,
                                       json: ["agreement": ["scope": "设备检修", "signedOn": today, "validFrom": today, "validUntil": CertificateRules.adding(years: 1, to: today)!]])
        #expect(admitted.status == .ok, "\(admitted.body.string)")
        let w = try await h.api(.POST, "/api/v1/workers", token: token, json: ["name": "孙立新", "idNumber": DemoPeople.idNumber(county: "141181", n: 70), "job": "焊工",
                                                                              "kind": "contractor", "contractorName": "演示检修公司", "inductionOn": today])
        let wid = try w.content.get(UUID.self, at: "id")
        let cert = try await h.api(.POST, "/api/v1/workers/\(wid)/certificates", token: token,
                                   json: ["operation": "2.1", "number": "T1", "issuer": "吕梁", "validFrom": CertificateRules.adding(years: -1, to: today)!])
        #expect(cert.status == .created)
        return (cid, wid)
    }

    @Test("the gate lists every missing item with its code (409); a good job starts; a crew member from another enterprise is refused naming the field; two starts at once: one 200")
    func gate() async throws {
        try await Harness.with(enterprises: 20) { h in
            let list = try await h.enterprises(in: "141181")
            let (e, other) = (list[0], list[1])
            let ent = try await h.token(h.enterpriseUsername(e))
            let (cid, welder) = try await Self.setUp(h, e, token: ent)
            let today = ChinaTime.day(Date())

            // A worker of another enterprise cannot be on the crew.
            let foreign = try await h.api(.POST, "/api/v1/workers", token: try await h.token(h.enterpriseUsername(other)),
                                          json: ["name": "外单位", "idNumber": DemoPeople.idNumber(county: "141181", n: 71)]).content.get(UUID.self, at: "id")
            let stray = try await h.api(.POST, "/api/v1/contractor-jobs", token: ent,
                                        json: ["contractorId": cid.uuidString, "title": "检修", "startOn": today, "endOn": today, "crew": [["workerId": foreign.uuidString]]])
            #expect(stray.status == .unprocessableEntity)
            #expect(WorkforceTests.fields(stray) == ["crew[0].workerId"])
            #expect(try await WorkforceTests.count(h, "contractor_jobs") == 0, "nothing written")

            // Empty plan, no supervisor, an untrained member without the certificate the job needs.
            let novice = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "新工人", "idNumber": DemoPeople.idNumber(county: "141181", n: 72)])
                .content.get(UUID.self, at: "id")
            let job = try await h.api(.POST, "/api/v1/contractor-jobs", token: ent,
                                      json: ["contractorId": cid.uuidString, "title": "管道动火", "startOn": today, "endOn": today,
                                             "crew": [Self.member(welder, "2.1"), Self.member(novice, "2.1")] as [[String: any Sendable]]])
            #expect(job.status == .created, "\(job.body.string)")
            let jid = try job.content.get(UUID.self, at: "id")
            let refused = try await h.api(.POST, "/api/v1/contractor-jobs/\(jid)/transitions", token: ent, json: ["action": "start"])
            #expect(refused.status == .conflict)
            let codes = try Self.refusals(refused).map(\.code)
            #expect(codes == ["planEmpty", "crewUntrained", "certificateMissing", "noSupervisor"], "\(codes)")
            #expect(try await h.api(.GET, "/api/v1/contractor-jobs/\(jid)", token: ent).content.get(String.self, at: "state") == "planned", "nothing changed")
            let gate = try await h.api(.GET, "/api/v1/contractor-jobs/\(jid)/gate", token: ent).content.get(GateDTO.self)
            #expect(!gate.clear && gate.refusals.map(\.code) == codes)

            // Fixed: the novice off the crew, a plan, a supervisor.
            let fixed = try await h.api(.PATCH, "/api/v1/contractor-jobs/\(jid)", token: ent,
                                        json: ["plan": "置换合格后动火", "supervisor": "王立新", "crew": [Self.member(welder, "2.1")] as [[String: any Sendable]]])
            #expect(fixed.status == .ok, "\(fixed.body.string)")
            let live = try await LiveServer.start(h)
            let statuses = try await live.race(2, .POST, "/api/v1/contractor-jobs/\(jid)/transitions", token: ent, json: ["action": "start", "version": 2])
            await live.stop()
            #expect(statuses == [200, 412] || statuses == [200, 409], "\(statuses)")
            let started = try await h.api(.GET, "/api/v1/contractor-jobs/\(jid)", token: ent)
            #expect(try started.content.get(String.self, at: "state") == "working" && (try started.content.get(String.self, at: "lastStartedOn")) == today)
            #expect(try await WorkforceTests.audits(h, action: "transition", entity: "contractor-job") == 1)

            // The next day's start is checked again: a violation takes the welder off duty.
            _ = try await h.api(.POST, "/api/v1/violations", token: ent, json: ["workerId": welder.uuidString, "kind": "operation", "happenedOn": today, "what": "未戴面罩"])
            let again = try await h.app.zhiben.contractors.gate(jid, actor: .system).1
            #expect(again.map(\.code) == ["crewOffDuty"])
        }
    }

    @Test("a 较大 fatal accident bans the contractor city-wide for three years: admission elsewhere and every start are refused with the accident as the reason")
    func bans() async throws {
        try await Harness.with(enterprises: 20) { h in
            let list = try await h.enterprises(in: "141181")
            let (e, other) = (list[0], list[1])
            let ent = try await h.token(h.enterpriseUsername(e))
            let (cid, welder) = try await Self.setUp(h, e, token: ent)
            let today = ChinaTime.day(Date())
            let job = try await h.api(.POST, "/api/v1/contractor-jobs", token: ent,
                                      json: ["contractorId": cid.uuidString, "title": "检修", "plan": "方案", "supervisor": "王立新", "startOn": today, "endOn": today,
                                             "crew": [Self.member(welder, "2.1")] as [[String: any Sendable]]]).content.get(UUID.self, at: "id")

            // Only regulators record accidents; deaths must fit the level.
            #expect(try await h.api(.POST, "/api/v1/contractors/\(cid)/accidents", token: ent,
                                    json: ["enterpriseId": e.id.uuidString, "on": today, "level": "larger", "deaths": 3, "what": "中毒"]).status == .forbidden)
            let county = try await h.token("county-141181")
            let mismatch = try await h.api(.POST, "/api/v1/contractors/\(cid)/accidents", token: county,
                                           json: ["enterpriseId": e.id.uuidString, "on": today, "level": "general", "deaths": 3, "what": "中毒"])
            #expect(mismatch.status == .unprocessableEntity && WorkforceTests.fields(mismatch) == ["level"])
            let accident = try await h.api(.POST, "/api/v1/contractors/\(cid)/accidents", token: county,
                                           json: ["enterpriseId": e.id.uuidString, "on": today, "level": "larger", "deaths": 3, "what": "检修中煤气中毒"])
            #expect(accident.status == .created, "\(accident.body.string)")
            let bans = try accident.content.get([ContractorDTO.Ban].self, at: "bans")
            #expect(bans.contains { $0.kind == "cityWide" && $0.until == CertificateRules.adding(years: 3, to: today) })

            let start = try await h.api(.POST, "/api/v1/contractor-jobs/\(job)/transitions", token: ent, json: ["action": "start"])
            #expect(start.status == .conflict)
            #expect(try Self.refusals(start).map(\.code) == ["contractorBanned"])
            let elsewhere = try await h.api(.PUT, "/api/v1/contractors/\(cid)/admission", token: try await h.token(h.enterpriseUsername(other)), json: [:])
            #expect(elsewhere.status == .conflict)
            let item = try #require(try Self.refusals(elsewhere).first)
            #expect(item.code == "contractorBanned" && item.day == CertificateRules.adding(years: 3, to: today))
            // Visible to every county, with the accident.
            let seen = try await h.api(.GET, "/api/v1/contractors?fatal=true", token: try await h.token("county-141102")).content.get([ContractorDTO].self, at: "items")
            #expect(seen.map(\.id) == [cid] && seen[0].accidents.first?.what == "检修中煤气中毒")
        }
    }

    @Test("the registry: a credit code with a wrong check character is refused naming the field; the same code twice is a conflict")
    func registry() async throws {
        try await Harness.with(enterprises: 20) { h in
            let county = try await h.token("county-141181")
            var wrong = Array(Self.code(5))
            wrong[17] = wrong[17] == "1" ? "2" : "1"
            let bad = try await h.api(.POST, "/api/v1/contractors", token: county, json: ["creditCode": String(wrong), "name": "某公司"])
            #expect(bad.status == .unprocessableEntity && WorkforceTests.fields(bad) == ["creditCode"])
            #expect(try await h.api(.POST, "/api/v1/contractors", token: county, json: ["creditCode": Self.code(5), "name": "某公司"]).status == .created)
            let twice = try await h.api(.POST, "/api/v1/contractors", token: county, json: ["creditCode": Self.code(5).lowercased(), "name": "另一公司"])
            #expect(twice.status == .conflict && WorkforceTests.fields(twice) == ["creditCode"])
            #expect(try await WorkforceTests.count(h, "contractors") == 1)
            let csv = try await h.api(.GET, "/api/v1/contractors/export.csv", token: county)
            #expect(csv.status == .ok && csv.body.string.contains("某公司"))
        }
    }
}
