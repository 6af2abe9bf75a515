import Foundation

/// T5: the city-wide contractor registry, each enterprise's admissions and agreements, and contractors'
/// jobs behind the start-of-work gate.
public struct ContractorService: Sendable {
    public let workforce: WorkforceService

    public init(workforce: WorkforceService) { self.workforce = workforce }

    var records: any RecordRepository { workforce.records }
    public var today: String { workforce.today }

    func audit(_ actor: Caller, _ origin: String?) -> AuditContext { workforce.audit(actor, origin) }

    func requireWriter(_ actor: Caller) throws {
        guard actor.can(.peopleManage) || actor.can(.peopleOversee) else { throw DomainError.forbidden(permission: .peopleManage) }
    }

    /// Every record of a kind the caller may read that matches (exports).
    public func all<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, actor: Caller) async throws -> [R] {
        try actor.require(.peopleRead)
        return try await records.all(R.self, query, scope: actor.scope, limit: WorkforceService.readLimit)
    }

    // MARK: the registry

    public struct ContractorDraft: Sendable {
        public var creditCode: String?
        public var name: String?
        public var qualifications: [Contractor.Qualification]?
        public init(creditCode: String? = nil, name: String? = nil, qualifications: [Contractor.Qualification]? = nil) {
            self.creditCode = creditCode
            self.name = name
            self.qualifications = qualifications
        }
    }

    func apply(_ d: ContractorDraft, to base: Contractor) throws -> Contractor {
        var issues: [FieldIssue] = []
        var c = base
        if let code = d.creditCode ?? (base.version == 0 ? "" : nil) {
            do { c.creditCode = try CreditCode(code.trimmingCharacters(in: .whitespaces).uppercased()).value } catch {
                issues.append(FieldIssue(field: "creditCode", zh: "统一社会信用代码：" + error.issue.zh, en: "credit code: " + error.issue.en))
            }
        }
        if let name = d.name ?? (base.version == 0 ? "" : nil) {
            c.name = TextField.read(name, field: "name", zh: "单位名称", en: "the name", max: 100, required: true, into: &issues)
        }
        if let list = d.qualifications {
            if list.count > 20 { issues.append(FieldIssue(field: "qualifications", zh: "资质最多20项", en: "at most 20 qualifications")) }
            c.qualifications = list.enumerated().map { n, q in
                let name = TextField.read(q.name, field: "qualifications[\(n)].name", zh: "第\(n + 1)项资质名称", en: "qualification \(n + 1)'s name", max: 100, required: true, into: &issues)
                let number = TextField.read(q.number, field: "qualifications[\(n)].number", zh: "第\(n + 1)项资质证书编号", en: "qualification \(n + 1)'s number", max: 60, required: false, into: &issues)
                let until = DayField.read(q.validUntil, field: "qualifications[\(n)].validUntil", zh: "第\(n + 1)项资质有效期", en: "qualification \(n + 1)'s validity", required: true, into: &issues)
                return Contractor.Qualification(name: name, number: number, validUntil: until ?? "")
            }
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        return c
    }

    public func contractors(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<Contractor> {
        try actor.require(.peopleRead)
        return try await records.page(Contractor.self, query, scope: actor.scope, page: page)
    }

    public func contractor(_ id: UUID, actor: Caller) async throws -> Contractor {
        try actor.require(.peopleRead)
        guard let c = try await records.get(Contractor.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: Contractor.entity) }
        return c
    }

    public func createContractor(_ d: ContractorDraft, actor: Caller, origin: String? = nil) async throws -> Contractor {
        try requireWriter(actor)
        var c = try apply(d, to: Contractor(creditCode: "", name: "", createdBy: actor.username))
        c.version = 1
        try await records.create([c], audit: audit(actor, origin))
        return c
    }

    public func updateContractor(_ id: UUID, _ d: ContractorDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> Contractor {
        try requireWriter(actor)
        return try await records.update(Contractor.self, id: id, expectedVersion: expectedVersion, scope: actor.scope, action: .update, audit: audit(actor, origin)) { c in
            try apply(d, to: c)
        }
    }

    public struct AccidentDraft: Sendable {
        public var enterpriseID: UUID?
        public var on: String?
        public var level: String?
        public var deaths: Int?
        public var what: String?
        public init(enterpriseID: UUID?, on: String?, level: String?, deaths: Int?, what: String?) {
            self.enterpriseID = enterpriseID
            self.on = on
            self.level = level
            self.deaths = deaths
            self.what = what
        }
    }

    /// A regulator records an accident the contractor had at an enterprise in its scope: a fatal one
    /// replaces it there; one of level 较大 or worse bans it city-wide for three years.
    public func recordAccident(contractorID: UUID, _ d: AccidentDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> Contractor {
        try actor.require(.peopleOversee)
        var issues: [FieldIssue] = []
        var enterprise: Enterprise?
        if let id = d.enterpriseID { enterprise = try? await workforce.enterprises.get(id, actor: actor) }
        if enterprise == nil { issues.append(FieldIssue(field: "enterpriseId", zh: "请选择辖区内发生事故的企业", en: "the enterprise in your jurisdiction where it happened")) }
        let on = DayField.read(d.on, field: "on", zh: "事故日期", en: "the accident day", required: true, into: &issues)
        if let on, on > today { issues.append(FieldIssue(field: "on", zh: "事故日期不能晚于今天", en: "the day cannot be in the future")) }
        let level = d.level.flatMap(AccidentLevel.init(rawValue:))
        if level == nil { issues.append(FieldIssue(field: "level", zh: "请选择事故等级", en: "level is one of " + AccidentLevel.allCases.map(\.rawValue).joined(separator: ", "))) }
        let deaths = d.deaths ?? -1
        if !(0...1000).contains(deaths) { issues.append(FieldIssue(field: "deaths", zh: "死亡人数应为0至1000", en: "deaths is 0 to 1,000")) }
        if let level, deaths >= 0, AccidentLevel.of(deaths: deaths, seriousInjuries: 0, directLossYuan: 0) > level {
            issues.append(FieldIssue(field: "level", zh: "死亡\(deaths)人至少为\(AccidentLevel.of(deaths: deaths, seriousInjuries: 0, directLossYuan: 0).zh)",
                                     en: "\(deaths) deaths make at least a \(AccidentLevel.of(deaths: deaths, seriousInjuries: 0, directLossYuan: 0).en) accident"))
        }
        let what = TextField.read(d.what, field: "what", zh: "事故简况", en: "what happened", max: 500, required: true, into: &issues)
        guard issues.isEmpty, let enterprise, let on, let level else { throw DomainError.validation(issues) }
        let accident = Contractor.Accident(fact: ContractorAccident(enterpriseID: enterprise.id, on: on, level: level, deaths: deaths),
                                           enterpriseName: enterprise.profile.name, what: what, recordedBy: actor.username)
        return try await records.update(Contractor.self, id: contractorID, expectedVersion: expectedVersion, scope: actor.scope, action: .update,
                                        audit: audit(actor, origin)) { c in
            var next = c
            next.accidents.append(accident)
            return next
        }
    }

    // MARK: admission

    public func admissions(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<ContractorAdmission> {
        try actor.require(.peopleRead)
        return try await records.page(ContractorAdmission.self, query, scope: actor.scope, page: page)
    }

    public func admission(enterpriseID: UUID, contractorID: UUID, actor: Caller) async throws -> ContractorAdmission? {
        try await records.all(ContractorAdmission.self, RecordQuery(enterpriseID: enterpriseID, ref: contractorID), scope: actor.scope, limit: 1).first
    }

    /// Admits the contractor at the enterprise, or renews its agreement: refused with the ban's reason
    /// while it is banned there.
    public func admit(contractorID: UUID, enterpriseID: UUID, agreement a: ContractorAdmission.Agreement?, expectedVersion: Int?, actor: Caller,
                      origin: String? = nil) async throws -> ContractorAdmission {
        let e = try await workforce.enterprise(enterpriseID, actor: actor, .peopleManage)
        let c = try await contractor(contractorID, actor: actor)
        if let ban = c.ban(at: e.id, on: today) { throw Refusal(gate: [.banned(ban)]) }
        var issues: [FieldIssue] = []
        var agreement: ContractorAdmission.Agreement?
        if let a {
            let scope = TextField.read(a.scope, field: "agreement.scope", zh: "协议约定的作业范围", en: "the agreement's scope", max: 300, required: true, into: &issues)
            let signed = DayField.read(a.signedOn, field: "agreement.signedOn", zh: "签订日期", en: "the signing day", required: true, into: &issues)
            let from = DayField.read(a.validFrom, field: "agreement.validFrom", zh: "协议生效日期", en: "valid from", required: true, into: &issues)
            let until = DayField.read(a.validUntil, field: "agreement.validUntil", zh: "协议截止日期", en: "valid until", required: true, into: &issues)
            if let from, let until, until < from { issues.append(FieldIssue(field: "agreement.validUntil", zh: "协议截止日期应不早于生效日期", en: "valid until comes after valid from")) }
            if let signed, signed > today { issues.append(FieldIssue(field: "agreement.signedOn", zh: "签订日期不能晚于今天", en: "the signing day cannot be in the future")) }
            if let signed, let from, let until { agreement = .init(scope: scope, signedOn: signed, validFrom: from, validUntil: until) }
        }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let signed = agreement
        if let current = try await admission(enterpriseID: e.id, contractorID: c.id, actor: actor) {
            return try await records.update(ContractorAdmission.self, id: current.id, expectedVersion: expectedVersion, scope: actor.scope, action: .update,
                                            audit: audit(actor, origin)) { adm in
                var next = adm
                next.agreement = signed ?? adm.agreement
                next.contractorName = c.name
                return next
            }
        }
        let adm = ContractorAdmission(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, contractorID: c.id,
                                      contractorName: c.name, admittedOn: today, agreement: agreement, version: 1)
        try await records.create([adm], audit: audit(actor, origin))
        return adm
    }

    // MARK: jobs

    public struct JobDraft: Sendable {
        public struct Member: Sendable {
            public var workerID: UUID?
            public var operations: [String]
            public init(workerID: UUID?, operations: [String]) {
                self.workerID = workerID
                self.operations = operations
            }
        }
        public var enterpriseID: UUID?
        public var contractorID: UUID?
        public var title: String?
        public var plan: String?
        public var crew: [Member]?
        public var supervisor: String?
        public var startOn: String?
        public var endOn: String?
        public init(enterpriseID: UUID? = nil, contractorID: UUID? = nil, title: String? = nil, plan: String? = nil, crew: [Member]? = nil,
                    supervisor: String? = nil, startOn: String? = nil, endOn: String? = nil) {
            self.enterpriseID = enterpriseID
            self.contractorID = contractorID
            self.title = title
            self.plan = plan
            self.crew = crew
            self.supervisor = supervisor
            self.startOn = startOn
            self.endOn = endOn
        }
    }

    /// The crew as stored: each a worker of the job's enterprise (none from another), operations from the catalogue.
    func crew(_ members: [JobDraft.Member], enterpriseID: UUID, actor: Caller, into issues: inout [FieldIssue]) async throws -> [ContractorJob.CrewMember] {
        if members.count > 100 { issues.append(FieldIssue(field: "crew", zh: "作业人员最多100人", en: "at most 100 crew members")); return [] }
        var out: [ContractorJob.CrewMember] = []
        for (n, m) in members.enumerated() {
            guard let w = try await workforce.crewMember(m.workerID, n: n, enterpriseID: enterpriseID, taken: out.map(\.workerID), into: &issues) else { continue }
            for op in m.operations where SpecialOperationCatalogue.operation(op) == nil {
                issues.append(FieldIssue(field: "crew[\(n)].operations", zh: "作业目录中没有操作项目\(op)", en: "the catalogue has no operation \(op)"))
            }
            out.append(.init(workerID: w.id, name: w.name, operations: Array(Set(m.operations)).sorted()))
        }
        return out
    }

    func apply(_ d: JobDraft, to base: ContractorJob, actor: Caller) async throws -> ContractorJob {
        var issues: [FieldIssue] = []
        var j = base
        let creating = base.version == 0
        if let t = d.title ?? (creating ? "" : nil) { j.title = TextField.read(t, field: "title", zh: "作业名称", en: "the title", max: 100, required: true, into: &issues) }
        if let p = d.plan { j.plan = TextField.read(p, field: "plan", zh: "作业方案", en: "the work plan", max: 5000, required: false, into: &issues) }
        if let s = d.supervisor { j.supervisor = TextField.read(s, field: "supervisor", zh: "现场监护人", en: "the supervisor", max: 50, required: false, into: &issues) }
        if let s = d.startOn ?? (creating ? "" : nil) { j.startOn = DayField.read(s, field: "startOn", zh: "开工日期", en: "the start", required: true, into: &issues) ?? "" }
        if let e = d.endOn ?? (creating ? "" : nil) { j.endOn = DayField.read(e, field: "endOn", zh: "完工日期", en: "the end", required: true, into: &issues) ?? "" }
        if !j.startOn.isEmpty, !j.endOn.isEmpty, j.endOn < j.startOn { issues.append(FieldIssue(field: "endOn", zh: "完工日期应不早于开工日期", en: "the end comes after the start")) }
        if let members = d.crew { j.crew = try await crew(members, enterpriseID: j.enterpriseID!, actor: actor, into: &issues) }
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        return j
    }

    public func jobs(_ query: RecordQuery, page: Paging, actor: Caller) async throws -> Paged<ContractorJob> {
        try actor.require(.peopleRead)
        return try await records.page(ContractorJob.self, query, scope: actor.scope, page: page)
    }

    public func job(_ id: UUID, actor: Caller) async throws -> ContractorJob {
        try actor.require(.peopleRead)
        guard let j = try await records.get(ContractorJob.self, id: id, scope: actor.scope) else { throw DomainError.notFound(entity: ContractorJob.entity) }
        return j
    }

    public func createJob(_ d: JobDraft, actor: Caller, origin: String? = nil) async throws -> ContractorJob {
        guard let eid = d.enterpriseID else { throw DomainError.validation([FieldIssue(field: "enterpriseId", zh: "请选择企业", en: "enterpriseId is required")]) }
        let e = try await workforce.enterprise(eid, actor: actor, .peopleManage)
        guard let cid = d.contractorID, let c = try await records.get(Contractor.self, id: cid, scope: actor.scope) else {
            throw DomainError.validation([FieldIssue(field: "contractorId", zh: "请选择名录中的承包单位", en: "choose a contractor of the registry")])
        }
        guard try await admission(enterpriseID: e.id, contractorID: c.id, actor: actor) != nil else {
            throw DomainError.validation([FieldIssue(field: "contractorId", zh: "该承包单位尚未在本企业准入", en: "the contractor is not admitted at this enterprise")])
        }
        let base = ContractorJob(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, contractorID: c.id, contractorName: c.name,
                                 title: "", plan: "", crew: [], supervisor: "", startOn: "", endOn: "")
        var j = try await apply(d, to: base, actor: actor)
        j.version = 1
        try await records.create([j], audit: audit(actor, origin))
        return j
    }

    public func updateJob(_ id: UUID, _ d: JobDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> ContractorJob {
        try actor.require(.peopleManage)
        let current = try await job(id, actor: actor)
        guard current.state == .planned || current.state == .working else { throw DomainError.invalidTransition(from: current.state.rawValue, event: "update") }
        let next = try await apply(d, to: current, actor: actor)
        return try await records.update(ContractorJob.self, id: id, expectedVersion: expectedVersion ?? current.version, scope: actor.scope, action: .update,
                                        audit: audit(actor, origin)) { _ in next }
    }

    /// What the gate knows of the job today.
    public func facts(_ j: ContractorJob, actor: Caller) async throws -> ContractorJobFacts {
        let adm = try await records.all(ContractorAdmission.self, RecordQuery(enterpriseID: j.enterpriseID, ref: j.contractorID), scope: .city, limit: 1).first
        let contractor = try await records.get(Contractor.self, id: j.contractorID, scope: .city)
        let off = try await workforce.offDuty(enterpriseID: j.enterpriseID, countyCode: nil, actor: .system)
        var crew: [ContractorJobFacts.CrewMember] = []
        for m in j.crew {
            let w = try await records.get(Worker.self, id: m.workerID, scope: .city)
            let why = off.filter { $0.workerID == m.workerID }.map(\.zh).joined(separator: "；")
            crew.append(.init(name: m.name, trainedOn: w?.inductionOn, operations: m.operations, certificates: w?.certificates ?? [], offDuty: why.isEmpty ? nil : why))
        }
        return ContractorJobFacts(enterpriseID: j.enterpriseID!,
                                  agreement: adm?.agreement.map { .init(signedOn: $0.signedOn, validFrom: $0.validFrom, validUntil: $0.validUntil) },
                                  plan: j.plan, crew: crew, supervisor: j.supervisor, accidents: contractor?.accidents.map(\.fact) ?? [])
    }

    /// The gate's verdict today: every reason the job may not start.
    public func gate(_ id: UUID, actor: Caller) async throws -> (ContractorJob, [ContractorGate.Reason]) {
        let j = try await job(id, actor: actor)
        return (j, ContractorGate.check(try await facts(j, actor: actor), on: today))
    }

    /// `start` (each working day: the gate is passed again), `finish`, `cancel`. A refused start throws
    /// `Refusal` with every reason.
    public func transition(_ id: UUID, action: String, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> ContractorJob {
        try actor.require(.peopleManage)
        guard let a = ContractorJobWorkflow.Action(rawValue: action) else {
            throw DomainError.validation([FieldIssue(field: "action", zh: "操作应为 start（开工）、finish（完工）或 cancel（取消）", en: "action is start, finish or cancel")])
        }
        let (current, reasons) = try await gate(id, actor: actor)
        let day = today
        return try await records.update(ContractorJob.self, id: id, expectedVersion: expectedVersion ?? current.version, scope: actor.scope,
                                        action: .transition, audit: audit(actor, origin)) { j in
            try ContractorJobWorkflow.perform(j, a, gate: reasons, today: day)
        }
    }
}

extension Optional {
    func asyncFlatMap<U>(_ f: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
