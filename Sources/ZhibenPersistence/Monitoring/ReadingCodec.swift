import Foundation
import ZhibenDomain

/// One stored reading of one point: its time (milliseconds since 1970) and its number or state.
struct Sample: Equatable, Sendable {
    var ts: Int64
    var value: Double?
    var state: String?
}

/// The byte layouts of the SQLite reading store (`ReadingLog`): a log record holds one request's new
/// readings as they arrived; a block holds one point's readings in time order, compressed the way
/// time-series databases do (times as the change of their step, numbers as the bits that differ from
/// the previous number).
enum ReadingCodec {
    // MARK: Variable-length integers

    static func putVarint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func putSigned(_ v: Int64, _ out: inout [UInt8]) {
        putVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), &out)
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        var atEnd: Bool { at >= bytes.count }

        mutating func byte() throws -> UInt8 {
            guard at < bytes.count else { throw Corrupt() }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                v |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return v }
                shift += 7
                guard shift < 64 else { throw Corrupt() }
            }
        }

        mutating func signed() throws -> Int64 {
            let u = try varint()
            return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
        }

        mutating func bytes(_ n: Int) throws -> UnsafeBufferPointer<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw Corrupt() }
            defer { at += n }
            return UnsafeBufferPointer(rebasing: bytes[at..<(at + n)])
        }

        mutating func uuid() throws -> UUID {
            let b = try bytes(16)
            return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        }
    }

    struct Corrupt: Error, CustomStringConvertible {
        var description: String { "a stored block of readings could not be read" }
    }

    static func putUUID(_ id: UUID, _ out: inout [UInt8]) {
        withUnsafeBytes(of: id.uuid) { out.append(contentsOf: $0) }
    }

    // MARK: Values

    /// A value: 0 the same number as before; 1–0x7f a number, its high nibble the leading and its low
    /// the trailing bytes it shares (as zeros) with the previous number after XOR, then the bytes
    /// between; 0x80 a state (length and UTF-8); 0x81 neither.
    static func putValue(_ s: Sample, previous: inout UInt64, _ out: inout [UInt8]) {
        if let v = s.value {
            let bits = v.bitPattern
            let x = bits ^ previous
            previous = bits
            guard x != 0 else {
                out.append(0)
                return
            }
            let lead = x.leadingZeroBitCount / 8, trail = x.trailingZeroBitCount / 8
            out.append(UInt8(lead << 4 | trail) | (lead == 0 && trail == 0 ? 0x08 : 0))
            var shifted = x >> UInt64(trail * 8)
            for _ in 0..<(8 - lead - trail) {
                out.append(UInt8(truncatingIfNeeded: shifted))
                shifted >>= 8
            }
        } else if let state = s.state {
            out.append(0x80)
            let utf8 = Array(state.utf8)
            putVarint(UInt64(utf8.count), &out)
            out.append(contentsOf: utf8)
        } else {
            out.append(0x81)
        }
    }

    static func value(_ r: inout Reader, previous: inout UInt64) throws -> (Double?, String?) {
        let head = try r.byte()
        switch head {
        case 0: return (Double(bitPattern: previous), nil)
        case 0x80:
            let n = Int(try r.varint())
            return (nil, String(decoding: try r.bytes(n), as: UTF8.self))
        case 0x81: return (nil, nil)
        default:
            let h = head & 0x7f
            let lead = Int(h >> 4), trail = Int(h & 0x07)
            guard lead + trail < 8 else { throw Corrupt() }
            var x: UInt64 = 0
            for i in 0..<(8 - lead - trail) { x |= UInt64(try r.byte()) << UInt64(8 * i) }
            previous ^= x << UInt64(trail * 8)
            return (Double(bitPattern: previous), nil)
        }
    }

    // MARK: Blocks

    /// One point's readings, sorted by time: their count, then each time as the change of its step
    /// from the one before (zero for a point that reports on a steady beat), then each value.
    static func block(_ samples: ArraySlice<Sample>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 9 + 16)
        putVarint(UInt64(samples.count), &out)
        var prevTS: Int64 = 0, prevStep: Int64 = 0, prevBits: UInt64 = 0
        for s in samples {
            let step = s.ts &- prevTS
            putSigned(step &- prevStep, &out)
            prevTS = s.ts
            prevStep = step
            putValue(s, previous: &prevBits, &out)
        }
        return out
    }

    static func samples(ofBlock bytes: [UInt8]) throws -> [Sample] {
        try bytes.withUnsafeBufferPointer { buffer in
            var r = Reader(bytes: buffer)
            let n = Int(try r.varint())
            guard n <= buffer.count else { throw Corrupt() }
            var out: [Sample] = []
            out.reserveCapacity(n)
            var prevTS: Int64 = 0, prevStep: Int64 = 0, prevBits: UInt64 = 0
            for _ in 0..<n {
                prevStep = prevStep &+ (try r.signed())
                prevTS = prevTS &+ prevStep
                let (v, s) = try value(&r, previous: &prevBits)
                out.append(Sample(ts: prevTS, value: v, state: s))
            }
            return out
        }
    }

    // MARK: Log records

    /// One request's new readings: the points named once (16 bytes each), then each reading as its
    /// point's index, its time's difference from the previous reading's, and its value.
    static func record(_ readings: [(point: UUID, sample: Sample)]) -> [UInt8] {
        var index: [IDKey: Int] = [:]
        var points: [UUID] = []
        var indexed: [(index: Int, sample: Sample)] = []
        indexed.reserveCapacity(readings.count)
        for r in readings {
            let key = IDKey(r.point)
            let i = index[key] ?? points.count
            if i == points.count {
                index[key] = i
                points.append(r.point)
            }
            indexed.append((i, r.sample))
        }
        return record(points: points, readings: indexed)
    }

    /// The same, for readings that name their point by its index in `points`.
    static func record(points: [UUID], readings: [(index: Int, sample: Sample)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(points.count * 16 + readings.count * 14 + 8)
        putVarint(UInt64(points.count), &out)
        for p in points { putUUID(p, &out) }
        putVarint(UInt64(readings.count), &out)
        var prevTS: Int64 = 0
        for r in readings {
            putVarint(UInt64(r.index), &out)
            putSigned(r.sample.ts &- prevTS, &out)
            prevTS = r.sample.ts
            var none: UInt64 = 0
            putValue(r.sample, previous: &none, &out)
        }
        return out
    }

    static func readings(ofRecord bytes: [UInt8]) throws -> [(point: UUID, sample: Sample)] {
        try bytes.withUnsafeBufferPointer { buffer in
            var r = Reader(bytes: buffer)
            let k = Int(try r.varint())
            guard k <= buffer.count / 16 else { throw Corrupt() }
            var points: [UUID] = []
            points.reserveCapacity(k)
            for _ in 0..<k { points.append(try r.uuid()) }
            let n = Int(try r.varint())
            guard n <= buffer.count else { throw Corrupt() }
            var out: [(point: UUID, sample: Sample)] = []
            out.reserveCapacity(n)
            var prevTS: Int64 = 0
            for _ in 0..<n {
                let i = Int(try r.varint())
                guard i < points.count else { throw Corrupt() }
                prevTS = prevTS &+ (try r.signed())
                var none: UInt64 = 0
                let (v, s) = try value(&r, previous: &none)
                out.append((points[i], Sample(ts: prevTS, value: v, state: s)))
            }
            return out
        }
    }
}
