import Foundation

/// T17 and T18: trainings and principals' coverage by the plan's schedule, managers' exams (an
/// unexamined principal of metal smelting is a major hazard, MHC-3-03), and drills with their frequency.
public struct TrainingService: Sendable {
    public let workforce: WorkforceService

    /// Where drill photos' bytes are kept, and how they are fingerprinted.
    public let files: (any FileStore)?
    public let digest: (any ContentDigest)?

    public init(workforce: WorkforceService, files: (any FileStore)? = nil, digest: (any ContentDigest)? = nil) {
        self.workforce = workforce
        self.files = files
        self.digest = digest
    }

    public static let maxPhotosPerDrill = 9

    static func photoKey(_ id: UUID) -> String { "drill-photos/\(id.uuidString.lowercased())" }

    public func drill(_ id: UUID, actor: Caller) async throws -> Drill {
        try actor.require(.peopleRead)
        guard let d = try await records.get(Drill.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: Drill.entity) }
        return d
    }

    /// A photo of the drill, added by whoever records drills of its kind (the enterprise; the county for
    /// its observation drill): checked by content (JPEG, PNG or WebP) and size, at most `maxPhotosPerDrill`.
    public func addDrillPhoto(_ id: UUID, data: Data, actor: Caller, origin: String? = nil) async throws -> DrillPhoto {
        let d = try await drill(id, actor: actor)
        let mayRecord = d.kind == .observation ? actor.can(.peopleOversee) && { if case .county = actor.scope { true } else { false } }() : actor.can(.peopleManage)
        guard mayRecord else { throw DomainError.forbidden(permission: d.kind == .observation ? .peopleOversee : .peopleManage) }
        guard let files, let digest else { throw DomainError.invalidTransition(from: "no file store", event: "addPhoto") }
        if d.photoIDs.count >= Self.maxPhotosPerDrill {
            throw DomainError.validation([FieldIssue(field: "photo", zh: "每次演练最多\(Self.maxPhotosPerDrill)张照片", en: "at most \(Self.maxPhotosPerDrill) photos a drill")])
        }
        let type = try ImageType.checkPhoto(data)
        let now = workforce.clock.now()
        let photo = DrillPhoto(contentType: type.mime, size: data.count, sha256: digest.sha256Hex(data), uploadedBy: actor.username, uploadedAt: now)
        try await files.put(data, key: Self.photoKey(photo.id))
        _ = try await records.update(Drill.self, id: id, expectedVersion: nil, scope: actor.scope, action: .upload, audit: workforce.audit(actor, origin)) { current in
            guard current.photoIDs.count < Self.maxPhotosPerDrill else {
                throw DomainError.validation([FieldIssue(field: "photo", zh: "每次演练最多\(Self.maxPhotosPerDrill)张照片", en: "at most \(Self.maxPhotosPerDrill) photos a drill")])
            }
            var next = current
            next.photos = (current.photos ?? []) + [photo]
            return next
        }
        return photo
    }

    /// One photo of the drill with its bytes; a photo of another drill does not exist.
    public func drillPhoto(_ id: UUID, photoID: UUID, actor: Caller) async throws -> (DrillPhoto, Data) {
        let d = try await drill(id, actor: actor)
        guard let p = (d.photos ?? []).first(where: { $0.id == photoID }), let data = try await files?.get(key: Self.photoKey(p.id)) else {
            throw DomainError.notFound(entity: "photo")
        }
        return (p, data)
    }

    var records: any RecordRepository { workforce.records }
    public var today: String { workforce.today }

    /// The active enterprises in the caller's scope (a county's when named).
    func enterprises(countyCode: String?, risk: SpecialRisk? = nil, actor: Caller) async throws -> [Enterprise] {
        try actor.require(.peopleRead)
        return try await workforce.enterprises.repository.all(EnterpriseQuery(countyCode: countyCode, specialRisk: risk), scope: actor.scope, limit: 100_000)
    }

    // MARK: trainings

    public struct TrainingDraft: Sendable {
        public struct Attendee: Sendable {
            public var enterpriseID: UUID?
            public var name: String?
            public var role: String?
            public init(enterpriseID: UUID?, name: String?, role: String?) {
                self.enterpriseID = enterpriseID
                self.name = name
                self.role = role
            }
        }
        public var title: String?
        public var topic: String?
        public var on: String?
        public var attendees: [Attendee]
        public init(title: String?, topic: String?, on: String?, attendees: [Attendee]) {
            self.title = title
            self.topic = topic
            self.on = on
            self.attendees = attendees
        }
    }

    /// Records a training the caller organised: the city's, a county's (attendees of its county) or an
    /// enterprise's (its own people). A principal attending with no name given is the enterprise's
    /// registered principal.
    public func recordTraining(_ d: TrainingDraft, actor: Caller, origin: String? = nil) async throws -> Training {
        guard actor.can(.peopleManage) || actor.can(.peopleOversee) else { throw DomainError.forbidden(permission: .peopleOversee) }
        var issues: [FieldIssue] = []
        let title = TextField.read(d.title, field: "title", zh: "培训名称", en: "the title", max: 100, required: true, into: &issues)
        var topic: SpecialRisk?
        if let t = d.topic, !t.isEmpty {
            topic = SpecialRisk(rawValue: t)
            if topic == nil { issues.append(FieldIssue(field: "topic", zh: "培训专题应为专项风险之一", en: "topic is one of the special risks")) }
        }
        let on = DayField.read(d.on, field: "on", zh: "培训日期", en: "the day", required: true, into: &issues)
        if let on, on > today { issues.append(FieldIssue(field: "on", zh: "培训日期不能晚于今天", en: "the day cannot be in the future")) }
        if d.attendees.isEmpty || d.attendees.count > 2000 { issues.append(FieldIssue(field: "attendees", zh: "请填写1至2000名参训人员", en: "1 to 2,000 attendees")) }
        var attendees: [Training.Attendee] = []
        for (n, a) in d.attendees.prefix(2000).enumerated() {
            let e = try? await a.enterpriseID.asyncFlatMap { try await workforce.enterprises.get($0, actor: actor) }
            guard let e else {
                issues.append(FieldIssue(field: "attendees[\(n)].enterpriseId", zh: "第\(n + 1)名参训人员的企业不在您的管辖范围内", en: "attendee \(n + 1)'s enterprise is outside your scope"))
                continue
            }
            guard let role = a.role.flatMap(TraineeRole.init(rawValue:)) else {
                issues.append(FieldIssue(field: "attendees[\(n)].role", zh: "第\(n + 1)名参训人员的身份应为主要负责人、安全管理人员或从业人员", en: "role is principal, safetyManager or worker"))
                continue
            }
            var name = TextField.read(a.name, field: "attendees[\(n)].name", zh: "第\(n + 1)名参训人员姓名", en: "attendee \(n + 1)'s name", max: 50, required: false, into: &issues)
            if name.isEmpty { name = role == .principal ? e.profile.principal.name : role == .safetyManager ? e.profile.safetyManager.name : "" }
            if name.isEmpty { issues.append(FieldIssue(field: "attendees[\(n)].name", zh: "请填写第\(n + 1)名参训人员姓名", en: "attendee \(n + 1)'s name is required")) }
            attendees.append(.init(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, name: name, role: role))
        }
        guard issues.isEmpty, let on else { throw DomainError.validation(issues) }
        let (organiser, county, enterprise): (Training.Organiser, String?, UUID?) = switch actor.scope {
        case .city: (.city, nil, nil)
        case .county(let c): (.county, c, nil)
        case .enterprise(let id): (.enterprise, attendees.first?.countyCode, id)
        case .assigned: throw DomainError.forbidden(permission: .peopleOversee)
        }
        let t = Training(organiser: organiser, countyCode: county, enterpriseID: enterprise, title: title, topic: topic, on: on, attendees: attendees,
                         recordedBy: actor.username, version: 1)
        try await records.create([t], audit: workforce.audit(actor, origin))
        return t
    }

    public func trainings(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<Training> {
        try actor.require(.peopleRead)
        return try await records.page(Training.self, query, scope: actor.scope, page: page)
    }

    /// Principals' coverage of each scheduled topic (dust 2024, metal smelting 2025, confined space
    /// 2026) among the enterprises with that risk in scope, with those not yet trained.
    public func coverage(countyCode: String?, actor: Caller) async throws -> [CoverageRow] {
        let trainings = try await records.all(Training.self, RecordQuery(to: today), scope: actor.scope, limit: WorkforceService.readLimit)
        var rows: [CoverageRow] = []
        for item in TrainingRules.schedule {
            let concerned = try await enterprises(countyCode: countyCode, risk: item.risk, actor: actor)
            let trained = Set(trainings.filter { $0.topic == item.risk }.flatMap { t in t.attendees.filter { $0.role == .principal }.map(\.enterpriseID) })
            let untrained = concerned.filter { !trained.contains($0.id) }.map { (id: $0.id, name: $0.profile.name) }
            rows.append(CoverageRow(topic: item.risk, year: item.year, countyCode: countyCode, required: concerned.count, trained: concerned.count - untrained.count,
                                    untrained: untrained))
        }
        return rows
    }

    // MARK: managers' exams

    public func recordExam(enterpriseID: UUID?, name: String?, role: String?, on: String?, passed: Bool?, actor: Caller, origin: String? = nil) async throws -> ManagerExam {
        try actor.require(.peopleOversee)
        var issues: [FieldIssue] = []
        let e = try? await enterpriseID.asyncFlatMap { try await workforce.enterprises.get($0, actor: actor) }
        if e == nil { issues.append(FieldIssue(field: "enterpriseId", zh: "请选择辖区内的企业", en: "an enterprise in your jurisdiction")) }
        let r = role.flatMap(TraineeRole.init(rawValue:))
        if r == nil || r == .worker { issues.append(FieldIssue(field: "role", zh: "考核对象应为主要负责人或安全管理人员", en: "role is principal or safetyManager")) }
        var n = TextField.read(name, field: "name", zh: "姓名", en: "the name", max: 50, required: false, into: &issues)
        if n.isEmpty, let e, let r { n = r == .principal ? e.profile.principal.name : e.profile.safetyManager.name }
        if n.isEmpty { issues.append(FieldIssue(field: "name", zh: "请填写姓名", en: "the name is required")) }
        let day = DayField.read(on, field: "on", zh: "考核日期", en: "the day", required: true, into: &issues)
        if let day, day > today { issues.append(FieldIssue(field: "on", zh: "考核日期不能晚于今天", en: "the day cannot be in the future")) }
        if passed == nil { issues.append(FieldIssue(field: "passed", zh: "请填写考核结果", en: "passed is required")) }
        guard issues.isEmpty, let e, let r, let day, let passed else { throw DomainError.validation(issues) }
        let x = ManagerExam(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, name: n, role: r, on: day, passed: passed,
                            recordedBy: actor.username, version: 1)
        try await records.create([x], audit: workforce.audit(actor, origin))
        return x
    }

    public func exams(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<ManagerExam> {
        try actor.require(.peopleRead)
        return try await records.page(ManagerExam.self, query, scope: actor.scope, page: page)
    }

    /// Metal-smelting enterprises in scope whose principal has not passed the exam: a major hazard by
    /// MHC-3-03 (Art. 3 of the 2023 criteria).
    public func unexaminedPrincipals(countyCode: String?, actor: Caller) async throws -> [Enterprise] {
        let smelters = try await enterprises(countyCode: countyCode, risk: .metalSmelting, actor: actor)
        let passed = Set(try await records.all(ManagerExam.self, RecordQuery(countyCode: countyCode, tags: ["passed"]), scope: actor.scope,
                                               limit: WorkforceService.readLimit).filter { $0.role == .principal }.compactMap(\.enterpriseID))
        return smelters.filter { !passed.contains($0.id) }
    }

    /// The criterion an unexamined principal of metal smelting falls under.
    public static let unexaminedPrincipalCriterion = "MHC-3-03"

    // MARK: drills

    public func recordDrill(enterpriseID: UUID?, kind: String?, on: String?, scenario: String?, participants: Int?, evaluation: String?, actor: Caller,
                            origin: String? = nil) async throws -> Drill {
        guard actor.can(.peopleManage) || actor.can(.peopleOversee) else { throw DomainError.forbidden(permission: .peopleManage) }
        var issues: [FieldIssue] = []
        let k = kind.flatMap(Drill.Kind.init(rawValue:))
        if k == nil { issues.append(FieldIssue(field: "kind", zh: "请选择演练类型", en: "kind is one of " + Drill.Kind.allCases.map(\.rawValue).joined(separator: ", "))) }
        var enterprise: Enterprise?
        var county: String?
        if k == .observation {
            guard case .county(let c) = actor.scope else {
                throw DomainError.validation([FieldIssue(field: "kind", zh: "观摩演练由县局记录", en: "a county records its observation drill")])
            }
            county = c
        } else {
            enterprise = try? await enterpriseID.asyncFlatMap { try await workforce.enterprises.get($0, actor: actor) }
            if case .enterprise(let own) = actor.scope, enterpriseID == nil { enterprise = try? await workforce.enterprises.get(own, actor: actor) }
            if enterprise == nil { issues.append(FieldIssue(field: "enterpriseId", zh: "请选择辖区内的企业", en: "an enterprise in your scope")) }
            county = enterprise?.profile.countyCode
        }
        let day = DayField.read(on, field: "on", zh: "演练日期", en: "the day", required: true, into: &issues)
        if let day, day > today { issues.append(FieldIssue(field: "on", zh: "演练日期不能晚于今天", en: "the day cannot be in the future")) }
        let sc = TextField.read(scenario, field: "scenario", zh: "演练情景", en: "the scenario", max: 300, required: true, into: &issues)
        let ev = TextField.read(evaluation, field: "evaluation", zh: "演练评估", en: "the evaluation", max: 2000, required: false, into: &issues)
        let p = participants ?? -1
        if !(1...100_000).contains(p) { issues.append(FieldIssue(field: "participants", zh: "参演人数应为1至100000", en: "participants is 1 to 100,000")) }
        guard issues.isEmpty, let k, let day, let county else { throw DomainError.validation(issues) }
        let d = Drill(enterpriseID: enterprise?.id, enterpriseName: enterprise?.profile.name ?? (County.named(county)?.zh ?? county) + "应急管理局", countyCode: county,
                      kind: k, on: day, scenario: sc, participants: p, evaluation: ev, recordedBy: actor.username, version: 1)
        try await records.create([d], audit: workforce.audit(actor, origin))
        return d
    }

    public func drills(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<Drill> {
        try actor.require(.peopleRead)
        return try await records.page(Drill.self, query, scope: actor.scope, page: page)
    }

    /// Each enterprise in scope with its interval, last drill and when the next is due.
    public func drillStandings(countyCode: String?, actor: Caller) async throws -> [DrillStanding] {
        let list = try await enterprises(countyCode: countyCode, actor: actor)
        let drills = try await records.all(Drill.self, RecordQuery(countyCode: countyCode), scope: actor.scope, limit: WorkforceService.readLimit)
        var last: [UUID: String] = [:]
        for d in drills where d.kind != .observation { if let e = d.enterpriseID, d.on > (last[e] ?? "") { last[e] = d.on } }
        let day = today
        return list.map { e in
            let p = DrillRules.profile(e.profile)
            return DrillStanding(enterpriseID: e.id, name: e.profile.name, countyCode: e.profile.countyCode, intervalMonths: DrillRules.intervalMonths(p),
                                 lastDrill: last[e.id], due: DrillRules.due(p, lastDrill: last[e.id], today: day))
        }
    }

    /// The counties (of those in scope) without an observation drill this year.
    public func countiesWithoutObservationDrill(actor: Caller) async throws -> [String] {
        try actor.require(.peopleRead)
        let year = Int(today.prefix(4)) ?? 2026
        let drills = try await records.all(Drill.self, RecordQuery(tags: [Drill.Kind.observation.rawValue]), scope: actor.scope, limit: WorkforceService.readLimit)
        let byCounty = Dictionary(grouping: drills, by: { $0.countyCode ?? "" }).mapValues { $0.map(\.on) }
        let missing = DrillRules.countiesWithoutObservationDrill(byCounty, year: year)
        return switch actor.scope {
        case .county(let c): missing.filter { $0 == c }
        case .city: missing
        default: []
        }
    }
}
