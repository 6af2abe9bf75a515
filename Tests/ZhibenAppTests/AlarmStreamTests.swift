import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// The events one stream has delivered so far, read off a live socket as they arrive.
actor StreamEvents {
    struct Event: Sendable { let id: String; let data: String; let at: ContinuousClock.Instant }
    private(set) var events: [Event] = []
    private(set) var status: UInt = 0
    private(set) var ended = false
    private var pending = ""

    func started(_ code: UInt) { status = code }

    func feed(_ text: String) {
        pending += text
        while let end = pending.range(of: "\n\n") {
            let block = pending[..<end.lowerBound]
            pending = String(pending[end.upperBound...])
            var id = "", data = "", name = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            }
            if name == "alarm" { events.append(Event(id: id, data: data, at: .now)) }
        }
    }

    func end() { ended = true }

    /// Waits until at least `count` events came (or the time is up); returns them all.
    func wait(for count: Int, within seconds: Double = 10) async -> [Event] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while events.count < count, ContinuousClock.now < deadline, !ended {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return events
    }

    /// Opens a stream and reads it in the background until the client shuts down.
    static func open(_ client: HTTPClient, port: Int, path: String, token: String, lastEventID: String? = nil) async throws -> StreamEvents {
        let events = StreamEvents()
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        req.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let lastEventID { req.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let res = try await client.execute(req, timeout: .seconds(120))
        await events.started(res.status.code)
        Task {
            do {
                for try await chunk in res.body { await events.feed(String(buffer: chunk)) }
            } catch {}
            await events.end()
        }
        return events
    }
}

struct AlarmProbeFull: Decodable { let id: UUID; let pointCode: String; let level: Int; let state: String; let countyCode: String }

@Suite("live alarm stream")
struct AlarmStreamTests {
    @Test("sort=urgency lists unacknowledged first, level 1 before level 2, then newest; the board draws that order and its rows' ranks sort the same way")
    func urgencyOrder() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            for code in ["U-1", "U-2", "U-3"] {
                let created = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                    "code": code, "name": "灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 3600, "unit": "°C",
                    "limits": ["high": 70.0, "highHigh": 90.0] as [String: any Sendable]])
                #expect(created.status == .created)
            }
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let start = Date().addingTimeInterval(-60)
            // U-1 level 2 first, then U-2 level 1, then U-3 level 2, which the enterprise acknowledges.
            for (n, (code, value)) in [("U-1", 75.0), ("U-2", 95.0), ("U-3", 75.0)].enumerated() {
                let body = ["readings": [["point": code, "ts": ISOTime.string(start.addingTimeInterval(Double(n) * 10)), "value": value] as [String: any Sendable]]]
                #expect(try await h.api(.POST, "/api/v1/telemetry", token: key, json: body).status == .ok)
            }
            struct Row: Decodable { let id: UUID; let pointCode: String }
            func codes(_ sort: String) async throws -> [String] {
                try await h.api(.GET, "/api/v1/alarms?enterprise=\(e.id)\(sort)", token: try await h.token("county-141181")).content.get([Row].self, at: "items").map(\.pointCode)
            }
            let third = try await h.api(.GET, "/api/v1/alarms?enterprise=\(e.id)", token: company).content.get([Row].self, at: "items").first { $0.pointCode == "U-3" }
            #expect(try await h.api(.POST, "/api/v1/alarms/\(try #require(third).id)/transitions", token: company, json: ["action": "acknowledge"]).status == .ok)
            #expect(try await codes("") == ["U-3", "U-2", "U-1"], "the API's default: newest raised first")
            #expect(try await codes("&sort=raised") == ["U-3", "U-2", "U-1"])
            #expect(try await codes("&sort=urgency") == ["U-2", "U-1", "U-3"])
            #expect(try await h.api(.GET, "/api/v1/alarms?sort=level", token: company).status == .badRequest)
            // The board: the urgent order by default, each row's rank in ascending order.
            let browser = try await h.signIn("county-141181")
            let html = try await h.get("/monitoring/alarms?enterprise=\(e.id)", as: browser).body.string
            let ranks = html.components(separatedBy: "data-rank=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(ranks.count == 3 && ranks == ranks.sorted(), "\(ranks)")
            let shown = ["U-1", "U-2", "U-3"].sorted { html.range(of: ">\($0)<")!.lowerBound < html.range(of: ">\($1)<")!.lowerBound }
            #expect(shown == ["U-2", "U-1", "U-3"])

            // The level-1 alarm reached the enterprise's inbox at once (the level-2 ones did not).
            let inbox = try await h.get("/notifications", as: try await h.signIn(h.enterpriseUsername(e))).body.string
            #expect(inbox.components(separatedBy: "（一级报警），请立即确认并处置").count - 1 == 1, "one message, for U-2")
            // Its page names the limit crossed, the limits with the unit, how long it lasted; shelving is folded away.
            let u2 = try #require(try await h.api(.GET, "/api/v1/alarms?enterprise=\(e.id)", token: company).content.get([Row].self, at: "items").first { $0.pointCode == "U-2" })
            let page = try await h.get("/monitoring/alarms/\(u2.id)", as: try await h.signIn(h.enterpriseUsername(e))).body.string
            #expect(page.contains("超高高限") && page.contains("HH 90（°C）") && page.contains("95 °C") && page.contains("已持续"))
            #expect(page.contains("<details class=\"panel-form shelve\">"), "搁置 is a secondary step")
            // A point with a single reading: its day's chart draws it as a dot rather than nothing.
            struct PointRow: Decodable { let id: UUID; let code: String }
            let points = try await h.api(.GET, "/api/v1/monitoring-points?enterprise=\(e.id)&per=50", token: company).content.get([PointRow].self, at: "items")
            let u1 = try #require(points.first { $0.code == "U-1" })
            let chart = try await h.get("/monitoring/points/\(u1.id)?range=24h", as: try await h.signIn(h.enterpriseUsername(e))).body.string
            #expect(chart.contains("class=\"dot\""), "one reading, one dot")
        }
    }

    @Test("the stream delivers an alarm raised by a reading at once, then each change, only within the caller's jurisdiction; a reconnect resumes from Last-Event-ID")
    func stream() async throws {
        try await Harness.with(enterprises: 20) { h in
            let here = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let there = try #require(try await h.enterprises(in: "141182").first { $0.active })
            var keys: [String: String] = [:]
            for (e, code) in [(here, "T-9301"), (there, "T-9302")] {
                let company = try await h.token(h.enterpriseUsername(e))
                let created = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                    "code": code, "name": "灰斗温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 10,
                    "limits": ["high": 70.0, "highHigh": 90.0] as [String: any Sendable],
                ])
                #expect(created.status == .created)
                keys[code] = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            }
            // A server that stays up for the whole test (the testing harness starts one per request).
            try await h.app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(h.app.http.server.shared.localAddress?.port)
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            func request(_ method: HTTPMethod, _ path: String, token: String?, body: String? = nil) async throws -> (UInt, String) {
                var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                req.method = method
                if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
                if let body {
                    req.headers.add(name: "Content-Type", value: "application/json")
                    req.body = .bytes(ByteBuffer(string: body))
                }
                let res = try await client.execute(req, timeout: .seconds(30))
                return (res.status.code, String(buffer: try await res.body.collect(upTo: 1 << 20)))
            }
            do {
                let countyHere = try await h.token("county-141181")
                let countyThere = try await h.token("county-141182")
                let streamHere = try await StreamEvents.open(client, port: port, path: "/api/v1/alarms/stream", token: countyHere)
                let streamThere = try await StreamEvents.open(client, port: port, path: "/api/v1/alarms/stream", token: countyThere)
                let streamCity = try await StreamEvents.open(client, port: port, path: "/api/v1/alarms/stream?level=2", token: try await h.token("city"))
                #expect(await streamHere.status == 200)
                #expect(try await request(.GET, "/api/v1/alarms/stream", token: nil).0 == 401)

                func send(_ code: String, _ value: Double) async throws {
                    let body = "{\"readings\":[{\"point\":\"\(code)\",\"ts\":\"\(ISOTime.string(Date()))\",\"value\":\(value)}]}"
                    let (status, text) = try await request(.POST, "/api/v1/telemetry", token: keys[code]!, body: body)
                    #expect(status == 200, "\(text)")
                }
                // Raised here: on this county's stream within a second of the answer.
                try await send("T-9301", 95)
                let sent = ContinuousClock.now
                let first = await streamHere.wait(for: 1)
                let raised = try #require(first.first)
                #expect(raised.at - sent < .seconds(1), "delivered at once, not at the next poll")
                let alarm = try JSONDecoder().decode(AlarmProbeFull.self, from: Data(raised.data.utf8))
                #expect(alarm.pointCode == "T-9301" && alarm.level == 1 && alarm.state == "active" && alarm.countyCode == "141181")

                // The other county's stream gets its own alarm, never this one.
                try await send("T-9302", 80)
                let thereEvents = await streamThere.wait(for: 1)
                #expect(thereEvents.count == 1)
                #expect(thereEvents.allSatisfy { $0.data.contains("T-9302") && !$0.data.contains("T-9301") })
                // The city's stream, filtered to level 2, has only the second.
                let cityEvents = await streamCity.wait(for: 1)
                #expect(cityEvents.map { $0.data.contains("T-9302") } == [true])

                // A step by the enterprise comes through as a change of the same alarm.
                let company = try await h.token(h.enterpriseUsername(here))
                #expect(try await request(.POST, "/api/v1/alarms/\(alarm.id)/transitions", token: company, body: "{\"action\":\"acknowledge\"}").0 == 200)
                let both = await streamHere.wait(for: 2)
                #expect(both.count == 2)
                let change = try JSONDecoder().decode(AlarmProbeFull.self, from: Data(try #require(both.last).data.utf8))
                #expect(change.id == alarm.id && change.state == "acknowledged")
                #expect(await streamHere.events.count == 2, "the alarm of the other county never came")

                // A reconnect from the first event's id gets what changed after it: the acknowledgement.
                let resumed = try await StreamEvents.open(client, port: port, path: "/api/v1/alarms/stream", token: countyHere, lastEventID: raised.id)
                let again = await resumed.wait(for: 1)
                #expect(again.contains { $0.data.contains("\"acknowledged\"") })
                #expect(await h.app.zhiben.alarms.feed.count == 4)
            } catch {
                try? await client.shutdown()
                await h.app.server.shutdown()
                throw error
            }
            try await client.shutdown()
            await h.app.server.shutdown()
        }
    }

    @Test("the change cursor passes each change on once though reads overlap, and reads back far enough for late commits")
    func cursor() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func alarm(_ id: UUID, _ at: TimeInterval) -> Alarm {
            Alarm(id: id, pointID: UUID(), enterpriseID: UUID(), countyCode: "141181", enterpriseName: "e", pointCode: "P", pointName: "p",
                  condition: .high, level: .first, state: .active, raisedAt: t0, raisedValue: "1", steps: [], updatedAt: t0.addingTimeInterval(at), version: 1)
        }
        let a = UUID(), b = UUID()
        var cursor = AlarmChangeCursor(since: t0)
        #expect(cursor.readFrom == t0)
        #expect(cursor.take([alarm(a, 1), alarm(b, 10)]).count == 2)
        #expect(cursor.readFrom == t0.addingTimeInterval(10 - AlarmChangeCursor.lookback))
        // Read again with overlap: nothing twice; a later change of a goes out; a late commit at 8 s too.
        let c = UUID()
        let next = cursor.take([alarm(b, 10), alarm(c, 8), alarm(a, 12)])
        #expect(next.map(\.id) == [c, a])
        #expect(cursor.take([alarm(c, 8), alarm(a, 12)]).isEmpty)
    }
}
