import Foundation
import Vapor
import ZhibenDomain

/// Self-inspections (T9): the enterprise records its principal-led checks; regulators see who missed
/// a period. Internal reports: the enterprise records staff members' reports and the rewards it paid.
struct SelfInspectionPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.selfInspections, use: index)
        routes.post(WebRoute.selfInspections, use: record)
        routes.get(WebRoute.internalReports, use: reports)
        routes.post(WebRoute.internalReports, use: receive)
        routes.post(WebRoute.internalReportDecision, use: decide)
    }

    static func periodChips(_ s: SelfInspectionStanding, lang: Language, last: Int = 12) -> HTML {
        let chips = s.periods.suffix(last).map { p -> HTML in
            let kind = p.missed ? "red" : p.current ? "blue" : "green"
            let mark = p.missed ? lang.t("漏查", "missed") : p.checks > 0 ? "✓" : lang.t("进行中", "due")
            return "<span class=\"tag \(kind)\" title=\"\(p.label)\">\(p.label) \(mark)</span>"
        }
        return HTML.join(chips, " ")
    }

    func index(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardRead)
        let lang = ctx.lang
        let service = req.zhiben.selfInspections
        if case .enterprise(let own) = ctx.caller.scope {
            return .html(try await enterprisePage(ctx, req: req, enterpriseID: own, issues: [], form: RecordForm()))
        }
        // The city looks at one county at a time: the standing of thousands of enterprises is computed per view.
        let county: String? = ctx.caller.scope == .city ? try req.queryCounty() ?? County.all[0].code : nil
        let showAll = try req.queryFlag("all")
        let (paged, missedTotal, enterpriseCount) = try await service.standings(actor: ctx.caller, countyCode: county, onlyMissed: !showAll,
                                                                               page: req.paging(defaultPer: 50))
        let slice = paged.items
        var qs = QueryString()
        for k in ["county", "all"] { qs.set(k, req.queryString(k)) }
        let rows = slice.map { s -> HTML in
            """
            <tr><td><a href="\(SitePath.enterprise(s.enterprise.id).path)">\(s.enterprise.profile.name)</a><br><span class="muted small">\(s.enterprise.county?.label(lang) ?? "")</span></td>
            <td>\(s.cadence.label(lang))</td><td class="num\(HTML(raw: s.missed > 0 ? " overdue" : ""))">\(s.missed)</td>
            <td>\(s.lastCheck.map { ChinaTime.day($0) } ?? "—")</td><td>\(Self.periodChips(s, lang: lang, last: 6))</td></tr>
            """
        }
        let content: HTML = """
        <p class="notice">\(ctx.t("规则：企业主要负责人每季度至少带队开展一次重大事故隐患排查，金属冶炼企业每月一次；自2024年起计算，期末仍无记录的为漏查。", "Rule: the principal leads a major-hazard check at least once a quarter, monthly in metal smelting, counted from 2024; a period that ends without one is missed."))</p>
        <form class="filters" method="get" action="\(SitePath.selfInspections.path)">
          \(HTML.when(ctx.caller.scope == .city) { "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(lang)) }, selected: county))</select></div>" })
          <label class="check"><input type="checkbox" name="all" value="1"\(HTML(raw: showAll ? " checked" : ""))> \(ctx.t("包括没有漏查的企业", "Include enterprises without misses"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="\(SitePath.internalReports.path)">\(ctx.t("内部报告登记", "Internal reports"))</a></div>
        </form>
        <p class="count">\(ctx.t("\(enterpriseCount) 家企业中 \(missedTotal) 家有漏查", "\(missedTotal) of \(enterpriseCount) enterprises have missed periods"))</p>
        \(slice.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有漏查的企业。", "No enterprise has missed a period."))</p>") : """
        <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("频次", "Cadence"))</th><th scope="col">\(ctx.t("漏查期数", "Missed"))</th><th scope="col">\(ctx.t("最近一次", "Last check"))</th><th scope="col">\(ctx.t("最近各期", "Recent periods"))</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        """)
        \(Layout.pagination(paged, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("企业自查", "Self-inspections"), content))
    }

    struct RecordForm: Content {
        var ledBy: String?
        var principalLed: String?
        var conductedAt: String?
        var checkedItems: [String]?
        var hazardIds: [UUID]?
        var notes: String?
    }

    func enterprisePage(_ ctx: PageContext, req: Request, enterpriseID: UUID, issues: [FieldIssue], form: RecordForm, done: Bool = false) async throws -> HTML {
        let lang = ctx.lang
        let service = req.zhiben.selfInspections
        let standing = try await service.standing(enterpriseID: enterpriseID, actor: ctx.caller)
        let history = try await service.list(enterpriseID: enterpriseID, page: req.paging(), actor: ctx.caller)
        let (e, checklist) = try await req.zhiben.hazards.checklist(enterpriseID: enterpriseID, actor: ctx.caller)
        let open = try await req.zhiben.hazards.list(HazardQuery(states: HazardState.open, enterpriseID: enterpriseID, sort: .foundAt), page: Paging(per: 30), actor: ctx.caller)
        let f = FormRenderer(lang: lang, issues: issues)
        let checked = Set(form.checkedItems ?? checklist.criteria.map(\.id))
        let items = checklist.criteria.map { c -> HTML in
            "<label class=\"check block\"><input type=\"checkbox\" name=\"checkedItems[]\" value=\"\(c.id)\"\(HTML(raw: checked.contains(c.id) ? " checked" : ""))> <span class=\"mono\">\(c.id)</span> \(c.summary(lang))</label>"
        } + checklist.localItems.map { i -> HTML in
            "<label class=\"check block\"><input type=\"checkbox\" name=\"checkedItems[]\" value=\"local:\(i.id.uuidString)\"\(HTML(raw: checked.contains("local:\(i.id.uuidString)") ? " checked" : ""))> <span class=\"tag blue\">\(ctx.t("本地", "local"))</span> \(i.text)</label>"
        }
        let found = open.items.map { h -> HTML in
            "<label class=\"check block\"><input type=\"checkbox\" name=\"hazardIds[]\" value=\"\(h.id.uuidString)\"\(HTML(raw: (form.hazardIds ?? []).contains(h.id) ? " checked" : ""))> \(h.title)（\(ChinaTime.day(h.foundAt))）</label>"
        }
        let rows = history.items.map { s -> HTML in
            "<tr><td>\(ChinaTime.display(s.conductedAt))</td><td>\(s.ledBy)\(HTML.when(s.principalLed) { " <span class=\"tag green\">\(ctx.t("主要负责人带队", "principal-led"))</span>" })</td><td class=\"num\">\(s.checkedItems.count)</td><td class=\"num\">\(s.hazardIDs.count)</td><td>\(s.notes)</td></tr>"
        }
        var qs = QueryString()
        qs.set("per", req.queryString("per"))
        return Layout.page(ctx, title: ctx.t("企业自查", "Self-inspections"), """
        \(done ? Layout.flash(ctx.t("自查记录已保存。", "The check has been recorded.")) : "")
        <section class="panel">
          <h2>\(ctx.t("自查频次：", "Cadence: "))\(standing.cadence.label(lang)) · \(ctx.t("漏查 \(standing.missed) 期", "\(standing.missed) periods missed"))</h2>
          <p>\(Self.periodChips(standing, lang: lang, last: 36))</p>
        </section>
        <section class="panel">
          <h2>\(ctx.t("登记一次自查", "Record a check"))</h2>
          \(f.summary())
          <form method="post" action="\(SitePath.selfInspections.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("ledBy", ctx.t("带队人", "Led by"), value: form.ledBy ?? e.profile.principal.name, required: true))
            <label class="check field"><input type="checkbox" name="principalLed" value="yes"\(HTML(raw: (form.principalLed ?? "yes") == "yes" ? " checked" : ""))> \(ctx.t("主要负责人亲自带队", "The principal led it in person"))</label>
            \(f.text("conductedAt", ctx.t("检查日期", "Date"), value: form.conductedAt ?? ChinaTime.day(req.zhiben.clock.now()), required: true, type: "date"))
            <fieldset class="field wide criteria\(HTML(raw: issues.contains { $0.field == "checkedItems" } ? " has-error" : ""))"><legend>\(ctx.t("检查了哪些清单项", "Checklist items checked")) · <a href="\(SitePath.enterpriseChecklist(e.id).path)">\(ctx.t("打印清单", "Print the checklist"))</a></legend>
              <details><summary>\(ctx.t("已选 \(checked.count) 项，展开调整", "\(checked.count) ticked; unfold to change"))</summary>\(items)</details>\(f.errors("checkedItems"))</fieldset>
            \(HTML.when(!found.isEmpty) { "<fieldset class=\"field wide\"><legend>\(ctx.t("本次发现的隐患（先在“隐患排查治理”中报告，再在此关联）", "Hazards found (report them first, then link them here)"))</legend>\(found)</fieldset>" })
            <div class="field wide"><label for="f-notes">\(ctx.t("说明", "Notes"))</label><textarea id="f-notes" name="notes" rows="2" maxlength="2000">\(form.notes ?? "")</textarea></div>
            <div class="actions"><button type="submit" class="primary">\(ctx.t("保存自查记录", "Record"))</button> <a href="\(SitePath.hazardNew.path)">\(ctx.t("报告发现的隐患", "Report a hazard found"))</a></div>
          </form>
        </section>
        <section class="panel">
          <h2>\(ctx.t("自查记录", "Checks recorded"))（\(history.total)）</h2>
          \(history.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有自查记录。", "No checks recorded yet."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("时间", "When"))</th><th scope="col">\(ctx.t("带队人", "Led by"))</th><th scope="col">\(ctx.t("检查项", "Items"))</th><th scope="col">\(ctx.t("发现隐患", "Hazards"))</th><th scope="col">\(ctx.t("说明", "Notes"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
          """)
          \(Layout.pagination(history, query: qs, lang: lang))
        </section>
        """)
    }

    func record(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        guard case .enterprise(let own) = ctx.caller.scope else { throw DomainError.forbidden(permission: .selfInspectionRecord) }
        let form = try req.content.decode(RecordForm.self)
        do {
            let draft = SelfInspectionService.Draft(ledBy: form.ledBy ?? "", principalLed: form.principalLed == "yes",
                                                    conductedAt: try APIDate.parse(form.conductedAt, field: "conductedAt"),
                                                    checkedItems: form.checkedItems ?? [], hazardIDs: form.hazardIds ?? [], notes: form.notes ?? "")
            _ = try await req.zhiben.selfInspections.record(draft, actor: ctx.caller, origin: req.origin)
            return .html(try await enterprisePage(ctx, req: req, enterpriseID: own, issues: [], form: RecordForm(), done: true))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await enterprisePage(ctx, req: req, enterpriseID: own, issues: issues, form: form), status: .unprocessableEntity)
        }
    }

    // MARK: internal reports

    struct ReportForm: Content {
        var text: String?
        var reporter: String?
        var anonymous: String?
        var receivedAt: String?
    }

    func reportsPage(_ ctx: PageContext, req: Request, issues: [FieldIssue], form: ReportForm, flash: String? = nil) async throws -> HTML {
        let lang = ctx.lang
        let page = try await req.zhiben.selfInspections.reports(enterpriseID: nil, page: req.paging(), actor: ctx.caller)
        let canRecord = ctx.caller.can(.selfInspectionRecord)
        let f = FormRenderer(lang: lang, issues: issues)
        let rows = page.items.map { r -> HTML in
            let decide: HTML = HTML.when(canRecord && r.status == .received) { """
            <details class="inline-reset"><summary>\(ctx.t("核实", "Decide"))</summary>
            <form method="post" action="\(SitePath.internalReportDecision(r.id).path)">\(ctx.csrfField)
              <label class="check"><input type="radio" name="confirmed" value="true" checked> \(ctx.t("属实", "Confirmed"))</label>
              <label class="check"><input type="radio" name="confirmed" value="false"> \(ctx.t("不属实", "Dismissed"))</label>
              <label for="reward-\(r.id.uuidString)">\(ctx.t("奖励（元）", "Reward (yuan)"))</label> <input id="reward-\(r.id.uuidString)" name="reward" inputmode="decimal" size="8">
              <button type="submit">\(ctx.t("保存", "Save"))</button></form></details>
            """ }
            return """
            <tr><td>\(ChinaTime.display(r.receivedAt))</td><td>\(r.text)</td><td>\(r.reporter ?? ctx.t("匿名", "anonymous"))</td>
            <td><span class="tag \(r.status == .confirmed ? "green" : r.status == .dismissed ? "" : "blue")">\(r.status.label(lang))</span></td>
            <td class="num">\(r.reward.map { "\($0)" } ?? "—")</td><td>\(decide)</td></tr>
            """
        }
        var qs = QueryString()
        qs.set("per", req.queryString("per"))
        return Layout.page(ctx, title: ctx.t("内部隐患报告（吹哨人）", "Internal reports (whistle-blowers)"), """
        \(Layout.flash(flash))
        \(HTML.when(canRecord) { """
        <section class="panel">
          <h2>\(ctx.t("登记员工报告", "Record a staff report"))</h2>
          \(f.summary())
          <form method="post" action="\(SitePath.internalReports.path)" class="grid-form">
            \(ctx.csrfField)
            <div class="field wide\(HTML(raw: issues.contains { $0.field == "text" } ? " has-error" : ""))"><label for="f-text">\(ctx.t("报告内容", "What was reported")) <abbr title="必填" class="req">*</abbr></label><textarea id="f-text" name="text" rows="3" maxlength="2000" required>\(form.text ?? "")</textarea>\(f.errors("text"))</div>
            \(f.text("reporter", ctx.t("报告人（可不填）", "Reporter (optional)"), value: form.reporter ?? ""))
            <label class="check field"><input type="checkbox" name="anonymous" value="yes"\(HTML(raw: form.anonymous == "yes" ? " checked" : ""))> \(ctx.t("报告人要求匿名（不记录姓名）", "The reporter asked to stay anonymous (no name kept)"))</label>
            \(f.text("receivedAt", ctx.t("接收日期", "Received on"), value: form.receivedAt ?? ChinaTime.day(req.zhiben.clock.now()), type: "date"))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("登记", "Record"))</button></div>
          </form>
        </section>
        """ })
        <p class="count">\(ctx.t("共 \(page.total) 条", "\(page.total) reports"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有内部报告。", "No internal reports yet."))</p>") : """
        <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("接收", "Received"))</th><th scope="col">\(ctx.t("内容", "Report"))</th><th scope="col">\(ctx.t("报告人", "Reporter"))</th><th scope="col">\(ctx.t("核实", "Status"))</th><th scope="col">\(ctx.t("奖励（元）", "Reward (yuan)"))</th><th scope="col"></th></tr></thead><tbody>\(rows)</tbody></table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: lang))
        """)
    }

    func reports(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardRead)
        return .html(try await reportsPage(ctx, req: req, issues: [], form: ReportForm()))
    }

    func receive(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(ReportForm.self)
        do {
            _ = try await req.zhiben.selfInspections.receiveReport(text: form.text ?? "", reporter: form.anonymous == "yes" ? nil : form.reporter,
                                                                   receivedAt: try APIDate.parse(form.receivedAt, field: "receivedAt"),
                                                                   enterpriseID: nil, actor: ctx.caller, origin: req.origin)
            return .html(try await reportsPage(ctx, req: req, issues: [], form: ReportForm(), flash: ctx.t("已登记。", "Recorded.")))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await reportsPage(ctx, req: req, issues: issues, form: form), status: .unprocessableEntity)
        }
    }

    struct DecisionForm: Content {
        var confirmed: String?
        var reward: String?
    }

    func decide(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(DecisionForm.self)
        let confirmed = form.confirmed == "true"
        do {
            let text = form.reward?.trimmingCharacters(in: .whitespaces) ?? ""
            let reward = text.isEmpty ? nil : Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
            if !text.isEmpty, reward == nil {
                throw DomainError.validation([FieldIssue(field: "reward", zh: "奖励金额应为数字（元）", en: "the reward must be a number of yuan")])
            }
            _ = try await req.zhiben.selfInspections.decideReport(req.recordID("internal report"), confirmed: confirmed, reward: reward, hazardID: nil,
                                                                  actor: ctx.caller, origin: req.origin)
            return .html(try await reportsPage(ctx, req: req, issues: [], form: ReportForm(), flash: ctx.t("已保存核实结果。", "Decision saved.")))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await reportsPage(ctx, req: req, issues: issues, form: ReportForm()), status: .unprocessableEntity)
        }
    }
}
