import Foundation
import Vapor
import ZhibenDomain

struct AdminAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("me", use: me)
        routes.get("users", use: users)
        routes.post("users", use: createUser)
        routes.get("users", ":id", use: user)
        routes.post("users", ":id", "unlock", use: unlock)
        routes.post("users", ":id", "password", use: resetPassword)
        routes.get("audit", use: audit)
        routes.get("audit", "verify", use: verify)
        routes.post("api-keys", use: createKey)
        routes.delete("api-keys", ":id", use: revokeKey)
    }

    struct MeDTO: Content {
        var kind: String
        var username: String
        var role: String
        var permissions: [String]
        var countyCode: String?
        var enterpriseId: UUID?
    }

    func me(req: Request) async throws -> MeDTO {
        let c = try req.caller
        var county: String?
        var enterprise: UUID?
        switch c.scope {
        case .county(let code): county = code
        case .enterprise(let id): enterprise = id
        default: break
        }
        return MeDTO(kind: c.kind.rawValue, username: c.username, role: c.role.rawValue, permissions: c.permissions.map(\.rawValue).sorted(),
                     countyCode: county, enterpriseId: enterprise)
    }

    func users(req: Request) async throws -> PageDTO<UserDTO> {
        let q = UserQuery(search: req.queryString("q"), role: req.queryString("role").flatMap(Role.init(rawValue:)),
                          lockedOnly: req.queryString("locked") == "true")
        return PageDTO(try await req.zhiben.accounts.list(q, page: req.paging(defaultPer: 50), actor: req.caller), UserDTO.init)
    }

    func user(req: Request) async throws -> UserDTO {
        UserDTO(try await req.zhiben.accounts.get(req.recordID("user"), actor: req.caller))
    }

    func createUser(req: Request) async throws -> Response {
        let draft = try req.content.decode(UserDraft.self)
        let u = try await req.zhiben.accounts.create(draft, actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(UserDTO(u))
        return res
    }

    func unlock(req: Request) async throws -> UserDTO {
        UserDTO(try await req.zhiben.accounts.unlock(req.recordID("user"), actor: req.caller, origin: req.origin))
    }

    struct PasswordInput: Content { var password: String }

    func resetPassword(req: Request) async throws -> UserDTO {
        let input = try req.content.decode(PasswordInput.self)
        let user = try await req.zhiben.accounts.resetPassword(req.recordID("user"), newPassword: input.password, actor: req.caller, origin: req.origin)
        try await req.zhiben.tokens.deleteSessions(userID: user.id, except: nil)
        return UserDTO(user)
    }

    func audit(req: Request) async throws -> PageDTO<AuditEntryDTO> {
        try req.caller.require(.auditRead)
        let q = AuditQuery(actor: req.queryString("actor"), action: req.queryString("action"), entityType: req.queryString("entityType"),
                           entityID: req.queryString("entityId"), page: req.paging(defaultPer: 50))
        return PageDTO(try await req.zhiben.audit.list(q), AuditEntryDTO.init)
    }

    struct VerifyDTO: Content {
        var ok: Bool
        var entries: Int?
        var brokenAt: Int64?
        var reason: String?
    }

    func verify(req: Request) async throws -> VerifyDTO {
        try req.caller.require(.auditRead)
        switch try await req.zhiben.audit.verify() {
        case .ok(let n): return VerifyDTO(ok: true, entries: n)
        case .broken(let seq, let reason): return VerifyDTO(ok: false, brokenAt: seq, reason: reason)
        }
    }

    struct KeyInput: Content {
        var name: String
        var enterpriseCreditCode: String
    }

    struct KeyDTO: Content {
        var key: String
        var note: String
    }

    func createKey(req: Request) async throws -> Response {
        let input = try req.content.decode(KeyInput.self)
        let key = try await APIKeys.issue(name: input.name, creditCode: input.enterpriseCreditCode, actor: req.caller, services: req.zhiben, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(KeyDTO(key: key, note: "Shown once; only its hash is stored."))
        return res
    }

    func revokeKey(req: Request) async throws -> HTTPStatus {
        let caller = try req.caller
        try caller.require(.apiKeyManage)
        _ = try await req.zhiben.tokens.revokeAPIKey(id: req.recordID("apikey"), scope: caller.scope,
                                                      audit: AuditContext(actor: caller, at: req.zhiben.clock.now(), origin: req.origin))
        return .noContent
    }
}
