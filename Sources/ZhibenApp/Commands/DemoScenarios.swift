import Foundation
import Vapor
import ZhibenDomain

/// Live enforcement in every county of the demo, made through the services as the county's officers
/// would make it: the year's plan from the suggestions, its earlier key inspections completed, a
/// revealed draw with its inspections (one completed with a penalty and a failed exam, one in
/// progress, one planned), an inspection of the county's demo inspector for today, and a committed
/// draw waiting to be revealed; in the printed county an inspection of the showcase enterprise with a
/// failed item, its penalty and a worker off duty; the city's cross-county draw to reveal; and an
/// account locked by wrong passwords. Only into a database without draws.
enum DemoScenarios {
    static func seed(_ services: ZhibenServices, logger: Logger) async throws {
        guard try await services.draws.repository.list(scope: .city, page: Paging(per: 1)).total == 0,
              try await services.demo.hasRoster() else { return }
        let now = services.clock.now()
        for county in County.all {
            do {
                try await seed(county, services, now: now)
            } catch {
                logger.warning("demo enforcement of \(county.code) left out: \(String(reflecting: error))")
            }
        }
        // The city's own cross-county draw, committed and waiting for its public reveal.
        let city = try await caller(services, "city", .cityOfficer, .city)
        let year = Int(ChinaTime.day(now).prefix(4)) ?? 2026
        _ = try await services.draws.create(DrawService.Request(title: "\(year)年全市异地交叉执法抽查", year: year,
                                                                parameters: DrawParameters(size: 4, crossCounty: true),
                                                                overlapReason: "全市交叉检查，与各县抽查互为补充"),
                                            actor: city, origin: "seed-demo")
        // An officer locked out by ten wrong passwords: the administrator's item to unlock (the lock lapses
        // by itself after 15 minutes, as any lock does).
        if let officer = try await services.accounts.users.find(username: lockedAccount), let own = officer.caller {
            _ = try await services.accounts.users.update(id: officer.id, scope: .city, action: .loginFailed,
                                                         audit: AuditContext(actor: own, at: now, origin: "seed-demo")) { u in
                var next = u
                next.failedLogins = 0
                next.lockedUntil = now.addingTimeInterval(LoginPolicy.lockDuration)
                return next
            }
        }
    }

    /// The demo account that starts locked (an officer of 交口县, which no printed example uses).
    static let lockedAccount = "inspector-141130"

    static func caller(_ services: ZhibenServices, _ username: String, _ role: Role, _ scope: Scope) async throws -> Caller {
        Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: role, scope: scope)
    }

    /// Every checklist item answered: `failing` items fail with a note, the rest pass.
    static func answer(_ services: ZhibenServices, _ i: Inspection, failing: Int, by inspector: Caller, only: Int? = nil) async throws -> Inspection {
        let codes = try await services.inspections.checklist(for: i).itemCodes
        let results = codes.prefix(only ?? codes.count).enumerated().map { n, code in
            InspectionItemResult(item: code, outcome: n < failing ? .fail : .pass, note: n < failing ? "现场检查发现不符合" : "")
        }
        return try await services.inspections.saveResults(i.id, results: results, summary: only == nil ? "现场检查完毕。" : nil, baseVersion: i.version,
                                                          actor: inspector, origin: "seed-demo")
    }

    static func complete(_ services: ZhibenServices, _ i: Inspection, failing: Int, by inspector: Caller) async throws -> Inspection {
        let answered = try await answer(services, i, failing: failing, by: inspector)
        return try await services.inspections.perform(i.id, action: .complete, expectedVersion: answered.version, actor: inspector, origin: "seed-demo")
    }

    static func penalise(_ services: ZhibenServices, _ i: Inspection, number: Int, by county: Caller, today: String) async throws {
        let principal = try await services.enterprises.repository.find(id: i.enterpriseID, scope: .city)?.profile.principal.name ?? ""
        let year = today.prefix(4)
        _ = try await services.penalties.record(
            PenaltyService.PenaltyDraft(caseNo: "吕\(County.named(i.countyCode)?.zh ?? "")应急罚〔\(year)〕\(number)号",
                                        legalBasis: "《中华人民共和国安全生产法》第一百零二条", enterpriseFine: 30_000,
                                        principalName: principal.isEmpty ? "主要负责人" : principal, principalFine: 5_000, decidedOn: today,
                                        hazardIDs: i.results.compactMap(\.hazardID)),
            inspectionID: i.id, actor: county, origin: "seed-demo")
    }

    static func exams(_ services: ZhibenServices, _ i: Inspection, by inspector: Caller) async throws {
        _ = try await services.penalties.recordExams([
            PenaltyService.ExamDraft(workerName: "王建军", job: "除尘系统操作工", score: 52),
            PenaltyService.ExamDraft(workerName: "李秀兰", job: "安全管理人员", score: 86),
        ], inspectionID: i.id, actor: inspector, origin: "seed-demo")
    }

    static func seed(_ c: County, _ services: ZhibenServices, now: Date) async throws {
        let county = try await caller(services, "county-\(c.code)", .countyOfficer, .county(c.code))
        let inspector = try await caller(services, "inspector-\(c.code)", .inspector, .county(c.code))
        let today = ChinaTime.day(now)
        let year = Int(today.prefix(4)) ?? 2026
        let month = Int(today.dropFirst(5).prefix(2)) ?? 12
        let roster = try await services.people.repository.allInspectors(countyCodes: [c.code]).filter { $0.drawable(on: today) }
        guard roster.count >= 2 else { return }
        let mine = roster.first { $0.userID == inspector.id } ?? roster[0]
        let partner = roster.first { $0.id != mine.id }!

        // The year's plan: the eight most pressing suggestions, spread over the year up to this month.
        let (_, facts) = try await services.plans.plan(county: c.code, year: year, actor: county)
        let picks = Array(PlanRules.suggestions(facts, now: now).prefix(8))
        let months = picks.indices.map { max(1, month - picks.count + 1 + $0) }
        let keys = zip(picks, months).map { s, m in
            EnforcementPlan.KeyEnterprise(enterpriseID: s.facts.enterpriseID, name: s.facts.name, month: m, style: s.style,
                                          reason: s.reasons.map(\.zh).joined(separator: "；"))
        }
        _ = try await services.plans.save(county: c.code, year: year, keyEnterprises: keys, drawQuota: 12, expectedVersion: 0, actor: county, origin: "seed-demo")
        // The earlier key inspections done; the one of last month left to arrange; this month's is the
        // demo inspector's, for today.
        for (n, k) in keys.enumerated() {
            let last = n == keys.count - 1
            guard n < keys.count - 2 || last else { continue }
            let i = try await services.inspections.create(enterpriseID: k.enterpriseID, style: k.style == .crossCounty ? .routine : k.style, origin: .plan, originID: nil,
                                                          inspectorIDs: [mine.id, partner.id], expertID: nil,
                                                          plannedOn: last ? today : String(format: "%04d-%02d-10", year, k.month), actor: county, origin: "seed-demo")
            if !last { _ = try await complete(services, i, failing: n % 3 == 0 ? 1 : 0, by: inspector) }
        }

        // A revealed draw with its inspections twelve days ago: completed, in progress, planned.
        let draw = try await services.draws.create(DrawService.Request(title: "\(year)年第四季度双随机抽查", year: year, countyCodes: [c.code],
                                                                       parameters: DrawParameters(size: 3)),
                                                   actor: county, origin: "seed-demo")
        _ = try await services.draws.reveal(draw.id, actor: county, origin: "seed-demo")
        let drawn = try await services.inspections.createFromDraw(draw.id, plannedOn: ChinaTime.day(now.addingTimeInterval(-12 * 86_400)), actor: county,
                                                                  origin: "seed-demo")
        if let first = drawn.first {
            let done = try await complete(services, first, failing: 2, by: inspector)
            try await exams(services, done, by: inspector)
            try await penalise(services, done, number: 1, by: county, today: today)
        }
        if drawn.count > 1 { _ = try await answer(services, drawn[1], failing: 0, by: inspector, only: 5) }

        // The next draw, committed and waiting for its public reveal.
        _ = try await services.draws.create(DrawService.Request(title: "\(year)年12月双随机抽查", year: year, countyCodes: [c.code],
                                                                parameters: DrawParameters(size: 2),
                                                                overlapReason: "月度抽查，与季度抽查对象范围相同"),
                                            actor: county, origin: "seed-demo")

        // The printed county's showcase enterprise: inspected today, a failed item ordered rectified, a
        // worker off duty until re-examined.
        if c.code == DemoData.showcaseCounties[0],
           let code = DemoData.showcase(DemoData.enterprises(count: services.config.demoEnterprises)).first,
           let e = try await services.enterprises.repository.find(creditCode: code, scope: .city) {
            let i = try await services.inspections.create(enterpriseID: e.id, style: .unannounced, origin: .manual, originID: nil,
                                                          inspectorIDs: [mine.id, partner.id], expertID: nil, plannedOn: today, actor: county, origin: "seed-demo")
            let done = try await complete(services, i, failing: 1, by: inspector)
            try await exams(services, done, by: inspector)
            try await penalise(services, done, number: 2, by: county, today: today)
            // The hazard its failed item became goes to expert-1 to judge; expert-1 joins tomorrow's
            // inspection of another enterprise.
            if let expertUser = try await services.accounts.users.find(username: "expert-1") {
                if let hazardID = done.results.compactMap(\.hazardID).first {
                    var assign = HazardStepInput(comment: "请专家判定")
                    assign.expert = expertUser
                    _ = try await services.hazards.perform(hazardID, action: .assignExpert, input: assign, actor: county, origin: "seed-demo")
                }
                let pool = try await services.people.repository.allExperts().first { $0.userID == expertUser.id }
                if let pool, let other = keys.first?.enterpriseID {
                    _ = try await services.inspections.create(enterpriseID: other, style: .thorough, origin: .manual, originID: nil, inspectorIDs: [mine.id, partner.id],
                                                              expertID: pool.id, plannedOn: ChinaTime.day(now.addingTimeInterval(86_400)), actor: county,
                                                              origin: "seed-demo")
                }
            }
        }
    }
}
