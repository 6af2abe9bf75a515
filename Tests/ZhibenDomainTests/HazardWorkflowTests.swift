import Foundation
import Testing
@testable import ZhibenDomain

/// The major-hazard loop's rules, with no database.
@Suite("Hazard criteria, checklists and workflow")
struct HazardWorkflowTests {
    static let catalogue = CriteriaCatalogue.shipped
    static let now = ChinaTime.parseDay("2026-03-10")!
    static let enterpriseID = UUID()
    static let enterprise = Caller(kind: .user, id: UUID(), username: "ent-a", role: .enterpriseUser, scope: .enterprise(enterpriseID))
    static let otherEnterprise = Caller(kind: .user, id: UUID(), username: "ent-b", role: .enterpriseUser, scope: .enterprise(UUID()))
    static let county = Caller(kind: .user, id: UUID(), username: "county-141181", role: .countyOfficer, scope: .county("141181"))
    static let inspector = Caller(kind: .user, id: UUID(), username: "inspector-141181", role: .inspector, scope: .county("141181"))
    static let city = Caller(kind: .user, id: UUID(), username: "city", role: .cityOfficer, scope: .city)

    static func hazard(level: HazardLevel = .major, state: HazardState = .reported, source: HazardSource = .inspection,
                       byEnterprise: Bool = false) -> Hazard {
        Hazard(enterpriseID: enterpriseID, countyCode: "141181", enterpriseName: "演示企业", industry: .metallurgy, title: "吊运跨下设有休息室",
               description: "", location: "炼钢车间", source: source, foundBy: "检查组", foundAt: now.addingTimeInterval(-86_400 * 3),
               focusTags: [.moltenMetal], level: level, criteria: level == .major ? ["MHC-4-01"] : [], standard: "2023", state: state,
               reportedBy: byEnterprise ? "ent-a" : "inspector-141181", reportedByEnterprise: byEnterprise, createdAt: now, updatedAt: now)
    }

    static func step(_ action: HazardAction, _ h: Hazard, by actor: Caller, _ input: HazardStepInput = HazardStepInput(),
                     at time: Date = now) throws -> Hazard {
        try HazardWorkflow.perform(action, on: h, by: actor, input: input, catalogue: catalogue, now: time).0
    }

    static let fullPlan = RectificationPlan(responsible: "孙一", measures: "将休息室迁出吊运跨", funds: 120_000,
                                            deadline: now.addingTimeInterval(86_400 * 30), contingencyPlan: "吊运作业应急预案",
                                            interimSafeguards: "吊运期间禁止人员进入")

    @Test("the shipped catalogue has the 2023 standard's 64 items and Art. 14, by article")
    func catalogueCounts() {
        let c = Self.catalogue.criteria(of: "2023")
        #expect(c.count == 65)
        let byArticle = Dictionary(grouping: c, by: \.article).mapValues(\.count)
        #expect(byArticle == [3: 3, 4: 8, 5: 13, 6: 8, 7: 7, 8: 7, 9: 2, 10: 2, 11: 10, 12: 2, 13: 2, 14: 1])
        #expect(Self.catalogue.criterion("MHC-14-00")?.citation(.zh) == "第14条")
        #expect(Self.catalogue.criterion("MHC-4-01")?.citation(.en) == "Art. 4 item 1")
        #expect(c.allSatisfy { !$0.source.isEmpty })
        #expect(Self.catalogue.search("有限空间").allSatisfy { $0.summaryZh.contains("有限空间") || $0.keywords.contains { $0.contains("有限空间") } })
        #expect(Self.catalogue.unknown(["MHC-4-01", "MHC-99-01"]) == ["MHC-99-01"])
    }

    @Test("an enterprise's checklist is the union of general, industry and special-risk items, with its county's local items")
    func applicableChecklist() {
        var p = EnterpriseDraft().sampleProfile
        p.industry = .metallurgy
        p.specialRisks = [.combustibleDust, .metalSmelting]
        let local = [LocalChecklistItem(countyCode: "141181", group: .combustibleDust, text: "除尘器泄爆口朝向检查", createdBy: "c", createdAt: Self.now),
                     LocalChecklistItem(countyCode: "141182", group: .combustibleDust, text: "外县的本地项", createdBy: "c", createdAt: Self.now),
                     LocalChecklistItem(countyCode: "141181", group: .tobacco, text: "烟草的本地项", createdBy: "c", createdAt: Self.now)]
        let list = Checklist.applicable(to: p, catalogue: Self.catalogue, local: local)
        #expect(list.groups == [.general, .metallurgy, .combustibleDust])
        #expect(list.criteria.count == 3 + 8 + 10 + 1)
        #expect(list.localItems.map(\.text) == ["除尘器泄爆口朝向检查"])
        p.industry = .commerce
        p.specialRisks = []
        #expect(Checklist.applicable(to: p, catalogue: Self.catalogue).criteria.map(\.id) == ["MHC-3-01", "MHC-3-02", "MHC-3-03", "MHC-14-00"])
        #expect(Checklist.of(.confinedSpace, catalogue: Self.catalogue).criteria.count == 3 + 2 + 1)
    }

    @Test("a major hazard walks the whole loop with the right people")
    func wholeLoop() throws {
        var h = Self.hazard()
        h = try Self.step(.judge, h, by: Self.inspector, HazardStepInput(level: .major, criteria: ["MHC-4-01", "MHC-14-00"]))
        #expect(h.state == .judged && h.criteria == ["MHC-14-00", "MHC-4-01"])
        h = try Self.step(.acknowledge, h, by: Self.enterprise, HazardStepInput(principal: "孙一", controller: "孙二"))
        #expect(h.state == .acknowledged && h.acknowledgement?.principalReceivedAt == Self.now)
        h = try Self.step(.plan, h, by: Self.enterprise, HazardStepInput(plan: Self.fullPlan))
        #expect(h.state == .rectifying && h.deadline == Self.fullPlan.deadline)
        h = try Self.step(.submit, h, by: Self.enterprise, HazardStepInput(evidence: "休息室已迁出，见照片"))
        #expect(h.state == .awaitingAcceptance)
        h = try Self.step(.return, h, by: Self.county, HazardStepInput(reason: "照片不清楚"))
        #expect(h.state == .rectifying)
        h = try Self.step(.submit, h, by: Self.enterprise, HazardStepInput(evidence: "补充照片"))
        h = try Self.step(.accept, h, by: Self.county)
        #expect(h.state == .closed && h.closedAt == Self.now)
    }

    @Test("an action in the wrong state answers a conflict naming the state and the action")
    func wrongState() {
        let h = Self.hazard(state: .reported)
        #expect(throws: DomainError.invalidTransition(from: "reported", event: "plan")) {
            try Self.step(.plan, h, by: Self.enterprise, HazardStepInput(plan: Self.fullPlan))
        }
        #expect(throws: DomainError.invalidTransition(from: "closed", event: "judge")) {
            try Self.step(.judge, Self.hazard(state: .closed), by: Self.county, HazardStepInput(level: .major, criteria: ["MHC-4-01"]))
        }
        #expect(throws: DomainError.invalidTransition(from: "rejected", event: "acknowledge")) {
            try Self.step(.acknowledge, Self.hazard(state: .rejected), by: Self.enterprise)
        }
        // Every action outside its states is refused.
        for action in HazardAction.allCases {
            for state in HazardState.allCases where !HazardWorkflow.allowedStates(action).contains(state) {
                #expect(throws: DomainError.invalidTransition(from: state.rawValue, event: action.rawValue)) {
                    try HazardWorkflow.perform(action, on: Self.hazard(state: state), by: .system, input: HazardStepInput(),
                                               catalogue: Self.catalogue, now: Self.now)
                }
            }
        }
    }

    @Test("another role's action is forbidden: enterprises do not judge regulators' findings or accept major hazards")
    func wrongRole() {
        #expect(throws: DomainError.forbidden(permission: .hazardJudge)) {
            try Self.step(.judge, Self.hazard(), by: Self.enterprise, HazardStepInput(level: .general))
        }
        #expect(throws: DomainError.forbidden(permission: .hazardRectify)) {
            try Self.step(.acknowledge, Self.hazard(state: .judged), by: Self.county)
        }
        #expect(throws: DomainError.forbidden(permission: .hazardRectify)) {
            try Self.step(.acknowledge, Self.hazard(state: .judged), by: Self.otherEnterprise)
        }
        #expect(throws: DomainError.forbidden(permission: .hazardAccept)) {
            try Self.step(.accept, Self.hazard(state: .awaitingAcceptance), by: Self.enterprise)
        }
        #expect(throws: DomainError.forbidden(permission: .hazardAccept)) {
            try Self.step(.accept, Self.hazard(level: .general, state: .awaitingAcceptance), by: Self.county)
        }
        #expect(throws: DomainError.forbidden(permission: .hazardSupervise)) {
            try Self.step(.supervise, Self.hazard(state: .judged), by: Self.inspector)
        }
    }

    @Test("a county officer assigns an active expert to a reported hazard; only that expert may then judge it")
    func expertAssignment() throws {
        let expertUser = User(username: "expert-1", displayName: "专家一", role: .expert, passwordHash: "", createdAt: Self.now)
        let expert = try #require(expertUser.caller)
        let other = Caller(kind: .user, id: UUID(), username: "expert-2", role: .expert, scope: .assigned(UUID()))
        var input = HazardStepInput()
        input.expert = expertUser
        #expect(throws: DomainError.forbidden(permission: .hazardJudge)) {
            try Self.step(.judge, Self.hazard(), by: expert, HazardStepInput(level: .general))
        }
        #expect(throws: DomainError.forbidden(permission: .hazardAssignExpert)) { try Self.step(.assignExpert, Self.hazard(), by: Self.inspector, input) }
        #expect(throws: DomainError.invalidTransition(from: "judged", event: "assignExpert")) {
            try Self.step(.assignExpert, Self.hazard(state: .judged), by: Self.county, input)
        }
        for bad in [User(username: "county-x", displayName: "县局", role: .countyOfficer, countyCode: "141181", passwordHash: "", createdAt: Self.now),
                    User(username: "expert-9", displayName: "停用专家", role: .expert, passwordHash: "", active: false, createdAt: Self.now)] {
            var wrong = HazardStepInput()
            wrong.expert = bad
            #expect(throws: DomainError.self) { try Self.step(.assignExpert, Self.hazard(), by: Self.county, wrong) }
        }
        let assigned = try Self.step(.assignExpert, Self.hazard(), by: Self.county, input)
        #expect(assigned.state == .reported && assigned.expert?.id == expertUser.id && assigned.expert?.by == "county-141181")
        #expect(HazardWorkflow.available(to: expert, on: assigned) == [.judge, .reject])
        #expect(HazardWorkflow.available(to: other, on: assigned).isEmpty)
        #expect(Scope.assigned(expertUser.id).includes(assigned) && !other.scope.includes(assigned))
        #expect(try Self.step(.judge, assigned, by: expert, HazardStepInput(level: .major, criteria: ["MHC-4-01"])).state == .judged)
    }

    @Test("an enterprise judges what it found itself; a general hazard is accepted by the enterprise")
    func enterpriseOwn() throws {
        var h = Self.hazard(level: .general, source: .selfInspection, byEnterprise: true)
        h = try Self.step(.judge, h, by: Self.enterprise, HazardStepInput(level: .general))
        h = try Self.step(.acknowledge, h, by: Self.enterprise)
        h = try Self.step(.plan, h, by: Self.enterprise, HazardStepInput(plan: RectificationPlan(responsible: "孙一", measures: "更换护栏", deadline: Self.now.addingTimeInterval(86_400))))
        h = try Self.step(.submit, h, by: Self.enterprise, HazardStepInput(evidence: "已更换"))
        h = try Self.step(.accept, h, by: Self.enterprise)
        #expect(h.state == .closed)
    }

    @Test("a major plan needs the five in place and interim safeguards; each missing one is named")
    func fiveInPlace() {
        let h = Self.hazard(state: .acknowledged)
        do {
            _ = try Self.step(.plan, h, by: Self.enterprise, HazardStepInput(plan: RectificationPlan(responsible: "孙一")))
            Issue.record("an incomplete plan was accepted")
        } catch DomainError.validation(let issues) {
            #expect(Set(issues.map(\.field)) == ["measures", "funds", "deadline", "contingencyPlan", "interimSafeguards"])
        } catch { Issue.record("\(error)") }
        var past = Self.fullPlan
        past.deadline = Self.now.addingTimeInterval(-60)
        #expect(throws: DomainError.self) { try Self.step(.plan, h, by: Self.enterprise, HazardStepInput(plan: past)) }
        let general = Self.hazard(level: .general, state: .acknowledged)
        let lean = RectificationPlan(responsible: "孙一", measures: "修复", deadline: Self.now.addingTimeInterval(3600))
        #expect((try? Self.step(.plan, general, by: Self.enterprise, HazardStepInput(plan: lean)))?.state == .rectifying)
    }

    @Test("a major judgement cites known criteria; double reporting names principal and controller")
    func judgementAndAcknowledgement() {
        #expect(throws: DomainError.self) { try Self.step(.judge, Self.hazard(), by: Self.county, HazardStepInput(level: .major, criteria: [])) }
        do {
            _ = try Self.step(.judge, Self.hazard(), by: Self.county, HazardStepInput(level: .major, criteria: ["MHC-4-99"]))
            Issue.record("an unknown criterion was accepted")
        } catch DomainError.validation(let issues) {
            #expect(issues.map(\.field) == ["criteria"])
            #expect(issues[0].reasonEn.contains("MHC-4-99"))
        } catch { Issue.record("\(error)") }
        do {
            _ = try Self.step(.acknowledge, Self.hazard(state: .judged), by: Self.enterprise, HazardStepInput(principal: "孙一"))
            Issue.record("a major acknowledgement without the controller was accepted")
        } catch DomainError.validation(let issues) {
            #expect(issues.map(\.field) == ["controller"])
        } catch { Issue.record("\(error)") }
    }

    @Test("supervision: the supervising level accepts; the city outranks the county; extensions are decided by the county")
    func supervisionAndExtension() throws {
        var h = Self.hazard(state: .judged)
        h = try Self.step(.supervise, h, by: Self.county, HazardStepInput(comment: "县级挂牌"))
        #expect(h.supervision?.level == .county)
        #expect(throws: DomainError.self) { try Self.step(.supervise, h, by: Self.county) }
        h = try Self.step(.supervise, h, by: Self.city)
        #expect(h.supervision?.level == .city)
        #expect(throws: DomainError.invalidTransition(from: "judged (general hazard)", event: "supervise")) {
            try Self.step(.supervise, Self.hazard(level: .general, state: .judged), by: Self.county)
        }
        h.state = .rectifying
        h.deadline = Self.now.addingTimeInterval(86_400)
        h = try Self.step(.requestExtension, h, by: Self.enterprise, HazardStepInput(reason: "设备到货推迟", newDeadline: Self.now.addingTimeInterval(86_400 * 20)))
        #expect(throws: DomainError.self) { try Self.step(.requestExtension, h, by: Self.enterprise, HazardStepInput(reason: "再延", newDeadline: Self.now.addingTimeInterval(86_400 * 40))) }
        h = try Self.step(.decideExtension, h, by: Self.city, HazardStepInput(approve: true))
        #expect(h.deadline == Self.now.addingTimeInterval(86_400 * 20) && h.pendingExtension == nil)
        #expect(throws: DomainError.invalidTransition(from: "rectifying (no extension requested)", event: "decideExtension")) {
            try Self.step(.decideExtension, h, by: Self.city, HazardStepInput(approve: false))
        }
        h.state = .awaitingAcceptance
        #expect(throws: DomainError.forbidden(permission: .hazardAccept)) { try Self.step(.accept, h, by: Self.county) }
        #expect(try Self.step(.accept, h, by: Self.city).state == .closed)
    }

    @Test("overdue: past the deadline and not closed; legacy: found in 2023 or earlier")
    func overdueAndLegacy() {
        var h = Self.hazard(state: .rectifying)
        h.deadline = Self.now
        #expect(!h.isOverdue(at: Self.now))
        #expect(h.isOverdue(at: Self.now.addingTimeInterval(1)))
        h.state = .closed
        #expect(!h.isOverdue(at: Self.now.addingTimeInterval(1)))
        h.foundAt = ChinaTime.parseDay("2023-12-31")!
        #expect(h.isLegacy)
        h.foundAt = ChinaTime.parseDay("2024-01-01")!
        #expect(!h.isLegacy)
    }

    @Test("photos are recognised by content, not by name")
    func imageTypes() {
        #expect(ImageType.detect(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0])) == .jpeg)
        #expect(ImageType.detect(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])) == .png)
        #expect(ImageType.detect(Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageType.detect(Data("GIF89a".utf8)) == nil)
        #expect(ImageType.detect(Data("%PDF-1.7 pretending.jpg".utf8)) == nil)
    }
}

extension EnterpriseDraft {
    /// A valid profile to vary in tests.
    var sampleProfile: EnterpriseProfile {
        var d = self
        d.creditCode = CreditCode.completing("91141181MA0K12345")!.value
        d.name = "演示样例有限公司"
        d.countyCode = "141181"
        d.industry = Industry.machinery.rawValue
        d.principalName = "孙一"
        return try! d.validate().get()
    }
}

@Suite("Self-inspection rule")
struct SelfInspectionRuleTests {
    static let now = ChinaTime.parseDay("2024-08-15")!

    @Test("the principal checks once a quarter; metal-smelting enterprises once a month; an ended period without one is missed")
    func cadenceAndMisses() {
        var p = EnterpriseDraft().sampleProfile
        #expect(SelfInspectionSchedule.cadence(for: p) == .quarterly)
        p.specialRisks = [.metalSmelting]
        #expect(SelfInspectionSchedule.cadence(for: p) == .monthly)

        let quarterly = SelfInspectionSchedule.compliance(cadence: .quarterly, checks: [ChinaTime.parseDay("2024-02-10")!, ChinaTime.parseDay("2024-07-01")!], now: Self.now)
        #expect(quarterly.map(\.label) == ["2024Q1", "2024Q2", "2024Q3"])
        #expect(quarterly.map(\.missed) == [false, true, false])
        #expect(quarterly.map(\.current) == [false, false, true])

        let monthly = SelfInspectionSchedule.compliance(cadence: .monthly, checks: [ChinaTime.parseDay("2024-03-31")!], now: Self.now)
        #expect(monthly.count == 8)
        #expect(monthly.filter(\.missed).map(\.label) == ["2024-01", "2024-02", "2024-04", "2024-05", "2024-06", "2024-07"])
        // The last moment of a period still counts for it; the first of the next does not.
        let edge = SelfInspectionSchedule.compliance(cadence: .quarterly, checks: [ChinaTime.parseDay("2024-04-01")!.addingTimeInterval(-1)], now: Self.now)
        #expect(edge[0].checks == 1 && edge[1].checks == 0)
    }
}
