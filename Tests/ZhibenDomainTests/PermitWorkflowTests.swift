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
        p = try ok(p, .enter("张三"), at: 10)
        #expect(p.state == .active && p.inside == ["张三"])
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
    }
}
