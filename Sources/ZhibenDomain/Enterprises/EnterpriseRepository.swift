import Foundation

public enum EnterpriseSort: String, Sendable, CaseIterable {
    case name, creditCode, county, industry, grade, employees, updatedAt
}

/// Filters of the enterprise list. Nil means "any".
public struct EnterpriseQuery: Sendable, Equatable {
    public var countyCode: String?
    public var industry: Industry?
    public var specialRisk: SpecialRisk?
    public var grade: SupervisionGrade?
    public var standardization: StandardizationGrade?
    public var status: OperatingStatus?
    /// Active records only, unless asked for deactivated ones too.
    public var includeInactive: Bool
    /// Matches name or credit code.
    public var search: String?
    public var sort: EnterpriseSort
    public var direction: SortDirection

    public init(countyCode: String? = nil, industry: Industry? = nil, specialRisk: SpecialRisk? = nil,
                grade: SupervisionGrade? = nil, standardization: StandardizationGrade? = nil,
                status: OperatingStatus? = nil, includeInactive: Bool = false, search: String? = nil,
                sort: EnterpriseSort = .name, direction: SortDirection = .asc) {
        self.countyCode = countyCode
        self.industry = industry
        self.specialRisk = specialRisk
        self.grade = grade
        self.standardization = standardization
        self.status = status
        self.includeInactive = includeInactive
        self.search = search
        self.sort = sort
        self.direction = direction
    }
}

/// Counts for the dashboard, within the caller's scope.
public struct EnterpriseStatistics: Sendable, Equatable {
    public var total: Int
    public var byCounty: [String: Int]
    public var byIndustry: [Industry: Int]
    public var byGrade: [SupervisionGrade: Int]
    public var bySpecialRisk: [SpecialRisk: Int]

    public init(total: Int = 0, byCounty: [String: Int] = [:], byIndustry: [Industry: Int] = [:],
                byGrade: [SupervisionGrade: Int] = [:], bySpecialRisk: [SpecialRisk: Int] = [:]) {
        self.total = total
        self.byCounty = byCounty
        self.byIndustry = byIndustry
        self.byGrade = byGrade
        self.bySpecialRisk = bySpecialRisk
    }
}

/// Storage of enterprises. Every method takes the caller's scope; a record outside it does not exist.
/// Every write appends its audit entry in the same transaction.
public protocol EnterpriseRepository: Sendable {
    func find(id: UUID, scope: Scope) async throws -> Enterprise?
    /// Those of the given enterprises within the scope, in one query.
    func find(ids: [UUID], scope: Scope) async throws -> [UUID: Enterprise]
    func find(creditCode: String, scope: Scope) async throws -> Enterprise?
    func list(_ query: EnterpriseQuery, page: Paging, scope: Scope) async throws -> Paged<Enterprise>
    /// Every match, for export; bounded by `limit`.
    func all(_ query: EnterpriseQuery, scope: Scope, limit: Int) async throws -> [Enterprise]
    func statistics(scope: Scope) async throws -> EnterpriseStatistics
    /// Which of these credit codes already exist, whatever the scope (a code is unique city-wide).
    func existingCreditCodes(_ codes: [String]) async throws -> Set<String>

    func create(_ enterprise: Enterprise, audit: AuditContext) async throws -> Enterprise
    /// Creates all or none, auditing each row.
    func createAll(_ enterprises: [Enterprise], audit: AuditContext) async throws
    /// Reads the record in scope, applies `change`, stores it with the next version and audits the
    /// difference, atomically. With `expectedVersion`, a record at another version is refused (`staleVersion`).
    func update(id: UUID, scope: Scope, expectedVersion: Int?, action: AuditAction, audit: AuditContext,
                change: @escaping @Sendable (Enterprise) throws -> Enterprise) async throws -> Enterprise
}
