import Foundation
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Every role × resource × operation, through the real HTTP API: allowed ones succeed, the rest answer 404 or 403.
@Suite("Jurisdiction matrix", .serialized)
struct JurisdictionMatrixTests {
    enum Target: String, CaseIterable { case ownEnterprise, otherInCounty, otherCounty }
    enum Op: String, CaseIterable { case read, list, update, contacts, deactivate, delete }

    /// What each role may do to each target (孝义市 is the county; the enterprise user belongs to `ownEnterprise`).
    /// `assigned`: the expert is assigned to a hazard or an inspection of the target.
    static func expected(_ role: Role, _ target: Target, _ op: Op, assigned: Bool = false) -> HTTPStatus {
        if op == .delete { return .methodNotAllowed } // enterprises are deactivated, never deleted
        let sees: Bool = switch role {
        case .cityAdmin, .cityOfficer: true
        case .countyOfficer, .inspector: target != .otherCounty
        case .expert: assigned
        case .enterpriseUser: target == .ownEnterprise
        }
        let permission: Permission = switch op {
        case .read, .list: .enterpriseRead
        case .update: .enterpriseUpdate
        case .contacts: .enterpriseUpdateContacts
        case .deactivate: .enterpriseDeactivate
        case .delete: .enterpriseUpdate
        }
        guard role.permissions.contains(permission) else { return .forbidden }
        return sees ? .ok : .notFound
    }

    @Test("role × enterprise × operation through the API")
    func apiMatrix() async throws {
        try await Harness.with { h in
            let xiaoyi = try await h.enterprises(in: "141181")
            let fenyang = try await h.enterprises(in: "141182")
            try #require(xiaoyi.count >= 2 && !fenyang.isEmpty, "demo data must have enterprises in both counties")
            let targets: [Target: Enterprise] = [.ownEnterprise: xiaoyi[0], .otherInCounty: xiaoyi[1], .otherCounty: fenyang[0]]
            let users: [Role: String] = [
                .cityAdmin: "admin", .cityOfficer: "city", .countyOfficer: "county-141181", .inspector: "inspector-141181",
                .expert: "expert-1", .enterpriseUser: h.enterpriseUsername(xiaoyi[0]),
            ]
            // The enterprises the demo assigns expert-1 to (hazards to judge), from storage directly.
            struct Row: Decodable { let enterprise_id: UUID }
            let expertID = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-1")).id
            let assigned = Set(try await h.app.zhiben.store.sql.raw("SELECT enterprise_id FROM hazards WHERE expert_id = \(bind: expertID)").all(decoding: Row.self).map(\.enterprise_id))
            var checked = 0
            for role in Role.allCases {
                let token = try await h.token(users[role]!)
                let listed = try await h.api(.GET, "/api/v1/enterprises?per=200&inactive=true", token: token)
                #expect(listed.status == .ok)
                let visible = Set(try listed.content.get([EnterpriseDTOProbe].self, at: "items").map(\.id))
                for target in Target.allCases {
                    let e = targets[target]!
                    for op in Op.allCases {
                        let want = Self.expected(role, target, op, assigned: assigned.contains(e.id))
                        let got: HTTPStatus
                        switch op {
                        case .list:
                            got = visible.contains(e.id) ? .ok : .notFound
                        case .read:
                            got = try await h.api(.GET, "/api/v1/enterprises/\(e.id)", token: token).status
                        case .update:
                            got = try await h.api(.PATCH, "/api/v1/enterprises/\(e.id)", token: token, json: ["employees": 777]).status
                        case .contacts:
                            got = try await h.api(.PUT, "/api/v1/enterprises/\(e.id)/contacts", token: token,
                                                  json: ["safetyManager": ["name": "赵安全", "phone": "10012345678"]]).status
                        case .deactivate:
                            let res = try await h.api(.POST, "/api/v1/enterprises/\(e.id)/deactivate", token: token, json: ["reason": "矩阵测试"])
                            got = res.status
                            if got == .ok { // put it back for the next role
                                #expect(try await h.api(.POST, "/api/v1/enterprises/\(e.id)/reactivate", token: token).status == .ok)
                            }
                        case .delete:
                            got = try await h.api(.DELETE, "/api/v1/enterprises/\(e.id)", token: token).status
                        }
                        #expect(got == want, "\(role) \(op) \(target): expected \(want.code), got \(got.code)")
                        checked += 1
                    }
                }
                // Nothing outside the scope shows in the list, whatever the filter.
                let fenyangList = try await h.api(.GET, "/api/v1/enterprises?county=141182&per=200", token: token)
                let fenyangTotal = try fenyangList.content.get(Int.self, at: "total")
                switch role {
                case .cityAdmin, .cityOfficer: #expect(fenyangTotal == fenyang.filter(\.active).count)
                case .expert: #expect(fenyangTotal == fenyang.filter { $0.active && assigned.contains($0.id) }.count, "the expert sees their assignments' enterprises only")
                default: #expect(fenyangTotal == 0, "\(role) sees 汾阳市")
                }
            }
            #expect(checked == Role.allCases.count * Target.allCases.count * Op.allCases.count)
            #expect(try await h.app.zhiben.auditLog.repository.verify() != .ok(count: 0))
        }
    }

    @Test("pages follow the same jurisdiction: 孝义市 cannot open an enterprise of 汾阳市, an enterprise only itself")
    func webMatrix() async throws {
        try await Harness.with { h in
            let xiaoyi = try await h.enterprises(in: "141181")
            let fenyang = try await h.enterprises(in: "141182")
            let county = try await h.signIn("county-141181")
            #expect(try await h.get("/enterprises/\(xiaoyi[0].id)", as: county).status == .ok)
            #expect(try await h.get("/enterprises/\(fenyang[0].id)", as: county).status == .notFound)
            #expect(try await h.get("/enterprises/\(fenyang[0].id)/edit", as: county).status == .notFound)
            let list = try await h.get("/enterprises?per=200&county=141182", as: county).body.string
            #expect(!list.contains(fenyang[0].profile.name))
            let csv = try await h.get("/enterprises/export.csv", as: county).body.string
            #expect(!csv.contains("汾阳市"))
            #expect(csv.contains(xiaoyi[0].profile.creditCode))
            let dashboard = try await h.get("/overview", as: county).body.string + (try await h.get("/", as: county).body.string)
            #expect(!dashboard.contains("汾阳市"))

            let ent = try await h.signIn(h.enterpriseUsername(xiaoyi[0]))
            #expect(try await h.get("/enterprises/\(xiaoyi[0].id)", as: ent).status == .ok)
            #expect(try await h.get("/enterprises/\(xiaoyi[1].id)", as: ent).status == .notFound)
            let own = try await h.get("/enterprises", as: ent).body.string
            #expect(own.contains(xiaoyi[0].profile.name))
            #expect(!own.contains(xiaoyi[1].profile.name))
            #expect(try await h.get("/users", as: ent).status == .forbidden)
            #expect(try await h.get("/audit", as: county).status == .forbidden)
            // An enterprise user changes its contacts, and nothing else.
            let changed = try await h.post("/enterprises/\(xiaoyi[0].id)/contacts", as: ent,
                                           form: ["principalName": "钱新任", "principalPhone": "10011112222"])
            #expect(changed.status == .seeOther)
            #expect(try await h.post("/enterprises/\(xiaoyi[0].id)", as: ent, form: ["name": "改名"]).status == .forbidden)
            let after = try await h.app.zhiben.enterprises.repository.find(id: xiaoyi[0].id, scope: .city)
            #expect(after?.profile.principal.name == "钱新任")
            #expect(after?.profile.name == xiaoyi[0].profile.name)
        }
    }

    @Test("administrators see and manage only accounts in their scope; others cannot list accounts")
    func accounts() async throws {
        try await Harness.with { h in
            let admin = try await h.token("admin")
            let all = try await h.api(.GET, "/api/v1/users?per=200", token: admin)
            #expect(try all.content.get(Int.self, at: "total") == h.seeded.accounts.count)
            for name in ["city", "county-141181", "inspector-141181", "expert-1"] {
                #expect(try await h.api(.GET, "/api/v1/users", token: try await h.token(name)).status == .forbidden)
            }
        }
    }
}

/// Just the id of an enterprise in a list.
struct EnterpriseDTOProbe: Decodable {
    let id: UUID
}
