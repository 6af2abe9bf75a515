import Foundation
import Vapor
import ZhibenDomain

/// `zhiben simulate`: a stand-in for enterprises' monitoring gateways, over HTTP like a real one. With
/// each API key it reads that enterprise's points (`GET /api/v1/monitoring-points`) and sends their
/// readings (`POST /api/v1/telemetry`) every few seconds: the demo's plausible signals, or, for the
/// points named with `--excursion`, values past their gravest limit, and for those named with
/// `--steady`, values inside their limits with no dropout.
struct SimulateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "url", help: "The Zhiben server, e.g. http://127.0.0.1:8080") var url: String?
        @Option(name: "key", help: "API key(s) of the enterprises to simulate, comma-separated (zhiben create-api-key).") var key: String?
        @Option(name: "keys-file", help: "A file with one API key per line.") var keysFile: String?
        @Option(name: "every", help: "Seconds between rounds (default 10).") var every: Int?
        @Option(name: "rounds", help: "Stop after this many rounds (default: run until interrupted).") var rounds: Int?
        @Option(name: "backfill", help: "Seconds of history the first round sends (default 60).") var backfill: Int?
        @Option(name: "excursion", help: "Point code(s), comma-separated, whose readings go past their gravest limit.") var excursion: String?
        @Option(name: "steady", help: "Point code(s), comma-separated, whose readings stay inside their limits and never drop out.") var steady: String?
        init() {}
    }

    var help: String { "Simulates enterprises' monitoring gateways against a running server, through its HTTP API with their API keys." }

    struct PointsPage: Decodable {
        var items: [MonitoringPointDTO]
        var total: Int
    }

    struct Outgoing: Encodable {
        struct Item: Encodable {
            var point: String
            var ts: String
            var value: RawValue
        }
        enum RawValue: Encodable {
            case number(Double), text(String)
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                switch self { case .number(let d): try c.encode(d); case .text(let s): try c.encode(s) }
            }
        }
        var readings: [Item]
    }

    struct Answer: Decodable {
        var accepted: Int
        var duplicates: Int
        var rejected: Int
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let base = signature.url.map({ $0.hasSuffix("/") ? String($0.dropLast()) : $0 }), base.hasPrefix("http") else {
            throw AppConfig.ConfigError.invalid("--url", "is required, e.g. http://127.0.0.1:8080")
        }
        var keys = (signature.key ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let file = signature.keysFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw AppConfig.ConfigError.invalid("--keys-file", "cannot be read") }
            keys += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        keys = keys.filter { !$0.isEmpty }
        guard !keys.isEmpty else { throw AppConfig.ConfigError.invalid("--key", "at least one API key is required (--key or --keys-file)") }
        let every = signature.every ?? 10
        guard every >= 1 else { throw AppConfig.ConfigError.invalid("--every", "must be at least 1") }
        func codes(_ list: String?) -> Set<String> { Set((list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let (forced, steady) = (codes(signature.excursion), codes(signature.steady))
        if let both = forced.intersection(steady).first {
            throw AppConfig.ConfigError.invalid("--steady", "\(both) is also named in --excursion")
        }
        let client = context.application.client
        var last = Date().addingTimeInterval(-Double(signature.backfill ?? 60))
        var points: [String: [MonitoringPoint]] = [:]
        var round = 0
        while signature.rounds.map({ round < $0 }) ?? true {
            round += 1
            // Point definitions are read again every ten rounds, so new points and limits are picked up.
            if round % 10 == 1 {
                for key in keys { points[key] = try await Self.points(base: base, key: key, client: client) }
            }
            let now = Date()
            var totals = (accepted: 0, duplicates: 0, rejected: 0)
            for key in keys {
                var items: [Outgoing.Item] = []
                for p in points[key] ?? [] where p.active {
                    for r in DemoSignal(point: p).readings(after: last, upTo: now, limit: TelemetryRules.maxReadings - items.count,
                                                            forceExcursion: forced.contains(p.code), steady: steady.contains(p.code)) {
                        guard let ts = r.ts, let v = r.value else { continue }
                        items.append(Outgoing.Item(point: p.code, ts: ts, value: { if case .number(let d) = v { .number(d) } else if case .text(let s) = v { .text(s) } else { .text("") } }()))
                    }
                }
                guard !items.isEmpty else { continue }
                let res = try await client.post(URI(string: base + APIRoute.telemetry.path()), headers: ["Authorization": "Bearer \(key)"]) {
                    try $0.content.encode(Outgoing(readings: items), as: .json)
                }
                guard res.status == .ok, let a = try? res.content.decode(Answer.self) else {
                    throw Abort(res.status, reason: "telemetry answered \(res.status.code): \(res.body.map { String(buffer: $0) } ?? "")")
                }
                totals = (totals.accepted + a.accepted, totals.duplicates + a.duplicates, totals.rejected + a.rejected)
            }
            last = now
            context.console.print("\(ISOTime.string(now)) round \(round): accepted \(totals.accepted), duplicates \(totals.duplicates), rejected \(totals.rejected)")
            if signature.rounds.map({ round < $0 }) ?? true { try await Task.sleep(for: .seconds(every)) }
        }
    }

    /// The points the key's enterprise has, read page by page.
    static func points(base: String, key: String, client: any Client) async throws -> [MonitoringPoint] {
        var out: [MonitoringPoint] = []
        var page = 1
        while true {
            let res = try await client.get(URI(string: base + APIRoute.monitoringPoints.path() + "?per=\(Paging.maxPer)&page=\(page)"), headers: ["Authorization": "Bearer \(key)"])
            guard res.status == .ok else {
                throw Abort(res.status, reason: "monitoring-points answered \(res.status.code) for key \(key.prefix(8))…: \(res.body.map { String(buffer: $0) } ?? "")")
            }
            let p = try res.content.decode(PointsPage.self)
            out += p.items.compactMap(\.domain)
            guard p.items.count == Paging.maxPer, out.count < p.total else { return out }
            page += 1
        }
    }
}

extension MonitoringPointDTO {
    /// The point as the simulator needs it.
    var domain: MonitoringPoint? {
        guard let k = MonitoringPoint.Kind(rawValue: kind) else { return nil }
        return MonitoringPoint(id: id, enterpriseID: enterpriseId, countyCode: countyCode, enterpriseName: enterpriseName, code: code, name: name,
                               indicator: indicator, equipment: equipment, unit: unit, kind: k, interval: interval, limits: limits.domain,
                               active: active, createdAt: Date(), updatedAt: Date(), version: version)
    }
}
