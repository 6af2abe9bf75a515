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
    /// The people's steps, oldest first.
    public var steps: [AlarmStep]
    /// When the county's officers, then the city's, were told it was not acknowledged in time.
    public var countyNotifiedAt: Date?
    public var cityNotifiedAt: Date?
    /// The hazard it became, if it did; the two stay linked.
    public var hazardID: UUID?
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), pointID: UUID, enterpriseID: UUID, countyCode: String, enterpriseName: String, pointCode: String, pointName: String,
                condition: AlarmCondition, level: AlarmLevel, state: State = .active, raisedAt: Date, raisedValue: String, upgradedAt: Date? = nil,
                normalAt: Date? = nil, normalValue: String? = nil, steps: [AlarmStep] = [], updatedAt: Date, version: Int = 1) {
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
        self.steps = steps
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Still out of its limits (not returned to normal).
    public var isOut: Bool { normalAt == nil }

    /// The condition by the limit crossed: a level-1 high is past the high-high limit, a level-1 low
    /// below the low-low one.
    public func conditionLabel(_ lang: Language) -> String {
        switch (condition, level) {
        case (.high, .first): lang == .en ? "Above high-high" : "超高高限"
        case (.high, .second): lang == .en ? "Above high" : "超高限"
        case (.low, .first): lang == .en ? "Below low-low" : "低于低低限"
        case (.low, .second): lang == .en ? "Below low" : "低于低限"
        default: condition.label(lang)
        }
    }
}

/// One step a person took on an alarm.
public struct AlarmStep: Sendable, Equatable, Codable {
    public var action: AlarmAction
    public var by: String
    public var at: Date
    public var comment: String
    public var cause: String?
    public var measures: String?
    public var until: Date?

    public init(action: AlarmAction, by: String, at: Date, comment: String = "", cause: String? = nil, measures: String? = nil, until: Date? = nil) {
        self.action = action
        self.by = by
        self.at = at
        self.comment = comment
        self.cause = cause
        self.measures = measures
        self.until = until
    }
}

public enum AlarmAction: String, Sendable, Codable, CaseIterable, Labeled {
    case acknowledge, dispose, close, verify, shelve
    public var zh: String { switch self { case .acknowledge: "确认"; case .dispose: "处置"; case .close: "关闭"; case .verify: "核查"; case .shelve: "搁置" } }
    public var en: String { switch self { case .acknowledge: "Acknowledge"; case .dispose: "Dispose"; case .close: "Close"; case .verify: "Verify"; case .shelve: "Shelve" } }
    public var permission: Permission { self == .verify ? .alarmVerify : .alarmRespond }
}

/// The alarm lifecycle (T14), a pure function of (alarm, action, actor, input, now): active →
/// acknowledge → dispose {cause, measures} → (back to normal) → close, by the enterprise; regulators
/// verify closed level-1 alarms; shelve {reason, until} sets an active or acknowledged alarm aside for
/// a while. 403 for another party, 409 naming the state, 422 naming each missing field.
/// When an alarm is offered as a hazard: a point offline this long, an alarm out of its limits this
/// long, or this many alarms on one point within a day. Configurable (`ZHIBEN_ALARM_HAZARD`).
public struct AlarmHazardPolicy: Sendable, Equatable {
    public var offline: TimeInterval
    public var long: TimeInterval
    public var repeated: Int

    public init(offline: TimeInterval = 1800, long: TimeInterval = 3600, repeated: Int = 3) {
        self.offline = offline
        self.long = long
        self.repeated = repeated
    }

    /// Parses `30/60/3`: minutes offline, minutes out of limits, alarms on a point in a day.
    public static func parse(_ text: String) -> AlarmHazardPolicy? {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let offline = parts[0], let long = parts[1], let repeated = parts[2],
              (0...10_080).contains(offline), (1...10_080).contains(long), (2...1000).contains(repeated) else { return nil }
        return AlarmHazardPolicy(offline: Double(offline) * 60, long: Double(long) * 60, repeated: repeated)
    }
}

public enum AlarmHazardRule {
    /// Whether the alarm is offered as a hazard: offline for the policy's time (a failed monitoring
    /// device is itself a major hazard, Art. 14), out of its limits for its time, or a point's
    /// repeated alarms within a day.
    public static func offersHazard(_ a: Alarm, alarmsOnPointToday: Int, now: Date, policy: AlarmHazardPolicy = AlarmHazardPolicy()) -> Bool {
        guard a.hazardID == nil else { return false }
        let lasted = max(0, (a.normalAt ?? now).timeIntervalSince(a.raisedAt))
        if a.condition == .offline { return lasted >= policy.offline }
        if lasted >= policy.long { return true }
        return alarmsOnPointToday >= policy.repeated
    }

    /// The hazard an alarm becomes, filled in from it: a failed device cites Art. 14 as major; other
    /// alarms are proposed as general hazards for the judgement to grade.
    public static func draft(_ a: Alarm, equipment: String) -> HazardDraft {
        let offline = a.condition == .offline
        return HazardDraft(enterpriseID: a.enterpriseID,
                           title: String("监测报警：\(a.pointName)\(a.conditionLabel(.zh))".prefix(100)),
                           // What was known when the hazard was made; the hazard's page shows the alarm as it is now.
                           description: "点位 \(a.pointCode) 于 \(ChinaTime.display(a.raisedAt, seconds: true)) \(a.level.zh)，报警值 \(a.raisedValue)"
                               + (a.normalAt.map { "；\(ChinaTime.display($0, seconds: true)) 恢复正常" } ?? "；转为隐患时尚未恢复正常") + "。",
                           location: String(equipment.prefix(200)), source: HazardSource.monitoringAlarm.rawValue, foundBy: "监测预警系统",
                           foundAt: a.raisedAt, level: offline ? HazardLevel.major.rawValue : HazardLevel.general.rawValue,
                           criteria: offline ? ["MHC-14-00"] : [])
    }
}

public enum AlarmWorkflow {
    public static let maxShelf: TimeInterval = 7 * 86_400

    public static func allowedStates(_ action: AlarmAction) -> Set<Alarm.State> {
        switch action {
        case .acknowledge: [.active, .shelved]
        case .dispose: [.acknowledged]
        case .close: [.disposed]
        case .verify: [.closed]
        case .shelve: [.active, .acknowledged]
        }
    }

    public static func isParty(_ actor: Caller, to action: AlarmAction, on a: Alarm) -> Bool {
        if actor.kind == .system { return true }
        switch action {
        case .verify: return actor.scope == .city || actor.scope == .county(a.countyCode)
        default: return actor.scope == .enterprise(a.enterpriseID)
        }
    }

    public static func available(to actor: Caller, on a: Alarm) -> [AlarmAction] {
        AlarmAction.allCases.filter { act in
            actor.can(act.permission) && isParty(actor, to: act, on: a) && allowedStates(act).contains(a.state)
                && (act != .verify || a.level == .first) && (act != .close || a.normalAt != nil)
        }
    }

    public static func perform(_ action: AlarmAction, on a: Alarm, by actor: Caller, comment: String, cause: String?, measures: String?,
                               until: Date?, now: Date) throws -> Alarm {
        try actor.require(action.permission)
        guard isParty(actor, to: action, on: a) else { throw DomainError.forbidden(permission: action.permission) }
        guard allowedStates(action).contains(a.state) else { throw DomainError.invalidTransition(from: a.state.rawValue, event: action.rawValue) }
        var issues: [FieldIssue] = []
        func need(_ v: String?, _ field: String, _ zh: String, _ en: String) -> String {
            let t = (v ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if t.length < 2 { issues.append(FieldIssue(field: field, zh: "请填写\(zh)", en: "\(en) is required")) }
            else if t.length > 2000 { issues.append(FieldIssue(field: field, zh: "\(zh)不能超过2000字", en: "\(en) has at most 2000 characters")) }
            return t
        }
        var next = a
        var step = AlarmStep(action: action, by: actor.username, at: now, comment: comment.trimmingCharacters(in: .whitespacesAndNewlines))
        if step.comment.length > 2000 { issues.append(FieldIssue(field: "comment", zh: "说明不能超过2000字", en: "comment has at most 2000 characters")) }
        switch action {
        case .acknowledge:
            next.state = .acknowledged
        case .dispose:
            step.cause = need(cause, "cause", "报警原因", "the cause")
            step.measures = need(measures, "measures", "处置措施", "the measures taken")
            next.state = .disposed
        case .close:
            guard a.normalAt != nil else {
                throw DomainError.invalidTransition(from: "\(a.state.rawValue) (still out of its limits)", event: action.rawValue)
            }
            next.state = .closed
        case .verify:
            guard a.level == .first else { throw DomainError.invalidTransition(from: "\(a.state.rawValue) (level 2)", event: action.rawValue) }
            next.state = .verified
        case .shelve:
            _ = need(comment, "comment", "搁置理由", "the reason")
            if let until {
                if until <= now || until > now.addingTimeInterval(maxShelf) {
                    issues.append(FieldIssue(field: "until", zh: "搁置期限应在现在之后7天以内", en: "the shelf ends after now and within 7 days"))
                }
            } else {
                issues.append(FieldIssue(field: "until", zh: "请填写搁置期限", en: "until (when the shelf ends) is required"))
            }
            step.until = until
            next.state = .shelved
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        next.steps.append(step)
        next.updatedAt = now
        return next
    }
}

/// The order of a list of alarms.
public enum AlarmOrder: String, Sendable, Equatable, CaseIterable {
    /// Newest raised first (the API's default).
    case raised
    /// The board's: unacknowledged first, level 1 before level 2, then newest raised.
    case urgency
    /// The workbench's: level 1 before level 2, then the longest waiting first.
    case waiting
}

/// Whom an unacknowledged alarm was escalated to (超时上报).
public enum AlarmEscalation: String, Sendable, Equatable {
    case county, city
}

public struct AlarmQuery: Sendable, Equatable {
    public var order: AlarmOrder = .raised
    /// Only those escalated to this level.
    public var escalatedTo: AlarmEscalation?
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
    /// The alarm a hazard was made from.
    public var hazardID: UUID?

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
    /// Stores what the engine decided for these points (new alarms, upgrades, returns to normal), all in
    /// one write: a gateway of a thousand points going silent is one commit, not a thousand. The same
    /// commit removes the `evaluated` batches' records, and checks `fence` first: `EngineLeaseLost`,
    /// and nothing written, when a lease changed hands. A decision already stored (a batch evaluated
    /// twice after a crash) is skipped: an alarm raised at the same time, a second one still out for
    /// the point and condition, an upgrade to a level it has, a return to normal of nothing out.
    func record(_ decided: [(point: MonitoringPoint, events: [AlarmEvent])], at: Date, fence: EngineFence, evaluated: [UUID]) async throws
    /// The conditions still out of their limits, with their levels, for restoring the engine's state.
    func outConditions(pointIDs: [UUID]) async throws -> [UUID: [AlarmCondition: AlarmLevel]]
    /// Each point's latest reading before the given time (before any time when none is given).
    func lastReadings(pointIDs: [UUID], before: [UUID: Date]) async throws -> [UUID: (ts: Date, value: Double?)]
    func list(_ query: AlarmQuery, page: Paging, scope: Scope) async throws -> Paged<Alarm>
    /// Alarms matching `query` whose last change is at or after `from`, oldest change first.
    func changes(_ query: AlarmQuery, from: Date, limit: Int, scope: Scope) async throws -> [Alarm]
    func find(id: UUID, scope: Scope) async throws -> Alarm?
    /// Changes an alarm inside one write, audited; a stale `expectedVersion` changes nothing.
    func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                change: @escaping @Sendable (Alarm) throws -> Alarm) async throws -> Alarm
    /// Alarms still unacknowledged past the policy's delays, of the enterprises whose leases `owner`
    /// holds: each with the level it is now due to reach.
    func dueForEscalation(policy: EscalationPolicy, now: Date, owner: String) async throws -> [(Alarm, EscalationPolicy.Tier)]
    /// How many alarms the point has had since `since`.
    func count(pointID: UUID, since: Date) async throws -> Int
    /// Records that the tier was told, with its inbox entries, in one write; false when someone acted on
    /// the alarm, or another instance told them, meanwhile (then nothing is written).
    func markEscalated(_ id: UUID, tier: EscalationPolicy.Tier, notes: [NotificationDraft], at: Date) async throws -> Bool
}

/// When an alarm nobody acknowledges goes up (线上预警、线下执法): per level, minutes after it was
/// raised until the county's officers are told, and minutes after that until the city's are.
public struct EscalationPolicy: Sendable, Equatable {
    public enum Tier: String, Sendable { case county, city }

    public var toCounty: [AlarmLevel: Int]
    public var toCity: [AlarmLevel: Int]

    public init(toCounty: [AlarmLevel: Int] = [.first: 5, .second: 30], toCity: [AlarmLevel: Int] = [.first: 15, .second: 60]) {
        self.toCounty = toCounty
        self.toCity = toCity
    }

    /// Parses `5/15,30/60`: level 1's minutes to the county and then to the city, then level 2's.
    public static func parse(_ text: String) -> EscalationPolicy? {
        let levels = text.split(separator: ",").map { $0.split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        guard levels.count == 2, levels.allSatisfy({ $0.count == 2 && $0.allSatisfy { (1...10_080).contains($0) } }) else { return nil }
        return EscalationPolicy(toCounty: [.first: levels[0][0], .second: levels[1][0]], toCity: [.first: levels[0][1], .second: levels[1][1]])
    }
}
