import Foundation
import Vapor
import ZhibenDomain

/// Every setting the process reads from its environment. README's configuration table lists them.
public struct AppConfig: Sendable {
    public enum DatabaseTarget: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var database: DatabaseTarget
    /// Demo accounts' password; generated when unset.
    public var demoPassword: String?
    public var demoEnterprises: Int
    /// Request bodies above this many bytes answer 413.
    public var maxBodyBytes: Int
    /// Marks cookies Secure; also set per request when a proxy says X-Forwarded-Proto: https.
    public var secureCookies: Bool
    public var bcryptCost: Int
    public var sessionTTL: TimeInterval
    /// How long an API key, once read, is used without reading it again; 0: read on every call.
    public var apiKeyCacheSeconds: Double = 5
    /// PostgreSQL: connections each event loop's pool holds (all opened before `serve` answers).
    public var databaseConnections: Int = 4
    /// Loads demo data into an empty database when serving.
    public var seedDemoWhenEmpty: Bool
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client; from no one else.
    public var trustedProxies: Set<String>
    /// Raw readings are kept this many days; readings older than that are refused.
    public var readingRetentionDays: Int
    /// Minutes until an unacknowledged alarm is told to the county, then to the city, per level.
    public var alarmEscalation: EscalationPolicy
    /// When an alarm is offered as a hazard.
    public var alarmHazard: AlarmHazardPolicy
    /// The acceptable gas ranges and times of permits, with their source.
    public var gasLimits: GasLimits = .gb30871Forms
    /// Runs the monitoring simulator while serving a demo database.
    public var simulate: Bool
    /// Who may read `/metrics` besides loopback: addresses and IPv4 ranges (`10.0.0.0/8`).
    public var metricsAllow: [AddressRange] = []

    public init(database: DatabaseTarget = .sqlite(path: "zhiben.sqlite"), demoPassword: String? = nil,
                demoEnterprises: Int = 800, maxBodyBytes: Int = 10 * 1024 * 1024, secureCookies: Bool = false,
                bcryptCost: Int = 12, sessionTTL: TimeInterval = 12 * 3600, seedDemoWhenEmpty: Bool = true,
                trustedProxies: Set<String> = [], readingRetentionDays: Int = 90, alarmEscalation: EscalationPolicy = EscalationPolicy(),
                alarmHazard: AlarmHazardPolicy = AlarmHazardPolicy(), simulate: Bool = true) {
        self.alarmHazard = alarmHazard
        self.database = database
        self.demoPassword = demoPassword
        self.demoEnterprises = demoEnterprises
        self.maxBodyBytes = maxBodyBytes
        self.secureCookies = secureCookies
        self.bcryptCost = bcryptCost
        self.sessionTTL = sessionTTL
        self.seedDemoWhenEmpty = seedDemoWhenEmpty
        self.trustedProxies = trustedProxies
        self.readingRetentionDays = readingRetentionDays
        self.alarmEscalation = alarmEscalation
        self.simulate = simulate
    }

    public enum ConfigError: Error, CustomStringConvertible {
        case invalid(String, String)
        public var description: String {
            switch self { case .invalid(let name, let why): "\(name): \(why)" }
        }
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var c = AppConfig()
        if let url = env["DATABASE_URL"], !url.isEmpty {
            c.database = try parseDatabaseURL(url)
        }
        c.demoPassword = env["ZHIBEN_DEMO_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let p = c.demoPassword, p.count < LoginPolicy.minPasswordLength {
            throw ConfigError.invalid("ZHIBEN_DEMO_PASSWORD", "must have at least \(LoginPolicy.minPasswordLength) characters")
        }
        if let s = env["ZHIBEN_DEMO_ENTERPRISES"] {
            guard let n = Int(s), (1...20_000).contains(n) else { throw ConfigError.invalid("ZHIBEN_DEMO_ENTERPRISES", "must be 1–20000") }
            c.demoEnterprises = n
        }
        if let s = env["ZHIBEN_MAX_BODY"] {
            guard let n = ByteSize(s).map(\.value), n > 0 else { throw ConfigError.invalid("ZHIBEN_MAX_BODY", "must be a size such as 10mb") }
            c.maxBodyBytes = n
        }
        if let s = env["ZHIBEN_SECURE_COOKIES"] { c.secureCookies = ["1", "true", "yes"].contains(s.lowercased()) }
        if let s = env["ZHIBEN_BCRYPT_COST"] {
            guard let n = Int(s), (4...31).contains(n) else { throw ConfigError.invalid("ZHIBEN_BCRYPT_COST", "must be 4–31") }
            c.bcryptCost = n
        }
        if let s = env["ZHIBEN_SESSION_HOURS"] {
            guard let n = Double(s), n > 0, n <= 24 * 30 else { throw ConfigError.invalid("ZHIBEN_SESSION_HOURS", "must be 0–720") }
            c.sessionTTL = n * 3600
        }
        if let s = env["ZHIBEN_API_KEY_CACHE_SECONDS"] {
            guard let n = Double(s), n >= 0, n <= 60 else { throw ConfigError.invalid("ZHIBEN_API_KEY_CACHE_SECONDS", "must be 0–60") }
            c.apiKeyCacheSeconds = n
        }
        if let s = env["ZHIBEN_DB_CONNECTIONS"] {
            guard let n = Int(s), (1...64).contains(n) else { throw ConfigError.invalid("ZHIBEN_DB_CONNECTIONS", "must be 1–64") }
            c.databaseConnections = n
        }
        if let s = env["ZHIBEN_TRUSTED_PROXIES"] {
            let list = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = list.first(where: { !isIPAddress($0) }) {
                throw ConfigError.invalid("ZHIBEN_TRUSTED_PROXIES", "\(bad) is not an IP address (give addresses, comma-separated)")
            }
            c.trustedProxies = Set(list)
        }
        if let s = env["ZHIBEN_READING_RETENTION_DAYS"] {
            guard let n = Int(s), (1...3650).contains(n) else { throw ConfigError.invalid("ZHIBEN_READING_RETENTION_DAYS", "must be 1–3650") }
            c.readingRetentionDays = n
        }
        if let s = env["ZHIBEN_ALARM_ESCALATION"] {
            guard let p = EscalationPolicy.parse(s) else {
                throw ConfigError.invalid("ZHIBEN_ALARM_ESCALATION", "must be level 1's minutes to the county / to the city, then level 2's, e.g. 5/15,30/60")
            }
            c.alarmEscalation = p
        }
        if let s = env["ZHIBEN_ALARM_HAZARD"] {
            guard let p = AlarmHazardPolicy.parse(s) else {
                throw ConfigError.invalid("ZHIBEN_ALARM_HAZARD", "must be minutes offline / minutes out of limits / alarms on a point in a day, e.g. 30/60/3")
            }
            c.alarmHazard = p
        }
        if let s = env["ZHIBEN_GAS_LIMITS"] {
            guard let l = GasLimits.parse(s) else {
                throw ConfigError.invalid("ZHIBEN_GAS_LIMITS", "must be a JSON object such as {\"oxygenMin\":19.5,\"oxygenMax\":21,\"maxMinutesBeforeEntry\":30,\"source\":\"…\",\"note\":\"…\"} with its source and values in reason")
            }
            c.gasLimits = l
        }
        if let s = env["ZHIBEN_SIMULATE"] { c.simulate = !["0", "false", "no"].contains(s.lowercased()) }
        if let s = env["ZHIBEN_METRICS_ALLOW"] {
            let list = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            c.metricsAllow = try list.map { item in
                guard let r = AddressRange(item) else {
                    throw ConfigError.invalid("ZHIBEN_METRICS_ALLOW", "\(item) is neither an IP address nor an IPv4 range such as 10.0.0.0/8")
                }
                return r
            }
        }
        if let s = env["ZHIBEN_SEED_DEMO"] { c.seedDemoWhenEmpty = !["0", "false", "no"].contains(s.lowercased()) }
        return c
    }

    /// An IP address, or an IPv4 range in CIDR notation.
    public struct AddressRange: Sendable, Equatable {
        let text: String
        let v4: (base: UInt32, mask: UInt32)?

        public init?(_ s: String) {
            let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...32).contains(bits), let base = Self.v4(parts[0]) else { return nil }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                (text, v4) = (s, (base & mask, mask))
            } else {
                guard parts.count == 1, AppConfig.isIPAddress(s) else { return nil }
                (text, v4) = (s, Self.v4(s).map { ($0, ~UInt32(0)) })
            }
        }

        public func contains(_ address: String) -> Bool {
            guard let v4 else { return address.lowercased() == text.lowercased() }
            guard let a = Self.v4(address) else { return false }
            return a & v4.mask == v4.base
        }

        public static func == (a: Self, b: Self) -> Bool { a.text == b.text }

        static func v4(_ s: String) -> UInt32? {
            var addr = in_addr()
            guard inet_pton(AF_INET, s, &addr) == 1 else { return nil }
            return UInt32(bigEndian: addr.s_addr)
        }

        /// 127.0.0.0/8 and ::1 (also as an IPv4-mapped address).
        public static func isLoopback(_ address: String) -> Bool {
            let a = address.lowercased()
            if a == "::1" { return true }
            let v4 = a.hasPrefix("::ffff:") ? String(a.dropFirst(7)) : a
            return Self.v4(v4).map { $0 >> 24 == 127 } ?? false
        }
    }

    static func isIPAddress(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }

    public static func parseDatabaseURL(_ url: String) throws -> DatabaseTarget {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(url: url) }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigError.invalid("DATABASE_URL", "sqlite:// needs a path, e.g. sqlite:///var/lib/zhiben.sqlite") }
            return .sqlite(path: path)
        }
        throw ConfigError.invalid("DATABASE_URL", "must start with postgres:// or sqlite://")
    }
}

struct ByteSize {
    let value: Int
    init?(_ text: String) {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("b", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Int(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) else { return nil }
            value = n * factor
            return
        }
        guard let n = Int(t) else { return nil }
        value = n
    }
}
