import Foundation
import Vapor
import ZhibenDomain

struct StandardDTO: Content {
    var id: String
    var titleZh: String
    var titleEn: String
    var effective: String

    init(_ s: HazardStandard) {
        id = s.id
        titleZh = s.titleZh
        titleEn = s.titleEn
        effective = s.effective
    }
}

struct CriterionDTO: Content {
    var id: String
    var standard: String
    var article: Int
    var item: Int
    var group: String
    var summaryZh: String
    var summaryEn: String
    var keywords: [String]
    var monitoringRelated: Bool
    var source: String

    init(_ c: HazardCriterion) {
        id = c.id
        standard = c.standard
        article = c.article
        item = c.item
        group = c.group.rawValue
        summaryZh = c.summaryZh
        summaryEn = c.summaryEn
        keywords = c.keywords
        monitoringRelated = c.monitoringRelated
        source = c.source
    }
}

struct CriteriaListDTO: Content {
    var standard: StandardDTO
    var standards: [StandardDTO]
    var total: Int
    var items: [CriterionDTO]
}

struct LocalItemDTO: Content {
    var id: UUID
    var countyCode: String
    var group: String
    var text: String
    /// Always true: a county's own item, not a criterion of the national standard.
    var local: Bool
    var active: Bool
    var createdBy: String
    var createdAt: String

    init(_ i: LocalChecklistItem) {
        id = i.id
        countyCode = i.countyCode
        group = i.group.rawValue
        text = i.text
        local = true
        active = i.active
        createdBy = i.createdBy
        createdAt = ISOTime.string(i.createdAt)
    }
}

struct ChecklistDTO: Content {
    var enterpriseId: UUID?
    var standard: String
    var groups: [String]
    var criteria: [CriterionDTO]
    var localItems: [LocalItemDTO]

    init(_ c: Checklist, enterpriseID: UUID? = nil) {
        enterpriseId = enterpriseID
        standard = c.standard
        groups = c.groups.map(\.rawValue)
        criteria = c.criteria.map(CriterionDTO.init)
        localItems = c.localItems.map(LocalItemDTO.init)
    }
}

/// A report as the API takes it; dates are ISO 8601 (`2026-03-01T09:30:00+08:00`) or a day (`2026-03-01`).
struct HazardInputDTO: Content {
    var enterpriseId: UUID?
    var title: String?
    var description: String?
    var location: String?
    var source: String?
    var foundBy: String?
    var foundAt: String?
    var focusTags: [String]?
    var level: String?
    var criteria: [String]?

    func draft() throws -> HazardDraft {
        HazardDraft(enterpriseID: enterpriseId, title: title ?? "", description: description ?? "", location: location ?? "",
                    source: source ?? "", foundBy: foundBy ?? "", foundAt: try APIDate.parse(foundAt, field: "foundAt"),
                    focusTags: focusTags ?? [], level: level ?? "", criteria: criteria ?? [])
    }
}

/// Dates in request bodies and queries.
enum APIDate {
    /// Any RFC 3339 full date (`0820-11-24`, Beijing time) beyond the years `ChinaTime.parseDay` reads.
    static func wideDay(_ t: String, endOfDay: Bool) -> Date? {
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard t.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), y >= 1, (1...12).contains(m), (1...31).contains(d),
              let day = ChinaTime.calendar.date(from: DateComponents(year: y, month: m, day: d)),
              ChinaTime.calendar.component(.day, from: day) == d else { return nil }
        return endOfDay ? day.addingTimeInterval(86_399) : day
    }

    static let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: ChinaTime.zone)

    /// An ISO 8601 instant, or a day in Asia/Shanghai (its start, or with `endOfDay` its last second).
    static func parse(_ text: String?, field: String, endOfDay: Bool = false) throws -> Date? {
        guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
        if t.count == 10, let day = ChinaTime.parseDay(t) { return endOfDay ? day.addingTimeInterval(86_399) : day }
        // What a browser's datetime-local field sends: a wall-clock time in Asia/Shanghai.
        if t.count == 16, t.dropFirst(10).first == "T", let day = ChinaTime.parseDay(String(t.prefix(10))),
           let h = Int(t.dropFirst(11).prefix(2)), let m = Int(t.suffix(2)), (0..<24).contains(h), (0..<60).contains(m) {
            return day.addingTimeInterval(Double(h * 3600 + m * 60))
        }
        if let d = try? style.parse(t) { return d }
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(t) { return d }
        // Any RFC 3339 date-time (the parser gateways' readings go through), or a day of any year.
        if let d = ISOTime.parse(t) ?? wideDay(t, endOfDay: endOfDay) { return d }
        throw DomainError.validation([FieldIssue(field: field, zh: "日期格式应为 2026-03-01 或 2026-03-01T09:30:00+08:00",
                                                 en: "dates are 2026-03-01 or 2026-03-01T09:30:00+08:00")])
    }
}

struct PlanDTO: Content {
    var responsible: String
    var measures: String
    var funds: Decimal?
    var deadline: String?
    var contingencyPlan: String
    var interimSafeguards: String
}

struct AcknowledgementDTO: Content {
    var principal: String
    var principalReceivedAt: String?
    var controller: String
    var controllerReceivedAt: String?
    var by: String
    var at: String
}

struct SupervisionDTO: Content {
    var level: String
    var by: String
    var at: String
    var note: String
}

struct ExtensionDTO: Content {
    var reason: String
    var newDeadline: String
    var by: String
    var at: String
}

struct HazardEventDTO: Content {
    var id: UUID
    var action: String
    var fromState: String?
    var toState: String
    var actor: String
    var actorRole: String
    var at: String
    var comment: String
    var details: [String: String]
    var photos: [UUID]

    init(_ e: HazardEvent) {
        id = e.id
        action = e.action
        fromState = e.fromState?.rawValue
        toState = e.toState.rawValue
        actor = e.actor
        actorRole = e.actorRole.rawValue
        at = ISOTime.string(e.at)
        comment = e.comment
        details = e.details
        photos = e.photoIDs
    }
}

struct PhotoDTO: Content {
    var id: UUID
    var contentType: String
    var size: Int
    var sha256: String
    var uploadedBy: String
    var uploadedAt: String
    var url: String

    init(_ p: HazardPhoto) {
        id = p.id
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = ISOTime.string(p.uploadedAt)
        url = APIRoute.hazardPhoto.path(p.hazardID, p.id)
    }

    init(_ p: DrillPhoto, drillID: UUID) {
        id = p.id
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = ISOTime.string(p.uploadedAt)
        url = APIRoute.drillPhoto.path(drillID, p.id)
    }
}

struct HazardDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var countyName: String
    var industry: String
    var title: String
    var description: String
    var location: String
    var source: String
    var foundBy: String
    var foundAt: String
    var focusTags: [String]
    var level: String
    var criteria: [String]
    var standard: String
    var state: String
    var overdue: Bool
    var supervised: Bool
    var legacy: Bool
    var reportedBy: String
    var plan: PlanDTO?
    var deadline: String?
    var acknowledgement: AcknowledgementDTO?
    var supervision: SupervisionDTO?
    var pendingExtension: ExtensionDTO?
    var expert: ExpertDTO?
    var evidence: String
    var rejectionReason: String?
    var judgedAt: String?
    var closedAt: String?
    var createdAt: String
    var updatedAt: String
    var version: Int
    /// On a single hazard: every step, oldest first.
    var history: [HazardEventDTO]?
    var photos: [PhotoDTO]?
    /// On a single hazard: what the caller may do next.
    var allowedActions: [String]?

    init(_ h: Hazard, now: Date, history: [HazardEvent]? = nil, photos: [HazardPhoto]? = nil, allowed: [HazardAction]? = nil) {
        id = h.id
        enterpriseId = h.enterpriseID
        enterpriseName = h.enterpriseName
        countyCode = h.countyCode
        countyName = County.named(h.countyCode)?.zh ?? ""
        industry = h.industry.rawValue
        title = h.title
        description = h.description
        location = h.location
        source = h.source.rawValue
        foundBy = h.foundBy
        foundAt = ISOTime.string(h.foundAt)
        focusTags = FocusTag.allCases.filter(h.focusTags.contains).map(\.rawValue)
        level = h.level.rawValue
        criteria = h.criteria
        standard = h.standard
        state = h.state.rawValue
        overdue = h.isOverdue(at: now)
        supervised = h.isSupervised
        legacy = h.isLegacy
        reportedBy = h.reportedBy
        plan = h.plan.map { PlanDTO(responsible: $0.responsible, measures: $0.measures, funds: $0.funds, deadline: $0.deadline.map(ISOTime.string),
                                    contingencyPlan: $0.contingencyPlan, interimSafeguards: $0.interimSafeguards) }
        deadline = h.deadline.map(ISOTime.string)
        acknowledgement = h.acknowledgement.map {
            AcknowledgementDTO(principal: $0.principal, principalReceivedAt: $0.principalReceivedAt.map(ISOTime.string), controller: $0.controller,
                               controllerReceivedAt: $0.controllerReceivedAt.map(ISOTime.string), by: $0.by, at: ISOTime.string($0.at))
        }
        supervision = h.supervision.map { SupervisionDTO(level: $0.level.rawValue, by: $0.by, at: ISOTime.string($0.at), note: $0.note) }
        pendingExtension = h.pendingExtension.map {
            ExtensionDTO(reason: $0.reason, newDeadline: ISOTime.string($0.newDeadline), by: $0.by, at: ISOTime.string($0.at))
        }
        expert = h.expert.map { ExpertDTO(username: $0.username, name: $0.name, by: $0.by, at: ISOTime.string($0.at)) }
        evidence = h.evidence
        rejectionReason = h.rejectionReason
        judgedAt = h.judgedAt.map(ISOTime.string)
        closedAt = h.closedAt.map(ISOTime.string)
        createdAt = ISOTime.string(h.createdAt)
        updatedAt = ISOTime.string(h.updatedAt)
        version = h.version
        self.history = history?.map(HazardEventDTO.init)
        self.photos = photos?.map(PhotoDTO.init)
        allowedActions = allowed?.map(\.rawValue)
    }
}

struct ExpertDTO: Content {
    var username: String
    var name: String
    var by: String
    var at: String
}

/// One step of the workflow as the API takes it: the action and the fields it needs.
struct TransitionDTO: Content {
    var action: String
    var comment: String?
    var level: String?
    var criteria: [String]?
    var reason: String?
    var principal: String?
    var principalReceivedAt: String?
    var controller: String?
    var controllerReceivedAt: String?
    var responsible: String?
    var measures: String?
    var funds: YuanAmount?
    var deadline: String?
    var contingencyPlan: String?
    var interimSafeguards: String?
    var evidence: String?
    var photos: [UUID]?
    var approve: Bool?
    var newDeadline: String?
    /// For `assignExpert`: the expert's username.
    var expert: String?

    func parsed() throws -> (HazardAction, HazardStepInput) {
        guard let action = HazardAction(rawValue: action) else {
            throw DomainError.validation([FieldIssue(field: "action", zh: "未知的操作：\(action)",
                                                     en: "unknown action \(action); one of \(HazardAction.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        var levelValue: HazardLevel?
        if let l = level {
            levelValue = HazardLevel(rawValue: l)
            if levelValue == nil { throw DomainError.validation([FieldIssue(field: "level", zh: "隐患等级应为重大或一般", en: "level must be major or general")]) }
        }
        let plan = action == .plan ? RectificationPlan(
            responsible: responsible ?? "", measures: measures ?? "", funds: funds?.value,
            deadline: try APIDate.parse(deadline, field: "deadline", endOfDay: true),
            contingencyPlan: contingencyPlan ?? "", interimSafeguards: interimSafeguards ?? "") : nil
        var input = HazardStepInput(
            comment: comment ?? "", level: levelValue, criteria: criteria, reason: reason ?? "", principal: principal ?? "",
            principalReceivedAt: try APIDate.parse(principalReceivedAt, field: "principalReceivedAt"), controller: controller ?? "",
            controllerReceivedAt: try APIDate.parse(controllerReceivedAt, field: "controllerReceivedAt"), plan: plan,
            evidence: evidence ?? "", photoIDs: photos ?? [], approve: approve,
            newDeadline: try APIDate.parse(newDeadline, field: "newDeadline", endOfDay: true))
        input.expertUsername = String((expert ?? "").prefix(64))
        return (action, input)
    }
}

struct HazardStatisticsDTO: Content {
    var openMajor: Int
    var openGeneral: Int
    var overdue: Int
    var overdueMajor: Int
    var supervised: Int
    var legacyOpen: Int
    var closed: Int
    var openMajorByCounty: [String: Int]
    var openMajorByIndustry: [String: Int]
    var openMajorByFocus: [String: Int]
    var openMajorByState: [String: Int]
    var openMajorByAge: [Int]

    init(_ s: HazardStatistics) {
        openMajor = s.openMajor
        openGeneral = s.openGeneral
        overdue = s.overdue
        overdueMajor = s.overdueMajor
        supervised = s.supervised
        legacyOpen = s.legacyOpen
        closed = s.closed
        openMajorByCounty = s.openMajorByCounty
        openMajorByIndustry = Dictionary(uniqueKeysWithValues: s.openMajorByIndustry.map { ($0.key.rawValue, $0.value) })
        openMajorByFocus = Dictionary(uniqueKeysWithValues: s.openMajorByFocus.map { ($0.key.rawValue, $0.value) })
        openMajorByState = Dictionary(uniqueKeysWithValues: s.openMajorByState.map { ($0.key.rawValue, $0.value) })
        openMajorByAge = s.openMajorByAge
    }
}

struct NotificationDTO: Content {
    var id: UUID
    var kind: String
    var hazardId: UUID?
    var alarmId: UUID?
    var textZh: String
    var textEn: String
    var createdAt: String
    var readAt: String?

    init(_ n: UserNotification) {
        id = n.id
        kind = n.kind.rawValue
        hazardId = n.hazardID
        alarmId = n.alarmID
        textZh = n.zh
        textEn = n.en
        createdAt = ISOTime.string(n.createdAt)
        readAt = n.readAt.map(ISOTime.string)
    }
}

extension Request {
    /// The hazard list's filters, from the query string, shared by pages, export and API.
    func hazardQuery() throws -> HazardQuery {
        func flag(_ key: String) throws -> Bool? {
            try queryChoice(key, allowed: ["true", "false"]) { t -> Bool? in
                switch t.lowercased() {
                case "1", "true", "yes", "on": true
                case "0", "false", "no", "off": false
                default: nil
                }
            }
        }
        // One state, several separated by commas, or "open" (every open state).
        let states = try queryChoice("state", allowed: ["open"] + HazardState.allCases.map(\.rawValue)) { text -> [HazardState]? in
            if text == "open" { return HazardState.open }
            let parts = text.split(separator: ",").map { HazardState(rawValue: String($0)) }
            return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
        }
        // The overdue list reads most overdue first unless another order is asked for.
        let overdue = try flag("overdue")
        let sort = try queryEnum("sort", HazardSort.self)
        let direction: SortDirection = switch try queryChoice("dir", allowed: ["asc", "desc"], { ["asc", "desc"].contains($0) ? $0 : nil }) {
        case "asc": .asc
        case "desc": .desc
        default: sort == nil && overdue == true ? .asc : .desc
        }
        return HazardQuery(
            states: states,
            level: try queryEnum("level", HazardLevel.self),
            countyCode: try queryCounty(),
            enterpriseID: try queryUUID("enterprise"),
            industry: try queryEnum("industry", Industry.self),
            overdue: overdue, supervised: try flag("supervised"), legacy: try flag("legacy"),
            source: try queryEnum("source", HazardSource.self),
            focusTag: try queryEnum("focus", FocusTag.self),
            foundAfter: try queryDate("foundAfter"),
            foundBefore: try queryDate("foundBefore", endOfDay: true),
            search: queryString("q").map { String($0.prefix(100)) },
            sort: sort ?? (overdue == true ? .deadline : .foundAt),
            direction: direction)
    }
}
