import FluentKit
import Foundation
import SQLKit
import Testing
import ZhibenDomain
import ZhibenTestSupport
@testable import ZhibenPersistence

@Suite("Enterprise repository", .serialized)
struct EnterpriseRepositoryTests {
    @Test("jurisdiction: a county sees only its enterprises, an enterprise only itself, an expert nothing")
    func scoping() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store)
            let repo = FluentEnterpriseRepository(store: t.store)
            let xiaoyi = all.filter { $0.profile.countyCode == "141181" }
            let fenyang = all.first { $0.profile.countyCode == "141182" }!

            let page = try await repo.list(EnterpriseQuery(includeInactive: true), page: Paging(per: 200), scope: .county("141181"))
            #expect(page.total == xiaoyi.count)
            #expect(page.items.allSatisfy { $0.profile.countyCode == "141181" })

            #expect(try await repo.find(id: fenyang.id, scope: .county("141181")) == nil)
            #expect(try await repo.find(id: fenyang.id, scope: .county("141182"))?.id == fenyang.id)
            #expect(try await repo.find(id: fenyang.id, scope: .city) != nil)
            #expect(try await repo.find(creditCode: fenyang.profile.creditCode, scope: .county("141181")) == nil)

            let own = try await repo.list(EnterpriseQuery(), page: Paging(), scope: .enterprise(fenyang.id))
            #expect(own.items.map(\.id) == [fenyang.id])
            #expect(try await repo.list(EnterpriseQuery(), page: Paging(), scope: .nobody).total == 0)
            // Even with an explicit filter for another county, a county sees nothing of it.
            #expect(try await repo.list(EnterpriseQuery(countyCode: "141182"), page: Paging(), scope: .county("141181")).total == 0)
        }
    }

    @Test("an update outside the caller's scope is 'not found' and writes nothing, not even an audit row")
    func updateOutOfScope() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 40)
            let repo = FluentEnterpriseRepository(store: t.store)
            let target = all.first { $0.profile.countyCode != "141181" }!
            let auditBefore = try await AuditEntryModel.query(on: t.store.database).count()
            await #expect(throws: DomainError.notFound(entity: "enterprise")) {
                _ = try await repo.update(id: target.id, scope: .county("141181"), expectedVersion: nil, action: .update, audit: Fixtures.audit) { e in
                    var n = e
                    n.profile.name = "被篡改"
                    return n
                }
            }
            #expect(try await repo.find(id: target.id, scope: .city)?.profile.name == target.profile.name)
            #expect(try await AuditEntryModel.query(on: t.store.database).count() == auditBefore)
        }
    }

    @Test("a change that fails half-way leaves neither the record nor the audit log changed")
    func failedChangeRollsBack() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 5)
            let repo = FluentEnterpriseRepository(store: t.store)
            struct Boom: Error {}
            let before = try await AuditEntryModel.query(on: t.store.database).count()
            await #expect(throws: Boom.self) {
                _ = try await repo.update(id: all[0].id, scope: .city, expectedVersion: nil, action: .update, audit: Fixtures.audit) { _ in throw Boom() }
            }
            #expect(try await AuditEntryModel.query(on: t.store.database).count() == before)
        }
    }

    @Test("an update is stored with an audit entry naming each changed field before and after")
    func updateAudited() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 5)
            let repo = FluentEnterpriseRepository(store: t.store)
            let target = all[2]
            let user = Caller(id: UUID(), username: "county-x", role: .countyOfficer, scope: .city)
            _ = try await repo.update(id: target.id, scope: .city, expectedVersion: nil, action: .update, audit: AuditContext(actor: user, at: Fixtures.now)) { e in
                var n = e
                n.profile.employees = 4321
                return n
            }
            #expect(try await repo.find(id: target.id, scope: .city)?.profile.employees == 4321)
            let log = try await FluentAuditRepository(store: t.store).list(AuditQuery(entityID: target.id.uuidString))
            let last = try #require(log.items.first)
            #expect(last.action == "update")
            #expect(last.actorUsername == "county-x")
            #expect(last.changes == [FieldChange(field: "employees", before: String(target.profile.employees), after: "4321")])
        }
    }

    @Test("credit codes are unique in the database, and a batch with a duplicate stores nothing")
    func uniqueAndAtomic() async throws {
        try await TestStore.with { t in
            let repo = FluentEnterpriseRepository(store: t.store)
            let profiles = DemoData.enterprises(count: 3)
            _ = try await repo.create(Fixtures.enterprise(profiles[0]), audit: Fixtures.audit)
            await #expect(throws: (any Error).self) { _ = try await repo.create(Fixtures.enterprise(profiles[0]), audit: Fixtures.audit) }
            await #expect(throws: (any Error).self) {
                try await repo.createAll([Fixtures.enterprise(profiles[1]), Fixtures.enterprise(profiles[0])], audit: Fixtures.audit)
            }
            #expect(try await repo.list(EnterpriseQuery(), page: Paging(), scope: .city).total == 1)
            #expect(try await repo.existingCreditCodes(profiles.map(\.creditCode)) == [profiles[0].creditCode])
        }
    }

    @Test("filters, search, sorting and paging agree with the data")
    func filtersAndPaging() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store)
            let repo = FluentEnterpriseRepository(store: t.store)
            let dust = try await repo.list(EnterpriseQuery(specialRisk: .combustibleDust), page: Paging(per: 200), scope: .city)
            #expect(dust.total == all.filter { $0.profile.specialRisks.contains(.combustibleDust) && $0.active }.count)
            let gradeA = try await repo.list(EnterpriseQuery(grade: .A), page: Paging(per: 200), scope: .city)
            #expect(gradeA.total == all.filter { $0.grade == .A }.count)
            let metallurgy = try await repo.list(EnterpriseQuery(industry: .metallurgy, status: .operating), page: Paging(per: 200), scope: .city)
            #expect(metallurgy.items.allSatisfy { $0.profile.industry == .metallurgy && $0.profile.status == .operating })

            let target = all[17]
            let byName = try await repo.list(EnterpriseQuery(search: String(target.profile.name.dropFirst(2).prefix(6))), page: Paging(), scope: .city)
            #expect(byName.items.contains { $0.id == target.id })
            let byCode = try await repo.list(EnterpriseQuery(search: target.profile.creditCode.lowercased()), page: Paging(), scope: .city)
            #expect(byCode.items.map(\.id) == [target.id])
            // LIKE wildcards typed by a user match themselves only.
            #expect(try await repo.list(EnterpriseQuery(search: "%"), page: Paging(), scope: .city).total == 0)

            var seen: [UUID] = []
            var page = 1
            while true {
                let p = try await repo.list(EnterpriseQuery(sort: .employees, direction: .desc), page: Paging(page: page, per: 25), scope: .city)
                seen += p.items.map(\.id)
                if p.items.count < 25 { break }
                page += 1
            }
            #expect(seen.count == all.count)
            #expect(Set(seen).count == all.count)
            let employees = try await repo.all(EnterpriseQuery(sort: .employees, direction: .desc), scope: .city, limit: 1000).map(\.profile.employees)
            #expect(employees == employees.sorted(by: >))
        }
    }

    @Test("deactivated enterprises leave the default list but stay on record")
    func deactivated() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 10)
            let repo = FluentEnterpriseRepository(store: t.store)
            _ = try await repo.update(id: all[0].id, scope: .city, expectedVersion: nil, action: .deactivate, audit: Fixtures.audit) { e in
                var n = e
                n.active = false
                n.deactivationReason = "注销"
                return n
            }
            #expect(try await repo.list(EnterpriseQuery(), page: Paging(), scope: .city).total == 9)
            #expect(try await repo.list(EnterpriseQuery(includeInactive: true), page: Paging(), scope: .city).total == 10)
            #expect(try await repo.find(id: all[0].id, scope: .city)?.deactivationReason == "注销")
        }
    }

    @Test("statistics count by county, industry, grade and special risk within the scope")
    func statistics() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store)
            let repo = FluentEnterpriseRepository(store: t.store)
            let city = try await repo.statistics(scope: .city)
            #expect(city.total == all.count)
            #expect(city.byCounty["141181"] == all.filter { $0.profile.countyCode == "141181" }.count)
            #expect(city.byGrade[.A] == all.filter { $0.grade == .A }.count)
            #expect(city.bySpecialRisk[.combustibleDust] == all.filter { $0.profile.specialRisks.contains(.combustibleDust) }.count)
            #expect(city.byIndustry[.nonferrous] == all.filter { $0.profile.industry == .nonferrous }.count)
            let county = try await repo.statistics(scope: .county("141182"))
            #expect(county.byCounty.keys.allSatisfy { $0 == "141182" })
            #expect(try await repo.statistics(scope: .nobody).total == 0)
        }
    }

    @Test("the tallies behind the statistics equal a direct count after grade, county, risk and active changes, and a failed batch")
    func talliesFollowWrites() async throws {
        try await TestStore.with { t in
            let seeded = try await Fixtures.seed(t.store, count: 40)
            let repo = FluentEnterpriseRepository(store: t.store)
            func change(_ e: Enterprise, _ body: @escaping @Sendable (inout Enterprise) -> Void) async throws {
                _ = try await repo.update(id: e.id, scope: .city, expectedVersion: nil, action: .update, audit: Fixtures.audit) { old in
                    var n = old
                    body(&n)
                    return n
                }
            }
            try await change(seeded[0]) { $0.computedGrade = $0.computedGrade == .A ? .D : .A }
            try await change(seeded[1]) { $0.profile.countyCode = $0.profile.countyCode == "141181" ? "141182" : "141181" }
            try await change(seeded[2]) { $0.active = false; $0.deactivationReason = "注销" }
            try await change(seeded[3]) { $0.profile.specialRisks.formSymmetricDifference([.combustibleDust, .ammoniaRefrigeration]) }
            try await change(seeded[2]) { $0.active = true; $0.deactivationReason = nil }
            try await change(seeded[4]) { $0.active = false; $0.deactivationReason = "停产" }
            try await change(seeded[4]) { $0.profile.industry = .machinery }
            await #expect(throws: (any Error).self) { try await repo.createAll([seeded[5]], audit: Fixtures.audit) }

            let all = try await repo.all(EnterpriseQuery(includeInactive: true), scope: .city, limit: 1000).filter(\.active)
            func direct(_ list: [Enterprise]) -> EnterpriseStatistics {
                var s = EnterpriseStatistics()
                for e in list { for k in EnterpriseTallies.keys(of: e) { s.add(dimension: k.dimension, key: k.key, county: k.county, n: 1) } }
                return s
            }
            #expect(all.count == 39)
            #expect(try await repo.statistics(scope: .city) == direct(all))
            #expect(try await repo.statistics(scope: .county("141181")) == direct(all.filter { $0.profile.countyCode == "141181" }))
            #expect(try await repo.statistics(scope: .enterprise(seeded[6].id)) == direct(all.filter { $0.id == seeded[6].id }))
            #expect(try await repo.statistics(scope: .enterprise(seeded[4].id)) == EnterpriseStatistics(), "an inactive enterprise counts for nothing")
            let kept = try await repo.statistics(scope: .city)
            try await EnterpriseTallies.rebuild(on: t.store.database)
            #expect(try await repo.statistics(scope: .city) == kept)
        }
    }
}
