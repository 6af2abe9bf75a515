import Foundation
import Testing
@testable import ZhibenDomain

@Suite("Supervision grading (分级分类)")
struct ClassificationTests {
    let now = ChinaTime.parseDay("2026-06-01")!

    func profile(_ risks: Set<SpecialRisk> = [], scale: EnterpriseScale = .belowDesignated, dustWorkers: Int = 0,
                 standardization: StandardizationGrade = .none, validUntil: String? = nil,
                 status: OperatingStatus = .operating) -> EnterpriseProfile {
        EnterpriseProfile(creditCode: "91350100M000100Y43", name: "测试企业", countyCode: "141181", industry: .machinery,
                          scale: scale, employees: 100, dustWorkers: dustWorkers,
                          dustTypes: risks.contains(.combustibleDust) ? [.metal] : [], specialRisks: risks,
                          standardization: standardization, standardizationValidUntil: validUntil.flatMap(ChinaTime.parseDay),
                          status: status)
    }

    @Test("R1: a small enterprise without special risks is D")
    func smallPlainIsD() {
        let c = Classifier.classify(profile(), now: now)
        #expect(c.grade == .D)
        #expect(c.reasons.map(\.rule) == ["R1"])
    }

    @Test("R1: above designated size, or confined space / spraying / silo, starts at C")
    func sizeOrMinorRiskIsC() {
        #expect(Classifier.classify(profile(scale: .aboveDesignated), now: now).grade == .C)
        #expect(Classifier.classify(profile([.confinedSpace]), now: now).grade == .C)
        #expect(Classifier.classify(profile([.spraying, .silo]), now: now).grade == .C)
    }

    @Test("R2 (Shanxi): smelting, molten metal, gas, dust, ammonia, chlorine start at B or higher")
    func highRisksStartAtB() {
        for r in [SpecialRisk.metalSmelting, .moltenMetal, .gas, .ammoniaRefrigeration, .chlorine] {
            let c = Classifier.classify(profile([r]), now: now)
            #expect(c.grade == .B, "\(r)")
            #expect(c.reasons.contains { $0.rule == "R2" })
        }
        #expect(Classifier.classify(profile([.combustibleDust], dustWorkers: 5), now: now).grade == .B)
    }

    @Test("R3: deep-well casting, steel (smelting with gas or molten metal), dust with ≥10 workers are A")
    func gravestAreA() {
        #expect(Classifier.classify(profile([.deepWellCasting]), now: now).grade == .A)
        #expect(Classifier.classify(profile([.metalSmelting, .gas]), now: now).grade == .A)
        #expect(Classifier.classify(profile([.combustibleDust], dustWorkers: 10), now: now).grade == .A)
        #expect(Classifier.classify(profile([.combustibleDust], dustWorkers: 9), now: now).grade == .B)
        #expect(Classifier.classify(profile([.gas, .ammoniaRefrigeration, .chlorine]), now: now).grade == .A)
    }

    @Test("R4: a valid level-2 standardization lowers one step, never below B with a high risk")
    func standardizationLowers() {
        #expect(Classifier.classify(profile(scale: .aboveDesignated, standardization: .level2, validUntil: "2027-01-01"), now: now).grade == .D)
        #expect(Classifier.classify(profile([.deepWellCasting], standardization: .level1, validUntil: "2027-01-01"), now: now).grade == .B)
        #expect(Classifier.classify(profile([.gas], standardization: .level1, validUntil: "2027-01-01"), now: now).grade == .B)
        // Level 3 does not lower.
        #expect(Classifier.classify(profile([.deepWellCasting], standardization: .level3, validUntil: "2027-01-01"), now: now).grade == .A)
    }

    @Test("R4: an expired standardization lowers nothing and says so")
    func expiredStandardization() {
        let c = Classifier.classify(profile([.deepWellCasting], standardization: .level1, validUntil: "2026-01-01"), now: now)
        #expect(c.grade == .A)
        #expect(c.reasons.contains { $0.rule == "R4" && $0.zh.contains("过") })
    }

    @Test("R5: a suspended enterprise is not raised to A")
    func suspendedNotA() {
        #expect(Classifier.classify(profile([.deepWellCasting], status: .suspended), now: now).grade == .B)
    }

    @Test("every classification gives at least one reason")
    func alwaysReasons() {
        for p in DemoData.enterprises(count: 200) {
            #expect(!Classifier.classify(p, now: now).reasons.isEmpty)
        }
    }
}
