import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// Readings in `readings` (point, time in milliseconds since 1970, value or state), keyed by point and
/// time so that a repeated reading is skipped. Written in multi-row statements, one transaction per
/// request, outside the audit chain.
public struct FluentReadingRepository: ReadingRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    /// Rows per statement: four parameters each, well under SQLite's limit of 32,766.
    static let rowsPerStatement = 2000

    public func insert(_ readings: [Reading]) async throws -> Int {
        try await store.bulkWrite { db in
            let sql = db as! any SQLDatabase
            var inserted = 0
            for chunk in stride(from: 0, to: readings.count, by: Self.rowsPerStatement) {
                var q: SQLQueryString = "INSERT INTO readings (point_id, ts, value, state) VALUES "
                for (i, r) in readings[chunk..<min(chunk + Self.rowsPerStatement, readings.count)].enumerated() {
                    q += (i == 0 ? "" : ", ") + "(\(bind: r.pointID), \(bind: Self.millis(r.ts)), \(bind: r.value), \(bind: r.state))"
                }
                q += " ON CONFLICT (point_id, ts) DO NOTHING RETURNING ts"
                inserted += try await sql.raw(q).all().count
            }
            return inserted
        }
    }

    public func series(pointID: UUID, from: Date, to: Date, buckets: Int) async throws -> [SeriesBucket] {
        let (start, end) = (Self.millis(from), Self.millis(to))
        let width = max(1, (end - start) / Int64(max(1, buckets)))
        struct Row: Decodable { let b: Int64; let lo: Double?; let hi: Double?; let mean: Double?; let n: Int }
        // One pass over the point's key range; the slices are counted in the database.
        let rows = try await store.sql.raw("""
            SELECT (ts - \(bind: start)) / \(bind: width) AS b, MIN(value) AS lo, MAX(value) AS hi, AVG(value) AS mean, COUNT(value) AS n
            FROM readings WHERE point_id = \(bind: pointID) AND ts >= \(bind: start) AND ts < \(bind: end) AND value IS NOT NULL
            GROUP BY 1 ORDER BY 1
            """).all(decoding: Row.self)
        return rows.compactMap { r in
            guard let lo = r.lo, let hi = r.hi, let mean = r.mean else { return nil }
            return SeriesBucket(start: Date(timeIntervalSince1970: Double(start + r.b * width) / 1000), min: lo, max: hi, mean: mean, count: r.n)
        }
    }

    public func latest(pointID: UUID) async throws -> Reading? {
        struct Row: Decodable { let ts: Int64; let value: Double?; let state: String? }
        return try await store.sql.raw("SELECT ts, value, state FROM readings WHERE point_id = \(bind: pointID) ORDER BY ts DESC LIMIT 1")
            .first(decoding: Row.self).map { Reading(pointID: pointID, ts: Date(timeIntervalSince1970: Double($0.ts) / 1000), value: $0.value, state: $0.state) }
    }

    public func readings(pointID: UUID, from: Date, to: Date, limit: Int) async throws -> [Reading] {
        struct Row: Decodable { let ts: Int64; let value: Double?; let state: String? }
        let rows = try await store.sql.raw("""
            SELECT ts, value, state FROM readings WHERE point_id = \(bind: pointID) AND ts >= \(bind: Self.millis(from)) AND ts < \(bind: Self.millis(to))
            ORDER BY ts LIMIT \(literal: limit)
            """).all(decoding: Row.self)
        return rows.map { Reading(pointID: pointID, ts: Date(timeIntervalSince1970: Double($0.ts) / 1000), value: $0.value, state: $0.state) }
    }
}
