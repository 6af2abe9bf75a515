import Foundation
import Vapor
import ZhibenDomain

/// 清单制、动态清零: the open major hazards of the caller's jurisdiction by county, industry, focus and
/// age; overdue, supervised and legacy ones; the trend toward zero.
struct ZeroingPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.hazardZeroing, use: index)
    }

    func index(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let service = req.zhiben.hazards
        let stats = try await service.statistics(actor: ctx.caller)
        let trend = try await service.trend(actor: ctx.caller, months: 24, current: stats.openMajor)
        // The page is about major hazards: its overdue and struck-off figures count major ones only.
        let closedMajor = try await service.list(HazardQuery(states: [.closed], level: .major), page: Paging(per: 1), actor: ctx.caller).total
        let openList = try await service.list(HazardQuery(states: HazardState.open, level: .major, sort: .foundAt, direction: .asc), page: Paging(per: 20), actor: ctx.caller)
        let legacy = try await service.list(HazardQuery(states: HazardState.open, level: .major, legacy: true, sort: .foundAt, direction: .asc), page: Paging(per: 10), actor: ctx.caller)
        let lang = ctx.lang
        let now = req.zhiben.clock.now()
        let base = "\(SitePath.hazards.path)?state=open&level=major"
        func card(_ label: String, _ value: Int, _ href: String, _ kind: String = "") -> HTML {
            "<a class=\"card \(kind)\" href=\"\(href)\"><span class=\"figure\">\(value)</span><span class=\"label\">\(label)</span></a>"
        }
        var counties = County.all
        if case .county(let c) = ctx.caller.scope { counties = counties.filter { $0.code == c } }
        let countyBars = counties.map { c in BarChart.Bar(label: c.label(lang), value: stats.openMajorByCounty[c.code] ?? 0, colour: "red", href: "\(base)&county=\(c.code)") }
        let industryBars = Industry.allCases.map { i in BarChart.Bar(label: i.label(lang), value: stats.openMajorByIndustry[i] ?? 0, colour: "red", href: "\(base)&industry=\(i.rawValue)") }
        let focusBars = FocusTag.allCases.map { t in BarChart.Bar(label: t.label(lang), value: stats.openMajorByFocus[t] ?? 0, colour: "red", href: "\(base)&focus=\(t.rawValue)") }
        let ageBars = HazardStatistics.ageBuckets.enumerated().map { i, b in BarChart.Bar(label: lang.t(b.zh, b.en), value: stats.openMajorByAge[i], colour: "red", href: nil) }
        let stateBars = HazardState.open.map { s in BarChart.Bar(label: s.label(lang), value: stats.openMajorByState[s] ?? 0, colour: nil, href: "\(SitePath.hazards.path)?state=\(s.rawValue)&level=major") }
        let legacyTable: HTML = legacy.items.isEmpty
            ? "<p class=\"empty\">\(ctx.t("2023年及以前发现的重大隐患已全部清零。", "Every major hazard found in 2023 or earlier has been eliminated."))</p>"
            : HazardViews.table(legacy.items, ctx: ctx, now: now)
        let content: HTML = """
        <section class="cards" aria-label="\(ctx.t("关键指标", "Key figures"))">
          \(card(ctx.t("未销号重大隐患", "Open major hazards"), stats.openMajor, base, "red"))
          \(card(ctx.t("逾期未整改的重大隐患", "Overdue major"), stats.overdueMajor, "\(SitePath.hazards.path)?state=open&level=major&overdue=1", stats.overdueMajor > 0 ? "red" : ""))
          \(card(ctx.t("挂牌督办", "Under supervision"), stats.supervised, "\(SitePath.hazards.path)?state=open&supervised=1"))
          \(card(ctx.t("遗留重大隐患未清零", "Legacy major still open"), stats.legacyOpen, "\(SitePath.hazards.path)?state=open&level=major&legacy=1", stats.legacyOpen > 0 ? "red" : ""))
          \(card(ctx.t("未销号一般隐患", "Open general hazards"), stats.openGeneral, "\(SitePath.hazards.path)?state=open&level=general"))
          \(card(ctx.t("已销号的重大隐患", "Major struck off"), closedMajor, "\(SitePath.hazards.path)?state=closed&level=major"))
        </section>
        <div class="toolbar">
          <p class="muted">\(ctx.t("重大隐患实行清单制管理，逐项整改销号；2023年及以前发现的须于2024年底前全部清零。", "Major hazards are managed as a list and struck off item by item; those found in 2023 or earlier were due by the end of 2024."))</p>
          <div>
            <a class="button" href="\(SitePath.hazardExport.path)?state=open&amp;level=major">\(ctx.t("导出重大隐患台账", "Export the major-hazard ledger"))</a>
            <a class="button" href="\(SitePath.hazardPrint.path)?state=open&amp;level=major">\(ctx.t("打印", "Print"))</a>
          </div>
        </div>
        \(ColumnChart.render(title: ctx.t("未销号重大隐患走势（月末）", "Open major hazards at each month's end"), columns: trend.map { ColumnChart.Column(label: $0.month, value: $0.openMajor) },
                             valueHeader: ctx.t("未销号重大隐患", "Open major"), labelHeader: ctx.t("月份", "Month")))
        <div class="charts">
          \(HTML.when(counties.count > 1) { BarChart.render(title: ctx.t("各县（市、区）未销号重大隐患", "Open major hazards by county"), bars: countyBars, valueHeader: ctx.t("隐患数", "Hazards"), labelHeader: ctx.t("县（市、区）", "County")) })
          \(BarChart.render(title: ctx.t("按行业", "By industry"), bars: industryBars, valueHeader: ctx.t("隐患数", "Hazards"), labelHeader: ctx.t("行业", "Industry")))
          \(BarChart.render(title: ctx.t("按重点领域", "By focus area"), bars: focusBars, valueHeader: ctx.t("隐患数", "Hazards"), labelHeader: ctx.t("重点领域", "Focus")))
          \(BarChart.render(title: ctx.t("按发现至今时长", "By age since found"), bars: ageBars, valueHeader: ctx.t("隐患数", "Hazards"), labelHeader: ctx.t("时长", "Age")))
          \(BarChart.render(title: ctx.t("按办理状态", "By state"), bars: stateBars, valueHeader: ctx.t("隐患数", "Hazards"), labelHeader: ctx.t("状态", "State")))
        </div>
        <section class="panel">
          <h2>\(ctx.t("未销号重大隐患清单（按发现时间，最早的在前）", "Open major hazards, oldest first")) · \(openList.total)</h2>
          \(openList.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("重大隐患已全部清零。", "No major hazard is open."))</p>") : HazardViews.table(openList.items, ctx: ctx, now: now))
          \(HTML.when(openList.total > openList.items.count) { "<p><a href=\"\(SitePath.hazards.path)?state=open&amp;level=major&amp;sort=foundAt&amp;dir=asc\">\(ctx.t("查看全部 \(openList.total) 项", "All \(openList.total)"))</a></p>" })
        </section>
        <section class="panel legacy">
          <h2>\(ctx.t("遗留重大隐患（2023年及以前发现，尚未销号）", "Legacy major hazards (found in 2023 or earlier, still open)")) · \(legacy.total)</h2>
          \(legacyTable)
          \(HTML.when(legacy.total > legacy.items.count) { "<p><a href=\"\(SitePath.hazards.path)?state=open&amp;level=major&amp;legacy=1&amp;sort=foundAt&amp;dir=asc\">\(ctx.t("查看全部", "See all"))</a></p>" })
        </section>
        """
        return .html(Layout.page(ctx, title: ctx.t("重大隐患动态清零", "Zeroing major hazards"), content))
    }
}
