import Foundation
import Vapor
import ZhibenDomain

struct SelfInspectionDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var countyCode: String
    var ledBy: String
    var principalLed: Bool
    var conductedAt: String
    var checkedItems: [String]
    var hazardIds: [UUID]
    var notes: String
    var recordedBy: String

    init(_ s: SelfInspection) {
        id = s.id
        enterpriseId = s.enterpriseID
        countyCode = s.countyCode
        ledBy = s.ledBy
        principalLed = s.principalLed
        conductedAt = ISOTime.string(s.conductedAt)
        checkedItems = s.checkedItems
        hazardIds = s.hazardIDs
        notes = s.notes
        recordedBy = s.recordedBy
    }
}

struct StandingDTO: Content {
    struct PeriodDTO: Content {
        var label: String
        var start: String
        var end: String
        var checks: Int
        var missed: Bool
        var current: Bool
    }

    var enterpriseId: UUID
    var cadence: String
    var missed: Int
    var lastCheck: String?
    var periods: [PeriodDTO]

    init(_ s: SelfInspectionStanding) {
        enterpriseId = s.enterprise.id
        cadence = s.cadence.rawValue
        missed = s.missed
        lastCheck = s.lastCheck.map(ISOTime.string)
        periods = s.periods.map { PeriodDTO(label: $0.label, start: ISOTime.string($0.start), end: ISOTime.string($0.end), checks: $0.checks, missed: $0.missed, current: $0.current) }
    }
}

struct InternalReportDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var text: String
    var reporter: String?
    var anonymous: Bool
    var receivedAt: String
    var status: String
    var reward: Decimal?
    var hazardId: UUID?
    var decidedBy: String?
    var decidedAt: String?

    init(_ r: InternalReport) {
        id = r.id
        enterpriseId = r.enterpriseID
        text = r.text
        reporter = r.reporter
        anonymous = r.reporter == nil
        receivedAt = ISOTime.string(r.receivedAt)
        status = r.status.rawValue
        reward = r.reward
        hazardId = r.hazardID
        decidedBy = r.decidedBy
        decidedAt = r.decidedAt.map(ISOTime.string)
    }
}

struct SelfInspectionAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.selfInspections, use: list)
        routes.post(APIRoute.selfInspections, use: record)
        routes.get(APIRoute.enterpriseSelfInspectionStanding, use: standing)
        routes.get(APIRoute.internalReports, use: reports)
        routes.post(APIRoute.internalReports, use: receive)
        routes.post(APIRoute.internalReportDecision, use: decide)
    }

    func list(req: Request) async throws -> PageDTO<SelfInspectionDTO> {
        let enterprise = try req.queryUUID("enterprise")
        return PageDTO(try await req.zhiben.selfInspections.list(enterpriseID: enterprise, page: req.paging(), actor: req.caller), SelfInspectionDTO.init)
    }

    struct RecordInput: Content {
        var enterpriseId: UUID?
        var ledBy: String
        var principalLed: Bool
        var conductedAt: String?
        var checkedItems: [String]
        var hazardIds: [UUID]?
        var notes: String?
    }

    func record(req: Request) async throws -> Response {
        let input = try req.decodeBody(RecordInput.self)
        let draft = SelfInspectionService.Draft(enterpriseID: input.enterpriseId, ledBy: input.ledBy, principalLed: input.principalLed,
                                                conductedAt: try APIDate.parse(input.conductedAt, field: "conductedAt"),
                                                checkedItems: input.checkedItems, hazardIDs: input.hazardIds ?? [], notes: input.notes ?? "")
        let s = try await req.zhiben.selfInspections.record(draft, actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(SelfInspectionDTO(s))
        return res
    }

    func standing(req: Request) async throws -> StandingDTO {
        StandingDTO(try await req.zhiben.selfInspections.standing(enterpriseID: req.recordID("enterprise"), actor: req.caller))
    }

    func reports(req: Request) async throws -> PageDTO<InternalReportDTO> {
        let enterprise = try req.queryUUID("enterprise")
        return PageDTO(try await req.zhiben.selfInspections.reports(enterpriseID: enterprise, page: req.paging(), actor: req.caller), InternalReportDTO.init)
    }

    struct ReportInput: Content {
        var enterpriseId: UUID?
        var text: String
        var reporter: String?
        var receivedAt: String?
    }

    func receive(req: Request) async throws -> Response {
        let input = try req.decodeBody(ReportInput.self)
        let r = try await req.zhiben.selfInspections.receiveReport(text: input.text, reporter: input.reporter,
                                                                   receivedAt: try APIDate.parse(input.receivedAt, field: "receivedAt"),
                                                                   enterpriseID: input.enterpriseId, actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(InternalReportDTO(r))
        return res
    }

    struct DecisionInput: Decodable {
        var confirmed: Bool
        var reward: YuanAmount?
        var hazardId: UUID?
    }

    func decide(req: Request) async throws -> InternalReportDTO {
        let input = try req.decodeBody(DecisionInput.self)
        return InternalReportDTO(try await req.zhiben.selfInspections.decideReport(req.recordID("internal report"), confirmed: input.confirmed,
                                                                                  reward: input.reward?.value, hazardID: input.hazardId,
                                                                                  actor: req.caller, origin: req.origin))
    }
}
