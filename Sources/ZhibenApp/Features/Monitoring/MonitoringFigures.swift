import Foundation
import Vapor
import ZhibenDomain

struct ConnectionDTO: Content {
    struct Row: Content {
        var countyCode: String
        var countyName: String
        /// Per year ("2024", "2025", "2026"): enterprises required by its end, connected, and the rate.
        var required: [String: Int]
        var connected: [String: Int]
        var rate: [String: Double]
        var overdue: Int
        var points: Int
        var online: Int
        var onlineRate: Double?

        init(_ r: ConnectionFigures.Row) {
            countyCode = r.countyCode
            countyName = County.named(r.countyCode)?.zh ?? (r.countyCode.isEmpty ? "合计" : r.countyCode)
            required = Dictionary(uniqueKeysWithValues: ConnectionRules.years.map { (String($0), r.required[$0] ?? 0) })
            connected = Dictionary(uniqueKeysWithValues: ConnectionRules.years.map { (String($0), r.connected[$0] ?? 0) })
            rate = Dictionary(uniqueKeysWithValues: ConnectionRules.years.compactMap { y in r.rate(y).map { (String(y), $0) } })
            overdue = r.overdue
            points = r.points
            online = r.online
            onlineRate = r.onlineRate
        }
    }
    struct Lagging: Content {
        var enterpriseId: UUID
        var name: String
        var countyCode: String
        var deadline: Int
        var points: Int
    }
    var year: Int
    var counties: [Row]
    var total: Row
    var lagging: [Lagging]

    init(_ f: ConnectionFigures) {
        year = f.year
        counties = f.counties.map(Row.init)
        total = Row(f.total)
        lagging = f.lagging.map { Lagging(enterpriseId: $0.enterpriseID, name: $0.name, countyCode: $0.countyCode, deadline: $0.deadline ?? 0, points: $0.points) }
    }
}

struct AlarmStatisticsDTO: Content {
    struct Flood: Content {
        var enterpriseId: UUID
        var enterpriseName: String
        var countyCode: String
        var start: String
        var alarms: Int
    }
    var from: String
    var to: String
    var total: Int
    var byLevel: [String: Int]
    var byCounty: [String: Int]
    var byIndicator: [String: Int]
    var byCondition: [String: Int]
    var acknowledged: Int
    var closed: Int
    var meanToAcknowledgeSeconds: Double?
    var meanToCloseSeconds: Double?
    var floods: [Flood]

    init(from: Date, to: Date, _ s: AlarmStatistics) {
        self.from = ISOTime.string(from)
        self.to = ISOTime.string(to)
        total = s.total
        byLevel = Dictionary(uniqueKeysWithValues: s.byLevel.map { (String($0.key.rawValue), $0.value) })
        byCounty = s.byCounty
        byIndicator = s.byIndicator
        byCondition = Dictionary(uniqueKeysWithValues: s.byCondition.map { ($0.key.rawValue, $0.value) })
        acknowledged = s.acknowledged
        closed = s.closed
        meanToAcknowledgeSeconds = s.meanToAcknowledge.map { ($0 * 10).rounded() / 10 }
        meanToCloseSeconds = s.meanToClose.map { ($0 * 10).rounded() / 10 }
        floods = s.floods.map { Flood(enterpriseId: $0.enterpriseID, enterpriseName: $0.enterpriseName, countyCode: $0.countyCode, start: ISOTime.string($0.start), alarms: $0.alarms) }
    }
}

/// `GET /api/v1/monitoring/connection` and `GET /api/v1/alarms/statistics`.
struct MonitoringFiguresAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.monitoringConnection, use: connection)
        routes.get(APIRoute.alarmStatistics, use: alarms)
    }

    func connection(req: Request) async throws -> ConnectionDTO {
        ConnectionDTO(try await req.zhiben.monitoringFigures.connection(actor: req.caller))
    }

    func alarms(req: Request) async throws -> AlarmStatisticsDTO {
        let r = try await req.zhiben.monitoringFigures.alarms(from: try req.queryDate("from"), to: try req.queryDate("to", endOfDay: true), actor: req.caller)
        return AlarmStatisticsDTO(from: r.from, to: r.to, r.statistics)
    }
}

/// The monitoring figures on pages: the connection table (also on the dashboard) and the statistics page.
struct MonitoringFiguresPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.monitoringStatistics, use: show)
    }

    static func percent(_ v: Double?) -> String {
        v.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
    }

    static func duration(_ seconds: Double?, _ ctx: PageContext) -> String {
        guard let s = seconds else { return "—" }
        if s < 120 { return ctx.t("\(Int(s.rounded()))秒", "\(Int(s.rounded())) s") }
        if s < 7200 { return ctx.t("\(Int((s / 60).rounded()))分钟", "\(Int((s / 60).rounded())) min") }
        return ctx.t(String(format: "%.1f小时", s / 3600), String(format: "%.1f h", s / 3600))
    }

    /// 接入率 and 在线率 per county against the plan's deadlines.
    static func connectionTable(_ f: ConnectionFigures, _ ctx: PageContext) -> HTML {
        let lang = ctx.lang
        func cells(_ r: ConnectionFigures.Row) -> HTML {
            let years = ConnectionRules.years.map { y -> HTML in
                let rate = r.rate(y)
                let behind = (rate ?? 1) < 1 && y < f.year
                return "<td class=\"num\">\(r.connected[y] ?? 0)/\(r.required[y] ?? 0)</td><td class=\"num\(behind ? " bad" : "")\">\(percent(rate))</td>"
            }
            return "\(years)<td class=\"num\(r.overdue > 0 ? " bad" : "")\">\(r.overdue)</td><td class=\"num\">\(r.online)/\(r.points)</td><td class=\"num\">\(percent(r.onlineRate))</td>"
        }
        let rows = f.counties.map { r -> HTML in
            "<tr><th scope=\"row\">\(County.named(r.countyCode)?.label(lang) ?? r.countyCode)</th>\(cells(r))</tr>"
        }
        let head = ConnectionRules.years.map { y -> HTML in "<th scope=\"col\" colspan=\"2\">\(ctx.t("\(y)年底应接入", "Due by end \(y)"))</th>" }
        return """
        <div class="table-wrap"><table class="data compact connection">
          <caption>\(ctx.t("监测预警接入率（已接入/应接入）与点位在线率", "Connection (connected/required) and points online"))</caption>
          <thead><tr><th scope="col">\(ctx.t("县（市、区）", "County"))</th>\(head)<th scope="col">\(ctx.t("逾期未接入", "Overdue"))</th><th scope="col" colspan="2">\(ctx.t("点位在线", "Points online"))</th></tr></thead>
          <tbody>\(rows)</tbody>
          \(HTML.when(f.counties.count > 1) { "<tfoot><tr><th scope=\"row\">\(ctx.t("合计", "Total"))</th>\(cells(f.total))</tr></tfoot>" })
        </table></div>
        <p class="muted small">\(ctx.t("应接入：2024年底粉尘涉爆企业涉粉作业人数≥10人；2025年底全部钢铁、铝深井铸造企业及涉粉≥3人；2026年底全部粉尘涉爆企业。已接入：至少一个点位有数据上报。在线：最近一次数据在3个上报周期内。", "Required: by end 2024 dust enterprises with ≥10 dust workers; by end 2025 all steel, all deep-well casting and dust enterprises with ≥3; by end 2026 every dust enterprise. Connected: at least one point reports. Online: latest reading within three intervals."))</p>
        """
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let lang = ctx.lang
        let figures = try await req.zhiben.monitoringFigures.connection(actor: ctx.caller)
        let from = try APIDate.parse(req.queryString("from"), field: "from")
        let to = try APIDate.parse(req.queryString("to"), field: "to", endOfDay: true)
        let r = try await req.zhiben.monitoringFigures.alarms(from: from, to: to, actor: ctx.caller)
        let s = r.statistics
        func bars<K>(_ d: [K: Int], _ label: (K) -> String) -> [BarChart.Bar] {
            d.sorted { $0.value > $1.value }.prefix(12).map { BarChart.Bar(label: label($0.key), value: $0.value, colour: nil, href: nil) }
        }
        let lagging = figures.lagging.prefix(100).map { e -> HTML in
            "<tr><td><a href=\"\(SitePath.enterprise(e.enterpriseID).path)\">\(e.name)</a></td><td>\(County.named(e.countyCode)?.label(lang) ?? e.countyCode)</td><td class=\"num\">\(e.deadline ?? 0)</td><td class=\"num\">\(e.points)</td><td>\(e.points == 0 ? ctx.t("未登记点位", "no points registered") : ctx.t("点位无数据", "points send nothing"))</td></tr>"
        }
        let floods = s.floods.prefix(50).map { f -> HTML in
            "<tr><td>\(ChinaTime.display(f.start))</td><td><a href=\"\(SitePath.alarms.path)?enterprise=\(f.enterpriseID.uuidString)\">\(f.enterpriseName)</a></td><td class=\"num\">\(f.alarms)</td></tr>"
        }
        let content: HTML = """
        <section class="panel">
          <h2>\(ctx.t("接入情况", "Connection"))</h2>
          \(Self.connectionTable(figures, ctx))
          <h3>\(ctx.t("截至\(figures.year)年底应接入而未接入的企业", "Enterprises due by end \(figures.year) and not connected"))（\(figures.lagging.count)）</h3>
          \(figures.lagging.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("应接入的企业均已接入。", "Every enterprise due is connected."))</p>") : """
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("期限（年底）", "Due (end of)"))</th><th scope="col">\(ctx.t("点位", "Points"))</th><th scope="col">\(ctx.t("情况", "Status"))</th></tr></thead>
            <tbody>\(HTML.join(Array(lagging)))</tbody>
          </table></div>
          """)
        </section>
        <section class="panel">
          <h2>\(ctx.t("报警统计", "Alarm statistics"))</h2>
          <form class="filters" method="get" action="\(SitePath.monitoringStatistics.path)">
            <div class="field"><label for="from">\(ctx.t("自", "From"))</label><input id="from" name="from" type="date" value="\(ChinaTime.day(r.from))"></div>
            <div class="field"><label for="to">\(ctx.t("至", "To"))</label><input id="to" name="to" type="date" value="\(ChinaTime.day(r.to.addingTimeInterval(-1)))"></div>
            <div class="actions"><button type="submit" class="primary">\(ctx.t("统计", "Show"))</button></div>
          </form>
          <section class="cards">
            <a class="card" href="\(SitePath.alarms.path)"><span class="figure">\(s.total)</span><span class="label">\(ctx.t("报警总数", "Alarms"))</span></a>
            <a class="card red" href="\(SitePath.alarms.path)?level=1"><span class="figure">\(s.byLevel[.first] ?? 0)</span><span class="label">\(ctx.t("一级报警", "Level 1"))</span></a>
            <div class="card"><span class="figure">\(Self.duration(s.meanToAcknowledge, ctx))</span><span class="label">\(ctx.t("平均确认用时", "Mean time to acknowledge"))（\(s.acknowledged)）</span></div>
            <div class="card"><span class="figure">\(Self.duration(s.meanToClose, ctx))</span><span class="label">\(ctx.t("平均关闭用时", "Mean time to close"))（\(s.closed)）</span></div>
            <div class="card\(s.floods.isEmpty ? "" : " red")"><span class="figure">\(s.floods.count)</span><span class="label">\(ctx.t("报警泛滥（10分钟超过10条）", "Floods (over 10 in 10 min)"))</span></div>
          </section>
          \(s.total == 0 ? HTML("<p class=\"empty\">\(ctx.t("该时段没有报警。", "No alarms in this period."))</p>") : """
          <div class="charts">
            \(BarChart.render(title: ctx.t("按县（市、区）", "By county"), bars: bars(s.byCounty) { County.named($0)?.label(lang) ?? $0 }, valueHeader: ctx.t("报警数", "Alarms"), labelHeader: ctx.t("县（市、区）", "County")))
            \(BarChart.render(title: ctx.t("按监测指标", "By indicator"), bars: bars(s.byIndicator) { MonitoringCatalogue.indicator($0)?.label(lang) ?? $0 }, valueHeader: ctx.t("报警数", "Alarms"), labelHeader: ctx.t("指标", "Indicator")))
            \(BarChart.render(title: ctx.t("按类型", "By condition"), bars: bars(s.byCondition) { $0.label(lang) }, valueHeader: ctx.t("报警数", "Alarms"), labelHeader: ctx.t("类型", "Condition")))
          </div>
          """)
          \(HTML.when(!s.floods.isEmpty) { """
          <h3>\(ctx.t("报警泛滥", "Floods"))</h3>
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("开始", "Start"))</th><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("报警数", "Alarms"))</th></tr></thead><tbody>\(HTML.join(Array(floods)))</tbody></table></div>
          """ })
        </section>
        """
        return .html(Layout.page(ctx, title: ctx.t("监测统计", "Monitoring figures"), content))
    }
}
