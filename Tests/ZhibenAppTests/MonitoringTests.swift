import Foundation
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

struct PointProbe: Decodable {
    struct Limits: Decodable { let low: Double?; let high: Double?; let highHigh: Double?; let abnormalStates: [String]? }
    let id: UUID
    let code: String
    let kind: String
    let limits: Limits
    let version: Int
}

struct LimitChangeProbe: Decodable {
    struct Limits: Decodable { let high: Double? }
    let before: Limits?
    let after: Limits
    let by: String
}

@Suite("Monitoring points through HTTP", .serialized)
struct MonitoringTests {
    static let body: [String: any Sendable] = [
        "code": "T-9101", "name": "9#除尘器灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "unit": "°C", "interval": 60,
        "limits": ["low": 5.0, "high": 70.0, "highHigh": 90.0, "onDelay": 30, "deadband": 2.0] as [String: any Sendable],
    ]

    @Test("an enterprise adds points with its own limits; bad limits, unknown indicators and taken codes are refused; regulators read in their jurisdiction")
    func pointsLifecycle() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let county = try await h.token("county-141181")
            let before = try await h.api(.GET, "/api/v1/monitoring-points?enterprise=\(e.id)", token: county).content.get(Int.self, at: "total")
            let created = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: Self.body)
            #expect(created.status == .created, "\(created.body.string)")
            let point = try created.content.decode(PointProbe.self)
            #expect(point.kind == "analog" && point.limits.high == 70 && created.headers.first(name: .eTag) == "\"1\"")

            for (bad, field) in [
                (["limits": ["low": 80.0, "high": 70.0] as [String: any Sendable]], "limits"),
                (["indicator": "NO-SUCH"], "indicator"),
                (["code": "有 空格"], "code"),
                (["interval": 0], "interval"),
                (["indicator": "DUST-SMOKE", "kind": "state", "limits": ["high": 1.0] as [String: any Sendable]], "limits"),
            ] as [([String: any Sendable], String)] {
                var body = Self.body
                body["code"] = "X-\(field)"
                for (k, v) in bad { body[k] = v }
                let res = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: body)
                #expect(res.status == .unprocessableEntity, "\(bad)")
                #expect(try ProblemProbe(res).errors?.map(\.field).contains(field) == true, "\(bad): \(res.body.string)")
            }
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: Self.body).status == .conflict, "codes are unique in the enterprise")
            let state = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9102", "name": "9#除尘器烟感", "indicator": "DUST-SMOKE", "interval": 30, "limits": ["abnormalStates": ["alarm", "fault"]],
            ])
            #expect(state.status == .created, "\(state.body.string)")
            #expect(try state.content.decode(PointProbe.self).kind == "state", "the kind comes from the indicator")

            // Regulators read, in their jurisdiction only; they do not manage points.
            #expect(try await h.api(.GET, "/api/v1/monitoring-points/\(point.id)", token: county).status == .ok)
            let listed = try await h.api(.GET, "/api/v1/monitoring-points?enterprise=\(e.id)", token: county)
            #expect(try listed.content.get(Int.self, at: "total") == before + 2)
            #expect(try await h.api(.GET, "/api/v1/monitoring-points/\(point.id)", token: try await h.token("county-141182")).status == .notFound)
            #expect(try await h.api(.GET, "/api/v1/monitoring-points?per=200", token: try await h.token("county-141182"))
                .content.get([IDProbe].self, at: "items").allSatisfy { $0.id != point.id })
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: county, json: Self.body).status == .forbidden)
            #expect(try await h.api(.PATCH, "/api/v1/monitoring-points/\(point.id)", token: county, json: ["name": "x"]).status == .forbidden)

            // Changing limits: versioned, kept in the history with who and when, audited.
            let changed = try await h.api(.PATCH, "/api/v1/monitoring-points/\(point.id)", token: company,
                                          json: ["limits": ["low": 5.0, "high": 75.0, "highHigh": 90.0]], headers: ["If-Match": "\"1\""])
            #expect(changed.status == .ok, "\(changed.body.string)")
            #expect(try changed.content.decode(PointProbe.self).limits.high == 75)
            #expect(try await h.api(.PATCH, "/api/v1/monitoring-points/\(point.id)", token: company, json: ["name": "改名"],
                                    headers: ["If-Match": "\"1\""]).status == .preconditionFailed)
            let renamed = try await h.api(.PATCH, "/api/v1/monitoring-points/\(point.id)", token: company, json: ["name": "改名"])
            #expect(try renamed.content.decode(PointProbe.self).limits.high == 75, "an absent field is kept")
            let history = try await h.api(.GET, "/api/v1/monitoring-points/\(point.id)/limit-history", token: county).content.decode([LimitChangeProbe].self)
            #expect(history.count == 2, "the first limits and one change; a rename is not a limit change")
            #expect(history.first?.before?.high == 70 && history.first?.after.high == 75 && history.first?.by == h.enterpriseUsername(e))
            let audit = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: point.id.uuidString))
            #expect(audit.items.map(\.action).sorted() == ["create", "update", "update"])

            // Another enterprise cannot see or change it.
            let other = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 100).first { $0.id != e.id })
            let stranger = try await h.token(h.enterpriseUsername(other))
            #expect(try await h.api(.PATCH, "/api/v1/monitoring-points/\(point.id)", token: stranger, json: ["name": "x"]).status == .notFound)
        }
    }

    @Test("the pages: an enterprise adds a point, a bad limit is named beside its field, a stale edit is not saved, the history shows the change")
    func pointPages() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.signIn(h.enterpriseUsername(e))
            let fields = ["code": "T-9001", "name": "9#灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": "60", "low": "5", "high": "70",
                          "highHigh": "60", "onDelay": "30", "deadband": "1"]
            let bad = try await h.post("/monitoring/points", as: company, form: fields)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("限值应满足") && bad.body.string.contains("value=\"T-9001\""), "the error, and what was typed")
            var good = fields
            good["highHigh"] = "90"
            let created = try await h.post("/monitoring/points", as: company, form: good)
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            let page = try await h.get(location, as: company)
            #expect(page.body.string.contains("L 5 · H 70 · HH 90"))
            let path = String(location.prefix { $0 != "?" })

            var changed = good
            changed["high"] = "75"
            changed["version"] = "1"
            #expect(try await h.post(path, as: company, form: changed).status == .seeOther)
            changed["high"] = "80"
            let stale = try await h.post(path, as: company, form: changed)
            #expect(stale.status == .conflict, "the form still carries version 1")
            #expect(stale.body.string.contains("已被他人修改") && stale.body.string.contains("value=\"80\""))
            let county = try await h.signIn("county-141181")
            let seen = try await h.get(path, as: county).body.string
            #expect(seen.contains("L 5 · H 75 · HH 90") && seen.contains("限值变更记录（2）"))
            #expect(!seen.contains("修改点位与限值"), "regulators read; they do not change points")
            #expect(try await h.get("/monitoring/points?q=T-9001", as: county).body.string.contains("9#灰斗温度"))
            #expect(try await h.get("/monitoring/points/new", as: county).status == .forbidden)
        }
    }

    @Test("telemetry: a key writes its own enterprise's points; bad readings are listed by index while the rest are stored; a repeat stores nothing twice")
    func ingest() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            for body in [Self.body, ["code": "T-9102", "name": "9#烟感", "indicator": "DUST-SMOKE", "interval": 30,
                                     "limits": ["abnormalStates": ["alarm"]] as [String: any Sendable]] as [String: any Sendable]] {
                #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: body).status == .created)
            }
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let now = h.app.zhiben.clock.now()
            func at(_ s: TimeInterval) -> String { ISOTime.string(now.addingTimeInterval(s)) }
            let batch: [[String: any Sendable]] = [
                ["point": "T-9101", "ts": at(-120), "value": 41.5], ["point": "T-9101", "ts": at(-60), "value": 42],
                ["point": "T-9102", "ts": at(-60), "value": "alarm"], ["point": "T-9102", "ts": at(-30), "value": 0],
                ["point": "NOPE", "ts": at(-60), "value": 1], ["point": "T-9101", "ts": at(3600), "value": 1],
                ["point": "T-9101", "ts": at(-60), "value": "42"], ["point": 7, "ts": at(-60), "value": 1], ["ts": at(-60)],
            ]
            let first = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": batch])
            #expect(first.status == .ok, "\(first.body.string)")
            #expect(try first.content.get(Int.self, at: "accepted") == 4)
            #expect(try first.content.get(Int.self, at: "rejected") == 5)
            #expect(try first.content.get([Rejection].self, at: "rejections").map(\.index) == [4, 5, 6, 7, 8])
            let again = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": batch])
            #expect(try again.content.get(Int.self, at: "accepted") == 0 && again.content.get(Int.self, at: "duplicates") == 4)

            let point = try #require(try await h.app.zhiben.monitoring.list(MonitoringPointQuery(enterpriseID: e.id, search: "T-9101"), page: Paging(), actor: .system).items.first)
            let stored = try await h.app.zhiben.telemetry.readings.readings(pointID: point.id, from: now.addingTimeInterval(-3600), to: now, limit: 10)
            #expect(stored.map(\.value) == [41.5, 42])

            // Whole-request refusals.
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: key, body: ByteBuffer(string: "{\"readings\": [")).status == .badRequest)
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["rows": [String]()]).status == .unprocessableEntity)
            let tooMany = (0...TelemetryRules.maxReadings).map { i in ["point": "T-9101", "ts": at(-Double(i)), "value": 1] as [String: any Sendable] }
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": tooMany]).status == .unprocessableEntity)
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: company, json: ["readings": batch]).status == .forbidden, "people do not send readings")
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: "zk_nonsense", json: ["readings": batch]).status == .unauthorized)

            // Another enterprise's key cannot write these points: to it they do not exist.
            let other = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 100).first { $0.id != e.id })
            let otherKey = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: other.profile.creditCode, actor: .system, origin: nil)
            let foreign = try await h.api(.POST, "/api/v1/telemetry", token: otherKey, json: ["readings": [["point": "T-9101", "ts": at(-10), "value": 1] as [String: any Sendable]]])
            #expect(try foreign.content.get(Int.self, at: "accepted") == 0 && foreign.content.get(Int.self, at: "rejected") == 1)
        }
    }
}

struct Rejection: Decodable { let index: Int; let reason: String }

struct AlarmProbe: Decodable {
    let id: UUID
    let condition: String
    let level: Int
    let state: String
    let raisedValue: String
    let normalValue: String?
}

@Suite("Alarms from telemetry", .serialized)
struct AlarmFlowTests {
    @Test("readings past a limit raise an alarm, a graver one upgrades it, the return to normal is recorded; silence raises offline; a restart raises nothing twice")
    func alarmsFromReadings() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let created = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9201", "name": "9#灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 10,
                "limits": ["high": 70.0, "highHigh": 90.0, "deadband": 2.0] as [String: any Sendable],
            ])
            let point = try created.content.decode(PointProbe.self)
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let now = h.app.zhiben.clock.now()
            func send(_ values: [(TimeInterval, Double)]) async throws {
                let readings = values.map { ["point": "T-9201", "ts": ISOTime.string(now.addingTimeInterval($0.0)), "value": $0.1] as [String: any Sendable] }
                let res = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": readings])
                #expect(res.status == .ok, "\(res.body.string)")
            }
            func alarms() async throws -> [AlarmProbe] {
                try await h.api(.GET, "/api/v1/alarms?point=\(point.id)", token: try await h.token("county-141181")).content.get([AlarmProbe].self, at: "items")
            }
            // Out of order within the batch: the engine reads them in time order.
            try await send([(-50, 95), (-60, 75), (-70, 60)])
            var list = try await alarms()
            #expect(list.count == 1)
            #expect(list.first.map { "\($0.condition) \($0.level) \($0.raisedValue) \($0.state)" } == "high 1 75 active", "raised at 75, upgraded at 95")
            try await send([(-40, 69), (-30, 67)])
            list = try await alarms()
            #expect(list.first?.normalValue == "67", "69 is inside the deadband; 67 is back to normal")

            // A restart: a new engine restores its state; the same alarm is not raised twice.
            try await send([(-20, 80)])
            let restarted = AlarmService(alarms: h.app.zhiben.alarms.alarms, points: h.app.zhiben.alarms.points, leases: h.app.zhiben.alarms.leases,
                                         clock: FixedClock(now.addingTimeInterval(120)))
            try await restarted.evaluate([Reading(pointID: point.id, ts: now.addingTimeInterval(-10), value: 85)])
            list = try await alarms()
            #expect(list.count == 2 && list.filter { $0.normalValue == nil }.count == 1)

            // Silence: three intervals without a reading.
            try await restarted.warmUp()
            #expect(try await restarted.tick() == 1)
            #expect(try await restarted.tick() == 0, "raised once")
            list = try await alarms()
            #expect(list.contains { $0.condition == "offline" && $0.level == 2 && $0.normalValue == nil })
            try await restarted.evaluate([Reading(pointID: point.id, ts: now.addingTimeInterval(110), value: 50)])
            list = try await alarms()
            #expect(list.allSatisfy { $0.normalValue != nil }, "the reading ends the silence, and 50 is normal")

            // Jurisdiction: another county sees none of it; the enterprise sees its own.
            #expect(try await h.api(.GET, "/api/v1/alarms?point=\(point.id)", token: try await h.token("county-141182")).content.get(Int.self, at: "total") == 0)
            #expect(try await h.api(.GET, "/api/v1/alarms?point=\(point.id)", token: company).content.get(Int.self, at: "total") == list.count)
            let one = try #require(list.first)
            #expect(try await h.api(.GET, "/api/v1/alarms/\(one.id)", token: try await h.token("county-141182")).status == .notFound)
            #expect(try await h.api(.GET, "/api/v1/alarms/\(one.id)", token: company).status == .ok)
        }
    }

    @Test("the lifecycle: the enterprise acknowledges, disposes and closes once back to normal; the county verifies a level-1 alarm; refusals write nothing")
    func lifecycle() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let county = try await h.token("county-141181")
            let point = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9301", "name": "9#压差", "indicator": "DUST-DRY-DP", "interval": 10,
                "limits": ["high": 1800.0, "highHigh": 2500.0] as [String: any Sendable],
            ]).content.decode(PointProbe.self)
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let now = h.app.zhiben.clock.now()
            func send(_ s: TimeInterval, _ v: Double) async throws {
                _ = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9301", "ts": ISOTime.string(now.addingTimeInterval(s)), "value": v] as [String: any Sendable]]])
            }
            try await send(-100, 2600)
            let alarm = try #require(try await h.api(.GET, "/api/v1/alarms?point=\(point.id)", token: county).content.get([AlarmProbe].self, at: "items").first)
            func step(_ token: String, _ body: [String: any Sendable], ifMatch: String? = nil) async throws -> TestingHTTPResponse {
                try await h.api(.POST, "/api/v1/alarms/\(alarm.id)/transitions", token: token, json: body, headers: ifMatch.map { ["If-Match": $0] } ?? [:])
            }
            let detail = try await h.api(.GET, "/api/v1/alarms/\(alarm.id)", token: company)
            #expect(try detail.content.get([String].self, at: "allowedActions") == ["acknowledge", "shelve"])
            #expect(try await step(county, ["action": "acknowledge"]).status == .forbidden, "the enterprise acknowledges")
            #expect(try await step(company, ["action": "dispose", "cause": "滤袋堵塞", "measures": "更换滤袋"]).status == .conflict)
            #expect(try await step(company, ["action": "acknowledge"], ifMatch: "\"7\"").status == .preconditionFailed)
            #expect(try await step(company, ["action": "acknowledge"]).status == .ok)
            let missing = try await step(company, ["action": "dispose"])
            #expect(missing.status == .unprocessableEntity)
            #expect(try ProblemProbe(missing).errors?.map(\.field) == ["cause", "measures"])
            #expect(try await step(company, ["action": "dispose", "cause": "滤袋堵塞", "measures": "更换滤袋"]).status == .ok)
            let early = try await step(company, ["action": "close"])
            #expect(early.status == .conflict, "still out of its limits")
            try await send(-50, 1000)
            #expect(try await step(company, ["action": "close"]).status == .ok)
            #expect(try await step(try await h.token("county-141182"), ["action": "verify"]).status == .notFound)
            #expect(try await step(company, ["action": "verify"]).status == .forbidden)
            let verified = try await step(county, ["action": "verify", "comment": "现场核实"])
            #expect(verified.status == .ok)
            #expect(try verified.content.get(String.self, at: "state") == "verified")
            let steps = try verified.content.get([StepProbe].self, at: "steps")
            #expect(steps.map(\.action) == ["acknowledge", "dispose", "close", "verify"] && steps.last?.by == "county-141181")
            let audit = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: alarm.id.uuidString))
            #expect(audit.items.filter { $0.action == "transition" }.count == 4, "each step audited; refusals wrote nothing")
        }
    }

    @Test("the alarm pages: the enterprise sees its alarm and acknowledges it; a missing cause is named; the county sees the steps")
    func alarmPages() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            _ = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9401", "name": "9#水位", "indicator": "AL-PIT-WATER-LEVEL", "interval": 10, "limits": ["high": 2.5] as [String: any Sendable],
            ])
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let ts = ISOTime.string(h.app.zhiben.clock.now().addingTimeInterval(-30))
            _ = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9401", "ts": ts, "value": 2.8] as [String: any Sendable]]])
            let browser = try await h.signIn(h.enterpriseUsername(e))
            let board = try await h.get("/monitoring/alarms?out=1", as: browser).body.string
            #expect(board.contains("9#水位") && board.contains("二级报警"))
            let alarm = try #require(try await h.app.zhiben.alarms.list(AlarmQuery(enterpriseID: e.id), page: Paging(), actor: .system).items.first)
            let page = try await h.get("/monitoring/alarms/\(alarm.id)", as: browser)
            #expect(page.body.string.contains("value=\"acknowledge\"") && page.body.string.contains("value=\"shelve\""))
            let ids = page.body.string.components(separatedBy: " id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(Set(ids).count == ids.count, "one form per step, each field id unique")
            #expect(try await h.post("/monitoring/alarms/\(alarm.id)/transitions", as: browser, form: ["action": "acknowledge", "version": "1"]).status == .seeOther)
            let bad = try await h.post("/monitoring/alarms/\(alarm.id)/transitions", as: browser, form: ["action": "dispose", "version": "2", "measures": "排水"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("请填写报警原因"))
            let stale = try await h.post("/monitoring/alarms/\(alarm.id)/transitions", as: browser, form: ["action": "dispose", "version": "1", "cause": "阀门故障", "measures": "排水"])
            #expect(stale.status == .conflict && stale.body.string.contains("已被他人处理"))
            let seen = try await h.get("/monitoring/alarms/\(alarm.id)", as: try await h.signIn("county-141181")).body.string
            #expect(seen.contains("处置过程（1）") && !seen.contains("value=\"acknowledge\""), "the county reads; acknowledging is the enterprise's")
        }
    }

    @Test("an alarm nobody acknowledges goes to the county after its delay, then to the city, once each; an acknowledged one goes nowhere")
    func escalation() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            _ = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9501", "name": "9#一氧化碳", "indicator": "STEEL-CO-CONC", "interval": 10, "limits": ["high": 24.0, "highHigh": 160.0] as [String: any Sendable],
            ])
            _ = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9502", "name": "9#二号一氧化碳", "indicator": "STEEL-CO-CONC", "interval": 10, "limits": ["high": 24.0] as [String: any Sendable],
            ])
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let t0 = h.app.zhiben.clock.now()
            _ = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [
                ["point": "T-9501", "ts": ISOTime.string(t0.addingTimeInterval(-1)), "value": 200.0] as [String: any Sendable],
                ["point": "T-9502", "ts": ISOTime.string(t0.addingTimeInterval(-1)), "value": 30.0] as [String: any Sendable],
            ]])
            let list = try await h.app.zhiben.alarms.list(AlarmQuery(enterpriseID: e.id), page: Paging(), actor: .system).items
            let second = try #require(list.first { $0.pointCode == "T-9502" })
            let acknowledged = try await h.api(.POST, "/api/v1/alarms/\(second.id)/transitions", token: company, json: ["action": "acknowledge"])
            #expect(acknowledged.status == .ok)
            let base = h.app.zhiben.alarms
            func at(_ minutes: Double) -> AlarmService {
                AlarmService(alarms: base.alarms, points: base.points, leases: base.leases, clock: FixedClock(t0.addingTimeInterval(minutes * 60)),
                             escalation: EscalationPolicy(toCounty: [.first: 5, .second: 30], toCity: [.first: 15, .second: 60]))
            }
            #expect(try await at(4).escalate() == 0)
            #expect(try await at(6).escalate() == 1, "level 1 after 5 minutes: the county")
            #expect(try await at(7).escalate() == 0, "once")
            #expect(try await at(20).escalate() == 0, "the city 15 minutes after the county, not before")
            #expect(try await at(22).escalate() == 1)
            #expect(try await at(200).escalate() == 0, "the acknowledged level-2 alarm is never escalated")
            for (user, expected) in [("county-141181", 1), ("city", 1), ("county-141182", 0)] {
                let inbox = try await h.api(.GET, "/api/v1/notifications", token: try await h.token(user))
                let mine = try inbox.content.get([EscalationProbe].self, at: "items").filter { $0.kind == "alarmEscalated" }
                #expect(mine.count == expected, "\(user)")
                #expect(mine.allSatisfy { $0.alarmId == list.first { $0.pointCode == "T-9501" }?.id }, "\(user)")
            }
            let page = try await h.get("/notifications", as: try await h.signIn("county-141181")).body.string
            #expect(page.contains("/monitoring/alarms/") && page.contains("报警超时未确认"))
        }
    }

    @Test("an offline point becomes a major hazard citing Art. 14, linked both ways, once; a fresh limit alarm is not offered")
    func alarmToHazard() async throws {
        // Offline points offered at once here (the default waits 30 minutes: `AlarmEngineTests`).
        try await Harness.with(enterprises: 10, configure: { $0.alarmHazard = AlarmHazardPolicy(offline: 0) }) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            _ = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9601", "name": "9#流量", "indicator": "AL-MOLD-CW-FLOW", "interval": 10, "limits": ["low": 100.0] as [String: any Sendable],
            ])
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let t0 = h.app.zhiben.clock.now()
            _ = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9601", "ts": ISOTime.string(t0.addingTimeInterval(-5)), "value": 90.0] as [String: any Sendable]]])
            let low = try #require(try await h.app.zhiben.alarms.list(AlarmQuery(enterpriseID: e.id), page: Paging(), actor: .system).items.first)
            let county = try await h.token("county-141181")
            #expect(try await h.api(.GET, "/api/v1/alarms/\(low.id)", token: county).content.get(Bool.self, at: "offersHazard") == false)
            #expect(try await h.api(.POST, "/api/v1/alarms/\(low.id)/hazard", token: county).status == .conflict, "a fresh limit alarm")

            let later = AlarmService(alarms: h.app.zhiben.alarms.alarms, points: h.app.zhiben.alarms.points, leases: h.app.zhiben.alarms.leases,
                                     clock: FixedClock(t0.addingTimeInterval(60)))
            try await later.warmUp()
            #expect(try await later.tick() == 1)
            let offline = try #require(try await h.app.zhiben.alarms.list(AlarmQuery(condition: .offline, enterpriseID: e.id), page: Paging(), actor: .system).items.first)
            #expect(try await h.api(.POST, "/api/v1/alarms/\(offline.id)/hazard", token: try await h.token("county-141182")).status == .notFound)
            let made = try await h.api(.POST, "/api/v1/alarms/\(offline.id)/hazard", token: county)
            #expect(made.status == .created, "\(made.body.string)")
            #expect(try made.content.get(String.self, at: "source") == "monitoringAlarm")
            #expect(try made.content.get(String.self, at: "level") == "major" && made.content.get([String].self, at: "criteria") == ["MHC-14-00"])
            let hazardID = try made.content.get(UUID.self, at: "id")
            #expect(try await h.api(.GET, "/api/v1/alarms/\(offline.id)", token: company).content.get(UUID.self, at: "hazardId") == hazardID)
            #expect(try await h.api(.POST, "/api/v1/alarms/\(offline.id)/hazard", token: county).status == .conflict, "once")
            let hazard = try await h.api(.GET, "/api/v1/hazards/\(hazardID)", token: company)
            #expect(!(try hazard.content.get(String.self, at: "description").contains(offline.id.uuidString)), "no raw id in the text")
            // The two pages link each other, each showing the other's state as it is now.
            let countyBrowser = try await h.signIn("county-141181")
            let hazardPage = try await h.get("/hazards/\(hazardID)", as: countyBrowser).body.string
            #expect(hazardPage.contains("href=\"/monitoring/alarms/\(offline.id.uuidString)\"") && hazardPage.contains("来源报警"))
            let alarmPage = try await h.get("/monitoring/alarms/\(offline.id)", as: countyBrowser).body.string
            #expect(alarmPage.contains("href=\"/hazards/\(hazardID.uuidString)\""))
        }
    }

    @Test("the simulator sends the demo points' readings through the ingest, and the engine sees them")
    func simulator() async throws {
        try await Harness.with(enterprises: 30) { h in
            let points = try await h.app.zhiben.monitoring.list(MonitoringPointQuery(), page: Paging(per: 200), actor: .system)
            #expect(points.total > 0, "the demo has monitoring points")
            let now = h.app.zhiben.clock.now()
            let simulator = try await Simulator.make(h.app.zhiben, now: now.addingTimeInterval(-120))
            #expect(!simulator.showcase.isEmpty && simulator.forced.count == simulator.showcase.count, "each showcase enterprise gets a first alarm")
            let accepted = try await simulator.step(from: now.addingTimeInterval(-120), to: now)
            #expect(accepted > 0)
            // Each showcase enterprise has its first alarm from the first round, on the point driven out of its
            // limits: a level-1 alarm to acknowledge. (Its other points may have an excursion of their own in
            // the same minutes: the demo's signals vary with each point's id, made afresh for each test.)
            for point in simulator.forced.keys {
                let alarms = try await h.app.zhiben.alarms.alarms.list(AlarmQuery(states: [.active], level: .first, pointID: point), page: Paging(per: 5), scope: .city)
                #expect(alarms.total == 1, "showcase point \(point)")
            }
            #expect(try await Simulator.make(h.app.zhiben, now: now).forced.isEmpty, "a restart forces no second alarm")
            // Every county with demo points has simulated gateways.
            let simulated = try await h.app.zhiben.monitoring.demoPoints(perCounty: Simulator.perCounty, including: simulator.showcase)
            let counties = Set(points.items.map(\.countyCode))
            #expect(Set(simulated.values.compactMap { $0.first?.countyCode }) == counties)
            // The points looked at are simulated ones whose gateway sent at every time of the window: a demo
            // point drops out for half an hour now and then (`DemoSignal.silent`), which once left the
            // first point listed with nothing stored.
            let due = { (p: MonitoringPoint, always: Bool) in
                DemoSignal(point: p).readings(after: now.addingTimeInterval(-120), upTo: now, limit: 1000, forceExcursion: always || simulator.forced[p.id] != nil).count
            }
            let sending = simulated.values.joined().sorted { $0.id.uuidString < $1.id.uuidString }.filter { due($0, false) == due($0, true) }
            let p = try #require(sending.first)
            let stored = try await h.app.zhiben.telemetry.readings.readings(pointID: p.id, from: now.addingTimeInterval(-120), to: now.addingTimeInterval(1), limit: 1000)
            #expect(!stored.isEmpty && stored.count == due(p, false) && stored.count <= 120 / p.interval + 1, "one reading per interval")
            #expect(try await simulator.step(from: now.addingTimeInterval(-120), to: now) == 0, "a repeated round stores nothing twice")
            // The point's page draws its trend with its limits, says it is online, and lists its alarms.
            let analog = try #require(sending.first { $0.kind == .analog && $0.limits.high != nil })
            let company = try await h.signIn("ent-" + (try #require(try await h.app.zhiben.enterprises.repository.find(id: analog.enterpriseID, scope: .city))).profile.creditCode.lowercased())
            for range in ["1h", "24h", "7d"] {
                let page = try await h.get("/monitoring/points/\(analog.id)?range=\(range)", as: company)
                #expect(page.status == .ok)
                let html = page.body.string
                #expect(html.contains("<polyline") && html.contains("class=\"limit") && html.contains("在线"), "\(range)")
                let ids = html.components(separatedBy: " id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                #expect(Set(ids).count == ids.count)
            }
            let buckets = try await h.app.zhiben.telemetry.readings.series(pointID: analog.id, from: now.addingTimeInterval(-120), to: now.addingTimeInterval(1), buckets: 4)
            let raw = try await h.app.zhiben.telemetry.readings.readings(pointID: analog.id, from: now.addingTimeInterval(-120), to: now.addingTimeInterval(1), limit: 1000)
            #expect(buckets.map(\.count).reduce(0, +) == raw.count, "the slices hold every reading once")
            #expect(buckets.map(\.max).max() == raw.compactMap(\.value).max() && buckets.map(\.min).min() == raw.compactMap(\.value).min())
        }
    }

    /// Gzip of `data`, by Debian's `gzip`.
    static func gzip(_ data: Data) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return out
    }

    @Test("telemetry sent gzip-compressed is read; bodies that inflate past the limit are refused, over a real socket")
    func gzipBodies() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: MonitoringTests.body).status == .created)
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let live = try h.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            let now = h.app.zhiben.clock.now()
            let readings = (0..<500).map { i in "{\"point\":\"T-9101\",\"ts\":\"\(ISOTime.string(now.addingTimeInterval(-Double(i))))\",\"value\":\(40 + i % 7)}" }
            let json = Data(("{\"readings\":[" + readings.joined(separator: ",") + "]}").utf8)
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Encoding": "gzip"]
            headers.bearerAuthorization = BearerAuthorization(token: key)
            let zipped = try Self.gzip(json)
            #expect(zipped.count < json.count / 4)
            let res = try await live.sendRequest(.POST, "/api/v1/telemetry", headers: headers, body: ByteBuffer(data: zipped))
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.content.get(Int.self, at: "accepted") == 500)
            // Inflated past the limit (1 MB here): 413, as for a plain body.
            let many = (0..<40_000).map { i in "{\"point\":\"T-9101\",\"ts\":\"\(ISOTime.string(now.addingTimeInterval(-Double(i) - 600)))\",\"value\":\(Double(i % 997) / 7)}" }
            let large = try Self.gzip(Data(("{\"readings\":[" + many.joined(separator: ",") + "]}").utf8))
            #expect(large.count < 1 << 20, "under the limit compressed")
            let refused = try await live.sendRequest(.POST, "/api/v1/telemetry", headers: headers, body: ByteBuffer(data: large))
            #expect(refused.status == .payloadTooLarge)
            // Past the limit at a ratio of hundreds to one (JSON padded with spaces): 413 too, not a closed connection.
            let padded = try Self.gzip(Data(("{\"readings\":[" + String(repeating: " ", count: 1_500_000) + "]}").utf8))
            #expect(padded.count * 200 < 1_500_000)
            let refusedToo = try await live.sendRequest(.POST, "/api/v1/telemetry", headers: headers, body: ByteBuffer(data: padded))
            #expect(refusedToo.status == .payloadTooLarge)
            let point = try #require(try await h.app.zhiben.monitoring.list(MonitoringPointQuery(enterpriseID: e.id, search: "T-9101"), page: Paging(), actor: .system).items.first)
            #expect(try await h.app.zhiben.telemetry.readings.readings(pointID: point.id, from: now.addingTimeInterval(-86_400), to: now.addingTimeInterval(1), limit: 100_000).count == 500,
                    "nothing of the refused body was stored")
        }
    }
}

struct EscalationProbe: Decodable { let kind: String; let alarmId: UUID? }
struct StepProbe: Decodable { let action: String; let by: String }
