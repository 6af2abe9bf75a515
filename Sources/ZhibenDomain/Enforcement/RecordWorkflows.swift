import Foundation

/// The smaller records with states, each as one pure step like `InspectionWorkflow`: (record, action,
/// input, now) → the next record, or the refusal naming the state and the action (409). Storage runs
/// the step on the record as its write read it, in that one write, with the audit entry.

/// A draw: committed (pool frozen, seed hidden behind its commitment), then revealed once, for good.
public enum DrawWorkflow {
    public enum State: String, Sendable { case committed, revealed }

    public static func state(_ d: Draw) -> State { d.seed == nil ? .committed : .revealed }

    /// Reveals the draw with its secret seed: the seed must hash to the published commitment, and the
    /// result is the algorithm's on the frozen pool, so anyone can recompute it.
    public static func reveal(_ d: Draw, seed: String, at: Date, sha: DrawAlgorithm.SHA256Hex) throws(DomainError) -> Draw {
        switch state(d) {
        case .revealed:
            throw .conflict(FieldIssue(field: "seed", zh: "该抽取已揭晓，结果不可更改", en: "this draw is revealed already; it cannot change"))
        case .committed:
            guard DrawAlgorithm.commitment(seed: seed, sha: sha) == d.commitment else {
                throw .conflict(FieldIssue(field: "seed", zh: "种子与承诺值不符", en: "the seed does not match the commitment"))
            }
            var next = d
            next.seed = seed
            next.result = DrawAlgorithm.run(seed: seed, pool: d.pool, parameters: d.parameters, sha: sha)
            next.revealedAt = at
            return next
        }
    }
}

/// A worker's safety-knowledge exam: passed, or failed and off duty until retrained and re-examined.
public enum ExamWorkflow {
    /// The state a first exam's score leads to.
    public static func state(score: Int) -> WorkerExam.State { score >= WorkerExam.passMark ? .passed : .awaitingRetraining }

    /// The retraining day and the re-exam's score: passing returns the worker to duty; failing again
    /// keeps the worker off duty, with the latest score recorded.
    public static func reexam(_ e: WorkerExam, retrainedOn: String, score: Int, now: Date) throws(DomainError) -> WorkerExam {
        switch e.state {
        case .passed, .cleared:
            throw .invalidTransition(from: e.state.rawValue, event: "reexam")
        case .awaitingRetraining:
            var next = e
            next.retrainedOn = retrainedOn
            next.reexamScore = score
            next.reexamOn = ChinaTime.day(now)
            if score >= WorkerExam.passMark { next.state = .cleared }
            return next
        }
    }
}

/// A staff member's internal report (内部报告): received, then confirmed (with the reward paid) or dismissed, once.
public enum InternalReportWorkflow {
    public enum Decision: Sendable, Equatable {
        case confirm(reward: Decimal)
        case dismiss

        var event: String {
            switch self {
            case .confirm: "confirm"
            case .dismiss: "dismiss"
            }
        }
    }

    public static func decide(_ r: InternalReport, _ decision: Decision, hazardID: UUID?, by username: String, now: Date) throws(DomainError) -> InternalReport {
        switch r.status {
        case .confirmed, .dismissed:
            throw .invalidTransition(from: r.status.rawValue, event: decision.event)
        case .received:
            var next = r
            switch decision {
            case .confirm(let reward):
                next.status = .confirmed
                next.reward = reward
            case .dismiss:
                next.status = .dismissed
                next.reward = nil
            }
            next.hazardID = hazardID
            next.decidedBy = username
            next.decidedAt = now
            return next
        }
    }
}
