import Foundation

/// How a hazard came to light.
public enum HazardSource: String, Sendable, Codable, CaseIterable, Labeled {
    case selfInspection, inspection, expertCheck, internalReport, publicReport, monitoringAlarm, accidentInvestigation

    public var zh: String {
        switch self {
        case .selfInspection: "企业自查"
        case .inspection: "执法检查"
        case .expertCheck: "专家检查"
        case .internalReport: "内部报告"
        case .publicReport: "群众举报"
        case .monitoringAlarm: "监测预警"
        case .accidentInvestigation: "事故调查"
        }
    }

    public var en: String {
        switch self {
        case .selfInspection: "Self-inspection"
        case .inspection: "Enforcement inspection"
        case .expertCheck: "Expert check"
        case .internalReport: "Internal report"
        case .publicReport: "Public report"
        case .monitoringAlarm: "Monitoring alarm"
        case .accidentInvestigation: "Accident investigation"
        }
    }

    /// Sources through which the enterprise finds a hazard itself, so it may judge it itself.
    public var isEnterpriseOwn: Bool { self == .selfInspection || self == .internalReport }
}

/// The campaign's focus areas (T10).
public enum FocusTag: String, Sendable, Codable, CaseIterable, Labeled {
    case metalSmelting, dust, ammoniaChlorine, moltenMetal, gas, spraying, confinedSpace, siloCleaning, maintenance

    public var zh: String {
        switch self {
        case .metalSmelting: "金属冶炼"
        case .dust: "粉尘涉爆"
        case .ammoniaChlorine: "涉氨涉氯"
        case .moltenMetal: "高温熔融金属"
        case .gas: "煤气"
        case .spraying: "喷涂"
        case .confinedSpace: "有限空间"
        case .siloCleaning: "筒仓清仓"
        case .maintenance: "检维修"
        }
    }

    public var en: String {
        switch self {
        case .metalSmelting: "Metal smelting"
        case .dust: "Combustible dust"
        case .ammoniaChlorine: "Ammonia / chlorine"
        case .moltenMetal: "Molten metal"
        case .gas: "Gas"
        case .spraying: "Spraying"
        case .confinedSpace: "Confined space"
        case .siloCleaning: "Silo cleaning"
        case .maintenance: "Maintenance"
        }
    }
}

public enum HazardLevel: String, Sendable, Codable, CaseIterable, Labeled {
    case major, general

    public var zh: String { self == .major ? "重大隐患" : "一般隐患" }
    public var en: String { self == .major ? "Major" : "General" }
}

public enum HazardState: String, Sendable, Codable, CaseIterable, Labeled {
    case reported, judged, rejected, acknowledged, rectifying, awaitingAcceptance, closed

    public var zh: String {
        switch self {
        case .reported: "待判定"
        case .judged: "已判定"
        case .rejected: "不予认定"
        case .acknowledged: "已签收"
        case .rectifying: "整改中"
        case .awaitingAcceptance: "待验收"
        case .closed: "已销号"
        }
    }

    public var en: String {
        switch self {
        case .reported: "Reported"
        case .judged: "Judged"
        case .rejected: "Rejected"
        case .acknowledged: "Acknowledged"
        case .rectifying: "Rectifying"
        case .awaitingAcceptance: "Awaiting acceptance"
        case .closed: "Closed"
        }
    }

    /// Still on the list: not struck off, not rejected.
    public var isOpen: Bool { self != .closed && self != .rejected }

    public static let open: [HazardState] = allCases.filter(\.isOpen)
}

/// Every step of the workflow, one verb each (`POST /hazards/{id}/transitions {"action": …}`).
public enum HazardAction: String, Sendable, Codable, CaseIterable, Labeled {
    case assignExpert, judge, reject, acknowledge, plan, submit, accept, `return`, supervise, requestExtension, decideExtension

    public var zh: String {
        switch self {
        case .assignExpert: "指派专家判定"
        case .judge: "判定"
        case .reject: "不予认定"
        case .acknowledge: "签收"
        case .plan: "制定整改方案"
        case .submit: "提交整改"
        case .accept: "验收销号"
        case .return: "退回整改"
        case .supervise: "挂牌督办"
        case .requestExtension: "申请延期"
        case .decideExtension: "审批延期"
        }
    }

    public var en: String {
        switch self {
        case .assignExpert: "Assign an expert"
        case .judge: "Judge"
        case .reject: "Reject"
        case .acknowledge: "Acknowledge"
        case .plan: "Plan rectification"
        case .submit: "Submit rectification"
        case .accept: "Accept and close"
        case .return: "Return"
        case .supervise: "Place under supervision"
        case .requestExtension: "Request extension"
        case .decideExtension: "Decide extension"
        }
    }

    public var permission: Permission {
        switch self {
        case .assignExpert: .hazardAssignExpert
        case .judge, .reject: .hazardJudge
        case .acknowledge, .plan, .submit, .requestExtension: .hazardRectify
        case .accept, .return: .hazardAccept
        case .supervise: .hazardSupervise
        case .decideExtension: .hazardDecideExtension
        }
    }
}

/// The five in place (五落实) and the interim safeguards, as the enterprise plans them.
public struct RectificationPlan: Sendable, Equatable, Codable {
    public var responsible: String
    public var measures: String
    /// Funds committed, in yuan.
    public var funds: Decimal?
    public var deadline: Date?
    public var contingencyPlan: String
    public var interimSafeguards: String

    public init(responsible: String = "", measures: String = "", funds: Decimal? = nil, deadline: Date? = nil,
                contingencyPlan: String = "", interimSafeguards: String = "") {
        self.responsible = responsible
        self.measures = measures
        self.funds = funds
        self.deadline = deadline
        self.contingencyPlan = contingencyPlan
        self.interimSafeguards = interimSafeguards
    }
}

/// 双报告: a major hazard is reported to the principal and the actual controller.
public struct HazardAcknowledgement: Sendable, Equatable, Codable {
    public var principal: String
    public var principalReceivedAt: Date?
    public var controller: String
    public var controllerReceivedAt: Date?
    public var by: String
    public var at: Date
}

/// 挂牌督办: who supervises the rectification, from which level.
public struct HazardSupervision: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Codable, Labeled {
        case county, city
        public var zh: String { self == .city ? "市级挂牌督办" : "县级挂牌督办" }
        public var en: String { self == .city ? "Supervised by the city" : "Supervised by the county" }
    }

    public var level: Level
    public var by: String
    public var at: Date
    public var note: String
}

public struct ExtensionRequest: Sendable, Equatable, Codable {
    public var reason: String
    public var newDeadline: Date
    public var by: String
    public var at: Date
}

/// An expert from the pool assigned to judge a reported hazard.
public struct HazardExpert: Sendable, Equatable, Codable {
    /// The expert's account.
    public var id: UUID
    public var username: String
    public var name: String
    public var by: String
    public var at: Date

    public init(id: UUID, username: String, name: String, by: String, at: Date) {
        self.id = id
        self.username = username
        self.name = name
        self.by = by
        self.at = at
    }
}

/// A hazard (隐患) of one enterprise, from report to closure (销号).
public struct Hazard: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var enterpriseID: UUID
    /// The enterprise's county, kept for scoping and county lists.
    public var countyCode: String
    public var enterpriseName: String
    public var industry: Industry
    public var title: String
    public var description: String
    public var location: String
    public var source: HazardSource
    public var foundBy: String
    public var foundAt: Date
    public var focusTags: Set<FocusTag>
    /// Proposed when reported, fixed by the judgement.
    public var level: HazardLevel
    /// Ids of the criteria (of `standard`) a major hazard is judged under.
    public var criteria: [String]
    public var standard: String
    public var state: HazardState
    public var reportedBy: String
    /// Whether the enterprise itself reported it (it may then judge it itself).
    public var reportedByEnterprise: Bool
    public var plan: RectificationPlan?
    /// The deadline in force: the plan's, or a granted extension's.
    public var deadline: Date?
    public var acknowledgement: HazardAcknowledgement?
    public var supervision: HazardSupervision?
    public var pendingExtension: ExtensionRequest?
    /// The expert the county asked to judge it: that expert sees the hazard and may judge it.
    public var expert: HazardExpert?
    public var evidence: String
    public var rejectionReason: String?
    public var judgedAt: Date?
    public var closedAt: Date?
    public var overdueNotifiedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: UUID = UUID(), enterpriseID: UUID, countyCode: String, enterpriseName: String, industry: Industry, title: String,
                description: String, location: String, source: HazardSource, foundBy: String, foundAt: Date,
                focusTags: Set<FocusTag>, level: HazardLevel, criteria: [String], standard: String, state: HazardState = .reported,
                reportedBy: String, reportedByEnterprise: Bool, plan: RectificationPlan? = nil, deadline: Date? = nil,
                acknowledgement: HazardAcknowledgement? = nil, supervision: HazardSupervision? = nil,
                pendingExtension: ExtensionRequest? = nil, expert: HazardExpert? = nil, evidence: String = "", rejectionReason: String? = nil,
                judgedAt: Date? = nil, closedAt: Date? = nil, overdueNotifiedAt: Date? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.enterpriseName = enterpriseName
        self.industry = industry
        self.title = title
        self.description = description
        self.location = location
        self.source = source
        self.foundBy = foundBy
        self.foundAt = foundAt
        self.focusTags = focusTags
        self.level = level
        self.criteria = criteria
        self.standard = standard
        self.state = state
        self.reportedBy = reportedBy
        self.reportedByEnterprise = reportedByEnterprise
        self.plan = plan
        self.deadline = deadline
        self.acknowledgement = acknowledgement
        self.supervision = supervision
        self.pendingExtension = pendingExtension
        self.expert = expert
        self.evidence = evidence
        self.rejectionReason = rejectionReason
        self.judgedAt = judgedAt
        self.closedAt = closedAt
        self.overdueNotifiedAt = overdueNotifiedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Past its deadline and not closed: counted as overdue everywhere.
    public func isOverdue(at now: Date) -> Bool {
        guard state.isOpen, let deadline else { return false }
        return now > deadline
    }

    /// Found in 2023 or earlier: the plan wants such major hazards eliminated by the end of 2024.
    public var isLegacy: Bool { ChinaTime.calendar.component(.year, from: foundAt) <= 2023 }

    /// A legacy major hazard still open: the ones the end-2024 deadline is about.
    public var isOpenLegacyMajor: Bool { isLegacy && level == .major && state.isOpen }

    public var isSupervised: Bool { supervision != nil }
}

extension Scope {
    /// Whether the hazard is within this scope: by its county and enterprise, or for an expert by the
    /// assignment.
    public func includes(_ h: Hazard) -> Bool {
        if case .assigned(let expert) = self { return h.expert?.id == expert }
        return includes(countyCode: h.countyCode, enterpriseID: h.enterpriseID)
    }
}

/// The end of 2024 in Lüliang: legacy hazards are due by then.
public enum HazardRules {
    public static let legacyDue: Date = ChinaTime.parseDay("2025-01-01")!
    /// Largest photo accepted, in bytes.
    public static let maxPhotoBytes = 5 << 20
    public static let maxPhotosPerStep = 8
}

/// One step in a hazard's history: who did what, when, with which details.
public struct HazardEvent: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var hazardID: UUID
    /// "report" for the first step, otherwise a `HazardAction` raw value.
    public var action: String
    public var fromState: HazardState?
    public var toState: HazardState
    public var actor: String
    public var actorRole: Role
    public var at: Date
    public var comment: String
    /// What the step recorded (level, criteria, deadline, …), as text per field.
    public var details: [String: String]
    public var photoIDs: [UUID]

    public init(id: UUID = UUID(), hazardID: UUID, action: String, fromState: HazardState?, toState: HazardState, actor: String,
                actorRole: Role, at: Date, comment: String, details: [String: String] = [:], photoIDs: [UUID] = []) {
        self.id = id
        self.hazardID = hazardID
        self.action = action
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.actorRole = actorRole
        self.at = at
        self.comment = comment
        self.details = details
        self.photoIDs = photoIDs
    }
}
