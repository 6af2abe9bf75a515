import Foundation
import Testing
import ZhibenDomain
import ZhibenTestSupport
@testable import ZhibenPersistence

/// The roster, the pool, plans and penalties take the caller's scope in storage, as the other records do.
@Suite("scoped storage: roster, pool, plans, penalties", .serialized)
struct ScopedStorageTests {
    @Test("a county reaches its own roster only, reads the pool but never writes it; other scopes reach neither")
    func rosterAndPool() async throws {
        try await TestStore.with { t in
            let repo = FluentEnforcementPeopleRepository(store: t.store)
            let audit = AuditContext(actor: .anonymous("test"), at: Fixtures.now)
            let own = RosterInspector(name: "王执法", countyCode: "141181", certificateNo: "A-1", certificateValidUntil: "2030-12-31", updatedAt: Fixtures.now)
            let other = RosterInspector(name: "李执法", countyCode: "141182", certificateNo: "B-1", certificateValidUntil: "2030-12-31", updatedAt: Fixtures.now)
            try await repo.saveInspector(own, expectedVersion: nil, scope: .county("141181"), audit: audit)
            try await repo.saveInspector(other, audit: audit)
            let county = Scope.county("141181")
            #expect(try await repo.inspector(id: own.id, scope: county) != nil)
            #expect(try await repo.inspector(id: other.id, scope: county) == nil)
            #expect(try await repo.inspectors(countyCode: nil, search: nil, page: Paging(), scope: county).items.map(\.id) == [own.id])
            #expect(try await repo.inspectors(countyCode: "141182", search: nil, page: Paging(), scope: county).items.map(\.id) == [own.id],
                    "a county's list is its own, whatever county it names")
            #expect(try await repo.inspectors(countyCode: "141182", search: nil, page: Paging(), scope: .city).items.map(\.id) == [other.id])
            #expect(try await repo.inspectors(countyCode: nil, search: nil, page: Paging(), scope: .city).total == 2)
            #expect(try await repo.inspectors(countyCode: nil, search: nil, page: Paging(), scope: .enterprise(UUID())).total == 0)
            // Neither into another county nor out of its own.
            var moved = own
            moved.countyCode = "141182"
            await #expect(throws: DomainError.notFound(entity: "inspector")) {
                try await repo.saveInspector(moved, expectedVersion: 1, scope: county, audit: audit)
            }
            var renamed = other
            renamed.name = "李某"
            await #expect(throws: DomainError.notFound(entity: "inspector")) {
                try await repo.saveInspector(renamed, expectedVersion: 1, scope: county, audit: audit)
            }
            #expect(try await repo.inspector(id: other.id, scope: .city)?.name == "李执法", "nothing written")

            let expert = Expert(name: "赵专家", specialties: [.dust], updatedAt: Fixtures.now)
            try await repo.saveExpert(expert, audit: audit)
            #expect(try await repo.expert(id: expert.id, scope: county) != nil, "counties read the pool")
            #expect(try await repo.expert(id: expert.id, scope: .enterprise(UUID())) == nil)
            var off = expert
            off.available = false
            await #expect(throws: DomainError.forbidden(permission: .expertPoolManage)) {
                try await repo.saveExpert(off, expectedVersion: 1, scope: county, audit: audit)
            }
            #expect(try await repo.expert(id: expert.id, scope: .city)?.available == true)
        }
    }

    @Test("a county reaches its own plan and facts only; a penalty is recorded only by a scope that decides on the enterprise")
    func plansAndPenalties() async throws {
        try await TestStore.with { t in
            let all = try await Fixtures.seed(t.store, count: 12)
            let plans = FluentPlanRepository(store: t.store)
            let audit = AuditContext(actor: .anonymous("test"), at: Fixtures.now)
            let own = EnforcementPlan(countyCode: "141181", year: 2026, drawQuota: 5, updatedAt: Fixtures.now)
            let other = EnforcementPlan(countyCode: "141182", year: 2026, drawQuota: 7, updatedAt: Fixtures.now)
            let county = Scope.county("141181")
            _ = try await plans.save(own, expectedVersion: 0, scope: county, audit: audit)
            await #expect(throws: DomainError.notFound(entity: "plan")) {
                try await plans.save(other, expectedVersion: 0, scope: county, audit: audit)
            }
            _ = try await plans.save(other, expectedVersion: 0, scope: .city, audit: audit)
            #expect(try await plans.find(countyCode: "141181", year: 2026, scope: county)?.drawQuota == 5)
            #expect(try await plans.find(countyCode: "141182", year: 2026, scope: county) == nil)
            #expect(try await plans.find(countyCode: "141182", year: 2026, scope: .city)?.drawQuota == 7)
            let neighbours = all.filter { $0.profile.countyCode == "141182" && $0.active }
            #expect(try await plans.facts(countyCode: "141182", now: Fixtures.now, scope: .city).count == neighbours.count)
            #expect(try await plans.facts(countyCode: "141182", now: Fixtures.now, scope: county).isEmpty)

            let penalties = FluentPenaltyRepository(store: t.store)
            let e = try #require(neighbours.first)
            let fine = Penalty(inspectionID: UUID(), enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: "141182", caseNo: "孝应急罚〔2026〕1号",
                               legalBasis: "《安全生产法》第一百零一条", enterpriseFine: 20_000, principalName: "张三", principalFine: 5_000,
                               decidedOn: "2026-06-01", createdBy: "test", createdAt: Fixtures.now)
            await #expect(throws: DomainError.forbidden(permission: .inspectionRecord)) {
                try await penalties.create(fine, scope: county, audit: audit)
            }
            #expect(try await penalties.fined(inspectionIDs: [fine.inspectionID]).isEmpty, "nothing written")
            try await penalties.create(fine, scope: .county("141182"), audit: audit)
            #expect(try await penalties.fined(inspectionIDs: [fine.inspectionID])[fine.inspectionID]?.amount == 25_000)
        }
    }
}
