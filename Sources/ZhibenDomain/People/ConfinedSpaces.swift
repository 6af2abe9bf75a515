import Foundation

/// What a confined space holds a risk of (Order No. 13 Art. 6: identified and kept in the ledger).
public enum SpaceHazard: String, Sendable, Codable, CaseIterable, Labeled {
    case h2s, co, co2, oxygenDeficiency, combustible

    public var zh: String {
        switch self {
        case .h2s: "硫化氢中毒"
        case .co: "一氧化碳中毒"
        case .co2: "二氧化碳窒息"
        case .oxygenDeficiency: "缺氧窒息"
        case .combustible: "可燃气体、粉尘燃爆"
        }
    }

    public var en: String {
        switch self {
        case .h2s: "H2S poisoning"
        case .co: "CO poisoning"
        case .co2: "CO2 asphyxiation"
        case .oxygenDeficiency: "Oxygen deficiency"
        case .combustible: "Combustible gas or dust"
        }
    }

    public var gas: SpaceGas? {
        switch self {
        case .h2s: .h2s
        case .co: .co
        case .co2: .co2
        default: nil
        }
    }
}

/// One confined space of the enterprise's ledger (Order No. 13 Art. 6, 11): where, what it holds a risk
/// of, its warning sign and lock or barrier, the gas monitoring points that watch it, and the limits the
/// enterprise sets for the gases the order leaves to it.
public struct ConfinedSpace: StoredRecord, Equatable {
    public static let entity = "confined-space"
    public static let table = "confined_spaces"

    public static func uniqueTaken(_ key: String) -> FieldIssue {
        FieldIssue(field: "code", zh: "本企业已有编号为\(key)的有限空间", en: "the enterprise has a confined space numbered \(key) already")
    }

    /// The enterprise's limits for the toxic and combustible gases of this space (nil: not set).
    public struct Limits: Sendable, Equatable, Codable {
        public var coMaxPPM: Double?
        public var h2sMaxPPM: Double?
        public var lelMaxPercent: Double?
        public init(coMaxPPM: Double? = nil, h2sMaxPPM: Double? = nil, lelMaxPercent: Double? = nil) {
            self.coMaxPPM = coMaxPPM
            self.h2sMaxPPM = h2sMaxPPM
            self.lelMaxPercent = lelMaxPercent
        }
    }

    public struct Point: Sendable, Equatable, Codable {
        public var id: UUID
        public var name: String
        public init(id: UUID, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    /// The enterprise's own number for it (unique within the enterprise), printed on its sign.
    public var code: String
    public var name: String
    public var place: String
    public var hazards: [SpaceHazard]
    /// The warning sign is posted (Art. 11).
    public var signPosted: Bool
    /// How entry is prevented when nobody works there: a lock, a barrier, a cover (empty: none).
    public var lockOrBarrier: String
    public var points: [Point]
    public var limits: Limits
    /// Still in use (a space taken out of use leaves the default ledger).
    public var inUse: Bool
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, code: String, name: String, place: String,
                hazards: [SpaceHazard], signPosted: Bool, lockOrBarrier: String, points: [Point] = [], limits: Limits = Limits(), inUse: Bool = true,
                updatedAt: Date, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.code = code
        self.name = name
        self.place = place
        self.hazards = hazards
        self.signPosted = signPosted
        self.lockOrBarrier = lockOrBarrier
        self.points = points
        self.limits = limits
        self.inUse = inUse
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Poisoning or asphyxiation by H2S, CO or CO2 (Art. 7: the principal approves).
    public var gases: Set<SpaceGas> { Set(hazards.compactMap(\.gas)) }

    /// The limits a gas test here is held to: the configured ones, with the enterprise's own for the
    /// gases the configuration leaves open.
    public func limits(over base: GasLimits) -> GasLimits {
        var l = base
        l.coMaxPPM = base.coMaxPPM ?? limits.coMaxPPM
        l.h2sMaxPPM = base.h2sMaxPPM ?? limits.h2sMaxPPM
        l.lelMaxPercent = base.lelMaxPercent ?? limits.lelMaxPercent
        return l
    }

    public var keys: RecordKeys {
        RecordKeys(tag: inUse ? "on" : "off", order: code, search: "\(code) \(name) \(place)", unique: code.uppercased())
    }

    public var auditFields: [String: String] {
        ["code": code, "name": name, "place": place, "hazards": hazards.map(\.zh).joined(separator: "、"), "signPosted": signPosted ? "是" : "否",
         "lockOrBarrier": lockOrBarrier, "points": points.map(\.name).joined(separator: "、"), "inUse": inUse ? "是" : "否",
         "limits": [limits.coMaxPPM.map { "CO≤\($0)ppm" }, limits.h2sMaxPPM.map { "H2S≤\($0)ppm" }, limits.lelMaxPercent.map { "LEL≤\($0)%" }]
             .compactMap { $0 }.joined(separator: "，")]
    }
}

/// A gas test as recorded: the reading, and who entered it.
public struct RecordedGasTest: Sendable, Equatable, Codable {
    public var test: GasTest
    public var recordedBy: String
    /// The ranges it failed, when it did.
    public var failed: [String]
    public init(test: GasTest, recordedBy: String, failed: [String]) {
        self.test = test
        self.recordedBy = recordedBy
        self.failed = failed
    }
}

/// A high-risk work permit as stored: the pure `Permit` and what the ledgers need around it (the space,
/// the crew's worker ids, the contractor job, who applied and approved).
public struct PermitRecord: StoredRecord, Equatable {
    public static let entity = "permit"
    public static let table = "permits"

    public struct Crew: Sendable, Equatable, Codable {
        public var workerID: UUID
        public var name: String
        public init(workerID: UUID, name: String) {
            self.workerID = workerID
            self.name = name
        }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    /// `ZY` + the day + a sequence of the day: printed on the permit.
    public var number: String
    public var kind: PermitKind
    public var hotWorkLevel: HotWorkLevel?
    public var spaceID: UUID?
    public var spaceCode: String?
    public var place: String
    public var spaceGases: [SpaceGas]
    public var crew: [Crew]
    public var jobID: UUID?
    public var jobTitle: String?
    public var applicant: String
    public var hazards: String
    public var measures: String
    public var isolationPoints: [String]
    public var isolationConfirmed: Bool
    public var supervisor: String
    public var entryFrom: Date
    public var entryUntil: Date
    public var state: Permit.State
    public var approvedBy: String?
    public var authority: Permit.Authority?
    /// The written delegation an approval by a delegate rests on.
    public var delegation: String?
    public var approvedAt: Date?
    public var tests: [RecordedGasTest]
    public var entries: [Permit.Entry]
    public var suspendedReason: String?
    public var closedAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, number: String, kind: PermitKind,
                hotWorkLevel: HotWorkLevel? = nil, spaceID: UUID? = nil, spaceCode: String? = nil, place: String, spaceGases: [SpaceGas] = [],
                crew: [Crew], jobID: UUID? = nil, jobTitle: String? = nil, applicant: String, hazards: String, measures: String,
                isolationPoints: [String] = [], isolationConfirmed: Bool = false, supervisor: String, entryFrom: Date, entryUntil: Date,
                createdBy: String, createdAt: Date, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.number = number
        self.kind = kind
        self.hotWorkLevel = hotWorkLevel
        self.spaceID = spaceID
        self.spaceCode = spaceCode
        self.place = place
        self.spaceGases = spaceGases
        self.crew = crew
        self.jobID = jobID
        self.jobTitle = jobTitle
        self.applicant = applicant
        self.hazards = hazards
        self.measures = measures
        self.isolationPoints = isolationPoints
        self.isolationConfirmed = isolationConfirmed
        self.supervisor = supervisor
        self.entryFrom = entryFrom
        self.entryUntil = entryUntil
        self.state = .draft
        self.tests = []
        self.entries = []
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.version = version
    }

    /// Who is inside now.
    public var inside: [String] { entries.filter { $0.outAt == nil }.map(\.name) }

    /// The state as it stands at `now`: an open permit past its window has lapsed even before anyone
    /// acts on it.
    public func state(at now: Date) -> Permit.State { state.isOpen && now > entryUntil ? .lapsed : state }

    /// The pure permit the workflow decides on, with each crew member's certificates and off-duty
    /// reason as they are today, and the space's points now in alarm.
    public func permit(certificates: [UUID: [OperatorCertificate]], offDuty: [UUID: String], alarms: [String]) -> Permit {
        var p = Permit(kind: kind, place: place, spaceGases: Set(spaceGases),
                       crew: crew.map { Permit.CrewMember(name: $0.name, certificates: certificates[$0.workerID] ?? [], offDuty: offDuty[$0.workerID]) },
                       measures: measures, isolationPoints: isolationPoints, isolationConfirmed: isolationConfirmed, supervisor: supervisor,
                       entryFrom: entryFrom, entryUntil: entryUntil)
        p.state = state
        p.approvedBy = approvedBy
        p.authority = authority
        p.tests = tests.map(\.test)
        p.entries = entries
        p.suspendedReason = suspendedReason
        p.hotWorkLevel = hotWorkLevel
        p.activeAlarms = alarms
        return p
    }

    /// Takes what the workflow changed.
    public mutating func take(_ p: Permit) {
        state = p.state
        approvedBy = p.approvedBy
        authority = p.authority
        entries = p.entries
        suspendedReason = p.suspendedReason
    }

    public var keys: RecordKeys {
        RecordKeys(tag: state.rawValue, ref: spaceID, order: ChinaTime.display(entryFrom),
                   search: "\(number) \(place) \(kind.zh) \(supervisor) \(applicant) \(crew.map(\.name).joined(separator: " "))", unique: number)
    }

    public var auditFields: [String: String] {
        ["number": number, "kind": kind.zh + (hotWorkLevel.map { "（\($0.zh)）" } ?? ""), "place": place, "state": state.zh,
         "crew": crew.map(\.name).joined(separator: "、"), "supervisor": supervisor, "hazards": hazards, "measures": measures,
         "isolation": isolationPoints.joined(separator: "、") + (isolationConfirmed ? "（已确认）" : ""),
         "window": ChinaTime.display(entryFrom) + "至" + ChinaTime.display(entryUntil),
         "approvedBy": approvedBy.map { "\($0)（\(authority?.zh ?? "")）" } ?? "", "delegation": delegation ?? "",
         "tests": "\(tests.count)", "inside": inside.joined(separator: "、"), "suspendedReason": suspendedReason ?? ""]
    }
}

/// The Art. 13 checks a regulator makes of an enterprise's confined spaces, each offered for reporting as
/// a hazard: the ledger and signs (MHC-13-01 when both are missing for a poisoning-risk space), and
/// approval, testing and supervision of the work (MHC-13-02).
public enum ConfinedSpaceChecks {
    public struct Finding: Sendable, Equatable {
        /// The major-hazard criterion it would be, when it is one.
        public var criterion: String?
        public var title: String
        public var detail: String
        public init(criterion: String?, title: String, detail: String) {
            self.criterion = criterion
            self.title = title
            self.detail = detail
        }
    }

    /// What the ledger and the permits show. `hasConfinedSpaces`: the enterprise's registry names the
    /// confined-space special risk.
    public static func findings(hasConfinedSpaces: Bool, spaces: [ConfinedSpace], permits: [PermitRecord]) -> [Finding] {
        var out: [Finding] = []
        let inUse = spaces.filter(\.inUse)
        if hasConfinedSpaces && inUse.isEmpty {
            out.append(Finding(criterion: nil, title: "有限空间未辨识、未建立安全管理台账",
                               detail: "企业登记涉及有限空间，但台账中没有在用的有限空间。现场如存在硫化氢、一氧化碳等中毒风险的有限空间且未设置明显的安全警示标志，即构成重大事故隐患（MHC-13-01）。"))
        }
        for s in inUse where !s.signPosted {
            let poisoning = !s.gases.isEmpty
            out.append(Finding(criterion: nil, title: "有限空间\(s.code)（\(s.name)）未设置安全警示标志",
                               detail: poisoning ? "该有限空间存在\(s.hazards.map(\.zh).joined(separator: "、"))风险，应设置明显的安全警示标志。" : "应设置明显的安全警示标志。"))
        }
        for s in inUse where s.lockOrBarrier.trimmingCharacters(in: .whitespaces).isEmpty {
            out.append(Finding(criterion: nil, title: "有限空间\(s.code)（\(s.name)）未采取上锁、隔离等防止误入措施", detail: "应采取上锁、设置隔离栏或盖板等措施防止人员未经审批进入。"))
        }
        for p in permits where p.kind.tracksEntries && !p.spaceGases.isEmpty {
            if let a = p.authority, a == .manager {
                out.append(Finding(criterion: "MHC-13-02", title: "有中毒风险的有限空间作业未经主要负责人或其书面委托人员审批（\(p.number)）",
                                   detail: "作业票\(p.number)由\(p.approvedBy ?? "")以\(a.zh)身份审批。"))
            }
            if !p.entries.isEmpty, p.supervisor.trimmingCharacters(in: .whitespaces).isEmpty {
                out.append(Finding(criterion: "MHC-13-02", title: "有中毒风险的有限空间作业现场未安排监护人员（\(p.number)）", detail: "作业票\(p.number)未指定监护人即有人员进入。"))
            }
            if let first = p.entries.map(\.inAt).min(), !p.tests.contains(where: { $0.test.at <= first }) {
                out.append(Finding(criterion: "MHC-13-02", title: "有中毒风险的有限空间作业未执行“先通风、再检测、后作业”（\(p.number)）",
                                   detail: "作业票\(p.number)首次进入前没有气体检测记录。"))
            }
        }
        return out
    }
}
