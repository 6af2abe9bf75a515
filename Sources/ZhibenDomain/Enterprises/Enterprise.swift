import Foundation

/// A person named on the enterprise record (principal, actual controller, safety manager).
public struct ContactPerson: Sendable, Equatable, Codable {
    public var name: String
    public var phone: String

    public init(name: String = "", phone: String = "") {
        self.name = name
        self.phone = phone
    }
}

public struct Coordinates: Sendable, Equatable, Codable {
    public var longitude: Double
    public var latitude: Double

    public init(longitude: Double, latitude: Double) {
        self.longitude = longitude
        self.latitude = latitude
    }
}

/// A recorded manual override of the computed supervision grade.
public struct GradeOverride: Sendable, Equatable, Codable {
    public var grade: SupervisionGrade
    public var reason: String
    public var byUsername: String
    public var at: Date

    public init(grade: SupervisionGrade, reason: String, byUsername: String, at: Date) {
        self.grade = grade
        self.reason = reason
        self.byUsername = byUsername
        self.at = at
    }
}

/// The attributes of an enterprise that a user enters (企业基础信息).
public struct EnterpriseProfile: Sendable, Equatable, Codable {
    public var creditCode: String
    public var name: String
    public var countyCode: String
    public var township: String
    public var address: String
    public var coordinates: Coordinates?
    public var industry: Industry
    public var subIndustry: String
    public var scale: EnterpriseScale
    public var employees: Int
    public var dustWorkers: Int
    public var dustTypes: Set<DustType>
    public var specialRisks: Set<SpecialRisk>
    public var principal: ContactPerson
    public var actualController: ContactPerson
    public var safetyManager: ContactPerson
    public var standardization: StandardizationGrade
    public var standardizationValidUntil: Date?
    public var status: OperatingStatus
    public var supervisingDepartment: String

    public init(
        creditCode: String, name: String, countyCode: String, township: String = "", address: String = "",
        coordinates: Coordinates? = nil, industry: Industry, subIndustry: String = "",
        scale: EnterpriseScale = .belowDesignated, employees: Int = 0, dustWorkers: Int = 0,
        dustTypes: Set<DustType> = [], specialRisks: Set<SpecialRisk> = [],
        principal: ContactPerson = .init(), actualController: ContactPerson = .init(),
        safetyManager: ContactPerson = .init(), standardization: StandardizationGrade = .none,
        standardizationValidUntil: Date? = nil, status: OperatingStatus = .operating,
        supervisingDepartment: String = ""
    ) {
        self.creditCode = creditCode
        self.name = name
        self.countyCode = countyCode
        self.township = township
        self.address = address
        self.coordinates = coordinates
        self.industry = industry
        self.subIndustry = subIndustry
        self.scale = scale
        self.employees = employees
        self.dustWorkers = dustWorkers
        self.dustTypes = dustTypes
        self.specialRisks = specialRisks
        self.principal = principal
        self.actualController = actualController
        self.safetyManager = safetyManager
        self.standardization = standardization
        self.standardizationValidUntil = standardizationValidUntil
        self.status = status
        self.supervisingDepartment = supervisingDepartment
    }
}

/// An enterprise as stored: its profile plus what the system derives and records.
public struct Enterprise: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var profile: EnterpriseProfile
    /// The grade the rules compute; `grade` is what supervision uses.
    public var computedGrade: SupervisionGrade
    public var gradeOverride: GradeOverride?
    public var active: Bool
    public var deactivationReason: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Counts the record's changes: 1 when created, one more with every stored change. A writer names the
    /// version it read, so a change made meanwhile by someone else is refused instead of overwritten.
    public var version: Int

    public init(
        id: UUID, profile: EnterpriseProfile, computedGrade: SupervisionGrade, gradeOverride: GradeOverride? = nil,
        active: Bool = true, deactivationReason: String? = nil, createdAt: Date, updatedAt: Date, version: Int = 1
    ) {
        self.version = version
        self.id = id
        self.profile = profile
        self.computedGrade = computedGrade
        self.gradeOverride = gradeOverride
        self.active = active
        self.deactivationReason = deactivationReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var grade: SupervisionGrade { gradeOverride?.grade ?? computedGrade }
    public var county: County? { County.named(profile.countyCode) }
}

/// The fields an enterprise user may change on its own record.
public struct EnterpriseContactUpdate: Sendable, Equatable, Codable {
    public var principal: ContactPerson?
    public var actualController: ContactPerson?
    public var safetyManager: ContactPerson?

    public init(principal: ContactPerson? = nil, actualController: ContactPerson? = nil, safetyManager: ContactPerson? = nil) {
        self.principal = principal
        self.actualController = actualController
        self.safetyManager = safetyManager
    }
}
