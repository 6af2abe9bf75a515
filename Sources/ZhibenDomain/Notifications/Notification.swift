import Foundation

public enum NotificationKind: String, Sendable, Codable, CaseIterable, Labeled {
    case newHazard, awaitingAction, overdue, accepted, returned, alarmEscalated, level1Alarm

    public var zh: String {
        switch self {
        case .newHazard: "新隐患"
        case .awaitingAction: "待您处理"
        case .overdue: "整改逾期"
        case .accepted: "已验收销号"
        case .returned: "退回整改"
        case .alarmEscalated: "报警超时未确认"
        case .level1Alarm: "一级报警"
        }
    }

    public var en: String {
        switch self {
        case .newHazard: "New hazard"
        case .awaitingAction: "Awaiting your action"
        case .overdue: "Overdue"
        case .accepted: "Accepted"
        case .returned: "Returned"
        case .alarmEscalated: "Alarm not acknowledged"
        case .level1Alarm: "Level-1 alarm"
        }
    }
}

/// One message in a person's in-app inbox.
public struct UserNotification: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var kind: NotificationKind
    public var hazardID: UUID?
    public var alarmID: UUID?
    public var zh: String
    public var en: String
    public var createdAt: Date
    public var readAt: Date?

    public init(id: UUID = UUID(), userID: UUID, kind: NotificationKind, hazardID: UUID?, alarmID: UUID? = nil, zh: String, en: String,
                createdAt: Date, readAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.hazardID = hazardID
        self.alarmID = alarmID
        self.zh = zh
        self.en = en
        self.createdAt = createdAt
        self.readAt = readAt
    }

    public func text(_ lang: Language) -> String { lang == .en ? en : zh }
}

public protocol NotificationRepository: Sendable {
    func list(userID: UUID, unreadOnly: Bool, page: Paging) async throws -> Paged<UserNotification>
    func unreadCount(userID: UUID) async throws -> Int
    /// Marks the user's notifications read (those given, or all); returns how many changed.
    func markRead(userID: UUID, ids: [UUID]?, at: Date) async throws -> Int
}

/// An outbound channel (SMS, messaging gateway) that also receives every notification. The default
/// only writes it to the log; a gateway implements this later.
public protocol NotificationChannel: Sendable {
    func deliver(_ notifications: [NotificationDraft]) async
}

/// A person's inbox.
public struct NotificationService: Sendable {
    public let repository: any NotificationRepository
    public let clock: any WallClock

    public init(repository: any NotificationRepository, clock: any WallClock) {
        self.repository = repository
        self.clock = clock
    }

    public func inbox(actor: Caller, unreadOnly: Bool = false, page: Paging = Paging()) async throws -> Paged<UserNotification> {
        try actor.require(.notificationRead)
        guard let id = actor.id, actor.kind == .user else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        return try await repository.list(userID: id, unreadOnly: unreadOnly, page: page)
    }

    public func unreadCount(actor: Caller) async throws -> Int {
        guard actor.can(.notificationRead), let id = actor.id, actor.kind == .user else { return 0 }
        return try await repository.unreadCount(userID: id)
    }

    @discardableResult
    public func markRead(_ ids: [UUID]?, actor: Caller) async throws -> Int {
        try actor.require(.notificationRead)
        guard let id = actor.id, actor.kind == .user else { return 0 }
        return try await repository.markRead(userID: id, ids: ids, at: clock.now())
    }
}
