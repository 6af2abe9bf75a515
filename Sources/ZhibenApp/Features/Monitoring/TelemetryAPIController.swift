import Foundation
import Vapor
import ZhibenDomain

/// `POST /api/v1/telemetry`: a gateway's batch of readings, with its enterprise's API key.
struct TelemetryAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(APIRoute.telemetry, body: .collect(maxSize: nil), use: ingest)
    }

    struct RejectionDTO: Content {
        var index: Int
        var reason: String
        var reasonZh: String
    }

    struct ResultDTO: Content {
        var accepted: Int
        var duplicates: Int
        var rejected: Int
        var rejections: [RejectionDTO]
    }

    func ingest(req: Request) async throws -> ResultDTO {
        let caller = try req.caller
        try caller.require(.telemetryWrite)
        guard let body = req.body.data else { throw Abort(.badRequest, reason: "send {\"readings\": [...]}") }
        let readings: [RawReading]
        do {
            readings = try body.withUnsafeReadableBytes { raw throws(TelemetryBody.Failure) in try TelemetryBody.parse(raw) }
        } catch .missingReadings {
            throw DomainError.validation([FieldIssue(field: "readings", zh: "缺少 readings 数组", en: "readings (an array) is required")])
        } catch {
            throw Abort(.badRequest, reason: "the body is not JSON of the form {\"readings\": [{\"point\", \"ts\", \"value\"}, …]}")
        }
        let result = try await req.zhiben.telemetry.ingest(readings, actor: caller)
        return ResultDTO(accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejections.count,
                         rejections: result.rejections.map { RejectionDTO(index: $0.index, reason: $0.en, reasonZh: $0.zh) })
    }
}
