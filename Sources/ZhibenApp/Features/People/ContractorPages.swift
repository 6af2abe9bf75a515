import Foundation
import Vapor
import ZhibenDomain

/// 承包单位 and 承包作业: the city-wide registry (bans visible to all, with the accident as evidence),
/// admission and the safety agreement, and jobs with the start-of-work gate shown as a checklist.
struct ContractorPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.contractors, use: list)
        routes.post(WebRoute.contractors, use: create)
        routes.get(WebRoute.contractorExport, use: ContractorAPIController.exportContractors)
        routes.get(WebRoute.contractor, use: show)
        routes.post(WebRoute.contractorAccidents, use: recordAccident)
        routes.post(WebRoute.contractorAdmission, use: admit)
        routes.get(WebRoute.jobs, use: jobs)
        routes.get(WebRoute.jobNew, use: newJob)
        routes.get(WebRoute.jobExport, use: ContractorAPIController.exportJobs)
        routes.post(WebRoute.jobs, use: createJob)
        routes.get(WebRoute.job, use: job)
        routes.post(WebRoute.jobTransitions, use: transition)
    }

    func section(_ ctx: PageContext, _ title: String, _ content: HTML) -> HTML {
        Layout.page(ctx, title: title, "\(WorkforcePages.subnav(ctx))\(content)")
    }

    static func banTag(_ c: Contractor, at enterprise: UUID?, today: String, _ ctx: PageContext) -> HTML {
        let bans = Set(c.accidents.map(\.fact.enterpriseID)).compactMap { c.ban(at: enterprise ?? $0, on: today) }
        if let city = bans.first(where: { if case .cityWide = $0 { true } else { false } }), case .cityWide(let until, _) = city {
            return "<span class=\"tag red\">\(ctx.t("全市禁入至\(until)", "Banned city-wide until \(until)"))</span>"
        }
        if let enterprise, c.ban(at: enterprise, on: today) != nil { return "<span class=\"tag red\">\(ctx.t("本企业应予更换", "To be replaced here"))</span>" }
        if !bans.isEmpty { return "<span class=\"tag orange\">\(ctx.t("曾发生死亡事故", "Had a fatal accident"))</span>" }
        return ""
    }

    // MARK: the registry

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        return .html(try await listPage(req, ctx, values: nil, issues: []))
    }

    func listPage(_ req: Request, _ ctx: PageContext, values: Form?, issues: [FieldIssue]) async throws -> HTML {
        let s = req.zhiben.contractors
        let q = try req.contractorQuery()
        let page = try await s.contractors(q, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "fatal", "per"] { qs.set(key, req.queryString(key)) }
        let own: UUID? = if case .enterprise(let id) = ctx.caller.scope { id } else { nil }
        let rows = page.items.map { c -> HTML in
            """
            <tr><td><a href="\(SitePath.contractor(c.id).path)">\(c.name)</a> \(Self.banTag(c, at: own, today: s.today, ctx))</td><td class="mono">\(c.creditCode)</td>
            <td>\(c.qualifications.map { "\($0.name)（至\($0.validUntil)）" }.joined(separator: "；"))</td>
            <td>\(c.accidents.map { "\($0.fact.on) \($0.enterpriseName) \($0.fact.level.zh)，死亡\($0.fact.deaths)人" }.joined(separator: "；"))</td></tr>
            """
        }
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let writer = ctx.caller.can(.peopleManage) || ctx.caller.can(.peopleOversee)
        return section(ctx, ctx.t("承包单位名录", "Contractor registry"), """
        \(Layout.flash(req.queryString("done") == "created" ? ctx.t("已登记承包单位。", "Contractor registered.") : nil))
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("全市共用的承包单位名录。在企业发生死亡事故的承包单位，在该企业应予更换；发生较大及以上死亡事故的，自事故之日起三年内不得在吕梁市任何企业作业，准入和每次开工时均予拦截。", "One registry for the city. A contractor with a fatal accident at an enterprise is replaced there; one with a fatal accident of level 较大 or worse may not work at any Lüliang enterprise for three years from the accident, enforced at admission and at every start of work."))</p>
          <div><a class="button" href="\(SitePath.contractorExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a></div>
        </div>
        <form class="filters" method="get" action="\(SitePath.contractors.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("名称或统一社会信用代码", "Name or credit code"))</label><input id="q" name="q" type="search" value="\(q.search ?? "")"></div>
          <label class="check"><input type="checkbox" name="fatal" value="true"\(HTML(raw: q.tags != nil ? " checked" : ""))> \(ctx.t("只看发生过死亡事故的", "fatal accidents only"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.contractors.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 家", "\(page.total) contractors"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("名录中还没有承包单位。", "The registry is empty."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("统一社会信用代码", "Credit code"))</th><th scope="col">\(ctx.t("资质", "Qualifications"))</th><th scope="col">\(ctx.t("事故记录", "Accidents"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        \(HTML.when(writer) { """
        <section class="panel"><details\(HTML(raw: issues.isEmpty ? "" : " open"))><summary>\(ctx.t("登记承包单位", "Register a contractor"))</summary>
          \(f.summary())
          <form method="post" action="\(SitePath.contractors.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("creditCode", ctx.t("统一社会信用代码", "Credit code"), value: values?.creditCode ?? "", required: true, attrs: "maxlength=\"18\" autocomplete=\"off\""))
            \(f.text("name", ctx.t("名称", "Name"), value: values?.name ?? "", required: true, attrs: "maxlength=\"100\""))
            \(f.text("qualificationName", ctx.t("资质名称（如 安全生产许可证）", "Qualification"), value: values?.qualificationName ?? "", errorKey: "qualifications[0].name", attrs: "maxlength=\"100\""))
            \(f.text("qualificationNumber", ctx.t("资质证书编号", "Number"), value: values?.qualificationNumber ?? "", errorKey: "qualifications[0].number", attrs: "maxlength=\"60\""))
            \(f.text("qualificationValidUntil", ctx.t("资质有效期至", "Valid until"), value: values?.qualificationValidUntil ?? "", errorKey: "qualifications[0].validUntil", type: "date"))
            <div class="actions wide"><button type="submit" class="primary">\(ctx.t("登记", "Register"))</button></div>
          </form>
        </details></section>
        """ })
        """)
    }

    struct Form: Content {
        var creditCode: String?
        var name: String?
        var qualificationName: String?
        var qualificationNumber: String?
        var qualificationValidUntil: String?
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(Form.self)
        let quals: [Contractor.Qualification] = (v.qualificationName ?? "").isEmpty && (v.qualificationValidUntil ?? "").isEmpty ? []
            : [.init(name: v.qualificationName ?? "", number: v.qualificationNumber ?? "", validUntil: v.qualificationValidUntil ?? "")]
        do {
            let c = try await req.zhiben.contractors.createContractor(.init(creditCode: v.creditCode, name: v.name, qualifications: quals), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.contractor(c.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await listPage(req, ctx, values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let c = try await req.zhiben.contractors.contractor(req.recordID("contractor"), actor: ctx.caller)
        return .html(try await contractorPage(req, ctx, c, issues: [], refusal: nil))
    }

    func contractorPage(_ req: Request, _ ctx: PageContext, _ c: Contractor, issues: [FieldIssue], refusal: Refusal?) async throws -> HTML {
        let s = req.zhiben.contractors
        let own: UUID? = if case .enterprise(let id) = ctx.caller.scope { id } else { nil }
        let admissions = try await s.admissions(RecordQuery(ref: c.id), page: Paging(per: 50), actor: ctx.caller).items
        let mine = own.flatMap { id in admissions.first { $0.enterpriseID == id } }
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let accidents = c.accidents.map { a -> HTML in
            "<tr><td>\(a.fact.on)</td><td>\(a.enterpriseName)</td><td>\(a.fact.level.label(ctx.lang))</td><td class=\"num\">\(a.fact.deaths)</td><td>\(a.what)</td></tr>"
        }
        let admissionRows = admissions.map { a -> HTML in
            "<tr><td>\(a.enterpriseName)</td><td>\(a.admittedOn)</td><td>\(a.agreement.map { "\($0.scope)（\($0.validFrom)至\($0.validUntil)）" } ?? ctx.t("未签订安全协议", "no agreement"))</td></tr>"
        }
        let flash: String? = switch req.queryString("done") {
        case "created": ctx.t("已登记承包单位。", "Contractor registered.")
        case "admitted": ctx.t("已准入并保存安全生产管理协议。", "Admitted; agreement saved.")
        case "accident": ctx.t("已记录事故。", "Accident recorded.")
        default: nil
        }
        let ban = Self.banTag(c, at: own, today: s.today, ctx)
        let refusalHTML: HTML = refusal.map { r in
            "<div class=\"flash error\" role=\"alert\"><p>\(ctx.t("不能准入：", "Cannot be admitted:"))</p><ul>\(r.items.map { "<li>\($0.zh)</li>" as HTML })</ul></div>"
        } ?? ""
        return section(ctx, c.name, """
        \(Layout.flash(flash))
        \(refusalHTML)
        \(f.summary())
        <section class="panel">
          <dl class="facts">
            <div><dt>\(ctx.t("统一社会信用代码", "Credit code"))</dt><dd class="mono">\(c.creditCode)</dd></div>
            <div><dt>\(ctx.t("资质", "Qualifications"))</dt><dd>\(c.qualifications.isEmpty ? ctx.t("未登记", "none recorded") : c.qualifications.map { "\($0.name) \($0.number)（至\($0.validUntil)）" }.joined(separator: "；"))</dd></div>
            <div><dt>\(ctx.t("禁入情况", "Bans"))</dt><dd>\(ban.raw.isEmpty ? HTML("\(ctx.t("无", "none"))") : ban)</dd></div>
          </dl>
        </section>
        <section class="panel"><h2>\(ctx.t("事故记录", "Accidents"))</h2>
          \(accidents.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("无事故记录。", "No accidents recorded."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("日期", "Day"))</th><th scope="col">\(ctx.t("发生企业", "Enterprise"))</th><th scope="col">\(ctx.t("等级", "Level"))</th><th scope="col">\(ctx.t("死亡人数", "Deaths"))</th><th scope="col">\(ctx.t("简况", "What"))</th></tr></thead><tbody>\(accidents)</tbody></table></div>
          """)
          \(HTML.when(ctx.caller.can(.peopleOversee)) { """
          <details\(HTML(raw: issues.contains { ["enterpriseId", "on", "level", "deaths", "what"].contains($0.field) } ? " open" : ""))><summary>\(ctx.t("记录事故（监管部门）", "Record an accident (regulators)"))</summary>
            <form method="post" action="\(SitePath.contractorAccidents(c.id).path)" class="grid-form">
              \(ctx.csrfField)<input type="hidden" name="version" value="\(c.version)">
              \(EnterprisePicker.field(ctx, issues: issues, idName: "enterpriseId", textName: "enterpriseText", label: ctx.t("发生事故的企业", "Enterprise"), selected: nil, required: true))
              \(f.text("on", ctx.t("事故日期", "Day"), value: "", required: true, type: "date"))
              \(f.select("level", ctx.t("事故等级", "Level"), options: labeledOptions(AccidentLevel.self, ctx.lang), selected: "", required: true, blank: ctx.t("请选择", "Choose")))
              \(f.text("deaths", ctx.t("死亡人数", "Deaths"), value: "0", required: true, type: "number", attrs: "min=\"0\" max=\"1000\""))
              <div class="field wide"><label for="f-what">\(ctx.t("事故简况", "What happened")) <abbr title="必填" class="req">*</abbr></label><textarea id="f-what" name="what" rows="2" maxlength="500" required></textarea>\(f.errors("what"))</div>
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录事故", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        <section class="panel"><h2>\(ctx.t("准入企业", "Admitted at"))</h2>
          \(admissionRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚未在您可见的企业准入。", "Not admitted at an enterprise you can see."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("准入日期", "Admitted"))</th><th scope="col">\(ctx.t("安全生产管理协议", "Agreement"))</th></tr></thead><tbody>\(admissionRows)</tbody></table></div>
          """)
          \(HTML.when(ctx.caller.can(.peopleManage)) { """
          <h3>\(mine == nil ? ctx.t("准入本企业并签订安全生产管理协议", "Admit here with a safety agreement") : ctx.t("续签安全生产管理协议", "Renew the agreement"))</h3>
          <form method="post" action="\(SitePath.contractorAdmission(c.id).path)" class="grid-form">
            \(ctx.csrfField)<input type="hidden" name="version" value="\(mine?.version ?? 0)">
            \(f.text("scope", ctx.t("协议约定的作业范围", "Scope"), value: mine?.agreement?.scope ?? "", errorKey: "agreement.scope", required: true, attrs: "maxlength=\"300\""))
            \(f.text("signedOn", ctx.t("签订日期", "Signed on"), value: mine?.agreement?.signedOn ?? s.today, errorKey: "agreement.signedOn", required: true, type: "date"))
            \(f.text("validFrom", ctx.t("协议生效日期", "Valid from"), value: mine?.agreement?.validFrom ?? s.today, errorKey: "agreement.validFrom", required: true, type: "date"))
            \(f.text("validUntil", ctx.t("协议截止日期", "Valid until"), value: mine?.agreement?.validUntil ?? "", errorKey: "agreement.validUntil", required: true, type: "date"))
            <div class="actions wide"><button type="submit" class="primary">\(mine == nil ? ctx.t("准入", "Admit") : ctx.t("保存协议", "Save"))</button></div>
          </form>
          """ })
        </section>
        """)
    }

    func admit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        struct F: Content { var version: Int?; var scope: String?; var signedOn: String?; var validFrom: String?; var validUntil: String? }
        let v = try req.content.decode(F.self)
        let id = try req.recordID("contractor")
        let s = req.zhiben.contractors
        do {
            _ = try await s.admit(contractorID: id, enterpriseID: eid, agreement: .init(scope: v.scope ?? "", signedOn: v.signedOn ?? "", validFrom: v.validFrom ?? "", validUntil: v.validUntil ?? ""),
                                  expectedVersion: (v.version ?? 0) == 0 ? nil : v.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.contractor(id).done("admitted"))
        } catch let r as Refusal {
            return .html(try await contractorPage(req, ctx, try await s.contractor(id, actor: ctx.caller), issues: [], refusal: r), status: .conflict)
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await contractorPage(req, ctx, try await s.contractor(id, actor: ctx.caller), issues: issues, refusal: nil), status: .unprocessableEntity)
        }
    }

    func recordAccident(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        struct F: Content { var version: Int?; var enterpriseId: String?; var enterpriseText: String?; var on: String?; var level: String?; var deaths: String?; var what: String? }
        let v = try req.content.decode(F.self)
        let id = try req.recordID("contractor")
        let s = req.zhiben.contractors
        do {
            var enterprise: UUID?
            switch try await EnterprisePicker.resolve(req, id: v.enterpriseId, text: v.enterpriseText, field: "enterpriseId") {
            case .success(let e): enterprise = e?.id
            case .failure(let issue): throw DomainError.validation([issue])
            }
            _ = try await s.recordAccident(contractorID: id, .init(enterpriseID: enterprise, on: v.on, level: v.level, deaths: v.deaths.flatMap { Int($0) }, what: v.what),
                                           expectedVersion: v.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.contractor(id).done("accident"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await contractorPage(req, ctx, try await s.contractor(id, actor: ctx.caller), issues: issues, refusal: nil), status: .unprocessableEntity)
        }
    }

    // MARK: jobs

    func jobs(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let q = try req.jobQuery()
        let page = try await req.zhiben.contractors.jobs(q, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "state", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.peopleManage)
        let rows = page.items.map { j -> HTML in
            """
            <tr>\(HTML.when(regulator) { "<td>\(j.enterpriseName)</td>" })<td><a href="\(SitePath.job(j.id).path)">\(j.title)</a></td><td>\(j.contractorName)</td>
            <td>\(j.startOn) ~ \(j.endOn)</td><td>\(j.supervisor.isEmpty ? "—" : j.supervisor)</td><td class="num">\(j.crew.count)</td><td>\(j.state.label(ctx.lang))</td></tr>
            """
        }
        return .html(section(ctx, ctx.t("承包作业", "Contractors' jobs"), """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("开工前（及作业期间每天开工时）系统核查：安全生产管理协议在有效期内、作业方案不为空、每名作业人员已参加入场安全培训并持有当天有效的特种作业操作证、已指定现场监护人、承包单位未被禁入。", "Before the start, and at each day's start: the agreement in force, a work plan, each crew member trained and holding a certificate valid on the day, a supervisor named, the contractor not banned."))</p>
          <div><a class="button" href="\(SitePath.jobExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a> \(HTML.when(!regulator) { "<a class=\"button primary\" href=\"\(SitePath.jobNew.path)\">\(ctx.t("新建承包作业", "New job"))</a>" })</div>
        </div>
        <form class="filters" method="get" action="\(SitePath.jobs.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("作业、承包单位或监护人", "Job, contractor or supervisor"))</label><input id="q" name="q" type="search" value="\(q.search ?? "")"></div>
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(labeledOptions(ContractorJob.State.self, ctx.lang), selected: q.tags?.first, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.jobs.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 项", "\(page.total) jobs"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有承包作业。", "No jobs."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("作业", "Job"))</th><th scope="col">\(ctx.t("承包单位", "Contractor"))</th><th scope="col">\(ctx.t("计划工期", "Dates"))</th><th scope="col">\(ctx.t("现场监护人", "Supervisor"))</th><th scope="col">\(ctx.t("人数", "Crew"))</th><th scope="col">\(ctx.t("状态", "State"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """))
    }

    struct JobForm: Content {
        var contractorId: String?
        var title: String?
        var plan: String?
        var supervisor: String?
        var startOn: String?
        var endOn: String?
        var crew: [String]?
        var operations: [String: String]?
    }

    func jobForm(_ req: Request, _ ctx: PageContext, values: JobForm, issues: [FieldIssue]) async throws -> HTML {
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        let s = req.zhiben.contractors
        let admitted = try await s.admissions(RecordQuery(enterpriseID: eid), page: Paging(per: Paging.maxPer), actor: ctx.caller).items
        let workers = try await req.zhiben.workforce.allWorkers(RecordQuery(enterpriseID: eid), actor: ctx.caller)
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let chosen = Set(values.crew ?? [])
        let ops = [("", ctx.t("不从事特种作业", "no special operation"))] + WorkforcePages.operationOptions
        let crewRows = workers.enumerated().map { n, w -> HTML in
            let id = w.id.uuidString
            return """
            <tr><td><label class="check"><input type="checkbox" name="crew[]" value="\(id)"\(HTML(raw: chosen.contains(id) ? " checked" : ""))> \(w.name)</label></td><td>\(w.job)</td><td>\(w.contractorName ?? w.kind.label(ctx.lang))</td>
            <td><select name="operations[\(id)]" aria-label="\(ctx.t("本次从事的特种作业", "Special operation")) \(w.name)">\(Layout.options(ops, selected: values.operations?[id] ?? ""))</select>\(f.errors("crew[\(n)].operations"))</td></tr>
            """
        }
        return section(ctx, ctx.t("新建承包作业", "New contractor's job"), """
        \(f.summary())
        \(admitted.isEmpty ? HTML("<p class=\"flash warning\">\(ctx.t("还没有准入的承包单位：请先在承包单位名录中准入并签订安全生产管理协议。", "No contractor is admitted yet: admit one from the registry first."))</p>") : "")
        <form method="post" action="\(SitePath.jobs.path)" class="grid-form">
          \(ctx.csrfField)
          \(f.select("contractorId", ctx.t("承包单位", "Contractor"), options: admitted.map { ($0.contractorID.uuidString, $0.contractorName) }, selected: values.contractorId ?? "", required: true, blank: ctx.t("请选择", "Choose")))
          \(f.text("title", ctx.t("作业名称", "Title"), value: values.title ?? "", required: true, attrs: "maxlength=\"100\""))
          \(f.text("supervisor", ctx.t("现场监护人", "Supervisor on site"), value: values.supervisor ?? "", attrs: "maxlength=\"50\""))
          \(f.text("startOn", ctx.t("开工日期", "Start"), value: values.startOn ?? s.today, required: true, type: "date"))
          \(f.text("endOn", ctx.t("完工日期", "End"), value: values.endOn ?? s.today, required: true, type: "date"))
          <div class="field wide"><label for="f-plan">\(ctx.t("作业方案（危险因素、安全措施、应急处置）", "Work plan (hazards, measures, emergency response)"))</label><textarea id="f-plan" name="plan" rows="4" maxlength="5000">\(values.plan ?? "")</textarea>\(f.errors("plan"))</div>
          <fieldset class="field wide"><legend>\(ctx.t("作业人员（须为本企业名册中的人员，承包单位人员请先登记）", "Crew (workers on this enterprise's register)"))</legend>
            \(workers.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("名册中还没有人员。", "No workers registered."))</p>") : """
            <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("岗位", "Job"))</th><th scope="col">\(ctx.t("单位", "Employer"))</th><th scope="col">\(ctx.t("本次从事的特种作业", "Special operation"))</th></tr></thead><tbody>\(crewRows)</tbody></table></div>
            """)
            \(f.errors("crew"))
          </fieldset>
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("保存作业", "Save the job"))</button> <a href="\(SitePath.jobs.path)">\(ctx.t("返回", "Back"))</a></div>
        </form>
        """)
    }

    func newJob(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        return .html(try await jobForm(req, ctx, values: JobForm(), issues: []))
    }

    func createJob(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        let v = try req.content.decode(JobForm.self)
        let crew = (v.crew ?? []).map { id in
            ContractorService.JobDraft.Member(workerID: UUID(uuidString: id), operations: (v.operations?[id]).flatMap { $0.isEmpty ? nil : [$0] } ?? [])
        }
        do {
            let j = try await req.zhiben.contractors.createJob(.init(enterpriseID: eid, contractorID: v.contractorId.flatMap(UUID.init(uuidString:)), title: v.title,
                                                                     plan: v.plan, crew: crew, supervisor: v.supervisor, startOn: v.startOn, endOn: v.endOn),
                                                               actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.job(j.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await jobForm(req, ctx, values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    func job(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        return .html(try await jobPage(req, ctx, req.recordID("job"), refused: nil))
    }

    func jobPage(_ req: Request, _ ctx: PageContext, _ id: UUID, refused: Refusal?) async throws -> HTML {
        let s = req.zhiben.contractors
        let (j, reasons) = try await s.gate(id, actor: ctx.caller)
        let items = refused?.items ?? Refusal(gate: reasons).items
        let manage = ctx.caller.can(.peopleManage)
        let checklist: [(String, Bool)] = [
            (ctx.t("安全生产管理协议在有效期内", "Agreement in force"), !items.contains { $0.code.hasPrefix("agreement") }),
            (ctx.t("作业方案不为空", "Work plan written"), !items.contains { $0.code == "planEmpty" }),
            (ctx.t("已确定作业人员", "Crew named"), !items.contains { $0.code == "noCrew" }),
            (ctx.t("作业人员均已参加入场安全培训", "Crew trained"), !items.contains { $0.code == "crewUntrained" }),
            (ctx.t("特种作业人员当天持有效操作证", "Certificates valid today"), !items.contains { $0.code.hasPrefix("certificate") }),
            (ctx.t("作业人员均可上岗（无停岗）", "Nobody off duty"), !items.contains { $0.code == "crewOffDuty" }),
            (ctx.t("已指定现场监护人", "Supervisor named"), !items.contains { $0.code == "noSupervisor" }),
            (ctx.t("承包单位未被禁入", "Contractor not banned"), !items.contains { $0.code.hasPrefix("contractor") }),
        ]
        let checks = checklist.map { label, ok -> HTML in
            "<li class=\"\(ok ? "ok" : "missing")\">\(ok ? "✓" : "✗") \(label)</li>"
        }
        let crew = j.crew.map { m -> HTML in "<li>\(m.name)\(m.operations.isEmpty ? "" : "（" + m.operations.map(WorkforcePages.operationName).joined(separator: "、") + "）")</li>" }
        let button = { (action: String, label: String, cls: String) -> HTML in
            """
            <form method="post" action="\(SitePath.jobTransitions(j.id).path)" class="inline">\(ctx.csrfField)<input type="hidden" name="version" value="\(j.version)"><input type="hidden" name="action" value="\(action)"><button type="submit" class="\(cls)">\(label)</button></form>
            """
        }
        let startedToday = j.state == .working && j.lastStartedOn == s.today
        let flash: String? = switch req.queryString("done") {
        case "created": ctx.t("已保存作业。", "Job saved.")
        case "start": ctx.t("核查通过，已开工。", "The gate passed: work started.")
        case "finish": ctx.t("已完工。", "Finished.")
        case "cancel": ctx.t("已取消。", "Cancelled.")
        default: nil
        }
        return section(ctx, "\(j.title) · \(j.contractorName)", """
        \(Layout.flash(flash))
        \(refused.map { _ in HTML("<p class=\"flash error\" role=\"alert\">\(ctx.t("不能开工，以下条件不具备：", "Work may not start; missing:"))</p>") } ?? "")
        <section class="panel">
          <dl class="facts">
            <div><dt>\(ctx.t("企业", "Enterprise"))</dt><dd>\(j.enterpriseName)</dd></div>
            <div><dt>\(ctx.t("状态", "State"))</dt><dd>\(j.state.label(ctx.lang))\(j.lastStartedOn.map { HTML("（\(ctx.t("最近开工", "last started")) \($0)）") } ?? "")</dd></div>
            <div><dt>\(ctx.t("计划工期", "Dates"))</dt><dd>\(j.startOn) ~ \(j.endOn)</dd></div>
            <div><dt>\(ctx.t("现场监护人", "Supervisor"))</dt><dd>\(j.supervisor.isEmpty ? "—" : j.supervisor)</dd></div>
            <div><dt>\(ctx.t("作业人员", "Crew"))</dt><dd><ul class="plain">\(crew)</ul></dd></div>
          </dl>
          <h3>\(ctx.t("作业方案", "Work plan"))</h3><p class="prewrap">\(j.plan.isEmpty ? ctx.t("（空）", "(empty)") : j.plan)</p>
        </section>
        <section class="panel" id="gate"><h2>\(ctx.t("开工条件核查（\(s.today)）", "Start-of-work gate (\(s.today))"))</h2>
          <ul class="checklist">\(checks)</ul>
          \(items.isEmpty ? HTML("<p class=\"flash ok\">\(ctx.t("条件齐备，可以开工。", "All clear: work may start."))</p>") : """
          <ul class="reasons">\(items.map { i in "<li data-code=\"\(i.code)\">\(i.zh)</li>" as HTML })</ul>
          """)
          \(HTML.when(manage && (j.state == .planned || (j.state == .working && !startedToday))) { button("start", j.state == .planned ? ctx.t("开工", "Start work") : ctx.t("今日开工", "Start today"), "primary") })
          \(HTML.when(manage && j.state == .working) { button("finish", ctx.t("完工", "Finish"), "") })
          \(HTML.when(manage && j.state == .planned) { button("cancel", ctx.t("取消作业", "Cancel"), "danger") })
        </section>
        """)
    }

    func transition(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        struct F: Content { var version: Int?; var action: String? }
        let v = try req.content.decode(F.self)
        let id = try req.recordID("job")
        do {
            _ = try await req.zhiben.contractors.transition(id, action: v.action ?? "", expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.job(id).done(v.action ?? ""))
        } catch let r as Refusal {
            return .html(try await jobPage(req, ctx, id, refused: r), status: .conflict)
        } catch DomainError.staleVersion {
            return .html(try await jobPage(req, ctx, id, refused: Refusal([.init(code: "stale", zh: "该作业已被他人办理，以上为最新情况。", en: "Someone acted on this job meanwhile.")])), status: .conflict)
        }
    }
}
