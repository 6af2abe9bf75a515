import Foundation
import Testing
@testable import ZhibenApp
import ZhibenDomain

@Suite("the telemetry body, read without Codable")
struct TelemetryBodyTests {
    /// The reading as `JSONDecoder` reads it leniently: the reference the one-pass reader must equal.
    struct Lenient: Decodable {
        var value: RawReading
        enum Keys: String, CodingKey { case point, ts, value }
        init(from decoder: any Decoder) throws {
            guard let c = try? decoder.container(keyedBy: Keys.self) else {
                value = RawReading(point: nil, ts: nil, value: nil)
                return
            }
            let number = try? c.decodeIfPresent(Double.self, forKey: .value)
            let text = number == nil ? try? c.decodeIfPresent(String.self, forKey: .value) : nil
            value = RawReading(point: try? c.decodeIfPresent(String.self, forKey: .point), ts: try? c.decodeIfPresent(String.self, forKey: .ts),
                               value: number.map(RawReading.Value.number) ?? text.map(RawReading.Value.text))
        }
    }
    struct Body: Decodable { var readings: [Lenient]? }

    enum Outcome: Equatable {
        case readings([RawReading])
        case missing
        case malformed
    }

    static func reference(_ text: String) -> Outcome {
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(text.utf8)) else { return .malformed }
        guard let list = body.readings else { return .missing }
        return .readings(list.map(\.value))
    }

    static func fast(_ text: String) -> Outcome {
        do { return .readings(try TelemetryBody.parse(Data(text.utf8))) } catch .missingReadings { return .missing } catch { return .malformed }
    }

    @Test("bodies of every shape read as JSONDecoder reads them: order, whitespace, escapes, other keys and values, wrong types, numbers")
    func examples() {
        let bodies = [
            #"{"readings": [{"point": "T-1", "ts": "2026-12-04T10:00:00+08:00", "value": 41.25}]}"#,
            #"{"readings":[]}"#,
            " \n{ \"other\": [1, {\"a\": null}], \"readings\" : [ { \"value\" : \"running\" , \"point\":\"S-1\",\"ts\":\"x\" } ] , \"z\": true }\t",
            #"{"readings": [{"point": "T\"1\\\/\u00e9\ud83d\ude00\n", "ts": 5, "value": -0}, 3, "x", null, [], {}]}"#,
            #"{"readings": [{"point": null, "ts": null, "value": null}, {"value": true}, {"value": {"n": 1}}, {"value": [1]}]}"#,
            #"{"readings": [{"value": 0.1}, {"value": 1e3}, {"value": -2.5E-3}, {"value": 123456789012345678}, {"value": 0.30000000000000004}, {"value": 17}, {"value": 1.0000000000000002}]}"#,
            #"{"readings": [{"value": 9007199254740993}, {"value": 4.35}, {"value": 100.01}, {"value": 5e-324}, {"value": 1.7976931348623157e308}]}"#,
            // A time repeated (one string shared), beside texts that begin or end alike, an escape, a number.
            #"{"readings": [{"ts": "2026-12-04T10:00:00+08:00"}, {"ts": "2026-12-04T10:00:00+08:00"}, {"ts": "2026-12-04T10:00:00+08:00x"}, {"ts": "2026-12-04T10:00:00+08:0"}, {"ts": "2026-12-04T10:00:00+08:00"}, {"ts": "2026-12-04T10:00:00\u002b08:00"}, {"ts": "2026-12-04T10:00:00\u002b08:00"}, {"ts": "a\"b"}, {"ts": "a\"b"}, {"ts": 7}, {"ts": "2026-12-04T10:00:00+08:00"}, {"ts": "2026-12-04T10:00:00+08:00"}]}"#,
            #"{"readings": null}"#,
            #"{"reading": []}"#,
            #"{}"#,
            #"{"readings": {}}"#,
            #"{"readings": "x"}"#,
            #"[]"#,
            #"{"readings": [{"value": .5}]}"#,
            #"{"readings": [] "#,
            #"{"readings": []} x"#,
            #"{"readings": [tru]}"#,
            #"{"readings": [{"a" 1}]}"#,
            "",
        ]
        for b in bodies {
            #expect(Self.fast(b) == Self.reference(b), "\(b)")
        }
        // Not JSON, though JSONDecoder lets them pass where it skips the value: refused here.
        for b in [#"{"readings": [01]}"#, #"{"readings": [1.]}"#, #"{"readings": [-]}"#, #"{"readings": [{"point": "a\x"}]}"#,
                  #"{"readings": [{"point": "\ud800"}]}"#, #"{"readings": [1,]}"#] {
            #expect(Self.fast(b) == .malformed, "\(b)")
        }
    }

    @Test("generated bodies, and every truncation of one, read as JSONDecoder reads them")
    func generated() {
        var rng = SystemRandomNumberGenerator()
        var seed: UInt64 = 20261204
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let strings = ["T-0001", "温度", "a\\\"b", "\\u4e2d\\u6587", "", "2026-12-04T10:00:00.250+08:00", "tab\\there"]
        func value() -> String {
            switch next(8) {
            case 0: return "\"\(strings[next(strings.count)])\""
            case 1: return String(Double(next(100_000)) / 100)
            case 2: return "-\(next(1000)).\(next(1000))"
            case 3: return "null"
            case 4: return "true"
            case 5: return "[\(next(5)), \"x\"]"
            case 6: return "{\"k\": \(next(9))}"
            default: return "\(1 + next(9))e\(next(5))"
            }
        }
        for _ in 0..<200 {
            var elements: [String] = []
            for _ in 0..<next(6) {
                if next(10) == 0 { elements.append(value()); continue }
                var members: [String] = []
                for key in ["point", "ts", "value", "extra"].shuffled(using: &rng) where next(5) > 0 {
                    members.append("\"\(key)\"\(next(2) == 0 ? "" : " "):\(value())")
                }
                elements.append("{" + members.joined(separator: ",") + "}")
            }
            let body = "{\"readings\": [" + elements.joined(separator: ", ") + "]" + (next(3) == 0 ? ", \"gateway\": {\"id\": [1, 2]}" : "") + "}"
            #expect(Self.fast(body) == Self.reference(body), "\(body)")
        }
        let body = #"{"x": [1, {"y": "z\n"}], "readings": [{"point": "T-1", "ts": "2026", "value": 4.5}, {"value": "on"}]}"#
        let bytes = Array(body.utf8)
        for n in 0..<bytes.count {
            let cut = String(decoding: bytes[..<n], as: UTF8.self)
            #expect(Self.fast(cut) == .malformed, "\(cut)")
        }
    }

    @Test("nesting deeper than the limit is refused, not followed down the stack")
    func deep() {
        let body = "{\"other\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + ", \"readings\": []}"
        #expect(Self.fast(body) == .malformed)
    }
}
