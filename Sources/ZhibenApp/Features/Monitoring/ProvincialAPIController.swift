import Foundation
import Vapor
import ZhibenDomain

/// The provincial gateway interface, as the gateways already speak it: `POST /api/rtsData` (readings)
/// and `POST /api/eventsData` (the gateways' own alarm events). Answers `{"code", "msg", "data"}`.
struct ProvincialInterfaceController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        // Streamed, not collected: the body is read only as far as the sender is allowed.
        routes.post(WebRoute.gatewayRealtime, body: .stream) { req in try await receive(req, .realtime) }
        routes.post(WebRoute.gatewayEvents, body: .stream) { req in try await receive(req, .events) }
    }

    struct AnswerDTO: Content {
        struct Refused: Content {
            var index: Int
            var reason: String
        }
        struct Details: Content {
            var rejected: [Refused]
        }
        var code: Int
        var msg: String
        var data: Details?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(msg, forKey: .msg)
            // The interface's answer always carries data, null when there is nothing to add.
            if let data { try c.encode(data, forKey: .data) } else { try c.encodeNil(forKey: .data) }
        }
    }

    func receive(_ req: Request, _ endpoint: ProvincialService.Endpoint) async throws -> Response {
        var caller: Caller?
        if let bearer = req.headers.bearerAuthorization?.token {
            caller = try await Tokens.authenticate(bearer, on: req)?.caller
        }
        // Without the enterprise's API key only an encrypted batch's worth is read; with it, a plain batch
        // up to the body limit.
        let gateway = caller?.kind == .apiKey
        let limit = gateway ? req.application.routes.defaultMaxBodySize.value : ProvincialRules.maxAnonymousBody
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > limit { return try tooLarge(limit) }
        var body = ByteBuffer()
        for try await var chunk in req.body {
            guard body.readableBytes + chunk.readableBytes <= limit else { return try tooLarge(limit) }
            body.writeBuffer(&chunk)
        }
        let answer = try await req.zhiben.provincial.receive(endpoint, body: Data(buffer: body), caller: caller)
        let res = Response(status: (400...599).contains(answer.code) ? HTTPResponseStatus(statusCode: answer.code) : .ok)
        try res.content.encode(AnswerDTO(code: answer.code, msg: answer.msg,
                                         data: answer.rejections.isEmpty ? nil : .init(rejected: answer.rejections.map { .init(index: $0.index, reason: $0.reason) })),
                               as: .json)
        return res
    }

    func tooLarge(_ limit: Int) throws -> Response {
        let res = Response(status: .payloadTooLarge)
        try res.content.encode(AnswerDTO(code: 413, msg: "请求过大：最多\(limit)字节（加密 data 最多\(ProvincialRules.maxSealed)个字符；更大的明文批次须携带接口密钥）", data: nil), as: .json)
        return res
    }
}

struct ProvincialLinkDTO: Content {
    struct PointDTO: Content {
        var tnm: String
        var point: String
    }
    var enterpriseId: UUID
    var qybm: String
    /// Only its last two characters.
    var key: String
    var points: [PointDTO]
    var updatedAt: String
    var updatedBy: String
    var version: Int

    init(_ l: ProvincialLink) {
        enterpriseId = l.enterpriseID
        qybm = l.qybm
        key = l.maskedKey
        points = l.points.sorted { $0.key < $1.key }.map { PointDTO(tnm: $0.key, point: $0.value) }
        updatedAt = ISOTime.string(l.updatedAt)
        updatedBy = l.updatedBy
        version = l.version
    }
}

struct GatewayEventDTO: Content {
    var id: UUID
    var oname: String
    var pointCode: String?
    var ts: String
    var value: String
    var code: Int
    var threshold: String
    var content: String
    var receivedAt: String

    init(_ e: GatewayEvent) {
        id = e.id
        oname = e.oname
        pointCode = e.pointCode
        ts = ISOTime.string(e.ts)
        value = e.value
        code = e.code
        threshold = e.threshold
        content = e.content
        receivedAt = ISOTime.string(e.receivedAt)
    }
}

/// Each enterprise's link to the provincial interface (`/api/v1/enterprises/{id}/provincial-link`) and
/// the events its gateways sent.
struct ProvincialAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.enterpriseProvincialLink, use: show)
        routes.put(APIRoute.enterpriseProvincialLink, use: save)
        routes.get(APIRoute.enterpriseGatewayEvents, use: events)
    }

    struct Input: Content {
        struct Point: Content {
            var tnm: String
            var point: String
        }
        var qybm: String
        var key: String?
        var points: [Point]?
    }

    func show(req: Request) async throws -> Response {
        guard let link = try await req.zhiben.provincial.link(enterpriseID: req.recordID("enterprise"), actor: req.caller) else {
            throw DomainError.notFound(entity: "provincial link")
        }
        return try .json(ProvincialLinkDTO(link), version: link.version)
    }

    func save(req: Request) async throws -> Response {
        let input = try req.decodeBody(Input.self)
        let draft = ProvincialLinkDraft(qybm: input.qybm.trimmingCharacters(in: .whitespaces), key: input.key,
                                        points: (input.points ?? []).map { ($0.tnm.trimmingCharacters(in: .whitespaces), $0.point.trimmingCharacters(in: .whitespaces)) })
        let link = try await req.zhiben.provincial.configure(enterpriseID: req.recordID("enterprise"), draft, expectedVersion: try ETag.expectedVersion(req),
                                                             actor: req.caller, origin: req.origin)
        return try .json(ProvincialLinkDTO(link), version: link.version, status: link.version == 1 ? .created : .ok)
    }

    func events(req: Request) async throws -> PageDTO<GatewayEventDTO> {
        PageDTO(try await req.zhiben.provincial.events(enterpriseID: req.recordID("enterprise"), page: req.paging(), actor: req.caller), GatewayEventDTO.init)
    }
}
