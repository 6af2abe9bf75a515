import Foundation

/// Monitoring points and their limits (T14): enterprises manage their own, regulators read them.
public struct MonitoringService: Sendable {
    public let points: any MonitoringPointRepository
    public let enterprises: any EnterpriseRepository
    public let clock: any WallClock
    /// Told of every change, so that ingest here uses the new definition at once.
    public let definitions: PointDefinitionCache?

    public init(points: any MonitoringPointRepository, enterprises: any EnterpriseRepository, clock: any WallClock, definitions: PointDefinitionCache? = nil) {
        self.points = points
        self.enterprises = enterprises
        self.clock = clock
        self.definitions = definitions
    }

    /// The demo's points (`DemoData.isDemoPointCode`), by enterprise, of up to `limit` enterprises of each
    /// county and of each enterprise in `first`: what the demo's simulated gateways report on. The
    /// process's own read for its demo, not a caller's.
    public func demoPoints(perCounty limit: Int, including first: Set<UUID> = []) async throws -> [UUID: [MonitoringPoint]] {
        var byEnterprise: [UUID: [MonitoringPoint]] = [:]
        var counties: [String: Set<UUID>] = [:]
        var page = 1
        while true {
            let items = try await points.list(MonitoringPointQuery(), page: Paging(page: page, per: Paging.maxPer), scope: .city).items
            for p in items where DemoData.isDemoPointCode(p.code) {
                var chosen = counties[p.countyCode, default: []]
                guard chosen.contains(p.enterpriseID) || first.contains(p.enterpriseID) || chosen.count < limit else { continue }
                chosen.insert(p.enterpriseID)
                counties[p.countyCode] = chosen
                byEnterprise[p.enterpriseID, default: []].append(p)
            }
            guard items.count == Paging.maxPer else { return byEnterprise }
            page += 1
        }
    }

    public func list(_ query: MonitoringPointQuery, page: Paging, actor: Caller) async throws -> Paged<MonitoringPoint> {
        try actor.require(.monitoringRead)
        return try await points.list(query, page: page, scope: actor.scope)
    }

    public func get(_ id: UUID, actor: Caller) async throws -> MonitoringPoint {
        try actor.require(.monitoringRead)
        guard let p = try await points.find(id: id, scope: actor.scope),
              actor.scope.includes(countyCode: p.countyCode, enterpriseID: p.enterpriseID) else {
            throw DomainError.notFound(entity: "monitoring point")
        }
        return p
    }

    public func history(_ id: UUID, actor: Caller) async throws -> (MonitoringPoint, [LimitChange]) {
        let p = try await get(id, actor: actor)
        return (p, try await points.limitHistory(pointID: p.id))
    }

    /// A new point of the caller's own enterprise (the system may name any).
    public func create(_ draft: MonitoringPointDraft, actor: Caller, origin: String? = nil) async throws -> MonitoringPoint {
        try actor.require(.monitoringManage)
        let target: UUID? = if case .enterprise(let own) = actor.scope { own } else { draft.enterpriseID }
        guard let target, let e = try await enterprises.find(id: target, scope: actor.scope) else {
            if draft.enterpriseID == nil, actor.kind == .system {
                throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请指定企业", en: "the enterprise is required")])
            }
            throw DomainError.notFound(entity: "enterprise")
        }
        let issues = MonitoringRules.issues(draft)
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let point = Self.point(from: draft, enterprise: e, now: now)
        let created = try await points.create(point, audit: AuditContext(actor: actor, at: now, origin: origin))
        await definitions?.invalidate(enterpriseID: created.enterpriseID)
        return created
    }

    /// Changes a point: everything but its enterprise. A change of limits goes into its history.
    public func update(_ id: UUID, _ draft: MonitoringPointDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> MonitoringPoint {
        try actor.require(.monitoringManage)
        let issues = MonitoringRules.issues(draft)
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let updated = try await points.update(id: id, scope: actor.scope, expectedVersion: expectedVersion,
                                       audit: AuditContext(actor: actor, at: now, origin: origin)) { p in
            var next = p
            next.code = draft.code.trimmingCharacters(in: .whitespaces)
            next.name = draft.name.trimmingCharacters(in: .whitespaces)
            next.indicator = draft.indicator
            next.equipment = draft.equipment.trimmingCharacters(in: .whitespaces)
            next.unit = draft.unit.trimmingCharacters(in: .whitespaces)
            next.kind = MonitoringPoint.Kind(rawValue: draft.kind) ?? p.kind
            next.interval = draft.interval ?? p.interval
            next.limits = draft.limits
            next.active = draft.active
            next.updatedAt = now
            return next
        }
        await definitions?.invalidate(enterpriseID: updated.enterpriseID)
        return updated
    }

    static func point(from d: MonitoringPointDraft, enterprise e: Enterprise, now: Date, id: UUID = UUID()) -> MonitoringPoint {
        MonitoringPoint(id: id, enterpriseID: e.id, countyCode: e.profile.countyCode, enterpriseName: e.profile.name,
                        code: d.code.trimmingCharacters(in: .whitespaces), name: d.name.trimmingCharacters(in: .whitespaces), indicator: d.indicator,
                        equipment: d.equipment.trimmingCharacters(in: .whitespaces), unit: d.unit.trimmingCharacters(in: .whitespaces),
                        kind: MonitoringPoint.Kind(rawValue: d.kind) ?? .analog, interval: d.interval ?? 60, limits: d.limits, active: d.active,
                        createdAt: now, updatedAt: now)
    }
}
