import Foundation

extension Enterprise {
    /// The record flattened to text, field by field: what the audit log compares.
    public var auditFields: [String: String] {
        var f = EnterpriseDraft(profile).auditFields
        f["computedGrade"] = computedGrade.rawValue
        f["gradeOverride"] = gradeOverride.map { "\($0.grade.rawValue): \($0.reason)" } ?? ""
        f["active"] = active ? "true" : "false"
        f["deactivationReason"] = deactivationReason ?? ""
        return f
    }
}

extension EnterpriseDraft {
    /// The draft flattened to text, field by field, keyed by the field names errors use.
    public var auditFields: [String: String] {
        [
            "creditCode": creditCode, "name": name, "countyCode": countyCode, "township": township,
            "address": address, "longitude": longitude, "latitude": latitude, "industry": industry,
            "subIndustry": subIndustry, "scale": scale, "employees": employees, "dustWorkers": dustWorkers,
            "dustTypes": dustTypes.joined(separator: ","), "specialRisks": specialRisks.joined(separator: ","),
            Field.principalName: principalName, Field.principalPhone: principalPhone,
            Field.controllerName: controllerName, Field.controllerPhone: controllerPhone,
            Field.safetyManagerName: safetyManagerName, Field.safetyManagerPhone: safetyManagerPhone,
            "standardization": standardization, "standardizationValidUntil": standardizationValidUntil,
            "status": status, "supervisingDepartment": supervisingDepartment,
        ]
    }
}

/// The enterprise registry's use cases. Each checks the caller's permission and scope itself;
/// web pages and the API call these and nothing below them.
public struct EnterpriseService: Sendable {
    public let repository: any EnterpriseRepository
    public let uploads: any UploadStash
    public let clock: any WallClock

    /// Enterprises named in a roster entry's declared conflicts, by id, anywhere in the city: an officer
    /// may be related to an enterprise outside their county. Names and codes only reach the caller.
    public func conflictTargets(ids: [UUID], actor: Caller) async throws -> [UUID: Enterprise] {
        try actor.require(.rosterManage)
        return try await repository.find(ids: ids, scope: .city)
    }

    /// The registered enterprise with this credit code anywhere in the city, for a declared conflict.
    public func conflictTarget(creditCode: String, actor: Caller) async throws -> Enterprise? {
        try actor.require(.rosterManage)
        return try await repository.find(creditCode: creditCode, scope: .city)
    }

    public init(repository: any EnterpriseRepository, uploads: any UploadStash, clock: any WallClock) {
        self.repository = repository
        self.uploads = uploads
        self.clock = clock
    }

    public func get(_ id: UUID, actor: Caller) async throws -> Enterprise {
        try actor.require(.enterpriseRead)
        // The repository filters by scope; checking the result again costs nothing and guards against a
        // repository that forgot to. An expert's assignments are known to storage only.
        guard let e = try await repository.find(id: id, scope: actor.scope),
              actor.scope.isAssigned || actor.scope.includes(countyCode: e.profile.countyCode, enterpriseID: e.id) else {
            throw DomainError.notFound(entity: "enterprise")
        }
        return e
    }

    /// The enterprise with this credit code, if the caller may see it.
    public func find(creditCode: String, actor: Caller) async throws -> Enterprise? {
        try actor.require(.enterpriseRead)
        return try await repository.find(creditCode: creditCode, scope: actor.scope)
    }

    /// What typed text names, for a picker or a form sent without one: a credit code, an exact name, or
    /// the one enterprise that a search (name, code prefix, pinyin initials) finds in the caller's scope.
    public enum Pick: Sendable {
        case none
        case one(Enterprise)
        /// Several match: the first few, and how many in all.
        case many([Enterprise], total: Int)
    }

    public func pick(_ text: String, actor: Caller) async throws -> Pick {
        let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else { return .none }
        if typed.count == 18, let e = try await find(creditCode: typed.uppercased(), actor: actor) { return .one(e) }
        let found = try await list(EnterpriseQuery(search: typed), page: Paging(per: 8), actor: actor)
        if let exact = found.items.first(where: { $0.profile.name == typed }) { return .one(exact) }
        switch found.total {
        case 0: return .none
        case 1: return .one(found.items[0])
        default: return .many(found.items, total: found.total)
        }
    }

    public func list(_ query: EnterpriseQuery, page: Paging, actor: Caller) async throws -> Paged<Enterprise> {
        try actor.require(.enterpriseRead)
        return try await repository.list(query, page: page, scope: actor.scope)
    }

    public static let exportLimit = 50_000

    public func export(_ query: EnterpriseQuery, actor: Caller) async throws -> [Enterprise] {
        try actor.require(.enterpriseExport)
        return try await repository.all(query, scope: actor.scope, limit: Self.exportLimit)
    }

    public func statistics(actor: Caller) async throws -> EnterpriseStatistics {
        try actor.require(.dashboardRead)
        return try await repository.statistics(scope: actor.scope)
    }

    public func classification(of e: Enterprise) -> Classification {
        Classifier.classify(e.profile, now: clock.now())
    }

    /// A county officer may only place enterprises in its own county.
    private func checkCounty(_ profile: EnterpriseProfile, actor: Caller) throws {
        if case .county(let c) = actor.scope, profile.countyCode != c {
            let name = County.named(c)?.zh ?? c
            throw DomainError.validation([FieldIssue(field: "countyCode", zh: "只能登记本辖区（\(name)）的企业",
                                                     en: "you can only register enterprises of your own county")])
        }
    }

    public func create(_ draft: EnterpriseDraft, actor: Caller, origin: String? = nil) async throws -> Enterprise {
        try actor.require(.enterpriseCreate)
        let profile = try draft.validate().get()
        try checkCounty(profile, actor: actor)
        if try await !repository.existingCreditCodes([profile.creditCode]).isEmpty {
            throw DomainError.conflict(FieldIssue(field: "creditCode", zh: "统一社会信用代码\(profile.creditCode)已登记",
                                                  en: "credit code \(profile.creditCode) is already registered"))
        }
        let now = clock.now()
        let e = Enterprise(id: UUID(), profile: profile, computedGrade: Classifier.classify(profile, now: now).grade,
                           createdAt: now, updatedAt: now)
        return try await repository.create(e, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    /// Replaces the profile. The credit code is the enterprise's identity and cannot change.
    public func update(_ id: UUID, draft: EnterpriseDraft, expectedVersion: Int? = nil, actor: Caller,
                       origin: String? = nil) async throws -> Enterprise {
        try await update(id, expectedVersion: expectedVersion, actor: actor, origin: origin) { _ in draft }
    }

    /// Changes the profile by `edit`, applied to the stored one inside the write, so that a partial
    /// change (API PATCH) never overwrites fields someone else changed meanwhile.
    public func update(_ id: UUID, expectedVersion: Int? = nil, actor: Caller, origin: String? = nil,
                       edit: @escaping @Sendable (EnterpriseDraft) -> EnterpriseDraft) async throws -> Enterprise {
        try actor.require(.enterpriseUpdate)
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, action: .update,
                                           audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            let profile = try edit(EnterpriseDraft(e.profile)).validate().get()
            try checkCounty(profile, actor: actor)
            guard e.profile.creditCode == profile.creditCode else {
                throw DomainError.validation([FieldIssue(field: "creditCode", zh: "统一社会信用代码登记后不可修改",
                                                         en: "the credit code cannot change once registered")])
            }
            var next = e
            next.profile = profile
            next.computedGrade = Classifier.classify(profile, now: now).grade
            next.updatedAt = now
            return next
        }
    }

    /// What an enterprise user may change on its own record: the contact people.
    public func updateContacts(_ id: UUID, _ update: EnterpriseContactUpdate, expectedVersion: Int? = nil, actor: Caller,
                               origin: String? = nil) async throws -> Enterprise {
        try actor.require(.enterpriseUpdateContacts)
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, action: .update,
                                           audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            var draft = EnterpriseDraft(e.profile)
            if let p = update.principal { draft.principalName = p.name; draft.principalPhone = p.phone }
            if let p = update.actualController { draft.controllerName = p.name; draft.controllerPhone = p.phone }
            if let p = update.safetyManager { draft.safetyManagerName = p.name; draft.safetyManagerPhone = p.phone }
            var next = e
            next.profile = try draft.validate().get()
            next.updatedAt = now
            return next
        }
    }

    public func deactivate(_ id: UUID, reason: String, expectedVersion: Int? = nil, actor: Caller,
                           origin: String? = nil) async throws -> Enterprise {
        try actor.require(.enterpriseDeactivate)
        let reason = try Self.requireReason(reason)
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, action: .deactivate,
                                           audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            guard e.active else { throw DomainError.invalidTransition(from: "inactive", event: "deactivate") }
            var next = e
            next.active = false
            next.deactivationReason = reason
            next.updatedAt = now
            return next
        }
    }

    public func reactivate(_ id: UUID, expectedVersion: Int? = nil, actor: Caller, origin: String? = nil) async throws -> Enterprise {
        try actor.require(.enterpriseDeactivate)
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, action: .reactivate,
                                           audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            guard !e.active else { throw DomainError.invalidTransition(from: "active", event: "reactivate") }
            var next = e
            next.active = true
            next.deactivationReason = nil
            next.updatedAt = now
            return next
        }
    }

    /// Sets (grade non-nil) or clears the manual grade, with the reason recorded.
    public func overrideGrade(_ id: UUID, grade: SupervisionGrade?, reason: String, expectedVersion: Int? = nil, actor: Caller,
                              origin: String? = nil) async throws -> Enterprise {
        try actor.require(.enterpriseClassify)
        let reason = try Self.requireReason(reason)
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, action: .classify,
                                           audit: AuditContext(actor: actor, at: now, origin: origin)) { e in
            var next = e
            next.gradeOverride = grade.map { GradeOverride(grade: $0, reason: reason, byUsername: actor.username, at: now) }
            next.computedGrade = Classifier.classify(e.profile, now: now).grade
            next.updatedAt = now
            return next
        }
    }

    /// Re-applies the grading rules to every enterprise whose computed grade has drifted (a
    /// standardization certificate ran out, the rules changed), auditing each change. Returns how many changed.
    @discardableResult
    public func refreshGrades() async throws -> Int {
        let now = clock.now()
        var changed = 0
        // A page at a time: a city's twenty thousand records at once would set the server's memory peak.
        var stale: [Enterprise] = []
        var page = Paging(page: 1, per: Paging.maxPer)
        while true {
            let part = try await repository.list(EnterpriseQuery(includeInactive: true), page: page, scope: .city)
            stale += part.items.filter { Classifier.classify($0.profile, now: now).grade != $0.computedGrade }
            if part.items.count < page.per { break }
            page.page += 1
        }
        for e in stale {
            _ = try await repository.update(id: e.id, scope: .city, expectedVersion: nil, action: .classify,
                                            audit: AuditContext(actor: .system, at: now, origin: "grade-refresh")) { current in
                var next = current
                next.computedGrade = Classifier.classify(current.profile, now: now).grade
                return next
            }
            changed += 1
        }
        return changed
    }

    static func requireReason(_ text: String) throws -> String {
        let r = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...500).contains(r.length), text.length <= 500 else {
            throw DomainError.validation([FieldIssue(field: "reason", zh: "请填写原因（2–500个字）", en: "a reason of 2–500 characters is required")])
        }
        return r
    }
}
