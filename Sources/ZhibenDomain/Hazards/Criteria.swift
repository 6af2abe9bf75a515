import Foundation

/// A standard for judging major accident hazards. A later standard is added beside this one; hazards
/// keep citing the standard they were judged against.
public struct HazardStandard: Sendable, Equatable, Identifiable {
    /// Short, stable id used in citations: "2023".
    public var id: String
    public var titleZh: String
    public var titleEn: String
    public var effective: String

    /// 《工贸企业重大事故隐患判定标准》, ministry of emergency management order No. 10, in force 2023-05-15.
    public static let industryTrade2023 = HazardStandard(
        id: "2023", titleZh: "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
        titleEn: "Criteria for major accident hazards in industry and trade enterprises (MEM order No. 10)", effective: "2023-05-15")
}

/// Which enterprises an item of the standard concerns.
public enum CriterionGroup: String, Sendable, Codable, CaseIterable, Labeled {
    case general, metallurgy, nonferrous, buildingMaterials, machinery, lightIndustry, textiles, tobacco
    case combustibleDust, ammoniaRefrigeration, confinedSpace

    public var zh: String {
        switch self {
        case .general: "通用"
        case .combustibleDust: "粉尘涉爆"
        case .ammoniaRefrigeration: "液氨制冷"
        case .confinedSpace: "有限空间"
        default: Industry(rawValue: rawValue)?.zh ?? rawValue
        }
    }

    public var en: String {
        switch self {
        case .general: "General"
        case .combustibleDust: "Combustible dust"
        case .ammoniaRefrigeration: "Ammonia refrigeration"
        case .confinedSpace: "Confined space"
        default: Industry(rawValue: rawValue)?.en ?? rawValue
        }
    }

    /// The group an industry's own items belong to (commerce has none in the 2023 standard).
    public static func of(_ industry: Industry) -> CriterionGroup? { CriterionGroup(rawValue: industry.rawValue) }

    /// The group of a special risk's items, where the standard has a chapter for it.
    public static func of(_ risk: SpecialRisk) -> CriterionGroup? {
        switch risk {
        case .combustibleDust: .combustibleDust
        case .ammoniaRefrigeration: .ammoniaRefrigeration
        case .confinedSpace: .confinedSpace
        default: nil
        }
    }

    init?(tsvLabel: String) {
        let map: [String: CriterionGroup] = [
            "通用": .general, "冶金": .metallurgy, "有色": .nonferrous, "建材": .buildingMaterials, "机械": .machinery,
            "轻工": .lightIndustry, "纺织": .textiles, "烟草": .tobacco, "粉尘涉爆": .combustibleDust,
            "液氨制冷": .ammoniaRefrigeration, "有限空间": .confinedSpace,
        ]
        guard let g = map[tsvLabel] else { return nil }
        self = g
    }
}

/// One item of a standard (判定标准条款), in our own summary words; the id and article let a user check
/// it against the official text.
public struct HazardCriterion: Sendable, Equatable, Identifiable {
    /// `MHC-<article>-<item>`; Article 14 is `MHC-14-00`.
    public var id: String
    public var standard: String
    public var article: Int
    public var item: Int
    public var group: CriterionGroup
    public var summaryZh: String
    public var summaryEn: String
    public var keywords: [String]
    /// A monitoring point can observe it (relevant to alarms and Art. 14).
    public var monitoringRelated: Bool
    /// How sure we are of the wording: which copies of the text it was checked against.
    public var source: String

    public func summary(_ lang: Language) -> String { lang == .en ? summaryEn : summaryZh }

    /// "第4条第1项" / "Art. 4 item 1".
    public func citation(_ lang: Language) -> String {
        if item == 0 { return lang == .en ? "Art. \(article)" : "第\(article)条" }
        return lang == .en ? "Art. \(article) item \(item)" : "第\(article)条第\(item)项"
    }
}

/// The criteria of every standard the product knows, shipped with it as data.
public struct CriteriaCatalogue: Sendable {
    public let standards: [HazardStandard]
    public let criteria: [HazardCriterion]
    private let byID: [String: HazardCriterion]

    /// The standard new judgements cite.
    public var current: HazardStandard { standards[standards.count - 1] }

    public init(standards: [HazardStandard], criteria: [HazardCriterion]) {
        self.standards = standards
        self.criteria = criteria
        byID = Dictionary(criteria.map { ("\($0.standard)/\($0.id)", $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The catalogue bundled with the product: the 2023 standard, 64 items and Art. 14.
    public static let shipped: CriteriaCatalogue = {
        guard let url = Bundle.module.url(forResource: "major-hazard-criteria-2023", withExtension: "tsv", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "major-hazard-criteria-2023", withExtension: "tsv"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("the bundled criteria file is missing")
        }
        return CriteriaCatalogue(standards: [.industryTrade2023], criteria: parse(tsv: text, standard: HazardStandard.industryTrade2023.id))
    }()

    /// Reads the shipped TSV: id, article, item, industry, summary_zh, summary_en, keywords_zh, monitoring_related, source.
    public static func parse(tsv: String, standard: String) -> [HazardCriterion] {
        tsv.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 9, let article = Int(f[1]), let item = Int(f[2]), let group = CriterionGroup(tsvLabel: f[3]) else { return nil }
            return HazardCriterion(id: f[0], standard: standard, article: article, item: item, group: group, summaryZh: f[4],
                                   summaryEn: f[5], keywords: f[6].split(separator: ",").map(String.init),
                                   monitoringRelated: f[7] == "yes", source: f[8])
        }
    }

    public func criterion(_ id: String, standard: String? = nil) -> HazardCriterion? {
        byID["\(standard ?? current.id)/\(id)"]
    }

    public func criteria(of standard: String) -> [HazardCriterion] { criteria.filter { $0.standard == standard } }

    /// Matches id, article ("4" or "第4条"), summary or keyword, in either language.
    public func search(_ text: String?, group: CriterionGroup? = nil, standard: String? = nil) -> [HazardCriterion] {
        let std = standard ?? current.id
        let q = text?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return criteria.filter { c in
            guard c.standard == std, group.map({ c.group == $0 }) ?? true else { return false }
            guard !q.isEmpty else { return true }
            return c.id.lowercased().contains(q) || c.summaryZh.contains(q) || c.summaryEn.lowercased().contains(q)
                || c.keywords.contains { $0.contains(q) } || "第\(c.article)条" == q || String(c.article) == q
        }
    }

    /// Which of these ids the current standard does not know.
    public func unknown(_ ids: [String]) -> [String] { ids.filter { criterion($0) == nil } }
}

/// An item a county adds to the checklists of its enterprises (本地检查项): never a national criterion.
public struct LocalChecklistItem: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var countyCode: String
    /// Which checklist it joins: an industry's, a special risk's, or every enterprise's (`general`).
    public var group: CriterionGroup
    public var text: String
    public var createdBy: String
    public var createdAt: Date
    public var active: Bool

    public init(id: UUID = UUID(), countyCode: String, group: CriterionGroup, text: String, createdBy: String, createdAt: Date, active: Bool = true) {
        self.id = id
        self.countyCode = countyCode
        self.group = group
        self.text = text
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.active = active
    }
}

/// 一行业一清单 (T8): the items an enterprise checks, derived from the standard.
public struct Checklist: Sendable, Equatable {
    public var standard: String
    /// The groups it draws on: general, the industry's, and each special risk's that has a chapter.
    public var groups: [CriterionGroup]
    public var criteria: [HazardCriterion]
    public var localItems: [LocalChecklistItem]

    /// Every item's code, in the checklist's order: the criteria's codes, then the local items' ids.
    public var itemCodes: [String] { criteria.map(\.id) + localItems.map(\.id.uuidString) }

    /// The checklist of one industry or special-risk group (with the general items).
    public static func of(_ group: CriterionGroup, catalogue: CriteriaCatalogue, local: [LocalChecklistItem] = []) -> Checklist {
        let groups: [CriterionGroup] = group == .general ? [.general] : [.general, group]
        return build(groups, catalogue: catalogue, local: local)
    }

    /// An enterprise's applicable checklist: the union of the general items, its industry's, and those
    /// of each of its special risks; plus its county's local items for those groups.
    public static func applicable(to profile: EnterpriseProfile, catalogue: CriteriaCatalogue, local: [LocalChecklistItem] = []) -> Checklist {
        var groups: [CriterionGroup] = [.general]
        if let g = CriterionGroup.of(profile.industry) { groups.append(g) }
        for risk in SpecialRisk.allCases where profile.specialRisks.contains(risk) {
            if let g = CriterionGroup.of(risk), !groups.contains(g) { groups.append(g) }
        }
        return build(groups, catalogue: catalogue, local: local.filter { $0.countyCode == profile.countyCode })
    }

    static func build(_ groups: [CriterionGroup], catalogue: CriteriaCatalogue, local: [LocalChecklistItem]) -> Checklist {
        let std = catalogue.current.id
        let items = catalogue.criteria(of: std).filter { groups.contains($0.group) && $0.article != 14 }
            + catalogue.criteria(of: std).filter { $0.article == 14 }
        return Checklist(standard: std, groups: groups, criteria: items,
                         localItems: local.filter { $0.active && groups.contains($0.group) })
    }
}
