import Foundation
import Vapor
import ZhibenDomain

struct AuditEntryDTO: Content {
    var seq: Int64
    var at: String
    var actorKind: String
    var actor: String
    var action: String
    var entityType: String
    var entityId: String
    var changes: [FieldChange]
    var origin: String?
    var hash: String

    init(_ e: AuditEntry) {
        seq = e.seq
        at = ISOTime.string(e.at)
        actorKind = e.actorKind
        actor = e.actorUsername
        action = e.action
        entityType = e.entityType
        entityId = e.entityID
        changes = e.changes
        origin = e.origin
        hash = e.hash
    }
}

extension FieldChange: Content {}
