import Foundation
import Vapor
import ZhibenDomain

struct EnterprisePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.enterprises, use: list)
        routes.get(WebRoute.enterpriseExport, use: export)
        routes.get(WebRoute.enterpriseNew, use: newForm)
        routes.get(WebRoute.enterpriseSuggest, use: EnterprisePicker.suggest)
        routes.post(WebRoute.enterprises, use: create)
        routes.get(WebRoute.enterprise, use: show)
        routes.get(WebRoute.enterpriseEdit, use: editForm)
        routes.post(WebRoute.enterprise, use: update)
        routes.post(WebRoute.enterpriseContacts, use: updateContacts)
        routes.post(WebRoute.enterpriseDeactivate, use: deactivate)
        routes.post(WebRoute.enterpriseReactivate, use: reactivate)
        routes.post(WebRoute.enterpriseGrade, use: overrideGrade)
    }

    // MARK: list

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let query = try req.enterpriseQuery()
        let page = try await req.zhiben.enterprises.list(query, page: req.paging(), actor: ctx.caller)
        let lang = ctx.lang

        var qs = QueryString()
        for key in ["q", "county", "industry", "risk", "grade", "standardization", "status", "inactive", "sort", "dir", "per"] {
            qs.set(key, req.queryString(key))
        }
        let cityWide = ctx.caller.scope == .city
        let filters: HTML = """
        <form class="filters" method="get" action="\(SitePath.enterprises.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("名称或信用代码", "Name or credit code"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(HTML.when(cityWide) { """
          <div class="field"><label for="county">\(ctx.t("县（市、区）", "County"))</label><select id="county" name="county">\(Layout.options(County.all.map { ($0.code, $0.label(lang)) }, selected: query.countyCode, blank: ctx.t("全部", "All")))</select></div>
          """ })
          <div class="field"><label for="industry">\(ctx.t("行业", "Industry"))</label><select id="industry" name="industry">\(Layout.options(labeledOptions(Industry.self, lang), selected: query.industry?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="risk">\(ctx.t("专项风险", "Special risk"))</label><select id="risk" name="risk">\(Layout.options(labeledOptions(SpecialRisk.self, lang), selected: query.specialRisk?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="grade">\(ctx.t("监管等级", "Grade"))</label><select id="grade" name="grade">\(Layout.options(labeledOptions(SupervisionGrade.self, lang), selected: query.grade?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="standardization">\(ctx.t("标准化", "Standardization"))</label><select id="standardization" name="standardization">\(Layout.options(labeledOptions(StandardizationGrade.self, lang), selected: query.standardization?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="status">\(ctx.t("经营状态", "Status"))</label><select id="status" name="status">\(Layout.options(labeledOptions(OperatingStatus.self, lang), selected: query.status?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <label class="check"><input type="checkbox" name="inactive" value="1"\(HTML(raw: query.includeInactive ? " checked" : ""))> \(ctx.t("含已停用", "Include deactivated"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="\(SitePath.enterprises.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        """

        func sortHeader(_ sort: EnterpriseSort, _ label: String) -> HTML {
            let active = query.sort == sort
            let nextDir = active && query.direction == .asc ? "desc" : "asc"
            let mark = active ? (query.direction == .asc ? " ▲" : " ▼") : ""
            let aria = active ? (query.direction == .asc ? "ascending" : "descending") : "none"
            return "<th scope=\"col\" aria-sort=\"\(aria)\"><a href=\"\(qs.with("sort", sort.rawValue).with("dir", nextDir).with("page", nil).string)\">\(label)\(mark)</a></th>"
        }

        let rows = page.items.map { e -> HTML in
            let risks = SpecialRisk.allCases.filter(e.profile.specialRisks.contains).map { $0.label(lang) }.joined(separator: "、")
            return """
            <tr\(HTML(raw: e.active ? "" : " class=\"inactive\""))>
              <td><a href="\(SitePath.enterprise(e.id).path)">\(e.profile.name)</a>\(HTML.when(!e.active) { " <span class=\"tag\">\(ctx.t("已停用", "deactivated"))</span>" })</td>
              <td class="mono">\(e.profile.creditCode)</td>
              <td>\(e.county?.label(lang) ?? e.profile.countyCode)</td>
              <td>\(e.profile.industry.label(lang))<br><span class="muted">\(e.profile.subIndustry)</span></td>
              <td>\(risks)</td>
              <td class="num">\(e.profile.employees)</td>
              <td>\(Layout.gradeBadge(e.grade, lang: lang))</td>
              <td>\(e.profile.standardization.label(lang))</td>
            </tr>
            """
        }
        let table: HTML = ctx.caller.scope.isAssigned
            ? "<p class=\"empty\">\(ctx.t("专家只查看指派给自己的隐患（见“隐患”）；企业名单不向专家开放。", "Experts see the hazards assigned to them (under Hazards); the registry is not open to experts."))</p>"
            : page.items.isEmpty
            ? "<p class=\"empty\">\(page.total == 0 && query == EnterpriseQuery(sort: query.sort, direction: query.direction) ? ctx.t("还没有企业。", "No enterprises yet.") : ctx.t("没有符合条件的企业，请放宽筛选条件。", "No enterprise matches these filters; try fewer."))\(HTML.when(ctx.caller.can(.enterpriseCreate)) { " <a href=\"\(SitePath.enterpriseNew.path)\">\(ctx.t("登记企业", "Register one"))</a>" })</p>"
            : """
            <div class="table-wrap"><table class="data">
              <thead><tr>
                \(sortHeader(.name, ctx.t("企业名称", "Name")))
                \(sortHeader(.creditCode, ctx.t("统一社会信用代码", "Credit code")))
                \(sortHeader(.county, ctx.t("县（市、区）", "County")))
                \(sortHeader(.industry, ctx.t("行业", "Industry")))
                <th scope="col">\(ctx.t("专项风险", "Special risks"))</th>
                \(sortHeader(.employees, ctx.t("从业人数", "Employees")))
                \(sortHeader(.grade, ctx.t("监管等级", "Grade")))
                <th scope="col">\(ctx.t("标准化", "Standardization"))</th>
              </tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>
            """
        let actions: HTML = """
        <div class="toolbar">
          <p class="count">\(ctx.t("共 \(page.total) 家企业", "\(page.total) enterprises"))\(HTML.when(page.total > 0) { "\(ctx.t("，第 \(page.page)/\(page.pageCount) 页", ", page \(page.page) of \(page.pageCount)"))" })</p>
          <div>
            \(HTML.when(ctx.caller.can(.enterpriseCreate)) { "<a class=\"button primary\" href=\"\(SitePath.enterpriseNew.path)\">\(ctx.t("登记企业", "Register enterprise"))</a>" })
            \(HTML.when(ctx.caller.can(.enterpriseImport)) { "<a class=\"button\" href=\"\(SitePath.enterpriseImport.path)\">\(ctx.t("批量导入", "Import CSV"))</a>" })
            \(HTML.when(ctx.caller.can(.enterpriseExport)) { "<a class=\"button\" href=\"\(SitePath.enterpriseExport.path)\(qs.with("page", nil).string)\">\(ctx.t("导出CSV", "Export CSV"))</a>" })
          </div>
        </div>
        """
        return .html(Layout.page(ctx, title: ctx.t("企业基础信息", "Enterprises"),
                                 HTML.join([filters, actions, table, Layout.pagination(page, query: qs, lang: lang)])))
    }

    func export(req: Request) async throws -> Response {
        let caller = try req.caller
        let rows = try await req.zhiben.enterprises.export(req.enterpriseQuery(), actor: caller)
        let data = CSV.document(header: EnterpriseCSV.exportHeader, rows: rows.map(EnterpriseCSV.exportRow))
        let res = Response.csv(data, filename: "enterprises.csv", displayName: "企业名单-\(ChinaTime.day(req.zhiben.clock.now())).csv")
        return res
    }

    // MARK: detail

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let e = try await req.zhiben.enterprises.get(req.recordID("enterprise"), actor: ctx.caller)
        return .html(detailPage(ctx, e, req: req, flash: req.queryString("done"), issues: [], history: try await history(e, ctx: ctx, req: req),
                                standing: ctx.caller.can(.hazardRead) ? try await req.zhiben.selfInspections.standing(enterpriseID: e.id, actor: ctx.caller) : nil,
                                offDuty: try await req.zhiben.penalties.exams(inspectionID: nil, enterpriseID: e.id, outstandingOnly: true, actor: ctx.caller)))
    }

    func history(_ e: Enterprise, ctx: PageContext, req: Request) async throws -> [AuditEntry] {
        let entries = try await req.zhiben.auditLog.history(entityType: "enterprise", entityID: e.id.uuidString, actor: ctx.caller)
        let names = try await ActorNames.load(req, entries.map(\.actorUsername))
        return entries.map { var h = $0; h.actorUsername = names(h.actorUsername); return h }
    }

    func detailPage(_ ctx: PageContext, _ e: Enterprise, req: Request, flash: String?, issues: [FieldIssue], history: [AuditEntry],
                    standing: SelfInspectionStanding? = nil, offDuty: [WorkerExam] = []) -> HTML {
        let lang = ctx.lang
        let p = e.profile
        let classification = req.zhiben.enterprises.classification(of: e)
        let form = FormRenderer(lang: lang, issues: issues)
        // Each action's form shows only its own errors; the summary above lists them all.
        let gradeForm = FormRenderer(lang: lang, issues: flash == "grade" ? issues : [], prefix: "grade-")
        let deactivateFields = FormRenderer(lang: lang, issues: flash == "deactivate" ? issues : [], prefix: "deactivate-")
        let contactFields = FormRenderer(lang: lang, issues: flash == "contacts" ? issues : [])
        func row(_ label: String, _ value: String) -> HTML { "<div><dt>\(label)</dt><dd>\(value.isEmpty ? "—" : value)</dd></div>" }
        func person(_ c: ContactPerson) -> String { c.name.isEmpty ? "" : c.name + (c.phone.isEmpty ? "" : "（\(c.phone)）") }
        let versionField: HTML = "<input type=\"hidden\" name=\"version\" value=\"\(e.version)\">"
        let flashText: String? = switch flash {
        case "stale": ctx.t("提交前该企业已被他人修改，未保存您的操作。下面是最新信息，请确认后重新操作。",
                            "Someone else changed this enterprise meanwhile, so your action was not saved. Here is the current record; check it and try again.")
        case "created": ctx.t("企业已登记。", "The enterprise has been registered.")
        case "updated": ctx.t("已保存。", "Saved.")
        case "deactivated": ctx.t("企业已停用。", "The enterprise has been deactivated.")
        case "reactivated": ctx.t("企业已恢复在册。", "The enterprise is active again.")
        case "graded": ctx.t("监管等级已调整。", "The supervision grade has been changed.")
        default: nil
        }
        let reasons = classification.reasons.map { r -> HTML in "<li>\(lang == .en ? r.en : r.zh)</li>" }
        let overrideInfo: HTML = e.gradeOverride.map { o in
            "<p class=\"notice\">\(ctx.t("人工调整为", "Manually set to")) \(Layout.gradeBadge(o.grade, lang: lang))\(ctx.t("（计算结果为", " (computed: "))\(e.computedGrade.label(lang))\(ctx.t("）。原因：", "). Reason: "))\(o.reason) — \(o.byUsername)，\(ChinaTime.display(o.at))</p>"
        } ?? ""

        let classifyForm: HTML = HTML.when(ctx.caller.can(.enterpriseClassify) && e.active) { """
        <details class="panel-form"\(HTML(raw: flash == "grade" ? " open" : ""))>
          <summary>\(ctx.t("人工调整监管等级", "Override the grade"))</summary>
          <form method="post" action="\(SitePath.enterpriseGrade(e.id).path)">
            \(ctx.csrfField)\(versionField)
            \(gradeForm.select("grade", ctx.t("调整为", "Set to"), options: [("", ctx.t("恢复为计算结果", "Back to the computed grade"))] + labeledOptions(SupervisionGrade.self, lang), selected: e.gradeOverride?.grade.rawValue ?? ""))
            \(gradeForm.text("reason", ctx.t("调整原因", "Reason"), value: "", required: true))
            <button type="submit">\(ctx.t("保存调整", "Save"))</button>
          </form>
        </details>
        """ }

        let deactivateForm: HTML = HTML.when(ctx.caller.can(.enterpriseDeactivate)) {
            e.active ? """
            <details class="panel-form danger"\(HTML(raw: flash == "deactivate" ? " open" : ""))>
              <summary>\(ctx.t("停用企业", "Deactivate"))</summary>
              <form method="post" action="\(SitePath.enterpriseDeactivate(e.id).path)">
                \(ctx.csrfField)\(versionField)
                <p>\(ctx.t("停用后企业不再出现在默认名单中，记录保留，可随时恢复。", "A deactivated enterprise leaves the default list; its record is kept and can be restored."))</p>
                \(deactivateFields.text("reason", ctx.t("停用原因", "Reason"), value: "", required: true))
                \(deactivateFields.errors("confirm"))
                <label class="check"><input type="checkbox" name="confirm" value="yes" required> \(ctx.t("我确认停用“\(p.name)”", "I confirm deactivating \(p.name)"))</label>
                <button type="submit" class="danger">\(ctx.t("确认停用", "Deactivate"))</button>
              </form>
            </details>
            """ : """
            <form method="post" action="\(SitePath.enterpriseReactivate(e.id).path)" class="inline">
              \(ctx.csrfField)\(versionField)<button type="submit">\(ctx.t("恢复在册", "Reactivate"))</button>
            </form>
            """
        }

        let contactsForm: HTML = HTML.when(!ctx.caller.can(.enterpriseUpdate) && ctx.caller.can(.enterpriseUpdateContacts)) { """
        <section class="panel">
          <h2>\(ctx.t("更新联系人", "Update contacts"))</h2>
          <form method="post" action="\(SitePath.enterpriseContacts(e.id).path)" class="grid-form">
            \(ctx.csrfField)\(versionField)
            \(contactFields.text("principalName", ctx.t("主要负责人", "Principal"), value: p.principal.name, errorKey: EnterpriseDraft.Field.principalName, required: true))
            \(contactFields.text("principalPhone", ctx.t("主要负责人电话", "Principal's phone"), value: p.principal.phone, errorKey: EnterpriseDraft.Field.principalPhone, type: "tel"))
            \(contactFields.text("controllerName", ctx.t("实际控制人", "Actual controller"), value: p.actualController.name, errorKey: EnterpriseDraft.Field.controllerName))
            \(contactFields.text("controllerPhone", ctx.t("实际控制人电话", "Controller's phone"), value: p.actualController.phone, errorKey: EnterpriseDraft.Field.controllerPhone, type: "tel"))
            \(contactFields.text("safetyManagerName", ctx.t("安全管理负责人", "Safety manager"), value: p.safetyManager.name, errorKey: EnterpriseDraft.Field.safetyManagerName))
            \(contactFields.text("safetyManagerPhone", ctx.t("安全管理负责人电话", "Safety manager's phone"), value: p.safetyManager.phone, errorKey: EnterpriseDraft.Field.safetyManagerPhone, type: "tel"))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button></div>
          </form>
        </section>
        """ }

        let historyHTML: HTML = history.isEmpty ? "" : """
        <section class="panel">
          <h2>\(ctx.t("变更记录", "History"))</h2>
          <table class="data compact"><thead><tr><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">\(ctx.t("操作人", "By"))</th><th scope="col">\(ctx.t("操作", "Action"))</th><th scope="col">\(ctx.t("变更字段", "Fields"))</th></tr></thead>
          <tbody>\(history.map { h -> HTML in "<tr><td>\(ChinaTime.display(h.at))</td><td>\(h.actorUsername)</td><td>\(RecordNames.action(h.action, lang))</td><td>\(RecordNames.fields(h.changes.map(\.field), lang).prefix(8).joined(separator: "、"))\(h.changes.count > 8 ? "…" : "")</td></tr>" })</tbody></table>
          <p><a href="\(SitePath.audit.path)?entityType=enterprise&amp;entityID=\(e.id.uuidString)">\(ctx.t("查看全部", "See all"))</a></p>
        </section>
        """

        let content: HTML = """
        \(Layout.flash(flashText, kind: flash == "stale" ? "error" : "ok"))
        \(form.summary())
        <div class="toolbar">
          <p class="subtitle mono">\(p.creditCode) · \(e.county?.label(lang) ?? p.countyCode)\(HTML.when(!e.active) { " · <span class=\"tag\">\(ctx.t("已停用", "deactivated"))：\(e.deactivationReason ?? "")</span>" })</p>
          <div>
            \(HTML.when(ctx.caller.can(.enterpriseUpdate) && e.active) { "<a class=\"button primary\" href=\"\(SitePath.enterpriseEdit(e.id).path)\">\(ctx.t("编辑", "Edit"))</a>" })
            <a class="button" href="\(SitePath.enterprises.path)">\(ctx.t("返回名单", "Back to list"))</a>
          </div>
        </div>
        <section class="panel classification">
          <h2>\(ctx.t("分级分类", "Supervision grade")) \(Layout.gradeBadge(e.grade, lang: lang))</h2>
          \(overrideInfo)
          <p>\(ctx.t("按规则计算为", "The rules give")) <strong>\(classification.grade.label(lang))</strong>\(ctx.t("，依据：", ", because:"))</p>
          <ul class="reasons">\(reasons)</ul>
          \(classifyForm)
        </section>
        <section class="panel">
          <h2>\(ctx.t("基本信息", "Basic information"))</h2>
          <dl class="facts">
            \(row(ctx.t("企业名称", "Name"), p.name))
            \(row(ctx.t("统一社会信用代码", "Credit code"), p.creditCode))
            \(row(ctx.t("县（市、区）", "County"), e.county?.label(lang) ?? p.countyCode))
            \(row(ctx.t("乡镇（街道）", "Township"), p.township))
            \(row(ctx.t("地址", "Address"), p.address))
            \(row(ctx.t("坐标", "Coordinates"), p.coordinates.map { "\($0.longitude), \($0.latitude)" } ?? ""))
            \(row(ctx.t("行业", "Industry"), p.industry.label(lang) + (p.subIndustry.isEmpty ? "" : " · " + p.subIndustry)))
            \(row(ctx.t("规模", "Scale"), p.scale.label(lang)))
            \(row(ctx.t("从业人数", "Employees"), String(p.employees)))
            \(row(ctx.t("经营状态", "Status"), p.status.label(lang)))
            \(row(ctx.t("监管部门", "Supervising department"), p.supervisingDepartment))
          </dl>
        </section>
        <section class="panel">
          <h2>\(ctx.t("专项风险", "Special risks"))</h2>
          <dl class="facts">
            \(row(ctx.t("专项风险", "Special risks"), SpecialRisk.allCases.filter(p.specialRisks.contains).map { $0.label(lang) }.joined(separator: "、")))
            \(row(ctx.t("粉尘种类", "Dust types"), DustType.allCases.filter(p.dustTypes.contains).map { $0.label(lang) }.joined(separator: "、")))
            \(row(ctx.t("涉粉作业人数", "Dust workers"), String(p.dustWorkers)))
            \(row(ctx.t("安全生产标准化", "Standardization"), p.standardization.label(lang) + (p.standardizationValidUntil.map { ctx.t("，有效期至", ", valid until ") + ChinaTime.day($0) } ?? "")))
          </dl>
        </section>
        <section class="panel">
          <h2>\(ctx.t("责任人", "People"))</h2>
          <dl class="facts">
            \(row(ctx.t("主要负责人", "Principal"), person(p.principal)))
            \(row(ctx.t("实际控制人", "Actual controller"), person(p.actualController)))
            \(row(ctx.t("安全管理负责人", "Safety manager"), person(p.safetyManager)))
          </dl>
        </section>
        \(HTML.when(ctx.caller.can(.hazardRead)) { """
        <section class="panel">
          <h2>\(ctx.t("隐患排查治理", "Hazards"))</h2>
          <p>
            <a class="button" href="\(SitePath.hazards.path)?enterprise=\(e.id.uuidString)&amp;state=open">\(ctx.t("未销号隐患", "Open hazards"))</a>
            <a class="button" href="\(SitePath.hazards.path)?enterprise=\(e.id.uuidString)">\(ctx.t("全部隐患", "All hazards"))</a>
            <a class="button" href="\(SitePath.enterpriseChecklist(e.id).path)">\(ctx.t("适用检查清单", "Applicable checklist"))</a>
            \(HTML.when(ctx.caller.can(.hazardReport) && e.active) { "<a class=\"button primary\" href=\"\(SitePath.hazardNew.path)?enterprise=\(e.id.uuidString)\">\(ctx.t("报告隐患", "Report a hazard"))</a>" })
            \(HTML.when(ctx.caller.can(.drawManage) && e.active) { "<a class=\"button\" href=\"\(SitePath.newInspection(enterprise: e.id, origin: .manual))\">\(ctx.t("安排执法检查", "Arrange an inspection"))</a>" })
          </p>
          <p>\(ctx.t("差异化监管：", "Differentiated supervision: "))\(SupervisionFrequency.label(SupervisionFrequency.perTwoYears(e, now: req.zhiben.clock.now()), ctx.lang))\(ctx.t("（按监管分级和标准化等级）", " (from the grade and standardization)"))</p>
          \(HTML.when(!offDuty.isEmpty) { "<p>\(ctx.t("逢查必考不合格、待培训补考（离岗）：", "Failed an inspection exam, off duty until re-examined: "))\(HTML.join(offDuty.map { x in "<span class=\"tag red\">\(x.workerName)（\(x.job)，\(x.examinedOn)）</span> " as HTML }))</p>" })
          \(standing.map { s in HTML("<p>\(ctx.t("主要负责人带队自查（\(s.cadence.zh)）：", "Principal-led self-inspection (\(s.cadence.en)): "))\(s.missed > 0 ? HTML("<span class=\"tag red\">\(ctx.t("漏查 \(s.missed) 期", "\(s.missed) periods missed"))</span>") : HTML("<span class=\"tag green\">\(ctx.t("无漏查", "none missed"))</span>")) \(SelfInspectionPages.periodChips(s, lang: ctx.lang, last: 8))</p>") } ?? "")
        </section>
        """ })
        \(contactsForm)
        \(historyHTML)
        \(deactivateForm)
        """
        return Layout.page(ctx, title: p.name, content)
    }

    // MARK: create / edit

    func formPage(_ ctx: PageContext, draft: EnterpriseDraft, issues: [FieldIssue], existing: Enterprise?, notice: HTML = "") -> HTML {
        let lang = ctx.lang
        let f = FormRenderer(lang: lang, issues: issues)
        var counties = County.all
        if case .county(let c) = ctx.caller.scope { counties = counties.filter { $0.code == c } }
        let selectedCounty = County.lookup(draft.countyCode)?.code ?? (counties.count == 1 ? counties[0].code : "")
        let townships = County.townships[selectedCounty] ?? []
        let action = existing.map { "\(SitePath.enterprise($0.id).path)" } ?? "\(SitePath.enterprises.path)"
        let content: HTML = """
        \(notice)
        \(f.summary())
        <form method="post" action="\(action)" class="grid-form" novalidate>
          \(ctx.csrfField)
          \(HTML.when(existing != nil) { "<input type=\"hidden\" name=\"version\" value=\"\(existing?.version ?? 0)\">" })
          <h2>\(ctx.t("基本信息", "Basic information"))</h2>
          \(f.text("creditCode", ctx.t("统一社会信用代码", "Unified social credit code"), value: draft.creditCode, required: true,
                   hint: ctx.t("18位，登记后不可修改", "18 characters; cannot change later"), attrs: existing != nil ? "readonly" : "maxlength=\"18\" autocapitalize=\"characters\""))
          \(f.text("name", ctx.t("企业名称", "Name"), value: draft.name, required: true, attrs: "maxlength=\"100\""))
          \(f.select("countyCode", ctx.t("所属县（市、区）", "County"), options: counties.map { ($0.code, $0.label(lang)) }, selected: selectedCounty, required: true, blank: counties.count == 1 ? nil : ctx.t("请选择", "Choose")))
          \(f.text("township", ctx.t("乡镇（街道）", "Township"), value: draft.township, attrs: "list=\"townships\""))
          <datalist id="townships">\(townships.map { "<option value=\"\($0)\">" as HTML })</datalist>
          <script type="application/json" id="township-data">\(Self.townshipJSON)</script>
          \(f.text("address", ctx.t("地址", "Address"), value: draft.address, attrs: "maxlength=\"200\""))
          \(f.text("longitude", ctx.t("经度", "Longitude"), value: draft.longitude, attrs: "inputmode=\"decimal\""))
          \(f.text("latitude", ctx.t("纬度", "Latitude"), value: draft.latitude, attrs: "inputmode=\"decimal\""))
          \(f.select("industry", ctx.t("行业", "Industry"), options: labeledOptions(Industry.self, lang), selected: draft.industry, required: true, blank: ctx.t("请选择", "Choose")))
          \(f.text("subIndustry", ctx.t("细分行业", "Sub-industry"), value: draft.subIndustry, hint: ctx.t("如：钢铁冶炼、铝加工（深井铸造）", "e.g. steel smelting, aluminium deep-well casting")))
          \(f.select("scale", ctx.t("规模", "Scale"), options: labeledOptions(EnterpriseScale.self, lang), selected: draft.scale.isEmpty ? EnterpriseScale.belowDesignated.rawValue : draft.scale))
          \(f.text("employees", ctx.t("从业人数", "Employees"), value: draft.employees, type: "number", attrs: "min=\"0\""))
          \(f.select("status", ctx.t("经营状态", "Status"), options: labeledOptions(OperatingStatus.self, lang), selected: draft.status.isEmpty ? OperatingStatus.operating.rawValue : draft.status))
          \(f.text("supervisingDepartment", ctx.t("监管部门", "Supervising department"), value: draft.supervisingDepartment))
          <h2>\(ctx.t("专项风险", "Special risks"))</h2>
          \(f.checkboxes("specialRisks", ctx.t("涉及的专项风险", "Special risks present"), options: labeledOptions(SpecialRisk.self, lang), checked: Set(draft.specialRisks)))
          \(f.checkboxes("dustTypes", ctx.t("粉尘种类（粉尘涉爆企业）", "Dust types (combustible dust)"), options: labeledOptions(DustType.self, lang), checked: Set(draft.dustTypes)))
          \(f.text("dustWorkers", ctx.t("涉粉作业人数", "Dust workers"), value: draft.dustWorkers, type: "number", attrs: "min=\"0\""))
          \(f.select("standardization", ctx.t("安全生产标准化等级", "Standardization grade"), options: labeledOptions(StandardizationGrade.self, lang), selected: draft.standardization.isEmpty ? StandardizationGrade.none.rawValue : draft.standardization))
          \(f.text("standardizationValidUntil", ctx.t("标准化有效期至", "Standardization valid until"), value: draft.standardizationValidUntil, type: "date"))
          <h2>\(ctx.t("责任人", "People"))</h2>
          \(f.text("principalName", ctx.t("主要负责人", "Principal"), value: draft.principalName, errorKey: EnterpriseDraft.Field.principalName, required: true))
          \(f.text("principalPhone", ctx.t("主要负责人电话", "Principal's phone"), value: draft.principalPhone, errorKey: EnterpriseDraft.Field.principalPhone, type: "tel"))
          \(f.text("controllerName", ctx.t("实际控制人", "Actual controller"), value: draft.controllerName, errorKey: EnterpriseDraft.Field.controllerName))
          \(f.text("controllerPhone", ctx.t("实际控制人电话", "Controller's phone"), value: draft.controllerPhone, errorKey: EnterpriseDraft.Field.controllerPhone, type: "tel"))
          \(f.text("safetyManagerName", ctx.t("安全管理负责人", "Safety manager"), value: draft.safetyManagerName, errorKey: EnterpriseDraft.Field.safetyManagerName))
          \(f.text("safetyManagerPhone", ctx.t("安全管理负责人电话", "Safety manager's phone"), value: draft.safetyManagerPhone, errorKey: EnterpriseDraft.Field.safetyManagerPhone, type: "tel"))
          <div class="actions">
            <button type="submit" class="primary">\(ctx.t("保存", "Save"))</button>
            <a href="\(existing.map { "\(SitePath.enterprise($0.id).path)" } ?? "\(SitePath.enterprises.path)")">\(ctx.t("取消", "Cancel"))</a>
          </div>
        </form>
        """
        let title = existing == nil ? ctx.t("登记企业", "Register enterprise") : ctx.t("编辑：", "Edit: ") + (existing?.profile.name ?? "")
        return Layout.page(ctx, title: title, content)
    }

    /// Townships per county for the form's script, which refills the suggestions when the county changes.
    static let townshipJSON: HTML = {
        let data = (try? JSONEncoder().encode(County.townships)) ?? Data("{}".utf8)
        // JSON inside <script> must not close the element; "<" never occurs in these names, but be sure.
        return HTML(raw: String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c"))
    }()

    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.enterpriseCreate)
        var draft = EnterpriseDraft()
        if case .county(let c) = ctx.caller.scope {
            draft.countyCode = c
            draft.supervisingDepartment = (County.named(c)?.zh ?? "") + "应急管理局"
        }
        return .html(formPage(ctx, draft: draft, issues: [], existing: nil))
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let draft = try req.content.decode(EnterpriseForm.self).draft
        do {
            let e = try await req.zhiben.enterprises.create(draft, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.enterprise(e.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(formPage(ctx, draft: draft, issues: issues, existing: nil), status: .unprocessableEntity)
        }
    }

    func editForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.enterpriseUpdate)
        let e = try await req.zhiben.enterprises.get(req.recordID("enterprise"), actor: ctx.caller)
        return .html(formPage(ctx, draft: EnterpriseDraft(e.profile), issues: [], existing: e))
    }

    func update(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("enterprise")
        let form = try req.content.decode(EnterpriseForm.self)
        let draft = form.draft
        do {
            _ = try await req.zhiben.enterprises.update(id, draft: draft, expectedVersion: form.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.enterprise(id).done("updated"))
        } catch DomainError.staleVersion {
            // Show what is stored now, and what this user typed that differs, instead of overwriting.
            let e = try await req.zhiben.enterprises.get(id, actor: ctx.caller)
            let current = EnterpriseDraft(e.profile)
            let differing = FieldChange.diff(current.auditFields, draft.auditFields)
            let notice: HTML = """
            <div class="flash error" role="alert">
              <p>\(ctx.t("您编辑期间该企业已被他人修改，未保存您的修改。表单已换成最新内容；与您填写不同的字段如下，请确认后重新保存：",
                          "Someone else changed this enterprise while you were editing, so your changes were not saved. The form now shows the current record; these fields differ from what you typed:"))</p>
              <ul>\(differing.map { c -> HTML in "<li><span class=\"mono\">\(c.field)</span>: \(ctx.t("您填写", "yours")) “\(c.after ?? "")”，\(ctx.t("当前", "current")) “\(c.before ?? "")”</li>" })</ul>
            </div>
            """
            return .html(formPage(ctx, draft: current, issues: [], existing: e, notice: notice), status: .conflict)
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let e = try await req.zhiben.enterprises.get(id, actor: ctx.caller)
            return .html(formPage(ctx, draft: draft, issues: issues, existing: e), status: .unprocessableEntity)
        }
    }

    func updateContacts(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("enterprise")
        let form = try req.content.decode(EnterpriseForm.self)
        let update = EnterpriseContactUpdate(
            principal: ContactPerson(name: form.principalName ?? "", phone: form.principalPhone ?? ""),
            actualController: ContactPerson(name: form.controllerName ?? "", phone: form.controllerPhone ?? ""),
            safetyManager: ContactPerson(name: form.safetyManagerName ?? "", phone: form.safetyManagerPhone ?? ""))
        return try await redisplayOnError(req, ctx, id, flash: "contacts") {
            _ = try await req.zhiben.enterprises.updateContacts(id, update, expectedVersion: form.version, actor: ctx.caller, origin: req.origin)
            return "updated"
        }
    }

    struct ReasonForm: Content {
        var reason: String?
        var grade: String?
        var confirm: String?
        var version: Int?
    }

    func deactivate(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("enterprise")
        let form = try req.content.decode(ReasonForm.self)
        return try await redisplayOnError(req, ctx, id, flash: "deactivate") {
            guard form.confirm == "yes" else {
                throw DomainError.validation([FieldIssue(field: "confirm", zh: "请勾选确认后再停用", en: "tick the confirmation to deactivate")])
            }
            _ = try await req.zhiben.enterprises.deactivate(id, reason: form.reason ?? "", expectedVersion: form.version, actor: ctx.caller, origin: req.origin)
            return "deactivated"
        }
    }

    func reactivate(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("enterprise")
        let form = try req.content.decode(ReasonForm.self)
        return try await redisplayOnError(req, ctx, id, flash: "reactivate") {
            _ = try await req.zhiben.enterprises.reactivate(id, expectedVersion: form.version, actor: ctx.caller, origin: req.origin)
            return "reactivated"
        }
    }

    func overrideGrade(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("enterprise")
        let form = try req.content.decode(ReasonForm.self)
        return try await redisplayOnError(req, ctx, id, flash: "grade") {
            let grade = (form.grade ?? "").isEmpty ? nil : SupervisionGrade(rawValue: form.grade ?? "")
            if grade == nil, !(form.grade ?? "").isEmpty {
                throw DomainError.validation([FieldIssue(field: "grade", zh: "等级无效", en: "unknown grade")])
            }
            _ = try await req.zhiben.enterprises.overrideGrade(id, grade: grade, reason: form.reason ?? "", expectedVersion: form.version,
                                                               actor: ctx.caller, origin: req.origin)
            return "graded"
        }
    }

    /// Runs a detail-page action; a validation error shows the detail page again with the message, and
    /// a change made meanwhile by someone else shows the current record instead of overwriting it.
    func redisplayOnError(_ req: Request, _ ctx: PageContext, _ id: UUID, flash: String,
                          _ body: () async throws -> String) async throws -> Response {
        do {
            let done = try await body()
            return req.redirect(to: SitePath.enterprise(id).done(done))
        } catch DomainError.staleVersion {
            let e = try await req.zhiben.enterprises.get(id, actor: ctx.caller)
            return .html(detailPage(ctx, e, req: req, flash: "stale", issues: [], history: try await history(e, ctx: ctx, req: req)),
                         status: .conflict)
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let e = try await req.zhiben.enterprises.get(id, actor: ctx.caller)
            return .html(detailPage(ctx, e, req: req, flash: flash, issues: issues, history: try await history(e, ctx: ctx, req: req)),
                         status: .unprocessableEntity)
        }
    }
}
