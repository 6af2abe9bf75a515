import Foundation

/// Time source injected into services so rules that depend on "now" are testable.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

public struct FixedClock: WallClock {
    public let date: Date
    public init(_ date: Date) { self.date = date }
    public func now() -> Date { date }
}

public enum ChinaTime {
    public static let zone = TimeZone(identifier: "Asia/Shanghai")!

    public static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }()

    /// `yyyy-MM-dd HH:mm` in Asia/Shanghai, for display.
    public static func display(_ date: Date, seconds: Bool = false) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let base = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
        return seconds ? base + String(format: ":%02d", c.second!) : base
    }

    /// A calendar day as `yyyy-MM-dd`.
    public static func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// Parses `yyyy-MM-dd` (also `yyyy/M/d`, which Excel writes) as midnight in Asia/Shanghai.
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1900...2200).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = calendar.date(from: comps),
              calendar.component(.day, from: date) == d else { return nil }
        return date
    }
}

/// ISO 8601 with offset, as the API speaks it: `2026-11-29T22:31:05+08:00`.
public enum ISOTime {
    /// One shared, immutable style: building an `ISO8601DateFormatter` per call cost about 90 µs, twice
    /// per enterprise in an API list.
    static let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: ChinaTime.zone)

    public static func string(_ date: Date) -> String {
        date.formatted(style)
    }
}
