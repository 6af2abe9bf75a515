import Testing
import ZhibenDomain

@Suite("people: ID numbers, the special-operation catalogue, operator certificates")
struct PeopleRulesTests {
    @Test("an ID number is 18 characters with a valid birth date and the GB 11643 check character; shown masked")
    func idNumber() throws {
        let id = try IDNumber(validating: "11010519491231002x", today: "2026-12-04")
        #expect(id.value == "11010519491231002X" && id.birthDate == "1949-12-31" && id.masked == "1101**********002X")
        #expect(IDNumber.checkCharacter(of: [1, 4, 1, 1, 8, 1, 1, 9, 8, 0, 0, 1, 0, 1, 0, 0, 1]) == IDNumber.checkCharacter(of: Array("14118119800101001").compactMap(\.wholeNumberValue)))
        func problem(_ text: String) -> IDNumber.Problem? {
            do { _ = try IDNumber(validating: text, today: "2026-12-04"); return nil } catch { return error }
        }
        #expect(problem("110105194912310021") == .checkCharacter(expected: "X"))
        #expect(problem("1101051949123100") == .length(16))
        #expect(problem("11010519491231002Y") == .characters)
        #expect(problem("１１０１０５１９４９１２３１００２Ｘ") == .characters, "full-width digits are not digits here")
        #expect(problem("110105194902300020") == .birthDate("1949-02-30"))
        #expect(problem("110105203001010020") == .birthDate("2030-01-01"), "no one is born after today")
        #expect(problem("110105194912310021")?.zh.contains("校验位") == true)
    }

    @Test("the shipped catalogue: 51 types of the current catalogue, codes unique, each with its source")
    func catalogue() {
        let current = SpecialOperationCatalogue.all.filter { $0.catalogue == SpecialOperationCatalogue.current }
        #expect(current.count == 51)
        #expect(Set(current.map(\.code)).count == current.count)
        #expect(SpecialOperationCatalogue.operation("8.1")?.zh == "煤气作业")
        #expect(current.allSatisfy { !$0.source.isEmpty && !$0.zh.isEmpty })
        #expect(current.contains { $0.typicalHere } && current.contains { !$0.typicalHere })
    }

    static let welder = OperatorCertificate(operation: "2.1", number: "T11010519491231002X", issuer: "吕梁市应急管理局",
                                            validFrom: "2021-03-01", validUntil: CertificateRules.defaultValidUntil(from: "2021-03-01")!)

    @Test("six years of validity; a review every three years, every six after ten compliant years; warnings at 90 and 30 days")
    func certificateStanding() {
        var c = Self.welder
        #expect(c.validUntil == "2027-02-28")
        #expect(CertificateRules.reviewDue(c, today: "2023-01-01") == "2024-03-01")
        #expect(CertificateRules.standing(c, today: "2023-01-01") == .valid)
        #expect(CertificateRules.standing(c, today: "2024-01-15") == .expiring(on: "2024-03-01", days: 90))
        #expect(CertificateRules.standing(c, today: "2024-02-10") == .expiring(on: "2024-03-01", days: 30))
        #expect(CertificateRules.standing(c, today: "2024-03-02") == .reviewOverdue(since: "2024-03-01"))
        c.lastReviewedOn = "2024-02-20"
        #expect(CertificateRules.reviewDue(c, today: "2026-12-01") == "2027-02-20")
        #expect(CertificateRules.standing(c, today: "2026-12-01") == .expiring(on: "2027-02-20", days: 90))
        #expect(CertificateRules.standing(c, today: "2027-03-01") == .expired(on: "2027-02-28"))
        #expect(CertificateRules.standing(c, today: "2021-02-01") == .notYetValid(from: "2021-03-01"))
        // Ten compliant years by then: the review waits six years, that is until the certificate's end.
        var veteran = Self.welder
        veteran.compliantSince = "2011-01-01"
        #expect(CertificateRules.reviewDue(veteran, today: "2024-03-02") == "2027-02-28")
        #expect(CertificateRules.standing(veteran, today: "2024-03-02") == .valid)
    }

    @Test("a worker may do an operation only with a certificate for it that is valid and reviewed on the day; the refusal says why")
    func refusal() {
        let c = Self.welder
        #expect(CertificateRules.refusal(for: "2.1", certificates: [c], on: "2023-06-01") == nil)
        #expect(CertificateRules.refusal(for: "1.2", certificates: [c], on: "2023-06-01") == .missing(operation: "1.2"))
        #expect(CertificateRules.refusal(for: "2.1", certificates: [c], on: "2027-03-01") == .expired(operation: "2.1", on: "2027-02-28"))
        #expect(CertificateRules.refusal(for: "2.1", certificates: [c], on: "2024-06-01") == .reviewOverdue(operation: "2.1", since: "2024-03-01"))
        #expect(CertificateRules.refusal(for: "2.1", certificates: [c], on: "2024-06-01")?.zh == "熔化焊接与热切割作业操作证应于2024-03-01复审，尚未复审")
        var renewed = c
        (renewed.validFrom, renewed.validUntil) = ("2027-02-20", "2033-02-19")
        #expect(CertificateRules.refusal(for: "2.1", certificates: [c, renewed], on: "2027-03-01") == nil, "a renewed certificate counts")
        #expect(CertificateRules.refusal(for: "1.2", certificates: [c], on: "2023-06-01")?.code == "certificateMissing")
    }
}
