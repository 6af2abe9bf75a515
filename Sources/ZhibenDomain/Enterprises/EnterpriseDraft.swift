import Foundation

/// An enterprise as a form, a CSV row or an API body spells it: text not yet checked.
/// `validate()` turns it into a profile or names every bad field.
public struct EnterpriseDraft: Sendable, Equatable, Codable {
    public var creditCode: String = ""
    public var name: String = ""
    public var countyCode: String = ""
    public var township: String = ""
    public var address: String = ""
    public var longitude: String = ""
    public var latitude: String = ""
    public var industry: String = ""
    public var subIndustry: String = ""
    public var scale: String = ""
    public var employees: String = ""
    public var dustWorkers: String = ""
    public var dustTypes: [String] = []
    public var specialRisks: [String] = []
    public var principalName: String = ""
    public var principalPhone: String = ""
    public var controllerName: String = ""
    public var controllerPhone: String = ""
    public var safetyManagerName: String = ""
    public var safetyManagerPhone: String = ""
    public var standardization: String = ""
    public var standardizationValidUntil: String = ""
    public var status: String = ""
    public var supervisingDepartment: String = ""

    public init() {}

    public init(_ p: EnterpriseProfile) {
        creditCode = p.creditCode
        name = p.name
        countyCode = p.countyCode
        township = p.township
        address = p.address
        if let c = p.coordinates {
            longitude = String(c.longitude)
            latitude = String(c.latitude)
        }
        industry = p.industry.rawValue
        subIndustry = p.subIndustry
        scale = p.scale.rawValue
        employees = String(p.employees)
        dustWorkers = String(p.dustWorkers)
        dustTypes = DustType.allCases.filter(p.dustTypes.contains).map(\.rawValue)
        specialRisks = SpecialRisk.allCases.filter(p.specialRisks.contains).map(\.rawValue)
        principalName = p.principal.name
        principalPhone = p.principal.phone
        controllerName = p.actualController.name
        controllerPhone = p.actualController.phone
        safetyManagerName = p.safetyManager.name
        safetyManagerPhone = p.safetyManager.phone
        standardization = p.standardization.rawValue
        standardizationValidUntil = p.standardizationValidUntil.map(ChinaTime.day) ?? ""
        status = p.status.rawValue
        supervisingDepartment = p.supervisingDepartment
    }

    /// Field names as the API and forms use them; error messages name these.
    public enum Field {
        public static let principalName = "principal.name"
        public static let principalPhone = "principal.phone"
        public static let controllerName = "actualController.name"
        public static let controllerPhone = "actualController.phone"
        public static let safetyManagerName = "safetyManager.name"
        public static let safetyManagerPhone = "safetyManager.phone"
    }

    public func validate() -> Result<EnterpriseProfile, DomainError> {
        var issues: [FieldIssue] = []
        func bad(_ field: String, _ zh: String, _ en: String) { issues.append(FieldIssue(field: field, zh: zh, en: en)) }
        func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

        var code = ""
        do { code = try CreditCode(creditCode).value } catch {
            bad("creditCode", "统一社会信用代码" + error.issue.zh, "credit code " + error.issue.en)
        }

        let name = trimmed(name)
        if name.isEmpty { bad("name", "企业名称不能为空", "name must not be empty") }
        else if name.length < 2 || name.length > 100 { bad("name", "企业名称应为2–100个字", "name must have 2–100 characters") }

        let county = County.lookup(countyCode)
        if county == nil {
            if trimmed(countyCode).isEmpty { bad("countyCode", "请选择所属县（市、区）", "county is required") }
            else { bad("countyCode", "“\(trimmed(countyCode))”不是吕梁市的县（市、区）", "'\(trimmed(countyCode))' is not a county of Lüliang") }
        }
        let township = trimmed(township)
        if let county, !township.isEmpty, !(County.townships[county.code] ?? []).contains(township) {
            bad("township", "“\(township)”不是\(county.zh)的乡镇（街道）", "'\(township)' is not a township of \(county.en)")
        }
        let address = trimmed(address)
        if address.length > 200 { bad("address", "地址不能超过200个字", "address must have at most 200 characters") }

        var coordinates: Coordinates?
        let lon = trimmed(longitude), lat = trimmed(latitude)
        if !lon.isEmpty || !lat.isEmpty {
            let lo = Double(lon), la = Double(lat)
            if lo == nil || !(110.0...113.0).contains(lo!) { bad("longitude", "经度应为110–113之间的数字（吕梁市范围）", "longitude must be a number between 110 and 113 (Lüliang)") }
            if la == nil || !(36.0...39.0).contains(la!) { bad("latitude", "纬度应为36–39之间的数字（吕梁市范围）", "latitude must be a number between 36 and 39 (Lüliang)") }
            if let lo, let la { coordinates = Coordinates(longitude: lo, latitude: la) }
        }

        let industry = parseLabeled(industry, as: Industry.self)
        if industry == nil {
            if trimmed(self.industry).isEmpty { bad("industry", "请选择行业", "industry is required") }
            else { bad("industry", "未知的行业“\(trimmed(self.industry))”", "unknown industry '\(trimmed(self.industry))'") }
        }
        let subIndustry = trimmed(subIndustry)
        if subIndustry.length > 50 { bad("subIndustry", "细分行业不能超过50个字", "sub-industry must have at most 50 characters") }

        let scale = optionalEnum(scale, EnterpriseScale.self, default: .belowDesignated, field: "scale", labelZh: "规模", &issues)
        let employees = count(employees, field: "employees", labelZh: "从业人数", labelEn: "employees", &issues)
        let dustWorkers = count(dustWorkers, field: "dustWorkers", labelZh: "涉粉作业人数", labelEn: "dust workers", &issues)
        if let employees, let dustWorkers, employees > 0, dustWorkers > employees {
            bad("dustWorkers", "涉粉作业人数不能多于从业人数（\(employees)）", "dust workers cannot exceed employees (\(employees))")
        }

        var dustTypes = Set<DustType>()
        for t in parsedDustTypes(&issues) { dustTypes.insert(t) }
        var risks = Set<SpecialRisk>()
        for r in specialRisks where !trimmed(r).isEmpty {
            if let risk = parseLabeled(r, as: SpecialRisk.self) { risks.insert(risk) }
            else { bad("specialRisks", "未知的专项风险“\(trimmed(r))”", "unknown special risk '\(trimmed(r))'") }
        }
        if risks.contains(.combustibleDust), dustTypes.isEmpty {
            bad("dustTypes", "粉尘涉爆企业须选择粉尘种类", "a combustible-dust enterprise needs at least one dust type")
        }
        if !risks.contains(.combustibleDust), !dustTypes.isEmpty || (dustWorkers ?? 0) > 0 {
            bad("specialRisks", "填写了粉尘种类或涉粉人数，须勾选“粉尘涉爆”", "dust types or dust workers given: tick combustible dust")
        }

        let principal = person(principalName, principalPhone, nameField: Field.principalName, phoneField: Field.principalPhone,
                               labelZh: "主要负责人", labelEn: "principal", required: true, &issues)
        let controller = person(controllerName, controllerPhone, nameField: Field.controllerName, phoneField: Field.controllerPhone,
                                labelZh: "实际控制人", labelEn: "actual controller", required: false, &issues)
        let manager = person(safetyManagerName, safetyManagerPhone, nameField: Field.safetyManagerName, phoneField: Field.safetyManagerPhone,
                             labelZh: "安全管理负责人", labelEn: "safety manager", required: false, &issues)

        let standardization = optionalEnum(standardization, StandardizationGrade.self, default: StandardizationGrade.none,
                                           field: "standardization", labelZh: "标准化等级", &issues)
        var validUntil: Date?
        let vu = trimmed(standardizationValidUntil)
        if !vu.isEmpty {
            validUntil = ChinaTime.parseDay(vu)
            if validUntil == nil { bad("standardizationValidUntil", "日期格式应为 2025-06-30", "date must look like 2025-06-30") }
        }
        if let s = standardization, s != .none, vu.isEmpty {
            bad("standardizationValidUntil", "已达标企业须填写标准化有效期", "a standardization grade needs its validity date")
        }
        let status = optionalEnum(status, OperatingStatus.self, default: .operating, field: "status", labelZh: "经营状态", &issues)
        let department = trimmed(supervisingDepartment)
        if department.length > 100 { bad("supervisingDepartment", "监管部门不能超过100个字", "supervising department must have at most 100 characters") }

        guard issues.isEmpty, let county, let industry, let scale, let employees, let dustWorkers,
              let standardization, let status else {
            return .failure(.validation(issues))
        }
        return .success(EnterpriseProfile(
            creditCode: code, name: name, countyCode: county.code, township: township, address: address,
            coordinates: coordinates, industry: industry, subIndustry: subIndustry, scale: scale,
            employees: employees, dustWorkers: dustWorkers, dustTypes: dustTypes, specialRisks: risks,
            principal: principal, actualController: controller, safetyManager: manager,
            standardization: standardization, standardizationValidUntil: standardization == .none ? nil : validUntil,
            status: status, supervisingDepartment: department))
    }

    private func parsedDustTypes(_ issues: inout [FieldIssue]) -> [DustType] {
        dustTypes.compactMap { raw in
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return nil }
            if let d = parseLabeled(t, as: DustType.self) { return d }
            issues.append(FieldIssue(field: "dustTypes", zh: "未知的粉尘种类“\(t)”", en: "unknown dust type '\(t)'"))
            return nil
        }
    }

    private func optionalEnum<T: RawRepresentable & CaseIterable & Labeled>(
        _ text: String, _ type: T.Type, default value: T, field: String, labelZh: String, _ issues: inout [FieldIssue]
    ) -> T? where T.RawValue == String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return value }
        if let v = parseLabeled(t, as: T.self) { return v }
        let allowed = T.allCases.map(\.zh).joined(separator: "、")
        issues.append(FieldIssue(field: field, zh: "\(labelZh)“\(t)”无效，可选：\(allowed)",
                                 en: "\(field) '\(t)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
        return nil
    }

    private func count(_ text: String, field: String, labelZh: String, labelEn: String, _ issues: inout [FieldIssue]) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return 0 }
        guard let n = Int(t), n >= 0, n <= 1_000_000 else {
            issues.append(FieldIssue(field: field, zh: "\(labelZh)应为0–1000000的整数", en: "\(labelEn) must be a whole number from 0 to 1000000"))
            return nil
        }
        return n
    }

    private func person(_ name: String, _ phone: String, nameField: String, phoneField: String, labelZh: String,
                        labelEn: String, required: Bool, _ issues: inout [FieldIssue]) -> ContactPerson {
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let p = phone.trimmingCharacters(in: .whitespacesAndNewlines)
        if n.isEmpty && required { issues.append(FieldIssue(field: nameField, zh: "\(labelZh)姓名不能为空", en: "\(labelEn) name is required")) }
        if name.length > 50 { issues.append(FieldIssue(field: nameField, zh: "\(labelZh)姓名不能超过50个字", en: "\(labelEn) name must have at most 50 characters")) }
        if !p.isEmpty && !PhoneNumber.isValid(p) {
            issues.append(FieldIssue(field: phoneField, zh: "\(labelZh)电话格式不正确（11位手机号或带区号的固定电话）",
                                     en: "\(labelEn) phone must be an 11-digit mobile number or a landline with area code"))
        }
        return ContactPerson(name: n, phone: p)
    }
}

public enum PhoneNumber {
    /// An 11-digit mobile number starting with 1, or a landline such as 0358-1234567.
    public static func isValid(_ text: String) -> Bool {
        let digits = text.filter { $0 != "-" && $0 != " " }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if digits.first == "1" { return digits.count == 11 }
        if digits.first == "0" { return (10...12).contains(digits.count) }
        return false
    }
}
