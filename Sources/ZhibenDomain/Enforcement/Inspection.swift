import Foundation

/// How an inspection is carried out (T21–T23).
public enum InspectionStyle: String, Sendable, Codable, CaseIterable, Labeled {
    case thorough, unannounced, covert, crossCounty, routine, online

    public var zh: String {
        switch self {
        case .thorough: "体检式精查"; case .unannounced: "四不两直"; case .covert: "明查暗访"; case .crossCounty: "异地交叉检查"
        case .routine: "日常检查"; case .online: "线上检查"
        }
    }
    public var en: String {
        switch self {
        case .thorough: "Thorough check-up"; case .unannounced: "Unannounced"; case .covert: "Open and covert"; case .crossCounty: "Cross-county"
        case .routine: "Routine"; case .online: "Online (monitoring)"
        }
    }
}

/// Where an inspection came from.
public enum InspectionOrigin: String, Sendable, Codable, CaseIterable, Labeled {
    case plan, draw, alarm, publicReport, manual

    public var zh: String { switch self { case .plan: "执法计划"; case .draw: "双随机抽取"; case .alarm: "监测报警"; case .publicReport: "群众举报"; case .manual: "其他" } }
    public var en: String { switch self { case .plan: "Plan"; case .draw: "Random draw"; case .alarm: "Alarm"; case .publicReport: "Public report"; case .manual: "Other" } }
}

/// One checklist item's outcome in the field.
public struct InspectionItemResult: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable, CaseIterable, Labeled {
        /// `notChecked` (未检查): the officers could not check the item this time; its note gives the reason.
        case pass, fail, notApplicable, notChecked
        public var zh: String { switch self { case .pass: "符合"; case .fail: "不符合"; case .notApplicable: "不适用"; case .notChecked: "未检查" } }
        public var en: String { switch self { case .pass: "Pass"; case .fail: "Fail"; case .notApplicable: "N/A"; case .notChecked: "Not checked" } }
    }

    /// A criterion's code (`MHC-4-01`) or a county's local item's id.
    public var item: String
    public var outcome: Outcome
    public var note: String
    /// The hazard a failed item became, once the inspection is completed.
    public var hazardID: UUID?

    public init(item: String, outcome: Outcome, note: String = "", hazardID: UUID? = nil) {
        self.item = item
        self.outcome = outcome
        self.note = note
        self.hazardID = hazardID
    }
}

/// An enforcement inspection of one enterprise (执法检查).
public struct Inspection: Sendable, Equatable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case planned, inProgress, completed, cancelled
        public var zh: String { switch self { case .planned: "待检查"; case .inProgress: "检查中"; case .completed: "已完成"; case .cancelled: "已取消" } }
        public var en: String { switch self { case .planned: "Planned"; case .inProgress: "In progress"; case .completed: "Completed"; case .cancelled: "Cancelled" } }
    }

    public var id: UUID
    public var enterpriseID: UUID
    public var enterpriseName: String
    public var countyCode: String
    public var style: InspectionStyle
    public var origin: InspectionOrigin
    /// The draw, alarm or report it came from.
    public var originID: UUID?
    /// Roster entries: at least two.
    public var inspectorIDs: [UUID]
    public var inspectorNames: [String]
    /// The counties of the inspectors: an inspector of such a county sees the inspection (cross-county).
    public var inspectorCounties: [String]
    public var expertID: UUID?
    public var expertName: String?
    /// The expert's account, who then sees this inspection.
    public var expertUserID: UUID?
    /// `yyyy-MM-dd`.
    public var plannedOn: String
    public var state: State
    public var results: [InspectionItemResult]
    public var summary: String
    public var createdBy: String
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, enterpriseName: String, countyCode: String, style: InspectionStyle, origin: InspectionOrigin,
                originID: UUID? = nil, inspectorIDs: [UUID], inspectorNames: [String], inspectorCounties: [String], expertID: UUID? = nil,
                expertName: String? = nil, expertUserID: UUID? = nil, plannedOn: String, state: State = .planned, results: [InspectionItemResult] = [],
                summary: String = "", createdBy: String, createdAt: Date, startedAt: Date? = nil, completedAt: Date? = nil, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.enterpriseName = enterpriseName
        self.countyCode = countyCode
        self.style = style
        self.origin = origin
        self.originID = originID
        self.inspectorIDs = inspectorIDs
        self.inspectorNames = inspectorNames
        self.inspectorCounties = inspectorCounties
        self.expertID = expertID
        self.expertName = expertName
        self.expertUserID = expertUserID
        self.plannedOn = plannedOn
        self.state = state
        self.results = results
        self.summary = summary
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Whether `scope` sees it: the enterprise's county, a county one of its inspectors comes from (a
    /// cross-county inspection), the city; an expert only when assigned.
    public func visible(to scope: Scope) -> Bool {
        switch scope {
        case .city: true
        case .county(let c): countyCode == c || inspectorCounties.contains(c)
        case .enterprise: false
        case .assigned(let user): expertUserID == user
        }
    }
}

public struct InspectionQuery: Sendable, Equatable {
    public var state: Inspection.State?
    public var enterpriseID: UUID?
    public var originID: UUID?
    /// The enterprise's county.
    public var countyCode: String?
    /// Planned in this year; cancelled ones left out.
    public var year: Int?
    /// Only those still to be done (planned or in progress).
    public var openOnly = false
    /// Only those this roster officer is on.
    public var inspectorID: UUID?
    /// Planned on or before this day (`yyyy-MM-dd`).
    public var plannedBy: String?
    /// Planned after this day (`yyyy-MM-dd`).
    public var plannedAfter: String?
    /// The earliest planned first (else the latest).
    public var earliestFirst = false

    public init(state: Inspection.State? = nil, enterpriseID: UUID? = nil, originID: UUID? = nil, countyCode: String? = nil, year: Int? = nil) {
        self.state = state
        self.enterpriseID = enterpriseID
        self.originID = originID
        self.countyCode = countyCode
        self.year = year
    }
}

/// A photo taken in the field for one checklist item; when the item fails, completing the inspection
/// copies it onto the item's hazard (`hazardPhotoID`). The bytes live in a `FileStore`.
public struct InspectionPhoto: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var inspectionID: UUID
    /// The checklist item's code (criterion id, or local item id).
    public var item: String
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var uploadedBy: String
    public var uploadedAt: Date
    public var hazardPhotoID: UUID?

    public init(id: UUID = UUID(), inspectionID: UUID, item: String, contentType: String, size: Int, sha256: String, uploadedBy: String, uploadedAt: Date,
                hazardPhotoID: UUID? = nil) {
        self.id = id
        self.inspectionID = inspectionID
        self.item = item
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
        self.hazardPhotoID = hazardPhotoID
    }
}

public protocol InspectionRepository: Sendable {
    /// Stores new inspections, audited; a draw's inspections only when none exist for it yet (`conflict`).
    func create(_ inspections: [Inspection], audit: AuditContext) async throws
    func find(id: UUID, scope: Scope) async throws -> Inspection?
    func list(_ query: InspectionQuery, scope: Scope, page: Paging) async throws -> Paged<Inspection>
    /// Of these enterprises, those with an inspection planned in `year` (cancelled ones aside), in one read.
    func inspected(enterpriseIDs: [UUID], year: Int, scope: Scope) async throws -> Set<UUID>
    /// Of these records (draws, alarms), those an inspection was arranged from, in one read.
    func inspected(originIDs: [UUID], scope: Scope) async throws -> Set<UUID>
    /// Changes one inside one write, audited; a stale `expectedVersion` answers `staleVersion` and
    /// changes nothing.
    func update(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection
    /// Stores a photo's record (its bytes are stored already), audited on the inspection.
    func addPhoto(_ photo: InspectionPhoto, audit: AuditContext) async throws
    /// Oldest first.
    func photos(inspectionID: UUID) async throws -> [InspectionPhoto]
    /// Completes an inspection in one write, only if it is still at `readVersion` (else `staleVersion`
    /// and nothing is written): the change (`InspectionWorkflow.complete`), the hazards made from its
    /// failed items with their history, notifications and audit, and the photos copied onto them.
    func complete(id: UUID, scope: Scope, readVersion: Int, audit: AuditContext, hazards: [(item: String, new: NewHazard)], photoCopies: [InspectionPhotoCopy],
                  change: @escaping @Sendable (Inspection) throws -> Inspection) async throws -> Inspection
}

public enum InspectionAction: String, Sendable, CaseIterable {
    case start, complete, cancel
}

/// Inspections: created for a draw's picks or by hand, worked through in the field against the
/// enterprise's checklist; each failed item becomes a hazard citing its criterion (the hazard loop).
public struct InspectionService: Sendable {
    public let repository: any InspectionRepository
    public let draws: any DrawRepository
    public let people: any EnforcementPeopleRepository
    public let hazards: HazardService
    /// To check that an inspection made from an alarm names one of the enterprise's alarms.
    public let alarms: (any AlarmRepository)?
    public let clock: any WallClock

    public init(repository: any InspectionRepository, draws: any DrawRepository, people: any EnforcementPeopleRepository, hazards: HazardService,
                alarms: (any AlarmRepository)? = nil, clock: any WallClock) {
        self.repository = repository
        self.draws = draws
        self.people = people
        self.hazards = hazards
        self.alarms = alarms
        self.clock = clock
    }

    /// One inspection per enterprise a revealed draw picked, with the drawn inspectors and expert; once.
    public func createFromDraw(_ drawID: UUID, plannedOn: String, actor: Caller, origin: String? = nil) async throws -> [Inspection] {
        try actor.require(.drawManage)
        guard let d = try await draws.find(id: drawID, scope: actor.scope) else { throw DomainError.notFound(entity: "draw") }
        guard let result = d.result else { throw DomainError.invalidTransition(from: "committed (not revealed)", event: "createInspections") }
        guard ChinaTime.parseDay(plannedOn) != nil else {
            throw DomainError.validation([FieldIssue(field: "plannedOn", zh: "计划日期应为日期（如 2026-12-15）", en: "the planned day is a date such as 2026-12-15")])
        }
        if try await repository.list(InspectionQuery(originID: drawID), scope: .city, page: Paging(per: 1)).total > 0 {
            throw DomainError.conflict(FieldIssue(field: "draw", zh: "该抽取已生成检查任务", en: "this draw's inspections exist already"))
        }
        let enterprises = Dictionary(d.pool.enterprises.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let people = Dictionary((d.pool.inspectors + d.pool.experts).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let experts = Dictionary(try await self.people.allExperts().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        let list = result.picks.compactMap { pick -> Inspection? in
            guard let e = enterprises[pick.enterpriseID] else { return nil }
            return Inspection(enterpriseID: e.id, enterpriseName: e.name, countyCode: e.countyCode, style: d.parameters.crossCounty ? .crossCounty : .routine,
                              origin: .draw, originID: d.id, inspectorIDs: pick.inspectors, inspectorNames: pick.inspectors.map { people[$0]?.name ?? "" },
                              inspectorCounties: Array(Set(pick.inspectors.compactMap { people[$0]?.countyCode })).sorted(),
                              expertID: pick.expert, expertName: pick.expert.flatMap { people[$0]?.name }, expertUserID: pick.expert.flatMap { experts[$0]?.userID },
                              plannedOn: plannedOn, createdBy: actor.username, createdAt: now, updatedAt: now)
        }
        try await repository.create(list, audit: AuditContext(actor: actor, at: now, origin: origin))
        return list
    }

    /// An inspection outside a draw (a plan's key enterprise, an alarm, a report): at least two roster
    /// officers, of the enterprise's county unless cross-county.
    public func create(enterpriseID: UUID, style: InspectionStyle, origin kind: InspectionOrigin, originID: UUID?, inspectorIDs: [UUID], expertID: UUID?,
                       plannedOn: String, actor: Caller, origin: String? = nil) async throws -> Inspection {
        try actor.require(.drawManage)
        guard let e = try await hazards.enterprises.find(id: enterpriseID, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        var issues: [FieldIssue] = []
        let roster = Dictionary(try await people.allInspectors(countyCodes: nil).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let chosen = inspectorIDs.compactMap { roster[$0] }
        let day = ChinaTime.day(clock.now())
        if Set(inspectorIDs).count < 2 || chosen.count != inspectorIDs.count {
            issues.append(FieldIssue(field: "inspectors", zh: "至少选择2名名册中的执法人员", en: "choose at least two officers of the roster"))
        } else if let bad = chosen.first(where: { !$0.drawable(on: day) }) {
            issues.append(FieldIssue(field: "inspectors", zh: "\(bad.name)的执法证已过期或已停用", en: "\(bad.name)'s certificate has expired or the officer is inactive"))
        } else if let bad = chosen.first(where: { $0.conflicts.contains(e.id) }) {
            issues.append(FieldIssue(field: "inspectors", zh: "\(bad.name)已申报回避该企业", en: "\(bad.name) declared a conflict with this enterprise"))
        } else if style != .crossCounty, let bad = chosen.first(where: { $0.countyCode != e.profile.countyCode }) {
            issues.append(FieldIssue(field: "inspectors", zh: "\(bad.name)不是本县执法人员（异地交叉检查除外）", en: "\(bad.name) is of another county (only cross-county inspections)"))
        }
        if ChinaTime.parseDay(plannedOn) == nil {
            issues.append(FieldIssue(field: "plannedOn", zh: "计划日期应为日期（如 2026-12-15）", en: "the planned day is a date such as 2026-12-15"))
        }
        switch kind {
        case .draw:
            issues.append(FieldIssue(field: "origin", zh: "抽取的检查任务由揭晓后的抽取生成", en: "a draw's inspections are made from the revealed draw"))
        case .alarm:
            var alarm: Alarm?
            if let originID { alarm = try await alarms?.find(id: originID, scope: actor.scope) }
            if alarm?.enterpriseID != e.id {
                issues.append(FieldIssue(field: "originId", zh: "请指明该企业的一条报警", en: "name one of the enterprise's alarms"))
            }
        case .publicReport:
            var report: Hazard?
            if let originID { report = try? await hazards.get(originID, actor: actor) }
            if report?.enterpriseID != e.id || report?.source != .publicReport {
                issues.append(FieldIssue(field: "originId", zh: "请指明该企业的一条群众举报隐患", en: "name one of the enterprise's hazards reported by the public"))
            }
        case .plan, .manual:
            if originID != nil { issues.append(FieldIssue(field: "originId", zh: "该来源不关联记录", en: "this origin names no record")) }
        }
        var expert: Expert?
        if let expertID {
            expert = try await people.allExperts().first { $0.id == expertID }
            if expert == nil { issues.append(FieldIssue(field: "expert", zh: "专家库中没有该专家", en: "no such expert in the pool")) }
            else if expert!.conflicts.contains(e.id) { issues.append(FieldIssue(field: "expert", zh: "该专家已申报回避该企业", en: "the expert declared a conflict with this enterprise")) }
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let i = Inspection(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, style: style, origin: kind, originID: originID,
                           inspectorIDs: chosen.map(\.id), inspectorNames: chosen.map(\.name), inspectorCounties: Array(Set(chosen.map(\.countyCode))).sorted(),
                           expertID: expert?.id, expertName: expert?.name, expertUserID: expert?.userID, plannedOn: plannedOn,
                           createdBy: actor.username, createdAt: now, updatedAt: now)
        try await repository.create([i], audit: AuditContext(actor: actor, at: now, origin: origin))
        return i
    }

    /// Photos a checklist item may carry.
    public static let maxPhotosPerItem = 6

    static func photoKey(_ id: UUID) -> String { "inspection-photos/\(id.uuidString.lowercased())" }

    /// A photo of one checklist item, taken while the inspection is open: checked by content (JPEG, PNG
    /// or WebP) and size like a hazard's, at most `maxPhotosPerItem` per item.
    public func addPhoto(_ id: UUID, item: String, data: Data, actor: Caller, origin: String? = nil) async throws -> InspectionPhoto {
        try actor.require(.hazardReport)
        let i = try await get(id, actor: actor)
        guard i.state == .planned || i.state == .inProgress else { throw DomainError.invalidTransition(from: i.state.rawValue, event: "addPhoto") }
        let list = try await checklist(for: i)
        guard list.criteria.contains(where: { $0.id == item }) || list.localItems.contains(where: { $0.id.uuidString == item }) else {
            throw DomainError.validation([FieldIssue(field: "item", zh: "检查表中没有该项", en: "no such item on the checklist")])
        }
        if try await repository.photos(inspectionID: id).filter({ $0.item == item }).count >= Self.maxPhotosPerItem {
            throw DomainError.validation([FieldIssue(field: "photo", zh: "每项最多\(Self.maxPhotosPerItem)张照片", en: "at most \(Self.maxPhotosPerItem) photos per item")])
        }
        let type = try ImageType.checkPhoto(data)
        let now = clock.now()
        let photo = InspectionPhoto(inspectionID: id, item: item, contentType: type.mime, size: data.count, sha256: hazards.digest.sha256Hex(data),
                                    uploadedBy: actor.username, uploadedAt: now)
        try await hazards.files.put(data, key: Self.photoKey(photo.id))
        try await repository.addPhoto(photo, audit: AuditContext(actor: actor, at: now, origin: origin))
        return photo
    }

    public func photos(_ id: UUID, actor: Caller) async throws -> [InspectionPhoto] {
        _ = try await get(id, actor: actor)
        return try await repository.photos(inspectionID: id)
    }

    /// One photo with its bytes; a photo of another inspection does not exist.
    public func photo(_ id: UUID, photoID: UUID, actor: Caller) async throws -> (InspectionPhoto, Data) {
        guard let p = try await photos(id, actor: actor).first(where: { $0.id == photoID }),
              let data = try await hazards.files.get(key: Self.photoKey(p.id)) else { throw DomainError.notFound(entity: "photo") }
        return (p, data)
    }

    /// Who may be put on an inspection of this enterprise by hand: roster officers with a valid
    /// certificate and no declared conflict (the enterprise's county's, and the other counties' for a
    /// cross-county inspection), and the available experts without a conflict.
    public func staffing(enterpriseID: UUID, actor: Caller) async throws -> (enterprise: Enterprise, own: [RosterInspector], others: [RosterInspector], experts: [Expert]) {
        try actor.require(.drawManage)
        guard let e = try await hazards.enterprises.find(id: enterpriseID, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        let day = ChinaTime.day(clock.now())
        let officers = try await people.allInspectors(countyCodes: nil).filter { $0.drawable(on: day) && !$0.conflicts.contains(e.id) }
            .sorted { ($0.countyCode, $0.name) < ($1.countyCode, $1.name) }
        let experts = try await people.allExperts().filter { $0.available && !$0.conflicts.contains(e.id) }.sorted { $0.name < $1.name }
        return (e, officers.filter { $0.countyCode == e.profile.countyCode }, officers.filter { $0.countyCode != e.profile.countyCode }, experts)
    }

    /// The inspected enterprise's record, for whoever sees the inspection (a cross-county inspector too,
    /// though the enterprise is outside their county): the principal named in a penalty, the printed record.
    public func enterprise(of i: Inspection, actor: Caller) async throws -> Enterprise? {
        _ = try await get(i.id, actor: actor)
        return try await hazards.enterprises.find(id: i.enterpriseID, scope: .city)
    }

    /// What the officers find on arrival (一企一策 at the gate): the enterprise's open hazards and its alarms
    /// out of limits, the first ten of each. Whoever sees the inspection sees these, the officers a
    /// cross-county inspection borrows included, though the enterprise itself is outside their county.
    /// `i` is the inspection as `get` answered it to this caller.
    public func onSite(_ i: Inspection, actor: Caller) async throws -> (hazards: Paged<Hazard>, alarms: [Alarm]) {
        guard actor.can(.enforcementRead) || actor.can(.inspectionAssigned), i.visible(to: actor.scope) else {
            throw DomainError.forbidden(permission: .enforcementRead)
        }
        let open = try await hazards.list(HazardQuery(states: HazardState.open, enterpriseID: i.enterpriseID), page: Paging(per: 10), actor: .system)
        let out = try await alarms?.list(AlarmQuery(enterpriseID: i.enterpriseID, outOnly: true), page: Paging(per: 10), scope: .city).items ?? []
        return (open, out)
    }

    public func get(_ id: UUID, actor: Caller) async throws -> Inspection {
        guard actor.can(.enforcementRead) || actor.can(.inspectionAssigned) else { throw DomainError.forbidden(permission: .enforcementRead) }
        guard let i = try await repository.find(id: id, scope: actor.scope), i.visible(to: actor.scope) else { throw DomainError.notFound(entity: "inspection") }
        return i
    }

    public func list(_ query: InspectionQuery, page: Paging, actor: Caller) async throws -> Paged<Inspection> {
        guard actor.can(.enforcementRead) || actor.can(.inspectionAssigned) else { throw DomainError.forbidden(permission: .enforcementRead) }
        return try await repository.list(query, scope: actor.scope, page: page)
    }

    /// The enterprise's checklist items, by code (criteria) or id (local items).
    public func checklist(for i: Inspection) async throws -> Checklist {
        try await hazards.checklist(enterpriseID: i.enterpriseID, actor: .system).1
    }

    /// Saves the field results (a draft, from the phone): refused with `staleVersion` when the record
    /// changed since the version the phone started from, so nothing is overwritten silently.
    public func saveResults(_ id: UUID, results: [InspectionItemResult], summary: String?, baseVersion: Int, actor: Caller, origin: String? = nil) async throws -> Inspection {
        try actor.require(.hazardReport)
        let current = try await get(id, actor: actor)
        let list = try await checklist(for: current)
        let known = Set(list.itemCodes)
        var issues: [FieldIssue] = []
        if let bad = results.first(where: { !known.contains($0.item) }) {
            issues.append(FieldIssue(field: "results", zh: "检查表中没有该项：\(bad.item)", en: "no such checklist item: \(bad.item)"))
        }
        if Set(results.map(\.item)).count != results.count { issues.append(FieldIssue(field: "results", zh: "检查项重复", en: "an item is given twice")) }
        if results.contains(where: { $0.note.length > 500 }) { issues.append(FieldIssue(field: "results", zh: "说明不超过500字", en: "a note has at most 500 characters")) }
        if let bad = results.first(where: { $0.outcome == .notChecked && $0.note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            issues.append(FieldIssue(field: "results", zh: "标为未检查的项须说明原因：\(bad.item)", en: "an item marked not checked needs its reason: \(bad.item)"))
        }
        if (summary ?? "").length > 2000 { issues.append(FieldIssue(field: "summary", zh: "检查情况不超过2000字", en: "the summary has at most 2000 characters")) }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        return try await repository.update(id: id, scope: actor.scope, expectedVersion: baseVersion, audit: AuditContext(actor: actor, at: now, origin: origin)) { i in
            try InspectionWorkflow.record(i, results: results, summary: summary, actor: actor, now: now)
        }
    }

    /// start, complete (each failed item becomes a hazard citing its criterion, and its photos go onto
    /// the hazard, all in the write that completes the inspection), cancel. Each step is
    /// `InspectionWorkflow`'s, applied by storage only to the version it was decided on.
    public func perform(_ id: UUID, action: InspectionAction, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> Inspection {
        try actor.require(InspectionWorkflow.permission(action))
        let now = clock.now()
        let audit = AuditContext(actor: actor, at: now, origin: origin)
        guard action == .complete else {
            _ = try await get(id, actor: actor)
            return try await repository.update(id: id, scope: actor.scope, expectedVersion: expectedVersion, audit: audit) { i in
                try InspectionWorkflow.perform(i, action: action, actor: actor, now: now)
            }
        }
        // Someone else's save between the read and the write: read again and decide again (a caller who
        // named a version is told it is stale instead).
        for _ in 0..<3 {
            let current = try await get(id, actor: actor)
            if let expectedVersion, expectedVersion != current.version {
                throw DomainError.staleVersion(entity: "inspection", expected: expectedVersion, current: current.version)
            }
            _ = try InspectionWorkflow.perform(current, action: .complete, actor: actor, now: now)
            let items = try await checklist(for: current).itemCodes
            try InspectionWorkflow.requireAnswered(current, items: items)
            let (hazards, copies) = try await completionEffects(current, actor: actor, now: now)
            do {
                let done = try await repository.complete(id: id, scope: actor.scope, readVersion: current.version, audit: audit, hazards: hazards, photoCopies: copies) { i in
                    try InspectionWorkflow.complete(i, items: items, hazards: Dictionary(hazards.map { ($0.item, $0.new.hazard.id) }, uniquingKeysWith: { a, _ in a }),
                                                    actor: actor, now: now)
                }
                await self.hazards.deliver(hazards.flatMap(\.new.notifications))
                return done
            } catch DomainError.staleVersion(let entity, let expected, let stored) {
                if expectedVersion != nil { throw DomainError.staleVersion(entity: entity, expected: expected, current: stored) }
            }
        }
        throw DomainError.conflict(FieldIssue(field: "version", zh: "检查记录正被他人修改，请稍后再试", en: "the inspection keeps changing meanwhile; try again"))
    }

    /// What completing `i` makes, stored by the same write: a hazard for each failed item not linked to
    /// one yet (reported in the enterprise's county, also for a cross-county inspector), and a copy of
    /// each failed item's photos on its hazard (the bytes are stored first, under the copy's key; when
    /// the write is refused, as the loser of two simultaneous completions is, those bytes stay behind
    /// unreferenced and no record names them).
    func completionEffects(_ i: Inspection, actor: Caller, now: Date) async throws -> (hazards: [(item: String, new: NewHazard)], copies: [InspectionPhotoCopy]) {
        let checklist = try await checklist(for: i)
        let criteria = Dictionary(checklist.criteria.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let local = Dictionary(checklist.localItems.map { ($0.id.uuidString, $0) }, uniquingKeysWith: { a, _ in a })
        var reporter = actor
        if !actor.scope.includes(countyCode: i.countyCode, enterpriseID: i.enterpriseID) { reporter.scope = .county(i.countyCode) }
        var made: [(item: String, new: NewHazard)] = []
        for r in InspectionWorkflow.itemsNeedingHazards(i) {
            let criterion = criteria[r.item]
            let what = criterion?.summaryZh ?? local[r.item]?.text ?? r.item
            let new = try await hazards.prepare(HazardDraft(
                enterpriseID: i.enterpriseID, title: String("执法检查：\(what)".prefix(100)),
                description: "\(i.style.zh)（\(i.plannedOn)，\(i.inspectorNames.joined(separator: "、"))）发现：\(what)" + (r.note.isEmpty ? "" : "。\(r.note)"),
                source: HazardSource.inspection.rawValue, foundBy: i.inspectorNames.joined(separator: "、"), foundAt: now,
                level: criterion != nil ? HazardLevel.major.rawValue : HazardLevel.general.rawValue, criteria: criterion.map { [$0.id] } ?? []),
                actor: reporter)
            made.append((r.item, new))
        }
        var hazardOf = Dictionary(i.results.compactMap { r in r.outcome == .fail ? r.hazardID.map { (r.item, $0) } : nil }, uniquingKeysWith: { a, _ in a })
        for m in made { hazardOf[m.item] = m.new.hazard.id }
        var copies: [InspectionPhotoCopy] = []
        for p in try await repository.photos(inspectionID: i.id) where p.hazardPhotoID == nil {
            guard let hazardID = hazardOf[p.item], let data = try await hazards.files.get(key: Self.photoKey(p.id)) else { continue }
            let copy = HazardPhoto(hazardID: hazardID, contentType: p.contentType, size: data.count, sha256: p.sha256, uploadedBy: actor.username, uploadedAt: now)
            try await hazards.files.put(data, key: HazardService.fileKey(copy.id))
            copies.append(InspectionPhotoCopy(inspectionPhotoID: p.id, photo: copy))
        }
        return (made, copies)
    }
}
