import Foundation

public enum HazardSort: String, Sendable, CaseIterable {
    case foundAt, deadline, updatedAt, enterprise, state
}

/// A hazard waiting on one party's step, as the workbench lists them.
public enum HazardWait: Sendable, Equatable {
    /// Reported by the enterprise from its own checks and not judged yet: the enterprise judges it.
    case ownJudgement
    /// An extension asked for and not decided: by the county (any), or by the city (those it supervises).
    case extensionDecision(by: HazardSupervision.Level)
    /// Awaiting acceptance by this party (`HazardWorkflow.acceptingParty`).
    case acceptance(by: HazardWorkflow.Party)
    /// Open and under this level's supervision (挂牌督办).
    case supervisedBy(HazardSupervision.Level)
}

/// Filters of the hazard list, shared by pages, export and API. Nil means "any".
public struct HazardQuery: Sendable, Equatable {
    /// The workbench's queues; not a filter of the list pages.
    public var waiting: HazardWait?
    public var states: [HazardState]?
    public var level: HazardLevel?
    public var countyCode: String?
    public var enterpriseID: UUID?
    public var industry: Industry?
    public var overdue: Bool?
    public var supervised: Bool?
    public var legacy: Bool?
    public var source: HazardSource?
    public var focusTag: FocusTag?
    public var foundAfter: Date?
    public var foundBefore: Date?
    /// Matches title, enterprise name or location.
    public var search: String?
    public var sort: HazardSort
    public var direction: SortDirection

    public init(states: [HazardState]? = nil, level: HazardLevel? = nil, countyCode: String? = nil, enterpriseID: UUID? = nil,
                industry: Industry? = nil, overdue: Bool? = nil, supervised: Bool? = nil, legacy: Bool? = nil, source: HazardSource? = nil,
                focusTag: FocusTag? = nil, foundAfter: Date? = nil, foundBefore: Date? = nil, search: String? = nil,
                sort: HazardSort = .foundAt, direction: SortDirection = .desc) {
        self.states = states
        self.level = level
        self.countyCode = countyCode
        self.enterpriseID = enterpriseID
        self.industry = industry
        self.overdue = overdue
        self.supervised = supervised
        self.legacy = legacy
        self.source = source
        self.focusTag = focusTag
        self.foundAfter = foundAfter
        self.foundBefore = foundBefore
        self.search = search
        self.sort = sort
        self.direction = direction
    }

    /// The open major hazards: the list the campaign drives to zero.
    public static var openMajor: HazardQuery { HazardQuery(states: HazardState.open, level: .major) }
}

/// Counts for the dynamic-zeroing views and the dashboard, within the caller's scope.
public struct HazardStatistics: Sendable, Equatable {
    public var openMajor = 0
    public var openGeneral = 0
    public var overdue = 0
    public var overdueMajor = 0
    public var supervised = 0
    /// Major hazards found in 2023 or earlier and still open (due by the end of 2024).
    public var legacyOpen = 0
    public var closed = 0
    public var openMajorByCounty: [String: Int] = [:]
    public var openMajorByIndustry: [Industry: Int] = [:]
    public var openMajorByFocus: [FocusTag: Int] = [:]
    public var openMajorByState: [HazardState: Int] = [:]
    /// Open major hazards by age since found: ≤30 days, 31–90, 91–180, 181–365, >365.
    public var openMajorByAge: [Int] = [0, 0, 0, 0, 0]

    public init() {}

    public static let ageBuckets: [(zh: String, en: String, maxDays: Int)] = [
        ("30天内", "≤ 30 days", 30), ("31–90天", "31–90 days", 90), ("91–180天", "91–180 days", 180),
        ("181–365天", "181–365 days", 365), ("一年以上", "> 1 year", Int.max),
    ]

    public static func ageBucket(days: Int) -> Int { ageBuckets.firstIndex { days <= $0.maxDays } ?? ageBuckets.count - 1 }
}

/// Open major hazards at the end of each month: the trend toward zero.
public struct TrendPoint: Sendable, Equatable {
    public var month: String
    public var openMajor: Int

    public init(month: String, openMajor: Int) {
        self.month = month
        self.openMajor = openMajor
    }
}

/// Who a notification goes to; the store resolves the accounts inside the write.
public enum NotificationAudience: Sendable, Equatable {
    case enterprise(UUID)
    case countyOfficers(String)
    case cityOfficers
    /// One account (an assigned expert).
    case user(UUID)
}

public struct NotificationDraft: Sendable, Equatable {
    public var audience: NotificationAudience
    public var kind: NotificationKind
    public var hazardID: UUID?
    public var alarmID: UUID?
    public var zh: String
    public var en: String

    public init(audience: NotificationAudience, kind: NotificationKind, hazardID: UUID?, alarmID: UUID? = nil, zh: String, en: String) {
        self.audience = audience
        self.kind = kind
        self.hazardID = hazardID
        self.alarmID = alarmID
        self.zh = zh
        self.en = en
    }
}

/// A photo's record; the bytes live in a `FileStore`.
/// A hazard as reported, not yet stored: the record, its first history entry, its notifications.
public struct NewHazard: Sendable {
    public var hazard: Hazard
    public var event: HazardEvent
    public var notifications: [NotificationDraft]

    public init(hazard: Hazard, event: HazardEvent, notifications: [NotificationDraft]) {
        self.hazard = hazard
        self.event = event
        self.notifications = notifications
    }
}

public struct HazardPhoto: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var hazardID: UUID
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var uploadedBy: String
    public var uploadedAt: Date

    public init(id: UUID = UUID(), hazardID: UUID, contentType: String, size: Int, sha256: String, uploadedBy: String, uploadedAt: Date) {
        self.id = id
        self.hazardID = hazardID
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}

/// Storage of hazards, their history and photos. Every method takes the caller's scope: a hazard outside
/// it does not exist. Every write appends its history, audit entry and notifications in one transaction.
public protocol HazardRepository: Sendable {
    func find(id: UUID, scope: Scope) async throws -> Hazard?
    func list(_ query: HazardQuery, page: Paging, scope: Scope, now: Date) async throws -> Paged<Hazard>
    func all(_ query: HazardQuery, scope: Scope, now: Date, limit: Int) async throws -> [Hazard]
    func events(hazardID: UUID) async throws -> [HazardEvent]
    func photos(hazardID: UUID) async throws -> [HazardPhoto]
    func statistics(scope: Scope, now: Date) async throws -> HazardStatistics
    /// Open major hazards at each month's end, for the months given (`yyyy-MM` and the instant it ends).
    func openMajorTrend(scope: Scope, months: [(label: String, end: Date)]) async throws -> [TrendPoint]

    func create(_ hazard: Hazard, event: HazardEvent, notifications: [NotificationDraft], audit: AuditContext) async throws -> Hazard
    /// Creates many at once (demo data), with their histories.
    func createAll(_ hazards: [(Hazard, [HazardEvent])], audit: AuditContext) async throws
    /// Reads the hazard in scope, applies `change`, stores the result with the next version, its history
    /// entry, notifications and audit entry, atomically. A stale `expectedVersion` is refused.
    func transition(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                    change: @escaping @Sendable (Hazard) throws -> (Hazard, HazardEvent, [NotificationDraft])) async throws -> Hazard
    /// Overdue open hazards whose parties have not been told yet.
    func overdueUnnotified(now: Date, limit: Int) async throws -> [Hazard]

    /// Stores a photo's record; the caller has already stored its bytes.
    func addPhoto(_ photo: HazardPhoto, audit: AuditContext) async throws
    func photo(id: UUID, scope: Scope) async throws -> HazardPhoto?
}

/// Where uploaded files' bytes live: a folder next to the SQLite file, or the database itself on
/// PostgreSQL so that several app instances share them.
public protocol FileStore: Sendable {
    func put(_ data: Data, key: String) async throws
    func get(key: String) async throws -> Data?
}
