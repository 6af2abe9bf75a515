import Foundation
import Vapor
import ZhibenDomain

struct DashboardPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.overview, use: index)
    }

    /// 统计概览: the jurisdiction's figures (the workbench is the landing page).
    func index(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.dashboardRead)
        let stats = try await req.zhiben.enterprises.statistics(actor: ctx.caller)
        let hazards = ctx.caller.can(.hazardRead) ? try await req.zhiben.hazards.statistics(actor: ctx.caller) : nil
        // At most a minute old on the dashboard; the statistics page computes them afresh.
        let connection = ctx.caller.can(.monitoringRead) ? try await req.zhiben.monitoringFigures.connection(actor: ctx.caller, maxAge: 60) : nil
        let unacknowledged = ctx.caller.can(.monitoringRead)
            ? try await req.zhiben.alarms.list(AlarmQuery(states: [.active]), page: Paging(page: 1, per: 1), actor: ctx.caller).total : 0
        let year = Int(ChinaTime.day(req.zhiben.clock.now()).prefix(4)) ?? 2026
        let enforcement = ctx.caller.can(.enforcementRead) ? try await req.zhiben.plans.figures(year: year, actor: ctx.caller) : nil
        let lang = ctx.lang
        let counties: [County]
        if case .county(let c) = ctx.caller.scope { counties = County.all.filter { $0.code == c } } else { counties = County.all }

        let countyBars = counties.map { c in
            BarChart.Bar(label: c.label(lang), value: stats.byCounty[c.code] ?? 0, colour: nil, href: "\(SitePath.enterprises.path)?county=\(c.code)")
        }
        let industryBars = Industry.allCases.map { i in
            BarChart.Bar(label: i.label(lang), value: stats.byIndustry[i] ?? 0, colour: nil, href: "\(SitePath.enterprises.path)?industry=\(i.rawValue)")
        }
        let gradeBars = SupervisionGrade.allCases.map { g in
            BarChart.Bar(label: g.label(lang), value: stats.byGrade[g] ?? 0, colour: g.colour.rawValue, href: "\(SitePath.enterprises.path)?grade=\(g.rawValue)")
        }
        let riskBars = SpecialRisk.allCases.map { r in
            BarChart.Bar(label: r.label(lang), value: stats.bySpecialRisk[r] ?? 0, colour: nil, href: "\(SitePath.enterprises.path)?risk=\(r.rawValue)")
        }
        func card(_ label: String, _ value: Int, _ href: String, _ kind: String = "") -> HTML {
            "<a class=\"card \(kind)\" href=\"\(href)\"><span class=\"figure\">\(value)</span><span class=\"label\">\(label)</span></a>"
        }
        let empty = stats.total == 0
        let hazardCards: HTML = hazards.map { h in """
        <section class="cards" aria-label="\(ctx.t("重大隐患", "Major hazards"))">
          \(card(ctx.t("未销号重大隐患", "Open major hazards"), h.openMajor, "\(SitePath.hazards.path)?state=open&level=major", "red"))
          \(card(ctx.t("逾期未整改", "Overdue"), h.overdue, "\(SitePath.hazards.path)?state=open&overdue=1", h.overdue > 0 ? "red" : ""))
          \(card(ctx.t("挂牌督办", "Under supervision"), h.supervised, "\(SitePath.hazards.path)?state=open&supervised=1"))
          \(card(ctx.t("遗留重大隐患未清零", "Legacy major still open"), h.legacyOpen, "\(SitePath.hazards.path)?state=open&level=major&legacy=1", h.legacyOpen > 0 ? "red" : ""))
          \(card(ctx.t("未销号一般隐患", "Open general hazards"), h.openGeneral, "\(SitePath.hazards.path)?state=open&level=general"))
        </section>
        """ } ?? ""
        let monitoring: HTML = connection.map { f in
            let year = f.year
            return """
            <section class="panel" aria-label="\(ctx.t("监测预警", "Monitoring"))">
              <h2>\(ctx.t("监测预警", "Monitoring and early warning"))</h2>
              <div class="cards">
                \(card(ctx.t("截至\(year)年底应接入企业", "Due to connect by end \(year)"), f.total.required[year] ?? 0, SitePath.monitoringStatistics.path))
                \(card(ctx.t("已接入", "Connected"), f.total.connected[year] ?? 0, SitePath.monitoringStatistics.path))
                \(card(ctx.t("逾期未接入", "Overdue"), f.total.overdue, SitePath.monitoringStatistics.path, f.total.overdue > 0 ? "red" : ""))
                \(card(ctx.t("未确认报警", "Unacknowledged alarms"), unacknowledged, "\(SitePath.alarms.path)?state=active", unacknowledged > 0 ? "red" : ""))
              </div>
              \(MonitoringFiguresPages.connectionTable(f, ctx))
            </section>
            """
        } ?? ""
        let enforcementCards: HTML = enforcement.map { f in """
            <section class="panel" aria-label="\(ctx.t("执法检查", "Enforcement"))">
              <h2>\(ctx.t("执法检查（\(year)年）", "Enforcement (\(year))"))</h2>
              <div class="cards">
                \(card(ctx.t("计划检查（重点＋抽查）", "Planned (key + drawn)"), f.planned, SitePath.plan.path))
                \(card(ctx.t("已安排检查", "Inspections scheduled"), f.inspections, SitePath.inspections.path))
                \(card(ctx.t("已完成检查", "Completed"), f.completed, "\(SitePath.inspections.path)?state=completed"))
                \(card(ctx.t("行政处罚（起）", "Penalties"), f.penalties, SitePath.inspections.path))
                \(card(ctx.t("罚款（元）", "Fines (¥)"), f.fined, SitePath.inspections.path))
                \(card(ctx.t("考试不合格待补考", "Workers off duty"), f.offDuty, SitePath.inspections.path, f.offDuty > 0 ? "red" : ""))
                <a class="card\(HTML(raw: f.thoroughDone < f.highRisk ? " red" : ""))" href="\(SitePath.plan.path)"><span class="figure">\(f.thoroughDone)/\(f.highRisk)</span><span class="label">\(ctx.t("高风险企业体检式精查覆盖", "High-risk enterprises checked up thoroughly"))</span></a>
              </div>
            </section>
            """ } ?? ""
        let content: HTML = """
        \(hazardCards)
        \(enforcementCards)
        \(monitoring)
        <section class="cards" aria-label="\(ctx.t("关键指标", "Key figures"))">
          \(card(ctx.t("在册企业", "Registered enterprises"), stats.total, "\(SitePath.enterprises.path)"))
          \(card(ctx.t("A类（重点监管）", "Grade A (most intensive)"), stats.byGrade[.A] ?? 0, "\(SitePath.enterprises.path)?grade=A", "red"))
          \(card(ctx.t("粉尘涉爆企业", "Combustible-dust enterprises"), stats.bySpecialRisk[.combustibleDust] ?? 0, "\(SitePath.enterprises.path)?risk=combustibleDust"))
          \(card(ctx.t("深井铸造企业", "Deep-well casting enterprises"), stats.bySpecialRisk[.deepWellCasting] ?? 0, "\(SitePath.enterprises.path)?risk=deepWellCasting"))
          \(card(ctx.t("金属冶炼企业", "Metal-smelting enterprises"), stats.bySpecialRisk[.metalSmelting] ?? 0, "\(SitePath.enterprises.path)?risk=metalSmelting"))
        </section>
        \(HTML.when(empty) { """
        <p class="empty">\(ctx.t("还没有在册企业。", "No enterprises are registered yet.")) \(HTML.when(ctx.caller.can(.enterpriseCreate)) { "<a href=\"\(SitePath.enterpriseNew.path)\">\(ctx.t("登记第一家企业", "Register the first one"))</a> \(ctx.t("或", "or")) <a href=\"\(SitePath.enterpriseImport.path)\">\(ctx.t("批量导入", "import a spreadsheet"))</a>。" })</p>
        """ })
        <div class="charts">
          \(BarChart.render(title: ctx.t("各县（市、区）企业数", "Enterprises by county"), bars: countyBars, valueHeader: ctx.t("企业数", "Enterprises"), labelHeader: ctx.t("县（市、区）", "County")))
          \(BarChart.render(title: ctx.t("监管等级分布", "Supervision grades"), bars: gradeBars, valueHeader: ctx.t("企业数", "Enterprises"), labelHeader: ctx.t("等级", "Grade")))
          \(BarChart.render(title: ctx.t("行业分布", "Enterprises by industry"), bars: industryBars, valueHeader: ctx.t("企业数", "Enterprises"), labelHeader: ctx.t("行业", "Industry")))
          \(BarChart.render(title: ctx.t("专项风险分布", "Special risks"), bars: riskBars, valueHeader: ctx.t("企业数", "Enterprises"), labelHeader: ctx.t("专项风险", "Special risk")))
        </div>
        """
        return .html(Layout.page(ctx, title: ctx.t("统计概览", "Overview"), content))
    }
}
