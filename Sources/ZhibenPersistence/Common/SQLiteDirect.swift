import FluentKit
import FluentSQL
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLiteKit
import SQLKit
import VaporCSQLite

/// What runs one statement on SQLite directly: the writing connection, or the pool of reading ones.
public protocol SQLiteStatementRunner: Sendable {
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteDirectRow) -> Void) throws
    /// The one connection transactions open on; nil for the pool, whose statements go to any of its
    /// connections.
    var writer: SQLiteDirectConnection? { get }
}

/// A SQLite connection called directly: the store's one writing connection, and each of its reading ones
/// (`SQLiteReaderPool`).
///
/// Every write of a SQLite file already takes turns (`Store`'s write gate), so the connection that
/// writes never serves two callers at once. Through SQLiteNIO each statement crossed three threads (the
/// caller's task, the connection's event loop, the thread pool that calls the library) and was prepared
/// afresh; inside a group of audited writes, where each statement waits for the one before it, those
/// crossings were most of a group's time. Here a statement runs on the caller's own thread, and each
/// statement text is prepared once and kept (`SQLITE_PREPARE_PERSISTENT`), reset and bound again for the
/// next use.
///
/// The connection uses the same SQLite library as SQLiteNIO's (the one SQLiteNIO bundles), so the two
/// share the library's file locks; it is opened with the same flags and the same busy handler (wait
/// for a lock however long another process holds it).
public final class SQLiteDirectConnection: SQLiteStatementRunner, @unchecked Sendable {
    /// The statements kept prepared, by their text; emptied when it reaches `capacity` (texts of
    /// many-row inserts vary with their row count).
    private var prepared: [String: OpaquePointer] = [:]
    private static let capacity = 256
    private var handle: OpaquePointer?
    /// One statement at a time (for the writer the write gate already ensures it; a reading connection
    /// may be handed two at once).
    private let lock = NIOLock()

    public init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard opened == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw SQLiteDirectError(code: opened, message: "\(message): \(path)")
        }
        sqlite_nio_sqlite3_busy_handler(handle, { _, _ in 1 }, nil)
        self.handle = handle
        try run("PRAGMA foreign_keys = ON", []) { _ in }
        // A page cache of 32 MB (SQLite's default is 2 MB) keeps the indexes the lists walk in memory
        // instead of reading them again through the kernel. (A memory map saves a little more, but
        // counts the mapped file in the process's resident memory.)
        try run("PRAGMA cache_size = -32000", []) { _ in }
        // The log's length after each commit of this connection (see `keepLogShort`). This replaces
        // SQLite's own automatic checkpoint on this connection.
        sqlite_nio_sqlite3_wal_hook(handle, { context, _, _, frames in
            Unmanaged<SQLiteDirectConnection>.fromOpaque(context!).takeUnretainedValue().logFrames = frames
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Frames in the write-ahead log after this connection's last commit.
    private(set) var logFrames: Int32 = 0

    /// The log's length past which the writer copies it back into the file itself (4,000 frames of a page,
    /// about 16 MB).
    public static let longLog: Int32 = 4000

    /// Copies the write-ahead log back into the database file (a passive checkpoint) once it has grown
    /// past `longLog` frames, between two writes. The server's checkpoint each second runs beside the
    /// writes, so under a steady stream of them it never catches up with the log's end, and SQLite
    /// starts the log over from its beginning only once all of it is copied: the log then grew for as
    /// long as writes kept coming, every commit appending to new blocks of the file (the kernel zeroing
    /// and allocating each one). Run by the writer while no write can commit, the copy reaches the end,
    /// and the next commit writes over the log's first frames again.
    public func keepLogShort() {
        lock.withLock {
            guard let handle, logFrames >= Self.longLog else { return }
            logFrames = 0
            sqlite_nio_sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    deinit { close() }

    /// Finalizes the kept statements and closes the connection; later statements fail.
    public func close() {
        lock.withLock {
            for statement in prepared.values { sqlite_nio_sqlite3_finalize(statement) }
            prepared = [:]
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            handle = nil
        }
    }

    public var writer: SQLiteDirectConnection? { self }

    /// Runs one statement with its bound values, handing each row to `onRow` as it is read.
    public func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteDirectRow) -> Void) throws {
        try lock.withLock {
            guard let handle else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "the connection is closed") }
            let statement = try self.statement(sql, handle)
            defer {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            }
            for (i, value) in binds.enumerated() {
                let at = Int32(i + 1)
                let result: Int32
                switch value {
                case .integer(let v): result = sqlite_nio_sqlite3_bind_int64(statement, at, Int64(v))
                case .float(let v): result = sqlite_nio_sqlite3_bind_double(statement, at, v)
                case .text(let v): result = sqlite_nio_sqlite3_bind_text64(statement, at, v, UInt64(v.utf8.count), transient, UInt8(SQLITE_UTF8))
                case .blob(let v):
                    result = v.withUnsafeReadableBytes {
                        sqlite_nio_sqlite3_bind_blob64(statement, at, $0.baseAddress, UInt64($0.count), transient)
                    }
                case .null: result = sqlite_nio_sqlite3_bind_null(statement, at)
                }
                guard result == SQLITE_OK else { throw error(result, handle) }
            }
            var columns: SQLiteDirectRow.Columns?
            while true {
                let step = sqlite_nio_sqlite3_step(statement)
                if step == SQLITE_DONE { return }
                guard step == SQLITE_ROW else { throw error(step, handle) }
                let names = columns ?? Self.columns(of: statement)
                columns = names
                var values: [SQLiteData] = []
                values.reserveCapacity(names.names.count)
                for i in 0..<Int32(names.names.count) { values.append(Self.value(statement, i)) }
                onRow(SQLiteDirectRow(columns: names, values: values))
            }
        }
    }

    private func statement(_ sql: String, _ handle: OpaquePointer) throws -> OpaquePointer {
        if let kept = prepared[sql] { return kept }
        if prepared.count >= Self.capacity {
            for statement in prepared.values { sqlite_nio_sqlite3_finalize(statement) }
            prepared = [:]
        }
        var statement: OpaquePointer?
        let result = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw error(result, handle) }
        prepared[sql] = statement
        return statement
    }

    private func error(_ code: Int32, _ handle: OpaquePointer) -> SQLiteDirectError {
        SQLiteDirectError(code: code, message: sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown")
    }

    private static func columns(of statement: OpaquePointer) -> SQLiteDirectRow.Columns {
        let count = sqlite_nio_sqlite3_column_count(statement)
        var names: [String] = []
        for i in 0..<count { names.append(sqlite_nio_sqlite3_column_name(statement, i).map { String(cString: $0) } ?? "") }
        return SQLiteDirectRow.Columns(names: names)
    }

    private static func value(_ statement: OpaquePointer, _ i: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, i)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, i))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, i) else { return .null }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, i))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, i) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// An error of a direct connection, with SQLite's code and message.
public struct SQLiteDirectError: Error, CustomStringConvertible, DatabaseError {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
    public var isSyntaxError: Bool { code & 0xff == SQLITE_ERROR && message.contains("syntax error") }
    public var isConnectionClosed: Bool { code == SQLITE_MISUSE }
    public var isConstraintFailure: Bool { code & 0xff == SQLITE_CONSTRAINT }
}

/// One row a direct connection read.
public struct SQLiteDirectRow: SQLRow {
    /// The column names of a statement's rows, shared by its rows.
    public final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]
        init(names: [String]) {
            self.names = names
            self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    public var allColumns: [String] { columns.names }
    public func contains(column: String) -> Bool { columns.index[column] != nil }
    public func decodeNil(column: String) throws -> Bool {
        guard let i = columns.index[column] else { return true }
        return values[i] == .null
    }
    public func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let i = columns.index[column] else { throw MissingDirectColumn(column: column) }
        return try SQLiteDataDecoder().decode(D.self, from: values[i])
    }
}

struct MissingDirectColumn: Error, CustomStringConvertible {
    let column: String
    var description: String { "no column \(column) in the row" }
}

/// A direct connection (or the reading pool) as a Fluent database and a SQLKit database: what `Store`
/// hands to reads and writes on SQLite. Statements run at once on the calling thread; the futures it
/// returns are already complete. Schema changes are not run here (migrations use Fluent's connections).
public struct SQLiteDirectDatabase: Database, SQLDatabase {
    let connection: any SQLiteStatementRunner
    public let context: DatabaseContext
    public let inTransaction: Bool

    public init(connection: any SQLiteStatementRunner, context: DatabaseContext, inTransaction: Bool = false) {
        self.connection = connection
        self.context = context
        self.inTransaction = inTransaction
    }

    // MARK: Fluent

    public func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        var converted = SQLQueryConverter(delegate: DirectConverterDelegate()).convert(query)
        // As FluentSQLiteDriver does: a create answers the new row's id.
        if case .create = query.action, query.customIDKey != .some(.string("")) {
            converted = SQLKit.SQLList([converted, SQLReturning(SQLColumn((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
        }
        return execute(sql: converted) { onOutput(DirectOutput(row: $0, schema: nil)) }
    }

    public func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(SQLiteDirectError(code: SQLITE_MISUSE, message: "schema changes are not run on the store's direct connections"))
    }

    public func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededFuture(())
    }

    public func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        guard let writer = connection.writer else { return eventLoop.makeFailedFuture(SQLiteReadOnly()) }
        let tx = SQLiteDirectDatabase(connection: writer, context: context, inTransaction: true)
        do { try tx.run("BEGIN TRANSACTION") } catch { return eventLoop.makeFailedFuture(error) }
        // Completed once, on whichever thread the body's future completes.
        let promise = eventLoop.makePromise(of: T.self)
        closure(tx).whenComplete { result in
            do {
                let value = try result.get()
                try tx.run("COMMIT TRANSACTION")
                writer.keepLogShort()
                promise.succeed(value)
            } catch {
                try? tx.run("ROLLBACK TRANSACTION")
                promise.fail(error)
            }
        }
        return promise.futureResult
    }

    /// The same, without futures: BEGIN, the body, COMMIT (ROLLBACK when the body or the commit fails).
    /// After a commit the log is copied back if it has grown long (`keepLogShort`): every write of the
    /// store is such a transaction, run while no other write can commit.
    public func transaction<T: Sendable>(_ body: @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction { return try await body(self) }
        guard let writer = connection.writer else { throw SQLiteReadOnly() }
        let tx = SQLiteDirectDatabase(connection: writer, context: context, inTransaction: true)
        try tx.run("BEGIN TRANSACTION")
        do {
            let value = try await body(tx)
            try tx.run("COMMIT TRANSACTION")
            writer.keepLogShort()
            return value
        } catch {
            if writer.inTransaction { try? tx.run("ROLLBACK TRANSACTION") }
            throw error
        }
    }

    public func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    // MARK: SQLKit

    public var eventLoop: any EventLoop { context.eventLoop }
    public var logger: Logger { context.logger }
    public var dialect: any SQLDialect { SQLiteDialect() }
    public var queryLogLevel: Logger.Level? { nil }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededFuture(())
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let encoder = SQLiteDataEncoder()
        let binds = try serializer.binds.map { try encoder.encode($0) }
        try connection.run(serializer.sql, binds) { onRow($0) }
    }

    private func run(_ sql: String) throws {
        try connection.run(sql, []) { _ in }
    }
}

extension SQLiteDirectConnection {
    /// Whether a transaction is open on the connection (SQLite's autocommit mode is off).
    public var inTransaction: Bool {
        lock.withLock { handle.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }
    }
}

/// The reading connections, called directly as the writing one is: each statement goes to a connection
/// no other statement is using (statements run on the cooperative threads, one per core, so with one
/// connection more than the cores one is free), or, should all be in use, to the next in turn, where
/// it waits. They only read: a transaction is refused (writes go to `Store`).
public final class SQLiteReaderPool: SQLiteStatementRunner, @unchecked Sendable {
    public let connections: [SQLiteDirectConnection]
    /// Which connections run a statement now, and the last one handed out.
    private let state: NIOLockedValueBox<(busy: [Bool], next: Int)>

    public init(path: String, count: Int) throws {
        connections = try (0..<max(1, count)).map { _ in try SQLiteDirectConnection(path: path) }
        state = NIOLockedValueBox((busy: Array(repeating: false, count: max(1, count)), next: 0))
    }

    public var writer: SQLiteDirectConnection? { nil }

    public func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteDirectRow) -> Void) throws {
        let (i, marked) = state.withLockedValue { s -> (Int, Bool) in
            if let free = s.busy.firstIndex(of: false) {
                s.busy[free] = true
                return (free, true)
            }
            s.next = (s.next + 1) % s.busy.count
            return (s.next, false)
        }
        defer { if marked { state.withLockedValue { $0.busy[i] = false } } }
        try connections[i].run(sql, binds, onRow)
    }

    public func close() {
        for c in connections { c.close() }
    }
}

/// A transaction asked of the reading connections.
struct SQLiteReadOnly: Error, CustomStringConvertible {
    var description: String { "the reading connections do not open transactions; writes go through Store" }
}

/// What FluentSQLiteDriver's converter delegate does: SQLite's names for Fluent's column types.
private struct DirectConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string: SQLRaw("TEXT")
        case .datetime: SQLRaw("REAL")
        case .int64: SQLRaw("INTEGER")
        case .enum: SQLRaw("TEXT")
        default: nil
        }
    }
}

/// A row as Fluent reads a model from it, as FluentSQLiteDriver's output does (a schema prefixes the
/// column names of a joined model).
private struct DirectOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { String(describing: row) }

    private func column(_ key: FieldKey) -> String {
        (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description
    }

    func schema(_ schema: String) -> any DatabaseOutput { DirectOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}
