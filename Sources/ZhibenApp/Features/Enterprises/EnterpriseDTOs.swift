import Foundation
import Vapor
import ZhibenDomain

struct PersonDTO: Content {
    var name: String
    var phone: String
}

struct GradeOverrideDTO: Content {
    var grade: String
    var reason: String
    var by: String
    var at: String
}

struct ReasonDTO: Content {
    var rule: String
    var zh: String
    var en: String
}

/// An enterprise as the API shows it. Dates are ISO 8601 with offset.
struct EnterpriseDTO: Content {
    var id: UUID
    var creditCode: String
    var name: String
    var countyCode: String
    var countyName: String
    var township: String
    var address: String
    var longitude: Double?
    var latitude: Double?
    var industry: String
    var subIndustry: String
    var scale: String
    var employees: Int
    var dustWorkers: Int
    var dustTypes: [String]
    var specialRisks: [String]
    var principal: PersonDTO
    var actualController: PersonDTO
    var safetyManager: PersonDTO
    var standardization: String
    var standardizationValidUntil: String?
    var status: String
    var supervisingDepartment: String
    var grade: String
    var computedGrade: String
    var gradeOverride: GradeOverrideDTO?
    var classificationReasons: [ReasonDTO]
    var active: Bool
    var deactivationReason: String?
    var createdAt: String
    var updatedAt: String
    /// The record's version; its ETag is this number in quotes.
    var version: Int

    init(_ e: Enterprise, classification: Classification?) {
        let p = e.profile
        id = e.id
        creditCode = p.creditCode
        name = p.name
        countyCode = p.countyCode
        countyName = e.county?.zh ?? ""
        township = p.township
        address = p.address
        longitude = p.coordinates?.longitude
        latitude = p.coordinates?.latitude
        industry = p.industry.rawValue
        subIndustry = p.subIndustry
        scale = p.scale.rawValue
        employees = p.employees
        dustWorkers = p.dustWorkers
        dustTypes = DustType.allCases.filter(p.dustTypes.contains).map(\.rawValue)
        specialRisks = SpecialRisk.allCases.filter(p.specialRisks.contains).map(\.rawValue)
        principal = PersonDTO(name: p.principal.name, phone: p.principal.phone)
        actualController = PersonDTO(name: p.actualController.name, phone: p.actualController.phone)
        safetyManager = PersonDTO(name: p.safetyManager.name, phone: p.safetyManager.phone)
        standardization = p.standardization.rawValue
        standardizationValidUntil = p.standardizationValidUntil.map(ChinaTime.day)
        status = p.status.rawValue
        supervisingDepartment = p.supervisingDepartment
        grade = e.grade.rawValue
        computedGrade = e.computedGrade.rawValue
        gradeOverride = e.gradeOverride.map { GradeOverrideDTO(grade: $0.grade.rawValue, reason: $0.reason, by: $0.byUsername, at: ISOTime.string($0.at)) }
        classificationReasons = classification?.reasons.map { ReasonDTO(rule: $0.rule, zh: $0.zh, en: $0.en) } ?? []
        active = e.active
        deactivationReason = e.deactivationReason
        createdAt = ISOTime.string(e.createdAt)
        updatedAt = ISOTime.string(e.updatedAt)
        version = e.version
    }
}

/// A contact person in a request body; on PATCH each part may be absent (kept) or null (cleared).
struct PersonInputDTO: Content {
    var name: String?
    var phone: String?
}

/// The writable fields of an enterprise. On POST absent fields are empty; on PATCH a `MergePatch` of it (`apply(to:)`).
struct EnterpriseInputDTO: Content {
    var creditCode: String?
    var name: String?
    var countyCode: String?
    var township: String?
    var address: String?
    var longitude: Double?
    var latitude: Double?
    var industry: String?
    var subIndustry: String?
    var scale: String?
    var employees: Int?
    var dustWorkers: Int?
    var dustTypes: [String]?
    var specialRisks: [String]?
    var principal: PersonInputDTO?
    var actualController: PersonInputDTO?
    var safetyManager: PersonInputDTO?
    var standardization: String?
    var standardizationValidUntil: String?
    var status: String?
    var supervisingDepartment: String?

    /// Lays the given fields over `base`.
    func draft(over base: EnterpriseDraft = EnterpriseDraft()) -> EnterpriseDraft {
        var d = base
        if let v = creditCode { d.creditCode = v }
        if let v = name { d.name = v }
        if let v = countyCode { d.countyCode = v }
        if let v = township { d.township = v }
        if let v = address { d.address = v }
        if let v = longitude { d.longitude = String(v) }
        if let v = latitude { d.latitude = String(v) }
        if let v = industry { d.industry = v }
        if let v = subIndustry { d.subIndustry = v }
        if let v = scale { d.scale = v }
        if let v = employees { d.employees = String(v) }
        if let v = dustWorkers { d.dustWorkers = String(v) }
        if let v = dustTypes { d.dustTypes = v }
        if let v = specialRisks { d.specialRisks = v }
        if let v = principal?.name { d.principalName = v }
        if let v = principal?.phone { d.principalPhone = v }
        if let v = actualController?.name { d.controllerName = v }
        if let v = actualController?.phone { d.controllerPhone = v }
        if let v = safetyManager?.name { d.safetyManagerName = v }
        if let v = safetyManager?.phone { d.safetyManagerPhone = v }
        if let v = standardization { d.standardization = v }
        if let v = standardizationValidUntil { d.standardizationValidUntil = v }
        if let v = status { d.status = v }
        if let v = supervisingDepartment { d.supervisingDepartment = v }
        return d
    }
}

/// A PATCH body as a JSON merge patch (RFC 7396): a field given replaces the stored value, a field given
/// as `null` clears it, an absent field keeps it. Contact people merge the same way, part by part.
/// Clearing a required field is refused by validation, which names the field.
/// `PATCH /enterprises/{id}`: every field may be cleared, a contact person whole or one of its members.
extension MergePatch where Values == EnterpriseInputDTO {
    func apply(to base: EnterpriseDraft) -> EnterpriseDraft {
        var d = values.draft(over: base)
        typealias F = EnterpriseDraft.Field
        let strings: [String: WritableKeyPath<EnterpriseDraft, String>] = [
            "creditCode": \.creditCode, "name": \.name, "countyCode": \.countyCode, "township": \.township,
            "address": \.address, "longitude": \.longitude, "latitude": \.latitude, "industry": \.industry,
            "subIndustry": \.subIndustry, "scale": \.scale, "employees": \.employees, "dustWorkers": \.dustWorkers,
            "standardization": \.standardization, "standardizationValidUntil": \.standardizationValidUntil,
            "status": \.status, "supervisingDepartment": \.supervisingDepartment,
            F.principalName: \.principalName, F.principalPhone: \.principalPhone,
            F.controllerName: \.controllerName, F.controllerPhone: \.controllerPhone,
            F.safetyManagerName: \.safetyManagerName, F.safetyManagerPhone: \.safetyManagerPhone,
        ]
        for key in cleared {
            if let path = strings[key] { d[keyPath: path] = "" }
            switch key {
            case "dustTypes": d.dustTypes = []
            case "specialRisks": d.specialRisks = []
            case "principal": (d.principalName, d.principalPhone) = ("", "")
            case "actualController": (d.controllerName, d.controllerPhone) = ("", "")
            case "safetyManager": (d.safetyManagerName, d.safetyManagerPhone) = ("", "")
            default: break
            }
        }
        return d
    }
}
