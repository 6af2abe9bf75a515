import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class AlarmModel: Model, @unchecked Sendable {
    static let schema = "alarms"

    @ID(key: .id) var id: UUID?
    @Field(key: "point_id") var pointID: UUID
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "point_code") var pointCode: String
    @Field(key: "point_name") var pointName: String
    @Field(key: "condition") var condition: String
    @Field(key: "level") var level: Int
    @Field(key: "state") var state: String
    @Field(key: "raised_at") var raisedAt: Date
    @Field(key: "raised_value") var raisedValue: String
    @OptionalField(key: "upgraded_at") var upgradedAt: Date?
    /// Set when the value returned to normal; null while it is still out (at most one such row per point
    /// and condition).
    @OptionalField(key: "normal_at") var normalAt: Date?
    @OptionalField(key: "normal_value") var normalValue: String?
    /// The people's steps as JSON, oldest first.
    @Field(key: "steps") var steps: String
    @OptionalField(key: "county_notified_at") var countyNotifiedAt: Date?
    @OptionalField(key: "city_notified_at") var cityNotifiedAt: Date?
    @OptionalField(key: "hazard_id") var hazardID: UUID?
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func domain() throws -> Alarm {
        var a = Alarm(id: try requireID(), pointID: pointID, enterpriseID: enterpriseID, countyCode: countyCode, enterpriseName: enterpriseName,
              pointCode: pointCode, pointName: pointName, condition: AlarmCondition(rawValue: condition) ?? .high,
              level: AlarmLevel(rawValue: level) ?? .second, state: Alarm.State(rawValue: state) ?? .active, raisedAt: raisedAt,
              raisedValue: raisedValue, upgradedAt: upgradedAt, normalAt: normalAt, normalValue: normalValue,
              steps: JSONColumn.decode(steps, as: [AlarmStep].self) ?? [], updatedAt: updatedAt, version: version)
        a.countyNotifiedAt = countyNotifiedAt
        a.cityNotifiedAt = cityNotifiedAt
        a.hazardID = hazardID
        return a
    }
}

public struct FluentAlarmRepository: AlarmRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<AlarmModel>? {
        ScopedQuery.of(AlarmModel.self, scope, on: db, county: \.$countyCode, enterprise: \.$enterpriseID)
    }

    public func record(_ decided: [(point: MonitoringPoint, events: [AlarmEvent])], at: Date, fence: EngineFence, evaluated: [UUID]) async throws {
        try await store.write { db in
            let sql = db as! any SQLDatabase
            try await FluentEngineLeaseRepository.check(fence, on: sql)
            try await FluentEngineLeaseRepository.removePending(evaluated, on: sql)
            for (point, events) in decided {
                for event in events {
                    switch event {
                    case .raised(let c, let level, let value, let ts):
                        // Raised already (this reading evaluated before: the same time, to the millisecond readings
                        // keep), or another still out.
                        guard try await AlarmModel.query(on: db).filter(\.$pointID == point.id).filter(\.$condition == c.rawValue)
                            .group(.or, { $0.filter(\.$normalAt == nil).group(.and) {
                                $0.filter(\.$raisedAt > ts.addingTimeInterval(-0.0005)).filter(\.$raisedAt < ts.addingTimeInterval(0.0005))
                            } }).first() == nil else { continue }
                        let m = AlarmModel()
                        m.id = UUID()
                        m.pointID = point.id
                        m.enterpriseID = point.enterpriseID
                        m.countyCode = point.countyCode
                        m.enterpriseName = point.enterpriseName
                        m.pointCode = point.code
                        m.pointName = point.name
                        m.condition = c.rawValue
                        m.level = level.rawValue
                        m.state = Alarm.State.active.rawValue
                        m.raisedAt = ts
                        m.raisedValue = value
                        m.steps = "[]"
                        m.updatedAt = at
                        m.version = 1
                        try await m.create(on: db)
                        if level == .first { try await FluentHazardRepository.notify([Self.level1Note(point, c, value: value, alarmID: m.id!)], on: db, at: at) }
                        try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "alarm", entityID: m.id!.uuidString,
                                                    changes: [FieldChange(field: "point", before: nil, after: point.code),
                                                              FieldChange(field: "condition", before: nil, after: c.rawValue),
                                                              FieldChange(field: "level", before: nil, after: String(level.rawValue)),
                                                              FieldChange(field: "value", before: nil, after: value)],
                                                    audit: AuditContext(actor: .system, at: at, origin: "alarm-engine"))
                    case .upgraded(let c, let level, let value, let ts):
                        guard let m = try await Self.out(point.id, c, on: db), level.rawValue < m.level else { continue }
                        let before = m.level
                        m.level = level.rawValue
                        m.upgradedAt = ts
                        m.updatedAt = at
                        m.version += 1
                        try await m.update(on: db)
                        if level == .first { try await FluentHazardRepository.notify([Self.level1Note(point, c, value: value, alarmID: m.id!)], on: db, at: at) }
                        try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "alarm", entityID: m.id!.uuidString,
                                                    changes: [FieldChange(field: "level", before: String(before), after: String(level.rawValue))],
                                                    audit: AuditContext(actor: .system, at: at, origin: "alarm-engine"))
                    case .cleared(let c, let value, let ts):
                        guard let m = try await Self.out(point.id, c, on: db) else { continue }
                        // A reading stamped before the alarm was raised (a late delivery ending an offline alarm)
                        // still ends it no earlier than it began: back to normal never precedes the raise.
                        m.normalAt = max(ts, m.raisedAt)
                        m.normalValue = value
                        m.updatedAt = at
                        m.version += 1
                        try await m.update(on: db)
                        try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "alarm", entityID: m.id!.uuidString,
                                                    changes: [FieldChange(field: "normalAt", before: nil, after: ISOTime.string(ts))],
                                                    audit: AuditContext(actor: .system, at: at, origin: "alarm-engine"))
                    }
                }
            }
        }
    }

    /// A level-1 alarm reaches the enterprise's inbox at once, in the write that raises it.
    static func level1Note(_ point: MonitoringPoint, _ c: AlarmCondition, value: String, alarmID: UUID) -> NotificationDraft {
        NotificationDraft(audience: .enterprise(point.enterpriseID), kind: .level1Alarm, hazardID: nil, alarmID: alarmID,
                          zh: "\(point.enterpriseName)：\(point.name)\(c.zh)（一级报警），请立即确认并处置",
                          en: "\(point.enterpriseName): \(point.name) \(c.en.lowercased()) (level 1): acknowledge and act now")
    }

    static func out(_ point: UUID, _ c: AlarmCondition, on db: any Database) async throws -> AlarmModel? {
        try await AlarmModel.query(on: db).filter(\.$pointID == point).filter(\.$condition == c.rawValue).filter(\.$normalAt == nil)
            .sort(\.$raisedAt, .descending).first()
    }

    public func outConditions(pointIDs: [UUID]) async throws -> [UUID: [AlarmCondition: AlarmLevel]] {
        guard !pointIDs.isEmpty else { return [:] }
        struct Row: Decodable { let point_id: UUID; let condition: String; let level: Int }
        var q: SQLQueryString = "SELECT point_id, condition, level FROM alarms WHERE normal_at IS NULL AND point_id IN ("
        for (i, id) in pointIDs.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: id)" }
        var out: [UUID: [AlarmCondition: AlarmLevel]] = [:]
        for r in try await store.sql.raw(q + ")").all(decoding: Row.self) {
            guard let c = AlarmCondition(rawValue: r.condition), let l = AlarmLevel(rawValue: r.level) else { continue }
            out[r.point_id, default: [:]][c] = max(out[r.point_id]?[c] ?? l, l)
        }
        return out
    }

    public func lastReadings(pointIDs: [UUID], before: [UUID: Date]) async throws -> [UUID: (ts: Date, value: Double?)] {
        var out: [UUID: (ts: Date, value: Double?)] = [:]
        let log = store.readingLog
        try await log.current()
        for id in pointIDs {
            guard let s = try await log.last(point: id, before: before[id].map(FluentReadingRepository.millis) ?? .max, current: false) else { continue }
            out[id] = (Date(timeIntervalSince1970: Double(s.ts) / 1000), s.value)
        }
        return out
    }

    public func list(_ query: AlarmQuery, page: Paging, scope: Scope) async throws -> Paged<Alarm> {
        guard let q = filtered(query, scope: scope) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let total = try await q.copy().rowCount()
        switch query.order {
        case .urgency: q.sort(.custom(SQLRaw("CASE WHEN \"alarms\".\"state\" = 'active' THEN 0 ELSE 1 END"))).sort(\.$level)
        case .waiting: q.sort(\.$level).sort(\.$raisedAt, .ascending).sort(\.$id)
        case .raised: break
        }
        let rows = try await q.sort(\.$raisedAt, .descending).sort(\.$id, .descending).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func changes(_ query: AlarmQuery, from: Date, limit: Int, scope: Scope) async throws -> [Alarm] {
        guard let q = filtered(query, scope: scope) else { return [] }
        return try await q.filter(\.$updatedAt >= from).sort(\.$updatedAt).sort(\.$id).limit(limit).all().map { try $0.domain() }
    }

    func filtered(_ query: AlarmQuery, scope: Scope) -> QueryBuilder<AlarmModel>? {
        guard let q = Self.scoped(scope, on: store.database) else { return nil }
        if let s = query.states { q.filter(\.$state ~~ s.map(\.rawValue)) }
        if let l = query.level { q.filter(\.$level == l.rawValue) }
        if let c = query.condition { q.filter(\.$condition == c.rawValue) }
        if let c = query.countyCode { q.filter(\.$countyCode == c) }
        if let e = query.enterpriseID { q.filter(\.$enterpriseID == e) }
        if let p = query.pointID { q.filter(\.$pointID == p) }
        if query.outOnly { q.filter(\.$normalAt == nil) }
        if let h = query.hazardID { q.filter(\.$hazardID == h) }
        switch query.escalatedTo {
        case .county?: q.filter(\.$countyNotifiedAt != nil)
        case .city?: q.filter(\.$cityNotifiedAt != nil)
        case nil: break
        }
        if let a = query.raisedAfter { q.filter(\.$raisedAt >= a) }
        if let b = query.raisedBefore { q.filter(\.$raisedAt < b) }
        return q
    }

    public func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                       change: @escaping @Sendable (Alarm) throws -> Alarm) async throws -> Alarm {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "alarm") }
            let before = try m.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "alarm", expected: expectedVersion, current: before.version)
            }
            var after = try change(before)
            after.version = before.version + 1
            m.state = after.state.rawValue
            m.steps = JSONColumn.encode(after.steps) ?? "[]"
            m.hazardID = after.hazardID
            m.updatedAt = after.updatedAt
            m.version = after.version
            try await m.update(on: db)
            var changes = [FieldChange(field: "state", before: before.state.rawValue, after: after.state.rawValue)]
            if after.hazardID != before.hazardID {
                changes = [FieldChange(field: "hazard", before: before.hazardID?.uuidString, after: after.hazardID?.uuidString)]
            } else if let step = after.steps.last {
                changes.append(FieldChange(field: "action", before: nil, after: step.action.rawValue))
                if let c = step.cause { changes.append(FieldChange(field: "cause", before: nil, after: c)) }
                if let u = step.until { changes.append(FieldChange(field: "until", before: nil, after: ISOTime.string(u))) }
            }
            try await AuditChain.append(on: db, action: AuditAction.transition.rawValue, entityType: "alarm", entityID: id.uuidString,
                                        changes: changes, audit: audit)
            return after
        }
    }

    public func dueForEscalation(policy: EscalationPolicy, now: Date, owner: String) async throws -> [(Alarm, EscalationPolicy.Tier)] {
        let held = try await FluentEngineLeaseRepository.held(owner, on: store.sql)
        guard !held.isEmpty else { return [] }
        var out: [(Alarm, EscalationPolicy.Tier)] = []
        for level in AlarmLevel.allCases {
            let active = AlarmModel.query(on: store.database).filter(\.$state == Alarm.State.active.rawValue).filter(\.$level == level.rawValue)
            if let minutes = policy.toCounty[level] {
                for m in try await active.copy().filter(\.$countyNotifiedAt == nil).filter(\.$raisedAt <= now.addingTimeInterval(-Double(minutes) * 60)).all()
                where held[m.enterpriseID] != nil {
                    out.append((try m.domain(), .county))
                }
            }
            if let minutes = policy.toCity[level] {
                for m in try await active.copy().filter(\.$cityNotifiedAt == nil)
                    .filter(\.$countyNotifiedAt <= now.addingTimeInterval(-Double(minutes) * 60)).all() where held[m.enterpriseID] != nil {
                    out.append((try m.domain(), .city))
                }
            }
        }
        return out
    }

    public func count(pointID: UUID, since: Date) async throws -> Int {
        try await AlarmModel.query(on: store.database).filter(\.$pointID == pointID).filter(\.$raisedAt >= since).rowCount()
    }

    public func markEscalated(_ id: UUID, tier: EscalationPolicy.Tier, notes: [NotificationDraft], at: Date) async throws -> Bool {
        try await store.write { db in
            guard let m = try await AlarmModel.find(id, on: db), m.state == Alarm.State.active.rawValue else { return false }
            switch tier {
            case .county: guard m.countyNotifiedAt == nil else { return false }; m.countyNotifiedAt = at
            case .city: guard m.cityNotifiedAt == nil else { return false }; m.cityNotifiedAt = at
            }
            m.updatedAt = at
            try await m.update(on: db)
            try await FluentHazardRepository.notify(notes, on: db, at: at)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "alarm", entityID: id.uuidString,
                                        changes: [FieldChange(field: "\(tier.rawValue)NotifiedAt", before: nil, after: ISOTime.string(at))],
                                        audit: AuditContext(actor: .system, at: at, origin: "alarm-escalation"))
            return true
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Alarm? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }
}
