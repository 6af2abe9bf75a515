import Foundation
import Vapor
import ZhibenDomain

struct APIKeyAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(APIRoute.apiKeys, use: createKey)
        routes.delete(APIRoute.apiKey, use: revokeKey)
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
        let input = try req.decodeBody(KeyInput.self)
        let key = try await req.zhiben.apiKeys.issue(name: input.name, creditCode: input.enterpriseCreditCode, actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(KeyDTO(key: key, note: "Shown once; only its hash is stored."))
        return res
    }

    func revokeKey(req: Request) async throws -> HTTPStatus {
        _ = try await req.zhiben.apiKeys.revoke(req.recordID("apikey"), actor: req.caller, origin: req.origin)
        return .noContent
    }
}
