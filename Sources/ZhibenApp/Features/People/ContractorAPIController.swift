import Foundation
import Vapor
import ZhibenDomain

struct ContractorDTO: Content {
    struct Qualification: Content {
        var name: String
        var number: String
        var validUntil: String
    }
    struct Accident: Content {
        var enterpriseId: UUID
        var enterpriseName: String
        var on: String
        var level: String
        var deaths: Int
        var what: String
    }
    struct Ban: Content {
        /// replaced (at one enterprise) or cityWide.
        var kind: String
        var enterpriseId: UUID?
        var until: String?
        var accidentOn: String
    }

    var id: UUID
    var creditCode: String
    var name: String
    var qualifications: [Qualification]
    var accidents: [Accident]
    /// Bans in force today: city-wide, or at the enterprises where it had a fatal accident.
    var bans: [Ban]
    var version: Int

    init(_ c: Contractor, today: String) {
        id = c.id
        creditCode = c.creditCode
        name = c.name
        qualifications = c.qualifications.map { Qualification(name: $0.name, number: $0.number, validUntil: $0.validUntil) }
        accidents = c.accidents.map { Accident(enterpriseId: $0.fact.enterpriseID, enterpriseName: $0.enterpriseName, on: $0.fact.on, level: $0.fact.level.rawValue,
                                               deaths: $0.fact.deaths, what: $0.what) }
        bans = Set(c.accidents.map(\.fact.enterpriseID)).sorted { $0.uuidString < $1.uuidString }.compactMap { c.ban(at: $0, on: today) }.reduce(into: [Ban]()) { out, ban in
            let b: Ban = switch ban {
            case .cityWide(let until, let a): Ban(kind: "cityWide", enterpriseId: nil, until: until, accidentOn: a.on)
            case .replaced(let a): Ban(kind: "replaced", enterpriseId: a.enterpriseID, until: nil, accidentOn: a.on)
            }
            if !out.contains(where: { $0.kind == b.kind && $0.enterpriseId == b.enterpriseId }) { out.append(b) }
        }
        version = c.version
    }
}

struct AdmissionDTO: Content {
    struct Agreement: Content {
        var scope: String
        var signedOn: String
        var validFrom: String
        var validUntil: String
    }
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var contractorId: UUID
    var contractorName: String
    var admittedOn: String
    var agreement: Agreement?
    var version: Int

    init(_ a: ContractorAdmission) {
        id = a.id
        enterpriseId = a.enterpriseID!
        enterpriseName = a.enterpriseName
        contractorId = a.contractorID
        contractorName = a.contractorName
        admittedOn = a.admittedOn
        agreement = a.agreement.map { Agreement(scope: $0.scope, signedOn: $0.signedOn, validFrom: $0.validFrom, validUntil: $0.validUntil) }
        version = a.version
    }
}

struct JobDTO: Content {
    struct Member: Content {
        var workerId: UUID
        var name: String
        var operations: [String]
    }
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var contractorId: UUID
    var contractorName: String
    var title: String
    var plan: String
    var crew: [Member]
    var supervisor: String
    var startOn: String
    var endOn: String
    var state: String
    var lastStartedOn: String?
    var version: Int

    init(_ j: ContractorJob) {
        id = j.id
        enterpriseId = j.enterpriseID!
        enterpriseName = j.enterpriseName
        countyCode = j.countyCode ?? ""
        contractorId = j.contractorID
        contractorName = j.contractorName
        title = j.title
        plan = j.plan
        crew = j.crew.map { Member(workerId: $0.workerID, name: $0.name, operations: $0.operations) }
        supervisor = j.supervisor
        startOn = j.startOn
        endOn = j.endOn
        state = j.state.rawValue
        lastStartedOn = j.lastStartedOn
        version = j.version
    }
}

struct GateDTO: Content {
    var jobId: UUID
    var day: String
    var clear: Bool
    var refusals: [Problem.RefusalItem]
}

/// The contractor registry, admissions and jobs with the start-of-work gate.
struct ContractorAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.contractors, use: contractors)
        routes.post(APIRoute.contractors, use: createContractor)
        routes.get(APIRoute.contractorExport, use: Self.exportContractors)
        routes.get(APIRoute.contractor, use: contractor)
        routes.patch(APIRoute.contractor, use: updateContractor)
        routes.post(APIRoute.contractorAccidents, use: recordAccident)
        routes.put(APIRoute.contractorAdmission, use: admit)
        routes.get(APIRoute.admissions, use: admissions)
        routes.get(APIRoute.admissionExport, use: exportAdmissions)
        routes.get(APIRoute.jobs, use: jobs)
        routes.post(APIRoute.jobs, use: createJob)
        routes.get(APIRoute.jobExport, use: Self.exportJobs)
        routes.get(APIRoute.job, use: job)
        routes.patch(APIRoute.job, use: updateJob)
        routes.get(APIRoute.jobGate, use: gate)
        routes.post(APIRoute.jobTransitions, use: transition)
    }

    var service: (Request) -> ContractorService { { $0.zhiben.contractors } }

    struct ContractorInput: Content {
        struct Qualification: Content {
            var name: String?
            var number: String?
            var validUntil: String?
        }
        var creditCode: String?
        var name: String?
        var qualifications: [Qualification]?

        var draft: ContractorService.ContractorDraft {
            .init(creditCode: creditCode, name: name,
                  qualifications: qualifications?.map { .init(name: $0.name ?? "", number: $0.number ?? "", validUntil: $0.validUntil ?? "") })
        }
    }

    func contractors(req: Request) async throws -> PageDTO<ContractorDTO> {
        let s = service(req)
        return PageDTO(try await s.contractors(req.contractorQuery(), page: req.paging(), actor: req.caller)) { ContractorDTO($0, today: s.today) }
    }

    /// The registry as CSV (the API's and the page's export).
    static func exportContractors(req: Request) async throws -> Response {
        let s = req.zhiben.contractors
        return .csv(ContractorCSV.contractors(try await s.all(Contractor.self, req.contractorQuery(), actor: req.caller), today: s.today),
                    filename: "contractors.csv", displayName: "承包单位名录.csv")
    }

    func contractor(req: Request) async throws -> Response {
        let s = service(req)
        let c = try await s.contractor(req.recordID("contractor"), actor: req.caller)
        return try .json(ContractorDTO(c, today: s.today), version: c.version)
    }

    func createContractor(req: Request) async throws -> Response {
        let input = try req.decodeBody(ContractorInput.self)
        let s = service(req)
        let c = try await s.createContractor(input.draft, actor: req.caller, origin: req.origin)
        let res = try Response.json(ContractorDTO(c, today: s.today), version: c.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.contractor.path(c.id))
        return res
    }

    func updateContractor(req: Request) async throws -> Response {
        let id = try req.recordID("contractor")
        let input = try req.decodeBody(ContractorInput.self)
        let s = service(req)
        let c = try await s.updateContractor(id, input.draft, expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(ContractorDTO(c, today: s.today), version: c.version)
    }

    struct AccidentInput: Content {
        var enterpriseId: UUID?
        var on: String?
        var level: String?
        var deaths: Int?
        var what: String?
    }

    func recordAccident(req: Request) async throws -> Response {
        let id = try req.recordID("contractor")
        let input = try req.decodeBody(AccidentInput.self)
        let s = service(req)
        let c = try await s.recordAccident(contractorID: id, .init(enterpriseID: input.enterpriseId, on: input.on, level: input.level, deaths: input.deaths, what: input.what),
                                           expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(ContractorDTO(c, today: s.today), version: c.version, status: .created)
    }

    struct AdmissionInput: Content {
        struct Agreement: Content {
            var scope: String?
            var signedOn: String?
            var validFrom: String?
            var validUntil: String?
        }
        var enterpriseId: UUID?
        var agreement: Agreement?
    }

    /// Admits the contractor at the caller's enterprise, or renews its agreement.
    func admit(req: Request) async throws -> Response {
        let id = try req.recordID("contractor")
        let caller = try req.caller
        let input = try req.decodeBody(AdmissionInput.self)
        let a = try await service(req).admit(contractorID: id, enterpriseID: WorkforceAPIController.enterpriseID(input.enterpriseId, caller),
                                             agreement: input.agreement.map { .init(scope: $0.scope ?? "", signedOn: $0.signedOn ?? "", validFrom: $0.validFrom ?? "",
                                                                                   validUntil: $0.validUntil ?? "") },
                                             expectedVersion: ETag.expectedVersion(req), actor: caller, origin: req.origin)
        return try .json(AdmissionDTO(a), version: a.version)
    }

    func admissionQuery(_ req: Request) throws -> RecordQuery {
        RecordQuery(enterpriseID: try req.queryUUID("enterprise"), countyCode: try req.queryCounty(), ref: try req.queryUUID("contractor"),
                    search: req.queryString("q").map { String($0.prefix(100)) })
    }

    func admissions(req: Request) async throws -> PageDTO<AdmissionDTO> {
        PageDTO(try await service(req).admissions(admissionQuery(req), page: req.paging(), actor: req.caller), AdmissionDTO.init)
    }

    func exportAdmissions(req: Request) async throws -> Response {
        let list = try await service(req).all(ContractorAdmission.self, admissionQuery(req), actor: req.caller)
        return .csv(ContractorCSV.admissions(list), filename: "contractor-admissions.csv", displayName: "承包单位台账.csv")
    }


    func jobs(req: Request) async throws -> PageDTO<JobDTO> {
        PageDTO(try await service(req).jobs(req.jobQuery(), page: req.paging(), actor: req.caller), JobDTO.init)
    }

    /// The jobs as CSV (the API's and the page's export).
    static func exportJobs(req: Request) async throws -> Response {
        let list = try await req.zhiben.contractors.all(ContractorJob.self, req.jobQuery(), actor: req.caller)
        return .csv(ContractorCSV.jobs(list), filename: "contractor-jobs.csv", displayName: "承包作业.csv")
    }

    func job(req: Request) async throws -> Response {
        let j = try await service(req).job(req.recordID("job"), actor: req.caller)
        return try .json(JobDTO(j), version: j.version)
    }

    struct JobInput: Content {
        struct Member: Content {
            var workerId: UUID?
            var operations: [String]?
        }
        var enterpriseId: UUID?
        var contractorId: UUID?
        var title: String?
        var plan: String?
        var crew: [Member]?
        var supervisor: String?
        var startOn: String?
        var endOn: String?

        func draft(enterpriseID: UUID?) -> ContractorService.JobDraft {
            .init(enterpriseID: enterpriseID, contractorID: contractorId, title: title, plan: plan,
                  crew: crew?.map { .init(workerID: $0.workerId, operations: $0.operations ?? []) }, supervisor: supervisor, startOn: startOn, endOn: endOn)
        }
    }

    func createJob(req: Request) async throws -> Response {
        let caller = try req.caller
        let input = try req.decodeBody(JobInput.self)
        let j = try await service(req).createJob(input.draft(enterpriseID: try WorkforceAPIController.enterpriseID(input.enterpriseId, caller)), actor: caller,
                                                 origin: req.origin)
        let res = try Response.json(JobDTO(j), version: j.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.job.path(j.id))
        return res
    }

    func updateJob(req: Request) async throws -> Response {
        let id = try req.recordID("job")
        let input = try req.decodeBody(JobInput.self)
        if input.enterpriseId != nil || input.contractorId != nil {
            throw DomainError.validation([FieldIssue(field: input.enterpriseId != nil ? "enterpriseId" : "contractorId", zh: "作业的企业和承包单位不能修改",
                                                     en: "a job's enterprise and contractor cannot change")])
        }
        let j = try await service(req).updateJob(id, input.draft(enterpriseID: nil), expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(JobDTO(j), version: j.version)
    }

    func gate(req: Request) async throws -> GateDTO {
        let s = service(req)
        let (j, reasons) = try await s.gate(req.recordID("job"), actor: req.caller)
        let items = Refusal(gate: reasons).items
        return GateDTO(jobId: j.id, day: s.today, clear: items.isEmpty,
                       refusals: items.map { Problem.RefusalItem(code: $0.code, reason: $0.en, reasonZh: $0.zh, subject: $0.subject, day: $0.day) })
    }

    struct TransitionInput: Content {
        var action: String?
        var version: Int?
    }

    func transition(req: Request) async throws -> Response {
        let id = try req.recordID("job")
        let input = try req.decodeBody(TransitionInput.self)
        let expected = try ETag.bodyVersion(input.version) ?? ETag.expectedVersion(req)
        let j = try await service(req).transition(id, action: input.action ?? "", expectedVersion: expected, actor: req.caller, origin: req.origin)
        return try .json(JobDTO(j), version: j.version)
    }
}

extension Request {
    func contractorQuery() throws -> RecordQuery {
        var q = RecordQuery(search: queryString("q").map { String($0.prefix(100)) })
        if try queryFlag("fatal") { q.tags = ["fatal"] }
        return q
    }

    func jobQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), ref: try queryUUID("contractor"),
                            search: queryString("q").map { String($0.prefix(100)) }, descending: true)
        if let s = try queryEnum("state", ContractorJob.State.self) { q.tags = [s.rawValue] }
        return q
    }
}

enum ContractorCSV {
    static func contractors(_ list: [Contractor], today: String) -> Data {
        CSV.document(header: ["统一社会信用代码", "名称", "资质", "事故", "禁入"], rows: list.map { c in
            let bans = Set(c.accidents.map(\.fact.enterpriseID)).compactMap { c.ban(at: $0, on: today) }
            let city = bans.compactMap { if case .cityWide(let until, _) = $0 { "全市禁入至\(until)" } else { nil } }.first
            return [c.creditCode, c.name, c.qualifications.map { "\($0.name) \($0.number) 至\($0.validUntil)" }.joined(separator: "；"),
                    c.accidents.map { "\($0.fact.on) \($0.enterpriseName) \($0.fact.level.zh) 死亡\($0.fact.deaths)人" }.joined(separator: "；"),
                    city ?? (bans.isEmpty ? "" : "在发生死亡事故的企业应予更换")]
        })
    }

    static func admissions(_ list: [ContractorAdmission]) -> Data {
        CSV.document(header: ["企业", "承包单位", "准入日期", "协议范围", "签订日期", "协议有效期起", "协议有效期止"], rows: list.map { a in
            [a.enterpriseName, a.contractorName, a.admittedOn, a.agreement?.scope ?? "", a.agreement?.signedOn ?? "", a.agreement?.validFrom ?? "", a.agreement?.validUntil ?? ""]
        })
    }

    static func jobs(_ list: [ContractorJob]) -> Data {
        CSV.document(header: ["企业", "承包单位", "作业", "开工日期", "完工日期", "现场监护人", "作业人员", "状态", "最近开工日"], rows: list.map { j in
            [j.enterpriseName, j.contractorName, j.title, j.startOn, j.endOn, j.supervisor, j.crew.map(\.name).joined(separator: "、"), j.state.zh, j.lastStartedOn ?? ""]
        })
    }
}
