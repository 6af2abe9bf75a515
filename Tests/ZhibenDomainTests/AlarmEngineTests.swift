import Foundation
import Testing
@testable import ZhibenDomain

@Suite("Alarm engine")
struct AlarmEngineTests {
    static let t0 = ChinaTime.parseDay("2026-03-10")!

    static func point(_ limits: AlarmLimits, kind: MonitoringPoint.Kind = .analog, interval: Int = 10) -> MonitoringPoint {
        MonitoringPoint(enterpriseID: UUID(), countyCode: "141181", enterpriseName: "演示", code: "TT-1", name: "温度",
                        indicator: kind == .state ? "DUST-SMOKE" : "DUST-DRY-HOPPER-TEMP", equipment: "", unit: "°C", kind: kind,
                        interval: interval, limits: limits, createdAt: t0, updatedAt: t0)
    }

    /// Feeds values one per `every` seconds; answers the events with the second each happened at.
    static func feed(_ p: MonitoringPoint, _ values: [Double], every: TimeInterval = 10, state: inout PointAlarmState) -> [(Int, AlarmEvent)] {
        var out: [(Int, AlarmEvent)] = []
        for (i, v) in values.enumerated() {
            let r = Reading(pointID: p.id, ts: t0.addingTimeInterval(Double(i) * every), value: v)
            out += AlarmEngine.evaluate(r, point: p, state: &state).map { (Int(Double(i) * every), $0) }
        }
        return out
    }

    @Test("a high value raises after the on-delay; a brief spike raises nothing")
    func onDelay() {
        let p = Self.point(AlarmLimits(high: 70, highHigh: 90, onDelay: 30, deadband: 2))
        var s = PointAlarmState()
        #expect(Self.feed(p, [60, 75, 60, 60], state: &s).isEmpty, "10 s above the limit is a spike")
        s = PointAlarmState()
        let events = Self.feed(p, [60, 75, 76, 77, 78, 79], state: &s)
        #expect(events.map(\.0) == [40], "raised once the condition has lasted 30 s")
        #expect(events.first?.1 == .raised(.high, .second, value: "78", at: Self.t0.addingTimeInterval(40)))
        s = PointAlarmState()
        let again = Self.feed(p, [60, 75, 60, 75, 76, 77, 78], state: &s)
        #expect(again.map(\.0) == [60], "a value back inside ends the wait: the on-delay starts again at the next high value")
        #expect(s.pendingSince.isEmpty && s.active == [.high: .second] && s.lastValue == 78)
    }

    @Test("a graver value upgrades the active alarm at once; it clears only past the deadband, once")
    func upgradeAndDeadband() {
        let p = Self.point(AlarmLimits(high: 70, highHigh: 90, deadband: 2))
        var s = PointAlarmState()
        let events = Self.feed(p, [75, 95, 80, 69, 68.5, 67.9, 60, 50], state: &s).map(\.1)
        #expect(events == [
            .raised(.high, .second, value: "75", at: Self.t0),
            .upgraded(.high, .first, value: "95", at: Self.t0.addingTimeInterval(10)),
            .cleared(.high, value: "67.9", at: Self.t0.addingTimeInterval(50)),
        ], "80 stays level 1; 69 and 68.5 are inside the deadband")
        #expect(s.active.isEmpty)
    }

    @Test("low limits mirror high ones; one alarm per condition at a time")
    func low() {
        let p = Self.point(AlarmLimits(lowLow: 10, low: 20, high: 80, deadband: 1))
        var s = PointAlarmState()
        let events = Self.feed(p, [50, 15, 5, 12, 21, 22, 85], state: &s).map(\.1)
        #expect(events == [
            .raised(.low, .second, value: "15", at: Self.t0.addingTimeInterval(10)),
            .upgraded(.low, .first, value: "5", at: Self.t0.addingTimeInterval(20)),
            .cleared(.low, value: "22", at: Self.t0.addingTimeInterval(50)),
            .raised(.high, .second, value: "85", at: Self.t0.addingTimeInterval(60)),
        ])
    }

    @Test("abnormal states raise a level-1 alarm and clear on a normal state; numbers count as states")
    func states() {
        let p = Self.point(AlarmLimits(abnormalStates: ["fault", "1"]), kind: .state)
        var s = PointAlarmState()
        var events: [AlarmEvent] = []
        for (i, v) in ["ok", "fault", "fault", "ok", "1"].enumerated() {
            events += AlarmEngine.evaluate(Reading(pointID: p.id, ts: Self.t0.addingTimeInterval(Double(i)), state: v), point: p, state: &s)
        }
        #expect(events == [.raised(.state, .first, value: "fault", at: Self.t0.addingTimeInterval(1)),
                           .cleared(.state, value: "ok", at: Self.t0.addingTimeInterval(3)),
                           .raised(.state, .first, value: "1", at: Self.t0.addingTimeInterval(4))])
    }

    @Test("a point silent for three intervals goes offline once; its next reading brings it back")
    func offline() {
        let p = Self.point(AlarmLimits(high: 70), interval: 10)
        var s = PointAlarmState()
        #expect(AlarmEngine.tick(point: p, state: &s, now: Self.t0.addingTimeInterval(3600)).isEmpty, "never reported: nothing to miss yet")
        _ = Self.feed(p, [20], state: &s)
        #expect(AlarmEngine.tick(point: p, state: &s, now: Self.t0.addingTimeInterval(30)).isEmpty, "three intervals exactly is not yet silence")
        #expect(AlarmEngine.tick(point: p, state: &s, now: Self.t0.addingTimeInterval(31)) == [.raised(.offline, .second, value: "", at: Self.t0.addingTimeInterval(31))])
        #expect(AlarmEngine.tick(point: p, state: &s, now: Self.t0.addingTimeInterval(99)).isEmpty, "raised once")
        let back = AlarmEngine.evaluate(Reading(pointID: p.id, ts: Self.t0.addingTimeInterval(100), value: 21), point: p, state: &s)
        #expect(back == [.cleared(.offline, value: "21", at: Self.t0.addingTimeInterval(100))])
    }

    @Test("a late reading changes nothing; the rate of change is watched where a limit is set")
    func lateAndRate() {
        let p = Self.point(AlarmLimits(high: 70, rateOfChange: 5))
        var s = PointAlarmState()
        _ = Self.feed(p, [20, 21], every: 60, state: &s)
        #expect(AlarmEngine.evaluate(Reading(pointID: p.id, ts: Self.t0, value: 99), point: p, state: &s).isEmpty, "older than the last reading")
        let jump = AlarmEngine.evaluate(Reading(pointID: p.id, ts: Self.t0.addingTimeInterval(120), value: 30), point: p, state: &s)
        #expect(jump == [.raised(.rate, .second, value: "30", at: Self.t0.addingTimeInterval(120))], "9 per minute against a limit of 5")
        let calm = AlarmEngine.evaluate(Reading(pointID: p.id, ts: Self.t0.addingTimeInterval(180), value: 31), point: p, state: &s)
        #expect(calm == [.cleared(.rate, value: "31", at: Self.t0.addingTimeInterval(180))])
    }

    @Test("more than 10 alarms in 10 minutes at one enterprise is a flood")
    func flood() {
        let now = Self.t0.addingTimeInterval(3600)
        let ten = (0..<10).map { now.addingTimeInterval(-Double($0) * 50) }
        #expect(!AlarmFlood.isFlooding(ten, now: now))
        #expect(AlarmFlood.isFlooding(ten + [now.addingTimeInterval(-599)], now: now))
        #expect(!AlarmFlood.isFlooding(ten + [now.addingTimeInterval(-601)], now: now))
    }

    @Test("shelving needs a reason and an end within 7 days; a shelved alarm can still be acknowledged; level-2 alarms are not verified")
    func shelveAndVerify() throws {
        let enterprise = UUID()
        let company = Caller(kind: .user, id: UUID(), username: "ent", role: .enterpriseUser, scope: .enterprise(enterprise))
        let county = Caller(kind: .user, id: UUID(), username: "county-141181", role: .countyOfficer, scope: .county("141181"))
        let a = Alarm(pointID: UUID(), enterpriseID: enterprise, countyCode: "141181", enterpriseName: "演示", pointCode: "TT-1", pointName: "温度",
                      condition: .high, level: .second, raisedAt: Self.t0, raisedValue: "75", updatedAt: Self.t0)
        func shelve(_ comment: String, _ until: Date?) throws -> Alarm {
            try AlarmWorkflow.perform(.shelve, on: a, by: company, comment: comment, cause: nil, measures: nil, until: until, now: Self.t0)
        }
        #expect(throws: DomainError.validation([FieldIssue(field: "comment", zh: "请填写搁置理由", en: "the reason is required"),
                                                FieldIssue(field: "until", zh: "请填写搁置期限", en: "until (when the shelf ends) is required")])) { try shelve("", nil) }
        #expect(throws: DomainError.self) { try shelve("检修中", Self.t0.addingTimeInterval(8 * 86_400)) }
        let shelved = try shelve("检修中", Self.t0.addingTimeInterval(86_400))
        #expect(shelved.state == .shelved && shelved.steps.last?.until == Self.t0.addingTimeInterval(86_400))
        #expect(try AlarmWorkflow.perform(.acknowledge, on: shelved, by: company, comment: "", cause: nil, measures: nil, until: nil, now: Self.t0).state == .acknowledged)
        var closed = a
        closed.state = .closed
        #expect(throws: DomainError.invalidTransition(from: "closed (level 2)", event: "verify")) {
            try AlarmWorkflow.perform(.verify, on: closed, by: county, comment: "", cause: nil, measures: nil, until: nil, now: Self.t0)
        }
        #expect(AlarmWorkflow.available(to: county, on: closed).isEmpty)
    }

    @Test("demo signals stay mostly inside their limits, now and then cross them, and are the same for the same time")
    func demoSignals() {
        // Fixed ids: the signals are a function of the point's id and the time.
        var p = Self.point(AlarmLimits(low: 300, high: 1800, highHigh: 2500), interval: 60)
        p.id = UUID(uuidString: "6F1C2A9E-3B7D-4C1E-9A55-0D2B7E8F4A11")!
        let signal = DemoSignal(point: p)
        let week = (0..<(28 * 1440)).map { Self.t0.addingTimeInterval(Double($0) * 60) }
        let values = week.compactMap { signal.reading(at: $0)?.value }
        #expect(values.count > week.count * 9 / 10, "dropouts are rare")
        let inside = values.filter { $0 > 300 && $0 < 1800 }.count
        #expect(inside > values.count * 95 / 100)
        #expect(values.contains { $0 >= 2500 }, "four weeks hold an excursion past high-high")
        #expect(signal.reading(at: week[100]) == signal.reading(at: week[100]))
        var statePoint = Self.point(AlarmLimits(abnormalStates: ["fault"]), kind: .state)
        statePoint.id = UUID(uuidString: "0A3E5C77-1D2B-4F60-8E9A-7B6C5D4E3F21")!
        let state = DemoSignal(point: statePoint)
        let states = Set(week.compactMap { state.reading(at: $0)?.state })
        #expect(states == ["normal", "fault"])
        // Steady (`zhiben simulate --steady`): inside the limits and present at every one of those times.
        let steady = week.map { signal.reading(at: $0, steady: true)?.value }
        #expect(steady.allSatisfy { $0.map { $0 > 300 && $0 < 1800 } ?? false })
        #expect(week.allSatisfy { state.reading(at: $0, steady: true)?.state == "normal" })
    }

    @Test("an alarm is offered as a hazard when offline long enough, out of its limits long enough, or repeated; the policy parses")
    func hazardOffer() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = AlarmHazardPolicy()
        func alarm(_ c: AlarmCondition, normalAfter: TimeInterval? = nil) -> Alarm {
            Alarm(id: UUID(), pointID: UUID(), enterpriseID: UUID(), countyCode: "141181", enterpriseName: "企业", pointCode: "P", pointName: "点",
                  condition: c, level: .second, state: .active, raisedAt: t0, raisedValue: "", upgradedAt: nil,
                  normalAt: normalAfter.map { t0.addingTimeInterval($0) }, normalValue: nil, steps: [], updatedAt: t0, version: 1)
        }
        #expect(!AlarmHazardRule.offersHazard(alarm(.offline), alarmsOnPointToday: 1, now: t0.addingTimeInterval(29 * 60), policy: policy))
        #expect(AlarmHazardRule.offersHazard(alarm(.offline), alarmsOnPointToday: 1, now: t0.addingTimeInterval(30 * 60), policy: policy))
        #expect(!AlarmHazardRule.offersHazard(alarm(.offline, normalAfter: 600), alarmsOnPointToday: 1, now: t0.addingTimeInterval(86_400), policy: policy),
                "back online after 10 minutes")
        #expect(!AlarmHazardRule.offersHazard(alarm(.high), alarmsOnPointToday: 2, now: t0.addingTimeInterval(59 * 60), policy: policy))
        #expect(AlarmHazardRule.offersHazard(alarm(.high), alarmsOnPointToday: 2, now: t0.addingTimeInterval(60 * 60), policy: policy))
        #expect(AlarmHazardRule.offersHazard(alarm(.high), alarmsOnPointToday: 3, now: t0.addingTimeInterval(60), policy: policy), "the third in a day")
        #expect(AlarmHazardPolicy.parse("0/120/5") == AlarmHazardPolicy(offline: 0, long: 7200, repeated: 5))
        for bad in ["30/60", "30/0/3", "30/60/1", "a/60/3", "-1/60/3"] { #expect(AlarmHazardPolicy.parse(bad) == nil, "\(bad)") }
    }
}
