import Foundation

/// SplitMix64: small, fast and the same on every platform, so demo data is reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Deterministic demo data for Lüliang: real counties and townships, fictional enterprises and people.
/// Every enterprise name contains 演示 ("demo") and every phone number starts with 100, a prefix no
/// Chinese mobile network uses, so nothing can be attributed to a real company or person.
public enum DemoData {
    public static let defaultEnterprises = 800
    public static let maxEnterprises = 20_000
    /// Standardization validity dates are spread around this day, not around "now", to stay reproducible.
    static let reference = ChinaTime.parseDay("2026-01-01")!

    struct Template {
        let industry: Industry
        let sub: String
        let product: String
        let risks: [SpecialRisk]
        let dust: [DustType]
        let employees: ClosedRange<Int>
        let aboveSize: Double
        /// Weight per county code; counties not named get `other`.
        let weights: [String: Double]
        let other: Double
    }

    static let templates: [Template] = [
        Template(industry: .metallurgy, sub: "钢铁冶炼", product: "钢铁", risks: [.metalSmelting, .gas, .moltenMetal, .confinedSpace],
                 dust: [], employees: 400...3000, aboveSize: 1, weights: ["141122": 6, "141121": 5, "141181": 5], other: 0.3),
        Template(industry: .metallurgy, sub: "焦化", product: "焦化", risks: [.gas, .confinedSpace], dust: [],
                 employees: 200...1500, aboveSize: 0.9, weights: ["141122": 6, "141181": 6, "141121": 3, "141125": 2], other: 0.5),
        Template(industry: .metallurgy, sub: "铁合金", product: "合金", risks: [.metalSmelting, .moltenMetal], dust: [],
                 employees: 60...500, aboveSize: 0.6, weights: ["141122": 3, "141121": 2, "141127": 2], other: 0.3),
        Template(industry: .nonferrous, sub: "铝加工（深井铸造）", product: "铝业", risks: [.deepWellCasting, .moltenMetal],
                 dust: [], employees: 50...600, aboveSize: 0.7, weights: ["141181": 6, "141130": 5, "141123": 5], other: 0.1),
        Template(industry: .nonferrous, sub: "氧化铝、电解铝", product: "铝材", risks: [.metalSmelting, .moltenMetal, .gas],
                 dust: [], employees: 300...2000, aboveSize: 1, weights: ["141181": 3, "141130": 3, "141123": 3], other: 0.05),
        Template(industry: .nonferrous, sub: "铝型材", product: "型材", risks: [.combustibleDust, .spraying], dust: [.metal],
                 employees: 30...300, aboveSize: 0.4, weights: ["141181": 3, "141130": 2, "141123": 2], other: 0.4),
        Template(industry: .machinery, sub: "铸造", product: "铸造", risks: [.moltenMetal], dust: [], employees: 20...300,
                 aboveSize: 0.3, weights: [:], other: 1.2),
        Template(industry: .machinery, sub: "机械加工（抛光打磨）", product: "机械", risks: [.combustibleDust], dust: [.metal],
                 employees: 10...200, aboveSize: 0.3, weights: [:], other: 1.5),
        Template(industry: .machinery, sub: "通用设备制造", product: "装备", risks: [.spraying], dust: [], employees: 10...300,
                 aboveSize: 0.3, weights: [:], other: 1.2),
        Template(industry: .buildingMaterials, sub: "水泥", product: "水泥", risks: [.confinedSpace, .silo], dust: [],
                 employees: 80...500, aboveSize: 0.8, weights: ["141102": 2, "141125": 2, "141129": 2], other: 0.6),
        Template(industry: .buildingMaterials, sub: "新型墙材", product: "建材", risks: [], dust: [], employees: 10...120,
                 aboveSize: 0.2, weights: [:], other: 1.5),
        Template(industry: .lightIndustry, sub: "白酒酿造", product: "酒业", risks: [.combustibleDust, .confinedSpace], dust: [.grain],
                 employees: 20...800, aboveSize: 0.4, weights: ["141182": 8, "141181": 1], other: 0.2),
        Template(industry: .lightIndustry, sub: "食品冷藏", product: "食品", risks: [.ammoniaRefrigeration, .confinedSpace], dust: [],
                 employees: 10...150, aboveSize: 0.3, weights: [:], other: 0.7),
        Template(industry: .lightIndustry, sub: "粮食加工", product: "粮油", risks: [.combustibleDust, .silo], dust: [.grain],
                 employees: 10...200, aboveSize: 0.3, weights: ["141121": 2, "141182": 2], other: 0.7),
        Template(industry: .lightIndustry, sub: "木制品加工", product: "木业", risks: [.combustibleDust, .spraying], dust: [.wood],
                 employees: 5...120, aboveSize: 0.2, weights: [:], other: 0.8),
        Template(industry: .lightIndustry, sub: "煤粉制备", product: "能源", risks: [.combustibleDust], dust: [.coal],
                 employees: 10...120, aboveSize: 0.3, weights: ["141125": 2, "141124": 2, "141126": 2], other: 0.5),
        Template(industry: .textiles, sub: "棉纺织", product: "纺织", risks: [.combustibleDust], dust: [.other], employees: 30...400,
                 aboveSize: 0.3, weights: ["141182": 1, "141121": 1], other: 0.15),
        Template(industry: .tobacco, sub: "烟叶复烤", product: "烟叶", risks: [.combustibleDust], dust: [.other], employees: 50...300,
                 aboveSize: 1, weights: ["141102": 0.3], other: 0),
        Template(industry: .commerce, sub: "商贸仓储", product: "商贸", risks: [], dust: [], employees: 5...150, aboveSize: 0.2,
                 weights: [:], other: 1.2),
        Template(industry: .commerce, sub: "冷链物流", product: "冷链", risks: [.ammoniaRefrigeration], dust: [], employees: 10...100,
                 aboveSize: 0.3, weights: ["141102": 1], other: 0.3),
    ]

    static let countyWeights: [String: Double] = [
        "141102": 1.2, "141121": 1.3, "141122": 1.3, "141123": 0.8, "141124": 0.6, "141125": 0.9, "141126": 0.3,
        "141127": 0.5, "141128": 0.3, "141129": 0.6, "141130": 0.8, "141181": 2.0, "141182": 1.4,
    ]

    static let centres: [String: (Double, Double)] = [
        "141102": (111.13, 37.52), "141121": (112.03, 37.44), "141122": (112.16, 37.55), "141123": (111.13, 38.46),
        "141124": (110.99, 37.95), "141125": (110.89, 37.43), "141126": (110.83, 37.00), "141127": (111.67, 38.28),
        "141128": (111.24, 37.89), "141129": (111.18, 37.34), "141130": (111.18, 36.98), "141181": (111.78, 37.14),
        "141182": (111.79, 37.26),
    ]

    static let words = Array("恒泰 鑫源 宏达 永盛 晋峰 华兴 瑞丰 安泰 中宇 嘉禾 德隆 金川 新瑞 汇通 盛鑫 昌和 远航 吉泰 广源 弘业".split(separator: " ").map(String.init))
    static let surnames = Array("王李张刘陈杨赵黄周吴郭武梁任韩冯薛贾温侯".map(String.init))
    static let given = Array("建国 志强 海军 晓东 丽娟 文斌 红梅 永刚 俊峰 秀英 国平 春生 雪梅 宏伟 玉兰 振华 立新 瑞芳".split(separator: " ").map(String.init))

    static func pick<T>(_ items: [T], weights: [Double], _ rng: inout SeededRandom) -> T {
        let total = weights.reduce(0, +)
        var x = Double.random(in: 0..<total, using: &rng)
        for (item, w) in zip(items, weights) {
            if x < w { return item }
            x -= w
        }
        return items.last!
    }

    static func person(_ rng: inout SeededRandom) -> ContactPerson {
        let name = surnames.randomElement(using: &rng)! + given.randomElement(using: &rng)!
        return ContactPerson(name: name, phone: "100" + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &rng)))
    }

    /// `count` enterprise profiles; the same count always gives the same list.
    public static func enterprises(count: Int, seed: UInt64 = 141100) -> [EnterpriseProfile] {
        var rng = SeededRandom(seed: seed)
        let counties = County.all.map(\.code)
        var used = Set<String>()
        var names = Set<String>()
        var out: [EnterpriseProfile] = []
        out.reserveCapacity(count)
        while out.count < count {
            let county = pick(counties, weights: counties.map { countyWeights[$0]! }, &rng)
            let t = pick(templates, weights: templates.map { $0.weights[county] ?? $0.other }, &rng)
            var first17 = "91" + county
            for _ in 0..<9 { first17.append(CreditCode.alphabet[Int.random(in: 0..<31, using: &rng)]) }
            guard let code = CreditCode.completing(first17)?.value, used.insert(code).inserted else { continue }

            let c = County.named(county)!
            var name = "\(c.shortName)\(words.randomElement(using: &rng)!)演示\(t.product)有限公司"
            var n = 2
            while names.contains(name) {
                name = "\(c.shortName)\(words.randomElement(using: &rng)!)演示\(t.product)\(n)号有限公司"
                n += 1
            }
            names.insert(name)
            let townships = County.townships[county] ?? []
            let township = townships.randomElement(using: &rng) ?? ""
            let employees = Int.random(in: t.employees, using: &rng)
            var risks = Set(t.risks)
            if Double.random(in: 0..<1, using: &rng) < 0.15 { risks.insert(.confinedSpace) }
            // Most dust workshops are small: about half have fewer than 10 dust workers.
            let skew = Double.random(in: 0..<1, using: &rng)
            let dustWorkers = risks.contains(.combustibleDust) ? min(employees, 3 + Int(skew * skew * skew * 45)) : 0
            let standard = pick(StandardizationGrade.allCases, weights: [0.03, 0.25, 0.42, 0.30], &rng)
            let validUntil = standard == .none ? nil
                : reference.addingTimeInterval(Double(Int.random(in: -200...900, using: &rng)) * 86_400)
            let (lon, lat) = centres[county]!
            let status = pick(OperatingStatus.allCases, weights: [0.86, 0.08, 0.04, 0.02], &rng)
            out.append(EnterpriseProfile(
                creditCode: code, name: name, countyCode: county, township: township,
                address: "\(c.zh)\(township)演示路\(Int.random(in: 1...300, using: &rng))号",
                coordinates: Coordinates(longitude: ((lon + Double.random(in: -0.15...0.15, using: &rng)) * 1000).rounded() / 1000,
                                         latitude: ((lat + Double.random(in: -0.12...0.12, using: &rng)) * 1000).rounded() / 1000),
                industry: t.industry, subIndustry: t.sub,
                scale: Double.random(in: 0..<1, using: &rng) < t.aboveSize ? .aboveDesignated : .belowDesignated,
                employees: employees, dustWorkers: dustWorkers, dustTypes: Set(t.dust), specialRisks: risks,
                principal: person(&rng), actualController: person(&rng), safetyManager: person(&rng),
                standardization: standard, standardizationValidUntil: validUntil, status: status,
                supervisingDepartment: "\(c.zh)应急管理局"))
        }
        return out
    }

    public struct Account: Sendable {
        public var username: String
        public var displayName: String
        public var role: Role
        public var countyCode: String?
        public var enterpriseCreditCode: String?
    }

    /// The counties whose showcase enterprise the banner prints, the printed county (孝义) first.
    public static let showcaseCounties = ["141181", "141102", "141182"]

    /// The enterprises the banner prints, one per showcase county: the first with monitored equipment
    /// (a special risk the demo gives points to), so that their accounts see live data and alarms.
    public static func showcase(_ enterprises: [EnterpriseProfile]) -> [String] {
        showcaseCounties.compactMap { county in
            enterprises.first { e in e.countyCode == county && demoPoints.contains { e.specialRisks.contains($0.risk) } }?.creditCode
        }
    }

    /// Accounts for every role: `admin`, `city`, `county-<code>` and `inspector-<code>` per county,
    /// `expert-1`…`expert-3`, and `ent-<credit code>` per enterprise, the showcase enterprises' first.
    public static func accounts(for enterprises: [EnterpriseProfile]) -> [Account] {
        var out = [
            Account(username: "admin", displayName: "市局管理员（演示）", role: .cityAdmin),
            Account(username: "city", displayName: "市局冶金工贸科（演示）", role: .cityOfficer),
        ]
        for c in County.all {
            out.append(Account(username: "county-\(c.code)", displayName: "\(c.zh)应急管理局（演示）", role: .countyOfficer, countyCode: c.code))
            out.append(Account(username: "inspector-\(c.code)", displayName: "\(c.zh)执法人员（演示）", role: .inspector, countyCode: c.code))
        }
        for i in 1...3 { out.append(Account(username: "expert-\(i)", displayName: "专家\(i)（演示）", role: .expert)) }
        let first = showcase(enterprises)
        let ordered = first.compactMap { code in enterprises.first { $0.creditCode == code } } + enterprises.filter { !first.contains($0.creditCode) }
        for e in ordered {
            out.append(Account(username: "ent-\(e.creditCode.lowercased())", displayName: e.name, role: .enterpriseUser,
                               enterpriseCreditCode: e.creditCode))
        }
        return out
    }
}
