import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class LocalChecklistItemModel: Model, @unchecked Sendable {
    static let schema = "checklist_local_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "criterion_group") var group: String
    @Field(key: "text") var text: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "active") var active: Bool

    init() {}

    func domain() throws -> LocalChecklistItem {
        LocalChecklistItem(id: try requireID(), countyCode: countyCode, group: CriterionGroup(rawValue: group) ?? .general, text: text,
                           createdBy: createdBy, createdAt: createdAt, active: active)
    }
}

public struct FluentChecklistRepository: ChecklistRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func localItems(countyCode: String?) async throws -> [LocalChecklistItem] {
        let q = LocalChecklistItemModel.query(on: store.database)
        if let countyCode { q.filter(\.$countyCode == countyCode) }
        return try await q.sort(\.$countyCode).sort(\.$createdAt).limit(5000).all().map { try $0.domain() }
    }

    public func addLocalItem(_ item: LocalChecklistItem, audit: AuditContext) async throws -> LocalChecklistItem {
        try await store.write { db in
            let m = LocalChecklistItemModel()
            m.id = item.id
            m.countyCode = item.countyCode
            m.group = item.group.rawValue
            m.text = item.text
            m.createdBy = item.createdBy
            m.createdAt = item.createdAt
            m.active = item.active
            try await m.create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "checklist-item", entityID: item.id.uuidString,
                                        changes: [FieldChange(field: "group", before: nil, after: item.group.rawValue),
                                                  FieldChange(field: "text", before: nil, after: item.text)], audit: audit)
            return item
        }
    }

    public func setLocalItemActive(id: UUID, countyCode: String?, active: Bool, audit: AuditContext) async throws -> LocalChecklistItem {
        try await store.write { db in
            let q = LocalChecklistItemModel.query(on: db).filter(\.$id == id)
            if let countyCode { q.filter(\.$countyCode == countyCode) }
            guard let m = try await q.first() else { throw DomainError.notFound(entity: "checklist item") }
            if m.active != active {
                m.active = active
                try await m.update(on: db)
                try await AuditChain.append(on: db, action: (active ? AuditAction.reactivate : .deactivate).rawValue, entityType: "checklist-item",
                                            entityID: id.uuidString, changes: [FieldChange(field: "active", before: String(!active), after: String(active))],
                                            audit: audit)
            }
            return try m.domain()
        }
    }
}
