import Foundation

public struct User: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var username: String
    public var displayName: String
    public var role: Role
    public var countyCode: String?
    public var enterpriseID: UUID?
    public var locale: Language
    public var passwordHash: String
    public var failedLogins: Int
    public var lockedUntil: Date?
    public var active: Bool
    public var createdAt: Date
    public var lastLoginAt: Date?

    public init(id: UUID = UUID(), username: String, displayName: String, role: Role, countyCode: String? = nil,
                enterpriseID: UUID? = nil, locale: Language = .zh, passwordHash: String, failedLogins: Int = 0,
                lockedUntil: Date? = nil, active: Bool = true, createdAt: Date, lastLoginAt: Date? = nil) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.countyCode = countyCode
        self.enterpriseID = enterpriseID
        self.locale = locale
        self.passwordHash = passwordHash
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.active = active
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    public func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }

    public var scope: Scope? { Caller.scope(role: role, countyCode: countyCode, enterpriseID: enterpriseID, userID: id) }

    public var caller: Caller? {
        scope.map { Caller(kind: .user, id: id, username: username, role: role, scope: $0) }
    }

    /// The audited view of the account: never the password hash itself.
    public var auditFields: [String: String] {
        [
            "username": username, "displayName": displayName, "role": role.rawValue,
            "countyCode": countyCode ?? "", "enterpriseID": enterpriseID?.uuidString ?? "",
            "locale": locale.rawValue, "active": active ? "true" : "false",
            "lockedUntil": lockedUntil.map(ISOTime.string) ?? "",
        ]
    }
}

/// 10 failed logins lock the account for 15 minutes; one client address gets 5 failures per 15 minutes
/// before it must wait. The address limit is the lower, so a stranger cannot lock out a named account
/// (`admin`, `city`) from one address, while guessing spread over many addresses still locks it.
public enum LoginPolicy {
    public static let maxFailures = 10
    public static let lockDuration: TimeInterval = 15 * 60
    public static let maxFailuresPerAddress = 5
    public static let addressWindow: TimeInterval = 15 * 60
    public static let minPasswordLength = 10
    public static let maxPasswordLength = 72

    /// The counter and lock after one more failure.
    public static func afterFailure(_ user: User, now: Date) -> (failedLogins: Int, lockedUntil: Date?) {
        let n = user.failedLogins + 1
        return n >= maxFailures ? (0, now.addingTimeInterval(lockDuration)) : (n, user.lockedUntil)
    }

    public static func checkPassword(_ password: String, field: String = "password") -> FieldIssue? {
        if password.count < minPasswordLength {
            return FieldIssue(field: field, zh: "密码至少\(minPasswordLength)位", en: "password must have at least \(minPasswordLength) characters")
        }
        if password.utf8.count > maxPasswordLength {
            return FieldIssue(field: field, zh: "密码不能超过\(maxPasswordLength)字节", en: "password must have at most \(maxPasswordLength) bytes")
        }
        return nil
    }
}

/// Slow on purpose (bcrypt): implementations run it off the threads that serve requests.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async throws -> Bool
}

public struct UserQuery: Sendable {
    public var search: String?
    public var role: Role?
    public var lockedOnly: Bool
    public init(search: String? = nil, role: Role? = nil, lockedOnly: Bool = false) {
        self.search = search
        self.role = role
        self.lockedOnly = lockedOnly
    }
}

public protocol UserRepository: Sendable {
    /// Login looks accounts up by name before anyone has a scope.
    func find(username: String) async throws -> User?
    /// The display names of these accounts (those that exist), read at once: the names histories show.
    func displayNames(usernames: [String]) async throws -> [String: String]
    func find(id: UUID, scope: Scope) async throws -> User?
    func list(_ query: UserQuery, page: Paging, scope: Scope, now: Date) async throws -> Paged<User>
    func count() async throws -> Int
    /// Which of these usernames are taken.
    func existingUsernames(_ names: [String]) async throws -> Set<String>
    func create(_ user: User, audit: AuditContext) async throws -> User
    /// Creates many accounts in one transaction with a single audit entry (demo data, imports).
    func createAll(_ users: [User], audit: AuditContext) async throws
    func update(id: UUID, scope: Scope, action: AuditAction, audit: AuditContext,
                change: @escaping @Sendable (User) throws -> User) async throws -> User
}

public protocol AuditRepository: Sendable {
    /// Appends an entry for an event that changes no other record (a login, a failed login).
    func append(action: AuditAction, entityType: String, entityID: String, changes: [FieldChange], audit: AuditContext) async throws
    func list(_ query: AuditQuery) async throws -> Paged<AuditEntry>
    func verify() async throws -> AuditVerification
    /// The number of the last entry (0 when empty): it moves with every audited change.
    func head() async throws -> Int64
}
