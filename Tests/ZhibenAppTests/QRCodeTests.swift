import Crypto
import Foundation
import Testing
@testable import ZhibenApp

/// The encoder against a reference: the module matrices of the same texts with the same mask, as an
/// independent QR library draws them (SHA-256 of the rows as 0/1 text).
@Suite("QR codes of the confined spaces' signs")
struct QRCodeTests {
    func digest(_ q: QRCode) -> String {
        let text = q.modules.map { $0.map { $0 ? "1" : "0" }.joined() }.joined()
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("byte mode at level M equals the reference module for module: version 1, version 5, version 8 (with its version information)")
    func matchesReference() throws {
        let short = try #require(QRCode("zhiben", mask: 0))
        #expect(short.version == 1 && short.size == 21)
        #expect(digest(short) == "e7190acfc42d90bb3b2b81a010d2c452dc33b2cfc843baa0c571d9d651bbffb0")
        let link = try #require(QRCode("http://127.0.0.1:8080/people/spaces/3F2504E0-4F89-11D3-9A0C-0305E82C3301", mask: 3))
        #expect(link.version == 5 && link.size == 37)
        #expect(digest(link) == "550ca3a1a62cd97611c3701976cd51dfbaa995986a0935e03f9d787d433b8838")
        let long = try #require(QRCode(String(repeating: "有限空间", count: 12) + "x", mask: 6))
        #expect(long.version == 8 && long.size == 49)
        #expect(digest(long) == "5724256517d0ae3f87749a3488c37a986e07a5528abed788a508d7049a6dc119")
    }

    @Test("too long for version 10 is no code; the SVG draws the dark modules inside a quiet zone")
    func limitsAndSVG() throws {
        #expect(QRCode(String(repeating: "a", count: 214)) == nil)
        #expect(QRCode(String(repeating: "a", count: 213))?.version == 10)
        let q = try #require(QRCode("ZHIBEN"))
        let svg = q.svg()
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 29 29\""))
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == q.modules.joined().filter { $0 }.count)
    }
}
