import Foundation
import Testing
import ZhibenDomain

@Suite("inspection workflow: one pure function, no database")
struct InspectionWorkflowTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let county = Caller(id: UUID(), username: "county-141181", role: .countyOfficer, scope: .county("141181"))
    static let borrowed = Caller(id: UUID(), username: "county-141182", role: .countyOfficer, scope: .county("141182"))
    static let inspector = Caller(id: UUID(), username: "inspector-141182", role: .inspector, scope: .county("141182"))
    static let expert = Caller(id: UUID(), username: "expert-1", role: .expert, scope: .assigned(UUID()))

    static func inspection(_ state: Inspection.State, results: [InspectionItemResult] = []) -> Inspection {
        Inspection(enterpriseID: UUID(), enterpriseName: "演示企业", countyCode: "141181", style: .crossCounty, origin: .manual,
                   inspectorIDs: [UUID(), UUID()], inspectorNames: ["甲", "乙"], inspectorCounties: ["141182"], plannedOn: "2026-12-20",
                   state: state, results: results, createdBy: "city", createdAt: now, updatedAt: now, version: 3)
    }

    @Test("each action from each state: the allowed ones move on, the others name state and action")
    func stateTable() throws {
        let moves: [(InspectionAction, Inspection.State, Inspection.State?)] = [
            (.start, .planned, .inProgress), (.start, .inProgress, nil), (.start, .completed, nil), (.start, .cancelled, nil),
            (.complete, .planned, nil), (.complete, .inProgress, .completed), (.complete, .completed, nil), (.complete, .cancelled, nil),
            (.cancel, .planned, .cancelled), (.cancel, .inProgress, .cancelled), (.cancel, .completed, nil), (.cancel, .cancelled, nil),
        ]
        for (action, from, to) in moves {
            do {
                let next = try InspectionWorkflow.perform(Self.inspection(from), action: action, actor: Self.county, now: Self.now)
                #expect(next.state == to, "\(action) from \(from)")
                #expect(next.updatedAt == Self.now)
            } catch {
                #expect(to == nil, "\(action) from \(from) refused: \(error)")
                #expect(error == .invalidTransition(from: from.rawValue, event: action.rawValue))
            }
        }
    }

    @Test("the enterprise's county decides (cancels); the county lending its officers and its inspectors work it but do not decide; an expert records nothing")
    func whoDecides() throws {
        let i = Self.inspection(.inProgress)
        #expect(throws: DomainError.forbidden(permission: .drawManage)) { try InspectionWorkflow.perform(i, action: .cancel, actor: Self.borrowed, now: Self.now) }
        #expect(throws: DomainError.forbidden(permission: .drawManage)) { try InspectionWorkflow.perform(i, action: .cancel, actor: Self.inspector, now: Self.now) }
        #expect(try InspectionWorkflow.perform(i, action: .cancel, actor: .system, now: Self.now).state == .cancelled, "the city")
        #expect(try InspectionWorkflow.perform(i, action: .complete, actor: Self.inspector, now: Self.now).state == .completed, "a borrowed inspector completes it")
        #expect(throws: DomainError.forbidden(permission: .hazardReport)) { try InspectionWorkflow.perform(i, action: .complete, actor: Self.expert, now: Self.now) }
        // 403 before 409: a refusal does not tell an outsider the state.
        #expect(throws: DomainError.forbidden(permission: .drawManage)) {
            try InspectionWorkflow.perform(Self.inspection(.completed), action: .cancel, actor: Self.borrowed, now: Self.now)
        }
        #expect(InspectionWorkflow.decides(.county("141181"), on: i) && !InspectionWorkflow.decides(.county("141182"), on: i))
    }

    @Test("completing links each failed item to its hazard, and is refused when the failed items are not those the hazards were made for")
    func completion() throws {
        let fail1 = InspectionItemResult(item: "MHC-4-01", outcome: .fail)
        let fail2 = InspectionItemResult(item: "MHC-4-02", outcome: .fail)
        let pass = InspectionItemResult(item: "MHC-4-03", outcome: .pass)
        let i = Self.inspection(.inProgress, results: [fail1, fail2, pass])
        #expect(InspectionWorkflow.itemsNeedingHazards(i).map(\.item) == ["MHC-4-01", "MHC-4-02"])
        let (h1, h2) = (UUID(), UUID())
        let items = ["MHC-4-01", "MHC-4-02", "MHC-4-03"]
        let done = try InspectionWorkflow.complete(i, items: items, hazards: ["MHC-4-01": h1, "MHC-4-02": h2], actor: Self.county, now: Self.now)
        #expect(done.state == .completed && done.completedAt == Self.now)
        #expect(done.results.map(\.hazardID) == [h1, h2, nil])
        #expect(InspectionWorkflow.itemsNeedingHazards(done).isEmpty, "a second completion would make none")
        #expect(throws: DomainError.self) { try InspectionWorkflow.complete(i, items: items, hazards: ["MHC-4-01": h1], actor: Self.county, now: Self.now) }
    }

    @Test("completing needs every checklist item answered: an item without an outcome refuses it, naming how many; 未检查 counts as answered")
    func everyItemAnswered() throws {
        let items = ["MHC-4-01", "MHC-4-02", "MHC-4-03", "local-1"]
        var i = Self.inspection(.inProgress, results: [InspectionItemResult(item: "MHC-4-01", outcome: .pass), InspectionItemResult(item: "MHC-4-03", outcome: .notApplicable)])
        #expect(InspectionWorkflow.unanswered(i, items: items) == ["MHC-4-02", "local-1"])
        do {
            _ = try InspectionWorkflow.complete(i, items: items, hazards: [:], actor: Self.county, now: Self.now)
            Issue.record("completed with two items open")
        } catch {
            guard case .validation(let issues) = error else { Issue.record("\(error)"); return }
            #expect(issues.map(\.field) == ["results"] && issues[0].reasonZh.contains("还有 2 项未作答"), "\(issues)")
        }
        i.results += [InspectionItemResult(item: "MHC-4-02", outcome: .notChecked, note: "设备检修停机，无法查看"), InspectionItemResult(item: "local-1", outcome: .pass)]
        #expect(try InspectionWorkflow.complete(i, items: items, hazards: [:], actor: Self.county, now: Self.now).state == .completed)
        // The state is checked before the answers: a completed inspection is a 409, whatever its answers.
        #expect(throws: DomainError.invalidTransition(from: "completed", event: "complete")) {
            try InspectionWorkflow.complete(Self.inspection(.completed), items: items, hazards: [:], actor: Self.county, now: Self.now)
        }
    }

    @Test("results are saved only while open; the first save starts the inspection; a linked hazard stays linked")
    func record() throws {
        let h = UUID()
        var linked = InspectionItemResult(item: "MHC-4-01", outcome: .fail)
        linked.hazardID = h
        let started = try InspectionWorkflow.record(Self.inspection(.planned, results: [linked]), results: [InspectionItemResult(item: "MHC-4-01", outcome: .fail, note: "补充")],
                                                    summary: "现场", actor: Self.inspector, now: Self.now)
        #expect(started.state == .inProgress && started.startedAt == Self.now && started.results.first?.hazardID == h && started.summary == "现场")
        #expect(throws: DomainError.invalidTransition(from: "completed", event: "saveResults")) {
            try InspectionWorkflow.record(Self.inspection(.completed), results: [], summary: nil, actor: Self.inspector, now: Self.now)
        }
    }
}
