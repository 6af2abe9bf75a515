import Foundation
import Vapor
import ZhibenDomain

struct SessionAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(APIRoute.session, use: create)
        routes.grouped(APIAuthMiddleware()).delete(APIRoute.session, use: delete)
    }

    struct Credentials: Content {
        var username: String
        var password: String
    }

    struct TokenDTO: Content {
        var token: String
        var expiresAt: String
        var user: UserDTO
    }

    func create(req: Request) async throws -> Response {
        let c = try req.decodeBody(Credentials.self)
        let user = try await req.zhiben.accounts.login(username: c.username, password: c.password, origin: req.origin)
        let (token, expires) = try await req.zhiben.sessions.start(for: user)
        let res = Response(status: .created)
        try res.content.encode(TokenDTO(token: token, expiresAt: ISOTime.string(expires), user: UserDTO(user)))
        return res
    }

    func delete(req: Request) async throws -> HTTPStatus {
        guard let a = req.auth, a.user != nil else { throw Abort(.badRequest, reason: "API keys are revoked by an administrator, not signed out") }
        try await req.zhiben.sessions.end(a.token, actor: a.caller, origin: req.origin)
        return .noContent
    }
}
