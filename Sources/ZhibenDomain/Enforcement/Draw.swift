import Foundation

/// What a draw is asked for: how many enterprises, how many inspectors each, an expert or not,
/// inspectors from other counties (异地交叉检查) or the enterprise's own, weights for bad records.
public struct DrawParameters: Sendable, Equatable, Codable {
    public var size: Int
    public var inspectorsPerEnterprise: Int
    public var withExpert: Bool
    public var crossCounty: Bool
    /// Enterprises with an open major hazard or a level-1 alarm in the last 90 days get more tickets.
    public var weighted: Bool
    /// The pool's filters, as chosen (for the record; the frozen pool is what counts).
    public var countyCodes: [String]
    public var industries: [String]
    public var grades: [String]
    /// Enterprises with an inspection completed in this many months before the commit are left out of
    /// the pool; nil or 0: none.
    public var excludeInspectedMonths: Int?

    public init(size: Int, inspectorsPerEnterprise: Int = 2, withExpert: Bool = false, crossCounty: Bool = false, weighted: Bool = false,
                countyCodes: [String] = [], industries: [String] = [], grades: [String] = [], excludeInspectedMonths: Int? = nil) {
        self.size = size
        self.inspectorsPerEnterprise = inspectorsPerEnterprise
        self.withExpert = withExpert
        self.crossCounty = crossCounty
        self.weighted = weighted
        self.countyCodes = countyCodes
        self.industries = industries
        self.grades = grades
        self.excludeInspectedMonths = excludeInspectedMonths
    }
}

/// Everything a draw chooses from, frozen when it is committed and published with it.
public struct DrawPool: Sendable, Equatable, Codable {
    public struct Enterprise: Sendable, Equatable, Codable {
        public var id: UUID
        public var creditCode: String
        public var name: String
        public var countyCode: String
        /// Tickets: 1, plus 1 for an open major hazard and 1 for a level-1 alarm in 90 days when weighted.
        public var weight: Int

        public init(id: UUID, creditCode: String, name: String, countyCode: String, weight: Int = 1) {
            self.id = id
            self.creditCode = creditCode
            self.name = name
            self.countyCode = countyCode
            self.weight = weight
        }
    }

    public struct Person: Sendable, Equatable, Codable {
        public var id: UUID
        public var name: String
        public var countyCode: String?
        /// The inspector's certificate number (experts: empty).
        public var certificate: String
        public var conflicts: [UUID]

        public init(id: UUID, name: String, countyCode: String?, certificate: String = "", conflicts: [UUID] = []) {
            self.id = id
            self.name = name
            self.countyCode = countyCode
            self.certificate = certificate
            self.conflicts = conflicts
        }
    }

    /// Sorted by credit code.
    public var enterprises: [Enterprise]
    /// Sorted by id: only those drawable on the day the pool was frozen (active, certificate valid).
    public var inspectors: [Person]
    /// Sorted by id: the available experts (empty when no expert is asked for).
    public var experts: [Person]
    /// The day the pool was frozen (`yyyy-MM-dd`, Beijing time).
    public var day: String

    public init(enterprises: [Enterprise], inspectors: [Person], experts: [Person], day: String) {
        self.enterprises = enterprises.sorted { $0.creditCode < $1.creditCode }
        self.inspectors = inspectors.sorted { $0.id.uuidString < $1.id.uuidString }
        self.experts = experts.sorted { $0.id.uuidString < $1.id.uuidString }
        self.day = day
    }

    /// The bytes published and hashed: JSON with sorted keys, no spaces.
    public var canonical: Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)) ?? Data()
    }
}

/// Who was drawn: the enterprises in the order drawn, each with its inspectors (and expert).
public struct DrawResult: Sendable, Equatable, Codable {
    public struct Pick: Sendable, Equatable, Codable {
        public var enterpriseID: UUID
        public var inspectors: [UUID]
        public var expert: UUID?

        public init(enterpriseID: UUID, inspectors: [UUID], expert: UUID?) {
            self.enterpriseID = enterpriseID
            self.inspectors = inspectors
            self.expert = expert
        }
    }

    public var picks: [Pick]
}

/// The draw as a deterministic function of a seed and a frozen pool (双随机), written so that anyone can
/// recompute it (README, "The draw"). `h(parts)` is the lower-case hex SHA-256 of the parts joined by
/// `|` (UTF-8); hex strings compare as the numbers they spell.
///
/// 1. Each pool enterprise gets `weight` tickets; ticket t scores `h(seed, "enterprise", creditCode, t)`
///    (t = 1…weight); the enterprise's score is its lowest ticket. The `size` enterprises of lowest score
///    are drawn, in that order (ties: credit code).
/// 2. For each drawn enterprise in order, the inspectors it may have: not conflicted with it, and from
///    another county when `crossCounty`, else from its own. They are ranked by how many enterprises of
///    this draw they already have, then by `h(seed, "inspector", creditCode, inspector id)`; the first
///    `inspectorsPerEnterprise` are assigned.
/// 3. With `withExpert`, the same for the experts not conflicted with it, with `"expert"`, one each.
public enum DrawAlgorithm {
    public typealias SHA256Hex = @Sendable (Data) -> String

    static func h(_ sha: SHA256Hex, _ parts: [String]) -> String { sha(Data(parts.joined(separator: "|").utf8)) }

    public static func commitment(seed: String, sha: SHA256Hex) -> String { sha(Data(seed.utf8)) }

    /// The inspectors (and experts) an enterprise of the pool may have under these parameters.
    public static func eligible(_ e: DrawPool.Enterprise, among people: [DrawPool.Person], crossCounty: Bool?) -> [DrawPool.Person] {
        people.filter { p in
            guard !p.conflicts.contains(e.id) else { return false }
            guard let crossCounty else { return true }
            return crossCounty ? p.countyCode != e.countyCode : p.countyCode == e.countyCode
        }
    }

    /// The enterprises of the pool a draw could not staff (fewer eligible inspectors than asked, or no
    /// expert): a pool with any is refused before it is committed.
    public static func unstaffable(_ pool: DrawPool, _ params: DrawParameters) -> [DrawPool.Enterprise] {
        pool.enterprises.filter { e in
            eligible(e, among: pool.inspectors, crossCounty: params.crossCounty).count < params.inspectorsPerEnterprise
                || (params.withExpert && eligible(e, among: pool.experts, crossCounty: nil).isEmpty)
        }
    }

    public static func run(seed: String, pool: DrawPool, parameters p: DrawParameters, sha: SHA256Hex) -> DrawResult {
        let scored = pool.enterprises.map { e -> (score: String, e: DrawPool.Enterprise) in
            let tickets = (1...max(1, e.weight)).map { h(sha, [seed, "enterprise", e.creditCode, String($0)]) }
            return (tickets.min()!, e)
        }.sorted { $0.score != $1.score ? $0.score < $1.score : $0.e.creditCode < $1.e.creditCode }
        var load: [UUID: Int] = [:]
        func pick(_ label: String, _ e: DrawPool.Enterprise, from people: [DrawPool.Person], count: Int, crossCounty: Bool?) -> [UUID] {
            let ranked = eligible(e, among: people, crossCounty: crossCounty).map { p in
                (load: load[p.id, default: 0], score: h(sha, [seed, label, e.creditCode, p.id.uuidString.lowercased()]), id: p.id)
            }.sorted { $0.load != $1.load ? $0.load < $1.load : $0.score < $1.score }
            let chosen = ranked.prefix(count).map(\.id)
            for id in chosen { load[id, default: 0] += 1 }
            return chosen
        }
        let picks = scored.prefix(p.size).map { s in
            DrawResult.Pick(enterpriseID: s.e.id,
                            inspectors: pick("inspector", s.e, from: pool.inspectors, count: p.inspectorsPerEnterprise, crossCounty: p.crossCounty),
                            expert: p.withExpert ? pick("expert", s.e, from: pool.experts, count: 1, crossCounty: nil).first : nil)
        }
        return DrawResult(picks: picks)
    }
}

/// One double-random draw: committed (pool frozen, the seed's SHA-256 published), then revealed (the
/// seed published, the result computed from it). Nothing of it changes afterwards.
public struct Draw: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The county whose draw it is; nil for a city-wide draw.
    public var countyCode: String?
    public var year: Int
    public var title: String
    public var parameters: DrawParameters
    public var pool: DrawPool
    public var poolDigest: String
    public var commitment: String
    /// Published at the reveal.
    public var seed: String?
    public var result: DrawResult?
    public var createdBy: String
    public var createdAt: Date
    public var revealedAt: Date?
    /// The pool's size: all a list shows (lists leave the pool itself out).
    public var poolCounts: PoolCounts
    /// Why this draw was committed while a draw of an overlapping pool was revealed in the last 30 days:
    /// shown publicly beside it.
    public var overlapReason: String?

    /// The pool's entries of the picked enterprises, by id (a city-wide pool holds twenty thousand; a
    /// result names a few dozen).
    public var pickedEnterprises: [UUID: DrawPool.Enterprise] {
        let picked = Set(result?.picks.map(\.enterpriseID) ?? [])
        var out: [UUID: DrawPool.Enterprise] = [:]
        for e in pool.enterprises where picked.contains(e.id) && out[e.id] == nil { out[e.id] = e }
        return out
    }

    public struct PoolCounts: Sendable, Equatable {
        public var enterprises: Int
        public var inspectors: Int
        public var experts: Int
        public init(enterprises: Int, inspectors: Int, experts: Int) {
            self.enterprises = enterprises
            self.inspectors = inspectors
            self.experts = experts
        }
    }

    public init(id: UUID = UUID(), countyCode: String?, year: Int, title: String, parameters: DrawParameters, pool: DrawPool, poolDigest: String,
                commitment: String, seed: String? = nil, result: DrawResult? = nil, createdBy: String, createdAt: Date, revealedAt: Date? = nil,
                poolCounts: PoolCounts? = nil, overlapReason: String? = nil) {
        self.overlapReason = overlapReason
        self.poolCounts = poolCounts ?? PoolCounts(enterprises: pool.enterprises.count, inspectors: pool.inspectors.count, experts: pool.experts.count)
        self.id = id
        self.countyCode = countyCode
        self.year = year
        self.title = title
        self.parameters = parameters
        self.pool = pool
        self.poolDigest = poolDigest
        self.commitment = commitment
        self.seed = seed
        self.result = result
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revealedAt = revealedAt
    }

    public var revealed: Bool { seed != nil }

    /// Recomputes everything published: the pool's digest, the commitment from the seed, and the result
    /// from the seed and the pool.
    public func verify(sha: DrawAlgorithm.SHA256Hex) -> DrawVerification {
        let poolOK = sha(pool.canonical) == poolDigest
        guard let seed, let result else { return DrawVerification(poolMatches: poolOK, commitmentMatches: nil, resultMatches: nil) }
        return DrawVerification(poolMatches: poolOK, commitmentMatches: DrawAlgorithm.commitment(seed: seed, sha: sha) == commitment,
                                resultMatches: DrawAlgorithm.run(seed: seed, pool: pool, parameters: parameters, sha: sha) == result)
    }
}

public struct DrawVerification: Sendable, Equatable {
    public var poolMatches: Bool
    /// Nil until the seed is revealed.
    public var commitmentMatches: Bool?
    public var resultMatches: Bool?

    public init(poolMatches: Bool, commitmentMatches: Bool?, resultMatches: Bool?) {
        self.poolMatches = poolMatches
        self.commitmentMatches = commitmentMatches
        self.resultMatches = resultMatches
    }

    public var ok: Bool { poolMatches && commitmentMatches != false && resultMatches != false }
}

/// A draw's pool as asked for: which enterprises, before it is frozen.
public struct DrawPoolQuery: Sendable, Equatable {
    public var countyCodes: [String]
    public var industries: [String]
    public var grades: [String]
    public var weighted: Bool
    /// Leave out enterprises with an inspection completed at or after this time.
    public var excludeInspectedSince: Date?

    public init(countyCodes: [String], industries: [String] = [], grades: [String] = [], weighted: Bool = false, excludeInspectedSince: Date? = nil) {
        self.countyCodes = countyCodes
        self.industries = industries
        self.grades = grades
        self.weighted = weighted
        self.excludeInspectedSince = excludeInspectedSince
    }
}

/// Verified draws kept in memory: a revealed draw never changes, so recomputing it (a pool of 20,000
/// enterprises is a few megabytes of JSON and as many hashes) once per process is enough for the pages;
/// `zhiben draw verify` always recomputes from storage.
actor DrawCache {
    private var entries: [UUID: (draw: Draw, verification: DrawVerification)] = [:]
    private var order: [UUID] = []
    let capacity = 32

    func get(_ id: UUID) -> (draw: Draw, verification: DrawVerification)? { entries[id] }

    func put(_ d: Draw, _ v: DrawVerification) {
        guard d.revealed else { return }
        if entries[d.id] == nil { order.append(d.id) }
        entries[d.id] = (d, v)
        while order.count > capacity { entries.removeValue(forKey: order.removeFirst()) }
    }
}

public protocol DrawRepository: Sendable {
    /// The active enterprises matching the query, with their tickets when weighted.
    func candidates(_ query: DrawPoolQuery, now: Date) async throws -> [DrawPool.Enterprise]
    /// Stores a committed draw with its secret seed (kept out of every answer until the reveal).
    func create(_ draw: Draw, secret: String, audit: AuditContext) async throws
    /// Publishes the seed and the result, once: `compute` gets the secret; a revealed draw answers conflict.
    /// Applies `step` (`DrawWorkflow.reveal`) to the draw as this write reads it, with its secret seed, and
    /// stores the revealed draw with its audit entry in that write.
    func reveal(id: UUID, scope: Scope, audit: AuditContext, step: @escaping @Sendable (Draw, String) throws -> Draw) async throws -> Draw
    func find(id: UUID, scope: Scope) async throws -> Draw?
    /// Newest first, without their pools (`poolCounts` tells the sizes).
    func list(scope: Scope, page: Paging) async throws -> Paged<Draw>
    /// Every draw of a year, newest first, without pools.
    func inYear(_ year: Int) async throws -> [Draw]
    /// Draws revealed at or after `since`, with their pools.
    func revealedSince(_ since: Date) async throws -> [Draw]
    /// Which of these draws have their inspections arranged.
    func arranged(drawIDs: [UUID]) async throws -> Set<UUID>
}

/// Double-random draws (双随机、一公开): committed with a frozen pool, revealed, public, verifiable.
public struct DrawService: Sendable {
    public let repository: any DrawRepository
    public let people: any EnforcementPeopleRepository
    public let secrets: any SecretSource
    public let sha: DrawAlgorithm.SHA256Hex
    public let clock: any WallClock
    let cache = DrawCache()

    public init(repository: any DrawRepository, people: any EnforcementPeopleRepository, secrets: any SecretSource,
                sha: @escaping DrawAlgorithm.SHA256Hex, clock: any WallClock) {
        self.repository = repository
        self.people = people
        self.secrets = secrets
        self.sha = sha
        self.clock = clock
    }

    public struct Request: Sendable {
        public var title: String
        public var year: Int
        public var countyCodes: [String]
        public var industries: [String]
        public var grades: [String]
        public var parameters: DrawParameters
        /// Required when the pool overlaps a draw revealed in the last 30 days.
        public var overlapReason: String?

        public init(title: String, year: Int, countyCodes: [String] = [], industries: [String] = [], grades: [String] = [], parameters: DrawParameters,
                    overlapReason: String? = nil) {
            self.overlapReason = overlapReason
            self.title = title
            self.year = year
            self.countyCodes = countyCodes
            self.industries = industries
            self.grades = grades
            self.parameters = parameters
        }
    }

    /// Freezes the pool and commits to a fresh secret seed; the result is drawn at the reveal.
    public func create(_ r: Request, actor: Caller, origin: String? = nil) async throws -> Draw {
        try actor.require(.drawManage)
        var issues: [FieldIssue] = []
        let title = r.title.trimmingCharacters(in: .whitespaces)
        if !(1...100).contains(title.length) || r.title.length > 100 { issues.append(FieldIssue(field: "title", zh: "请填写标题（不超过100字）", en: "the title is required (at most 100 characters)")) }
        if !(2020...2100).contains(r.year) { issues.append(FieldIssue(field: "year", zh: "年度无效", en: "the year is not valid")) }
        let p = r.parameters
        if !(1...1000).contains(p.size) { issues.append(FieldIssue(field: "size", zh: "抽取企业数应为1至1000", en: "the number of enterprises is 1 to 1,000")) }
        if !(2...5).contains(p.inspectorsPerEnterprise) {
            issues.append(FieldIssue(field: "inspectorsPerEnterprise", zh: "每家企业应抽取2至5名执法人员", en: "each enterprise gets 2 to 5 inspectors"))
        }
        let counties: [String]
        switch actor.scope {
        case .county(let c):
            if !r.countyCodes.isEmpty, r.countyCodes != [c] {
                issues.append(FieldIssue(field: "countyCodes", zh: "只能从本县（市、区）企业中抽取", en: "your draws are of your own county's enterprises"))
            }
            counties = [c]
        case .city:
            counties = r.countyCodes.isEmpty ? County.all.map(\.code) : r.countyCodes
            if let bad = counties.first(where: { County.named($0) == nil }) {
                issues.append(FieldIssue(field: "countyCodes", zh: "县（市、区）代码无效：\(bad)", en: "unknown county code \(bad)"))
            }
        default:
            throw DomainError.forbidden(permission: .drawManage)
        }
        if let bad = r.industries.first(where: { Industry(rawValue: $0) == nil }) {
            issues.append(FieldIssue(field: "industries", zh: "行业无效：\(bad)", en: "unknown industry \(bad)"))
        }
        if let k = p.excludeInspectedMonths, !(0...36).contains(k) {
            issues.append(FieldIssue(field: "excludeInspectedMonths", zh: "排除近期已检查企业的月数应为0至36", en: "the months to leave out recently inspected enterprises are 0 to 36"))
        }
        if let bad = r.grades.first(where: { SupervisionGrade(rawValue: $0) == nil }) {
            issues.append(FieldIssue(field: "grades", zh: "分级无效：\(bad)", en: "unknown grade \(bad)"))
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }

        let now = clock.now()
        let day = ChinaTime.day(now)
        let since = p.excludeInspectedMonths.flatMap { $0 > 0 ? ChinaTime.calendar.date(byAdding: .month, value: -$0, to: now) : nil }
        let enterprises = try await repository.candidates(DrawPoolQuery(countyCodes: counties, industries: r.industries, grades: r.grades, weighted: p.weighted,
                                                                        excludeInspectedSince: since), now: now)
        if enterprises.count < p.size {
            throw DomainError.validation([FieldIssue(field: "size", zh: "符合条件的企业只有\(enterprises.count)家，少于抽取数\(p.size)",
                                                     en: "only \(enterprises.count) enterprises match, fewer than \(p.size)")])
        }
        // Cross-county draws take inspectors from the other counties; others from the pool's own.
        let inspectors = try await people.allInspectors(countyCodes: p.crossCounty ? nil : counties).filter { $0.drawable(on: day) }
        let experts = p.withExpert ? try await people.allExperts().filter(\.available) : []
        let pool = DrawPool(enterprises: enterprises,
                            inspectors: inspectors.map { DrawPool.Person(id: $0.id, name: $0.name, countyCode: $0.countyCode, certificate: $0.certificateNo, conflicts: $0.conflicts.sorted { $0.uuidString < $1.uuidString }) },
                            experts: experts.map { DrawPool.Person(id: $0.id, name: $0.name, countyCode: $0.countyCode, conflicts: $0.conflicts.sorted { $0.uuidString < $1.uuidString }) },
                            day: day)
        var params = p
        params.countyCodes = counties
        params.industries = r.industries
        params.grades = r.grades
        params.excludeInspectedMonths = (p.excludeInspectedMonths ?? 0) > 0 ? p.excludeInspectedMonths : nil
        let unstaffed = DrawAlgorithm.unstaffable(pool, params)
        if !unstaffed.isEmpty {
            let names = unstaffed.prefix(5).map(\.name).joined(separator: "、")
            throw DomainError.validation([FieldIssue(field: "inspectorsPerEnterprise",
                                                     zh: "\(unstaffed.count)家企业可抽的执法人员（或专家）不足（如\(names)）：请补充名册，或调整条件",
                                                     en: "\(unstaffed.count) enterprises have too few eligible inspectors (or no expert), e.g. \(names): add to the roster or change the filters")])
        }
        // A second draw over the same enterprises soon after a reveal could be used to pick the preferred
        // result: it needs a written reason, published beside it.
        let reason = r.overlapReason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        let poolIDs = Set(enterprises.map(\.id))
        let overlapping = try await repository.revealedSince(now.addingTimeInterval(-DrawFairness.overlapWindow))
            .filter { $0.pool.enterprises.contains { poolIDs.contains($0.id) } }
        if let first = overlapping.first, reason == nil {
            throw DomainError.validation([FieldIssue(field: "overlapReason",
                                                     zh: "企业池与30天内已揭晓的抽取「\(first.title)」重叠：请写明再次抽取的理由（将随抽取公示）",
                                                     en: "the pool overlaps \"\(first.title)\", revealed in the last 30 days: give the reason for drawing again (it is published with the draw)")])
        }
        if (r.overlapReason ?? "").length > 500 {
            throw DomainError.validation([FieldIssue(field: "overlapReason", zh: "理由不超过500字", en: "the reason has at most 500 characters")])
        }
        let seed = secrets.make()
        let draw = Draw(countyCode: actor.scope == .city ? (counties.count == 1 ? counties[0] : nil) : counties.first, year: r.year, title: title,
                        parameters: params, pool: pool, poolDigest: sha(pool.canonical), commitment: DrawAlgorithm.commitment(seed: seed, sha: sha),
                        createdBy: actor.username, createdAt: now, overlapReason: overlapping.isEmpty ? nil : reason)
        try await repository.create(draw, secret: seed, audit: AuditContext(actor: actor, at: now, origin: origin))
        return draw
    }

    /// Publishes the seed and draws: the result follows from the seed and the frozen pool alone.
    public func reveal(_ id: UUID, actor: Caller, origin: String? = nil) async throws -> Draw {
        try actor.require(.drawManage)
        let now = clock.now()
        let sha = self.sha
        return try await repository.reveal(id: id, scope: actor.scope, audit: AuditContext(actor: actor, at: now, origin: origin)) { draw, seed in
            try DrawWorkflow.reveal(draw, seed: seed, at: now, sha: sha)
        }
    }

    public func get(_ id: UUID, actor: Caller) async throws -> Draw {
        try await verified(id, actor: actor).draw
    }

    /// A draw checked afresh from storage, never from memory (`zhiben draw verify`): draws are public, so
    /// anyone may recompute one.
    public func recomputed(_ id: UUID) async throws -> (draw: Draw, verification: DrawVerification) {
        guard let d = try await repository.find(id: id, scope: .city) else { throw DomainError.notFound(entity: "draw") }
        return (d, d.verify(sha: sha))
    }

    /// The draw and its check: recomputed from storage, or for a revealed draw from memory once done.
    public func verified(_ id: UUID, actor: Caller) async throws -> (draw: Draw, verification: DrawVerification) {
        try actor.require(.enforcementRead)
        return try await verified(id, scope: actor.scope)
    }

    func verified(_ id: UUID, scope: Scope) async throws -> (draw: Draw, verification: DrawVerification) {
        if let hit = await cache.get(id) {
            let visible = switch scope {
            case .city: true
            case .county(let c): hit.draw.countyCode == c
            default: false
            }
            guard visible else { throw DomainError.notFound(entity: "draw") }
            return hit
        }
        guard let d = try await repository.find(id: id, scope: scope) else { throw DomainError.notFound(entity: "draw") }
        let v = d.verify(sha: sha)
        await cache.put(d, v)
        return (d, v)
    }

    public func list(page: Paging, actor: Caller) async throws -> Paged<Draw> {
        try actor.require(.enforcementRead)
        return try await repository.list(scope: actor.scope, page: page)
    }

    /// For the public pages (一公开): every draw, without signing in.
    public func publicList(page: Paging) async throws -> Paged<Draw> { try await repository.list(scope: .city, page: page) }

    /// The year's draws with what the public should notice of each, and the counts per county (一公开).
    public func publicYear(_ year: Int) async throws -> (draws: [(draw: Draw, flags: Set<DrawFairness.Flag>)], counties: [DrawFairness.CountyCount]) {
        let draws = try await repository.inYear(year)
        let arranged = try await repository.arranged(drawIDs: draws.filter(\.revealed).map(\.id))
        let now = clock.now()
        let flagged = draws.map { d in (draw: d, flags: DrawFairness.flags(d, arranged: arranged.contains(d.id), now: now)) }
        return (flagged, DrawFairness.counts(flagged))
    }

    /// What the public should notice of one draw now.
    public func flags(_ d: Draw) async throws -> Set<DrawFairness.Flag> {
        let arranged = d.revealed ? try await repository.arranged(drawIDs: [d.id]).contains(d.id) : false
        return DrawFairness.flags(d, arranged: arranged, now: clock.now())
    }
    public func publicDraw(_ id: UUID) async throws -> (draw: Draw, verification: DrawVerification) {
        try await verified(id, scope: .city)
    }
}

/// What makes a draw accountable beyond its commitment: a county could commit and reveal draws until one
/// pleased it. Each draw must be revealed within a day and its inspections arranged within 30 days of
/// the reveal; another draw over an overlapping pool within 30 days of a reveal needs a written reason.
public enum DrawFairness {
    public static let revealWithin: TimeInterval = 24 * 3600
    public static let arrangeWithin: TimeInterval = 30 * 86_400
    public static let overlapWindow: TimeInterval = 30 * 86_400

    public enum Flag: String, Sendable, Hashable, CaseIterable, Labeled {
        /// Committed, not revealed within 24 hours.
        case revealOverdue
        /// Revealed, its inspections not arranged within 30 days.
        case notArranged

        public var zh: String { switch self { case .revealOverdue: "未揭晓超时"; case .notArranged: "未按结果安排检查" } }
        public var en: String { switch self { case .revealOverdue: "Not revealed in time"; case .notArranged: "Inspections not arranged" } }
    }

    public static func flags(_ d: Draw, arranged: Bool, now: Date) -> Set<Flag> {
        if let revealedAt = d.revealedAt {
            return !arranged && now.timeIntervalSince(revealedAt) > arrangeWithin ? [.notArranged] : []
        }
        return now.timeIntervalSince(d.createdAt) > revealWithin ? [.revealOverdue] : []
    }

    /// One county's draws of the year (nil: city-wide draws).
    public struct CountyCount: Sendable, Equatable {
        public var countyCode: String?
        public var draws = 0
        public var revealed = 0
        public var revealOverdue = 0
        public var notArranged = 0
        /// Drawn again over an overlapping pool, with a reason.
        public var redrawn = 0
    }

    public static func counts(_ draws: [(draw: Draw, flags: Set<Flag>)]) -> [CountyCount] {
        var byCounty: [String: CountyCount] = [:]
        for (d, flags) in draws {
            let key = d.countyCode ?? ""
            var c = byCounty[key] ?? CountyCount(countyCode: d.countyCode)
            c.draws += 1
            if d.revealed { c.revealed += 1 }
            if flags.contains(.revealOverdue) { c.revealOverdue += 1 }
            if flags.contains(.notArranged) { c.notArranged += 1 }
            if d.overlapReason != nil { c.redrawn += 1 }
            byCounty[key] = c
        }
        return byCounty.values.sorted { ($0.countyCode ?? "") < ($1.countyCode ?? "") }
    }
}
