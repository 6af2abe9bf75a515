import Foundation
import Vapor
import ZhibenDomain

struct AccountAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.me, use: me)
        routes.get(APIRoute.users, use: users)
        routes.post(APIRoute.users, use: createUser)
        routes.get(APIRoute.user, use: user)
        routes.post(APIRoute.userUnlock, use: unlock)
        routes.post(APIRoute.userPassword, use: resetPassword)
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
        let q = UserQuery(search: req.queryString("q"), role: try req.queryEnum("role", Role.self),
                          lockedOnly: try req.queryFlag("locked"))
        return PageDTO(try await req.zhiben.accounts.list(q, page: req.paging(defaultPer: 50), actor: req.caller), UserDTO.init)
    }

    func user(req: Request) async throws -> UserDTO {
        UserDTO(try await req.zhiben.accounts.get(req.recordID("user"), actor: req.caller))
    }

    func createUser(req: Request) async throws -> Response {
        let draft = try req.decodeBody(UserDraft.self)
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
        let input = try req.decodeBody(PasswordInput.self)
        let user = try await req.zhiben.accounts.resetPassword(req.recordID("user"), newPassword: input.password, actor: req.caller, origin: req.origin)
        try await req.zhiben.sessions.endAll(userID: user.id)
        return UserDTO(user)
    }
}
