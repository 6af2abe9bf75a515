import Foundation
import NIOCore
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// The provincial gateway interface, from the worked examples in `docs/provincial-interface.md`.
@Suite("provincial gateway interface")
struct ProvincialInterfaceTests {
    struct Exchange {
        var method: HTTPMethod
        var path: String
        var headers: [(String, String)]
        var body: String
        var answer: String
    }

    /// Every request of the page with the answer shown after it, in order.
    static func workedExamples() throws -> [Exchange] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/provincial-interface.md"), encoding: .utf8)
        var blocks: [(String, String)] = []
        var kind: String?
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let k = kind {
                if line == "```" {
                    blocks.append((k, lines.joined(separator: "\n")))
                    kind = nil
                } else {
                    lines.append(line)
                }
            } else if line == "```request" || line == "```response" {
                kind = String(line.dropFirst(3))
                lines = []
            }
        }
        var out: [Exchange] = []
        for i in stride(from: 0, to: blocks.count - 1, by: 2) {
            guard blocks[i].0 == "request", blocks[i + 1].0 == "response" else { continue }
            let parts = blocks[i].1.components(separatedBy: "\n\n")
            let head = parts[0].split(separator: "\n")
            let start = head[0].split(separator: " ")
            out.append(Exchange(method: HTTPMethod(rawValue: String(start[0])), path: String(start[1]),
                                headers: head.dropFirst().map { h in
                                    let kv = h.split(separator: ":", maxSplits: 1)
                                    return (String(kv[0]), kv[1].trimmingCharacters(in: .whitespaces))
                                },
                                body: parts.dropFirst().joined(separator: "\n\n"), answer: blocks[i + 1].1))
        }
        return out
    }

    /// Whether `actual` is what the page shows; `<…>` in the page stands for any value.
    static func matches(_ expected: Any, _ actual: Any) -> Bool {
        switch (expected, actual) {
        case (let e as String, _) where e.hasPrefix("<") && e.hasSuffix(">"): return true
        case (let e as [String: Any], let a as [String: Any]):
            return Set(e.keys) == Set(a.keys) && e.allSatisfy { k, v in matches(v, a[k]!) }
        case (let e as [Any], let a as [Any]):
            return e.count == a.count && zip(e, a).allSatisfy { matches($0, $1) }
        case (let e as NSNumber, let a as NSNumber): return e == a
        case (let e as String, let a as String): return e == a
        case (is NSNull, is NSNull): return true
        default: return false
        }
    }

    @Test("the worked examples, replayed byte for byte, answer as the page says: plain with an API key, DES-encrypted, events, partial, bad ciphertext")
    func workedExamples() async throws {
        let examples = try Self.workedExamples()
        #expect(examples.count == 6)
        // The page's readings are of 2026-11-29 10:15–10:16 Beijing time.
        let now = try #require(ISOTime.parse("2026-11-29T10:17:00+08:00"))
        try await Harness.with(enterprises: 30, clock: FixedClock(now)) { h in
            let valve = try #require(try await h.app.zhiben.monitoring.points.list(MonitoringPointQuery(search: "XS-101"), page: Paging(), scope: .city).items.first)
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: valve.enterpriseID, scope: .city))
            let company = try await h.token(h.enterpriseUsername(e))
            let key = try await h.app.zhiben.apiKeys.issue(name: "省级网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            for (n, x) in examples.enumerated() {
                var headers = HTTPHeaders()
                for (name, value) in x.headers {
                    headers.add(name: name, value: value.replacingOccurrences(of: "<enterprise user's token>", with: company)
                        .replacingOccurrences(of: "<API key>", with: key))
                }
                headers.contentType = .json
                let res = try await h.tester.sendRequest(x.method, x.path.replacingOccurrences(of: "{id}", with: e.id.uuidString), headers: headers,
                                                        body: ByteBuffer(string: x.body))
                let expected = try JSONSerialization.jsonObject(with: Data(x.answer.utf8))
                let actual = try JSONSerialization.jsonObject(with: Data(res.body.string.utf8))
                #expect(Self.matches(expected, actual), "example \(n + 1) (\(x.path)) answered \(res.status.code) \(res.body.string)")
                if let code = (expected as? [String: Any])?["code"] as? Int {
                    #expect(Int(res.status.code) == (code >= 400 ? code : 200))
                }
            }
            // What the examples stored: three readings of the temperature, two of the valve; the valve's
            // fault raised a level-1 alarm; the gateway's event is listed with its point.
            let temperature = try #require(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["TT-101"])["TT-101"])
            let temps = try await h.app.zhiben.telemetry.readings.readings(pointID: temperature.id, from: now.addingTimeInterval(-3600), to: now, limit: 100)
            #expect(temps.compactMap(\.value) == [27.2, 81.5, 28.1])
            let alarms = try await h.api(.GET, "/api/v1/alarms?point=\(valve.id)", token: company).content.get([AlarmProbeFull].self, at: "items")
            #expect(alarms.map { "\($0.level) \($0.state)" } == ["1 active"])
            let events = try await h.api(.GET, "/api/v1/enterprises/\(e.id)/gateway-events", token: try await h.token("county-\(e.profile.countyCode)"))
            #expect(try events.content.get([GatewayEventProbe].self, at: "items").map { "\($0.pointCode ?? "-") \($0.code) \($0.value)" } == ["TT-101 1 81.50"])
            // Sent again, the encrypted event stores nothing twice; the readings neither.
            let again = examples[3]
            _ = try await h.tester.sendRequest(.POST, again.path, headers: ["Content-Type": "application/json"], body: ByteBuffer(string: again.body))
            #expect(try await h.api(.GET, "/api/v1/enterprises/\(e.id)/gateway-events", token: company).content.get(Int.self, at: "total") == 1)
        }
    }

    @Test("refused as a whole: not JSON, unknown enterprise code, plain data without the enterprise's key or with another's; the link's own rules and jurisdiction")
    func refusals() async throws {
        let now = try #require(ISOTime.parse("2026-11-29T10:17:00+08:00"))
        try await Harness.with(enterprises: 30, clock: FixedClock(now)) { h in
            let valve = try #require(try await h.app.zhiben.monitoring.points.list(MonitoringPointQuery(search: "XS-101"), page: Paging(), scope: .city).items.first)
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: valve.enterpriseID, scope: .city))
            let other = try #require(try await h.enterprises(in: "141181").first { $0.id != e.id && $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let link = "/api/v1/enterprises/\(e.id)/provincial-link"
            // No link yet: 404; bad fields named; then a link.
            #expect(try await h.api(.GET, link, token: company).status == .notFound)
            let bad = try await h.api(.PUT, link, token: company, json: ["qybm": "12", "points": [["tnm": "1", "point": "NOPE"]] as [[String: String]]])
            #expect(bad.status == .unprocessableEntity)
            for field in ["qybm", "key", "points[0].tnm", "points[0].point"] { #expect(bad.body.string.contains("\"\(field)\""), "\(field)") }
            let made = try await h.api(.PUT, link, token: company, json: ["qybm": "130102000001", "key": "Zb2026!k",
                                                                         "points": [["tnm": "1301020000010010003", "point": "XS-101"]] as [[String: String]]])
            #expect(made.status == .created)
            #expect(!made.body.string.contains("Zb2026"), "the key is never shown")
            // The county reads it; another county, and another enterprise, do not; they cannot change it.
            #expect(try await h.api(.GET, link, token: try await h.token("county-\(e.profile.countyCode)")).status == .ok)
            let elsewhere = e.profile.countyCode == "141181" ? "141182" : "141181"
            #expect(try await h.api(.GET, link, token: try await h.token("county-\(elsewhere)")).status == .notFound)
            #expect(try await h.api(.PUT, link, token: try await h.token("county-\(e.profile.countyCode)"), json: ["qybm": "130102000009"]).status == .forbidden)
            // Another enterprise cannot take the code.
            let otherToken = try await h.token(h.enterpriseUsername(other))
            let taken = try await h.api(.PUT, "/api/v1/enterprises/\(other.id)/provincial-link", token: otherToken, json: ["qybm": "130102000001", "key": "12345678"])
            #expect(taken.status == .conflict)
            // A change without the key keeps it, and a stale version changes nothing.
            let changed = try await h.api(.PUT, link, token: company, json: ["qybm": "130102000001", "points": [] as [[String: String]]], headers: ["If-Match": "\"1\""])
            #expect(changed.status == .ok)
            #expect(try await h.api(.PUT, link, token: company, json: ["qybm": "130102000002"], headers: ["If-Match": "\"1\""]).status == .preconditionFailed)
            #expect(try await h.app.zhiben.provincial.links.find(qybm: "130102000001")?.key == "Zb2026!k")

            func send(_ body: String, token: String? = nil) async throws -> (UInt, String) {
                let res = try await h.api(.POST, "/api/rtsData", token: token, body: ByteBuffer(string: body), headers: ["Content-Type": "application/json"])
                // The answer's fields in a fixed order, so two answers compare as text.
                let msg = (try? res.content.get(String.self, at: "msg")) ?? res.body.string
                return (res.status.code, msg)
            }
            let plain = #"{"qybm":"130102000001","data":{"rts":[]}}"#
            #expect(try await send("not json").0 == 400)
            // An unknown code and a registered one with a wrong key or no API key answer alike: codes cannot be enumerated.
            let unknownPlain = try await send(#"{"qybm":"999999999999","data":{"rts":[]}}"#)
            let unknownSealed = try await send(#"{"qybm":"999999999999","data":"4142434445464748"}"#)
            let wrongKey = try await send(#"{"qybm":"130102000001","data":"4142434445464748"}"#)
            #expect(unknownPlain.0 == 401 && unknownPlain == unknownSealed && unknownSealed == wrongKey, "\(unknownPlain) \(unknownSealed) \(wrongKey)")
            #expect(try await send(plain) == unknownPlain, "plain data needs the enterprise's API key")
            #expect(try await send(plain, token: company).0 == 401, "a person's session is not a gateway's key")
            let otherKey = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: other.profile.creditCode, actor: .system, origin: nil)
            #expect(try await send(plain, token: otherKey).0 == 401, "another enterprise's key")
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let ok = try await send(plain, token: key)
            #expect(ok.0 == 200 && ok.1.contains("操作成功"))
            #expect(try await send(#"{"qybm":"130102000001","data":{"nothing":1}}"#, token: key).0 == 400)
            // Encrypted data longer than a batch's worth is refused before any decryption.
            let long = Data(#"{"qybm":"130102000001","data":""#.utf8) + Data(repeating: UInt8(ascii: "A"), count: ProvincialRules.maxSealed + 2) + Data(#""}"#.utf8)
            #expect(try await h.app.zhiben.provincial.receive(.realtime, body: long, caller: nil).code == 413)
            // Over HTTP, a stranger's body is read no further than an encrypted batch and its envelope.
            let huge = long + Data(repeating: UInt8(ascii: " "), count: ProvincialRules.maxAnonymousBody)
            let big = try await h.api(.POST, "/api/rtsData", token: nil, body: ByteBuffer(data: huge), headers: ["Content-Type": "application/json"])
            #expect(big.status == .payloadTooLarge && big.body.string.contains("请求过大"), "\(big.body.string.prefix(300))")
            let keyed = try await h.api(.POST, "/api/rtsData", token: key, body: ByteBuffer(data: long), headers: ["Content-Type": "application/json"])
            #expect(keyed.status == .payloadTooLarge && keyed.body.string.contains("data 过长"), "with the API key the body is read, the sealed text still capped")
        }
    }
}

extension ProvincialInterfaceTests {
    @Test("the page: the enterprise sets its code, key and point codes, with errors beside the fields; the county reads it with the key masked")
    func page() async throws {
        try await Harness.with(enterprises: 30) { h in
            let valve = try #require(try await h.app.zhiben.monitoring.points.list(MonitoringPointQuery(search: "XS-101"), page: Paging(), scope: .city).items.first)
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: valve.enterpriseID, scope: .city))
            let company = try await h.signIn(h.enterpriseUsername(e))
            let empty = try await h.get("/monitoring/provincial", as: company)
            #expect(empty.status == .ok && empty.body.string.contains("name=\"tnm-XS-101\""))
            let bad = try await h.post("/monitoring/provincial", as: company, form: ["qybm": "1301", "key": "Zb2026!k", "tnm-XS-101": "123", "version": "0"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("企业编码应为12位数字") && bad.body.string.contains("测点编码应为19位数字"))
            #expect(bad.body.string.contains("value=\"123\""), "what was typed stays")
            #expect(try await h.app.zhiben.provincial.links.find(qybm: "1301") == nil)
            let ok = try await h.post("/monitoring/provincial", as: company, form: ["qybm": "130102000001", "key": "Zb2026!k", "tnm-XS-101": "1301020000010010003", "version": "0"])
            #expect(ok.status == .seeOther)
            let link = try #require(try await h.app.zhiben.provincial.links.find(qybm: "130102000001"))
            #expect(link.points == ["1301020000010010003": "XS-101"] && link.key == "Zb2026!k")
            // The county reads it, masked, with no form.
            let county = try await h.signIn("county-\(e.profile.countyCode)")
            let view = try await h.get("/monitoring/provincial?enterprise=\(e.id)", as: county)
            #expect(view.status == .ok)
            #expect(view.body.string.contains("******!k") && !view.body.string.contains("Zb2026") && view.body.string.contains("1301020000010010003"))
            #expect(!view.body.string.contains("name=\"qybm\""))
            #expect(try await h.post("/monitoring/provincial?enterprise=\(e.id)", as: county, form: ["qybm": "130102000009"]).status == .forbidden)
            // The change is in the audit log, without the key.
            let entries = try await h.app.zhiben.auditLog.list(AuditQuery(entityType: "provincial-link"), actor: .system)
            #expect(entries.items.count == 1)
            #expect(!entries.items.flatMap(\.changes).contains { ($0.after ?? "").contains("Zb2026") })
        }
    }
}

struct GatewayEventProbe: Decodable { let pointCode: String?; let code: Int; let value: String }
