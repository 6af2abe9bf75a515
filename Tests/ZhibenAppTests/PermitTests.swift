import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Confined spaces and permits over HTTP: the ledger, the permit's refusals and its workflow, the live
/// list, simultaneous entries, and an alarm on a space's point suspending its permits.
@Suite("confined spaces and high-risk work permits")
struct PermitTests {
    static func space(_ h: Harness, token: String, code: String = "YS-T1", points: [UUID] = []) async throws -> UUID {
        let res = try await h.api(.POST, "/api/v1/confined-spaces", token: token,
                                  json: ["code": code, "name": "测试污水池", "place": "污水站", "hazards": ["h2s", "oxygenDeficiency"], "signPosted": true,
                                         "lockOrBarrier": "井盖上锁", "pointIds": points.map(\.uuidString)])
        #expect(res.status == .created, "\(res.body.string)")
        return try res.content.get(UUID.self, at: "id")
    }

    static func worker(_ h: Harness, token: String, n: Int, name: String) async throws -> UUID {
        let res = try await h.api(.POST, "/api/v1/workers", token: token, json: ["name": name, "idNumber": DemoPeople.idNumber(county: "141181", n: n), "job": "检修工"])
        #expect(res.status == .created, "\(res.body.string)")
        return try res.content.get(UUID.self, at: "id")
    }

    static func permit(_ h: Harness, token: String, space: UUID, crew: [UUID]) async throws -> TestingHTTPResponse {
        let now = Date()
        return try await h.api(.POST, "/api/v1/permits", token: token,
                               json: ["kind": "confinedSpace", "spaceId": space.uuidString, "crew": crew.map(\.uuidString), "applicant": "申请人",
                                      "hazards": "硫化氢", "measures": "通风、检测、监护", "isolationPoints": ["进水阀"], "isolationConfirmed": true, "supervisor": "赵监护",
                                      "entryFrom": ISOTime.string(now.addingTimeInterval(-600)), "entryUntil": ISOTime.string(now.addingTimeInterval(4 * 3600))])
    }

    static func act(_ h: Harness, _ id: UUID, token: String, _ body: [String: any Sendable]) async throws -> TestingHTTPResponse {
        try await h.api(.POST, "/api/v1/permits/\(id)/actions", token: token, json: body)
    }

    static func codes(_ res: TestingHTTPResponse) throws -> [String] { try ContractorTests.refusals(res).map(\.code) }

    @Test("the ledger: a bad hazard and a duplicate number are refused naming the field; the space's QR code is an SVG of its link; regulators read, do not write")
    func ledger() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let ent = try await h.token(h.enterpriseUsername(e))
            let bad = try await h.api(.POST, "/api/v1/confined-spaces", token: ent, json: ["code": "X", "name": "池", "place": "东", "hazards": ["radon"]])
            #expect(bad.status == .unprocessableEntity)
            #expect(try WorkforceTests.fields(bad) == ["hazards[0]"])
            let id = try await Self.space(h, token: ent)
            let twice = try await h.api(.POST, "/api/v1/confined-spaces", token: ent, json: ["code": "ys-t1", "name": "池", "place": "东", "hazards": ["co"]])
            #expect(twice.status == .conflict)
            #expect(try WorkforceTests.fields(twice) == ["code"])
            #expect(try await WorkforceTests.count(h, "confined_spaces") == 1)
            let page = try await h.signIn(h.enterpriseUsername(e))
            let qr = try await h.get("/people/spaces/\(id)/qr.svg", as: page)
            #expect(qr.status == .ok)
            #expect(try qr.headers.contentType?.subType == "svg+xml" && qr.body.string.hasPrefix("<svg"))
            let county = try await h.token("county-141181")
            #expect(try await h.api(.GET, "/api/v1/confined-spaces/\(id)", token: county).status == .ok)
            #expect(try await h.api(.PATCH, "/api/v1/confined-spaces/\(id)", token: county, json: ["signPosted": false]).status == .forbidden)
            #expect(try await h.api(.GET, "/api/v1/confined-spaces/\(id)", token: try await h.token("county-141102")).status == .notFound)
        }
    }

    @Test("a permit: a crew member of another enterprise and a gas value out of range are refused naming the field, nothing written; approval needs a test and the principal for an H2S space; a failed test refuses entry; in, out, close; the county's live list shows it while open")
    func workflow() async throws {
        try await Harness.with(enterprises: 20) { h in
            let list = try await h.enterprises(in: "141181").filter(\.active)
            let (e, other) = (list[0], list[1])
            let ent = try await h.token(h.enterpriseUsername(e))
            let space = try await Self.space(h, token: ent)
            let a = try await Self.worker(h, token: ent, n: 80, name: "甲作业")
            let b = try await Self.worker(h, token: ent, n: 81, name: "乙作业")
            let foreign = try await Self.worker(h, token: try await h.token(h.enterpriseUsername(other)), n: 82, name: "外单位")

            let stray = try await Self.permit(h, token: ent, space: space, crew: [a, foreign])
            #expect(stray.status == .unprocessableEntity)
            #expect(try WorkforceTests.fields(stray) == ["crew[1].workerId"])
            #expect(try await WorkforceTests.count(h, "permits") == 0, "nothing written")

            let made = try await Self.permit(h, token: ent, space: space, crew: [a, b])
            #expect(made.status == .created, "\(made.body.string)")
            let id = try made.content.get(UUID.self, at: "id")
            #expect(try made.content.get(String.self, at: "state") == "draft")
            let today = ChinaTime.day(Date().addingTimeInterval(-600))
            #expect(try await h.api(.GET, "/api/v1/permits?from=\(today)&to=\(today)", token: ent).body.string.contains(id.uuidString), "a day's bounds hold its permits")
            #expect(try await h.api(.GET, "/api/v1/permits/export.csv?to=\(today)", token: ent).body.string.contains(try made.content.get(String.self, at: "number")))

            // Approval without a test: refused with the reason's code.
            let early = try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "钱安全", "authority": "principal"])
            #expect(early.status == .conflict)
            #expect(try (Self.codes(early)) == ["gasTestMissing"])
            // A reading no instrument gives: refused naming the field; nothing written.
            let silly = try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 150, "tester": "孙检测"])
            #expect(silly.status == .unprocessableEntity)
            #expect(try WorkforceTests.fields(silly) == ["oxygenPercent"])
            #expect(try await h.api(.GET, "/api/v1/permits/\(id)", token: ent).content.get(Int.self, at: "version") == 1)
            // Out of the acceptable range: recorded, and the work is refused.
            let low = try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 18.2, "coPPM": 0, "h2sPPM": 0, "lelPercent": 0, "tester": "孙检测"])
            #expect(low.status == .ok)
            #expect(try low.content.get([PermitDTO.Test].self, at: "tests").map(\.failed) == [["oxygen"]])
            let refused = try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "钱安全", "authority": "principal"])
            #expect(refused.status == .conflict)
            #expect(try (Self.codes(refused)) == ["gasTestFailed"])
            #expect(try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 20.8, "tester": "孙检测"]).status == .ok)
            let manager = try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "钱安全", "authority": "manager"])
            #expect(manager.status == .conflict)
            #expect(try (Self.codes(manager)) == ["approverLevel"])
            let approved = try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "王厂长", "authority": "principal"])
            #expect(approved.status == .ok)
            #expect(try (approved.content.get(String.self, at: "state")) == "approved")

            // Somebody not on the crew cannot enter; the crew can.
            let notCrew = try await Self.act(h, id, token: ent, ["action": "enter", "workerId": foreign.uuidString])
            #expect(notCrew.status == .unprocessableEntity)
            #expect(try WorkforceTests.fields(notCrew) == ["workerId"])
            let entered = try await Self.act(h, id, token: ent, ["action": "enter", "workerId": a.uuidString])
            #expect(entered.status == .ok)
            #expect(try (entered.content.get([String].self, at: "inside")) == ["甲作业"])

            // The county sees it live, with who is inside; another county does not.
            let county = try await h.token("county-141181")
            let live = try await h.api(.GET, "/api/v1/permits/live", token: county)
            #expect(live.status == .ok)
            #expect(try live.body.string.contains(id.uuidString) && live.body.string.contains("甲作业"))
            #expect(!(try await h.api(.GET, "/api/v1/permits/live", token: try await h.token("county-141102"))).body.string.contains(id.uuidString))
            // The workbenches: the county's high-risk work now, the enterprise's open permits, each linking to the permit.
            let queue = try await h.api(.GET, "/api/v1/workbench/liveWork", token: county)
            #expect(queue.status == .ok && queue.body.string.contains(id.uuidString) && queue.body.string.contains("在内1人"))
            #expect(try await h.api(.GET, "/api/v1/workbench/openPermit", token: ent).body.string.contains(id.uuidString))
            let countyPage = try await h.signIn("county-141181")
            #expect(try await h.get("/people/permits/live", as: countyPage).body.string.contains("甲作业"))

            // Closing with someone inside is refused; out, then closed; the live list no longer has it.
            let early2 = try await Self.act(h, id, token: ent, ["action": "close"])
            #expect(early2.status == .conflict)
            #expect(try (Self.codes(early2)) == ["someoneInside"])
            #expect(try await Self.act(h, id, token: ent, ["action": "exit", "workerId": a.uuidString]).status == .ok)
            let closed = try await Self.act(h, id, token: ent, ["action": "close"])
            #expect(closed.status == .ok)
            #expect(try (closed.content.get(String.self, at: "state")) == "closed")
            #expect(!(try await h.api(.GET, "/api/v1/permits/live", token: county)).body.string.contains(id.uuidString))
            #expect(try await WorkforceTests.audits(h, action: "transition", entity: "permit") == 6, "two tests, approval, in, out, close; refusals write nothing")
        }
    }

    @Test("two entries of the same person at once: one is recorded, the other refused; one entry stored")
    func simultaneousEntries() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let ent = try await h.token(h.enterpriseUsername(e))
            let space = try await Self.space(h, token: ent)
            let a = try await Self.worker(h, token: ent, n: 83, name: "丙作业")
            let id = try await Self.permit(h, token: ent, space: space, crew: [a]).content.get(UUID.self, at: "id")
            #expect(try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 20.8, "tester": "孙检测"]).status == .ok)
            #expect(try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "王厂长", "authority": "principal"]).status == .ok)
            let live = try await LiveServer.start(h)
            let statuses = try await live.race(2, .POST, "/api/v1/permits/\(id)/actions", token: ent, json: ["action": "enter", "workerId": a.uuidString, "version": 3])
            await live.stop()
            #expect(statuses == [200, 412] || statuses == [200, 409], "\(statuses)")
            let p = try await h.api(.GET, "/api/v1/permits/\(id)", token: ent)
            #expect(try p.content.get([String].self, at: "inside") == ["丙作业"])
            #expect(try await WorkforceTests.audits(h, action: "transition", entity: "permit") == 3)
        }
    }

    @Test("an alarm on a space's monitoring point suspends its open permits (the background job), and refuses resuming while it lasts")
    func alarmSuspends() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let ent = try await h.token(h.enterpriseUsername(e))
            let point = try await h.api(.POST, "/api/v1/monitoring-points", token: ent,
                                        json: ["code": "GAS-1", "name": "池内硫化氢", "indicator": "DUST-SMOKE", "interval": 30,
                                               "limits": ["abnormalStates": ["alarm"]] as [String: any Sendable]])
            #expect(point.status == .created, "\(point.body.string)")
            let pid = try point.content.get(UUID.self, at: "id")
            let space = try await Self.space(h, token: ent, points: [pid])
            let a = try await Self.worker(h, token: ent, n: 84, name: "丁作业")
            let id = try await Self.permit(h, token: ent, space: space, crew: [a]).content.get(UUID.self, at: "id")
            #expect(try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 20.8, "tester": "孙检测"]).status == .ok)
            #expect(try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "王厂长", "authority": "principal"]).status == .ok)
            #expect(try await h.app.zhiben.permits.suspendForAlarms() == 0, "no alarm, nothing suspended")

            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let sent = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "GAS-1", "ts": ISOTime.string(Date().addingTimeInterval(-5)), "value": "alarm"]]])
            #expect(sent.status == .ok, "\(sent.body.string)")
            #expect(try await h.app.zhiben.permits.suspendForAlarms() == 1)
            let p = try await h.api(.GET, "/api/v1/permits/\(id)", token: ent)
            #expect(try p.content.get(String.self, at: "state") == "suspended")
            #expect(try p.content.get(String.self, at: "suspendedReason").contains("池内硫化氢"))
            let resume = try await Self.act(h, id, token: ent, ["action": "resume"])
            #expect(resume.status == .conflict)
            #expect(try (Self.codes(resume)) == ["alarmActive"])
        }
    }
    @Test("an open permit past its window is stored as lapsed by the background job (once, audited), so the state filter finds it; only exit and close remain")
    func lapsesPastItsWindow() async throws {
        let clock = HardeningTests.MovableClock()
        try await Harness.with(enterprises: 10, clock: clock) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let ent = try await h.token(h.enterpriseUsername(e))
            let space = try await Self.space(h, token: ent)
            let a = try await Self.worker(h, token: ent, n: 85, name: "戊作业")
            let id = try await Self.permit(h, token: ent, space: space, crew: [a]).content.get(UUID.self, at: "id")
            #expect(try await Self.act(h, id, token: ent, ["action": "test", "oxygenPercent": 20.8, "tester": "孙检测"]).status == .ok)
            #expect(try await Self.act(h, id, token: ent, ["action": "approve", "approvedBy": "王厂长", "authority": "principal"]).status == .ok)
            #expect(try await h.app.zhiben.permits.lapseOverdue() == 0, "inside its window")
            clock.advance(5 * 3600)
            #expect(try await h.api(.GET, "/api/v1/permits?state=approved", token: ent).body.string.contains(id.uuidString), "stored as approved until the job runs")
            #expect(try await h.app.zhiben.permits.lapseOverdue() == 1)
            #expect(try await h.app.zhiben.permits.lapseOverdue() == 0, "once")
            #expect(try await h.api(.GET, "/api/v1/permits?state=lapsed", token: ent).body.string.contains(id.uuidString))
            #expect(!(try await h.api(.GET, "/api/v1/permits?state=approved", token: ent)).body.string.contains(id.uuidString))
            let enter = try await Self.act(h, id, token: ent, ["action": "enter", "workerId": a.uuidString])
            #expect(enter.status == .conflict)
            #expect(try Self.codes(enter) == ["wrongState"])
            #expect(try await Self.act(h, id, token: ent, ["action": "close"]).status == .ok)
        }
    }
}
