import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// The city's dispatch figures: one grouped query per kind of record, over the whole city.
public struct FluentDispatchRepository: DispatchRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func counties(year: Int, now: Date) async throws -> [String: CountyDispatch] {
        var rows: [String: CountyDispatch] = [:]
        func edit(_ county: String, _ change: (inout CountyDispatch) -> Void) {
            var row = rows[county] ?? CountyDispatch(countyCode: county)
            change(&row)
            rows[county] = row
        }
        let sql = store.sql

        // Open major hazards, those past their deadline, and those found before 2024 (as the statistics count them).
        struct Hazards: Decodable { let county_code: String; let n: Int; let overdue: Int?; let legacy: Int? }
        for r in try await sql.raw("SELECT county_code, COUNT(*) AS n, " + FluentHazardRepository.majorOpenSums(now: now)
                                    + FluentHazardRepository.majorOpenFrom + " GROUP BY county_code").all(decoding: Hazards.self) {
            edit(r.county_code) { $0.openMajor = r.n; $0.overdueMajor = r.overdue ?? 0; $0.legacyOpen = r.legacy ?? 0 }
        }

        struct Count: Decodable { let county_code: String; let n: Int }
        for r in try await sql.raw("SELECT county_code, COUNT(*) AS n FROM alarms WHERE state = \(bind: Alarm.State.active.rawValue) GROUP BY county_code")
            .all(decoding: Count.self) {
            edit(r.county_code) { $0.unacknowledged = r.n }
        }

        // The year's plans: the draw quota and the key enterprises of each county's plan.
        for plan in try await PlanModel.query(on: store.database).filter(\.$year == year).all() {
            let keys = JSONColumn.decode(plan.keyEnterprises, as: [EnforcementPlan.KeyEnterprise].self)?.count ?? 0
            edit(plan.countyCode) { $0.inspectionsPlanned += plan.drawQuota + keys }
        }
        for r in try await sql.raw("""
            SELECT county_code, COUNT(*) AS n FROM inspections WHERE planned_on LIKE \(bind: "\(year)-%") AND state = \(bind: Inspection.State.completed.rawValue)
            GROUP BY county_code
            """).all(decoding: Count.self) {
            edit(r.county_code) { $0.inspectionsCompleted = r.n }
        }
        struct Fines: Decodable { let county_code: String; let n: Int; let fined: Int? }
        for r in try await sql.raw("""
            SELECT county_code, COUNT(*) AS n, SUM(enterprise_fine + principal_fine) AS fined FROM penalties
            WHERE decided_on LIKE \(bind: "\(year)-%") GROUP BY county_code
            """).all(decoding: Fines.self) {
            edit(r.county_code) { $0.penalties = r.n; $0.fined = r.fined ?? 0 }
        }
        return rows
    }
}
