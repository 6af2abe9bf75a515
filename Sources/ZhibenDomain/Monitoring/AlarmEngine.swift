import Foundation

/// What an alarm is about, on one point: at most one active alarm per point and condition.
public enum AlarmCondition: String, Sendable, Codable, CaseIterable, Labeled {
    /// Above the high (H) or high-high (HH) limit.
    case high
    /// Below the low (L) or low-low (LL) limit.
    case low
    /// In one of the point's abnormal states.
    case state
    /// Changing faster than the point's rate-of-change limit.
    case rate
    /// Silent for three of its reporting intervals: a failed monitoring device (Art. 14, `MHC-14-00`).
    case offline

    public var zh: String {
        switch self { case .high: "超上限"; case .low: "超下限"; case .state: "异常状态"; case .rate: "变化过快"; case .offline: "离线" }
    }
    public var en: String {
        switch self { case .high: "Above limit"; case .low: "Below limit"; case .state: "Abnormal state"; case .rate: "Rate of change"; case .offline: "Offline" }
    }
}

/// How grave an alarm is. `first` is the graver: high-high, low-low, an abnormal state.
public enum AlarmLevel: Int, Sendable, Codable, CaseIterable, Comparable, Labeled {
    case first = 1
    case second = 2

    public static func < (a: Self, b: Self) -> Bool { a.rawValue > b.rawValue }
    public var zh: String { self == .first ? "一级报警" : "二级报警" }
    public var en: String { self == .first ? "Level 1" : "Level 2" }
}

/// What the engine decides on a reading or a tick.
public enum AlarmEvent: Sendable, Equatable {
    case raised(AlarmCondition, AlarmLevel, value: String, at: Date)
    /// An active alarm became graver.
    case upgraded(AlarmCondition, AlarmLevel, value: String, at: Date)
    /// The condition returned to normal (past the deadband).
    case cleared(AlarmCondition, value: String, at: Date)

    public var condition: AlarmCondition {
        switch self { case .raised(let c, _, _, _), .upgraded(let c, _, _, _), .cleared(let c, _, _): c }
    }
}

/// The engine's memory of one point: what is active, what is waiting out its on-delay, the last reading.
public struct PointAlarmState: Sendable, Equatable, Codable {
    public var active: [AlarmCondition: AlarmLevel] = [:]
    /// When a condition was first seen, while it waits out the on-delay.
    public var pendingSince: [AlarmCondition: Date] = [:]
    public var lastTs: Date?
    public var lastValue: Double?

    public init(active: [AlarmCondition: AlarmLevel] = [:], lastTs: Date? = nil) {
        self.active = active
        self.lastTs = lastTs
    }
}

/// The alarm rules of one point, as a pure function of (point, state, reading): limits with on-delay
/// and deadband, abnormal states, rate of change, and silence. The caller keeps the state per point,
/// stores the events, and restores the state from the active alarms on start.
public enum AlarmEngine {
    /// A point silent for this many of its intervals is offline.
    public static let offlineIntervals = 3.0

    /// Evaluates one reading. Readings older than the last one evaluated are stored by the caller but
    /// change nothing here (they arrive late; the present has moved on).
    public static func evaluate(_ reading: Reading, point: MonitoringPoint, state: inout PointAlarmState) -> [AlarmEvent] {
        evaluate(reading, kind: point.kind, limits: point.limits, state: &state)
    }

    /// The same, given the point's kind and limits: all it reads of the point (a caller looping over
    /// readings passes these instead of copying the whole point for each).
    public static func evaluate(_ reading: Reading, kind: MonitoringPoint.Kind, limits: AlarmLimits, state: inout PointAlarmState) -> [AlarmEvent] {
        if let last = state.lastTs, reading.ts <= last { return [] }
        let ts = reading.ts
        // The usual reading: nothing out or waiting out its on-delay, and inside every limit. Each
        // condition below would find nothing to do; only the last value and time change.
        if kind != .state, state.active.isEmpty, state.pendingSince.isEmpty, let v = reading.value, inside(v, limits),
           (limits.rateOfChange.map { limit in rate(v, at: ts, state).map { $0 <= limit } ?? true } ?? true) {
            state.lastValue = v
            state.lastTs = ts
            return []
        }
        var events: [AlarmEvent] = []
        // Any reading ends a silence.
        if state.active[.offline] != nil {
            state.active[.offline] = nil
            events.append(.cleared(.offline, value: text(reading), at: ts))
        }
        switch kind {
        case .analog, .counter:
            guard let v = reading.value else { break }
            let high: AlarmLevel? = limits.highHigh.map { v >= $0 } == true ? .first : (limits.high.map { v >= $0 } == true ? .second : nil)
            let low: AlarmLevel? = limits.lowLow.map { v <= $0 } == true ? .first : (limits.low.map { v <= $0 } == true ? .second : nil)
            // Back to normal once past the nearest limit by the deadband.
            let highClear = (limits.high ?? limits.highHigh).map { v < $0 - limits.deadband } ?? true
            let lowClear = (limits.low ?? limits.lowLow).map { v > $0 + limits.deadband } ?? true
            step(.high, level: high, clear: highClear, value: format(v), at: ts, onDelay: limits.onDelay, state: &state, events: &events)
            step(.low, level: low, clear: lowClear, value: format(v), at: ts, onDelay: limits.onDelay, state: &state, events: &events)
            if let limit = limits.rateOfChange, let rate = rate(v, at: ts, state) {
                step(.rate, level: rate > limit ? .second : nil, clear: rate <= limit, value: format(v), at: ts, onDelay: 0, state: &state, events: &events)
            }
            state.lastValue = v
        case .state:
            guard let s = reading.state else { break }
            let abnormal = limits.abnormalStates.contains(s)
            step(.state, level: abnormal ? .first : nil, clear: !abnormal, value: s, at: ts, onDelay: limits.onDelay, state: &state, events: &events)
        }
        state.lastTs = ts
        return events
    }

    /// Below the high limits and above the low ones (where the point has them).
    static func inside(_ v: Double, _ limits: AlarmLimits) -> Bool {
        (limits.highHigh.map { v < $0 } ?? true) && (limits.high.map { v < $0 } ?? true)
            && (limits.lowLow.map { v > $0 } ?? true) && (limits.low.map { v > $0 } ?? true)
    }

    /// The change per minute since the point's last value (nil before it has one).
    static func rate(_ v: Double, at ts: Date, _ state: PointAlarmState) -> Double? {
        guard let last = state.lastValue, let lastTs = state.lastTs else { return nil }
        let minutes = ts.timeIntervalSince(lastTs) / 60
        return minutes > 0 ? abs(v - last) / minutes : 0
    }

    /// Checks for silence at `now`: a point that has reported before and not for three intervals.
    /// A point can fall silent only once it has reported, and while no offline alarm of it is out.
    public static func canFallSilent(_ state: PointAlarmState) -> Bool {
        state.lastTs != nil && state.active[.offline] == nil
    }

    public static func tick(point: MonitoringPoint, state: inout PointAlarmState, now: Date) -> [AlarmEvent] {
        guard point.active, canFallSilent(state), let last = state.lastTs,
              now.timeIntervalSince(last) > Double(point.interval) * offlineIntervals else { return [] }
        state.active[.offline] = .second
        return [.raised(.offline, .second, value: "", at: now)]
    }

    /// One condition: raise after the on-delay, upgrade at once, clear past the deadband.
    static func step(_ c: AlarmCondition, level: AlarmLevel?, clear: Bool, value: @autoclosure () -> String, at ts: Date, onDelay: Int,
                     state: inout PointAlarmState, events: inout [AlarmEvent]) {
        if let active = state.active[c] {
            if let level, level > active {
                state.active[c] = level
                events.append(.upgraded(c, level, value: value(), at: ts))
            } else if level == nil, clear {
                state.active[c] = nil
                events.append(.cleared(c, value: value(), at: ts))
            }
            return
        }
        guard let level else {
            state.pendingSince[c] = nil
            return
        }
        let since = state.pendingSince[c] ?? ts
        if ts.timeIntervalSince(since) >= Double(onDelay) {
            state.pendingSince[c] = nil
            state.active[c] = level
            events.append(.raised(c, level, value: value(), at: ts))
        } else {
            state.pendingSince[c] = since
        }
    }

    /// A value as people write it: `75`, `0.15`, not `75.0`.
    public static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
    static func text(_ r: Reading) -> String { r.value.map(format) ?? r.state ?? "" }
}

/// Alarm floods (ISA-18.2): more than 10 alarms raised in 10 minutes at one enterprise.
public enum AlarmFlood {
    public static let window: TimeInterval = 600
    public static let threshold = 10

    /// Whether the raise times (any order) hold a flood ending at or before `now`.
    public static func isFlooding(_ raised: [Date], now: Date) -> Bool {
        raised.filter { $0 > now.addingTimeInterval(-window) && $0 <= now }.count > threshold
    }
}
