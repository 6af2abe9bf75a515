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

    @Test("codes the definitions lack are asked about once each: those known not to exist are rejected, the others left out for a lookup")
    func unlisted() {
        let now = ChinaTime.parseDay("2026-03-10")!
        let a = UUID()
        let ts = ISOTime.string(now.addingTimeInterval(-60))
        let raw = ["TT-1", "NEW", "GONE", "NEW", "GONE", "TT-1"].map { RawReading(point: $0, ts: ts, value: .number(1)) }
        var asked: [String] = []
        let (ok, rejected) = TelemetryRules.check(raw, points: ["TT-1": PointKey(id: a, kind: .analog, active: true)], now: now, retention: 86_400) { code in
            asked.append(code)
            return code == "GONE"
        }
        #expect(asked == ["NEW", "GONE", "GONE"], "a code known not to exist is rejected at each reading; one to look up is asked once")
        #expect(ok.count == 2 && ok.allSatisfy { $0.pointID == a })
        #expect(rejected.map(\.index) == [2, 4])
    }
}
