import Foundation
import Vapor
import ZhibenDomain

/// Workers and certificates, staffing, 三违 and the off-duty ledger.
struct WorkforceAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.workers, use: workers)
        routes.post(APIRoute.workers, use: createWorker)
        routes.get(APIRoute.workerExport, use: exportWorkers)
        routes.post(APIRoute.workerImport, body: .collect(maxSize: "10mb"), use: importCertificates)
        routes.get(APIRoute.worker, use: worker)
        routes.patch(APIRoute.worker, use: updateWorker)
        routes.post(APIRoute.workerCertificates, use: addCertificate)
        routes.patch(APIRoute.workerCertificate, use: updateCertificate)
        routes.delete(APIRoute.workerCertificate, use: removeCertificate)
        routes.get(APIRoute.certificates, use: certificates)
        routes.get(APIRoute.certificateExport, use: exportCertificates)
        routes.get(APIRoute.staffing, use: staffingOverview)
        routes.get(APIRoute.enterpriseStaffing, use: staffing)
        routes.put(APIRoute.enterpriseStaffing, use: setStaffing)
        routes.get(APIRoute.violations, use: violations)
        routes.post(APIRoute.violations, use: recordViolation)
        routes.get(APIRoute.violationExport, use: exportViolations)
        routes.get(APIRoute.violation, use: violation)
        routes.post(APIRoute.violationTransitions, use: transition)
        routes.get(APIRoute.offDuty, use: offDuty)
    }

    var service: (Request) -> WorkforceService { { $0.zhiben.workforce } }

    // MARK: workers

    func workers(req: Request) async throws -> PageDTO<WorkerDTO> {
        let s = service(req)
        return PageDTO(try await s.workers(req.workerQuery(), page: req.paging(), actor: req.caller)) { WorkerDTO($0, today: s.today) }
    }

    func exportWorkers(req: Request) async throws -> Response {
        let s = service(req)
        return .csv(WorkforceCSV.workers(try await s.allWorkers(req.workerQuery(), actor: req.caller), today: s.today), filename: "workers.csv",
                    displayName: "人员名册.csv")
    }

    /// The record opened: the whole ID number, and the reading audited.
    func worker(req: Request) async throws -> Response {
        let s = service(req)
        let w = try await s.worker(req.recordID("worker"), reveal: true, actor: req.caller, origin: req.origin)
        return try .json(WorkerDTO(w, today: s.today, masked: false), version: w.version)
    }

    struct WorkerInput: Content {
        var enterpriseId: UUID?
        var name: String?
        var idNumber: String?
        var job: String?
        var kind: String?
        var contractorName: String?
        var onDuty: Bool?
        var offDutyReason: String?
        var inductionOn: String?

        var draft: WorkerDraft {
            WorkerDraft(name: name, idNumber: idNumber, job: job, kind: kind, contractorName: contractorName, onDuty: onDuty,
                        offDutyReason: offDutyReason, inductionOn: inductionOn)
        }
    }

    /// The enterprise a write is for: its own for an enterprise user, else the one named.
    static func enterpriseID(_ named: UUID?, _ caller: Caller) throws -> UUID {
        if case .enterprise(let id) = caller.scope { return id }
        guard let named else { throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请选择企业", en: "enterpriseId is required")]) }
        return named
    }

    func createWorker(req: Request) async throws -> Response {
        let caller = try req.caller
        let input = try req.decodeBody(WorkerInput.self)
        let s = service(req)
        let w = try await s.createWorker(input.draft, enterpriseID: Self.enterpriseID(input.enterpriseId, caller), actor: caller, origin: req.origin)
        let res = try Response.json(WorkerDTO(w, today: s.today, masked: false), version: w.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.worker.path(w.id))
        return res
    }

    func updateWorker(req: Request) async throws -> Response {
        let id = try req.recordID("worker")
        let input = try req.decodeBody(WorkerInput.self)
        if input.enterpriseId != nil {
            throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "人员所属企业不能修改", en: "a worker's enterprise cannot change")])
        }
        let s = service(req)
        let w = try await s.updateWorker(id, input.draft, expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(WorkerDTO(w, today: s.today, masked: false), version: w.version)
    }

    struct CertificateInput: Content {
        var operation: String?
        var number: String?
        var issuer: String?
        var validFrom: String?
        var validUntil: String?
        var lastReviewedOn: String?
        var compliantSince: String?

        func draft(over c: OperatorCertificate? = nil) -> CertificateDraft {
            CertificateDraft(operation: operation ?? c?.operation, number: number ?? c?.number, issuer: issuer ?? c?.issuer,
                             validFrom: validFrom ?? c?.validFrom, validUntil: validUntil ?? c?.validUntil,
                             lastReviewedOn: lastReviewedOn ?? c?.lastReviewedOn, compliantSince: compliantSince ?? c?.compliantSince)
        }
    }

    func addCertificate(req: Request) async throws -> Response {
        let id = try req.recordID("worker")
        let input = try req.decodeBody(CertificateInput.self)
        let s = service(req)
        let (w, c) = try await s.saveCertificate(workerID: id, certificateID: nil, input.draft(), expectedVersion: ETag.expectedVersion(req),
                                                 actor: req.caller, origin: req.origin)
        let res = try Response.json(CertificateDTO(c, today: s.today), version: w.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.workerCertificate.path(w.id, c.id))
        return res
    }

    func updateCertificate(req: Request) async throws -> Response {
        let workerID = try req.recordID("worker")
        let certID = try req.certificateID()
        let input = try req.decodeBody(CertificateInput.self)
        let s = service(req)
        let current = try await s.worker(workerID, reveal: false, actor: req.caller).certificates.first { $0.id == certID }
        guard let current else { throw DomainError.notFound(entity: "certificate") }
        let (w, c) = try await s.saveCertificate(workerID: workerID, certificateID: certID, input.draft(over: current),
                                                 expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(CertificateDTO(c, today: s.today), version: w.version)
    }

    func removeCertificate(req: Request) async throws -> Response {
        let w = try await service(req).removeCertificate(workerID: req.recordID("worker"), certificateID: req.certificateID(),
                                                         expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        let res = Response(status: .noContent)
        res.headers.replaceOrAdd(name: .eTag, value: ETag.string(w.version))
        return res
    }

    func certificates(req: Request) async throws -> PageDTO<CertificateLineDTO> {
        let s = service(req)
        let (op, filter) = try req.certificateFilter()
        let all = try await s.certificates(req.workerQuery(), operation: op, filter: filter, actor: req.caller)
        let page = try req.paging()
        let slice = Array(all.dropFirst(page.offset).prefix(page.per))
        return PageDTO(Paged(items: slice, page: page.page, per: page.per, total: all.count)) { CertificateLineDTO($0, today: s.today) }
    }

    func exportCertificates(req: Request) async throws -> Response {
        let s = service(req)
        let (op, filter) = try req.certificateFilter()
        return .csv(WorkforceCSV.certificates(try await s.certificates(req.workerQuery(), operation: op, filter: filter, actor: req.caller), today: s.today),
                    filename: "certificates.csv", displayName: "特种作业操作证.csv")
    }

    struct ImportLineDTO: Content {
        var line: Int
        var name: String
        var idNumber: String
        var operation: String
        var number: String
        var outcome: String
        var errors: [Problem.FieldError]
    }

    struct ImportResultDTO: Content {
        var rows: Int
        var newWorkers: Int
        var newCertificates: Int
        var changed: Int
        var unchanged: Int
        var invalid: Int
        var committed: Bool
        var encoding: String?
        var fileErrors: [Problem.FieldError]
        var items: [ImportLineDTO]

        init(_ r: CertificateImportReport) {
            func errors(_ list: [FieldIssue]) -> [Problem.FieldError] { list.map { Problem.FieldError(field: $0.field, reason: $0.reasonEn, reasonZh: $0.reasonZh) } }
            rows = r.lines.count
            newWorkers = r.count(.newWorker)
            newCertificates = r.count(.newCertificate)
            changed = r.count(.changed)
            unchanged = r.count(.unchanged)
            invalid = r.count(.invalid)
            committed = r.committed
            encoding = r.encoding?.rawValue
            fileErrors = errors(r.fileIssues)
            items = r.lines.map { ImportLineDTO(line: $0.line, name: $0.name, idNumber: $0.idNumber, operation: $0.operation, number: $0.number,
                                                outcome: $0.outcome.rawValue, errors: errors($0.issues)) }
        }
    }

    /// Body: the CSV file. `?dryRun=true` only checks; otherwise a clean file is stored whole (201), and a
    /// file with any bad row stores nothing (422, every row's problems listed).
    func importCertificates(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw DomainError.validation([FieldIssue(field: "body", zh: "请求体应为 CSV 文件内容", en: "the body must be the CSV file")])
        }
        let dryRun = try req.queryFlag("dryRun")
        let report = try await service(req).importCertificates(Data(buffer: buffer), enterpriseID: Self.enterpriseID(try req.queryUUID("enterprise"), caller),
                                                               commit: !dryRun, actor: caller, origin: req.origin)
        let res = Response(status: report.committed ? .created : (report.isClean ? .ok : .unprocessableEntity))
        try res.content.encode(ImportResultDTO(report))
        return res
    }

    // MARK: staffing

    func staffing(req: Request) async throws -> Response {
        let (need, rows) = try await service(req).staffing(enterpriseID: req.recordID("enterprise"), actor: req.caller)
        return try .json(StaffingDTO(enterpriseId: need.id, enterpriseName: need.enterpriseName, countyCode: need.countyCode ?? "",
                                     rows: rows.map(StaffingRowDTO.init), version: need.version), version: need.version)
    }

    struct StaffingInput: Content {
        var required: [String: Int]?
    }

    func setStaffing(req: Request) async throws -> Response {
        let id = try req.recordID("enterprise")
        let input = try req.decodeBody(StaffingInput.self)
        guard let required = input.required else {
            throw DomainError.validation([FieldIssue(field: "required", zh: "请填写各操作项目所需人数", en: "required is an object of operation codes and numbers")])
        }
        let s = service(req)
        _ = try await s.setStaffing(enterpriseID: id, required: required, expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try await staffing(req: req)
    }

    func staffingOverview(req: Request) async throws -> [StaffingDTO] {
        try await service(req).staffingOverview(countyCode: req.queryCounty(), actor: req.caller).map {
            StaffingDTO(enterpriseId: $0.enterpriseID, enterpriseName: $0.name, countyCode: $0.countyCode, rows: $0.rows.map(StaffingRowDTO.init), version: nil)
        }
    }

    // MARK: violations

    func violations(req: Request) async throws -> PageDTO<ViolationDTO> {
        PageDTO(try await service(req).violations(req.violationQuery(), page: req.paging(), actor: req.caller), ViolationDTO.init)
    }

    func exportViolations(req: Request) async throws -> Response {
        .csv(WorkforceCSV.violations(try await service(req).allViolations(req.violationQuery(), actor: req.caller)), filename: "violations.csv",
             displayName: "三违记录.csv")
    }

    func violation(req: Request) async throws -> Response {
        let v = try await service(req).violation(req.recordID("violation"), actor: req.caller)
        return try .json(ViolationDTO(v), version: v.version)
    }

    struct ViolationInput: Content {
        var workerId: UUID?
        var kind: String?
        var happenedOn: String?
        var what: String?
    }

    func recordViolation(req: Request) async throws -> Response {
        let input = try req.decodeBody(ViolationInput.self)
        let v = try await service(req).recordViolation(.init(workerID: input.workerId, kind: input.kind, happenedOn: input.happenedOn, what: input.what),
                                                       actor: req.caller, origin: req.origin)
        let res = try Response.json(ViolationDTO(v), version: v.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.violation.path(v.id))
        return res
    }

    struct TransitionInput: Content {
        var event: String?
        var on: String?
        var score: Int?
        var version: Int?
    }

    func transition(req: Request) async throws -> Response {
        let id = try req.recordID("violation")
        let input = try req.decodeBody(TransitionInput.self)
        let expected = try ETag.bodyVersion(input.version) ?? ETag.expectedVersion(req)
        let v = try await service(req).transition(violation: id, event: input.event ?? "", on: input.on, score: input.score,
                                                  expectedVersion: expected, actor: req.caller, origin: req.origin)
        return try .json(ViolationDTO(v), version: v.version)
    }

    // MARK: off duty

    func offDuty(req: Request) async throws -> [OffDutyDTO] {
        try await service(req).offDuty(enterpriseID: req.queryUUID("enterprise"), countyCode: req.queryCounty(), actor: req.caller).map(OffDutyDTO.init)
    }
}
