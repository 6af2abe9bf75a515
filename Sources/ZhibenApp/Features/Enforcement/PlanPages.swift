import Foundation
import Vapor
import ZhibenDomain

/// The county's yearly enforcement plan: the suggested key enterprises with their reasons and
/// expected frequency, the chosen ones with month and style, the random-draw quota, 体检式精查 coverage.
struct PlanPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.plan, use: show)
        routes.post(WebRoute.plan, use: save)
    }

    func year(_ req: Request) -> Int {
        req.queryString("year").flatMap(Int.init) ?? Int(ChinaTime.day(req.zhiben.clock.now()).prefix(4)) ?? 2026
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let county = req.queryString("county") ?? { if case .county(let c) = ctx.caller.scope { return c } else { return County.all.first?.code } }()
        let (plan, facts) = try await req.zhiben.plans.plan(county: county, year: year(req), actor: ctx.caller)
        let inspections = try await yearInspections(req, ctx, plan)
        return .html(page(req, ctx, plan, facts, issues: [], flash: req.queryString("done").map { _ in ctx.t("计划已保存。", "The plan is saved.") },
                          inspections: inspections, calendar: calendar(ctx, plan, inspections)))
    }

    /// The county's inspections of the plan's year (planned on a day of that year).
    func yearInspections(_ req: Request, _ ctx: PageContext, _ plan: EnforcementPlan) async throws -> [Inspection] {
        var all: [Inspection] = []
        var page = 1
        while true {
            let part = try await req.zhiben.inspections.list(InspectionQuery(countyCode: plan.countyCode, year: plan.year),
                                                             page: Paging(page: page, per: Paging.maxPer), actor: ctx.caller)
            all += part.items
            if part.items.count < Paging.maxPer || page >= 50 { break }
            page += 1
        }
        return all
    }

    /// The county's year by month: key enterprises planned, inspections scheduled and completed; and each
    /// inspector's workload.
    func calendar(_ ctx: PageContext, _ plan: EnforcementPlan, _ all: [Inspection]) -> HTML {
        func month(_ day: String) -> Int { Int(day.dropFirst(5).prefix(2)) ?? 0 }
        let cells = (1...12).map { m -> HTML in
            let keys = plan.keyEnterprises.filter { $0.month == m }.count
            let scheduled = all.filter { month($0.plannedOn) == m }
            let done = scheduled.filter { $0.state == .completed }.count
            return "<tr><th scope=\"row\">\(m)月</th><td class=\"num\">\(keys)</td><td class=\"num\">\(scheduled.count)</td><td class=\"num\">\(done)</td></tr>"
        }
        var load: [String: (scheduled: Int, done: Int)] = [:]
        for i in all {
            for name in i.inspectorNames { load[name, default: (0, 0)].scheduled += 1; if i.state == .completed { load[name, default: (0, 0)].done += 1 } }
        }
        let workload = load.sorted { $0.value.scheduled != $1.value.scheduled ? $0.value.scheduled > $1.value.scheduled : $0.key < $1.key }.map { name, n -> HTML in
            "<tr><td>\(name)</td><td class=\"num\">\(n.scheduled)</td><td class=\"num\">\(n.done)</td></tr>"
        }
        return """
        <div class="charts">
          <section class="panel">
            <h2>\(ctx.t("检查日历", "Calendar"))</h2>
            <table class="data compact"><thead><tr><th scope="col">\(ctx.t("月份", "Month"))</th><th scope="col">\(ctx.t("计划重点检查", "Key planned"))</th><th scope="col">\(ctx.t("已安排", "Scheduled"))</th><th scope="col">\(ctx.t("已完成", "Completed"))</th></tr></thead><tbody>\(cells)</tbody></table>
          </section>
          <section class="panel">
            <h2>\(ctx.t("执法人员工作量", "Workload per inspector"))</h2>
            \(workload.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("本年度尚未安排检查。", "No inspection scheduled this year."))</p>") : "<table class=\"data compact\"><thead><tr><th scope=\"col\">\(ctx.t("执法人员", "Inspector"))</th><th scope=\"col\">\(ctx.t("已安排", "Scheduled"))</th><th scope=\"col\">\(ctx.t("已完成", "Completed"))</th></tr></thead><tbody>\(workload)</tbody></table>")
          </section>
        </div>
        """
    }

    func page(_ req: Request, _ ctx: PageContext, _ plan: EnforcementPlan, _ facts: [PlanFacts], issues: [FieldIssue], flash: String? = nil,
              inspections: [Inspection] = [], calendar: HTML = "") -> HTML {
        let now = req.zhiben.clock.now()
        let today = ChinaTime.day(now)
        // A key entry's inspection: the latest arranged from the plan for that enterprise this year.
        let arranged = Dictionary(inspections.filter { $0.origin == .plan && $0.state != .cancelled }.map { ($0.enterpriseID, $0) },
                                  uniquingKeysWith: { a, b in a.plannedOn >= b.plannedOn ? a : b })
        let chosen = Dictionary(plan.keyEnterprises.map { ($0.enterpriseID, $0) }, uniquingKeysWith: { a, _ in a })
        // The gravest fifty: a county of 1,500 enterprises never inspected suggests them all.
        let allSuggested = PlanRules.suggestions(facts, now: now)
        let showAll = req.queryString("all") == "1"
        let suggested = showAll ? allSuggested : Array(allSuggested.prefix(50))
        let suggestedIDs = Set(suggested.map(\.facts.enterpriseID))
        // The plan's own entries first (also those no longer suggested), then the suggestions.
        let listed = facts.filter { chosen[$0.enterpriseID] != nil && !suggestedIDs.contains($0.enterpriseID) }.map { f in
            (facts: f, reasons: PlanRules.reasons(f, now: now), style: chosen[f.enterpriseID]!.style)
        } + suggested
        let coverage = PlanRules.thoroughCoverage(facts)
        let editable = ctx.caller.can(.drawManage)
        let months = (1...12).map { (String($0), ctx.t("\($0)月", "month \($0)")) }
        // A new entry defaults to this month in this year's plan, to January in another year's.
        let thisYear = Int(today.prefix(4)) ?? plan.year
        let defaultMonth = plan.year == thisYear ? (Int(today.dropFirst(5).prefix(2)) ?? 1) : 1
        let styles = InspectionStyle.allCases.map { ($0.rawValue, $0.label(ctx.lang)) }
        // A saved entry links to its inspection, or offers to arrange one in its month.
        func arrange(_ entry: EnforcementPlan.KeyEnterprise?) -> HTML {
            guard let entry else { return "" }
            if let i = arranged[entry.enterpriseID] {
                return "<a href=\"\(SitePath.inspection(i.id).path)\">\(i.plannedOn) \(i.state.label(ctx.lang))</a>"
            }
            guard editable else { return "" }
            let first = String(format: "%04d-%02d-01", plan.year, entry.month)
            return "<a href=\"\(SitePath.newInspection(enterprise: entry.enterpriseID, origin: .plan, style: entry.style, plannedOn: max(first, today)))\">\(ctx.t("安排检查", "Arrange"))</a>"
        }
        let rows = listed.enumerated().map { n, s -> HTML in
            let entry = chosen[s.facts.enterpriseID]
            let expected = SupervisionFrequency.perTwoYears(grade: s.facts.grade, standardization: s.facts.standardization,
                                                            validUntil: s.facts.standardizationValidUntil, now: now)
            return """
            <tr>
              <td><input type="checkbox" name="e\(n)" value="\(s.facts.enterpriseID.uuidString)"\(HTML(raw: entry != nil ? " checked" : ""))\(HTML(raw: editable ? "" : " disabled")) aria-label="\(ctx.t("列入重点", "On the key list"))"></td>
              <td>\(s.facts.name)</td><td>\(s.facts.grade.rawValue)</td><td>\(s.reasons.map { $0.label(ctx.lang) }.joined(separator: ctx.lang == .en ? "; " : "；"))</td>
              <td>\(SupervisionFrequency.label(expected, ctx.lang))</td>
              <td><select name="m\(n)" aria-label="\(ctx.t("计划月份", "Month"))"\(HTML(raw: editable ? "" : " disabled"))>\(Layout.options(months, selected: String(entry?.month ?? defaultMonth), blank: nil))</select></td>
              <td><select name="s\(n)" aria-label="\(ctx.t("检查方式", "Style"))"\(HTML(raw: editable ? "" : " disabled"))>\(Layout.options(styles, selected: (entry?.style ?? s.style).rawValue, blank: nil))</select>
                <input type="hidden" name="r\(n)" value="\(s.reasons.map(\.zh).joined(separator: "；"))"></td>
              <td>\(arrange(entry))</td>
            </tr>
            """
        }
        let countyPicker: HTML = HTML.when(ctx.caller.scope == .city) { """
        <form class="filters" method="get" action="\(SitePath.plan.path)">
          <div class="field"><label for="county">\(ctx.t("县（市、区）", "County"))</label><select id="county" name="county">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: plan.countyCode, blank: nil))</select></div>
          <div class="field"><label for="year">\(ctx.t("年度", "Year"))</label><input id="year" name="year" value="\(plan.year)" inputmode="numeric"></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查看", "Show"))</button></div>
        </form>
        """ }
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let base = "\(SitePath.plan.path)?county=\(plan.countyCode)"
        let years: HTML = """
        <p class="toolbar year-switch"><span><a class="button" href="\(base)&amp;year=\(plan.year - 1)">‹ \(ctx.t("\(plan.year - 1)年", "\(plan.year - 1)"))</a>
          \(HTML.when(plan.year != thisYear) { "<a class=\"button\" href=\"\(base)&amp;year=\(thisYear)\">\(ctx.t("本年度", "This year"))</a>" })
          <a class="button" href="\(base)&amp;year=\(plan.year + 1)">\(ctx.t("\(plan.year + 1)年", "\(plan.year + 1)")) ›</a></span>
          \(HTML.when(allSuggested.count > 50) { showAll
              ? "<a href=\"\(base)&amp;year=\(plan.year)\">\(ctx.t("只看最紧要的 50 家", "The 50 most pressing only"))</a>"
              : "<span class=\"muted\">\(ctx.t("建议名单显示最紧要的 50 家（共 \(allSuggested.count) 家）", "The 50 most pressing of \(allSuggested.count) suggestions"))</span> <a href=\"\(base)&amp;year=\(plan.year)&amp;all=1\">\(ctx.t("显示全部", "Show all"))</a>" })</p>
        """
        return Layout.page(ctx, title: ctx.t("\(plan.year)年执法计划 · \(County.named(plan.countyCode)?.zh ?? plan.countyCode)", "Enforcement plan \(plan.year) · \(County.named(plan.countyCode)?.en ?? plan.countyCode)"), """
        \(Layout.flash(flash))
        \(f.summary())
        \(countyPicker)
        \(years)
        <section class="cards">
          <div class="card"><span class="figure">\(plan.keyEnterprises.count)</span><span class="label">\(ctx.t("重点检查企业", "Key enterprises"))</span></div>
          <div class="card"><span class="figure">\(plan.drawQuota)</span><span class="label">\(ctx.t("双随机抽查数", "To draw at random"))</span></div>
          <div class="card\(HTML(raw: coverage.done < coverage.total ? " red" : ""))"><span class="figure">\(coverage.done)/\(coverage.total)</span><span class="label">\(ctx.t("高风险企业体检式精查覆盖（2024年底应全覆盖）", "High-risk enterprises with a thorough check-up (all by end 2024)"))</span></div>
        </section>
        <form method="post" action="\(SitePath.plan.path)?county=\(plan.countyCode)&amp;year=\(plan.year)\(HTML(raw: showAll ? "&amp;all=1" : ""))">
          \(ctx.csrfField)
          <input type="hidden" name="version" value="\(plan.version)">
          <input type="hidden" name="count" value="\(listed.count)">
          \(f.text("drawQuota", ctx.t("双随机抽查企业数（全年）", "Enterprises to draw at random this year"), value: String(plan.drawQuota), required: true, type: "number", attrs: "min=\"0\"" + (editable ? "" : " disabled")))
          \(HTML.when(allSuggested.count > suggested.count) { "<p class=\"muted\">\(ctx.t("共有 \(allSuggested.count) 家企业符合建议条件，下表列出最需关注的 \(suggested.count) 家。", "\(allSuggested.count) enterprises meet the criteria; the \(suggested.count) most pressing are listed."))</p>" })
          <p class="muted">\(ctx.t("建议名单依据：A、B类，未销号重大隐患，近90天一级报警，近12个月事故，12个月未执法检查；应检频次按监管分级和标准化等级（差异化监管）。", "Suggested from: grade A or B, open major hazards, a level-1 alarm in 90 days, an accident in 12 months, not inspected in 12 months; expected frequency from the grade and standardization."))</p>
          \(listed.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有建议列入的企业。", "No enterprise is suggested."))</p>") : """
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("列入", "Key"))</th><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("分级", "Grade"))</th><th scope="col">\(ctx.t("理由", "Reasons"))</th><th scope="col">\(ctx.t("应检频次", "Expected"))</th><th scope="col">\(ctx.t("月份", "Month"))</th><th scope="col">\(ctx.t("方式", "Style"))</th><th scope="col">\(ctx.t("检查", "Inspection"))</th></tr></thead>
            <tbody>\(rows)</tbody>
          </table></div>
          """)
          \(HTML.when(editable) { "<div class=\"actions\"><button type=\"submit\" class=\"primary\">\(ctx.t("保存计划", "Save the plan"))</button></div>" })
        </form>
        \(calendar)
        """)
    }

    func save(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let county = req.queryString("county")
        let y = year(req)
        let count = min((try? req.content.get(Int.self, at: "count")) ?? 0, 5000)
        var entries: [EnforcementPlan.KeyEnterprise] = []
        for n in 0..<count {
            guard let id = (try? req.content.get(String.self, at: "e\(n)")).flatMap(UUID.init(uuidString:)) else { continue }
            entries.append(EnforcementPlan.KeyEnterprise(enterpriseID: id, name: "", month: (try? req.content.get(Int.self, at: "m\(n)")) ?? 1,
                                                         style: (try? req.content.get(String.self, at: "s\(n)")).flatMap(InspectionStyle.init(rawValue:)) ?? .routine,
                                                         reason: String(((try? req.content.get(String.self, at: "r\(n)")) ?? "").prefix(200))))
        }
        let quota = (try? req.content.get(String.self, at: "drawQuota")).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let version = (try? req.content.get(Int.self, at: "version")) ?? -1
        do {
            let saved = try await req.zhiben.plans.save(county: county, year: y, keyEnterprises: entries, drawQuota: quota, expectedVersion: version,
                                                        actor: ctx.caller, origin: req.origin)
            return req.redirect(to: "\(SitePath.plan.path)?county=\(saved.countyCode)&year=\(saved.year)&done=saved")
        } catch let error as DomainError {
            let (plan, facts) = try await req.zhiben.plans.plan(county: county, year: y, actor: ctx.caller)
            switch error {
            case .staleVersion:
                return .html(page(req, ctx, plan, facts, issues: [FieldIssue(field: "version", zh: "计划已被他人修改，以下为最新内容，请重新调整后保存", en: "Someone changed the plan meanwhile; this is the current one: adjust and save again")]), status: .conflict)
            default:
                guard let issues = error.fieldIssues else { throw error }
                return .html(page(req, ctx, plan, facts, issues: issues), status: .unprocessableEntity)
            }
        }
    }
}
