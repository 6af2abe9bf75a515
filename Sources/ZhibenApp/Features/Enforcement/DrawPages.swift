import Foundation
import Vapor
import ZhibenDomain

/// Double-random draws for county and city officers: commit (pool frozen, commitment published), then
/// reveal; the roster and the expert pool they draw from.
struct DrawPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.draws, use: list)
        routes.get(WebRoute.drawNew, use: newForm)
        routes.post(WebRoute.draws, use: create)
        routes.get(WebRoute.draw, use: show)
        routes.post(WebRoute.drawReveal, use: reveal)
        routes.get(WebRoute.inspectors, use: inspectors)
        routes.post(WebRoute.inspectors, use: addInspector)
        routes.get(WebRoute.experts, use: experts)
        routes.post(WebRoute.experts, use: addExpert)
    }

    // MARK: draws

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let page = try await req.zhiben.draws.list(page: req.paging(), actor: ctx.caller)
        let rows = page.items.map { d -> HTML in
            """
            <tr><td><a href="\(SitePath.draw(d.id).path)">\(d.title)</a></td><td>\(d.countyCode.flatMap { County.named($0)?.label(ctx.lang) } ?? ctx.t("全市", "City-wide"))</td>
              <td class="num">\(d.year)</td><td class="num">\(d.parameters.size) / \(d.poolCounts.enterprises)</td>
              <td>\(d.revealed ? ctx.t("已揭晓", "Revealed") : ctx.t("已承诺，待揭晓", "Committed, to be revealed"))</td><td>\(ChinaTime.display(d.createdAt))</td></tr>
            """
        }
        let content: HTML = """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("先冻结企业池和执法人员名册并公布种子的SHA-256承诺值，揭晓时公布种子；任何人可按公开算法复核结果。", "The pool and roster are frozen and the seed's SHA-256 published first; the seed is published at the reveal, and anyone can recompute the result."))</p>
          <p class="hint">\(ctx.t("承诺值好比一个密封的信封：抽取前先公布由随机种子算出的“指纹”（SHA-256值），揭晓时公布种子本身，任何人都能核对种子与指纹相符，证明结果没有事后更改。", "The commitment is a sealed envelope: the seed's fingerprint (its SHA-256) is published before the draw and the seed at the reveal, so anyone can check they match and that nothing was changed afterwards."))</p>
          <div><a class="button" href="\(SitePath.publicDraws.path)">\(ctx.t("公示页面", "Public page"))</a> \(HTML.when(ctx.caller.can(.drawManage)) { "<a class=\"button primary\" href=\"\(SitePath.drawNew.path)\">\(ctx.t("新建抽取", "New draw"))</a>" })</div>
        </div>
        <p class="count">\(ctx.t("共 \(page.total) 次抽取", "\(page.total) draws"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有抽取。先维护执法人员名册，再新建抽取。", "No draws yet. Keep the inspector roster, then make a draw."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("标题", "Title"))</th><th scope="col">\(ctx.t("范围", "Scope"))</th><th scope="col">\(ctx.t("年度", "Year"))</th><th scope="col">\(ctx.t("抽取 / 企业池", "Drawn / pool"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("创建时间", "Created"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: QueryString(), lang: ctx.lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("双随机抽取", "Random draws"), content))
    }

    struct DrawForm: Content {
        var title: String?
        var year: String?
        var size: String?
        var inspectorsPerEnterprise: String?
        var withExpert: String?
        var crossCounty: String?
        var weighted: String?
        var countyCodes: [String]?
        var industries: [String]?
        var grades: [String]?
        var excludeInspectedMonths: String?
        var overlapReason: String?
    }

    func drawForm(_ ctx: PageContext, values: DrawForm, issues: [FieldIssue]) -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let year = values.year ?? String(ChinaTime.day(Date()).prefix(4))
        func check(_ name: String, _ label: String, _ on: String?) -> HTML {
            "<label class=\"check\"><input type=\"checkbox\" name=\"\(name)\" value=\"yes\"\(HTML(raw: on == "yes" ? " checked" : ""))> \(label)</label>"
        }
        return """
        \(f.summary())
        <form method="post" action="\(SitePath.draws.path)" class="grid-form">
          \(ctx.csrfField)
          \(f.text("title", ctx.t("标题", "Title"), value: values.title ?? "", required: true, attrs: "maxlength=\"100\""))
          \(f.text("year", ctx.t("年度", "Year"), value: year, required: true, attrs: "inputmode=\"numeric\""))
          \(f.text("size", ctx.t("抽取企业数", "Enterprises to draw"), value: values.size ?? "", required: true, attrs: "inputmode=\"numeric\""))
          \(f.text("inspectorsPerEnterprise", ctx.t("每家企业执法人员数（至少2名）", "Inspectors per enterprise (at least 2)"), value: values.inspectorsPerEnterprise ?? "2", required: true, attrs: "inputmode=\"numeric\""))
          \(HTML.when(ctx.caller.scope == .city) { f.checkboxes("countyCodes", ctx.t("县（市、区）（不选为全市）", "Counties (none: all)"), options: County.all.map { ($0.code, $0.label(ctx.lang)) }, checked: Set(values.countyCodes ?? [])) })
          \(f.checkboxes("industries", ctx.t("行业（不选为全部）", "Industries (none: all)"), options: labeledOptions(Industry.self, ctx.lang), checked: Set(values.industries ?? [])))
          \(f.checkboxes("grades", ctx.t("监管分级（不选为全部）", "Grades (none: all)"), options: SupervisionGrade.allCases.map { ($0.rawValue, $0.rawValue) }, checked: Set(values.grades ?? [])))
          \(f.text("excludeInspectedMonths", ctx.t("排除近几个月内已完成检查的企业（0为不排除）", "Leave out enterprises inspected in the last months (0: none)"), value: values.excludeInspectedMonths ?? "0", attrs: "inputmode=\"numeric\""))
          <fieldset class="field checks">
            <legend>\(ctx.t("选项", "Options"))</legend>
            \(check("withExpert", ctx.t("每家企业另抽1名专家", "Add one expert per enterprise"), values.withExpert))
            \(check("crossCounty", ctx.t("异地交叉检查（抽取其他县的执法人员）", "Cross-county (inspectors of other counties)"), values.crossCounty))
            \(check("weighted", ctx.t("有未销号重大隐患或近90天一级报警的企业加权", "Weight up open major hazards and level-1 alarms in 90 days"), values.weighted))
          </fieldset>
          <div class="field wide\(HTML(raw: issues.contains { $0.field == "overlapReason" } ? " has-error" : ""))">
            <label for="f-overlapReason">\(ctx.t("再次抽取的理由（企业池与30天内已揭晓的抽取重叠时必填，随抽取公示）", "Reason for drawing again (required when the pool overlaps a draw revealed in the last 30 days; published)"))</label>
            <textarea id="f-overlapReason" name="overlapReason" rows="2" maxlength="500">\(values.overlapReason ?? "")</textarea>
            \(f.errors("overlapReason"))
          </div>
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("冻结企业池并公布承诺值", "Freeze the pool and publish the commitment"))</button> <a href="\(SitePath.draws.path)">\(ctx.t("取消", "Cancel"))</a></div>
        </form>
        """
    }

    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.drawManage)
        return .html(Layout.page(ctx, title: ctx.t("新建双随机抽取", "New random draw"), drawForm(ctx, values: DrawForm(), issues: [])))
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.drawManage)
        let v = try req.content.decode(DrawForm.self)
        var issues: [FieldIssue] = []
        func integer(_ text: String?, _ field: String) -> Int? {
            guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else {
                issues.append(FieldIssue(field: field, zh: "请填写整数", en: "enter a whole number"))
                return nil
            }
            guard let n = Int(t) else {
                issues.append(FieldIssue(field: field, zh: "请填写整数", en: "enter a whole number"))
                return nil
            }
            return n
        }
        let year = integer(v.year, "year"), size = integer(v.size, "size"), per = integer(v.inspectorsPerEnterprise, "inspectorsPerEnterprise")
        let months = (v.excludeInspectedMonths ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? 0 : integer(v.excludeInspectedMonths, "excludeInspectedMonths")
        do {
            guard issues.isEmpty, let year, let size, let per, let months else { throw DomainError.validation(issues) }
            let d = try await req.zhiben.draws.create(DrawService.Request(
                title: v.title ?? "", year: year, countyCodes: v.countyCodes ?? [], industries: v.industries ?? [], grades: v.grades ?? [],
                parameters: DrawParameters(size: size, inspectorsPerEnterprise: per, withExpert: v.withExpert == "yes", crossCounty: v.crossCounty == "yes",
                                           weighted: v.weighted == "yes", excludeInspectedMonths: months), overlapReason: v.overlapReason), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.draw(d.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(Layout.page(ctx, title: ctx.t("新建双随机抽取", "New random draw"), drawForm(ctx, values: v, issues: issues)), status: .unprocessableEntity)
        }
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let (d, verification) = try await req.zhiben.draws.verified(req.recordID("draw"), actor: ctx.caller)
        let inspections = try await req.zhiben.inspections.list(InspectionQuery(originID: d.id), page: Paging(per: 1), actor: ctx.caller).total
        let problem = req.queryString("problem").map { HTML("<div class=\"flash error\" role=\"alert\">\($0)</div>") } ?? ""
        let flash = req.queryString("done").map { $0 == "revealed" ? ctx.t("已揭晓。", "Revealed.") : ctx.t("企业池已冻结，承诺值已公布。", "The pool is frozen and the commitment published.") }
        let content: HTML = """
        \(Layout.flash(flash))
        \(problem)
        \(DrawViews.summary(d, verification, lang: ctx.lang))
        \(HTML.when(!d.revealed && ctx.caller.can(.drawManage)) { """
        <form method="post" action="\(SitePath.drawReveal(d.id).path)" class="panel confirm" data-confirm="\(ctx.t("揭晓后种子和结果将公开，且不可更改。确认揭晓？", "The seed and the result become public and can never change. Reveal now?"))">
          \(ctx.csrfField)
          <p>\(ctx.t("揭晓将公布种子，并按公开算法由种子和冻结的企业池计算结果。", "The reveal publishes the seed and computes the result from it and the frozen pool."))</p>
          <button type="submit" class="primary">\(ctx.t("揭晓", "Reveal"))</button>
        </form>
        """ })
        \(DrawViews.picks(d, lang: ctx.lang, outcomes: try await DrawViews.outcomes(d, req: req)))
        \(HTML.when(d.revealed && ctx.caller.can(.drawManage) && inspections == 0) { """
        <form method="post" action="\(SitePath.drawInspections(d.id).path)" class="panel">
          \(ctx.csrfField)
          <div class="field"><label for="plannedOn">\(ctx.t("计划检查日期", "Planned day"))</label><input id="plannedOn" name="plannedOn" type="date" required value="\(ChinaTime.day(req.zhiben.clock.now()))"></div>
          <button type="submit" class="primary">\(ctx.t("为抽中的企业生成检查任务", "Make the drawn enterprises' inspections"))</button>
        </form>
        """ })
        \(HTML.when(inspections > 0) { "<p><a href=\"\(SitePath.inspections.path)\">\(ctx.t("已生成 \(inspections) 项检查任务", "\(inspections) inspections made"))</a></p>" })
        <p><a href="\(SitePath.publicDraw(d.id).path)">\(ctx.t("公示页面", "Public page"))</a> · <a href="\(SitePath.draws.path)">\(ctx.t("返回列表", "Back to the list"))</a></p>
        """
        return .html(Layout.page(ctx, title: d.title, content))
    }

    func reveal(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("draw")
        _ = try await req.zhiben.draws.reveal(id, actor: ctx.caller, origin: req.origin)
        return req.redirect(to: SitePath.draw(id).done("revealed"))
    }

    // MARK: roster and experts

    struct InspectorForm: Content {
        var name: String?
        var countyCode: String?
        var certificateNo: String?
        var certificateValidUntil: String?
        var specialties: [String]?
    }

    func inspectors(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        return .html(try await inspectorsPage(req, ctx, values: InspectorForm(), issues: [], flash: req.queryString("done").map { ctx.t("已保存：\($0)。", "Saved: \($0).") }))
    }

    func inspectorsPage(_ req: Request, _ ctx: PageContext, values: InspectorForm, issues: [FieldIssue], flash: String? = nil) async throws -> HTML {
        let county = ctx.caller.scope == .city ? req.queryString("county") : nil
        let page = try await req.zhiben.people.inspectors(countyCode: county, search: req.queryString("q"), page: req.paging(defaultPer: 50), actor: ctx.caller)
        let today = ChinaTime.day(req.zhiben.clock.now())
        let rows = page.items.map { i -> HTML in
            """
            <tr><td>\(PeopleEditPages.nameCell(i.name, SitePath.inspector(i.id), ctx))</td><td>\(County.named(i.countyCode)?.label(ctx.lang) ?? i.countyCode)</td><td class="mono">\(i.certificateNo)</td>
              <td>\(i.certificateValidUntil)\(HTML.when(i.certificateValidUntil < today) { " <span class=\"tag warn\">\(ctx.t("已过期，不参与抽取", "expired: not drawn"))</span>" })\(HTML.when(!i.active) { " <span class=\"tag\">\(ctx.t("已停用", "off the roster"))</span>" })</td>
              <td>\(i.specialties.map { $0.label(ctx.lang) }.joined(separator: "、"))</td></tr>
            """
        }
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let counties: [(String, String)] = {
            if case .county(let c) = ctx.caller.scope { return County.all.filter { $0.code == c }.map { ($0.code, $0.label(ctx.lang)) } }
            return County.all.map { ($0.code, $0.label(ctx.lang)) }
        }()
        let form: HTML = HTML.when(ctx.caller.can(.rosterManage)) { """
        <section class="panel">
          <h2>\(ctx.t("登记执法人员", "Add an inspector"))</h2>
          \(f.summary())
          <form method="post" action="\(SitePath.inspectors.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("name", ctx.t("姓名", "Name"), value: values.name ?? "", required: true, attrs: "maxlength=\"50\""))
            \(f.select("countyCode", ctx.t("县（市、区）", "County"), options: counties, selected: values.countyCode ?? counties.first?.0 ?? "", required: true))
            \(f.text("certificateNo", ctx.t("执法证号", "Certificate number"), value: values.certificateNo ?? "", required: true, attrs: "maxlength=\"50\""))
            \(f.text("certificateValidUntil", ctx.t("执法证有效期至", "Certificate valid until"), value: values.certificateValidUntil ?? "", required: true, type: "date"))
            \(f.checkboxes("specialties", ctx.t("专业", "Specialties"), options: labeledOptions(Specialty.self, ctx.lang), checked: Set(values.specialties ?? [])))
            <div class="actions wide"><button type="submit" class="primary">\(ctx.t("登记", "Add"))</button></div>
          </form>
        </section>
        """ }
        let content: HTML = """
        \(Layout.flash(flash))
        <p class="subtitle">\(ctx.t("执法证过期的人员不参与抽取；每家被抽企业至少2名执法人员。", "Inspectors with an expired certificate are not drawn; each drawn enterprise gets at least two."))</p>
        <p class="count">\(ctx.t("共 \(page.total) 人", "\(page.total) inspectors"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("名册为空。", "The roster is empty."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("执法证号", "Certificate"))</th><th scope="col">\(ctx.t("有效期至", "Valid until"))</th><th scope="col">\(ctx.t("专业", "Specialties"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: QueryString(), lang: ctx.lang))
        \(form)
        """
        return Layout.page(ctx, title: ctx.t("执法人员名册", "Inspector roster"), content)
    }

    func addInspector(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(InspectorForm.self)
        do {
            let i = try await req.zhiben.people.saveInspector(RosterInspector(name: v.name ?? "", countyCode: v.countyCode ?? "", certificateNo: v.certificateNo ?? "",
                                                                               certificateValidUntil: v.certificateValidUntil ?? "",
                                                                               specialties: (v.specialties ?? []).compactMap(Specialty.init(rawValue:)), updatedAt: Date()),
                                                              actor: ctx.caller, origin: req.origin)
            return .html(try await inspectorsPage(req, ctx, values: InspectorForm(), issues: [], flash: ctx.t("已登记 \(i.name)。", "Added \(i.name).")))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await inspectorsPage(req, ctx, values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    struct ExpertForm: Content {
        var name: String?
        var title: String?
        var employer: String?
        var countyCode: String?
        var specialties: [String]?
    }

    func experts(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        return .html(try await expertsPage(req, ctx, values: ExpertForm(), issues: [], flash: req.queryString("done").map { ctx.t("已保存：\($0)。", "Saved: \($0).") }))
    }

    func expertsPage(_ req: Request, _ ctx: PageContext, values: ExpertForm, issues: [FieldIssue], flash: String? = nil) async throws -> HTML {
        let specialty = try req.queryEnum("specialty", Specialty.self)
        let page = try await req.zhiben.people.experts(search: req.queryString("q"), specialty: specialty, page: req.paging(defaultPer: 50), actor: ctx.caller)
        let rows = page.items.map { e -> HTML in
            """
            <tr><td>\(PeopleEditPages.nameCell(e.name, SitePath.expert(e.id), ctx, permission: .expertPoolManage))</td><td>\(e.specialties.map { $0.label(ctx.lang) }.joined(separator: "、"))</td><td>\(e.title)</td><td>\(e.employer)</td>
              <td>\(e.available ? ctx.t("可参加", "available") : ctx.t("暂不可参加", "unavailable"))</td><td class="num">\(e.conflicts.count)</td></tr>
            """
        }
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let form: HTML = HTML.when(ctx.caller.can(.expertPoolManage)) { """
        <section class="panel">
          <h2>\(ctx.t("登记专家", "Add an expert"))</h2>
          \(f.summary())
          <form method="post" action="\(SitePath.experts.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("name", ctx.t("姓名", "Name"), value: values.name ?? "", required: true, attrs: "maxlength=\"50\""))
            \(f.text("title", ctx.t("职称", "Title"), value: values.title ?? "", attrs: "maxlength=\"50\""))
            \(f.text("employer", ctx.t("工作单位", "Employer"), value: values.employer ?? "", attrs: "maxlength=\"100\""))
            \(f.select("countyCode", ctx.t("所在县（市、区）", "Based in"), options: County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: values.countyCode ?? "", blank: ctx.t("不限", "Any")))
            \(f.checkboxes("specialties", ctx.t("专业", "Specialties"), options: labeledOptions(Specialty.self, ctx.lang), checked: Set(values.specialties ?? [])))
            <div class="actions wide"><button type="submit" class="primary">\(ctx.t("登记", "Add"))</button></div>
          </form>
        </section>
        """ }
        let content: HTML = """
        \(Layout.flash(flash))
        <p class="count">\(ctx.t("共 \(page.total) 名专家", "\(page.total) experts"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("专家库为空。", "The expert pool is empty."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("专业", "Specialties"))</th><th scope="col">\(ctx.t("职称", "Title"))</th><th scope="col">\(ctx.t("工作单位", "Employer"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("回避企业", "Conflicts"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: QueryString(), lang: ctx.lang))
        \(form)
        """
        return Layout.page(ctx, title: ctx.t("专家库", "Expert pool"), content)
    }

    func addExpert(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(ExpertForm.self)
        do {
            let e = try await req.zhiben.people.saveExpert(Expert(name: v.name ?? "", specialties: (v.specialties ?? []).compactMap(Specialty.init(rawValue:)),
                                                                  title: v.title ?? "", employer: v.employer ?? "",
                                                                  countyCode: v.countyCode.flatMap { $0.isEmpty ? nil : $0 }, updatedAt: Date()),
                                                           actor: ctx.caller, origin: req.origin)
            return .html(try await expertsPage(req, ctx, values: ExpertForm(), issues: [], flash: ctx.t("已登记 \(e.name)。", "Added \(e.name).")))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await expertsPage(req, ctx, values: v, issues: issues), status: .unprocessableEntity)
        }
    }
}

/// What a draw shows, signed in or on the public page: no one's phone number, only names and
/// certificate numbers.
enum DrawViews {
    /// The pool's filters as chosen: industries, grades, recently inspected left out.
    static func filters(_ p: DrawParameters, lang: Language) -> String {
        var parts: [String] = []
        parts.append(p.industries.isEmpty ? lang.t("全部行业", "all industries") : p.industries.map { Industry(rawValue: $0)?.label(lang) ?? $0 }.joined(separator: lang == .en ? ", " : "、"))
        parts.append(p.grades.isEmpty ? lang.t("全部分级", "all grades") : lang.t("分级", "grades ") + p.grades.joined(separator: lang == .en ? ", " : "、"))
        if let k = p.excludeInspectedMonths, k > 0 { parts.append(lang.t("排除近\(k)个月内已完成检查的企业", "leaving out those inspected in the last \(k) months")) }
        return parts.joined(separator: lang == .en ? "; " : "；")
    }

    static func summary(_ d: Draw, _ v: DrawVerification, lang: Language) -> HTML {
        func yes(_ b: Bool?) -> String {
            switch b {
            case .some(true): lang.t("一致 ✓", "matches ✓")
            case .some(false): lang.t("不一致 ✗", "does NOT match ✗")
            case .none: lang.t("待揭晓", "after the reveal")
            }
        }
        let p = d.parameters
        return """
        <section class="panel">
          <dl class="facts">
            <dt>\(lang.t("范围", "Scope"))</dt><dd>\(d.countyCode.flatMap { County.named($0)?.label(lang) } ?? lang.t("全市", "City-wide")) · \(d.year)</dd>
            <dt>\(lang.t("抽取", "Draw"))</dt><dd>\(lang.t("从 \(d.pool.enterprises.count) 家企业中抽取 \(p.size) 家，每家 \(p.inspectorsPerEnterprise) 名执法人员", "\(p.size) of \(d.pool.enterprises.count) enterprises, \(p.inspectorsPerEnterprise) inspectors each"))\(p.withExpert ? lang.t("、1名专家", ", one expert") : "")\(p.crossCounty ? lang.t("（异地交叉）", " (cross-county)") : "")\(p.weighted ? lang.t("；不良记录加权", "; weighted for bad records") : "")</dd>
            <dt>\(lang.t("企业池条件", "Pool filters"))</dt><dd>\(DrawViews.filters(p, lang: lang))</dd>
            <dt>\(lang.t("名册", "Roster"))</dt><dd>\(lang.t("\(d.pool.inspectors.count) 名执法人员、\(d.pool.experts.count) 名专家（\(d.pool.day) 冻结）", "\(d.pool.inspectors.count) inspectors, \(d.pool.experts.count) experts (frozen \(d.pool.day))"))</dd>
            <dt>\(lang.t("企业池摘要 SHA-256", "Pool digest (SHA-256)"))</dt><dd class="mono small"><code>\(d.poolDigest)</code> · <a href="\(SitePath.publicDrawPool(d.id).path)"><code>pool.json</code></a> · \(yes(v.poolMatches))</dd>
            <dt>\(lang.t("种子承诺值 SHA-256(种子)", "Commitment SHA-256(seed)"))</dt><dd class="mono small"><code>\(d.commitment)</code></dd>
            <dt>\(lang.t("种子", "Seed"))</dt><dd class="mono small">\(d.seed.map { HTML("<code>\($0)</code>") } ?? HTML("\(lang.t("揭晓时公布", "published at the reveal"))"))\(HTML.when(d.seed != nil) { " · \(yes(v.commitmentMatches))" })</dd>
            <dt>\(lang.t("复核结果", "Recomputed result"))</dt><dd>\(yes(v.resultMatches))</dd>
            <dt>\(lang.t("时间", "Times"))</dt><dd>\(lang.t("承诺", "committed")) \(ChinaTime.display(d.createdAt))\(d.revealedAt.map { lang.t("，揭晓 ", ", revealed ") + ChinaTime.display($0) } ?? "")</dd>
            \(HTML.when(d.overlapReason != nil) { "<dt>\(lang.t("再次抽取的理由", "Why drawn again"))</dt><dd>\(d.overlapReason ?? "")</dd>" })
          </dl>
        </section>
        """
    }

    /// What became of each drawn enterprise's inspection: who inspected, and once completed, what was found and decided.
    struct Outcome {
        var inspection: Inspection
        var fined: Int
        /// The penalty decisions' case numbers (行政处罚决定书文号), public with the outcome.
        var caseNos: [String] = []
    }

    static func outcomes(_ d: Draw, req: Request) async throws -> [UUID: Outcome] {
        guard d.revealed else { return [:] }
        let list = try await req.zhiben.penalties.drawOutcomes(d.id)
        return Dictionary(list.map { ($0.inspection.enterpriseID, Outcome(inspection: $0.inspection, fined: $0.fined, caseNos: $0.caseNos)) }, uniquingKeysWith: { a, _ in a })
    }

    static func picks(_ d: Draw, lang: Language, outcomes: [UUID: Outcome] = [:]) -> HTML {
        guard let result = d.result else { return "" }
        let enterprises = d.pickedEnterprises
        let people = Dictionary((d.pool.inspectors + d.pool.experts).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = result.picks.enumerated().map { (i, p) -> HTML in
            let e = enterprises[p.enterpriseID]
            let inspectors = p.inspectors.map { id in "\(people[id]?.name ?? "?")（\(people[id]?.certificate ?? "")）" }.joined(separator: "、")
            let outcome: String = {
                guard let o = outcomes[p.enterpriseID] else { return lang.t("未安排", "not scheduled") }
                let who = o.inspection.inspectorNames.joined(separator: "、")
                switch o.inspection.state {
                case .completed:
                    let failed = o.inspection.results.filter { $0.outcome == .fail }.count
                    return lang.t("已检查（\(o.inspection.completedAt.map(ChinaTime.day) ?? "")，\(who)）：不符合 \(failed) 项", "Inspected (\(o.inspection.completedAt.map(ChinaTime.day) ?? ""), \(who)): \(failed) failed")
                        + (o.caseNos.isEmpty ? "" : lang.t("；行政处罚 \(o.caseNos.joined(separator: "、"))", "; penalty decision \(o.caseNos.joined(separator: ", "))"))
                        + (o.fined > 0 ? lang.t("，罚款 \(o.fined) 元", ", fined ¥\(o.fined)") : "")
                case .cancelled: return lang.t("已取消", "cancelled")
                default: return lang.t("计划 \(o.inspection.plannedOn)", "planned \(o.inspection.plannedOn)")
                }
            }()
            return """
            <tr><td class="num">\(i + 1)</td><td>\(e?.name ?? "")<br><span class="muted small mono">\(e?.creditCode ?? "")</span></td>
              <td>\(e.flatMap { County.named($0.countyCode)?.label(lang) } ?? "")</td><td>\(inspectors)</td><td>\(p.expert.flatMap { people[$0]?.name } ?? "—")</td>
              <td>\(outcome)</td></tr>
            """
        }
        return """
        <section class="panel">
          <h2>\(lang.t("抽取结果", "Result"))</h2>
          <div class="table-wrap"><table class="data">
            <thead><tr><th scope="col">#</th><th scope="col">\(lang.t("企业", "Enterprise"))</th><th scope="col">\(lang.t("县（市、区）", "County"))</th><th scope="col">\(lang.t("执法人员（执法证号）", "Inspectors (certificate)"))</th><th scope="col">\(lang.t("专家", "Expert"))</th><th scope="col">\(lang.t("检查结果", "Outcome"))</th></tr></thead>
            <tbody>\(rows)</tbody>
          </table></div>
        </section>
        """
    }
}

/// 一公开: every draw, without signing in.
struct PublicDrawPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.publicDraws, use: list)
        routes.get(WebRoute.publicDraw, use: show)
        routes.get(WebRoute.publicDrawPool, use: pool)
    }

    func frame(_ req: Request, title: String, _ content: HTML) -> Response {
        let lang = req.language
        return .html(Layout.document(lang: lang, title: title, body: """
        <header class="topbar"><a class="brand" href="\(SitePath.publicDraws.path)">治本 <span>\(lang.t("双随机抽查公示", "Random inspections, published"))</span></a></header>
        <main id="main" class="content"><h1>\(title)</h1>\(content)</main>
        """))
    }

    func list(req: Request) async throws -> Response {
        let lang = req.language
        let page = try await req.zhiben.draws.publicList(page: req.paging())
        let thisYear = Int(ChinaTime.day(req.zhiben.clock.now()).prefix(4)) ?? 2026
        let year = try req.queryInt("year", in: 2020...2100) ?? thisYear
        let (yearDraws, counties) = try await req.zhiben.draws.publicYear(year)
        let flagsOf = Dictionary(yearDraws.map { ($0.draw.id, $0.flags) }, uniquingKeysWith: { a, _ in a })
        func marks(_ flags: Set<DrawFairness.Flag>) -> HTML {
            HTML.join(DrawFairness.Flag.allCases.filter(flags.contains).map { f -> HTML in " <span class=\"badge level-major\">\(f.label(lang))</span>" })
        }
        let rows = page.items.map { d -> HTML in
            """
            <tr><td><a href="\(SitePath.publicDraw(d.id).path)">\(d.title)</a>\(HTML.when(d.overlapReason != nil) { "<br><span class=\"small\">\(lang.t("再次抽取：", "Drawn again: "))\(d.overlapReason ?? "")</span>" })</td><td>\(d.countyCode.flatMap { County.named($0)?.label(lang) } ?? lang.t("全市", "City-wide"))</td>
              <td class="num">\(d.parameters.size) / \(d.poolCounts.enterprises)</td><td class="mono small"><code>\(String(d.commitment.prefix(16)))</code>…</td>
              <td>\(d.revealed ? lang.t("已揭晓", "Revealed") : lang.t("待揭晓", "To be revealed"))\(marks(flagsOf[d.id] ?? []))</td><td>\(ChinaTime.display(d.createdAt))</td></tr>
            """
        }
        let countyRows = counties.map { c -> HTML in
            """
            <tr><td>\(c.countyCode.flatMap { County.named($0)?.label(lang) } ?? lang.t("全市", "City-wide"))</td><td class="num">\(c.draws)</td><td class="num">\(c.revealed)</td>
              <td class="num">\(c.revealOverdue)</td><td class="num">\(c.notArranged)</td><td class="num">\(c.redrawn)</td></tr>
            """
        }
        return frame(req, title: lang.t("双随机抽查公示", "Random inspections, published"), """
        <p class="subtitle">\(lang.t("每次抽取先公布企业池和种子的SHA-256承诺值，揭晓时公布种子。任何人都可下载企业池，按公开算法复核抽取结果。", "Each draw publishes its pool and the SHA-256 of its seed first, and the seed at the reveal; anyone can download the pool and recompute the result."))</p>
        <section class="panel">
          <h2>\(lang.t("\(year)年各县（市、区）抽取情况", "Draws of \(year) by county"))</h2>
          <p class="hint">\(lang.t("承诺后24小时内未揭晓记为“未揭晓超时”；揭晓后30天内未按结果安排检查记为“未按结果安排检查”；30天内对重叠的企业池再次抽取须写明理由并公示。", "A draw not revealed within 24 hours of its commitment, or whose inspections were not arranged within 30 days of the reveal, is marked; drawing again over an overlapping pool within 30 days needs a published reason."))</p>
          \(counties.isEmpty ? HTML("<p class=\"empty\">\(lang.t("本年度暂无抽取。", "No draws this year."))</p>") : """
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(lang.t("县（市、区）", "County"))</th><th scope="col">\(lang.t("抽取次数", "Draws"))</th><th scope="col">\(lang.t("已揭晓", "Revealed"))</th><th scope="col">\(DrawFairness.Flag.revealOverdue.label(lang))</th><th scope="col">\(DrawFairness.Flag.notArranged.label(lang))</th><th scope="col">\(lang.t("重叠再抽", "Drawn again"))</th></tr></thead>
            <tbody>\(countyRows)</tbody>
          </table></div>
          """)
        </section>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(lang.t("暂无抽取。", "No draws yet."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(lang.t("标题", "Title"))</th><th scope="col">\(lang.t("范围", "Scope"))</th><th scope="col">\(lang.t("抽取 / 企业池", "Drawn / pool"))</th><th scope="col">\(lang.t("承诺值", "Commitment"))</th><th scope="col">\(lang.t("状态", "State"))</th><th scope="col">\(lang.t("时间", "Time"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: QueryString(), lang: lang))
        """)
    }

    func show(req: Request) async throws -> Response {
        let (d, verification) = try await req.zhiben.draws.publicDraw(req.recordID("draw"))
        let flags = try await req.zhiben.draws.flags(d)
        return frame(req, title: d.title, """
        \(HTML.join(DrawFairness.Flag.allCases.filter(flags.contains).map { f -> HTML in "<p class=\"flash error\" role=\"status\">\(f.label(req.language))</p>" }))
        \(DrawViews.summary(d, verification, lang: req.language))
        \(DrawViews.picks(d, lang: req.language, outcomes: try await DrawViews.outcomes(d, req: req)))
        <p><a href="\(SitePath.publicDraws.path)">\(req.language.t("全部抽取", "All draws"))</a></p>
        """)
    }

    /// The frozen pool, byte for byte as hashed.
    func pool(req: Request) async throws -> Response {
        let d = try await req.zhiben.draws.publicDraw(req.recordID("draw")).draw
        let res = Response(status: .ok, body: .init(data: d.pool.canonical))
        res.headers.contentType = .json
        return res
    }
}
