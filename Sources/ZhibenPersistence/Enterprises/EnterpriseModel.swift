import FluentKit
import Foundation
import ZhibenDomain

final class EnterpriseModel: Model, @unchecked Sendable {
    static let schema = "enterprises"

    @ID(key: .id) var id: UUID?
    @Field(key: "credit_code") var creditCode: String
    @Field(key: "name") var name: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "township") var township: String
    @Field(key: "address") var address: String
    @OptionalField(key: "longitude") var longitude: Double?
    @OptionalField(key: "latitude") var latitude: Double?
    @Field(key: "industry") var industry: String
    @Field(key: "sub_industry") var subIndustry: String
    @Field(key: "scale") var scale: String
    @Field(key: "employees") var employees: Int
    @Field(key: "dust_workers") var dustWorkers: Int
    @Field(key: "dust_types") var dustTypes: String
    @Field(key: "special_risks") var specialRisks: String
    @Field(key: "principal_name") var principalName: String
    @Field(key: "principal_phone") var principalPhone: String
    @Field(key: "controller_name") var controllerName: String
    @Field(key: "controller_phone") var controllerPhone: String
    @Field(key: "safety_manager_name") var safetyManagerName: String
    @Field(key: "safety_manager_phone") var safetyManagerPhone: String
    @Field(key: "standardization") var standardization: String
    @OptionalField(key: "standardization_valid_until") var standardizationValidUntil: Date?
    @Field(key: "status") var status: String
    @Field(key: "supervising_department") var supervisingDepartment: String
    @Field(key: "computed_grade") var computedGrade: String
    /// The grade in force (override or computed), kept for filtering and sorting.
    @Field(key: "grade") var grade: String
    @OptionalField(key: "override_grade") var overrideGrade: String?
    @OptionalField(key: "override_reason") var overrideReason: String?
    @OptionalField(key: "override_by") var overrideBy: String?
    @OptionalField(key: "override_at") var overrideAt: Date?
    @Field(key: "active") var active: Bool
    @OptionalField(key: "deactivation_reason") var deactivationReason: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int
    /// The name's pinyin initials (`PinyinInitials`), which the search matches as well.
    @Field(key: "name_initials") var nameInitials: String

    init() {}

    init(_ e: Enterprise) {
        id = e.id
        apply(e)
    }

    func apply(_ e: Enterprise) {
        let p = e.profile
        creditCode = p.creditCode
        name = p.name
        nameInitials = PinyinInitials.of(p.name)
        countyCode = p.countyCode
        township = p.township
        address = p.address
        longitude = p.coordinates?.longitude
        latitude = p.coordinates?.latitude
        industry = p.industry.rawValue
        subIndustry = p.subIndustry
        scale = p.scale.rawValue
        employees = p.employees
        dustWorkers = p.dustWorkers
        dustTypes = TagSet.encode(p.dustTypes)
        specialRisks = TagSet.encode(p.specialRisks)
        principalName = p.principal.name
        principalPhone = p.principal.phone
        controllerName = p.actualController.name
        controllerPhone = p.actualController.phone
        safetyManagerName = p.safetyManager.name
        safetyManagerPhone = p.safetyManager.phone
        standardization = p.standardization.rawValue
        standardizationValidUntil = p.standardizationValidUntil
        status = p.status.rawValue
        supervisingDepartment = p.supervisingDepartment
        computedGrade = e.computedGrade.rawValue
        grade = e.grade.rawValue
        overrideGrade = e.gradeOverride?.grade.rawValue
        overrideReason = e.gradeOverride?.reason
        overrideBy = e.gradeOverride?.byUsername
        overrideAt = e.gradeOverride?.at
        active = e.active
        deactivationReason = e.deactivationReason
        createdAt = e.createdAt
        updatedAt = e.updatedAt
        version = e.version
    }

    func domain() throws -> Enterprise {
        let coordinates: Coordinates? = if let longitude, let latitude { Coordinates(longitude: longitude, latitude: latitude) } else { nil }
        let profile = EnterpriseProfile(
            creditCode: creditCode, name: name, countyCode: countyCode, township: township, address: address,
            coordinates: coordinates, industry: Industry(rawValue: industry) ?? .commerce, subIndustry: subIndustry,
            scale: EnterpriseScale(rawValue: scale) ?? .belowDesignated, employees: employees, dustWorkers: dustWorkers,
            dustTypes: TagSet.decode(dustTypes, as: DustType.self), specialRisks: TagSet.decode(specialRisks, as: SpecialRisk.self),
            principal: ContactPerson(name: principalName, phone: principalPhone),
            actualController: ContactPerson(name: controllerName, phone: controllerPhone),
            safetyManager: ContactPerson(name: safetyManagerName, phone: safetyManagerPhone),
            standardization: StandardizationGrade(rawValue: standardization) ?? .none,
            standardizationValidUntil: standardizationValidUntil, status: OperatingStatus(rawValue: status) ?? .operating,
            supervisingDepartment: supervisingDepartment)
        var override: GradeOverride?
        if let g = overrideGrade.flatMap(SupervisionGrade.init(rawValue:)) {
            override = GradeOverride(grade: g, reason: overrideReason ?? "", byUsername: overrideBy ?? "", at: overrideAt ?? updatedAt)
        }
        return Enterprise(id: try requireID(), profile: profile, computedGrade: SupervisionGrade(rawValue: computedGrade) ?? .D,
                          gradeOverride: override, active: active, deactivationReason: deactivationReason,
                          createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}
