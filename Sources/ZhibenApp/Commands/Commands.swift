import Fluent
import Foundation
import SQLKit
import Vapor
import ZhibenDomain

/// Loads Lüliang's demo data: enterprises from the deterministic generator and an account for every role.
enum DemoSeeder {
    struct Result {
        var enterprises: Int
        var hazards: Int = 0
        var accounts: [DemoData.Account]
        var password: String
        var generatedPassword: Bool
    }

    /// Demo hazards per enterprise when no number is given.
    static let hazardsPerEnterprise = 4

    static func seed(_ services: ZhibenServices, enterprises count: Int, hazards: Int? = nil, logger: Logger) async throws -> Result {
        let password = services.config.demoPassword ?? Secret.password()
        let profiles = DemoData.enterprises(count: count)
        let now = services.clock.now()
        let existing = try await services.demo.existingCreditCodes(profiles.map(\.creditCode))
        let fresh = profiles.filter { !existing.contains($0.creditCode) }
        let records = fresh.map {
            Enterprise(id: UUID(), profile: $0, computedGrade: Classifier.classify($0, now: now).grade, createdAt: now, updatedAt: now)
        }
        try await services.demo.createEnterprises(records, now: now)
        // Every demo account shares one hash of the one demo password: hashing thousands would take minutes.
        let hash = try await services.hasher.hash(password)
        // Ids of the enterprises just created are known; only ones that were already there are looked up.
        var ids = Dictionary(uniqueKeysWithValues: records.map { ($0.profile.creditCode, $0.id) })
        for code in existing {
            if let id = try await services.demo.enterpriseID(creditCode: code) { ids[code] = id }
        }
        let accounts = DemoData.accounts(for: profiles)
        let taken = try await services.demo.existingUsernames(accounts.map(\.username))
        var users: [User] = []
        for a in accounts where !taken.contains(a.username) {
            users.append(User(username: a.username, displayName: a.displayName, role: a.role, countyCode: a.countyCode,
                              enterpriseID: a.enterpriseCreditCode.flatMap { ids[$0] }, passwordHash: hash, createdAt: now))
        }
        try await services.demo.createUsers(users, now: now)
        let hazardCount = try await seedHazards(services, total: hazards ?? count * hazardsPerEnterprise, now: now)
        try await seedMonitoring(services, now: now)
        try await seedEnforcement(services, users: users, now: now)
        logger.info("demo data: \(records.count) enterprises, \(users.count) accounts, \(hazardCount) hazards")
        return Result(enterprises: records.count, hazards: hazardCount, accounts: accounts, password: password,
                      generatedPassword: services.config.demoPassword == nil)
    }

    /// Four officers on each county's roster (one of them the county's demo inspector account, one whose
    /// certificate has run out) and eight experts (three of them the demo expert accounts); only into a
    /// database whose roster is empty.
    static func seedEnforcement(_ services: ZhibenServices, users: [User], now: Date) async throws {
        guard try await !services.demo.hasRoster() else { return }
        let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "郭", "何"]
        let given = ["建国", "志强", "海燕", "晓东", "丽华", "文斌", "国栋", "秀英", "永红", "卫东", "春梅", "振华"]
        let byName = Dictionary(users.map { ($0.username, $0.id) }, uniquingKeysWith: { a, _ in a })
        let specialties: [[Specialty]] = [[.metallurgy, .gas], [.dust, .electrical], [.confinedSpace, .lifting], [.ammonia, .fire]]
        var n = 0
        for (ci, county) in County.all.enumerated() {
            for k in 0..<4 {
                n += 1
                let name = surnames[(ci * 4 + k) % surnames.count] + given[(ci * 3 + k * 5) % given.count] + "（演示）"
                try await services.demo.addInspector(RosterInspector(
                    name: name, countyCode: county.code, certificateNo: String(format: "晋%@%04d", county.code, k + 1),
                    certificateValidUntil: k == 3 ? "2025-06-30" : "2028-12-31", specialties: specialties[k],
                    userID: k == 0 ? byName["inspector-\(county.code)"] : nil, updatedAt: now), now: now)
            }
        }
        let experts: [(String, [Specialty], String, String)] = [
            ("专家1（演示）", [.metallurgy, .gas], "正高级工程师", "山西某钢铁设计院"), ("专家2（演示）", [.dust, .electrical], "高级工程师", "某安全评价机构"),
            ("专家3（演示）", [.confinedSpace, .lifting], "高级工程师", "某特种设备检验所"), ("赵明远（演示）", [.nonferrous, .metallurgy], "高级工程师", "某铝业公司"),
            ("钱文静（演示）", [.ammonia, .fire], "工程师", "某消防技术服务机构"), ("孙立新（演示）", [.gas, .confinedSpace], "高级工程师", "某煤气化公司"),
            ("李红梅（演示）", [.dust], "正高级工程师", "某高校安全工程系"), ("周建华（演示）", [.general, .electrical], "高级工程师", "某安全咨询公司"),
        ]
        for (i, e) in experts.enumerated() {
            try await services.demo.addExpert(Expert(name: e.0, specialties: e.1, title: e.2, employer: e.3,
                                                                   countyCode: County.all[i % County.all.count].code,
                                                                   userID: i < 3 ? byName["expert-\(i + 1)"] : nil, updatedAt: now), now: now)
        }
    }

    /// Monitoring points of the demo enterprises with monitored risks; only into a database that has none yet.
    static func seedMonitoring(_ services: ZhibenServices, now: Date) async throws {
        guard try await !services.demo.hasPoints() else { return }
        let enterprises = try await services.demo.allEnterprises()
        try await services.demo.createPoints(DemoData.monitoringPoints(for: enterprises, now: now), now: now)
    }

    /// Hazards in every state across 2023 to now, walked through the real workflow; only into a
    /// database that has none yet.
    static func seedHazards(_ services: ZhibenServices, total: Int, now: Date) async throws -> Int {
        guard total > 0, try await !services.demo.hasHazards(now: now) else { return 0 }
        let enterprises = try await services.demo.allEnterprises()
        let items = DemoData.hazards(for: enterprises, total: total, now: now, experts: try await services.hazards.experts(actor: .system))
        try await services.demo.createHazards(items, now: now)
        try await services.demo.createSelfInspections(DemoData.selfInspections(for: enterprises, now: now),
                                                      reports: DemoData.internalReports(for: enterprises, now: now), now: now)
        return items.count
    }

    static func banner(_ r: Result, url: String?) -> String {
        var lines: [String] = []
        if let url { lines.append("治本 Zhiben 已启动 / is running: \(url)") }
        lines.append("已载入吕梁市演示数据 / Lüliang demo data loaded: \(r.enterprises) 家企业 / enterprises, \(r.hazards) 条隐患 / hazards")
        lines.append("演示账号 / demo accounts (password for all: \(r.password))\(r.generatedPassword ? "  [generated; set ZHIBEN_DEMO_PASSWORD to choose one]" : ""):")
        let shown = r.accounts.filter { $0.role != .enterpriseUser }
        for a in shown where a.role != .countyOfficer && a.role != .inspector {
            lines.append("  \(a.username.padding(toLength: 22, withPad: " ", startingAt: 0)) \(a.role.zh) / \(a.role.en)")
        }
        lines.append("  county-<县代码>         县局业务员 / county officer, e.g. county-141181 (孝义市)")
        lines.append("  inspector-<县代码>      执法人员 / inspector, e.g. inspector-141182 (汾阳市)")
        for a in shown where a.role == .countyOfficer || a.role == .inspector {
            if a.countyCode == "141181" { lines.append("  \(a.username.padding(toLength: 22, withPad: " ", startingAt: 0)) \(a.displayName)") }
        }
        let ents = r.accounts.filter { $0.role == .enterpriseUser }
        for a in ents.prefix(3) { lines.append("  \(a.username.padding(toLength: 22, withPad: " ", startingAt: 0)) \(a.displayName)") }
        if ents.count > 3 { lines.append("  … ent-<统一社会信用代码，小写> for each of \(ents.count) enterprises") }
        return lines.joined(separator: "\n")
    }
}

/// `zhiben serve`: migrates, loads demo data into an empty database, then serves.
struct ZhibenServeCommand: AsyncCommand {
    typealias Signature = ServeCommand.Signature
    var help: String { "Migrates the database, loads Lüliang demo data when it is empty, and serves Zhiben (default 127.0.0.1:8080)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        var seeded: DemoSeeder.Result?
        let services = app.zhiben
        if services.config.seedDemoWhenEmpty, try await services.accounts.isEmpty() {
            context.console.print("数据库为空，正在载入演示数据… / empty database: loading demo data…")
            seeded = try await DemoSeeder.seed(services, enterprises: services.config.demoEnterprises, logger: app.logger)
            try await DemoScenarios.seed(services, logger: app.logger)
            try await DemoPeople.seed(services, logger: app.logger)
        }
        let regraded = try await services.enterprises.refreshGrades()
        if regraded > 0 { app.logger.notice("supervision grades refreshed: \(regraded) enterprises changed") }
        let overdue = try await services.hazards.sweepOverdue()
        if overdue > 0 { app.logger.notice("overdue hazards announced: \(overdue)") }
        try await services.telemetry.maintain()
        // The leases of the enterprises no other instance runs, their points' alarm state (so that silence
        // is noticed after a restart too), and the batches left unevaluated by a crash. A SQLite file has
        // one server process: it takes its predecessor's leases at once instead of waiting them out.
        try await services.alarms.coordinate(takingOver: services.store.engine == .sqlite)
        if services.store.engine == .postgres { try await Self.openConnections(app, each: services.config.databaseConnections) }
        try await app.servers.asyncCommand.run(using: context, signature: signature)
        try await app.simulator?.start(app)
        let address = app.http.server.shared.localAddress
        let url = address.map { a -> String in
            let host = a.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "127.0.0.1"
            return "http://\(host):\(a.port ?? 8080)/"
        } ?? "http://127.0.0.1:8080/"
        if let seeded {
            context.console.print(DemoSeeder.banner(seeded, url: url))
        } else {
            context.console.print("治本 Zhiben 已启动 / is running: \(url)")
            context.console.print("使用首次启动时打印的演示账号登录；管理员可在“用户管理”中重置密码，也可用 zhiben create-user 新建管理员。/ Sign in with the accounts printed on first start; administrators reset passwords on the Users page.")
        }
    }
}

extension ZhibenServeCommand {
    /// PostgreSQL: opens every connection of each event loop's pool before the server answers. A pool
    /// otherwise opens them as load arrives, each (a server process forked, signed in) while the
    /// request that needed it waits. Each statement holds its connection a moment, so that the pool
    /// has to open all of them.
    static func openConnections(_ app: Application, each: Int) async throws {
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(.psql, logger: app.logger, on: loop) as? any SQLDatabase else { continue }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<each { group.addTask { try await db.raw("SELECT pg_sleep(0.05)").run() } }
                try await group.waitForAll()
            }
        }
    }
}

struct SeedDemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "enterprises", help: "How many enterprises to generate (1–20000, default 800).")
        var enterprises: Int?
        @Option(name: "hazards", help: "How many hazards to generate when there are none yet (0–500000, default 4 per enterprise).")
        var hazards: Int?
        init() {}
    }

    var help: String { "Loads Lüliang demo data (fictional enterprises, accounts for every role). Existing records are kept." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let n = signature.enterprises ?? app.zhiben.config.demoEnterprises
        guard (1...DemoData.maxEnterprises).contains(n) else {
            throw AppConfig.ConfigError.invalid("--enterprises", "must be 1–\(DemoData.maxEnterprises)")
        }
        if let h = signature.hazards, !(0...500_000).contains(h) {
            throw AppConfig.ConfigError.invalid("--hazards", "must be 0–500000")
        }
        try await app.autoMigrate()
        let r = try await DemoSeeder.seed(app.zhiben, enterprises: n, hazards: signature.hazards, logger: app.logger)
        try await DemoScenarios.seed(app.zhiben, logger: app.logger)
        try await DemoPeople.seed(app.zhiben, logger: app.logger)
        context.console.print(DemoSeeder.banner(r, url: nil))
    }
}

struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "Login name (a–z, 0–9, - _ .).") var username: String?
        @Option(name: "name", help: "Display name.") var name: String?
        @Option(name: "role", help: "cityAdmin, cityOfficer, countyOfficer, inspector, expert or enterpriseUser.") var role: String?
        @Option(name: "county", help: "County code for county officers and inspectors, e.g. 141181.") var county: String?
        @Option(name: "enterprise", help: "Credit code of the enterprise, for enterprise users.") var enterprise: String?
        @Option(name: "password", help: "Password; read from ZHIBEN_NEW_PASSWORD or asked when omitted.") var password: String?
        init() {}
    }

    var help: String { "Creates an account (audited as 'system')." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let username = signature.username ?? context.console.ask("username:")
        let password = signature.password ?? ProcessInfo.processInfo.environment["ZHIBEN_NEW_PASSWORD"]
            ?? context.console.ask("password:", isSecure: true)
        let draft = UserDraft(username: username, displayName: signature.name ?? username, role: signature.role ?? "cityAdmin",
                              countyCode: signature.county, enterpriseCreditCode: signature.enterprise, password: password)
        let u = try await reportingFieldIssues(context) {
            try await app.zhiben.accounts.create(draft, actor: .system, origin: "create-user")
        }
        context.console.print("created \(u.username) (\(u.role.rawValue))")
    }
}

struct CreateAPIKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "enterprise", help: "Credit code of the enterprise the key acts for.") var enterprise: String?
        @Option(name: "name", help: "What the key is for, e.g. 'gateway 1'.") var name: String?
        init() {}
    }

    var help: String { "Issues an API key for an enterprise's machine client; prints it once." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        guard let code = signature.enterprise else {
            context.console.error("--enterprise <credit code> is required")
            throw AppConfig.ConfigError.invalid("--enterprise", "is required")
        }
        let key = try await reportingFieldIssues(context) {
            try await app.zhiben.apiKeys.issue(name: signature.name ?? "gateway", creditCode: code, actor: .system, origin: "create-api-key")
        }
        context.console.print(key)
    }
}

struct AuditCommand: AsyncCommandGroup {
    var help: String { "Audit log tools." }
    var commands: [String: any AnyAsyncCommand] { ["verify": AuditVerifyCommand()] }
}

struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }
    var help: String { "Walks the hash chain of the audit log; names the first edited, inserted or deleted row. Exit 1 when broken." }

    struct Broken: Error, CustomStringConvertible {
        let description: String
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        switch try await context.application.zhiben.auditLog.verify(actor: .system) {
        case .ok(let n):
            context.console.print("OK: audit chain intact, \(n) entries")
        case .broken(let seq, let reason):
            context.console.error("BROKEN at row \(seq): \(reason)")
            throw Broken(description: "audit chain broken at row \(seq)")
        }
    }
}

/// Runs a use case for a command, printing each bad field before the error ends the command.
func reportingFieldIssues<T>(_ context: CommandContext, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as DomainError {
        for i in e.fieldIssues ?? [] { context.console.error("\(i.field): \(i.reasonEn)") }
        throw e
    }
}

struct DrawCommand: AsyncCommandGroup {
    var help: String { "Double-random draw tools." }
    var commands: [String: any AnyAsyncCommand] { ["verify": DrawVerifyCommand()] }
}

/// `zhiben draw verify <id>`: recomputes a draw from its published pool and seed.
struct DrawVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "id", help: "The draw's id.") var id: String
        init() {}
    }
    var help: String { "Recomputes a draw: the pool's SHA-256, the seed's commitment, and the result from the seed and the pool. Exit 1 on any mismatch." }

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let id = UUID(uuidString: signature.id) else { throw Mismatch(description: "\(signature.id) is not a draw id") }
        // Always from storage, never from a page's memory.
        let d: Draw, v: DrawVerification
        do {
            (d, v) = try await context.application.zhiben.draws.recomputed(id)
        } catch DomainError.notFound {
            throw Mismatch(description: "no draw \(signature.id)")
        }
        func line(_ what: String, _ ok: Bool?) { context.console.print("\(what): \(ok.map { $0 ? "matches" : "DOES NOT MATCH" } ?? "not revealed yet")") }
        context.console.print("draw \(d.id.uuidString) \(d.title): \(d.pool.enterprises.count) enterprises in the pool, \(d.parameters.size) to draw")
        line("pool SHA-256 \(d.poolDigest)", v.poolMatches)
        line("commitment SHA-256(seed) \(d.commitment)", v.commitmentMatches)
        line("result recomputed from the seed and the pool", v.resultMatches)
        guard v.ok else { throw Mismatch(description: "draw \(d.id.uuidString) does not verify") }
        context.console.print(d.revealed ? "OK: the draw verifies" : "OK so far: the pool matches its digest; the seed is not revealed yet")
    }
}
