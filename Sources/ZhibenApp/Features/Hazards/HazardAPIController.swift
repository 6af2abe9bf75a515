import Foundation
import Vapor
import ZhibenDomain

struct HazardAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.criteria, use: criteria)
        routes.get(APIRoute.checklist, use: groupChecklist)
        routes.get(APIRoute.enterpriseChecklist, use: enterpriseChecklist)
        routes.get(APIRoute.checklistItems, use: localItems)
        routes.post(APIRoute.checklistItems, use: addLocalItem)
        routes.put(APIRoute.checklistItemActive, use: setLocalItemActive)

        routes.get(APIRoute.hazards, use: list)
        routes.post(APIRoute.hazards, use: report)
        routes.get(APIRoute.hazardExport, use: export)
        routes.get(APIRoute.hazardStatistics, use: statistics)
        routes.get(APIRoute.hazard, use: show)
        routes.post(APIRoute.hazardTransitions, use: transition)
        routes.post(APIRoute.hazardPhotos, body: .collect(maxSize: nil), use: uploadPhoto)
        routes.get(APIRoute.hazardPhoto, use: photo)

        routes.get(APIRoute.notifications, use: notifications)
        routes.post(APIRoute.notificationsRead, use: markRead)
    }

    // MARK: criteria and checklists

    func criteria(req: Request) async throws -> CriteriaListDTO {
        _ = try req.caller
        let catalogue = req.zhiben.hazards.catalogue
        let group = try req.queryEnum("group", CriterionGroup.self)
        let items = catalogue.search(req.queryString("q"), group: group, standard: req.queryString("standard"))
        return CriteriaListDTO(standard: StandardDTO(catalogue.current), standards: catalogue.standards.map(StandardDTO.init),
                               total: items.count, items: items.map(CriterionDTO.init))
    }

    func groupChecklist(req: Request) async throws -> ChecklistDTO {
        guard let group = req.parameters.get("group").flatMap(CriterionGroup.init(rawValue:)) else {
            throw DomainError.notFound(entity: "checklist")
        }
        return ChecklistDTO(try await req.zhiben.hazards.checklist(group: group, actor: req.caller))
    }

    func enterpriseChecklist(req: Request) async throws -> ChecklistDTO {
        let (e, list) = try await req.zhiben.hazards.checklist(enterpriseID: req.recordID("enterprise"), actor: req.caller)
        return ChecklistDTO(list, enterpriseID: e.id)
    }

    func localItems(req: Request) async throws -> [LocalItemDTO] {
        try await req.zhiben.hazards.localItems(actor: req.caller).map(LocalItemDTO.init)
    }

    struct LocalItemInput: Content {
        var group: String
        var text: String
    }

    func addLocalItem(req: Request) async throws -> Response {
        let input = try req.decodeBody(LocalItemInput.self)
        guard let group = CriterionGroup(rawValue: input.group) else {
            throw DomainError.validation([FieldIssue(field: "group", zh: "未知的清单类别", en: "unknown checklist group")])
        }
        let item = try await req.zhiben.hazards.addLocalItem(group: group, text: input.text, actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(LocalItemDTO(item))
        return res
    }

    struct ActiveInput: Content { var active: Bool }

    func setLocalItemActive(req: Request) async throws -> LocalItemDTO {
        let input = try req.decodeBody(ActiveInput.self)
        return LocalItemDTO(try await req.zhiben.hazards.setLocalItemActive(req.recordID("checklist item"), active: input.active,
                                                                            actor: req.caller, origin: req.origin))
    }

    // MARK: hazards

    func list(req: Request) async throws -> PageDTO<HazardDTO> {
        let page = try await req.zhiben.hazards.list(req.hazardQuery(), page: req.paging(), actor: req.caller)
        let now = req.zhiben.clock.now()
        return PageDTO(page) { HazardDTO($0, now: now) }
    }

    func detail(_ id: UUID, _ req: Request, status: HTTPResponseStatus = .ok) async throws -> Response {
        let caller = try req.caller
        let (h, events, photos) = try await req.zhiben.hazards.history(id, actor: caller)
        return try answer(h, history: events, photos: photos, caller, req, status: status)
    }

    /// A hazard with its history and photos, as the caller sees it, with its version as the ETag.
    func answer(_ h: Hazard, history: [HazardEvent], photos: [HazardPhoto], _ caller: Caller, _ req: Request,
                status: HTTPResponseStatus = .ok) throws -> Response {
        let dto = HazardDTO(h, now: req.zhiben.clock.now(), history: history, photos: photos, allowed: HazardWorkflow.available(to: caller, on: h))
        return try .json(dto, version: h.version, status: status)
    }

    func show(req: Request) async throws -> Response {
        try await detail(req.recordID("hazard"), req)
    }

    func report(req: Request) async throws -> Response {
        let input = try req.decodeBody(HazardInputDTO.self)
        let caller = try req.caller
        // The answer is what `GET` gives for it, from what was stored rather than read back.
        let (h, history) = try await req.zhiben.hazards.reportWithHistory(input.draft(), actor: caller, origin: req.origin)
        let res = try answer(h, history: history, photos: [], caller, req, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.hazard.path(h.id))
        return res
    }

    /// One verb for every step: `{"action": …, …fields}`. `If-Match` guards against acting on a hazard
    /// that someone else moved on meanwhile.
    func transition(req: Request) async throws -> Response {
        let id = try req.recordID("hazard")
        let caller = try req.caller
        // Outside the caller's scope the hazard does not exist, whatever the body says.
        _ = try await req.zhiben.hazards.get(id, actor: caller)
        let (action, input) = try req.decodeBody(TransitionDTO.self).parsed()
        _ = try await req.zhiben.hazards.perform(id, action: action, input: input, expectedVersion: ETag.expectedVersion(req),
                                                 actor: caller, origin: req.origin)
        return try await detail(id, req)
    }

    /// Body: the image itself (JPEG, PNG or WebP, judged by its bytes), at most 5 MB.
    func uploadPhoto(req: Request) async throws -> Response {
        let id = try req.recordID("hazard")
        let caller = try req.caller
        _ = try await req.zhiben.hazards.get(id, actor: caller)
        let photo = try await req.zhiben.hazards.addPhoto(hazardID: id, data: try PhotoResponse.uploadedImage(req), actor: caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(PhotoDTO(photo))
        res.headers.replaceOrAdd(name: .location, value: PhotoDTO(photo).url)
        return res
    }

    func photo(req: Request) async throws -> Response {
        try await PhotoResponse.serve(req)
    }

    func export(req: Request) async throws -> Response {
        let rows = try await req.zhiben.hazards.export(req.hazardQuery(), actor: req.caller)
        return HazardLedger.csvResponse(rows, now: req.zhiben.clock.now())
    }

    func statistics(req: Request) async throws -> HazardStatisticsDTO {
        HazardStatisticsDTO(try await req.zhiben.hazards.statistics(actor: req.caller))
    }

    // MARK: notifications

    func notifications(req: Request) async throws -> PageDTO<NotificationDTO> {
        let unread = try req.queryFlag("unread")
        return PageDTO(try await req.zhiben.notifications.inbox(actor: req.caller, unreadOnly: unread, page: req.paging()), NotificationDTO.init)
    }

    /// `ids` absent marks all; `"ids": null` is no list and is refused (`StrictJSON`).
    struct ReadInput: Content { var ids: [UUID]? }
    struct ReadResult: Content { var marked: Int }

    func markRead(req: Request) async throws -> ReadResult {
        // No body marks everything read; a body that cannot be read is refused, not taken as "everything".
        let input = (req.body.data?.readableBytes ?? 0) == 0 ? ReadInput(ids: nil) : try req.decodeBody(ReadInput.self)
        return ReadResult(marked: try await req.zhiben.notifications.markRead(input.ids, actor: req.caller))
    }
}

enum PhotoResponse {
    /// The body of a photo upload over the API: the image itself; an empty body is refused naming the
    /// photo, one over the limit answers 413.
    static func uploadedImage(_ req: Request) throws -> Data {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw DomainError.validation([FieldIssue(field: "photo", zh: "请求体应为图片内容", en: "the body must be the image")])
        }
        guard buffer.readableBytes <= HazardRules.maxPhotoBytes else {
            throw Problem(status: .payloadTooLarge, title: "照片过大 / photo too large",
                          detail: "A photo has at most \(HazardRules.maxPhotoBytes >> 20) MB.",
                          errors: [FieldIssue(field: "photo", zh: "照片不能超过\(HazardRules.maxPhotoBytes >> 20)MB", en: "a photo has at most \(HazardRules.maxPhotoBytes >> 20) MB")])
        }
        return Data(buffer: buffer)
    }

    /// `…/hazards/{id}/photos/{photoId}`, for the API and the pages alike: a photo of another hazard, or
    /// of one outside the caller's scope, does not exist.
    static func serve(_ req: Request) async throws -> Response {
        guard let photoID = req.parameters.get("photoId", as: UUID.self) else { throw DomainError.notFound(entity: "photo") }
        let (p, data) = try await req.zhiben.hazards.photo(photoID, actor: req.caller)
        guard p.hazardID == (try req.recordID("hazard")) else { throw DomainError.notFound(entity: "photo") }
        return make(p, data)
    }

    /// The image with its type and a validator; photos never change once stored.
    static func make(_ p: HazardPhoto, _ data: Data) -> Response {
        make(contentType: p.contentType, sha256: p.sha256, data: data)
    }

    static func make(contentType: String, sha256: String, data: Data) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        let parts = contentType.split(separator: "/")
        res.headers.contentType = HTTPMediaType(type: String(parts.first ?? "image"), subType: String(parts.last ?? "jpeg"))
        res.headers.replaceOrAdd(name: .eTag, value: "\"\(sha256)\"")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=86400, immutable")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return res
    }
}

/// 隐患台账: the ledger as CSV, filtered as on screen.
enum HazardLedger {
    static let header = ["编号", "企业", "县（市、区）", "行业", "隐患", "位置", "来源", "发现时间", "等级", "判定依据", "状态",
                         "整改期限", "是否逾期", "挂牌督办", "遗留隐患", "整改责任人", "整改资金（元）", "销号时间"]

    static func row(_ h: Hazard, now: Date) -> [String] {
        [h.id.uuidString, h.enterpriseName, County.named(h.countyCode)?.zh ?? h.countyCode, h.industry.zh, h.title, h.location,
         h.source.zh, ChinaTime.display(h.foundAt), h.level.zh, h.criteria.joined(separator: " "), h.state.zh,
         h.deadline.map { ChinaTime.day($0) } ?? "", h.isOverdue(at: now) ? "是" : "否", h.supervision?.level.zh ?? "",
         h.isLegacy ? "是" : "否", h.plan?.responsible ?? "", h.plan?.funds.map { "\($0)" } ?? "", h.closedAt.map { ChinaTime.display($0) } ?? ""]
    }

    static func csvResponse(_ hazards: [Hazard], now: Date) -> Response {
        let res = Response.csv(CSV.document(header: header, rows: hazards.map { row($0, now: now) }), filename: "hazards.csv",
                               displayName: "隐患台账-\(ChinaTime.day(now)).csv")
        return res
    }
}
