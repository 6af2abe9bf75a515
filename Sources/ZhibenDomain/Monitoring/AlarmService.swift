import Foundation

/// Each point's engine state, in memory, restored from the database the first time a point is seen.
actor AlarmStateCache {
    var states: [UUID: PointAlarmState] = [:]

    /// Those of `ids` in memory: one hop for a whole batch.
    func get(_ ids: [UUID]) -> [UUID: PointAlarmState] {
        var out: [UUID: PointAlarmState] = [:]
        for id in ids { if let s = states[id] { out[id] = s } }
        return out
    }
    func set(_ changed: [UUID: PointAlarmState]) { states.merge(changed) { _, new in new } }
    func known() -> [UUID: PointAlarmState] { states }
}

/// Runs the alarm engine on stored readings and on silence, and records what it decides (T14).
public struct AlarmService: Sendable {
    public let alarms: any AlarmRepository
    public let points: any MonitoringPointRepository
    public let clock: any WallClock
    public let escalation: EscalationPolicy
    /// Also receives every notification (SMS and messaging gateways later).
    public let channel: (any NotificationChannel)?
    /// Wakes the live board's streams after each change made here.
    public let feed = AlarmFeed()
    let cache = AlarmStateCache()
    /// Evaluation and recording happen one batch at a time, so that a point's events are stored in the
    /// order the engine decided them.
    let gate = AsyncGate()

    public init(alarms: any AlarmRepository, points: any MonitoringPointRepository, clock: any WallClock,
                escalation: EscalationPolicy = EscalationPolicy(), channel: (any NotificationChannel)? = nil) {
        self.alarms = alarms
        self.points = points
        self.clock = clock
        self.escalation = escalation
        self.channel = channel
    }

    /// Tells the county's officers, and later the city's, of alarms nobody acknowledged in time, once
    /// each. Run by the background job with `tick`; returns how many were escalated.
    @discardableResult
    public func escalate() async throws -> Int {
        let now = clock.now()
        var count = 0
        for (a, tier) in try await alarms.dueForEscalation(policy: escalation, now: now) {
            let minutes = Int(now.timeIntervalSince(a.raisedAt) / 60)
            let audience: NotificationAudience = tier == .county ? .countyOfficers(a.countyCode) : .cityOfficers
            let note = NotificationDraft(audience: audience, kind: .alarmEscalated, hazardID: nil, alarmID: a.id,
                                         zh: "\(a.enterpriseName)：\(a.pointName)\(a.condition.zh)（\(a.level.zh)），\(minutes)分钟未确认",
                                         en: "\(a.enterpriseName): \(a.pointName) \(a.condition.en.lowercased()) (\(a.level.en)) unacknowledged for \(minutes) min")
            guard try await alarms.markEscalated(a.id, tier: tier, notes: [note], at: now) else { continue }
            await channel?.deliver([note])
            count += 1
        }
        if count > 0 { await feed.changed() }
        return count
    }

    /// Evaluates readings that were just stored, each point's in time order. `points`: their definitions,
    /// when the caller has read them already.
    public func evaluate(_ readings: [Reading], points known: [UUID: MonitoringPoint]? = nil) async throws {
        guard !readings.isEmpty else { return }
        try await gate.run {
            let byPoint = Dictionary(grouping: readings, by: \.pointID)
            let defs = if let known { known } else { try await points.find(ids: Array(byPoint.keys)) }
            // A point not yet in memory starts from the readings before this batch (which is stored already).
            var states = try await restore(Array(byPoint.keys), before: byPoint.mapValues { $0.map(\.ts).min()! })
            let now = clock.now()
            var decided: [(point: MonitoringPoint, events: [AlarmEvent])] = []
            var next: [UUID: PointAlarmState] = [:]
            for (id, list) in byPoint {
                guard let point = defs[id], point.active else { continue }
                var state = states[id] ?? PointAlarmState()
                var events: [AlarmEvent] = []
                for r in list.sorted(by: { $0.ts < $1.ts }) { events += AlarmEngine.evaluate(r, point: point, state: &state) }
                if !events.isEmpty { decided.append((point, events)) }
                next[id] = state
            }
            // Memory follows only what was stored: a failed write leaves the engine where storage is.
            if !decided.isEmpty { try await alarms.record(decided, at: now) }
            await cache.set(next)
            if !decided.isEmpty { await feed.changed() }
        }
    }

    /// Raises an offline alarm for each active point silent for three of its intervals. Run by a
    /// background job; returns how many went offline.
    @discardableResult
    public func tick() async throws -> Int {
        try await gate.run {
            let now = clock.now()
            let known = await cache.known()
            guard !known.isEmpty else { return 0 }
            let defs = try await points.find(ids: Array(known.keys))
            var decided: [(point: MonitoringPoint, events: [AlarmEvent])] = []
            var next: [UUID: PointAlarmState] = [:]
            for (id, before) in known {
                guard let point = defs[id] else { continue }
                var state = before
                let events = AlarmEngine.tick(point: point, state: &state, now: now)
                guard !events.isEmpty else { continue }
                decided.append((point, events))
                next[id] = state
            }
            guard !decided.isEmpty else { return 0 }
            try await alarms.record(decided, at: now)
            await cache.set(next)
            await feed.changed()
            return decided.count
        }
    }

    /// Brings every active point into memory (at start), so that silence is noticed after a restart.
    public func warmUp() async throws {
        try await gate.run {
            let ids = try await points.activeIDs()
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                _ = try await restore(Array(ids[chunk..<min(chunk + 500, ids.count)]), before: [:])
            }
        }
    }

    /// The engine's state of these points: from memory, else from the alarms still out and the last reading.
    func restore(_ ids: [UUID], before: [UUID: Date]) async throws -> [UUID: PointAlarmState] {
        var out = await cache.get(ids)
        let missing = ids.filter { out[$0] == nil }
        guard !missing.isEmpty else { return out }
        let active = try await alarms.outConditions(pointIDs: missing)
        let last = try await alarms.lastReadings(pointIDs: missing, before: before)
        var restored: [UUID: PointAlarmState] = [:]
        for id in missing {
            var s = PointAlarmState(active: active[id] ?? [:], lastTs: last[id]?.ts)
            s.lastValue = last[id]?.value
            restored[id] = s
        }
        await cache.set(restored)
        out.merge(restored) { _, new in new }
        return out
    }

    public func list(_ query: AlarmQuery, page: Paging, actor: Caller) async throws -> Paged<Alarm> {
        try actor.require(.monitoringRead)
        return try await alarms.list(query, page: page, scope: actor.scope)
    }

    /// One step of the alarm lifecycle (`AlarmWorkflow`).
    public func perform(_ id: UUID, action: AlarmAction, comment: String = "", cause: String? = nil, measures: String? = nil, until: Date? = nil,
                        expectedVersion: Int? = nil, actor: Caller, origin: String? = nil) async throws -> Alarm {
        try actor.require(action.permission)
        let now = clock.now()
        let a = try await alarms.update(id: id, scope: actor.scope, expectedVersion: expectedVersion,
                                        audit: AuditContext(actor: actor, at: now, origin: origin)) { a in
            try AlarmWorkflow.perform(action, on: a, by: actor, comment: comment, cause: cause, measures: measures, until: until, now: now)
        }
        await feed.changed()
        return a
    }

    /// The alarms in the caller's scope that changed at or after `from`, oldest change first, at most
    /// `limit`: what the live board passes on (see `AlarmChangeCursor`). `query`'s state, still-out and
    /// raised-time filters do not apply here, since a change may take an alarm out of them.
    public func changes(_ query: AlarmQuery, from: Date, limit: Int, actor: Caller) async throws -> [Alarm] {
        try actor.require(.monitoringRead)
        var q = query
        q.states = nil
        q.outOnly = false
        q.raisedAfter = nil
        q.raisedBefore = nil
        return try await alarms.changes(q, from: from, limit: limit, scope: actor.scope)
    }

    /// Whether the alarm is offered as a hazard now (see `AlarmHazardRule`).
    public func offersHazard(_ a: Alarm) async throws -> Bool {
        let now = clock.now()
        guard a.hazardID == nil else { return false }
        return AlarmHazardRule.offersHazard(a, alarmsOnPointToday: try await alarms.count(pointID: a.pointID, since: now.addingTimeInterval(-86_400)), now: now)
    }

    /// Turns the alarm into a hazard (reported through `report`, with the caller's rights) and links the two.
    public func createHazard(_ id: UUID, actor: Caller, origin: String? = nil, report: @Sendable (HazardDraft) async throws -> Hazard) async throws -> (Alarm, Hazard) {
        try actor.require(.hazardReport)
        let a = try await get(id, actor: actor)
        if let linked = a.hazardID {
            throw DomainError.conflict(FieldIssue(field: "hazard", zh: "该报警已转为隐患 \(linked.uuidString)", en: "this alarm already became hazard \(linked.uuidString)"))
        }
        guard try await offersHazard(a) else {
            throw DomainError.invalidTransition(from: "\(a.state.rawValue) (neither offline, nor out for an hour, nor repeated)", event: "createHazard")
        }
        let equipment = try await points.find(ids: [a.pointID])[a.pointID]?.equipment ?? ""
        let hazard = try await report(AlarmHazardRule.draft(a, equipment: equipment))
        let now = clock.now()
        let linked = try await alarms.update(id: id, scope: actor.scope, expectedVersion: nil, audit: AuditContext(actor: actor, at: now, origin: origin)) { current in
            var next = current
            next.hazardID = hazard.id
            next.updatedAt = now
            return next
        }
        await feed.changed()
        return (linked, hazard)
    }

    public func get(_ id: UUID, actor: Caller) async throws -> Alarm {
        try actor.require(.monitoringRead)
        guard let a = try await alarms.find(id: id, scope: actor.scope), actor.scope.includes(countyCode: a.countyCode, enterpriseID: a.enterpriseID) else {
            throw DomainError.notFound(entity: "alarm")
        }
        return a
    }
}
