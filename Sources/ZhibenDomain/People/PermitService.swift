import Foundation

/// Confined spaces and high-risk work permits (Order No. 13; GB 30871): the enterprise's ledger of
/// spaces, permits worked on the phone at the space, the regulators' live list and the Art. 13 checks,
/// and the link to monitoring (an active alarm on a space's points suspends its open permits).
public struct PermitService: Sendable {
    public let workforce: WorkforceService
    public let points: any MonitoringPointRepository
    public let alarms: any AlarmRepository
    /// The acceptable gas ranges and times: configuration with its source and note.
    public let limits: GasLimits

    public init(workforce: WorkforceService, points: any MonitoringPointRepository, alarms: any AlarmRepository, limits: GasLimits = .gb30871Forms) {
        self.workforce = workforce
        self.points = points
        self.alarms = alarms
        self.limits = limits
    }

    var records: any RecordRepository { workforce.records }
    var now: Date { workforce.clock.now() }
    func audit(_ actor: Caller, _ origin: String?) -> AuditContext { workforce.audit(actor, origin) }

    public func all<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, actor: Caller) async throws -> [R] {
        try actor.require(.peopleRead)
        return try await records.all(R.self, query, scope: actor.scope, limit: WorkforceService.readLimit)
    }

    // MARK: the confined-space ledger

    public struct SpaceDraft: Sendable {
        public var enterpriseID: UUID?
        public var code: String?
        public var name: String?
        public var place: String?
        public var hazards: [String]?
        public var signPosted: Bool?
        public var lockOrBarrier: String?
        public var pointIDs: [UUID]?
        public var limits: ConfinedSpace.Limits?
        public var inUse: Bool?
        public init(enterpriseID: UUID? = nil, code: String? = nil, name: String? = nil, place: String? = nil, hazards: [String]? = nil, signPosted: Bool? = nil,
                    lockOrBarrier: String? = nil, pointIDs: [UUID]? = nil, limits: ConfinedSpace.Limits? = nil, inUse: Bool? = nil) {
            self.enterpriseID = enterpriseID
            self.code = code
            self.name = name
            self.place = place
            self.hazards = hazards
            self.signPosted = signPosted
            self.lockOrBarrier = lockOrBarrier
            self.pointIDs = pointIDs
            self.limits = limits
            self.inUse = inUse
        }
    }

    func apply(_ d: SpaceDraft, to base: ConfinedSpace) async throws -> ConfinedSpace {
        var issues: [FieldIssue] = []
        var s = base
        let creating = base.version == 0
        if let c = d.code ?? (creating ? "" : nil) {
            s.code = TextField.read(c, field: "code", zh: "编号", en: "the number", max: 30, required: true, into: &issues)
        }
        if let n = d.name ?? (creating ? "" : nil) { s.name = TextField.read(n, field: "name", zh: "名称", en: "the name", max: 100, required: true, into: &issues) }
        if let p = d.place ?? (creating ? "" : nil) { s.place = TextField.read(p, field: "place", zh: "所在位置", en: "the place", max: 200, required: true, into: &issues) }
        if let list = d.hazards {
            var hs: [SpaceHazard] = []
            for (n, h) in list.enumerated() {
                guard let v = SpaceHazard(rawValue: h) else {
                    issues.append(FieldIssue(field: "hazards[\(n)]", zh: "危险有害因素应为：" + SpaceHazard.allCases.map(\.zh).joined(separator: "、"),
                                             en: "hazards are " + SpaceHazard.allCases.map(\.rawValue).joined(separator: ", ")))
                    continue
                }
                if !hs.contains(v) { hs.append(v) }
            }
            s.hazards = SpaceHazard.allCases.filter(hs.contains)
        }
        if s.hazards.isEmpty, (d.hazards ?? []).isEmpty, creating || d.hazards != nil {
            issues.append(FieldIssue(field: "hazards", zh: "请选择至少一项危险有害因素", en: "at least one hazard"))
        }
        if let v = d.signPosted { s.signPosted = v }
        if let l = d.lockOrBarrier { s.lockOrBarrier = TextField.read(l, field: "lockOrBarrier", zh: "上锁或隔离措施", en: "the lock or barrier", max: 200, required: false, into: &issues) }
        if let l = d.limits {
            for (field, value, max) in [("limits.coMaxPPM", l.coMaxPPM, 10_000.0), ("limits.h2sMaxPPM", l.h2sMaxPPM, 10_000), ("limits.lelMaxPercent", l.lelMaxPercent, 100)] {
                if let v = value, !(v.isFinite && v >= 0 && v <= max) {
                    issues.append(FieldIssue(field: field, zh: "限值应在0至\(Int(max))之间", en: "the limit is between 0 and \(Int(max))"))
                }
            }
            s.limits = l
        }
        if let ids = d.pointIDs {
            if ids.count > 20 { issues.append(FieldIssue(field: "pointIds", zh: "最多关联20个监测点", en: "at most 20 points")) }
            let found = try await points.find(ids: Array(ids.prefix(20)))
            var chosen: [ConfinedSpace.Point] = []
            for (n, id) in ids.prefix(20).enumerated() {
                guard let p = found[id], p.enterpriseID == s.enterpriseID else {
                    issues.append(FieldIssue(field: "pointIds[\(n)]", zh: "第\(n + 1)个监测点不是本企业的监测点", en: "point \(n + 1) is not a monitoring point of this enterprise"))
                    continue
                }
                if !chosen.contains(where: { $0.id == id }) { chosen.append(.init(id: id, name: "\(p.code) \(p.name)")) }
            }
            s.points = chosen
        }
        if let u = d.inUse { s.inUse = u }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        s.updatedAt = now
        return s
    }

    public func spaces(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<ConfinedSpace> {
        try actor.require(.peopleRead)
        return try await records.page(ConfinedSpace.self, query, scope: actor.scope, page: page)
    }

    public func space(_ id: UUID, actor: Caller) async throws -> ConfinedSpace {
        try actor.require(.peopleRead)
        guard let s = try await records.get(ConfinedSpace.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: ConfinedSpace.entity) }
        return s
    }

    public func createSpace(_ d: SpaceDraft, actor: Caller, origin: String? = nil) async throws -> ConfinedSpace {
        guard let eid = d.enterpriseID else { throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请选择企业", en: "enterpriseId is required")]) }
        let e = try await workforce.enterprise(eid, actor: actor, .peopleManage)
        let base = ConfinedSpace(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, code: "", name: "", place: "",
                                 hazards: [], signPosted: false, lockOrBarrier: "", updatedAt: now)
        var s = try await apply(d, to: base)
        s.version = 1
        try await records.create([s], audit: audit(actor, origin))
        return s
    }

    public func updateSpace(_ id: UUID, _ d: SpaceDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> ConfinedSpace {
        try actor.require(.peopleManage)
        let current = try await space(id, actor: actor)
        let next = try await apply(d, to: current)
        return try await records.update(ConfinedSpace.self, id: id, expectedVersion: expectedVersion ?? current.version, scope: actor.scope, action: .update,
                                        audit: audit(actor, origin)) { _ in next }
    }

    /// The names of the space's points now out of their limits.
    public func alarmingPoints(_ space: ConfinedSpace?) async throws -> [String] {
        guard let space, !space.points.isEmpty else { return [] }
        let out = try await alarms.outConditions(pointIDs: space.points.map(\.id))
        return space.points.filter { !(out[$0.id] ?? [:]).isEmpty }.map(\.name)
    }

    // MARK: permits

    public struct PermitDraft: Sendable {
        public var enterpriseID: UUID?
        public var kind: String?
        public var hotWorkLevel: String?
        public var spaceID: UUID?
        public var place: String?
        public var crew: [UUID]?
        public var jobID: UUID?
        public var applicant: String?
        public var hazards: String?
        public var measures: String?
        public var isolationPoints: [String]?
        public var isolationConfirmed: Bool?
        public var supervisor: String?
        public var entryFrom: Date?
        public var entryUntil: Date?
        public init(enterpriseID: UUID? = nil, kind: String? = nil, hotWorkLevel: String? = nil, spaceID: UUID? = nil, place: String? = nil, crew: [UUID]? = nil,
                    jobID: UUID? = nil, applicant: String? = nil, hazards: String? = nil, measures: String? = nil, isolationPoints: [String]? = nil,
                    isolationConfirmed: Bool? = nil, supervisor: String? = nil, entryFrom: Date? = nil, entryUntil: Date? = nil) {
            self.enterpriseID = enterpriseID
            self.kind = kind
            self.hotWorkLevel = hotWorkLevel
            self.spaceID = spaceID
            self.place = place
            self.crew = crew
            self.jobID = jobID
            self.applicant = applicant
            self.hazards = hazards
            self.measures = measures
            self.isolationPoints = isolationPoints
            self.isolationConfirmed = isolationConfirmed
            self.supervisor = supervisor
            self.entryFrom = entryFrom
            self.entryUntil = entryUntil
        }
    }

    /// The longest window a permit may have.
    public static let maxWindowHours = 72

    public func permits(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<PermitRecord> {
        try actor.require(.peopleRead)
        return try await records.page(PermitRecord.self, query, scope: actor.scope, page: page)
    }

    public func permit(_ id: UUID, actor: Caller) async throws -> PermitRecord {
        try actor.require(.peopleRead)
        guard let p = try await records.get(PermitRecord.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: PermitRecord.entity) }
        return p
    }

    /// Checks the crew: workers of the enterprise (on the job's crew when the work is a contractor
    /// job's), on duty, with a valid certificate on the day for each operation the work needs.
    func crew(_ ids: [UUID], kind: PermitKind, enterpriseID: UUID, job: ContractorJob?, day: String, into issues: inout [FieldIssue]) async throws -> [PermitRecord.Crew] {
        if ids.count > 50 { issues.append(FieldIssue(field: "crew", zh: "作业人员最多50人", en: "at most 50 crew members")); return [] }
        let off = try await workforce.offDuty(enterpriseID: enterpriseID, countyCode: nil, actor: .system)
        var out: [PermitRecord.Crew] = []
        for (n, id) in ids.enumerated() {
            let field = "crew[\(n)].workerId"
            guard let w = try await workforce.crewMember(id, n: n, enterpriseID: enterpriseID, taken: out.map(\.workerID), into: &issues) else { continue }
            if let job, !job.crew.contains(where: { $0.workerID == id }) {
                issues.append(FieldIssue(field: field, zh: "\(w.name)不在承包作业“\(job.title)”的作业人员中", en: "\(w.name) is not on the contractor job's crew"))
            }
            let why = off.filter { $0.workerID == id }.map(\.zh).joined(separator: "；")
            if !why.isEmpty { issues.append(FieldIssue(field: field, zh: "\(w.name)停岗中（\(why)）", en: "\(w.name) is off duty")) }
            for op in kind.operations {
                if let r = CertificateRules.refusal(for: op, certificates: w.certificates, on: day) {
                    issues.append(FieldIssue(field: field, zh: "\(w.name)：\(r.zh)", en: "\(w.name): \(r.en)"))
                }
            }
            out.append(.init(workerID: w.id, name: w.name))
        }
        return out
    }

    public func createPermit(_ d: PermitDraft, actor: Caller, origin: String? = nil) async throws -> PermitRecord {
        guard let eid = d.enterpriseID else { throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请选择企业", en: "enterpriseId is required")]) }
        let e = try await workforce.enterprise(eid, actor: actor, .peopleManage)
        guard actor.can(.peopleManage) else { throw DomainError.forbidden(permission: .peopleManage) }
        var issues: [FieldIssue] = []
        let kind = d.kind.flatMap(PermitKind.init(rawValue:))
        if kind == nil {
            issues.append(FieldIssue(field: "kind", zh: "请选择作业类别", en: "kind is one of " + PermitKind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        var level: HotWorkLevel?
        if kind == .hotWork {
            level = d.hotWorkLevel.flatMap(HotWorkLevel.init(rawValue:))
            if level == nil { issues.append(FieldIssue(field: "hotWorkLevel", zh: "动火作业须选择级别（特级、一级、二级）", en: "hot work needs its grade: special, first or second")) }
        } else if d.hotWorkLevel != nil {
            issues.append(FieldIssue(field: "hotWorkLevel", zh: "只有动火作业分级", en: "only hot work has a grade"))
        }
        var space: ConfinedSpace?
        if let sid = d.spaceID {
            space = try await records.get(ConfinedSpace.self, id: sid, scope: .enterprise(e.id))
            if space == nil || space?.inUse == false { issues.append(FieldIssue(field: "spaceId", zh: "请选择本企业台账中在用的有限空间", en: "a confined space in use of this enterprise's ledger")) }
        } else if kind?.tracksEntries == true {
            issues.append(FieldIssue(field: "spaceId", zh: "有限空间作业须选择台账中的有限空间（未列入台账的须先登记）", en: "confined-space work names a space of the ledger"))
        }
        var job: ContractorJob?
        if let jid = d.jobID {
            job = try await records.get(ContractorJob.self, id: jid, scope: .enterprise(e.id))
            if job == nil || ![.planned, .working].contains(job!.state) {
                issues.append(FieldIssue(field: "jobId", zh: "请选择本企业待开工或作业中的承包作业", en: "a planned or working contractor job of this enterprise"))
            }
        }
        let place = TextField.read(d.place ?? space.map { "\($0.code) \($0.name)（\($0.place)）" }, field: "place", zh: "作业地点", en: "the place", max: 200,
                                   required: true, into: &issues)
        let applicant = TextField.read(d.applicant, field: "applicant", zh: "申请人", en: "the applicant", max: 50, required: true, into: &issues)
        let hazards = TextField.read(d.hazards, field: "hazards", zh: "危险有害因素", en: "the hazards", max: 2000, required: true, into: &issues)
        let measures = TextField.read(d.measures, field: "measures", zh: "安全措施", en: "the measures", max: 2000, required: true, into: &issues)
        let supervisor = TextField.read(d.supervisor, field: "supervisor", zh: "监护人", en: "the supervisor", max: 50, required: false, into: &issues)
        let isolation = (d.isolationPoints ?? []).enumerated().map { n, p in
            TextField.read(p, field: "isolationPoints[\(n)]", zh: "第\(n + 1)个隔离点", en: "isolation point \(n + 1)", max: 100, required: true, into: &issues)
        }
        if isolation.count > 30 { issues.append(FieldIssue(field: "isolationPoints", zh: "隔离点最多30个", en: "at most 30 isolation points")) }
        let t = now
        if d.entryFrom == nil { issues.append(FieldIssue(field: "entryFrom", zh: "请填写作业开始时间", en: "entryFrom is required")) }
        if d.entryUntil == nil { issues.append(FieldIssue(field: "entryUntil", zh: "请填写作业截止时间", en: "entryUntil is required")) }
        if let from = d.entryFrom, let until = d.entryUntil {
            if until <= from { issues.append(FieldIssue(field: "entryUntil", zh: "截止时间应晚于开始时间", en: "entryUntil comes after entryFrom")) }
            else if until.timeIntervalSince(from) > Double(Self.maxWindowHours) * 3600 {
                issues.append(FieldIssue(field: "entryUntil", zh: "一张作业票最长\(Self.maxWindowHours)小时", en: "a permit covers at most \(Self.maxWindowHours) hours"))
            }
            if until <= t { issues.append(FieldIssue(field: "entryUntil", zh: "截止时间已过", en: "entryUntil has passed")) }
            if from > t.addingTimeInterval(30 * 86400) { issues.append(FieldIssue(field: "entryFrom", zh: "开始时间不能晚于30天后", en: "entryFrom is within 30 days")) }
        }
        var crew: [PermitRecord.Crew] = []
        if let ids = d.crew, let kind {
            crew = try await self.crew(ids, kind: kind, enterpriseID: e.id, job: job, day: ChinaTime.day(d.entryFrom ?? t), into: &issues)
        }
        guard issues.isEmpty, let kind, let from = d.entryFrom, let until = d.entryUntil else { throw DomainError.validation(issues) }
        let day = ChinaTime.day(t).replacingOccurrences(of: "-", with: "")
        let existing = try await records.all(PermitRecord.self, RecordQuery(enterpriseID: e.id, search: "ZY\(day)-"), scope: .city, limit: 10_000).count
        var p = PermitRecord(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, number: "", kind: kind, hotWorkLevel: level,
                             spaceID: space?.id, spaceCode: space?.code, place: place, spaceGases: space.map { SpaceGas.allCases.filter($0.gases.contains) } ?? [],
                             crew: crew, jobID: job?.id, jobTitle: job?.title, applicant: applicant, hazards: hazards, measures: measures,
                             isolationPoints: isolation, isolationConfirmed: d.isolationConfirmed ?? false, supervisor: supervisor,
                             entryFrom: from, entryUntil: until, createdBy: actor.username, createdAt: t, version: 1)
        // Two permits drawn at once may take the same sequence: the unique number refuses the second, which takes the next.
        for n in 0..<5 {
            p.number = String(format: "ZY%@-%03d", day, existing + 1 + n)
            do {
                try await records.create([p], audit: audit(actor, origin))
                return p
            } catch DomainError.conflict(let issue) where issue.field == "number" && n < 4 {
                continue
            }
        }
        return p
    }

    /// Changes a permit awaiting approval: the crew, measures, isolation, supervisor, window.
    public func updatePermit(_ id: UUID, _ d: PermitDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> PermitRecord {
        try actor.require(.peopleManage)
        let current = try await permit(id, actor: actor)
        guard current.state == .draft else { throw DomainError.invalidTransition(from: current.state.rawValue, event: "update") }
        var issues: [FieldIssue] = []
        var next = current
        if let m = d.measures { next.measures = TextField.read(m, field: "measures", zh: "安全措施", en: "the measures", max: 2000, required: true, into: &issues) }
        if let h = d.hazards { next.hazards = TextField.read(h, field: "hazards", zh: "危险有害因素", en: "the hazards", max: 2000, required: true, into: &issues) }
        if let s = d.supervisor { next.supervisor = TextField.read(s, field: "supervisor", zh: "监护人", en: "the supervisor", max: 50, required: false, into: &issues) }
        if let list = d.isolationPoints {
            next.isolationPoints = list.enumerated().map { n, p in
                TextField.read(p, field: "isolationPoints[\(n)]", zh: "第\(n + 1)个隔离点", en: "isolation point \(n + 1)", max: 100, required: true, into: &issues)
            }
        }
        if let c = d.isolationConfirmed { next.isolationConfirmed = c }
        if let ids = d.crew {
            let job = try await current.jobID.asyncFlatMap { try await records.get(ContractorJob.self, id: $0, scope: .city) }
            next.crew = try await crew(ids, kind: current.kind, enterpriseID: current.enterpriseID!, job: job, day: ChinaTime.day(current.entryFrom), into: &issues)
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let result = next
        return try await records.update(PermitRecord.self, id: id, expectedVersion: expectedVersion ?? current.version, scope: actor.scope, action: .update,
                                        audit: audit(actor, origin)) { _ in result }
    }

    /// What is done on a permit: approval, a gas test, an entry or exit, suspension, resumption, closing.
    public struct ActionDraft: Sendable {
        public var action: String?
        public var approvedBy: String?
        public var authority: String?
        public var delegation: String?
        public var workerID: UUID?
        public var reason: String?
        public var place: String?
        public var oxygenPercent: Double?
        public var coPPM: Double?
        public var h2sPPM: Double?
        public var lelPercent: Double?
        public var tester: String?
        /// When it happened on the phone (recorded offline and sent later); nil: now.
        public var at: Date?
        public init(action: String?, approvedBy: String? = nil, authority: String? = nil, delegation: String? = nil, workerID: UUID? = nil, reason: String? = nil,
                    place: String? = nil, oxygenPercent: Double? = nil, coPPM: Double? = nil, h2sPPM: Double? = nil, lelPercent: Double? = nil,
                    tester: String? = nil, at: Date? = nil) {
            self.action = action
            self.approvedBy = approvedBy
            self.authority = authority
            self.delegation = delegation
            self.workerID = workerID
            self.reason = reason
            self.place = place
            self.oxygenPercent = oxygenPercent
            self.coPPM = coPPM
            self.h2sPPM = h2sPPM
            self.lelPercent = lelPercent
            self.tester = tester
            self.at = at
        }
    }

    public static let actions = ["approve", "test", "enter", "exit", "suspend", "resume", "close"]

    /// The last moment something was recorded on the permit: an action sent later may not come before it.
    static func lastEvent(_ p: PermitRecord) -> Date? {
        (p.tests.map(\.test.at) + p.entries.map(\.inAt) + p.entries.compactMap(\.outAt) + [p.approvedAt].compactMap { $0 }).max()
    }

    func parse(_ d: ActionDraft, permit p: PermitRecord, actor: Caller, now: Date) throws -> (PermitAction, Date, RecordedGasTest?) {
        var issues: [FieldIssue] = []
        let at = d.at ?? now
        if let a = d.at {
            if a > now.addingTimeInterval(120) { issues.append(FieldIssue(field: "at", zh: "时间不能晚于现在", en: "at cannot be in the future")) }
            else if a < now.addingTimeInterval(-86400) { issues.append(FieldIssue(field: "at", zh: "只能补录24小时内的记录", en: "at is within the last 24 hours")) }
            else if let last = Self.lastEvent(p), a < last {
                issues.append(FieldIssue(field: "at", zh: "时间不能早于本作业票上一条记录（\(ChinaTime.display(last, seconds: true))）", en: "at comes after the permit's last record"))
            }
        }
        func name() -> String? {
            guard let id = d.workerID, let m = p.crew.first(where: { $0.workerID == id }) else {
                issues.append(FieldIssue(field: "workerId", zh: "请选择本作业票的作业人员", en: "workerId names a crew member of this permit"))
                return nil
            }
            return m.name
        }
        var action: PermitAction?
        var recorded: RecordedGasTest?
        switch d.action ?? "" {
        case "approve":
            let by = TextField.read(d.approvedBy, field: "approvedBy", zh: "审批人", en: "who approves", max: 50, required: true, into: &issues)
            let authority = d.authority.flatMap(Permit.Authority.init(rawValue:))
            if authority == nil { issues.append(FieldIssue(field: "authority", zh: "请选择审批人身份", en: "authority is principal, delegate or manager")) }
            if authority == .delegate, (d.delegation ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                issues.append(FieldIssue(field: "delegation", zh: "受委托审批须写明书面委托（文号或日期）", en: "a delegate names the written delegation"))
            }
            _ = TextField.read(d.delegation, field: "delegation", zh: "书面委托", en: "the delegation", max: 200, required: false, into: &issues)
            if let authority { action = .approve(by: by, authority: authority) }
        case "test":
            func value(_ v: Double?, _ field: String, _ zh: String, max: Double) -> Double? {
                guard let v else { return nil }
                if !v.isFinite || v < 0 || v > max {
                    issues.append(FieldIssue(field: field, zh: "\(zh)应在0至\(Int(max))之间", en: "\(field) is between 0 and \(Int(max))"))
                    return nil
                }
                return v
            }
            let o2 = value(d.oxygenPercent, "oxygenPercent", "氧含量（%）", max: 100)
            let co = value(d.coPPM, "coPPM", "一氧化碳（ppm）", max: 10_000)
            let h2s = value(d.h2sPPM, "h2sPPM", "硫化氢（ppm）", max: 10_000)
            let lel = value(d.lelPercent, "lelPercent", "可燃气体（%LEL）", max: 100)
            if d.oxygenPercent == nil && d.coPPM == nil && d.h2sPPM == nil && d.lelPercent == nil {
                issues.append(FieldIssue(field: "oxygenPercent", zh: "请填写检测结果", en: "at least one reading"))
            }
            let place = TextField.read(d.place ?? p.place, field: "place", zh: "检测部位", en: "the place tested", max: 200, required: true, into: &issues)
            let tester = TextField.read(d.tester, field: "tester", zh: "检测人", en: "the tester", max: 50, required: true, into: &issues)
            let test = GasTest(at: at, place: place, oxygenPercent: o2, coPPM: co, h2sPPM: h2s, lelPercent: lel, tester: tester)
            action = .test(test)
            recorded = RecordedGasTest(test: test, recordedBy: actor.username, failed: [])
        case "enter": if let n = name() { action = .enter(n) }
        case "exit": if let n = name() { action = .exit(n) }
        case "suspend":
            let r = TextField.read(d.reason, field: "reason", zh: "暂停原因", en: "the reason", max: 500, required: true, into: &issues)
            action = .suspend(reason: r)
        case "resume": action = .resume
        case "close": action = .close
        default:
            issues.append(FieldIssue(field: "action", zh: "操作应为：" + Self.actions.joined(separator: "、"), en: "action is one of " + Self.actions.joined(separator: ", ")))
        }
        guard issues.isEmpty, let action else { throw DomainError.validation(issues) }
        return (action, at, recorded)
    }

    /// Does one thing on the permit, through its workflow, compare-and-set on the version read. A refusal
    /// throws `PermitRefusal` with every reason.
    public func act(_ id: UUID, _ d: ActionDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> PermitRecord {
        try actor.require(.peopleManage)
        let current = try await permit(id, actor: actor)
        let t = now
        let (action, at, recorded) = try parse(d, permit: current, actor: actor, now: t)
        // What the workflow needs to know today: the crew's certificates and duty, the space's alarms.
        var certificates: [UUID: [OperatorCertificate]] = [:]
        for m in current.crew { certificates[m.workerID] = try await records.get(Worker.self, id: m.workerID, scope: .city)?.certificates ?? [] }
        var offDuty: [UUID: String] = [:]
        for o in try await workforce.offDuty(enterpriseID: current.enterpriseID, countyCode: nil, actor: .system) {
            if let w = o.workerID, current.crew.contains(where: { $0.workerID == w }) { offDuty[w] = [offDuty[w], o.zh].compactMap { $0 }.joined(separator: "；") }
        }
        let space = try await current.spaceID.asyncFlatMap { try await records.get(ConfinedSpace.self, id: $0, scope: .city) }
        let alarming = try await alarmingPoints(space)
        let limits = space.map { $0.limits(over: self.limits) } ?? self.limits
        let delegation = d.delegation?.trimmingCharacters(in: .whitespaces)
        let (certs, off) = (certificates, offDuty)
        return try await records.update(PermitRecord.self, id: id, expectedVersion: expectedVersion ?? current.version, scope: actor.scope, action: .transition,
                                        audit: audit(actor, origin)) { r in
            let p = r.permit(certificates: certs, offDuty: off, alarms: alarming)
            switch PermitWorkflow.perform(p, action, limits: limits, now: at) {
            case .failure(let list): throw PermitRefusal(list.refusals)
            case .success(let next):
                var out = r
                out.take(next)
                if case .approve = action {
                    out.approvedAt = at
                    out.delegation = next.authority == .delegate ? delegation : nil
                }
                if var rec = recorded {
                    rec.failed = limits.outOfRange(rec.test)
                    out.tests.append(rec)
                }
                if out.state == .closed { out.closedAt = at }
                return out
            }
        }
    }

    /// Open high-risk work in the caller's scope now (the regulators' live list): approved, in
    /// progress or suspended, and lapsed ones with someone still inside.
    public func live(countyCode: String? = nil, enterpriseID: UUID? = nil, actor: Caller) async throws -> [PermitRecord] {
        try actor.require(.peopleRead)
        let open = try await records.all(PermitRecord.self, RecordQuery(enterpriseID: enterpriseID, countyCode: countyCode,
                                                                         tags: [Permit.State.approved, .active, .suspended].map(\.rawValue)),
                                         scope: actor.scope, limit: 5000)
        let t = now
        return open.filter { $0.state(at: t) != .lapsed || !$0.inside.isEmpty }.sorted { ($0.inside.count, $0.entryFrom) > ($1.inside.count, $1.entryFrom) }
    }

    /// The enterprise's permits of today: those whose window touches today, and any still open.
    public func today(enterpriseID: UUID, actor: Caller) async throws -> [PermitRecord] {
        try actor.require(.peopleRead)
        let day = ChinaTime.day(now)
        let all = try await records.all(PermitRecord.self, RecordQuery(enterpriseID: enterpriseID, from: ChinaTime.day(now.addingTimeInterval(-Double(Self.maxWindowHours) * 3600)),
                                                                        descending: true), scope: actor.scope, limit: 500)
        return all.filter { ChinaTime.day($0.entryFrom) <= day && ChinaTime.day($0.entryUntil) >= day || $0.state.isOpen && !$0.inside.isEmpty }
    }

    /// Every open permit (approved, in progress or suspended), city-wide.
    func openPermits() async throws -> [PermitRecord] {
        try await records.all(PermitRecord.self, RecordQuery(tags: [Permit.State.approved, .active, .suspended].map(\.rawValue)), scope: .city, limit: 5000)
    }

    /// The background job's round: the open permits read once, those past their window lapsed, those whose
    /// space is in alarm suspended. Returns how many changed.
    @discardableResult
    public func sweepOpenPermits() async throws -> Int {
        let open = try await openPermits()
        return try await lapseOverdue(open) + suspendForAlarms(open)
    }

    /// Marks every open permit past its window as lapsed, so that the stored state (and the lists' state
    /// filter) says what every page already shows. Returns how many it marked.
    @discardableResult
    public func lapseOverdue() async throws -> Int {
        try await lapseOverdue(openPermits())
    }

    func lapseOverdue(_ open: [PermitRecord]) async throws -> Int {
        let t = now
        var n = 0
        for p in open where p.state(at: t) == .lapsed {
            do {
                _ = try await records.update(PermitRecord.self, id: p.id, expectedVersion: p.version, scope: .city, action: .transition,
                                             audit: AuditContext(actor: .system, at: t, origin: "permit-lapse")) { r in
                    guard let next = PermitWorkflow.lapse(r.permit(certificates: [:], offDuty: [:], alarms: []), now: t) else { return r }
                    var out = r
                    out.take(next)
                    return out
                }
                n += 1
            } catch DomainError.staleVersion {
                continue
            }
        }
        return n
    }

    /// Suspends every open permit whose space has a monitoring point in alarm. Returns how many it suspended.
    @discardableResult
    public func suspendForAlarms() async throws -> Int {
        try await suspendForAlarms(openPermits())
    }

    /// Of `open`, the approved and in-progress permits within their window are suspended for their spaces' alarms.
    func suspendForAlarms(_ all: [PermitRecord]) async throws -> Int {
        let t = now
        let open = all.filter { [.approved, .active].contains($0.state) && $0.spaceID != nil && $0.state(at: t) != .lapsed }
        guard !open.isEmpty else { return 0 }
        // Each space once, and one question for all their points.
        var spaces: [UUID: ConfinedSpace] = [:]
        for id in Set(open.compactMap(\.spaceID)) { spaces[id] = try await records.get(ConfinedSpace.self, id: id, scope: .city) }
        let points = spaces.values.flatMap(\.points)
        guard !points.isEmpty else { return 0 }
        let out = try await alarms.outConditions(pointIDs: points.map(\.id))
        var n = 0
        for p in open {
            guard let space = spaces[p.spaceID!] else { continue }
            let alarming = space.points.filter { !(out[$0.id] ?? [:]).isEmpty }.map(\.name)
            guard !alarming.isEmpty else { continue }
            let reason = "监测点报警：\(alarming.joined(separator: "、"))"
            do {
                _ = try await records.update(PermitRecord.self, id: p.id, expectedVersion: p.version, scope: .city, action: .transition,
                                             audit: AuditContext(actor: .system, at: t, origin: "alarm-engine")) { r in
                    guard case .success(let next) = PermitWorkflow.perform(r.permit(certificates: [:], offDuty: [:], alarms: alarming),
                                                                           .suspend(reason: reason), limits: limits, now: t) else { return r }
                    var out = r
                    out.take(next)
                    return out
                }
                n += 1
            } catch DomainError.staleVersion {
                // Changed meanwhile: the next round sees it as it now is.
                continue
            }
        }
        return n
    }

    /// The Art. 13 checks of an enterprise's spaces and its confined-space permits of the last 90 days.
    public func checks(enterpriseID: UUID, actor: Caller) async throws -> [ConfinedSpaceChecks.Finding] {
        try actor.require(.peopleRead)
        let e = try await workforce.enterprises.get(enterpriseID, actor: actor)
        let spaces = try await records.all(ConfinedSpace.self, RecordQuery(enterpriseID: e.id), scope: actor.scope, limit: 2000)
        let since = ChinaTime.day(now.addingTimeInterval(-90 * 86400))
        let permits = try await records.all(PermitRecord.self, RecordQuery(enterpriseID: e.id, from: since), scope: actor.scope, limit: 2000)
        return ConfinedSpaceChecks.findings(hasConfinedSpaces: e.profile.specialRisks.contains(.confinedSpace), spaces: spaces, permits: permits)
    }
}

/// A permit action refused by its workflow: every reason, with its code.
public struct PermitRefusal: Error, Sendable, Equatable {
    public let refusals: [PermitWorkflow.Refusal]
    public init(_ r: [PermitWorkflow.Refusal]) { refusals = r }
}
