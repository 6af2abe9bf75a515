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
            #expect(try await repo.inspectors(countyCode: "141182", search: nil, page: Paging(), scope: county).total == 0)
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
}
