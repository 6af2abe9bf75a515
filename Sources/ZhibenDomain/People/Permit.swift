import Foundation

/// A high-risk work permit (作业票): confined-space entry (Order No. 13 Art. 7–13) and the other special
/// work of GB 30871 that metallurgy and industry-trade plants do.
public enum PermitKind: String, Sendable, Codable, CaseIterable, Labeled {
    case confinedSpace, hotWork, lifting, workAtHeight, temporaryPower, blindPlate, earthwork, roadBreak, gasArea, isolatedMaintenance, siloCleaning

    public var zh: String {
        switch self {
        case .confinedSpace: "有限空间作业"
        case .hotWork: "动火作业"
        case .lifting: "吊装作业"
        case .workAtHeight: "高处作业"
        case .temporaryPower: "临时用电作业"
        case .blindPlate: "盲板抽堵作业"
        case .earthwork: "动土作业"
        case .roadBreak: "断路作业"
        case .gasArea: "煤气区域作业"
        case .isolatedMaintenance: "设备检维修作业（能量隔离）"
        case .siloCleaning: "清仓作业"
        }
    }

    public var en: String {
        switch self {
        case .confinedSpace: "Confined-space entry"
        case .hotWork: "Hot work"
        case .lifting: "Lifting"
        case .workAtHeight: "Work at height"
        case .temporaryPower: "Temporary power"
        case .blindPlate: "Blind-plate insertion or removal"
        case .earthwork: "Earthwork"
        case .roadBreak: "Road break"
        case .gasArea: "Work in a gas area"
        case .isolatedMaintenance: "Maintenance with isolation"
        case .siloCleaning: "Silo cleaning"
        }
    }

    /// The special operations (catalogue codes) whose certificate a crew member doing this work needs:
    /// our reading of the catalogue, not a list any rule prints.
    public var operations: [String] {
        switch self {
        case .hotWork: ["2.1"]
        case .temporaryPower: ["1.2"]
        case .workAtHeight: ["3.2"]
        case .gasArea: ["8.1"]
        default: []
        }
    }

    /// Work that needs a gas test before anyone enters or starts.
    public var needsGasTest: Bool { [.confinedSpace, .hotWork, .gasArea, .siloCleaning].contains(self) }
    /// Work that needs its isolation and lockout points confirmed before approval.
    public var needsIsolation: Bool { [.confinedSpace, .blindPlate, .isolatedMaintenance, .siloCleaning].contains(self) }
    /// Work done inside a space: entries and exits are recorded, and who is inside is shown.
    public var tracksEntries: Bool { [.confinedSpace, .siloCleaning].contains(self) }
}

/// The gases a confined space is known to hold a risk of (its ledger entry).
public enum SpaceGas: String, Sendable, Codable, CaseIterable {
    case h2s, co, co2
}

/// Hot work's grade (GB 30871): special-grade hot work is approved by the principal or a person the
/// principal delegated in writing, as poisoning-risk confined spaces are.
public enum HotWorkLevel: String, Sendable, Codable, CaseIterable, Labeled {
    case special, first, second
    public var zh: String { switch self { case .special: "特级"; case .first: "一级"; case .second: "二级" } }
    public var en: String { switch self { case .special: "Special grade"; case .first: "Grade 1"; case .second: "Grade 2" } }
}

/// The acceptable gas test ranges and the times around them. The 工贸 order sets no numbers, so these
/// are configuration with a source and a note; a limit left nil is not checked.
public struct GasLimits: Sendable, Equatable {
    public var oxygenMin: Double?
    public var oxygenMax: Double?
    public var coMaxPPM: Double?
    public var h2sMaxPPM: Double?
    public var lelMaxPercent: Double?
    /// The most minutes between the last test and the first entry.
    public var maxMinutesBeforeEntry: Int?
    /// After everyone has been out for longer than this, a new test is needed before re-entry.
    public var retestAfterInterruptionMinutes: Int?
    public var source: String
    public var note: String

    public init(oxygenMin: Double? = nil, oxygenMax: Double? = nil, coMaxPPM: Double? = nil, h2sMaxPPM: Double? = nil, lelMaxPercent: Double? = nil,
                maxMinutesBeforeEntry: Int? = nil, retestAfterInterruptionMinutes: Int? = nil, source: String, note: String) {
        self.oxygenMin = oxygenMin
        self.oxygenMax = oxygenMax
        self.coMaxPPM = coMaxPPM
        self.h2sMaxPPM = h2sMaxPPM
        self.lelMaxPercent = lelMaxPercent
        self.maxMinutesBeforeEntry = maxMinutesBeforeEntry
        self.retestAfterInterruptionMinutes = retestAfterInterruptionMinutes
        self.source = source
        self.note = note
    }

    /// What the printed forms of GB 30871-2022 carry; toxic-gas and LEL limits are left to the enterprise.
    public static let gb30871Forms = GasLimits(
        oxygenMin: 19.5, oxygenMax: 21, maxMinutesBeforeEntry: 30, retestAfterInterruptionMinutes: 60,
        source: "GB 30871-2022《危险化学品企业特殊作业安全规范》作业证样式",
        note: "工贸企业有限空间作业安全规定（应急管理部令第13号）未规定数值；以上取自GB 30871-2022，尚未与GB 46768-2025核对。一氧化碳、硫化氢、可燃气体限值须由企业按其介质设定。")

    /// Limits from configuration: a JSON object with any of `oxygenMin`, `oxygenMax`, `coMaxPPM`,
    /// `h2sMaxPPM`, `lelMaxPercent`, `maxMinutesBeforeEntry`, `retestAfterInterruptionMinutes`, and the
    /// `source` they come from (required) with a `note`. Nil when it is not that, or a value is out of reason.
    public static func parse(_ json: String) -> GasLimits? {
        struct Raw: Decodable {
            var oxygenMin, oxygenMax, coMaxPPM, h2sMaxPPM, lelMaxPercent: Double?
            var maxMinutesBeforeEntry, retestAfterInterruptionMinutes: Int?
            var source: String
            var note: String?
        }
        guard let r = try? JSONDecoder().decode(Raw.self, from: Data(json.utf8)), !r.source.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        for v in [r.oxygenMin, r.oxygenMax, r.lelMaxPercent].compactMap({ $0 }) where !(0...100).contains(v) { return nil }
        for v in [r.coMaxPPM, r.h2sMaxPPM].compactMap({ $0 }) where !(0...10_000).contains(v) { return nil }
        for v in [r.maxMinutesBeforeEntry, r.retestAfterInterruptionMinutes].compactMap({ $0 }) where !(1...1440).contains(v) { return nil }
        if let a = r.oxygenMin, let b = r.oxygenMax, a > b { return nil }
        return GasLimits(oxygenMin: r.oxygenMin, oxygenMax: r.oxygenMax, coMaxPPM: r.coMaxPPM, h2sMaxPPM: r.h2sMaxPPM, lelMaxPercent: r.lelMaxPercent,
                         maxMinutesBeforeEntry: r.maxMinutesBeforeEntry, retestAfterInterruptionMinutes: r.retestAfterInterruptionMinutes,
                         source: r.source, note: r.note ?? "")
    }

    /// A reading's name as people say it.
    public static func label(_ field: String) -> String {
        switch field {
        case "oxygen": "氧含量"
        case "co": "一氧化碳"
        case "h2s": "硫化氢"
        case "lel": "可燃气体"
        default: field
        }
    }

    /// The readings outside the ranges, by field name.
    public func outOfRange(_ t: GasTest) -> [String] {
        var out: [String] = []
        if let o = t.oxygenPercent {
            if let min = oxygenMin, o < min { out.append("oxygen") } else if let max = oxygenMax, o > max { out.append("oxygen") }
        } else if oxygenMin != nil || oxygenMax != nil { out.append("oxygen") }
        if let max = coMaxPPM, (t.coPPM ?? .infinity) > max { out.append("co") }
        if let max = h2sMaxPPM, (t.h2sPPM ?? .infinity) > max { out.append("h2s") }
        if let max = lelMaxPercent, (t.lelPercent ?? .infinity) > max { out.append("lel") }
        return out
    }
}

public struct GasTest: Sendable, Equatable, Codable {
    public var at: Date
    public var place: String
    public var oxygenPercent: Double?
    public var coPPM: Double?
    public var h2sPPM: Double?
    public var lelPercent: Double?
    public var tester: String

    public init(at: Date, place: String, oxygenPercent: Double?, coPPM: Double?, h2sPPM: Double?, lelPercent: Double?, tester: String) {
        self.at = at
        self.place = place
        self.oxygenPercent = oxygenPercent
        self.coPPM = coPPM
        self.h2sPPM = h2sPPM
        self.lelPercent = lelPercent
        self.tester = tester
    }
}

public struct Permit: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable, Labeled {
        case draft, approved, active, suspended, closed, lapsed
        public var zh: String { switch self { case .draft: "待审批"; case .approved: "已批准"; case .active: "作业中"; case .suspended: "已暂停"; case .closed: "已关闭"; case .lapsed: "已失效" } }
        public var en: String { switch self { case .draft: "Awaiting approval"; case .approved: "Approved"; case .active: "In progress"; case .suspended: "Suspended"; case .closed: "Closed"; case .lapsed: "Lapsed" } }
        public var isOpen: Bool { [.approved, .active, .suspended].contains(self) }
    }

    /// Who approved: for spaces with a risk of H2S, CO or CO2 the principal or a person the principal
    /// delegated in writing (Order No. 13 Art. 7).
    public enum Authority: String, Sendable, Codable, CaseIterable, Labeled {
        case principal, delegate, manager
        public var zh: String { switch self { case .principal: "主要负责人"; case .delegate: "主要负责人书面委托的人员"; case .manager: "安全管理人员" } }
        public var en: String { switch self { case .principal: "The principal"; case .delegate: "A person the principal delegated in writing"; case .manager: "A safety manager" } }
    }

    public struct CrewMember: Sendable, Equatable {
        public var name: String
        public var certificates: [OperatorCertificate]
        /// Why the member may not work now (the off-duty ledger); nil: on duty.
        public var offDuty: String?
        public init(name: String, certificates: [OperatorCertificate], offDuty: String? = nil) {
            self.name = name
            self.certificates = certificates
            self.offDuty = offDuty
        }
    }

    public struct Entry: Sendable, Equatable, Codable {
        public var name: String
        public var inAt: Date
        public var outAt: Date?
        public init(name: String, inAt: Date, outAt: Date? = nil) {
            self.name = name
            self.inAt = inAt
            self.outAt = outAt
        }
    }

    public var kind: PermitKind
    public var place: String
    public var spaceGases: Set<SpaceGas>
    public var crew: [CrewMember]
    public var measures: String
    public var isolationPoints: [String]
    public var isolationConfirmed: Bool
    public var supervisor: String?
    public var entryFrom: Date
    public var entryUntil: Date
    public var state: State = .draft
    public var approvedBy: String?
    public var authority: Authority?
    public var tests: [GasTest] = []
    public var entries: [Entry] = []
    public var suspendedReason: String?
    /// Hot work's grade.
    public var hotWorkLevel: HotWorkLevel?
    /// The space's gas monitoring points now in alarm (by name): no approval, entry or resumption.
    public var activeAlarms: [String] = []

    public init(kind: PermitKind, place: String, spaceGases: Set<SpaceGas> = [], crew: [CrewMember], measures: String, isolationPoints: [String] = [],
                isolationConfirmed: Bool = false, supervisor: String?, entryFrom: Date, entryUntil: Date) {
        self.kind = kind
        self.place = place
        self.spaceGases = spaceGases
        self.crew = crew
        self.measures = measures
        self.isolationPoints = isolationPoints
        self.isolationConfirmed = isolationConfirmed
        self.supervisor = supervisor
        self.entryFrom = entryFrom
        self.entryUntil = entryUntil
    }

    /// Who is inside now.
    public var inside: [String] { entries.filter { $0.outAt == nil }.map(\.name) }
}

public enum PermitAction: Sendable, Equatable {
    case approve(by: String, authority: Permit.Authority)
    case test(GasTest)
    case enter(String)
    case exit(String)
    case suspend(reason: String)
    case resume
    case close
}

/// The permit's one workflow: approval only with everything in place, entries only with a good, recent
/// test inside the window, a failed test stopping the work, and lapse when the window has passed.
public enum PermitWorkflow {
    public enum Refusal: Sendable, Equatable {
        case wrongState(Permit.State)
        case crewMissing
        case gasTestMissing
        case gasTestFailed(fields: [String])
        case gasTestStale(minutes: Int)
        case certificate(worker: String, CertificateRules.Refusal)
        case isolationMissing
        case supervisorMissing
        case approverLevel
        case outsideWindow
        case notOnCrew(String)
        case notInside(String)
        case alreadyInside(String)
        case someoneInside([String])
        case offDuty(worker: String, why: String)
        case alarmActive([String])

        public var code: String {
            switch self {
            case .wrongState: "wrongState"
            case .crewMissing: "crewMissing"
            case .gasTestMissing: "gasTestMissing"
            case .gasTestFailed: "gasTestFailed"
            case .gasTestStale: "gasTestStale"
            case .certificate(_, let r): r.code
            case .isolationMissing: "isolationMissing"
            case .supervisorMissing: "supervisorMissing"
            case .approverLevel: "approverLevel"
            case .outsideWindow: "outsideWindow"
            case .notOnCrew: "notOnCrew"
            case .notInside: "notInside"
            case .alreadyInside: "alreadyInside"
            case .someoneInside: "someoneInside"
            case .offDuty: "offDuty"
            case .alarmActive: "alarmActive"
            }
        }

        public var zh: String {
            switch self {
            case .wrongState(let s): "作业票\(s.zh)，不能进行此操作"
            case .crewMissing: "未填写作业人员"
            case .gasTestMissing: "尚无气体检测记录"
            case .gasTestFailed(let f): "最近一次气体检测不合格（\(f.map(GasLimits.label).joined(separator: "、"))）"
            case .gasTestStale(let m): "最近一次气体检测已超过\(m)分钟，须重新检测"
            case .certificate(let w, let r): "\(w)：\(r.zh)"
            case .isolationMissing: "能量隔离、上锁挂牌未确认"
            case .supervisorMissing: "未指定监护人"
            case .approverLevel: "存在硫化氢、一氧化碳、二氧化碳风险的有限空间作业和特级动火作业，须由主要负责人或其书面委托的人员审批"
            case .outsideWindow: "不在作业票的有效时段内"
            case .notOnCrew(let n): "\(n)不在本作业票的作业人员中"
            case .notInside(let n): "\(n)不在有限空间内"
            case .alreadyInside(let n): "\(n)已在有限空间内"
            case .someoneInside(let n): "尚有人员在内：\(n.joined(separator: "、"))"
            case .offDuty(let w, let why): "\(w)停岗中（\(why)）"
            case .alarmActive(let points): "监测点报警未解除：\(points.joined(separator: "、"))"
            }
        }
        public var en: String {
            switch self {
            case .wrongState(let s): "the permit is \(s.en.lowercased()); this is not possible now"
            case .crewMissing: "no crew named"
            case .gasTestMissing: "no gas test recorded"
            case .gasTestFailed(let f): "the last gas test failed (\(f.joined(separator: ", ")))"
            case .gasTestStale(let m): "the last gas test is more than \(m) minutes old: test again"
            case .certificate(let w, let r): "\(w): \(r.en)"
            case .isolationMissing: "isolation and lockout not confirmed"
            case .supervisorMissing: "no supervisor named"
            case .approverLevel: "poisoning-risk confined spaces and special-grade hot work are approved by the principal or a person delegated in writing"
            case .outsideWindow: "outside the permit's window"
            case .notOnCrew(let n): "\(n) is not on the permit's crew"
            case .notInside(let n): "\(n) is not inside"
            case .alreadyInside(let n): "\(n) is inside already"
            case .someoneInside(let n): "still inside: \(n.joined(separator: ", "))"
            case .offDuty(let w, let why): "\(w) is off duty (\(why))"
            case .alarmActive(let points): "monitoring points still in alarm: \(points.joined(separator: ", "))"
            }
        }
    }

    static func day(_ d: Date) -> String { ChinaTime.day(d) }

    /// Why the permit may not be approved now (empty: it may).
    public static func approvalRefusals(_ p: Permit, authority: Permit.Authority, limits: GasLimits, now: Date) -> [Refusal] {
        var out: [Refusal] = []
        if p.state != .draft { return [.wrongState(p.state)] }
        if p.crew.isEmpty { out.append(.crewMissing) }
        if p.kind.needsGasTest {
            if let last = p.tests.last {
                let bad = limits.outOfRange(last)
                if !bad.isEmpty { out.append(.gasTestFailed(fields: bad)) }
            } else {
                out.append(.gasTestMissing)
            }
        }
        for m in p.crew {
            for op in p.kind.operations {
                if let r = CertificateRules.refusal(for: op, certificates: m.certificates, on: day(now)) { out.append(.certificate(worker: m.name, r)) }
            }
        }
        if p.kind.needsIsolation, !p.isolationConfirmed { out.append(.isolationMissing) }
        if (p.supervisor ?? "").trimmingCharacters(in: .whitespaces).isEmpty { out.append(.supervisorMissing) }
        for m in p.crew { if let why = m.offDuty { out.append(.offDuty(worker: m.name, why: why)) } }
        if ![.principal, .delegate].contains(authority),
           (p.kind.tracksEntries && !p.spaceGases.isEmpty) || (p.kind == .hotWork && p.hotWorkLevel == .special) { out.append(.approverLevel) }
        if !p.activeAlarms.isEmpty { out.append(.alarmActive(p.activeAlarms)) }
        if now > p.entryUntil { out.append(.outsideWindow) }
        return out
    }

    /// The permit after the action, or every reason it is refused.
    public static func perform(_ p: Permit, _ action: PermitAction, limits: GasLimits, now: Date) -> Result<Permit, RefusalList> {
        if lapse(p, now: now) != nil {
            // The window has passed: only people leaving, and closing once they are out, remain possible.
            switch action {
            case .exit, .close: break
            default: return .failure(RefusalList([.wrongState(.lapsed)]))
            }
        }
        var next = p
        switch action {
        case .approve(let by, let authority):
            let refusals = approvalRefusals(p, authority: authority, limits: limits, now: now)
            guard refusals.isEmpty else { return .failure(RefusalList(refusals)) }
            next.state = .approved
            next.approvedBy = by
            next.authority = authority
        case .test(let t):
            guard p.state == .draft || p.state.isOpen else { return .failure(RefusalList([.wrongState(p.state)])) }
            next.tests.append(t)
            // A failed test stops the work at once.
            let bad = limits.outOfRange(t)
            if !bad.isEmpty, p.state == .active || p.state == .approved {
                next.state = .suspended
                next.suspendedReason = "气体检测不合格（\(bad.map(GasLimits.label).joined(separator: "、"))）"
            }
        case .enter(let name):
            guard [.approved, .active].contains(p.state) else { return .failure(RefusalList([.wrongState(p.state)])) }
            var refusals: [Refusal] = []
            if now < p.entryFrom || now > p.entryUntil { refusals.append(.outsideWindow) }
            if !p.crew.contains(where: { $0.name == name }) { refusals.append(.notOnCrew(name)) }
            if p.kind.needsGasTest { refusals += entryTestRefusals(p, limits: limits, now: now) }
            if p.inside.contains(name) { refusals.append(.alreadyInside(name)) }
            if let why = p.crew.first(where: { $0.name == name })?.offDuty { refusals.append(.offDuty(worker: name, why: why)) }
            if !p.activeAlarms.isEmpty { refusals.append(.alarmActive(p.activeAlarms)) }
            guard refusals.isEmpty else { return .failure(RefusalList(refusals)) }
            next.entries.append(Permit.Entry(name: name, inAt: now, outAt: nil))
            next.state = .active
        case .exit(let name):
            guard let i = p.entries.lastIndex(where: { $0.name == name && $0.outAt == nil }) else { return .failure(RefusalList([.notInside(name)])) }
            next.entries[i].outAt = now
        case .suspend(let reason):
            guard [.approved, .active].contains(p.state) else { return .failure(RefusalList([.wrongState(p.state)])) }
            next.state = .suspended
            next.suspendedReason = reason
        case .resume:
            guard p.state == .suspended else { return .failure(RefusalList([.wrongState(p.state)])) }
            if !p.activeAlarms.isEmpty { return .failure(RefusalList([.alarmActive(p.activeAlarms)])) }
            // Work resumes only after a good test taken since the suspension.
            if p.kind.needsGasTest {
                guard let last = p.tests.last else { return .failure(RefusalList([.gasTestMissing])) }
                let bad = limits.outOfRange(last)
                if !bad.isEmpty { return .failure(RefusalList([.gasTestFailed(fields: bad)])) }
            }
            next.state = .approved
            next.suspendedReason = nil
        case .close:
            guard p.state.isOpen || p.state == .lapsed else { return .failure(RefusalList([.wrongState(p.state)])) }
            guard p.inside.isEmpty else { return .failure(RefusalList([.someoneInside(p.inside)])) }
            next.state = .closed
        }
        if next.state.isOpen, now > next.entryUntil { next.state = .lapsed }
        return .success(next)
    }

    /// The permit as lapsed, when its window has passed while it was still open.
    public static func lapse(_ p: Permit, now: Date) -> Permit? {
        guard p.state.isOpen, now > p.entryUntil else { return nil }
        var next = p
        next.state = .lapsed
        return next
    }

    /// An entry needs the last test good and recent: within `maxMinutesBeforeEntry` of the first entry,
    /// and taken after the last exit when everyone has been out longer than the re-test interval.
    static func entryTestRefusals(_ p: Permit, limits: GasLimits, now: Date) -> [Refusal] {
        guard let last = p.tests.last else { return [.gasTestMissing] }
        let bad = limits.outOfRange(last)
        if !bad.isEmpty { return [.gasTestFailed(fields: bad)] }
        if p.inside.isEmpty {
            if let lastOut = p.entries.compactMap(\.outAt).max() {
                if let gap = limits.retestAfterInterruptionMinutes, now.timeIntervalSince(lastOut) > Double(gap) * 60, last.at < lastOut {
                    return [.gasTestStale(minutes: gap)]
                }
            } else if let max = limits.maxMinutesBeforeEntry, now.timeIntervalSince(last.at) > Double(max) * 60 {
                return [.gasTestStale(minutes: max)]
            }
        }
        return []
    }

    /// Refusals as an `Error`, for `Result`.
    public struct RefusalList: Error, Sendable, Equatable {
        public let refusals: [Refusal]
        public init(_ r: [Refusal]) { refusals = r }
        public var codes: [String] { refusals.map(\.code) }
    }
}
