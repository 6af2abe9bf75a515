import Foundation
import Testing
@testable import ZhibenPersistence

@Suite("reading blocks and log records")
struct ReadingCodecTests {
    static let edgeValues: [Double] = [0, -0.0, 1, -1, 42.5, 42.5, 42.51, 1e308, -1e-308, .leastNonzeroMagnitude, 3.141592653589793, 40, 50.25, 40]

    @Test("a block gives back exactly what it was made of: steady, irregular and backward steps, repeats, every kind of number, states and neither")
    func blocks() throws {
        var samples: [Sample] = []
        var ts: Int64 = 1_764_000_000_000
        for (i, v) in Self.edgeValues.enumerated() {
            ts += i % 3 == 0 ? 10_000 : Int64(i * 997)
            samples.append(Sample(ts: ts, value: v, state: nil))
        }
        samples.append(Sample(ts: ts + 1, value: nil, state: "运行"))
        samples.append(Sample(ts: ts + 2, value: nil, state: "stopped"))
        samples.append(Sample(ts: ts + 3, value: nil, state: nil))
        samples.append(Sample(ts: ts + 4, value: 7, state: nil))
        samples.append(Sample(ts: -5, value: 1, state: nil))
        let bytes = ReadingCodec.block(samples[...])
        let back = try ReadingCodec.samples(ofBlock: bytes)
        #expect(back.count == samples.count)
        for (a, b) in zip(back, samples) {
            #expect(a.ts == b.ts && a.state == b.state && a.value?.bitPattern == b.value?.bitPattern)
        }
    }

    @Test("a point reporting on a steady beat with slowly moving numbers takes a few bytes a reading")
    func compact() throws {
        let samples = (0..<1000).map { Sample(ts: 1_764_000_000_000 + Int64($0) * 10_000, value: 40 + Double($0 % 7) * 0.5, state: nil) }
        let bytes = ReadingCodec.block(samples[...])
        #expect(bytes.count < 1000 * 5, "\(bytes.count) bytes")
        #expect(try ReadingCodec.samples(ofBlock: bytes) == samples)
    }

    @Test("a log record gives back each reading with its point, in the order they came")
    func records() throws {
        let points = (0..<5).map { _ in UUID() }
        var readings: [(point: UUID, sample: Sample)] = []
        for i in 0..<200 {
            let v = Self.edgeValues[i % Self.edgeValues.count]
            readings.append((points[i % 5], Sample(ts: 1_764_000_000_000 + Int64((i * 7919) % 1000) * 1000, value: i % 11 == 0 ? nil : v, state: i % 11 == 0 ? "状态\(i)" : nil)))
        }
        let back = try ReadingCodec.readings(ofRecord: ReadingCodec.record(readings))
        #expect(back.count == readings.count)
        for (a, b) in zip(back, readings) {
            #expect(a.point == b.point && a.sample.ts == b.sample.ts && a.sample.state == b.sample.state && a.sample.value?.bitPattern == b.sample.value?.bitPattern)
        }
    }

    @Test("a damaged block or record is refused, not read wrongly or past its end")
    func damaged() throws {
        let block = ReadingCodec.block((0..<50).map { Sample(ts: Int64($0) * 1000, value: Double($0) * 1.1, state: nil) }[...])
        #expect(throws: ReadingCodec.Corrupt.self) { try ReadingCodec.samples(ofBlock: Array(block.prefix(block.count - 3))) }
        let record = ReadingCodec.record([(UUID(), Sample(ts: 5, value: 1.5, state: nil))])
        #expect(throws: ReadingCodec.Corrupt.self) { try ReadingCodec.readings(ofRecord: Array(record.prefix(10))) }
        #expect(throws: ReadingCodec.Corrupt.self) { try ReadingCodec.samples(ofBlock: [0xff, 0xff, 0xff, 0x7f]) }
    }
}
