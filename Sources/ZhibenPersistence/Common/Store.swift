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
    private let writerProvider: @Sendable () -> any Database
    public let engine: Engine
    /// SQLite allows one writer; a deferred transaction that reads first and writes second fails at
    /// once (not after waiting) when another connection writes meanwhile. Writes queue here instead.
    private let writeGate = AsyncGate()
    /// Audited writes wait here for their group's commit (see `write`).
    private var committer: GroupCommitter { groups.committer! }
    private let groups = CommitterBox()
    /// The readings' log, head and blocks (see `ReadingLog`).
    var readingLog: ReadingLog { groups.readingLog! }
    /// What the operators' figures read: waits for the write gate, the last checkpoint.
    public let stats = StoreStats()

    /// Always the same database handle (tests).
    public init(database: any Database, engine: Engine) {
        provider = { database }
        writerProvider = { database }
        self.engine = engine
        groups.committer = GroupCommitter { [unowned self] in await self.commit($0) }
        groups.readingLog = ReadingLog(store: self)
    }

    /// A fresh handle for each use, from `provider`. `writer`, when given, is the connection that writes
    /// (SQLite: a connection of its own, so that pages never queue behind a group's transaction).
    public init(engine: Engine, provider: @escaping @Sendable () -> any Database, writer: (@Sendable () -> any Database)? = nil) {
        self.provider = provider
        self.writerProvider = writer ?? provider
        self.engine = engine
        groups.committer = GroupCommitter { [unowned self] in await self.commit($0) }
        groups.readingLog = ReadingLog(store: self)
    }

    public var sql: any SQLDatabase { database as! any SQLDatabase }

    /// Writes the readings held in memory out as blocks and empties their log (at a clean stop, so
    /// that the next start has no log to read back; on PostgreSQL unless another instance is doing it).
    public func flushReadings() async throws {
        try await readingLog.flush()
    }

    /// Runs `body` in one transaction: all of it is stored, or none. Answered once committed.
    ///
    /// Audited writes are committed in groups (`GroupCommitter`): the writes that arrive while one group
    /// commits share the next group's transaction and its one fsync, and one failing does not fail the
    /// others (it is undone alone, see `GroupCommitter.run`). On PostgreSQL each group holds the audit chain's lock (shared by
    /// every app instance) from its start to its commit, so the chain has one head and each write's reads
    /// and compare-and-set see the writes committed before it. A write may run twice (when another of its
    /// group fails, see `GroupCommitter.run`): `body` touches nothing but the database.
    public func write<T: Sendable>(_ body: @Sendable @escaping (any Database) async throws -> T) async throws -> T {
        try await committer.submit { db in try await body(db) } as! T
    }

    /// Commits one group of audited writes and answers each of them.
    private func commit(_ group: [GroupCommitter.Job]) async {
        if engine == .sqlite { await writeGate.enter() }
        let started = ContinuousClock.now
        if engine == .sqlite { for job in group { stats.waited(started - job.queued) } }
        let outcomes: Result<[Result<any Sendable, any Error>], any Error>
        do {
            let database = writerProvider()
            // SQLite: the group's transaction holds nothing else, so the group runs without a savepoint
            // of its own and, when one of its writes fails, again one by one in a new transaction.
            let together: GroupCommitter.Mode = engine == .postgres ? .savepoint : .bare
            let transaction: @Sendable (GroupCommitter.Mode) async throws -> [Result<any Sendable, any Error>] = { mode in
                try await Self.transaction(on: database) { tx in
                    if self.engine == .postgres {
                        // Serialises writers across app instances, so the audit chain has one head.
                        try await (tx as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(141100)").run()
                        let locked = ContinuousClock.now
                        for job in group { self.stats.waited(locked - job.queued) }
                    }
                    return try await GroupCommitter.run(group, on: tx, mode: mode)
                }
            }
            do {
                outcomes = .success(try await run { try await transaction(together) })
            } catch is OneByOne {
                outcomes = .success(try await run { try await transaction(.oneByOne) })
            }
        } catch {
            outcomes = .failure(error)
        }
        if engine == .sqlite { await writeGate.leave() }
        stats.grouped(group.count)
        switch outcomes {
        case .success(let each):
            for (job, outcome) in zip(group, each) { job.done.resume(with: outcome) }
        case .failure(let error):
            for job in group { job.done.resume(throwing: error) }
        }
    }

    /// Runs `body` in one transaction without the audit chain's lock: bulk data that is not audited
    /// (readings). On SQLite writers still take turns, as the file allows one at a time.
    public func bulkWrite<T: Sendable>(_ body: @Sendable @escaping (any Database) async throws -> T) async throws -> T {
        if engine == .sqlite { await writeGate.enter() }
        do {
            let database = writerProvider()
            let transaction: @Sendable () async throws -> T = { try await Self.transaction(on: database) { tx in try await body(tx) } }
            let result = try await run(transaction)
            if engine == .sqlite { await writeGate.leave() }
            return result
        } catch {
            if engine == .sqlite { await writeGate.leave() }
            throw error
        }
    }

    /// Runs `body`'s one statement on its own, outside any transaction (PostgreSQL commits it alone),
    /// without the audit chain's lock: bulk data that is not audited (the readings' log, see `ReadingLog`).
    public func bulkStatement<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws -> T {
        let database = writerProvider()
        return try await run { try await body(database as! any SQLDatabase) }
    }

    /// One transaction on `database`; on SQLite's writing connection without futures (see `SQLiteDirectDatabase`).
    private static func transaction<T: Sendable>(on database: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let writer = database as? SQLiteDirectDatabase { return try await writer.transaction(body) }
        return try await database.transaction(body)
    }

    /// On PostgreSQL a transaction is given up if an outage cuts its connection (`releasedOnOutage`); a
    /// SQLite file has no connection to lose.
    private func run<T: Sendable>(_ transaction: @Sendable @escaping () async throws -> T) async throws -> T {
        engine == .postgres ? try await stats.releasedOnOutage(transaction) : try await transaction()
    }

    /// SQLite: copies what the write-ahead log holds into the database file without waiting for readers
    /// or writers (PASSIVE). Once a checkpoint has copied the whole log, the next commit starts the
    /// log over from its beginning, so the file does not keep growing.
    public func checkpoint() async throws {
        guard engine == .sqlite else { return }
        struct Row: Decodable { let busy: Int; let log: Int; let checkpointed: Int }
        let row = try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").first(decoding: Row.self)
        stats.checkpointed(behind: row.map { max(0, $0.log - $0.checkpointed) } ?? 0, at: Date())
    }

    /// Whether the database answers.
    public func ping() async -> Bool {
        do {
            try await sql.raw("SELECT 1").run()
            return true
        } catch { return false }
    }
}

/// Holds the store's committer, which is made once the store exists (it calls back into it).
final class CommitterBox: @unchecked Sendable {
    var committer: GroupCommitter?
    var readingLog: ReadingLog?
}

/// A write given up because the database went away while it ran.
public struct StoreUnavailable: Error {}

/// The first of several results to arrive; later ones are dropped.
actor Once<T: Sendable> {
    private var result: Result<T, any Error>?
    private var waiting: [CheckedContinuation<Result<T, any Error>, Never>] = []

    func finish(with r: Result<T, any Error>) {
        guard result == nil else { return }
        result = r
        for w in waiting { w.resume(returning: r) }
        waiting = []
    }

    func value() async -> Result<T, any Error> {
        if let result { return result }
        return await withCheckedContinuation { waiting.append($0) }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Counters kept by the store for the operators' figures (`/metrics`).
public final class StoreStats: @unchecked Sendable {
    private let lock = NSLock()
    private var writes = 0
    private var groups = 0
    private var waitSeconds = 0.0
    private var framesBehind = 0
    private var lastCheckpoint: Date?
    /// When the database was last found unreachable.
    private var outageLast: ContinuousClock.Instant?
    /// Writes in flight on PostgreSQL: when each began, and how to give it up.
    private var inFlight: [UUID: (started: ContinuousClock.Instant, giveUp: @Sendable () async -> Void)] = [:]
    private var sweepScheduled = false

    /// How long a write that began before (or during) an outage may still run: a connection cut by a
    /// database that went away does not always fail the query waiting on it.
    static let outageGrace: Duration = .seconds(5)

    /// Someone found the database unreachable just now: writes running longer than `outageGrace` are
    /// given up then, and again every `outageGrace` while the outage lasts (seen again within 30 s).
    public func noteOutage() {
        let schedule = lock.withLock { () -> Bool in
            outageLast = .now
            guard !sweepScheduled else { return false }
            sweepScheduled = true
            return true
        }
        if schedule { Task { await sweep() } }
    }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.outageGrace)
            let now = ContinuousClock.now
            let (stale, again) = lock.withLock { () -> ([@Sendable () async -> Void], Bool) in
                let stale = inFlight.values.filter { now - $0.started > Self.outageGrace }.map(\.giveUp)
                let again = outageLast.map { now - $0 < .seconds(30) } ?? false
                if !again { sweepScheduled = false }
                return (stale, again)
            }
            for giveUp in stale { await giveUp() }
            guard again else { return }
        }
    }

    /// Runs `op`; if an outage is seen while it runs and it is still running `outageGrace` later, the
    /// caller is answered `StoreUnavailable` (the write is most likely lost with its connection; if it
    /// commits after all, it was simply not acknowledged). Costs nothing while the database is healthy,
    /// and a healthy write is never cut, however long.
    func releasedOnOutage<T: Sendable>(_ op: @Sendable @escaping () async throws -> T) async throws -> T {
        let id = UUID()
        let once = Once<T>()
        lock.withLock { inFlight[id] = (.now, { await once.finish(with: .failure(StoreUnavailable())) }) }
        defer { lock.withLock { _ = inFlight.removeValue(forKey: id) } }
        Task { await once.finish(with: await Result(catching: { try await op() })) }
        return try await once.value().get()
    }

    func waited(_ d: Duration) {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        lock.withLock { writes += 1; waitSeconds += s }
    }

    /// A group of audited writes was committed (or failed) together.
    func grouped(_ writes: Int) {
        lock.withLock { groups += 1 }
    }

    func checkpointed(behind frames: Int, at: Date) {
        lock.withLock { framesBehind = frames; lastCheckpoint = at }
    }

    /// Audited writes so far, the seconds they waited for the write gate (SQLite) or the audit chain's
    /// lock (PostgreSQL), the write-ahead log's frames not yet copied back at the last checkpoint, and when
    /// that was (SQLite under `serve`).
    public var snapshot: (writes: Int, groups: Int, waitSeconds: Double, framesBehind: Int, lastCheckpoint: Date?) {
        lock.withLock { (writes, groups, waitSeconds, framesBehind, lastCheckpoint) }
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
