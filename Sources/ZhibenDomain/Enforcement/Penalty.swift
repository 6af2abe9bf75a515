import Foundation

/// 一案双罚: one case punishes the enterprise and, personally, its principal (主要负责人). Recorded under
/// the inspection that found the violations; the rectification orders name the hazards they concern.
public struct Penalty: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var inspectionID: UUID
    public var enterpriseID: UUID
    public var enterpriseName: String
    public var countyCode: String
    /// 案号, e.g. 吕孝应急罚〔2026〕12号: unique.
    public var caseNo: String
    /// 法律依据, e.g. 《安全生产法》第一百零二条.
    public var legalBasis: String
    /// Yuan.
    public var enterpriseFine: Int
    public var principalName: String
    public var principalFine: Int
    /// `yyyy-MM-dd`.
    public var decidedOn: String
    /// The hazards the rectification orders (责令限期整改) concern.
    public var hazardIDs: [UUID]
    public var createdBy: String
    public var createdAt: Date

    public init(id: UUID = UUID(), inspectionID: UUID, enterpriseID: UUID, enterpriseName: String, countyCode: String, caseNo: String, legalBasis: String,
                enterpriseFine: Int, principalName: String, principalFine: Int, decidedOn: String, hazardIDs: [UUID] = [], createdBy: String, createdAt: Date) {
        self.id = id
        self.inspectionID = inspectionID
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.caseNo = caseNo
        self.legalBasis = legalBasis
        self.enterpriseFine = enterpriseFine
        self.principalName = principalName
        self.principalFine = principalFine
        self.decidedOn = decidedOn
        self.hazardIDs = hazardIDs
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public var total: Int { enterpriseFine + principalFine }
}

/// 逢查必考 (T19): a worker examined during an inspection. A fail takes the worker off duty for
/// retraining until a re-exam is passed; tracked until then.
public struct WorkerExam: Sendable, Equatable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case passed, awaitingRetraining, cleared
        public var zh: String { switch self { case .passed: "合格"; case .awaitingRetraining: "不合格，待培训补考"; case .cleared: "补考合格，已复岗" } }
        public var en: String { switch self { case .passed: "Passed"; case .awaitingRetraining: "Failed: retraining and re-exam due"; case .cleared: "Re-exam passed" } }
    }

    public var id: UUID
    public var inspectionID: UUID
    public var enterpriseID: UUID
    public var enterpriseName: String
    public var countyCode: String
    public var workerName: String
    /// 岗位, e.g. 炼钢工、叉车司机.
    public var job: String
    public var score: Int
    public var examinedOn: String
    public var state: State
    public var retrainedOn: String?
    public var reexamScore: Int?
    public var reexamOn: String?
    public var version: Int

    public init(id: UUID = UUID(), inspectionID: UUID, enterpriseID: UUID, enterpriseName: String, countyCode: String, workerName: String, job: String,
                score: Int, examinedOn: String, state: State, retrainedOn: String? = nil, reexamScore: Int? = nil, reexamOn: String? = nil, version: Int = 1) {
        self.id = id
        self.inspectionID = inspectionID
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.workerName = workerName
        self.job = job
        self.score = score
        self.examinedOn = examinedOn
        self.state = state
        self.retrainedOn = retrainedOn
        self.reexamScore = reexamScore
        self.reexamOn = reexamOn
        self.version = version
    }

    /// The pass mark, out of 100.
    public static let passMark = 60
}

public protocol PenaltyRepository: Sendable {
    /// Stores a penalty; `conflict` when the case number is taken. Only a scope that decides on the
    /// enterprise (its county, the city) records one: `forbidden` otherwise.
    func create(_ p: Penalty, scope: Scope, audit: AuditContext) async throws
    /// The decisions on an inspection the scope sees (`notFound` for one it does not).
    func penalties(inspectionID: UUID, scope: Scope) async throws -> [Penalty]
    /// Each inspection's decisions: case numbers and fines in all (enterprise and principal), in one read.
    /// Public, as a revealed draw's outcomes are (一公开).
    func fined(inspectionIDs: [UUID]) async throws -> [UUID: (amount: Int, caseNos: [String])]
    /// An enterprise's penalties, oldest first, when the scope sees the enterprise (else none).
    func penalties(enterpriseID: UUID, scope: Scope) async throws -> [Penalty]
    func createExams(_ exams: [WorkerExam], audit: AuditContext) async throws
    func exams(inspectionID: UUID?, enterpriseID: UUID?, outstandingOnly: Bool, scope: Scope) async throws -> [WorkerExam]
    func updateExam(id: UUID, scope: Scope, audit: AuditContext, change: @escaping @Sendable (WorkerExam) throws -> WorkerExam) async throws -> WorkerExam
}

/// Penalties and exams recorded on an inspection.
public struct PenaltyService: Sendable {
    public let repository: any PenaltyRepository
    public let inspections: InspectionService
    public let clock: any WallClock

    public init(repository: any PenaltyRepository, inspections: InspectionService, clock: any WallClock) {
        self.repository = repository
        self.inspections = inspections
        self.clock = clock
    }

    /// What became of a revealed draw's inspections, for its public page (一公开): each inspection with
    /// the fines decided on it and their case numbers. Public, like the draw itself.
    public func drawOutcomes(_ drawID: UUID) async throws -> [(inspection: Inspection, fined: Int, caseNos: [String])] {
        let list = try await inspections.repository.list(InspectionQuery(originID: drawID), scope: .city, page: Paging(per: Paging.maxPer)).items
        let fined = try await repository.fined(inspectionIDs: list.filter { $0.state == .completed }.map(\.id))
        return list.map { ($0, fined[$0.id]?.amount ?? 0, fined[$0.id]?.caseNos ?? []) }
    }

    public struct PenaltyDraft: Sendable {
        public var caseNo: String
        public var legalBasis: String
        public var enterpriseFine: Int?
        public var principalName: String
        public var principalFine: Int?
        public var decidedOn: String
        public var hazardIDs: [UUID]

        public init(caseNo: String, legalBasis: String, enterpriseFine: Int?, principalName: String, principalFine: Int?, decidedOn: String, hazardIDs: [UUID] = []) {
            self.caseNo = caseNo
            self.legalBasis = legalBasis
            self.enterpriseFine = enterpriseFine
            self.principalName = principalName
            self.principalFine = principalFine
            self.decidedOn = decidedOn
            self.hazardIDs = hazardIDs
        }
    }

    /// 一案双罚: both the enterprise's and the principal's penalty, or nothing.
    public func record(_ d: PenaltyDraft, inspectionID: UUID, actor: Caller, origin: String? = nil) async throws -> Penalty {
        try actor.require(.inspectionRecord)
        let i = try await inspections.get(inspectionID, actor: actor)
        // Penalties are decided by the enterprise's county (or the city), not by the county lending officers.
        guard InspectionWorkflow.decides(actor.scope, on: i) else { throw DomainError.forbidden(permission: .inspectionRecord) }
        var issues: [FieldIssue] = []
        func bad(_ f: String, _ zh: String, _ en: String) { issues.append(FieldIssue(field: f, zh: zh, en: en)) }
        let caseNo = d.caseNo.trimmingCharacters(in: .whitespaces)
        if !(2...60).contains(caseNo.length) || d.caseNo.length > 60 { bad("caseNo", "请填写案号（不超过60字）", "the case number is required (at most 60 characters)") }
        let basis = d.legalBasis.trimmingCharacters(in: .whitespaces)
        if !(2...300).contains(basis.length) || d.legalBasis.length > 300 { bad("legalBasis", "请填写法律依据（不超过300字）", "the legal basis is required (at most 300 characters)") }
        let principal = d.principalName.trimmingCharacters(in: .whitespaces)
        if !(1...50).contains(principal.length) || d.principalName.length > 50 { bad("principalName", "一案双罚须写明主要负责人姓名", "both penalties: the principal's name is required") }
        if d.enterpriseFine == nil || !(0...100_000_000).contains(d.enterpriseFine!) {
            bad("enterpriseFine", "请填写对企业的罚款金额（元，0至1亿）", "the enterprise's fine in yuan (0 to 100,000,000) is required")
        }
        if d.principalFine == nil || !(0...10_000_000).contains(d.principalFine!) {
            bad("principalFine", "请填写对主要负责人的罚款金额（元，0至1000万）", "the principal's fine in yuan (0 to 10,000,000) is required")
        }
        if ChinaTime.parseDay(d.decidedOn) == nil { bad("decidedOn", "决定日期应为日期（如 2026-12-20）", "the decision day is a date such as 2026-12-20") }
        let own = Set(i.results.compactMap(\.hazardID))
        if let stray = d.hazardIDs.first(where: { !own.contains($0) }) {
            bad("hazardIds", "整改指令只能关联本次检查发现的隐患（\(stray.uuidString)）", "orders concern this inspection's hazards only (\(stray.uuidString))")
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        guard i.state == .completed else { throw DomainError.invalidTransition(from: i.state.rawValue, event: "recordPenalty") }
        let now = clock.now()
        let p = Penalty(inspectionID: i.id, enterpriseID: i.enterpriseID, enterpriseName: i.enterpriseName, countyCode: i.countyCode, caseNo: caseNo,
                        legalBasis: basis, enterpriseFine: d.enterpriseFine!, principalName: principal, principalFine: d.principalFine!, decidedOn: d.decidedOn,
                        hazardIDs: d.hazardIDs, createdBy: actor.username, createdAt: now)
        try await repository.create(p, scope: actor.scope, audit: AuditContext(actor: actor, at: now, origin: origin))
        return p
    }

    public func penalties(inspectionID: UUID, actor: Caller) async throws -> [Penalty] {
        _ = try await inspections.get(inspectionID, actor: actor)
        return try await repository.penalties(inspectionID: inspectionID, scope: actor.scope)
    }

    public struct ExamDraft: Sendable {
        public var workerName: String
        public var job: String
        public var score: Int?
        public init(workerName: String, job: String, score: Int?) {
            self.workerName = workerName
            self.job = job
            self.score = score
        }
    }

    /// 逢查必考: the workers examined during the inspection; each below the pass mark is taken off duty
    /// until retrained and re-examined.
    public func recordExams(_ drafts: [ExamDraft], inspectionID: UUID, actor: Caller, origin: String? = nil) async throws -> [WorkerExam] {
        try actor.require(.inspectionRecord)
        let i = try await inspections.get(inspectionID, actor: actor)
        guard i.state == .inProgress || i.state == .completed else { throw DomainError.invalidTransition(from: i.state.rawValue, event: "recordExams") }
        var issues: [FieldIssue] = []
        if drafts.isEmpty || drafts.count > 200 { issues.append(FieldIssue(field: "exams", zh: "请填写1至200名受考人员", en: "1 to 200 workers a time")) }
        for (n, d) in drafts.enumerated() {
            if !(1...50).contains(d.workerName.trimmingCharacters(in: .whitespaces).count) {
                issues.append(FieldIssue(field: "exams[\(n)].workerName", zh: "第\(n + 1)人：请填写姓名", en: "worker \(n + 1): the name is required"))
            }
            if d.job.length > 50 { issues.append(FieldIssue(field: "exams[\(n)].job", zh: "第\(n + 1)人：岗位不超过50字", en: "worker \(n + 1): the job has at most 50 characters")) }
            if d.score == nil || !(0...100).contains(d.score!) {
                issues.append(FieldIssue(field: "exams[\(n)].score", zh: "第\(n + 1)人：成绩应为0至100", en: "worker \(n + 1): the score is 0 to 100"))
            }
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let day = ChinaTime.day(now)
        let exams = drafts.map { d in
            WorkerExam(inspectionID: i.id, enterpriseID: i.enterpriseID, enterpriseName: i.enterpriseName, countyCode: i.countyCode,
                       workerName: d.workerName.trimmingCharacters(in: .whitespaces), job: d.job.trimmingCharacters(in: .whitespaces), score: d.score!,
                       examinedOn: day, state: ExamWorkflow.state(score: d.score!))
        }
        try await repository.createExams(exams, audit: AuditContext(actor: actor, at: now, origin: origin))
        return exams
    }

    /// The retraining done and the re-exam's score: passing returns the worker to duty.
    public func reexam(_ id: UUID, retrainedOn: String, score: Int?, actor: Caller, origin: String? = nil) async throws -> WorkerExam {
        try actor.require(.inspectionRecord)
        var issues: [FieldIssue] = []
        if ChinaTime.parseDay(retrainedOn) == nil { issues.append(FieldIssue(field: "retrainedOn", zh: "培训日期应为日期", en: "the retraining day is a date")) }
        if score == nil || !(0...100).contains(score!) { issues.append(FieldIssue(field: "score", zh: "补考成绩应为0至100", en: "the re-exam score is 0 to 100")) }
        guard issues.isEmpty, let score else { throw DomainError.validation(issues) }
        let now = clock.now()
        return try await repository.updateExam(id: id, scope: actor.scope, audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            try ExamWorkflow.reexam(e, retrainedOn: retrainedOn, score: score, now: now)
        }
    }

    /// The hazards the caller's enterprise was ordered to rectify in penalty decisions (整改指令).
    public func orderedHazardIDs(actor: Caller) async throws -> [UUID] {
        guard case .enterprise(let id) = actor.scope else { return [] }
        var seen = Set<UUID>()
        return try await repository.penalties(enterpriseID: id, scope: actor.scope).flatMap(\.hazardIDs).filter { seen.insert($0).inserted }
    }

    public func exams(inspectionID: UUID?, enterpriseID: UUID?, outstandingOnly: Bool, actor: Caller) async throws -> [WorkerExam] {
        guard actor.can(.enforcementRead) || actor.can(.enterpriseRead) else { throw DomainError.forbidden(permission: .enforcementRead) }
        return try await repository.exams(inspectionID: inspectionID, enterpriseID: enterpriseID, outstandingOnly: outstandingOnly, scope: actor.scope)
    }
}
