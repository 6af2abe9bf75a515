import Foundation
import Vapor
import ZhibenDomain

struct LimitsDTO: Content, Equatable {
    var lowLow: Double?
    var low: Double?
    var high: Double?
    var highHigh: Double?
    var abnormalStates: [String]?
    var onDelay: Int?
    var deadband: Double?
    var rateOfChange: Double?

    init(_ l: AlarmLimits) {
        lowLow = l.lowLow
        low = l.low
        high = l.high
        highHigh = l.highHigh
        abnormalStates = l.abnormalStates
        onDelay = l.onDelay
        deadband = l.deadband
        rateOfChange = l.rateOfChange
    }

    /// The four limits and the rate of change may be null (no limit), as the document says.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lowLow = try c.decodeNullable(Double.self, forKey: .lowLow)
        low = try c.decodeNullable(Double.self, forKey: .low)
        high = try c.decodeNullable(Double.self, forKey: .high)
        highHigh = try c.decodeNullable(Double.self, forKey: .highHigh)
        abnormalStates = try c.decodeIfPresent([String].self, forKey: .abnormalStates)
        onDelay = try c.decodeIfPresent(Int.self, forKey: .onDelay)
        deadband = try c.decodeIfPresent(Double.self, forKey: .deadband)
        rateOfChange = try c.decodeNullable(Double.self, forKey: .rateOfChange)
    }

    var domain: AlarmLimits {
        AlarmLimits(lowLow: lowLow, low: low, high: high, highHigh: highHigh, abnormalStates: abnormalStates ?? [], onDelay: onDelay ?? 0,
                    deadband: deadband ?? 0, rateOfChange: rateOfChange)
    }
}

struct MonitoringPointDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var code: String
    var name: String
    var indicator: String
    var indicatorName: String
    var equipment: String
    var unit: String
    var kind: String
    var interval: Int
    var limits: LimitsDTO
    var active: Bool
    var createdAt: String
    var updatedAt: String
    var version: Int

    init(_ p: MonitoringPoint) {
        id = p.id
        enterpriseId = p.enterpriseID
        enterpriseName = p.enterpriseName
        countyCode = p.countyCode
        code = p.code
        name = p.name
        indicator = p.indicator
        indicatorName = MonitoringCatalogue.indicator(p.indicator)?.indicatorZh ?? ""
        equipment = p.equipment
        unit = p.unit
        kind = p.kind.rawValue
        interval = p.interval
        limits = LimitsDTO(p.limits)
        active = p.active
        createdAt = ISOTime.string(p.createdAt)
        updatedAt = ISOTime.string(p.updatedAt)
        version = p.version
    }
}

struct LimitChangeDTO: Content {
    var before: LimitsDTO?
    var after: LimitsDTO
    var by: String
    var at: String

    init(_ c: LimitChange) {
        before = c.before.map(LimitsDTO.init)
        after = LimitsDTO(c.after)
        by = c.by
        at = ISOTime.string(c.at)
    }
}

/// A point as the API takes it. On PATCH an absent field keeps its value; `limits`, when given,
/// replaces the limits as a whole.
struct MonitoringPointInputDTO: Content {
    var enterpriseId: UUID?
    var code: String?
    var name: String?
    var indicator: String?
    var equipment: String?
    var unit: String?
    var kind: String?
    var interval: Int?
    var limits: LimitsDTO?
    var active: Bool?

    /// The draft: this input over `base` (a new point starts from the indicator's kind and unit).
    func draft(over base: MonitoringPointDraft? = nil) -> MonitoringPointDraft {
        var d = base ?? MonitoringPointDraft()
        if let enterpriseId { d.enterpriseID = enterpriseId }
        if let code { d.code = code }
        if let name { d.name = name }
        if let indicator { d.indicator = indicator }
        if let equipment { d.equipment = equipment }
        if let unit { d.unit = unit }
        if let kind { d.kind = kind }
        if let interval { d.interval = interval }
        if let limits { d.limits = limits.domain }
        if let active { d.active = active }
        if base == nil, let i = MonitoringCatalogue.indicator(d.indicator) {
            if d.kind.isEmpty { d.kind = i.kind.rawValue }
            if d.equipment.isEmpty { d.equipment = i.equipmentZh }
        }
        return d
    }
}

struct MonitoringAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.monitoringPoints, use: list)
        routes.post(APIRoute.monitoringPoints, use: create)
        routes.get(APIRoute.monitoringPoint, use: show)
        routes.patch(APIRoute.monitoringPoint, use: update)
        routes.get(APIRoute.monitoringPointLimitHistory, use: history)
        routes.get(APIRoute.monitoringPointExport, use: export)
        routes.post(APIRoute.monitoringPointImport, body: .collect(maxSize: nil), use: importCSV)
        routes.get(APIRoute.monitoringIndicators, use: indicators)
    }

    func export(req: Request) async throws -> Response {
        Response.csv(try await req.zhiben.monitoring.exportPoints(req.monitoringPointQuery(), actor: req.caller),
                                     filename: "monitoring-points.csv")
    }

    struct ImportRowDTO: Content {
        var line: Int
        var code: String
        var outcome: String
        var errors: [Problem.FieldError]
    }

    struct ImportResultDTO: Content {
        var rows: Int
        var new: Int
        var changed: Int
        var unchanged: Int
        var invalid: Int
        var committed: Bool
        var fileErrors: [Problem.FieldError]
        var items: [ImportRowDTO]
    }

    /// Body: the CSV file itself. `?dryRun=true` only checks; otherwise a clean file is imported whole
    /// (201), and a file with any bad row imports nothing (422, each row's problems listed).
    func importCSV(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw DomainError.validation([FieldIssue(field: "body", zh: "请求体应为 CSV 文件内容", en: "the body must be the CSV file")])
        }
        let dryRun = try req.queryFlag("dryRun")
        let report = try await req.zhiben.monitoring.importPoints(Data(buffer: buffer), enterpriseID: try req.queryUUID("enterprise"),
                                                                  commit: !dryRun, actor: caller, origin: req.origin)
        let p = report.parsed
        let dto = ImportResultDTO(
            rows: p.rows.count, new: report.count(.new), changed: report.count(.changed), unchanged: report.count(.unchanged),
            invalid: report.count(.invalid), committed: report.committed,
            fileErrors: p.fileIssues.map { Problem.FieldError(field: $0.field, reason: $0.reasonEn, reasonZh: $0.reasonZh) },
            items: zip(p.rows, report.outcomes).map { row, outcome in
                ImportRowDTO(line: row.line, code: row.draft.code, outcome: outcome.rawValue,
                             errors: row.issues.map { Problem.FieldError(field: $0.field, reason: $0.reasonEn, reasonZh: $0.reasonZh) })
            })
        let status: HTTPResponseStatus = report.committed ? .created : (p.isClean ? .ok : .unprocessableEntity)
        let res = Response(status: status)
        try res.content.encode(dto)
        return res
    }

    func list(req: Request) async throws -> PageDTO<MonitoringPointDTO> {
        PageDTO(try await req.zhiben.monitoring.list(req.monitoringPointQuery(), page: req.paging(), actor: req.caller), MonitoringPointDTO.init)
    }

    func show(req: Request) async throws -> Response {
        let p = try await req.zhiben.monitoring.get(req.recordID("monitoring point"), actor: req.caller)
        return try .json(MonitoringPointDTO(p), version: p.version)
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeBody(MonitoringPointInputDTO.self)
        let p = try await req.zhiben.monitoring.create(input.draft(), actor: req.caller, origin: req.origin)
        let res = try Response.json(MonitoringPointDTO(p), version: p.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.monitoringPoint.path(p.id))
        return res
    }

    func update(req: Request) async throws -> Response {
        let caller = try req.caller
        try caller.require(.monitoringManage)
        let current = try await req.zhiben.monitoring.get(req.recordID("monitoring point"), actor: caller)
        let input = try req.decodeBody(MonitoringPointInputDTO.self)
        let p = try await req.zhiben.monitoring.update(current.id, input.draft(over: MonitoringPointDraft(current)),
                                                       expectedVersion: try ETag.expectedVersion(req), actor: caller, origin: req.origin)
        return try .json(MonitoringPointDTO(p), version: p.version)
    }

    func history(req: Request) async throws -> [LimitChangeDTO] {
        try await req.zhiben.monitoring.history(req.recordID("monitoring point"), actor: req.caller).1.map(LimitChangeDTO.init)
    }

    struct IndicatorDTO: Content {
        var code: String
        var scenario: String
        var equipment: String
        var nameZh: String
        var nameEn: String
        var unit: String
        var kind: String
    }

    func indicators(req: Request) async throws -> [IndicatorDTO] {
        try req.caller.require(.monitoringRead)
        return MonitoringCatalogue.indicators.map {
            IndicatorDTO(code: $0.id, scenario: $0.scenario.rawValue, equipment: $0.equipmentZh, nameZh: $0.indicatorZh, nameEn: $0.indicatorEn,
                         unit: $0.unit, kind: $0.kind.rawValue)
        }
    }
}

extension Request {
    func monitoringPointQuery() throws -> MonitoringPointQuery {
        MonitoringPointQuery(enterpriseID: try queryUUID("enterprise"),
                             countyCode: try queryCounty(),
                             indicator: try queryChoice("indicator", allowed: MonitoringCatalogue.indicators.map(\.id)) { MonitoringCatalogue.indicator($0)?.id },
                             search: queryString("q").map { String($0.prefix(100)) },
                             includeInactive: try queryFlag("inactive"))
    }
}
