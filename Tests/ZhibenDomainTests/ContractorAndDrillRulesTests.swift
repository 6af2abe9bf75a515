import Foundation
import Testing
import ZhibenDomain

@Suite("contractors' gate and bans, drills, principals' training")
struct ContractorAndDrillRulesTests {
    let here = UUID(), elsewhere = UUID()

    func job(agreement: ContractorJobFacts.Agreement? = .init(signedOn: "2026-01-05", validFrom: "2026-01-05", validUntil: "2026-12-31"),
             plan: String = "检修2号高炉热风阀，停炉、置换、检测后作业", crew: [ContractorJobFacts.CrewMember]? = nil,
             supervisor: String? = "王监护", accidents: [ContractorAccident] = []) -> ContractorJobFacts {
        let welder = OperatorCertificate(operation: "2.1", number: "T11010519491231002X", issuer: "吕梁市应急管理局", validFrom: "2024-03-01", validUntil: "2030-02-28")
        return ContractorJobFacts(enterpriseID: here, agreement: agreement, plan: plan,
                                  crew: crew ?? [.init(name: "张焊工", trainedOn: "2026-11-30", operations: ["2.1"], certificates: [welder])],
                                  supervisor: supervisor, accidents: accidents)
    }

    @Test("accident levels by deaths, serious injuries or direct loss, lower bounds inclusive, the highest reached")
    func accidentLevels() {
        #expect(AccidentLevel.of(deaths: 2, seriousInjuries: 9, directLossYuan: 9_999_999) == .general)
        #expect(AccidentLevel.of(deaths: 3, seriousInjuries: 0, directLossYuan: 0) == .larger)
        #expect(AccidentLevel.of(deaths: 1, seriousInjuries: 50, directLossYuan: 0) == .major)
        #expect(AccidentLevel.of(deaths: 0, seriousInjuries: 0, directLossYuan: 100_000_000) == .especiallyMajor)
    }

    @Test("the gate lets a complete job start, and lists every missing item with its reason")
    func gateEveryReason() {
        #expect(ContractorGate.check(job(), on: "2026-12-04") == [])
        let bad = job(agreement: nil, plan: "  ", crew: [.init(name: "李工", trainedOn: nil, operations: ["2.1", "1.2"], certificates: [])], supervisor: nil)
        let reasons = ContractorGate.check(bad, on: "2026-12-04")
        #expect(reasons.map(\.code) == ["agreementMissing", "planEmpty", "crewUntrained", "certificateMissing", "certificateMissing", "noSupervisor"])
        #expect(reasons.map(\.zh).contains("李工：没有低压电工作业操作证"))
        #expect(ContractorGate.check(job(crew: []), on: "2026-12-04").map(\.code) == ["noCrew"])
        #expect(ContractorGate.check(job(), on: "2027-01-02").map(\.code) == ["agreementExpired"], "checked again on each day")
        #expect(ContractorGate.check(job(), on: "2026-01-01").map(\.code) == ["agreementNotYetValid", "crewUntrained"])
        let expiredCertificate = ContractorGate.check(job(), on: "2030-03-01")
        #expect(expiredCertificate.contains(.certificate(worker: "张焊工", .expired(operation: "2.1", on: "2030-02-28"))))
    }

    @Test("a fatal accident replaces the contractor at that enterprise; a fatal 较大 or worse bans it city-wide for three years")
    func threeYearBan() {
        let fatalHere = ContractorAccident(enterpriseID: here, on: "2025-05-10", level: .general, deaths: 1)
        #expect(ContractorBans.ban(accidents: [fatalHere], at: here, on: "2026-12-04") == .replaced(accident: fatalHere))
        #expect(ContractorBans.ban(accidents: [fatalHere], at: elsewhere, on: "2026-12-04") == nil)
        #expect(ContractorBans.ban(accidents: [ContractorAccident(enterpriseID: here, on: "2025-05-10", level: .larger, deaths: 0)], at: here, on: "2026-12-04") == nil,
                "no death, no ban")
        let larger = ContractorAccident(enterpriseID: elsewhere, on: "2024-06-01", level: .larger, deaths: 3)
        #expect(ContractorBans.ban(accidents: [larger], at: here, on: "2027-05-31") == .cityWide(until: "2027-06-01", accident: larger))
        #expect(ContractorBans.ban(accidents: [larger], at: here, on: "2027-06-01") == nil, "three years from the accident day")
        let reasons = ContractorGate.check(job(accidents: [larger]), on: "2026-12-04")
        #expect(reasons.map(\.code) == ["contractorBanned"] && reasons[0].zh.contains("2027-06-01前不得在吕梁市企业作业"))
    }

    @Test("drills: yearly, half-yearly for metal smelting, labour-intensive and factory-in-factory; never drilled is overdue; counties without an observation drill")
    func drillFrequency() {
        let plain = DrillRules.Profile(metalSmelting: false, labourIntensive: false, factoryInFactory: false)
        let smelter = DrillRules.Profile(metalSmelting: true, labourIntensive: false, factoryInFactory: false)
        #expect(DrillRules.intervalMonths(plain) == 12 && DrillRules.intervalMonths(smelter) == 6)
        #expect(DrillRules.intervalMonths(.init(metalSmelting: false, labourIntensive: false, factoryInFactory: true)) == 6)
        #expect(DrillRules.due(plain, lastDrill: "2026-03-15", today: "2026-12-04") == .init(by: "2027-03-15", overdue: false))
        #expect(DrillRules.due(smelter, lastDrill: "2026-03-15", today: "2026-12-04") == .init(by: "2026-09-15", overdue: true))
        #expect(DrillRules.due(plain, lastDrill: nil, today: "2026-12-04").overdue)
        let missing = DrillRules.countiesWithoutObservationDrill(["141181": ["2026-05-12"], "141182": ["2025-06-01"]], year: 2026)
        #expect(missing.count == 12 && !missing.contains("141181") && missing.contains("141182"))
    }

    @Test("principals' training coverage by year: dust 2024, metal smelting 2025, confined spaces 2026")
    func coverageByYear() {
        let owed = TrainingRules.owed(risks: [.combustibleDust, .confinedSpace], trainings: [(topic: .combustibleDust, on: "2024-09-01")], today: "2026-12-04")
        #expect(owed == [.init(topic: .confinedSpace, dueBy: "2026-12-31", overdue: false)])
        #expect(TrainingRules.owed(risks: [.metalSmelting], trainings: [], today: "2026-01-02") == [.init(topic: .metalSmelting, dueBy: "2025-12-31", overdue: true)])
        #expect(TrainingRules.owed(risks: [.ammoniaRefrigeration], trainings: [], today: "2026-12-04").isEmpty, "not on the schedule")
        let principals: [(risks: Set<SpecialRisk>, trainings: [(topic: SpecialRisk, on: String)])] = [
            ([.combustibleDust], [(topic: .combustibleDust, on: "2024-05-01")]), ([.combustibleDust], []), ([.metalSmelting], []),
        ]
        #expect(TrainingRules.coverage(.combustibleDust, principals: principals, today: "2026-12-04") == (2, 1))
    }
}
