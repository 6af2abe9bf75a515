import Foundation

/// One type of special operation (特种作业) of a versioned catalogue, shipped as data
/// (`Resources/special-operations.tsv`): the catalogue changes with MEM Order No. 19 from 2026-06-01,
/// so a certificate keeps the catalogue it was issued under.
public struct SpecialOperation: Sendable, Equatable, Hashable {
    public var catalogue: String
    public var categoryCode: String
    public var categoryZh: String
    /// `1.2`: unique within its catalogue.
    public var code: String
    public var zh: String
    /// Whether metallurgy and industry-trade enterprises typically need it (a judgement, not a rule).
    public var typicalHere: Bool
    public var source: String
}

public enum SpecialOperationCatalogue {
    /// Every shipped catalogue's types, in the file's order.
    public static let all: [SpecialOperation] = {
        guard let url = Bundle.module.url(forResource: "special-operations", withExtension: "tsv", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "special-operations", withExtension: "tsv"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7 else { return nil }
            return SpecialOperation(catalogue: f[0], categoryCode: f[1], categoryZh: f[2], code: f[3], zh: f[4], typicalHere: f[5] == "yes", source: f[6])
        }
    }()

    /// The catalogue new certificates are recorded under.
    public static let current = "SAWS-30"

    public static func operation(_ code: String, catalogue: String = current) -> SpecialOperation? {
        all.first { $0.catalogue == catalogue && $0.code == code }
    }
}

/// A special operator's certificate (特种作业操作证).
public struct OperatorCertificate: Sendable, Equatable, Codable, Identifiable {
    public var id: UUID
    public var operation: String
    public var catalogue: String
    /// Usually "T" followed by the holder's ID number.
    public var number: String
    public var issuer: String
    public var validFrom: String
    public var validUntil: String
    /// The last review (复审) passed, if any since issue.
    public var lastReviewedOn: String?
    /// Since when the holder has worked in this operation without violations: after ten such years the
    /// review falls due every six years instead of three.
    public var compliantSince: String?

    public init(id: UUID = UUID(), operation: String, catalogue: String = SpecialOperationCatalogue.current, number: String, issuer: String,
                validFrom: String, validUntil: String, lastReviewedOn: String? = nil, compliantSince: String? = nil) {
        self.id = id
        self.operation = operation
        self.catalogue = catalogue
        self.number = number
        self.issuer = issuer
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.lastReviewedOn = lastReviewedOn
        self.compliantSince = compliantSince
    }
}

/// The certificate rules: six years of validity, a review every three years (every six after ten
/// compliant years), warnings 90 and 30 days ahead.
public enum CertificateRules {
    public static let validityYears = 6
    public static let reviewYears = 3
    public static let longReviewYears = 6
    public static let compliantYearsForLongReview = 10
    public static let warnDays = [90, 30]

    /// `day` moved by whole years (29 February falls back to the 28th).
    public static func adding(years: Int, to day: String) -> String? {
        guard let d = ChinaTime.parseDay(day), let moved = ChinaTime.calendar.date(byAdding: .year, value: years, to: d) else { return nil }
        return ChinaTime.day(moved)
    }

    /// The usual end of validity for a certificate issued on `from`: six years on, the day before.
    public static func defaultValidUntil(from: String) -> String? {
        guard let end = adding(years: validityYears, to: from), let d = ChinaTime.parseDay(end),
              let before = ChinaTime.calendar.date(byAdding: .day, value: -1, to: d) else { return nil }
        return ChinaTime.day(before)
    }

    /// When the next review is due, on `today`: three years after issue or the last review (six once
    /// the holder has ten compliant years by then), never after the certificate's end.
    public static func reviewDue(_ c: OperatorCertificate, today: String) -> String? {
        let since = c.lastReviewedOn ?? c.validFrom
        let tenYears = c.compliantSince.flatMap { adding(years: compliantYearsForLongReview, to: $0) }
        let long = tenYears.map { $0 <= today } ?? false
        guard let due = adding(years: long ? longReviewYears : reviewYears, to: since) else { return nil }
        return min(due, c.validUntil)
    }

    public enum Standing: Sendable, Equatable {
        case valid
        /// Ends (or its review falls due) within `days` (90 or 30).
        case expiring(on: String, days: Int)
        case reviewOverdue(since: String)
        case expired(on: String)
        case notYetValid(from: String)
    }

    public static func standing(_ c: OperatorCertificate, today: String) -> Standing {
        if today < c.validFrom { return .notYetValid(from: c.validFrom) }
        if today > c.validUntil { return .expired(on: c.validUntil) }
        if let due = reviewDue(c, today: today), due < c.validUntil, today > due { return .reviewOverdue(since: due) }
        let next = min(reviewDue(c, today: today) ?? c.validUntil, c.validUntil)
        if let left = daysBetween(today, next), let window = warnDays.sorted().first(where: { left <= $0 }) {
            return .expiring(on: next, days: window)
        }
        return .valid
    }

    /// Whether a worker may do `operation` on `day` with these certificates; the reason when not.
    public enum Refusal: Sendable, Equatable {
        case missing(operation: String)
        case expired(operation: String, on: String)
        case reviewOverdue(operation: String, since: String)
        case notYetValid(operation: String, from: String)

        /// The code an API client reads.
        public var code: String {
            switch self {
            case .missing: "certificateMissing"
            case .expired: "certificateExpired"
            case .reviewOverdue: "certificateReviewOverdue"
            case .notYetValid: "certificateNotYetValid"
            }
        }

        public var zh: String {
            func name(_ op: String) -> String { SpecialOperationCatalogue.operation(op)?.zh ?? op }
            return switch self {
            case .missing(let op): "没有\(name(op))操作证"
            case .expired(let op, let on): "\(name(op))操作证已于\(on)过期"
            case .reviewOverdue(let op, let since): "\(name(op))操作证应于\(since)复审，尚未复审"
            case .notYetValid(let op, let from): "\(name(op))操作证自\(from)起才有效"
            }
        }

        public var en: String {
            func name(_ op: String) -> String { "operation " + op }
            return switch self {
            case .missing(let op): "no certificate for \(name(op))"
            case .expired(let op, let on): "the \(name(op)) certificate expired on \(on)"
            case .reviewOverdue(let op, let since): "the \(name(op)) certificate's review was due on \(since)"
            case .notYetValid(let op, let from): "the \(name(op)) certificate is valid from \(from)"
            }
        }
    }

    public static func refusal(for operation: String, certificates: [OperatorCertificate], on day: String) -> Refusal? {
        let mine = certificates.filter { $0.operation == operation }
        guard !mine.isEmpty else { return .missing(operation: operation) }
        var worst: Refusal?
        for c in mine {
            switch standing(c, today: day) {
            case .valid, .expiring: return nil
            case .expired(let on): worst = worst ?? .expired(operation: operation, on: on)
            case .reviewOverdue(let since): worst = .reviewOverdue(operation: operation, since: since)
            case .notYetValid(let from): worst = worst ?? .notYetValid(operation: operation, from: from)
            }
        }
        return worst
    }

    static func daysBetween(_ a: String, _ b: String) -> Int? {
        guard let x = ChinaTime.parseDay(a), let y = ChinaTime.parseDay(b) else { return nil }
        return ChinaTime.calendar.dateComponents([.day], from: x, to: y).day
    }
}
