import Foundation
import Vapor
import ZhibenDomain

struct TrainingDTO: Content {
    struct Attendee: Content {
        var enterpriseId: UUID
        var enterpriseName: String
        var countyCode: String
        var name: String
        var role: String
    }
    var id: UUID
    var organiser: String
    var countyCode: String?
    var enterpriseId: UUID?
    var title: String
    var topic: String?
    var on: String
    var attendees: [Attendee]
    var version: Int

    init(_ t: Training) {
        id = t.id
        organiser = t.organiser.rawValue
        countyCode = t.countyCode
        enterpriseId = t.enterpriseID
        title = t.title
        topic = t.topic?.rawValue
        on = t.on
        attendees = t.attendees.map { Attendee(enterpriseId: $0.enterpriseID, enterpriseName: $0.enterpriseName, countyCode: $0.countyCode, name: $0.name, role: $0.role.rawValue) }
        version = t.version
    }
}

struct CoverageDTO: Content {
    struct Missing: Content {
        var enterpriseId: UUID
        var name: String
    }
    var topic: String
    var year: Int
    var countyCode: String?
    var required: Int
    var trained: Int
    var untrained: [Missing]

    init(_ r: CoverageRow) {
        topic = r.topic.rawValue
        year = r.year
        countyCode = r.countyCode
        required = r.required
        trained = r.trained
        untrained = r.untrained.map { Missing(enterpriseId: $0.id, name: $0.name) }
    }
}

struct ManagerExamDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var name: String
    var role: String
    var on: String
    var passed: Bool
    var version: Int

    init(_ x: ManagerExam) {
        id = x.id
        enterpriseId = x.enterpriseID!
        enterpriseName = x.enterpriseName
        name = x.name
        role = x.role.rawValue
        on = x.on
        passed = x.passed
        version = x.version
    }
}

struct DrillDTO: Content {
    var id: UUID
    var enterpriseId: UUID?
    var enterpriseName: String
    var countyCode: String
    var kind: String
    var on: String
    var scenario: String
    var participants: Int
    var evaluation: String
    var version: Int

    init(_ d: Drill) {
        id = d.id
        enterpriseId = d.enterpriseID
        enterpriseName = d.enterpriseName
        countyCode = d.countyCode ?? ""
        kind = d.kind.rawValue
        on = d.on
        scenario = d.scenario
        participants = d.participants
        evaluation = d.evaluation
        version = d.version
    }
}

struct DrillStandingDTO: Content {
    struct Row: Content {
        var enterpriseId: UUID
        var name: String
        var countyCode: String
        var intervalMonths: Int
        var lastDrill: String?
        var dueBy: String?
        var overdue: Bool
    }
    var enterprises: [Row]
    /// Counties without an observation drill this year.
    var countiesWithoutObservationDrill: [String]
}

/// Trainings and coverage, managers' exams, drills.
struct TrainingAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.trainings, use: trainings)
        routes.post(APIRoute.trainings, use: recordTraining)
        routes.get(APIRoute.trainingCoverage, use: coverage)
        routes.get(APIRoute.managerExams, use: exams)
        routes.post(APIRoute.managerExams, use: recordExam)
        routes.get(APIRoute.unexaminedPrincipals, use: unexamined)
        routes.get(APIRoute.drills, use: drills)
        routes.post(APIRoute.drills, use: recordDrill)
        routes.get(APIRoute.drillStanding, use: standing)
    }

    func trainings(req: Request) async throws -> PageDTO<TrainingDTO> {
        var q = RecordQuery(search: req.queryString("q").map { String($0.prefix(100)) }, descending: true)
        if let t = try req.queryEnum("topic", SpecialRisk.self) { q.tags = [t.rawValue] }
        return PageDTO(try await req.zhiben.trainings.trainings(q, page: req.paging(), actor: req.caller), TrainingDTO.init)
    }

    struct TrainingInput: Content {
        struct Attendee: Content {
            var enterpriseId: UUID?
            var name: String?
            var role: String?
        }
        var title: String?
        var topic: String?
        var on: String?
        var attendees: [Attendee]?
    }

    func recordTraining(req: Request) async throws -> Response {
        let input = try req.decodeBody(TrainingInput.self)
        let t = try await req.zhiben.trainings.recordTraining(.init(title: input.title, topic: input.topic, on: input.on,
                                                                    attendees: (input.attendees ?? []).map { .init(enterpriseID: $0.enterpriseId, name: $0.name, role: $0.role) }),
                                                              actor: req.caller, origin: req.origin)
        return try .json(TrainingDTO(t), version: t.version, status: .created)
    }

    func coverage(req: Request) async throws -> [CoverageDTO] {
        try await req.zhiben.trainings.coverage(countyCode: req.queryCounty(), actor: req.caller).map(CoverageDTO.init)
    }

    func exams(req: Request) async throws -> PageDTO<ManagerExamDTO> {
        var q = RecordQuery(enterpriseID: try req.queryUUID("enterprise"), countyCode: try req.queryCounty(), descending: true)
        if let p = try req.queryChoice("passed", allowed: ["true", "false"], { $0 == "true" ? "passed" : $0 == "false" ? "failed" : nil }) { q.tags = [p] }
        return PageDTO(try await req.zhiben.trainings.exams(q, page: req.paging(), actor: req.caller), ManagerExamDTO.init)
    }

    struct ExamInput: Content {
        var enterpriseId: UUID?
        var name: String?
        var role: String?
        var on: String?
        var passed: Bool?
    }

    func recordExam(req: Request) async throws -> Response {
        let input = try req.decodeBody(ExamInput.self)
        let x = try await req.zhiben.trainings.recordExam(enterpriseID: input.enterpriseId, name: input.name, role: input.role, on: input.on, passed: input.passed,
                                                          actor: req.caller, origin: req.origin)
        return try .json(ManagerExamDTO(x), version: x.version, status: .created)
    }

    struct UnexaminedDTO: Content {
        var enterpriseId: UUID
        var name: String
        var countyCode: String
        var principal: String
        var criterion: String
    }

    func unexamined(req: Request) async throws -> [UnexaminedDTO] {
        try await req.zhiben.trainings.unexaminedPrincipals(countyCode: req.queryCounty(), actor: req.caller).map {
            UnexaminedDTO(enterpriseId: $0.id, name: $0.profile.name, countyCode: $0.profile.countyCode, principal: $0.profile.principal.name,
                          criterion: TrainingService.unexaminedPrincipalCriterion)
        }
    }

    func drills(req: Request) async throws -> PageDTO<DrillDTO> {
        var q = RecordQuery(enterpriseID: try req.queryUUID("enterprise"), countyCode: try req.queryCounty(), descending: true)
        if let k = try req.queryEnum("kind", Drill.Kind.self) { q.tags = [k.rawValue] }
        return PageDTO(try await req.zhiben.trainings.drills(q, page: req.paging(), actor: req.caller), DrillDTO.init)
    }

    struct DrillInput: Content {
        var enterpriseId: UUID?
        var kind: String?
        var on: String?
        var scenario: String?
        var participants: Int?
        var evaluation: String?
    }

    func recordDrill(req: Request) async throws -> Response {
        let input = try req.decodeBody(DrillInput.self)
        let d = try await req.zhiben.trainings.recordDrill(enterpriseID: input.enterpriseId, kind: input.kind, on: input.on, scenario: input.scenario,
                                                           participants: input.participants, evaluation: input.evaluation, actor: req.caller, origin: req.origin)
        return try .json(DrillDTO(d), version: d.version, status: .created)
    }

    func standing(req: Request) async throws -> DrillStandingDTO {
        let s = req.zhiben.trainings
        let county = try req.queryCounty()
        let overdueOnly = try req.queryFlag("overdue")
        let rows = try await s.drillStandings(countyCode: county, actor: req.caller).filter { !overdueOnly || $0.due.overdue }
        return DrillStandingDTO(enterprises: rows.map { .init(enterpriseId: $0.enterpriseID, name: $0.name, countyCode: $0.countyCode, intervalMonths: $0.intervalMonths,
                                                              lastDrill: $0.lastDrill, dueBy: $0.due.by, overdue: $0.due.overdue) },
                                countiesWithoutObservationDrill: try await s.countiesWithoutObservationDrill(actor: req.caller))
    }
}
