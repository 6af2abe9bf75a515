import FluentKit
import Foundation
import NIOCore
import NIOPosix
import SQLiteNIO
import SQLKit
import Testing
@testable import ZhibenPersistence

/// The SQLite connections the store calls directly (`SQLiteDirectConnection`, `SQLiteReaderPool`), on a
/// file of their own, beside what SQLiteNIO reads from the same file.
@Suite("SQLite called directly")
struct SQLiteDirectTests {
    static func withFile(_ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zd-\(UUID().uuidString).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        try await body(path)
    }

    static func rows(_ runner: any SQLiteStatementRunner, _ sql: String, _ binds: [SQLiteData] = []) throws -> [SQLiteDirectRow] {
        nonisolated(unsafe) var rows: [SQLiteDirectRow] = []
        try runner.run(sql, binds) { rows.append($0) }
        return rows
    }

    @Test("values go in and come back as stored; a kept statement is bound afresh on each use")
    func values() async throws {
        try await Self.withFile { path in
            let writer = try SQLiteDirectConnection(path: path)
            defer { writer.close() }
            try writer.run("CREATE TABLE t (i INTEGER, f REAL, s TEXT, b BLOB, n TEXT)", []) { _ in }
            let insert = "INSERT INTO t (i, f, s, b, n) VALUES (?, ?, ?, ?, ?)"
            for i in 0..<3 {
                try writer.run(insert, [.integer(i), .float(Double(i) + 0.5), .text("第\(i)行\u{0}尾"), .blob(ByteBuffer(bytes: [UInt8(i), 0, 255])), .null]) { _ in }
            }
            let rows = try Self.rows(writer, "SELECT * FROM t WHERE i >= ? ORDER BY i", [.integer(1)])
            #expect(rows.map { try! $0.decode(column: "i", as: Int.self) } == [1, 2])
            #expect(try rows[0].decode(column: "f", as: Double.self) == 1.5)
            #expect(try rows[1].decode(column: "s", as: String.self) == "第2行\u{0}尾", "text is read by its length, past a NUL")
            #expect(try rows[1].decode(column: "b", as: Data.self) == Data([2, 0, 255]))
            #expect(try rows[0].decodeNil(column: "n"))
            #expect(!rows[0].contains(column: "missing"))
            #expect(throws: (any Error).self) { try rows[0].decode(column: "missing", as: Int.self) }
            // The same text again, other values: the kept statement answers for the new ones only.
            #expect(try Self.rows(writer, "SELECT * FROM t WHERE i >= ? ORDER BY i", [.integer(2)]).count == 1)
        }
    }

    @Test("a failed statement names SQLite's reason, counts as a constraint failure where it is one, and leaves the connection usable")
    func failures() async throws {
        try await Self.withFile { path in
            let writer = try SQLiteDirectConnection(path: path)
            defer { writer.close() }
            try writer.run("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)", []) { _ in }
            let insert = "INSERT INTO u (name) VALUES (?)"
            try writer.run(insert, [.text("a")]) { _ in }
            do {
                try writer.run(insert, [.text("a")]) { _ in }
                Issue.record("a duplicate was stored")
            } catch let error as SQLiteDirectError {
                #expect(error.isConstraintFailure)
                #expect(error.message.contains("UNIQUE"), "\(error)")
            }
            try writer.run(insert, [.text("b")]) { _ in }
            do {
                try writer.run("SELEC nothing", []) { _ in }
                Issue.record("bad SQL ran")
            } catch let error as SQLiteDirectError {
                #expect(error.isSyntaxError && !error.isConstraintFailure)
            }
            #expect(try Self.rows(writer, "SELECT count(*) AS n FROM u")[0].decode(column: "n", as: Int.self) == 2)
            writer.close()
            #expect(throws: SQLiteDirectError.self) { try writer.run("SELECT 1", []) { _ in } }
        }
    }

    @Test("a transaction through Fluent's interface commits or rolls back whole; the reading pool sees commits only and refuses transactions")
    func transactions() async throws {
        try await Self.withFile { path in
            let writer = try SQLiteDirectConnection(path: path)
            let readers = try SQLiteReaderPool(path: path, count: 2)
            defer { writer.close(); readers.close() }
            try writer.run("PRAGMA journal_mode=WAL", []) { _ in }
            try writer.run("CREATE TABLE v (x INTEGER)", []) { _ in }
            let loop = MultiThreadedEventLoopGroup.singleton.any()
            let context = DatabaseContext(configuration: NoConfiguration(), logger: .init(label: "test"), eventLoop: loop)
            let db = SQLiteDirectDatabase(connection: writer, context: context)
            let read = SQLiteDirectDatabase(connection: readers, context: context)
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await db.transaction { tx in
                    try await (tx as! any SQLDatabase).raw("INSERT INTO v (x) VALUES (1)").run()
                    // Not committed yet: no reader sees it.
                    #expect(try await read.raw("SELECT count(*) AS n FROM v").first(decoding: Count.self)?.n == 0)
                    throw Refused()
                }
            }
            #expect(!writer.inTransaction)
            try await db.transaction { tx in try await (tx as! any SQLDatabase).raw("INSERT INTO v (x) VALUES (2)").run() }
            for _ in 0..<4 { // each reading connection in turn
                #expect(try await read.raw("SELECT sum(x) AS n FROM v").first(decoding: Count.self)?.n == 2)
            }
            await #expect(throws: (any Error).self) { try await read.transaction { _ in } }
        }
    }

    @Test("once the log is long, the writer copies it back and the next commit starts it over (it does not keep growing)")
    func logKeptShort() async throws {
        try await Self.withFile { path in
            let writer = try SQLiteDirectConnection(path: path)
            defer { writer.close() }
            try writer.run("PRAGMA journal_mode=WAL", []) { _ in }
            try writer.run("CREATE TABLE big (b BLOB)", []) { _ in }
            try writer.run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) INSERT INTO big SELECT zeroblob(4000) FROM c", []) { _ in }
            #expect(writer.logFrames >= SQLiteDirectConnection.longLog)
            let before = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as! Int
            writer.keepLogShort()
            try writer.run("INSERT INTO big VALUES (zeroblob(10))", []) { _ in }
            #expect(writer.logFrames < 10, "the commit after the copy writes at the log's start")
            #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as! Int == before)
            #expect(try Self.rows(writer, "SELECT count(*) AS n FROM big")[0].decode(column: "n", as: Int.self) == 5001)
            // A short log is left alone.
            writer.keepLogShort()
            try writer.run("INSERT INTO big VALUES (zeroblob(10))", []) { _ in }
            #expect(writer.logFrames >= 2)
        }
    }

    struct Count: Decodable { let n: Int }

    struct NoConfiguration: DatabaseConfiguration {
        var middleware: [any AnyModelMiddleware] = []
        func makeDriver(for databases: Databases) -> any DatabaseDriver { fatalError("not used") }
    }
}
