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

    /// Returns the entry that went to make room, if one did.
    @discardableResult
    public mutating func set(_ key: Key, _ value: Value) -> (key: Key, value: Value)? {
        var evicted: (key: Key, value: Value)?
        if entries[key] == nil, entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            evicted = entries.removeValue(forKey: oldest).map { (oldest, $0.value) }
        }
        uses += 1
        entries[key] = (value, uses)
        return evicted
    }

    /// Changes an entry's value in place, which does not count as a use.
    public mutating func update(_ key: Key, _ change: (inout Value) -> Void) {
        guard var e = entries[key] else { return }
        change(&e.value)
        entries[key] = e
    }

    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        entries.removeValue(forKey: key)?.value
    }

    public var count: Int { entries.count }
}

extension RecentlyUsed: Sendable where Key: Sendable, Value: Sendable {}
