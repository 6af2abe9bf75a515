import Foundation

/// One reading of one point, identified by the point and its time: a repeat stores nothing twice.
public struct Reading: Sendable, Equatable {
    public var pointID: UUID
    public var ts: Date
    /// Analog and counter points.
    public var value: Double?
    /// State points.
    public var state: String?

    public init(pointID: UUID, ts: Date, value: Double? = nil, state: String? = nil) {
        self.pointID = pointID
        self.ts = ts
        self.value = value
        self.state = state
    }
}

/// A reading as a gateway sends it, before it is checked.
public struct RawReading: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
    }

    public var point: String?
    public var ts: String?
    public var value: Value?

    public init(point: String?, ts: String?, value: Value?) {
        self.point = point
        self.ts = ts
        self.value = value
    }
}

public struct ReadingRejection: Sendable, Equatable {
    public var index: Int
    public var zh: String
    public var en: String
}

public struct IngestResult: Sendable, Equatable {
    public var accepted: Int
    public var duplicates: Int
    public var rejections: [ReadingRejection]
}

/// What an ingest needs to know of a point.
public struct PointKey: Sendable, Equatable {
    public var id: UUID
    public var kind: MonitoringPoint.Kind
    public var active: Bool

    public init(id: UUID, kind: MonitoringPoint.Kind, active: Bool) {
        self.id = id
        self.kind = kind
        self.active = active
    }
}

public enum TelemetryRules {
    public static let maxReadings = 10_000
    /// How far ahead of the server's clock a reading may be (gateway clocks drift).
    public static let maxAhead: TimeInterval = 300

    /// Checks each reading: the valid ones, and each rejection with its index and reason.
    public static func check(_ raw: [RawReading], points: [String: PointKey], now: Date, retention: TimeInterval) -> ([Reading], [ReadingRejection]) {
        var ok: [Reading] = []
        var rejected: [ReadingRejection] = []
        ok.reserveCapacity(raw.count)
        let oldest = now.addingTimeInterval(-retention)
        // A gateway's batch is mostly one scan of its points at one time: the same text, parsed once.
        var lastText: String?
        var lastTs: Date?
        for (i, r) in raw.enumerated() {
            func reject(_ zh: String, _ en: String) { rejected.append(ReadingRejection(index: i, zh: zh, en: en)) }
            guard let code = r.point, !code.isEmpty else { reject("缺少点位编码 point", "point is missing"); continue }
            guard let key = points[code] else { reject("未登记的点位：\(code)", "unknown point \(code)"); continue }
            guard key.active else { reject("点位已停用：\(code)", "point \(code) is out of service"); continue }
            let parsed: Date?
            if let text = r.ts, text == lastText { parsed = lastTs } else {
                parsed = r.ts.flatMap(ISOTime.parse)
                (lastText, lastTs) = (r.ts, parsed)
            }
            guard let ts = parsed else { reject("时间 ts 应为 ISO 8601 格式", "ts must be an ISO 8601 time"); continue }
            if ts > now.addingTimeInterval(maxAhead) { reject("时间晚于服务器时间5分钟以上", "ts is more than 5 minutes ahead"); continue }
            if ts < oldest { reject("时间早于数据保存期限", "ts is older than the retention"); continue }
            switch (key.kind, r.value) {
            case (.analog, .number(let v)?), (.counter, .number(let v)?):
                guard v.isFinite else { reject("数值无效", "the value is not a finite number"); continue }
                ok.append(Reading(pointID: key.id, ts: ts, value: v))
            case (.state, .text(let s)?):
                guard (1...30).contains(s.length) else { reject("状态值为1–30字", "a state has 1–30 characters"); continue }
                ok.append(Reading(pointID: key.id, ts: ts, state: s))
            case (.state, .number(let v)?):
                // Gateways often send states as 0/1.
                guard v.isFinite, v == v.rounded(), abs(v) < 1e9 else { reject("状态值应为文字或整数", "a state is text or a whole number"); continue }
                ok.append(Reading(pointID: key.id, ts: ts, state: String(Int(v))))
            case (_, nil): reject("缺少数值 value", "value is missing")
            case (_, .text?): reject("\(code)为\(key.kind.zh)，数值应为数字", "\(code) is \(key.kind.en.lowercased()): the value must be a number")
            }
        }
        return (ok, rejected)
    }
}

public struct SeriesBucket: Sendable, Equatable {
    public var start: Date
    public var min: Double
    public var max: Double
    public var mean: Double
    public var count: Int

    public init(start: Date, min: Double, max: Double, mean: Double, count: Int) {
        self.start = start
        self.min = min
        self.max = max
        self.mean = mean
        self.count = count
    }
}

public protocol ReadingRepository: Sendable {
    /// Stores the readings durably (answered only once committed); a reading already stored is skipped.
    /// Returns how many were new. `pending`: recorded in the same commit when any was new, for the alarm
    /// engine.
    func insert(_ readings: [Reading], pending: PendingEvaluation?) async throws -> Int
    /// A point's readings in a time range, oldest first (for tests and trends).
    func readings(pointID: UUID, from: Date, to: Date, limit: Int) async throws -> [Reading]
    /// A point's analog readings in a range, in `buckets` equal slices: each slice's minimum, maximum, mean and count.
    func series(pointID: UUID, from: Date, to: Date, buckets: Int) async throws -> [SeriesBucket]
    /// The point's latest reading.
    func latest(pointID: UUID) async throws -> Reading?
    /// Makes room for the readings to come (PostgreSQL's daily partitions, from yesterday to two days
    /// ahead); nothing to do elsewhere.
    func prepare(now: Date, retention: TimeInterval) async throws
    /// Removes the raw readings from before `cutoff` (whole days at once where partitioned); the minutes'
    /// rollups stay.
    func prune(before cutoff: Date) async throws
}

/// Point definitions by id, for evaluating a batch: found by `IDKey`, and read where they are kept
/// (a definition copied out of a dictionary for each point of each batch was a twentieth of ingest's time).
public struct PointTable: Sendable {
    private let index: [IDKey: Int]
    public let points: [MonitoringPoint]

    public init(_ points: some Sequence<MonitoringPoint>) {
        var index: [IDKey: Int] = [:]
        var kept: [MonitoringPoint] = []
        for p in points where index[IDKey(p.id)] == nil {
            index[IDKey(p.id)] = kept.count
            kept.append(p)
        }
        self.index = index
        self.points = kept
    }

    /// Where the point of this id is in `points`.
    public func position(of key: IDKey) -> Int? { index[key] }
}

/// One enterprise's point definitions as ingest reads them: by code, by id and as the checks need
/// them. Made once per load and shared by every request after it (never copied per request: with two
/// thousand points a gateway's batch spent longer copying them than storing its readings).
public final class PointDefinitions: Sendable {
    public let byCode: [String: MonitoringPoint]
    /// By id, for the alarm engine.
    public let table: PointTable
    public let keys: [String: PointKey]
    /// Codes batches named that were looked up since and not found.
    let missing: Set<String>
    let loadedAt: Date

    init(_ points: some Sequence<MonitoringPoint>, missing: Set<String> = [], loadedAt: Date) {
        self.byCode = Dictionary(points.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        self.table = PointTable(byCode.values)
        self.keys = byCode.mapValues { PointKey(id: $0.id, kind: $0.kind, active: $0.active) }
        self.missing = missing
        self.loadedAt = loadedAt
    }
}

/// The points' definitions as ingest needs them, per enterprise, kept a few seconds: a gateway's every
/// batch names the same points, and reading a thousand definitions per batch cost more than storing
/// the batch. A change made here is seen at once (`invalidate`); a point added on another instance
/// at its first reading (a code the definitions lack is looked up, once while they are kept); other
/// changes made on another instance within `ttl`.
///
/// An enterprise's definitions are read whole, by one read at a time: the batches that find none fresh
/// wait for the read under way. (Before, each batch read the codes it named: four gateways' first
/// batches read the same thousand definitions four times over, side by side, and took 100–160 ms
/// instead of 10 while the pages around them waited for the processor.)
public actor PointDefinitionCache {
    private var entries: [UUID: PointDefinitions] = [:]
    /// The read under way per enterprise, numbered so that one begun before an `invalidate` is not kept.
    private var reading: [UUID: (number: Int, task: Task<PointDefinitions, any Error>)] = [:]
    private var reads = 0
    public let ttl: TimeInterval

    public init(ttl: TimeInterval = 5) { self.ttl = ttl }

    /// The enterprise's points changed here: the next batch reads them again (not a read begun before).
    public func invalidate(enterpriseID: UUID) {
        entries.removeValue(forKey: enterpriseID)
        reading.removeValue(forKey: enterpriseID)
    }

    /// The enterprise's definitions: those read within `ttl`, the read under way, or a new read.
    func points(enterpriseID: UUID, now: Date, read: @escaping @Sendable () async throws -> [MonitoringPoint]) async throws -> PointDefinitions {
        if let e = entries[enterpriseID], now.timeIntervalSince(e.loadedAt) < ttl, e.loadedAt <= now { return e }
        if let under = reading[enterpriseID] { return try await under.task.value }
        reads += 1
        let number = reads
        let task = Task { PointDefinitions(try await read(), loadedAt: now) }
        reading[enterpriseID] = (number, task)
        do {
            let made = try await task.value
            if reading[enterpriseID]?.number == number {
                reading.removeValue(forKey: enterpriseID)
                entries[enterpriseID] = made
            }
            return made
        } catch {
            if reading[enterpriseID]?.number == number { reading.removeValue(forKey: enterpriseID) }
            throw error
        }
    }

    /// `defs` with the codes a batch named that it lacks looked up (those looked up before and not
    /// found are not asked again while `defs` is kept). Kept in place of `defs` if that is still the
    /// enterprise's entry.
    func lookUp(_ codes: Set<String>, enterpriseID: UUID, in defs: PointDefinitions,
                read: @Sendable ([String]) async throws -> [String: MonitoringPoint]) async throws -> PointDefinitions {
        let ask = codes.subtracting(defs.missing)
        guard !ask.isEmpty else { return defs }
        let found = try await read(ask.sorted())
        let made = PointDefinitions(Array(defs.byCode.values) + Array(found.values), missing: defs.missing.union(ask.subtracting(found.keys)),
                                    loadedAt: defs.loadedAt)
        if entries[enterpriseID] === defs { entries[enterpriseID] = made }
        return made
    }
}

/// Telemetry from enterprises' gateways: checked per reading, stored in bulk, never in the audit log.
public struct TelemetryService: Sendable {
    public let readings: any ReadingRepository
    public let points: any MonitoringPointRepository
    /// Evaluates what was stored.
    public let alarms: AlarmService?
    public let clock: any WallClock
    /// Raw readings are kept this long.
    public let retention: TimeInterval
    public let definitions: PointDefinitionCache
    /// Hears of evaluations that failed after their readings were stored (the batch waits for the next pass).
    public let report: @Sendable (any Error) -> Void
    /// Hears of each batch taken (its counts and how long it took, in seconds), for the operators' figures.
    public var observe: @Sendable (IngestResult, TimeInterval) -> Void = { _, _ in }

    public init(readings: any ReadingRepository, points: any MonitoringPointRepository, alarms: AlarmService? = nil, clock: any WallClock,
                retention: TimeInterval, definitions: PointDefinitionCache = PointDefinitionCache(), report: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.report = report
        self.readings = readings
        self.points = points
        self.definitions = definitions
        self.alarms = alarms
        self.clock = clock
        self.retention = retention
    }

    /// Keeps the raw readings to the retention: makes the coming days' room and removes what is past.
    /// Run by `serve` at start and every hour.
    public func maintain() async throws {
        let now = clock.now()
        try await readings.prepare(now: now, retention: retention)
        try await readings.prune(before: now.addingTimeInterval(-retention))
    }

    public func ingest(_ raw: [RawReading], actor: Caller) async throws -> IngestResult {
        let started = ContinuousClock.now
        let result = try await ingestBatch(raw, actor: actor)
        let took = ContinuousClock.now - started
        observe(result, Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        return result
    }

    func ingestBatch(_ raw: [RawReading], actor: Caller) async throws -> IngestResult {
        try actor.require(.telemetryWrite)
        guard case .enterprise(let enterpriseID) = actor.scope else { throw DomainError.forbidden(permission: .telemetryWrite) }
        guard raw.count <= TelemetryRules.maxReadings else {
            throw DomainError.validation([FieldIssue(field: "readings", zh: "每次最多\(TelemetryRules.maxReadings)条读数", en: "at most \(TelemetryRules.maxReadings) readings a request")])
        }
        // Read once: for checking the readings, and for the alarm engine.
        let now = clock.now()
        let repository = points
        var defs = try await definitions.points(enterpriseID: enterpriseID, now: now) { try await repository.points(enterpriseID: enterpriseID) }
        var (ok, rejected) = TelemetryRules.check(raw, points: defs.keys, now: now, retention: retention)
        // Codes the definitions lack (a point just added on another instance, or a code that does not
        // exist) are looked up, and the batch checked again.
        let unknown = Set(rejected.compactMap { r in raw[r.index].point.flatMap { !$0.isEmpty && defs.keys[$0] == nil ? $0 : nil } })
        if !unknown.isSubset(of: defs.missing) {
            defs = try await definitions.lookUp(unknown, enterpriseID: enterpriseID, in: defs) { codes in
                try await repository.points(enterpriseID: enterpriseID, codes: codes)
            }
            (ok, rejected) = TelemetryRules.check(raw, points: defs.keys, now: now, retention: retention)
        }
        guard let first = ok.first else { return IngestResult(accepted: 0, duplicates: 0, rejections: rejected) }
        let span = ok.reduce((first.ts, first.ts)) { (min($0.0, $1.ts), max($0.1, $1.ts)) }
        let batch = alarms.map { PendingEvaluation(enterpriseID: enterpriseID, from: span.0, to: span.1, storedBy: $0.owner) }
        if let alarms, let batch { await alarms.begin(batch) }
        let stored: Int
        do {
            stored = try await readings.insert(ok, pending: batch)
        } catch {
            if let alarms, let batch { await alarms.end(batch, failed: true) }
            throw error
        }
        // The readings are durable, with their batch waiting for the engine, before anything is evaluated:
        // when evaluation fails here (or another instance runs this enterprise's engine), the batch is
        // evaluated by the background pass. A repeat stores nothing and changes nothing in the engine.
        if let alarms, let batch {
            if stored > 0 {
                do {
                    try await alarms.evaluate(ok, points: defs.table, batch: batch)
                } catch {
                    report(error)
                }
            }
            await alarms.end(batch)
        }
        return IngestResult(accepted: stored, duplicates: ok.count - stored, rejections: rejected)
    }
}
