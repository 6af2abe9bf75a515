import FluentKit
import Foundation
import ZhibenDomain

final class PendingUploadModel: Model, @unchecked Sendable {
    static let schema = "pending_uploads"

    @ID(key: .id) var id: UUID?
    @Field(key: "owner") var owner: String
    @Field(key: "data") var data: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Uploads waiting for confirmation, in the database so that any app instance can finish the step.
public struct FluentUploadStash: UploadStash {
    let store: Store

    public init(store: Store) { self.store = store }

    public func put(_ data: Data, owner: String, at: Date) async throws -> UUID {
        try await store.write { db in
            try await PendingUploadModel.query(on: db).filter(\.$createdAt < at.addingTimeInterval(-UploadPolicy.lifetime)).delete()
            let m = PendingUploadModel()
            m.id = UUID()
            m.owner = owner
            m.data = data
            m.createdAt = at
            try await m.create(on: db)
            return m.id!
        }
    }

    public func get(_ id: UUID, owner: String, now: Date) async throws -> Data? {
        try await PendingUploadModel.query(on: store.database).filter(\.$id == id).filter(\.$owner == owner)
            .filter(\.$createdAt >= now.addingTimeInterval(-UploadPolicy.lifetime)).first()?.data
    }

    public func delete(_ id: UUID) async throws {
        try await store.write { db in try await PendingUploadModel.query(on: db).filter(\.$id == id).delete() }
    }
}
