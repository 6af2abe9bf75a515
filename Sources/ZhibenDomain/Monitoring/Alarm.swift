import Foundation

/// An alarm of one point and condition, from the moment it is raised (T14).
public struct Alarm: Sendable, Equatable, Identifiable {
    /// Where the alarm stands with the people who answer for it. Acknowledge, dispose, close, verify
    /// and shelve are the enterprise's and the regulators' steps; the engine only raises, upgrades and
    /// records the return to normal.
    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case active, acknowledged, disposed, closed, verified, shelved
        public var zh: String {
            switch self {
            case .active: "未确认"; case .acknowledged: "已确认"; case .disposed: "已处置"; case .closed: "已关闭"; case .verified: "已核查"; case .shelved: "已搁置"
            }
        }
        public var en: String {
            switch self {
            case .active: "Active"; case .acknowledged: "Acknowledged"; case .disposed: "Disposed"; case .closed: "Closed"; case .verified: "Verified"; case .shelved: "Shelved"
            }
        }
    }

    public var id: UUID
    public var pointID: UUID
    public var enterpriseID: UUID
    public var countyCode: String
    public var enterpriseName: String
    public var pointCode: String
    public var pointName: String
    public var condition: AlarmCondition
    public var level: AlarmLevel
    public var state: State
    public var raisedAt: Date
    public var raisedValue: String
    public var upgradedAt: Date?
    /// When the value came back inside its limits (past the deadband); nil while it is still out.
    public var normalAt: Date?
    public var normalValue: String?
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), pointID: UUID, enterpriseID: UUID, countyCode: String, enterpriseName: String, pointCode: String, pointName: String,
                condition: AlarmCondition, level: AlarmLevel, state: State = .active, raisedAt: Date, raisedValue: String, upgradedAt: Date? = nil,
                normalAt: Date? = nil, normalValue: String? = nil, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.pointID = pointID
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.enterpriseName = enterpriseName
        self.pointCode = pointCode
        self.pointName = pointName
        self.condition = condition
        self.level = level
        self.state = state
        self.raisedAt = raisedAt
        self.raisedValue = raisedValue
        self.upgradedAt = upgradedAt
        self.normalAt = normalAt
        self.normalValue = normalValue
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Still out of its limits (not returned to normal).
    public var isOut: Bool { normalAt == nil }
}

public struct AlarmQuery: Sendable, Equatable {
    public var states: [Alarm.State]?
    public var level: AlarmLevel?
    public var condition: AlarmCondition?
    public var countyCode: String?
    public var enterpriseID: UUID?
    public var pointID: UUID?
    /// Only those still out of their limits.
    public var outOnly: Bool
    public var raisedAfter: Date?
    public var raisedBefore: Date?

    public init(states: [Alarm.State]? = nil, level: AlarmLevel? = nil, condition: AlarmCondition? = nil, countyCode: String? = nil,
                enterpriseID: UUID? = nil, pointID: UUID? = nil, outOnly: Bool = false, raisedAfter: Date? = nil, raisedBefore: Date? = nil) {
        self.states = states
        self.level = level
        self.condition = condition
        self.countyCode = countyCode
        self.enterpriseID = enterpriseID
        self.pointID = pointID
        self.outOnly = outOnly
        self.raisedAfter = raisedAfter
        self.raisedBefore = raisedBefore
    }
}

public protocol AlarmRepository: Sendable {
    /// Stores what the engine decided for one point: new alarms, upgrades, returns to normal.
    func record(_ events: [AlarmEvent], point: MonitoringPoint, at: Date) async throws
    /// The conditions still out of their limits, with their levels, for restoring the engine's state.
    func outConditions(pointIDs: [UUID]) async throws -> [UUID: [AlarmCondition: AlarmLevel]]
    /// Each point's latest reading before the given time (before any time when none is given).
    func lastReadings(pointIDs: [UUID], before: [UUID: Date]) async throws -> [UUID: (ts: Date, value: Double?)]
    func list(_ query: AlarmQuery, page: Paging, scope: Scope) async throws -> Paged<Alarm>
    func find(id: UUID, scope: Scope) async throws -> Alarm?
}
