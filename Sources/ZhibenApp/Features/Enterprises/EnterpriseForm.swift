import Foundation
import Vapor
import ZhibenDomain

/// The enterprise form as the browser posts it.
struct EnterpriseForm: Content {
    var creditCode: String?
    var name: String?
    var countyCode: String?
    var township: String?
    var address: String?
    var longitude: String?
    var latitude: String?
    var industry: String?
    var subIndustry: String?
    var scale: String?
    var employees: String?
    var dustWorkers: String?
    var dustTypes: [String]?
    var specialRisks: [String]?
    var principalName: String?
    var principalPhone: String?
    var controllerName: String?
    var controllerPhone: String?
    var safetyManagerName: String?
    var safetyManagerPhone: String?
    var standardization: String?
    var standardizationValidUntil: String?
    var status: String?
    var supervisingDepartment: String?
    /// The version the form was filled from; a newer stored version means someone else changed the record.
    var version: Int?

    var draft: EnterpriseDraft {
        var d = EnterpriseDraft()
        d.creditCode = creditCode ?? ""
        d.name = name ?? ""
        d.countyCode = countyCode ?? ""
        d.township = township ?? ""
        d.address = address ?? ""
        d.longitude = longitude ?? ""
        d.latitude = latitude ?? ""
        d.industry = industry ?? ""
        d.subIndustry = subIndustry ?? ""
        d.scale = scale ?? ""
        d.employees = employees ?? ""
        d.dustWorkers = dustWorkers ?? ""
        d.dustTypes = dustTypes ?? []
        d.specialRisks = specialRisks ?? []
        d.principalName = principalName ?? ""
        d.principalPhone = principalPhone ?? ""
        d.controllerName = controllerName ?? ""
        d.controllerPhone = controllerPhone ?? ""
        d.safetyManagerName = safetyManagerName ?? ""
        d.safetyManagerPhone = safetyManagerPhone ?? ""
        d.standardization = standardization ?? ""
        d.standardizationValidUntil = standardizationValidUntil ?? ""
        d.status = status ?? ""
        d.supervisingDepartment = supervisingDepartment ?? ""
        return d
    }
}
