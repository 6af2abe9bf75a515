import Foundation
import Vapor
import ZhibenDomain

struct AuditAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.audit, use: audit)
        routes.get(APIRoute.auditVerify, use: verify)
    }

    func audit(req: Request) async throws -> PageDTO<AuditEntryDTO> {
        let q = AuditQuery(actor: req.queryString("actor"), action: req.queryString("action"), entityType: req.queryString("entityType"),
                           entityID: req.queryString("entityId"), page: try req.paging(defaultPer: 50))
        return PageDTO(try await req.zhiben.auditLog.list(q, actor: req.caller), AuditEntryDTO.init)
    }

    struct VerifyDTO: Content {
        var ok: Bool
        var entries: Int?
        var brokenAt: Int64?
        var reason: String?
    }

    func verify(req: Request) async throws -> VerifyDTO {
        switch try await req.zhiben.auditLog.verify(actor: req.caller) {
        case .ok(let n): return VerifyDTO(ok: true, entries: n)
        case .broken(let seq, let reason): return VerifyDTO(ok: false, brokenAt: seq, reason: reason)
        }
    }
}
