import Foundation
import Vapor
import ZhibenDomain

/// `POST /api/v1/telemetry`: a gateway's batch of readings, with its enterprise's API key.
struct TelemetryAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(APIRoute.telemetry, body: .collect(maxSize: nil), use: ingest)
    }

    /// Each reading is read leniently, so that one bad reading is named by its index instead of failing
    /// the request.
    struct ReadingInput: Decodable {
        var value: RawReading

        enum Keys: String, CodingKey { case point, ts, value }

        init(from decoder: any Decoder) throws {
            guard let c = try? decoder.container(keyedBy: Keys.self) else {
                value = RawReading(point: nil, ts: nil, value: nil)
                return
            }
            let number = try? c.decodeIfPresent(Double.self, forKey: .value)
            let text = number == nil ? try? c.decodeIfPresent(String.self, forKey: .value) : nil
            value = RawReading(point: try? c.decodeIfPresent(String.self, forKey: .point), ts: try? c.decodeIfPresent(String.self, forKey: .ts),
                               value: number.map(RawReading.Value.number) ?? text.map(RawReading.Value.text))
        }
    }

    struct Input: Decodable {
        var readings: [ReadingInput]?
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
        let input: Input
        do {
            input = try JSONDecoder().decode(Input.self, from: body)
        } catch {
            throw Abort(.badRequest, reason: "the body is not JSON of the form {\"readings\": [{\"point\", \"ts\", \"value\"}, …]}")
        }
        guard let readings = input.readings else {
            throw DomainError.validation([FieldIssue(field: "readings", zh: "缺少 readings 数组", en: "readings (an array) is required")])
        }
        let result = try await req.zhiben.telemetry.ingest(readings.map(\.value), actor: caller)
        return ResultDTO(accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejections.count,
                         rejections: result.rejections.map { RejectionDTO(index: $0.index, reason: $0.en, reasonZh: $0.zh) })
    }
}
