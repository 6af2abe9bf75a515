import Foundation

/// A hazard as someone reports it, before validation.
public struct HazardDraft: Sendable, Equatable {
    public var enterpriseID: UUID?
    public var title: String
    public var description: String
    public var location: String
    public var source: String
    public var foundBy: String
    public var foundAt: Date?
    public var focusTags: [String]
    /// The level proposed by the reporter; the judgement fixes it.
    public var level: String
    public var criteria: [String]

    public init(enterpriseID: UUID? = nil, title: String = "", description: String = "", location: String = "", source: String = "",
                foundBy: String = "", foundAt: Date? = nil, focusTags: [String] = [], level: String = "", criteria: [String] = []) {
        self.enterpriseID = enterpriseID
        self.title = title
        self.description = description
        self.location = location
        self.source = source
        self.foundBy = foundBy
        self.foundAt = foundAt
        self.focusTags = focusTags
        self.level = level
        self.criteria = criteria
    }
}

/// SHA-256 of file contents (the app supplies the implementation).
public protocol ContentDigest: Sendable {
    func sha256Hex(_ data: Data) -> String
}

/// Local checklist items of the counties.
public protocol ChecklistRepository: Sendable {
    func localItems(countyCode: String?) async throws -> [LocalChecklistItem]
    func addLocalItem(_ item: LocalChecklistItem, audit: AuditContext) async throws -> LocalChecklistItem
    func setLocalItemActive(id: UUID, countyCode: String?, active: Bool, audit: AuditContext) async throws -> LocalChecklistItem
}

/// The major-hazard closed loop's use cases. Each checks the caller's permission and scope itself.
public struct HazardService: Sendable {
    public let repository: any HazardRepository
    public let enterprises: any EnterpriseRepository
    /// Where the experts a county assigns are found.
    public let users: any UserRepository
    public let checklists: any ChecklistRepository
    public let files: any FileStore
    public let digest: any ContentDigest
    public let channel: any NotificationChannel
    public let catalogue: CriteriaCatalogue
    public let clock: any WallClock
    let trendCache = TrendCache()
    /// The statistics, per scope and minute (the overdue ones count against now).
    public let computed: ChangeKeyedCache?

    public init(repository: any HazardRepository, enterprises: any EnterpriseRepository, users: any UserRepository, checklists: any ChecklistRepository,
                files: any FileStore, digest: any ContentDigest, channel: any NotificationChannel,
                catalogue: CriteriaCatalogue = .shipped, clock: any WallClock, computed: ChangeKeyedCache? = nil) {
        self.computed = computed
        self.repository = repository
        self.enterprises = enterprises
        self.users = users
        self.checklists = checklists
        self.files = files
        self.digest = digest
        self.channel = channel
        self.catalogue = catalogue
        self.clock = clock
    }

    // MARK: reading

    public func get(_ id: UUID, actor: Caller) async throws -> Hazard {
        try actor.require(.hazardRead)
        guard let h = try await repository.find(id: id, scope: actor.scope),
              actor.scope.includes(h) else {
            throw DomainError.notFound(entity: "hazard")
        }
        return h
    }

    public func history(_ id: UUID, actor: Caller) async throws -> (Hazard, [HazardEvent], [HazardPhoto]) {
        let h = try await get(id, actor: actor)
        return (h, try await repository.events(hazardID: id), try await repository.photos(hazardID: id))
    }

    public func list(_ query: HazardQuery, page: Paging, actor: Caller) async throws -> Paged<Hazard> {
        try actor.require(.hazardRead)
        return try await repository.list(query, page: page, scope: actor.scope, now: clock.now())
    }

    public static let exportLimit = 50_000

    public func export(_ query: HazardQuery, actor: Caller, limit: Int = exportLimit) async throws -> [Hazard] {
        try actor.require(.hazardExport)
        return try await repository.all(query, scope: actor.scope, now: clock.now(), limit: min(limit, Self.exportLimit))
    }

    public func statistics(actor: Caller) async throws -> HazardStatistics {
        try actor.require(.hazardRead)
        let (now, scope, repository) = (clock.now(), actor.scope, self.repository)
        return try await computed.value("hazard-statistics|\(scope)|\(Int(now.timeIntervalSince1970 / 60))") {
            try await repository.statistics(scope: scope, now: now)
        }
    }

    /// Open major hazards at the end of each of the last `months` months (the current one up to now).
    /// Past months change only when a hazard is recorded late, so they are kept for ten minutes; the
    /// current month's figure is `current` when the caller has it (the live count), else computed.
    public func trend(actor: Caller, months: Int = 24, current: Int? = nil) async throws -> [TrendPoint] {
        try actor.require(.hazardRead)
        let now = clock.now()
        let key = "\(actor.scope)|\(months)"
        if var cached = await trendCache.get(key, now: now), !cached.isEmpty {
            if let current { cached[cached.count - 1].openMajor = current }
            return cached
        }
        let cal = ChinaTime.calendar
        var points: [(String, Date)] = []
        let thisMonth = cal.date(from: cal.dateComponents([.year, .month], from: now))!
        for back in stride(from: months - 1, through: 0, by: -1) {
            let start = cal.date(byAdding: .month, value: -back, to: thisMonth)!
            let end = min(cal.date(byAdding: .month, value: 1, to: start)!, now)
            let c = cal.dateComponents([.year, .month], from: start)
            points.append((String(format: "%04d-%02d", c.year!, c.month!), end))
        }
        let trend = try await repository.openMajorTrend(scope: actor.scope, months: points)
        await trendCache.put(key, trend, now: now)
        return trend
    }

    public func photo(_ id: UUID, actor: Caller) async throws -> (HazardPhoto, Data) {
        try actor.require(.hazardRead)
        guard let p = try await repository.photo(id: id, scope: actor.scope), let data = try await files.get(key: Self.fileKey(p.id)) else {
            throw DomainError.notFound(entity: "photo")
        }
        return (p, data)
    }

    static func fileKey(_ id: UUID) -> String { "hazard-photos/\(id.uuidString.lowercased())" }

    // MARK: criteria and checklists

    /// An enterprise's applicable checklist (一行业一清单), with its county's local items.
    public func checklist(enterpriseID: UUID, actor: Caller) async throws -> (Enterprise, Checklist) {
        try actor.require(.enterpriseRead)
        guard let e = try await enterprises.find(id: enterpriseID, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        let local = try await checklists.localItems(countyCode: e.profile.countyCode)
        return (e, Checklist.applicable(to: e.profile, catalogue: catalogue, local: local))
    }

    /// The checklist of one industry or special risk, with the caller's county's local items.
    public func checklist(group: CriterionGroup, actor: Caller) async throws -> Checklist {
        let county: String? = if case .county(let c) = actor.scope { c } else { nil }
        let local = county == nil ? [] : try await checklists.localItems(countyCode: county)
        return Checklist.of(group, catalogue: catalogue, local: local)
    }

    public func localItems(actor: Caller) async throws -> [LocalChecklistItem] {
        switch actor.scope {
        case .county(let c): return try await checklists.localItems(countyCode: c)
        case .city: return try await checklists.localItems(countyCode: nil)
        default: return []
        }
    }

    public func addLocalItem(group: CriterionGroup, text: String, actor: Caller, origin: String?) async throws -> LocalChecklistItem {
        try actor.require(.checklistManage)
        guard case .county(let county) = actor.scope else { throw DomainError.forbidden(permission: .checklistManage) }
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (4...500).contains(t.length), text.length <= 500 else {
            throw DomainError.validation([FieldIssue(field: "text", zh: "检查项内容应为4–500字", en: "the item needs 4–500 characters")])
        }
        let now = clock.now()
        return try await checklists.addLocalItem(LocalChecklistItem(countyCode: county, group: group, text: t, createdBy: actor.username, createdAt: now),
                                                 audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func setLocalItemActive(_ id: UUID, active: Bool, actor: Caller, origin: String?) async throws -> LocalChecklistItem {
        try actor.require(.checklistManage)
        guard case .county(let county) = actor.scope else { throw DomainError.forbidden(permission: .checklistManage) }
        return try await checklists.setLocalItemActive(id: id, countyCode: county, active: active,
                                                       audit: AuditContext(actor: actor, at: clock.now(), origin: origin))
    }

    // MARK: reporting

    /// Checks a draft and builds the hazard, its first history entry and its notifications, storing
    /// nothing: `report` stores them, or another record's write stores them with its own change (an
    /// inspection's completion).
    public func prepare(_ draft: HazardDraft, actor: Caller) async throws -> NewHazard {
        try actor.require(.hazardReport)
        let now = clock.now()
        var issues: [FieldIssue] = []
        func bad(_ f: String, _ zh: String, _ en: String) { issues.append(FieldIssue(field: f, zh: zh, en: en)) }
        var enterprise: Enterprise?
        if let id = draft.enterpriseID {
            enterprise = try await enterprises.find(id: id, scope: actor.scope)
            if enterprise == nil { bad("enterpriseId", "未找到该企业（或不在您的辖区内）", "no such enterprise in your jurisdiction") }
        } else if case .enterprise(let own) = actor.scope {
            enterprise = try await enterprises.find(id: own, scope: actor.scope)
        } else {
            bad("enterpriseId", "请选择企业", "the enterprise is required")
        }
        if let e = enterprise, !e.active { bad("enterpriseId", "该企业已停用", "the enterprise is deactivated") }
        let isEnterprise = if case .enterprise = actor.scope { true } else { false }
        let title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(2...100).contains(title.length) || draft.title.length > 100 { bad("title", "标题应为2–100字", "the title needs 2–100 characters") }
        let description = draft.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if draft.description.length > 2000 { bad("description", "描述不能超过2000字", "the description has at most 2000 characters") }
        let location = draft.location.trimmingCharacters(in: .whitespacesAndNewlines)
        if draft.location.length > 200 { bad("location", "位置不能超过200字", "the location has at most 200 characters") }
        let foundBy = draft.foundBy.trimmingCharacters(in: .whitespacesAndNewlines)
        if draft.foundBy.length > 100 { bad("foundBy", "发现人不能超过100字", "found by has at most 100 characters") }
        let source = HazardSource(rawValue: draft.source)
        if let source {
            if isEnterprise, ![.selfInspection, .internalReport, .monitoringAlarm, .accidentInvestigation].contains(source) {
                bad("source", "企业只能报告自查、内部报告、监测预警或事故调查发现的隐患", "an enterprise reports hazards from self-inspection, internal reports, monitoring alarms or accident investigations")
            }
            if !isEnterprise, source.isEnterpriseOwn {
                bad("source", "企业自查和内部报告由企业自己报告", "self-inspections and internal reports are reported by the enterprise")
            }
        } else {
            bad("source", "请选择隐患来源", "the source is required")
        }
        let foundAt = draft.foundAt ?? now
        if foundAt > now.addingTimeInterval(300) { bad("foundAt", "发现时间不能晚于现在", "found at cannot be in the future") }
        if foundAt < ChinaTime.parseDay("2015-01-01")! { bad("foundAt", "发现时间不能早于2015年", "found at cannot be before 2015") }
        var tags = Set<FocusTag>()
        for t in draft.focusTags {
            if let tag = FocusTag(rawValue: t) { tags.insert(tag) } else { bad("focusTags", "未知的重点领域：\(t)", "unknown focus tag: \(t)") }
        }
        let level = draft.level.isEmpty ? HazardLevel.general : HazardLevel(rawValue: draft.level)
        if level == nil { bad("level", "隐患等级应为重大或一般", "level must be major or general") }
        let criteria = Array(Set(draft.criteria)).sorted()
        if let level { issues += HazardWorkflow.criteriaIssues(criteria, level: level, catalogue: catalogue) }
        guard issues.isEmpty, let e = enterprise, let source, let level else { throw DomainError.validation(issues) }

        let hazard = Hazard(enterpriseID: e.id, countyCode: e.profile.countyCode, enterpriseName: e.profile.name, industry: e.profile.industry,
                            title: title, description: description, location: location, source: source,
                            foundBy: foundBy.isEmpty ? actor.username : foundBy, foundAt: foundAt, focusTags: tags, level: level,
                            criteria: criteria, standard: catalogue.current.id, reportedBy: actor.username,
                            reportedByEnterprise: isEnterprise, createdAt: now, updatedAt: now)
        let event = HazardEvent(hazardID: hazard.id, action: "report", fromState: nil, toState: .reported, actor: actor.username,
                                actorRole: actor.role, at: now, comment: description,
                                details: ["level": level.rawValue, "source": source.rawValue, "criteria": criteria.joined(separator: ",")].filter { !$0.value.isEmpty })
        var notes: [NotificationDraft] = []
        if isEnterprise {
            if level == .major { notes.append(Self.note(.countyOfficers(hazard.countyCode), .newHazard, hazard, "企业报告了重大隐患", "an enterprise reported a major hazard")) }
        } else {
            notes.append(Self.note(.enterprise(hazard.enterpriseID), .newHazard, hazard, "监管部门发现了新隐患", "regulators found a new hazard"))
        }
        return NewHazard(hazard: hazard, event: event, notifications: notes)
    }

    /// Reports a hazard: checks the draft and stores it with its history entry and notifications.
    public func report(_ draft: HazardDraft, actor: Caller, origin: String? = nil) async throws -> Hazard {
        try await reportWithHistory(draft, actor: actor, origin: origin).hazard
    }

    /// Reports, and answers the new hazard with its history (its one entry) as stored: what
    /// `history(_:actor:)` would read back, without reading it (a new hazard has no photos yet).
    public func reportWithHistory(_ draft: HazardDraft, actor: Caller, origin: String? = nil) async throws -> (hazard: Hazard, history: [HazardEvent]) {
        let new = try await prepare(draft, actor: actor)
        let created = try await repository.create(new.hazard, event: new.event, notifications: new.notifications,
                                                  audit: AuditContext(actor: actor, at: new.hazard.createdAt, origin: origin))
        await channel.deliver(new.notifications)
        return (created, [new.event])
    }

    /// Tells the channel (SMS, logs) about notifications already stored by another record's write.
    public func deliver(_ notes: [NotificationDraft]) async { await channel.deliver(notes) }

    /// The active expert accounts a county may assign (名单 from the accounts; the expert pool with
    /// specialties and conflicts comes with inspections).
    public func experts(actor: Caller) async throws -> [User] {
        try actor.require(.hazardAssignExpert)
        return try await users.list(UserQuery(role: .expert), page: Paging(page: 1, per: 200), scope: .city, now: clock.now()).items.filter(\.active)
    }

    // MARK: the workflow

    /// Takes one step of the workflow (`HazardWorkflow`) inside one write, with its history entry,
    /// audit entry and notifications.
    public func perform(_ id: UUID, action: HazardAction, input: HazardStepInput, expectedVersion: Int? = nil,
                        actor: Caller, origin: String? = nil) async throws -> Hazard {
        try actor.require(action.permission)
        let now = clock.now()
        let catalogue = catalogue
        // Photos named by the step must belong to this hazard.
        if !input.photoIDs.isEmpty {
            let known = Set(try await repository.photos(hazardID: id).map(\.id))
            if let missing = input.photoIDs.first(where: { !known.contains($0) }) {
                throw DomainError.validation([FieldIssue(field: "photos", zh: "照片\(missing.uuidString)不属于该隐患", en: "photo \(missing.uuidString) does not belong to this hazard")])
            }
        }
        var resolved = input
        if action == .assignExpert, !input.expertUsername.isEmpty {
            resolved.expert = try await users.find(username: input.expertUsername.trimmingCharacters(in: .whitespaces))
        }
        let input = resolved
        let box = NotesBox()
        let result = try await repository.transition(id: id, scope: actor.scope, expectedVersion: expectedVersion,
                                                     audit: AuditContext(actor: actor, at: now, origin: origin)) { h in
            let (next, event) = try HazardWorkflow.perform(action, on: h, by: actor, input: input, catalogue: catalogue, now: now)
            let notes = Self.notifications(after: action, from: h, to: next, by: actor)
            box.notes = notes
            return (next, event, notes)
        }
        await channel.deliver(box.notes)
        return result
    }

    /// Tells the enterprise and its county, once, about each hazard that has run past its deadline.
    /// Run by a background job; returns how many hazards were newly overdue.
    @discardableResult
    public func sweepOverdue() async throws -> Int {
        let now = clock.now()
        var count = 0
        for h in try await repository.overdueUnnotified(now: now, limit: 10_000) {
            let notes = [
                Self.note(.enterprise(h.enterpriseID), .overdue, h, "隐患整改已逾期", "rectification is overdue"),
                Self.note(.countyOfficers(h.countyCode), .overdue, h, "隐患整改已逾期", "rectification is overdue"),
            ]
            _ = try await repository.transition(id: h.id, scope: .city, expectedVersion: nil,
                                                audit: AuditContext(actor: .system, at: now, origin: "overdue-sweep")) { current in
                var next = current
                next.overdueNotifiedAt = now
                let event = HazardEvent(hazardID: current.id, action: "overdue", fromState: current.state, toState: current.state,
                                        actor: Caller.system.username, actorRole: Caller.system.role, at: now, comment: "",
                                        details: ["deadline": current.deadline.map(ISOTime.string) ?? ""])
                return (next, event, current.overdueNotifiedAt == nil ? notes : [])
            }
            await channel.deliver(notes)
            count += 1
        }
        return count
    }

    static func note(_ audience: NotificationAudience, _ kind: NotificationKind, _ h: Hazard, _ zh: String, _ en: String) -> NotificationDraft {
        NotificationDraft(audience: audience, kind: kind, hazardID: h.id,
                          zh: "\(h.enterpriseName)：\(zh)——\(h.title)", en: "\(h.enterpriseName): \(en) — \(h.title)")
    }

    /// Who must hear of a step, and what.
    static func notifications(after action: HazardAction, from h: Hazard, to next: Hazard, by actor: Caller) -> [NotificationDraft] {
        let byEnterprise = actor.scope == .enterprise(h.enterpriseID)
        let enterprise = NotificationAudience.enterprise(h.enterpriseID)
        let county = NotificationAudience.countyOfficers(h.countyCode)
        switch action {
        case .judge:
            var notes: [NotificationDraft] = []
            if !byEnterprise { notes.append(note(enterprise, .awaitingAction, next, "隐患已判定，请签收", "the hazard is judged; acknowledge it")) }
            if byEnterprise, next.level == .major { notes.append(note(county, .newHazard, next, "企业自查判定为重大隐患", "the enterprise judged a major hazard")) }
            return notes
        case .submit:
            switch HazardWorkflow.acceptingParty(of: next) {
            case .county: return [note(county, .awaitingAction, next, "整改已提交，请验收", "rectification submitted; please accept")]
            case .city: return [note(.cityOfficers, .awaitingAction, next, "整改已提交，请验收", "rectification submitted; please accept")]
            case .enterprise, nil: return [note(enterprise, .awaitingAction, next, "整改已提交，请组织验收", "rectification submitted; accept it")]
            }
        case .accept:
            return byEnterprise ? [] : [note(enterprise, .accepted, next, "隐患已验收销号", "the hazard is accepted and closed")]
        case .return:
            return [note(enterprise, .returned, next, "整改被退回，请继续整改", "the rectification was returned")]
        case .supervise:
            return [note(enterprise, .awaitingAction, next, "隐患已被\(next.supervision?.level.zh ?? "挂牌督办")", "the hazard is placed under supervision")]
        case .requestExtension:
            let to: NotificationAudience = next.supervision?.level == .city ? .cityOfficers : county
            return [note(to, .awaitingAction, next, "企业申请延期，请审批", "the enterprise asks for more time")]
        case .decideExtension:
            let approved = next.deadline != h.deadline
            return [note(enterprise, .awaitingAction, next, approved ? "延期申请已批准" : "延期申请未获批准", approved ? "extension granted" : "extension denied")]
        case .assignExpert:
            guard let expert = next.expert else { return [] }
            return [note(.user(expert.id), .awaitingAction, next, "请您判定该隐患", "you are asked to judge this hazard")]
        case .reject, .acknowledge, .plan:
            return []
        }
    }

    // MARK: photos

    /// Checks a photo by its content (JPEG, PNG or WebP) and size, stores its bytes and its record.
    public func addPhoto(hazardID: UUID, data: Data, actor: Caller, origin: String? = nil) async throws -> HazardPhoto {
        let h = try await get(hazardID, actor: actor)
        guard actor.can(.hazardReport) || actor.can(.hazardRectify) || actor.can(.hazardAccept) else {
            throw DomainError.forbidden(permission: .hazardReport)
        }
        guard h.state.isOpen else { throw DomainError.invalidTransition(from: h.state.rawValue, event: "addPhoto") }
        let type = try ImageType.checkPhoto(data)
        let now = clock.now()
        let photo = HazardPhoto(hazardID: h.id, contentType: type.mime, size: data.count, sha256: digest.sha256Hex(data),
                                uploadedBy: actor.username, uploadedAt: now)
        try await files.put(data, key: Self.fileKey(photo.id))
        try await repository.addPhoto(photo, audit: AuditContext(actor: actor, at: now, origin: origin))
        return photo
    }
}

/// Recently computed trends, per scope.
actor TrendCache {
    static let lifetime: TimeInterval = 600
    private var entries: [String: (at: Date, points: [TrendPoint])] = [:]

    func get(_ key: String, now: Date) -> [TrendPoint]? {
        guard let e = entries[key], now.timeIntervalSince(e.at) < Self.lifetime, now >= e.at else { return nil }
        return e.points
    }

    func put(_ key: String, _ points: [TrendPoint], now: Date) {
        if entries.count > 1000 { entries.removeAll() }
        entries[key] = (now, points)
    }
}

/// Carries what a write's closure decided out of it.
final class NotesBox: @unchecked Sendable {
    var notes: [NotificationDraft] = []
}

/// Image formats recognised by their first bytes, whatever the file is called.
public enum ImageType: String, Sendable {
    case jpeg, png, webp

    public var mime: String { "image/\(rawValue)" }

    public static func detect(_ data: Data) -> ImageType? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 8, b[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if b.count >= 12, b[0..<4].elementsEqual(Array("RIFF".utf8)), b[8..<12].elementsEqual(Array("WEBP".utf8)) { return .webp }
        return nil
    }

    /// A photo as accepted anywhere (hazards, inspections): at most `HazardRules.maxPhotoBytes`, and an
    /// image by its content; otherwise a validation error naming the photo.
    public static func checkPhoto(_ data: Data) throws -> ImageType {
        guard data.count <= HazardRules.maxPhotoBytes else {
            throw DomainError.validation([FieldIssue(field: "photo", zh: "照片不能超过\(HazardRules.maxPhotoBytes >> 20)MB", en: "a photo has at most \(HazardRules.maxPhotoBytes >> 20) MB")])
        }
        guard let type = detect(data) else {
            throw DomainError.validation([FieldIssue(field: "photo", zh: "只接受 JPEG、PNG 或 WebP 图片（按文件内容判断）", en: "only JPEG, PNG or WebP images are accepted (judged by content)")])
        }
        return type
    }
}
