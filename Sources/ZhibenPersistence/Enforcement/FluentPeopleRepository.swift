import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

/// The stored form of a `RosterEntry`: both tables are written by one `save`.
protocol RosterEntryModel: Model where IDValue == UUID {
    associatedtype Entry: RosterEntry
    init()
    var version: Int { get set }
    var auditFields: [String: String] { get }
    func apply(_ entry: Entry)
    func domain() throws -> Entry
}

final class RosterInspectorModel: RosterEntryModel, @unchecked Sendable {
    static let schema = "roster_inspectors"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "certificate_no") var certificateNo: String
    @Field(key: "certificate_valid_until") var certificateValidUntil: String
    @Field(key: "specialties") var specialties: String
    @Field(key: "conflicts") var conflicts: String
    @OptionalField(key: "user_id") var userID: UUID?
    @Field(key: "active") var active: Bool
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ i: RosterInspector) {
        id = i.id
        name = i.name
        countyCode = i.countyCode
        certificateNo = i.certificateNo
        certificateValidUntil = i.certificateValidUntil
        specialties = JSONColumn.encode(i.specialties) ?? "[]"
        conflicts = JSONColumn.encode(i.conflicts) ?? "[]"
        userID = i.userID
        active = i.active
        updatedAt = i.updatedAt
        version = i.version
    }

    func domain() throws -> RosterInspector {
        RosterInspector(id: try requireID(), name: name, countyCode: countyCode, certificateNo: certificateNo, certificateValidUntil: certificateValidUntil,
                        specialties: JSONColumn.decode(specialties, as: [Specialty].self) ?? [], conflicts: JSONColumn.decode(conflicts, as: [UUID].self) ?? [],
                        userID: userID, active: active, updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        ["name": name, "countyCode": countyCode, "certificateNo": certificateNo, "certificateValidUntil": certificateValidUntil,
         "specialties": specialties, "conflicts": conflicts, "active": active ? "true" : "false"]
    }
}

final class ExpertModel: RosterEntryModel, @unchecked Sendable {
    static let schema = "experts"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "specialties") var specialties: String
    @Field(key: "title") var title: String
    @Field(key: "employer") var employer: String
    @OptionalField(key: "county_code") var countyCode: String?
    @Field(key: "available") var available: Bool
    @Field(key: "conflicts") var conflicts: String
    @OptionalField(key: "user_id") var userID: UUID?
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ e: Expert) {
        id = e.id
        name = e.name
        specialties = JSONColumn.encode(e.specialties) ?? "[]"
        title = e.title
        employer = e.employer
        countyCode = e.countyCode
        available = e.available
        conflicts = JSONColumn.encode(e.conflicts) ?? "[]"
        userID = e.userID
        updatedAt = e.updatedAt
        version = e.version
    }

    func domain() throws -> Expert {
        Expert(id: try requireID(), name: name, specialties: JSONColumn.decode(specialties, as: [Specialty].self) ?? [], title: title, employer: employer,
               countyCode: countyCode, available: available, conflicts: JSONColumn.decode(conflicts, as: [UUID].self) ?? [], userID: userID,
               updatedAt: updatedAt, version: version)
    }

    var auditFields: [String: String] {
        ["name": name, "specialties": specialties, "title": title, "employer": employer, "countyCode": countyCode ?? "",
         "available": available ? "true" : "false", "conflicts": conflicts]
    }
}

public struct FluentEnforcementPeopleRepository: EnforcementPeopleRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func inspectors(countyCode: String?, search: String?, page: Paging, scope: Scope) async throws -> Paged<RosterInspector> {
        guard scope.isRegulator else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let q = RosterInspectorModel.query(on: store.database)
        // A county's list is its own county's, whatever it names; the city's narrows to the county named.
        if case .county(let c) = scope { q.filter(\.$countyCode == c) } else if let countyCode { q.filter(\.$countyCode == countyCode) }
        if let text = search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            q.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "certificate_no", pattern: pattern)))
            }
        }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$countyCode).sort(\.$name).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func allInspectors(countyCodes: [String]?) async throws -> [RosterInspector] {
        let q = RosterInspectorModel.query(on: store.database)
        if let countyCodes { q.filter(\.$countyCode ~~ countyCodes) }
        return try await q.all().map { try $0.domain() }
    }

    public func inspector(id: UUID, scope: Scope) async throws -> RosterInspector? {
        guard let m = try await RosterInspectorModel.find(id, on: store.database), scope.reaches(county: m.countyCode) else { return nil }
        return try m.domain()
    }

    public func saveInspector(_ i: RosterInspector, expectedVersion: Int?, scope: Scope, audit: AuditContext) async throws -> RosterInspector {
        try await save(i, as: RosterInspectorModel.self, expectedVersion: expectedVersion, audit: audit) { existing in
            // Neither into another county nor out of one the scope does not reach.
            guard [existing?.countyCode, i.countyCode].compactMap({ $0 }).allSatisfy(scope.reaches(county:)) else {
                throw DomainError.notFound(entity: "inspector")
            }
        }
    }

    /// Adds or replaces an entry (compare-and-set on `expectedVersion`), with its audit entry, in one write.
    /// `allowed` sees the entry as stored (nil: a new one) and refuses what the scope may not write.
    func save<M: RosterEntryModel>(_ entry: M.Entry, as: M.Type, expectedVersion: Int?, audit: AuditContext,
                                   allowed: @escaping @Sendable (M?) throws -> Void) async throws -> M.Entry {
        try await store.write { db in
            let existing = try await M.find(entry.id, on: db)
            try allowed(existing)
            if let expectedVersion, expectedVersion != (existing?.version ?? 0) {
                throw DomainError.staleVersion(entity: M.Entry.entity, expected: expectedVersion, current: existing?.version ?? 0)
            }
            let before = existing?.auditFields ?? [:]
            let m = existing ?? M()
            var next = entry
            next.version = (existing?.version ?? 0) + 1
            m.apply(next)
            try await (existing == nil ? m.create(on: db) : m.update(on: db))
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: M.Entry.entity,
                                        entityID: entry.id.uuidString, changes: FieldChange.diff(before, m.auditFields), audit: audit)
            return next
        }
    }

    public func experts(search: String?, specialty: Specialty?, page: Paging, scope: Scope) async throws -> Paged<Expert> {
        guard scope.isRegulator else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let q = ExpertModel.query(on: store.database)
        if let text = search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            q.group(.or) { g in
                g.filter(.sql(LikeMatch(column: "name", pattern: pattern)))
                g.filter(.sql(LikeMatch(column: "employer", pattern: pattern)))
            }
        }
        if let specialty { q.filter(.sql(LikeMatch(column: "specialties", pattern: "%\"\(specialty.rawValue)\"%"))) }
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$name).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    public func allExperts() async throws -> [Expert] {
        try await ExpertModel.query(on: store.database).all().map { try $0.domain() }
    }

    public func expert(id: UUID, scope: Scope) async throws -> Expert? {
        guard scope.isRegulator else { return nil }
        return try await ExpertModel.find(id, on: store.database)?.domain()
    }

    public func saveExpert(_ e: Expert, expectedVersion: Int?, scope: Scope, audit: AuditContext) async throws -> Expert {
        // The pool is the city's: only the city's scope writes it.
        guard scope == .city else { throw DomainError.forbidden(permission: .expertPoolManage) }
        return try await save(e, as: ExpertModel.self, expectedVersion: expectedVersion, audit: audit) { _ in }
    }
}
