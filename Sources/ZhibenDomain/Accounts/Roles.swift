import Foundation

/// A named permission, readable in logs and configuration (`enterprise:update`).
public struct Permission: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let enterpriseRead = Permission(rawValue: "enterprise:read")
    public static let enterpriseCreate = Permission(rawValue: "enterprise:create")
    public static let enterpriseUpdate = Permission(rawValue: "enterprise:update")
    /// Only the contact people (principal, controller, safety manager): what an enterprise may change.
    public static let enterpriseUpdateContacts = Permission(rawValue: "enterprise:update-contacts")
    public static let enterpriseDeactivate = Permission(rawValue: "enterprise:deactivate")
    public static let enterpriseClassify = Permission(rawValue: "enterprise:classify")
    public static let enterpriseImport = Permission(rawValue: "enterprise:import")
    public static let enterpriseExport = Permission(rawValue: "enterprise:export")
    public static let dashboardRead = Permission(rawValue: "dashboard:read")
    public static let userRead = Permission(rawValue: "user:read")
    public static let userCreate = Permission(rawValue: "user:create")
    public static let userUpdate = Permission(rawValue: "user:update")
    public static let userUnlock = Permission(rawValue: "user:unlock")
    public static let apiKeyManage = Permission(rawValue: "apikey:manage")
    public static let auditRead = Permission(rawValue: "audit:read")
    public static let hazardRead = Permission(rawValue: "hazard:read")
    public static let hazardReport = Permission(rawValue: "hazard:report")
    public static let hazardJudge = Permission(rawValue: "hazard:judge")
    /// Ask an expert from the pool to judge a reported hazard.
    public static let hazardAssignExpert = Permission(rawValue: "hazard:assign-expert")
    /// Acknowledge, plan, submit and ask for more time: the enterprise's side of rectification.
    public static let hazardRectify = Permission(rawValue: "hazard:rectify")
    public static let hazardAccept = Permission(rawValue: "hazard:accept")
    public static let hazardSupervise = Permission(rawValue: "hazard:supervise")
    public static let hazardDecideExtension = Permission(rawValue: "hazard:decide-extension")
    public static let hazardExport = Permission(rawValue: "hazard:export")
    /// Counties add local items to their enterprises' checklists.
    public static let checklistManage = Permission(rawValue: "checklist:manage")
    public static let selfInspectionRecord = Permission(rawValue: "self-inspection:record")
    public static let notificationRead = Permission(rawValue: "notification:read")
    public static let monitoringRead = Permission(rawValue: "monitoring:read")
    /// An enterprise manages its own monitoring points and their alarm limits.
    public static let monitoringManage = Permission(rawValue: "monitoring:manage")
    /// The enterprise's steps on its alarms: acknowledge, dispose, close, shelve.
    public static let alarmRespond = Permission(rawValue: "alarm:respond")
    /// Regulators check closed level-1 alarms.
    public static let alarmVerify = Permission(rawValue: "alarm:verify")
    /// A gateway's API key sends its enterprise's readings.
    public static let telemetryWrite = Permission(rawValue: "telemetry:write")
    /// Regulators read the enforcement side: rosters, the expert pool, draws.
    public static let enforcementRead = Permission(rawValue: "enforcement:read")
    /// The county's inspector roster (the city's: every county's) and the expert pool.
    public static let rosterManage = Permission(rawValue: "enforcement:roster")
    /// The city's expert pool: counties read it, only the city adds and changes its entries.
    public static let expertPoolManage = Permission(rawValue: "enforcement:expert-pool")
    /// Double-random draws: commit and reveal; inspections made and cancelled.
    public static let drawManage = Permission(rawValue: "enforcement:draw")
    /// Penalties (一案双罚) and workers' exams (逢查必考) recorded on an inspection.
    public static let inspectionRecord = Permission(rawValue: "enforcement:record")
    /// An expert reads the inspections they are assigned to (and nothing else of enforcement).
    public static let inspectionAssigned = Permission(rawValue: "enforcement:assigned")
    /// Workers, certificates, violations, the off-duty ledger (the enterprise's own, or in the regulator's scope).
    public static let peopleRead = Permission(rawValue: "people:read")
    /// The enterprise keeps its workers, certificates, staffing needs and 三违 records.
    public static let peopleManage = Permission(rawValue: "people:manage")
    /// Regulators record what they find on people at an enterprise in their scope (三违).
    public static let peopleOversee = Permission(rawValue: "people:oversee")
}

/// Roles of DOMAIN.md §2.
public enum Role: String, Sendable, Codable, CaseIterable, Labeled {
    case cityAdmin, cityOfficer, countyOfficer, inspector, expert, enterpriseUser

    public var zh: String {
        switch self {
        case .cityAdmin: "市局管理员"
        case .cityOfficer: "市局业务员"
        case .countyOfficer: "县局业务员"
        case .inspector: "执法人员"
        case .expert: "专家"
        case .enterpriseUser: "企业用户"
        }
    }

    public var en: String {
        switch self {
        case .cityAdmin: "City administrator"
        case .cityOfficer: "City officer"
        case .countyOfficer: "County officer"
        case .inspector: "Inspector"
        case .expert: "Expert"
        case .enterpriseUser: "Enterprise user"
        }
    }

    public var permissions: Set<Permission> {
        switch self {
        case .cityAdmin:
            [.enterpriseRead, .enterpriseExport, .dashboardRead, .userRead, .userCreate, .userUpdate, .userUnlock,
             .apiKeyManage, .auditRead, .hazardRead, .hazardExport, .notificationRead, .monitoringRead, .peopleRead]
        case .cityOfficer:
            [.enterpriseRead, .enterpriseCreate, .enterpriseUpdate, .enterpriseUpdateContacts, .enterpriseDeactivate,
             .enterpriseClassify, .enterpriseImport, .enterpriseExport, .dashboardRead, .auditRead,
             .hazardRead, .hazardReport, .hazardAccept, .hazardSupervise, .hazardDecideExtension, .hazardExport, .notificationRead,
             .monitoringRead, .alarmVerify, .enforcementRead, .rosterManage, .expertPoolManage, .drawManage, .inspectionRecord, .peopleRead, .peopleOversee]
        case .countyOfficer:
            [.enterpriseRead, .enterpriseCreate, .enterpriseUpdate, .enterpriseUpdateContacts, .enterpriseDeactivate,
             .enterpriseClassify, .enterpriseImport, .enterpriseExport, .dashboardRead,
             .hazardRead, .hazardReport, .hazardJudge, .hazardAssignExpert, .hazardAccept, .hazardSupervise, .hazardDecideExtension,
             .hazardExport, .checklistManage, .notificationRead, .monitoringRead, .alarmVerify, .enforcementRead, .rosterManage, .drawManage, .inspectionRecord,
             .peopleRead, .peopleOversee]
        case .inspector:
            [.enterpriseRead, .enterpriseExport, .dashboardRead, .hazardRead, .hazardReport, .hazardJudge, .hazardExport,
             .notificationRead, .monitoringRead, .alarmVerify, .enforcementRead, .inspectionRecord, .peopleRead, .peopleOversee]
        case .expert:
            [.enterpriseRead, .hazardRead, .hazardJudge, .notificationRead, .inspectionAssigned]
        case .enterpriseUser:
            [.enterpriseRead, .enterpriseUpdateContacts, .hazardRead, .hazardReport, .hazardJudge, .hazardRectify, .hazardAccept,
             .hazardExport, .selfInspectionRecord, .notificationRead, .monitoringRead, .monitoringManage, .alarmRespond, .peopleRead, .peopleManage]
        }
    }

    /// What the role's account must be bound to.
    public var binding: RoleBinding {
        switch self {
        case .cityAdmin, .cityOfficer: .city
        case .countyOfficer, .inspector: .county
        case .expert: .assignments
        case .enterpriseUser: .enterprise
        }
    }
}

public enum RoleBinding: Sendable {
    case city, county, enterprise, assignments
}

/// What records a caller may see. Every repository query is filtered by it.
public enum Scope: Sendable, Equatable, Hashable {
    case city
    case county(String)
    case enterprise(UUID)
    /// An expert (this account id) sees only what is assigned to them: hazards to judge, inspections,
    /// and the enterprises of those.
    case assigned(UUID)

    /// Assigned to an id no account has: sees nothing.
    public static let nobody = Scope.assigned(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))

    public var isAssigned: Bool { if case .assigned = self { true } else { false } }

    /// The city or a county: the regulators, who read the roster, the expert pool and the plans.
    public var isRegulator: Bool {
        switch self {
        case .city, .county: true
        case .enterprise, .assigned: false
        }
    }

    /// Whether this scope reaches a county's own records (its roster entries, its plan): the city every
    /// county, a county itself.
    public func reaches(county code: String) -> Bool {
        switch self {
        case .city: true
        case .county(let c): c == code
        case .enterprise, .assigned: false
        }
    }

    public func includes(countyCode: String, enterpriseID: UUID) -> Bool {
        switch self {
        case .city: true
        case .county(let c): c == countyCode
        case .enterprise(let id): id == enterpriseID
        case .assigned: false
        }
    }

    /// Whether users bound to (county, enterprise) are managed from this scope.
    public func includesAccount(countyCode: String?, enterpriseCountyCode: String?, enterpriseID: UUID?) -> Bool {
        switch self {
        case .city: true
        case .county(let c): countyCode == c || enterpriseCountyCode == c
        case .enterprise(let id): enterpriseID == id
        case .assigned: false
        }
    }
}

/// Who is acting: a signed-in person or a machine client holding an API key.
public struct Caller: Sendable, Equatable {
    public enum Kind: String, Sendable { case user, apiKey, system }

    public var kind: Kind
    public var id: UUID?
    public var username: String
    public var role: Role
    public var scope: Scope

    public init(kind: Kind = .user, id: UUID?, username: String, role: Role, scope: Scope) {
        self.kind = kind
        self.id = id
        self.username = username
        self.role = role
        self.scope = scope
    }

    /// The process itself (seeding, commands): full scope, audited as `system`.
    public static let system = Caller(kind: .system, id: nil, username: "system", role: .cityOfficer, scope: .city)

    public var permissions: Set<Permission> {
        switch kind {
        case .system: Set(Role.allCases.flatMap(\.permissions))
        // Machine clients read their enterprise and its monitoring points, and send the readings.
        case .apiKey: [.enterpriseRead, .monitoringRead, .telemetryWrite]
        case .user: role.permissions
        }
    }

    public func can(_ p: Permission) -> Bool { permissions.contains(p) }

    public func require(_ p: Permission) throws(DomainError) {
        guard can(p) else { throw .forbidden(permission: p) }
    }

    public static func scope(role: Role, countyCode: String?, enterpriseID: UUID?, userID: UUID?) -> Scope? {
        switch role.binding {
        case .city: return .city
        case .county: return countyCode.map(Scope.county)
        case .enterprise: return enterpriseID.map(Scope.enterprise)
        case .assignments: return userID.map(Scope.assigned)
        }
    }
}
