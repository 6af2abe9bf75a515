import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class PlanModel: Model, @unchecked Sendable {
    static let schema = "enforcement_plans"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "year") var year: Int
    @Field(key: "key_enterprises") var keyEnterprises: String
    @Field(key: "draw_quota") var drawQuota: Int
    @Field(key: "updated_by") var updatedBy: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func domain() -> EnforcementPlan {
        EnforcementPlan(countyCode: countyCode, year: year, keyEnterprises: JSONColumn.decode(keyEnterprises, as: [EnforcementPlan.KeyEnterprise].self) ?? [],
                        drawQuota: drawQuota, updatedBy: updatedBy, updatedAt: updatedAt, version: version)
    }
}

public struct FluentPlanRepository: PlanRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func find(countyCode: String, year: Int, scope: Scope) async throws -> EnforcementPlan? {
        guard scope.reaches(county: countyCode) else { return nil }
        return try await PlanModel.query(on: store.database).filter(\.$countyCode == countyCode).filter(\.$year == year).first()?.domain()
    }

    public func save(_ plan: EnforcementPlan, expectedVersion: Int, scope: Scope, audit: AuditContext) async throws -> EnforcementPlan {
        guard scope.reaches(county: plan.countyCode) else { throw DomainError.notFound(entity: "plan") }
        return try await store.write { db in
            let existing = try await PlanModel.query(on: db).filter(\.$countyCode == plan.countyCode).filter(\.$year == plan.year).first()
            let current = existing?.version ?? 0
            guard current == expectedVersion else { throw DomainError.staleVersion(entity: "plan", expected: expectedVersion, current: current) }
            let before = existing.map { ["keyEnterprises": $0.keyEnterprises, "drawQuota": String($0.drawQuota)] } ?? [:]
            let m = existing ?? PlanModel()
            if existing == nil { m.id = UUID() }
            m.countyCode = plan.countyCode
            m.year = plan.year
            m.keyEnterprises = JSONColumn.encode(plan.keyEnterprises) ?? "[]"
            m.drawQuota = plan.drawQuota
            m.updatedBy = plan.updatedBy
            m.updatedAt = plan.updatedAt
            m.version = current + 1
            try await (existing == nil ? m.create(on: db) : m.update(on: db))
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: "enforcement-plan",
                                        entityID: "\(plan.countyCode)-\(plan.year)",
                                        changes: FieldChange.diff(before, ["keyEnterprises": m.keyEnterprises, "drawQuota": String(m.drawQuota)]), audit: audit)
            return m.domain()
        }
    }

    public func facts(countyCode: String, now: Date, scope: Scope) async throws -> [PlanFacts] {
        guard scope.reaches(county: countyCode) else { return [] }
        // Plain rows, read column by column: a county holds a few thousand enterprises, and models (or a
        // Decodable row) cost several times more per row.
        struct E { let id: UUID; let name: String; let grade: String; let standardization: String; let standardization_valid_until: Date?; let special_risks: String }
        let enterprises = try await store.sql.raw("""
            SELECT id, name, grade, standardization, standardization_valid_until, special_risks FROM enterprises
            WHERE county_code = \(bind: countyCode) AND active = \(bind: true)
            """).all().map { r in
                E(id: try r.decode(column: "id", as: UUID.self), name: try r.decode(column: "name", as: String.self),
                  grade: try r.decode(column: "grade", as: String.self), standardization: try r.decode(column: "standardization", as: String.self),
                  standardization_valid_until: try r.decode(column: "standardization_valid_until", as: Date?.self),
                  special_risks: try r.decode(column: "special_risks", as: String.self))
            }
        struct Count: Decodable { let enterprise_id: UUID; let n: Int }
        let majors = try await store.sql.raw("""
            SELECT enterprise_id, COUNT(*) AS n FROM hazards WHERE county_code = \(bind: countyCode) AND level = \(bind: HazardLevel.major.rawValue)
            AND state NOT IN (\(bind: HazardState.closed.rawValue), \(bind: HazardState.rejected.rawValue)) GROUP BY enterprise_id
            """).all(decoding: Count.self)
        let majorsBy = Dictionary(majors.map { ($0.enterprise_id, $0.n) }, uniquingKeysWith: +)
        struct E1: Decodable { let enterprise_id: UUID }
        let alarmed = Set(try await store.sql.raw("""
            SELECT DISTINCT enterprise_id FROM alarms WHERE county_code = \(bind: countyCode) AND level = \(bind: AlarmLevel.first.rawValue)
            AND raised_at >= \(bind: now.addingTimeInterval(-90 * 86_400))
            """).all(decoding: E1.self).map(\.enterprise_id))
        let accidents = Dictionary(try await store.sql.raw("""
            SELECT enterprise_id, COUNT(*) AS n FROM hazards WHERE county_code = \(bind: countyCode) AND source = \(bind: HazardSource.accidentInvestigation.rawValue)
            AND found_at >= \(bind: now.addingTimeInterval(-365 * 86_400)) GROUP BY enterprise_id
            """).all(decoding: Count.self).map { ($0.enterprise_id, $0.n) }, uniquingKeysWith: +)
        // One row per inspected enterprise: the last completion, and whether a thorough check-up is among them.
        struct Done: Decodable { let enterprise_id: UUID; let last: Date?; let thorough: Int }
        let done = try await store.sql.raw("""
            SELECT enterprise_id, MAX(completed_at) AS last, MAX(CASE WHEN style = \(bind: InspectionStyle.thorough.rawValue) THEN 1 ELSE 0 END) AS thorough
            FROM inspections WHERE county_code = \(bind: countyCode) AND state = \(bind: Inspection.State.completed.rawValue) GROUP BY enterprise_id
            """).all(decoding: Done.self)
        var last: [UUID: Date] = [:]
        var thorough: Set<UUID> = []
        for d in done {
            if let at = d.last { last[d.enterprise_id] = at }
            if d.thorough == 1 { thorough.insert(d.enterprise_id) }
        }
        return enterprises.map { m in
            PlanFacts(enterpriseID: m.id, name: m.name, grade: SupervisionGrade(rawValue: m.grade) ?? .D,
                      standardization: StandardizationGrade(rawValue: m.standardization) ?? .none, standardizationValidUntil: m.standardization_valid_until,
                      specialRisks: TagSet.decode(m.special_risks, as: SpecialRisk.self), openMajorHazards: majorsBy[m.id] ?? 0,
                      recentLevel1Alarm: alarmed.contains(m.id), lastInspected: last[m.id], thoroughDone: thorough.contains(m.id),
                      recentAccidents: accidents[m.id] ?? 0)
        }.sorted { $0.name < $1.name }
    }

    public func figures(scope: Scope, year: Int) async throws -> EnforcementFigures {
        let countyCode: String?
        switch scope {
        case .city: countyCode = nil
        case .county(let c): countyCode = c
        case .enterprise, .assigned: throw DomainError.forbidden(permission: .enforcementRead)
        }
        let plans = PlanModel.query(on: store.database).filter(\.$year == year)
        let inspections = InspectionModel.query(on: store.database).filter(.sql(LikeMatch(column: "planned_on", pattern: "\(year)-%")))
            .filter(\.$state != Inspection.State.cancelled.rawValue)
        let penalties = PenaltyModel.query(on: store.database).filter(.sql(LikeMatch(column: "decided_on", pattern: "\(year)-%")))
        let exams = WorkerExamModel.query(on: store.database).filter(\.$state == WorkerExam.State.awaitingRetraining.rawValue)
        if let countyCode {
            plans.filter(\.$countyCode == countyCode)
            inspections.filter(\.$countyCode == countyCode)
            penalties.filter(\.$countyCode == countyCode)
            exams.filter(\.$countyCode == countyCode)
        }
        let planned = try await plans.all().reduce(0) { $0 + $1.drawQuota + (JSONColumn.decode($1.keyEnterprises, as: [EnforcementPlan.KeyEnterprise].self)?.count ?? 0) }
        let fines = try await penalties.copy().all()
        // High-risk active enterprises, and those with a completed 体检式精查 ever.
        var high: SQLQueryString = "SELECT COUNT(*) AS n FROM enterprises WHERE active = \(bind: true) AND ("
        for (n, risk) in PlanRules.highRisks.map(\.rawValue).sorted().enumerated() {
            high += (n == 0 ? "" : " OR ") + "special_risks LIKE \(bind: TagSet.pattern(risk))"
        }
        high += ")"
        if let countyCode { high += " AND county_code = \(bind: countyCode)" }
        struct N: Decodable { let n: Int }
        let highRisk = try await store.sql.raw(high).first(decoding: N.self)?.n ?? 0
        high += " AND id IN (SELECT enterprise_id FROM inspections WHERE state = \(bind: Inspection.State.completed.rawValue) AND style = \(bind: InspectionStyle.thorough.rawValue))"
        let thoroughDone = try await store.sql.raw(high).first(decoding: N.self)?.n ?? 0
        return EnforcementFigures(planned: planned, inspections: try await inspections.copy().rowCount(),
                                  completed: try await inspections.copy().filter(\.$state == Inspection.State.completed.rawValue).rowCount(),
                                  penalties: fines.count, fined: fines.reduce(0) { $0 + $1.enterpriseFine + $1.principalFine }, offDuty: try await exams.rowCount(),
                                  highRisk: highRisk, thoroughDone: thoroughDone)
    }
}
