import Foundation

/// Plausible readings for a demo point: a level inside its limits with noise and a daily cycle, slow
/// drift, now and then an excursion past a limit that lasts a few minutes, a sensor stuck on one value,
/// and gateways that drop out for a while. Deterministic for a point and a time, so a restart goes on
/// where it left off.
public struct DemoSignal: Sendable {
    public let point: MonitoringPoint

    public init(point: MonitoringPoint) { self.point = point }

    /// A hash of the point and an integer, as a fraction in [0, 1).
    func noise(_ n: Int64, _ salt: UInt64) -> Double {
        var x = UInt64(bitPattern: n) &* 0x9E37_79B9_7F4A_7C15 ^ salt
        let u = point.id.uuid
        x ^= UInt64(u.0) << 56 | UInt64(u.3) << 40 | UInt64(u.7) << 24 | UInt64(u.11) << 8 | UInt64(u.15)
        x ^= x >> 33; x &*= 0xFF51_AFD7_ED55_8CCD; x ^= x >> 33; x &*= 0xC4CE_B9FE_1A85_EC53; x ^= x >> 33
        return Double(x >> 11) / Double(1 << 53)
    }

    /// The normal band: between the low and high limits where both are set; around one of them otherwise.
    var band: (low: Double, high: Double) {
        let l = point.limits
        let low = l.low ?? l.lowLow
        let high = l.high ?? l.highHigh
        switch (low, high) {
        case let (lo?, hi?): return (lo, hi)
        case let (lo?, nil): return (lo, lo * 1.6 + 1)
        case let (nil, hi?): return (hi * 0.35, hi)
        case (nil, nil): return (0, 100)
        }
    }

    /// Whether the gateway is silent at `t`: a few half-hour dropouts a week, per point.
    public func silent(at t: Date) -> Bool {
        let slot = Int64(t.timeIntervalSince1970 / 1800)
        return noise(slot, 0xD0) < 0.004
    }

    /// The reading at `t` (nil while the gateway is silent). `forceExcursion`: past its gravest limit
    /// (or in its abnormal state) whatever the time, and never silent. `steady`: inside its limits
    /// (or normal) whatever the time, and never silent.
    public func reading(at t: Date, forceExcursion: Bool = false, steady: Bool = false) -> Reading? {
        guard forceExcursion || steady || !silent(at: t) else { return nil }
        let seconds = t.timeIntervalSince1970
        // An excursion: one ten-minute window in about four hundred.
        let window = Int64(seconds / 600)
        let excursion = forceExcursion || (!steady && noise(window, 0xE1) < 0.0025)
        switch point.kind {
        case .state:
            let abnormal = point.limits.abnormalStates.first ?? "fault"
            return Reading(pointID: point.id, ts: t, state: excursion ? abnormal : "normal")
        case .analog, .counter:
            let (lo, hi) = band
            let span = max(hi - lo, 0.001)
            let day = sin(seconds / 86_400 * 2 * .pi) * 0.12
            let drift = (noise(Int64(seconds / 21_600), 0xD1) - 0.5) * 0.15
            let jitter = (noise(Int64(seconds), 0xA2) - 0.5) * 0.08
            // A stuck sensor repeats the value of the start of its hour.
            let stuck = noise(Int64(seconds / 3600), 0x57) < 0.003
            var v = lo + span * (0.5 + day + drift + (stuck ? 0 : jitter))
            if excursion {
                let up = point.limits.high != nil || point.limits.highHigh != nil
                let target = up ? (point.limits.highHigh ?? hi) : (point.limits.lowLow ?? lo)
                v = target + (up ? 1 : -1) * span * 0.05
            }
            let rounded = (v * 100).rounded() / 100
            return Reading(pointID: point.id, ts: t, value: point.kind == .counter ? max(0, rounded.rounded()) : rounded)
        }
    }

    /// What the point's gateway sends for the times on its reporting grid after `last`, up to `now`, at
    /// most `limit`, as the ingest takes them.
    public func readings(after last: Date, upTo now: Date, limit: Int, forceExcursion: Bool = false, steady: Bool = false) -> [RawReading] {
        var out: [RawReading] = []
        let every = TimeInterval(max(point.interval, 1))
        var t = (last.timeIntervalSince1970 / every).rounded(.down) * every + every
        while t <= now.timeIntervalSince1970, out.count < limit {
            if let r = reading(at: Date(timeIntervalSince1970: t), forceExcursion: forceExcursion, steady: steady) {
                out.append(RawReading(point: point.code, ts: ISOTime.string(r.ts), value: r.value.map(RawReading.Value.number) ?? r.state.map(RawReading.Value.text)))
            }
            t += every
        }
        return out
    }
}
