import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// Readings, identified by point and time (milliseconds since 1970) so that a repeated reading is
/// skipped, outside the audit chain. SQLite: a log, a head in memory and compressed blocks per point
/// (`ReadingLog`). PostgreSQL: the table `readings` keyed by (point, time), partitioned by day, written
/// in multi-row statements, one transaction per request.
public struct FluentReadingRepository: ReadingRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    /// Rows per statement: four parameters each, well under SQLite's limit of 32,766.
    static let rowsPerStatement = 2000

    public func insert(_ unordered: [Reading], pending: PendingEvaluation?) async throws -> Int {
        if let log = store.readingLog {
            return try await log.ingest(unordered.map { ($0.pointID, Sample(ts: Self.millis($0.ts), value: $0.value, state: $0.state)) }, pending: pending)
        }
        // Keys in one order for every writer (see `addRollups`).
        let keyed: [(key: String, reading: Reading)] = unordered.map { ($0.pointID.uuidString, $0) }
        let readings: [Reading] = keyed.sorted { a, b in a.key != b.key ? a.key < b.key : a.reading.ts < b.reading.ts }.map(\.reading)
        return try await store.bulkWrite { db in
            let sql = db as! any SQLDatabase
            struct Stored: Decodable { let point_id: UUID; let ts: Int64; let value: Double? }
            var stored: [Stored] = []
            for chunk in stride(from: 0, to: readings.count, by: Self.rowsPerStatement) {
                var q: SQLQueryString = "INSERT INTO readings (point_id, ts, value, state) VALUES "
                for (i, r) in readings[chunk..<min(chunk + Self.rowsPerStatement, readings.count)].enumerated() {
                    q += (i == 0 ? "" : ", ") + "(\(bind: r.pointID), \(bind: Self.millis(r.ts)), \(bind: r.value), \(bind: r.state))"
                }
                q += " ON CONFLICT (point_id, ts) DO NOTHING RETURNING point_id, ts, value"
                stored += try await sql.raw(q).all(decoding: Stored.self)
            }
            // The minutes' rollups take what was new, in the same commit.
            var minutes: Minutes = [:]
            for r in stored {
                minutes.add(r.value, point: r.point_id, at: r.ts)
            }
            try await Self.addRollups(minutes, on: sql)
            if let pending, !stored.isEmpty { try await FluentEngineLeaseRepository.addPending(pending, on: sql) }
            return stored.count
        }
    }

    /// A minute of one point: how many readings, and of the numbers how many, the least, the most and the sum.
    struct Rollup {
        struct Key: Hashable { let point: UUID; let minute: Int64 }
        var n = 0
        var nv = 0
        var min: Double?
        var max: Double?
        var sum: Double?

        mutating func add(_ value: Double?) {
            n += 1
            guard let v = value else { return }
            nv += 1
            min = Swift.min(min ?? v, v)
            max = Swift.max(max ?? v, v)
            sum = (sum ?? 0) + v
        }
    }

    typealias Minutes = [Rollup.Key: Rollup]

    static func addRollups(_ minutes: Minutes, on sql: any SQLDatabase) async throws {
        // In one order for every writer: two commits touching the same minutes (PostgreSQL runs them side
        // by side) then wait for each other instead of deadlocking.
        let keyed: [(key: String, minute: (key: Rollup.Key, value: Rollup))] = minutes.map { ("\($0.key.point.uuidString)\($0.key.minute)", $0) }
        let all = keyed.sorted { a, b in a.key < b.key }.map(\.minute)
        for chunk in stride(from: 0, to: all.count, by: Self.rowsPerStatement) {
            var q: SQLQueryString = "INSERT INTO readings_1m (point_id, minute, n, nv, vmin, vmax, vsum) VALUES "
            for (i, (k, r)) in all[chunk..<min(chunk + Self.rowsPerStatement, all.count)].enumerated() {
                q += (i == 0 ? "" : ", ") + "(\(bind: k.point), \(bind: k.minute), \(bind: r.n), \(bind: r.nv), \(bind: r.min), \(bind: r.max), \(bind: r.sum))"
            }
            q += """
                 ON CONFLICT (point_id, minute) DO UPDATE SET n = readings_1m.n + excluded.n, nv = readings_1m.nv + excluded.nv,
                vmin = CASE WHEN excluded.vmin IS NULL OR (readings_1m.vmin IS NOT NULL AND readings_1m.vmin <= excluded.vmin) THEN readings_1m.vmin ELSE excluded.vmin END,
                vmax = CASE WHEN excluded.vmax IS NULL OR (readings_1m.vmax IS NOT NULL AND readings_1m.vmax >= excluded.vmax) THEN readings_1m.vmax ELSE excluded.vmax END,
                vsum = CASE WHEN excluded.vsum IS NULL THEN readings_1m.vsum WHEN readings_1m.vsum IS NULL THEN excluded.vsum ELSE readings_1m.vsum + excluded.vsum END
                """
            try await sql.raw(q).run()
        }
    }

    /// Ranges longer than this read the minutes' rollups instead of the raw readings.
    static let rollupsFrom: TimeInterval = 2 * 86_400

    public func prepare(now: Date, retention: TimeInterval) async throws {
        guard store.engine == .postgres else { return }
        // Yesterday to two days ahead: what gateways send now. Older readings (a gateway catching up)
        // wait in the default partition until the retention removes them.
        var day = ReadingPartitions.dayStart(Self.millis(now.addingTimeInterval(-86_400)))
        let last = ReadingPartitions.dayStart(Self.millis(now.addingTimeInterval(2 * 86_400)))
        let existing = try await ReadingPartitions.names(on: store.sql)
        while day <= last {
            let thisDay = day
            if !existing.contains(ReadingPartitions.name(day: day)) {
                // One day per transaction; one instance at a time.
                try await store.database.transaction { tx in
                    let sql = tx as! any SQLDatabase
                    try await sql.raw("SELECT pg_advisory_xact_lock(141102)").run()
                    guard try await !ReadingPartitions.names(on: sql).contains(ReadingPartitions.name(day: thisDay)) else { return }
                    try await ReadingPartitions.create(day: thisDay, on: sql)
                }
            }
            day += ReadingPartitions.dayMillis
        }
    }

    public func prune(before cutoff: Date) async throws {
        let limit = Self.millis(cutoff)
        if let log = store.readingLog { return try await log.prune(before: limit) }
        // PostgreSQL: whole days past the retention go at once; the default partition only holds strays.
        try await store.database.transaction { tx in
            let sql = tx as! any SQLDatabase
            try await sql.raw("SELECT pg_advisory_xact_lock(141102)").run()
            for name in try await ReadingPartitions.names(on: sql) {
                guard let day = ReadingPartitions.day(of: name), day + ReadingPartitions.dayMillis <= limit else { continue }
                try await sql.raw("DROP TABLE \(ident: name)").run()
            }
            try await sql.raw("DELETE FROM readings_default WHERE ts < \(bind: limit)").run()
        }
    }

    public func series(pointID: UUID, from: Date, to: Date, buckets: Int) async throws -> [SeriesBucket] {
        let (start, end) = (Self.millis(from), Self.millis(to))
        let width = max(1, (end - start) / Int64(max(1, buckets)))
        if let log = store.readingLog { return try await Self.series(log: log, rollups: store.sql, pointID: pointID, start: start, end: end, width: width) }
        struct Row: Decodable { let b: Int64; let lo: Double?; let hi: Double?; let total: Double?; let n: Int }
        // One pass over the point's key range; the slices are counted in the database. Long ranges read
        // the minutes' rollups (which outlive the raw readings).
        let query: SQLQueryString = to.timeIntervalSince(from) > Self.rollupsFrom
            ? """
              SELECT (minute - \(bind: start)) / \(bind: width) AS b, MIN(vmin) AS lo, MAX(vmax) AS hi, SUM(vsum) AS total, SUM(nv) AS n
              FROM readings_1m WHERE point_id = \(bind: pointID) AND minute >= \(bind: start) AND minute < \(bind: end) AND nv > 0
              GROUP BY 1 ORDER BY 1
              """
            : """
              SELECT (ts - \(bind: start)) / \(bind: width) AS b, MIN(value) AS lo, MAX(value) AS hi, SUM(value) AS total, COUNT(value) AS n
              FROM readings WHERE point_id = \(bind: pointID) AND ts >= \(bind: start) AND ts < \(bind: end) AND value IS NOT NULL
              GROUP BY 1 ORDER BY 1
              """
        return try await store.sql.raw(query).all(decoding: Row.self).compactMap { r in
            guard let lo = r.lo, let hi = r.hi, let total = r.total, r.n > 0 else { return nil }
            return SeriesBucket(start: Date(timeIntervalSince1970: Double(start + r.b * width) / 1000), min: lo, max: hi, mean: total / Double(r.n), count: r.n)
        }
    }

    public func latest(pointID: UUID) async throws -> Reading? {
        if let log = store.readingLog { return try await log.last(point: pointID).map { Self.reading(pointID, $0) } }
        struct Row: Decodable { let ts: Int64; let value: Double?; let state: String? }
        return try await store.sql.raw("SELECT ts, value, state FROM readings WHERE point_id = \(bind: pointID) ORDER BY ts DESC LIMIT 1")
            .first(decoding: Row.self).map { Reading(pointID: pointID, ts: Date(timeIntervalSince1970: Double($0.ts) / 1000), value: $0.value, state: $0.state) }
    }

    public func readings(pointID: UUID, from: Date, to: Date, limit: Int) async throws -> [Reading] {
        if let log = store.readingLog {
            return try await log.samples(point: pointID, from: Self.millis(from), to: Self.millis(to)).prefix(limit).map { Self.reading(pointID, $0) }
        }
        struct Row: Decodable { let ts: Int64; let value: Double?; let state: String? }
        let rows = try await store.sql.raw("""
            SELECT ts, value, state FROM readings WHERE point_id = \(bind: pointID) AND ts >= \(bind: Self.millis(from)) AND ts < \(bind: Self.millis(to))
            ORDER BY ts LIMIT \(literal: limit)
            """).all(decoding: Row.self)
        return rows.map { Reading(pointID: pointID, ts: Date(timeIntervalSince1970: Double($0.ts) / 1000), value: $0.value, state: $0.state) }
    }
}

/// PostgreSQL's daily partitions of the raw readings, named by their Beijing date (`readings_p20261129`).
enum ReadingPartitions {
    static let dayMillis: Int64 = 86_400_000
    static let beijing: Int64 = 8 * 3_600_000

    /// The start (milliseconds since 1970) of the Beijing day holding `ms`.
    static func dayStart(_ ms: Int64) -> Int64 {
        let shifted = ms + beijing
        return (shifted >= 0 ? shifted / dayMillis : (shifted - dayMillis + 1) / dayMillis) * dayMillis - beijing
    }

    static func name(day: Int64) -> String {
        "readings_p" + ChinaTime.day(Date(timeIntervalSince1970: Double(day) / 1000)).replacingOccurrences(of: "-", with: "")
    }

    static func day(of name: String) -> Int64? {
        let digits = name.dropFirst("readings_p".count)
        guard digits.count == 8, let d = ChinaTime.parseDay("\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))") else { return nil }
        return FluentReadingRepository.millis(d)
    }

    static func names(on sql: any SQLDatabase) async throws -> Set<String> {
        struct Row: Decodable { let relname: String }
        return Set(try await sql.raw("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'readings' AND c.relname LIKE 'readings\\_p%'
            """).all(decoding: Row.self).map(\.relname))
    }

    /// Makes the day's partition; rows the default partition holds for that day move into it.
    static func create(day: Int64, on sql: any SQLDatabase) async throws {
        let name = Self.name(day: day)
        let end = day + dayMillis
        try await sql.raw("CREATE TEMP TABLE readings_moving AS SELECT * FROM readings_default WHERE ts >= \(bind: day) AND ts < \(bind: end)").run()
        try await sql.raw("DELETE FROM readings_default WHERE ts >= \(bind: day) AND ts < \(bind: end)").run()
        try await sql.raw("CREATE TABLE \(ident: name) PARTITION OF readings FOR VALUES FROM (\(literal: day)) TO (\(literal: end))").run()
        try await sql.raw("INSERT INTO readings SELECT * FROM readings_moving").run()
        try await sql.raw("DROP TABLE readings_moving").run()
    }
}

extension FluentReadingRepository.Minutes {
    /// Counts a reading in its point's minute (times are after 1970, so the remainder is never negative).
    mutating func add(_ value: Double?, point: UUID, at ts: Int64) {
        self[FluentReadingRepository.Rollup.Key(point: point, minute: ts - ts % 60_000), default: FluentReadingRepository.Rollup()].add(value)
    }
}
