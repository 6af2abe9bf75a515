import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Several people edit one record: nobody's change is silently overwritten.
@Suite("Optimistic concurrency and merge patch", .serialized)
struct ConcurrencyTests {
    static func someEnterprise(_ h: Harness) async throws -> Enterprise {
        try #require(try await h.enterprises(in: "141181").first { $0.active })
    }

    @Test("reads carry an ETag; a write with a stale If-Match answers 412 and writes nothing")
    func apiIfMatch() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try await Self.someEnterprise(h)
            let token = try await h.token("city")
            let read = try await h.api(.GET, "/api/v1/enterprises/\(e.id)", token: token)
            let tag = try #require(read.headers.first(name: .eTag))
            #expect(tag == "\"\(e.version)\"")
            #expect(try read.content.get(Int.self, at: "version") == e.version)

            let first = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["address": "先到的地址"], headers: ["If-Match": tag])
            #expect(first.status == .ok)
            #expect(first.headers.first(name: .eTag) == "\"\(e.version + 1)\"")

            let auditBefore = try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: e.id.uuidString)).total
            let stale = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["address": "后到的地址"], headers: ["If-Match": tag])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.headers.contentType?.subType == "problem+json")
            #expect(stale.headers.first(name: .eTag) == "\"\(e.version + 1)\"")
            for (path, method, body) in [("contacts", HTTPMethod.PUT, ["principal": ["name": "王五", "phone": "10000000009"]]),
                                          ("deactivate", .POST, ["reason": "已停产"]),
                                          ("grade-override", .PUT, ["grade": "A", "reason": "重点"])] as [(String, HTTPMethod, [String: any Sendable])] {
                let res = try await h.api(method, "/api/v1/enterprises/\(e.id)/\(path)", token: token, json: body, headers: ["If-Match": tag])
                #expect(res.status == .preconditionFailed, "\(path)")
            }
            #expect(try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["address": "x"], headers: ["If-Match": "soon"]).status == .badRequest,
                    "a malformed If-Match is a bad request, not a stale one")
            #expect(try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["address": "x"], headers: ["If-Match": "\"0\""]).status == .preconditionFailed)
            let stored = try #require(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city))
            #expect(stored.profile.address == "先到的地址")
            #expect(stored.active)
            #expect(stored.version == e.version + 1)
            #expect(try await h.app.zhiben.auditLog.repository.list(AuditQuery(entityID: e.id.uuidString)).total == auditBefore)

            let any = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["address": "任意版本"], headers: ["If-Match": "*"])
            #expect(any.status == .ok)
        }
    }

    @Test("PATCH is a merge patch: null clears a field, an absent field is kept, a required field cannot be cleared")
    func mergePatch() async throws {
        try await Harness.with(enterprises: 10) { h in
            let e = try await Self.someEnterprise(h)
            let token = try await h.token("city")
            var headers: HTTPHeaders = [:]
            headers.bearerAuthorization = BearerAuthorization(token: token)
            headers.replaceOrAdd(name: .contentType, value: "application/merge-patch+json")
            let body = #"{"address": null, "supervisingDepartment": null, "actualController": {"phone": null}}"#
            let res = try await h.tester.sendRequest(.PATCH, "/api/v1/enterprises/\(e.id)", headers: headers, body: ByteBuffer(string: body))
            #expect(res.status == .ok)
            let stored = try #require(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city))
            #expect(stored.profile.address == "")
            #expect(stored.profile.supervisingDepartment == "")
            #expect(stored.profile.actualController.phone == "")
            #expect(stored.profile.actualController.name == e.profile.actualController.name)
            #expect(stored.profile.name == e.profile.name)
            #expect(stored.profile.principal == e.profile.principal)

            let cleared = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["name": NSNull()])
            #expect(cleared.status == .unprocessableEntity)
            #expect(try ProblemProbe(cleared).errors?.map(\.field) == ["name"])
            headers.replaceOrAdd(name: .contentType, value: "text/plain")
            #expect(try await h.tester.sendRequest(.PATCH, "/api/v1/enterprises/\(e.id)", headers: headers, body: ByteBuffer(string: "{}")).status == .unsupportedMediaType)
        }
    }

    @Test("a web edit saved after someone else's shows the current values and what differs, and keeps theirs")
    func webStaleEdit() async throws {
        try await Harness.with(enterprises: 10) { h in
            // Without special risks, the form's single-valued fields below are the whole record.
            let some = try await Self.someEnterprise(h)
            let plain = try await h.api(.PATCH, "/api/v1/enterprises/\(some.id)", token: try await h.token("city"),
                                        json: ["specialRisks": NSNull(), "dustTypes": NSNull(), "dustWorkers": 0])
            #expect(plain.status == .ok)
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: some.id, scope: .city))
            let first = try await h.signIn("city")
            let second = try await h.signIn("county-141181")
            let formPage = try await h.get("/enterprises/\(e.id)/edit", as: second)
            #expect(formPage.body.string.contains("name=\"version\" value=\"\(e.version)\""))
            var fields = EnterpriseDraft(e.profile).formFields
            fields["version"] = String(e.version)
            fields["name"] = "先保存的演示名称有限公司"
            #expect(try await h.post("/enterprises/\(e.id)", as: first, form: fields).status == .seeOther)
            fields["name"] = "后保存的演示名称有限公司"
            let late = try await h.post("/enterprises/\(e.id)", as: second, form: fields)
            #expect(late.status == .conflict)
            let html = late.body.string
            #expect(html.contains("已被他人修改"))
            #expect(html.contains("value=\"先保存的演示名称有限公司\""))
            #expect(html.contains("后保存的演示名称有限公司"), "what the user typed is shown beside the current value")
            #expect(html.contains("name=\"version\" value=\"\(e.version + 1)\""))
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.profile.name == "先保存的演示名称有限公司")

            let deactivate = try await h.post("/enterprises/\(e.id)/deactivate", as: second,
                                              form: ["reason": "已停产", "confirm": "yes", "version": String(e.version)])
            #expect(deactivate.status == .conflict)
            #expect(deactivate.body.string.contains("已被他人修改"))
            #expect(try await h.app.zhiben.enterprises.repository.find(id: e.id, scope: .city)?.active == true)
        }
    }
}

extension EnterpriseDraft {
    /// The edit form's fields as a browser posts them.
    var formFields: [String: String] {
        [
            "creditCode": creditCode, "name": name, "countyCode": countyCode, "township": township, "address": address,
            "longitude": longitude, "latitude": latitude, "industry": industry, "subIndustry": subIndustry, "scale": scale,
            "employees": employees, "dustWorkers": dustWorkers, "principalName": principalName, "principalPhone": principalPhone,
            "controllerName": controllerName, "controllerPhone": controllerPhone, "safetyManagerName": safetyManagerName,
            "safetyManagerPhone": safetyManagerPhone, "standardization": standardization,
            "standardizationValidUntil": standardizationValidUntil, "status": status, "supervisingDepartment": supervisingDepartment,
        ]
    }
}
