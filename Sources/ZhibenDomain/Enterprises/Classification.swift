import Foundation

/// One reason that moved the supervision grade, with the rule's id so a user can look it up.
public struct ClassificationReason: Sendable, Equatable, Codable {
    public var rule: String
    public var zh: String
    public var en: String
}

public struct Classification: Sendable, Equatable {
    public var grade: SupervisionGrade
    public var reasons: [ClassificationReason]
}

/// Supervision grading (分级分类) of an enterprise from its attributes.
///
/// Explicit rules, applied in order; each one that fires adds a reason:
/// - R1 base: D for an enterprise without special risks; C if above designated size or with a
///   special risk that does not start at B (confined space, spraying, silo).
/// - R2 Shanxi practice: metal smelting, molten metal, gas, combustible dust, ammonia refrigeration,
///   chlorine or deep-well casting put the enterprise at B or higher.
/// - R3 A for the gravest combinations: deep-well casting; metal smelting together with gas or molten
///   metal (a steel works); combustible dust with 10 or more dust workers (the plan's first
///   monitoring tier); three or more B-level risks.
/// - R4 differentiated supervision (T13): a valid level 1 or level 2 standardization lowers the grade by
///   one step, but never below B when an R2 risk is present.
/// - R5 a suspended or closed enterprise is not raised by R3 (nothing is produced).
public enum Classifier {
    public static func classify(_ p: EnterpriseProfile, now: Date) -> Classification {
        var reasons: [ClassificationReason] = []
        func because(_ rule: String, _ zh: String, _ en: String) { reasons.append(.init(rule: rule, zh: zh, en: en)) }

        let highRisks = SpecialRisk.allCases.filter { p.specialRisks.contains($0) && $0.startsAtB }
        let otherRisks = SpecialRisk.allCases.filter { p.specialRisks.contains($0) && !$0.startsAtB }

        var grade = SupervisionGrade.D
        if !otherRisks.isEmpty {
            grade = .C
            because("R1", "存在专项风险：\(otherRisks.map(\.zh).joined(separator: "、"))，起点为C类",
                    "special risks \(otherRisks.map(\.en).joined(separator: ", ")): starts at C")
        } else if p.scale == .aboveDesignated {
            grade = .C
            because("R1", "规模以上企业，起点为C类", "above designated size: starts at C")
        } else if highRisks.isEmpty {
            because("R1", "规模以下且无专项风险，为D类", "below designated size without special risks: D")
        }

        if !highRisks.isEmpty {
            grade = min(grade, .B)
            because("R2", "涉及\(highRisks.map(\.zh).joined(separator: "、"))，按山西省做法为B类及以上",
                    "\(highRisks.map(\.en).joined(separator: ", ")): B or higher in Shanxi's practice")
        }

        let producing = p.status == .operating || p.status == .underConstruction
        var gravest: [(String, String)] = []
        if p.specialRisks.contains(.deepWellCasting) {
            gravest.append(("铝深井铸造", "aluminium deep-well casting"))
        }
        if p.specialRisks.contains(.metalSmelting), !p.specialRisks.isDisjoint(with: [.gas, .moltenMetal]) {
            gravest.append(("金属冶炼并涉及煤气或高温熔融金属", "metal smelting with gas or molten metal"))
        }
        if p.specialRisks.contains(.combustibleDust), p.dustWorkers >= 10 {
            gravest.append(("粉尘涉爆且涉粉作业人数\(p.dustWorkers)人（≥10）", "combustible dust with \(p.dustWorkers) dust workers (≥10)"))
        }
        if highRisks.count >= 3 {
            gravest.append(("同时涉及\(highRisks.count)项高风险", "\(highRisks.count) high risks together"))
        }
        if !gravest.isEmpty {
            if producing {
                grade = .A
                because("R3", gravest.map(\.0).joined(separator: "；") + "，定为A类",
                        gravest.map(\.1).joined(separator: "; ") + ": A")
            } else {
                because("R5", "\(p.status.zh)，不因高风险组合升为A类", "\(p.status.en): not raised to A")
            }
        }

        if p.standardization == .level1 || p.standardization == .level2 {
            if let until = p.standardizationValidUntil, until >= now {
                let floor: SupervisionGrade = highRisks.isEmpty ? .D : .B
                // Grades compare by intensity (A < D): the least intensive allowed is `floor`.
                let result = min(grade.lowered, floor)
                if result != grade {
                    because("R4", "安全生产标准化\(p.standardization.zh)且在有效期内，降低一级监管强度",
                            "standardization \(p.standardization.en), valid: one step less intensive")
                    grade = result
                } else {
                    because("R4", "安全生产标准化\(p.standardization.zh)，但涉及高风险，不低于B类",
                            "standardization \(p.standardization.en), but high risks keep it at B at least")
                }
            } else {
                because("R4", "安全生产标准化\(p.standardization.zh)已过有效期，不予降级",
                        "standardization \(p.standardization.en) has expired: no reduction")
            }
        }
        return Classification(grade: grade, reasons: reasons)
    }
}
