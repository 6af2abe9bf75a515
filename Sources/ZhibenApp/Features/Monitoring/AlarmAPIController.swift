import Foundation
import Vapor
import ZhibenDomain

struct AlarmDTO: Content {
    var id: UUID
    var pointId: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var pointCode: String
    var pointName: String
    var condition: String
    var level: Int
    var state: String
    var raisedAt: String
    var raisedValue: String
    var upgradedAt: String?
    var normalAt: String?
    var normalValue: String?
    var steps: [StepDTO]
    var countyNotifiedAt: String?
    var cityNotifiedAt: String?
    var hazardId: UUID?
    /// On a single alarm: whether it is offered as a hazard now.
    var offersHazard: Bool?
    var version: Int
    /// On a single alarm: what the caller may do next.
    var allowedActions: [String]?

    struct StepDTO: Content {
        var action: String
        var by: String
        var at: String
        var comment: String
        var cause: String?
        var measures: String?
        var until: String?
    }

    init(_ a: Alarm, allowed: [AlarmAction]? = nil, offersHazard: Bool? = nil) {
        id = a.id
        pointId = a.pointID
        enterpriseId = a.enterpriseID
        enterpriseName = a.enterpriseName
        countyCode = a.countyCode
        pointCode = a.pointCode
        pointName = a.pointName
        condition = a.condition.rawValue
        level = a.level.rawValue
        state = a.state.rawValue
        raisedAt = ISOTime.string(a.raisedAt)
        raisedValue = a.raisedValue
        upgradedAt = a.upgradedAt.map(ISOTime.string)
        normalAt = a.normalAt.map(ISOTime.string)
        normalValue = a.normalValue
        steps = a.steps.map { StepDTO(action: $0.action.rawValue, by: $0.by, at: ISOTime.string($0.at), comment: $0.comment, cause: $0.cause,
                                      measures: $0.measures, until: $0.until.map(ISOTime.string)) }
        countyNotifiedAt = a.countyNotifiedAt.map(ISOTime.string)
        cityNotifiedAt = a.cityNotifiedAt.map(ISOTime.string)
        hazardId = a.hazardID
        self.offersHazard = offersHazard
        version = a.version
        allowedActions = allowed?.map(\.rawValue)
    }
}

struct AlarmAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.alarms, use: list)
        routes.get(APIRoute.alarmStream, use: stream)
        routes.get(APIRoute.alarm, use: show)
        routes.post(APIRoute.alarmTransitions, use: transition)
        routes.post(APIRoute.alarmHazard, use: createHazard)
    }

    /// Turns a repeated, long or offline alarm into a hazard (source `monitoringAlarm`), linked both ways.
    func createHazard(req: Request) async throws -> Response {
        let h = try await req.hazardFromAlarm(actor: req.caller)
        let res = try Response.json(HazardDTO(h, now: req.zhiben.clock.now()), version: h.version, status: .created)
        res.headers.replaceOrAdd(name: .location, value: APIRoute.hazard.path(h.id))
        return res
    }

    struct TransitionInput: Content {
        var action: String
        var comment: String?
        var cause: String?
        var measures: String?
        var until: String?
    }

    /// One verb for every step: `{"action": …, "comment": …, …fields}`, guarded by `If-Match`.
    func transition(req: Request) async throws -> Response {
        let caller = try req.caller
        let id = try req.recordID("alarm")
        _ = try await req.zhiben.alarms.get(id, actor: caller)
        let input = try req.decodeBody(TransitionInput.self)
        guard let action = AlarmAction(rawValue: input.action) else {
            throw DomainError.validation([FieldIssue(field: "action", zh: "未知的操作：\(input.action)",
                                                     en: "unknown action \(input.action); one of \(AlarmAction.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        let a = try await req.zhiben.alarms.perform(id, action: action, comment: input.comment ?? "", cause: input.cause, measures: input.measures,
                                                    until: try APIDate.parse(input.until, field: "until"),
                                                    expectedVersion: try ETag.expectedVersion(req), actor: caller, origin: req.origin)
        return try .json(AlarmDTO(a, allowed: AlarmWorkflow.available(to: caller, on: a)), version: a.version)
    }

    /// Server-Sent Events: `alarm` events carrying `AlarmDTO`, see `AlarmStream`.
    func stream(req: Request) async throws -> Response {
        try AlarmStream.response(req: req, query: try req.alarmQuery()) { try AlarmStream.json(AlarmDTO($0)) }
    }

    func list(req: Request) async throws -> PageDTO<AlarmDTO> {
        PageDTO(try await req.zhiben.alarms.list(try req.alarmQuery(), page: req.paging(), actor: req.caller)) { AlarmDTO($0) }
    }

    func show(req: Request) async throws -> Response {
        let caller = try req.caller
        let a = try await req.zhiben.alarms.get(req.recordID("alarm"), actor: caller)
        return try .json(AlarmDTO(a, allowed: AlarmWorkflow.available(to: caller, on: a), offersHazard: try await req.zhiben.alarms.offersHazard(a)),
                         version: a.version)
    }
}

extension Request {
    /// The `:id` alarm turned into a hazard, reported with the caller's rights (the API and the page).
    func hazardFromAlarm(actor: Caller) async throws -> Hazard {
        let hazards = zhiben.hazards
        let origin = self.origin
        return try await zhiben.alarms.createHazard(recordID("alarm"), actor: actor, origin: origin) { draft in
            try await hazards.report(draft, actor: actor, origin: origin)
        }.1
    }

    /// The filters of an alarm list; `sort` chooses the order (`defaultOrder` when not given).
    func alarmQuery(defaultOrder: AlarmOrder = .raised) throws -> AlarmQuery {
        let states = try queryChoice("state", allowed: Alarm.State.allCases.map(\.rawValue)) { text -> [Alarm.State]? in
            let parts = text.split(separator: ",").map { Alarm.State(rawValue: String($0)) }
            return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
        }
        var query = AlarmQuery(states: states, level: try queryChoice("level", allowed: AlarmLevel.allCases.map { String($0.rawValue) }) { Int($0).flatMap(AlarmLevel.init(rawValue:)) },
                          condition: try queryEnum("condition", AlarmCondition.self),
                          countyCode: try queryCounty(),
                          enterpriseID: try queryUUID("enterprise"),
                          pointID: try queryUUID("point"),
                          outOnly: try queryFlag("out"),
                          raisedAfter: try queryDate("from"),
                          raisedBefore: try queryDate("to", endOfDay: true))
        query.order = try queryEnum("sort", AlarmOrder.self) ?? defaultOrder
        return query
    }
}
