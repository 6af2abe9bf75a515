import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import ZhibenDomain
import ZhibenPersistence

/// A migrated, empty database for one test: an SQLite file, or a fresh PostgreSQL database when
/// ZHIBEN_TEST_POSTGRES_URL names a server.
public final class TestStore: @unchecked Sendable {
    public let databases: Databases
    public let store: Store
    private let cleanup: @Sendable () async throws -> Void

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ZHIBEN_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func make() async throws -> TestStore {
        let group = MultiThreadedEventLoopGroup.singleton
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: group)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let engine: Store.Engine
        var cleanup: @Sendable () async throws -> Void = {}
        var sqlitePath: String?
        if let url = postgresURL {
            let name = "zt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await PostgresAdmin.run(url: url, sql: "CREATE DATABASE \(name)")
            var config = try SQLPostgresConfiguration(url: url)
            config.coreConfiguration.database = String(name)
            config.coreConfiguration.tls = .disable
            databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: 2, connectionPoolTimeout: .seconds(60)), as: .psql)
            engine = .postgres
            cleanup = { try await PostgresAdmin.run(url: url, sql: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        } else {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("zt-\(UUID().uuidString).sqlite").path
            databases.use(.sqlite(.file(path)), as: .sqlite)
            sqlitePath = path
            engine = .sqlite
            cleanup = {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let db = databases.database(logger: logger, on: group.any())!
        let migrations = FluentKit.Migrations()
        migrations.add(ZhibenPersistence.Migrations.all)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: group.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
        guard engine == .sqlite, let path = sqlitePath else {
            return TestStore(databases: databases, store: Store(database: db, engine: engine), cleanup: cleanup)
        }
        try await (db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
        // As `serve` opens it: the store reads and writes on connections of its own, called directly.
        let writer = try SQLiteDirectConnection(path: path)
        let readers = try SQLiteReaderPool(path: path, count: 2)
        let context = db.context
        let store = Store(engine: .sqlite, provider: { SQLiteDirectDatabase(connection: readers, context: context) },
                          writer: { SQLiteDirectDatabase(connection: writer, context: context) })
        let removeFiles = cleanup
        return TestStore(databases: databases, store: store, cleanup: {
            writer.close()
            readers.close()
            try await removeFiles()
        })
    }

    private init(databases: Databases, store: Store, cleanup: @escaping @Sendable () async throws -> Void) {
        self.databases = databases
        self.store = store
        self.cleanup = cleanup
    }

    public func close() async throws {
        await databases.shutdownAsync()
        try await cleanup()
    }

    /// Runs `body` with a fresh store and always closes it.
    public static func with(_ body: (TestStore) async throws -> Void) async throws {
        let s = try await make()
        do { try await body(s) } catch {
            try? await s.close()
            throw error
        }
        try await s.close()
    }
}

public enum PostgresAdmin {
    /// A fresh, empty database on the server for one test: its URL, and how to drop it.
    public static func freshDatabase(url: String) async throws -> (url: String, drop: @Sendable () async throws -> Void) {
        let name = "zt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await run(url: url, sql: "CREATE DATABASE \(name)")
        guard var parts = URLComponents(string: url) else { throw URLError(.badURL) }
        parts.path = "/" + name
        return (parts.string!, { try await run(url: url, sql: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// Runs one statement on the server's maintenance database.
    public static func run(url: String, sql: String) async throws {
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        var config = try SQLPostgresConfiguration(url: url)
        config.coreConfiguration.tls = .disable
        databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: 1), as: .psql)
        let db = databases.database(logger: Logger(label: "admin"), on: MultiThreadedEventLoopGroup.singleton.any())!
        do {
            try await (db as! any SQLDatabase).raw(SQLQueryString(stringLiteral: sql)).run()
        } catch {
            await databases.shutdownAsync()
            throw error
        }
        await databases.shutdownAsync()
    }
}

public enum Fixtures {
    public static let now = ChinaTime.parseDay("2026-06-01")!
    public static let audit = AuditContext(actor: .system, at: now, origin: "test")

    public static func enterprise(_ profile: EnterpriseProfile) -> Enterprise {
        Enterprise(id: UUID(), profile: profile, computedGrade: Classifier.classify(profile, now: now).grade, createdAt: now, updatedAt: now)
    }

    /// Demo enterprises: a realistic spread over counties.
    public static func seed(_ store: Store, count: Int = 120) async throws -> [Enterprise] {
        let list = DemoData.enterprises(count: count).map(enterprise)
        try await FluentEnterpriseRepository(store: store).createAll(list, audit: audit)
        return list
    }
}
