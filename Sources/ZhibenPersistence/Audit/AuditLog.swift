import Crypto
import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

final class AuditEntryModel: Model, @unchecked Sendable {
    static let schema = "audit_log"

    @ID(custom: "seq", generatedBy: .user) var id: Int64?
    @Field(key: "at_ms") var atMillis: Int64
    @Field(key: "actor_kind") var actorKind: String
    @Field(key: "actor_username") var actorUsername: String
    @Field(key: "action") var action: String
    @Field(key: "entity_type") var entityType: String
    @Field(key: "entity_id") var entityID: String
    /// JSON of `[FieldChange]`, stored as the exact text that was hashed.
    @Field(key: "changes") var changes: String
    @OptionalField(key: "origin") var origin: String?
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}

    func domain() -> AuditEntry {
        let decoded = (try? JSONDecoder().decode([FieldChange].self, from: Data(changes.utf8))) ?? []
        return AuditEntry(seq: id ?? 0, at: Date(timeIntervalSince1970: Double(atMillis) / 1000), actorKind: actorKind,
                          actorUsername: actorUsername, action: action, entityType: entityType, entityID: entityID,
                          changes: decoded, origin: origin, prevHash: prevHash, hash: hash)
    }
}

/// The audit entries one write of a group has made so far (kept until the group writes them).
final class PendingAudit: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(event: AuditChain.Event, audit: AuditContext)] = []

    func add(_ more: [(event: AuditChain.Event, audit: AuditContext)]) {
        lock.withLock { items += more }
    }

    var entries: [(event: AuditChain.Event, audit: AuditContext)] { lock.withLock { items } }
}

/// The append-only audit log. Each row carries the SHA-256 of the previous row's hash and its own
/// content, so an edited, inserted or deleted row breaks the chain where it happened.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    static func hash(seq: Int64, atMillis: Int64, actorKind: String, actorUsername: String, action: String,
                     entityType: String, entityID: String, changes: String, origin: String?, prevHash: String) -> String {
        let canonical = [String(seq), String(atMillis), actorKind, actorUsername, action, entityType, entityID, changes,
                         origin ?? "", prevHash].joined(separator: "\u{1F}")
        return hex(SHA256.hash(data: Data(canonical.utf8)))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal of a digest.
    static func hex(_ digest: SHA256.Digest) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hash(of m: AuditEntryModel) -> String {
        hash(seq: m.id ?? 0, atMillis: m.atMillis, actorKind: m.actorKind, actorUsername: m.actorUsername, action: m.action,
             entityType: m.entityType, entityID: m.entityID, changes: m.changes, origin: m.origin, prevHash: m.prevHash)
    }

    /// The exact text of `changes` that is stored and hashed, with an encoder from `changesEncoder()`
    /// (one for a batch of entries).
    static func encode(_ changes: [FieldChange], with encoder: JSONEncoder) -> String {
        String(decoding: (try? encoder.encode(changes)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func changesEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// What one entry records, before it is numbered and chained.
    struct Event {
        var action: String
        var entityType: String
        var entityID: String
        var changes: [FieldChange]
    }

    /// Appends one entry. Must run inside `Store.write`, which makes the caller the only writer.
    static func append(on db: any Database, action: String, entityType: String, entityID: String,
                       changes: [FieldChange], audit: AuditContext) async throws {
        try await appendAll(on: db, [Event(action: action, entityType: entityType, entityID: entityID, changes: changes)], audit: audit)
    }

    /// The entries of the write running now, when it runs in a group (`GroupCommitter`): they are
    /// chained and inserted with the group's other entries at its end, one statement for the group.
    @TaskLocal static var pending: PendingAudit?

    /// Appends entries in order: to the running write's pending entries inside a group, else at once.
    static func appendAll(on db: any Database, _ events: [Event], audit: AuditContext) async throws {
        guard !events.isEmpty else { return }
        if let pending {
            pending.add(events.map { ($0, audit) })
        } else {
            try await write(events.map { ($0, audit) }, on: db)
        }
    }

    /// Chains and inserts entries in order, reading the head of the chain once. Plain SQL: every audited
    /// write passes here, inside its group's serialised commit.
    static func write(_ entries: [(event: Event, audit: AuditContext)], on db: any Database) async throws {
        guard !entries.isEmpty else { return }
        let sql = db as! any SQLDatabase
        struct Head: Decodable { let seq: Int64; let hash: String }
        let last = try await sql.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first(decoding: Head.self)
        var seq = last?.seq ?? 0
        var prev = last?.hash ?? genesis
        let encoder = changesEncoder()
        for chunk in stride(from: 0, to: entries.count, by: 200) {
            var insert: SQLQueryString = """
                INSERT INTO audit_log (seq, at_ms, actor_kind, actor_username, action, entity_type, entity_id, changes, origin, prev_hash, hash) VALUES
                """
            for (i, (e, audit)) in entries[chunk..<min(chunk + 200, entries.count)].enumerated() {
                seq += 1
                let atMillis = Int64((audit.at.timeIntervalSince1970 * 1000).rounded())
                let actorKind = audit.actor.kind.rawValue
                let actorUsername = audit.actor.username
                let origin = audit.origin.map { String($0.prefix(100)) }
                let changes = encode(e.changes, with: encoder)
                let hash = hash(seq: seq, atMillis: atMillis, actorKind: actorKind, actorUsername: actorUsername, action: e.action,
                                entityType: e.entityType, entityID: e.entityID, changes: changes, origin: origin, prevHash: prev)
                insert += (i == 0 ? " " : ", ")
                    + "(\(bind: seq), \(bind: atMillis), \(bind: actorKind), \(bind: actorUsername), \(bind: e.action), \(bind: e.entityType), "
                    + "\(bind: e.entityID), \(bind: changes), \(bind: origin), \(bind: prev), \(bind: hash))"
                prev = hash
            }
            try await sql.raw(insert).run()
        }
    }

    /// Walks the whole chain in order and names the first row that does not fit.
    static func verify(on db: any Database) async throws -> AuditVerification {
        var expectedPrev = genesis
        var expectedSeq: Int64 = 1
        var count = 0
        var offset = 0
        let batch = 5_000
        while true {
            let rows = try await AuditEntryModel.query(on: db).sort(\.$id, .ascending).range(offset..<(offset + batch)).all()
            for m in rows {
                let seq = m.id ?? 0
                if seq != expectedSeq {
                    let missing = seq - 1 == expectedSeq ? "row \(expectedSeq) is missing" : "rows \(expectedSeq)–\(seq - 1) are missing"
                    return .broken(seq: seq, reason: seq > expectedSeq ? missing + " (deleted)" : "row \(seq) is out of sequence (inserted)")
                }
                if m.prevHash != expectedPrev {
                    return .broken(seq: seq, reason: "row \(seq) does not follow row \(seq - 1): previous-hash mismatch (row \(seq - 1) deleted, replaced or inserted)")
                }
                if hash(of: m) != m.hash {
                    return .broken(seq: seq, reason: "row \(seq) was edited: its content no longer matches its hash")
                }
                expectedPrev = m.hash
                expectedSeq += 1
                count += 1
            }
            if rows.count < batch { break }
            offset += batch
        }
        return .ok(count: count)
    }
}

public struct FluentAuditRepository: AuditRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func append(action: AuditAction, entityType: String, entityID: String, changes: [FieldChange], audit: AuditContext) async throws {
        try await store.write { db in
            try await AuditChain.append(on: db, action: action.rawValue, entityType: entityType, entityID: entityID,
                                        changes: changes, audit: audit)
        }
    }

    public func list(_ q: AuditQuery) async throws -> Paged<AuditEntry> {
        let query = AuditEntryModel.query(on: store.database)
        if let a = q.actor, !a.isEmpty { query.filter(\.$actorUsername == a) }
        if let a = q.action, !a.isEmpty { query.filter(\.$action == a) }
        if let t = q.entityType, !t.isEmpty { query.filter(\.$entityType == t) }
        if let i = q.entityID, !i.isEmpty { query.filter(\.$entityID == i) }
        if let f = q.from { query.filter(\.$atMillis >= Int64(f.timeIntervalSince1970 * 1000)) }
        if let t = q.to { query.filter(\.$atMillis < Int64(t.timeIntervalSince1970 * 1000)) }
        let total = try await query.copy().rowCount()
        let rows = try await query.sort(\.$id, .descending).range(q.page.offset..<(q.page.offset + q.page.per)).all()
        return Paged(items: rows.map { $0.domain() }, page: q.page.page, per: q.page.per, total: total)
    }

    public func verify() async throws -> AuditVerification {
        try await AuditChain.verify(on: store.database)
    }

    public func head() async throws -> Int64 {
        try await store.sql.raw("SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1").first()?.decode(column: "seq", as: Int64.self) ?? 0
    }
}
