import Foundation
import Testing
@testable import ZhibenDomain

@Suite("CSV")
struct CSVTests {
    @Test("quoted fields keep commas, quotes and line breaks; CRLF ends rows")
    func quoting() {
        let rows = CSV.parse("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\r\n")
        #expect(rows == [["a", "b,c", "say \"hi\""], ["two\nlines", "x", ""]])
    }

    @Test("trailing empty rows that Excel leaves are dropped")
    func emptyRows() {
        #expect(CSV.parse("a,b\n,\n\n").count == 1)
    }

    @Test("UTF-8 with BOM, plain UTF-8 and GB18030 all decode")
    func encodings() throws {
        let text = "企业名称,孝义市\n"
        #expect(CSV.decode(Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8))?.encoding == .utf8BOM)
        #expect(CSV.decode(Data(text.utf8))?.encoding == .utf8)
        let gb = try #require(text.data(using: CSV.gb18030))
        #expect(gb != Data(text.utf8))
        let decoded = try #require(CSV.decode(gb))
        #expect(decoded.encoding == .gb18030)
        #expect(decoded.text == text)
    }

    @Test("written cells are quoted when needed and formulas are defused")
    func writing() {
        #expect(CSV.line(["a,b", "=SUM(A1)", "-3", "x"]) == "\"a,b\",'=SUM(A1),-3,x\r\n")
    }

    @Test("an export re-imports to the same profiles")
    func exportReimports() throws {
        let profiles = DemoData.enterprises(count: 30)
        let now = Date()
        let records = profiles.map { Enterprise(id: UUID(), profile: $0, computedGrade: .C, createdAt: now, updatedAt: now) }
        let data = CSV.document(header: EnterpriseCSV.exportHeader, rows: records.map(EnterpriseCSV.exportRow))
        let parsed = EnterpriseCSV.parse(data)
        #expect(parsed.isClean)
        #expect(parsed.rows.map { $0.profile } == profiles.map { Optional($0) })
    }

    @Test("one bad credit code names its row and field")
    func badRow() {
        let header = EnterpriseCSV.columns.map(\.zh).joined(separator: ",")
        let csv = header + "\n"
            + "91350100M000100Y43,孝义甲演示铝业有限公司,孝义市,,,,,有色,,,,,,,王一\n"
            + "91350100M000100Y44,孝义乙演示铝业有限公司,孝义市,,,,,有色,,,,,,,王二\n"
        let parsed = EnterpriseCSV.parse(Data(csv.utf8))
        #expect(parsed.rowIssues.count == 1)
        #expect(parsed.rowIssues.first?.row == 3)
        #expect(parsed.rowIssues.first?.issue.field == "creditCode")
        #expect(parsed.rowIssues.first?.column == "统一社会信用代码")
    }

    @Test("duplicate codes within one file are flagged on the later row")
    func duplicates() {
        let csv = "统一社会信用代码,企业名称,所属县（市、区）,行业,主要负责人\n"
            + "91350100M000100Y43,甲演示公司,孝义市,机械,王一\n91350100M000100Y43,乙演示公司,孝义市,机械,王二\n"
        let parsed = EnterpriseCSV.parse(Data(csv.utf8))
        #expect(parsed.rowIssues.map(\.row) == [3])
    }

    @Test("a file without the required columns says which are missing")
    func missingColumns() {
        let parsed = EnterpriseCSV.parse(Data("企业名称\n某某\n".utf8))
        #expect(parsed.fileIssues.count == 3)
    }
}

@Suite("Demo data")
struct DemoDataTests {
    @Test("the generator is deterministic")
    func deterministic() {
        #expect(DemoData.enterprises(count: 100) == DemoData.enterprises(count: 100))
    }

    @Test("every demo enterprise is valid, fictional by name and phone, with a unique code")
    func validAndFictional() throws {
        let all = DemoData.enterprises(count: 800)
        #expect(Set(all.map(\.creditCode)).count == 800)
        #expect(Set(all.map(\.name)).count == 800)
        for p in all {
            #expect(p.name.contains("演示"))
            #expect(p.principal.phone.hasPrefix("100"))
            _ = try CreditCode(p.creditCode)
            _ = try EnterpriseDraft(p).validate().get()
        }
    }

    @Test("the mix follows Lüliang: deep-well casting around 孝义, 交口, 兴县; steel around 交城, 文水, 孝义; every county present")
    func mix() {
        let all = DemoData.enterprises(count: 800)
        #expect(Set(all.map(\.countyCode)) == Set(County.all.map(\.code)))
        let casting = all.filter { $0.specialRisks.contains(.deepWellCasting) }
        let castingCore = casting.filter { ["141181", "141130", "141123"].contains($0.countyCode) }
        #expect(Double(castingCore.count) > 0.8 * Double(casting.count))
        let steel = all.filter { $0.subIndustry == "钢铁冶炼" }
        #expect(Double(steel.filter { ["141122", "141121", "141181"].contains($0.countyCode) }.count) > 0.6 * Double(steel.count))
    }

    @Test("accounts exist for every role and county")
    func accounts() {
        let accounts = DemoData.accounts(for: DemoData.enterprises(count: 10))
        #expect(Set(accounts.map(\.role)) == Set(Role.allCases))
        #expect(accounts.contains { $0.username == "county-141181" })
        #expect(accounts.filter { $0.role == .enterpriseUser }.count == 10)
    }
}
