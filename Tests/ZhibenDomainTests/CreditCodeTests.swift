import Testing
@testable import ZhibenDomain

@Suite("Unified social credit code (GB 32100-2015)")
struct CreditCodeTests {
    @Test("a published example code is accepted")
    func acceptsPublishedExample() throws {
        #expect(try CreditCode("91350100M000100Y43").value == "91350100M000100Y43")
    }

    @Test("lower case and surrounding spaces are normalised")
    func normalises() throws {
        #expect(try CreditCode("  91350100m000100y43 ").value == "91350100M000100Y43")
    }

    @Test("a wrong check character is rejected, naming the expected one")
    func rejectsWrongCheck() {
        #expect(throws: CreditCode.Problem.checkMismatch(expected: "3", found: "4")) { try CreditCode("91350100M000100Y44") }
    }

    @Test("codes of the wrong length are rejected with the length")
    func rejectsLength() {
        #expect(throws: CreditCode.Problem.wrongLength(17)) { try CreditCode("91350100M000100Y4") }
        #expect(throws: CreditCode.Problem.empty) { try CreditCode("   ") }
    }

    @Test("letters outside the 31-character alphabet (I, O, Z, S, V) are rejected with their position")
    func rejectsForbiddenLetters() {
        #expect(throws: CreditCode.Problem.invalidCharacter("O", position: 9)) { try CreditCode("91350100O000100Y43") }
    }

    @Test("the check character is (31 − Σ cᵢ·3^(i−1) mod 31) mod 31 over the alphabet")
    func checkFormula() {
        let first17 = "91141181MA0K12345"
        var sum = 0
        var w = 1
        for c in first17 {
            sum += CreditCode.alphabet.firstIndex(of: c)! * w
            w = w * 3 % 31
        }
        #expect(CreditCode.checkCharacter(for: first17) == CreditCode.alphabet[(31 - sum % 31) % 31])
        #expect(CreditCode.completing(first17) != nil)
    }
}
