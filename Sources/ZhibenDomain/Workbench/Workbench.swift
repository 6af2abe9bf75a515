import Foundation

/// One queue of the workbench (工作台): the things that wait for the signed-in person's step, each kind
/// answered by one query, oldest (or most pressing) first.
public enum WorkKind: String, Sendable, CaseIterable, Labeled {
    // Regulators.
    case judgeHazard, decideExtension, acceptHazard, overdueHazard, supervisedHazard
    case level1Alarm, escalatedAlarm
    case arrangePlanned, revealDraw, arrangeDrawn, missedSelfInspection
    case todayInspection, weekInspection, myInspection, unlockAccount, liveWork
    // The enterprise.
    case judgeOwnHazard, acknowledgeHazard, planRectification, submitRectification, acceptOwnHazard
    case acknowledgeAlarm, disposeAlarm, selfInspectionDue, orderedHazard, workerOffDuty, expiringCertificate, openPermit

    public var zh: String {
        switch self {
        case .judgeHazard: "待判定隐患"
        case .decideExtension: "延期申请待审批"
        case .acceptHazard: "整改待验收"
        case .overdueHazard: "逾期未整改隐患"
        case .supervisedHazard: "挂牌督办隐患"
        case .level1Alarm: "未确认的一级报警"
        case .escalatedAlarm: "超时未确认、已上报的报警"
        case .arrangePlanned: "执法计划内待安排的检查"
        case .revealDraw: "待揭晓的双随机抽取"
        case .arrangeDrawn: "已揭晓、待生成检查任务的抽取"
        case .missedSelfInspection: "未按期自查的企业"
        case .todayInspection: "今天的检查（含过期未完成的）"
        case .weekInspection: "未来7天的检查"
        case .myInspection: "以后的检查任务"
        case .unlockAccount: "被锁定的账号"
        case .judgeOwnHazard: "本企业自查发现、待判定的隐患"
        case .acknowledgeHazard: "待签收的隐患"
        case .planRectification: "待制定整改方案的隐患"
        case .submitRectification: "整改中、待提交验收的隐患"
        case .acceptOwnHazard: "待本企业验收的一般隐患"
        case .acknowledgeAlarm: "待确认的报警"
        case .disposeAlarm: "已确认、待处置的报警"
        case .selfInspectionDue: "本期待完成的主要负责人带队自查"
        case .orderedHazard: "执法整改指令涉及、尚未销号的隐患"
        case .workerOffDuty: "停岗人员（三违、考试不合格、企业停岗）"
        case .expiringCertificate: "30天内到期、已过期或逾期未复审的特种作业操作证"
        case .liveWork: "正在进行的危险作业（有人员在有限空间内、已暂停）"
        case .openPermit: "待审批、作业中、已暂停或已失效未关闭的作业票"
        }
    }

    public var en: String {
        switch self {
        case .judgeHazard: "Hazards to judge"
        case .decideExtension: "Extension requests to decide"
        case .acceptHazard: "Rectifications to accept"
        case .overdueHazard: "Overdue hazards"
        case .supervisedHazard: "Hazards under supervision"
        case .level1Alarm: "Unacknowledged level-1 alarms"
        case .escalatedAlarm: "Alarms escalated unacknowledged"
        case .arrangePlanned: "Planned inspections to arrange"
        case .revealDraw: "Draws to reveal"
        case .arrangeDrawn: "Revealed draws without inspections"
        case .missedSelfInspection: "Enterprises that missed a self-inspection"
        case .todayInspection: "Today's inspections (and overdue ones)"
        case .weekInspection: "Inspections in the next 7 days"
        case .myInspection: "Later inspections"
        case .unlockAccount: "Locked accounts"
        case .judgeOwnHazard: "Own findings to judge"
        case .acknowledgeHazard: "Hazards to acknowledge"
        case .planRectification: "Hazards needing a rectification plan"
        case .submitRectification: "Rectifications to submit"
        case .acceptOwnHazard: "General hazards to accept"
        case .acknowledgeAlarm: "Alarms to acknowledge"
        case .disposeAlarm: "Alarms to dispose"
        case .selfInspectionDue: "Principal-led self-inspection due"
        case .orderedHazard: "Hazards under an enforcement order"
        case .workerOffDuty: "Workers off duty (violations, failed exams, put off duty)"
        case .expiringCertificate: "Certificates due within 30 days, expired or overdue for review"
        case .liveWork: "High-risk work now (people inside confined spaces, suspended work)"
        case .openPermit: "Permits awaiting approval, in progress, suspended, or lapsed and not closed"
        }
    }

    /// What the person does about an item of this queue (the button's words).
    public var actionZh: String {
        switch self {
        case .judgeHazard, .judgeOwnHazard: "判定"
        case .decideExtension: "审批"
        case .acceptHazard, .acceptOwnHazard: "验收"
        case .overdueHazard, .supervisedHazard, .orderedHazard: "督促"
        case .level1Alarm, .escalatedAlarm: "查看并核查"
        case .arrangePlanned, .arrangeDrawn: "安排检查"
        case .revealDraw: "揭晓"
        case .missedSelfInspection: "查看"
        case .todayInspection, .weekInspection, .myInspection: "去检查"
        case .unlockAccount: "解锁"
        case .acknowledgeHazard: "签收"
        case .planRectification: "制定方案"
        case .submitRectification: "提交验收"
        case .acknowledgeAlarm: "确认"
        case .disposeAlarm: "处置"
        case .selfInspectionDue: "记录自查"
        case .workerOffDuty: "查看"
        case .expiringCertificate: "换证或复审"
        case .liveWork: "查看"
        case .openPermit: "办理"
        }
    }

    public var actionEn: String {
        switch self {
        case .judgeHazard, .judgeOwnHazard: "Judge"
        case .decideExtension: "Decide"
        case .acceptHazard, .acceptOwnHazard: "Accept"
        case .overdueHazard, .supervisedHazard, .orderedHazard: "Follow up"
        case .level1Alarm, .escalatedAlarm: "Open and verify"
        case .arrangePlanned, .arrangeDrawn: "Arrange"
        case .revealDraw: "Reveal"
        case .missedSelfInspection, .workerOffDuty: "Open"
        case .todayInspection, .weekInspection, .myInspection: "Inspect"
        case .unlockAccount: "Unlock"
        case .acknowledgeHazard: "Acknowledge"
        case .planRectification: "Plan"
        case .submitRectification: "Submit"
        case .acknowledgeAlarm: "Acknowledge"
        case .disposeAlarm: "Dispose"
        case .selfInspectionDue: "Record"
        case .expiringCertificate: "Renew or review"
        case .liveWork: "Open"
        case .openPermit: "Work it"
        }
    }

    /// The queues of a role, in the order the workbench shows them.
    public static func queues(for caller: Caller) -> [WorkKind] {
        switch caller.role {
        case .countyOfficer:
            [.level1Alarm, .escalatedAlarm, .judgeHazard, .decideExtension, .acceptHazard, .overdueHazard, .supervisedHazard,
             .revealDraw, .arrangeDrawn, .arrangePlanned, .missedSelfInspection, .liveWork]
        case .cityOfficer:
            [.level1Alarm, .escalatedAlarm, .decideExtension, .acceptHazard, .supervisedHazard, .overdueHazard, .revealDraw, .arrangeDrawn, .liveWork]
        case .cityAdmin:
            [.unlockAccount, .level1Alarm, .escalatedAlarm, .overdueHazard]
        case .inspector:
            [.todayInspection, .weekInspection, .level1Alarm, .judgeHazard, .overdueHazard, .myInspection]
        case .expert:
            [.judgeHazard, .todayInspection, .weekInspection, .myInspection]
        case .enterpriseUser:
            [.acknowledgeAlarm, .disposeAlarm, .judgeOwnHazard, .acknowledgeHazard, .planRectification, .submitRectification, .acceptOwnHazard,
             .selfInspectionDue, .orderedHazard, .workerOffDuty, .expiringCertificate, .openPermit]
        }
    }
}

/// Where an item of the workbench is acted on.
public enum WorkLink: Sendable, Equatable {
    case hazard(UUID), alarm(UUID), inspection(UUID), draw(UUID), enterprise(UUID), selfInspections, lockedAccounts, worker(UUID), permit(UUID)
    /// Nothing to open: the item itself says what to do (a worker to retrain and re-examine).
    case none
}

/// One thing that waits: what, whose, since when, by when.
public struct WorkItem: Sendable, Equatable {
    public var title: String
    /// The enterprise (or the county) it concerns.
    public var subject: String
    /// When it began to wait: found, raised, planned, committed.
    public var since: Date?
    /// Its deadline, if it has one.
    public var due: Date?
    public var overdue: Bool
    public var link: WorkLink

    public init(title: String, subject: String, since: Date?, due: Date?, overdue: Bool, link: WorkLink) {
        self.title = title
        self.subject = subject
        self.since = since
        self.due = due
        self.overdue = overdue
        self.link = link
    }
}

/// A queue with how many wait in all and the first of them.
public struct WorkSection: Sendable, Equatable {
    public var kind: WorkKind
    public var total: Int
    public var items: [WorkItem]

    public init(kind: WorkKind, total: Int, items: [WorkItem]) {
        self.kind = kind
        self.total = total
        self.items = items
    }
}

/// The workbench: for each queue of the caller's role, how many wait and the first few (or a page).
/// Each queue is one query of the records' own services, in the caller's scope, so its count is the
/// count of that list.
public struct WorkbenchService: Sendable {
    public let hazards: HazardService
    public let alarms: AlarmService
    public let inspections: InspectionService
    public let draws: DrawService
    public let plans: PlanService
    public let selfInspections: SelfInspectionService
    public let penalties: PenaltyService
    public let people: EnforcementPeopleService
    public let users: any UserRepository
    public let workforce: WorkforceService
    public let permits: PermitService
    public let clock: any WallClock

    public init(hazards: HazardService, alarms: AlarmService, inspections: InspectionService, draws: DrawService, plans: PlanService,
                selfInspections: SelfInspectionService, penalties: PenaltyService, people: EnforcementPeopleService, users: any UserRepository,
                workforce: WorkforceService, permits: PermitService, clock: any WallClock) {
        self.permits = permits
        self.users = users
        self.workforce = workforce
        self.hazards = hazards
        self.alarms = alarms
        self.inspections = inspections
        self.draws = draws
        self.plans = plans
        self.selfInspections = selfInspections
        self.penalties = penalties
        self.people = people
        self.clock = clock
    }

    /// Every queue of the caller's role with its first `first` items.
    /// The queues are read side by side (they share nothing), and listed in the role's order.
    public func overview(actor: Caller, first: Int = 5) async throws -> [WorkSection] {
        let kinds = WorkKind.queues(for: actor)
        return try await withThrowingTaskGroup(of: (Int, WorkSection).self) { group in
            for (n, kind) in kinds.enumerated() {
                group.addTask {
                    let page = try await queue(kind, page: Paging(page: 1, per: first), actor: actor)
                    return (n, WorkSection(kind: kind, total: page.total, items: page.items))
                }
            }
            var out: [(Int, WorkSection)] = []
            for try await section in group { out.append(section) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// One queue, a page at a time. A queue not of the caller's role is refused.
    public func queue(_ kind: WorkKind, page: Paging, actor: Caller) async throws -> Paged<WorkItem> {
        guard WorkKind.queues(for: actor).contains(kind) else { throw DomainError.forbidden(permission: .dashboardRead) }
        let now = clock.now()
        let level: HazardSupervision.Level = actor.scope == .city ? .city : .county
        func hazardPage(_ q: HazardQuery) async throws -> Paged<WorkItem> {
            let found = try await hazards.list(q, page: page, actor: actor)
            return found.map { h in
                // An extension waits since it was asked for; anything else since the hazard was found.
                let since = kind == .decideExtension ? (h.pendingExtension?.at ?? h.foundAt) : h.foundAt
                return WorkItem(title: h.title, subject: h.enterpriseName, since: since, due: h.deadline, overdue: h.isOverdue(at: now), link: .hazard(h.id))
            }
        }
        func alarmPage(_ q: AlarmQuery) async throws -> Paged<WorkItem> {
            let found = try await alarms.list(q, page: page, actor: actor)
            return found.map { a in
                WorkItem(title: "\(a.pointName) \(a.conditionLabel(.zh))（\(a.level.zh)）", subject: a.enterpriseName, since: a.raisedAt, due: nil,
                         overdue: a.countyNotifiedAt != nil, link: .alarm(a.id))
            }
        }
        func inspectionPage(_ q: InspectionQuery) async throws -> Paged<WorkItem> {
            let found = try await inspections.list(q, page: page, actor: actor)
            let today = ChinaTime.day(now)
            return found.map { i in
                WorkItem(title: "\(i.style.zh)（\(i.state.zh)）", subject: i.enterpriseName, since: i.createdAt, due: ChinaTime.parseDay(i.plannedOn),
                         overdue: i.plannedOn < today, link: .inspection(i.id))
            }
        }
        var alarmQuery = AlarmQuery(states: [.active])
        alarmQuery.order = .waiting
        switch kind {
        case .judgeHazard:
            return try await hazardPage(HazardQuery(states: [.reported], sort: .foundAt, direction: .asc))
        case .judgeOwnHazard:
            var q = HazardQuery(sort: .foundAt, direction: .asc)
            q.waiting = .ownJudgement
            return try await hazardPage(q)
        case .decideExtension:
            var q = HazardQuery(sort: .deadline, direction: .asc)
            q.waiting = .extensionDecision(by: level)
            return try await hazardPage(q)
        case .acceptHazard:
            var q = HazardQuery(sort: .updatedAt, direction: .asc)
            q.waiting = .acceptance(by: level == .city ? .city : .county)
            return try await hazardPage(q)
        case .acceptOwnHazard:
            var q = HazardQuery(sort: .updatedAt, direction: .asc)
            q.waiting = .acceptance(by: .enterprise)
            return try await hazardPage(q)
        case .overdueHazard:
            return try await hazardPage(HazardQuery(states: HazardState.open, overdue: true, sort: .deadline, direction: .asc))
        case .supervisedHazard:
            var q = HazardQuery(sort: .deadline, direction: .asc)
            q.waiting = .supervisedBy(level)
            return try await hazardPage(q)
        case .acknowledgeHazard:
            return try await hazardPage(HazardQuery(states: [.judged], sort: .updatedAt, direction: .asc))
        case .planRectification:
            return try await hazardPage(HazardQuery(states: [.acknowledged], sort: .updatedAt, direction: .asc))
        case .submitRectification:
            return try await hazardPage(HazardQuery(states: [.rectifying], sort: .deadline, direction: .asc))
        case .level1Alarm:
            alarmQuery.level = .first
            return try await alarmPage(alarmQuery)
        case .escalatedAlarm:
            alarmQuery.escalatedTo = actor.scope == .city ? .city : .county
            return try await alarmPage(alarmQuery)
        case .acknowledgeAlarm:
            return try await alarmPage(alarmQuery)
        case .disposeAlarm:
            alarmQuery.states = [.acknowledged]
            return try await alarmPage(alarmQuery)
        case .todayInspection, .weekInspection, .myInspection:
            // Today's (with those planned earlier and not done), the next seven days', and the rest.
            var q = InspectionQuery()
            q.openOnly = true
            q.earliestFirst = true
            let today = ChinaTime.day(now), week = ChinaTime.day(now.addingTimeInterval(7 * 86_400))
            switch kind {
            case .todayInspection: q.plannedBy = today
            case .weekInspection: (q.plannedAfter, q.plannedBy) = (today, week)
            default: q.plannedAfter = week
            }
            if actor.role == .inspector {
                // The officer's roster entry; without one, nobody has put this account on an inspection.
                guard let me = try await people.repository.allInspectors(countyCodes: nil).first(where: { $0.userID != nil && $0.userID == actor.id }) else {
                    return Paged(items: [], page: page.page, per: page.per, total: 0)
                }
                q.inspectorID = me.id
            }
            return try await inspectionPage(q)
        case .revealDraw, .arrangeDrawn:
            var list = try await draws.repository.list(scope: actor.scope, page: Paging(page: 1, per: Paging.maxPer)).items
            // The city's own draws wait for the city; a county's draws wait for that county.
            if actor.scope == .city { list = list.filter { $0.countyCode == nil } }
            var waiting = list.filter { $0.revealedAt == nil }
            if kind == .arrangeDrawn {
                let revealed = list.filter { $0.revealedAt != nil }
                let arranged = try await inspections.repository.inspected(originIDs: revealed.map(\.id), scope: .city)
                waiting = revealed.filter { !arranged.contains($0.id) }
            }
            let items = waiting.sorted { $0.createdAt < $1.createdAt }.map { d in
                WorkItem(title: d.title, subject: d.countyCode.flatMap { County.named($0)?.zh } ?? "全市", since: d.revealedAt ?? d.createdAt, due: nil,
                         overdue: DrawFairness.flags(d, arranged: false, now: now).isEmpty == false, link: .draw(d.id))
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        case .arrangePlanned:
            return try await planned(page: page, actor: actor, now: now)
        case .unlockAccount:
            try actor.require(.userUnlock)
            let found = try await users.list(UserQuery(lockedOnly: true), page: page, scope: actor.scope, now: now)
            return found.map { u in
                WorkItem(title: "\(u.displayName)（\(u.username)）", subject: u.role.zh, since: u.lockedUntil.map { $0.addingTimeInterval(-LoginPolicy.lockDuration) },
                         due: u.lockedUntil, overdue: false, link: .lockedAccounts)
            }
        case .missedSelfInspection:
            let (found, _, _) = try await selfInspections.standings(actor: actor, onlyMissed: true, page: page)
            return found.map { s in
                WorkItem(title: "漏查 \(s.missed) 期" + (s.lastCheck.map { "，上次自查 \(ChinaTime.day($0))" } ?? "，从未自查"), subject: s.enterprise.profile.name,
                         since: nil, due: nil, overdue: true, link: .enterprise(s.enterprise.id))
            }
        case .selfInspectionDue:
            guard case .enterprise(let id) = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            let standing = try await selfInspections.standing(enterpriseID: id, actor: actor)
            guard let current = standing.periods.last, current.checks == 0, current.start <= now else {
                return Paged(items: [], page: page.page, per: page.per, total: 0)
            }
            let item = WorkItem(title: "\(current.label)主要负责人带队自查", subject: standing.enterprise.profile.name, since: current.start, due: current.end,
                                overdue: false, link: .selfInspections)
            return Paged(items: page.page == 1 ? [item] : [], page: page.page, per: page.per, total: 1)
        case .orderedHazard:
            guard case .enterprise = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            let ordered = try await penalties.orderedHazardIDs(actor: actor)
            var open: [Hazard] = []
            for id in ordered {
                if let h = try await hazards.repository.find(id: id, scope: actor.scope), h.state.isOpen { open.append(h) }
            }
            open.sort { ($0.deadline ?? .distantFuture, $0.foundAt) < ($1.deadline ?? .distantFuture, $1.foundAt) }
            let items = open.map { h in
                WorkItem(title: h.title, subject: h.enterpriseName, since: h.foundAt, due: h.deadline, overdue: h.isOverdue(at: now), link: .hazard(h.id))
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        case .workerOffDuty:
            guard case .enterprise(let id) = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            let items = try await workforce.offDuty(enterpriseID: id, countyCode: nil, actor: actor).sorted { $0.since < $1.since }.map { e in
                WorkItem(title: "\(e.workerName)\(e.job.isEmpty ? "" : "（\(e.job)）")：\(e.zh)", subject: "", since: ChinaTime.parseDay(e.since), due: nil,
                         overdue: false, link: e.workerID.map(WorkLink.worker) ?? .none)
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        case .expiringCertificate:
            guard case .enterprise(let id) = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            let lines = try await workforce.certificates(RecordQuery(enterpriseID: id), operation: nil, filter: nil, actor: actor)
                .filter { $0.matches(.expiring30) || $0.matches(.lapsed) }
            let items = lines.map { l -> WorkItem in
                let (due, lapsed): (String?, Bool) = switch l.standing {
                case .expiring(let on, _): (on, false)
                case .expired(let on), .reviewOverdue(let on): (on, true)
                default: (nil, false)
                }
                let op = SpecialOperationCatalogue.operation(l.certificate.operation, catalogue: l.certificate.catalogue)?.zh ?? l.certificate.operation
                let what = if case .reviewOverdue = l.standing { "逾期未复审" } else if case .expired = l.standing { "已过期" } else { "即将到期或应复审" }
                return WorkItem(title: "\(l.worker.name)：\(op)操作证\(what)", subject: "", since: nil, due: due.flatMap(ChinaTime.parseDay), overdue: lapsed,
                                link: .worker(l.worker.id))
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        case .liveWork:
            // Work with someone inside a confined space, or stopped: what a regulator would want to know of now.
            let items = try await permits.live(actor: actor).filter { !$0.inside.isEmpty || $0.state(at: now) != .approved }.map { p in
                WorkItem(title: "\(p.number) \(p.kind.zh)：\(p.place)" + (p.inside.isEmpty ? "" : "，在内\(p.inside.count)人") + (p.state == .suspended ? "（已暂停）" : ""),
                         subject: p.enterpriseName, since: p.entryFrom, due: p.entryUntil, overdue: p.state(at: now) == .lapsed, link: .permit(p.id))
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        case .openPermit:
            guard case .enterprise(let id) = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            let open = try await permits.all(PermitRecord.self, RecordQuery(enterpriseID: id, tags: [Permit.State.draft, .approved, .active, .suspended].map(\.rawValue)),
                                             actor: actor)
            let items = open.sorted { ($0.state(at: now) == .lapsed ? 0 : 1, $0.entryFrom) < ($1.state(at: now) == .lapsed ? 0 : 1, $1.entryFrom) }.map { p in
                WorkItem(title: "\(p.number) \(p.kind.zh)：\(p.place)（\(p.state(at: now).zh)\(p.inside.isEmpty ? "" : "，在内\(p.inside.count)人")）", subject: p.enterpriseName,
                         since: p.entryFrom, due: p.entryUntil, overdue: p.state(at: now) == .lapsed, link: .permit(p.id))
            }
            return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
        }
    }

    /// The plan's key enterprises due by this month (of this year) without an inspection this year.
    func planned(page: Paging, actor: Caller, now: Date) async throws -> Paged<WorkItem> {
        guard case .county(let county) = actor.scope else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let day = ChinaTime.day(now)
        let year = Int(day.prefix(4)) ?? 2026
        let month = Int(day.dropFirst(5).prefix(2)) ?? 1
        guard let plan = try await plans.repository.find(countyCode: county, year: year, scope: actor.scope) else {
            return Paged(items: [], page: page.page, per: page.per, total: 0)
        }
        let due = plan.keyEnterprises.filter { $0.month <= month }.sorted { ($0.month, $0.name) < ($1.month, $1.name) }
        let arranged = try await inspections.repository.inspected(enterpriseIDs: due.map(\.enterpriseID), year: year, scope: actor.scope)
        let waiting = due.filter { !arranged.contains($0.enterpriseID) }
        let items = waiting.map { k in
            WorkItem(title: "\(k.month)月 \(k.style.zh)", subject: k.name, since: nil,
                     due: ChinaTime.parseDay(String(format: "%04d-%02d-01", year, k.month)), overdue: k.month < month, link: .enterprise(k.enterpriseID))
        }
        return Paged(items: Array(items.dropFirst(page.offset).prefix(page.per)), page: page.page, per: page.per, total: items.count)
    }
}

extension Paged {
    /// The same page with its items changed.
    public func map<U: Sendable>(_ transform: (Item) throws -> U) rethrows -> Paged<U> {
        Paged<U>(items: try items.map(transform), page: page, per: per, total: total)
    }
}
