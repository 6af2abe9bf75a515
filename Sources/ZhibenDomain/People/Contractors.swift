import Foundation

/// A refusal with every reason listed: what stands between a record and the step asked for (the
/// contractor's start-of-work gate). The API answers 409 with the list; the page shows it as a checklist.
public struct Refusal: Error, Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var code: String
        public var zh: String
        public var en: String
        /// The crew member it concerns.
        public var subject: String?
        /// The day it turns on: an expiry, the end of a ban.
        public var day: String?
        public init(code: String, zh: String, en: String, subject: String? = nil, day: String? = nil) {
            self.code = code
            self.zh = zh
            self.en = en
            self.subject = subject
            self.day = day
        }
    }

    public var items: [Item]
    public init(_ items: [Item]) { self.items = items }

    public init(gate reasons: [ContractorGate.Reason]) {
        items = reasons.map { Item(code: $0.code, zh: $0.zh, en: $0.en, subject: $0.worker, day: $0.day) }
    }
}

/// A contractor of the city-wide registry (承包商名录): every signed-in user reads it, enterprises and
/// regulators add to it, regulators record its accidents.
public struct Contractor: StoredRecord, Equatable {
    public static let entity = "contractor"
    public static let table = "contractors"
    public static let cityWide = true

    public struct Qualification: Sendable, Equatable, Codable {
        public var name: String
        public var number: String
        public var validUntil: String
        public init(name: String, number: String, validUntil: String) {
            self.name = name
            self.number = number
            self.validUntil = validUntil
        }
    }

    public struct Accident: Sendable, Equatable, Codable {
        public var fact: ContractorAccident
        public var enterpriseName: String
        public var what: String
        public var recordedBy: String
        public init(fact: ContractorAccident, enterpriseName: String, what: String, recordedBy: String) {
            self.fact = fact
            self.enterpriseName = enterpriseName
            self.what = what
            self.recordedBy = recordedBy
        }
    }

    public var id: UUID
    public var creditCode: String
    public var name: String
    public var qualifications: [Qualification]
    public var accidents: [Accident]
    public var createdBy: String
    public var version: Int

    public var enterpriseID: UUID? { nil }
    public var countyCode: String? { nil }

    public init(id: UUID = UUID(), creditCode: String, name: String, qualifications: [Qualification] = [], accidents: [Accident] = [], createdBy: String, version: Int = 0) {
        self.id = id
        self.creditCode = creditCode
        self.name = name
        self.qualifications = qualifications
        self.accidents = accidents
        self.createdBy = createdBy
        self.version = version
    }

    public static func uniqueTaken(_ key: String) -> FieldIssue {
        FieldIssue(field: "creditCode", zh: "名录中已有统一社会信用代码为\(key)的承包单位", en: "the registry has a contractor with credit code \(key) already")
    }

    public var keys: RecordKeys { RecordKeys(tag: accidents.contains { $0.fact.deaths > 0 } ? "fatal" : "", order: name, search: "\(name) \(creditCode)", unique: creditCode) }

    public var auditFields: [String: String] {
        ["creditCode": creditCode, "name": name,
         "qualifications": qualifications.map { "\($0.name) \($0.number) 至\($0.validUntil)" }.joined(separator: "；"),
         "accidents": accidents.map { "\($0.fact.on) \($0.enterpriseName) \($0.fact.level.zh) 死亡\($0.fact.deaths)人" }.joined(separator: "；")]
    }

    /// What keeps it from working at `enterpriseID` on `day`, if anything.
    public func ban(at enterpriseID: UUID, on day: String) -> ContractorBans.Ban? {
        ContractorBans.ban(accidents: accidents.map(\.fact), at: enterpriseID, on: day)
    }
}

/// A contractor admitted at an enterprise (准入), with its safety management agreement: one per
/// contractor and enterprise; the enterprise's contractor ledger.
public struct ContractorAdmission: StoredRecord, Equatable {
    public static let entity = "contractor-admission"
    public static let table = "contractor_admissions"

    public struct Agreement: Sendable, Equatable, Codable {
        public var scope: String
        public var signedOn: String
        public var validFrom: String
        public var validUntil: String
        public init(scope: String, signedOn: String, validFrom: String, validUntil: String) {
            self.scope = scope
            self.signedOn = signedOn
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var contractorID: UUID
    public var contractorName: String
    public var admittedOn: String
    public var agreement: Agreement?
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, contractorID: UUID, contractorName: String,
                admittedOn: String, agreement: Agreement?, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.contractorID = contractorID
        self.contractorName = contractorName
        self.admittedOn = admittedOn
        self.agreement = agreement
        self.version = version
    }

    public var keys: RecordKeys {
        RecordKeys(ref: contractorID, order: contractorName, search: contractorName, unique: contractorID.uuidString)
    }

    public static func uniqueTaken(_ key: String) -> FieldIssue {
        FieldIssue(field: "contractorId", zh: "该承包单位已在本企业准入", en: "the contractor is admitted here already")
    }

    public var auditFields: [String: String] {
        ["contractor": contractorName, "admittedOn": admittedOn,
         "agreement": agreement.map { "\($0.scope)（\($0.signedOn)签订，\($0.validFrom)至\($0.validUntil)）" } ?? ""]
    }
}

/// A contractor's job at an enterprise: what, the plan, the crew, the supervisor, when.
public struct ContractorJob: StoredRecord, Equatable {
    public static let entity = "contractor-job"
    public static let table = "contractor_jobs"

    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case planned, working, finished, cancelled
        public var zh: String { switch self { case .planned: "待开工"; case .working: "作业中"; case .finished: "已完工"; case .cancelled: "已取消" } }
        public var en: String { switch self { case .planned: "Planned"; case .working: "Working"; case .finished: "Finished"; case .cancelled: "Cancelled" } }
    }

    public struct CrewMember: Sendable, Equatable, Codable {
        public var workerID: UUID
        public var name: String
        /// The special operations the member does on this job.
        public var operations: [String]
        public init(workerID: UUID, name: String, operations: [String]) {
            self.workerID = workerID
            self.name = name
            self.operations = operations
        }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var contractorID: UUID
    public var contractorName: String
    public var title: String
    public var plan: String
    public var crew: [CrewMember]
    public var supervisor: String
    public var startOn: String
    public var endOn: String
    public var state: State
    /// The last day the gate let the work start (checked again each day).
    public var lastStartedOn: String?
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, contractorID: UUID, contractorName: String, title: String,
                plan: String, crew: [CrewMember], supervisor: String, startOn: String, endOn: String, state: State = .planned, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.contractorID = contractorID
        self.contractorName = contractorName
        self.title = title
        self.plan = plan
        self.crew = crew
        self.supervisor = supervisor
        self.startOn = startOn
        self.endOn = endOn
        self.state = state
        self.version = version
    }

    public var keys: RecordKeys { RecordKeys(tag: state.rawValue, ref: contractorID, order: startOn, search: "\(title) \(contractorName) \(supervisor)") }

    public var auditFields: [String: String] {
        ["title": title, "plan": plan, "contractor": contractorName, "supervisor": supervisor, "startOn": startOn, "endOn": endOn, "state": state.rawValue,
         "crew": crew.map { c in c.name + (c.operations.isEmpty ? "" : "（" + c.operations.map { SpecialOperationCatalogue.operation($0)?.zh ?? $0 }.joined(separator: "、") + "）") }
             .joined(separator: "、"),
         "lastStartedOn": lastStartedOn ?? ""]
    }
}

/// The job's one workflow. Starting (and starting again on each later day) passes the gate on the day;
/// storage writes the result on the job's version read (compare-and-set).
public enum ContractorJobWorkflow {
    public enum Action: String, Sendable, CaseIterable { case start, finish, cancel }

    public static func perform(_ job: ContractorJob, _ action: Action, gate: [ContractorGate.Reason], today: String) throws -> ContractorJob {
        var next = job
        switch action {
        case .start:
            guard job.state == .planned || job.state == .working else { throw DomainError.invalidTransition(from: job.state.rawValue, event: action.rawValue) }
            var items = Refusal(gate: gate).items
            if today < job.startOn {
                items.insert(Refusal.Item(code: "beforeStart", zh: "作业计划自\(job.startOn)开始", en: "the job starts on \(job.startOn)", day: job.startOn), at: 0)
            } else if today > job.endOn {
                items.insert(Refusal.Item(code: "afterEnd", zh: "作业计划已于\(job.endOn)结束", en: "the job ended on \(job.endOn)", day: job.endOn), at: 0)
            }
            guard items.isEmpty else { throw Refusal(items) }
            next.state = .working
            next.lastStartedOn = today
        case .finish:
            guard job.state == .working else { throw DomainError.invalidTransition(from: job.state.rawValue, event: action.rawValue) }
            next.state = .finished
        case .cancel:
            guard job.state == .planned else { throw DomainError.invalidTransition(from: job.state.rawValue, event: action.rawValue) }
            next.state = .cancelled
        }
        return next
    }
}
