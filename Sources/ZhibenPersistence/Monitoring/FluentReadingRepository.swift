import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// Readings, identified by point and time (milliseconds since 1970) so that a repeated reading is
/// skipped, outside the audit chain: a log, a head in memory and compressed blocks per point
/// (`ReadingLog`), on SQLite and PostgreSQL alike.
public struct FluentReadingRepository: ReadingRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    /// Rows per statement: four parameters each, well under SQLite's limit of 32,766.
    static let rowsPerStatement = 2000

    public func insert(_ readings: [Reading], pending: PendingEvaluation?) async throws -> Int {
        try await store.readingLog.ingest(readings.map { ($0.pointID, Sample(ts: Self.millis($0.ts), value: $0.value, state: $0.state)) }, pending: pending)
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

    /// Nothing to make ahead of time: the blocks are one table on both databases (PostgreSQL's daily
    /// partitions of the former readings table went with `M040SharedReadingLog`).
    public func prepare(now: Date, retention: TimeInterval) async throws {}

    public func prune(before cutoff: Date) async throws {
        try await store.readingLog.prune(before: Self.millis(cutoff))
    }

    public func series(pointID: UUID, from: Date, to: Date, buckets: Int) async throws -> [SeriesBucket] {
        let (start, end) = (Self.millis(from), Self.millis(to))
        let width = max(1, (end - start) / Int64(max(1, buckets)))
        return try await Self.series(log: store.readingLog, rollups: store.sql, pointID: pointID, start: start, end: end, width: width)
    }

    public func latest(pointID: UUID) async throws -> Reading? {
        try await store.readingLog.last(point: pointID).map { Self.reading(pointID, $0) }
    }

    public func readings(pointID: UUID, from: Date, to: Date, limit: Int) async throws -> [Reading] {
        try await store.readingLog.samples(point: pointID, from: Self.millis(from), to: Self.millis(to)).prefix(limit).map { Self.reading(pointID, $0) }
    }
}

/// PostgreSQL's daily partitions of the former raw readings table, named by their Beijing date
/// (`readings_p20261129`): used by the migrations that made and later removed them.
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
