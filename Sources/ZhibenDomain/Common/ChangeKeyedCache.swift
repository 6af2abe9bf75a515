import Foundation

/// Figures computed over many records (a county's plan suggestions, the self-inspection ranking, the
/// counties' dispatch table), kept until any record changes.
///
/// Every change to a record is written with its audit entry in one transaction, so the audit log's
/// head (the number of its last entry, the same for every instance sharing the database) changes with
/// any change. The head is read before the figures are computed: figures computed after a later write
/// are only newer than their key says, never older, and the next read finds the head moved on.
///
/// A key names everything else the figures depend on: the scope, and where time matters the period
/// (the month of a ranking, the day of a plan's windows, the minute of a dashboard's deadlines).
public actor ChangeKeyedCache {
    public typealias Head = @Sendable () async throws -> Int64
    private let head: Head
    private var entries: RecentlyUsed<String, (head: Int64, value: any Sendable)>
    /// Lookups answered from memory and computed afresh (tests, figures).
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 256, head: @escaping Head) {
        self.head = head
        entries = RecentlyUsed(capacity: capacity)
    }

    /// The figures under `key` computed at the current head, else `compute()`'s, kept for the next read.
    public nonisolated func value<T: Sendable>(_ key: String, compute: @Sendable () async throws -> T) async throws -> T {
        let at = try await head()
        if let kept = await lookup(key, at: at) as? T { return kept }
        let made = try await compute()
        await keep(made, key, at: at)
        return made
    }

    private func lookup(_ key: String, at: Int64) -> (any Sendable)? {
        guard let e = entries.get(key), e.head == at else {
            misses += 1
            return nil
        }
        hits += 1
        return e.value
    }

    private func keep(_ value: any Sendable, _ key: String, at: Int64) {
        // A slower computation that started before a write must not replace a newer one's figures.
        if let e = entries.get(key), e.head > at { return }
        entries.set(key, (at, value))
    }
}

extension Optional where Wrapped == ChangeKeyedCache {
    /// Through the cache when there is one, else computed each time.
    public func value<T: Sendable>(_ key: String, compute: @Sendable () async throws -> T) async throws -> T {
        if let cache = self { return try await cache.value(key, compute: compute) }
        return try await compute()
    }
}
