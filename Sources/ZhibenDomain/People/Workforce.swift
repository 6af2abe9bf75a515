import Foundation

/// Who employs a worker at the enterprise (统一培训 covers all four).
public enum WorkerKind: String, Sendable, Codable, CaseIterable, Labeled {
    case own, contractor, dispatched, flexible

    public var zh: String { switch self { case .own: "本企业职工"; case .contractor: "承包单位人员"; case .dispatched: "劳务派遣"; case .flexible: "灵活用工" } }
    public var en: String { switch self { case .own: "Own staff"; case .contractor: "Contractor's"; case .dispatched: "Dispatched"; case .flexible: "Flexible" } }
}

/// A person working at an enterprise, with the special-operation certificates they hold (T20).
public struct Worker: StoredRecord, Equatable {
    public static let entity = "worker"
    public static let table = "workers"

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var name: String
    /// Whole and validated (GB 11643); shown masked except where the record is opened.
    public var idNumber: String
    /// 岗位.
    public var job: String
    public var kind: WorkerKind
    /// The contractor the worker comes from (kind `contractor`).
    public var contractorID: UUID?
    public var contractorName: String?
    /// Put off duty by the enterprise (leave, illness, left the job …). Violations and failed exams take
    /// a worker off duty on their own: see `OffDutyLedger`.
    public var onDuty: Bool
    public var offDutyReason: String?
    /// The day of the induction safety training (入场/岗前安全培训).
    public var inductionOn: String?
    public var certificates: [OperatorCertificate]
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, name: String, idNumber: String, job: String,
                kind: WorkerKind = .own, contractorID: UUID? = nil, contractorName: String? = nil, onDuty: Bool = true, offDutyReason: String? = nil,
                inductionOn: String? = nil, certificates: [OperatorCertificate] = [], updatedAt: Date, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.name = name
        self.idNumber = idNumber
        self.job = job
        self.kind = kind
        self.contractorID = contractorID
        self.contractorName = contractorName
        self.onDuty = onDuty
        self.offDutyReason = offDutyReason
        self.inductionOn = inductionOn
        self.certificates = certificates
        self.updatedAt = updatedAt
        self.version = version
    }

    public static func uniqueTaken(_ key: String) -> FieldIssue {
        let masked = (try? IDNumber(validating: key, today: "9999-12-31"))?.masked ?? ""
        return FieldIssue(field: "idNumber", zh: "本企业已登记身份证号为\(masked)的人员", en: "a worker with this ID number is registered already")
    }

    public var maskedIDNumber: String { (try? IDNumber(validating: idNumber, today: "9999-12-31"))?.masked ?? String(repeating: "*", count: idNumber.count) }

    public var keys: RecordKeys {
        RecordKeys(tag: onDuty ? "on" : "off", ref: contractorID, order: name,
                   search: [name, job, idNumber, contractorName ?? ""].joined(separator: " ") + " " + certificates.map(\.number).joined(separator: " "),
                   unique: idNumber)
    }

    public var auditFields: [String: String] {
        ["name": name, "idNumber": maskedIDNumber, "job": job, "employment": kind.rawValue, "onDuty": onDuty ? "true" : "false",
         "offDutyReason": offDutyReason ?? "", "inductionOn": inductionOn ?? "", "contractor": contractorName ?? "",
         "certificates": certificates.map { c in
             "\(SpecialOperationCatalogue.operation(c.operation, catalogue: c.catalogue)?.zh ?? c.operation) \(c.number) \(c.validFrom)至\(c.validUntil)"
                 + (c.lastReviewedOn.map { " 复审\($0)" } ?? "")
         }.joined(separator: "；")]
    }
}

/// 三违 (T18): violating rules in work, giving orders against them, or breaking labour discipline.
public struct Violation: StoredRecord, Equatable {
    public static let entity = "violation"
    public static let table = "violations"

    public enum Kind: String, Sendable, Codable, CaseIterable, Labeled {
        case operation, command, discipline
        public var zh: String { switch self { case .operation: "违章作业"; case .command: "违章指挥"; case .discipline: "违反劳动纪律" } }
        public var en: String { switch self { case .operation: "Working against the rules"; case .command: "Ordering work against the rules"; case .discipline: "Breach of labour discipline" } }
    }

    /// Off duty from recording until the re-exam is passed.
    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case offDuty, retrained, cleared
        public var zh: String { switch self { case .offDuty: "停岗待培训"; case .retrained: "已培训待考"; case .cleared: "考试合格，已复岗" } }
        public var en: String { switch self { case .offDuty: "Off duty: retraining due"; case .retrained: "Retrained: re-exam due"; case .cleared: "Re-exam passed: back on duty" } }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var workerID: UUID
    public var workerName: String
    public var workerJob: String
    public var kind: Kind
    public var happenedOn: String
    public var what: String
    public var recordedBy: String
    public var recordedAt: Date
    public var state: State
    public var retrainedOn: String?
    public var reexamScore: Int?
    public var reexamOn: String?
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, workerID: UUID, workerName: String, workerJob: String = "", kind: Kind,
                happenedOn: String, what: String, recordedBy: String, recordedAt: Date, state: State = .offDuty, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.workerID = workerID
        self.workerName = workerName
        self.workerJob = workerJob
        self.kind = kind
        self.happenedOn = happenedOn
        self.what = what
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.state = state
        self.version = version
    }

    public var keys: RecordKeys { RecordKeys(tag: state.rawValue, ref: workerID, order: happenedOn, search: "\(workerName) \(what)") }

    public var auditFields: [String: String] {
        ["worker": workerName, "violationKind": kind.rawValue, "happenedOn": happenedOn, "what": what, "state": state.rawValue,
         "retrainedOn": retrainedOn ?? "", "reexamScore": reexamScore.map(String.init) ?? "", "reexamOn": reexamOn ?? ""]
    }
}

/// The violation's one workflow: retraining, then a re-exam; a pass returns the worker to duty, a fail
/// sends them back to retraining.
public enum ViolationWorkflow {
    public enum Event: String, Sendable, CaseIterable { case retrain, reexam }

    public static func retrain(_ v: Violation, on day: String) throws(DomainError) -> Violation {
        guard v.state == .offDuty else { throw .invalidTransition(from: v.state.rawValue, event: Event.retrain.rawValue) }
        guard day >= v.happenedOn else {
            throw .validation([FieldIssue(field: "on", zh: "培训日期不能早于违章日期\(v.happenedOn)", en: "the retraining cannot precede the violation (\(v.happenedOn))")])
        }
        var next = v
        next.state = .retrained
        next.retrainedOn = day
        return next
    }

    public static func reexam(_ v: Violation, score: Int, on day: String) throws(DomainError) -> Violation {
        guard v.state == .retrained else { throw .invalidTransition(from: v.state.rawValue, event: Event.reexam.rawValue) }
        guard (0...100).contains(score) else { throw .validation([FieldIssue(field: "score", zh: "成绩应为0至100", en: "the score is 0 to 100")]) }
        guard day >= (v.retrainedOn ?? v.happenedOn) else {
            throw .validation([FieldIssue(field: "on", zh: "考试日期不能早于培训日期\(v.retrainedOn ?? v.happenedOn)", en: "the exam cannot precede the retraining")])
        }
        var next = v
        next.reexamScore = score
        next.reexamOn = day
        next.state = score >= WorkerExam.passMark ? .cleared : .offDuty
        if next.state == .offDuty { next.retrainedOn = nil }
        return next
    }
}

/// How many certified operators an enterprise needs per special operation (the end-2024 staffing
/// requirement, T20). One record per enterprise; its id is the enterprise's.
public struct StaffingNeed: StoredRecord, Equatable {
    public static let entity = "staffing"
    public static let table = "staffing_needs"

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    /// Operation code → number of operators needed.
    public var required: [String: Int]
    public var version: Int

    public init(enterpriseID: UUID, enterpriseName: String, countyCode: String, required: [String: Int], version: Int = 0) {
        id = enterpriseID
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.required = required
        self.version = version
    }

    public var keys: RecordKeys { RecordKeys(order: enterpriseName, search: enterpriseName) }
    public var auditFields: [String: String] {
        ["required": required.sorted { $0.key < $1.key }.map { "\(SpecialOperationCatalogue.operation($0.key)?.zh ?? $0.key) \($0.value)" }.joined(separator: "、")]
    }
}

/// Staffed against required, per special operation.
public struct StaffingRow: Sendable, Equatable {
    public var operation: String
    public var required: Int
    /// On-duty workers whose certificate for it is valid today (expiring ones count).
    public var staffed: Int
    public var expiringIn30: Int
    /// Within 90 days but not 30.
    public var expiringIn90: Int
    /// Certificates expired or overdue for review, of workers still listed.
    public var lapsed: Int

    public var short: Int { max(0, required - staffed) }
}

public enum Staffing {
    /// One row per operation either required or held, in catalogue order. `mayWork` says whether a
    /// worker is on duty now (the off-duty ledger's verdict).
    public static func rows(required: [String: Int], workers: [Worker], today: String, mayWork: (Worker) -> Bool) -> [StaffingRow] {
        var byOp: [String: StaffingRow] = [:]
        for (op, n) in required where n > 0 { byOp[op] = StaffingRow(operation: op, required: n, staffed: 0, expiringIn30: 0, expiringIn90: 0, lapsed: 0) }
        for w in workers {
            let working = mayWork(w)
            for op in Set(w.certificates.map(\.operation)) {
                var row = byOp[op] ?? StaffingRow(operation: op, required: 0, staffed: 0, expiringIn30: 0, expiringIn90: 0, lapsed: 0)
                let mine = w.certificates.filter { $0.operation == op }
                let standings = mine.map { CertificateRules.standing($0, today: today) }
                let usable = standings.filter { if case .valid = $0 { true } else if case .expiring = $0 { true } else { false } }
                if usable.isEmpty {
                    if standings.contains(where: { if case .expired = $0 { true } else if case .reviewOverdue = $0 { true } else { false } }) { row.lapsed += 1 }
                } else {
                    if working { row.staffed += 1 }
                    if !usable.contains(.valid) {
                        let soonest = usable.compactMap { if case .expiring(_, let d) = $0 { d } else { nil } }.max() ?? 90
                        if soonest <= 30 { row.expiringIn30 += 1 } else { row.expiringIn90 += 1 }
                    }
                }
                byOp[op] = row
            }
        }
        return sortedByCatalogue(Array(byOp.values))
    }
}

extension Staffing {
    /// The sum over several enterprises, per operation, in catalogue order.
    public static func totals(_ perEnterprise: [[StaffingRow]]) -> [StaffingRow] {
        var byOp: [String: StaffingRow] = [:]
        for row in perEnterprise.joined() {
            var t = byOp[row.operation] ?? StaffingRow(operation: row.operation, required: 0, staffed: 0, expiringIn30: 0, expiringIn90: 0, lapsed: 0)
            t.required += row.required
            t.staffed += row.staffed
            t.expiringIn30 += row.expiringIn30
            t.expiringIn90 += row.expiringIn90
            t.lapsed += row.lapsed
            byOp[row.operation] = t
        }
        return sortedByCatalogue(Array(byOp.values))
    }

    static func sortedByCatalogue(_ rows: [StaffingRow]) -> [StaffingRow] {
        let order = Dictionary(SpecialOperationCatalogue.all.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
        return rows.sorted { (order[$0.operation] ?? .max, $0.operation) < (order[$1.operation] ?? .max, $1.operation) }
    }
}

/// One line of "who may not work now and why": a worker put off duty, a 三违 not yet cleared, or a
/// failed 逢查必考 exam awaiting its re-exam.
public struct OffDutyEntry: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case manual(reason: String)
        case violation(id: UUID, kind: Violation.Kind, state: Violation.State)
        case exam(id: UUID, inspectionID: UUID, score: Int)
    }

    public var workerID: UUID?
    public var workerName: String
    public var job: String
    public var enterpriseID: UUID
    public var enterpriseName: String
    public var countyCode: String
    public var since: String
    public var source: Source

    public var zh: String {
        switch source {
        case .manual(let r): "企业停岗：\(r)"
        case .violation(_, let k, let s): "\(k.zh)，\(s.zh)"
        case .exam(_, _, let score): "逢查必考不合格（\(score)分），待培训补考"
        }
    }
}

public enum OffDutyLedger {
    /// Everyone off duty, newest first: workers the enterprise put off duty, open violations, failed exams.
    public static func entries(workers: [Worker], violations: [Violation], exams: [WorkerExam]) -> [OffDutyEntry] {
        let byID = Dictionary(workers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [OffDutyEntry] = []
        for w in workers where !w.onDuty {
            out.append(OffDutyEntry(workerID: w.id, workerName: w.name, job: w.job, enterpriseID: w.enterpriseID!, enterpriseName: w.enterpriseName,
                                    countyCode: w.countyCode ?? "", since: ChinaTime.day(w.updatedAt), source: .manual(reason: w.offDutyReason ?? "")))
        }
        for v in violations where v.state != .cleared {
            out.append(OffDutyEntry(workerID: v.workerID, workerName: v.workerName, job: byID[v.workerID]?.job ?? v.workerJob, enterpriseID: v.enterpriseID!,
                                    enterpriseName: v.enterpriseName, countyCode: v.countyCode ?? "", since: v.happenedOn,
                                    source: .violation(id: v.id, kind: v.kind, state: v.state)))
        }
        for e in exams where e.state == .awaitingRetraining {
            let w = workers.first { $0.enterpriseID == e.enterpriseID && $0.name == e.workerName }
            out.append(OffDutyEntry(workerID: w?.id, workerName: e.workerName, job: e.job, enterpriseID: e.enterpriseID, enterpriseName: e.enterpriseName,
                                    countyCode: e.countyCode, since: e.examinedOn, source: .exam(id: e.id, inspectionID: e.inspectionID, score: e.score)))
        }
        return out.sorted { ($0.since, $0.workerName) > ($1.since, $1.workerName) }
    }
}
