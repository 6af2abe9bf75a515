import Foundation
import Vapor
import ZhibenDomain

/// An enterprise's link to the provincial gateway interface: its code, key and provincial point codes
/// (the enterprise edits; regulators read), and the events its gateways sent.
struct ProvincialPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.provincialLink, use: show)
        routes.post(WebRoute.provincialLink, use: save)
    }

    /// The enterprise of the page: the caller's own, or the one named (regulators).
    func enterpriseID(_ req: Request, _ caller: Caller) throws -> UUID {
        if case .enterprise(let own) = caller.scope { return own }
        guard let id = req.queryString("enterprise").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "enterprise") }
        return id
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try enterpriseID(req, ctx.caller)
        let link = try await req.zhiben.provincial.link(enterpriseID: id, actor: ctx.caller)
        return .html(try await page(req, ctx, enterpriseID: id, link: link, typed: nil, issues: [], flash: req.queryString("done").map { _ in ctx.t("已保存。", "Saved.") }))
    }

    func save(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        let id = try enterpriseID(req, ctx.caller)
        let form = try req.content.decode([String: String].self)
        let points = try await req.zhiben.monitoring.list(MonitoringPointQuery(enterpriseID: id, includeInactive: true), page: Paging(page: 1, per: Paging.maxPer), actor: ctx.caller).items
        let pairs = points.compactMap { p -> (tnm: String, point: String)? in
            let tnm = (form["tnm-\(p.code)"] ?? "").trimmingCharacters(in: .whitespaces)
            return tnm.isEmpty ? nil : (tnm, p.code)
        }
        let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
        let draft = ProvincialLinkDraft(qybm: (form["qybm"] ?? "").trimmingCharacters(in: .whitespaces), key: key.isEmpty ? nil : key, points: pairs)
        do {
            _ = try await req.zhiben.provincial.configure(enterpriseID: id, draft, expectedVersion: form["version"].flatMap(Int.init),
                                                          actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.provincialLink(nil).path + "?done=saved")
        } catch let error as DomainError {
            let link = try await req.zhiben.provincial.link(enterpriseID: id, actor: ctx.caller)
            var issues = error.fieldIssues ?? []
            // The rules name points by their place in the list sent; the form names them by code.
            issues = issues.map { issue in
                guard issue.field.hasPrefix("points["), let end = issue.field.firstIndex(of: "]"),
                      let i = Int(issue.field[issue.field.index(issue.field.startIndex, offsetBy: 7)..<end]), i < pairs.count else { return issue }
                var named = issue
                named.field = "tnm-\(pairs[i].point)"
                return named
            }
            if case .staleVersion = error {
                issues = [FieldIssue(field: "qybm", zh: "提交前已被他人修改，未保存。下面是最新设置。", en: "Someone changed this meanwhile; nothing was saved. Here is the current setting.")]
                return .html(try await page(req, ctx, enterpriseID: id, link: link, typed: nil, issues: issues, flash: nil), status: .conflict)
            }
            guard !issues.isEmpty else { throw error }
            return .html(try await page(req, ctx, enterpriseID: id, link: link, typed: form, issues: issues, flash: nil),
                         status: { if case .conflict = error { return .conflict } else { return .unprocessableEntity } }())
        }
    }

    func page(_ req: Request, _ ctx: PageContext, enterpriseID id: UUID, link: ProvincialLink?, typed: [String: String]?, issues: [FieldIssue], flash: String?) async throws -> HTML {
        let lang = ctx.lang
        let manage = ctx.caller.can(.monitoringManage)
        let points = try await req.zhiben.monitoring.list(MonitoringPointQuery(enterpriseID: id, includeInactive: true), page: Paging(page: 1, per: Paging.maxPer), actor: ctx.caller).items
        let events = try await req.zhiben.provincial.events(enterpriseID: id, page: Paging(page: 1, per: 20), actor: ctx.caller)
        let byCode = Dictionary((link?.points ?? [:]).map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let f = FormRenderer(lang: lang, issues: issues)
        let name = points.first?.enterpriseName ?? link?.enterpriseName ?? ""
        let rows = points.map { p -> HTML in
            let value = typed?["tnm-\(p.code)"] ?? byCode[p.code] ?? ""
            let key = "tnm-\(p.code)"
            let cell: HTML = manage
                ? "<input name=\"\(key)\" aria-label=\"\(ctx.t("省级测点编码", "Provincial point code")) \(p.code)\" value=\"\(value)\" inputmode=\"numeric\" maxlength=\"19\" class=\"mono\"\(HTML(raw: issues.contains { $0.field == key } ? " aria-invalid=\"true\"" : ""))>\(f.errors(key))"
                : (value.isEmpty ? "<span class=\"muted\">—</span>" : "<span class=\"mono\">\(value)</span>")
            return "<tr><td class=\"mono\"><a href=\"\(SitePath.monitoringPoint(p.id).path)\">\(p.code)</a></td><td>\(p.name)</td><td>\(p.kind.label(lang))</td><td>\(cell)</td></tr>"
        }
        let eventRows = events.items.map { e -> HTML in
            "<tr><td>\(ChinaTime.display(e.ts, seconds: true))</td><td class=\"mono\">\(e.pointCode ?? e.oname)</td><td>\(e.code == 0 ? ctx.t("解除", "cleared") : ctx.t("报警（\(e.code)）", "alarm (\(e.code))"))</td><td class=\"num\">\(e.value)</td><td class=\"num\">\(e.threshold)</td><td>\(e.content)</td></tr>"
        }
        let pointsTable: HTML = points.isEmpty
            ? "<p class=\"empty\">\(ctx.t("还没有监测点位：先登记点位，再填写对应的省级测点编码。", "No monitoring points yet: register them first, then their provincial codes."))</p>"
            : """
            <div class="table-wrap"><table class="data compact">
              <thead><tr><th scope="col">\(ctx.t("点位编码", "Point"))</th><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("类型", "Kind"))</th><th scope="col">\(ctx.t("省级测点编码（19位）", "Provincial point code (19 digits, tnm)"))</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>
            """
        let settings: HTML = manage ? """
        <form method="post" action="\(SitePath.provincialLink(nil).path)" class="panel">
          \(ctx.csrfField)
          <input type="hidden" name="version" value="\(link?.version ?? 0)">
          <h2>\(ctx.t("接入设置", "Link"))</h2>
          <div class="grid-form">
            \(f.text("qybm", ctx.t("省平台企业编码（12位）", "Enterprise code (12 digits, qybm)"), value: typed?["qybm"] ?? link?.qybm ?? "", required: true, attrs: "inputmode=\"numeric\" maxlength=\"12\""))
            \(f.text("key", ctx.t("加密密钥（8个字符）", "Encryption key (8 characters)"), value: "", required: link == nil, type: "password",
                     hint: link.map { ctx.t("已设置（\($0.maskedKey)），留空则不变", "set (\($0.maskedKey)); leave empty to keep it") } ?? ctx.t("网关用此密钥以 DES-CBC 加密上报数据", "gateways encrypt data with it (DES-CBC)"),
                     attrs: "autocomplete=\"off\" maxlength=\"8\""))
          </div>
          \(pointsTable)
          <div class="actions"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button></div>
        </form>
        """ : """
        <section class="panel">
          <h2>\(ctx.t("接入设置", "Link"))</h2>
          \(link.map { l in HTML("<dl class=\"facts\"><dt>\(ctx.t("企业编码", "Enterprise code"))</dt><dd class=\"mono\">\(l.qybm)</dd><dt>\(ctx.t("加密密钥", "Key"))</dt><dd class=\"mono\">\(l.maskedKey)</dd><dt>\(ctx.t("最后修改", "Last changed"))</dt><dd>\(ChinaTime.display(l.updatedAt)) · \(l.updatedBy)</dd></dl>") } ?? HTML("<p class=\"empty\">\(ctx.t("该企业尚未接入省级接口。", "This enterprise has not linked the provincial interface."))</p>"))
          \(pointsTable)
        </section>
        """
        return Layout.page(ctx, title: ctx.t("省级接口对接", "Provincial interface"), """
        \(Layout.flash(flash))
        <div class="toolbar"><p class="subtitle">\(name) · \(HTML(raw: ctx.t("已部署的粉尘涉爆监测网关只需把上报地址改为本平台（<code>/api/rtsData</code>、<code>/api/eventsData</code>）并使用这里登记的密钥。", "Gateways already deployed for dust monitoring connect by pointing their base URL here (/api/rtsData, /api/eventsData) with the key registered here.")))</p>
          <div><a class="button" href="\(SitePath.monitoringPoints.path)\(manage ? "" : "?enterprise=\(id.uuidString)")">\(ctx.t("监测点位", "Monitoring points"))</a></div></div>
        \(settings)
        <section class="panel">
          <h2>\(ctx.t("网关报警事件", "Gateway alarm events"))（\(events.total)）</h2>
          <p class="muted small">\(ctx.t("网关自身判断并上报的事件，按原样保存；平台的报警按企业在此设定的限值由读数产生。", "Events as the gateways judged and sent them, kept as sent; the platform's own alarms come from the readings against the limits set here."))</p>
          \(events.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("暂无网关报警事件。", "No gateway events."))</p>") : """
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">\(ctx.t("点位", "Point"))</th><th scope="col">\(ctx.t("状态", "Status"))</th><th scope="col">\(ctx.t("数值", "Value"))</th><th scope="col">\(ctx.t("阈值", "Threshold"))</th><th scope="col">\(ctx.t("内容", "Content"))</th></tr></thead>
            <tbody>\(eventRows)</tbody>
          </table></div>
          """)
        </section>
        """)
    }
}
