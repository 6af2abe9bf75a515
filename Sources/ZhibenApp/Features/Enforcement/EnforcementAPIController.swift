import Foundation
import Vapor
import ZhibenDomain

struct InspectorDTO: Content {
    var id: UUID
    var name: String
    var countyCode: String
    var certificateNo: String
    var certificateValidUntil: String
    var specialties: [String]
    var conflicts: [UUID]
    var userId: UUID?
    var active: Bool
    var version: Int

    init(_ i: RosterInspector) {
        id = i.id
        name = i.name
        countyCode = i.countyCode
        certificateNo = i.certificateNo
        certificateValidUntil = i.certificateValidUntil
        specialties = i.specialties.map(\.rawValue)
        conflicts = i.conflicts
        userId = i.userID
        active = i.active
        version = i.version
    }
}

/// The members a roster officer's and a pool expert's input share.
protocol RosterEntryInput {
    var name: String? { get }
    var specialties: [String]? { get }
    var conflicts: [UUID]? { get }
    var userId: UUID? { get }
    var version: Int? { get }
}

extension MergePatch where Values: RosterEntryInput {
    /// The members both kinds of entry share, merged into `entry`: a member sent replaces, `null` clears
    /// (the link to an account, conflicts, and specialties where the kind allows it).
    func mergeShared<E: RosterEntry>(into entry: inout E) throws {
        if let v = values.name { entry.name = v }
        if let v = values.specialties { entry.specialties = try EnforcementAPIController.specialties(v) }
        if let v = values.conflicts { entry.conflicts = v }
        if let v = values.userId { entry.userID = v }
        if cleared.contains("userId") { entry.userID = nil }
        if cleared.contains("conflicts") { entry.conflicts = [] }
        if cleared.contains("specialties") { entry.specialties = [] }
    }
}

struct InspectorInputDTO: Content, RosterEntryInput {
    var name: String?
    var countyCode: String?
    var certificateNo: String?
    var certificateValidUntil: String?
    var specialties: [String]?
    var conflicts: [UUID]?
    var userId: UUID?
    var active: Bool?
    /// For a change: the version it is based on (or If-Match).
    var version: Int?

    func draft(now: Date) throws -> RosterInspector {
        let specialties = try EnforcementAPIController.specialties(self.specialties ?? [])
        return RosterInspector(name: name ?? "", countyCode: countyCode ?? "", certificateNo: certificateNo ?? "",
                               certificateValidUntil: certificateValidUntil ?? "", specialties: specialties, conflicts: conflicts ?? [],
                               userID: userId, active: active ?? true, updatedAt: now)
    }
}

struct PoolExpertDTO: Content {
    var id: UUID
    var name: String
    var specialties: [String]
    var title: String
    var employer: String
    var countyCode: String?
    var available: Bool
    var conflicts: [UUID]
    var userId: UUID?
    var version: Int

    init(_ e: Expert) {
        id = e.id
        name = e.name
        specialties = e.specialties.map(\.rawValue)
        title = e.title
        employer = e.employer
        countyCode = e.countyCode
        available = e.available
        conflicts = e.conflicts
        userId = e.userID
        version = e.version
    }
}

struct ExpertInputDTO: Content, RosterEntryInput {
    var name: String?
    var specialties: [String]?
    var title: String?
    var employer: String?
    var countyCode: String?
    var available: Bool?
    var conflicts: [UUID]?
    var userId: UUID?
    /// For a change: the version it is based on (or If-Match).
    var version: Int?

    func draft(now: Date) throws -> Expert {
        Expert(name: name ?? "", specialties: try EnforcementAPIController.specialties(specialties ?? []), title: title ?? "", employer: employer ?? "",
               countyCode: countyCode.flatMap { $0.isEmpty ? nil : $0 }, available: available ?? true, conflicts: conflicts ?? [], userID: userId, updatedAt: now)
    }
}

struct DrawDTO: Content {
    struct PersonDTO: Content {
        var id: UUID
        var name: String
        var certificate: String?
    }

    struct PickDTO: Content {
        var enterpriseId: UUID
        var enterpriseName: String
        var creditCode: String
        var countyCode: String
        var inspectors: [PersonDTO]
        var expert: PersonDTO?
    }

    struct VerificationDTO: Content {
        var poolMatches: Bool
        var commitmentMatches: Bool?
        var resultMatches: Bool?
    }

    var id: UUID
    var countyCode: String?
    var year: Int
    var title: String
    var size: Int
    var inspectorsPerEnterprise: Int
    var withExpert: Bool
    var crossCounty: Bool
    var weighted: Bool
    var industries: [String]
    var grades: [String]
    var excludeInspectedMonths: Int?
    var poolEnterprises: Int
    var poolInspectors: Int
    var poolExperts: Int
    var poolDay: String?
    var poolDigest: String
    var commitment: String
    var revealed: Bool
    var seed: String?
    var picks: [PickDTO]?
    /// Recomputed for one draw; left out of lists.
    var verification: VerificationDTO?
    var createdBy: String
    var createdAt: Date
    var revealedAt: Date?
    /// Why it was drawn again over a recently revealed pool.
    var overlapReason: String?

    init(_ d: Draw, verification v: DrawVerification?) {
        id = d.id
        overlapReason = d.overlapReason
        countyCode = d.countyCode
        year = d.year
        title = d.title
        size = d.parameters.size
        inspectorsPerEnterprise = d.parameters.inspectorsPerEnterprise
        withExpert = d.parameters.withExpert
        crossCounty = d.parameters.crossCounty
        weighted = d.parameters.weighted
        industries = d.parameters.industries
        grades = d.parameters.grades
        excludeInspectedMonths = d.parameters.excludeInspectedMonths
        poolEnterprises = d.poolCounts.enterprises
        poolInspectors = d.poolCounts.inspectors
        poolExperts = d.poolCounts.experts
        poolDay = d.pool.day.isEmpty ? nil : d.pool.day
        poolDigest = d.poolDigest
        commitment = d.commitment
        revealed = d.revealed
        seed = d.seed
        let enterprises = d.pickedEnterprises
        let people = Dictionary((d.pool.inspectors + d.pool.experts).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func person(_ id: UUID) -> PersonDTO { PersonDTO(id: id, name: people[id]?.name ?? "", certificate: people[id].flatMap { $0.certificate.isEmpty ? nil : $0.certificate }) }
        picks = d.pool.enterprises.isEmpty ? nil : d.result.map { r in
            r.picks.map { p in
                let e = enterprises[p.enterpriseID]
                return PickDTO(enterpriseId: p.enterpriseID, enterpriseName: e?.name ?? "", creditCode: e?.creditCode ?? "", countyCode: e?.countyCode ?? "",
                               inspectors: p.inspectors.map(person), expert: p.expert.map(person))
            }
        }
        verification = v.map { VerificationDTO(poolMatches: $0.poolMatches, commitmentMatches: $0.commitmentMatches, resultMatches: $0.resultMatches) }
        createdBy = d.createdBy
        createdAt = d.createdAt
        revealedAt = d.revealedAt
    }
}

struct DrawInputDTO: Content {
    var title: String?
    var year: Int?
    var countyCodes: [String]?
    var industries: [String]?
    var grades: [String]?
    var size: Int?
    var inspectorsPerEnterprise: Int?
    var withExpert: Bool?
    var crossCounty: Bool?
    var weighted: Bool?
    var excludeInspectedMonths: Int?
    var overlapReason: String?

    func request(now: Date) -> DrawService.Request {
        DrawService.Request(title: title ?? "", year: year ?? Int(ChinaTime.day(now).prefix(4)) ?? 2026, countyCodes: countyCodes ?? [],
                            industries: industries ?? [], grades: grades ?? [],
                            parameters: DrawParameters(size: size ?? 0, inspectorsPerEnterprise: inspectorsPerEnterprise ?? 2, withExpert: withExpert ?? false,
                                                       crossCounty: crossCounty ?? false, weighted: weighted ?? false,
                                                       excludeInspectedMonths: excludeInspectedMonths),
                            overlapReason: overlapReason)
    }
}

/// The roster, the expert pool and double-random draws over the API.
struct EnforcementAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.inspectors, use: inspectors)
        routes.post(APIRoute.inspectors, use: createInspector)
        routes.get(APIRoute.inspector, use: inspector)
        routes.patch(APIRoute.inspector, use: updateInspector)
        routes.get(APIRoute.experts, use: experts)
        routes.post(APIRoute.experts, use: createExpert)
        routes.get(APIRoute.expert, use: expert)
        routes.patch(APIRoute.expert, use: updateExpert)
        routes.get(APIRoute.draws, use: draws)
        routes.post(APIRoute.draws, use: createDraw)
        routes.get(APIRoute.draw, use: draw)
        routes.post(APIRoute.drawReveal, use: reveal)
    }

    static func specialties(_ raw: [String]) throws -> [Specialty] {
        try raw.map { s in
            guard let v = Specialty(rawValue: s) else {
                throw DomainError.validation([FieldIssue(field: "specialties", zh: "专业无效：\(s)", en: "unknown specialty \(s)")])
            }
            return v
        }
    }

    func inspectors(req: Request) async throws -> PageDTO<InspectorDTO> {
        PageDTO(try await req.zhiben.people.inspectors(countyCode: try req.queryCounty(), search: req.queryString("q"), page: req.paging(), actor: req.caller),
                InspectorDTO.init)
    }

    func createInspector(req: Request) async throws -> Response {
        let input = try req.decodeBody(InspectorInputDTO.self)
        let i = try await req.zhiben.people.saveInspector(try input.draft(now: req.zhiben.clock.now()), actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(InspectorDTO(i))
        return res
    }

    static func version(_ body: Int?, _ req: Request) throws -> Int {
        guard let v = try ETag.bodyVersion(body) ?? ETag.expectedVersion(req) else {
            throw DomainError.validation([FieldIssue(field: "version", zh: "缺少 version（所依据的版本）", en: "version (the version this change is based on) is required")])
        }
        return v
    }

    func inspector(req: Request) async throws -> Response {
        let i = try await req.zhiben.people.inspector(req.recordID("inspector"), actor: req.caller)
        return try .json(InspectorDTO(i), version: i.version)
    }

    /// Changes the fields sent; the others stay.
    func updateInspector(req: Request) async throws -> Response {
        let id = try req.recordID("inspector")
        let patch = try MergePatch<InspectorInputDTO>(req, clearable: ["userId", "conflicts", "specialties", "version"])
        let input = patch.values
        let caller = try req.caller
        let version = try Self.version(input.version, req)
        var next = try await req.zhiben.people.inspector(id, actor: caller)
        try patch.mergeShared(into: &next)
        if let v = input.countyCode { next.countyCode = v }
        if let v = input.certificateNo { next.certificateNo = v }
        if let v = input.certificateValidUntil { next.certificateValidUntil = v }
        if let v = input.active { next.active = v }
        let saved = try await req.zhiben.people.updateInspector(id, next, expectedVersion: version, actor: caller, origin: req.origin)
        return try .json(InspectorDTO(saved), version: saved.version)
    }

    func expert(req: Request) async throws -> Response {
        let e = try await req.zhiben.people.expert(req.recordID("expert"), actor: req.caller)
        return try .json(PoolExpertDTO(e), version: e.version)
    }

    /// Changes the fields sent; the others stay.
    func updateExpert(req: Request) async throws -> Response {
        let id = try req.recordID("expert")
        let patch = try MergePatch<ExpertInputDTO>(req, clearable: ["userId", "conflicts", "title", "employer", "countyCode", "version"])
        let input = patch.values
        let caller = try req.caller
        let version = try Self.version(input.version, req)
        var next = try await req.zhiben.people.expert(id, actor: caller)
        try patch.mergeShared(into: &next)
        if let v = input.title { next.title = v }
        if let v = input.employer { next.employer = v }
        if let v = input.countyCode { next.countyCode = v.isEmpty ? nil : v }
        if let v = input.available { next.available = v }
        for key in patch.cleared {
            switch key {
            case "title": next.title = ""
            case "employer": next.employer = ""
            case "countyCode": next.countyCode = nil
            default: break
            }
        }
        let saved = try await req.zhiben.people.updateExpert(id, next, expectedVersion: version, actor: caller, origin: req.origin)
        return try .json(PoolExpertDTO(saved), version: saved.version)
    }

    func experts(req: Request) async throws -> PageDTO<PoolExpertDTO> {
        let specialty = try req.queryEnum("specialty", Specialty.self)
        return PageDTO(try await req.zhiben.people.experts(search: req.queryString("q"), specialty: specialty, page: req.paging(), actor: req.caller), PoolExpertDTO.init)
    }

    func createExpert(req: Request) async throws -> Response {
        let input = try req.decodeBody(ExpertInputDTO.self)
        let e = try await req.zhiben.people.saveExpert(try input.draft(now: req.zhiben.clock.now()), actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(PoolExpertDTO(e))
        return res
    }

    func draws(req: Request) async throws -> PageDTO<DrawDTO> {
        PageDTO(try await req.zhiben.draws.list(page: req.paging(), actor: req.caller)) { DrawDTO($0, verification: nil) }
    }

    func createDraw(req: Request) async throws -> Response {
        let input = try req.decodeBody(DrawInputDTO.self)
        let d = try await req.zhiben.draws.create(input.request(now: req.zhiben.clock.now()), actor: req.caller, origin: req.origin)
        let res = Response(status: .created)
        try res.content.encode(DrawDTO(d, verification: d.verify(sha: req.zhiben.draws.sha)))
        res.headers.replaceOrAdd(name: .location, value: APIRoute.draw.path(d.id))
        return res
    }

    func draw(req: Request) async throws -> DrawDTO {
        let (d, v) = try await req.zhiben.draws.verified(req.recordID("draw"), actor: req.caller)
        return DrawDTO(d, verification: v)
    }

    func reveal(req: Request) async throws -> DrawDTO {
        let d = try await req.zhiben.draws.reveal(req.recordID("draw"), actor: req.caller, origin: req.origin)
        return DrawDTO(d, verification: d.verify(sha: req.zhiben.draws.sha))
    }
}

/// Yearly plans and the enforcement figures over the API.
struct PlanAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.plan, use: show)
        routes.put(APIRoute.plan, use: save)
        routes.get(APIRoute.enforcementFigures, use: figures)
    }

    struct SuggestionDTO: Content {
        var enterpriseId: UUID
        var name: String
        var grade: String
        var reasons: [ReasonDTO]
        var style: String
        var expectedPerTwoYears: Int
    }

    struct ReasonDTO: Content {
        var code: String
        var zh: String
        var en: String
    }

    struct PlanDTO: Content {
        var countyCode: String
        var year: Int
        var drawQuota: Int
        var keyEnterprises: [KeyDTO]
        var suggestions: [SuggestionDTO]
        var thoroughCoverage: Coverage
        var version: Int
    }

    /// An entry of the key list; `reason` is as the planner saved it.
    struct KeyDTO: Content {
        var enterpriseId: UUID
        var name: String?
        var month: Int
        var style: String
        var reason: String?
    }

    struct Coverage: Content { var done: Int; var total: Int }

    func year(_ req: Request) throws -> Int {
        guard let y = req.parameters.get("year", as: Int.self), (2020...2100).contains(y) else {
            throw Request.badQuery("year", zh: "年度应为2020至2100的整数", en: "the year is a whole number from 2020 to 2100")
        }
        return y
    }

    func dto(_ plan: EnforcementPlan, _ facts: [PlanFacts], now: Date) -> PlanDTO {
        let c = PlanRules.thoroughCoverage(facts)
        return PlanDTO(countyCode: plan.countyCode, year: plan.year, drawQuota: plan.drawQuota,
                       keyEnterprises: plan.keyEnterprises.map { KeyDTO(enterpriseId: $0.enterpriseID, name: $0.name, month: $0.month, style: $0.style.rawValue, reason: $0.reason) },
                       suggestions: PlanRules.suggestions(facts, now: now).map { s in
                           SuggestionDTO(enterpriseId: s.facts.enterpriseID, name: s.facts.name, grade: s.facts.grade.rawValue, reasons: s.reasons.map { ReasonDTO(code: $0.code, zh: $0.zh, en: $0.en) }, style: s.style.rawValue,
                                         expectedPerTwoYears: SupervisionFrequency.perTwoYears(grade: s.facts.grade, standardization: s.facts.standardization,
                                                                                               validUntil: s.facts.standardizationValidUntil, now: now))
                       },
                       thoroughCoverage: Coverage(done: c.done, total: c.total), version: plan.version)
    }

    func show(req: Request) async throws -> Response {
        let (plan, facts) = try await req.zhiben.plans.plan(county: req.parameters.get("county"), year: try year(req), actor: req.caller)
        return try .json(dto(plan, facts, now: req.zhiben.clock.now()), version: plan.version)
    }

    struct SaveInput: Content {
        var version: Int?
        var drawQuota: Int?
        var keyEnterprises: [KeyDTO]?
    }

    func save(req: Request) async throws -> Response {
        let input = try req.decodeBody(SaveInput.self)
        let caller = try req.caller
        let ifMatch = try ETag.expectedVersion(req)
        guard let version = try ETag.bodyVersion(input.version) ?? ifMatch else {
            throw DomainError.validation([FieldIssue(field: "version", zh: "缺少 version（所依据的计划版本，新计划为0）", en: "version (the plan's version this is based on; 0 for a new plan) is required")])
        }
        let entries = try (input.keyEnterprises ?? []).map { k -> EnforcementPlan.KeyEnterprise in
            guard let style = InspectionStyle(rawValue: k.style) else {
                throw DomainError.validation([FieldIssue(field: "keyEnterprises", zh: "检查方式无效：\(k.style)", en: "unknown style \(k.style)")])
            }
            return EnforcementPlan.KeyEnterprise(enterpriseID: k.enterpriseId, name: k.name ?? "", month: k.month, style: style, reason: String((k.reason ?? "").prefix(200)))
        }
        let saved = try await req.zhiben.plans.save(county: req.parameters.get("county"), year: try year(req), keyEnterprises: entries,
                                                    drawQuota: input.drawQuota, expectedVersion: version, actor: caller, origin: req.origin)
        // The answer carries the suggestions too, from the facts as they are now.
        let (_, facts) = try await req.zhiben.plans.plan(county: saved.countyCode, year: saved.year, actor: caller)
        return try .json(dto(saved, facts, now: req.zhiben.clock.now()), version: saved.version)
    }

    struct FiguresDTO: Content {
        var year: Int
        var planned: Int
        var inspections: Int
        var completed: Int
        var penalties: Int
        var fined: Int
        var offDuty: Int
        var highRisk: Int
        var thoroughDone: Int
    }

    func figures(req: Request) async throws -> FiguresDTO {
        let year = try req.queryInt("year", in: 2000...2100) ?? Int(ChinaTime.day(req.zhiben.clock.now()).prefix(4)) ?? 2026
        let f = try await req.zhiben.plans.figures(year: year, actor: req.caller)
        return FiguresDTO(year: year, planned: f.planned, inspections: f.inspections, completed: f.completed, penalties: f.penalties, fined: f.fined, offDuty: f.offDuty,
                          highRisk: f.highRisk, thoroughDone: f.thoroughDone)
    }
}
