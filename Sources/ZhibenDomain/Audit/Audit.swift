import Foundation

/// Who did an act, when, and from where: passed into every write so it is audited in the same transaction.
public struct AuditContext: Sendable {
    public var actor: Caller
    public var at: Date
    public var origin: String?

    public init(actor: Caller, at: Date, origin: String? = nil) {
        self.actor = actor
        self.at = at
        self.origin = origin
    }
}

public struct FieldChange: Sendable, Equatable, Codable {
    public var field: String
    public var before: String?
    public var after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }

    /// The fields whose values differ, in field order. An absent field and an empty one are the same,
    /// so a new record lists only what was filled in; nil on one side means absent or empty.
    public static func diff(_ before: [String: String], _ after: [String: String]) -> [FieldChange] {
        func value(_ d: [String: String], _ k: String) -> String? { d[k].flatMap { $0.isEmpty ? nil : $0 } }
        return Set(before.keys).union(after.keys).sorted().compactMap { k in
            let b = value(before, k), a = value(after, k)
            return b == a ? nil : FieldChange(field: k, before: b, after: a)
        }
    }
}

public enum AuditAction: String, Sendable, Codable, CaseIterable, Labeled {
    case create, update, deactivate, reactivate, classify, importRows = "import"
    case login, loginFailed = "login_failed", logout, passwordChange = "password_change", unlock, lock
    case apiKeyCreate = "apikey_create", apiKeyRevoke = "apikey_revoke"
    case transition, upload, delete
    /// Someone read what is shown masked elsewhere (a worker's whole ID number).
    case reveal

    public var zh: String {
        switch self {
        case .create: "新建"
        case .update: "修改"
        case .deactivate: "停用"
        case .reactivate: "恢复"
        case .classify: "调整分级"
        case .importRows: "导入"
        case .login: "登录"
        case .loginFailed: "登录失败"
        case .logout: "退出"
        case .passwordChange: "修改密码"
        case .unlock: "解除锁定"
        case .lock: "锁定"
        case .apiKeyCreate: "签发密钥"
        case .apiKeyRevoke: "吊销密钥"
        case .transition: "流转"
        case .upload: "上传"
        case .delete: "删除"
        case .reveal: "查看完整信息"
        }
    }

    public var en: String {
        switch self {
        case .importRows: "import"
        case .loginFailed: "login failed"
        case .passwordChange: "password change"
        case .apiKeyCreate: "API key issued"
        case .apiKeyRevoke: "API key revoked"
        case .reveal: "viewed in full"
        default: rawValue
        }
    }
}

/// One row of the append-only, hash-chained audit log.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int64
    public var at: Date
    public var actorKind: String
    public var actorUsername: String
    public var action: String
    public var entityType: String
    public var entityID: String
    public var changes: [FieldChange]
    public var origin: String?
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, at: Date, actorKind: String, actorUsername: String, action: String, entityType: String,
                entityID: String, changes: [FieldChange], origin: String?, prevHash: String, hash: String) {
        self.seq = seq
        self.at = at
        self.actorKind = actorKind
        self.actorUsername = actorUsername
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.changes = changes
        self.origin = origin
        self.prevHash = prevHash
        self.hash = hash
    }
}

public struct AuditQuery: Sendable {
    public var actor: String?
    public var action: String?
    public var entityType: String?
    public var entityID: String?
    public var from: Date?
    public var to: Date?
    public var page: Paging

    public init(actor: String? = nil, action: String? = nil, entityType: String? = nil, entityID: String? = nil,
                from: Date? = nil, to: Date? = nil, page: Paging = .init(per: 50)) {
        self.actor = actor
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.from = from
        self.to = to
        self.page = page
    }
}

/// The outcome of walking the chain.
public enum AuditVerification: Sendable, Equatable {
    case ok(count: Int)
    /// The first row where the chain breaks, and how.
    case broken(seq: Int64, reason: String)
}
