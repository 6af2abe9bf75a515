import Foundation

/// Industries of the industry-and-trade major-hazard standard (工贸行业).
public enum Industry: String, Sendable, Codable, CaseIterable, Labeled {
    case metallurgy, nonferrous, buildingMaterials, machinery, lightIndustry, textiles, tobacco, commerce

    public var zh: String {
        switch self {
        case .metallurgy: "冶金"
        case .nonferrous: "有色"
        case .buildingMaterials: "建材"
        case .machinery: "机械"
        case .lightIndustry: "轻工"
        case .textiles: "纺织"
        case .tobacco: "烟草"
        case .commerce: "商贸"
        }
    }

    public var en: String {
        switch self {
        case .metallurgy: "Metallurgy"
        case .nonferrous: "Nonferrous metals"
        case .buildingMaterials: "Building materials"
        case .machinery: "Machinery"
        case .lightIndustry: "Light industry"
        case .textiles: "Textiles"
        case .tobacco: "Tobacco"
        case .commerce: "Commerce"
        }
    }
}

/// Special risks (专项风险); an enterprise may carry any combination.
public enum SpecialRisk: String, Sendable, Codable, CaseIterable, Labeled {
    case combustibleDust, ammoniaRefrigeration, chlorine, confinedSpace, metalSmelting
    case deepWellCasting, gas, moltenMetal, spraying, silo

    public var zh: String {
        switch self {
        case .combustibleDust: "粉尘涉爆"
        case .ammoniaRefrigeration: "涉氨制冷"
        case .chlorine: "涉氯"
        case .confinedSpace: "有限空间"
        case .metalSmelting: "金属冶炼"
        case .deepWellCasting: "深井铸造"
        case .gas: "煤气"
        case .moltenMetal: "高温熔融金属"
        case .spraying: "喷涂"
        case .silo: "筒仓"
        }
    }

    public var en: String {
        switch self {
        case .combustibleDust: "Combustible dust"
        case .ammoniaRefrigeration: "Ammonia refrigeration"
        case .chlorine: "Chlorine"
        case .confinedSpace: "Confined space"
        case .metalSmelting: "Metal smelting"
        case .deepWellCasting: "Deep-well casting"
        case .gas: "Gas"
        case .moltenMetal: "Molten metal"
        case .spraying: "Spraying"
        case .silo: "Silo"
        }
    }

    /// Risks for which Shanxi's practice starts supervision at grade B or higher.
    public var startsAtB: Bool {
        switch self {
        case .combustibleDust, .ammoniaRefrigeration, .chlorine, .metalSmelting, .deepWellCasting, .gas, .moltenMetal:
            true
        case .confinedSpace, .spraying, .silo:
            false
        }
    }
}

public enum DustType: String, Sendable, Codable, CaseIterable, Labeled {
    case metal, grain, coal, wood, other

    public var zh: String {
        switch self {
        case .metal: "金属"
        case .grain: "粮食"
        case .coal: "煤"
        case .wood: "木"
        case .other: "其他"
        }
    }

    public var en: String {
        switch self {
        case .metal: "Metal"
        case .grain: "Grain"
        case .coal: "Coal"
        case .wood: "Wood"
        case .other: "Other"
        }
    }
}

public enum EnterpriseScale: String, Sendable, Codable, CaseIterable, Labeled {
    case aboveDesignated, belowDesignated

    public var zh: String { self == .aboveDesignated ? "规模以上" : "规模以下" }
    public var en: String { self == .aboveDesignated ? "Above designated size" : "Below designated size" }
}

/// Safety standardization grade (安全生产标准化等级).
public enum StandardizationGrade: String, Sendable, Codable, CaseIterable, Labeled {
    case level1, level2, level3, none

    public var zh: String {
        switch self {
        case .level1: "一级"
        case .level2: "二级"
        case .level3: "三级"
        case .none: "未达标"
        }
    }

    public var en: String {
        switch self {
        case .level1: "Level 1"
        case .level2: "Level 2"
        case .level3: "Level 3"
        case .none: "Not standardized"
        }
    }
}

public enum OperatingStatus: String, Sendable, Codable, CaseIterable, Labeled {
    case operating, suspended, underConstruction, closed

    public var zh: String {
        switch self {
        case .operating: "正常生产"
        case .suspended: "停产停业"
        case .underConstruction: "在建"
        case .closed: "关闭"
        }
    }

    public var en: String {
        switch self {
        case .operating: "Operating"
        case .suspended: "Suspended"
        case .underConstruction: "Under construction"
        case .closed: "Closed"
        }
    }
}

/// Supervision grade (分级分类监管等级): A is the most intensive.
public enum SupervisionGrade: String, Sendable, Codable, CaseIterable, Comparable, Labeled {
    case A, B, C, D

    public var zh: String { rawValue + "类" }
    public var en: String { "Grade " + rawValue }

    /// Risk colour of the grade, as used across the interface.
    public var colour: RiskColour {
        switch self {
        case .A: .red
        case .B: .orange
        case .C: .yellow
        case .D: .blue
        }
    }

    private var rank: Int {
        switch self { case .A: 0; case .B: 1; case .C: 2; case .D: 3 }
    }

    public static func < (l: Self, r: Self) -> Bool { l.rank < r.rank }

    /// One step less intensive (towards D), saturating.
    public var lowered: SupervisionGrade { Self.allCases[min(3, rank + 1)] }
}

public enum RiskColour: String, Sendable, Codable {
    case red, orange, yellow, blue
}

/// Reads an enum from its code or either label, as forms and spreadsheets write it.
public func parseLabeled<T: RawRepresentable & CaseIterable & Labeled>(_ text: String, as: T.Type) -> T?
where T.RawValue == String {
    let t = text.trimmingCharacters(in: .whitespaces)
    return T.allCases.first { $0.rawValue == t || $0.zh == t || $0.en.lowercased() == t.lowercased() }
}
