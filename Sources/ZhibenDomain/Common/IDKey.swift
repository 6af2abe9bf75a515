import Foundation

/// A UUID as the key of an in-memory dictionary on a hot path (ingest's reading log and alarm engine),
/// hashed from its own bits. `UUID`'s own hashing feeds its 16 bytes through a full `Hasher` each
/// time; with a thousand readings a request and several lookups per reading, that was a sixth of the
/// server's time at full ingest. The ids hashed here are made by the server (random version-4 UUIDs),
/// so their bits are already spread; the dictionary's per-instance seed is mixed in.
public struct IDKey: Hashable, Sendable {
    public let high: UInt64
    public let low: UInt64

    @inlinable
    public init(_ id: UUID) {
        var high: UInt64 = 0, low: UInt64 = 0
        withUnsafeBytes(of: id.uuid) { raw in
            high = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            low = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        }
        self.high = high
        self.low = low
    }

    public var id: UUID {
        var bytes = uuid_t(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
        }
        return UUID(uuid: bytes)
    }

    @inlinable
    public static func == (a: IDKey, b: IDKey) -> Bool { a.high == b.high && a.low == b.low }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
    }

    /// Used by `Dictionary` and `Set` instead of `hash(into:)`: both halves and the seed, mixed by
    /// multiplication and shifts (the finaliser of MurmurHash3's 64-bit variant).
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        var x = high ^ (low &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(seed))
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return Int(truncatingIfNeeded: x)
    }
}
