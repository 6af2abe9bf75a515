import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import ZhibenApp
@testable import ZhibenPersistence
import ZhibenDomain

/// Two engines on one database, as two server instances run them (the two-process test is
/// `e2e/two_instances.py`); each instance's clock is its own.
@Suite("alarm engine ownership: leases per enterprise, batches waiting for their engine")
struct EngineOwnershipTests {
    struct Instance {
        let alarms: AlarmService
        let telemetry: TelemetryService
    }

    /// An active enterprise of 141181 with a point of its own (`code`, high limit 70, every 10 s), the
    /// enterprise's gateway, and its alarms: what each test here starts from.
    struct Site {
        let h: Harness
        let enterprise: Enterprise
        let code: String
        let t0: Date
        var gateway: Caller { Caller(kind: .apiKey, id: nil, username: "gateway", role: .enterpriseUser, scope: .enterprise(enterprise.id)) }

        init(_ h: Harness, code: String) async throws {
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: [
                "code": code, "name": "7#炉温", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 10, "limits": ["high": 70.0] as [String: any Sendable],
            ]).status == .created)
            (self.h, enterprise, self.code, t0) = (h, e, code, h.app.zhiben.clock.now())
        }

        /// The point's readings at these seconds from `t0`, as its gateway sends them.
        func batch(_ values: [(TimeInterval, Double)]) -> [RawReading] {
            values.map { RawReading(point: code, ts: ISOTime.string(t0.addingTimeInterval($0.0)), value: .number($0.1)) }
        }

        func point() async throws -> MonitoringPoint {
            try #require(try await h.app.zhiben.monitoring.points.points(enterpriseID: enterprise.id, codes: [code])[code])
        }

        func alarms() async throws -> [Alarm] {
            try await h.app.zhiben.alarms.list(AlarmQuery(enterpriseID: enterprise.id), page: Paging(), actor: .system).items
        }
    }

    static func instance(_ h: Harness, _ name: String, at date: Date) -> Instance {
        let base = h.app.zhiben
        let alarms = AlarmService(alarms: base.alarms.alarms, points: base.alarms.points, leases: base.alarms.leases, clock: FixedClock(date), owner: name)
        return Instance(alarms: alarms, telemetry: TelemetryService(readings: base.telemetry.readings, points: base.telemetry.points, alarms: alarms,
                                                                    clock: FixedClock(date), retention: base.telemetry.retention))
    }

    @Test("the lease holder evaluates what another instance stored, once; a stopped holder's enterprises pass on; a holder that lost its lease writes nothing")
    func twoInstances() async throws {
        try await Harness.with(enterprises: 10) { h in
            let site = try await Site(h, code: "T-9701")
            let (t0, gateway) = (site.t0, site.gateway)
            let (batch, alarms) = (site.batch, site.alarms)
            func waiting() async throws -> Int {
                struct Row: Decodable { let n: Int }
                return try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM pending_evaluations").first(decoding: Row.self)?.n ?? -1
            }

            let a = Self.instance(h, "A", at: t0), b = Self.instance(h, "B", at: t0)
            try await a.alarms.coordinate()
            #expect(try await b.alarms.coordinate() == 0)
            // B stores an excursion; A holds the enterprise, so the batch waits for A.
            #expect(try await b.telemetry.ingest(batch([(-30, 60), (-20, 80)]), actor: gateway).accepted == 2)
            #expect(try await alarms().isEmpty, "B does not run this enterprise's engine")
            #expect(try await waiting() == 1)
            #expect(try await b.alarms.coordinate() == 0, "B leaves A's batches alone")
            #expect(try await a.alarms.coordinate() == 1)
            var list = try await alarms()
            #expect(list.count == 1 && list.first?.raisedValue == "80" && list.first?.normalAt == nil)
            #expect(try await waiting() == 0)
            #expect(try await a.alarms.coordinate() == 0, "evaluated once")
            #expect(try await b.alarms.coordinate() == 0)
            // A goes on with readings it receives itself, from the state the batch left.
            #expect(try await a.telemetry.ingest(batch([(-10, 90)]), actor: gateway).accepted == 1)
            #expect(try await alarms().count == 1, "still one alarm out")
            // B stores a return to normal; before A's next pass, A receives a later excursion itself. A
            // evaluates B's batch first: the alarm clears, and the excursion raises a new one.
            #expect(try await b.telemetry.ingest(batch([(-8, 30)]), actor: gateway).accepted == 1)
            #expect(try await a.telemetry.ingest(batch([(-6, 85)]), actor: gateway).accepted == 1)
            list = try await alarms()
            #expect(list.map(\.raisedValue) == ["85", "80"] && list.map(\.normalValue) == [nil, "30"], "in the order the readings came")
            #expect(try await a.alarms.coordinate() == 0, "nothing left waiting")

            // A stops without a word. Past its lease, B takes the enterprise and restores the engine from storage.
            let later = Self.instance(h, "B", at: t0.addingTimeInterval(60))
            try await later.alarms.coordinate()
            #expect(try await later.telemetry.ingest(batch([(50, 95)]), actor: gateway).accepted == 1)
            list = try await alarms()
            #expect(list.count == 2 && list.first?.level == .second, "95 is above the one limit: no new alarm, no upgrade")
            // A, stalled, wakes up with readings of its own: its lease is gone, so it stores them and writes no alarm.
            #expect(try await a.telemetry.ingest(batch([(55, 40)]), actor: gateway).accepted == 1)
            list = try await alarms()
            #expect(list.first?.normalAt == nil, "A no longer evaluates this enterprise")
            #expect(try await a.alarms.coordinate() == 0, "B's live lease is not A's to take")
            #expect(try await later.alarms.coordinate() == 1, "B evaluates the batch A stored")
            list = try await alarms()
            #expect(list.count == 2 && list.first?.normalValue == "40")

            // Silence is watched by the holder only: B raises the offline alarm once; A, without the lease, none.
            let silent = Self.instance(h, "B", at: t0.addingTimeInterval(200))
            #expect(try await silent.alarms.tick() == 1)
            let lateA = Self.instance(h, "A", at: t0.addingTimeInterval(100))
            #expect(try await lateA.alarms.tick() == 0)
            #expect(try await alarms().filter { $0.condition == .offline }.count == 1)
        }
    }

    /// The leases, counting the reads of one enterprise's waiting batches.
    final class CountingLeases: EngineLeaseRepository, @unchecked Sendable {
        let base: any EngineLeaseRepository
        private let lock = NSLock()
        private var count = 0
        init(_ base: any EngineLeaseRepository) { self.base = base }
        var reads: Int { lock.withLock { count } }

        func claim(_ enterpriseIDs: [UUID]?, owner: String, now: Date, ttl: TimeInterval, force: Bool) async throws -> [UUID: Int] {
            try await base.claim(enterpriseIDs, owner: owner, now: now, ttl: ttl, force: force)
        }
        func release(owner: String) async throws { try await base.release(owner: owner) }
        func pending(owner: String, enterpriseID: UUID?, limit: Int) async throws -> [PendingEvaluation] {
            if enterpriseID != nil { lock.withLock { count += 1 } }
            return try await base.pending(owner: owner, enterpriseID: enterpriseID, limit: limit)
        }
        func readings(of batch: PendingEvaluation) async throws -> [Reading] { try await base.readings(of: batch) }
        func removePending(_ ids: [UUID]) async throws { try await base.removePending(ids) }
        func storedElsewhere(than engine: String) -> Int { base.storedElsewhere(than: engine) }
    }

    @Test("a request reads its enterprise's waiting batches only when some can be waiting: the first, and after another engine stored one")
    func waitingReads() async throws {
        try await Harness.with(enterprises: 10) { h in
            let site = try await Site(h, code: "T-9703")
            let (t0, gateway, alarms) = (site.t0, site.gateway, site.alarms)
            func batch(_ at: TimeInterval, _ value: Double) -> [RawReading] { site.batch([(at, value)]) }
            let base = h.app.zhiben
            let leases = CountingLeases(base.alarms.leases)
            let engine = AlarmService(alarms: base.alarms.alarms, points: base.alarms.points, leases: leases, clock: FixedClock(t0), owner: "A")
            let a = TelemetryService(readings: base.telemetry.readings, points: base.telemetry.points, alarms: engine, clock: FixedClock(t0),
                                     retention: base.telemetry.retention)
            let b = Self.instance(h, "B", at: t0)
            try await engine.coordinate()
            for (i, v) in [50.0, 80, 90].enumerated() { #expect(try await a.ingest(batch(Double(i) - 60, v), actor: gateway).accepted == 1) }
            #expect(leases.reads == 1, "the enterprise's first request reads; nothing new can be waiting for the others")
            #expect(try await alarms().map(\.raisedValue) == ["80"])

            // Another engine stores a return to normal: the next request reads, and evaluates it first.
            #expect(try await b.telemetry.ingest(batch(-50, 30), actor: gateway).accepted == 1)
            #expect(try await a.ingest(batch(-40, 85), actor: gateway).accepted == 1)
            #expect(leases.reads == 2)
            let list = try await alarms()
            #expect(list.map(\.raisedValue) == ["85", "80"] && list.map(\.normalValue) == [nil, "30"], "in the order the readings came")
            // One more read finds nothing of anyone else's; from then on none.
            for (i, v) in [86.0, 87, 88].enumerated() { #expect(try await a.ingest(batch(Double(i) - 30, v), actor: gateway).accepted == 1) }
            #expect(leases.reads == 3)
            #expect(try await engine.coordinate() == 0, "nothing left waiting")
        }
    }

    @Test("a batch stored and never evaluated (the process died) is evaluated at the next start; evaluating one twice raises nothing twice")
    func crashRecovery() async throws {
        try await Harness.with(enterprises: 10) { h in
            let site = try await Site(h, code: "T-9702")
            let (e, t0, alarms) = (site.enterprise, site.t0, site.alarms)
            let point = try await site.point()
            let readings = h.app.zhiben.telemetry.readings
            // Stored with its waiting record, then the process died before the engine ran.
            let first = [(-50.0, 60.0), (-40, 85), (-30, 50)].map { Reading(pointID: point.id, ts: t0.addingTimeInterval($0.0), value: $0.1) }
            #expect(try await readings.insert(first, pending: PendingEvaluation(enterpriseID: e.id, from: first[0].ts, to: first[2].ts)) == 3)
            let restarted = Self.instance(h, "after-crash", at: t0.addingTimeInterval(30))
            #expect(try await restarted.alarms.coordinate() == 1)
            var list = try await alarms()
            #expect(list.count == 1 && list.first?.raisedValue == "85" && list.first?.normalValue == "50")

            // A batch evaluated whose record was not removed yet when the process died: evaluated again
            // after the next start, together with a reading that is new.
            let second = [Reading(pointID: point.id, ts: t0.addingTimeInterval(-20), value: 88)]
            #expect(try await readings.insert(second, pending: PendingEvaluation(enterpriseID: e.id, from: first[0].ts, to: second[0].ts)) == 1)
            let again = Self.instance(h, "after-second-crash", at: t0.addingTimeInterval(90))
            #expect(try await again.alarms.coordinate() == 1)
            list = try await alarms()
            #expect(list.count == 2, "85 raised once; 88 raised a new one")
            #expect(list.filter { $0.normalAt == nil }.map(\.raisedValue) == ["88"])

            // A repeat of a stored batch stores nothing and leaves nothing waiting.
            #expect(try await readings.insert(second, pending: PendingEvaluation(enterpriseID: e.id, from: second[0].ts, to: second[0].ts)) == 0)
            #expect(try await again.alarms.coordinate() == 0)

            // A crash in the middle of a gateway's stream of single readings leaves many batches waiting
            // (here 45, normal and excursion in turn): one pass evaluates them all, in reads of 20.
            for i in 0..<45 {
                let r = Reading(pointID: point.id, ts: t0.addingTimeInterval(-15 + Double(i) * 0.2), value: i % 2 == 0 ? 30 : 95)
                #expect(try await readings.insert([r], pending: PendingEvaluation(enterpriseID: e.id, from: r.ts, to: r.ts)) == 1)
            }
            let third = Self.instance(h, "after-third-crash", at: t0.addingTimeInterval(120))
            // (Given the time: a loaded test machine's PostgreSQL may take longer than a pass's five seconds.)
            #expect(try await third.alarms.coordinate(drainFor: .seconds(600)) == 45)
            list = try await h.app.zhiben.alarms.list(AlarmQuery(enterpriseID: e.id), page: Paging(per: 100), actor: .system).items
            #expect(list.count == 2 + 22, "each excursion raised one alarm, in the pass")
            #expect(list.allSatisfy { $0.normalAt != nil }, "each back to normal at the reading after it (the last reading is normal)")
            #expect(try await third.alarms.coordinate() == 0, "nothing left waiting")
        }
    }
}
