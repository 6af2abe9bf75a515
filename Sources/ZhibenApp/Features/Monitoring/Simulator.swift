import Foundation
import Vapor
import ZhibenDomain

/// Drives the demo enterprises' monitoring points (those the demo gave them) through the ingest (`TelemetryService`, as each
/// enterprise's gateway would with its key), so that the demo's monitoring pages are alive. `serve`
/// runs it on a demo database unless `ZHIBEN_SIMULATE=false`.
struct Simulator: Sendable {
    let services: ZhibenServices
    /// The simulated gateways: at most this many enterprises, so the demo stays light on a small machine.
    static let maxEnterprises = 60

    /// One round: every point whose interval has passed since `last` sends the readings due up to `now`.
    /// Returns how many readings were accepted.
    func step(from last: Date, to now: Date) async throws -> Int {
        let byEnterprise = try await services.monitoring.demoPoints(enterprises: Self.maxEnterprises)
        var accepted = 0
        for (enterprise, list) in byEnterprise {
            var raw: [RawReading] = []
            for p in list {
                raw += DemoSignal(point: p).readings(after: last, upTo: now, limit: TelemetryRules.maxReadings - raw.count)
            }
            guard !raw.isEmpty else { continue }
            let gateway = Caller(kind: .apiKey, id: nil, username: "simulator", role: .enterpriseUser, scope: .enterprise(enterprise))
            accepted += try await services.telemetry.ingest(raw, actor: gateway).accepted
        }
        return accepted
    }
}

/// Runs the simulator every 10 seconds once `serve` has started on a demo database; stops with the app.
final class SimulatorJob: LifecycleHandler, @unchecked Sendable {
    private var task: Task<Void, Never>?

    /// Starts the rounds when the database holds the demo (its expert accounts).
    func start(_ app: Application) async throws {
        let services = app.zhiben
        let logger = app.logger
        guard task == nil, try await services.accounts.hasDemoAccounts() else { return }
        logger.notice("simulating the demo enterprises' monitoring gateways (ZHIBEN_SIMULATE=false turns this off)")
        task = Task {
            let simulator = Simulator(services: services)
            var last = services.clock.now().addingTimeInterval(-60)
            while !Task.isCancelled {
                let now = services.clock.now()
                do {
                    _ = try await simulator.step(from: last, to: now)
                    last = now
                } catch {
                    logger.report(error: error)
                }
                try? await Task.sleep(for: .seconds(10))
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
    }
}

extension Application {
    private struct SimulatorKey: StorageKey { typealias Value = SimulatorJob }

    /// The simulator, when `ZHIBEN_SIMULATE` allows it.
    var simulator: SimulatorJob? {
        get { storage[SimulatorKey.self] }
        set { storage[SimulatorKey.self] = newValue }
    }
}
