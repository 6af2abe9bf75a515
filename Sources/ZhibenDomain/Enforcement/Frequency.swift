import Foundation

/// Differentiated supervision (差异化监管, T13): how often an enterprise is expected to be inspected,
/// from its supervision grade, fewer times for a valid standardization. The plan asks for the
/// differentiation, not for these numbers: they are Zhiben's defaults, in one place (README, "The
/// double-random draw").
public enum SupervisionFrequency {
    /// Inspections per two years by grade, before standardization: A quarterly, B half-yearly, C
    /// yearly, D once in two years.
    public static let base: [SupervisionGrade: Int] = [.A: 8, .B: 4, .C: 2, .D: 1]

    /// Inspections expected in two years: a valid level-1 standardization halves them, level 2 takes a
    /// quarter off (rounded up), never below one in two years; level 3, none or expired change nothing.
    public static func perTwoYears(grade: SupervisionGrade, standardization: StandardizationGrade, validUntil: Date?, now: Date) -> Int {
        let n = base[grade] ?? 1
        let valid = validUntil.map { $0 >= now } ?? false
        guard valid else { return n }
        switch standardization {
        case .level1: return max(1, n / 2)
        case .level2: return max(1, (n * 3 + 3) / 4)
        case .level3, .none: return n
        }
    }

    public static func perTwoYears(_ e: Enterprise, now: Date) -> Int {
        perTwoYears(grade: e.grade, standardization: e.profile.standardization, validUntil: e.profile.standardizationValidUntil, now: now)
    }

    /// As people say it: 每年4次, 每年1次, 每两年1次.
    public static func label(_ perTwoYears: Int, _ lang: Language) -> String {
        func t(_ zh: String, _ en: String) -> String { lang == .en ? en : zh }
        if perTwoYears % 2 == 0 { return t("每年\(perTwoYears / 2)次", "\(perTwoYears / 2) a year") }
        if perTwoYears == 1 { return t("每两年1次", "once in two years") }
        return t("每两年\(perTwoYears)次", "\(perTwoYears) in two years")
    }
}
