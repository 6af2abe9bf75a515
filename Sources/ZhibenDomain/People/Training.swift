import Foundation

/// Who a training or an exam is for.
public enum TraineeRole: String, Sendable, Codable, CaseIterable, Labeled {
    case principal, safetyManager, worker
    public var zh: String { switch self { case .principal: "主要负责人"; case .safetyManager: "安全管理人员"; case .worker: "从业人员" } }
    public var en: String { switch self { case .principal: "Principal"; case .safetyManager: "Safety manager"; case .worker: "Worker" } }
}

/// A training event (T17): organised by the city, a county or an enterprise, on a topic, with the people
/// who attended. Every signed-in user reads the calendar; the organiser records it.
public struct Training: StoredRecord, Equatable {
    public static let entity = "training"
    public static let table = "trainings"
    public static let cityWide = true

    public enum Organiser: String, Sendable, Codable, CaseIterable, Labeled {
        case city, county, enterprise
        public var zh: String { switch self { case .city: "市局"; case .county: "县局"; case .enterprise: "企业" } }
        public var en: String { switch self { case .city: "City"; case .county: "County"; case .enterprise: "Enterprise" } }
    }

    public struct Attendee: Sendable, Equatable, Codable {
        public var enterpriseID: UUID
        public var enterpriseName: String
        public var countyCode: String
        public var name: String
        public var role: TraineeRole
        public init(enterpriseID: UUID, enterpriseName: String, countyCode: String, name: String, role: TraineeRole) {
            self.enterpriseID = enterpriseID
            self.enterpriseName = enterpriseName
            self.countyCode = countyCode
            self.name = name
            self.role = role
        }
    }

    public var id: UUID
    public var organiser: Organiser
    /// The organising county (a county's training), or the enterprise's county.
    public var countyCode: String?
    /// The organising enterprise (an enterprise's own training).
    public var enterpriseID: UUID?
    public var title: String
    /// The plan's topic (a special risk), or nil for a general one.
    public var topic: SpecialRisk?
    public var on: String
    public var attendees: [Attendee]
    public var recordedBy: String
    public var version: Int

    public init(id: UUID = UUID(), organiser: Organiser, countyCode: String?, enterpriseID: UUID?, title: String, topic: SpecialRisk?, on: String,
                attendees: [Attendee], recordedBy: String, version: Int = 0) {
        self.id = id
        self.organiser = organiser
        self.countyCode = countyCode
        self.enterpriseID = enterpriseID
        self.title = title
        self.topic = topic
        self.on = on
        self.attendees = attendees
        self.recordedBy = recordedBy
        self.version = version
    }

    public var keys: RecordKeys {
        RecordKeys(tag: topic?.rawValue ?? "", order: on, search: "\(title) " + attendees.map { "\($0.name) \($0.enterpriseName)" }.joined(separator: " "))
    }

    public var auditFields: [String: String] {
        ["title": title, "organiser": organiser.rawValue, "topic": topic?.rawValue ?? "", "on": on,
         "attendees": attendees.map { "\($0.enterpriseName) \($0.name)（\($0.role.zh)）" }.joined(separator: "、")]
    }
}

/// A principal's or safety manager's safety knowledge and management-competence exam (T18): pass or
/// fail, recorded by a regulator.
public struct ManagerExam: StoredRecord, Equatable {
    public static let entity = "manager-exam"
    public static let table = "manager_exams"

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var name: String
    public var role: TraineeRole
    public var on: String
    public var passed: Bool
    public var recordedBy: String
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, name: String, role: TraineeRole, on: String, passed: Bool,
                recordedBy: String, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.name = name
        self.role = role
        self.on = on
        self.passed = passed
        self.recordedBy = recordedBy
        self.version = version
    }

    public var keys: RecordKeys { RecordKeys(tag: passed ? "passed" : "failed", order: on, search: "\(name) \(enterpriseName)") }
    public var auditFields: [String: String] {
        ["name": name, "role": role.rawValue, "on": on, "passed": passed ? "true" : "false"]
    }
}

/// An emergency drill (T18): an enterprise's own, or a county's observation drill (观摩演练).
public struct Drill: StoredRecord, Equatable {
    public static let entity = "drill"
    public static let table = "drills"

    public enum Kind: String, Sendable, Codable, CaseIterable, Labeled {
        case comprehensive, special, onSite, observation
        public var zh: String { switch self { case .comprehensive: "综合应急演练"; case .special: "专项应急演练"; case .onSite: "现场处置方案演练"; case .observation: "县级观摩演练" } }
        public var en: String { switch self { case .comprehensive: "Comprehensive"; case .special: "Special"; case .onSite: "On-site"; case .observation: "County observation drill" } }
    }

    public var id: UUID
    public var enterpriseID: UUID?
    public var enterpriseName: String
    public var countyCode: String?
    public var kind: Kind
    public var on: String
    public var scenario: String
    public var participants: Int
    public var evaluation: String
    public var recordedBy: String
    /// Photos of the drill (bytes in the file store); absent in drills recorded before photos were kept.
    public var photos: [DrillPhoto]?
    public var version: Int

    public var photoIDs: [UUID] { (photos ?? []).map(\.id) }

    public init(id: UUID = UUID(), enterpriseID: UUID?, enterpriseName: String, countyCode: String, kind: Kind, on: String, scenario: String, participants: Int,
                evaluation: String, recordedBy: String, version: Int = 0) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.kind = kind
        self.on = on
        self.scenario = scenario
        self.participants = participants
        self.evaluation = evaluation
        self.recordedBy = recordedBy
        self.version = version
    }

    public var keys: RecordKeys { RecordKeys(tag: kind.rawValue, order: on, search: "\(enterpriseName) \(scenario)") }
    public var auditFields: [String: String] {
        ["drillKind": kind.rawValue, "on": on, "scenario": scenario, "participants": String(participants), "evaluation": evaluation,
         "photos": (photos ?? []).map { "\($0.id.uuidString.prefix(8).lowercased())（\($0.sha256.prefix(12))）" }.joined(separator: "、")]
    }
}

/// A photo of a drill: checked by content like a hazard's; the bytes live in the `FileStore`.
public struct DrillPhoto: Sendable, Equatable, Codable, Identifiable {
    public var id: UUID
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var uploadedBy: String
    public var uploadedAt: Date
    public init(id: UUID = UUID(), contentType: String, size: Int, sha256: String, uploadedBy: String, uploadedAt: Date) {
        self.id = id
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}

extension DrillRules {
    /// The working definition of a labour-intensive enterprise here: 100 or more employees (the plan
    /// names the category without a number; the page says so).
    public static let labourIntensiveEmployees = 100

    public static func profile(_ e: EnterpriseProfile, factoryInFactory: Bool = false) -> Profile {
        Profile(metalSmelting: e.specialRisks.contains(.metalSmelting), labourIntensive: e.employees >= labourIntensiveEmployees, factoryInFactory: factoryInFactory)
    }
}

/// One enterprise's drill standing.
public struct DrillStanding: Sendable, Equatable {
    public var enterpriseID: UUID
    public var name: String
    public var countyCode: String
    public var intervalMonths: Int
    public var lastDrill: String?
    public var due: DrillRules.Due
}

/// The principals' training coverage of one topic in one county (or the city).
public struct CoverageRow: Sendable, Equatable {
    public var topic: SpecialRisk
    public var year: Int
    public var countyCode: String?
    public var required: Int
    public var trained: Int
    /// The enterprises whose principal is not yet trained on it.
    public var untrained: [(id: UUID, name: String)]

    public static func == (a: CoverageRow, b: CoverageRow) -> Bool {
        a.topic == b.topic && a.year == b.year && a.countyCode == b.countyCode && a.required == b.required && a.trained == b.trained
            && a.untrained.map(\.id) == b.untrained.map(\.id)
    }
}
