import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

/// Files previewed for import, kept until the user confirms them.
struct M005PendingUploads: AsyncMigration {
    var name: String { "005-pending-uploads" }

    func prepare(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema)
            .id()
            .field("owner", .string, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema).delete()
    }
}
