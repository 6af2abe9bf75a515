import Foundation
import Vapor
import ZhibenDomain

/// The enterprises' people in the demo, made through the services as the enterprises and the counties
/// would make them: in every county two enterprises (the printed ones among them) with their workers and
/// special-operation certificates (valid, due for review, expiring within 30 and 90 days, one expired),
/// the staffing they need (one short), a worker put off duty, and 三违 in each state. Only into a
/// database without workers.
enum DemoPeople {
    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
    static let given = ["建军", "秀兰", "志强", "海燕", "国庆", "丽娟", "晓东", "春梅", "永红", "文斌", "俊杰", "桂英", "红霞", "立新", "卫东", "淑芬"]

    /// A valid ID number of someone born in the county.
    static func idNumber(county: String, n: Int) -> String {
        let birth = String(format: "%04d%02d%02d", 1968 + (n * 7) % 30, 1 + (n * 5) % 12, 1 + (n * 11) % 28)
        let first17 = county + birth + String(format: "%03d", (n * 37) % 1000)
        return first17 + String(IDNumber.checkCharacter(of: first17.compactMap(\.wholeNumberValue)))
    }

    static func seed(_ services: ZhibenServices, logger: Logger) async throws {
        let s = services.workforce
        guard try await s.records.page(Worker.self, RecordQuery(), scope: .city, page: Paging(per: 1)).total == 0 else { return }
        let printed = Set(DemoData.showcase(DemoData.enterprises(count: services.config.demoEnterprises)))
        for county in County.all {
            do {
                var chosen: [Enterprise] = []
                for code in printed {
                    if let e = try await services.enterprises.repository.find(creditCode: code, scope: .county(county.code)) { chosen.append(e) }
                }
                let others = try await services.enterprises.repository.list(EnterpriseQuery(countyCode: county.code), page: Paging(per: 5), scope: .city).items
                chosen += others.filter { e in e.active && !chosen.contains { $0.id == e.id } }.prefix(2 - chosen.count)
                for (n, e) in chosen.enumerated() {
                    try await seed(e, index: n, services)
                    try await permits(e, services)
                }
                if let e = chosen.first {
                    try await regulatorViolation(e, services)
                    try await contractors(e, services)
                }
                try await training(county.code, chosen, services)
            } catch {
                logger.warning("demo people of \(county.code) left out: \(String(reflecting: error))")
            }
        }
        do { try await cityTrainings(services) } catch { logger.warning("demo trainings left out: \(String(reflecting: error))") }
    }

    /// The city's principals' trainings of 2024 (combustible dust) and 2025 (metal smelting): all but the
    /// first enterprises of each county with the risk attended, so each county has a few left to train.
    static func cityTrainings(_ services: ZhibenServices) async throws {
        let city = Caller(kind: .user, id: try await services.accounts.users.find(username: "city")?.id, username: "city", role: .cityOfficer, scope: .city)
        for (risk, title, on, leftOut) in [(SpecialRisk.combustibleDust, "粉尘涉爆企业主要负责人安全培训", "2024-06-18", 3), (.metalSmelting, "金属冶炼企业主要负责人安全培训", "2025-05-20", 1)] {
            let all = try await services.enterprises.repository.all(EnterpriseQuery(specialRisk: risk), scope: .city, limit: 100_000).filter(\.active)
            let attending = Dictionary(grouping: all, by: \.profile.countyCode).values.flatMap { $0.sorted { $0.profile.name < $1.profile.name }.dropFirst(leftOut) }
            guard !attending.isEmpty else { continue }
            _ = try await services.trainings.recordTraining(.init(title: title, topic: risk.rawValue, on: on, attendees: attending.prefix(2000).map {
                .init(enterpriseID: $0.id, name: nil, role: TraineeRole.principal.rawValue)
            }), actor: city, origin: "seed-demo")
        }
    }

    static func seed(_ e: Enterprise, index: Int, _ services: ZhibenServices) async throws {
        let s = services.workforce
        let username = "ent-" + e.profile.creditCode.lowercased()
        let actor = Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: .enterpriseUser,
                           scope: .enterprise(e.id))
        let now = services.clock.now()
        func day(_ offset: Int) -> String { ChinaTime.day(now.addingTimeInterval(Double(offset) * 86_400)) }
        func yearsAgo(_ y: Int, plus days: Int = 0) -> String {
            let d = ChinaTime.calendar.date(byAdding: .year, value: -y, to: now)!.addingTimeInterval(Double(days) * 86_400)
            return ChinaTime.day(d)
        }
        let county = e.profile.countyCode
        let base = (Int(county.suffix(2)) ?? 0) * 40 + index * 16
        // Job, operation held (nil: none), certificate issued on, last review.
        let plan: [(String, String?, String, String?)] = [
            ("电工", "1.1", yearsAgo(2), nil),                          // valid
            ("焊工", "2.1", yearsAgo(5), yearsAgo(2)),                  // valid, reviewed
            ("焊工", "2.1", yearsAgo(3, plus: 20), nil),                // review due within 30 days
            ("高处作业工", "3.1", yearsAgo(3, plus: 70), nil),          // review due within 90 days
            ("叉车司机", nil, "", nil),
            ("煤气防护员", "8.1", yearsAgo(1), nil),
            ("炉前工", nil, "", nil),
            ("安全员", nil, "", nil),
        ]
        var workers: [Worker] = []
        for (n, p) in plan.enumerated() {
            let k = base + n
            let w = try await s.createWorker(WorkerDraft(name: "\(surnames[k % surnames.count])\(given[(k / surnames.count + n) % given.count])",
                                                         idNumber: idNumber(county: county, n: k), job: p.0, kind: n == 6 ? "dispatched" : "own",
                                                         inductionOn: day(-200 + n)), enterpriseID: e.id, actor: actor, origin: "seed-demo")
            var current = w
            if let op = p.1, SpecialOperationCatalogue.operation(op) != nil {
                current = try await s.saveCertificate(workerID: w.id, certificateID: nil,
                                                      CertificateDraft(operation: op, number: "T" + w.idNumber, issuer: "吕梁市应急管理局", validFrom: p.2,
                                                                       lastReviewedOn: p.3),
                                                      expectedVersion: w.version, actor: actor, origin: "seed-demo").0
            }
            workers.append(current)
        }
        // A contractor's welder whose certificate has expired: recorded while valid, lapsed since.
        let k = base + plan.count
        let welder = try await s.createWorker(WorkerDraft(name: "\(surnames[(k + 3) % surnames.count])\(given[(k + 5) % given.count])",
                                                          idNumber: idNumber(county: county, n: k), job: "检修焊工", kind: "contractor",
                                                          contractorName: "吕梁市\(County.named(county)?.zh ?? "")安装检修有限公司", inductionOn: day(-30)),
                                              enterpriseID: e.id, actor: actor, origin: "seed-demo")
        let expiredFrom = yearsAgo(6, plus: -40)
        let expired = OperatorCertificate(operation: "2.1", number: "T" + welder.idNumber, issuer: "吕梁市应急管理局", validFrom: expiredFrom,
                                          validUntil: CertificateRules.defaultValidUntil(from: expiredFrom) ?? day(-41), lastReviewedOn: yearsAgo(3, plus: -40))
        var next = welder
        next.certificates = [expired]
        try await s.records.save(creating: [], replacing: [(next, welder.version)], action: .create, audit: AuditContext(actor: actor, at: now, origin: "seed-demo"))

        // What it needs: electricians and welders; one more welder than it has.
        _ = try await s.setStaffing(enterpriseID: e.id, required: ["1.1": 1, "2.1": 3, "8.1": 1], expectedVersion: 0, actor: actor, origin: "seed-demo")
        // Put off duty by the enterprise.
        _ = try await s.updateWorker(workers[4].id, WorkerDraft(onDuty: false, offDutyReason: "病假（至下月初）"), expectedVersion: nil, actor: actor, origin: "seed-demo")
        // 三违: one off duty, one retrained and waiting for the exam, one cleared.
        _ = try await s.recordViolation(.init(workerID: workers[6].id, kind: "operation", happenedOn: day(-3), what: "未按规定佩戴防护面罩进入炉前作业区"),
                                        actor: actor, origin: "seed-demo")
        let retrained = try await s.recordViolation(.init(workerID: workers[7].id, kind: "discipline", happenedOn: day(-10), what: "当班期间脱岗"),
                                                    actor: actor, origin: "seed-demo")
        _ = try await s.transition(violation: retrained.id, event: "retrain", on: day(-2), score: nil, expectedVersion: nil, actor: actor, origin: "seed-demo")
        let cleared = try await s.recordViolation(.init(workerID: workers[1].id, kind: "operation", happenedOn: day(-40), what: "动火作业未清理周边可燃物"),
                                                  actor: actor, origin: "seed-demo")
        _ = try await s.transition(violation: cleared.id, event: "retrain", on: day(-35), score: nil, expectedVersion: nil, actor: actor, origin: "seed-demo")
        _ = try await s.transition(violation: cleared.id, event: "reexam", on: day(-33), score: 88, expectedVersion: nil, actor: actor, origin: "seed-demo")
    }

    /// The enterprise's confined spaces (one without its sign and lock, for the Art. 13 checks) and
    /// permits in every state: awaiting approval, approved (hot work), in progress with someone inside,
    /// suspended by a failed test, closed earlier today, and one left open past its window (lapsed).
    static func permits(_ e: Enterprise, _ services: ZhibenServices) async throws {
        let s = services.permits
        let username = "ent-" + e.profile.creditCode.lowercased()
        let actor = Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: .enterpriseUser,
                           scope: .enterprise(e.id))
        let now = services.clock.now()
        let workers = try await services.workforce.records.all(Worker.self, RecordQuery(enterpriseID: e.id), scope: .city, limit: 100)
        let off = try await services.workforce.offDutyWorkerIDs(enterpriseID: e.id, actor: .system)
        let free = workers.filter { !off.contains($0.id) && $0.kind != .contractor }
        guard let welder = free.first(where: { $0.job == "焊工" }) else { return }
        let crew = free.filter { $0.id != welder.id }
        // Four on-duty workers besides the welder (which of the demo's workers are off duty depends on the day).
        guard crew.count >= 4 else { return }
        let pond = try await s.createSpace(.init(enterpriseID: e.id, code: "YS-01", name: "1号污水沉淀池", place: "污水处理站东侧", hazards: ["h2s", "oxygenDeficiency"],
                                                 signPosted: true, lockOrBarrier: "井盖上锁，钥匙由安全科保管", limits: .init(coMaxPPM: 24, h2sMaxPPM: 10, lelMaxPercent: 10)),
                                           actor: actor, origin: "seed-demo")
        let gasPoint = try await services.monitoring.points.list(MonitoringPointQuery(enterpriseID: e.id, search: "煤气"), page: Paging(per: 1), scope: .city).items.first
        _ = try await s.createSpace(.init(enterpriseID: e.id, code: "YS-02", name: "煤气排水器井", place: "高炉煤气管网3号排水器", hazards: ["co", "oxygenDeficiency"],
                                          signPosted: false, lockOrBarrier: "", pointIDs: gasPoint.map { [$0.id] } ?? [],
                                          limits: .init(coMaxPPM: 24, h2sMaxPPM: 10, lelMaxPercent: 10)), actor: actor, origin: "seed-demo")
        let silo = try await s.createSpace(.init(enterpriseID: e.id, code: "YS-03", name: "2号原料筒仓", place: "原料库北侧", hazards: ["combustible", "oxygenDeficiency"],
                                                 signPosted: true, lockOrBarrier: "仓顶人孔加锁", limits: .init(lelMaxPercent: 10)), actor: actor, origin: "seed-demo")
        func permit(_ kind: PermitKind, space: ConfinedSpace?, crew: [Worker], from: Double, until: Double, level: String? = nil, place: String? = nil) async throws -> PermitRecord {
            try await s.createPermit(.init(enterpriseID: e.id, kind: kind.rawValue, hotWorkLevel: level, spaceID: space?.id, place: place, crew: crew.map(\.id),
                                           applicant: crew.first?.name ?? "申请人", hazards: space.map { $0.hazards.map(\.zh).joined(separator: "、") } ?? "高温、火灾",
                                           measures: "作业前强制通风30分钟；检测合格后进入；佩戴正压式空气呼吸器；设专人监护，配备救援三脚架。",
                                           isolationPoints: kind.needsIsolation ? ["进水阀门关闭上锁", "搅拌电机断电挂牌"] : [], isolationConfirmed: kind.needsIsolation,
                                           supervisor: "赵卫东", entryFrom: now.addingTimeInterval(from * 3600), entryUntil: now.addingTimeInterval(until * 3600)),
                                     actor: actor, origin: "seed-demo")
        }
        func act(_ p: PermitRecord, _ action: String, at hours: Double, worker: Worker? = nil, o2: Double? = nil, lel: Double? = nil) async throws {
            _ = try await s.act(p.id, .init(action: action, approvedBy: e.profile.principal.name, authority: "principal", workerID: worker?.id,
                                            oxygenPercent: o2, coPPM: o2 == nil ? nil : 2, h2sPPM: o2 == nil ? nil : 0, lelPercent: lel ?? (o2 == nil ? nil : 0),
                                            tester: "孙海燕", at: now.addingTimeInterval(hours * 3600)), expectedVersion: nil, actor: actor, origin: "seed-demo")
        }
        // Closed: worked this morning, everyone out, closed.
        let closed = try await permit(.confinedSpace, space: pond, crew: Array(crew.prefix(2)), from: -6, until: 2)
        try await act(closed, "test", at: -5.5, o2: 20.8)
        try await act(closed, "approve", at: -5.4)
        try await act(closed, "enter", at: -5.3, worker: crew[0])
        try await act(closed, "exit", at: -3, worker: crew[0])
        try await act(closed, "close", at: -2.9)
        // In progress: one inside now.
        let active = try await permit(.confinedSpace, space: pond, crew: Array(crew.prefix(3)), from: -1, until: 6)
        try await act(active, "test", at: -0.5, o2: 20.6)
        try await act(active, "approve", at: -0.4)
        try await act(active, "enter", at: -0.3, worker: crew[1])
        // Suspended: silo cleaning stopped by a combustible reading, everyone out.
        let suspended = try await permit(.siloCleaning, space: silo, crew: [crew[2], crew[3]], from: -2, until: 5)
        try await act(suspended, "test", at: -1.8, o2: 20.9)
        try await act(suspended, "approve", at: -1.7)
        try await act(suspended, "enter", at: -1.6, worker: crew[2])
        try await act(suspended, "test", at: -1.2, o2: 20.7, lel: 18)
        try await act(suspended, "exit", at: -1.1, worker: crew[2])
        // Approved hot work, grade 2, tested and waiting to start.
        let hot = try await permit(.hotWork, space: nil, crew: [welder], from: 0, until: 8, level: "second", place: "2号转炉平台检修区")
        try await act(hot, "test", at: 0, o2: 20.9)
        _ = try await s.act(hot.id, .init(action: "approve", approvedBy: "钱志强", authority: "manager"), expectedVersion: nil, actor: actor, origin: "seed-demo")
        // Awaiting approval: tomorrow's entry, not yet tested.
        _ = try await permit(.confinedSpace, space: pond, crew: [crew[0], crew[3]], from: 20, until: 28)
        // Lapsed: approved yesterday and never closed.
        let old = try await permit(.confinedSpace, space: pond, crew: [crew[3]], from: -3, until: 1)
        try await act(old, "test", at: -2.9, o2: 20.8)
        try await act(old, "approve", at: -2.8)
        guard var lapsed = try await services.workforce.records.get(PermitRecord.self, id: old.id, scope: .city) else { return }
        let version = lapsed.version
        lapsed.entryFrom = now.addingTimeInterval(-30 * 3600)
        lapsed.entryUntil = now.addingTimeInterval(-22 * 3600)
        lapsed.tests = lapsed.tests.map { var t = $0; t.test.at = now.addingTimeInterval(-29.9 * 3600); return t }
        lapsed.approvedAt = now.addingTimeInterval(-29.8 * 3600)
        lapsed.state = .lapsed
        try await services.workforce.records.save(creating: [], replacing: [(lapsed, version)], action: .transition, audit: AuditContext(actor: actor, at: now, origin: "seed-demo"))
    }

    /// The contractor registry's banned example: a 较大 fatal accident last year, banned city-wide for
    /// three years (recorded by the city), made once.
    static func bannedContractor(_ services: ZhibenServices, at e: Enterprise) async throws -> Contractor {
        let s = services.contractors
        let code = CreditCode.completing("91141100MA0DEM099")!.value
        if let c = try await services.workforce.records.all(Contractor.self, RecordQuery(search: code.lowercased()), scope: .city, limit: 1).first { return c }
        let city = Caller(kind: .user, id: try await services.accounts.users.find(username: "city")?.id, username: "city", role: .cityOfficer, scope: .city)
        let c = try await s.createContractor(.init(creditCode: code, name: "山西鼎盛演示建设工程有限公司",
                                                   qualifications: [.init(name: "建筑业企业资质（施工总承包）", number: "D214000001", validUntil: "2028-06-30")]),
                                             actor: city, origin: "seed-demo")
        let on = ChinaTime.day(services.clock.now().addingTimeInterval(-300 * 86_400))
        return try await s.recordAccident(contractorID: c.id, .init(enterpriseID: e.id, on: on, level: "larger", deaths: 3, what: "检修作业中煤气泄漏，3人中毒死亡"),
                                          expectedVersion: nil, actor: city, origin: "seed-demo")
    }

    /// The county's maintenance contractor, admitted at the enterprise with an agreement: one job working
    /// (its crew certified and trained), one blocked at the gate (its welder's certificate expired, no
    /// supervisor).
    static func contractors(_ e: Enterprise, _ services: ZhibenServices) async throws {
        let s = services.contractors
        let county = e.profile.countyCode
        let username = "ent-" + e.profile.creditCode.lowercased()
        let actor = Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: .enterpriseUser,
                           scope: .enterprise(e.id))
        let now = services.clock.now()
        func day(_ offset: Int) -> String { ChinaTime.day(now.addingTimeInterval(Double(offset) * 86_400)) }
        _ = try await bannedContractor(services, at: e)
        let code = CreditCode.completing("91\(county)MA0JX\(county.suffix(2))01")!.value
        let c = try await s.createContractor(.init(creditCode: code, name: "吕梁市\(County.named(county)?.zh ?? "")安装检修有限公司",
                                                   qualifications: [.init(name: "安全生产许可证", number: "(晋)JZ安许证字[2024]\(county)", validUntil: day(700))]),
                                             actor: actor, origin: "seed-demo")
        _ = try await s.admit(contractorID: c.id, enterpriseID: e.id, agreement: .init(scope: "设备检修、管道安装及动火作业", signedOn: day(-60), validFrom: day(-60), validUntil: day(300)),
                              expectedVersion: nil, actor: actor, origin: "seed-demo")
        let workers = try await services.workforce.records.all(Worker.self, RecordQuery(enterpriseID: e.id), scope: .city, limit: 100)
        guard let electrician = workers.first(where: { $0.job == "电工" }), let welder = workers.first(where: { $0.job == "检修焊工" }),
              let rigger = workers.first(where: { $0.job == "高处作业工" }) else { return }
        let ok = try await s.createJob(.init(enterpriseID: e.id, contractorID: c.id, title: "2号高炉配电室检修", plan: "停电、验电、挂接地线后检修；设专人监护；配备绝缘工具。",
                                             crew: [.init(workerID: electrician.id, operations: ["1.1"]), .init(workerID: rigger.id, operations: ["3.1"])],
                                             supervisor: "王立新", startOn: day(-1), endOn: day(5)), actor: actor, origin: "seed-demo")
        _ = try? await s.transition(ok.id, action: "start", expectedVersion: nil, actor: actor, origin: "seed-demo")
        _ = try await s.createJob(.init(enterpriseID: e.id, contractorID: c.id, title: "煤气管道法兰更换（动火）", plan: "管道吹扫置换合格后动火；办理动火作业票。",
                                        crew: [.init(workerID: welder.id, operations: ["2.1"])], supervisor: "", startOn: day(0), endOn: day(2)),
                                  actor: actor, origin: "seed-demo")
    }

    /// The county's principals' training on its confined-space topic this year (the chosen enterprises'
    /// principals); an exam passed by the first one's principal; the first enterprise's drill last month;
    /// and an observation drill in every other county.
    static func training(_ code: String, _ chosen: [Enterprise], _ services: ZhibenServices) async throws {
        guard !chosen.isEmpty else { return }
        let s = services.trainings
        let county = Caller(kind: .user, id: try await services.accounts.users.find(username: "county-\(code)")?.id, username: "county-\(code)",
                            role: .countyOfficer, scope: .county(code))
        let now = services.clock.now()
        func day(_ offset: Int) -> String { ChinaTime.day(now.addingTimeInterval(Double(offset) * 86_400)) }
        _ = try await s.recordTraining(.init(title: "有限空间作业企业主要负责人专题培训", topic: SpecialRisk.confinedSpace.rawValue, on: day(-20),
                                             attendees: chosen.map { .init(enterpriseID: $0.id, name: nil, role: TraineeRole.principal.rawValue) }),
                                       actor: county, origin: "seed-demo")
        _ = try await s.recordExam(enterpriseID: chosen[0].id, name: nil, role: TraineeRole.principal.rawValue, on: day(-15), passed: true, actor: county, origin: "seed-demo")
        let username = "ent-" + chosen[0].profile.creditCode.lowercased()
        let ent = Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: .enterpriseUser,
                         scope: .enterprise(chosen[0].id))
        _ = try await s.recordDrill(enterpriseID: nil, kind: Drill.Kind.special.rawValue, on: day(-30), scenario: "煤气泄漏中毒事故应急处置", participants: 45,
                                    evaluation: "撤离用时6分钟，警戒区设置及时；空气呼吸器佩戴不熟练，已安排复训。", actor: ent, origin: "seed-demo")
        if (Int(code.suffix(2)) ?? 0) % 2 == 0 {
            _ = try await s.recordDrill(enterpriseID: nil, kind: Drill.Kind.observation.rawValue, on: day(-45), scenario: "粉尘爆炸事故现场观摩演练", participants: 120,
                                        evaluation: "组织有序，企业间交流效果良好。", actor: county, origin: "seed-demo")
        }
    }

    /// A violation the county's inspector found on site.
    static func regulatorViolation(_ e: Enterprise, _ services: ZhibenServices) async throws {
        let username = "inspector-\(e.profile.countyCode)"
        let inspector = Caller(kind: .user, id: try await services.accounts.users.find(username: username)?.id, username: username, role: .inspector,
                               scope: .county(e.profile.countyCode))
        guard let w = try await services.workforce.records.all(Worker.self, RecordQuery(enterpriseID: e.id, search: "叉车"), scope: .city, limit: 1).first
        else { return }
        _ = try await services.workforce.recordViolation(.init(workerID: w.id, kind: "command", happenedOn: ChinaTime.day(services.clock.now()),
                                                               what: "执法检查发现：安排无证人员从事特种作业"), actor: inspector, origin: "seed-demo")
    }
}
