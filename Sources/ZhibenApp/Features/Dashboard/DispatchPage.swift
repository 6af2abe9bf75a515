import Foundation
import Vapor
import ZhibenDomain

/// 调度: the city's thirteen counties side by side, sortable by any column, each figure a link to the
/// list it counts. The city's workbench shows the same table under its queues.
struct DispatchPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.dispatch, use: index)
    }

    /// The columns: key, heading, the figure as text, the value it sorts by, and the list it links to.
    struct Column: Sendable {
        let key: String
        let zh: String
        let en: String
        let text: @Sendable (CountyDispatch) -> String
        let value: @Sendable (CountyDispatch) -> Double
        let href: (@Sendable (CountyDispatch) -> String)?
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }

    static let columns: [Column] = [
        Column(key: "openMajor", zh: "未销号重大隐患", en: "Open major", text: { String($0.openMajor) }, value: { Double($0.openMajor) },
               href: { "\(SitePath.hazards.path)?state=open&level=major&county=\($0.countyCode)" }),
        Column(key: "overdueMajor", zh: "逾期重大隐患", en: "Overdue major", text: { String($0.overdueMajor) }, value: { Double($0.overdueMajor) },
               href: { "\(SitePath.hazards.path)?state=open&level=major&overdue=1&county=\($0.countyCode)" }),
        Column(key: "legacyOpen", zh: "遗留重大隐患未清零", en: "Legacy not zeroed", text: { String($0.legacyOpen) }, value: { Double($0.legacyOpen) },
               href: { "\(SitePath.hazards.path)?state=open&level=major&legacy=1&county=\($0.countyCode)" }),
        Column(key: "connection", zh: "监测接入率", en: "Connected", text: { percent($0.connectionRate) }, value: { $0.connectionRate ?? 2 },
               href: { _ in SitePath.monitoringStatistics.path }),
        Column(key: "online", zh: "点位在线率", en: "Online", text: { percent($0.onlineRate) }, value: { $0.onlineRate ?? 2 },
               href: { "\(SitePath.monitoringPoints.path)?county=\($0.countyCode)" }),
        Column(key: "unacknowledged", zh: "未确认报警", en: "Unacknowledged", text: { String($0.unacknowledged) }, value: { Double($0.unacknowledged) },
               href: { "\(SitePath.alarms.path)?state=active&county=\($0.countyCode)" }),
        Column(key: "ack", zh: "一级报警平均确认（分钟）", en: "Mean minutes to acknowledge", text: { $0.meanMinutesToAcknowledge.map { String(format: "%.0f", $0) } ?? "—" },
               value: { $0.meanMinutesToAcknowledge ?? -1 }, href: { "\(SitePath.alarms.path)?level=1&county=\($0.countyCode)" }),
        Column(key: "inspections", zh: "检查完成/计划", en: "Inspections done / planned", text: { "\($0.inspectionsCompleted)/\($0.inspectionsPlanned)" },
               value: { $0.inspectionsPlanned > 0 ? Double($0.inspectionsCompleted) / Double($0.inspectionsPlanned) : 2 },
               href: { "\(SitePath.inspections.path)?state=completed&county=\($0.countyCode)" }),
        Column(key: "penalties", zh: "行政处罚（起）", en: "Penalties", text: { String($0.penalties) }, value: { Double($0.penalties) },
               href: { "\(SitePath.inspections.path)?county=\($0.countyCode)" }),
    ]

    static func table(_ rows: [CountyDispatch], _ ctx: PageContext, sort: String? = nil, descending: Bool = true) -> HTML {
        var rows = rows
        if let column = columns.first(where: { $0.key == sort }) {
            rows.sort { descending ? column.value($0) > column.value($1) : column.value($0) < column.value($1) }
        }
        let head = columns.map { c -> HTML in
            let dir = c.key == sort && descending ? "asc" : "desc"
            let mark = c.key == sort ? (descending ? " ▼" : " ▲") : ""
            return "<th scope=\"col\" class=\"num\"><a href=\"\(SitePath.dispatch.path)?sort=\(c.key)&amp;dir=\(dir)\">\(ctx.t(c.zh, c.en))\(mark)</a></th>"
        }
        let body = rows.map { r -> HTML in
            let cells = columns.map { c -> HTML in
                let bad = (c.key == "overdueMajor" || c.key == "legacyOpen" || c.key == "unacknowledged") && c.value(r) > 0
                return "<td class=\"num\(bad ? " bad" : "")\">\(c.href.map { h in HTML("<a href=\"\(h(r))\">\(c.text(r))</a>") } ?? HTML("\(c.text(r))"))</td>"
            }
            return "<tr\(HTML(raw: r.lagging ? " class=\"lagging\"" : ""))><th scope=\"row\">\(County.named(r.countyCode)?.label(ctx.lang) ?? r.countyCode)</th>\(cells)</tr>"
        }
        return """
        <div class="table-wrap"><table class="data dispatch"><thead><tr><th scope="col">\(ctx.t("县（市、区）", "County"))</th>\(head)</tr></thead><tbody>\(body)</tbody></table></div>
        """
    }

    func index(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let rows = try await req.zhiben.dispatch.counties(actor: ctx.caller)
        let sort = try req.queryChoice("sort", allowed: Self.columns.map(\.key)) { k in Self.columns.contains { $0.key == k } ? k : nil }
        let descending = req.queryString("dir") != "asc"
        let lagging = rows.filter(\.lagging).count
        let content: HTML = """
        <p class="subtitle">\(ctx.t("13个县（市、区）的重大隐患、监测预警和执法检查情况；点击表头排序，点击数字查看对应清单。\(lagging) 个县（市、区）存在逾期、遗留或未确认事项。",
                                   "The 13 counties' major hazards, monitoring and enforcement; click a heading to sort, a figure to open its list. \(lagging) counties have overdue, legacy or unacknowledged items."))</p>
        \(Self.table(rows, ctx, sort: sort, descending: descending))
        """
        return .html(Layout.page(ctx, title: ctx.t("调度", "Dispatch"), content))
    }
}
