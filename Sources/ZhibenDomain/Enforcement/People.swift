import Foundation

/// What an inspector or an expert knows best; the expert pool's specialties (T24).
public enum Specialty: String, Sendable, Codable, CaseIterable, Labeled {
    case metallurgy, nonferrous, dust, gas, confinedSpace, electrical, lifting, ammonia, fire, general

    public var zh: String {
        switch self {
        case .metallurgy: "冶金"; case .nonferrous: "有色"; case .dust: "粉尘涉爆"; case .gas: "煤气"; case .confinedSpace: "有限空间"
        case .electrical: "电气"; case .lifting: "起重"; case .ammonia: "涉氨制冷"; case .fire: "消防"; case .general: "综合"
        }
    }
    public var en: String {
        switch self {
        case .metallurgy: "Metallurgy"; case .nonferrous: "Nonferrous"; case .dust: "Combustible dust"; case .gas: "Gas"
        case .confinedSpace: "Confined space"; case .electrical: "Electrical"; case .lifting: "Lifting"; case .ammonia: "Ammonia refrigeration"
        case .fire: "Fire"; case .general: "General"
        }
    }
}

/// A law-enforcement officer on a county's roster (执法人员名册): what a draw picks from. An entry may
/// be linked to the officer's account; many officers on a roster never sign in.
/// What a roster officer and a pool expert have alike: who they are, what they know, whom they must not
/// inspect, the account that signs in as them, and the version storage keeps. Code that does the same for
/// both (storing with its audit entry, a merge patch's common fields) is written once over this.
public protocol RosterEntry: Sendable, Equatable, Identifiable where ID == UUID {
    /// The audit log's entity type.
    static var entity: String { get }
    /// The role of the account an entry may be linked to.
    static var accountRole: Role { get }
    var id: UUID { get set }
    var name: String { get set }
    var specialties: [Specialty] { get set }
    var conflicts: [UUID] { get set }
    var userID: UUID? { get set }
    var updatedAt: Date { get set }
    var version: Int { get set }
}

public struct RosterInspector: Sendable, Equatable, Identifiable, Codable, RosterEntry {
    public static let entity = "roster-inspector"
    public static let accountRole = Role.inspector
    public var id: UUID
    public var name: String
    public var countyCode: String
    /// 行政执法证号.
    public var certificateNo: String
    /// The last day the certificate is valid (Beijing time): an expired certificate cannot be drawn.
    public var certificateValidUntil: String
    public var specialties: [Specialty]
    /// Enterprises the officer may not inspect (a relative works there, a former employer …).
    public var conflicts: [UUID]
    public var userID: UUID?
    public var active: Bool
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), name: String, countyCode: String, certificateNo: String, certificateValidUntil: String, specialties: [Specialty] = [],
                conflicts: [UUID] = [], userID: UUID? = nil, active: Bool = true, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.name = name
        self.countyCode = countyCode
        self.certificateNo = certificateNo
        self.certificateValidUntil = certificateValidUntil
        self.specialties = specialties
        self.conflicts = conflicts
        self.userID = userID
        self.active = active
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Whether the officer can be drawn on `day` (`yyyy-MM-dd`, Beijing time).
    public func drawable(on day: String) -> Bool { active && certificateValidUntil >= day }
}

/// An expert of the city's pool (专家库, T24).
public struct Expert: Sendable, Equatable, Identifiable, Codable, RosterEntry {
    public static let entity = "expert"
    public static let accountRole = Role.expert
    public var id: UUID
    public var name: String
    public var specialties: [Specialty]
    /// 职称, e.g. 高级工程师.
    public var title: String
    public var employer: String
    /// Where the expert is based; experts serve the whole city.
    public var countyCode: String?
    public var available: Bool
    /// Enterprises the expert may not inspect (the employer, a client …).
    public var conflicts: [UUID]
    /// The expert's account, when the expert signs in.
    public var userID: UUID?
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), name: String, specialties: [Specialty], title: String = "", employer: String = "", countyCode: String? = nil,
                available: Bool = true, conflicts: [UUID] = [], userID: UUID? = nil, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.name = name
        self.specialties = specialties
        self.title = title
        self.employer = employer
        self.countyCode = countyCode
        self.available = available
        self.conflicts = conflicts
        self.userID = userID
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// The roster and the pool. Reads and writes take the caller's scope: a county's roster is that
/// county's (the city's: every county's); the expert pool is read by the city and the counties and
/// written by the city only. Outside the scope an entry does not exist.
public protocol EnforcementPeopleRepository: Sendable {
    /// `countyCode` narrows the city's list; a county's list is its own county's whatever it names.
    func inspectors(countyCode: String?, search: String?, page: Paging, scope: Scope) async throws -> Paged<RosterInspector>
    /// Every roster entry of these counties (all counties when nil), for a draw's frozen pool.
    func allInspectors(countyCodes: [String]?) async throws -> [RosterInspector]
    func inspector(id: UUID, scope: Scope) async throws -> RosterInspector?
    /// Adds or replaces the entry, audited, and answers it as stored (its version raised). With
    /// `expectedVersion`, an entry changed since answers `staleVersion` and nothing is written. An
    /// entry (as stored, and as it would be) outside the scope is `notFound`.
    @discardableResult
    func saveInspector(_ i: RosterInspector, expectedVersion: Int?, scope: Scope, audit: AuditContext) async throws -> RosterInspector
    func experts(search: String?, specialty: Specialty?, page: Paging, scope: Scope) async throws -> Paged<Expert>
    /// The whole pool, for a draw's frozen pool.
    func allExperts() async throws -> [Expert]
    func expert(id: UUID, scope: Scope) async throws -> Expert?
    /// As `saveInspector`; only the city's scope writes the pool.
    @discardableResult
    func saveExpert(_ e: Expert, expectedVersion: Int?, scope: Scope, audit: AuditContext) async throws -> Expert
}

extension EnforcementPeopleRepository {
    /// Seeding and tests: the city's scope.
    public func saveInspector(_ i: RosterInspector, audit: AuditContext) async throws { try await saveInspector(i, expectedVersion: nil, scope: .city, audit: audit) }
    public func saveExpert(_ e: Expert, audit: AuditContext) async throws { try await saveExpert(e, expectedVersion: nil, scope: .city, audit: audit) }
}

public enum PeopleRules {
    static func text(_ s: String, _ field: String, zh: String, en: String, max: Int, into issues: inout [FieldIssue]) {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || s.length > max { issues.append(FieldIssue(field: field, zh: "请填写\(zh)（不超过\(max)字）", en: "\(en) is required (at most \(max) characters)")) }
    }

    public static func issues(_ i: RosterInspector) -> [FieldIssue] {
        var out: [FieldIssue] = []
        text(i.name, "name", zh: "姓名", en: "the name", max: 50, into: &out)
        text(i.certificateNo, "certificateNo", zh: "执法证号", en: "the certificate number", max: 50, into: &out)
        if County.named(i.countyCode) == nil { out.append(FieldIssue(field: "countyCode", zh: "县（市、区）代码无效", en: "unknown county code")) }
        if ChinaTime.parseDay(i.certificateValidUntil) == nil {
            out.append(FieldIssue(field: "certificateValidUntil", zh: "执法证有效期应为日期（如 2027-12-31）", en: "the certificate's last valid day is a date such as 2027-12-31"))
        }
        return out
    }

    public static func issues(_ e: Expert) -> [FieldIssue] {
        var out: [FieldIssue] = []
        text(e.name, "name", zh: "姓名", en: "the name", max: 50, into: &out)
        if e.specialties.isEmpty { out.append(FieldIssue(field: "specialties", zh: "请至少选择一个专业", en: "choose at least one specialty")) }
        if e.title.length > 50 { out.append(FieldIssue(field: "title", zh: "职称不超过50字", en: "the title has at most 50 characters")) }
        if e.employer.length > 100 { out.append(FieldIssue(field: "employer", zh: "工作单位不超过100字", en: "the employer has at most 100 characters")) }
        if let c = e.countyCode, County.named(c) == nil { out.append(FieldIssue(field: "countyCode", zh: "县（市、区）代码无效", en: "unknown county code")) }
        return out
    }
}

/// The inspector roster and the expert pool: county officers keep their county's roster, the city
/// keeps every county's and the pool (counties read the pool, only the city writes it).
public struct EnforcementPeopleService: Sendable {
    public let repository: any EnforcementPeopleRepository
    /// To check the account an entry is linked to.
    let users: (any UserRepository)?
    public let clock: any WallClock

    public init(repository: any EnforcementPeopleRepository, users: (any UserRepository)? = nil, clock: any WallClock) {
        self.repository = repository
        self.users = users
        self.clock = clock
    }

    /// The account an entry links to must be an active account of `role` (and, for an officer, of the
    /// entry's county) that no other entry of the same list links to.
    func linkIssues(_ userID: UUID?, entryID: UUID, role: Role, countyCode: String?, linked: [(entry: UUID, user: UUID?)]) async throws -> [FieldIssue] {
        guard let userID else { return [] }
        let account = try await users?.find(id: userID, scope: .city)
        guard let account, account.active, account.role == role, role != .inspector || account.countyCode == countyCode else {
            let zh = role == .expert ? "userId 应为一个有效的专家账号" : "userId 应为本县（市、区）一个有效的执法人员账号"
            let en = role == .expert ? "userId must name an active expert account" : "userId must name an active inspector account of the entry's county"
            return [FieldIssue(field: "userId", zh: zh, en: en)]
        }
        if linked.contains(where: { $0.user == userID && $0.entry != entryID }) {
            return [FieldIssue(field: "userId", zh: "该账号已关联到另一条记录", en: "that account is linked to another entry already")]
        }
        return []
    }

    public func inspectors(countyCode: String?, search: String?, page: Paging, actor: Caller) async throws -> Paged<RosterInspector> {
        try actor.require(.enforcementRead)
        guard actor.scope.isRegulator else { throw DomainError.forbidden(permission: .enforcementRead) }
        return try await repository.inspectors(countyCode: countyCode, search: search, page: page, scope: actor.scope)
    }

    public func saveInspector(_ draft: RosterInspector, actor: Caller, origin: String? = nil) async throws -> RosterInspector {
        try await storeInspector(draft, expectedVersion: nil, actor: actor, origin: origin)
    }

    /// A roster entry of the caller's scope (a county officer: their county's).
    public func inspector(_ id: UUID, actor: Caller) async throws -> RosterInspector {
        try actor.require(.enforcementRead)
        guard let i = try await repository.inspector(id: id, scope: actor.scope) else { throw DomainError.notFound(entity: "inspector") }
        return i
    }

    /// Replaces a roster entry (a renewed certificate, new specialties or conflicts, off the roster),
    /// based on the version the caller saw.
    public func updateInspector(_ id: UUID, _ draft: RosterInspector, expectedVersion: Int, actor: Caller, origin: String? = nil) async throws -> RosterInspector {
        try actor.require(.rosterManage)
        let current = try await inspector(id, actor: actor)
        var next = draft
        next.id = current.id
        return try await storeInspector(next, expectedVersion: expectedVersion, actor: actor, origin: origin)
    }

    func storeInspector(_ draft: RosterInspector, expectedVersion: Int?, actor: Caller, origin: String?) async throws -> RosterInspector {
        try actor.require(.rosterManage)
        var i = draft
        i.name = i.name.trimmingCharacters(in: .whitespaces)
        i.certificateNo = i.certificateNo.trimmingCharacters(in: .whitespaces)
        if case .county(let c) = actor.scope, i.countyCode != c {
            throw DomainError.validation([FieldIssue(field: "countyCode", zh: "只能登记本县（市、区）的执法人员", en: "you keep your own county's roster only")])
        }
        var issues = PeopleRules.issues(draft) // lengths as sent: a maximum holds for the text before trimming
        if i.userID != nil {
            let linked = try await repository.allInspectors(countyCodes: nil).map { (entry: $0.id, user: $0.userID) }
            issues += try await linkIssues(i.userID, entryID: i.id, role: .inspector, countyCode: i.countyCode, linked: linked)
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        i.updatedAt = clock.now()
        return try await repository.saveInspector(i, expectedVersion: expectedVersion, scope: actor.scope,
                                                  audit: AuditContext(actor: actor, at: i.updatedAt, origin: origin))
    }

    public func experts(search: String?, specialty: Specialty?, page: Paging, actor: Caller) async throws -> Paged<Expert> {
        try actor.require(.enforcementRead)
        guard actor.scope.isRegulator else { throw DomainError.forbidden(permission: .enforcementRead) }
        return try await repository.experts(search: search, specialty: specialty, page: page, scope: actor.scope)
    }

    public func saveExpert(_ draft: Expert, actor: Caller, origin: String? = nil) async throws -> Expert {
        try await storeExpert(draft, expectedVersion: nil, actor: actor, origin: origin)
    }

    public func expert(_ id: UUID, actor: Caller) async throws -> Expert {
        try actor.require(.enforcementRead)
        guard let e = try await repository.expert(id: id, scope: actor.scope) else { throw DomainError.notFound(entity: "expert") }
        return e
    }

    /// Replaces an expert's entry (availability, conflicts …), based on the version the caller saw.
    public func updateExpert(_ id: UUID, _ draft: Expert, expectedVersion: Int, actor: Caller, origin: String? = nil) async throws -> Expert {
        try actor.require(.expertPoolManage)
        let current = try await expert(id, actor: actor)
        var next = draft
        next.id = current.id
        return try await storeExpert(next, expectedVersion: expectedVersion, actor: actor, origin: origin)
    }

    func storeExpert(_ draft: Expert, expectedVersion: Int?, actor: Caller, origin: String?) async throws -> Expert {
        try actor.require(.expertPoolManage)
        var e = draft
        e.name = e.name.trimmingCharacters(in: .whitespaces)
        e.title = e.title.trimmingCharacters(in: .whitespaces)
        e.employer = e.employer.trimmingCharacters(in: .whitespaces)
        var issues = PeopleRules.issues(draft) // lengths as sent: a maximum holds for the text before trimming
        if e.userID != nil {
            let linked = try await repository.allExperts().map { (entry: $0.id, user: $0.userID) }
            issues += try await linkIssues(e.userID, entryID: e.id, role: .expert, countyCode: nil, linked: linked)
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        e.updatedAt = clock.now()
        return try await repository.saveExpert(e, expectedVersion: expectedVersion, scope: actor.scope,
                                               audit: AuditContext(actor: actor, at: e.updatedAt, origin: origin))
    }
}
