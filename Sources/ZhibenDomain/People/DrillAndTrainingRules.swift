import Foundation

/// T18's evacuation drills: every enterprise at least once a year; metal smelting, labour-intensive
/// and factory-in-factory (厂中厂) enterprises every half year; each county hosts at least one
/// observation drill a year.
public enum DrillRules {
    /// What makes an enterprise drill every half year.
    public struct Profile: Sendable, Equatable {
        public var metalSmelting: Bool
        public var labourIntensive: Bool
        public var factoryInFactory: Bool
        public init(metalSmelting: Bool, labourIntensive: Bool, factoryInFactory: Bool) {
            self.metalSmelting = metalSmelting
            self.labourIntensive = labourIntensive
            self.factoryInFactory = factoryInFactory
        }
    }

    public static func intervalMonths(_ p: Profile) -> Int { p.metalSmelting || p.labourIntensive || p.factoryInFactory ? 6 : 12 }

    public struct Due: Sendable, Equatable {
        /// The day by which the next drill is due (nil: never drilled, due now).
        public var by: String?
        public var overdue: Bool
        public init(by: String?, overdue: Bool) {
            self.by = by
            self.overdue = overdue
        }
    }

    /// The next drill after the last one, on `today`.
    public static func due(_ p: Profile, lastDrill: String?, today: String) -> Due {
        guard let last = lastDrill, let d = ChinaTime.parseDay(last),
              let next = ChinaTime.calendar.date(byAdding: .month, value: intervalMonths(p), to: d) else { return Due(by: nil, overdue: true) }
        let by = ChinaTime.day(next)
        return Due(by: by, overdue: today > by)
    }

    /// Counties without an observation drill in `year`, of those given with their drills' days.
    public static func countiesWithoutObservationDrill(_ drills: [String: [String]], year: Int) -> [String] {
        County.all.map(\.code).filter { code in !(drills[code] ?? []).contains { $0.hasPrefix("\(year)-") } }
    }
}

/// T17's principals' safety training: full coverage in three years, by the enterprise's risk —
/// combustible dust in 2024, metal smelting in 2025, confined spaces in 2026.
public enum TrainingRules {
    public static let schedule: [(risk: SpecialRisk, year: Int)] = [(.combustibleDust, 2024), (.metalSmelting, 2025), (.confinedSpace, 2026)]

    public struct Owed: Sendable, Equatable {
        public var topic: SpecialRisk
        /// The last day of the scheduled year.
        public var dueBy: String
        public var overdue: Bool
        public init(topic: SpecialRisk, dueBy: String, overdue: Bool) {
            self.topic = topic
            self.dueBy = dueBy
            self.overdue = overdue
        }
    }

    /// The trainings a principal of an enterprise with these risks still owes on `today`: each scheduled
    /// topic of its risks without a training on it (any day up to today counts).
    public static func owed(risks: Set<SpecialRisk>, trainings: [(topic: SpecialRisk, on: String)], today: String) -> [Owed] {
        schedule.filter { risks.contains($0.risk) }.compactMap { item in
            let done = trainings.contains { $0.topic == item.risk && $0.on <= today }
            return done ? nil : Owed(topic: item.risk, dueBy: "\(item.year)-12-31", overdue: today > "\(item.year)-12-31")
        }
    }

    /// Coverage of one topic: principals of enterprises with the risk, and how many have been trained.
    public static func coverage(_ topic: SpecialRisk, principals: [(risks: Set<SpecialRisk>, trainings: [(topic: SpecialRisk, on: String)])],
                                today: String) -> (required: Int, trained: Int) {
        let concerned = principals.filter { $0.risks.contains(topic) }
        return (concerned.count, concerned.filter { p in p.trainings.contains { $0.topic == topic && $0.on <= today } }.count)
    }
}
