import Foundation
import Vapor
import ZhibenDomain

/// Drives the demo enterprises' monitoring points (those the demo gave them) through the ingest (`TelemetryService`, as each
/// enterprise's gateway would with its key), so that the demo's monitoring pages are alive. `serve`
/// runs it on a demo database unless `ZHIBEN_SIMULATE=false`.
struct Simulator: Sendable {
    let services: ZhibenServices
    /// The simulated gateways: this many enterprises of each county (and the showcase ones), so every
    /// county's figures and boards are alive while the demo stays light on a small machine.
    static let perCounty = 5
    /// How long a showcase point is driven past its gravest limit when the simulator starts.
    static let showcaseExcursion: TimeInterval = 180
    /// The showcase enterprises (the accounts the banner prints), reported on whatever the county's share.
    let showcase: Set<UUID>
    /// Points driven past their gravest limit until the time given: a first alarm for each showcase
    /// enterprise within the first minute or two of `serve`.
    let forced: [UUID: Date]

    /// The showcase enterprises, and the first point of each that has never raised an alarm, driven out
    /// of its limits from `now` for `showcaseExcursion`.
    static func make(_ services: ZhibenServices, now: Date) async throws -> Simulator {
        var showcase: Set<UUID> = []
        for code in DemoData.showcase(DemoData.enterprises(count: services.config.demoEnterprises)) {
            if let id = try await services.enterprises.repository.find(creditCode: code, scope: .city)?.id { showcase.insert(id) }
        }
        var forced: [UUID: Date] = [:]
        let points = try await services.monitoring.demoPoints(perCounty: 0, including: showcase)
        for list in points.values {
            guard let p = list.sorted(by: { $0.code < $1.code }).first,
                  try await services.alarms.alarms.list(AlarmQuery(pointID: p.id), page: Paging(per: 1), scope: .city).total == 0 else { continue }
            forced[p.id] = now.addingTimeInterval(showcaseExcursion)
        }
        return Simulator(services: services, showcase: showcase, forced: forced)
    }

    /// One round: every point whose interval has passed since `last` sends the readings due up to `now`.
    /// Returns how many readings were accepted.
    func step(from last: Date, to now: Date) async throws -> Int {
        let byEnterprise = try await services.monitoring.demoPoints(perCounty: Self.perCounty, including: showcase)
        var accepted = 0
        for (enterprise, list) in byEnterprise {
            var raw: [RawReading] = []
            for p in list {
                let signal = DemoSignal(point: p)
                if let until = forced[p.id], last < until {
                    raw += signal.readings(after: last, upTo: min(now, until), limit: TelemetryRules.maxReadings - raw.count, forceExcursion: true)
                    if now > until { raw += signal.readings(after: until, upTo: now, limit: TelemetryRules.maxReadings - raw.count) }
                } else {
                    raw += signal.readings(after: last, upTo: now, limit: TelemetryRules.maxReadings - raw.count)
                }
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
            var last = services.clock.now().addingTimeInterval(-60)
            let simulator: Simulator
            do {
                simulator = try await Simulator.make(services, now: last)
            } catch {
                logger.report(error: error)
                return
            }
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
