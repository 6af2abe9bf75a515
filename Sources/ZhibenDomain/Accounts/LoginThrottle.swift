import Foundation

/// Failed sign-ins per client address over a sliding window. Kept in the process: each instance of the
/// app counts what it sees, which bounds guessing per instance; the account lockout, stored in the
/// database, bounds it across instances.
public actor LoginThrottle {
    public let limit: Int
    public let window: TimeInterval
    /// At most this many addresses are remembered; the stalest are forgotten first.
    public let capacity: Int
    private var failures: [String: [Date]] = [:]

    public init(limit: Int = LoginPolicy.maxFailuresPerAddress, window: TimeInterval = LoginPolicy.addressWindow,
                capacity: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Seconds this address must wait before its next try, or nil when it may try now.
    public func retryAfter(_ address: String, now: Date) -> Int? {
        let recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }

    public func recordFailure(_ address: String, now: Date) {
        var recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
        recent.append(now)
        failures[address] = Array(recent.suffix(limit))
        if failures.count > capacity { forgetStale(now: now) }
    }

    private func forgetStale(now: Date) {
        failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        if failures.count > capacity {
            let newestFirst = failures.sorted { ($0.value.last ?? .distantPast) > ($1.value.last ?? .distantPast) }
            failures = Dictionary(uniqueKeysWithValues: newestFirst.prefix(capacity / 2).map { ($0.key, $0.value) })
        }
    }
}
