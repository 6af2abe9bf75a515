import Foundation
import Testing
@testable import ZhibenDomain

@Suite("Telemetry rules")
struct TelemetryTests {
    @Test("instants with an offset parse to what Foundation reads; malformed ones are refused")
    func isoParse() throws {
        let reference = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        for text in ["2026-11-29T22:31:05+08:00", "2026-11-29T14:31:05Z", "2024-02-29T23:59:59-05:30", "1999-12-31T00:00:00+00:00", "2026-01-01T00:00:00+14:00"] {
            let expected = try #require(try? Date(text, strategy: reference))
            #expect(ISOTime.parse(text) == expected, "\(text)")
        }
        #expect(ISOTime.parse("2026-11-29T14:31:05.250Z")?.timeIntervalSince1970 == ISOTime.parse("2026-11-29T14:31:05Z")!.timeIntervalSince1970 + 0.25)
        for bad in ["2026-11-29", "2026-11-29T14:31:05", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-29T24:00:00Z",
                    "2026-11-29T14:31:05+0800", "2026-11-29T14:31:05Zx", "２026-11-29T14:31:05Z", "2026-11-29T14:31:05.Z", ""] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("each bad reading is rejected with its index and reason; the good ones pass")
    func check() {
        let now = ChinaTime.parseDay("2026-03-10")!
        let (a, s, off) = (UUID(), UUID(), UUID())
        let points = ["TT-1": PointKey(id: a, kind: .analog, active: true), "XS-1": PointKey(id: s, kind: .state, active: true),
                      "OLD": PointKey(id: off, kind: .analog, active: false)]
        func at(_ seconds: TimeInterval) -> String { ISOTime.string(now.addingTimeInterval(seconds)) }
        let raw = [
            RawReading(point: "TT-1", ts: at(-60), value: .number(42.5)),
            RawReading(point: "XS-1", ts: at(-60), value: .text("fault")),
            RawReading(point: "XS-1", ts: at(-30), value: .number(1)),
            RawReading(point: "NOPE", ts: at(-60), value: .number(1)),
            RawReading(point: "OLD", ts: at(-60), value: .number(1)),
            RawReading(point: "TT-1", ts: "yesterday", value: .number(1)),
            RawReading(point: "TT-1", ts: at(301), value: .number(1)),
            RawReading(point: "TT-1", ts: at(-91 * 86_400), value: .number(1)),
            RawReading(point: "TT-1", ts: at(-60), value: .text("27.20")),
            RawReading(point: "TT-1", ts: at(-60), value: nil),
            RawReading(point: nil, ts: at(-60), value: .number(1)),
            RawReading(point: "TT-1", ts: at(299), value: .number(1)),
        ]
        let (ok, rejected) = TelemetryRules.check(raw, points: points, now: now, retention: 90 * 86_400)
        #expect(ok == [Reading(pointID: a, ts: now.addingTimeInterval(-60), value: 42.5), Reading(pointID: s, ts: now.addingTimeInterval(-60), state: "fault"),
                       Reading(pointID: s, ts: now.addingTimeInterval(-30), state: "1"), Reading(pointID: a, ts: now.addingTimeInterval(299), value: 1)])
        #expect(rejected.map(\.index) == [3, 4, 5, 6, 7, 8, 9, 10])
        #expect(rejected.first?.en == "unknown point NOPE")
    }

    @Test("an enterprise's definitions are read once for the batches that arrive together, again after a change here or the time kept")
    func definitionsRead() async throws {
        let now = ChinaTime.parseDay("2026-03-10")!
        let enterprise = UUID()
        let point = MonitoringPoint(enterpriseID: enterprise, countyCode: "141102", enterpriseName: "演示", code: "TT-1", name: "温度",
                                    indicator: "DUST-DRY-HOPPER-TEMP", equipment: "", unit: "℃", kind: .analog, interval: 60,
                                    limits: AlarmLimits(), createdAt: now, updatedAt: now)
        let reads = Counter()
        let read: @Sendable () async throws -> [MonitoringPoint] = {
            await reads.add()
            try await Task.sleep(for: .milliseconds(50))
            return [point]
        }
        let cache = PointDefinitionCache(ttl: 5)
        let together = try await withThrowingTaskGroup(of: PointDefinitions.self) { group in
            for _ in 0..<4 { group.addTask { try await cache.points(enterpriseID: enterprise, now: now, read: read) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(await reads.value == 1, "four batches side by side, one read")
        #expect(together.allSatisfy { $0.keys["TT-1"]?.id == point.id })
        _ = try await cache.points(enterpriseID: enterprise, now: now.addingTimeInterval(4), read: read)
        #expect(await reads.value == 1, "kept for the time given")
        await cache.invalidate(enterpriseID: enterprise)
        _ = try await cache.points(enterpriseID: enterprise, now: now.addingTimeInterval(4), read: read)
        #expect(await reads.value == 2, "a change here reads them again")
        _ = try await cache.points(enterpriseID: enterprise, now: now.addingTimeInterval(10), read: read)
        #expect(await reads.value == 3, "and so does the time kept running out")
        // A read that fails is not kept: the next batch reads again.
        let failing = PointDefinitionCache(ttl: 5)
        await #expect(throws: CancellationError.self) { try await failing.points(enterpriseID: enterprise, now: now) { throw CancellationError() } }
        _ = try await failing.points(enterpriseID: enterprise, now: now, read: read)
        #expect(await reads.value == 4)
        // A code the definitions lack is looked up (a point added on another instance counts at once);
        // one not found is not asked again while they are kept.
        let kept = try await failing.points(enterpriseID: enterprise, now: now, read: read)
        var other = point
        other.id = UUID()
        other.code = "TT-2"
        let added = other
        let asked = Counter()
        let lookUp: @Sendable ([String]) async throws -> [String: MonitoringPoint] = { codes in
            await asked.add()
            return codes.contains("TT-2") ? ["TT-2": added] : [:]
        }
        let grown = try await failing.lookUp(["TT-2", "NOPE"], enterpriseID: enterprise, in: kept, read: lookUp)
        #expect(grown.keys["TT-2"]?.id == added.id && grown.keys["TT-1"]?.id == point.id && grown.missing == ["NOPE"])
        let again = try await failing.points(enterpriseID: enterprise, now: now.addingTimeInterval(1), read: read)
        #expect(again === grown, "kept in place of the definitions it grew from")
        #expect(try await failing.lookUp(["NOPE"], enterpriseID: enterprise, in: again, read: lookUp) === again)
        #expect(await asked.value == 1)
        #expect(await reads.value == 4)
    }

    private actor Counter {
        var value = 0
        func add() { value += 1 }
    }

}
