import Foundation
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Two people (or one double-tap) send the same step at the same moment, over real HTTP: one succeeds,
/// the other is refused, and the step's side effects exist once.
@Suite("simultaneous transitions over HTTP: one set of side effects", .serialized)
struct SimultaneousTransitionTests {
    /// An inspection of a 141181 enterprise in progress, with `failing` failed items and a photo on the first.
    static func inspectionInProgress(_ h: Harness, failing: Int, enterprise index: Int = 0) async throws -> (inspection: UUID, enterprise: Enterprise, photoItem: String) {
        let city = try await h.token("city")
        let e = try await h.enterprises(in: "141181").filter { $0.active }[index]
        let officers = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"]).filter { $0.drawable(on: ChinaTime.day(Date())) }
        let made = try await h.api(.POST, "/api/v1/inspections", token: city, json: [
            "enterpriseId": e.id.uuidString, "style": "routine", "inspectors": officers.prefix(2).map(\.id.uuidString), "plannedOn": "2026-12-20",
        ])
        #expect(made.status == .created, "\(made.body.string.prefix(300))")
        let id = try made.content.get(UUID.self, at: "id")
        let checklist = try await h.app.zhiben.hazards.checklist(enterpriseID: e.id, actor: .system).1
        let failed = Set(checklist.criteria.prefix(failing).map(\.id))
        let results = checklist.itemCodes.map { c in ["item": c, "outcome": failed.contains(c) ? "fail" : "pass"] }
        let saved = try await h.api(.PUT, "/api/v1/inspections/\(id)/results", token: city, json: ["baseVersion": 1, "results": results])
        #expect(saved.status == .ok, "\(saved.body.string.prefix(300))")
        let item = checklist.criteria[0].id
        var headers: HTTPHeaders = ["Content-Type": "image/png"]
        headers.bearerAuthorization = BearerAuthorization(token: city)
        let photo = try await h.tester.sendRequest(.POST, "/api/v1/inspections/\(id)/photos?item=\(item)", headers: headers, body: ByteBuffer(data: HazardFlowTests.png))
        #expect(photo.status == .created)
        return (id, e, item)
    }

    static func inspectionHazards(_ h: Harness, _ e: Enterprise) async throws -> [Hazard] {
        try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .enterprise(e.id), now: Date(), limit: 10_000).filter { $0.source == .inspection }
    }

    @Test("two completions of one inspection at once: one 200, one 409; each failed item's hazard, its photo and its notifications exist once")
    func completeTwice() async throws {
        try await Harness.with(enterprises: 20) { h in
            let (id, e, _) = try await Self.inspectionInProgress(h, failing: 4)
            let demo = Set(try await Self.inspectionHazards(h, e).map(\.id))
            let inspector = try await h.token("inspector-141181")
            let notesBefore = try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'newHazard'").first(decoding: CountRow.self)?.n ?? 0
            let live = try await LiveServer.start(h)
            let statuses = try await live.race(2, .POST, "/api/v1/inspections/\(id)/transitions", token: inspector, json: ["action": "complete"])
            await live.stop()
            #expect(statuses == [200, 409])
            let hazards = try await Self.inspectionHazards(h, e).filter { !demo.contains($0.id) }
            #expect(hazards.count == 4, "one hazard per failed item")
            let stored = try #require(try await h.app.zhiben.inspections.repository.find(id: id, scope: .city))
            #expect(stored.state == .completed && Set(stored.results.compactMap(\.hazardID)) == Set(hazards.map(\.id)))
            var photos = 0
            for hz in hazards { photos += try await h.app.zhiben.hazards.repository.photos(hazardID: hz.id).count }
            #expect(photos == 1, "the failed item's photo copied once")
            let notesAfter = try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'newHazard'").first(decoding: CountRow.self)?.n ?? 0
            let accounts = try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM users WHERE enterprise_id = \(bind: e.id) AND active = \(bind: true)").first(decoding: CountRow.self)?.n ?? 0
            #expect(notesAfter - notesBefore == 4 * accounts, "the enterprise is told of each hazard once")
            if case .broken(let seq, let reason) = try await h.app.zhiben.auditLog.repository.verify() { Issue.record("audit chain broken at \(seq): \(reason)") }
        }
    }

    @Test("a completion and a cancellation at once: exactly one wins, and the hazards exist only if the completion did")
    func completeAgainstCancel() async throws {
        try await Harness.with(enterprises: 20) { h in
            let (id, e, _) = try await Self.inspectionInProgress(h, failing: 2)
            let demo = Set(try await Self.inspectionHazards(h, e).map(\.id))
            let (inspector, county) = (try await h.token("inspector-141181"), try await h.token("county-141181"))
            let live = try await LiveServer.start(h)
            async let complete = live.send(.POST, "/api/v1/inspections/\(id)/transitions", token: inspector, json: ["action": "complete"])
            async let cancel = live.send(.POST, "/api/v1/inspections/\(id)/transitions", token: county, json: ["action": "cancel"])
            let (c, x) = try await (complete, cancel)
            await live.stop()
            #expect([c.status.code, x.status.code].sorted() == [200, 409], "\(c.body.prefix(200)) \(x.body.prefix(200))")
            let stored = try #require(try await h.app.zhiben.inspections.repository.find(id: id, scope: .city))
            let hazards = try await Self.inspectionHazards(h, e).filter { !demo.contains($0.id) }
            if c.status == .ok {
                #expect(stored.state == .completed && hazards.count == 2)
            } else {
                #expect(stored.state == .cancelled && hazards.isEmpty)
            }
        }
    }

    @Test("a hazard judged twice at once, an alarm acknowledged twice at once, a draw revealed twice and its inspections made twice at once: one of each")
    func otherRecords() async throws {
        try await Harness.with(enterprises: 30) { h in
            let county = try await h.token("county-141181")
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            // A hazard reported by an inspector, judged by the county.
            let reported = try await h.api(.POST, "/api/v1/hazards", token: try await h.token("inspector-141181"), json: [
                "enterpriseId": e.id.uuidString, "title": "同时判定的隐患", "source": "inspection", "level": "general",
            ])
            #expect(reported.status == .created, "\(reported.body.string.prefix(300))")
            let hazardID = try reported.content.get(UUID.self, at: "id")
            // An alarm on a point past its limit.
            let point = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-7001", "name": "7#压差", "indicator": "DUST-DRY-DP", "interval": 10,
                "limits": ["high": 1800.0, "highHigh": 2500.0] as [String: any Sendable],
            ])
            let pointID = try point.content.get(UUID.self, at: "id")
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            _ = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-7001", "ts": ISOTime.string(Date().addingTimeInterval(-60)), "value": 2600.0] as [String: any Sendable]]])
            let alarmID = try #require(try await h.api(.GET, "/api/v1/alarms?point=\(pointID)", token: county).content.get([IDProbe].self, at: "items").first?.id)
            // A committed draw.
            let draw = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "同时揭晓", "size": 2])
            let drawID = try draw.content.get(UUID.self, at: "id")

            let live = try await LiveServer.start(h)
            let judged = try await live.race(2, .POST, "/api/v1/hazards/\(hazardID)/transitions", token: county, json: ["action": "judge", "level": "general"])
            let acknowledged = try await live.race(2, .POST, "/api/v1/alarms/\(alarmID)/transitions", token: company, json: ["action": "acknowledge"])
            let revealed = try await live.race(2, .POST, "/api/v1/draws/\(drawID)/reveal", token: county)
            let made = try await live.race(2, .POST, "/api/v1/draws/\(drawID)/inspections", token: county, json: ["plannedOn": "2026-12-21"])
            await live.stop()

            #expect(judged == [200, 409])
            #expect(try await h.app.zhiben.hazards.repository.events(hazardID: hazardID).filter { $0.action == "judge" }.count == 1)
            #expect(acknowledged == [200, 409])
            let alarmAudit = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: alarmID.uuidString)).items
            #expect(alarmAudit.filter { $0.changes.contains { $0.field == "action" && $0.after == "acknowledge" } }.count == 1)
            #expect(revealed == [200, 409])
            #expect(made == [201, 409])
            let inspections = try await h.app.zhiben.inspections.repository.list(InspectionQuery(originID: drawID), scope: .city, page: Paging(per: 50))
            #expect(inspections.total == 2, "one inspection per pick, once")
            if case .broken(let seq, let reason) = try await h.app.zhiben.auditLog.repository.verify() { Issue.record("audit chain broken at \(seq): \(reason)") }
        }
    }
}

struct CountRow: Decodable { let n: Int }
