import Foundation
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("monitoring points as CSV: export, import back, all rows or none")
struct PointImportTests {
    static let header = "点位编码,点位名称,监测指标,设备,单位,类型,上报周期(秒),低低限,低限,高限,高高限,异常状态,报警延时(秒),回差,变化率(每分钟),在用"

    @Test("a clean file adds new points and changes known ones (limits into the history); the export reads back unchanged; a bad row imports nothing")
    func importAndExport() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": "ZT-9101", "name": "旧名称", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60, "limits": ["high": 70.0] as [String: any Sendable],
            ]).status == .created)
            func send(_ rows: [String], dryRun: Bool = false) async throws -> TestingHTTPResponse {
                try await h.api(.POST, "/api/v1/monitoring-points/import" + (dryRun ? "?dryRun=true" : ""), token: company,
                                body: ByteBuffer(string: ([Self.header] + rows).joined(separator: "\r\n")), headers: ["Content-Type": "text/csv"])
            }
            let good = [
                "ZT-9101,1#料仓温度,DUST-DRY-HOPPER-TEMP,1#干燥机,℃,,10,,,75,85,,30,2,,是",
                "ZX-9101,除尘器运行,DUST-COLLECTOR-RUN,,,状态量,5,,,,,stopped|fault,0,0,,是",
            ]
            let preview = try await send(good, dryRun: true)
            #expect(preview.status == .ok, "\(preview.body.string)")
            #expect(try preview.content.get(Int.self, at: "new") == 1 && preview.content.get(Int.self, at: "changed") == 1)
            #expect(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["ZX-9101"]).isEmpty, "a preview writes nothing")

            // One bad row among good ones: nothing is written, each problem named by line and field.
            let bad = try await send(good + ["ZT-9102,温度,NO-SUCH-INDICATOR,,,,abc,,80,70,,,,,,", "ZT-9101,重复,DUST-DRY-HOPPER-TEMP,,,,10,,,,,,,,,"])
            #expect(bad.status == .unprocessableEntity)
            #expect(try bad.content.get(Bool.self, at: "committed") == false)
            let items = try bad.content.get([[String: AnyDecodable]].self, at: "items")
            #expect(items.count == 4)
            let body = bad.body.string
            #expect(body.contains("\"line\":4") && body.contains("\"field\":\"indicator\"") && body.contains("\"field\":\"interval\"")
                    && body.contains("\"field\":\"limits\"") && body.contains("与第2行重复"), "\(body)")
            #expect(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["ZX-9101"]).isEmpty, "nothing of a bad file is written")

            let done = try await send(good)
            #expect(done.status == .created, "\(done.body.string)")
            let points = try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["ZT-9101", "ZX-9101"])
            let tt = try #require(points["ZT-9101"]), xs = try #require(points["ZX-9101"])
            #expect(tt.name == "1#料仓温度" && tt.interval == 10 && tt.limits.high == 75 && tt.limits.highHigh == 85 && tt.limits.onDelay == 30 && tt.limits.deadband == 2)
            #expect(xs.kind == .state && xs.limits.abnormalStates == ["stopped", "fault"])
            let history = try await h.app.zhiben.monitoring.points.limitHistory(pointID: tt.id)
            #expect(history.count == 2 && history.first?.before?.high == 70 && history.first?.after.high == 75, "the change of limits is in the history")
            let audit = try await h.api(.GET, "/api/v1/audit?entityType=monitoring-point&per=50", token: try await h.token("admin"))
            #expect(audit.body.string.contains(xs.id.uuidString) && audit.body.string.contains(tt.id.uuidString), "each point's create and change audited")

            // What the export writes, the import reads back as unchanged.
            let exported = try await h.api(.GET, "/api/v1/monitoring-points/export.csv", token: company)
            #expect(exported.status == .ok && exported.headers.contentType?.subType == "csv")
            let again = try await h.api(.POST, "/api/v1/monitoring-points/import?dryRun=true", token: company, body: exported.body, headers: ["Content-Type": "text/csv"])
            #expect(try again.content.get(Int.self, at: "unchanged") == again.content.get(Int.self, at: "rows") && again.content.get(Int.self, at: "rows") >= 2,
                    "\(again.body.string.prefix(1500))")

            // Regulators export their jurisdiction and import nothing; another county sees none of it.
            let county = try await h.token("county-141181")
            #expect(try await h.api(.GET, "/api/v1/monitoring-points/export.csv", token: county).body.string.contains("ZX-9101"))
            #expect(try await !h.api(.GET, "/api/v1/monitoring-points/export.csv", token: try await h.token("county-141182")).body.string.contains("ZX-9101"))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points/import", token: county, body: ByteBuffer(string: Self.header), headers: ["Content-Type": "text/csv"]).status == .forbidden)
        }
    }

    @Test("the page previews each row with its outcome, then imports on confirmation")
    func webImport() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let browser = try await h.signIn(h.enterpriseUsername(e))
            let list = try await h.get("/monitoring/points", as: browser).body.string
            #expect(list.contains("/monitoring/points/import") && list.contains("/monitoring/points/export.csv"))
            let boundary = "zhibenboundary"
            let csv = Self.header + "\r\nPT-1,1#温度,DUST-DRY-HOPPER-TEMP,,,,10,,,70,,,,,,\r\nPT-2,2#温度,DUST-DRY-HOPPER-TEMP,,,,10,,,80,,,,,,"
            var headers = browser.cookieHeader
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            let body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(browser.csrf)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\n\(csv)\r\n--\(boundary)--\r\n")
            let preview = try await h.tester.sendRequest(.POST, "/monitoring/points/import", headers: headers, body: body)
            #expect(preview.status == .ok)
            let html = preview.body.string
            #expect(html.contains("新增 2") && html.contains("PT-2"))
            let content = try #require(html.range(of: "name=\"content\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["PT-1"]).isEmpty)
            let done = try await h.post("/monitoring/points/import", as: browser, form: ["content": content])
            #expect(done.status == .ok && done.body.string.contains("已新增 2 个点位"))
            #expect(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["PT-1", "PT-2"]).count == 2)
            let forged = try await h.post("/monitoring/points/import", as: browser, form: ["content": content], csrf: "forged")
            #expect(forged.status == .forbidden)
        }
    }
}

/// Any JSON value, for counting the items of an answer.
struct AnyDecodable: Decodable {
    init(from decoder: any Decoder) throws {}
}
