import Foundation

/// What a step may carry, besides its action. Each action reads the fields it needs.
public struct HazardStepInput: Sendable, Equatable {
    public var comment: String
    public var level: HazardLevel?
    public var criteria: [String]?
    public var reason: String
    public var principal: String
    public var principalReceivedAt: Date?
    public var controller: String
    public var controllerReceivedAt: Date?
    public var plan: RectificationPlan?
    public var evidence: String
    public var photoIDs: [UUID]
    public var approve: Bool?
    public var newDeadline: Date?
    /// For `assignExpert`: the expert's username, and their account as the service found it (nil: none).
    public var expertUsername: String = ""
    public var expert: User?

    public init(comment: String = "", level: HazardLevel? = nil, criteria: [String]? = nil, reason: String = "",
                principal: String = "", principalReceivedAt: Date? = nil, controller: String = "", controllerReceivedAt: Date? = nil,
                plan: RectificationPlan? = nil, evidence: String = "", photoIDs: [UUID] = [], approve: Bool? = nil, newDeadline: Date? = nil) {
        self.comment = comment
        self.level = level
        self.criteria = criteria
        self.reason = reason
        self.principal = principal
        self.principalReceivedAt = principalReceivedAt
        self.controller = controller
        self.controllerReceivedAt = controllerReceivedAt
        self.plan = plan
        self.evidence = evidence
        self.photoIDs = photoIDs
        self.approve = approve
        self.newDeadline = newDeadline
    }
}

/// The hazard state machine: a pure function of (hazard, action, actor, input, now). It answers the
/// next hazard and the history entry, or an error: 403 for another role's action, 409 naming the state
/// and the action when the state does not allow it, 422 naming each missing or bad field.
public enum HazardWorkflow {
    /// The states in which each action may be taken.
    public static func allowedStates(_ action: HazardAction) -> Set<HazardState> {
        switch action {
        case .assignExpert, .judge, .reject: [.reported]
        case .acknowledge: [.judged]
        case .plan: [.acknowledged]
        case .submit, .requestExtension: [.rectifying]
        case .accept, .return: [.awaitingAcceptance]
        case .supervise: [.judged, .acknowledged, .rectifying, .awaitingAcceptance]
        case .decideExtension: [.rectifying, .awaitingAcceptance]
        }
    }

    /// Whether this caller is the party that takes `action` on this hazard (its permission aside).
    public static func isParty(_ actor: Caller, to action: HazardAction, on h: Hazard) -> Bool {
        if actor.kind == .system { return true }
        let isEnterprise = actor.scope == .enterprise(h.enterpriseID)
        let isCounty = actor.scope == .county(h.countyCode)
        let isCountyOfficer = isCounty && actor.role == .countyOfficer
        let isCity = actor.scope == .city && actor.role == .cityOfficer
        switch action {
        case .assignExpert:
            return isCountyOfficer
        case .judge, .reject:
            let isAssignedExpert = actor.role == .expert && h.expert.map { actor.scope == .assigned($0.id) } == true
            return isCounty || isAssignedExpert || (isEnterprise && h.reportedByEnterprise && h.source.isEnterpriseOwn)
        case .acknowledge, .plan, .submit, .requestExtension:
            return isEnterprise
        case .accept, .return:
            return acceptingParty(of: h).map { party in
                switch party {
                case .enterprise: isEnterprise
                case .county: isCountyOfficer
                case .city: isCity
                }
            } ?? false
        case .supervise:
            return isCountyOfficer || isCity
        case .decideExtension:
            return isCountyOfficer || (isCity && h.supervision?.level == .city)
        }
    }

    /// The actions this caller may take on the hazard now (what the page offers), before any input.
    public static func available(to actor: Caller, on h: Hazard) -> [HazardAction] {
        HazardAction.allCases.filter { action in
            guard actor.can(action.permission), isParty(actor, to: action, on: h), allowedStates(action).contains(h.state) else { return false }
            switch action {
            case .supervise:
                let level: HazardSupervision.Level = actor.scope == .city ? .city : .county
                return h.level == .major && h.supervision?.level != .city && h.supervision?.level != level
            case .requestExtension: return h.pendingExtension == nil
            case .decideExtension: return h.pendingExtension != nil
            default: return true
            }
        }
    }

    public enum Party: String, Sendable { case enterprise, county, city }

    /// Who accepts the rectification: the level that supervises it; else the county for a major hazard,
    /// the enterprise itself for a general one.
    public static func acceptingParty(of h: Hazard) -> Party? {
        if let s = h.supervision { return s.level == .city ? .city : .county }
        return h.level == .major ? .county : .enterprise
    }

    public static func perform(_ action: HazardAction, on h: Hazard, by actor: Caller, input: HazardStepInput,
                               catalogue: CriteriaCatalogue, now: Date) throws -> (Hazard, HazardEvent) {
        try actor.require(action.permission)
        guard isParty(actor, to: action, on: h) else { throw DomainError.forbidden(permission: action.permission) }
        guard allowedStates(action).contains(h.state) else {
            throw DomainError.invalidTransition(from: h.state.rawValue, event: action.rawValue)
        }
        var next = h
        var details: [String: String] = [:]
        var issues: [FieldIssue] = []
        func bad(_ field: String, _ zh: String, _ en: String) { issues.append(FieldIssue(field: field, zh: zh, en: en)) }
        func text(_ value: String, _ field: String, _ zh: String, _ en: String, max: Int = 2000) -> String {
            let t = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.length < 2 { bad(field, "请填写\(zh)", "\(en) is required") } else if t.length > max { bad(field, "\(zh)不能超过\(max)字", "\(en) has at most \(max) characters") }
            return t
        }
        let comment = input.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        if comment.length > 2000 { bad("comment", "说明不能超过2000字", "comment has at most 2000 characters") }

        switch action {
        case .assignExpert:
            guard let expert = input.expert else {
                let name = input.expertUsername.trimmingCharacters(in: .whitespaces)
                if name.isEmpty { bad("expert", "请选择专家", "name the expert (their username)") }
                else { bad("expert", "没有名为\(name)的专家账号", "no expert account named \(name)") }
                break
            }
            if expert.role != .expert || !expert.active {
                bad("expert", "\(expert.username)不是在册的专家账号", "\(expert.username) is not an active expert account")
            }
            next.expert = HazardExpert(id: expert.id, username: expert.username, name: expert.displayName, by: actor.username, at: now)
            details["expert"] = expert.username
        case .judge:
            guard let level = input.level else {
                bad("level", "请选择隐患等级", "level is required")
                break
            }
            let criteria = Array(Set(input.criteria ?? []))
            criteriaIssues(criteria, level: level, catalogue: catalogue).forEach { issues.append($0) }
            next.level = level
            next.criteria = criteria.sorted()
            next.standard = catalogue.current.id
            next.state = .judged
            next.judgedAt = now
            details["level"] = level.rawValue
            details["criteria"] = next.criteria.joined(separator: ",")
        case .reject:
            next.rejectionReason = text(input.reason, "reason", "不予认定的理由", "the reason", max: 500)
            next.state = .rejected
            details["reason"] = next.rejectionReason
        case .acknowledge:
            var ack = HazardAcknowledgement(principal: input.principal.trimmingCharacters(in: .whitespaces),
                                            principalReceivedAt: input.principalReceivedAt,
                                            controller: input.controller.trimmingCharacters(in: .whitespaces),
                                            controllerReceivedAt: input.controllerReceivedAt, by: actor.username, at: now)
            if h.level == .major {
                // 双报告: both the principal and the actual controller are told, and when.
                if ack.principal.isEmpty { bad("principal", "重大隐患须报告主要负责人：请填写姓名", "a major hazard is reported to the principal: name them") }
                if ack.controller.isEmpty { bad("controller", "重大隐患须报告实际控制人：请填写姓名", "a major hazard is reported to the actual controller: name them") }
                ack.principalReceivedAt = ack.principalReceivedAt ?? now
                ack.controllerReceivedAt = ack.controllerReceivedAt ?? now
            }
            for (field, date) in [("principalReceivedAt", ack.principalReceivedAt), ("controllerReceivedAt", ack.controllerReceivedAt)] {
                if let d = date, d > now.addingTimeInterval(300) { bad(field, "接收时间不能晚于现在", "the time received cannot be in the future") }
                if let d = date, d < h.foundAt.addingTimeInterval(-86_400) { bad(field, "接收时间不能早于发现时间", "the time received cannot precede the finding") }
            }
            next.acknowledgement = ack
            next.state = .acknowledged
            details["principal"] = ack.principal
            details["principalReceivedAt"] = ack.principalReceivedAt.map(ISOTime.string)
            details["controller"] = ack.controller
            details["controllerReceivedAt"] = ack.controllerReceivedAt.map(ISOTime.string)
        case .plan:
            let plan = input.plan ?? RectificationPlan()
            issues += planIssues(plan, level: h.level, now: now)
            next.plan = plan
            next.deadline = plan.deadline
            next.overdueNotifiedAt = nil
            next.state = .rectifying
            details["responsible"] = plan.responsible
            details["measures"] = plan.measures
            details["funds"] = plan.funds.map { "\($0)" }
            details["deadline"] = plan.deadline.map(ISOTime.string)
            details["contingencyPlan"] = plan.contingencyPlan
            details["interimSafeguards"] = plan.interimSafeguards
        case .submit:
            next.evidence = text(input.evidence, "evidence", "整改情况说明", "the evidence of rectification")
            if input.photoIDs.count > HazardRules.maxPhotosPerStep {
                bad("photos", "每次最多\(HazardRules.maxPhotosPerStep)张照片", "at most \(HazardRules.maxPhotosPerStep) photos per step")
            }
            next.state = .awaitingAcceptance
            details["evidence"] = next.evidence
        case .accept:
            next.state = .closed
            next.closedAt = now
            next.pendingExtension = nil
        case .return:
            details["reason"] = text(input.reason, "reason", "退回理由", "the reason", max: 500)
            next.state = .rectifying
        case .supervise:
            guard h.level == .major else {
                throw DomainError.invalidTransition(from: "\(h.state.rawValue) (general hazard)", event: action.rawValue)
            }
            let level: HazardSupervision.Level = actor.scope == .city ? .city : .county
            if let current = h.supervision, current.level == .city || current.level == level {
                throw DomainError.invalidTransition(from: "\(h.state.rawValue) (already supervised by the \(current.level.rawValue))", event: action.rawValue)
            }
            next.supervision = HazardSupervision(level: level, by: actor.username, at: now, note: comment)
            details["level"] = level.rawValue
        case .requestExtension:
            if h.pendingExtension != nil {
                throw DomainError.invalidTransition(from: "\(h.state.rawValue) (an extension request is pending)", event: action.rawValue)
            }
            let reason = text(input.reason, "reason", "延期理由", "the reason", max: 500)
            if let d = input.newDeadline {
                if d <= (h.deadline ?? now) { bad("newDeadline", "新的整改期限应晚于当前期限", "the new deadline must be later than the current one") }
            } else {
                bad("newDeadline", "请填写新的整改期限", "the new deadline is required")
            }
            next.pendingExtension = input.newDeadline.map { ExtensionRequest(reason: reason, newDeadline: $0, by: actor.username, at: now) }
            details["reason"] = reason
            details["newDeadline"] = input.newDeadline.map(ISOTime.string)
        case .decideExtension:
            guard let request = h.pendingExtension else {
                throw DomainError.invalidTransition(from: "\(h.state.rawValue) (no extension requested)", event: action.rawValue)
            }
            guard let approve = input.approve else {
                bad("approve", "请选择批准或不批准", "approve (true or false) is required")
                break
            }
            if approve {
                next.deadline = request.newDeadline
                next.overdueNotifiedAt = nil
            } else if comment.length < 2 {
                bad("comment", "不批准时请说明理由", "say why when denying")
            }
            next.pendingExtension = nil
            details["approve"] = approve ? "true" : "false"
            details["newDeadline"] = ISOTime.string(request.newDeadline)
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        next.updatedAt = now
        let event = HazardEvent(hazardID: h.id, action: action.rawValue, fromState: h.state, toState: next.state, actor: actor.username,
                                actorRole: actor.role, at: now, comment: comment, details: details.filter { !$0.value.isEmpty },
                                photoIDs: input.photoIDs)
        return (next, event)
    }

    /// A major hazard cites at least one criterion; every cited id must exist in the current standard.
    public static func criteriaIssues(_ ids: [String], level: HazardLevel, catalogue: CriteriaCatalogue) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if level == .major, ids.isEmpty {
            issues.append(FieldIssue(field: "criteria", zh: "重大隐患须引用至少一条判定标准条款", en: "a major hazard cites at least one criterion"))
        }
        let unknown = catalogue.unknown(ids)
        if !unknown.isEmpty {
            issues.append(FieldIssue(field: "criteria", zh: "判定标准中没有这些条款：\(unknown.joined(separator: "、"))",
                                     en: "unknown criteria: \(unknown.joined(separator: ", "))"))
        }
        return issues
    }

    /// 五落实: a major hazard's plan needs the responsible person, the measures, the funds, the deadline
    /// and the contingency plan, plus interim safeguards; a general one the person, measures and deadline.
    public static func planIssues(_ p: RectificationPlan, level: HazardLevel, now: Date) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        func need(_ value: String, _ field: String, _ zh: String, _ en: String) {
            let t = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { issues.append(FieldIssue(field: field, zh: "五落实：请填写\(zh)", en: "five in place: \(en) is missing")) }
            else if t.length > 2000 { issues.append(FieldIssue(field: field, zh: "\(zh)不能超过2000字", en: "\(en) has at most 2000 characters")) }
        }
        need(p.responsible, "responsible", "整改责任人", "the responsible person")
        need(p.measures, "measures", "整改措施", "the measures")
        if let d = p.deadline {
            if d <= now { issues.append(FieldIssue(field: "deadline", zh: "整改期限应晚于现在", en: "the deadline must be in the future")) }
        } else {
            issues.append(FieldIssue(field: "deadline", zh: "五落实：请填写整改期限", en: "five in place: the deadline is missing"))
        }
        if let f = p.funds, f < 0 || f > 1_000_000_000_000 {
            issues.append(FieldIssue(field: "funds", zh: "整改资金应为0至1万亿元之间的金额", en: "funds must be between 0 and 10^12 yuan"))
        }
        guard level == .major else { return issues }
        if (p.funds ?? 0) <= 0, !issues.contains(where: { $0.field == "funds" }) {
            issues.append(FieldIssue(field: "funds", zh: "五落实：请填写整改资金（元）", en: "five in place: the funds (yuan) are missing"))
        }
        need(p.contingencyPlan, "contingencyPlan", "应急预案", "the contingency plan")
        need(p.interimSafeguards, "interimSafeguards", "整改期间的临时安全措施", "the interim safeguards")
        return issues
    }
}
