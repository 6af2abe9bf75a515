import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ZhibenDomain

/// Leases in `engine_leases` (enterprise, owner, epoch, expiry in milliseconds) and waiting batches in
/// `pending_evaluations`. Claims and the engine's records go through `Store.write`, which on PostgreSQL
/// holds the one writers' lock: a claim never lands between an alarm write's fence check and its commit.
public struct FluentEngineLeaseRepository: EngineLeaseRepository {
    let store: Store
    /// What each owner held after its last claim. A claim runs every second and, in a city, covers
    /// thousands of enterprises: when it took nothing and the owner still holds as many leases as
    /// before, it holds the same ones (a lease changes hands only through a claim, which returns what
    /// it took), and the list is not read again.
    private let lastHeld = NIOLockedValueBox<[String: [UUID: Int]]>([:])

    public init(store: Store) { self.store = store }

    static func millis(_ d: Date) -> Int64 { FluentReadingRepository.millis(d) }

    public func claim(_ enterpriseIDs: [UUID]?, owner: String, now: Date, ttl: TimeInterval, force: Bool) async throws -> [UUID: Int] {
        let (nowMs, expires) = (Self.millis(now), Self.millis(now.addingTimeInterval(ttl)))
        return try await store.write { db in
            let sql = db as! any SQLDatabase
            try await sql.raw("UPDATE engine_leases SET expires_at = \(bind: expires) WHERE owner = \(bind: owner)").run()
            let candidates: SQLQueryString
            if let ids = enterpriseIDs {
                guard !ids.isEmpty else { return try await Self.held(owner, on: sql) }
                var list: SQLQueryString = "SELECT id FROM enterprises WHERE id IN ("
                for (i, id) in ids.enumerated() { list += (i == 0 ? "" : ", ") + "\(bind: id)" }
                candidates = list + ")"
            } else {
                candidates = "SELECT DISTINCT enterprise_id AS id FROM monitoring_points WHERE active = \(bind: true) UNION SELECT enterprise_id AS id FROM pending_evaluations"
            }
            // A lease changes hands only when it is free or expired (or taken by force); each change raises its epoch.
            let taken = try await sql.raw("""
                INSERT INTO engine_leases (enterprise_id, owner, epoch, expires_at) SELECT c.id, \(bind: owner), 1, \(bind: expires)
                FROM (\(candidates)) AS c WHERE true
                ON CONFLICT (enterprise_id) DO UPDATE SET owner = excluded.owner, epoch = engine_leases.epoch + 1, expires_at = excluded.expires_at
                WHERE engine_leases.owner <> excluded.owner AND (engine_leases.expires_at < \(bind: nowMs) OR \(bind: force))
                RETURNING enterprise_id
                """).all()
            if taken.isEmpty, let before = lastHeld.withLockedValue({ $0[owner] }),
               try await Self.heldCount(owner, on: sql) == before.count {
                return before
            }
            let held = try await Self.held(owner, on: sql)
            lastHeld.withLockedValue { $0[owner] = held }
            return held
        }
    }

    static func heldCount(_ owner: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM engine_leases WHERE owner = \(bind: owner)").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The owner's leases with their epochs (of these enterprises only, when given).
    static func held(_ owner: String, of enterpriseIDs: [UUID]? = nil, on sql: any SQLDatabase) async throws -> [UUID: Int] {
        var out: [UUID: Int] = [:]
        func read(_ q: SQLQueryString) async throws {
            for r in try await sql.raw(q).all() {
                out[try r.decode(column: "enterprise_id", as: UUID.self)] = try r.decode(column: "epoch", as: Int.self)
            }
        }
        guard let ids = enterpriseIDs else {
            try await read("SELECT enterprise_id, epoch FROM engine_leases WHERE owner = \(bind: owner)")
            return out
        }
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = ids[chunk..<min(chunk + 500, ids.count)].map { $0 as any Encodable & Sendable }
            try await read("SELECT enterprise_id, epoch FROM engine_leases WHERE owner = \(bind: owner) AND enterprise_id IN (\(binds: part))")
        }
        return out
    }

    /// Inside an engine write: refuses it when any of the fence's leases changed hands.
    static func check(_ fence: EngineFence, on sql: any SQLDatabase) async throws {
        guard !fence.epochs.isEmpty else { return }
        let held = try await held(fence.owner, of: Array(fence.epochs.keys), on: sql)
        let lost = fence.epochs.filter { held[$0.key] != $0.value }.map(\.key)
        if !lost.isEmpty { throw EngineLeaseLost(enterpriseIDs: lost) }
    }

    public func release(owner: String) async throws {
        try await store.write { db in
            try await (db as! any SQLDatabase).raw("DELETE FROM engine_leases WHERE owner = \(bind: owner)").run()
        }
        lastHeld.withLockedValue { $0[owner] = nil }
    }

    /// Waiting records as the rows of a VALUES list, (id, enterprise, from, to) each: stored with their
    /// readings' log row (`ReadingLog`).
    static func pendingRows(_ pendings: [PendingEvaluation]) -> SQLQueryString {
        var q: SQLQueryString = ""
        for (i, p) in pendings.enumerated() {
            q += (i == 0 ? "" : ", ") + "(\(bind: p.id), \(bind: p.enterpriseID), \(bind: millis(p.from)), \(bind: millis(p.to)))"
        }
        return q
    }

    static func removePending(_ ids: [UUID], on sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            var q: SQLQueryString = "DELETE FROM pending_evaluations WHERE id IN ("
            for (i, id) in ids[chunk..<min(chunk + 500, ids.count)].enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
            try await sql.raw(q + ")").run()
        }
    }

    public func removePending(_ ids: [UUID]) async throws {
        guard !ids.isEmpty else { return }
        try await store.bulkWrite { db in try await Self.removePending(ids, on: db as! any SQLDatabase) }
    }

    public func pending(owner: String, enterpriseID: UUID?, limit: Int) async throws -> [PendingEvaluation] {
        struct Row: Decodable { let id: UUID; let enterprise_id: UUID; let from_ts: Int64; let to_ts: Int64 }
        // Oldest readings first: the engine passes over readings older than those it has seen.
        return try await store.sql.raw("""
            SELECT p.id, p.enterprise_id, p.from_ts, p.to_ts FROM pending_evaluations p
            JOIN engine_leases l ON l.enterprise_id = p.enterprise_id AND l.owner = \(bind: owner)
            """ + (enterpriseID.map { " WHERE p.enterprise_id = \(bind: $0)" } ?? "") + """
             ORDER BY p.from_ts LIMIT \(bind: limit)
            """).all(decoding: Row.self).map {
            PendingEvaluation(id: $0.id, enterpriseID: $0.enterprise_id, from: Date(timeIntervalSince1970: Double($0.from_ts) / 1000),
                              to: Date(timeIntervalSince1970: Double($0.to_ts) / 1000))
        }
    }

    public func storedElsewhere(than engine: String) -> Int {
        store.readingLog.storedElsewhere(than: engine)
    }

    public func readings(of batch: PendingEvaluation) async throws -> [Reading] {
        struct Point: Decodable { let id: UUID }
        let points = try await store.sql.raw("SELECT id FROM monitoring_points WHERE enterprise_id = \(bind: batch.enterpriseID)")
            .all(decoding: Point.self).map(\.id)
        let log = store.readingLog
        // What other instances appended is taken in once for all the points.
        try await log.current()
        var out: [Reading] = []
        let (from, to) = (Self.millis(batch.from), Self.millis(batch.to) + 1)
        for p in points { out += try await log.samples(point: p, from: from, to: to, current: false).map { FluentReadingRepository.reading(p, $0) } }
        return out
    }
}
