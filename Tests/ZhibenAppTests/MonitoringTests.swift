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
}
