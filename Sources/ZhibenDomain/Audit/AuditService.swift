import Foundation

/// Reading the audit log: who may, and what they see.
public struct AuditService: Sendable {
    public let repository: any AuditRepository

    public init(repository: any AuditRepository) {
        self.repository = repository
    }

    public func list(_ query: AuditQuery, actor: Caller) async throws -> Paged<AuditEntry> {
        try actor.require(.auditRead)
        return try await repository.list(query)
    }

    /// The history of one record, or nothing for a caller who may not read the log.
    public func history(entityType: String, entityID: String, limit: Int = 10, actor: Caller) async throws -> [AuditEntry] {
        guard actor.can(.auditRead) else { return [] }
        return try await repository.list(AuditQuery(entityType: entityType, entityID: entityID, page: Paging(per: limit))).items
    }

    public func verify(actor: Caller) async throws -> AuditVerification {
        try actor.require(.auditRead)
        return try await repository.verify()
    }
}
