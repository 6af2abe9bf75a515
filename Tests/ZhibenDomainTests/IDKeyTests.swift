import Foundation
import Testing
@testable import ZhibenDomain

@Suite("in-memory keys of ingest")
struct IDKeyTests {
    @Test("an IDKey gives back its UUID, equals only the key of the same UUID, and spreads server-made ids over a table's buckets")
    func keys() {
        let ids = (0..<20_000).map { _ in UUID() }
        for id in ids.prefix(100) {
            #expect(IDKey(id).id == id)
            #expect(IDKey(id) == IDKey(UUID(uuidString: id.uuidString)!))
        }
        #expect(Set(ids.map(IDKey.init)).count == ids.count)
        // The same id with one bit changed, in either half, is another key with another hash.
        var bytes = ids[0].uuid
        bytes.15 ^= 1
        #expect(IDKey(UUID(uuid: bytes)) != IDKey(ids[0]))
        #expect(IDKey(UUID(uuid: bytes))._rawHashValue(seed: 0) != IDKey(ids[0])._rawHashValue(seed: 0))
        bytes = ids[0].uuid
        bytes.0 ^= 1
        #expect(IDKey(UUID(uuid: bytes))._rawHashValue(seed: 0) != IDKey(ids[0])._rawHashValue(seed: 0))
        // 20,000 keys into 4,096 buckets by the low bits, as a dictionary takes them: about 5 each, none crowded.
        for seed in [0, 12_345, Int.min] {
            var buckets = [Int](repeating: 0, count: 4096)
            for id in ids { buckets[IDKey(id)._rawHashValue(seed: seed) & 4095] += 1 }
            #expect(buckets.max()! < 25, "seed \(seed): \(buckets.max()!) in one bucket")
        }
        // Dictionary lookups through it find what was put.
        var table: [IDKey: Int] = [:]
        for (i, id) in ids.enumerated() { table[IDKey(id)] = i }
        #expect(ids.indices.allSatisfy { table[IDKey(ids[$0])] == $0 })
        #expect(table[IDKey(UUID())] == nil)
    }

    @Test("a batch's readings by point: points in the order they first come, each point's readings in time order, its earliest time")
    func readingsByPoint() {
        let (a, b, c) = (UUID(), UUID(), UUID())
        func at(_ p: UUID, _ s: Double) -> Reading { Reading(pointID: p, ts: Date(timeIntervalSince1970: s), value: s) }
        let batch = ReadingsByPoint([at(b, 30), at(a, 20), at(b, 10), at(c, 5), at(b, 20), at(a, 10)])
        #expect(batch.ids == [b, a, c])
        #expect(batch.keys == [IDKey(b), IDKey(a), IDKey(c)])
        #expect(batch.readings(of: 0).map(\.value) == [10, 20, 30])
        #expect(batch.readings(of: 1).map(\.value) == [10, 20])
        #expect(batch.readings(of: 2).map(\.value) == [5])
        for g in 0..<3 {
            var seen: [Double?] = []
            batch.forEachReading(of: g) { seen.append($0.value) }
            #expect(seen == batch.readings(of: g).map(\.value))
        }
        #expect(batch.earliest(of: 0) == Date(timeIntervalSince1970: 10))
        #expect(batch.earliest(of: 2) == Date(timeIntervalSince1970: 5))
        #expect(ReadingsByPoint([]).ids.isEmpty)

        // Grouped by the points' places in a table (c is not in it): the same groups, each with its place.
        func point(_ id: UUID) -> MonitoringPoint {
            var p = AlarmEngineTests.point(AlarmLimits(high: 70))
            p.id = id
            return p
        }
        let table = PointTable([point(a), point(UUID()), point(b)])
        let placed = ReadingsByPoint([at(b, 30), at(a, 20), at(b, 10), at(c, 5), at(b, 20), at(a, 10), at(c, 1)], table: table)
        #expect(placed.ids == [b, a, c])
        #expect(placed.keys == [IDKey(b), IDKey(a), IDKey(c)])
        #expect(placed.positions == [2, 0, nil])
        #expect(placed.readings(of: 0).map(\.value) == [10, 20, 30])
        #expect(placed.readings(of: 1).map(\.value) == [10, 20])
        #expect(placed.readings(of: 2).map(\.value) == [1, 5])
        #expect(placed.earliest(of: 2) == Date(timeIntervalSince1970: 1))
    }
}
