import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class NotificationModel: Model, @unchecked Sendable {
    static let schema = "notifications"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "kind") var kind: String
    @OptionalField(key: "hazard_id") var hazardID: UUID?
    @OptionalField(key: "alarm_id") var alarmID: UUID?
    @Field(key: "text_zh") var zh: String
    @Field(key: "text_en") var en: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}

    func domain() throws -> UserNotification {
        UserNotification(id: try requireID(), userID: userID, kind: NotificationKind(rawValue: kind) ?? .awaitingAction,
                         hazardID: hazardID, alarmID: alarmID, zh: zh, en: en, createdAt: createdAt, readAt: readAt)
    }
}

public struct FluentNotificationRepository: NotificationRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func list(userID: UUID, unreadOnly: Bool, page: Paging) async throws -> Paged<UserNotification> {
        let q = NotificationModel.query(on: store.database).filter(\.$userID == userID)
        if unreadOnly { q.filter(\.$readAt == nil) }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$createdAt, .descending).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func unreadCount(userID: UUID) async throws -> Int {
        try await NotificationModel.query(on: store.database).filter(\.$userID == userID).filter(\.$readAt == nil).rowCount()
    }

    public func markRead(userID: UUID, ids: [UUID]?, at: Date) async throws -> Int {
        // Reading one's inbox is bookkeeping, not a change of record worth an audit entry.
        try await store.write { db in
            let q = NotificationModel.query(on: db).filter(\.$userID == userID).filter(\.$readAt == nil)
            if let ids { q.filter(\.$id ~~ ids) }
            let n = try await q.copy().rowCount()
            try await q.set(\.$readAt, to: at).update()
            return n
        }
    }
}
