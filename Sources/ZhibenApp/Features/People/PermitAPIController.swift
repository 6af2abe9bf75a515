import Foundation
import Vapor
import ZhibenDomain

struct ConfinedSpaceDTO: Content {
    struct Point: Content {
        var id: UUID
        var name: String
    }
    struct Limits: Content {
        var coMaxPPM: Double?
        var h2sMaxPPM: Double?
        var lelMaxPercent: Double?
    }
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var code: String
    var name: String
    var place: String
    var hazards: [String]
    var signPosted: Bool
    var lockOrBarrier: String
    var points: [Point]
    var limits: Limits
    var inUse: Bool
    var version: Int

    init(_ s: ConfinedSpace) {
        id = s.id
        enterpriseId = s.enterpriseID!
        enterpriseName = s.enterpriseName
        countyCode = s.countyCode ?? ""
        code = s.code
        name = s.name
        place = s.place
        hazards = s.hazards.map(\.rawValue)
        signPosted = s.signPosted
        lockOrBarrier = s.lockOrBarrier
        points = s.points.map { Point(id: $0.id, name: $0.name) }
        limits = Limits(coMaxPPM: s.limits.coMaxPPM, h2sMaxPPM: s.limits.h2sMaxPPM, lelMaxPercent: s.limits.lelMaxPercent)
        inUse = s.inUse
        version = s.version
    }
}

struct PermitDTO: Content {
    struct Crew: Content {
        var workerId: UUID
        var name: String
        var inside: Bool
    }
    struct Test: Content {
        var at: String
        var place: String
        var oxygenPercent: Double?
        var coPPM: Double?
        var h2sPPM: Double?
        var lelPercent: Double?
        var tester: String
        var passed: Bool
        var failed: [String]
    }
    struct Entry: Content {
        var name: String
        var inAt: String
        var outAt: String?
    }
    var id: UUID
    var number: String
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var kind: String
    var hotWorkLevel: String?
    var spaceId: UUID?
    var spaceCode: String?
    var place: String
    var spaceGases: [String]
    var crew: [Crew]
    var jobId: UUID?
    var jobTitle: String?
    var applicant: String
    var hazards: String
    var measures: String
    var isolationPoints: [String]
    var isolationConfirmed: Bool
    var supervisor: String
    var entryFrom: String
    var entryUntil: String
    /// The state now: an open permit past its window reads `lapsed` before anyone acts on it.
    var state: String
    var approvedBy: String?
    var authority: String?
    var delegation: String?
    var tests: [Test]
    var entries: [Entry]
    var inside: [String]
    var suspendedReason: String?
    var version: Int

    init(_ p: PermitRecord, now: Date) {
        id = p.id
        number = p.number
        enterpriseId = p.enterpriseID!
        enterpriseName = p.enterpriseName
        countyCode = p.countyCode ?? ""
        kind = p.kind.rawValue
        hotWorkLevel = p.hotWorkLevel?.rawValue
        spaceId = p.spaceID
        spaceCode = p.spaceCode
        place = p.place
        spaceGases = p.spaceGases.map(\.rawValue)
        let inside = p.inside
        crew = p.crew.map { Crew(workerId: $0.workerID, name: $0.name, inside: inside.contains($0.name)) }
        jobId = p.jobID
        jobTitle = p.jobTitle
        applicant = p.applicant
        hazards = p.hazards
        measures = p.measures
        isolationPoints = p.isolationPoints
        isolationConfirmed = p.isolationConfirmed
        supervisor = p.supervisor
        entryFrom = ISOTime.string(p.entryFrom)
        entryUntil = ISOTime.string(p.entryUntil)
        state = p.state(at: now).rawValue
        approvedBy = p.approvedBy
        authority = p.authority?.rawValue
        delegation = p.delegation
        tests = p.tests.map { t in
            Test(at: ISOTime.string(t.test.at), place: t.test.place, oxygenPercent: t.test.oxygenPercent, coPPM: t.test.coPPM, h2sPPM: t.test.h2sPPM,
                 lelPercent: t.test.lelPercent, tester: t.test.tester, passed: t.failed.isEmpty, failed: t.failed)
        }
        entries = p.entries.map { Entry(name: $0.name, inAt: ISOTime.string($0.inAt), outAt: $0.outAt.map(ISOTime.string)) }
        self.inside = inside
        suspendedReason = p.suspendedReason
        version = p.version
    }
}

struct SpaceCheckDTO: Content {
    var criterion: String?
    var title: String
    var detail: String
}

struct GasLimitsDTO: Content {
    var oxygenMin: Double?
    var oxygenMax: Double?
    var coMaxPPM: Double?
    var h2sMaxPPM: Double?
    var lelMaxPercent: Double?
    var maxMinutesBeforeEntry: Int?
    var retestAfterInterruptionMinutes: Int?
    var source: String
    var note: String

    init(_ l: GasLimits) {
        oxygenMin = l.oxygenMin
        oxygenMax = l.oxygenMax
        coMaxPPM = l.coMaxPPM
        h2sMaxPPM = l.h2sMaxPPM
        lelMaxPercent = l.lelMaxPercent
        maxMinutesBeforeEntry = l.maxMinutesBeforeEntry
        retestAfterInterruptionMinutes = l.retestAfterInterruptionMinutes
        source = l.source
        note = l.note
    }
}

/// The confined-space ledger and high-risk work permits.
struct PermitAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.spaces, use: spaces)
        routes.post(APIRoute.spaces, use: createSpace)
        routes.get(APIRoute.spaceExport, use: Self.exportSpaces)
        routes.get(APIRoute.space, use: space)
        routes.patch(APIRoute.space, use: updateSpace)
        routes.get(APIRoute.spaceChecks, use: checks)
        routes.get(APIRoute.permits, use: permits)
        routes.post(APIRoute.permits, use: createPermit)
        routes.get(APIRoute.permitExport, use: Self.exportPermits)
        routes.get(APIRoute.permitLive, use: live)
        routes.get(APIRoute.permitLimits, use: limits)
        routes.get(APIRoute.permit, use: permit)
        routes.patch(APIRoute.permit, use: updatePermit)
        routes.post(APIRoute.permitActions, use: act)
    }

    var service: (Request) -> PermitService { { $0.zhiben.permits } }

    struct SpaceInput: Content {
        struct Limits: Content {
            var coMaxPPM: Double?
            var h2sMaxPPM: Double?
            var lelMaxPercent: Double?
        }
        var enterpriseId: UUID?
        var code: String?
        var name: String?
        var place: String?
        var hazards: [String]?
        var signPosted: Bool?
        var lockOrBarrier: String?
        var pointIds: [UUID]?
        var limits: Limits?
        var inUse: Bool?

        func draft(enterpriseID: UUID?) -> PermitService.SpaceDraft {
            .init(enterpriseID: enterpriseID, code: code, name: name, place: place, hazards: hazards, signPosted: signPosted, lockOrBarrier: lockOrBarrier,
                  pointIDs: pointIds, limits: limits.map { .init(coMaxPPM: $0.coMaxPPM, h2sMaxPPM: $0.h2sMaxPPM, lelMaxPercent: $0.lelMaxPercent) }, inUse: inUse)
        }
    }

    func spaces(req: Request) async throws -> PageDTO<ConfinedSpaceDTO> {
        PageDTO(try await service(req).spaces(req.spaceQuery(), page: req.paging(), actor: req.caller), ConfinedSpaceDTO.init)
    }

    static func exportSpaces(req: Request) async throws -> Response {
        let list = try await req.zhiben.permits.all(ConfinedSpace.self, req.spaceQuery(), actor: req.caller)
        return .csv(PermitCSV.spaces(list), filename: "confined-spaces.csv", displayName: "有限空间台账.csv")
    }

    func space(req: Request) async throws -> Response {
        let s = try await service(req).space(req.recordID("confined-space"), actor: req.caller)
        return try .json(ConfinedSpaceDTO(s), version: s.version)
    }

    func createSpace(req: Request) async throws -> Response {
        let caller = try req.caller
        let input = try req.decodeBody(SpaceInput.self)
        let s = try await service(req).createSpace(input.draft(enterpriseID: try WorkforceAPIController.enterpriseID(input.enterpriseId, caller)), actor: caller,
                                                   origin: req.origin)
        let res = try Response.json(ConfinedSpaceDTO(s), version: s.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.space.path(s.id))
        return res
    }

    func updateSpace(req: Request) async throws -> Response {
        let id = try req.recordID("confined-space")
        let input = try req.decodeBody(SpaceInput.self)
        if input.enterpriseId != nil {
            throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "有限空间所属企业不能修改", en: "a space's enterprise cannot change")])
        }
        let s = try await service(req).updateSpace(id, input.draft(enterpriseID: nil), expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(ConfinedSpaceDTO(s), version: s.version)
    }

    func checks(req: Request) async throws -> [SpaceCheckDTO] {
        let caller = try req.caller
        let named = try req.queryUUID("enterprise")
        let id: UUID
        if case .enterprise(let own) = caller.scope {
            // An enterprise checks its own spaces; another enterprise is not in its scope.
            guard named == nil || named == own else { throw DomainError.notFound(entity: "enterprise") }
            id = own
        } else {
            guard let named else { throw Request.badQuery("enterprise", zh: "请指定企业（enterprise）", en: "enterprise is required") }
            id = named
        }
        return try await service(req).checks(enterpriseID: id, actor: caller).map { SpaceCheckDTO(criterion: $0.criterion, title: $0.title, detail: $0.detail) }
    }

    func permits(req: Request) async throws -> PageDTO<PermitDTO> {
        let s = service(req)
        let now = s.workforce.clock.now()
        return PageDTO(try await s.permits(req.permitQuery(), page: req.paging(), actor: req.caller)) { PermitDTO($0, now: now) }
    }

    static func exportPermits(req: Request) async throws -> Response {
        let s = req.zhiben.permits
        return .csv(PermitCSV.permits(try await s.all(PermitRecord.self, req.permitQuery(), actor: req.caller), now: s.workforce.clock.now()),
                    filename: "permits.csv", displayName: "作业票.csv")
    }

    func live(req: Request) async throws -> [PermitDTO] {
        let s = service(req)
        let now = s.workforce.clock.now()
        return try await s.live(countyCode: req.queryCounty(), enterpriseID: req.queryUUID("enterprise"), actor: req.caller).map { PermitDTO($0, now: now) }
    }

    func limits(req: Request) async throws -> GasLimitsDTO {
        try req.caller.require(.peopleRead)
        return GasLimitsDTO(service(req).limits)
    }

    func permit(req: Request) async throws -> Response {
        let s = service(req)
        let p = try await s.permit(req.recordID("permit"), actor: req.caller)
        return try .json(PermitDTO(p, now: s.workforce.clock.now()), version: p.version)
    }

    struct PermitInput: Content {
        var enterpriseId: UUID?
        var kind: String?
        var hotWorkLevel: String?
        var spaceId: UUID?
        var place: String?
        var crew: [UUID]?
        var jobId: UUID?
        var applicant: String?
        var hazards: String?
        var measures: String?
        var isolationPoints: [String]?
        var isolationConfirmed: Bool?
        var supervisor: String?
        var entryFrom: String?
        var entryUntil: String?

        func draft(enterpriseID: UUID?) throws -> PermitService.PermitDraft {
            .init(enterpriseID: enterpriseID, kind: kind, hotWorkLevel: hotWorkLevel, spaceID: spaceId, place: place, crew: crew, jobID: jobId, applicant: applicant,
                  hazards: hazards, measures: measures, isolationPoints: isolationPoints, isolationConfirmed: isolationConfirmed, supervisor: supervisor,
                  entryFrom: try PermitInput.time(entryFrom, "entryFrom"), entryUntil: try PermitInput.time(entryUntil, "entryUntil"))
        }

        static func time(_ text: String?, _ field: String) throws -> Date? {
            guard let text else { return nil }
            guard let d = ISOTime.parse(text) else {
                throw DomainError.validation([FieldIssue(field: field, zh: "时间应带时区，如 2026-12-04T08:00:00+08:00", en: "\(field) is an ISO 8601 time with its offset")])
            }
            return d
        }
    }

    func createPermit(req: Request) async throws -> Response {
        let caller = try req.caller
        let input = try req.decodeBody(PermitInput.self)
        let s = service(req)
        let p = try await s.createPermit(try input.draft(enterpriseID: try WorkforceAPIController.enterpriseID(input.enterpriseId, caller)), actor: caller, origin: req.origin)
        let res = try Response.json(PermitDTO(p, now: s.workforce.clock.now()), version: p.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.permit.path(p.id))
        return res
    }

    func updatePermit(req: Request) async throws -> Response {
        let id = try req.recordID("permit")
        let input = try req.decodeBody(PermitInput.self)
        for (field, given) in [("enterpriseId", input.enterpriseId != nil), ("kind", input.kind != nil), ("hotWorkLevel", input.hotWorkLevel != nil),
                               ("spaceId", input.spaceId != nil), ("jobId", input.jobId != nil), ("place", input.place != nil), ("applicant", input.applicant != nil),
                               ("entryFrom", input.entryFrom != nil), ("entryUntil", input.entryUntil != nil)] where given {
            throw DomainError.validation([FieldIssue(field: field, zh: "作业票的此项不能修改，请作废后重新申请", en: "\(field) cannot change: close the permit and apply again")])
        }
        let s = service(req)
        let p = try await s.updatePermit(id, try input.draft(enterpriseID: nil), expectedVersion: ETag.expectedVersion(req), actor: req.caller, origin: req.origin)
        return try .json(PermitDTO(p, now: s.workforce.clock.now()), version: p.version)
    }

    struct ActionInput: Content {
        var action: String?
        var version: Int?
        var approvedBy: String?
        var authority: String?
        var delegation: String?
        var workerId: UUID?
        var reason: String?
        var place: String?
        var oxygenPercent: Double?
        var coPPM: Double?
        var h2sPPM: Double?
        var lelPercent: Double?
        var tester: String?
        var at: String?
    }

    func act(req: Request) async throws -> Response {
        let id = try req.recordID("permit")
        let i = try req.decodeBody(ActionInput.self)
        let expected = try ETag.bodyVersion(i.version) ?? ETag.expectedVersion(req)
        let s = service(req)
        let draft = PermitService.ActionDraft(action: i.action, approvedBy: i.approvedBy, authority: i.authority, delegation: i.delegation, workerID: i.workerId,
                                              reason: i.reason, place: i.place, oxygenPercent: i.oxygenPercent, coPPM: i.coPPM, h2sPPM: i.h2sPPM,
                                              lelPercent: i.lelPercent, tester: i.tester, at: try PermitInput.time(i.at, "at"))
        let p = try await s.act(id, draft, expectedVersion: expected, actor: req.caller, origin: req.origin)
        return try .json(PermitDTO(p, now: s.workforce.clock.now()), version: p.version)
    }
}

extension Request {
    func spaceQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), search: queryString("q").map { String($0.prefix(100)) })
        if !(try queryFlag("all")) { q.tags = ["on"] }
        return q
    }

    func permitQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), ref: try queryUUID("space"),
                            search: queryString("q").map { String($0.prefix(100)) }, descending: true)
        if let s = try queryEnum("state", Permit.State.self) { q.tags = [s.rawValue] }
        if let k = try queryEnum("kind", PermitKind.self) { q.search = [q.search, k.zh].compactMap { $0 }.joined(separator: " ") }
        try dayRange(&q)
        // The order key is the start as `yyyy-MM-dd HH:mm`: a day's bound reaches past its last minute.
        if let to = q.to { q.to = to + " 99" }
        return q
    }
}

enum PermitCSV {
    static func spaces(_ list: [ConfinedSpace]) -> Data {
        CSV.document(header: ["企业", "编号", "名称", "所在位置", "危险有害因素", "安全警示标志", "上锁或隔离措施", "关联监测点", "在用"], rows: list.map { s in
            [s.enterpriseName, s.code, s.name, s.place, s.hazards.map(\.zh).joined(separator: "、"), s.signPosted ? "已设置" : "未设置", s.lockOrBarrier,
             s.points.map(\.name).joined(separator: "、"), s.inUse ? "是" : "否"]
        })
    }

    static func permits(_ list: [PermitRecord], now: Date) -> Data {
        CSV.document(header: ["编号", "企业", "作业类别", "作业地点", "作业人员", "监护人", "开始", "截止", "状态", "审批人", "气体检测次数", "在内人员"], rows: list.map { p in
            [p.number, p.enterpriseName, p.kind.zh + (p.hotWorkLevel.map { "（\($0.zh)）" } ?? ""), p.place, p.crew.map(\.name).joined(separator: "、"), p.supervisor,
             ChinaTime.display(p.entryFrom), ChinaTime.display(p.entryUntil), p.state(at: now).zh, p.approvedBy ?? "", String(p.tests.count), p.inside.joined(separator: "、")]
        })
    }
}
