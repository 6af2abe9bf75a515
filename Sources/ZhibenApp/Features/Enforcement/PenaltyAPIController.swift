import Foundation
import Vapor
import ZhibenDomain

struct PenaltyDTO: Content {
    var id: UUID
    var inspectionId: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var caseNo: String
    var legalBasis: String
    var enterpriseFine: Int
    var principalName: String
    var principalFine: Int
    var decidedOn: String
    var hazardIds: [UUID]
    var createdBy: String
    var createdAt: Date

    init(_ p: Penalty) {
        id = p.id
        inspectionId = p.inspectionID
        enterpriseId = p.enterpriseID
        enterpriseName = p.enterpriseName
        caseNo = p.caseNo
        legalBasis = p.legalBasis
        enterpriseFine = p.enterpriseFine
        principalName = p.principalName
        principalFine = p.principalFine
        decidedOn = p.decidedOn
        hazardIds = p.hazardIDs
        createdBy = p.createdBy
        createdAt = p.createdAt
    }
}

struct ExamDTO: Content {
    var id: UUID
    var inspectionId: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var workerName: String
    var job: String
    var score: Int
    var examinedOn: String
    var state: String
    var retrainedOn: String?
    var reexamScore: Int?
    var reexamOn: String?

    init(_ e: WorkerExam) {
        id = e.id
        inspectionId = e.inspectionID
        enterpriseId = e.enterpriseID
        enterpriseName = e.enterpriseName
        workerName = e.workerName
        job = e.job
        score = e.score
        examinedOn = e.examinedOn
        state = e.state.rawValue
        retrainedOn = e.retrainedOn
        reexamScore = e.reexamScore
        reexamOn = e.reexamOn
    }
}

/// 一案双罚 and 逢查必考 under an inspection.
struct PenaltyAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.inspectionPenalties, use: penalties)
        routes.post(APIRoute.inspectionPenalties, use: record)
        routes.get(APIRoute.inspectionExams, use: inspectionExams)
        routes.post(APIRoute.inspectionExams, use: recordExams)
        routes.get(APIRoute.exams, use: exams)
        routes.post(APIRoute.examReexam, use: reexam)
    }

    func penalties(req: Request) async throws -> [PenaltyDTO] {
        try await req.zhiben.penalties.penalties(inspectionID: req.recordID("inspection"), actor: req.caller).map(PenaltyDTO.init)
    }

    struct PenaltyInput: Content {
        var caseNo: String?
        var legalBasis: String?
        var enterpriseFine: Int?
        var principalName: String?
        var principalFine: Int?
        var decidedOn: String?
        var hazardIds: [UUID]?
    }

    func record(req: Request) async throws -> Response {
        let input = try req.decodeBody(PenaltyInput.self)
        let p = try await req.zhiben.penalties.record(
            PenaltyService.PenaltyDraft(caseNo: input.caseNo ?? "", legalBasis: input.legalBasis ?? "", enterpriseFine: input.enterpriseFine,
                                        principalName: input.principalName ?? "", principalFine: input.principalFine, decidedOn: input.decidedOn ?? "",
                                        hazardIDs: input.hazardIds ?? []),
            inspectionID: req.recordID("inspection"), actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(PenaltyDTO(p))
        return res
    }

    func inspectionExams(req: Request) async throws -> [ExamDTO] {
        let id = try req.recordID("inspection")
        _ = try await req.zhiben.inspections.get(id, actor: req.caller)
        return try await req.zhiben.penalties.exams(inspectionID: id, enterpriseID: nil, outstandingOnly: false, actor: req.caller).map(ExamDTO.init)
    }

    struct ExamsInput: Content {
        struct Worker: Content {
            var workerName: String?
            var job: String?
            var score: Int?
        }
        var workers: [Worker]?
    }

    func recordExams(req: Request) async throws -> Response {
        let input = try req.decodeBody(ExamsInput.self)
        let list = try await req.zhiben.penalties.recordExams((input.workers ?? []).map { PenaltyService.ExamDraft(workerName: $0.workerName ?? "", job: $0.job ?? "", score: $0.score) },
                                                              inspectionID: req.recordID("inspection"), actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(list.map(ExamDTO.init))
        return res
    }

    func exams(req: Request) async throws -> [ExamDTO] {
        try await req.zhiben.penalties.exams(inspectionID: nil, enterpriseID: try req.queryUUID("enterprise"),
                                             outstandingOnly: try req.queryFlag("outstanding"), actor: req.caller).map(ExamDTO.init)
    }

    struct ReexamInput: Content {
        var retrainedOn: String?
        var score: Int?
    }

    func reexam(req: Request) async throws -> ExamDTO {
        let input = try req.decodeBody(ReexamInput.self)
        return ExamDTO(try await req.zhiben.penalties.reexam(req.recordID("exam"), retrainedOn: input.retrainedOn ?? "", score: input.score,
                                                             actor: req.caller, origin: req.origin))
    }
}
