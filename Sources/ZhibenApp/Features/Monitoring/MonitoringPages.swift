import Foundation
import Vapor
import ZhibenDomain

/// Monitoring points: an enterprise's list with add and change (limits included, each change kept in
/// the point's limit history); regulators read the points in their jurisdiction.
struct MonitoringPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.monitoringPoints, use: list)
        routes.get(WebRoute.monitoringPointNew, use: newForm)
        routes.post(WebRoute.monitoringPoints, use: create)
        routes.get(WebRoute.monitoringPoint, use: show)
        routes.get(WebRoute.monitoringPointStream, use: stream)
        routes.post(WebRoute.monitoringPoint, use: update)
    }

    /// What the form posts; numbers as typed, so that a bad one is named instead of dropped.
    struct Form: Content {
        var version: Int?
        var code: String?
        var name: String?
        var indicator: String?
        var equipment: String?
        var unit: String?
        var interval: String?
        var lowLow: String?
        var low: String?
        var high: String?
        var highHigh: String?
        var abnormalStates: String?
        var onDelay: String?
        var deadband: String?
        var rateOfChange: String?
        var active: String?

        init() {}

        init(_ p: MonitoringPoint) {
            func n(_ v: Double?) -> String? { v.map(AlarmEngine.format) }
            version = p.version
            code = p.code
            name = p.name
            indicator = p.indicator
            equipment = p.equipment
            unit = p.unit
            interval = String(p.interval)
            lowLow = n(p.limits.lowLow)
            low = n(p.limits.low)
            high = n(p.limits.high)
            highHigh = n(p.limits.highHigh)
            abnormalStates = p.limits.abnormalStates.joined(separator: ",")
            onDelay = String(p.limits.onDelay)
            deadband = n(p.limits.deadband)
            rateOfChange = n(p.limits.rateOfChange)
            active = p.active ? "yes" : "no"
        }

        func draft() throws -> MonitoringPointDraft {
            var issues: [FieldIssue] = []
            func number(_ text: String?, _ field: String) -> Double? {
                guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
                guard let v = Double(t), v.isFinite else {
                    issues.append(FieldIssue(field: field, zh: "请填写数字", en: "enter a number"))
                    return nil
                }
                return v
            }
            func integer(_ text: String?, _ field: String) -> Int? {
                guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
                guard let v = Int(t) else {
                    issues.append(FieldIssue(field: field, zh: "请填写整数", en: "enter a whole number"))
                    return nil
                }
                return v
            }
            let indicator = MonitoringCatalogue.indicator(self.indicator ?? "")
            let states = (abnormalStates ?? "").split(whereSeparator: { ",，、 ".contains($0) }).map(String.init)
            let limits = AlarmLimits(lowLow: number(lowLow, "lowLow"), low: number(low, "low"), high: number(high, "high"), highHigh: number(highHigh, "highHigh"),
                                     abnormalStates: states, onDelay: integer(onDelay, "onDelay") ?? 0, deadband: number(deadband, "deadband") ?? 0,
                                     rateOfChange: number(rateOfChange, "rateOfChange"))
            let d = MonitoringPointDraft(code: code ?? "", name: name ?? "", indicator: self.indicator ?? "",
                                         equipment: (equipment ?? "").isEmpty ? indicator?.equipmentZh ?? "" : equipment ?? "",
                                         unit: unit ?? "", kind: indicator?.kind.rawValue ?? "", interval: integer(interval, "interval"),
                                         limits: limits, active: active != "no")
            guard issues.isEmpty else { throw DomainError.validation(issues + MonitoringRules.issues(d).filter { i in !issues.contains { $0.field == i.field } }) }
            return d
        }
    }

    // MARK: list

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringRead)
        let lang = ctx.lang
        let query = try req.monitoringPointQuery()
        let page = try await req.zhiben.monitoring.list(query, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "county", "indicator", "enterprise", "inactive", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.monitoringManage)
        let counties: HTML = HTML.when(ctx.caller.scope == .city) {
            "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(lang)) }, selected: query.countyCode, blank: ctx.t("全部", "All")))</select></div>"
        }
        let indicators = MonitoringCatalogue.indicators.map { ($0.id, "\($0.scenario.label(lang)) · \($0.label(lang))") }
        let rows = page.items.map { p -> HTML in
            """
            <tr\(HTML(raw: p.active ? "" : " class=\"inactive\""))>
              \(HTML.when(regulator) { "<td>\(p.enterpriseName)</td>" })
              <td class="mono"><a href="\(SitePath.monitoringPoint(p.id).path)">\(p.code)</a></td>
              <td>\(p.name)\(HTML.when(!p.active) { " <span class=\"tag\">\(ctx.t("已停用", "out of service"))</span>" })</td>
              <td>\(MonitoringCatalogue.indicator(p.indicator)?.label(lang) ?? p.indicator)<br><span class="muted small">\(p.equipment)</span></td>
              <td>\(p.kind.label(lang))</td>
              <td class="num">\(p.interval)s</td>
              <td>\(p.limits.isEmpty ? ctx.t("未设限值", "no limits set") : p.limits.summary) \(HTML.when(!p.unit.isEmpty && !p.limits.isEmpty) { "<span class=\"muted small\">\(p.unit)</span>" })</td>
            </tr>
            """
        }
        let empty = query == MonitoringPointQuery()
            ? (regulator ? ctx.t("辖区内的企业还没有登记监测点位。", "No enterprise in your jurisdiction has registered a monitoring point yet.")
                         : ctx.t("还没有监测点位。先登记点位及报警限值，再用接口密钥接入数据。", "No monitoring points yet. Register the points with their alarm limits, then connect the gateway with an API key."))
            : ctx.t("没有符合条件的点位。", "No point matches these filters.")
        let content: HTML = """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("报警限值由企业按设备和工艺自行设定；系统不预设看似官方的默认值。", "Enterprises set alarm limits for their own equipment and process; no official-looking defaults are filled in."))</p>
          <div>\(HTML.when(!regulator) { "<a class=\"button\" href=\"\(SitePath.provincialLink(nil).path)\">\(ctx.t("省级接口对接", "Provincial interface"))</a> <a class=\"button\" href=\"\(SitePath.monitoringPointImport.path)\">\(ctx.t("导入CSV", "Import CSV"))</a> " })<a class="button" href="\(SitePath.monitoringPointExport.path)\(qs.with("per", nil).string)">\(ctx.t("导出CSV", "Export CSV"))</a> \(HTML.when(!regulator) { "<a class=\"button primary\" href=\"\(SitePath.monitoringPointNew.path)\">\(ctx.t("登记点位", "Add a point"))</a>" })</div>
        </div>
        <form class="filters" method="get" action="\(SitePath.monitoringPoints.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("编码、名称或企业", "Code, name or enterprise"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(counties)
          \(regulator ? await EnterprisePicker.filter(ctx, req) : "")
          <div class="field"><label for="indicator">\(ctx.t("监测指标", "Indicator"))</label><select id="indicator" name="indicator">\(Layout.options(indicators, selected: query.indicator, blank: ctx.t("全部", "All")))</select></div>
          <label class="check"><input type="checkbox" name="inactive" value="1"\(HTML(raw: query.includeInactive ? " checked" : ""))> \(ctx.t("含已停用", "include out of service"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.monitoringPoints.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 个点位", "\(page.total) points"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(empty)</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("编码", "Code"))</th><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("监测指标 / 设备", "Indicator / equipment"))</th><th scope="col">\(ctx.t("类型", "Kind"))</th><th scope="col">\(ctx.t("上报周期", "Interval"))</th><th scope="col">\(ctx.t("报警限值", "Alarm limits"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("监测点位", "Monitoring points"), content))
    }

    // MARK: add and change

    func form(_ ctx: PageContext, action: String, values: Form, issues: [FieldIssue], editing: Bool) -> HTML {
        let lang = ctx.lang
        let f = FormRenderer(lang: lang, issues: issues)
        let indicators = MonitoringCatalogue.indicators.map { ($0.id, "\($0.scenario.label(lang)) · \($0.label(lang))（\($0.kind.label(lang))，\($0.unitLabel(lang))）") }
        return """
        \(f.summary())
        <form method="post" action="\(action)" class="grid-form">
          \(ctx.csrfField)
          \(HTML.when(values.version != nil) { "<input type=\"hidden\" name=\"version\" value=\"\(values.version ?? 0)\">" })
          \(f.text("code", ctx.t("点位编码（网关上报用）", "Code (as the gateway sends it)"), value: values.code ?? "", required: true, attrs: "maxlength=\"64\" autocomplete=\"off\""))
          \(f.text("name", ctx.t("点位名称", "Name"), value: values.name ?? "", required: true, attrs: "maxlength=\"100\""))
          \(f.select("indicator", ctx.t("监测指标", "Indicator"), options: indicators, selected: values.indicator ?? "", required: true, blank: ctx.t("请选择", "Choose")))
          \(f.text("equipment", ctx.t("设备 / 部位", "Equipment"), value: values.equipment ?? "", hint: ctx.t("不填则用指标目录中的设备名称", "the indicator's equipment when empty")))
          \(f.text("unit", ctx.t("单位", "Unit"), value: values.unit ?? "", attrs: "maxlength=\"30\""))
          \(f.text("interval", ctx.t("上报周期（秒）", "Reporting interval (s)"), value: values.interval ?? "60", required: true, attrs: "inputmode=\"numeric\""))
          <fieldset class="field wide limits\(HTML(raw: issues.contains { $0.field == "limits" } ? " has-error" : ""))">
            <legend>\(ctx.t("报警限值（模拟量；按 低低 < 低 < 高 < 高高，不用的留空）", "Alarm limits (analog; low-low < low < high < high-high, leave unused ones empty)"))</legend>
            \(f.text("lowLow", ctx.t("低低限", "Low-low"), value: values.lowLow ?? "", attrs: "inputmode=\"decimal\""))
            \(f.text("low", ctx.t("低限", "Low"), value: values.low ?? "", attrs: "inputmode=\"decimal\""))
            \(f.text("high", ctx.t("高限", "High"), value: values.high ?? "", attrs: "inputmode=\"decimal\""))
            \(f.text("highHigh", ctx.t("高高限", "High-high"), value: values.highHigh ?? "", attrs: "inputmode=\"decimal\""))
            \(f.errors("limits"))
          </fieldset>
          \(f.text("abnormalStates", ctx.t("异常状态（状态量，用逗号分隔）", "Abnormal states (state points, comma-separated)"), value: values.abnormalStates ?? "", hint: ctx.t("填写网关上报的状态代码，多个用逗号分隔", "the states as the gateway sends them, e.g. fault,open")))
          \(f.text("onDelay", ctx.t("报警延时（秒）", "On-delay (s)"), value: values.onDelay ?? "0", attrs: "inputmode=\"numeric\""))
          \(f.text("deadband", ctx.t("恢复回差", "Deadband"), value: values.deadband ?? "0", attrs: "inputmode=\"decimal\""))
          \(f.text("rateOfChange", ctx.t("变化率限值（每分钟）", "Rate-of-change limit (per minute)"), value: values.rateOfChange ?? "", attrs: "inputmode=\"decimal\""))
          \(HTML.when(editing) { "<label class=\"check field\"><input type=\"checkbox\" name=\"active\" value=\"no\"\(HTML(raw: values.active == "no" ? " checked" : ""))> \(ctx.t("停用该点位（不再接收数据）", "Take out of service (no more readings)"))</label>" })
          <div class="actions"><button type="submit" class="primary">\(editing ? ctx.t("保存修改", "Save changes") : ctx.t("登记点位", "Add the point"))</button> <a href="\(SitePath.monitoringPoints.path)">\(ctx.t("返回", "Back"))</a></div>
        </form>
        """
    }

    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        return .html(Layout.page(ctx, title: ctx.t("登记监测点位", "Add a monitoring point"),
                                 form(ctx, action: SitePath.monitoringPoints.path, values: Form(), issues: [], editing: false)))
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        let values = try req.content.decode(Form.self)
        do {
            let p = try await req.zhiben.monitoring.create(try values.draft(), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.monitoringPoint(p.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(Layout.page(ctx, title: ctx.t("登记监测点位", "Add a monitoring point"),
                                     form(ctx, action: SitePath.monitoringPoints.path, values: values, issues: issues, editing: false)),
                         status: .unprocessableEntity)
        }
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let (p, recorded) = try await req.zhiben.monitoring.history(req.recordID("monitoring point"), actor: ctx.caller)
        let history = try await Self.named(recorded, req)
        let flash = req.queryString("done").map { $0 == "created" ? ctx.t("已登记。", "Added.") : ctx.t("已保存。", "Saved.") }
        return .html(detail(ctx, p, history: history, flash: flash, edit: (Form(p), [], false), live: try await live(ctx, req: req, p)))
    }

    static let ranges: [(key: String, seconds: TimeInterval, zh: String, en: String)] = [("1h", 3600, "1小时", "1 hour"), ("24h", 86_400, "24小时", "24 hours"), ("7d", 7 * 86_400, "7天", "7 days"), ("30d", 30 * 86_400, "30天", "30 days")]

    /// The point's latest reading, whether it is online, its trend over the chosen range with its limits
    /// (or its recent states), and its recent alarms; the page's stream sends it again as it changes.
    func live(_ ctx: PageContext, req: Request, _ p: MonitoringPoint) async throws -> HTML {
        let range = Self.ranges.first { $0.key == req.queryString("range") } ?? Self.ranges[1]
        let stream = WebRoute.monitoringPointStream.path(p.id.uuidString) + "?range=" + range.key
        return """
        <section class="panel live-point" data-point-stream="\(stream)" data-lost="\(ctx.t("连接中断，正在重连…", "Connection lost, reconnecting…"))">
          \(try await Self.liveBody(lang: ctx.lang, services: req.zhiben, rangeKey: range.key, p, LiveFacts.read(caller: ctx.caller, services: req.zhiben, p)))
        </section>
        """
    }

    /// What the live section shows at the top: read cheaply, so the stream can tell from `mark` (a new
    /// reading, an alarm raised or changed, online or offline) whether to draw the section again.
    struct LiveFacts {
        let now: Date
        let latest: Reading?
        let online: Bool
        let alarms: Paged<Alarm>

        var mark: String { "\(latest?.ts.timeIntervalSince1970 ?? 0)|\(online)|\(alarms.total)|\(alarms.items.map { "\($0.id)\($0.version)" }.joined())" }

        static func read(caller: Caller, services: ZhibenServices, _ p: MonitoringPoint) async throws -> LiveFacts {
            let now = services.clock.now()
            let latest = try await services.telemetry.readings.latest(pointID: p.id)
            let online = latest.map { now.timeIntervalSince($0.ts) <= Double(p.interval) * AlarmEngine.offlineIntervals } ?? false
            let alarms = try await services.alarms.list(AlarmQuery(pointID: p.id), page: Paging(per: 5), actor: caller)
            return LiveFacts(now: now, latest: latest, online: online, alarms: alarms)
        }
    }

    /// The live section's content: the facts, the trend over the range (or the recent states), the alarms.
    static func liveBody(lang: Language, services: ZhibenServices, rangeKey: String, _ p: MonitoringPoint, _ facts: LiveFacts) async throws -> HTML {
        func t(_ zh: String, _ en: String) -> String { lang.t(zh, en) }
        let (now, latest, online, alarms) = (facts.now, facts.latest, facts.online, facts.alarms)
        let readings = services.telemetry.readings
        let range = ranges.first { $0.key == rangeKey } ?? ranges[1]
        let from = now.addingTimeInterval(-range.seconds)
        let links = ranges.map { r -> HTML in
            r.key == range.key ? "<strong>\(lang.t(r.zh, r.en))</strong>" : "<a href=\"\(SitePath.monitoringPoint(p.id).path)?range=\(r.key)\">\(lang.t(r.zh, r.en))</a>"
        }
        let chart: HTML
        if p.kind == .state {
            let recent = try await readings.readings(pointID: p.id, from: from, to: now.addingTimeInterval(1), limit: 100_000).suffix(20).reversed()
            chart = recent.isEmpty ? "<p class=\"empty\">\(t("该时段没有数据。", "No readings in this period."))</p>"
                : "<table class=\"data compact\"><thead><tr><th scope=\"col\">\(t("时间", "Time"))</th><th scope=\"col\">\(t("状态", "State"))</th></tr></thead><tbody>\(recent.map { r -> HTML in "<tr><td>\(ChinaTime.display(r.ts, seconds: true))</td><td>\(StateValues.label(r.state ?? "", lang))\(HTML.when(p.limits.abnormalStates.contains(r.state ?? "")) { " <span class=\"tag red\">\(t("异常", "abnormal"))</span>" })</td></tr>" })</tbody></table>"
        } else {
            let buckets = try await readings.series(pointID: p.id, from: from, to: now, buckets: 120)
            let l = p.limits
            let limits = [("LL", l.lowLow, true), ("L", l.low, false), ("H", l.high, false), ("HH", l.highHigh, true)].compactMap { label, v, grave in
                v.map { TrendChart.Limit(label: label, value: $0, grave: grave) }
            }
            chart = TrendChart.render(title: "\(p.name)", buckets: buckets, limits: limits, from: from, to: now, unit: p.unit, lang: lang)
        }
        let alarmRows = alarms.items.map { a -> HTML in
            "<li><a href=\"\(SitePath.alarm(a.id).path)\">\(ChinaTime.display(a.raisedAt, seconds: true))</a> \(a.conditionLabel(lang)) \(AlarmPages.levelTag(a.level, lang: lang)) \(AlarmPages.value(a.raisedValue, a, lang)) · \(a.state.label(lang))</li>"
        }
        let html: HTML = """
          <h2>\(t("实时数据", "Live data"))</h2>
          <p class="latest">\(latest.map { r -> HTML in "\(t("最新读数", "Latest reading")) <strong data-latest>\(r.value.map(AlarmEngine.format) ?? StateValues.label(r.state ?? "", lang))</strong> \(p.unit) · <span data-latest-at>\(ChinaTime.display(r.ts, seconds: true))</span>" } ?? "\(t("尚未收到数据。", "No reading received yet."))")
            · <span class="tag \(online ? "green" : "red")" data-online>\(online ? t("在线", "online") : t("离线", "offline"))</span> <span class="live-status small muted" role="status"></span></p>
          <p class="small">\(t("时段：", "Range: "))\(HTML.join(links, " · "))</p>
          \(chart)
          <h3>\(t("最近报警", "Recent alarms"))（\(alarms.total)）</h3>
          \(alarms.items.isEmpty ? HTML("<p class=\"empty\">\(t("没有报警。", "No alarms."))</p>") : "<ul class=\"plain\">\(alarmRows)</ul><p><a href=\"\(SitePath.alarms.path)?point=\(p.id.uuidString)\">\(t("全部报警", "All alarms"))</a></p>")
        """
        return html
    }

    /// `GET /monitoring/points/:id/stream?range=`: Server-Sent Events, one `live` event with the live
    /// section's content whenever it would draw differently, checked every few seconds.
    func stream(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let (p, _) = try await req.zhiben.monitoring.history(req.recordID("monitoring point"), actor: ctx.caller)
        guard let token = req.auth?.token else { throw Abort(.unauthorized) }
        let services = req.zhiben
        let lang = ctx.lang, caller = ctx.caller
        let rangeKey = Self.ranges.first { $0.key == req.queryString("range") }?.key ?? Self.ranges[1].key
        let every = Duration.seconds(max(2, min(10, p.interval)))
        let logger = req.logger
        let res = Response(status: .ok)
        res.headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        res.body = Response.Body(asyncStream: { writer in
            var last = ""
            var polls = 0
            do {
                try await writer.write(.buffer(ByteBuffer(string: "retry: 5000\n\n")))
                while !Task.isCancelled, await !services.alarms.feed.isClosed {
                    let facts = try await LiveFacts.read(caller: caller, services: services, p)
                    if facts.mark != last {
                        // The first look only sets the mark: the page already shows it.
                        if !last.isEmpty {
                            let html = try await Self.liveBody(lang: lang, services: services, rangeKey: rangeKey, p, facts)
                            let data = html.raw.split(separator: "\n", omittingEmptySubsequences: false).map { "data: " + $0 }.joined(separator: "\n")
                            try await writer.write(.buffer(ByteBuffer(string: "event: live\n\(data)\n\n")))
                        }
                        last = facts.mark
                    } else if polls % 5 == 4 {
                        try await writer.write(.buffer(ByteBuffer(string: ": \(ISOTime.string(services.clock.now()))\n\n")))
                    }
                    polls += 1
                    // A signed-out session's stream ends; an open page never streams for more than an hour.
                    if polls % 15 == 0, try await services.sessions.authenticate(token) == nil { break }
                    if polls * Int(every.components.seconds) > 3600 { break }
                    try await Task.sleep(for: every)
                }
                try await writer.write(.end)
            } catch {
                logger.debug("point stream ended: \(error)")
                try? await writer.write(.error(error))
            }
        })
        return res
    }

    /// The limit history with each change's author by name.
    static func named(_ history: [LimitChange], _ req: Request) async throws -> [LimitChange] {
        let names = try await ActorNames.load(req, history.map(\.by))
        return history.map { c in var c = c; c.by = names(c.by); return c }
    }

    func detail(_ ctx: PageContext, _ p: MonitoringPoint, history: [LimitChange], flash: String?, edit: (Form, [FieldIssue], stale: Bool), live: HTML = "") -> HTML {
        let lang = ctx.lang
        func row(_ label: String, _ value: String) -> HTML { "<dt>\(label)</dt><dd>\(value.isEmpty ? "—" : value)</dd>" }
        let changes = history.map { c -> HTML in
            "<tr><td>\(ChinaTime.display(c.at))</td><td>\(c.by)</td><td>\(c.before.map { $0.isEmpty ? ctx.t("未设", "none") : $0.summary } ?? ctx.t("（登记）", "(added)"))</td><td>\(c.after.isEmpty ? ctx.t("未设", "none") : c.after.summary)</td></tr>"
        }
        let indicator = MonitoringCatalogue.indicator(p.indicator)
        return Layout.page(ctx, title: "\(p.name)（\(p.code)）", """
        \(Layout.flash(flash))
        \(HTML.when(edit.stale) { "<p class=\"flash error\" role=\"alert\">\(ctx.t("提交前该点位已被他人修改，未保存您的修改。下面是最新情况和您填写的内容，请确认后重新保存。", "Someone else changed this point meanwhile, so your change was not saved. Here is the current record with what you typed; check it and save again."))</p>" })
        <div class="toolbar"><p class="subtitle">\(p.enterpriseName) · \(County.named(p.countyCode)?.label(lang) ?? p.countyCode)</p><div><a class="button" href="\(SitePath.provincialLink(ctx.caller.can(.monitoringManage) ? nil : p.enterpriseID).path)">\(ctx.t("省级接口对接", "Provincial interface"))</a> <a class="button" href="\(SitePath.monitoringPoints.path)">\(ctx.t("返回列表", "Back to list"))</a></div></div>
        <section class="panel">
          <h2>\(ctx.t("点位信息", "Point"))</h2>
          <dl class="facts">
            \(row(ctx.t("监测指标", "Indicator"), indicator.map { "\($0.scenario.label(lang)) · \($0.label(lang))" } ?? p.indicator))
            \(row(ctx.t("设备 / 部位", "Equipment"), p.equipment))
            \(row(ctx.t("类型", "Kind"), p.kind.label(lang)))
            \(row(ctx.t("单位", "Unit"), p.unit))
            \(row(ctx.t("上报周期", "Interval"), "\(p.interval) s"))
            \(row(ctx.t("报警限值", "Alarm limits"), p.limits.isEmpty ? ctx.t("未设", "none") : p.limits.summary))
            \(row(ctx.t("状态", "Status"), p.active ? ctx.t("在用", "in service") : ctx.t("已停用", "out of service")))
          </dl>
        </section>
        \(live)
        \(HTML.when(ctx.caller.can(.monitoringManage)) { """
        <section class="panel">
          <h2>\(ctx.t("修改点位与限值", "Change the point and its limits"))</h2>
          \(form(ctx, action: SitePath.monitoringPoint(p.id).path, values: edit.0, issues: edit.1, editing: true))
        </section>
        """ })
        <section class="panel">
          <h2>\(ctx.t("限值变更记录", "Limit history"))（\(history.count)）</h2>
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("时间", "When"))</th><th scope="col">\(ctx.t("修改人", "By"))</th><th scope="col">\(ctx.t("修改前", "Before"))</th><th scope="col">\(ctx.t("修改后", "After"))</th></tr></thead><tbody>\(changes)</tbody></table></div>
        </section>
        """)
    }

    func update(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        let id = try req.recordID("monitoring point")
        let values = try req.content.decode(Form.self)
        do {
            _ = try await req.zhiben.monitoring.update(id, try values.draft(), expectedVersion: values.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.monitoringPoint(id).done("saved"))
        } catch let error as DomainError {
            let (p, recorded) = try await req.zhiben.monitoring.history(id, actor: ctx.caller)
            let history = try await Self.named(recorded, req)
            if case .staleVersion = error {
                var typed = values
                typed.version = p.version
                return .html(detail(ctx, p, history: history, flash: nil, edit: (typed, [], true)), status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(detail(ctx, p, history: history, flash: nil, edit: (values, issues, false)), status: .unprocessableEntity)
        }
    }
}
