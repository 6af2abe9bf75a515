import Foundation

extension DemoData {
    /// Everyday findings for general hazards (no criterion of the standard applies).
    static let generalFindings: [(title: String, location: String, tags: [FocusTag])] = [
        ("消防通道堆放杂物", "成品库", []), ("配电箱门未关闭、无警示标志", "动力车间", [.maintenance]),
        ("安全警示标志缺失", "原料库", []), ("作业人员未正确佩戴劳动防护用品", "生产车间", []),
        ("有限空间未设置警示告知牌", "污水池", [.confinedSpace]), ("平台护栏缺失一段", "二层操作平台", [.maintenance]),
        ("砂轮机防护罩缺失", "机修间", [.maintenance]), ("应急照明损坏", "主厂房", []),
        ("除尘管道积尘未定期清理", "打磨车间", [.dust]), ("煤气区域未悬挂检测仪", "煤气加压站", [.gas]),
        ("喷涂间通风不良", "喷涂车间", [.spraying]), ("筒仓清仓作业无专人监护记录", "原料筒仓", [.siloCleaning]),
        ("液氨管道标识不清", "制冷机房", [.ammoniaChlorine]), ("检维修作业票填写不全", "检修现场", [.maintenance]),
    ]

    /// The focus tags a criterion group suggests.
    static func tags(for group: CriterionGroup) -> [FocusTag] {
        switch group {
        case .metallurgy: [.metalSmelting, .moltenMetal]
        case .nonferrous: [.moltenMetal]
        case .combustibleDust: [.dust]
        case .ammoniaRefrigeration: [.ammoniaChlorine]
        case .confinedSpace: [.confinedSpace]
        default: []
        }
    }

    /// Hazards across 2023 to `now` for the given enterprises, in every state: each one is walked through
    /// the real workflow by plausible people at plausible times, stopping where its next step would lie in
    /// the future, so overdue, supervised, extended and legacy hazards arise as they would in practice.
    /// Expert checks, and a few other findings, are judged by one of `experts`, assigned by the county.
    public static func hazards(for enterprises: [Enterprise], total: Int, now: Date, experts: [User] = [], seed: UInt64 = 2024) -> [(Hazard, [HazardEvent])] {
        guard !enterprises.isEmpty, total > 0 else { return [] }
        var rng = SeededRandom(seed: seed)
        let catalogue = CriteriaCatalogue.shipped
        let start = ChinaTime.parseDay("2023-01-01")!
        let span = now.timeIntervalSince(start) - 3600
        let day: TimeInterval = 86_400
        func days(_ mean: Double) -> TimeInterval {
            // Exponential delays: most steps follow quickly, a few take long.
            let u = Double.random(in: 0.0001..<1, using: &rng)
            return -log(u) * mean * day
        }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        var out: [(Hazard, [HazardEvent])] = []
        out.reserveCapacity(total)
        for i in 0..<total {
            let e = enterprises[i % enterprises.count]
            let p = e.profile
            let ent = Caller(kind: .user, id: nil, username: "ent-\(p.creditCode.lowercased())", role: .enterpriseUser, scope: .enterprise(e.id))
            let inspector = Caller(kind: .user, id: nil, username: "inspector-\(p.countyCode)", role: .inspector, scope: .county(p.countyCode))
            let county = Caller(kind: .user, id: nil, username: "county-\(p.countyCode)", role: .countyOfficer, scope: .county(p.countyCode))
            let city = Caller(kind: .user, id: nil, username: "city", role: .cityOfficer, scope: .city)
            // Older findings are rarer than recent ones, as the campaign gathers pace.
            let foundAt = start.addingTimeInterval(span * pow(Double.random(in: 0..<1, using: &rng), 0.8))
            let applicable = Checklist.applicable(to: p, catalogue: catalogue).criteria.filter { $0.article != 14 }
            let major = chance(0.22) && !applicable.isEmpty
            let byEnterprise = chance(0.45)
            var title: String, location: String, tags: Set<FocusTag>, criteria: [String]
            if major {
                let c = applicable[Int.random(in: 0..<applicable.count, using: &rng)]
                let summary = c.summaryZh.trimmingCharacters(in: CharacterSet(charactersIn: "。"))
                title = summary.count > 40 ? String(summary.prefix(39)) + "…" : summary
                location = switch c.group {
                case .metallurgy: ["炼钢车间", "炼铁高炉区", "煤气柜区"][Int.random(in: 0..<3, using: &rng)]
                case .nonferrous: ["熔铸车间", "深井铸造区"][Int.random(in: 0..<2, using: &rng)]
                case .combustibleDust: ["除尘系统", "打磨车间", "粉料仓"][Int.random(in: 0..<3, using: &rng)]
                case .ammoniaRefrigeration: "制冷机房"
                case .confinedSpace: ["污水池", "地下管廊", "储罐"][Int.random(in: 0..<3, using: &rng)]
                default: ["生产车间", "仓库", "检修现场"][Int.random(in: 0..<3, using: &rng)]
                }
                tags = Set(DemoData.tags(for: c.group))
                criteria = [c.id] + (c.monitoringRelated && chance(0.3) ? ["MHC-14-00"] : [])
            } else {
                let f = generalFindings[Int.random(in: 0..<generalFindings.count, using: &rng)]
                (title, location, tags, criteria) = (f.title, f.location, Set(f.tags), [])
            }
            // The source fits the finding: monitoring finds only what a monitored criterion covers.
            let monitored = major && criteria.contains { c in catalogue.criteria.first { $0.id == c }?.monitoringRelated == true }
            let source: HazardSource = byEnterprise ? (chance(0.8) ? .selfInspection : .internalReport)
                : monitored && chance(0.4) ? .monitoringAlarm
                : [.inspection, .inspection, .expertCheck, .publicReport][Int.random(in: 0..<4, using: &rng)]
            let reporter = byEnterprise ? ent : inspector
            var h = Hazard(id: UUID(uuid: uuidBytes(&rng)), enterpriseID: e.id, countyCode: p.countyCode, enterpriseName: p.name,
                           industry: p.industry, title: title, description: "", location: location, source: source,
                           foundBy: byEnterprise ? p.safetyManager.name.isEmpty ? p.principal.name : p.safetyManager.name : "\(County.named(p.countyCode)?.zh ?? "")检查组",
                           foundAt: foundAt, focusTags: tags, level: major ? .major : .general, criteria: criteria, standard: catalogue.current.id,
                           reportedBy: reporter.username, reportedByEnterprise: byEnterprise, createdAt: foundAt, updatedAt: foundAt)
            var events = [HazardEvent(id: UUID(uuid: uuidBytes(&rng)), hazardID: h.id, action: "report", fromState: nil, toState: .reported,
                                      actor: reporter.username, actorRole: reporter.role, at: foundAt, comment: "")]
            var t = foundAt
            // Legacy hazards that stall show what the end-2024 deadline is about.
            // A judgement is not left waiting for long, bar a deliberate few.
            let stallAt = chance(major && foundAt < ChinaTime.parseDay("2024-01-01")! ? 0.15 : 0.03) ? (chance(0.05) ? 1 : Int.random(in: 2...5, using: &rng)) : 99
            func take(_ action: HazardAction, by actor: Caller, after delay: TimeInterval, _ input: HazardStepInput = HazardStepInput()) -> Bool {
                let at = t + delay
                guard at < now else { return false }
                guard let (next, event) = try? HazardWorkflow.perform(action, on: h, by: actor, input: input, catalogue: catalogue, now: at) else { return false }
                var ev = event
                ev.id = UUID(uuid: uuidBytes(&rng))
                h = next
                events.append(ev)
                t = at
                return true
            }
            walk: do {
                var judge = byEnterprise && source.isEnterpriseOwn ? ent : inspector
                if !experts.isEmpty, !byEnterprise, source == .expertCheck || chance(0.1) {
                    let x = experts[Int.random(in: 0..<experts.count, using: &rng)]
                    var assign = HazardStepInput(comment: "请专家判定")
                    assign.expert = x
                    guard take(.assignExpert, by: county, after: days(0.5), assign) else { break walk }
                    judge = Caller(kind: .user, id: x.id, username: x.username, role: .expert, scope: .assigned(x.id))
                }
                if chance(0.05) {
                    _ = take(.reject, by: judge, after: days(2), HazardStepInput(reason: "经核实不构成隐患"))
                    break walk
                }
                guard stallAt > 1, take(.judge, by: judge, after: days(1.5), HazardStepInput(level: h.level, criteria: h.criteria)) else { break walk }
                if major, chance(0.3) { _ = take(.supervise, by: county, after: days(1), HazardStepInput(comment: "县级挂牌督办，限期整改")) }
                if major, h.supervision != nil, chance(0.25) { _ = take(.supervise, by: city, after: days(3), HazardStepInput(comment: "市级挂牌督办")) }
                guard stallAt > 2, take(.acknowledge, by: ent, after: days(1), HazardStepInput(principal: p.principal.name,
                        controller: p.actualController.name.isEmpty ? p.principal.name : p.actualController.name)) else { break walk }
                let planDelay = days(3)
                let plan = RectificationPlan(responsible: p.safetyManager.name.isEmpty ? p.principal.name : p.safetyManager.name,
                                             measures: major ? "按判定标准整改，整改完成前落实临时管控措施" : "立即整改",
                                             funds: major ? Decimal(Int.random(in: 2...200, using: &rng) * 5_000) : Decimal(Int.random(in: 0...20, using: &rng) * 100),
                                             deadline: t + planDelay + (major ? Double(Int.random(in: 20...120, using: &rng)) : Double(Int.random(in: 3...30, using: &rng))) * day,
                                             contingencyPlan: major ? "专项应急预案已修订" : "", interimSafeguards: major ? "设置警戒区，专人监护" : "")
                guard stallAt > 3, take(.plan, by: ent, after: planDelay, HazardStepInput(plan: plan)) else { break walk }
                let deadline = h.deadline ?? t
                // Some ask for more time, and the county mostly grants it.
                if chance(0.12) {
                    let asked = take(.requestExtension, by: ent, after: max(day, deadline.timeIntervalSince(t) * 0.7),
                                     HazardStepInput(reason: "设备采购周期长", newDeadline: deadline + Double(Int.random(in: 15...60, using: &rng)) * day))
                    let decider = h.supervision?.level == .city ? city : county
                    let approve = chance(0.8)
                    if asked { _ = take(.decideExtension, by: decider, after: days(2), HazardStepInput(comment: approve ? "同意延期" : "理由不充分", approve: approve)) }
                    if h.pendingExtension != nil { break walk }
                }
                // Most finish before the deadline; some run late, and those still open past it are overdue.
                let late = chance(0.12)
                let submitAfter = max(day, (h.deadline ?? t).timeIntervalSince(t) * (late ? Double.random(in: 1.05...1.6, using: &rng) : Double.random(in: 0.3...0.95, using: &rng)))
                guard stallAt > 4, take(.submit, by: ent, after: submitAfter, HazardStepInput(evidence: "已按方案整改完成")) else { break walk }
                let acceptor = switch HazardWorkflow.acceptingParty(of: h) {
                case .city: city
                case .county: county
                default: ent
                }
                if chance(0.1) {
                    _ = take(.return, by: acceptor, after: days(2), HazardStepInput(reason: "整改不彻底，需补充措施"))
                    guard take(.submit, by: ent, after: days(5), HazardStepInput(evidence: "已补充整改")) else { break walk }
                }
                guard stallAt > 5 else { break walk }
                _ = take(.accept, by: acceptor, after: days(3), HazardStepInput(comment: "现场核实，同意销号"))
            }
            // Hazards already overdue are announced by the first overdue sweep of `serve`, into the
            // enterprise's and the county's inboxes.
            h.createdAt = foundAt
            out.append((h, events))
        }
        return out
    }

    static func uuidBytes(_ rng: inout SeededRandom) -> uuid_t {
        let a = rng.next(), b = rng.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
    }
}

extension DemoData {
    /// Principal-led checks in most periods since 2024, with gaps, and a few led by someone else.
    public static func selfInspections(for enterprises: [Enterprise], now: Date, seed: UInt64 = 2025) -> [SelfInspection] {
        var rng = SeededRandom(seed: seed)
        let catalogue = CriteriaCatalogue.shipped
        var out: [SelfInspection] = []
        for e in enterprises {
            let p = e.profile
            let items = Checklist.applicable(to: p, catalogue: catalogue).criteria.map(\.id)
            // Some enterprises are diligent, some are not.
            let diligence = [1.0, 1.0, 0.97, 0.7][Int.random(in: 0..<4, using: &rng)]
            for period in SelfInspectionSchedule.periods(cadence: SelfInspectionSchedule.cadence(for: p), now: now) {
                let end = min(period.end, now)
                guard end > period.start, Double.random(in: 0..<1, using: &rng) < diligence else { continue }
                let at = period.start.addingTimeInterval(Double.random(in: 0..<1, using: &rng) * end.timeIntervalSince(period.start))
                let principal = Double.random(in: 0..<1, using: &rng) < 0.97
                out.append(SelfInspection(id: UUID(uuid: uuidBytes(&rng)), enterpriseID: e.id, countyCode: p.countyCode,
                                          ledBy: principal ? p.principal.name : (p.safetyManager.name.isEmpty ? "安全管理员" : p.safetyManager.name),
                                          principalLed: principal, conductedAt: at, checkedItems: items, notes: "",
                                          recordedBy: "ent-\(p.creditCode.lowercased())", createdAt: at))
            }
        }
        return out
    }

    /// A few staff reports per county: most confirmed and rewarded, some dismissed, some still open.
    public static func internalReports(for enterprises: [Enterprise], now: Date, seed: UInt64 = 2026) -> [InternalReport] {
        var rng = SeededRandom(seed: seed)
        let texts = ["除尘器泄爆片被铁板封堵", "夜班有人未办作业票进入有限空间", "液氨管道阀门有泄漏气味", "煤气区域报警器长期不亮",
                     "熔炼炉冷却水流量报警被屏蔽", "叉车司机无证驾驶", "喷涂间排风机坏了一周"]
        var out: [InternalReport] = []
        for e in enterprises where Double.random(in: 0..<1, using: &rng) < 0.3 {
            let at = now.addingTimeInterval(-Double.random(in: 1...600, using: &rng) * 86_400)
            let roll = Double.random(in: 0..<1, using: &rng)
            let status: InternalReport.Status = roll < 0.6 ? .confirmed : roll < 0.8 ? .dismissed : .received
            let anonymous = Double.random(in: 0..<1, using: &rng) < 0.5
            out.append(InternalReport(id: UUID(uuid: uuidBytes(&rng)), enterpriseID: e.id, countyCode: e.profile.countyCode,
                                      text: texts[Int.random(in: 0..<texts.count, using: &rng)],
                                      reporter: anonymous ? nil : person(&rng).name, receivedAt: at, status: status,
                                      reward: status == .confirmed ? Decimal(Int.random(in: 1...10, using: &rng) * 200) : nil,
                                      decidedBy: status == .received ? nil : "ent-\(e.profile.creditCode.lowercased())",
                                      decidedAt: status == .received ? nil : min(now, at + 3 * 86_400),
                                      recordedBy: "ent-\(e.profile.creditCode.lowercased())"))
        }
        return out
    }
}
