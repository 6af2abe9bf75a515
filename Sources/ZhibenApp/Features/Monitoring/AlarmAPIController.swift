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
    var version: Int

    init(_ a: Alarm) {
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
        version = a.version
    }
}

struct AlarmAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("alarms", use: list)
        routes.get("alarms", ":id", use: show)
    }

    func list(req: Request) async throws -> PageDTO<AlarmDTO> {
        PageDTO(try await req.zhiben.alarms.list(try req.alarmQuery(), page: req.paging(), actor: req.caller), AlarmDTO.init)
    }

    func show(req: Request) async throws -> Response {
        let a = try await req.zhiben.alarms.get(req.recordID("alarm"), actor: req.caller)
        return try .json(AlarmDTO(a), version: a.version)
    }
}

extension Request {
    func alarmQuery() throws -> AlarmQuery {
        let states = queryString("state").map { $0.split(separator: ",").compactMap { Alarm.State(rawValue: String($0)) } }
        return AlarmQuery(states: states.flatMap { $0.isEmpty ? nil : $0 }, level: queryString("level").flatMap(Int.init).flatMap(AlarmLevel.init(rawValue:)),
                          condition: queryString("condition").flatMap(AlarmCondition.init(rawValue:)),
                          countyCode: queryString("county").flatMap { County.lookup($0)?.code },
                          enterpriseID: queryString("enterprise").flatMap(UUID.init(uuidString:)),
                          pointID: queryString("point").flatMap(UUID.init(uuidString:)),
                          outOnly: queryString("out") == "1" || queryString("out") == "true",
                          raisedAfter: try APIDate.parse(queryString("from"), field: "from"),
                          raisedBefore: try APIDate.parse(queryString("to"), field: "to", endOfDay: true))
    }
}
