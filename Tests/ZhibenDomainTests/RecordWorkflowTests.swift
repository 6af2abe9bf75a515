import Foundation
import Testing
@testable import ZhibenDomain

/// The draws', exams' and internal reports' steps, with no database.
@Suite("record workflows: draws, exams, internal reports")
struct RecordWorkflowTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("a draw is revealed once, with the seed behind its commitment, and the algorithm's result on its frozen pool")
    func drawReveal() throws {
        let pool = DrawTests.pool()
        let p = DrawParameters(size: 5)
        let d = Draw(countyCode: nil, year: 2026, title: "t", parameters: p, pool: pool, poolDigest: DrawTests.sha(pool.canonical),
                     commitment: DrawAlgorithm.commitment(seed: "the-seed", sha: DrawTests.sha), createdBy: "city", createdAt: Self.now)
        #expect(DrawWorkflow.state(d) == .committed)
        #expect(throws: DomainError.self) { try DrawWorkflow.reveal(d, seed: "another-seed", at: Self.now, sha: DrawTests.sha) }
        let revealed = try DrawWorkflow.reveal(d, seed: "the-seed", at: Self.now, sha: DrawTests.sha)
        #expect(DrawWorkflow.state(revealed) == .revealed)
        #expect(revealed.result == DrawAlgorithm.run(seed: "the-seed", pool: pool, parameters: p, sha: DrawTests.sha))
        #expect(revealed.revealedAt == Self.now && revealed.verify(sha: DrawTests.sha).ok)
        do {
            _ = try DrawWorkflow.reveal(revealed, seed: "the-seed", at: Self.now, sha: DrawTests.sha)
            Issue.record("a revealed draw was revealed again")
        } catch {
            guard case .conflict(let issue) = error else { Issue.record("\(error)"); return }
            #expect(issue.field == "seed")
        }
    }

    static func exam(score: Int) -> WorkerExam {
        WorkerExam(inspectionID: UUID(), enterpriseID: UUID(), enterpriseName: "企业", countyCode: "141181", workerName: "张三", job: "电工",
                   score: score, examinedOn: "2026-12-01", state: ExamWorkflow.state(score: score))
    }

    @Test("an exam under the pass mark waits for retraining; a passing re-exam clears it, a failing one keeps it waiting; nothing else takes a re-exam")
    func examStates() throws {
        #expect(ExamWorkflow.state(score: WorkerExam.passMark) == .passed)
        #expect(ExamWorkflow.state(score: WorkerExam.passMark - 1) == .awaitingRetraining)
        let failed = Self.exam(score: 40)
        let again = try ExamWorkflow.reexam(failed, retrainedOn: "2026-12-02", score: WorkerExam.passMark - 1, now: Self.now)
        #expect(again.state == .awaitingRetraining && again.reexamScore == WorkerExam.passMark - 1 && again.retrainedOn == "2026-12-02")
        let cleared = try ExamWorkflow.reexam(again, retrainedOn: "2026-12-03", score: 95, now: Self.now)
        #expect(cleared.state == .cleared && cleared.reexamOn == ChinaTime.day(Self.now))
        for done in [Self.exam(score: 90), cleared] {
            #expect(throws: DomainError.invalidTransition(from: done.state.rawValue, event: "reexam")) {
                try ExamWorkflow.reexam(done, retrainedOn: "2026-12-03", score: 95, now: Self.now)
            }
        }
    }

    @Test("a received report is confirmed with its reward or dismissed without one, once")
    func reportDecisions() throws {
        let r = InternalReport(enterpriseID: UUID(), countyCode: "141181", text: "叉车司机无证驾驶", reporter: "李四", receivedAt: Self.now, recordedBy: "ent")
        let hazard = UUID()
        let confirmed = try InternalReportWorkflow.decide(r, .confirm(reward: 200), hazardID: hazard, by: "ent", now: Self.now)
        #expect(confirmed.status == .confirmed && confirmed.reward == 200 && confirmed.hazardID == hazard && confirmed.decidedBy == "ent")
        let dismissed = try InternalReportWorkflow.decide(r, .dismiss, hazardID: nil, by: "ent", now: Self.now)
        #expect(dismissed.status == .dismissed && dismissed.reward == nil && dismissed.decidedAt == Self.now)
        for decided in [confirmed, dismissed] {
            #expect(throws: DomainError.invalidTransition(from: decided.status.rawValue, event: "dismiss")) {
                try InternalReportWorkflow.decide(decided, .dismiss, hazardID: nil, by: "ent", now: Self.now)
            }
        }
    }
}
