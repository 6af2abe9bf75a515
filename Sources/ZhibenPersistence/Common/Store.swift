import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

/// The database behind every repository, and the one way to write to it.
public final class Store: Sendable {
    public enum Engine: String, Sendable { case sqlite, postgres }

    /// A handle on the pool of one event loop, a different loop each time: the work spreads over every
    /// loop's connections instead of queueing for one.
    public var database: any Database { provider() }
    private let provider: @Sendable () -> any Database
    public let engine: Engine
    /// SQLite allows one writer; a deferred transaction that reads first and writes second fails at
    /// once (not after waiting) when another connection writes meanwhile. Writes queue here instead.
    private let writeGate = AsyncGate()

    /// Always the same database handle (tests).
    public init(database: any Database, engine: Engine) {
        provider = { database }
        self.engine = engine
    }

    /// A fresh handle for each use, from `provider`.
    public init(engine: Engine, provider: @escaping @Sendable () -> any Database) {
        self.provider = provider
        self.engine = engine
    }

    public var sql: any SQLDatabase { database as! any SQLDatabase }

    /// Runs `body` in one transaction: all of it is stored, or none.
    public func write<T: Sendable>(_ body: @Sendable @escaping (any Database) async throws -> T) async throws -> T {
        if engine == .sqlite { await writeGate.enter() }
        do {
            let result = try await database.transaction { tx in
                if self.engine == .postgres {
                    // Serialises writers across app instances, so the audit chain has one head.
                    try await (tx as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(141100)").run()
                }
                return try await body(tx)
            }
            if engine == .sqlite { await writeGate.leave() }
            return result
        } catch {
            if engine == .sqlite { await writeGate.leave() }
            throw error
        }
    }

    /// Runs `body` in one transaction without the audit chain's lock: bulk data that is not audited
    /// (readings). On SQLite writers still take turns, as the file allows one at a time.
    public func bulkWrite<T: Sendable>(_ body: @Sendable @escaping (any Database) async throws -> T) async throws -> T {
        if engine == .sqlite { await writeGate.enter() }
        do {
            let result = try await database.transaction { tx in try await body(tx) }
            if engine == .sqlite { await writeGate.leave() }
            return result
        } catch {
            if engine == .sqlite { await writeGate.leave() }
            throw error
        }
    }

    /// SQLite: copies what the write-ahead log holds into the database file without waiting for readers
    /// or writers (PASSIVE). Once a checkpoint has copied the whole log, the next commit starts the
    /// log over from its beginning, so the file does not keep growing.
    public func checkpoint() async throws {
        guard engine == .sqlite else { return }
        try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").run()
    }

    /// Whether the database answers.
    public func ping() async -> Bool {
        do {
            try await sql.raw("SELECT 1").run()
            return true
        } catch { return false }
    }
}

/// Comma-delimited set stored in one column (",dust,gas,"), so "contains" is a portable LIKE.
enum TagSet {
    static func encode<T: RawRepresentable>(_ values: some Sequence<T>) -> String where T.RawValue == String {
        let raws = values.map(\.rawValue).sorted()
        return raws.isEmpty ? "" : "," + raws.joined(separator: ",") + ","
    }

    static func decode<T: RawRepresentable>(_ text: String, as: T.Type) -> Set<T> where T.RawValue == String {
        Set(text.split(separator: ",").compactMap { T(rawValue: String($0)) })
    }

    static func pattern(_ raw: String) -> String { "%,\(raw),%" }
}

/// Escapes LIKE wildcards in user text, for use inside a `LikeMatch` pattern.
func likeEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
}

/// `column LIKE pattern ESCAPE '\'`. SQLite has no default escape character, so without the clause a
/// pattern escaped by `likeEscaped` never matches text containing `_` or `%`; PostgreSQL's default is the
/// same backslash, so the clause changes nothing there.
struct LikeMatch: SQLExpression {
    let column: String
    let pattern: String

    func serialize(to serializer: inout SQLSerializer) {
        SQLColumn(column).serialize(to: &serializer)
        serializer.write(" LIKE ")
        SQLBind(pattern).serialize(to: &serializer)
        serializer.write(" ESCAPE '\\'")
    }
}

/// The jurisdiction filter for records that carry their enterprise and its county. Nil: the scope sees
/// nothing of them (an expert's assignments are hazards only).
enum ScopedQuery {
    static func of<M: Model>(_ type: M.Type, _ scope: Scope, on db: any Database, county: KeyPath<M, FieldProperty<M, String>>,
                             enterprise: KeyPath<M, FieldProperty<M, UUID>>) -> QueryBuilder<M>? {
        let q = M.query(on: db)
        switch scope {
        case .city: return q
        case .county(let c): return q.filter(county == c)
        case .enterprise(let id): return q.filter(enterprise == id)
        case .assigned: return nil
        }
    }
}
