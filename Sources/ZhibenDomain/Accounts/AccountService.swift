import Foundation

public enum LoginError: Error, Sendable, Equatable {
    /// Unknown name, wrong password or inactive account: the same answer for all three.
    case invalidCredentials
    case locked(until: Date)
    /// Too many failures from this client address; try again after this many seconds.
    case throttled(retryAfter: Int)
}

/// A new account as an administrator enters it.
public struct UserDraft: Sendable, Codable {
    public var username: String
    public var displayName: String
    public var role: String
    public var countyCode: String?
    public var enterpriseCreditCode: String?
    public var password: String

    public init(username: String, displayName: String, role: String, countyCode: String? = nil,
                enterpriseCreditCode: String? = nil, password: String) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.countyCode = countyCode
        self.enterpriseCreditCode = enterpriseCreditCode
        self.password = password
    }
}

public struct AccountService: Sendable {
    public let users: any UserRepository
    public let audit: any AuditRepository
    public let enterprises: any EnterpriseRepository
    public let hasher: any PasswordHasher
    public let clock: any WallClock
    public let throttle: LoginThrottle

    public init(users: any UserRepository, audit: any AuditRepository, enterprises: any EnterpriseRepository,
                hasher: any PasswordHasher, clock: any WallClock, throttle: LoginThrottle = LoginThrottle()) {
        self.users = users
        self.audit = audit
        self.enterprises = enterprises
        self.hasher = hasher
        self.clock = clock
        self.throttle = throttle
    }

    /// Checks a password, counting failures per account (locking after too many) and per client address
    /// (refusing for a while after too many). Every outcome is audited.
    public func login(username: String, password: String, origin: String?) async throws -> User {
        let now = clock.now()
        if let origin, let wait = await throttle.retryAfter(origin, now: now) {
            throw LoginError.throttled(retryAfter: wait)
        }
        do {
            return try await checkPassword(username: username, password: password, origin: origin, now: now)
        } catch let error as LoginError {
            if let origin { await throttle.recordFailure(origin, now: now) }
            throw error
        }
    }

    private func checkPassword(username: String, password: String, origin: String?, now: Date) async throws -> User {
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard let user = try await users.find(username: name), user.active else {
            // Spend the time a password check costs, so the answer's delay does not tell which names exist.
            _ = try? await hasher.hash(password)
            try await audit.append(action: .loginFailed, entityType: "user", entityID: name,
                                   changes: [FieldChange(field: "reason", before: nil, after: "unknown or inactive account")],
                                   audit: AuditContext(actor: .anonymous(name), at: now, origin: origin))
            throw LoginError.invalidCredentials
        }
        let ctx = AuditContext(actor: user.caller ?? .anonymous(name), at: now, origin: origin)
        if let until = user.lockedUntil, until > now {
            try await audit.append(action: .loginFailed, entityType: "user", entityID: user.id.uuidString,
                                   changes: [FieldChange(field: "reason", before: nil, after: "locked")], audit: ctx)
            throw LoginError.locked(until: until)
        }
        guard try await hasher.verify(password, against: user.passwordHash) else {
            let updated = try await users.update(id: user.id, scope: .city, action: .loginFailed, audit: ctx) { u in
                var next = u
                (next.failedLogins, next.lockedUntil) = LoginPolicy.afterFailure(u, now: now)
                return next
            }
            if let until = updated.lockedUntil, until > now { throw LoginError.locked(until: until) }
            throw LoginError.invalidCredentials
        }
        return try await users.update(id: user.id, scope: .city, action: .login, audit: ctx) { u in
            var next = u
            next.failedLogins = 0
            next.lockedUntil = nil
            next.lastLoginAt = now
            return next
        }
    }

    public func changePassword(actor: Caller, current: String, new: String, origin: String?) async throws {
        guard actor.kind == .user, let id = actor.id else { throw DomainError.forbidden(permission: .userUpdate) }
        guard let user = try await users.find(id: id, scope: .city) else { throw DomainError.notFound(entity: "user") }
        guard try await hasher.verify(current, against: user.passwordHash) else {
            throw DomainError.validation([FieldIssue(field: "current", zh: "当前密码不正确", en: "the current password is wrong")])
        }
        if let issue = LoginPolicy.checkPassword(new, field: "new") { throw DomainError.validation([issue]) }
        if new == current {
            throw DomainError.validation([FieldIssue(field: "new", zh: "新密码不能与当前密码相同", en: "the new password must differ from the current one")])
        }
        let hash = try await hasher.hash(new)
        _ = try await users.update(id: id, scope: .city, action: .passwordChange,
                                   audit: AuditContext(actor: actor, at: clock.now(), origin: origin)) { u in
            var next = u
            next.passwordHash = hash
            return next
        }
    }

    public func setLocale(actor: Caller, locale: Language) async throws {
        guard actor.kind == .user, let id = actor.id else { return }
        _ = try await users.update(id: id, scope: .city, action: .update, audit: AuditContext(actor: actor, at: clock.now())) { u in
            var next = u
            next.locale = locale
            return next
        }
    }

    public func list(_ query: UserQuery, page: Paging, actor: Caller) async throws -> Paged<User> {
        try actor.require(.userRead)
        return try await users.list(query, page: page, scope: actor.scope, now: clock.now())
    }

    /// Whether no account exists yet: `serve` seeds the demo into an empty database. The process's own read.
    public func isEmpty() async throws -> Bool { try await users.count() == 0 }

    /// Whether the database holds the demo (its expert accounts), for the demo's simulated gateways.
    public func hasDemoAccounts() async throws -> Bool { try await users.find(username: "expert-1") != nil }

    public func get(_ id: UUID, actor: Caller) async throws -> User {
        try actor.require(.userRead)
        guard let u = try await users.find(id: id, scope: actor.scope) else { throw DomainError.notFound(entity: "user") }
        return u
    }

    public func create(_ draft: UserDraft, actor: Caller, origin: String? = nil) async throws -> User {
        try actor.require(.userCreate)
        var issues: [FieldIssue] = []
        let username = draft.username.trimmingCharacters(in: .whitespaces).lowercased()
        if !Self.isValidUsername(username) || draft.username.length > 64 {
            issues.append(FieldIssue(field: "username", zh: "用户名为3–64位小写字母、数字、-、_ 或 .",
                                     en: "username must be 3–64 of a–z, 0–9, -, _ or ."))
        }
        let displayName = draft.displayName.trimmingCharacters(in: .whitespaces)
        if displayName.isEmpty || draft.displayName.length > 50 {
            issues.append(FieldIssue(field: "displayName", zh: "姓名应为1–50个字", en: "display name must have 1–50 characters"))
        }
        let role = Role(rawValue: draft.role)
        if role == nil { issues.append(FieldIssue(field: "role", zh: "请选择角色", en: "role is required")) }
        if let p = LoginPolicy.checkPassword(draft.password) { issues.append(p) }
        var countyCode: String?
        var enterpriseID: UUID?
        switch role?.binding {
        case .county:
            countyCode = County.lookup(draft.countyCode ?? "")?.code
            if countyCode == nil { issues.append(FieldIssue(field: "countyCode", zh: "县局账号须选择所属县（市、区）", en: "a county account needs its county")) }
        case .enterprise:
            let code = (draft.enterpriseCreditCode ?? "").trimmingCharacters(in: .whitespaces).uppercased()
            if let e = try await enterprises.find(creditCode: code, scope: actor.scope) { enterpriseID = e.id }
            else { issues.append(FieldIssue(field: "enterpriseCreditCode", zh: "未找到该统一社会信用代码的企业", en: "no enterprise with this credit code")) }
        default: break
        }
        if let r = role, !actor.scope.includesAccount(countyCode: countyCode, enterpriseCountyCode: nil, enterpriseID: enterpriseID),
           r.binding != .enterprise {
            issues.append(FieldIssue(field: "role", zh: "不能创建本辖区以外的账号", en: "you cannot create accounts outside your scope"))
        }
        if issues.isEmpty, try await users.find(username: username) != nil {
            throw DomainError.conflict(FieldIssue(field: "username", zh: "用户名\(username)已存在", en: "username \(username) is taken"))
        }
        guard issues.isEmpty, let role else { throw DomainError.validation(issues) }
        let now = clock.now()
        let user = User(username: username, displayName: displayName, role: role, countyCode: countyCode,
                        enterpriseID: enterpriseID, passwordHash: try await hasher.hash(draft.password), createdAt: now)
        return try await users.create(user, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func unlock(_ id: UUID, actor: Caller, origin: String? = nil) async throws -> User {
        try actor.require(.userUnlock)
        return try await users.update(id: id, scope: actor.scope, action: .unlock,
                                      audit: AuditContext(actor: actor, at: clock.now(), origin: origin)) { u in
            var next = u
            next.failedLogins = 0
            next.lockedUntil = nil
            return next
        }
    }

    /// An administrator sets a new password for an account in its scope (a user who forgot theirs);
    /// it also lifts a lock and signs nothing else out.
    public func resetPassword(_ id: UUID, newPassword: String, actor: Caller, origin: String? = nil) async throws -> User {
        try actor.require(.userUpdate)
        if let issue = LoginPolicy.checkPassword(newPassword) { throw DomainError.validation([issue]) }
        let hash = try await hasher.hash(newPassword)
        return try await users.update(id: id, scope: actor.scope, action: .passwordChange,
                                      audit: AuditContext(actor: actor, at: clock.now(), origin: origin)) { u in
            var next = u
            next.passwordHash = hash
            next.failedLogins = 0
            next.lockedUntil = nil
            return next
        }
    }

    public func setActive(_ id: UUID, active: Bool, actor: Caller, origin: String? = nil) async throws -> User {
        try actor.require(.userUpdate)
        if id == actor.id { throw DomainError.validation([FieldIssue(field: "active", zh: "不能停用自己的账号", en: "you cannot deactivate yourself")]) }
        return try await users.update(id: id, scope: actor.scope, action: active ? .reactivate : .deactivate,
                                      audit: AuditContext(actor: actor, at: clock.now(), origin: origin)) { u in
            var next = u
            next.active = active
            return next
        }
    }

    static func isValidUsername(_ s: String) -> Bool {
        (3...64).contains(s.count) && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || "-_.".contains($0) }
    }
}

extension Caller {
    /// Someone who has not signed in yet (a failed login names what was typed).
    public static func anonymous(_ typed: String) -> Caller {
        Caller(kind: .user, id: nil, username: String(typed.prefix(64)), role: .expert, scope: .nobody)
    }
}
