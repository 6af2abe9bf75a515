import Foundation

/// Loads demo data in bulk, as the process itself (`serve` on an empty database, `zhiben seed-demo`):
/// thousands of records a statement, each batch audited once, instead of one workflow step at a time.
/// Only the system caller loads; nothing here is reachable from a request.
public struct DemoLoader: Sendable {
    let enterprises: any EnterpriseRepository
    let users: any UserRepository
    let hazards: any HazardRepository
    let selfInspections: any SelfInspectionRepository
    let points: any MonitoringPointRepository
    let people: any EnforcementPeopleRepository

    public init(enterprises: any EnterpriseRepository, users: any UserRepository, hazards: any HazardRepository,
                selfInspections: any SelfInspectionRepository, points: any MonitoringPointRepository, people: any EnforcementPeopleRepository) {
        self.enterprises = enterprises
        self.users = users
        self.hazards = hazards
        self.selfInspections = selfInspections
        self.points = points
        self.people = people
    }

    static func audit(_ now: Date) -> AuditContext { AuditContext(actor: .system, at: now, origin: "seed-demo") }

    // MARK: enterprises and accounts

    public func existingCreditCodes(_ codes: [String]) async throws -> Set<String> { try await enterprises.existingCreditCodes(codes) }

    public func createEnterprises(_ records: [Enterprise], now: Date) async throws {
        for chunk in stride(from: 0, to: records.count, by: 2000) {
            try await enterprises.createAll(Array(records[chunk..<min(chunk + 2000, records.count)]), audit: Self.audit(now))
        }
    }

    public func enterpriseID(creditCode: String) async throws -> UUID? { try await enterprises.find(creditCode: creditCode, scope: .city)?.id }

    public func allEnterprises() async throws -> [Enterprise] { try await enterprises.all(EnterpriseQuery(), scope: .city, limit: Int.max) }

    public func existingUsernames(_ names: [String]) async throws -> Set<String> { try await users.existingUsernames(names) }

    public func createUsers(_ list: [User], now: Date) async throws {
        for chunk in stride(from: 0, to: list.count, by: 2000) {
            try await users.createAll(Array(list[chunk..<min(chunk + 2000, list.count)]), audit: Self.audit(now))
        }
    }

    // MARK: hazards, self-inspections, internal reports

    public func hasHazards(now: Date) async throws -> Bool {
        try await hazards.list(HazardQuery(), page: Paging(per: 1), scope: .city, now: now).total > 0
    }

    public func createHazards(_ items: [(Hazard, [HazardEvent])], now: Date) async throws {
        for chunk in stride(from: 0, to: items.count, by: 5000) {
            try await hazards.createAll(Array(items[chunk..<min(chunk + 5000, items.count)]), audit: Self.audit(now))
        }
    }

    public func createSelfInspections(_ checks: [SelfInspection], reports: [InternalReport], now: Date) async throws {
        for chunk in stride(from: 0, to: checks.count, by: 5000) {
            try await selfInspections.createAll(Array(checks[chunk..<min(chunk + 5000, checks.count)]), audit: Self.audit(now))
        }
        for report in reports { _ = try await selfInspections.createReport(report, audit: Self.audit(now)) }
    }

    // MARK: monitoring points

    public func hasPoints() async throws -> Bool {
        try await points.list(MonitoringPointQuery(includeInactive: true), page: Paging(per: 1), scope: .city).total > 0
    }

    public func createPoints(_ list: [MonitoringPoint], now: Date) async throws {
        for chunk in stride(from: 0, to: list.count, by: 5000) {
            try await points.createAll(Array(list[chunk..<min(chunk + 5000, list.count)]), audit: Self.audit(now))
        }
    }

    // MARK: the roster and the expert pool

    public func hasRoster() async throws -> Bool { try await !people.allInspectors(countyCodes: nil).isEmpty }

    public func addInspector(_ i: RosterInspector, now: Date) async throws { try await people.saveInspector(i, audit: Self.audit(now)) }

    public func addExpert(_ e: Expert, now: Date) async throws { try await people.saveExpert(e, audit: Self.audit(now)) }
}
