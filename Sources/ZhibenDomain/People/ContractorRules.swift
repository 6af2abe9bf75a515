import Foundation

/// The four accident levels of State Council Order No. 493, Art. 3: any one of deaths, serious injuries
/// (acute industrial poisoning included) or direct loss reaching a level's lower bound makes it that
/// level; the highest reached counts.
public enum AccidentLevel: String, Sendable, Codable, CaseIterable, Comparable, Labeled {
    case general, larger, major, especiallyMajor

    public var zh: String { switch self { case .general: "一般事故"; case .larger: "较大事故"; case .major: "重大事故"; case .especiallyMajor: "特别重大事故" } }
    public var en: String { switch self { case .general: "General"; case .larger: "Relatively serious"; case .major: "Serious"; case .especiallyMajor: "Extraordinarily serious" } }

    static let order: [AccidentLevel] = [.general, .larger, .major, .especiallyMajor]
    public static func < (a: AccidentLevel, b: AccidentLevel) -> Bool { order.firstIndex(of: a)! < order.firstIndex(of: b)! }

    /// The level the figures reach (lower bounds inclusive).
    public static func of(deaths: Int, seriousInjuries: Int, directLossYuan: Int) -> AccidentLevel {
        if deaths >= 30 || seriousInjuries >= 100 || directLossYuan >= 100_000_000 { return .especiallyMajor }
        if deaths >= 10 || seriousInjuries >= 50 || directLossYuan >= 50_000_000 { return .major }
        if deaths >= 3 || seriousInjuries >= 10 || directLossYuan >= 10_000_000 { return .larger }
        return .general
    }
}

/// An accident a contractor had, as a regulator records it on the contractor.
public struct ContractorAccident: Sendable, Equatable, Codable {
    public var enterpriseID: UUID
    public var on: String
    public var level: AccidentLevel
    public var deaths: Int

    public init(enterpriseID: UUID, on: String, level: AccidentLevel, deaths: Int) {
        self.enterpriseID = enterpriseID
        self.on = on
        self.level = level
        self.deaths = deaths
    }
}

/// T5: a contractor with a fatal accident at an enterprise is replaced there; one with a fatal accident
/// of level 较大 or worse may not work at any Lüliang enterprise for three years from the accident.
public enum ContractorBans {
    public static let cityWideYears = 3

    public enum Ban: Sendable, Equatable {
        /// Not at this enterprise, where it had a fatal accident.
        case replaced(accident: ContractorAccident)
        /// Not anywhere in the city until `until` (inclusive of the accident day, three years on).
        case cityWide(until: String, accident: ContractorAccident)
    }

    /// What keeps the contractor from working at `enterpriseID` on `day`, if anything.
    public static func ban(accidents: [ContractorAccident], at enterpriseID: UUID, on day: String) -> Ban? {
        let fatal = accidents.filter { $0.deaths > 0 }
        let serious = fatal.filter { $0.level >= .larger }.compactMap { a -> (String, ContractorAccident)? in
            CertificateRules.adding(years: cityWideYears, to: a.on).map { ($0, a) }
        }.filter { day >= $0.1.on && day < $0.0 }.max { $0.0 < $1.0 }
        if let (until, accident) = serious { return .cityWide(until: until, accident: accident) }
        if let here = fatal.filter({ $0.enterpriseID == enterpriseID && $0.on <= day }).max(by: { $0.on < $1.on }) { return .replaced(accident: here) }
        return nil
    }
}

/// What the start-of-work gate knows of a contractor's job on a day.
public struct ContractorJobFacts: Sendable, Equatable {
    public struct Agreement: Sendable, Equatable {
        public var signedOn: String
        public var validFrom: String
        public var validUntil: String
        public init(signedOn: String, validFrom: String, validUntil: String) {
            self.signedOn = signedOn
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
    }

    public struct CrewMember: Sendable, Equatable {
        public var name: String
        public var trainedOn: String?
        /// The special operations this member does on the job.
        public var operations: [String]
        public var certificates: [OperatorCertificate]
        /// Why the member may not work now (off-duty ledger), if so.
        public var offDuty: String?
        public init(name: String, trainedOn: String?, operations: [String], certificates: [OperatorCertificate], offDuty: String? = nil) {
            self.name = name
            self.trainedOn = trainedOn
            self.operations = operations
            self.certificates = certificates
            self.offDuty = offDuty
        }
    }

    public var enterpriseID: UUID
    public var agreement: Agreement?
    public var plan: String
    public var crew: [CrewMember]
    public var supervisor: String?
    public var accidents: [ContractorAccident]

    public init(enterpriseID: UUID, agreement: Agreement?, plan: String, crew: [CrewMember], supervisor: String?, accidents: [ContractorAccident]) {
        self.enterpriseID = enterpriseID
        self.agreement = agreement
        self.plan = plan
        self.crew = crew
        self.supervisor = supervisor
        self.accidents = accidents
    }
}

/// T5's start-of-work gate: no work while the agreement is missing or expired, the plan is empty, a
/// crew member lacks the training or a valid certificate for the work on the day, no supervisor is
/// named, or the contractor is banned. Every reason is listed, not only the first.
public enum ContractorGate {
    public enum Reason: Sendable, Equatable {
        case agreementMissing
        case agreementNotYetValid(from: String)
        case agreementExpired(on: String)
        case planEmpty
        case noCrew
        case untrained(worker: String)
        case certificate(worker: String, CertificateRules.Refusal)
        case noSupervisor
        case banned(ContractorBans.Ban)
        case offDuty(worker: String, why: String)

        /// The code an API client reads.
        public var code: String {
            switch self {
            case .agreementMissing: "agreementMissing"
            case .agreementNotYetValid: "agreementNotYetValid"
            case .agreementExpired: "agreementExpired"
            case .planEmpty: "planEmpty"
            case .noCrew: "noCrew"
            case .untrained: "crewUntrained"
            case .certificate(_, let r): r.code
            case .noSupervisor: "noSupervisor"
            case .banned(.replaced): "contractorReplaced"
            case .banned(.cityWide): "contractorBanned"
            case .offDuty: "crewOffDuty"
            }
        }

        public var zh: String {
            switch self {
            case .agreementMissing: "未签订安全生产管理协议"
            case .agreementNotYetValid(let from): "安全生产管理协议自\(from)起生效"
            case .agreementExpired(let on): "安全生产管理协议已于\(on)到期"
            case .planEmpty: "作业方案为空"
            case .noCrew: "未确定作业人员"
            case .untrained(let w): "\(w)未参加入场安全培训"
            case .certificate(let w, let r): "\(w)：\(r.zh)"
            case .noSupervisor: "未指定现场监护人"
            case .banned(.replaced(let a)): "该承包单位\(a.on)在本企业发生死亡事故，应予更换"
            case .banned(.cityWide(let until, let a)): "该承包单位\(a.on)发生\(a.level.zh)（死亡\(a.deaths)人），\(until)前不得在吕梁市企业作业"
            case .offDuty(let w, let why): "\(w)停岗中：\(why)"
            }
        }

        public var en: String {
            switch self {
            case .agreementMissing: "no safety management agreement"
            case .agreementNotYetValid(let from): "the agreement takes effect on \(from)"
            case .agreementExpired(let on): "the agreement expired on \(on)"
            case .planEmpty: "the work plan is empty"
            case .noCrew: "no crew named"
            case .untrained(let w): "\(w) has no induction safety training"
            case .certificate(let w, let r): "\(w): \(r.code)"
            case .noSupervisor: "no supervisor named"
            case .banned(.replaced(let a)): "a fatal accident at this enterprise on \(a.on): the contractor is to be replaced"
            case .banned(.cityWide(let until, let a)): "a \(a.level.en) accident on \(a.on): banned in Lüliang until \(until)"
            case .offDuty(let w, _): "\(w) is off duty"
            }
        }

        /// The day the reason turns on (an expiry, the end of a ban), where it has one.
        public var day: String? {
            switch self {
            case .agreementNotYetValid(let d), .agreementExpired(let d): d
            case .certificate(_, .expired(_, let d)), .certificate(_, .reviewOverdue(_, let d)), .certificate(_, .notYetValid(_, let d)): d
            case .banned(.cityWide(let until, _)): until
            case .banned(.replaced(let a)): a.on
            default: nil
            }
        }

        /// The crew member it concerns, if any.
        public var worker: String? {
            switch self {
            case .untrained(let w), .certificate(let w, _), .offDuty(let w, _): w
            default: nil
            }
        }
    }

    public static func check(_ job: ContractorJobFacts, on day: String) -> [Reason] {
        var out: [Reason] = []
        if let ban = ContractorBans.ban(accidents: job.accidents, at: job.enterpriseID, on: day) { out.append(.banned(ban)) }
        switch job.agreement {
        case nil: out.append(.agreementMissing)
        case let a? where day < a.validFrom: out.append(.agreementNotYetValid(from: a.validFrom))
        case let a? where day > a.validUntil: out.append(.agreementExpired(on: a.validUntil))
        default: break
        }
        if job.plan.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(.planEmpty) }
        if job.crew.isEmpty { out.append(.noCrew) }
        for m in job.crew {
            if let why = m.offDuty { out.append(.offDuty(worker: m.name, why: why)) }
            if m.trainedOn.map({ $0 > day }) ?? true { out.append(.untrained(worker: m.name)) }
            for op in m.operations {
                if let refusal = CertificateRules.refusal(for: op, certificates: m.certificates, on: day) { out.append(.certificate(worker: m.name, refusal)) }
            }
        }
        if (job.supervisor ?? "").trimmingCharacters(in: .whitespaces).isEmpty { out.append(.noSupervisor) }
        return out
    }
}
