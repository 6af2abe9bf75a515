import Foundation
import Testing
import ZhibenDomain

@Suite("high-risk work permits: one workflow")
struct PermitWorkflowTests {
    let t0 = ChinaTime.parseDay("2026-12-04")!.addingTimeInterval(9 * 3600)
    let limits = GasLimits.gb30871Forms

    func minutes(_ m: Double) -> Date { t0.addingTimeInterval(m * 60) }

    func permit(kind: PermitKind = .confinedSpace, gases: Set<SpaceGas> = [.h2s], crew: [String] = ["张三", "李四"], isolation: Bool = true,
                supervisor: String? = "王监护") -> Permit {
        Permit(kind: kind, place: "1号污水池", spaceGases: gases, crew: crew.map { Permit.CrewMember(name: $0, certificates: []) },
               measures: "通风、检测、监护", isolationPoints: ["进水阀上锁"], isolationConfirmed: isolation, supervisor: supervisor,
               entryFrom: t0, entryUntil: minutes(8 * 60))
    }

    func test(at m: Double, oxygen: Double = 20.8) -> GasTest {
        GasTest(at: minutes(m), place: "池底", oxygenPercent: oxygen, coPPM: 0, h2sPPM: 0, lelPercent: 0, tester: "赵检测")
    }

    func run(_ p: Permit, _ a: PermitAction, at m: Double) -> Result<Permit, PermitWorkflow.RefusalList> {
        PermitWorkflow.perform(p, a, limits: limits, now: minutes(m))
    }

    func ok(_ p: Permit, _ a: PermitAction, at m: Double) throws -> Permit { try run(p, a, at: m).get() }

    func codes(_ p: Permit, _ a: PermitAction, at m: Double) -> [String] {
        if case .failure(let list) = run(p, a, at: m) { return list.codes }
        return []
    }

    @Test("approval is refused while a test, isolation, supervisor, crew or the approver's level is missing, naming each")
    func approvalRefusals() throws {
        let bare = permit(crew: [], isolation: false, supervisor: nil)
        #expect(codes(bare, .approve(by: "安全员", authority: .manager), at: 0) == ["crewMissing", "gasTestMissing", "isolationMissing", "supervisorMissing", "approverLevel"])
        var tested = try ok(permit(), .test(test(at: 0)), at: 0)
        #expect(codes(tested, .approve(by: "安全员", authority: .manager), at: 1) == ["approverLevel"], "H2S risk: the principal or a delegate")
        #expect(try ok(tested, .approve(by: "厂长", authority: .principal), at: 1).state == .approved)
        #expect(try ok(permit(gases: []), .test(test(at: 0)), at: 0).state == .draft)
        tested = try ok(permit(), .test(test(at: 0, oxygen: 18.0)), at: 0)
        #expect(codes(tested, .approve(by: "厂长", authority: .principal), at: 1) == ["gasTestFailed"])
        // Hot work: the welder's certificate on the day.
        let hot = try ok(permit(kind: .hotWork, gases: [], crew: ["焊工甲"]), .test(test(at: 0)), at: 0)
        #expect(codes(hot, .approve(by: "安全员", authority: .manager), at: 1) == ["certificateMissing"])
        #expect(PermitWorkflow.approvalRefusals(hot, authority: .manager, limits: limits, now: minutes(1)).map(\.zh) == ["焊工甲：没有熔化焊接与热切割作业操作证"])
    }

    @Test("entry needs a good test within 30 minutes, inside the window, and a person on the crew; a failed test stops the work")
    func entriesAndFailedTest() throws {
        var p = try ok(permit(), .test(test(at: 0)), at: 0)
        p = try ok(p, .approve(by: "厂长", authority: .principal), at: 5)
        #expect(codes(p, .enter("张三"), at: 40) == ["gasTestStale"], "more than 30 minutes after the test")
        #expect(codes(p, .enter("王五"), at: 10) == ["notOnCrew"])
        #expect(codes(p, .exit("张三"), at: 10) == ["notInside"])
        p = try ok(p, .enter("张三"), at: 10)
        #expect(p.state == .active && p.inside == ["张三"])
        #expect(codes(p, .enter("张三"), at: 11) == ["alreadyInside"], "one entry a person until the exit")
        p = try ok(p, .enter("李四"), at: 50)
        #expect(p.inside == ["张三", "李四"], "others join while someone is inside")
        p = try ok(p, .test(test(at: 60, oxygen: 18.5)), at: 60)
        #expect(p.state == .suspended && p.suspendedReason == "气体检测不合格（氧含量）")
        #expect(codes(p, .enter("张三"), at: 61) == ["wrongState"])
        #expect(codes(p, .close, at: 62) == ["someoneInside"])
        p = try ok(p, .exit("张三"), at: 62)
        p = try ok(p, .exit("李四"), at: 63)
        #expect(codes(p, .resume, at: 64) == ["gasTestFailed"], "a good test first")
        p = try ok(p, .test(test(at: 90)), at: 90)
        p = try ok(p, .resume, at: 91)
        #expect(p.state == .approved)
        p = try ok(p, .enter("张三"), at: 95)
        p = try ok(p, .exit("张三"), at: 100)
        #expect(try ok(p, .close, at: 101).state == .closed)
    }

    @Test("no entry before the window opens, even with a good test")
    func beforeTheWindow() throws {
        var early = permit()
        early.entryFrom = minutes(60)
        early = try ok(early, .test(test(at: 0)), at: 0)
        early = try ok(early, .approve(by: "厂长", authority: .principal), at: 1)
        #expect(codes(early, .enter("张三"), at: 2) == ["outsideWindow"])
        let tested = try ok(early, .test(test(at: 61)), at: 61)
        #expect(try ok(tested, .enter("张三"), at: 62).inside == ["张三"])
    }

    @Test("after everyone has been out longer than the re-test interval, re-entry needs a new test")
    func retestAfterInterruption() throws {
        var p = try ok(permit(), .test(test(at: 0)), at: 0)
        p = try ok(p, .approve(by: "厂长", authority: .principal), at: 1)
        p = try ok(p, .enter("张三"), at: 5)
        p = try ok(p, .exit("张三"), at: 20)
        p = try ok(p, .enter("张三"), at: 70)
        p = try ok(p, .exit("张三"), at: 80)
        #expect(codes(p, .enter("张三"), at: 141) == ["gasTestStale"])
        p = try ok(p, .test(test(at: 142)), at: 142)
        #expect(try ok(p, .enter("张三"), at: 143).inside == ["张三"])
    }

    @Test("a permit lapses when its window has passed: only leaving and closing remain")
    func lapse() throws {
        var p = try ok(permit(), .test(test(at: 0)), at: 0)
        p = try ok(p, .approve(by: "厂长", authority: .principal), at: 1)
        p = try ok(p, .enter("张三"), at: 5)
        #expect(PermitWorkflow.lapse(p, now: minutes(8 * 60 + 1))?.state == .lapsed)
        #expect(PermitWorkflow.lapse(p, now: minutes(60)) == nil)
        #expect(codes(p, .enter("李四"), at: 8 * 60 + 1) == ["wrongState"])
        #expect(codes(p, .test(test(at: 8 * 60 + 1)), at: 8 * 60 + 1) == ["wrongState"])
        p = try ok(p, .exit("张三"), at: 8 * 60 + 2)
        #expect(p.state == .lapsed)
        #expect(try ok(p, .close, at: 8 * 60 + 3).state == .closed)
    }

    @Test("the gas limits come with a source and a note; limits not set are not checked")
    func limitsAreConfiguration() {
        #expect(!limits.source.isEmpty && limits.note.contains("GB 46768-2025"))
        #expect(limits.coMaxPPM == nil && limits.h2sMaxPPM == nil && limits.lelMaxPercent == nil, "no official-looking defaults")
        var own = limits
        own.h2sMaxPPM = 10
        #expect(own.outOfRange(GasTest(at: t0, place: "", oxygenPercent: 20.9, coPPM: nil, h2sPPM: 12, lelPercent: nil, tester: "")) == ["h2s"])
        #expect(limits.outOfRange(GasTest(at: t0, place: "", oxygenPercent: nil, coPPM: nil, h2sPPM: nil, lelPercent: nil, tester: "")) == ["oxygen"])
        // From configuration (ZHIBEN_GAS_LIMITS): with its source, values in reason.
        let configured = GasLimits.parse(#"{"oxygenMin":19.5,"oxygenMax":23.5,"coMaxPPM":24,"source":"企业有限空间作业管理制度","note":"按企业介质设定"}"#)
        #expect(configured?.oxygenMax == 23.5 && configured?.coMaxPPM == 24 && configured?.source == "企业有限空间作业管理制度")
        #expect(GasLimits.parse(#"{"oxygenMin":19.5}"#) == nil, "no source")
        #expect(GasLimits.parse(#"{"oxygenMin":22,"oxygenMax":20,"source":"x"}"#) == nil)
        #expect(GasLimits.parse(#"{"coMaxPPM":-1,"source":"x"}"#) == nil)
        #expect(GasLimits.parse("not json") == nil)
    }
    @Test("a crew member off duty (三违, a failed exam) refuses the approval and the entry, naming the worker and why")
    func offDutyCrew() throws {
        var p = try ok(permit(), .test(test(at: 0)), at: 0)
        p.crew[1].offDuty = "三违：未佩戴防护用品"
        #expect(PermitWorkflow.approvalRefusals(p, authority: .principal, limits: limits, now: minutes(1)).map(\.zh) == ["李四停岗中（三违：未佩戴防护用品）"])
        p.crew[1].offDuty = nil
        p = try ok(p, .approve(by: "王厂长", authority: .principal), at: 1)
        p.crew[1].offDuty = "逢查必考不合格"
        #expect(codes(p, .enter("李四"), at: 2) == ["offDuty"])
        #expect(try ok(p, .enter("张三"), at: 2).inside == ["张三"])
    }

    @Test("a monitoring point of the space in alarm refuses the approval, every entry and the resumption")
    func alarmRefuses() throws {
        var p = try ok(permit(), .test(test(at: 0)), at: 0)
        p.activeAlarms = ["H2S-01 池内硫化氢"]
        #expect(PermitWorkflow.approvalRefusals(p, authority: .principal, limits: limits, now: minutes(1)).map(\.code) == ["alarmActive"])
        p.activeAlarms = []
        p = try ok(p, .approve(by: "王厂长", authority: .principal), at: 1)
        p.activeAlarms = ["H2S-01 池内硫化氢"]
        #expect(codes(p, .enter("张三"), at: 2) == ["alarmActive"])
        p = try ok(p, .suspend(reason: "监测点报警：H2S-01 池内硫化氢"), at: 3)
        #expect(codes(p, .resume, at: 4) == ["alarmActive"])
        p.activeAlarms = []
        p = try ok(p, .test(test(at: 5)), at: 5)
        #expect(try ok(p, .resume, at: 6).state == .approved)
    }

    @Test("special-grade hot work is approved by the principal or a delegate; grade 1 and 2 by a safety manager")
    func hotWorkGrades() throws {
        var hot = permit(kind: .hotWork, gases: [], crew: ["焊工甲"])
        hot.crew[0].certificates = [OperatorCertificate(operation: "2.1", number: "T1", issuer: "吕梁", validFrom: "2024-01-01", validUntil: "2030-01-01")]
        hot = try ok(hot, .test(test(at: 0)), at: 0)
        hot.hotWorkLevel = .special
        #expect(PermitWorkflow.approvalRefusals(hot, authority: .manager, limits: limits, now: minutes(1)).map(\.code) == ["approverLevel"])
        #expect(PermitWorkflow.approvalRefusals(hot, authority: .delegate, limits: limits, now: minutes(1)).isEmpty)
        hot.hotWorkLevel = .second
        #expect(PermitWorkflow.approvalRefusals(hot, authority: .manager, limits: limits, now: minutes(1)).isEmpty)
    }

    @Test("silo cleaning needs a good gas test and confirmed isolation before approval, and records who is inside")
    func siloCleaning() throws {
        let silo = permit(kind: .siloCleaning, gases: [], isolation: false)
        #expect(PermitWorkflow.approvalRefusals(silo, authority: .manager, limits: limits, now: minutes(1)).map(\.code) == ["gasTestMissing", "isolationMissing"])
        var p = try ok(permit(kind: .siloCleaning, gases: []), .test(test(at: 0)), at: 0)
        p = try ok(p, .approve(by: "钱安全", authority: .manager), at: 1)
        #expect(PermitKind.siloCleaning.tracksEntries)
        #expect(try ok(p, .enter("张三"), at: 2).inside == ["张三"])
    }
}

@Suite("confined spaces: the ledger's limits, the permit's state in time, the Art. 13 checks")
struct ConfinedSpaceRulesTests {
    let now = ChinaTime.parseDay("2026-12-04")!.addingTimeInterval(10 * 3600)

    func space(_ code: String, hazards: [SpaceHazard] = [.h2s], sign: Bool = true, lock: String = "上锁") -> ConfinedSpace {
        ConfinedSpace(enterpriseID: UUID(), enterpriseName: "演示", countyCode: "141181", code: code, name: "池", place: "东", hazards: hazards, signPosted: sign,
                      lockOrBarrier: lock, limits: .init(coMaxPPM: 24, h2sMaxPPM: 10), updatedAt: now)
    }

    func permit(approvedAs authority: Permit.Authority?, tests: [Double] = [-60], entries: [Double] = [-50], supervisor: String = "赵监护") -> PermitRecord {
        var p = PermitRecord(enterpriseID: UUID(), enterpriseName: "演示", countyCode: "141181", number: "ZY20261204-001", kind: .confinedSpace, place: "池",
                             spaceGases: [.h2s], crew: [.init(workerID: UUID(), name: "张三")], applicant: "张三", hazards: "硫化氢", measures: "通风",
                             supervisor: supervisor, entryFrom: now.addingTimeInterval(-3600), entryUntil: now.addingTimeInterval(3600), createdBy: "t", createdAt: now)
        p.authority = authority
        p.approvedBy = "钱安全"
        p.tests = tests.map { RecordedGasTest(test: GasTest(at: now.addingTimeInterval($0 * 60), place: "", oxygenPercent: 20.8, coPPM: 0, h2sPPM: 0, lelPercent: 0, tester: ""),
                                              recordedBy: "t", failed: []) }
        p.entries = entries.map { Permit.Entry(name: "张三", inAt: now.addingTimeInterval($0 * 60)) }
        return p
    }

    @Test("a space's own CO, H2S and combustible limits fill what the configuration leaves open; the configured ones stand")
    func limitsOverBase() {
        let l = space("YS-1").limits(over: .gb30871Forms)
        #expect(l.oxygenMin == 19.5 && l.coMaxPPM == 24 && l.h2sMaxPPM == 10 && l.lelMaxPercent == nil)
        var base = GasLimits.gb30871Forms
        base.h2sMaxPPM = 5
        #expect(space("YS-1").limits(over: base).h2sMaxPPM == 5)
    }

    @Test("an open permit past its window reads lapsed before anyone acts; a closed one stays closed")
    func lapseInTime() {
        var p = permit(approvedAs: .principal)
        p.state = .active
        #expect(p.state(at: now) == .active && p.state(at: now.addingTimeInterval(3601)) == .lapsed)
        p.state = .closed
        #expect(p.state(at: now.addingTimeInterval(3601)) == .closed)
    }

    @Test("Art. 13: no ledger for a confined-space enterprise, a missing sign or lock, a manager's approval of a poisoning-risk space, entry before any test, entry without a supervisor")
    func checks() {
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [], permits: []).map(\.title) == ["有限空间未辨识、未建立安全管理台账"])
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: false, spaces: [], permits: []).isEmpty)
        let found = ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [space("YS-1"), space("YS-2", sign: false, lock: "")], permits: [])
        #expect(found.count == 2 && found.allSatisfy { $0.criterion == nil && $0.title.contains("YS-2") })
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [space("YS-1")], permits: [permit(approvedAs: .principal)]).isEmpty)
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [space("YS-1")], permits: [permit(approvedAs: .manager)]).map(\.criterion) == ["MHC-13-02"])
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [space("YS-1")], permits: [permit(approvedAs: .principal, tests: [-40])]).map(\.title)
                    .contains { $0.contains("先通风、再检测、后作业") })
        #expect(ConfinedSpaceChecks.findings(hasConfinedSpaces: true, spaces: [space("YS-1")], permits: [permit(approvedAs: .principal, supervisor: "")]).map(\.criterion) == ["MHC-13-02"])
    }
}

