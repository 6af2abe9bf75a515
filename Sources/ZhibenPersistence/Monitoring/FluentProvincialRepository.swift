import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

/// One row per enterprise linked to the provincial interface; its id is the enterprise's.
final class ProvincialLinkModel: Model, @unchecked Sendable {
    static let schema = "provincial_links"

    @ID(key: .id) var id: UUID?
    @Field(key: "county_code") var countyCode: String
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "qybm") var qybm: String
    /// The DES key the gateways encrypt with: needed in clear to decrypt, never shown whole.
    @Field(key: "des_key") var key: String
    /// Provincial point code → point code, as JSON.
    @Field(key: "points") var points: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "updated_by") var updatedBy: String
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ l: ProvincialLink) {
        id = l.enterpriseID
        countyCode = l.countyCode
        enterpriseName = l.enterpriseName
        qybm = l.qybm
        key = l.key
        points = JSONColumn.encode(l.points) ?? "{}"
        updatedAt = l.updatedAt
        updatedBy = l.updatedBy
        version = l.version
    }

    func domain() throws -> ProvincialLink {
        ProvincialLink(enterpriseID: try requireID(), countyCode: countyCode, enterpriseName: enterpriseName, qybm: qybm, key: key,
                       points: JSONColumn.decode(points, as: [String: String].self) ?? [:], updatedAt: updatedAt, updatedBy: updatedBy, version: version)
    }
}

final class GatewayEventModel: Model, @unchecked Sendable {
    static let schema = "gateway_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @OptionalField(key: "point_code") var pointCode: String?
    @Field(key: "oname") var oname: String
    @Field(key: "ts") var ts: Date
    @Field(key: "value") var value: String
    @Field(key: "code") var code: Int
    @Field(key: "threshold") var threshold: String
    @Field(key: "content") var content: String
    @Field(key: "received_at") var receivedAt: Date

    init() {}

    func domain() throws -> GatewayEvent {
        GatewayEvent(id: try requireID(), enterpriseID: enterpriseID, countyCode: countyCode, pointCode: pointCode, oname: oname, ts: ts, value: value,
                     code: code, threshold: threshold, content: content, receivedAt: receivedAt)
    }
}

public struct FluentProvincialRepository: ProvincialLinkRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func find(enterpriseID: UUID, scope: Scope) async throws -> ProvincialLink? {
        let q = ProvincialLinkModel.query(on: store.database).filter(\.$id == enterpriseID)
        switch scope {
        case .city: break
        case .county(let c): q.filter(\.$countyCode == c)
        case .enterprise(let own): guard own == enterpriseID else { return nil }
        case .assigned: return nil
        }
        return try await q.first()?.domain()
    }

    public func find(qybm: String) async throws -> ProvincialLink? {
        try await ProvincialLinkModel.query(on: store.database).filter(\.$qybm == qybm).first()?.domain()
    }

    public func save(_ link: ProvincialLink, expectedVersion: Int?, audit: AuditContext) async throws -> ProvincialLink {
        try await store.write { db in
            // The other enterprise is not named: it may be outside the caller's jurisdiction.
            if try await ProvincialLinkModel.query(on: db).filter(\.$qybm == link.qybm).filter(\.$id != link.enterpriseID).rowCount() > 0 {
                throw DomainError.conflict(FieldIssue(field: "qybm", zh: "企业编码 \(link.qybm) 已登记给另一家企业，请核对",
                                                      en: "the enterprise code \(link.qybm) is registered to another enterprise; check it"))
            }
            let existing = try await ProvincialLinkModel.find(link.enterpriseID, on: db)
            let before = try existing?.domain()
            if let expectedVersion, expectedVersion != (before?.version ?? 0) {
                throw DomainError.staleVersion(entity: "provincial link", expected: expectedVersion, current: before?.version ?? 0)
            }
            let m = existing ?? ProvincialLinkModel()
            m.apply(link)
            if existing == nil { try await m.create(on: db) } else { try await m.update(on: db) }
            var changes: [FieldChange] = []
            if before?.qybm != link.qybm { changes.append(FieldChange(field: "qybm", before: before?.qybm, after: link.qybm)) }
            // The key itself never goes into the log.
            if before?.key != link.key { changes.append(FieldChange(field: "key", before: before.map { _ in "(old)" }, after: "(new)")) }
            let mapping = { (p: [String: String]) in p.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
            if before.map({ mapping($0.points) }) != mapping(link.points) {
                changes.append(FieldChange(field: "points", before: before.map { mapping($0.points) }, after: mapping(link.points)))
            }
            try await AuditChain.append(on: db, action: (existing == nil ? AuditAction.create : AuditAction.update).rawValue, entityType: "provincial-link",
                                        entityID: link.enterpriseID.uuidString, changes: changes, audit: audit)
            return link
        }
    }

    public func record(_ events: [GatewayEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        // Like readings, gateway events are data, not audited acts: one statement per 500, repeats skipped.
        return try await store.bulkWrite { db in
            let sql = db as! any SQLDatabase
            var stored = 0
            for chunk in stride(from: 0, to: events.count, by: 500) {
                var q: SQLQueryString = "INSERT INTO gateway_events (id, enterprise_id, county_code, point_code, oname, ts, value, code, threshold, content, received_at) VALUES "
                for (i, e) in events[chunk..<min(chunk + 500, events.count)].enumerated() {
                    q += (i == 0 ? "" : ", ") + "(\(bind: e.id), \(bind: e.enterpriseID), \(bind: e.countyCode), \(bind: e.pointCode), \(bind: e.oname), \(bind: e.ts), \(bind: e.value), \(bind: e.code), \(bind: e.threshold), \(bind: e.content), \(bind: e.receivedAt))"
                }
                q += " ON CONFLICT (enterprise_id, oname, ts, code) DO NOTHING RETURNING id"
                struct Row: Decodable { let id: UUID }
                stored += try await sql.raw(q).all(decoding: Row.self).count
            }
            return stored
        }
    }

    public func events(enterpriseID: UUID, scope: Scope, page: Paging) async throws -> Paged<GatewayEvent> {
        guard let q = ScopedQuery.of(GatewayEventModel.self, scope, on: store.database, county: \.$countyCode, enterprise: \.$enterpriseID) else {
            return Paged(items: [], page: page.page, per: page.per, total: 0)
        }
        q.filter(\.$enterpriseID == enterpriseID)
        let total = try await q.copy().rowCount()
        let rows = try await q.sort(\.$ts, .descending).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }
}
