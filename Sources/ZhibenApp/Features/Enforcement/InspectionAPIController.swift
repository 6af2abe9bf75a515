import Foundation
import Vapor
import ZhibenDomain

struct InspectionDTO: Content {
    struct ResultDTO: Content {
        var item: String
        var outcome: String
        var note: String
        var hazardId: UUID?
    }

    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var style: String
    var origin: String
    var originId: UUID?
    var inspectors: [DrawDTO.PersonDTO]
    var expert: DrawDTO.PersonDTO?
    var plannedOn: String
    var state: String
    var results: [ResultDTO]
    var summary: String
    var createdBy: String
    var createdAt: Date
    var startedAt: Date?
    var completedAt: Date?
    var version: Int

    init(_ i: Inspection) {
        id = i.id
        enterpriseId = i.enterpriseID
        enterpriseName = i.enterpriseName
        countyCode = i.countyCode
        style = i.style.rawValue
        origin = i.origin.rawValue
        originId = i.originID
        inspectors = zip(i.inspectorIDs, i.inspectorNames).map { DrawDTO.PersonDTO(id: $0, name: $1, certificate: nil) }
        expert = i.expertID.map { DrawDTO.PersonDTO(id: $0, name: i.expertName ?? "", certificate: nil) }
        plannedOn = i.plannedOn
        state = i.state.rawValue
        results = i.results.map { ResultDTO(item: $0.item, outcome: $0.outcome.rawValue, note: $0.note, hazardId: $0.hazardID) }
        summary = i.summary
        createdBy = i.createdBy
        createdAt = i.createdAt
        startedAt = i.startedAt
        completedAt = i.completedAt
        version = i.version
    }
}

struct InspectionPhotoDTO: Content {
    var id: UUID
    var item: String
    var contentType: String
    var size: Int
    var sha256: String
    var uploadedBy: String
    var uploadedAt: String
    var url: String
    /// The copy on the failed item's hazard, once the inspection is completed.
    var hazardPhotoId: UUID?

    init(_ p: InspectionPhoto) {
        id = p.id
        item = p.item
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = ISOTime.string(p.uploadedAt)
        url = APIRoute.inspectionPhoto.path(p.inspectionID, p.id)
        hazardPhotoId = p.hazardPhotoID
    }
}

/// Inspections over the API: created by hand or for a revealed draw, their field results, their steps.
struct InspectionAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.inspections, use: list)
        routes.post(APIRoute.inspections, use: create)
        routes.get(APIRoute.inspection, use: show)
        routes.put(APIRoute.inspectionResults, use: saveResults)
        routes.post(APIRoute.inspectionTransitions, use: transition)
        routes.get(APIRoute.inspectionPhotos, use: photos)
        routes.post(APIRoute.inspectionPhotos, body: .collect(maxSize: nil), use: uploadPhoto)
        routes.get(APIRoute.inspectionPhoto, use: photo)
        routes.post(APIRoute.drawInspections, use: fromDraw)
    }

    func list(req: Request) async throws -> PageDTO<InspectionDTO> {
        let query = InspectionQuery(state: try req.queryEnum("state", Inspection.State.self),
                                    enterpriseID: try req.queryUUID("enterprise"),
                                    originID: try req.queryUUID("draw"))
        return PageDTO(try await req.zhiben.inspections.list(query, page: req.paging(), actor: req.caller), InspectionDTO.init)
    }

    func show(req: Request) async throws -> Response {
        let i = try await req.zhiben.inspections.get(req.recordID("inspection"), actor: req.caller)
        return try .json(InspectionDTO(i), version: i.version)
    }

    func photos(req: Request) async throws -> [InspectionPhotoDTO] {
        try await req.zhiben.inspections.photos(req.recordID("inspection"), actor: req.caller).map(InspectionPhotoDTO.init)
    }

    /// `?item=` the checklist item; body: the image itself (JPEG, PNG or WebP, judged by its bytes), at most 5 MB.
    func uploadPhoto(req: Request) async throws -> Response {
        let id = try req.recordID("inspection")
        let caller = try req.caller
        _ = try await req.zhiben.inspections.get(id, actor: caller)
        let photo = try await req.zhiben.inspections.addPhoto(id, item: req.queryString("item") ?? "", data: try PhotoResponse.uploadedImage(req),
                                                              actor: caller, origin: req.origin)
        let dto = InspectionPhotoDTO(photo)
        let res = Response(status: .created)
        try res.content.encode(dto)
        res.headers.replaceOrAdd(name: .location, value: dto.url)
        return res
    }

    func photo(req: Request) async throws -> Response {
        try await InspectionPhotoResponse.serve(req)
    }

    struct CreateInput: Content {
        var enterpriseId: UUID?
        var style: String?
        var origin: String?
        var originId: UUID?
        var inspectors: [UUID]?
        var expertId: UUID?
        var plannedOn: String?
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeBody(CreateInput.self)
        guard let enterpriseID = input.enterpriseId else {
            throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请选择企业", en: "the enterprise is required")])
        }
        guard let style = InspectionStyle(rawValue: input.style ?? "routine") else {
            throw DomainError.validation([FieldIssue(field: "style", zh: "检查方式无效", en: "unknown style")])
        }
        guard let origin = InspectionOrigin(rawValue: input.origin ?? "manual") else {
            throw DomainError.validation([FieldIssue(field: "origin", zh: "检查来源无效", en: "unknown origin")])
        }
        let i = try await req.zhiben.inspections.create(enterpriseID: enterpriseID, style: style, origin: origin, originID: input.originId,
                                                        inspectorIDs: input.inspectors ?? [], expertID: input.expertId, plannedOn: input.plannedOn ?? "",
                                                        actor: req.caller, origin: req.origin)
        let res = try Response.json(InspectionDTO(i), version: i.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.inspection.path(i.id))
        return res
    }

    struct FromDrawInput: Content { var plannedOn: String? }

    func fromDraw(req: Request) async throws -> Response {
        let input = try req.decodeBody(FromDrawInput.self)
        let list = try await req.zhiben.inspections.createFromDraw(req.recordID("draw"), plannedOn: input.plannedOn ?? "", actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(list.map(InspectionDTO.init))
        return res
    }

    struct ResultsInput: Content {
        struct Item: Content {
            var item: String
            var outcome: String
            var note: String?
        }
        var baseVersion: Int?
        /// Required, as the document says: a body without it is refused before any version is compared.
        var results: [Item]
        var summary: String?
    }

    func saveResults(req: Request) async throws -> Response {
        let input = try req.decodeBody(ResultsInput.self)
        guard let base = try ETag.bodyVersion(input.baseVersion, field: "baseVersion") else {
            throw DomainError.validation([FieldIssue(field: "baseVersion", zh: "缺少 baseVersion（开始填写时的版本）", en: "baseVersion (the version the results start from) is required")])
        }
        let results = try input.results.map { r -> InspectionItemResult in
            guard let o = InspectionItemResult.Outcome(rawValue: r.outcome) else {
                throw DomainError.validation([FieldIssue(field: "results", zh: "检查结论应为 pass、fail、notApplicable 或 notChecked", en: "an outcome is pass, fail, notApplicable or notChecked")])
            }
            return InspectionItemResult(item: r.item, outcome: o, note: r.note ?? "")
        }
        let i = try await req.zhiben.inspections.saveResults(req.recordID("inspection"), results: results, summary: input.summary, baseVersion: base,
                                                             actor: req.caller, origin: req.origin)
        return try .json(InspectionDTO(i), version: i.version)
    }

    struct TransitionInput: Content { var action: String? }

    func transition(req: Request) async throws -> Response {
        let input = try req.decodeBody(TransitionInput.self)
        guard let action = InspectionAction(rawValue: input.action ?? "") else {
            throw DomainError.validation([FieldIssue(field: "action", zh: "操作应为 start、complete 或 cancel", en: "action is start, complete or cancel")])
        }
        let i = try await req.zhiben.inspections.perform(req.recordID("inspection"), action: action, expectedVersion: try ETag.expectedVersion(req),
                                                         actor: req.caller, origin: req.origin)
        return try .json(InspectionDTO(i), version: i.version)
    }
}

enum InspectionPhotoResponse {
    /// `…/inspections/{id}/photos/{photoId}`, for the API and the pages alike.
    static func serve(_ req: Request) async throws -> Response {
        guard let photoID = req.parameters.get("photoId", as: UUID.self) else { throw DomainError.notFound(entity: "photo") }
        let (p, data) = try await req.zhiben.inspections.photo(req.recordID("inspection"), photoID: photoID, actor: req.caller)
        return PhotoResponse.make(contentType: p.contentType, sha256: p.sha256, data: data)
    }
}
