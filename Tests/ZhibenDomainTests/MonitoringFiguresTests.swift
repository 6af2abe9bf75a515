import Foundation
import Testing
@testable import ZhibenDomain

@Suite("connection and alarm figures")
struct MonitoringFiguresTests {
    @Test("the plan's connection deadlines: dust by workers, steel, deep-well casting; the earliest applies")
    func deadlines() {
        #expect(ConnectionRules.deadline(industry: .machinery, risks: [.combustibleDust], dustWorkers: 10) == 2024)
        #expect(ConnectionRules.deadline(industry: .machinery, risks: [.combustibleDust], dustWorkers: 9) == 2025)
        #expect(ConnectionRules.deadline(industry: .machinery, risks: [.combustibleDust], dustWorkers: 3) == 2025)
        #expect(ConnectionRules.deadline(industry: .machinery, risks: [.combustibleDust], dustWorkers: 2) == 2026)
        #expect(ConnectionRules.deadline(industry: .metallurgy, risks: [.metalSmelting], dustWorkers: 0) == 2025)
        #expect(ConnectionRules.deadline(industry: .nonferrous, risks: [.metalSmelting], dustWorkers: 0) == nil, "smelting outside steel is not named")
        #expect(ConnectionRules.deadline(industry: .nonferrous, risks: [.deepWellCasting, .combustibleDust], dustWorkers: 1) == 2025)
        #expect(ConnectionRules.deadline(industry: .nonferrous, risks: [.deepWellCasting, .combustibleDust], dustWorkers: 12) == 2024)
        #expect(ConnectionRules.deadline(industry: .commerce, risks: [.ammoniaRefrigeration], dustWorkers: 0) == nil)
    }

    static func facts(_ county: String, _ workers: Int, points: Int, reporting: Int, online: Int, name: String = "e") -> ConnectionFacts {
        ConnectionFacts(enterpriseID: UUID(), name: name, countyCode: county, industry: .machinery, risks: [.combustibleDust], dustWorkers: workers,
                        points: points, reporting: reporting, online: online)
    }

    @Test("required counts are cumulative by year; overdue is due by a past year's end and not connected; lagging is due by this year's")
    func figures() {
        let f = ConnectionFigures.compute([
            Self.facts("141181", 20, points: 4, reporting: 4, online: 3),            // due 2024, connected
            Self.facts("141181", 12, points: 2, reporting: 0, online: 0, name: "b"), // due 2024, not: overdue
            Self.facts("141181", 5, points: 0, reporting: 0, online: 0, name: "c"),  // due 2025, not: overdue in 2026
            Self.facts("141181", 1, points: 0, reporting: 0, online: 0, name: "d"),  // due 2026, not: lagging, not overdue
            Self.facts("141182", 1, points: 1, reporting: 1, online: 1),            // due 2026, connected
            ConnectionFacts(enterpriseID: UUID(), name: "x", countyCode: "141182", industry: .commerce, risks: [], dustWorkers: 0, points: 2, reporting: 2, online: 0),
        ], counties: ["141181", "141182", "141102"], year: 2026)
        let a = f.counties[0]
        #expect(a.required == [2024: 2, 2025: 3, 2026: 4] && a.connected == [2024: 1, 2025: 1, 2026: 1])
        #expect(a.rate(2024) == 0.5 && a.overdue == 2 && a.points == 6 && a.online == 3 && a.onlineRate == 0.5)
        let b = f.counties[1]
        #expect(b.required == [2026: 1] && b.rate(2024) == nil && b.rate(2026) == 1 && b.points == 3 && b.online == 1)
        #expect(f.counties[2].required.isEmpty && f.counties[2].onlineRate == nil, "a county with nothing still has its row")
        #expect(f.total.required[2026] == 5 && f.total.connected[2026] == 2 && f.total.overdue == 2)
        #expect(f.lagging.map(\.name) == ["b", "c", "d"])
        // A year earlier: the 2025 enterprise was not yet overdue.
        #expect(ConnectionFigures.compute([Self.facts("141181", 5, points: 0, reporting: 0, online: 0)], counties: ["141181"], year: 2025).total.overdue == 0)
    }

    @Test("alarm statistics: counts, mean times to acknowledge and close, floods of more than 10 in 10 minutes")
    func alarms() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let e = UUID()
        func fact(_ at: TimeInterval, level: AlarmLevel = .second, ack: TimeInterval? = nil, close: TimeInterval? = nil, enterprise: UUID = e, county: String = "141181") -> AlarmFact {
            AlarmFact(enterpriseID: enterprise, enterpriseName: "n", countyCode: county, indicator: "DUST-DRY-DP", condition: .high, level: level,
                      raisedAt: t0.addingTimeInterval(at), acknowledgedAt: ack.map { t0.addingTimeInterval(at + $0) }, closedAt: close.map { t0.addingTimeInterval(at + $0) })
        }
        var list = [fact(0, level: .first, ack: 60, close: 600), fact(10, ack: 180), fact(20, enterprise: UUID(), county: "141182")]
        var s = AlarmStatistics.compute(list)
        #expect(s.total == 3 && s.byLevel == [AlarmLevel.first: 1, AlarmLevel.second: 2] && s.byCounty == ["141181": 2, "141182": 1] && s.byIndicator == ["DUST-DRY-DP": 3])
        #expect(s.acknowledged == 2 && s.meanToAcknowledge == 120 && s.closed == 1 && s.meanToClose == 600)
        #expect(s.floods.isEmpty)
        // Eleven alarms within ten minutes at one enterprise: a flood; twelve in a row make one flood of 12.
        list = (0..<12).map { fact(1000 + Double($0) * 30) } + [fact(5000)]
        s = AlarmStatistics.compute(list)
        #expect(s.floods.count == 1 && s.floods.first?.alarms == 12 && s.floods.first?.start == t0.addingTimeInterval(1000))
        // Ten are not a flood; spread over more than ten minutes neither.
        #expect(AlarmStatistics.compute((0..<10).map { fact(Double($0)) }).floods.isEmpty)
        #expect(AlarmStatistics.compute((0..<11).map { fact(Double($0) * 61) }).floods.isEmpty)
        // Two bursts apart: two floods.
        #expect(AlarmStatistics.compute((0..<11).map { fact(Double($0)) } + (0..<11).map { fact(3600 + Double($0)) }).floods.count == 2)
    }
}
