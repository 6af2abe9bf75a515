import Foundation
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("monitoring figures over HTTP")
struct MonitoringFiguresAppTests {
    struct Row: Decodable { let countyCode: String; let required: [String: Int]; let connected: [String: Int]; let points: Int; let online: Int }
    struct Lagging: Decodable { let enterpriseId: UUID }
    struct Connection: Decodable { let year: Int; let counties: [Row]; let total: Row; let lagging: [Lagging] }

    @Test("a required enterprise whose gateway starts reporting counts as connected and online in its county, on the API and the dashboard; alarm statistics follow")
    func connection() async throws {
        try await Harness.with(enterprises: 40) { h in
            let all = try await h.enterprises(in: "141181").filter(\.active)
            let e = try #require(all.first { ConnectionRules.deadline(industry: $0.profile.industry, risks: $0.profile.specialRisks, dustWorkers: $0.profile.dustWorkers) != nil })
            let county = try await h.token("county-141181")
            let before = try await h.api(.GET, "/api/v1/monitoring/connection", token: county).content.decode(Connection.self)
            #expect(before.counties.map(\.countyCode) == ["141181"], "a county sees its own row only")
            #expect(before.lagging.contains { $0.enterpriseId == e.id }, "nothing reports in tests until a gateway sends")
            #expect(before.total.connected.values.allSatisfy { $0 == 0 })

            let company = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "T-9501", "name": "灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60,
                "limits": ["high": 70.0, "highHigh": 90.0] as [String: any Sendable],
            ]).status == .created)
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let sent = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9501", "ts": ISOTime.string(Date()), "value": 95.0] as [String: any Sendable]]])
            #expect(sent.status == .ok)

            let after = try await h.api(.GET, "/api/v1/monitoring/connection", token: county).content.decode(Connection.self)
            let year = after.year
            #expect(after.total.connected["2026"] == 1)
            #expect(after.total.required["2026"] == before.total.required["2026"])
            #expect(after.total.online == before.total.online + 1 && after.total.points == before.total.points + 1)
            #expect(!after.lagging.contains { $0.enterpriseId == e.id })
            #expect(year == ChinaTime.calendar.component(.year, from: Date()))
            let city = try await h.api(.GET, "/api/v1/monitoring/connection", token: try await h.token("city")).content.decode(Connection.self)
            #expect(city.counties.count == County.all.count && city.total.connected["2026"] == 1)

            // The dashboard shows the table; the statistics page and API count the alarm and its acknowledgement.
            let officer = try await h.signIn("county-141181")
            let dashboard = try await h.get("/overview", as: officer)
            #expect(dashboard.body.string.contains("监测预警接入率") && dashboard.body.string.contains("未确认报警"))
            let alarm = try #require(try await h.api(.GET, "/api/v1/alarms?enterprise=\(e.id)", token: county).content.get([AlarmProbeFull].self, at: "items").first)
            #expect(try await h.api(.POST, "/api/v1/alarms/\(alarm.id)/transitions", token: company, json: ["action": "acknowledge"]).status == .ok)
            let stats = try await h.api(.GET, "/api/v1/alarms/statistics", token: county)
            #expect(stats.status == .ok)
            #expect(try stats.content.get(Int.self, at: "total") == 1 && stats.content.get(Int.self, at: "acknowledged") == 1)
            #expect(try stats.content.get([String: Int].self, at: "byLevel") == ["1": 1])
            #expect(try stats.content.get([String: Int].self, at: "byIndicator") == ["DUST-DRY-HOPPER-TEMP": 1])
            let elsewhere = try await h.api(.GET, "/api/v1/alarms/statistics", token: try await h.token("county-141182"))
            #expect(try elsewhere.content.get(Int.self, at: "total") == 0)
            #expect(try await h.api(.GET, "/api/v1/alarms/statistics?from=2026-12-01&to=2026-11-01", token: county).status == .unprocessableEntity)
            let page = try await h.get("/monitoring/statistics", as: officer)
            #expect(page.status == .ok && page.body.string.contains("平均确认用时"))
        }
    }
}
