import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("Enterprise registry through HTTP", .serialized)
struct EnterpriseFlowTests {
    static let newEnterprise: [String: any Sendable] = [
        "creditCode": "91141181MA0K123450".dropLast().description + String(CreditCode.checkCharacter(for: "91141181MA0K12345")!),
        "name": "孝义新登记演示铸造有限公司", "countyCode": "141181", "industry": "machinery",
        "specialRisks": ["moltenMetal"], "employees": 80, "principal": ["name": "孙一", "phone": "10000000001"],
    ]

    @Test("a county officer registers an enterprise in its county, classified with reasons and audited")
    func create() async throws {
        try await Harness.with(enterprises: 10) { h in
            let token = try await h.token("county-141181")
            let res = try await h.api(.POST, "/api/v1/enterprises", token: token, json: Self.newEnterprise)
            #expect(res.status == .created)
            let id = try res.content.get(UUID.self, at: "id")
            #expect(res.headers.first(name: .location) == "/api/v1/enterprises/\(id)")
            #expect(try res.content.get(String.self, at: "grade") == "B")
            #expect(try res.content.get([ReasonProbe].self, at: "classificationReasons").contains { $0.rule == "R2" })
            let log = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: id.uuidString))
            #expect(log.items.first?.actorUsername == "county-141181")
            #expect(log.items.first?.changes.contains { $0.field == "name" && $0.after == "孝义新登记演示铸造有限公司" } == true)

            var other = Self.newEnterprise
            other["countyCode"] = "141182"
            other["creditCode"] = "91141182MA0K12345" + String(CreditCode.checkCharacter(for: "91141182MA0K12345")!)
            let outside = try await h.api(.POST, "/api/v1/enterprises", token: token, json: other)
            #expect(outside.status == .unprocessableEntity)
            let dup = try await h.api(.POST, "/api/v1/enterprises", token: token, json: Self.newEnterprise)
            #expect(dup.status == .conflict)
        }
    }

    @Test("two registrations of the same code at once: one is created, the other is a conflict, never a 500")
    func concurrentDuplicate() async throws {
        try await Harness.with(enterprises: 3) { h in
            let token = try await h.token("city")
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await h.api(.POST, "/api/v1/enterprises", token: token, json: Self.newEnterprise).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 409, 409, 409])
        }
    }

    @Test("bad input answers 422 problem JSON naming every field and writes nothing")
    func badInput() async throws {
        try await Harness.with(enterprises: 5) { h in
            let token = try await h.token("city")
            let before = try await h.app.zhiben.auditLog.repository.list(AuditQuery()).total
            var bad = Self.newEnterprise
            bad["creditCode"] = "91141181MA0K12345X"
            bad["countyCode"] = "999999"
            bad["employees"] = -1
            let res = try await h.api(.POST, "/api/v1/enterprises", token: token, json: bad)
            #expect(res.status == .unprocessableEntity)
            #expect(res.headers.contentType?.subType == "problem+json")
            let fields = Set(try ProblemProbe(res).errors?.map(\.field) ?? [])
            #expect(fields == ["creditCode", "countyCode", "employees"])
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery()).total == before)

            let wrongType = try await h.api(.POST, "/api/v1/enterprises", token: token, json: ["employees": "many"])
            #expect(wrongType.status == .badRequest)
            #expect(try ProblemProbe(wrongType).errors?.first?.field == "employees")
            let malformed = try await h.api(.POST, "/api/v1/enterprises", token: token, body: ByteBuffer(string: "{not json"), headers: ["Content-Type": "application/json"])
            #expect(malformed.status == .badRequest)
            #expect(!malformed.body.string.contains("Swift"))
        }
    }

    @Test("the web form shows Chinese errors beside the fields and keeps what was typed")
    func webFormErrors() async throws {
        try await Harness.with(enterprises: 5) { h in
            let browser = try await h.signIn("county-141181")
            let res = try await h.post("/enterprises", as: browser, form: [
                "creditCode": "91141181MA0K12345X", "name": "孝义表单演示有限公司", "countyCode": "141181", "industry": "machinery",
            ])
            #expect(res.status == .unprocessableEntity)
            let html = res.body.string
            #expect(html.contains("id=\"err-creditCode\""))
            #expect(html.contains("校验位错误"))
            #expect(html.contains("主要负责人姓名不能为空"))
            #expect(html.contains("value=\"孝义表单演示有限公司\""))
        }
    }

    @Test("the credit code cannot change; PATCH changes only the given fields and re-classifies")
    func patch() async throws {
        try await Harness.with(enterprises: 10) { h in
            let token = try await h.token("city")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(status: .operating), scope: .city, limit: 100)
                .first { $0.profile.dustTypes.isEmpty && $0.profile.standardization != .level1 && $0.profile.standardization != .level2 })
            let renamed = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token,
                                          json: ["specialRisks": ["deepWellCasting"], "status": "operating"])
            #expect(renamed.status == .ok)
            #expect(try renamed.content.get(String.self, at: "grade") == "A")
            #expect(try renamed.content.get(String.self, at: "name") == e.profile.name)
            let code = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["creditCode": "91350100M000100Y43"])
            #expect(code.status == .unprocessableEntity)
            // Outside the caller's county the record does not exist, whatever the body says.
            let outsider = try await h.token(e.profile.countyCode == "141181" ? "county-141182" : "county-141181")
            #expect(try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: outsider, json: ["employees": -5]).status == .notFound)
        }
    }

    @Test("a grade override needs a reason, is shown with it, and is audited")
    func override() async throws {
        try await Harness.with(enterprises: 10) { h in
            let token = try await h.token("city")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 1).first)
            let noReason = try await h.api(.PUT, "/api/v1/enterprises/\(e.id)/grade-override", token: token, json: ["grade": "A", "reason": ""])
            #expect(noReason.status == .unprocessableEntity)
            let res = try await h.api(.PUT, "/api/v1/enterprises/\(e.id)/grade-override", token: token, json: ["grade": "A", "reason": "2024年发生较大涉险事故"])
            #expect(res.status == .ok)
            #expect(try res.content.get(String.self, at: "grade") == "A")
            #expect(try res.content.get(String.self, at: "gradeOverride", "reason") == "2024年发生较大涉险事故")
            let browser = try await h.signIn("city")
            #expect(try await h.get("/enterprises/\(e.id)", as: browser).body.string.contains("2024年发生较大涉险事故"))
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "classify")).total == 1)
        }
    }

    @Test("deactivation needs a reason and a confirmation; the record is kept")
    func deactivate() async throws {
        try await Harness.with(enterprises: 10) { h in
            let browser = try await h.signIn("city")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 1).first)
            let unconfirmed = try await h.post("/enterprises/\(e.id)/deactivate", as: browser, form: ["reason": "企业已关闭"])
            #expect(unconfirmed.status == .unprocessableEntity)
            let done = try await h.post("/enterprises/\(e.id)/deactivate", as: browser, form: ["reason": "企业已关闭", "confirm": "yes"])
            #expect(done.status == .seeOther)
            let list = try await h.get("/enterprises?per=200", as: browser).body.string
            #expect(!list.contains(e.profile.name))
            let withInactive = try await h.get("/enterprises?per=200&inactive=1", as: browser).body.string
            #expect(withInactive.contains(e.profile.name))
        }
    }

    @Test("list filters, search, sort and pages; export has a BOM and the filtered rows")
    func listAndExport() async throws {
        try await Harness.with(enterprises: 60) { h in
            let token = try await h.token("city")
            let page = try await h.api(.GET, "/api/v1/enterprises?industry=nonferrous&per=5&page=1&sort=employees&dir=desc", token: token)
            let total = try page.content.get(Int.self, at: "total")
            let expected = try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(industry: .nonferrous), scope: .city, limit: 1000)
            #expect(total == expected.count)
            #expect(try page.content.get(Int.self, at: "per") == 5)
            let browser = try await h.signIn("city")
            let csv = try await h.get("/enterprises/export.csv?industry=nonferrous", as: browser)
            #expect(csv.headers.contentType?.subType == "csv")
            let bytes = Array(csv.body.readableBytesView)
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == expected.count + 1)
            #expect(lines[0].contains("统一社会信用代码"))
        }
    }
}

struct ReasonProbe: Decodable { let rule: String }

@Suite("Grade refresh", .serialized)
struct GradeRefreshTests {
    @Test("when a standardization certificate has run out, the refresh raises the grade and audits it")
    func expiredCertificate() async throws {
        try await Harness.with(enterprises: 5) { h in
            let token = try await h.token("city")
            let e = try #require(try await h.app.zhiben.enterprises.repository.all(EnterpriseQuery(), scope: .city, limit: 10).first)
            // Deep-well casting with a valid level-1 certificate is B; once it runs out, A.
            let now = h.app.zhiben.clock.now()
            let soon = ChinaTime.day(now.addingTimeInterval(-86_400))
            let res = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: [
                "specialRisks": ["deepWellCasting"], "dustTypes": [String](), "dustWorkers": 0, "status": "operating",
                "standardization": "level1", "standardizationValidUntil": ChinaTime.day(now.addingTimeInterval(86_400 * 30)),
            ])
            #expect(res.status == .ok)
            #expect(try res.content.get(String.self, at: "grade") == "B")
            #expect(try await h.app.zhiben.enterprises.refreshGrades() == 0)
            // Backdate the certificate directly, as time passing would.
            try await h.app.zhiben.store.sql.raw("UPDATE enterprises SET standardization_valid_until = \(bind: ChinaTime.parseDay(soon)!) WHERE id = \(bind: e.id)").run()
            #expect(try await h.app.zhiben.enterprises.refreshGrades() == 1)
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.grade == .A)
            let log = try await h.app.zhiben.auditLog.repository.list(AuditQuery(action: "classify", entityID: e.id.uuidString))
            #expect(log.items.first?.actorUsername == "system")
            #expect(try await h.app.zhiben.auditLog.repository.verify() != .ok(count: 0))
        }
    }
}
