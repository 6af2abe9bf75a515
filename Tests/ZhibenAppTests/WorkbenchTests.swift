import Foundation
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("workbench: what waits for each role")
struct WorkbenchTests {
    struct Section: Decodable { let kind: String; let total: Int; let items: [Item] }
    struct Item: Decodable { let title: String; let link: Link; let since: String? }
    struct Link: Decodable { let type: String; let id: UUID? }

    /// A hazard the county reports, to be judged.
    static func report(_ h: Harness, county: String, title: String) async throws {
        let e = try #require(try await h.enterprises(in: county).first { $0.active })
        let made = try await h.api(.POST, "/api/v1/hazards", token: try await h.token("county-\(county)"), json: [
            "enterpriseId": e.id.uuidString, "title": title, "location": "一号车间", "source": "inspection",
            "foundAt": ChinaTime.day(Date()), "level": "general"])
        #expect(made.status == .created, "\(made.body.string.prefix(300))")
    }

    static func sections(_ h: Harness, _ user: String) async throws -> [String: Section] {
        let res = try await h.api(.GET, "/api/v1/workbench", token: try await h.token(user))
        #expect(res.status == .ok, "\(res.body.string.prefix(300))")
        return Dictionary(try res.content.get([Section].self, at: "sections").map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("each queue's count equals a direct count of the records (county, city, enterprise, expert); items come oldest first and link to their record")
    func countsEqualDirectQueries() async throws {
        try await Harness.with(enterprises: 60) { h in
            try await Self.report(h, county: "141181", title: "工作台测试：配电室门未关闭")
            let now = h.app.zhiben.clock.now()
            let hazards = try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .city, now: now, limit: 100_000)
            let alarms = try await h.app.zhiben.alarms.alarms.list(AlarmQuery(), page: Paging(page: 1, per: 100_000), scope: .city).items
            let draws = try await h.app.zhiben.draws.repository.list(scope: .city, page: Paging(page: 1, per: 200)).items

            // A county officer.
            let c = "141181"
            let county = hazards.filter { $0.countyCode == c }
            let here = try await Self.sections(h, "county-\(c)")
            #expect(Set(here.keys) == Set(WorkKind.queues(for: Caller(kind: .user, id: nil, username: "", role: .countyOfficer, scope: .county(c))).map(\.rawValue)))
            let expected: [String: Int] = [
                "judgeHazard": county.filter { $0.state == .reported }.count,
                "decideExtension": county.filter { $0.pendingExtension != nil && [.rectifying, .awaitingAcceptance].contains($0.state) }.count,
                "acceptHazard": county.filter { $0.state == .awaitingAcceptance && HazardWorkflow.acceptingParty(of: $0) == .county }.count,
                "overdueHazard": county.filter { $0.isOverdue(at: now) }.count,
                "supervisedHazard": county.filter { $0.state.isOpen && $0.supervision?.level == .county }.count,
                "level1Alarm": alarms.filter { $0.countyCode == c && $0.state == .active && $0.level == .first }.count,
                "escalatedAlarm": alarms.filter { $0.countyCode == c && $0.state == .active && $0.countyNotifiedAt != nil }.count,
                "revealDraw": draws.filter { $0.countyCode == c && $0.revealedAt == nil }.count,
            ]
            for (kind, n) in expected { #expect(here[kind]?.total == n, "\(kind): \(here[kind]?.total ?? -1) vs \(n)") }
            #expect((here["judgeHazard"]?.total ?? 0) > 0 && (here["overdueHazard"]?.total ?? 0) > 0, "the demo gives the county work")
            // Oldest first: the judgement queue by when found, the overdue one by deadline.
            let judge = county.filter { $0.state == .reported }.sorted { ($0.foundAt, $0.id.uuidString) < ($1.foundAt, $1.id.uuidString) }
            #expect(here["judgeHazard"]?.items.map(\.link.id) == judge.prefix(5).map(\.id))
            #expect(here["judgeHazard"]?.items.first?.since == judge.first.map { ISOTime.string($0.foundAt) }, "times as ISO 8601 text")
            let overdue = county.filter { $0.isOverdue(at: now) }.sorted { ($0.deadline!, $0.id.uuidString) < ($1.deadline!, $1.id.uuidString) }
            #expect(here["overdueHazard"]?.items.map(\.link.id) == overdue.prefix(5).map(\.id))
            let missed = try await h.app.zhiben.selfInspections.standings(actor: Caller(kind: .user, id: nil, username: "t", role: .countyOfficer, scope: .county(c)),
                                                                           onlyMissed: true, page: Paging(per: 1)).withMisses
            #expect(here["missedSelfInspection"]?.total == missed)
            // A queue's own page lists the same number.
            let full = try await h.api(.GET, "/api/v1/workbench/judgeHazard?per=200", token: try await h.token("county-\(c)"))
            #expect(try full.content.get(Int.self, at: "total") == judge.count && (try full.content.get([Item].self, at: "items")).count == judge.count)
            #expect(try await h.api(.GET, "/api/v1/workbench/acknowledgeAlarm", token: try await h.token("county-\(c)")).status == .forbidden,
                    "an enterprise's queue is not the county's")

            // The city.
            let city = try await Self.sections(h, "city")
            #expect(city["acceptHazard"]?.total == hazards.filter { $0.state == .awaitingAcceptance && HazardWorkflow.acceptingParty(of: $0) == .city }.count)
            #expect(city["decideExtension"]?.total == hazards.filter { $0.pendingExtension != nil && $0.supervision?.level == .city && [.rectifying, .awaitingAcceptance].contains($0.state) }.count)
            #expect(city["supervisedHazard"]?.total == hazards.filter { $0.state.isOpen && $0.supervision?.level == .city }.count)
            #expect(city["overdueHazard"]?.total == hazards.filter { $0.isOverdue(at: now) }.count)
            #expect(city["escalatedAlarm"]?.total == alarms.filter { $0.state == .active && $0.cityNotifiedAt != nil }.count)
            #expect(city["revealDraw"]?.total == draws.filter { $0.countyCode == nil && $0.revealedAt == nil }.count, "the city's own draws only")

            // An enterprise with hazards in several states.
            let busiest = Dictionary(grouping: hazards.filter(\.state.isOpen), by: \.enterpriseID).max { $0.value.count < $1.value.count }!
            let e = try #require(try await h.app.zhiben.enterprises.repository.find(id: busiest.key, scope: .city))
            let own = hazards.filter { $0.enterpriseID == e.id }
            let mine = try await Self.sections(h, h.enterpriseUsername(e))
            #expect(mine["acknowledgeHazard"]?.total == own.filter { $0.state == .judged }.count)
            #expect(mine["planRectification"]?.total == own.filter { $0.state == .acknowledged }.count)
            #expect(mine["submitRectification"]?.total == own.filter { $0.state == .rectifying }.count)
            #expect(mine["acceptOwnHazard"]?.total == own.filter { $0.state == .awaitingAcceptance && HazardWorkflow.acceptingParty(of: $0) == .enterprise }.count)
            #expect(mine["judgeOwnHazard"]?.total == own.filter { $0.state == .reported && $0.reportedByEnterprise && $0.source.isEnterpriseOwn }.count)
            #expect(mine["acknowledgeAlarm"]?.total == alarms.filter { $0.enterpriseID == e.id && $0.state == .active }.count)
            #expect(mine["disposeAlarm"]?.total == alarms.filter { $0.enterpriseID == e.id && $0.state == .acknowledged }.count)
            #expect(mine.values.allSatisfy { s in s.items.allSatisfy { item in item.link.type != "hazard" || own.contains { hz in hz.id == item.link.id } } }, "only its own records")

            // An expert: the hazards assigned to them to judge.
            let account = try #require(try await h.app.zhiben.accounts.users.find(username: "expert-1"))
            let expert = try await Self.sections(h, "expert-1")
            #expect(expert["judgeHazard"]?.total == hazards.filter { $0.state == .reported && $0.expert?.id == account.id }.count)
        }
    }

    @Test("调度: the thirteen counties' figures equal direct counts, sort by any column, and link to the lists they count; the city's workbench shows them; a county may not open it")
    func dispatch() async throws {
        try await Harness.with(enterprises: 60) { h in
            let now = Date()
            let hazards = try await h.app.zhiben.hazards.repository.all(HazardQuery(), scope: .city, now: now, limit: 100_000)
            let city = Caller(kind: .user, id: nil, username: "city", role: .cityOfficer, scope: .city)
            let rows = try await h.app.zhiben.dispatch.counties(actor: city)
            #expect(rows.map(\.countyCode) == County.all.map(\.code))
            for r in rows {
                let open = hazards.filter { $0.countyCode == r.countyCode && $0.state.isOpen && $0.level == .major }
                #expect(r.openMajor == open.count, "\(r.countyCode)")
                #expect(r.overdueMajor == open.filter { $0.isOverdue(at: now) }.count, "\(r.countyCode)")
                #expect(r.legacyOpen == open.filter(\.isOpenLegacyMajor).count, "\(r.countyCode)")
            }
            #expect(rows.map(\.openMajor).reduce(0, +) > 0)
            // The grouped reads agree with each county's own figures read in its scope.
            let year = Int(ChinaTime.day(now).prefix(4))!
            for r in rows {
                let scope = Caller(kind: .user, id: nil, username: "city", role: .cityOfficer, scope: .county(r.countyCode))
                let active = try await h.app.zhiben.alarms.list(AlarmQuery(states: [.active], countyCode: r.countyCode), page: Paging(per: 1), actor: scope).total
                let f = try await h.app.zhiben.plans.figures(year: year, actor: scope)
                #expect(r.unacknowledged == active && r.inspectionsPlanned == f.planned && r.inspectionsCompleted == f.completed
                        && r.penalties == f.penalties && r.fined == f.fined, "\(r.countyCode)")
            }
            let browser = try await h.signIn("city")
            let page = try await h.get("/dispatch?sort=openMajor&dir=desc", as: browser).body.string
            let order = County.all.sorted { a, b in page.range(of: ">\(a.zh)<")!.lowerBound < page.range(of: ">\(b.zh)<")!.lowerBound }.map(\.code)
            let expected = rows.sorted { $0.openMajor > $1.openMajor }.map(\.openMajor)
            #expect(order.map { c in rows.first { $0.countyCode == c }!.openMajor } == expected, "most open major hazards first")
            let top = try #require(rows.max { $0.openMajor < $1.openMajor })
            #expect(page.contains("href=\"/hazards?state=open&amp;level=major&amp;county=\(top.countyCode)\">\(top.openMajor)</a>"))
            #expect(try await h.get("/", as: browser).body.string.contains("table class=\"data dispatch\""), "on the city's workbench")
            #expect(try await h.get("/dispatch", as: try await h.signIn("county-141181")).status == .forbidden)
            #expect(try await h.get("/dispatch?sort=nothing", as: browser).status == .badRequest)
        }
    }

    @Test("an inspector's inspections fall into today (and overdue), the next seven days and later, each counted once")
    func inspectorsDays() async throws {
        try await Harness.with(enterprises: 40) { h in
            let account = try #require(try await h.app.zhiben.accounts.users.find(username: "inspector-141181"))
            let roster = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"])
            let me = try #require(roster.first { $0.userID == account.id })
            let partner = try #require(roster.first { $0.id != me.id && $0.drawable(on: ChinaTime.day(Date())) })
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let county = try await h.token("county-141181")
            let now = h.app.zhiben.clock.now()
            // Overdue, today, in three days, on the seventh day, in twenty days.
            for days in [-2, 0, 3, 7, 20] {
                let made = try await h.api(.POST, "/api/v1/inspections", token: county, json: [
                    "enterpriseId": e.id.uuidString, "style": "routine", "inspectors": [me.id.uuidString, partner.id.uuidString],
                    "plannedOn": ChinaTime.day(now.addingTimeInterval(Double(days) * 86_400))])
                #expect(made.status == .created, "\(made.body.string.prefix(300))")
            }
            let mine = try await Self.sections(h, "inspector-141181")
            #expect(mine["todayInspection"]?.total == 2 && mine["weekInspection"]?.total == 2 && mine["myInspection"]?.total == 1)
            let order = WorkKind.queues(for: Caller(kind: .user, id: account.id, username: account.username, role: .inspector, scope: .county("141181")))
            #expect(order.firstIndex(of: .todayInspection) == 0, "today's come first")
        }
    }

    @Test("the workbench is every role's landing page, its items link to their action, and a queue's page lists them all")
    func landingPage() async throws {
        try await Harness.with(enterprises: 40) { h in
            try await Self.report(h, county: "141181", title: "工作台测试：配电室门未关闭")
            for user in ["city", "county-141181", "inspector-141181", "expert-1", "admin"] {
                let page = try await h.get("/", as: try await h.signIn(user))
                #expect(page.status == .ok && page.body.string.contains("<h1>工作台</h1>"), "\(user)")
            }
            let county = try await h.signIn("county-141181")
            let html = try await h.get("/", as: county).body.string
            let reported = try await h.app.zhiben.hazards.repository.all(HazardQuery(states: [.reported], countyCode: "141181", sort: .foundAt, direction: .asc),
                                                                           scope: .city, now: Date(), limit: 1)
            let oldest = try #require(reported.first)
            #expect(html.contains("href=\"/hazards/\(oldest.id.uuidString)\""), "the oldest hazard to judge is one click away")
            let queue = try await h.get("/workbench/judgeHazard", as: county)
            #expect(queue.status == .ok && queue.body.string.contains(oldest.title))
            #expect(try await h.get("/workbench/acknowledgeAlarm", as: county).status == .notFound)

            // A locked account waits on the administrator's workbench until it is unlocked.
            let admin = try await h.signIn("admin")
            #expect(!(try await h.get("/", as: admin).body.string.contains("id=\"q-unlockAccount\"")))
            let locked = try #require(try await h.app.zhiben.accounts.users.find(username: "inspector-141182"))
            _ = try await h.app.zhiben.accounts.users.update(id: locked.id, scope: .city, action: .update, audit: AuditContext(actor: .system, at: Date())) { u in
                var u = u
                u.lockedUntil = Date().addingTimeInterval(LoginPolicy.lockDuration)
                return u
            }
            let before = try await h.get("/", as: admin).body.string
            #expect(before.contains("id=\"q-unlockAccount\"") && before.contains("inspector-141182") && before.contains("href=\"/users?locked=1\""))
            #expect(try await h.post("/users/\(locked.id)/unlock", as: admin, form: [:]).status == .seeOther)
            #expect(!(try await h.get("/", as: admin).body.string.contains("id=\"q-unlockAccount\"")), "unlocked, it leaves the workbench")
            #expect(try await h.get("/workbench/nothing", as: county).status == .notFound)
        }
    }
}
