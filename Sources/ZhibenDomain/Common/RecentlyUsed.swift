/// A map of at most `capacity` entries: when full, the least recently used one goes to make room.
/// (The kept figures of `ChangeKeyedCache`, the records kept decoded by the record repository.)
public struct RecentlyUsed<Key: Hashable, Value> {
    private var entries: [Key: (value: Value, used: UInt64)] = [:]
    private var uses: UInt64 = 0
    public let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    /// The entry's value, which counts as a use.
    public mutating func get(_ key: Key) -> Value? {
        guard let e = entries[key] else { return nil }
        uses += 1
        entries[key] = (e.value, uses)
        return e.value
    }

    public mutating func set(_ key: Key, _ value: Value) {
        if entries[key] == nil, entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries.removeValue(forKey: oldest)
        }
        uses += 1
        entries[key] = (value, uses)
    }
}

extension RecentlyUsed: Sendable where Key: Sendable, Value: Sendable {}
