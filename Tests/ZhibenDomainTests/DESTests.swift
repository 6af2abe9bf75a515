import Foundation
import Testing
@testable import ZhibenDomain

@Suite("DES and the provincial encryption")
struct DESTests {
    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { i in
            UInt8(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)], radix: 16)!
        }
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test("the published known answers: one block, and FIPS 81's CBC example")
    func knownAnswers() throws {
        let des = try DES(key: Self.bytes("133457799bbcdff1"))
        #expect(des.block(0x0123_4567_89AB_CDEF, decrypt: false) == 0x85E8_1354_0F0A_B405)
        #expect(des.block(0x85E8_1354_0F0A_B405, decrypt: true) == 0x0123_4567_89AB_CDEF)
        // "Now is the time for all " (24 bytes): three blocks, then a whole block of padding.
        let cbc = try DES(key: Self.bytes("0123456789abcdef")).encryptCBC(Array("Now is the time for all ".utf8), iv: Self.bytes("1234567890abcdef"))
        #expect(Self.hex(Array(cbc.prefix(24))) == "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6")
        #expect(cbc.count == 32)
    }

    @Test("CBC round-trips every length, and refuses bad padding, lengths and keys")
    func roundTrip() throws {
        let key = Array("Zb2026!k".utf8)
        let des = try DES(key: key)
        for n in 0..<40 {
            let plain = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let sealed = try des.encryptCBC(plain, iv: key)
            #expect(sealed.count == (n / 8 + 1) * 8)
            #expect(try des.decryptCBC(sealed, iv: key) == plain)
        }
        let sealed = try des.encryptCBC(Array("{\"rts\":[]}".utf8), iv: key)
        #expect(throws: DES.Failure.self) { try DES(key: Array("another!".utf8)).decryptCBC(sealed, iv: Array("another!".utf8)) }
        #expect(throws: DES.Failure.blockLength) { try des.decryptCBC(Array(sealed.dropLast()), iv: key) }
        #expect(throws: DES.Failure.keyLength) { try DES(key: [1, 2, 3]) }
    }

    @Test("the provincial codec: DES-CBC, Base64, upper-case hex; what OpenSSL produced opens")
    func codec() throws {
        let plain = Data(#"{"rts":[{"tnm":"1301020000010010001","ts":"2026-11-29 10:15:30","val":"81.50"}]}"#.utf8)
        let sealed = try ProvincialCodec.seal(plain, key: "Zb2026!k")
        #expect(sealed == sealed.uppercased() && sealed.allSatisfy(\.isHexDigit))
        #expect(try ProvincialCodec.open(sealed, key: "Zb2026!k") == plain)
        #expect(try ProvincialCodec.open(sealed.lowercased(), key: "Zb2026!k") == plain)
        #expect(throws: ProvincialCodec.Failure.self) { try ProvincialCodec.open(sealed, key: "Zb2026!x") }
        #expect(throws: ProvincialCodec.Failure.hex) { try ProvincialCodec.open("XYZ1", key: "Zb2026!k") }
        // `printf '%s' '{"rts":[]}' | openssl enc -des-cbc -K 5a6232303236216b -iv 5a6232303236216b | base64 | xxd -p | tr a-f A-F`
        let openssl = "3156544149534D746C4E645450342B2B4E6E546438773D3D"
        #expect(try ProvincialCodec.seal(Data(#"{"rts":[]}"#.utf8), key: "Zb2026!k") == openssl)
        #expect(String(decoding: try ProvincialCodec.open(openssl, key: "Zb2026!k"), as: UTF8.self) == #"{"rts":[]}"#)
    }

    @Test("the link's rules name each bad field; gateway times are Beijing time")
    func rules() {
        let ok = ProvincialLinkDraft(qybm: "130102000001", key: "Zb2026!k", points: [("1301020000010010001", "TT-101")])
        #expect(ProvincialRules.issues(ok, knownCodes: ["TT-101"], keyRequired: true).isEmpty)
        let bad = ProvincialLinkDraft(qybm: "13010200000", key: "short", points: [("1301020000010010001", "TT-101"), ("1301020000010010001", "NOPE"), ("12345", "TT-101")])
        let fields = ProvincialRules.issues(bad, knownCodes: ["TT-101"], keyRequired: true).map(\.field)
        #expect(fields == ["qybm", "key", "points[1].tnm", "points[1].point", "points[2].tnm"])
        #expect(ProvincialRules.issues(ProvincialLinkDraft(qybm: "130102000001", key: nil, points: []), knownCodes: [], keyRequired: true).map(\.field) == ["key"])
        #expect(ProvincialRules.issues(ProvincialLinkDraft(qybm: "130102000001", key: nil, points: []), knownCodes: [], keyRequired: false).isEmpty)
        #expect(ProvincialRules.time("2026-11-29 10:15:30") == ISOTime.parse("2026-11-29T02:15:30Z"))
        #expect(ProvincialRules.time("2026-02-30 10:15:30") == nil)
        #expect(ProvincialRules.time("2026-11-29T10:15:30") == nil)
    }
}
