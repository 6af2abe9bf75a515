import Foundation
import Vapor
import ZhibenDomain

/// The form of each workflow step on the hazard page. Each posts the action, the version it was drawn
/// from (so a step taken meanwhile by someone else is not overwritten) and its own fields.
struct HazardActionForms {
    let ctx: PageContext
    let hazard: Hazard
    let failed: HazardPages.Failed?
    let now: Date
    /// The experts a county may assign (only read when it may).
    var experts: [User] = []

    /// What the browser posts; the same fields as the API's transition body.
    struct Form: Content {
        var action: String?
        var version: Int?
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
        var funds: String?
        var deadline: String?
        var contingencyPlan: String?
        var interimSafeguards: String?
        var evidence: String?
        var approve: String?
        var newDeadline: String?
        var expert: String?
        var photos: [File]?

        /// What was typed, to show again after an error.
        var values: [String: String] {
            var v: [String: String] = [:]
            for (k, x) in [("comment", comment), ("level", level), ("reason", reason), ("principal", principal),
                           ("principalReceivedAt", principalReceivedAt), ("controller", controller), ("controllerReceivedAt", controllerReceivedAt),
                           ("responsible", responsible), ("measures", measures), ("funds", funds), ("deadline", deadline),
                           ("contingencyPlan", contingencyPlan), ("interimSafeguards", interimSafeguards), ("evidence", evidence),
                           ("approve", approve), ("newDeadline", newDeadline), ("expert", expert)] {
                if let x { v[k] = x }
            }
            if let criteria { v["criteria"] = criteria.joined(separator: ",") }
            return v
        }

        func transition() throws -> TransitionDTO {
            var funds: Decimal?
            if let text = self.funds?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), value >= 0 else {
                    throw DomainError.validation([FieldIssue(field: "funds", zh: "整改资金应为金额（元），如 120000", en: "funds must be an amount in yuan, e.g. 120000")])
                }
                funds = value
            }
            return TransitionDTO(action: action ?? "", comment: comment, level: level.flatMap { $0.isEmpty ? nil : $0 }, criteria: criteria,
                                 reason: reason, principal: principal, principalReceivedAt: principalReceivedAt, controller: controller,
                                 controllerReceivedAt: controllerReceivedAt, responsible: responsible, measures: measures, funds: funds.map(YuanAmount.init),
                                 deadline: deadline, contingencyPlan: contingencyPlan, interimSafeguards: interimSafeguards, evidence: evidence,
                                 photos: nil, approve: approve.map { $0 == "true" }, newDeadline: newDeadline, expert: expert)
        }
    }

    func form(for action: HazardAction) -> HTML {
        let mine = failed?.action == action
        let f = FormRenderer(lang: ctx.lang, issues: mine ? failed?.issues ?? [] : [], prefix: "\(action.rawValue)-")
        let typed = mine ? failed?.values ?? [:] : [:]
        func value(_ key: String, _ fallback: String = "") -> String { typed[key] ?? fallback }
        func area(_ name: String, _ label: String, required: Bool = false, hint: String? = nil) -> HTML {
            """
            <div class="field wide\(HTML(raw: f.issues.contains { $0.field == name } ? " has-error" : ""))">
              <label for="f-\(action.rawValue)-\(name)">\(label)\(HTML(raw: required ? " <abbr title=\"必填\" class=\"req\">*</abbr>" : ""))</label>
              <textarea id="f-\(action.rawValue)-\(name)" name="\(name)" rows="2" maxlength="2000"\(HTML(raw: required ? " required" : ""))>\(value(name))</textarea>
              \(hint.map { HTML("<span class=\"hint\">\($0)</span>") } ?? "")
              \(f.errors(name))
            </div>
            """
        }
        let lang = ctx.lang
        let p = hazard.plan
        var fields: [HTML] = []
        var multipart = false
        switch action {
        case .assignExpert:
            let options = experts.map { ($0.username, "\($0.displayName)（\($0.username)）") }
            fields = options.isEmpty
                ? ["<p class=\"empty\">\(ctx.t("还没有专家账号：请市局管理员在账号管理中添加角色为“专家”的账号。", "No expert accounts yet: the city administrator adds accounts with the Expert role."))</p>"]
                : [f.select("expert", ctx.t("专家", "Expert"), options: options, selected: value("expert", hazard.expert?.username ?? ""), required: true),
                   area("comment", ctx.t("说明", "Comment"))]
        case .judge:
            let catalogue = CriteriaCatalogue.shipped
            let chosen = Set(value("criteria", hazard.criteria.joined(separator: ",")).split(separator: ",").map(String.init))
            let boxes = catalogue.criteria(of: catalogue.current.id).map { c -> HTML in
                "<label class=\"check block\"><input type=\"checkbox\" name=\"criteria[]\" value=\"\(c.id)\"\(HTML(raw: chosen.contains(c.id) ? " checked" : ""))> <span class=\"mono\">\(c.id)</span> \(c.summary(lang))</label>"
            }
            fields = [
                f.select("level", ctx.t("判定等级", "Level"), options: labeledOptions(HazardLevel.self, lang), selected: value("level", hazard.level.rawValue), required: true),
                "<fieldset class=\"field wide criteria\(HTML(raw: f.issues.contains { $0.field == "criteria" } ? " has-error" : ""))\"><legend>\(ctx.t("判定依据（重大隐患至少一条）", "Criteria (at least one for a major hazard)"))</legend><details\(HTML(raw: mine ? " open" : ""))><summary>\(ctx.t("已选", "Chosen")) \(chosen.count) · \(ctx.t("展开选择", "choose"))</summary>\(boxes)</details>\(f.errors("criteria"))</fieldset>",
                area("comment", ctx.t("判定意见", "Comment")),
            ]
        case .reject:
            fields = [area("reason", ctx.t("不予认定的理由", "Why it is not a hazard"), required: true)]
        case .acknowledge:
            let major = hazard.level == .major
            fields = [
                f.text("principal", ctx.t("主要负责人", "Principal"), value: value("principal"), required: major),
                f.text("principalReceivedAt", ctx.t("主要负责人接收时间", "Principal informed at"), value: value("principalReceivedAt"), type: "datetime-local", hint: ctx.t("不填则为现在", "now when empty")),
                f.text("controller", ctx.t("实际控制人", "Actual controller"), value: value("controller"), required: major),
                f.text("controllerReceivedAt", ctx.t("实际控制人接收时间", "Controller informed at"), value: value("controllerReceivedAt"), type: "datetime-local", hint: ctx.t("不填则为现在", "now when empty")),
                area("comment", ctx.t("说明", "Comment")),
            ]
        case .plan:
            let major = hazard.level == .major
            fields = [
                f.text("responsible", ctx.t("整改责任人（责任落实）", "Responsible person"), value: value("responsible", p?.responsible ?? ""), required: true),
                area("measures", ctx.t("整改措施（措施落实）", "Measures"), required: true),
                f.text("funds", ctx.t("整改资金（元，资金落实）", "Funds (yuan)"), value: value("funds", p?.funds.map { "\($0)" } ?? ""), required: major, attrs: "inputmode=\"decimal\""),
                f.text("deadline", ctx.t("整改期限（时限落实）", "Deadline"), value: value("deadline"), required: true, type: "date"),
                area("contingencyPlan", ctx.t("应急预案（预案落实）", "Contingency plan"), required: major),
                area("interimSafeguards", ctx.t("整改期间的临时安全措施", "Interim safeguards"), required: major),
            ]
        case .submit:
            multipart = true
            fields = [
                area("evidence", ctx.t("整改完成情况", "What was done"), required: true),
                """
                <div class="field wide\(HTML(raw: f.issues.contains { $0.field == "photos" } ? " has-error" : ""))">
                  <label for="f-submit-photos">\(ctx.t("整改后照片（可多选，JPEG/PNG/WebP，每张不超过5MB）", "Photos after rectification (JPEG/PNG/WebP, ≤ 5 MB each)"))</label>
                  <input id="f-submit-photos" name="photos[]" type="file" accept="image/jpeg,image/png,image/webp" multiple>
                  \(f.errors("photos"))
                </div>
                """,
            ]
        case .accept:
            fields = [area("comment", ctx.t("验收意见", "Acceptance comment"))]
        case .return:
            fields = [area("reason", ctx.t("退回理由", "Why it is returned"), required: true)]
        case .supervise:
            fields = [area("comment", ctx.t("督办要求", "Supervision note"))]
        case .requestExtension:
            fields = [
                f.text("newDeadline", ctx.t("申请的新期限", "New deadline"), value: value("newDeadline"), required: true, type: "date"),
                area("reason", ctx.t("延期理由", "Reason"), required: true),
            ]
        case .decideExtension:
            let request = hazard.pendingExtension
            let approve = value("approve", "true")
            fields = [
                "<p>\(ctx.t("申请延期至", "Asked to extend to")) <strong>\(request.map { ChinaTime.day($0.newDeadline) } ?? "")</strong>：\(request?.reason ?? "")</p>",
                """
                <fieldset class="field checks\(HTML(raw: f.issues.contains { $0.field == "approve" } ? " has-error" : ""))"><legend>\(ctx.t("审批", "Decision"))</legend>
                <label class="check"><input type="radio" name="approve" value="true"\(HTML(raw: approve == "true" ? " checked" : ""))> \(ctx.t("批准", "Approve"))</label>
                <label class="check"><input type="radio" name="approve" value="false"\(HTML(raw: approve == "false" ? " checked" : ""))> \(ctx.t("不批准", "Deny"))</label>
                \(f.errors("approve"))</fieldset>
                """,
                area("comment", ctx.t("审批意见（不批准时必填）", "Comment (required when denying)")),
            ]
        }
        let danger = action == .reject || action == .return
        let open = mine || HazardWorkflow.available(to: ctx.caller, on: hazard).count == 1
        return """
        <details class="panel-form\(HTML(raw: danger ? " danger" : ""))" id="step-\(action.rawValue)"\(HTML(raw: open ? " open" : ""))>
          <summary>\(action.label(lang))</summary>
          \(HTML.when(mine) { f.summary() })
          <form method="post" action="\(SitePath.hazardTransition(hazard.id).path)" class="grid-form"\(HTML(raw: multipart ? " enctype=\"multipart/form-data\"" : ""))>
            \(ctx.csrfField)
            <input type="hidden" name="action" value="\(action.rawValue)">
            <input type="hidden" name="version" value="\(hazard.version)">
            \(fields)
            <div class="actions"><button type="submit" class="\(danger ? "danger" : "primary")">\(action.label(lang))</button></div>
          </form>
        </details>
        """
    }
}
