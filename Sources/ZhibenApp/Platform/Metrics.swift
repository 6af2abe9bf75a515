import Foundation
import Metrics
import Prometheus
import ZhibenDomain
import ZhibenPersistence

/// The figures at `/metrics`, in Prometheus's text format: the HTTP figures every request records, the
/// readings taken, and what the alarm engine and the store hold, read at each scrape. Every metric
/// carries `# HELP` and `# TYPE` (`promtool check metrics` passes). One registry per process:
/// swift-metrics allows one bootstrap.
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
        // The readings' counters exist from the start, at zero, before the first batch arrives.
        for outcome in ["accepted", "duplicate", "rejected"] { _ = readings(outcome) }
    }

    /// What the HTTP figures recorded by the framework mean (it registers them without help).
    static let help: [String: String] = [
        "http_requests_total": "HTTP requests answered, by method, route and status.",
        "http_request_duration_seconds": "Time to answer an HTTP request, by method, route and status.",
    ]

    // MARK: readings

    private static func readings(_ outcome: String) -> Prometheus.Counter {
        registry.makeCounter(name: "zhiben_readings_total", labels: [("outcome", outcome)],
                             help: "Monitoring readings received, by outcome: accepted (stored), duplicate (stored before), rejected (refused with a reason).")
    }
    private static let batchSeconds = registry.makeValueHistogram(
        name: "zhiben_ingest_batch_seconds", buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        help: "Time to take one batch of readings: checked, stored durably, evaluated by the alarm engine.")

    static func ingested(_ r: IngestResult, seconds: TimeInterval) {
        readings("accepted").increment(by: Int64(r.accepted))
        readings("duplicate").increment(by: Int64(r.duplicates))
        readings("rejected").increment(by: Int64(r.rejections.count))
        batchSeconds.record(seconds)
    }

    // MARK: read at each scrape

    private static func gauge(_ name: String, _ labels: [(String, String)] = [], help: String) -> Prometheus.Gauge {
        registry.makeGauge(name: name, labels: labels, help: help)
    }

    static func refresh(_ services: ZhibenServices) async throws {
        let f = try await OperationsFigures.read(services.store, owner: services.alarms.owner)
        for level in AlarmLevel.allCases.map(\.rawValue) {
            let l = [("level", String(level))]
            gauge("zhiben_alarms_raised", l, help: "Alarms raised and stored so far, by level (1 gravest).").set(Double(f.alarmsRaised[level] ?? 0))
            gauge("zhiben_alarms_open", l, help: "Alarms not yet closed or verified, by level.").set(Double(f.alarmsOpen[level] ?? 0))
            gauge("zhiben_alarms_unacknowledged", l, help: "Alarms nobody has acknowledged yet, by level.").set(Double(f.alarmsUnacknowledged[level] ?? 0))
        }
        let escalations = "Alarms told to the county's or the city's officers because nobody acknowledged them in time, by tier."
        gauge("zhiben_alarm_escalations", [("tier", "county")], help: escalations).set(Double(f.escalatedToCounty))
        gauge("zhiben_alarm_escalations", [("tier", "city")], help: escalations).set(Double(f.escalatedToCity))
        gauge("zhiben_pending_evaluations", help: "Batches of readings stored and waiting for their enterprise's alarm engine.").set(Double(f.pendingEvaluations))
        gauge("zhiben_engine_leases_held", help: "Enterprises whose alarm engine this instance runs.").set(Double(f.leasesHeld))
        let s = services.store.stats.snapshot
        gauge("zhiben_audited_writes", help: "Audited writes committed or tried by this instance since it started.").set(Double(s.writes))
        gauge("zhiben_audited_write_groups", help: "Commits that held this instance's audited writes since it started (writes committed together share one).").set(Double(s.groups))
        gauge("zhiben_write_gate_wait_seconds", help: "Seconds audited writes of this instance have waited for their turn (SQLite's single writer, or the audit chain's lock on PostgreSQL), in all.").set(s.waitSeconds)
        gauge("zhiben_checkpoint_frames_behind", help: "SQLite: write-ahead log frames not yet copied back into the database file at the last checkpoint.").set(Double(s.framesBehind))
        gauge("zhiben_checkpoint_age_seconds", help: "SQLite under serve: seconds since the last checkpoint of the write-ahead log (0 when none ran).")
            .set(s.lastCheckpoint.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
    }

    /// The text a scrape reads, each metric with its help.
    static func render(_ services: ZhibenServices) async throws -> String {
        try await refresh(services)
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return withHelp(String(decoding: buffer, as: UTF8.self))
    }

    /// Adds `# HELP` before each `# TYPE` that has none (the framework's HTTP figures).
    static func withHelp(_ text: String) -> String {
        var out: [Substring] = []
        var helped = Set<Substring>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# HELP ") { helped.insert(line.dropFirst(7).prefix { $0 != " " }) }
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if !helped.contains(name) {
                    out.append(Substring("# HELP \(name) \(help[String(name)] ?? "See the operations section of the README.")"))
                    helped.insert(name)
                }
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}
