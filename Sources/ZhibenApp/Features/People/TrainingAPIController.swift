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
    /// The photos' ids: `GET /drills/{id}/photos/{photoId}`.
    var photos: [UUID]
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
        photos = d.photoIDs
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
        routes.get(APIRoute.trainingExport, use: Self.exportTrainings)
        routes.get(APIRoute.managerExamExport, use: Self.exportExams)
        routes.get(APIRoute.drillExport, use: Self.exportDrills)
        routes.get(APIRoute.drill, use: drill)
        routes.post(APIRoute.drillPhotos, body: .collect(maxSize: nil), use: uploadDrillPhoto)
        routes.get(APIRoute.drillPhoto, use: Self.drillPhoto)
        routes.post(APIRoute.drills, use: recordDrill)
        routes.get(APIRoute.drillStanding, use: standing)
    }

    func trainings(req: Request) async throws -> PageDTO<TrainingDTO> {
        PageDTO(try await req.zhiben.trainings.trainings(req.trainingQuery(), page: req.paging(), actor: req.caller), TrainingDTO.init)
    }

    /// The training calendar as CSV (the API's and the page's export).
    static func exportTrainings(req: Request) async throws -> Response {
        .csv(TrainingCSV.trainings(try await req.zhiben.contractors.all(Training.self, req.trainingQuery(), actor: req.caller)),
             filename: "trainings.csv", displayName: "培训记录.csv")
    }

    static func exportExams(req: Request) async throws -> Response {
        .csv(TrainingCSV.exams(try await req.zhiben.contractors.all(ManagerExam.self, req.examQuery(), actor: req.caller)),
             filename: "manager-exams.csv", displayName: "考核记录.csv")
    }

    static func exportDrills(req: Request) async throws -> Response {
        .csv(TrainingCSV.drills(try await req.zhiben.contractors.all(Drill.self, req.drillQuery(), actor: req.caller)),
             filename: "drills.csv", displayName: "应急演练.csv")
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
        PageDTO(try await req.zhiben.trainings.exams(req.examQuery(), page: req.paging(), actor: req.caller), ManagerExamDTO.init)
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
        PageDTO(try await req.zhiben.trainings.drills(req.drillQuery(), page: req.paging(), actor: req.caller), DrillDTO.init)
    }

    func drill(req: Request) async throws -> Response {
        let d = try await req.zhiben.trainings.drill(req.recordID("drill"), actor: req.caller)
        return try .json(DrillDTO(d), version: d.version)
    }

    /// The image itself as the body (JPEG, PNG or WebP).
    func uploadDrillPhoto(req: Request) async throws -> Response {
        let id = try req.recordID("drill")
        let p = try await req.zhiben.trainings.addDrillPhoto(id, data: try PhotoResponse.uploadedImage(req), actor: req.caller, origin: req.origin)
        let res = try await PhotoDTO(p, drillID: id).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.drillPhoto.path(id, p.id))
        return res
    }

    /// `…/drills/{id}/photos/{photoId}`, for the API and the pages alike.
    static func drillPhoto(req: Request) async throws -> Response {
        guard let photoID = req.parameters.get("photoId", as: UUID.self) else { throw DomainError.notFound(entity: "photo") }
        let (p, data) = try await req.zhiben.trainings.drillPhoto(try req.recordID("drill"), photoID: photoID, actor: req.caller)
        return PhotoResponse.make(contentType: p.contentType, sha256: p.sha256, data: data)
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

extension Request {
    /// Days `from` and `to` (inclusive) on the records' day.
    func dayRange(_ q: inout RecordQuery) throws {
        if let from = try queryDate("from") { q.from = ChinaTime.day(from) }
        if let to = try queryDate("to") { q.to = ChinaTime.day(to) }
    }

    func trainingQuery() throws -> RecordQuery {
        var q = RecordQuery(search: queryString("q").map { String($0.prefix(100)) }, descending: true)
        if let t = try queryEnum("topic", SpecialRisk.self) { q.tags = [t.rawValue] }
        try dayRange(&q)
        return q
    }

    func examQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), descending: true)
        if let p = try queryChoice("passed", allowed: ["true", "false"], { $0 == "true" ? "passed" : $0 == "false" ? "failed" : nil }) { q.tags = [p] }
        try dayRange(&q)
        return q
    }

    func drillQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), descending: true)
        if let k = try queryEnum("kind", Drill.Kind.self) { q.tags = [k.rawValue] }
        try dayRange(&q)
        return q
    }
}

enum TrainingCSV {
    static func trainings(_ list: [Training]) -> Data {
        CSV.document(header: ["日期", "名称", "组织单位", "专题", "参训人数", "参训人员"], rows: list.map { t in
            [t.on, t.title, t.organiser.zh, t.topic?.zh ?? "综合", String(t.attendees.count),
             t.attendees.prefix(200).map { "\($0.enterpriseName) \($0.name)" }.joined(separator: "；") + (t.attendees.count > 200 ? "…" : "")]
        })
    }

    static func exams(_ list: [ManagerExam]) -> Data {
        CSV.document(header: ["日期", "企业", "姓名", "身份", "结果"], rows: list.map { x in
            [x.on, x.enterpriseName, x.name, x.role.zh, x.passed ? "合格" : "不合格"]
        })
    }

    static func drills(_ list: [Drill]) -> Data {
        CSV.document(header: ["日期", "企业或县", "类别", "情景", "参演人数", "评估", "照片"], rows: list.map { d in
            [d.on, d.enterpriseName, d.kind.zh, d.scenario, String(d.participants), d.evaluation, String(d.photoIDs.count)]
        })
    }
}
