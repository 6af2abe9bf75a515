import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Metrics
import Prometheus
import Vapor
import ZhibenDomain
import ZhibenPersistence

/// Builds the application: database, services, middleware, routes and commands. Tests call the same function.
public func configure(_ app: Application, config: AppConfig, clock: any WallClock = SystemClock()) async throws {
    // `zhiben simulate` is an HTTP client of another server: it opens no database file of its own.
    let command = app.environment.arguments.dropFirst().first
    let clientOnly = command == "simulate"
    // Only `serve` runs the scheduled jobs and holds engine leases; other commands (and tests) do neither.
    let serving = app.environment != .testing && (command == nil || command == "serve" || command?.hasPrefix("-") == true)
    let engine: Store.Engine
    switch config.database {
    case .sqlite(let path):
        app.databases.use(.sqlite(clientOnly ? .memory : .file(path)), as: .sqlite)
        engine = .sqlite
    case .postgres(let url):
        // Several connections per event loop: ingest commits do not wait on each other (only audited
        // writes queue, on the audit chain's lock), and pages read while they run.
        app.databases.use(.postgres(configuration: try PostgresSSLMode.configuration(url: url), maxConnectionsPerEventLoop: config.databaseConnections), as: .psql)
        engine = .postgres
    }
    app.migrations.add(Migrations.all)

    let (databases, loops, logger) = (app.databases, app.eventLoopGroup, app.logger)
    // After shutdown the databases answer nil: a late reader (a stream still closing) then gets the pool
    // it had, which fails its query with an error instead of stopping the process.
    let lastKnown = databases.database(logger: logger, on: loops.any())!
    // SQLite: the store's connections, called directly (see `SQLiteDirectConnection`): the one that
    // writes, its own, so that reads never queue behind a write's transaction, and a pool that reads.
    // Closed last when the application stops.
    var writer: (@Sendable () -> any Database)?
    var reader: (@Sendable () -> any Database) = { databases.database(logger: logger, on: loops.any()) ?? lastKnown }
    if case .sqlite(let path) = config.database, !clientOnly {
        let connection = try SQLiteDirectConnection(path: path)
        // Reads too: one connection more than the cores, statements handed to each in turn.
        let readers = try SQLiteReaderPool(path: path, count: System.coreCount + 1)
        // Checkpoints under `serve`: see below (the writer has its own rule).
        if serving { for c in readers.connections { try c.run("PRAGMA wal_autocheckpoint = 0", []) { _ in } } }
        let context = lastKnown.context
        writer = { SQLiteDirectDatabase(connection: connection, context: context) }
        reader = { SQLiteDirectDatabase(connection: readers, context: context) }
        app.lifecycle.use(WriterCloser(connection: connection, readers: readers))
    }
    let store = Store(engine: engine, provider: reader, writer: writer)
    if engine == .sqlite, !clientOnly {
        // WAL lets pages read while a write commits; the setting lives in the file. synchronous=FULL (the
        // default) makes every acknowledged commit durable.
        try await store.sql.raw("PRAGMA journal_mode=WAL").run()
        // Each event loop holds one connection (migrations and commands), and the store has its own
        // (`SQLiteDirectConnection`, which sets its page cache itself). A page cache of 32 MB (SQLite's
        // default is 2 MB) on each loop's too.
        let loopConnections = app.eventLoopGroup.makeIterator().map { app.databases.database(.sqlite, logger: app.logger, on: $0)! as! any SQLDatabase }
        for db in loopConnections {
            try await db.raw("PRAGMA cache_size = -32000").run()
            // Checkpoints (copying the write-ahead log back into the file) run beside the commits, not
            // inside them: `serve` checkpoints every second (below), and the store's writer copies a
            // long log back between two writes (`SQLiteDirectConnection.keepLogShort`, its own rule
            // instead of SQLite's). A closing process checkpoints too.
            if serving { try await db.raw("PRAGMA wal_autocheckpoint = 0").run() }
        }
    }
    app.zhiben = ZhibenServices(config: config, store: store, clock: clock, threadPool: app.threadPool, logger: app.logger)

    app.routes.defaultMaxBodySize = ByteCount(value: config.maxBodyBytes)
    // Gzip bodies (gateways on mobile links) are inflated as they arrive; the body limit then answers 413
    // for an inflated body over it, at any compression ratio. Only a body inflating past four times the
    // limit (a decompression bomb) has its connection closed instead.
    app.http.server.configuration.requestDecompression = .enabled(limit: .size(config.maxBodyBytes * 4))
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = 8080

    Metrics.bootstrapOnce()

    app.middleware = Middlewares()
    app.middleware.use(ServerTimingMiddleware())
    app.middleware.use(RouteLoggingMiddleware(logLevel: .debug))
    app.middleware.use(ProblemMiddleware(environment: app.environment))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(PublicFilesMiddleware(publicDirectory: Resources.publicDirectory))

    // Background jobs run under `serve` only: another command (seed-demo, create-user …) ends while a job
    // could be halfway through a write.
    if serving {
        // A standardization certificate that runs out changes the grade without anyone editing the record.
        app.lifecycle.use(PeriodicJob("supervision grades refreshed", every: .seconds(6 * 3600)) { try await $0.enterprises.refreshGrades() })
        // Enterprises and counties hear once of each hazard that runs past its deadline.
        app.lifecycle.use(PeriodicJob("overdue hazards announced", every: .seconds(15 * 60)) { try await $0.hazards.sweepOverdue() })
        // A monitoring point silent for three of its intervals raises an offline alarm; an alarm nobody
        // acknowledges goes to the county, then to the city.
        app.lifecycle.use(PeriodicJob("alarms raised for silence or escalated", every: .seconds(15)) {
            try await $0.alarms.tick() + $0.alarms.escalate()
        })
        // Each enterprise's engine runs on one instance: its lease is renewed every second, a stopped
        // instance's enterprises pass to another, and batches waiting for the engine are evaluated.
        app.lifecycle.use(PeriodicJob("batches of readings evaluated from storage", every: .seconds(1)) { try await $0.alarms.coordinate() })
        // An active alarm on a confined space's gas monitoring points suspends the space's open permits.
        // An open permit past its window lapses.
        app.lifecycle.use(PeriodicJob("permits suspended for their spaces' alarms, lapsed past their window", every: .seconds(5)) {
            try await $0.permits.sweepOpenPermits()
        })
        if engine == .sqlite {
            app.lifecycle.use(PeriodicJob("write-ahead log checkpointed", every: .seconds(1)) {
                try await $0.store.checkpoint()
                return 0
            })
        }
        // Raw readings past their retention go (whole days on PostgreSQL); the coming days get their room.
        app.lifecycle.use(PeriodicJob("raw readings kept to their retention", every: .seconds(3600)) {
            try await $0.telemetry.maintain()
            return 0
        })
        // A demo database's gateways, simulated.
        if config.simulate {
            let job = SimulatorJob()
            app.simulator = job
            app.lifecycle.use(job)
        }
    }

    // Open alarm streams end before the server waits for its connections to finish.
    app.lifecycle.use(AlarmFeedCloser(releasesLeases: serving))

    try routes(app)
    app.middleware.use(MethodNotAllowedMiddleware(routes: app.routes))

    app.asyncCommands.use(SeedDemoCommand(), as: "seed-demo")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(CreateAPIKeyCommand(), as: "create-api-key")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(DrawCommand(), as: "draw")
    app.asyncCommands.use(SimulateCommand(), as: "simulate")
    app.asyncCommands.use(ZhibenServeCommand(), as: "serve", isDefault: true)
}

/// Bundled files: public assets and the API document.
enum Resources {
    /// The copied `Resources` folder inside the bundle (bundlePath, since Foundation on Linux may
    /// already report that folder itself as the resource path).
    static let root: String = Bundle.module.bundlePath + "/Resources"
    static var publicDirectory: String { root + "/Public/" }
    static var openAPIPath: String { root + "/openapi.yaml" }
}

struct AlarmFeedCloser: LifecycleHandler {
    /// Only a serving process holds engine leases to give back; a command (`simulate`, `create-user` …)
    /// touches no lease, nor a database it was not asked to use.
    let releasesLeases: Bool

    func shutdownAsync(_ app: Application) async {
        await app.zhiben.alarms.feed.close()
        // Another instance takes this one's enterprises at once instead of after the leases expire.
        if releasesLeases {
            do { try await app.zhiben.alarms.release() } catch { app.logger.report(error: error) }
            do { try await app.zhiben.store.flushReadings() } catch { app.logger.report(error: error) }
        }
    }
}

/// A job the server runs on a schedule while serving, off under `.testing` (where tests call the same
/// service methods with their own clock). Its first run waits one interval: `serve` does the work once
/// at start, after migrating.
final class PeriodicJob: LifecycleHandler, @unchecked Sendable {
    let name: String
    let interval: Duration
    let work: @Sendable (ZhibenServices) async throws -> Int
    private var task: Task<Void, Never>?

    init(_ name: String, every interval: Duration, _ work: @escaping @Sendable (ZhibenServices) async throws -> Int) {
        self.name = name
        self.interval = interval
        self.work = work
    }

    func didBootAsync(_ app: Application) async throws {
        let services = app.zhiben
        let logger = app.logger
        let (name, interval, work) = (name, interval, work)
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                do {
                    let n = try await work(services)
                    if n > 0 { logger.notice("\(name): \(n)") }
                } catch {
                    logger.report(error: error)
                }
            }
        }
    }

    /// Stops the job and waits for a run in progress to end, before the databases close.
    func shutdownAsync(_ app: Application) async {
        task?.cancel()
        await task?.value
    }
}

/// Closes the store's SQLite connections (the writing one and the reading pool) when the application
/// stops. Registered before every job, so it runs after them (handlers stop in the reverse order): no
/// write is left to run on them.
struct WriterCloser: LifecycleHandler {
    let connection: SQLiteDirectConnection
    let readers: SQLiteReaderPool

    func shutdownAsync(_ app: Application) async {
        connection.close()
        readers.close()
    }
}
