import Foundation
import Vapor
import ZhibenDomain

/// The alarm list (enterprise, county and city scope) and each alarm with its steps and the forms of
/// the steps the caller may take.
struct AlarmPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.alarms, use: list)
        routes.get(WebRoute.alarmStream, use: stream)
        routes.get(WebRoute.alarm, use: show)
        routes.post(WebRoute.alarmTransitions, use: transition)
        routes.post(WebRoute.alarmHazard, use: createHazard)
    }

    func createHazard(req: Request) async throws -> Response {
        let h = try await req.hazardFromAlarm(actor: try PageContext(req: req).caller)
        return req.redirect(to: SitePath.hazard(h.id))
    }

    /// A reading as the alarm recorded it: a state point's state by its name.
    static func value(_ v: String, _ a: Alarm, _ lang: Language) -> String {
        a.condition == .state ? StateValues.label(v, lang) : v
    }

    static func levelTag(_ l: AlarmLevel, lang: Language) -> HTML {
        "<span class=\"tag \(l == .first ? "red" : "orange")\">\(l.label(lang))</span>"
    }

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringRead)
        let lang = ctx.lang
        let query = try req.alarmQuery(defaultOrder: .urgency)
        let page = try await req.zhiben.alarms.list(query, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["state", "level", "condition", "county", "enterprise", "point", "out", "from", "to", "per", "sort"] { qs.set(key, req.queryString(key)) }
        let counties: HTML = HTML.when(ctx.caller.scope == .city) {
            "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(lang)) }, selected: query.countyCode, blank: ctx.t("全部", "All")))</select></div>"
        }
        let rows = page.items.map { Self.row($0, lang: lang, order: query.order) }
        let live = page.page == 1
        let since = Int64(req.zhiben.clock.now().timeIntervalSince1970 * 1000)
        let stream = SitePath.alarmStream.path + qs.with("page", nil).with("per", nil).with("since", String(since)).string
        let content: HTML = """
        <p class="subtitle">\(ctx.t("报警由系统按企业设定的限值实时产生；企业确认、处置并在恢复正常后关闭，监管部门核查一级报警。", "Alarms are raised as readings arrive, against the limits each enterprise set; the enterprise acknowledges, disposes and closes them once back to normal, and regulators verify level-1 alarms."))</p>
        <form class="filters" method="get" action="\(SitePath.alarms.path)">
          \(counties)
          \(await EnterprisePicker.filter(ctx, req))
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(labeledOptions(Alarm.State.self, lang), selected: req.queryString("state"), blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="level">\(ctx.t("级别", "Level"))</label><select id="level" name="level">\(Layout.options(AlarmLevel.allCases.map { (String($0.rawValue), $0.label(lang)) }, selected: req.queryString("level"), blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="condition">\(ctx.t("类型", "Condition"))</label><select id="condition" name="condition">\(Layout.options(labeledOptions(AlarmCondition.self, lang), selected: query.condition?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="sort">\(ctx.t("排序", "Order"))</label><select id="sort" name="sort">\(Layout.options([(AlarmOrder.urgency.rawValue, ctx.t("未确认、一级优先", "Unacknowledged, level 1 first")), (AlarmOrder.raised.rawValue, ctx.t("按报警时间", "By time raised"))], selected: query.order.rawValue))</select></div>
          <label class="check"><input type="checkbox" name="out" value="1"\(HTML(raw: query.outOnly ? " checked" : ""))> \(ctx.t("仅未恢复", "still out only"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="\(SitePath.alarms.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <div class="live-board" data-alarm-stream="\(stream)" data-states="\((query.states ?? []).map(\.rawValue).joined(separator: ","))" data-out="\(query.outOnly ? "1" : "0")" data-insert="\(live ? "1" : "0")" data-since="\(String(since))" data-per="\(String(page.per))" data-new="\(ctx.t("新", "new"))">
          <p class="count"><span data-total="\(page.total)">\(ctx.t("共 \(page.total) 条报警", "\(page.total) alarms"))</span>
            <span class="live-status" role="status" data-live="\(ctx.t("实时更新中", "Live"))" data-lost="\(ctx.t("连接中断，正在重连…", "Connection lost, reconnecting…"))"></span>
            <button type="button" class="small" data-sound aria-pressed="false" data-on="\(ctx.t("一级报警声音提示：开", "Sound for level-1 alarms: on"))" data-off="\(ctx.t("一级报警声音提示：关", "Sound for level-1 alarms: off"))" hidden></button></p>
          <p class="empty"\(HTML(raw: page.items.isEmpty ? "" : " hidden")) data-empty>\(query == AlarmQuery() ? ctx.t("暂无报警。", "No alarms.") : ctx.t("没有符合条件的报警。", "No alarm matches these filters."))</p>
          <div class="table-wrap"\(HTML(raw: page.items.isEmpty ? " hidden" : ""))><table class="data">
            <thead><tr><th scope="col">\(ctx.t("报警时间", "Raised"))</th><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("点位", "Point"))</th><th scope="col">\(ctx.t("类型", "Condition"))</th><th scope="col">\(ctx.t("级别", "Level"))</th><th scope="col">\(ctx.t("报警值", "Value"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("恢复正常", "Back to normal"))</th></tr></thead>
            <tbody data-rows>\(rows)</tbody>
          </table></div>
        </div>
        \(Layout.pagination(page, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("监测报警", "Alarms"), content))
    }

    /// One row of the board, also sent by the page's stream for the script to put in place.
    static func row(_ a: Alarm, lang: Language, order: AlarmOrder) -> HTML {
        """
        <tr data-id="\(a.id.uuidString)" data-level="\(a.level.rawValue)" data-rank="\(rank(a, order))" class="\(a.state == .active ? "unacked" : "")">
          <td><a href="\(SitePath.alarm(a.id).path)">\(ChinaTime.display(a.raisedAt, seconds: true))</a></td>
          <td>\(a.enterpriseName)</td>
          <td><span class="mono">\(a.pointCode)</span> \(a.pointName)</td>
          <td>\(a.conditionLabel(lang))</td>
          <td>\(Self.levelTag(a.level, lang: lang))</td>
          <td class="num">\(value(a.raisedValue, a, lang))</td>
          <td>\(a.state.label(lang))</td>
          <td>\(a.normalAt.map { ChinaTime.display($0, seconds: true) } ?? lang.t("未恢复", "still out"))</td>
        </tr>
        """
    }

    /// The list's order as text that sorts the same way: for `urgency` unacknowledged first, level 1
    /// before level 2; then newest raised first, then by id (the repository's orders).
    static func rank(_ a: Alarm, _ order: AlarmOrder) -> String {
        let raised = Int64((a.raisedAt.timeIntervalSince1970 * 1000).rounded())
        let urgency = order == .urgency ? "\(a.state == .active ? 0 : 1)\(a.level.rawValue)" : ""
        return urgency + String(format: "%016lld", 9_999_999_999_999_999 - raised) + a.id.uuidString
    }

    struct BoardEvent: Encodable {
        var id: UUID
        var level: Int
        var state: String
        var out: Bool
        /// When it was raised, in milliseconds: raised after the page was drawn means new to the board.
        var raised: Int64
        var row: String
    }

    /// The board's live feed: the stream of `AlarmStream` with each alarm's row.
    func stream(req: Request) async throws -> Response {
        let lang = req.language
        let query = try req.alarmQuery(defaultOrder: .urgency)
        return try AlarmStream.response(req: req, query: query, withTotal: true) { a in
            try AlarmStream.json(BoardEvent(id: a.id, level: a.level.rawValue, state: a.state.rawValue, out: a.isOut,
                                            raised: Int64((a.raisedAt.timeIntervalSince1970 * 1000).rounded()), row: Self.row(a, lang: lang, order: query.order).raw))
        }
    }

    /// What the alarm page shows beside the alarm: its point's limits and unit, the trend around it, the
    /// inspections arranged from it, the people's names.
    struct Context {
        var point: MonitoringPoint?
        var chart: HTML = ""
        var inspections: [Inspection] = []
        var names: ActorNames
    }

    static func context(_ req: Request, _ ctx: PageContext, _ a: Alarm) async throws -> Context {
        var c = Context(names: try await ActorNames.load(req, a.steps.map(\.by)))
        c.point = try? await req.zhiben.monitoring.get(a.pointID, actor: ctx.caller)
        if let p = c.point, p.kind != .state {
            let now = req.zhiben.clock.now()
            let from = a.raisedAt.addingTimeInterval(-30 * 60)
            let to = min(now, (a.normalAt ?? now).addingTimeInterval(10 * 60))
            let buckets = try await req.zhiben.telemetry.readings.series(pointID: p.id, from: from, to: to, buckets: 60)
            let l = p.limits
            let limits = [("LL", l.lowLow, true), ("L", l.low, false), ("H", l.high, false), ("HH", l.highHigh, true)].compactMap { label, v, grave in
                v.map { TrendChart.Limit(label: label, value: $0, grave: grave) }
            }
            c.chart = TrendChart.render(title: ctx.t("报警前后读数", "Readings around the alarm"), buckets: buckets, limits: limits, from: from, to: to, unit: p.unit, lang: ctx.lang)
        }
        if ctx.caller.can(.enforcementRead) {
            c.inspections = try await req.zhiben.inspections.list(InspectionQuery(originID: a.id), page: Paging(per: 5), actor: ctx.caller).items
        }
        return c
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let a = try await req.zhiben.alarms.get(req.recordID("alarm"), actor: ctx.caller)
        let offers = ctx.caller.can(.hazardReport) ? try await req.zhiben.alarms.offersHazard(a) : false
        return .html(detail(ctx, a, issues: [], failed: nil, flash: req.queryString("done").map { _ in ctx.t("已保存。", "Saved.") }, offersHazard: offers,
                            context: try await Self.context(req, ctx, a)))
    }

    func detail(_ ctx: PageContext, _ a: Alarm, issues: [FieldIssue], failed: AlarmAction?, flash: String?, message: String? = nil,
                offersHazard: Bool = false, context: Context) -> HTML {
        let lang = ctx.lang
        let names = context.names
        let now = Date()
        let minutes = Int(((a.normalAt ?? now).timeIntervalSince(a.raisedAt)) / 60)
        let duration = a.normalAt == nil ? ctx.t("已持续 \(minutes) 分钟，尚未恢复", "\(minutes) min so far, still out") : ctx.t("持续 \(minutes) 分钟", "lasted \(minutes) min")
        let limitsText = context.point.map { p in (p.limits.isEmpty ? ctx.t("未设限值", "no limits") : p.limits.summary) + (p.unit.isEmpty ? "" : "（\(p.unit)）") } ?? ""
        func row(_ label: String, _ value: String) -> HTML { "<dt>\(label)</dt><dd>\(value.isEmpty ? "—" : value)</dd>" }
        let steps = a.steps.map { s -> HTML in
            let extra = [s.cause.map { ctx.t("原因：", "Cause: ") + $0 }, s.measures.map { ctx.t("措施：", "Measures: ") + $0 },
                         s.until.map { ctx.t("搁置至 ", "Shelved until ") + ChinaTime.display($0) }].compactMap { $0 }
            return "<tr><td>\(ChinaTime.display(s.at))</td><td>\(names(s.by))</td><td>\(s.action.label(lang))</td><td>\(s.comment)\(HTML.when(!extra.isEmpty) { "<br><span class=\"small\">\(extra.joined(separator: "；"))</span>" })</td></tr>"
        }
        let forms = AlarmWorkflow.available(to: ctx.caller, on: a).map { action -> HTML in
            let f = FormRenderer(lang: lang, issues: failed == action ? issues : [], prefix: "\(action.rawValue)-")
            var fields: [HTML] = []
            switch action {
            case .dispose:
                fields = [f.text("cause", ctx.t("报警原因", "Cause"), value: "", required: true), f.text("measures", ctx.t("处置措施", "Measures taken"), value: "", required: true)]
            case .shelve:
                fields = [f.text("until", ctx.t("搁置至（7天内）", "Shelved until (within 7 days)"), value: "", required: true, type: "datetime-local")]
            default: break
            }
            let form: HTML = """
            <form method="post" action="\(SitePath.alarmTransition(a.id).path)" class="grid-form action-form">
              \(ctx.csrfField)
              <input type="hidden" name="action" value="\(action.rawValue)"><input type="hidden" name="version" value="\(a.version)">
              \(HTML.when(action != .shelve) { "<h3>\(action.label(lang))</h3>" })
              \(fields)
              \(f.text("comment", action == .shelve ? ctx.t("搁置理由（必填，如设备检修、传感器校准）", "Reason (required)") : ctx.t("说明", "Comment"), value: "", required: action == .shelve))
              <div class="actions"><button type="submit" class="\(action == .shelve ? "" : "primary")">\(action.label(lang))</button></div>
            </form>
            """
            // Shelving silences an alarm for a while: a secondary step, folded away, asking for its reason.
            return action == .shelve
                ? "<details class=\"panel-form shelve\"\(HTML(raw: failed == .shelve ? " open" : ""))><summary>\(ctx.t("暂时搁置该报警…", "Shelve this alarm for a while…"))</summary>\(form)</details>"
                : form
        }
        return Layout.page(ctx, title: "\(a.pointName)：\(a.conditionLabel(lang))", """
        \(Layout.flash(flash))
        \(message.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        <div class="toolbar"><p class="subtitle">\(Self.levelTag(a.level, lang: lang)) \(a.state.label(lang)) · \(a.enterpriseName)</p><div>\(HTML.when(ctx.caller.can(.drawManage) && !context.inspections.contains { $0.state != .cancelled }) { "<a class=\"button primary\" href=\"\(SitePath.newInspection(enterprise: a.enterpriseID, origin: .alarm, originID: a.id))\">\(ctx.t("线下执法：安排检查", "Inspect on site"))</a> " })<a class="button" href="\(SitePath.alarms.path)">\(ctx.t("返回列表", "Back to list"))</a></div></div>
        \(HTML.when(!forms.isEmpty) { "<section class=\"panel actions-panel\"><h2>\(ctx.t("待办操作", "Next steps"))</h2>\(forms)</section>" })
        \(HTML.when(offersHazard) { """
        <section class="panel">
          <h2>\(ctx.t("转为隐患", "Turn into a hazard"))</h2>
          <p>\(a.condition == .offline ? ctx.t("监测设备离线：按判定标准第十四条，监测报警设施失效属于重大事故隐患。", "The device is offline: a failed monitoring device is a major hazard (Art. 14).") : ctx.t("该报警持续较久或反复出现，可转为隐患排查治理。", "This alarm has lasted long or keeps coming back: it can be reported as a hazard."))</p>
          <form method="post" action="\(SitePath.alarm(a.id).path)/hazard">\(ctx.csrfField)<button type="submit" class="primary">\(ctx.t("转为隐患并报告", "Report it as a hazard"))</button></form>
        </section>
        """ })
        <section class="panel">
          <h2>\(ctx.t("报警情况", "Alarm"))</h2>
          <dl class="facts">
            \(row(ctx.t("点位", "Point"), "\(a.pointCode) \(a.pointName)"))
            \(row(ctx.t("报警时间", "Raised"), ChinaTime.display(a.raisedAt, seconds: true)))
            \(row(ctx.t("报警值", "Value"), Self.value(a.raisedValue, a, lang) + (context.point.map { $0.unit.isEmpty || a.condition == .state ? "" : " " + $0.unit } ?? "")))
            \(row(ctx.t("限值", "Limits"), limitsText))
            \(row(ctx.t("持续时间", "Duration"), duration))
            \(row(ctx.t("升级", "Upgraded"), a.upgradedAt.map { ChinaTime.display($0, seconds: true) } ?? ""))
            \(row(ctx.t("恢复正常", "Back to normal"), a.normalAt.map { "\(ChinaTime.display($0, seconds: true)) · \(Self.value(a.normalValue ?? "", a, lang))" } ?? ctx.t("未恢复", "still out")))
            \(row(ctx.t("超时上报", "Escalated"), [a.countyNotifiedAt.map { ctx.t("县局 ", "county ") + ChinaTime.display($0) }, a.cityNotifiedAt.map { ctx.t("市局 ", "city ") + ChinaTime.display($0) }].compactMap { $0 }.joined(separator: "；")))
            \(a.hazardID.map { "<dt>\(ctx.t("已转为隐患", "Became hazard"))</dt><dd><a href=\"\(SitePath.hazard($0).path)\">\(ctx.t("查看隐患", "Open the hazard"))</a></dd>" as HTML } ?? "")
            \(HTML.join(context.inspections.map { i in "<dt>\(ctx.t("已安排检查", "Inspection arranged"))</dt><dd><a href=\"\(SitePath.inspection(i.id).path)\">\(i.style.label(lang)) · \(i.plannedOn) · \(i.state.label(lang))</a></dd>" as HTML }))
          </dl>
          \(context.chart)
        </section>
        <section class="panel">
          <h2>\(ctx.t("处置过程", "Steps"))（\(a.steps.count)）</h2>
          \(a.steps.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有人处理。", "Nobody has acted yet."))</p>") : "<div class=\"table-wrap\"><table class=\"data compact\"><thead><tr><th scope=\"col\">\(ctx.t("时间", "When"))</th><th scope=\"col\">\(ctx.t("操作人", "By"))</th><th scope=\"col\">\(ctx.t("操作", "Step"))</th><th scope=\"col\">\(ctx.t("说明", "Details"))</th></tr></thead><tbody>\(steps)</tbody></table></div>")
        </section>
        """)
    }

    struct StepForm: Content {
        var action: String?
        var version: Int?
        var comment: String?
        var cause: String?
        var measures: String?
        var until: String?
    }

    func transition(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("alarm")
        let form = try req.content.decode(StepForm.self)
        guard let action = form.action.flatMap(AlarmAction.init(rawValue:)) else { throw Abort(.badRequest, reason: "unknown action") }
        do {
            _ = try await req.zhiben.alarms.perform(id, action: action, comment: form.comment ?? "", cause: form.cause, measures: form.measures,
                                                    until: try APIDate.parse(form.until, field: "until"), expectedVersion: form.version,
                                                    actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.alarm(id).done("saved"))
        } catch let error as DomainError {
            let current = try await req.zhiben.alarms.get(id, actor: ctx.caller)
            let context = try await Self.context(req, ctx, current)
            switch error {
            case .staleVersion:
                return .html(detail(ctx, current, issues: [], failed: nil, flash: nil,
                                    message: ctx.t("提交前该报警已被他人处理，未保存您的操作。下面是最新情况。", "Someone else acted on this alarm meanwhile, so your step was not saved. Here is the current state."), context: context), status: .conflict)
            case .invalidTransition:
                return .html(detail(ctx, current, issues: [], failed: nil, flash: nil,
                                    message: ctx.t("当前状态下不能进行该操作（如数值尚未恢复正常时不能关闭）。", "That step is not possible now (an alarm closes only once its value is back to normal)."), context: context), status: .conflict)
            default:
                guard let issues = error.fieldIssues else { throw error }
                return .html(detail(ctx, current, issues: issues, failed: action, flash: nil, context: context), status: .unprocessableEntity)
            }
        }
    }
}
