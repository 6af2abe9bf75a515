import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// The figures operators scrape beside the HTTP ones (`/metrics`): what the alarm engine holds and owes,
/// read from storage at each scrape.
public struct OperationsFigures: Sendable {
    /// Alarms ever raised (stored), by level.
    public var alarmsRaised: [Int: Int] = [:]
    /// Alarms not yet closed or verified, by level.
    public var alarmsOpen: [Int: Int] = [:]
    /// Alarms nobody has acknowledged, by level.
    public var alarmsUnacknowledged: [Int: Int] = [:]
    /// Alarms told to the county's officers, and to the city's, for lack of an acknowledgement.
    public var escalatedToCounty = 0
    public var escalatedToCity = 0
    /// Batches of readings stored and not yet evaluated.
    public var pendingEvaluations = 0
    /// Enterprises whose engine this instance runs.
    public var leasesHeld = 0

    public static func read(_ store: Store, owner: String) async throws -> OperationsFigures {
        struct ByLevel: Decodable { let level: Int; let raised: Int; let open: Int; let unacknowledged: Int; let county: Int; let city: Int }
        struct N: Decodable { let n: Int }
        var f = OperationsFigures()
        let rows = try await store.sql.raw("""
            SELECT level, COUNT(*) AS raised,
                   SUM(CASE WHEN state IN ('closed', 'verified') THEN 0 ELSE 1 END) AS open,
                   SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END) AS unacknowledged,
                   SUM(CASE WHEN county_notified_at IS NULL THEN 0 ELSE 1 END) AS county,
                   SUM(CASE WHEN city_notified_at IS NULL THEN 0 ELSE 1 END) AS city
            FROM alarms GROUP BY level
            """).all(decoding: ByLevel.self)
        for r in rows {
            f.alarmsRaised[r.level] = r.raised
            f.alarmsOpen[r.level] = r.open
            f.alarmsUnacknowledged[r.level] = r.unacknowledged
            f.escalatedToCounty += r.county
            f.escalatedToCity += r.city
        }
        f.pendingEvaluations = try await store.sql.raw("SELECT COUNT(*) AS n FROM pending_evaluations").first(decoding: N.self)?.n ?? 0
        f.leasesHeld = try await store.sql.raw("SELECT COUNT(*) AS n FROM engine_leases WHERE owner = \(bind: owner)").first(decoding: N.self)?.n ?? 0
        return f
    }
}
