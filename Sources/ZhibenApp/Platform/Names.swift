import Foundation
import Vapor
import ZhibenDomain

/// People's names for the account names records keep of who acted: the account's display name (an
/// enterprise user's is the enterprise's name, an officer's the bureau's); 系统 for the system; the
/// account name itself only when no such account exists.
struct ActorNames: Sendable {
    var names: [String: String]
    var lang: Language

    func callAsFunction(_ username: String) -> String {
        if let n = names[username] { return n }
        switch username {
        case "system", "": return lang.t("系统", "System")
        case "simulator": return lang.t("演示网关", "Demo gateway")
        default: return username
        }
    }

    static func load(_ req: Request, _ usernames: some Sequence<String>) async throws -> ActorNames {
        let wanted = Set(usernames).subtracting(["system", "simulator", ""])
        let names = wanted.isEmpty ? [:] : try await req.zhiben.accounts.users.displayNames(usernames: Array(wanted))
        return ActorNames(names: names, lang: req.language)
    }
}

/// Chinese (and English) names for what the audit log and the histories record: the kinds of record,
/// their fields, and the codes their values are kept in.
enum RecordNames {
    static let entities: [String: (zh: String, en: String)] = [
        "enterprise": ("企业", "Enterprise"), "hazard": ("隐患", "Hazard"), "user": ("用户", "User"), "apikey": ("接口密钥", "API key"),
        "alarm": ("报警", "Alarm"), "inspection": ("执法检查", "Inspection"), "draw": ("双随机抽取", "Draw"), "penalty": ("行政处罚", "Penalty"),
        "worker-exam": ("逢查必考", "Worker exam"), "monitoring-point": ("监测点位", "Monitoring point"), "enforcement-plan": ("执法计划", "Enforcement plan"),
        "checklist-item": ("检查清单项", "Checklist item"), "self-inspection": ("企业自查", "Self-inspection"), "internal-report": ("内部报告", "Internal report"),
        "provincial-link": ("省平台对接", "Provincial link"), "roster-inspector": ("执法人员", "Inspector"), "expert": ("专家", "Expert"), "session": ("登录", "Sign-in"),
        "worker": ("从业人员", "Worker"), "violation": ("三违", "Violation"), "staffing": ("持证配备", "Staffing"),
        "contractor": ("承包单位", "Contractor"), "contractor-admission": ("承包单位准入", "Contractor admission"), "contractor-job": ("承包作业", "Contractor's job"),
        "training": ("培训", "Training"), "manager-exam": ("负责人考核", "Manager exam"), "drill": ("应急演练", "Drill"),
        "confined-space": ("有限空间", "Confined space"), "permit": ("作业票", "Permit"),
    ]

    static let fields: [String: (zh: String, en: String)] = [
        "description": ("描述", "description"), "location": ("位置", "location"), "foundBy": ("发现人", "found by"), "foundAt": ("发现时间", "found at"),
        "focusTags": ("重点领域", "focus areas"), "worker": ("从业人员", "worker"), "pendingExtension": ("延期申请", "extension request"), "evidence": ("整改情况", "evidence"),
        "rejectionReason": ("退回理由", "reason for return"), "planResponsible": ("整改责任人", "person responsible"), "planFunds": ("整改资金（元）", "funds (¥)"),
        "creditCode": ("统一社会信用代码", "credit code"), "name": ("名称", "name"), "countyCode": ("县（市、区）", "county"), "township": ("乡镇（街道）", "township"),
        "address": ("地址", "address"), "longitude": ("经度", "longitude"), "latitude": ("纬度", "latitude"), "industry": ("行业", "industry"),
        "subIndustry": ("细分行业", "sub-industry"), "scale": ("规模", "scale"), "employees": ("从业人数", "employees"), "dustWorkers": ("涉粉作业人数", "dust workers"),
        "dustTypes": ("粉尘种类", "dust types"), "specialRisks": ("专项风险", "special risks"), "principal.name": ("主要负责人", "principal"),
        "principal.phone": ("主要负责人电话", "principal's phone"), "actualController.name": ("实际控制人", "actual controller"),
        "actualController.phone": ("实际控制人电话", "controller's phone"), "safetyManager.name": ("安全管理负责人", "safety manager"),
        "safetyManager.phone": ("安全管理负责人电话", "safety manager's phone"), "standardization": ("安全生产标准化等级", "standardization"),
        "standardizationValidUntil": ("标准化有效期", "standardization valid until"), "status": ("状态", "status"),
        "supervisingDepartment": ("监管部门", "supervising department"), "computedGrade": ("监管等级", "supervision grade"),
        "gradeOverride": ("等级调整", "grade override"), "active": ("在册", "active"), "deactivationReason": ("注销原因", "deactivation reason"),
        "action": ("操作", "action"), "anonymous": ("匿名", "anonymous"), "cause": ("原因", "cause"), "commitment": ("承诺值", "commitment"),
        "condition": ("报警类型", "condition"), "count": ("数量", "count"), "enterpriseID": ("企业", "enterprise"), "enterprises": ("企业", "enterprises"),
        "failedLogins": ("失败登录次数", "failed logins"), "group": ("类别", "group"), "hazard": ("隐患", "hazard"), "hazards": ("隐患", "hazards"),
        "item": ("检查项", "item"), "key": ("密钥", "key"), "level": ("等级", "level"), "normalAt": ("恢复正常时间", "back to normal"),
        "overlapReason": ("再次抽取理由", "overlap reason"), "password": ("密码", "password"), "photo": ("照片", "photo"), "picks": ("抽取结果", "picks"),
        "point": ("点位", "point"), "points": ("点位", "points"), "poolDigest": ("企业池摘要", "pool digest"), "prefix": ("密钥前缀", "key prefix"),
        "qybm": ("省平台企业编码", "provincial code"), "reason": ("理由", "reason"), "revokedAt": ("吊销时间", "revoked at"), "reward": ("奖励", "reward"),
        "seed": ("随机种子", "seed"), "size": ("抽取数", "size"), "state": ("状态", "state"), "text": ("内容", "text"), "title": ("标题", "title"),
        "until": ("截止", "until"), "value": ("数值", "value"), "sha256": ("文件摘要", "file digest"), "inspection": ("执法检查", "inspection"),
        "caseNo": ("案号", "case number"), "legalBasis": ("法律依据", "legal basis"), "enterpriseFine": ("企业罚款", "enterprise fine"),
        "principalName": ("主要负责人", "principal"), "principalFine": ("个人罚款", "principal's fine"), "decidedOn": ("决定日期", "decided on"),
        "username": ("登录名", "username"), "displayName": ("姓名", "name"), "role": ("角色", "role"), "enterprise": ("企业", "enterprise"),
        "lockedUntil": ("锁定至", "locked until"), "plannedOn": ("计划日期", "planned on"), "inspectors": ("检查人员", "inspectors"),
        "expert": ("专家", "expert"), "summary": ("检查情况", "summary"), "results": ("检查结果", "results"), "code": ("编号", "code"),
        "indicator": ("监测指标", "indicator"), "unit": ("单位", "unit"), "interval": ("上报间隔", "interval"), "limits": ("报警限值", "limits"),
        "equipment": ("设备", "equipment"), "kind": ("类型", "kind"), "drawQuota": ("抽查数", "draw quota"), "keyEnterprises": ("重点企业", "key enterprises"),
        "workerName": ("姓名", "worker"), "job": ("岗位", "job"), "score": ("成绩", "score"), "retrainedOn": ("培训日期", "retrained on"),
        "reexamScore": ("补考成绩", "re-exam score"), "ledBy": ("带队人", "led by"), "conductedAt": ("检查时间", "conducted at"),
        "principalLed": ("主要负责人带队", "principal-led"), "notes": ("备注", "notes"), "decision": ("核实结果", "decision"), "email": ("邮箱", "email"),
        "phone": ("电话", "phone"), "certificateNo": ("执法证号", "certificate"), "certificateValidUntil": ("执法证有效期", "certificate valid until"),
        "specialties": ("专业", "specialties"), "conflicts": ("回避企业", "conflicts"), "available": ("可抽取", "available"), "employer": ("工作单位", "employer"),
        "userID": ("账号", "account"), "tnm": ("省平台点位编码", "provincial point code"), "style": ("检查方式", "style"), "origin": ("来源", "origin"),
        "deadline": ("期限", "deadline"), "supervision": ("挂牌督办", "supervision"), "criteria": ("判定依据", "criteria"), "source": ("来源", "source"),
        "idNumber": ("身份证号", "ID number"), "onDuty": ("在岗", "on duty"), "offDutyReason": ("停岗原因", "off-duty reason"),
        "inductionOn": ("入场安全培训", "induction training"), "contractor": ("承包单位", "contractor"), "certificates": ("特种作业操作证", "certificates"),
        "employment": ("用工类型", "employed as"), "violationKind": ("违章类别", "kind of violation"), "happenedOn": ("日期", "day"), "what": ("情形", "what happened"),
        "reexamOn": ("补考日期", "re-exam day"), "required": ("所需持证人数", "operators needed"),
        "accidents": ("事故", "accidents"), "admittedOn": ("准入日期", "admitted on"), "agreement": ("安全生产管理协议", "agreement"),
        "attendees": ("参训人员", "attendees"), "crew": ("作业人员", "crew"), "drillKind": ("演练类型", "kind of drill"), "endOn": ("完工日期", "end"),
        "evaluation": ("演练评估", "evaluation"), "inUse": ("在用", "in use"), "isolation": ("能量隔离", "isolation"), "lastStartedOn": ("最近开工日", "last started"),
        "lockOrBarrier": ("上锁或隔离措施", "lock or barrier"), "measures": ("安全措施", "measures"), "number": ("编号", "number"), "on": ("日期", "day"),
        "organiser": ("组织单位", "organiser"), "participants": ("参演人数", "participants"), "passed": ("考核结果", "passed"), "photos": ("照片", "photos"),
        "place": ("地点", "place"), "plan": ("作业方案", "work plan"), "qualifications": ("资质", "qualifications"), "scenario": ("演练情景", "scenario"),
        "signPosted": ("安全警示标志", "warning sign"), "startOn": ("开工日期", "start"), "supervisor": ("监护人", "supervisor"), "topic": ("专题", "topic"),
        "window": ("作业时段", "window"), "approvedBy": ("审批人", "approved by"), "delegation": ("书面委托", "delegation"), "tests": ("气体检测次数", "gas tests"),
        "inside": ("在内人员", "inside"), "suspendedReason": ("暂停原因", "reason suspended"),
    ]

    static let origins: [String: (zh: String, en: String)] = [
        "alarm-engine": ("报警引擎", "alarm engine"), "alarm-escalation": ("超时上报", "escalation"), "create-api-key": ("命令行", "command line"),
        "create-user": ("命令行", "command line"), "grade-refresh": ("等级重算", "grade refresh"), "overdue-sweep": ("逾期提醒", "overdue sweep"),
        "seed-demo": ("演示数据", "demo data"), "permit-lapse": ("作业票超时失效", "permit lapse"),
    ]

    /// Where a change came from: a client's address as recorded, or the process that made it.
    static func origin(_ o: String?, _ lang: Language) -> String {
        guard let o, !o.isEmpty else { return "" }
        return origins[o].map { lang.t($0.zh, $0.en) } ?? o
    }

    /// What was done, as the audit log names it: its own actions, a hazard's steps, and the sweeps'.
    static func action(_ raw: String, _ lang: Language) -> String {
        if let a = AuditAction(rawValue: raw) { return a.label(lang) }
        if let a = HazardAction(rawValue: raw) { return a.label(lang) }
        switch raw {
        case "report": return lang.t("报告", "report")
        case "overdue": return lang.t("逾期提醒", "overdue notice")
        default: return lang.t("其他操作", raw)
        }
    }

    static func entity(_ type: String, _ lang: Language) -> String { entities[type].map { lang.t($0.zh, $0.en) } ?? lang.t("其他记录", type) }

    /// Several fields' names, each once, in the order given (a person and their phone are one name).
    static func fields(_ names: [String], _ lang: Language) -> [String] {
        var seen = Set<String>()
        return names.map { field($0, lang) }.filter { seen.insert($0).inserted }
    }

    static func field(_ name: String, _ lang: Language) -> String {
        if let f = fields[name] { return lang.t(f.zh, f.en) }
        // A nested field (`limits.high`): its parent's name.
        if let dot = name.firstIndex(of: "."), let f = fields[String(name[..<dot])] { return lang.t(f.zh, f.en) }
        return lang.t("其他", name)
    }

    /// A recorded value as a person reads it: codes by their labels, ids shortened, yes and no.
    /// Fields whose values are codes or digests: shown as code, not as words.
    static let codeFields: Set<String> = ["seed", "commitment", "poolDigest", "sha256", "prefix", "key", "username", "qybm", "caseNo"]

    /// A recorded value as the audit page shows it: codes as code, an inspection's results as counts
    /// per outcome (with the items found failing), its officers by name.
    static func valueHTML(_ v: String, field: String, _ lang: Language, people: ActorNames? = nil) -> HTML {
        if v.isEmpty { return "∅" }
        // Who found a hazard: an account's name where it is one, else the name as typed.
        if field == "foundBy", let people { return HTML("\(people(v))") }
        if field == "indicator", let i = MonitoringCatalogue.indicator(v) { return HTML("\(i.label(lang))") }
        // Lists kept as JSON: names where the items have them, labels where they are codes.
        if v.hasPrefix("["), let list = try? JSONSerialization.jsonObject(with: Data(v.utf8)) as? [Any] {
            if list.isEmpty { return HTML("\(lang.t("无", "none"))") }
            let words = list.map { item -> String in
                if let o = item as? [String: Any], let name = o["name"] as? String { return name }
                if let text = item as? String { return value(text, field: field, lang) }
                return lang.t("1项", "1 item")
            }
            let shown = words.prefix(5).joined(separator: lang == .en ? ", " : "、")
            return HTML("\(words.count > 5 ? shown + lang.t("等\(words.count)项", " and \(words.count - 5) more") : shown)")
        }
        if field == "results", v.contains("=") { return HTML("\(results(v, lang))") }
        if codeFields.contains(field) { return "<code>\(v)</code>" }
        return HTML("\(value(v, field: field, lang))")
    }

    /// `MHC-4-01=fail→<hazard id>;MHC-4-02=pass;…` as "共 2 项：符合 1、不符合 1（MHC-4-01）".
    static func results(_ v: String, _ lang: Language) -> String {
        var counts: [InspectionItemResult.Outcome: Int] = [:]
        var failed: [String] = []
        let pairs = v.split(separator: ";")
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let outcome = InspectionItemResult.Outcome(rawValue: String(parts[1].split(separator: "→").first ?? "")) ?? .notChecked
            counts[outcome, default: 0] += 1
            if outcome == .fail { failed.append(String(parts[0])) }
        }
        let each = InspectionItemResult.Outcome.allCases.compactMap { o in counts[o].map { "\(o.label(lang)) \($0)" } }.joined(separator: lang == .en ? ", " : "、")
        let codes = failed.filter { $0.hasPrefix("MHC-") }
        let failing = codes.isEmpty ? "" : (lang == .en ? " (failed: " : "（不符合：") + codes.prefix(5).joined(separator: lang == .en ? ", " : "、") + (codes.count > 5 ? "…" : "") + (lang == .en ? ")" : "）")
        return (lang == .en ? "\(pairs.count) items: " : "共 \(pairs.count) 项：") + each + failing
    }

    /// The code lists a field holds (comma-separated), by field name.
    static let listFields: [String: @Sendable (String) -> (any Labeled)?] = [
        "focusTags": { FocusTag(rawValue: $0) }, "dustTypes": { DustType(rawValue: $0) }, "specialRisks": { SpecialRisk(rawValue: $0) },
        "specialties": { Specialty(rawValue: $0) },
    ]

    /// Fields whose codes belong to one catalogue (a code alone could belong to several).
    static func label(field: String, _ v: String) -> (any Labeled)? {
        switch field {
        case "scale": EnterpriseScale(rawValue: v)
        case "standardization": StandardizationGrade(rawValue: v)
        case "status": OperatingStatus(rawValue: v)
        case "kind": MonitoringPoint.Kind(rawValue: v)
        case "industry": Industry(rawValue: v)
        case "condition": AlarmCondition(rawValue: v)
        case "style": InspectionStyle(rawValue: v)
        case "source": HazardSource(rawValue: v)
        case "employment": WorkerKind(rawValue: v)
        case "violationKind": Violation.Kind(rawValue: v)
        default: nil
        }
    }

    static func value(_ v: String, field: String, _ lang: Language) -> String {
        if v.isEmpty { return "∅" }
        if field == "action" { return action(v, lang) }
        if let l = label(field: field, v) { return l.label(lang) }
        if let parse = listFields[field] {
            return v.split(separator: ",").map { part in parse(String(part))?.label(lang) ?? String(part) }.joined(separator: "、")
        }
        switch v {
        case "true": return lang.t("是", "yes")
        case "false": return lang.t("否", "no")
        default: break
        }
        if let c = County.named(v) { return c.label(lang) }
        if let date = try? APIDate.style.parse(v) { return ChinaTime.display(date) }
        let candidates: [(any Labeled)?] = [HazardState(rawValue: v), HazardLevel(rawValue: v), HazardSource(rawValue: v), Alarm.State(rawValue: v),
                                            Inspection.State(rawValue: v), Industry(rawValue: v), Role(rawValue: v), AlarmCondition(rawValue: v),
                                            InspectionStyle(rawValue: v), InspectionOrigin(rawValue: v), SupervisionGrade(rawValue: v),
                                            WorkerExam.State(rawValue: v), MonitoringPoint.Kind(rawValue: v), Violation.State(rawValue: v)]
        let labels = candidates.compactMap { $0 }
        if let l = labels.first { return l.label(lang) }
        // Ids (one or several) shortened to their first eight characters.
        let ids = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if !ids.isEmpty, ids.allSatisfy({ UUID(uuidString: $0) != nil }) {
            return ids.prefix(3).map { "#" + $0.prefix(8).lowercased() }.joined(separator: "、") + (ids.count > 3 ? "…" : "")
        }
        return StateValues.label(v, lang)
    }
}

