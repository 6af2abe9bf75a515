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
    let engine: Store.Engine
    switch config.database {
    case .sqlite(let path):
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
        engine = .sqlite
    case .postgres(let url):
        app.databases.use(.postgres(configuration: try PostgresSSLMode.configuration(url: url)), as: .psql)
        engine = .postgres
    }
    app.migrations.add(Migrations.all)

    let store = Store(database: app.db, engine: engine)
    if engine == .sqlite {
        // WAL lets pages read while a write commits; the setting lives in the file. synchronous=FULL (the
        // default) makes every acknowledged commit durable.
        try await store.sql.raw("PRAGMA journal_mode=WAL").run()
    }
    app.zhiben = ZhibenServices(config: config, store: store, clock: clock, threadPool: app.threadPool, logger: app.logger)

    app.routes.defaultMaxBodySize = ByteCount(value: config.maxBodyBytes)
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = 8080

    Metrics.bootstrapOnce()

    app.middleware = Middlewares()
    app.middleware.use(ServerTimingMiddleware())
    app.middleware.use(RouteLoggingMiddleware(logLevel: .debug))
    app.middleware.use(ProblemMiddleware(environment: app.environment))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: Resources.publicDirectory, defaultFile: nil))

    if app.environment != .testing {
        app.lifecycle.use(GradeRefresher())
        app.lifecycle.use(OverdueSweeper())
    }

    try routes(app)
    app.middleware.use(MethodNotAllowedMiddleware(routes: app.routes))

    app.asyncCommands.use(SeedDemoCommand(), as: "seed-demo")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(CreateAPIKeyCommand(), as: "create-api-key")
    app.asyncCommands.use(AuditCommand(), as: "audit")
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

/// Prometheus registry shared by the process: swift-metrics allows one bootstrap per process.
enum Metrics {
    nonisolated(unsafe) private static var bootstrapped = false
    private static let lock = NSLock()
    static let registry = PrometheusCollectorRegistry()

    static func bootstrapOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard !bootstrapped else { return }
        bootstrapped = true
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    static func render() -> String {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Re-grades enterprises every few hours while serving, so a certificate that runs out changes the
/// grade without anyone editing the record. Off under `.testing`, where tests call it directly.
final class GradeRefresher: LifecycleHandler, @unchecked Sendable {
    static let interval: Duration = .seconds(6 * 3600)
    private var task: Task<Void, Never>?

    func didBootAsync(_ app: Application) async throws {
        let services = app.zhiben
        let logger = app.logger
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                if Task.isCancelled { break }
                do {
                    let n = try await services.enterprises.refreshGrades()
                    if n > 0 { logger.notice("supervision grades refreshed: \(n) enterprises changed") }
                } catch {
                    logger.report(error: error)
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
    }
}

/// Tells enterprises and counties, once, of each hazard that runs past its deadline, every 15 minutes
/// (`serve` also sweeps once at start, after migrating). Off under `.testing`, where tests call `HazardService.sweepOverdue` with their own clock.
final class OverdueSweeper: LifecycleHandler, @unchecked Sendable {
    static let interval: Duration = .seconds(15 * 60)
    private var task: Task<Void, Never>?

    func didBootAsync(_ app: Application) async throws {
        let services = app.zhiben
        let logger = app.logger
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                if Task.isCancelled { break }
                do {
                    let n = try await services.hazards.sweepOverdue()
                    if n > 0 { logger.notice("overdue hazards announced: \(n)") }
                } catch {
                    logger.report(error: error)
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
    }
}
