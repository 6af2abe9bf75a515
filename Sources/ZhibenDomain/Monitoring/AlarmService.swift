import Foundation

/// Each point's engine state, in memory, restored from the database the first time a point is seen;
/// only for points of enterprises whose leases this instance holds. Keyed by `IDKey`: a batch of a
/// thousand readings looks up and sets a thousand states.
actor AlarmStateCache {
    struct Entry {
        var state: PointAlarmState
        var enterpriseID: UUID?
        /// Brought in only so that the point's silence is noticed: its last reading may not have been
        /// evaluated yet, so the next evaluation restores it from storage.
        var warmOnly: Bool
    }
    private var entries: [IDKey: Entry] = [:]

    /// The states of these points in memory for evaluation (nil: not there, or warm-only), in order:
    /// one hop for a whole batch.
    func get(_ keys: [IDKey]) -> [PointAlarmState?] {
        keys.map { key in entries[key].flatMap { $0.warmOnly ? nil : $0.state } }
    }
    /// Sets the states evaluated, with their points' enterprises (`states`, `enterprises` in the order of `keys`).
    func set(_ keys: [IDKey], _ states: [PointAlarmState], enterprises: [UUID]) {
        entries.reserveCapacity(entries.count + keys.count)
        for i in keys.indices { entries[keys[i]] = Entry(state: states[i], enterpriseID: enterprises[i], warmOnly: false) }
    }
    /// Changes states without making warm-only ones evaluated.
    func replace(_ changed: [UUID: PointAlarmState]) {
        for (id, state) in changed {
            let key = IDKey(id)
            if entries[key] != nil {
                entries[key]!.state = state
            } else {
                entries[key] = Entry(state: state, enterpriseID: nil, warmOnly: false)
            }
        }
    }
    /// Brings in points not in memory, warm-only.
    func warm(_ restored: [UUID: PointAlarmState], enterprises: [UUID: UUID]) {
        for (id, s) in restored where entries[IDKey(id)] == nil {
            entries[IDKey(id)] = Entry(state: s, enterpriseID: enterprises[id], warmOnly: true)
        }
    }
    func missing(_ ids: [UUID]) -> [UUID] { ids.filter { entries[IDKey($0)] == nil } }
    func drop(enterprises: Set<UUID>) {
        guard !enterprises.isEmpty else { return }
        entries = entries.filter { $0.value.enterpriseID.map { !enterprises.contains($0) } ?? true }
    }
    /// The enterprises of the points in memory.
    func enterprises() -> Set<UUID> { Set(entries.values.compactMap(\.enterpriseID)) }
    func known() -> [UUID: PointAlarmState] {
        var out: [UUID: PointAlarmState] = [:]
        out.reserveCapacity(entries.count)
        for (key, entry) in entries { out[key.id] = entry.state }
        return out
    }
}

/// A batch's readings by point, the points in the order they first appear: one lookup a reading.
struct ReadingsByPoint {
    let readings: [Reading]
    private(set) var ids: [UUID] = []
    private(set) var keys: [IDKey] = []
    private var first: [Int] = []
    private var last: [Int] = []
    private var count: [Int] = []
    /// The next reading of the same point, or -1.
    private var next: [Int]
    /// Each point's place in the table the readings were grouped with (`init(_:table:)`).
    private(set) var positions: [Int?] = []

    /// Grouped by the points' places in `table` where one is given (one lookup a reading in the
    /// table's index, and none for a point's later readings' group); a point without one by its id.
    init(_ readings: [Reading], table: PointTable? = nil) {
        self.readings = readings
        next = Array(repeating: -1, count: readings.count)
        var groupAt = [Int](repeating: -1, count: table?.points.count ?? 0)
        var other: [IDKey: Int] = [:]
        if table == nil { other.reserveCapacity(readings.count) }
        for (i, r) in readings.enumerated() {
            let key = IDKey(r.pointID)
            let p = table?.position(of: key)
            if let g = p.map({ groupAt[$0] }) ?? other[key], g >= 0 {
                next[last[g]] = i
                last[g] = i
                count[g] += 1
                continue
            }
            if let p { groupAt[p] = ids.count } else { other[key] = ids.count }
            ids.append(r.pointID)
            keys.append(key)
            positions.append(p)
            first.append(i)
            last.append(i)
            count.append(1)
        }
    }

    /// The point's readings, in time order.
    func readings(of g: Int) -> [Reading] {
        guard count[g] > 1 else { return [readings[first[g]]] }
        var out: [Reading] = []
        out.reserveCapacity(count[g])
        var i = first[g]
        while i >= 0 {
            out.append(readings[i])
            i = next[i]
        }
        return out.sorted { $0.ts < $1.ts }
    }

    /// The point's readings in time order, one by one: a point's only reading (the usual case: a scan
    /// of each point) without an array made for it.
    func forEachReading(of g: Int, _ body: (Reading) -> Void) {
        if count[g] == 1 { return body(readings[first[g]]) }
        for r in readings(of: g) { body(r) }
    }

    func earliest(of g: Int) -> Date {
        var t = readings[first[g]].ts
        var i = next[first[g]]
        while i >= 0 {
            t = min(t, readings[i].ts)
            i = next[i]
        }
        return t
    }
}

/// Runs the alarm engine on stored readings and on silence, and records what it decides (T14). With
/// several instances on one database, each enterprise's engine runs on the instance holding its lease
/// (`EngineLeaseRepository`); readings stored elsewhere wait as a `PendingEvaluation` for it.
public struct AlarmService: Sendable {
    public let alarms: any AlarmRepository
    public let points: any MonitoringPointRepository
    public let leases: any EngineLeaseRepository
    public let clock: any WallClock
    public let escalation: EscalationPolicy
    /// Also receives every notification (SMS and messaging gateways later).
    public let channel: (any NotificationChannel)?
    /// This instance, as its leases name it.
    public let owner: String
    /// A lease not renewed for this long passes to another instance.
    public let leaseTTL: TimeInterval
    /// When an alarm is offered as a hazard.
    public let hazardPolicy: AlarmHazardPolicy
    /// Wakes the live board's streams after each change made here.
    public let feed = AlarmFeed()
    let cache = AlarmStateCache()
    let ownership = EngineOwnership()
    /// Evaluation and recording happen one batch at a time, so that a point's events are stored in the
    /// order the engine decided them.
    let gate = AsyncGate()

    public init(alarms: any AlarmRepository, points: any MonitoringPointRepository, leases: any EngineLeaseRepository, clock: any WallClock,
                escalation: EscalationPolicy = EscalationPolicy(), channel: (any NotificationChannel)? = nil,
                owner: String = UUID().uuidString, leaseTTL: TimeInterval = 15, hazardPolicy: AlarmHazardPolicy = AlarmHazardPolicy()) {
        self.hazardPolicy = hazardPolicy
        self.alarms = alarms
        self.points = points
        self.leases = leases
        self.clock = clock
        self.escalation = escalation
        self.channel = channel
        self.owner = owner
        self.leaseTTL = leaseTTL
    }

    /// Tells the county's officers, and later the city's, of alarms nobody acknowledged in time, once
    /// each: those of the enterprises whose leases this instance holds. Run by the background job with
    /// `tick`; returns how many were escalated.
    @discardableResult
    public func escalate() async throws -> Int {
        try await renew(nil)
        let now = clock.now()
        var count = 0
        for (a, tier) in try await alarms.dueForEscalation(policy: escalation, now: now, owner: owner) {
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

    /// Marks a batch as being stored and evaluated by its own request (see `evaluate`'s `batch`).
    public func begin(_ batch: PendingEvaluation) async { await ownership.begin(batch.id) }
    /// `failed`: the batch may be left waiting (storing or evaluating it failed): the enterprise's next
    /// request reads its waiting batches again.
    public func end(_ batch: PendingEvaluation, failed: Bool = false) async {
        if failed { await ownership.unclean(batch.enterpriseID) }
        await ownership.end(batch.id)
    }

    /// Evaluates readings that were just stored, each point's in time order: those of enterprises whose
    /// leases this instance holds or can take. `points`: their definitions, when the caller has read
    /// them already. `batch`: their waiting record, removed once they are evaluated; readings of an
    /// enterprise held elsewhere are left to it.
    public func evaluate(_ readings: [Reading], points known: PointTable? = nil, batch: PendingEvaluation? = nil) async throws {
        guard !readings.isEmpty else { return }
        // The enterprise's batches waiting are read before the engine's turn, so that the requests' reads
        // overlap instead of queueing one behind the other (on PostgreSQL each is a round trip). A batch
        // stored elsewhere just after the read waits for the background pass, as one stored just after
        // the engine's turn always did.
        do {
            let waiting = if let batch { try await waitingBefore(batch) } else { [PendingEvaluation]() }
            try await gate.run {
                try await catchUp(waiting)
                try await evaluateHolding(readings, points: known, batch: batch, replay: false)
            }
        } catch {
            if let batch { await ownership.unclean(batch.enterpriseID) }
            throw error
        }
    }

    /// How many waiting batches one read takes.
    static let waitingRead = 20

    /// The enterprise's batches stored earlier (by another instance, or left by a failure or an
    /// earlier run) and still waiting, when this instance runs its engine. Not read again while
    /// nothing can have come since a read found none (`EngineLeaseRepository.storedElsewhere`): on
    /// one instance, that is every request but the enterprise's first and those after a failure.
    private func waitingBefore(_ batch: PendingEvaluation) async throws -> [PendingEvaluation] {
        let stamp = leases.storedElsewhere(than: owner)
        guard await ownership.readsWaiting(batch.enterpriseID, stamp: stamp) else { return [] }
        let waiting = try await leases.pending(owner: owner, enterpriseID: batch.enterpriseID, limit: Self.waitingRead)
        var others = waiting.count >= Self.waitingRead
        for w in waiting where !others { others = await !ownership.leavesAlone(w.id) }
        if !others { await ownership.markClean(batch.enterpriseID, stamp: stamp) }
        return waiting.filter { $0.from <= batch.to }
    }

    /// Evaluates first the batches found waiting, so that the engine sees the enterprise's readings in
    /// the order they came; those evaluated meanwhile by another request (or at it now) are left alone.
    private func catchUp(_ waiting: [PendingEvaluation]) async throws {
        for waiting in waiting {
            guard await !ownership.leavesAlone(waiting.id) else { continue }
            let readings = try await leases.readings(of: waiting)
            if readings.isEmpty {
                await ownership.evaluated([waiting.id])
            } else {
                try await evaluateHolding(readings, points: nil, batch: waiting, replay: true)
            }
        }
    }

    /// `replay`: the readings come from storage (a waiting batch); points not in memory are restored as
    /// they were before the batch, and what is out afterwards is taken from storage.
    private func evaluateHolding(_ readings: [Reading], points known: PointTable?, batch: PendingEvaluation?, replay: Bool) async throws {
        let byPoint = ReadingsByPoint(readings, table: known)
        let table = if let known { known } else { PointTable(try await points.find(ids: byPoint.ids).values) }
        // Each point's place in `table`.
        let at = known != nil ? byPoint.positions : byPoint.keys.map { table.position(of: $0) }
        // Each defined point's enterprise and whether it is in service, read once. The points are read
        // through the buffer: a read through the array's subscript copies the whole point (retaining
        // each of its fields) to get one of them.
        let owner: [(id: UUID, active: Bool)?] = table.points.withUnsafeBufferPointer { points in
            at.map { i in i.map { (points[$0].enterpriseID, points[$0].active) } }
        }
        // Usually one enterprise (a gateway's batch is one enterprise's): its id is hashed once.
        var enterprises: Set<UUID> = []
        var previous: UUID?
        for case let e? in owner where e.id != previous {
            previous = e.id
            enterprises.insert(e.id)
        }
        let fence = try await hold(enterprises)
        let finished = batch.flatMap { fence.epochs[$0.enterpriseID] != nil ? [$0.id] : nil } ?? []
        // The points evaluated here: defined, active, and of an enterprise held.
        var groups: [Int] = []
        groups.reserveCapacity(at.count)
        var heldEnterprise: (id: UUID, held: Bool)?
        for (g, point) in owner.enumerated() {
            guard let point, point.active else { continue }
            if heldEnterprise?.id != point.id { heldEnterprise = (point.id, fence.epochs[point.id] != nil) }
            if heldEnterprise!.held { groups.append(g) }
        }
        guard !groups.isEmpty else {
            await ownership.evaluated(finished)
            return
        }
        let keys = groups.map { byPoint.keys[$0] }
        // A point not yet in memory starts from the readings before this batch (which is stored already).
        var states = await cache.get(keys)
        var restored: Set<UUID> = []
        let missing = states.indices.filter { states[$0] == nil }
        if !missing.isEmpty {
            var before: [UUID: Date] = [:]
            for i in missing { before[byPoint.ids[groups[i]]] = byPoint.earliest(of: groups[i]) }
            let fetched = try await fromStorage(Array(before.keys), before: before)
            for i in missing { states[i] = fetched[byPoint.ids[groups[i]]] }
            restored = Set(before.keys)
        }
        let now = clock.now()
        var decided: [(point: MonitoringPoint, events: [AlarmEvent])] = []
        var next: [PointAlarmState] = []
        next.reserveCapacity(groups.count)
        table.points.withUnsafeBufferPointer { points in
            for (i, g) in groups.enumerated() {
                let p = at[g]!
                // Taken, not copied: each copy of a state retains its tables.
                var state = states[i].take() ?? PointAlarmState()
                var events: [AlarmEvent] = []
                // The point's kind and limits once: passing the point itself copied it whole for each reading.
                let (kind, limits) = (points[p].kind, points[p].limits)
                byPoint.forEachReading(of: g) { r in
                    let found = AlarmEngine.evaluate(r, kind: kind, limits: limits, state: &state)
                    if !found.isEmpty { events += found }
                }
                if !events.isEmpty { decided.append((points[p], events)) }
                next.append(consume state)
            }
        }
        // Memory follows only what was stored: a failed write leaves the engine where storage is.
        if decided.isEmpty {
            await ownership.evaluated(finished)
        } else {
            try await record(decided, at: now, fence: fence, finished: finished)
        }
        if replay, !restored.isEmpty {
            // A batch replayed after a crash may have been evaluated before, and later readings with it:
            // what is out is what storage says.
            let out = try await alarms.outConditions(pointIDs: Array(restored))
            for (i, g) in groups.enumerated() where restored.contains(byPoint.ids[g]) { next[i].active = out[byPoint.ids[g]] ?? [:] }
        }
        await cache.set(keys, next, enterprises: groups.map { owner[$0]!.id })
        if !decided.isEmpty { await feed.changed() }
    }

    /// Records the engine's decisions with the batches evaluated so far; when a lease was lost meanwhile
    /// nothing is stored, and its enterprises are forgotten here.
    private func record(_ decided: [(point: MonitoringPoint, events: [AlarmEvent])], at now: Date, fence: EngineFence, finished: [UUID]) async throws {
        let done = await ownership.takeEvaluated() + finished
        do {
            try await alarms.record(decided, at: now, fence: fence, evaluated: done)
        } catch let lost as EngineLeaseLost {
            await ownership.evaluated(done.filter { !finished.contains($0) })
            await ownership.lose(lost.enterpriseIDs)
            await cache.drop(enterprises: Set(lost.enterpriseIDs))
            throw lost
        } catch {
            await ownership.evaluated(done.filter { !finished.contains($0) })
            throw error
        }
    }

    /// The leases of these enterprises, taking those that are free or expired.
    private func hold(_ enterprises: Set<UUID>) async throws -> EngineFence {
        let held = await ownership.held
        if enterprises.contains(where: { held[$0] == nil }) {
            try await renew(Array(enterprises.filter { held[$0] == nil }), force: false)
        }
        let now = await ownership.held
        return EngineFence(owner: owner, epochs: now.filter { enterprises.contains($0.key) })
    }

    /// Renews this instance's leases and takes free ones (of `enterprises`, or of all when nil). The
    /// engine forgets the points of enterprises lost, and restores those gained from storage.
    private func renew(_ enterprises: [UUID]?, force: Bool = false) async throws {
        guard await !ownership.stopped else { return }
        let (gained, lost) = await ownership.update(try await leases.claim(enterprises, owner: owner, now: clock.now(), ttl: leaseTTL, force: force))
        await cache.drop(enterprises: Set(gained + lost))
        guard !gained.isEmpty else { return }
        // Warm-only: silence is noticed from now on, and each point's next evaluation restores it properly.
        let active = try await points.activePoints(enterpriseIDs: gained)
        let ids = await cache.missing(Array(active.keys))
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
            await cache.warm(try await fromStorage(part, before: [:]), enterprises: active)
        }
    }

    /// Every second: renews the leases and takes free ones, removes the records of batches evaluated,
    /// and evaluates the batches still waiting (stored by another instance, or left by a failure or a
    /// crash), `waitingRead` at a time, the engine's turn given up between two reads, until none is left
    /// or `drainFor` has passed (five seconds by default). Returns how many waiting batches it evaluated.
    /// (One read a second, before, took twenty batches a second: after a crash in the middle of a
    /// gateway's stream of small requests, the hundreds of batches left waiting raised their alarms
    /// only tens of seconds later.)
    /// `takingOver`: takes every lease, live or not: for an instance that knows it is the only one (a
    /// SQLite file is served by one process), so that a restart does not wait out its predecessor's leases.
    @discardableResult
    public func coordinate(takingOver: Bool = false, drainFor: Duration = .seconds(5)) async throws -> Int {
        let started = ContinuousClock.now
        var count = 0
        var first = true
        while true {
            let renewing = first
            let (evaluated, more) = try await gate.run { () async throws -> (Int, Bool) in
                if renewing { try await renew(nil, force: takingOver) }
                let done = await ownership.takeEvaluated()
                if !done.isEmpty {
                    do { try await leases.removePending(done) } catch {
                        await ownership.evaluated(done)
                        throw error
                    }
                }
                var count = 0
                let waiting = try await leases.pending(owner: owner, enterpriseID: nil, limit: Self.waitingRead)
                for batch in waiting where await !ownership.leavesAlone(batch.id) {
                    let readings = try await leases.readings(of: batch)
                    if readings.isEmpty {
                        try await leases.removePending([batch.id])
                    } else {
                        try await evaluateHolding(readings, points: nil, batch: batch, replay: true)
                    }
                    count += 1
                }
                // A full read that evaluated something may have left more behind it.
                return (count, waiting.count == Self.waitingRead && count > 0)
            }
            first = false
            count += evaluated
            guard more, ContinuousClock.now - started < drainFor else { return count }
        }
    }

    /// Gives this instance's leases up for good (at a clean stop), after removing the records of what it
    /// evaluated; what it stores afterwards waits for the instance that takes them.
    public func release() async throws {
        try await gate.run {
            let done = await ownership.takeEvaluated()
            if !done.isEmpty { try await leases.removePending(done) }
            await ownership.stop()
            await cache.drop(enterprises: await cache.enterprises())
            try await leases.release(owner: owner)
        }
    }

    /// Raises an offline alarm for each active point silent for three of its intervals, of the
    /// enterprises whose leases this instance holds. Run by a background job; returns how many went offline.
    @discardableResult
    public func tick() async throws -> Int {
        try await gate.run {
            try await renew(nil)
            let now = clock.now()
            // The definitions of points that cannot fall silent (a city's thousands, every 15 seconds) are not read.
            let known = await cache.known().filter { AlarmEngine.canFallSilent($0.value) }
            guard !known.isEmpty else { return 0 }
            let defs = try await points.find(ids: Array(known.keys))
            let held = await ownership.held
            var decided: [(point: MonitoringPoint, events: [AlarmEvent])] = []
            var next: [UUID: PointAlarmState] = [:]
            for (id, before) in known {
                guard let point = defs[id], held[point.enterpriseID] != nil else { continue }
                var state = before
                let events = AlarmEngine.tick(point: point, state: &state, now: now)
                guard !events.isEmpty else { continue }
                decided.append((point, events))
                next[id] = state
            }
            guard !decided.isEmpty else { return 0 }
            let fence = EngineFence(owner: owner, epochs: held.filter { e in decided.contains { $0.point.enterpriseID == e.key } })
            try await record(decided, at: now, fence: fence, finished: [])
            await cache.replace(next)
            await feed.changed()
            return decided.count
        }
    }

    /// Takes the leases of every enterprise free to take and brings their points into memory (at
    /// start), so that silence is noticed after a restart.
    public func warmUp() async throws {
        try await gate.run { try await renew(nil) }
    }

    /// The points' states from the alarms still out and each one's last reading before `before`.
    func fromStorage(_ ids: [UUID], before: [UUID: Date]) async throws -> [UUID: PointAlarmState] {
        guard !ids.isEmpty else { return [:] }
        let active = try await alarms.outConditions(pointIDs: ids)
        let last = try await alarms.lastReadings(pointIDs: ids, before: before)
        var restored: [UUID: PointAlarmState] = [:]
        for id in ids {
            var s = PointAlarmState(active: active[id] ?? [:], lastTs: last[id]?.ts)
            s.lastValue = last[id]?.value
            restored[id] = s
        }
        return restored
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
        return AlarmHazardRule.offersHazard(a, alarmsOnPointToday: try await alarms.count(pointID: a.pointID, since: now.addingTimeInterval(-86_400)), now: now,
                                            policy: hazardPolicy)
    }

    /// Turns the alarm into a hazard (reported through `report`, with the caller's rights) and links the two.
    public func createHazard(_ id: UUID, actor: Caller, origin: String? = nil, report: @Sendable (HazardDraft) async throws -> Hazard) async throws -> (Alarm, Hazard) {
        try actor.require(.hazardReport)
        let a = try await get(id, actor: actor)
        if let linked = a.hazardID {
            throw DomainError.conflict(FieldIssue(field: "hazard", zh: "该报警已转为隐患 \(linked.uuidString)", en: "this alarm already became hazard \(linked.uuidString)"))
        }
        guard try await offersHazard(a) else {
            throw DomainError.invalidTransition(from: "\(a.state.rawValue) (neither offline nor out of its limits long enough, nor repeated)", event: "createHazard")
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
