import Foundation
import ZhibenDomain

/// Reads a gateway's body, `{"readings": [{"point": …, "ts": …, "value": …}, …]}`, in one pass over
/// its bytes, without Codable: the body has one shape, and decoding it through `JSONDecoder` took more
/// of the server's time than storing the readings. Any valid JSON is read (keys in any order, other
/// keys skipped, escapes, whitespace); each reading is read leniently, as before: a field of the wrong
/// type is missing, and an element that is not an object is a reading with nothing in it, so that the
/// reading is named by its index instead of failing the request.
enum TelemetryBody {
    enum Failure: Error, Equatable {
        /// Not JSON, not an object, or `readings` not an array.
        case malformed
        /// No `readings` (or null).
        case missingReadings
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [RawReading] {
        var p = Parser(bytes: bytes.bindMemory(to: UInt8.self))
        return try p.document()
    }

    static func parse(_ data: some ContiguousBytes) throws(Failure) -> [RawReading] {
        let result: Result<[RawReading], Failure> = data.withUnsafeBytes { raw in
            do throws(Failure) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        /// The last `ts` read without escapes: where its text lies in `bytes`, and the string made of it.
        var lastTime: (start: Int, count: Int, text: String)?

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0a, 0x0d: i += 1
                default: return
                }
            }
        }

        mutating func expect(_ c: UInt8) throws(Failure) {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { throw .malformed }
            i += 1
        }

        /// The next byte after whitespace, not consumed.
        mutating func peek() throws(Failure) -> UInt8 {
            skipSpace()
            guard i < bytes.count else { throw .malformed }
            return bytes[i]
        }

        mutating func document() throws(Failure) -> [RawReading] {
            try expect(UInt8(ascii: "{"))
            var readings: [RawReading]?
            var found = false
            try members { (p: inout Parser, key: Key) throws(Failure) in
                if key == .readings {
                    found = true
                    if try p.peek() == UInt8(ascii: "n") {
                        try p.literal("null")
                        readings = nil
                    } else {
                        readings = try p.readingArray()
                    }
                } else {
                    try p.skipValue()
                }
            }
            skipSpace()
            guard i == bytes.count else { throw .malformed }
            guard found, let readings else { throw .missingReadings }
            return readings
        }

        enum Key { case readings, point, ts, value, other }

        /// The members of an object whose `{` was read, each handed to `body` after its key and colon.
        mutating func members(_ body: (inout Parser, Key) throws(Failure) -> Void) throws(Failure) {
            if try peek() == UInt8(ascii: "}") {
                i += 1
                return
            }
            while true {
                try expect(UInt8(ascii: "\""))
                let key = try keyName()
                try expect(UInt8(ascii: ":"))
                try body(&self, key)
                skipSpace()
                guard i < bytes.count else { throw .malformed }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard bytes[i] == UInt8(ascii: "}") else { throw .malformed }
                i += 1
                return
            }
        }

        /// A key whose opening quote was read.
        mutating func keyName() throws(Failure) -> Key {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
            guard i < bytes.count else { throw .malformed }
            if bytes[i] == UInt8(ascii: "\"") {
                let name = UnsafeBufferPointer(rebasing: bytes[start..<i])
                i += 1
                return Self.key(name)
            }
            // Escapes in a key: read it whole.
            i = start
            let text = try stringBody()
            return Self.key(Array(text.utf8))
        }

        static func key(_ name: some Collection<UInt8>) -> Key {
            switch name.count {
            case 2 where name.elementsEqual("ts".utf8): .ts
            case 5 where name.elementsEqual("point".utf8): .point
            case 5 where name.elementsEqual("value".utf8): .value
            case 8 where name.elementsEqual("readings".utf8): .readings
            default: .other
            }
        }

        /// The elements of an array whose `[` was read, each handed to `body`.
        mutating func elements(_ body: (inout Parser) throws(Failure) -> Void) throws(Failure) {
            if try peek() == UInt8(ascii: "]") {
                i += 1
                return
            }
            while true {
                try body(&self)
                skipSpace()
                guard i < bytes.count else { throw .malformed }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard bytes[i] == UInt8(ascii: "]") else { throw .malformed }
                i += 1
                return
            }
        }

        mutating func readingArray() throws(Failure) -> [RawReading] {
            try expect(UInt8(ascii: "["))
            var out: [RawReading] = []
            out.reserveCapacity(bytes.count / 60)
            try elements { (p: inout Parser) throws(Failure) in out.append(try p.reading()) }
            return out
        }

        mutating func reading() throws(Failure) -> RawReading {
            guard try peek() == UInt8(ascii: "{") else {
                try skipValue()
                return RawReading(point: nil, ts: nil, value: nil)
            }
            i += 1
            var r = RawReading(point: nil, ts: nil, value: nil)
            try members { (p: inout Parser, key: Key) throws(Failure) in
                switch key {
                case .point: r.point = try p.stringOrSkip()
                case .ts: r.ts = try p.timeText()
                case .value:
                    let c = try p.peek()
                    if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
                        r.value = .number(try p.number())
                    } else if c == UInt8(ascii: "\"") {
                        p.i += 1
                        r.value = .text(try p.stringBody())
                    } else {
                        try p.skipValue()
                        r.value = nil
                    }
                case .readings, .other: try p.skipValue()
                }
            }
            return r
        }

        /// A string, or nil (skipping the value) when the value is something else.
        mutating func stringOrSkip() throws(Failure) -> String? {
            guard try peek() == UInt8(ascii: "\"") else {
                try skipValue()
                return nil
            }
            i += 1
            return try stringBody()
        }

        /// A `ts`: like `stringOrSkip`, but a text of the same bytes as the last one is that string again.
        /// A gateway's batch is mostly one scan at one time: its thousand readings then share one string
        /// instead of each making (and later freeing) its own.
        mutating func timeText() throws(Failure) -> String? {
            guard try peek() == UInt8(ascii: "\"") else {
                try skipValue()
                return nil
            }
            i += 1
            let start = i
            if let last = lastTime, start + last.count < bytes.count, bytes[start + last.count] == UInt8(ascii: "\""),
               memcmp(bytes.baseAddress! + start, bytes.baseAddress! + last.start, last.count) == 0 {
                i = start + last.count + 1
                return last.text
            }
            let text = try stringBody()
            // Only a text without escapes is its own bytes (an escape is longer than what it stands for).
            let count = i - 1 - start
            if !UnsafeBufferPointer(rebasing: bytes[start..<(start + count)]).contains(UInt8(ascii: "\\")) {
                lastTime = (start, count, text)
            }
            return text
        }

        /// The rest of a string whose opening quote was read.
        mutating func stringBody() throws(Failure) -> String {
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    defer { i += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                }
                if c == UInt8(ascii: "\\") { break }
                guard c >= 0x20 else { throw .malformed }
                i += 1
            }
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                switch c {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { throw .malformed }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xd800..<0xdc00).contains(scalar) {
                            // A surrogate pair: the low half must follow.
                            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw .malformed }
                            i += 2
                            let low = try hex4()
                            guard (0xdc00..<0xe000).contains(low) else { throw .malformed }
                            scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                        } else if (0xdc00..<0xe000).contains(scalar) {
                            throw .malformed
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw .malformed }
                        out.append(contentsOf: Array(String(Character(u)).utf8))
                    default: throw .malformed
                    }
                default:
                    guard c >= 0x20 else { throw .malformed }
                    out.append(c)
                }
            }
            throw .malformed
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard i + 4 <= bytes.count else { throw .malformed }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                i += 1
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw .malformed
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }

        /// A JSON number. Up to 15 significant digits and no exponent (what gateways send), exactly as
        /// `strtod` would round it, by one division of two exact doubles; otherwise by `strtod`.
        mutating func number() throws(Failure) -> Double {
            skipSpace()
            let start = i
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            var mantissa: UInt64 = 0
            var digits = 0
            let intStart = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
                digits += 1
                i += 1
            }
            // One digit, or several not starting with zero.
            guard digits > 0, digits == 1 || bytes[intStart] != UInt8(ascii: "0") else { throw .malformed }
            var fraction = 0
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                let fracStart = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                }
                fraction = i - fracStart
                guard fraction > 0 else { throw .malformed }
                digits += fraction
            }
            var exponent = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                exponent = true
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                let expStart = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
                guard i > expStart else { throw .malformed }
            }
            if !exponent, digits <= 15 {
                let v = Double(mantissa) / TelemetryBody.powers[fraction]
                return negative ? -v : v
            }
            var text = Array(bytes[start..<i])
            text.append(0)
            return text.withUnsafeBufferPointer { strtod(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), nil) }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            skipSpace()
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count else { throw .malformed }
            for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw .malformed }
            i += n
        }

        /// Nesting deeper than this is refused (a body of nested brackets would otherwise exhaust the stack).
        static let maxDepth = 64

        /// Skips any JSON value.
        mutating func skipValue(depth: Int = 0) throws(Failure) {
            guard depth < Self.maxDepth else { throw .malformed }
            switch try peek() {
            case UInt8(ascii: "\""):
                i += 1
                _ = try stringBody()
            case UInt8(ascii: "{"):
                i += 1
                try members { (p: inout Parser, _: Key) throws(Failure) in try p.skipValue(depth: depth + 1) }
            case UInt8(ascii: "["):
                i += 1
                try elements { (p: inout Parser) throws(Failure) in try p.skipValue(depth: depth + 1) }
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }
    }
}
