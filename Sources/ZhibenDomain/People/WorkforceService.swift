import Foundation

/// What a form or an API client sends for a worker.
public struct WorkerDraft: Sendable, Equatable {
    public var name: String?
    public var idNumber: String?
    public var job: String?
    public var kind: String?
    public var contractorName: String?
    public var onDuty: Bool?
    public var offDutyReason: String?
    public var inductionOn: String?

    public init(name: String? = nil, idNumber: String? = nil, job: String? = nil, kind: String? = nil, contractorName: String? = nil,
                onDuty: Bool? = nil, offDutyReason: String? = nil, inductionOn: String? = nil) {
        self.name = name
        self.idNumber = idNumber
        self.job = job
        self.kind = kind
        self.contractorName = contractorName
        self.onDuty = onDuty
        self.offDutyReason = offDutyReason
        self.inductionOn = inductionOn
    }
}

public struct CertificateDraft: Sendable, Equatable {
    public var operation: String?
    public var number: String?
    public var issuer: String?
    public var validFrom: String?
    public var validUntil: String?
    public var lastReviewedOn: String?
    public var compliantSince: String?

    public init(operation: String? = nil, number: String? = nil, issuer: String? = nil, validFrom: String? = nil, validUntil: String? = nil,
                lastReviewedOn: String? = nil, compliantSince: String? = nil) {
        self.operation = operation
        self.number = number
        self.issuer = issuer
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.lastReviewedOn = lastReviewedOn
        self.compliantSince = compliantSince
    }
}

/// A certificate with its holder and its standing today: one row of the certificate ledger.
public struct CertificateLine: Sendable, Equatable {
    public var worker: Worker
    public var certificate: OperatorCertificate
    public var standing: CertificateRules.Standing
    public var reviewDue: String?

    public enum Filter: String, Sendable, CaseIterable, Labeled {
        case valid, expiring90, expiring30, lapsed
        public var zh: String { switch self { case .valid: "有效"; case .expiring90: "90天内到期或复审"; case .expiring30: "30天内到期或复审"; case .lapsed: "已过期或逾期未复审" } }
        public var en: String { switch self { case .valid: "Valid"; case .expiring90: "Due within 90 days"; case .expiring30: "Due within 30 days"; case .lapsed: "Expired or review overdue" } }
    }

    public func matches(_ f: Filter) -> Bool {
        switch (f, standing) {
        case (.valid, .valid): true
        case (.expiring90, .expiring): true
        case (.expiring30, .expiring(_, let d)): d <= 30
        case (.lapsed, .expired), (.lapsed, .reviewOverdue): true
        default: false
        }
    }
}

/// The enterprise's people: workers and their certificates, the staffing each enterprise needs, 三违,
/// and the one off-duty ledger. Enterprises keep their own; regulators read those in their scope and
/// record violations they find.
public struct WorkforceService: Sendable {
    public let records: any RecordRepository
    public let enterprises: EnterpriseService
    public let exams: any PenaltyRepository
    public let uploads: any UploadStash
    public let clock: any WallClock

    /// The most records a figure or an export reads at once.
    public static let readLimit = 50_000

    public init(records: any RecordRepository, enterprises: EnterpriseService, exams: any PenaltyRepository, uploads: any UploadStash, clock: any WallClock) {
        self.records = records
        self.enterprises = enterprises
        self.exams = exams
        self.uploads = uploads
        self.clock = clock
    }

    /// Today in Beijing, `yyyy-MM-dd`.
    public var today: String { ChinaTime.day(clock.now()) }

    func audit(_ actor: Caller, _ origin: String?) -> AuditContext { AuditContext(actor: actor, at: clock.now(), origin: origin) }

    /// The enterprise whose records the caller keeps: its own for an enterprise user; one in scope for a
    /// regulator recording what it found.
    func enterprise(_ id: UUID, actor: Caller, _ permission: Permission) async throws -> Enterprise {
        guard actor.can(permission) else { throw DomainError.forbidden(permission: permission) }
        let e = try await enterprises.get(id, actor: actor)
        guard e.active else {
            throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "企业已停用", en: "the enterprise is deactivated")])
        }
        return e
    }

    // MARK: workers

    public func workers(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<Worker> {
        try actor.require(.peopleRead)
        return try await records.page(Worker.self, query, scope: actor.scope, page: page)
    }

    public func allWorkers(_ query: RecordQuery, actor: Caller) async throws -> [Worker] {
        try actor.require(.peopleRead)
        return try await records.all(Worker.self, query, scope: actor.scope, limit: Self.readLimit)
    }

    /// One worker. `reveal`: the whole ID number is wanted (the record's own page), and the reading is
    /// audited; otherwise the number is masked.
    public func worker(_ id: UUID, reveal: Bool, actor: Caller, origin: String? = nil) async throws -> Worker {
        try actor.require(.peopleRead)
        guard var w = try await records.get(Worker.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: Worker.entity) }
        if reveal {
            try await records.noteReveal(entity: Worker.entity, id: id, field: "idNumber", audit: audit(actor, origin))
        } else {
            w.idNumber = w.maskedIDNumber
        }
        return w
    }

    /// Checks a draft; the worker it describes (fields not sent keep `base`'s values).
    func apply(_ d: WorkerDraft, to base: Worker, siblings: [Worker]) throws -> Worker {
        var issues: [FieldIssue] = []
        var w = base
        if let name = d.name ?? (base.version == 0 ? "" : nil) {
            w.name = TextField.read(name, field: "name", zh: "姓名", en: "the name", max: 50, required: true, into: &issues)
        }
        if let text = d.idNumber ?? (base.version == 0 ? "" : nil) {
            do { w.idNumber = try IDNumber(validating: text, today: today).value } catch {
                issues.append(FieldIssue(field: "idNumber", zh: error.zh, en: error.en))
            }
        }
        if let job = d.job { w.job = TextField.read(job, field: "job", zh: "岗位", en: "the job", max: 50, required: false, into: &issues) }
        if let k = d.kind {
            if let kind = WorkerKind(rawValue: k) { w.kind = kind } else {
                issues.append(FieldIssue(field: "kind", zh: "用工类型应为：" + WorkerKind.allCases.map(\.zh).joined(separator: "、"),
                                         en: "kind is one of " + WorkerKind.allCases.map(\.rawValue).joined(separator: ", ")))
            }
        }
        if let c = d.contractorName {
            let t = TextField.read(c, field: "contractorName", zh: "承包单位", en: "the contractor", max: 100, required: false, into: &issues)
            w.contractorName = t.isEmpty ? nil : t
        }
        if w.kind == .contractor && (w.contractorName ?? "").isEmpty {
            issues.append(FieldIssue(field: "contractorName", zh: "承包单位人员须写明所属承包单位", en: "a contractor's worker names the contractor"))
        }
        if w.kind != .contractor { w.contractorName = nil; w.contractorID = nil }
        if let on = d.onDuty { w.onDuty = on }
        if let r = d.offDutyReason {
            let t = TextField.read(r, field: "offDutyReason", zh: "停岗原因", en: "the off-duty reason", max: 200, required: false, into: &issues)
            w.offDutyReason = t.isEmpty ? nil : t
        }
        if w.onDuty { w.offDutyReason = nil } else if (w.offDutyReason ?? "").isEmpty {
            issues.append(FieldIssue(field: "offDutyReason", zh: "停岗须写明原因", en: "off duty: say why"))
        }
        if let text = d.inductionOn {
            w.inductionOn = DayField.read(text, field: "inductionOn", zh: "入场安全培训日期", en: "the induction day", required: false, into: &issues)
            if let day = w.inductionOn, day > today {
                issues.append(FieldIssue(field: "inductionOn", zh: "入场安全培训日期不能晚于今天", en: "the induction cannot be in the future"))
            }
        }
        if issues.isEmpty, let twin = siblings.first(where: { $0.id != w.id && $0.idNumber == w.idNumber }) {
            issues.append(FieldIssue(field: "idNumber", zh: "本企业已登记身份证号相同的人员（\(twin.name)）", en: "a worker with this ID number is registered already (\(twin.name))"))
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        return w
    }

    public func createWorker(_ d: WorkerDraft, enterpriseID: UUID, actor: Caller, origin: String? = nil) async throws -> Worker {
        let e = try await enterprise(enterpriseID, actor: actor, .peopleManage)
        let base = Worker(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, name: "", idNumber: "", job: "",
                          updatedAt: clock.now())
        var w = try apply(d, to: base, siblings: [])
        w.version = 1
        try await records.create([w], audit: audit(actor, origin))
        return w
    }

    public func updateWorker(_ id: UUID, _ d: WorkerDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> Worker {
        try actor.require(.peopleManage)
        let now = clock.now()
        return try await records.update(Worker.self, id: id, expectedVersion: expectedVersion, scope: actor.scope, action: .update,
                                        audit: audit(actor, origin)) { w in
            var next = try apply(d, to: w, siblings: [])
            next.updatedAt = now
            return next
        }
    }

    // MARK: certificates

    func certificate(_ d: CertificateDraft, id: UUID, holder: Worker) throws -> OperatorCertificate {
        var issues: [FieldIssue] = []
        let op = (d.operation ?? "").trimmingCharacters(in: .whitespaces)
        if SpecialOperationCatalogue.operation(op) == nil {
            issues.append(FieldIssue(field: "operation", zh: op.isEmpty ? "请选择作业类别和操作项目" : "作业目录中没有操作项目\(op)",
                                     en: op.isEmpty ? "the operation is required" : "the catalogue has no operation \(op)"))
        }
        let number = TextField.read(d.number, field: "number", zh: "证号", en: "the number", max: 40, required: true, into: &issues).uppercased()
        let issuer = TextField.read(d.issuer, field: "issuer", zh: "发证机关", en: "the issuing authority", max: 60, required: true, into: &issues)
        let from = DayField.read(d.validFrom, field: "validFrom", zh: "有效期起始日期", en: "valid from", required: true, into: &issues)
        var until = DayField.read(d.validUntil, field: "validUntil", zh: "有效期截止日期", en: "valid until", required: false, into: &issues)
        let reviewed = DayField.read(d.lastReviewedOn, field: "lastReviewedOn", zh: "最近复审日期", en: "the last review", required: false, into: &issues)
        let compliant = DayField.read(d.compliantSince, field: "compliantSince", zh: "连续无违法记录起始日期", en: "compliant since", required: false, into: &issues)
        if let from {
            if until == nil && (d.validUntil ?? "").trimmingCharacters(in: .whitespaces).isEmpty { until = CertificateRules.defaultValidUntil(from: from) }
            if let u = until, let limit = CertificateRules.defaultValidUntil(from: from) {
                if u <= from { issues.append(FieldIssue(field: "validUntil", zh: "有效期截止日期应晚于起始日期", en: "valid until comes after valid from")) }
                else if u > limit {
                    issues.append(FieldIssue(field: "validUntil", zh: "特种作业操作证有效期为6年，自\(from)起至多到\(limit)",
                                             en: "a certificate is valid 6 years: from \(from) at most until \(limit)"))
                } else if u < today {
                    issues.append(FieldIssue(field: "validUntil", zh: "该证已于\(u)过期，不能登记为有效证书；请登记换发后的新证",
                                             en: "this certificate expired on \(u): record the renewed one"))
                }
            }
            if let r = reviewed, r < from || r > today {
                issues.append(FieldIssue(field: "lastReviewedOn", zh: "复审日期应在发证之后、今天之前", en: "the review falls between issue and today"))
            }
        }
        if !number.isEmpty, holder.certificates.contains(where: { $0.id != id && $0.number == number && $0.operation == op }) {
            issues.append(FieldIssue(field: "number", zh: "该人员已登记此证（\(number)）", en: "this certificate is recorded already (\(number))"))
        }
        guard issues.isEmpty, let from, let until else { throw DomainError.validation(issues) }
        return OperatorCertificate(id: id, operation: op, number: number, issuer: issuer, validFrom: from, validUntil: until,
                                   lastReviewedOn: reviewed, compliantSince: compliant)
    }

    /// Adds a certificate (`certificateID` nil) or replaces one, on the worker's version read.
    public func saveCertificate(workerID: UUID, certificateID: UUID?, _ d: CertificateDraft, expectedVersion: Int?, actor: Caller,
                                origin: String? = nil) async throws -> (Worker, OperatorCertificate) {
        try actor.require(.peopleManage)
        let now = clock.now()
        let certID = certificateID ?? UUID()
        let w = try await records.update(Worker.self, id: workerID, expectedVersion: expectedVersion, scope: actor.scope,
                                         action: certificateID == nil ? .create : .update, audit: audit(actor, origin)) { w in
            var next = w
            let c = try certificate(d, id: certID, holder: w)
            if let i = next.certificates.firstIndex(where: { $0.id == certID }) { next.certificates[i] = c }
            else if certificateID != nil { throw DomainError.notFound(entity: "certificate") }
            else { next.certificates.append(c) }
            next.updatedAt = now
            return next
        }
        return (w, w.certificates.first { $0.id == certID }!)
    }

    public func removeCertificate(workerID: UUID, certificateID: UUID, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> Worker {
        try actor.require(.peopleManage)
        let now = clock.now()
        return try await records.update(Worker.self, id: workerID, expectedVersion: expectedVersion, scope: actor.scope, action: .delete,
                                        audit: audit(actor, origin)) { w in
            guard w.certificates.contains(where: { $0.id == certificateID }) else { throw DomainError.notFound(entity: "certificate") }
            var next = w
            next.certificates.removeAll { $0.id == certificateID }
            next.updatedAt = now
            return next
        }
    }

    /// The certificate ledger: every certificate of the workers matched, soonest due first.
    public func certificates(_ query: RecordQuery, operation: String?, filter: CertificateLine.Filter?, actor: Caller) async throws -> [CertificateLine] {
        let day = today
        return try await allWorkers(query, actor: actor).flatMap { w in
            w.certificates.map { c in
                CertificateLine(worker: w, certificate: c, standing: CertificateRules.standing(c, today: day), reviewDue: CertificateRules.reviewDue(c, today: day))
            }
        }
        .filter { line in (operation.map { line.certificate.operation == $0 } ?? true) && (filter.map(line.matches) ?? true) }
        .sorted { (min($0.reviewDue ?? $0.certificate.validUntil, $0.certificate.validUntil), $0.worker.name) < (min($1.reviewDue ?? $1.certificate.validUntil, $1.certificate.validUntil), $1.worker.name) }
    }

    // MARK: staffing

    public func staffingNeed(enterpriseID: UUID, actor: Caller) async throws -> StaffingNeed {
        try actor.require(.peopleRead)
        let e = try await enterprises.get(enterpriseID, actor: actor)
        return try await records.get(StaffingNeed.self, id: enterpriseID, scope: actor.scope)
            ?? StaffingNeed(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, required: [:])
    }

    /// Sets how many operators the enterprise needs per operation (0 removes one).
    public func setStaffing(enterpriseID: UUID, required: [String: Int], expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> StaffingNeed {
        let e = try await enterprise(enterpriseID, actor: actor, .peopleManage)
        var issues: [FieldIssue] = []
        for (op, n) in required.sorted(by: { $0.key < $1.key }) {
            if SpecialOperationCatalogue.operation(op) == nil { issues.append(FieldIssue(field: "required.\(op)", zh: "作业目录中没有操作项目\(op)", en: "the catalogue has no operation \(op)")) }
            if !(0...10_000).contains(n) { issues.append(FieldIssue(field: "required.\(op)", zh: "所需人数应为0至10000", en: "the number needed is 0 to 10,000")) }
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let wanted = required.filter { $0.value > 0 }
        if try await records.get(StaffingNeed.self, id: enterpriseID, scope: actor.scope) != nil {
            return try await records.update(StaffingNeed.self, id: enterpriseID, expectedVersion: expectedVersion, scope: actor.scope, action: .update,
                                            audit: audit(actor, origin)) { n in
                var next = n
                next.required = wanted
                return next
            }
        }
        if let expectedVersion, expectedVersion != 0 { throw DomainError.staleVersion(entity: StaffingNeed.entity, expected: expectedVersion, current: 0) }
        let n = StaffingNeed(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, required: wanted, version: 1)
        try await records.create([n], audit: audit(actor, origin))
        return n
    }

    /// Staffed against required per operation, for one enterprise.
    public func staffing(enterpriseID: UUID, actor: Caller) async throws -> (need: StaffingNeed, rows: [StaffingRow]) {
        let need = try await staffingNeed(enterpriseID: enterpriseID, actor: actor)
        let workers = try await allWorkers(RecordQuery(enterpriseID: enterpriseID), actor: actor)
        let off = try await offDutyWorkerIDs(enterpriseID: enterpriseID, actor: actor)
        return (need, Staffing.rows(required: need.required, workers: workers, today: today) { !off.contains($0.id) })
    }

    /// Per enterprise in scope (those with a requirement or a certificate), the rows and what is short.
    public func staffingOverview(countyCode: String?, actor: Caller) async throws -> [(enterpriseID: UUID, name: String, countyCode: String, rows: [StaffingRow])] {
        try actor.require(.peopleRead)
        let needs = try await records.all(StaffingNeed.self, RecordQuery(countyCode: countyCode), scope: actor.scope, limit: Self.readLimit)
        let workers = try await allWorkers(RecordQuery(countyCode: countyCode), actor: actor)
        let off = Set(try await offDuty(enterpriseID: nil, countyCode: countyCode, actor: actor).compactMap(\.workerID))
        let byEnterprise = Dictionary(grouping: workers, by: { $0.enterpriseID! })
        var names: [UUID: (String, String)] = [:]
        for n in needs { names[n.enterpriseID!] = (n.enterpriseName, n.countyCode ?? "") }
        for w in workers where names[w.enterpriseID!] == nil { names[w.enterpriseID!] = (w.enterpriseName, w.countyCode ?? "") }
        let required = Dictionary(needs.map { ($0.enterpriseID!, $0.required) }, uniquingKeysWith: { a, _ in a })
        let day = today
        return names.map { id, n in
            (id, n.0, n.1, Staffing.rows(required: required[id] ?? [:], workers: byEnterprise[id] ?? [], today: day) { !off.contains($0.id) })
        }.sorted { ($0.countyCode, $0.name) < ($1.countyCode, $1.name) }
    }

    // MARK: violations

    public struct ViolationDraft: Sendable {
        public var workerID: UUID?
        public var kind: String?
        public var happenedOn: String?
        public var what: String?
        public init(workerID: UUID?, kind: String?, happenedOn: String?, what: String?) {
            self.workerID = workerID
            self.kind = kind
            self.happenedOn = happenedOn
            self.what = what
        }
    }

    /// Records a 三违: the worker is off duty from now until retrained and re-examined. The enterprise
    /// records its own; a regulator records what it found at an enterprise in its scope.
    public func recordViolation(_ d: ViolationDraft, actor: Caller, origin: String? = nil) async throws -> Violation {
        guard actor.can(.peopleManage) || actor.can(.peopleOversee) else { throw DomainError.forbidden(permission: .peopleManage) }
        var issues: [FieldIssue] = []
        var worker: Worker?
        if let id = d.workerID { worker = try await records.get(Worker.self, id: id, scope: actor.scope) }
        if worker == nil { issues.append(FieldIssue(field: "workerId", zh: "请选择本企业在册人员", en: "choose a registered worker")) }
        let kind = d.kind.flatMap(Violation.Kind.init(rawValue:))
        if kind == nil {
            issues.append(FieldIssue(field: "kind", zh: "请选择违章类别：" + Violation.Kind.allCases.map(\.zh).joined(separator: "、"),
                                     en: "kind is one of " + Violation.Kind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let on = DayField.read(d.happenedOn, field: "happenedOn", zh: "违章日期", en: "the day", required: true, into: &issues)
        if let on, on > today { issues.append(FieldIssue(field: "happenedOn", zh: "违章日期不能晚于今天", en: "the day cannot be in the future")) }
        let what = TextField.read(d.what, field: "what", zh: "违章情形", en: "what happened", max: 300, required: true, into: &issues)
        guard issues.isEmpty, let worker, let kind, let on else { throw DomainError.validation(issues) }
        let v = Violation(enterpriseID: worker.enterpriseID!, enterpriseName: worker.enterpriseName, countyCode: worker.countyCode ?? "", workerID: worker.id,
                          workerName: worker.name, workerJob: worker.job, kind: kind, happenedOn: on, what: what, recordedBy: actor.username, recordedAt: clock.now(), version: 1)
        try await records.create([v], audit: audit(actor, origin))
        return v
    }

    public func violations(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<Violation> {
        try actor.require(.peopleRead)
        return try await records.page(Violation.self, query, scope: actor.scope, page: page)
    }

    public func allViolations(_ query: RecordQuery, actor: Caller) async throws -> [Violation] {
        try actor.require(.peopleRead)
        return try await records.all(Violation.self, query, scope: actor.scope, limit: Self.readLimit)
    }

    public func violation(_ id: UUID, actor: Caller) async throws -> Violation {
        try actor.require(.peopleRead)
        guard let v = try await records.get(Violation.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: Violation.entity) }
        return v
    }

    /// `retrain` (the day) or `reexam` (the day and the score).
    public func transition(violation id: UUID, event: String, on: String?, score: Int?, expectedVersion: Int?, actor: Caller,
                           origin: String? = nil) async throws -> Violation {
        guard actor.can(.peopleManage) || actor.can(.peopleOversee) else { throw DomainError.forbidden(permission: .peopleManage) }
        guard let e = ViolationWorkflow.Event(rawValue: event) else {
            throw DomainError.validation([FieldIssue(field: "event", zh: "操作应为 retrain（培训）或 reexam（考试）", en: "event is retrain or reexam")])
        }
        var issues: [FieldIssue] = []
        let day = DayField.read(on, field: "on", zh: e == .retrain ? "培训日期" : "考试日期", en: "the day", required: true, into: &issues)
        if let day, day > today { issues.append(FieldIssue(field: "on", zh: "日期不能晚于今天", en: "the day cannot be in the future")) }
        if let score, !(0...100).contains(score) { issues.append(FieldIssue(field: "score", zh: "成绩应为0至100", en: "the score is 0 to 100")) }
        if e == .reexam && score == nil { issues.append(FieldIssue(field: "score", zh: "请填写考试成绩（0至100）", en: "the score (0 to 100) is required")) }
        guard issues.isEmpty, let day else { throw DomainError.validation(issues) }
        return try await records.update(Violation.self, id: id, expectedVersion: expectedVersion, scope: actor.scope, action: .transition,
                                        audit: audit(actor, origin)) { v in
            switch e {
            case .retrain: try ViolationWorkflow.retrain(v, on: day)
            case .reexam: try ViolationWorkflow.reexam(v, score: score!, on: day)
            }
        }
    }

    // MARK: the off-duty ledger

    /// Who may not work now and why, in the caller's scope (one enterprise, one county, or all).
    public func offDuty(enterpriseID: UUID?, countyCode: String?, actor: Caller) async throws -> [OffDutyEntry] {
        try actor.require(.peopleRead)
        let q = RecordQuery(enterpriseID: enterpriseID, countyCode: countyCode)
        let off = try await records.all(Worker.self, RecordQuery(enterpriseID: enterpriseID, countyCode: countyCode, tags: ["off"]), scope: actor.scope,
                                        limit: Self.readLimit)
        var open = q
        open.tags = [Violation.State.offDuty.rawValue, Violation.State.retrained.rawValue]
        let violations = try await records.all(Violation.self, open, scope: actor.scope, limit: Self.readLimit)
        var failed = try await exams.exams(inspectionID: nil, enterpriseID: enterpriseID, outstandingOnly: true, scope: actor.scope)
        if let countyCode { failed = failed.filter { $0.countyCode == countyCode } }
        // Exams name the worker only: match them to the registered workers by name within the enterprise.
        let examined = Set(failed.map(\.enterpriseID))
        let registered = examined.isEmpty ? [] : try await records.all(Worker.self, RecordQuery(enterpriseID: examined.count == 1 ? examined.first : nil,
                                                                                                 countyCode: countyCode), scope: actor.scope, limit: Self.readLimit)
        let workers = off + registered.filter { w in w.onDuty && examined.contains(w.enterpriseID!) }
        return OffDutyLedger.entries(workers: workers, violations: violations, exams: failed)
    }

    /// Crew member `n` as a registered worker of the enterprise, named once: the issue on
    /// `crew[n].workerId` otherwise (another enterprise's worker, no id, the same worker twice).
    func crewMember(_ id: UUID?, n: Int, enterpriseID: UUID, taken: [UUID], into issues: inout [FieldIssue]) async throws -> Worker? {
        let field = "crew[\(n)].workerId"
        guard let w = try await id.asyncFlatMap({ try await records.get(Worker.self, id: $0, scope: .enterprise(enterpriseID)) }) else {
            issues.append(FieldIssue(field: field, zh: "第\(n + 1)名作业人员不是本企业登记的人员（外单位人员须先登记到本企业名册）",
                                     en: "crew member \(n + 1) is not a registered worker of this enterprise"))
            return nil
        }
        if taken.contains(w.id) {
            issues.append(FieldIssue(field: field, zh: "\(w.name)重复", en: "\(w.name) twice"))
            return nil
        }
        return w
    }

    /// The workers of an enterprise who may not work now.
    public func offDutyWorkerIDs(enterpriseID: UUID, actor: Caller) async throws -> Set<UUID> {
        Set(try await offDuty(enterpriseID: enterpriseID, countyCode: nil, actor: actor).compactMap(\.workerID))
    }
}
