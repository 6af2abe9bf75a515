import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class InspectionModel: Model, @unchecked Sendable {
    static let schema = "inspections"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "style") var style: String
    @Field(key: "origin") var origin: String
    @OptionalField(key: "origin_id") var originID: UUID?
    /// JSON: the roster ids and names.
    @Field(key: "inspectors") var inspectors: String
    /// `,141181,141182,`: the inspectors' counties, for scoping with LIKE.
    @Field(key: "inspector_counties") var inspectorCounties: String
    @OptionalField(key: "expert_id") var expertID: UUID?
    @OptionalField(key: "expert_name") var expertName: String?
    @OptionalField(key: "expert_user_id") var expertUserID: UUID?
    @Field(key: "planned_on") var plannedOn: String
    @Field(key: "state") var state: String
    @Field(key: "results") var results: String
    @Field(key: "summary") var summary: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    struct Person: Codable { let id: UUID; let name: String }

    func apply(_ i: Inspection) {
        id = i.id
        enterpriseID = i.enterpriseID
        enterpriseName = i.enterpriseName
        countyCode = i.countyCode
        style = i.style.rawValue
        origin = i.origin.rawValue
        originID = i.originID
        inspectors = JSONColumn.encode(zip(i.inspectorIDs, i.inspectorNames).map { Person(id: $0, name: $1) }) ?? "[]"
        inspectorCounties = "," + i.inspectorCounties.joined(separator: ",") + ","
        expertID = i.expertID
        expertName = i.expertName
        expertUserID = i.expertUserID
        plannedOn = i.plannedOn
        state = i.state.rawValue
        results = JSONColumn.encode(i.results) ?? "[]"
        summary = i.summary
        createdBy = i.createdBy
        createdAt = i.createdAt
        startedAt = i.startedAt
        completedAt = i.completedAt
        updatedAt = i.updatedAt
        version = i.version
    }

    func domain() throws -> Inspection {
        let people = JSONColumn.decode(inspectors, as: [Person].self) ?? []
        return Inspection(id: try requireID(), enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                          style: InspectionStyle(rawValue: style) ?? .routine, origin: InspectionOrigin(rawValue: origin) ?? .manual, originID: originID,
                          inspectorIDs: people.map(\.id), inspectorNames: people.map(\.name),
                          inspectorCounties: inspectorCounties.split(separator: ",").map(String.init), expertID: expertID, expertName: expertName,
                          expertUserID: expertUserID, plannedOn: plannedOn, state: Inspection.State(rawValue: state) ?? .planned,
                          results: JSONColumn.decode(results, as: [InspectionItemResult].self) ?? [], summary: summary, createdBy: createdBy,
                          createdAt: createdAt, startedAt: startedAt, completedAt: completedAt, updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        // The officers by name: the column's JSON need not keep its keys in one order.
        ["state": state, "plannedOn": plannedOn, "inspectors": (JSONColumn.decode(inspectors, as: [Person].self) ?? []).map(\.name).joined(separator: "、"), "expert": expertName ?? "", "summary": summary,
         "results": String((JSONColumn.decode(results, as: [InspectionItemResult].self) ?? []).map { "\($0.item)=\($0.outcome.rawValue)\($0.hazardID.map { "→\($0.uuidString)" } ?? "")" }.joined(separator: ";"))]
    }
}

final class InspectionPhotoModel: Model, @unchecked Sendable {
    static let schema = "inspection_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "item") var item: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: String
    @Field(key: "uploaded_at") var uploadedAt: Date
    @OptionalField(key: "hazard_photo_id") var hazardPhotoID: UUID?

    init() {}

    init(_ p: InspectionPhoto) {
        id = p.id
        inspectionID = p.inspectionID
        item = p.item
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = p.uploadedAt
        hazardPhotoID = p.hazardPhotoID
    }

    func domain() throws -> InspectionPhoto {
        InspectionPhoto(id: try requireID(), inspectionID: inspectionID, item: item, contentType: contentType, size: size, sha256: sha256,
                        uploadedBy: uploadedBy, uploadedAt: uploadedAt, hazardPhotoID: hazardPhotoID)
    }
}

public struct FluentInspectionRepository: InspectionRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<InspectionModel>? {
        switch scope {
        case .city: return InspectionModel.query(on: db)
        case .county(let c):
            return InspectionModel.query(on: db).group(.or) { g in
                g.filter(\.$countyCode == c)
                g.filter(.sql(LikeMatch(column: "inspector_counties", pattern: "%," + likeEscaped(c) + ",%")))
            }
        case .assigned(let user): return InspectionModel.query(on: db).filter(\.$expertUserID == user)
        case .enterprise: return nil
        }
    }

    public func create(_ inspections: [Inspection], audit: AuditContext) async throws {
        try await store.write { db in
            // A draw's inspections are made once: checked inside the write, so two requests at once make one set.
            for drawID in Set(inspections.filter { $0.origin == .draw }.compactMap(\.originID)) {
                if try await InspectionModel.query(on: db).filter(\.$originID == drawID).rowCount() > 0 {
                    throw DomainError.conflict(FieldIssue(field: "draw", zh: "该抽取已生成检查任务", en: "this draw's inspections exist already"))
                }
            }
            for i in inspections {
                let m = InspectionModel()
                m.apply(i)
                try await m.create(on: db)
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "inspection", entityID: i.id.uuidString,
                                            changes: FieldChange.diff([:], m.auditFields.merging(["enterprise": i.enterpriseName, "style": i.style.rawValue]) { a, _ in a }),
                                            audit: audit)
            }
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Inspection? {
        try await Self.scoped(scope, on: store.database)?.filter(\.$id == id).first()?.domain()
    }

    public func list(_ query: InspectionQuery, scope: Scope, page: Paging) async throws -> Paged<Inspection> {
        guard let q = Self.scoped(scope, on: store.database) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        if let s = query.state { q.filter(\.$state == s.rawValue) }
        if let e = query.enterpriseID { q.filter(\.$enterpriseID == e) }
        if let o = query.originID { q.filter(\.$originID == o) }
        if let c = query.countyCode { q.filter(\.$countyCode == c) }
        if let y = query.year {
            q.filter(.sql(LikeMatch(column: "planned_on", pattern: "\(y)-%"))).filter(\.$state != Inspection.State.cancelled.rawValue)
        }
        if query.openOnly { q.filter(\.$state ~~ [Inspection.State.planned.rawValue, Inspection.State.inProgress.rawValue]) }
        if let officer = query.inspectorID { q.filter(.sql(LikeMatch(column: "inspectors", pattern: "%\(officer.uuidString)%"))) }
        if let day = query.plannedBy { q.filter(\.$plannedOn <= day) }
        if let day = query.plannedAfter { q.filter(\.$plannedOn > day) }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$plannedOn, query.earliestFirst ? .ascending : .descending).sort(\.$enterpriseName).sort(\.$id)
            .range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func inspected(enterpriseIDs: [UUID], year: Int, scope: Scope) async throws -> Set<UUID> {
        guard !enterpriseIDs.isEmpty, let q = Self.scoped(scope, on: store.database) else { return [] }
        let rows = try await q.filter(\.$enterpriseID ~~ enterpriseIDs).filter(.sql(LikeMatch(column: "planned_on", pattern: "\(year)-%")))
            .filter(\.$state != Inspection.State.cancelled.rawValue).field(\.$enterpriseID).all()
        return Set(rows.map(\.enterpriseID))
    }

    public func inspected(originIDs: [UUID], scope: Scope) async throws -> Set<UUID> {
        guard !originIDs.isEmpty, let q = Self.scoped(scope, on: store.database) else { return [] }
        let rows = try await q.filter(\.$originID ~~ originIDs).field(\.$originID).all()
        return Set(rows.compactMap(\.originID))
    }

    public func addPhoto(_ photo: InspectionPhoto, audit: AuditContext) async throws {
        try await store.write { db in
            try await InspectionPhotoModel(photo).create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.upload.rawValue, entityType: "inspection", entityID: photo.inspectionID.uuidString,
                                        changes: [FieldChange(field: "photo", before: nil, after: photo.id.uuidString),
                                                  FieldChange(field: "item", before: nil, after: photo.item),
                                                  FieldChange(field: "sha256", before: nil, after: photo.sha256),
                                                  FieldChange(field: "size", before: nil, after: String(photo.size))], audit: audit)
        }
    }

    public func photos(inspectionID: UUID) async throws -> [InspectionPhoto] {
        try await InspectionPhotoModel.query(on: store.database).filter(\.$inspectionID == inspectionID).sort(\.$uploadedAt).sort(\.$id).all().map { try $0.domain() }
    }

    public func complete(id: UUID, scope: Scope, readVersion: Int, audit: AuditContext, hazards: [(item: String, new: NewHazard)],
                         photoCopies: [InspectionPhotoCopy], change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "inspection") }
            let before = try m.domain()
            // Compare-and-set: decided on `readVersion`, applied to nothing else.
            guard before.version == readVersion else { throw DomainError.staleVersion(entity: "inspection", expected: readVersion, current: before.version) }
            let beforeFields = m.auditFields
            var after = try change(before)
            after.version = before.version + 1
            // The failed items' hazards, reported in the enterprise's county by the inspection's writer.
            for h in hazards {
                try await FluentHazardRepository.insert(h.new, audit: audit, on: db)
            }
            for copy in photoCopies {
                try await FluentHazardRepository.insertPhoto(copy.photo, audit: audit, on: db)
                try await InspectionPhotoModel.query(on: db).filter(\.$id == copy.inspectionPhotoID).filter(\.$inspectionID == id)
                    .set(\.$hazardPhotoID, to: copy.photo.id).update()
            }
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "inspection", entityID: id.uuidString,
                                        changes: FieldChange.diff(beforeFields, m.auditFields), audit: audit)
            return after
        }
    }

    public func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                       change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "inspection") }
            let before = try m.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "inspection", expected: expectedVersion, current: before.version)
            }
            let beforeFields = m.auditFields
            var after = try change(before)
            after.version = before.version + 1
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "inspection", entityID: id.uuidString,
                                        changes: FieldChange.diff(beforeFields, m.auditFields), audit: audit)
            return after
        }
    }
}
