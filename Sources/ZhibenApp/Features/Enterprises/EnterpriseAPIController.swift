import Foundation
import Vapor
import ZhibenDomain

struct EnterpriseAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.enterprises, use: list)
        routes.post(APIRoute.enterprises, use: create)
        routes.get(APIRoute.enterpriseExport, use: export)
        routes.post(APIRoute.enterpriseImport, body: .collect(maxSize: nil), use: importCSV)
        routes.get(APIRoute.enterprise, use: show)
        routes.patch(APIRoute.enterprise, use: update)
        routes.put(APIRoute.enterpriseContacts, use: updateContacts)
        routes.post(APIRoute.enterpriseDeactivate, use: deactivate)
        routes.post(APIRoute.enterpriseReactivate, use: reactivate)
        routes.put(APIRoute.enterpriseGradeOverride, use: overrideGrade)
        routes.delete(APIRoute.enterpriseGradeOverride, use: clearOverride)
    }

    func dto(_ e: Enterprise, _ req: Request) -> EnterpriseDTO {
        EnterpriseDTO(e, classification: req.zhiben.enterprises.classification(of: e))
    }

    /// The record as JSON with its ETag.
    func respond(_ e: Enterprise, _ req: Request, status: HTTPResponseStatus = .ok) throws -> Response {
        try .json(dto(e, req), version: e.version, status: status)
    }

    func list(req: Request) async throws -> PageDTO<EnterpriseDTO> {
        let page = try await req.zhiben.enterprises.list(req.enterpriseQuery(), page: req.paging(), actor: req.caller)
        let service = req.zhiben.enterprises
        return PageDTO(page) { EnterpriseDTO($0, classification: service.classification(of: $0)) }
    }

    func show(req: Request) async throws -> Response {
        try respond(try await req.zhiben.enterprises.get(req.recordID("enterprise"), actor: req.caller), req)
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeBody(EnterpriseInputDTO.self)
        let e = try await req.zhiben.enterprises.create(input.draft(), actor: req.caller, origin: req.origin)
        let res = try respond(e, req, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.enterprise.path(e.id))
        return res
    }

    /// JSON merge patch: given fields replace, null clears, absent keeps. `If-Match` guards against
    /// overwriting a change made since the caller read the record.
    func update(req: Request) async throws -> Response {
        let caller = try req.caller
        try caller.require(.enterpriseUpdate)
        let id = try req.recordID("enterprise")
        // Out of scope answers 404 before anything about the body is said.
        _ = try await req.zhiben.enterprises.get(id, actor: caller)
        let patch = try MergePatch<EnterpriseInputDTO>(req, clearable: nil)
        let e = try await req.zhiben.enterprises.update(id, expectedVersion: try ETag.expectedVersion(req), actor: caller,
                                                        origin: req.origin) { patch.apply(to: $0) }
        return try respond(e, req)
    }

    struct ContactsDTO: Content {
        var principal: PersonDTO?
        var actualController: PersonDTO?
        var safetyManager: PersonDTO?
    }

    func updateContacts(req: Request) async throws -> Response {
        let c = try req.decodeBody(ContactsDTO.self)
        let update = EnterpriseContactUpdate(
            principal: c.principal.map { ContactPerson(name: $0.name, phone: $0.phone) },
            actualController: c.actualController.map { ContactPerson(name: $0.name, phone: $0.phone) },
            safetyManager: c.safetyManager.map { ContactPerson(name: $0.name, phone: $0.phone) })
        return try respond(try await req.zhiben.enterprises.updateContacts(req.recordID("enterprise"), update, expectedVersion: ETag.expectedVersion(req),
                                                                           actor: req.caller, origin: req.origin), req)
    }

    struct ReasonInput: Content {
        var reason: String
        var grade: String?
    }

    func deactivate(req: Request) async throws -> Response {
        let input = try req.decodeBody(ReasonInput.self)
        return try respond(try await req.zhiben.enterprises.deactivate(req.recordID("enterprise"), reason: input.reason, expectedVersion: ETag.expectedVersion(req),
                                                                       actor: req.caller, origin: req.origin), req)
    }

    func reactivate(req: Request) async throws -> Response {
        try respond(try await req.zhiben.enterprises.reactivate(req.recordID("enterprise"), expectedVersion: ETag.expectedVersion(req),
                                                                actor: req.caller, origin: req.origin), req)
    }

    func overrideGrade(req: Request) async throws -> Response {
        let input = try req.decodeBody(ReasonInput.self)
        guard let grade = input.grade.flatMap({ SupervisionGrade(rawValue: $0.uppercased()) }) else {
            throw DomainError.validation([FieldIssue(field: "grade", zh: "等级应为 A、B、C 或 D", en: "grade must be A, B, C or D")])
        }
        return try respond(try await req.zhiben.enterprises.overrideGrade(req.recordID("enterprise"), grade: grade, reason: input.reason,
                                                                          expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin), req)
    }

    func clearOverride(req: Request) async throws -> Response {
        let input = try req.decodeBody(ReasonInput.self)
        return try respond(try await req.zhiben.enterprises.overrideGrade(req.recordID("enterprise"), grade: nil, reason: input.reason,
                                                                          expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin), req)
    }

    func export(req: Request) async throws -> Response {
        let rows = try await req.zhiben.enterprises.export(req.enterpriseQuery(), actor: req.caller)
        return .csv(CSV.document(header: EnterpriseCSV.exportHeader, rows: rows.map(EnterpriseCSV.exportRow)), filename: "enterprises.csv")
    }

    struct ImportRowIssueDTO: Content {
        var row: Int
        var column: String
        var field: String
        var reason: String
        var reasonZh: String
    }

    struct ImportResultDTO: Content {
        var encoding: String?
        var rows: Int
        var validRows: Int
        var imported: Int
        var committed: Bool
        var fileErrors: [Problem.FieldError]
        var errors: [ImportRowIssueDTO]
    }

    /// Body: the CSV file itself. `?mode=all` (default) imports only a clean file, `?mode=valid` the clean
    /// rows, `?dryRun=true` only checks.
    func importCSV(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw DomainError.validation([FieldIssue(field: "body", zh: "请求体应为 CSV 文件内容", en: "the body must be the CSV file")])
        }
        guard buffer.readableBytes <= req.zhiben.config.maxBodyBytes else { throw Abort(.payloadTooLarge) }
        let data = Data(buffer: buffer)
        let mode = try req.queryEnum("mode", ImportMode.self) ?? .allOrNothing
        let dryRun = try req.queryFlag("dryRun")
        let report: ImportReport
        if dryRun {
            report = ImportReport(parsed: try await req.zhiben.enterprises.previewImport(data, actor: caller), imported: 0, committed: false)
        } else {
            report = try await req.zhiben.enterprises.importCSV(data, mode: mode, actor: caller, origin: req.origin)
        }
        let p = report.parsed
        let dto = ImportResultDTO(
            encoding: p.encoding?.rawValue, rows: p.rows.count, validRows: p.validRows.count, imported: report.imported,
            committed: report.committed,
            fileErrors: p.fileIssues.map { Problem.FieldError(field: $0.field, reason: $0.reasonEn, reasonZh: $0.reasonZh) },
            errors: p.rowIssues.map { ImportRowIssueDTO(row: $0.row, column: $0.column, field: $0.issue.field, reason: $0.issue.reasonEn, reasonZh: $0.issue.reasonZh) })
        let status: HTTPResponseStatus = report.committed ? .created : (p.isClean && dryRun ? .ok : .unprocessableEntity)
        let res = Response(status: status)
        try res.content.encode(dto)
        return res
    }
}

extension Request {
    /// The enterprise list's filters, from the query string, shared by pages, export and API.
    func enterpriseQuery() throws -> EnterpriseQuery {
        EnterpriseQuery(
            countyCode: try queryCounty(),
            industry: try queryLabeled("industry", Industry.self),
            specialRisk: try queryLabeled("risk", SpecialRisk.self),
            grade: try queryChoice("grade", allowed: SupervisionGrade.allCases.map(\.rawValue)) { SupervisionGrade(rawValue: $0.uppercased()) },
            standardization: try queryLabeled("standardization", StandardizationGrade.self),
            status: try queryLabeled("status", OperatingStatus.self),
            includeInactive: try queryFlag("inactive"),
            search: queryString("q").map { String($0.prefix(100)) },
            sort: try queryEnum("sort", EnterpriseSort.self) ?? .name,
            direction: try queryChoice("dir", allowed: ["asc", "desc"]) { $0 == "desc" ? SortDirection.desc : $0 == "asc" ? .asc : nil } ?? .asc)
    }
}
