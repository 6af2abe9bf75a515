import Foundation
import Vapor
import ZhibenDomain

/// The hazard list, its print view and export, the report form, and one hazard with its workflow.
struct HazardPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.hazards, use: list)
        routes.get(WebRoute.hazardPrint, use: printView)
        routes.get(WebRoute.hazardExport, use: export)
        routes.get(WebRoute.hazardNew, use: newForm)
        routes.post(WebRoute.hazards, use: create)
        routes.get(WebRoute.hazard, use: show)
        routes.post(WebRoute.hazardTransitions, body: .collect(maxSize: "48mb"), use: transition)
        routes.post(WebRoute.hazardPhotos, body: .collect(maxSize: "48mb"), use: uploadPhoto)
        routes.get(WebRoute.hazardPhoto, use: photo)
    }

    static let filterKeys = ["q", "state", "level", "county", "industry", "overdue", "supervised", "legacy", "source", "focus",
                             "enterprise", "foundAfter", "foundBefore", "sort", "dir", "per"]

    // MARK: list

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let query = try req.hazardQuery()
        let page = try await req.zhiben.hazards.list(query, page: req.paging(), actor: ctx.caller)
        let lang = ctx.lang
        let now = req.zhiben.clock.now()
        var qs = QueryString()
        for key in Self.filterKeys { qs.set(key, req.queryString(key)) }
        let stateValue = req.queryString("state") ?? ""
        let stateOptions = [("open", ctx.t("未销号（全部在办）", "Open (all)"))] + labeledOptions(HazardState.self, lang)
        func flag(_ key: String, _ label: String) -> HTML {
            "<label class=\"check\"><input type=\"checkbox\" name=\"\(key)\" value=\"1\"\(HTML(raw: req.queryString(key) == "1" || req.queryString(key) == "true" ? " checked" : ""))> \(label)</label>"
        }
        let filters: HTML = """
        <form class="filters" method="get" action="\(SitePath.hazards.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("隐患、企业或位置", "Hazard, enterprise or location"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(await EnterprisePicker.filter(ctx, req))
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(stateOptions, selected: stateValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="level">\(ctx.t("等级", "Level"))</label><select id="level" name="level">\(Layout.options(labeledOptions(HazardLevel.self, lang), selected: query.level?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          \(HTML.when(ctx.caller.scope == .city) { """
          <div class="field"><label for="county">\(ctx.t("县（市、区）", "County"))</label><select id="county" name="county">\(Layout.options(County.all.map { ($0.code, $0.label(lang)) }, selected: query.countyCode, blank: ctx.t("全部", "All")))</select></div>
          """ })
          <div class="field"><label for="source">\(ctx.t("来源", "Source"))</label><select id="source" name="source">\(Layout.options(labeledOptions(HazardSource.self, lang), selected: query.source?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="focus">\(ctx.t("重点领域", "Focus"))</label><select id="focus" name="focus">\(Layout.options(labeledOptions(FocusTag.self, lang), selected: query.focusTag?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          \(flag("overdue", ctx.t("仅逾期", "Overdue only")))
          \(flag("supervised", ctx.t("仅挂牌督办", "Supervised only")))
          \(flag("legacy", ctx.t("仅遗留隐患", "Legacy only")))
          \(query.enterpriseID.map { HTML("<input type=\"hidden\" name=\"enterprise\" value=\"\($0.uuidString)\">") } ?? "")
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="\(SitePath.hazards.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        """
        func sortHeader(_ sort: HazardSort, _ label: String) -> HTML {
            let active = query.sort == sort
            let nextDir = active && query.direction == .desc ? "asc" : "desc"
            let mark = active ? (query.direction == .asc ? " ▲" : " ▼") : ""
            let aria = active ? (query.direction == .asc ? "ascending" : "descending") : "none"
            return "<th scope=\"col\" aria-sort=\"\(aria)\"><a href=\"\(qs.with("sort", sort.rawValue).with("dir", nextDir).with("page", nil).string)\">\(label)\(mark)</a></th>"
        }
        let filtered = qs.with("sort", nil).with("dir", nil).with("per", nil).items.isEmpty == false
        let table: HTML = page.items.isEmpty
            ? "<p class=\"empty\">\(filtered ? ctx.t("没有符合条件的隐患，请放宽筛选条件。", "No hazard matches these filters; try fewer.") : ctx.t("还没有隐患记录。", "No hazards are recorded yet."))\(HTML.when(ctx.caller.can(.hazardReport)) { " <a href=\"\(SitePath.hazardNew.path)\">\(ctx.t("报告隐患", "Report one"))</a>" })</p>"
            : HazardViews.table(page.items, ctx: ctx, now: now, sortHeader: sortHeader)
        let actions: HTML = """
        <div class="toolbar">
          <p class="count">\(ctx.t("共 \(page.total) 条隐患", "\(page.total) hazards"))\(HTML.when(page.total > 0) { "\(ctx.t("，第 \(page.page)/\(page.pageCount) 页", ", page \(page.page) of \(page.pageCount)"))" })</p>
          <div>
            \(HTML.when(ctx.caller.can(.hazardReport)) { "<a class=\"button primary\" href=\"\(SitePath.hazardNew.path)\(query.enterpriseID.map { "?enterprise=\($0.uuidString)" } ?? "")\">\(ctx.t("报告隐患", "Report a hazard"))</a>" })
            \(HTML.when(ctx.caller.can(.hazardExport)) { """
            <a class="button" href="\(SitePath.hazardExport.path)\(qs.with("page", nil).string)">\(ctx.t("导出台账", "Export ledger"))</a>
            <a class="button" href="\(SitePath.hazardPrint.path)\(qs.with("page", nil).string)">\(ctx.t("打印台账", "Print ledger"))</a>
            """ })
          </div>
        </div>
        """
        return .html(Layout.page(ctx, title: ctx.t("隐患排查治理", "Hazards"), HTML.join([filters, actions, table, Layout.pagination(page, query: qs, lang: lang)])))
    }

    /// 隐患台账, filtered as on screen, laid out for paper.
    func printView(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        // Paper holds a few thousand rows at most; the CSV export takes up to 50,000.
        let limit = 5_000
        let rows = try await req.zhiben.hazards.export(req.hazardQuery(), actor: ctx.caller, limit: limit)
        let now = req.zhiben.clock.now()
        let lang = ctx.lang
        let body = rows.enumerated().map { i, h -> HTML in
            let cells = HazardLedger.row(h, now: now).dropFirst().map { "<td>\($0)</td>" as HTML }
            return "<tr><td class=\"num\">\(i + 1)</td>\(cells)</tr>"
        }
        let content: HTML = """
        <p class="subtitle">\(ctx.scopeLabel) · \(ctx.t("打印时间", "Printed")) \(ChinaTime.display(now)) · \(ctx.t("共 \(rows.count) 条", "\(rows.count) rows"))</p>
        <p class="no-print"><button type="button" class="primary" data-print>\(ctx.t("打印", "Print"))</button> <a href="\(SitePath.hazards.path)">\(ctx.t("返回", "Back"))</a></p>
        <table class="data compact ledger"><thead><tr><th scope="col">#</th>\(HazardLedger.header.dropFirst().map { "<th scope=\"col\">\($0)</th>" as HTML })</tr></thead>
        <tbody>\(body)</tbody></table>
        \(rows.count >= limit ? HTML("<p class=\"muted\">\(lang.t("只列出前\(limit)条，请缩小筛选范围或导出CSV。", "Only the first \(limit) rows are listed; narrow the filters or export the CSV."))</p>") : "")
        """
        return .html(Layout.page(ctx, title: ctx.t("隐患台账", "Hazard ledger"), content))
    }

    func export(req: Request) async throws -> Response {
        let rows = try await req.zhiben.hazards.export(req.hazardQuery(), actor: req.caller)
        return HazardLedger.csvResponse(rows, now: req.zhiben.clock.now())
    }

    // MARK: report

    /// The report form posts the API's report fields, and a regulator may name the enterprise by its
    /// credit code instead of its id.
    typealias ReportForm = HazardInputDTO

    struct EnterpriseCodeForm: Content {
        /// What was typed in the picker, and the id it chose (text: an empty field must not fail decoding).
        var enterpriseCode: String?
        var enterprisePick: String?
    }

    func reportPage(_ ctx: PageContext, form: ReportForm, enterpriseCode: String? = nil, issues: [FieldIssue], enterprise: Enterprise?) -> HTML {
        let lang = ctx.lang
        let f = FormRenderer(lang: lang, issues: issues)
        let isEnterprise = if case .enterprise = ctx.caller.scope { true } else { false }
        let sources = HazardSource.allCases.filter { isEnterprise ? [.selfInspection, .internalReport, .monitoringAlarm, .accidentInvestigation].contains($0) : !$0.isEnterpriseOwn }
        let catalogue = CriteriaCatalogue.shipped
        let checked = Set(form.criteria ?? [])
        let groups = CriterionGroup.allCases.map { g -> HTML in
            let items = catalogue.criteria(of: catalogue.current.id).filter { $0.group == g }
            let boxes = items.map { c -> HTML in
                "<label class=\"check block\"><input type=\"checkbox\" name=\"criteria[]\" value=\"\(c.id)\"\(HTML(raw: checked.contains(c.id) ? " checked" : ""))> <span class=\"mono\">\(c.id)</span> \(c.summary(lang))</label>"
            }
            let open = items.contains { checked.contains($0.id) }
            return "<details\(HTML(raw: open ? " open" : ""))><summary>\(g.label(lang))（\(items.count)）</summary>\(boxes)</details>"
        }
        let content: HTML = """
        \(f.summary())
        <form method="post" action="\(SitePath.hazards.path)" class="grid-form" novalidate>
          \(ctx.csrfField)
          \(isEnterprise ? HTML("<p class=\"field\">\(ctx.t("企业：", "Enterprise: "))\(enterprise?.profile.name ?? "")</p>")
              : EnterprisePicker.field(ctx, issues: issues, idName: "enterprisePick", textName: "enterpriseCode", label: ctx.t("企业", "Enterprise"),
                                       selected: enterprise, typed: enterpriseCode ?? "", errorKey: "enterpriseId", required: true))
          \(f.text("title", ctx.t("隐患标题", "Title"), value: form.title ?? "", required: true, hint: ctx.t("如：铁水吊运跨下设有休息室", "e.g. a rest room under the hot-metal crane bay"), attrs: "maxlength=\"100\""))
          \(f.text("location", ctx.t("位置", "Location"), value: form.location ?? "", attrs: "maxlength=\"200\""))
          \(f.select("source", ctx.t("来源", "Source"), options: sources.map { ($0.rawValue, $0.label(lang)) }, selected: form.source ?? sources[0].rawValue, required: true))
          \(f.text("foundBy", ctx.t("发现人", "Found by"), value: form.foundBy ?? "", attrs: "maxlength=\"100\""))
          \(f.text("foundAt", ctx.t("发现日期", "Found on"), value: form.foundAt ?? ChinaTime.day(Date()), required: true, type: "date"))
          <div class="field wide"><label for="f-description">\(ctx.t("描述", "Description"))</label><textarea id="f-description" name="description" rows="3" maxlength="2000">\(form.description ?? "")</textarea>\(f.errors("description"))</div>
          \(f.checkboxes("focusTags", ctx.t("重点领域", "Focus areas"), options: labeledOptions(FocusTag.self, lang), checked: Set(form.focusTags ?? [])))
          \(f.select("level", ctx.t("初步判断等级", "Proposed level"), options: labeledOptions(HazardLevel.self, lang), selected: form.level ?? HazardLevel.general.rawValue))
          <fieldset class="field wide criteria\(HTML(raw: issues.contains { $0.field == "criteria" } ? " has-error" : ""))">
            <legend>\(ctx.t("判定依据（重大隐患须至少选一条）", "Criteria (a major hazard cites at least one)")) · <a href="\(SitePath.criteria.path)" target="_blank">\(ctx.t("查看判定标准", "See the criteria"))</a></legend>
            \(groups)
            \(f.errors("criteria"))
          </fieldset>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("提交报告", "Report"))</button> <a href="\(SitePath.hazards.path)">\(ctx.t("取消", "Cancel"))</a></div>
        </form>
        """
        return Layout.page(ctx, title: ctx.t("报告隐患", "Report a hazard"), content)
    }

    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardReport)
        var enterprise: Enterprise?
        if let id = try req.queryUUID("enterprise") {
            enterprise = try await req.zhiben.enterprises.get(id, actor: ctx.caller)
        } else if case .enterprise(let own) = ctx.caller.scope {
            enterprise = try await req.zhiben.enterprises.get(own, actor: ctx.caller)
        }
        // A report offered from another page may come with its title and criterion filled in.
        var form = ReportForm()
        form.title = req.queryString("title").map { String($0.prefix(100)) }
        if let c = req.queryString("criterion"), CriteriaCatalogue.shipped.criterion(c) != nil { form.criteria = [c]; form.level = HazardLevel.major.rawValue }
        return .html(reportPage(ctx, form: form, issues: [], enterprise: enterprise))
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        var form = try req.content.decode(ReportForm.self)
        let picked = try req.content.decode(EnterpriseCodeForm.self)
        let enterpriseCode = picked.enterpriseCode
        if case .enterprise = ctx.caller.scope {} else if form.enterpriseId == nil {
            // The picker sends the chosen id; a form sent without it names the enterprise by what was typed.
            switch try await EnterprisePicker.resolve(req, id: picked.enterprisePick, text: enterpriseCode, field: "enterpriseId") {
            case .success(let e): form.enterpriseId = e?.id
            case .failure(let issue):
                return .html(reportPage(ctx, form: form, enterpriseCode: enterpriseCode, issues: [issue], enterprise: nil), status: .unprocessableEntity)
            }
        }
        do {
            let h = try await req.zhiben.hazards.report(form.draft(), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.hazard(h.id).done("reported"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let e = await form.enterpriseId.asyncMap { try? await req.zhiben.enterprises.get($0, actor: ctx.caller) } ?? nil
            return .html(reportPage(ctx, form: form, enterpriseCode: enterpriseCode, issues: issues, enterprise: e), status: .unprocessableEntity)
        }
    }

    // MARK: one hazard

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("hazard")
        return .html(try await detailPage(ctx, id: id, req: req, flash: req.queryString("done"), failed: nil))
    }

    /// A step that failed: which action, what was typed and why.
    struct Failed {
        var action: HazardAction?
        var values: [String: String]
        var issues: [FieldIssue]
        var stale = false
        var message: String?
    }

    func detailPage(_ ctx: PageContext, id: UUID, req: Request, flash: String?, failed: Failed?) async throws -> HTML {
        let (h, events, photos) = try await req.zhiben.hazards.history(id, actor: ctx.caller)
        // Where it came from and what was done about it, as they are now: the alarm it was made from,
        // the inspection whose failed item it is.
        let alarm = ctx.caller.can(.monitoringRead) && h.source == .monitoringAlarm
            ? try await req.zhiben.alarms.list({ var q = AlarmQuery(); q.hazardID = h.id; return q }(), page: Paging(per: 1), actor: ctx.caller).items.first : nil
        let inspection = h.source == .inspection && (ctx.caller.can(.enforcementRead) || ctx.caller.can(.inspectionAssigned))
            ? try await req.zhiben.inspections.list(InspectionQuery(enterpriseID: h.enterpriseID), page: Paging(per: 50), actor: ctx.caller).items
                .first { $0.results.contains { $0.hazardID == h.id } } : nil
        let names = try await ActorNames.load(req, events.map(\.actor) + photos.map(\.uploadedBy) + [h.foundBy] + events.compactMap { $0.details["expert"] }
                                              + [h.expert?.by, h.supervision?.by, h.pendingExtension?.by, h.reportedBy].compactMap { $0 })
        let lang = ctx.lang
        let now = req.zhiben.clock.now()
        let catalogue = req.zhiben.hazards.catalogue
        func row(_ label: String, _ value: HTML) -> HTML { "<div><dt>\(label)</dt><dd>\(value)</dd></div>" }
        func text(_ s: String?) -> HTML { HTML("\(s.flatMap { $0.isEmpty ? nil : $0 } ?? "—")") }
        let flashText: String? = switch flash {
        case "reported": ctx.t("隐患已报告。", "The hazard has been reported.")
        case "photo": ctx.t("照片已上传。", "The photo has been uploaded.")
        case let code?: HazardAction(rawValue: code).map { ctx.t("已完成：\($0.zh)。", "Done: \($0.en).") }
        case nil: nil
        }
        let criteria = h.criteria.map { cid -> HTML in
            let c = catalogue.criterion(cid, standard: h.standard)
            return "<li><span class=\"mono\">\(cid)</span> \(c.map { "（\($0.citation(lang))）" } ?? "") \(c?.summary(lang) ?? "")</li>"
        }
        let plan: HTML = h.plan.map { p in
            """
            <section class="panel">
              <h2>\(ctx.t("整改方案（五落实）", "Rectification plan (five in place)"))</h2>
              <dl class="facts">
                \(row(ctx.t("责任落实", "Responsible"), text(p.responsible)))
                \(row(ctx.t("措施落实", "Measures"), text(p.measures)))
                \(row(ctx.t("资金落实（元）", "Funds (yuan)"), text(p.funds.map { "\($0)" })))
                \(row(ctx.t("时限落实", "Deadline"), text(p.deadline.map { ChinaTime.day($0) })))
                \(row(ctx.t("预案落实", "Contingency plan"), text(p.contingencyPlan)))
                \(row(ctx.t("临时安全措施", "Interim safeguards"), text(p.interimSafeguards)))
              </dl>
            </section>
            """
        } ?? ""
        let ack: HTML = h.acknowledgement.map { a in
            """
            \(row(ctx.t("主要负责人签收", "Principal informed"), text(a.principal + (a.principalReceivedAt.map { " · " + ChinaTime.display($0) } ?? ""))))
            \(row(ctx.t("实际控制人签收", "Actual controller informed"), text(a.controller + (a.controllerReceivedAt.map { " · " + ChinaTime.display($0) } ?? ""))))
            """
        } ?? ""
        let photoList: HTML = photos.isEmpty ? "" : """
        <section class="panel">
          <h2>\(ctx.t("照片", "Photos"))（\(photos.count)）</h2>
          <ul class="photos">\(photos.map { p -> HTML in
            "<li><a href=\"\(SitePath.hazardPhoto(h.id, p.id).path)\"><img src=\"\(SitePath.hazardPhoto(h.id, p.id).path)\" alt=\"\(ctx.t("隐患照片", "Hazard photo")) \(ChinaTime.display(p.uploadedAt))\" loading=\"lazy\"></a><span class=\"small muted\">\(names(p.uploadedBy)) · \(ChinaTime.display(p.uploadedAt))<br><code class=\"small\" title=\"SHA-256\">\(String(p.sha256.prefix(12)))…</code></span></li>"
          })</ul>
        </section>
        """
        let history = events.map { e -> HTML in
            let action = HazardAction(rawValue: e.action)?.label(lang) ?? (e.action == "report" ? ctx.t("报告", "Report") : e.action == "overdue" ? ctx.t("逾期提醒", "Overdue notice") : e.action)

            let change: HTML = e.fromState.map { from in from == e.toState ? "" : "\(from.label(lang)) → \(e.toState.label(lang))" } ?? "\(e.toState.label(lang))"
            return """
            <tr><td>\(ChinaTime.display(e.at))</td><td>\(names(e.actor))<br><span class="muted small">\(e.actorRole.label(lang))</span></td>
            <td>\(action)</td><td>\(change)</td><td>\(e.comment)\(HazardViews.details(e.details, lang: lang, names: names))\(HTML.when(!e.photoIDs.isEmpty) { "<span class=\"muted small\">\(ctx.t("照片", "photos")) \(e.photoIDs.count)</span>" })</td></tr>
            """
        }
        let allowed = HazardWorkflow.available(to: ctx.caller, on: h)
        var forms = HazardActionForms(ctx: ctx, hazard: h, failed: failed, now: now)
        if allowed.contains(.assignExpert) { forms.experts = try await req.zhiben.hazards.experts(actor: ctx.caller) }
        let actionForms = allowed.map { forms.form(for: $0) }
        let canUpload = h.state.isOpen && (ctx.caller.can(.hazardReport) || ctx.caller.can(.hazardRectify) || ctx.caller.can(.hazardAccept))
        let content: HTML = """
        \(Layout.flash(flashText))
        \(HTML.when(failed?.stale == true) { "<p class=\"flash error\" role=\"alert\">\(ctx.t("提交前该隐患已被他人处理，未保存您的操作。下面是最新情况，请确认后重新操作。", "Someone else acted on this hazard meanwhile, so your step was not saved. Here is the current state; check it and try again."))</p>" })
        \(failed?.message.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        <div class="toolbar">
          <p class="subtitle">\(HazardViews.levelTag(h.level, lang: lang)) \(HazardViews.stateTag(h.state, lang: lang)) \(HazardViews.markers(h, now: now, lang: lang))</p>
          <div>
            \(HTML.when(h.source == .publicReport && h.state.isOpen && ctx.caller.can(.drawManage)) { "<a class=\"button primary\" href=\"\(SitePath.newInspection(enterprise: h.enterpriseID, origin: .publicReport, originID: h.id))\">\(ctx.t("据举报安排执法检查", "Inspect on this report"))</a>" })
            <a class="button" href="\(SitePath.hazards.path)">\(ctx.t("返回列表", "Back to list"))</a>
          </div>
        </div>
        \(HTML.when(!actionForms.isEmpty) { "<section class=\"panel actions-panel\"><h2>\(ctx.t("待办操作", "Next steps"))</h2>\(actionForms)</section>" })
        <section class="panel">
          <h2>\(ctx.t("基本情况", "Facts"))</h2>
          <dl class="facts">
            \(row(ctx.t("企业", "Enterprise"), "<a href=\"\(SitePath.enterprise(h.enterpriseID).path)\">\(h.enterpriseName)</a>"))
            \(row(ctx.t("县（市、区）", "County"), text(County.named(h.countyCode)?.label(lang))))
            \(row(ctx.t("行业", "Industry"), text(h.industry.label(lang))))
            \(row(ctx.t("位置", "Location"), text(h.location)))
            \(row(ctx.t("来源", "Source"), text(h.source.label(lang))))
            \(alarm.map { a in HTML("<dt>\(ctx.t("来源报警", "From the alarm"))</dt><dd><a href=\"\(SitePath.alarm(a.id).path)\">\(a.pointName) \(a.conditionLabel(lang))（\(a.level.label(lang))）</a> · \(a.state.label(lang)) · \(a.normalAt.map { ctx.t("已于 \(ChinaTime.display($0)) 恢复正常", "back to normal \(ChinaTime.display($0))") } ?? ctx.t("尚未恢复正常", "still out"))</dd>") } ?? "")
            \(inspection.map { i in HTML("<dt>\(ctx.t("来源检查", "From the inspection"))</dt><dd><a href=\"\(SitePath.inspection(i.id).path)\">\(i.style.label(lang)) · \(i.plannedOn) · \(i.state.label(lang))</a></dd>") } ?? "")
            \(row(ctx.t("发现", "Found"), text("\(names(h.foundBy)) · \(ChinaTime.display(h.foundAt))")))
            \(row(ctx.t("重点领域", "Focus"), text(FocusTag.allCases.filter(h.focusTags.contains).map { $0.label(lang) }.joined(separator: "、"))))
            \(row(ctx.t("整改期限", "Deadline"), text(h.deadline.map { ChinaTime.day($0) })))
            \(h.expert.map { x in row(ctx.t("指派专家", "Assigned expert"), text("\(x.name) · \(names(x.by)) · \(ChinaTime.day(x.at))")) } ?? "")
            \(row(ctx.t("挂牌督办", "Supervision"), text(h.supervision.map { "\($0.level.label(lang)) · \(names($0.by)) · \(ChinaTime.day($0.at))\($0.note.isEmpty ? "" : " · " + $0.note)" })))
            \(h.pendingExtension.map { p in row(ctx.t("延期申请", "Extension requested"), text("\(ChinaTime.day(p.newDeadline)) · \(p.reason) · \(names(p.by))")) } ?? "")
            \(ack)
            \(HTML.when(!h.evidence.isEmpty) { row(ctx.t("整改情况", "Rectification"), text(h.evidence)) })
            \(h.rejectionReason.map { row(ctx.t("不予认定理由", "Rejected because"), text($0)) } ?? "")
          </dl>
          \(HTML.when(!h.description.isEmpty) { "<p>\(h.description)</p>" })
          \(HTML.when(!criteria.isEmpty) { "<h3>\(ctx.t("判定依据", "Criteria"))</h3><ul class=\"criteria-list\">\(criteria)</ul>" })
        </section>
        \(plan)
        \(photoList)
        \(HTML.when(canUpload) { """
        <section class="panel">
          <h2>\(ctx.t("上传照片", "Upload a photo"))</h2>
          <form method="post" action="\(SitePath.hazardPhotos(h.id).path)" enctype="multipart/form-data" class="inline-upload">
            \(ctx.csrfField)
            <label for="photo-upload">\(ctx.t("照片（JPEG、PNG、WebP，不超过5MB）", "Photo (JPEG, PNG, WebP, at most 5 MB)"))</label>
            <input id="photo-upload" name="photo" type="file" accept="image/jpeg,image/png,image/webp" required>
            <button type="submit">\(ctx.t("上传", "Upload"))</button>
          </form>
        </section>
        """ })
        <section class="panel">
          <h2>\(ctx.t("处理记录", "History"))</h2>
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">\(ctx.t("操作人", "By"))</th><th scope="col">\(ctx.t("操作", "Action"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("说明", "Details"))</th></tr></thead>
          <tbody>\(history)</tbody></table></div>
        </section>
        """
        return Layout.page(ctx, title: h.title, content)
    }

    /// A web step: the action's form posts here; errors show the page again with what was typed.
    func transition(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("hazard")
        let current = try await req.zhiben.hazards.get(id, actor: ctx.caller)
        let form = try req.content.decode(HazardActionForms.Form.self)
        var failed = Failed(action: HazardAction(rawValue: form.action ?? ""), values: form.values, issues: [])
        do {
            var photoIDs: [UUID] = []
            for file in form.photos ?? [] where file.data.readableBytes > 0 {
                guard file.data.readableBytes <= HazardRules.maxPhotoBytes else {
                    throw DomainError.validation([FieldIssue(field: "photos", zh: "照片“\(file.filename)”超过\(HazardRules.maxPhotoBytes >> 20)MB", en: "photo \(file.filename) is larger than \(HazardRules.maxPhotoBytes >> 20) MB")])
                }
                if ImageType.detect(Data(buffer: file.data)) == nil {
                    throw DomainError.validation([FieldIssue(field: "photos", zh: "“\(file.filename)”不是 JPEG、PNG 或 WebP 图片", en: "\(file.filename) is not a JPEG, PNG or WebP image")])
                }
            }
            let dto = try form.transition()
            let (action, input0) = try dto.parsed()
            // Photos are stored only once the step's own fields are known to be complete.
            _ = try HazardWorkflow.perform(action, on: current, by: ctx.caller,
                                           input: input0, catalogue: req.zhiben.hazards.catalogue, now: req.zhiben.clock.now())
            for file in form.photos ?? [] where file.data.readableBytes > 0 {
                photoIDs.append(try await req.zhiben.hazards.addPhoto(hazardID: id, data: Data(buffer: file.data), actor: ctx.caller, origin: req.origin).id)
            }
            var input = input0
            input.photoIDs += photoIDs
            _ = try await req.zhiben.hazards.perform(id, action: action, input: input, expectedVersion: form.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.hazard(id).done(action.rawValue))
        } catch DomainError.staleVersion {
            failed.stale = true
            return .html(try await detailPage(ctx, id: id, req: req, flash: nil, failed: failed), status: .conflict)
        } catch let error as DomainError {
            switch error {
            case .validation, .conflict: failed.issues = error.fieldIssues ?? []
            case .invalidTransition(let from, let event):
                failed.message = ctx.t("当前状态（\(HazardState(rawValue: from)?.zh ?? from)）不允许此操作（\(HazardAction(rawValue: event)?.zh ?? event)）。",
                                       "This step (\(event)) is not allowed in the current state (\(from)).")
            case .forbidden: failed.message = ctx.t("此操作应由其他单位办理。", "Another party takes this step.")
            default: throw error
            }
            let status: HTTPResponseStatus = if case .invalidTransition = error { .conflict } else if case .forbidden = error { .forbidden } else { .unprocessableEntity }
            return .html(try await detailPage(ctx, id: id, req: req, flash: nil, failed: failed), status: status)
        }
    }

    struct PhotoForm: Content { var photo: File? }

    func uploadPhoto(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("hazard")
        let form = try req.content.decode(PhotoForm.self)
        do {
            guard let file = form.photo, file.data.readableBytes > 0 else {
                throw DomainError.validation([FieldIssue(field: "photo", zh: "请选择照片", en: "choose a photo")])
            }
            _ = try await req.zhiben.hazards.addPhoto(hazardID: id, data: Data(buffer: file.data), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.hazard(id).done("photo"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let failed = Failed(action: nil, values: [:], issues: issues, message: issues.map { $0.reason(ctx.lang) }.joined(separator: " "))
            return .html(try await detailPage(ctx, id: id, req: req, flash: nil, failed: failed), status: .unprocessableEntity)
        }
    }

    func photo(req: Request) async throws -> Response {
        try await PhotoResponse.serve(req)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
