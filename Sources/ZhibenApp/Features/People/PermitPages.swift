import Foundation
import Vapor
import ZhibenDomain

/// 有限空间与作业票: the confined-space ledger with a QR code per space, permits worked on the phone at
/// the space (offline too), and the live list of high-risk work now.
struct PermitPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.spaces, use: spaces)
        routes.post(WebRoute.spaces, use: createSpace)
        routes.get(WebRoute.spaceNew, use: newSpace)
        routes.get(WebRoute.spaceExport, use: PermitAPIController.exportSpaces)
        routes.get(WebRoute.space, use: space)
        routes.post(WebRoute.space, use: updateSpace)
        routes.get(WebRoute.spaceQR, use: qr)
        routes.get(WebRoute.permits, use: permits)
        routes.post(WebRoute.permits, use: createPermit)
        routes.get(WebRoute.permitNew, use: newPermit)
        routes.get(WebRoute.permitExport, use: PermitAPIController.exportPermits)
        routes.get(WebRoute.permitLive, use: live)
        routes.get(WebRoute.permit, use: permit)
        routes.post(WebRoute.permitActions, use: act)
    }

    func section(_ ctx: PageContext, _ title: String, _ content: HTML) -> HTML {
        Layout.page(ctx, title: title, "\(WorkforcePages.subnav(ctx))\(content)")
    }

    static func stateTag(_ s: Permit.State, _ ctx: PageContext) -> HTML {
        let color = switch s {
        case .draft: "blue"
        case .approved: "yellow"
        case .active: "green"
        case .suspended: "orange"
        case .lapsed: "red"
        case .closed: ""
        }
        return "<span class=\"tag \(color)\" data-state=\"\(s.rawValue)\">\(s.label(ctx.lang))</span>"
    }

    // MARK: the ledger

    struct SpaceForm: Content {
        var code: String?
        var name: String?
        var place: String?
        var hazards: [String]?
        var signPosted: String?
        var lockOrBarrier: String?
        var points: [String]?
        var coMaxPPM: String?
        var h2sMaxPPM: String?
        var lelMaxPercent: String?
        var inUse: String?
        var version: Int?

        func number(_ text: String?, _ field: String, into issues: inout [FieldIssue]) -> Double? {
            guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            guard let v = Double(t) else {
                issues.append(FieldIssue(field: field, zh: "请填写数字", en: "a number"))
                return nil
            }
            return v
        }

        func draft(enterpriseID: UUID?, editing: Bool) throws -> PermitService.SpaceDraft {
            var issues: [FieldIssue] = []
            let limits = ConfinedSpace.Limits(coMaxPPM: number(coMaxPPM, "limits.coMaxPPM", into: &issues), h2sMaxPPM: number(h2sMaxPPM, "limits.h2sMaxPPM", into: &issues),
                                              lelMaxPercent: number(lelMaxPercent, "limits.lelMaxPercent", into: &issues))
            guard issues.isEmpty else { throw DomainError.validation(issues) }
            return .init(enterpriseID: enterpriseID, code: code, name: name, place: place, hazards: hazards ?? [], signPosted: signPosted == "1",
                         lockOrBarrier: lockOrBarrier ?? "", pointIDs: (points ?? []).compactMap(UUID.init(uuidString:)), limits: limits,
                         inUse: editing ? inUse == "1" : true)
        }
    }

    func spaces(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let q = try req.spaceQuery()
        let page = try await req.zhiben.permits.spaces(q, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "all", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.peopleManage)
        let rows = page.items.map { s -> HTML in
            """
            <tr>\(HTML.when(regulator) { "<td>\(s.enterpriseName)</td>" })<td class="mono">\(s.code)</td><td><a href="\(SitePath.space(s.id).path)">\(s.name)</a></td><td>\(s.place)</td>
            <td>\(s.hazards.map { $0.label(ctx.lang) }.joined(separator: "、"))</td><td>\(s.signPosted ? HTML("\(ctx.t("已设置", "posted"))") : HTML("<span class=\"tag red\">\(ctx.t("未设置", "missing"))</span>"))</td>
            <td>\(s.lockOrBarrier.isEmpty ? HTML("<span class=\"tag red\">\(ctx.t("无", "none"))</span>") : HTML("\(s.lockOrBarrier)"))</td><td class="num">\(s.points.count)</td></tr>
            """
        }
        return .html(section(ctx, ctx.t("有限空间台账", "Confined-space ledger"), """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("依据《工贸企业有限空间作业安全规定》（应急管理部令第13号）第六条、第十一条：辨识有限空间并建立台账，设置明显的安全警示标志，采取上锁、隔离等措施防止误入。每处有限空间有一个二维码，张贴在警示标志上，监护人用手机扫码打开当天的作业票。", "Order No. 13 Art. 6 and 11: identify the spaces and keep a ledger, post warning signs, lock or fence them. Each space has a QR code for its sign: the supervisor scans it to open the day's permit."))</p>
          <div><a class="button" href="\(SitePath.spaceExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a> \(HTML.when(!regulator) { "<a class=\"button primary\" href=\"\(SitePath.spaceNew.path)\">\(ctx.t("登记有限空间", "Add a space"))</a>" })</div>
        </div>
        <form class="filters" method="get" action="\(SitePath.spaces.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("编号、名称或位置", "Number, name or place"))</label><input id="q" name="q" type="search" value="\(q.search ?? "")"></div>
          \(HTML.when(ctx.caller.scope == .city) { "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: q.countyCode, blank: ctx.t("全市", "Whole city")))</select></div>" })
          <label class="check"><input type="checkbox" name="all" value="true"\(HTML(raw: q.tags == nil ? " checked" : ""))> \(ctx.t("含已停用", "Include those out of use"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.spaces.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 处", "\(page.total) spaces"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("台账中没有有限空间。", "No confined spaces in the ledger."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("编号", "No."))</th><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("位置", "Place"))</th><th scope="col">\(ctx.t("危险有害因素", "Hazards"))</th><th scope="col">\(ctx.t("警示标志", "Sign"))</th><th scope="col">\(ctx.t("上锁或隔离", "Lock or barrier"))</th><th scope="col">\(ctx.t("监测点", "Points"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """))
    }

    func spaceForm(_ req: Request, _ ctx: PageContext, _ s: ConfinedSpace?, values: SpaceForm?, issues: [FieldIssue]) async throws -> HTML {
        let eid: UUID
        if let s { eid = s.enterpriseID! } else {
            guard case .enterprise(let own) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
            eid = own
        }
        let points = try await req.zhiben.monitoring.points.list(MonitoringPointQuery(enterpriseID: eid), page: Paging(per: Paging.maxPer), scope: ctx.caller.scope).items
        let f = FormRenderer(lang: ctx.lang, issues: issues, prefix: "s-")
        let v = values
        let hazards = Set(v?.hazards ?? s?.hazards.map(\.rawValue) ?? [])
        let chosen = Set(v?.points ?? s?.points.map(\.id.uuidString) ?? [])
        let num: (Double?) -> String = { $0.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "" }
        return """
        \(f.summary())
        <form method="post" action="\(s.map { SitePath.space($0.id).path } ?? SitePath.spaces.path)" class="grid-form">
          \(ctx.csrfField)
          \(HTML.when(s != nil) { "<input type=\"hidden\" name=\"version\" value=\"\(s!.version)\">" })
          \(f.text("code", ctx.t("编号（印在警示标志上）", "Number (on the sign)"), value: v?.code ?? s?.code ?? "", required: true, attrs: "maxlength=\"30\""))
          \(f.text("name", ctx.t("名称", "Name"), value: v?.name ?? s?.name ?? "", required: true, attrs: "maxlength=\"100\""))
          \(f.text("place", ctx.t("所在位置", "Place"), value: v?.place ?? s?.place ?? "", required: true, attrs: "maxlength=\"200\""))
          \(f.checkboxes("hazards", ctx.t("危险有害因素", "Hazards"), options: labeledOptions(SpaceHazard.self, ctx.lang), checked: hazards))
          <label class="check"><input type="checkbox" name="signPosted" value="1"\(HTML(raw: (v.map { $0.signPosted == "1" } ?? s?.signPosted ?? false) ? " checked" : ""))> \(ctx.t("已设置明显的安全警示标志", "A warning sign is posted"))</label>
          \(f.text("lockOrBarrier", ctx.t("上锁、隔离或盖板措施（未采取请留空）", "Lock, barrier or cover (blank: none)"), value: v?.lockOrBarrier ?? s?.lockOrBarrier ?? "", attrs: "maxlength=\"200\""))
          \(f.text("coMaxPPM", ctx.t("一氧化碳限值（ppm，企业按介质设定）", "CO limit (ppm, set by the enterprise)"), value: v?.coMaxPPM ?? num(s?.limits.coMaxPPM), errorKey: "limits.coMaxPPM", attrs: "inputmode=\"decimal\""))
          \(f.text("h2sMaxPPM", ctx.t("硫化氢限值（ppm）", "H2S limit (ppm)"), value: v?.h2sMaxPPM ?? num(s?.limits.h2sMaxPPM), errorKey: "limits.h2sMaxPPM", attrs: "inputmode=\"decimal\""))
          \(f.text("lelMaxPercent", ctx.t("可燃气体限值（%LEL）", "Combustibles limit (%LEL)"), value: v?.lelMaxPercent ?? num(s?.limits.lelMaxPercent), errorKey: "limits.lelMaxPercent", attrs: "inputmode=\"decimal\""))
          \(points.isEmpty ? HTML("<p class=\"muted wide\">\(ctx.t("本企业还没有监测点。", "The enterprise has no monitoring points."))</p>") : f.checkboxes("points", ctx.t("关联的气体监测点（报警时自动暂停该空间的作业票）", "Gas monitoring points (an alarm suspends the space's permits)"), options: points.map { ($0.id.uuidString, "\($0.code) \($0.name)") }, checked: chosen))
          \(HTML.when(s != nil) { "<label class=\"check\"><input type=\"checkbox\" name=\"inUse\" value=\"1\"\(HTML(raw: (v.map { $0.inUse == "1" } ?? s?.inUse ?? true) ? " checked" : ""))> \(ctx.t("在用", "In use"))</label>" })
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button> <a href="\(SitePath.spaces.path)">\(ctx.t("返回", "Back"))</a></div>
        </form>
        """
    }

    func newSpace(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        return .html(section(ctx, ctx.t("登记有限空间", "Add a confined space"), try await spaceForm(req, ctx, nil, values: nil, issues: [])))
    }

    func createSpace(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        let v = try req.content.decode(SpaceForm.self)
        do {
            let s = try await req.zhiben.permits.createSpace(try v.draft(enterpriseID: eid, editing: false), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.space(s.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(section(ctx, ctx.t("登记有限空间", "Add a confined space"), try await spaceForm(req, ctx, nil, values: v, issues: issues)), status: .unprocessableEntity)
        }
    }

    /// The link the space's QR code carries.
    static func spaceLink(_ req: Request, _ id: UUID) -> String {
        let host = req.headers.first(name: .host) ?? "localhost"
        let scheme = req.headers.first(name: "X-Forwarded-Proto") == "https" ? "https" : "http"
        return "\(scheme)://\(host)\(SitePath.space(id).path)"
    }

    func space(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let s = try await req.zhiben.permits.space(req.recordID("confined-space"), actor: ctx.caller)
        return .html(try await spacePage(req, ctx, s, values: nil, issues: []))
    }

    func spacePage(_ req: Request, _ ctx: PageContext, _ s: ConfinedSpace, values: SpaceForm?, issues: [FieldIssue]) async throws -> HTML {
        let service = req.zhiben.permits
        let permits = try await service.permits(RecordQuery(ref: s.id, descending: true), page: Paging(per: 20), actor: ctx.caller).items
        let now = service.workforce.clock.now()
        let open = permits.filter { $0.state(at: now).isOpen || !$0.inside.isEmpty }
        let alarming = try await service.alarmingPoints(s)
        let manage = ctx.caller.can(.peopleManage)
        let rows = permits.map { p -> HTML in
            "<tr><td><a href=\"\(SitePath.permit(p.id).path)\">\(p.number)</a></td><td>\(p.kind.label(ctx.lang))</td><td>\(ChinaTime.display(p.entryFrom)) ~ \(ChinaTime.display(p.entryUntil))</td><td>\(Self.stateTag(p.state(at: now), ctx))</td><td>\(p.inside.joined(separator: "、"))</td></tr>"
        }
        let openLinks = open.map { p -> HTML in
            "<li><a class=\"button primary big\" href=\"\(SitePath.permit(p.id).path)\">\(p.number) \(p.kind.label(ctx.lang)) · \(p.state(at: now).label(ctx.lang))\(p.inside.isEmpty ? "" : ctx.t("（内有\(p.inside.count)人）", " (\(p.inside.count) inside)"))</a></li>"
        }
        let editForm: HTML = manage ? "<details class=\"panel-form\"\(HTML(raw: issues.isEmpty ? "" : " open"))><summary>\(ctx.t("修改台账信息", "Edit the ledger entry"))</summary>\(try await spaceForm(req, ctx, s, values: values, issues: issues))</details>" : ""
        let flash: String? = switch req.queryString("done") {
        case "created": ctx.t("已登记。请打印二维码张贴在警示标志上。", "Saved. Print the QR code for the sign.")
        case "updated": ctx.t("已保存。", "Saved.")
        default: nil
        }
        return section(ctx, "\(s.code) \(s.name)", """
        \(Layout.flash(flash))
        \(HTML.when(!alarming.isEmpty) { "<p class=\"flash error\" role=\"alert\">\(ctx.t("监测点报警未解除：", "Points in alarm: "))\(alarming.joined(separator: "、"))\(ctx.t("。该空间的作业票已暂停，禁止进入。", ". The space's permits are suspended: no entry."))</p>" })
        <section class="panel" id="open-permits"><h2>\(ctx.t("当前作业票", "Permits now"))</h2>
          \(openLinks.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("该有限空间当前没有作业票，禁止进入。", "No permit is open for this space: no entry."))</p>") : "<ul class=\"plain\">\(openLinks)</ul>")
          \(HTML.when(manage && s.inUse) { "<p><a class=\"button\" href=\"\(SitePath.permitNew.path)?space=\(s.id.uuidString)\">\(ctx.t("申请作业票", "Apply for a permit"))</a></p>" })
        </section>
        <section class="panel">
          <dl class="facts">
            <div><dt>\(ctx.t("企业", "Enterprise"))</dt><dd>\(s.enterpriseName)</dd></div>
            <div><dt>\(ctx.t("位置", "Place"))</dt><dd>\(s.place)</dd></div>
            <div><dt>\(ctx.t("危险有害因素", "Hazards"))</dt><dd>\(s.hazards.map { $0.label(ctx.lang) }.joined(separator: "、"))</dd></div>
            <div><dt>\(ctx.t("警示标志", "Warning sign"))</dt><dd>\(s.signPosted ? ctx.t("已设置", "posted") : ctx.t("未设置", "missing"))</dd></div>
            <div><dt>\(ctx.t("上锁或隔离", "Lock or barrier"))</dt><dd>\(s.lockOrBarrier.isEmpty ? ctx.t("无", "none") : s.lockOrBarrier)</dd></div>
            <div><dt>\(ctx.t("气体监测点", "Gas monitoring points"))</dt><dd>\(s.points.isEmpty ? ctx.t("无", "none") : s.points.map(\.name).joined(separator: "、"))</dd></div>
            <div><dt>\(ctx.t("审批", "Approval"))</dt><dd>\(s.gases.isEmpty ? ctx.t("安全管理人员", "A safety manager") : ctx.t("存在中毒、窒息风险：主要负责人或其书面委托的人员（第13号令第七条）", "Poisoning risk: the principal or a person delegated in writing (Art. 7)"))</dd></div>
          </dl>
          <figure class="qr"><img src="\(SitePath.spaceQR(s.id).path)" alt="\(ctx.t("扫码打开作业票", "Scan to open the permit"))" width="200" height="200">
            <figcaption>\(ctx.t("扫码打开该有限空间的作业票。打印后张贴在警示标志上。", "Scan to open this space's permits. Print it for the warning sign."))</figcaption></figure>
        </section>
        <section class="panel"><h2>\(ctx.t("作业票记录", "Permits"))</h2>
          \(rows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有作业票。", "No permits yet."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("编号", "No."))</th><th scope="col">\(ctx.t("类别", "Kind"))</th><th scope="col">\(ctx.t("作业时段", "Window"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("在内人员", "Inside"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
          """)
        </section>
        \(editForm)
        """)
    }

    func updateSpace(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let id = try req.recordID("confined-space")
        let v = try req.content.decode(SpaceForm.self)
        let service = req.zhiben.permits
        do {
            _ = try await service.updateSpace(id, try v.draft(enterpriseID: nil, editing: true), expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.space(id).done("updated"))
        } catch let error as DomainError {
            if case .staleVersion = error {
                return .html(try await spacePage(req, ctx, try await service.space(id, actor: ctx.caller), values: nil,
                                                 issues: [FieldIssue(field: "version", zh: "该记录已被他人修改，以下为最新内容，请重新修改。", en: "Changed by someone else meanwhile: this is the latest.")]),
                             status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await spacePage(req, ctx, try await service.space(id, actor: ctx.caller), values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    func qr(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let s = try await req.zhiben.permits.space(req.recordID("confined-space"), actor: ctx.caller)
        guard let code = QRCode(Self.spaceLink(req, s.id)) else { throw Abort(.internalServerError) }
        let res = Response(status: .ok, body: .init(string: code.svg()))
        res.headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=3600")
        return res
    }

    // MARK: permits

    func permits(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let q = try req.permitQuery()
        let service = req.zhiben.permits
        let page = try await service.permits(q, page: req.paging(), actor: ctx.caller)
        let now = service.workforce.clock.now()
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "state", "kind", "from", "to", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.peopleManage)
        let rows = page.items.map { p -> HTML in
            """
            <tr>\(HTML.when(regulator) { "<td>\(p.enterpriseName)</td>" })<td><a href="\(SitePath.permit(p.id).path)">\(p.number)</a></td><td>\(p.kind.label(ctx.lang))\(p.hotWorkLevel.map { HTML("（\($0.label(ctx.lang))）") } ?? "")</td>
            <td>\(p.place)</td><td>\(ChinaTime.display(p.entryFrom)) ~ \(ChinaTime.display(p.entryUntil))</td><td>\(p.supervisor.isEmpty ? "—" : p.supervisor)</td>
            <td>\(Self.stateTag(p.state(at: now), ctx))</td><td>\(p.inside.joined(separator: "、"))</td></tr>
            """
        }
        return .html(section(ctx, ctx.t("作业票", "Work permits"), """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("有限空间、动火、高处、清仓、能量隔离检维修等危险作业实行作业票管理：人员、证书、隔离、气体检测、监护人齐备方可审批；超出作业时段自动失效；检测不合格或监测点报警立即暂停。", "Confined-space entry, hot work, work at height, silo cleaning, maintenance with isolation: approved only with the crew, certificates, isolation, gas test and supervisor in place; lapses after its window; a failed test or an alarm suspends it."))</p>
          <div><a class="button" href="\(SitePath.permitExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a> \(HTML.when(!regulator) { "<a class=\"button primary\" href=\"\(SitePath.permitNew.path)\">\(ctx.t("申请作业票", "Apply for a permit"))</a>" })</div>
        </div>
        <form class="filters" method="get" action="\(SitePath.permits.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("编号、地点、人员", "Number, place, people"))</label><input id="q" name="q" type="search" value="\(req.queryString("q") ?? "")"></div>
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(labeledOptions(Permit.State.self, ctx.lang), selected: q.tags?.first, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="kind">\(ctx.t("类别", "Kind"))</label><select id="kind" name="kind">\(Layout.options(labeledOptions(PermitKind.self, ctx.lang), selected: req.queryString("kind"), blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="from">\(ctx.t("开始日期自", "From"))</label><input id="from" name="from" type="date" value="\(req.queryString("from") ?? "")"></div>
          <div class="field"><label for="to">\(ctx.t("至", "To"))</label><input id="to" name="to" type="date" value="\(req.queryString("to") ?? "")"></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.permits.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 张", "\(page.total) permits"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有作业票。", "No permits."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("编号", "No."))</th><th scope="col">\(ctx.t("类别", "Kind"))</th><th scope="col">\(ctx.t("地点", "Place"))</th><th scope="col">\(ctx.t("作业时段", "Window"))</th><th scope="col">\(ctx.t("监护人", "Supervisor"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("在内人员", "Inside"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """))
    }

    func live(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let county = try req.queryCounty()
        let service = req.zhiben.permits
        let list = try await service.live(countyCode: county, actor: ctx.caller)
        let now = service.workforce.clock.now()
        let inside = list.reduce(0) { $0 + $1.inside.count }
        let rows = list.map { p -> HTML in
            """
            <tr data-permit="\(p.id.uuidString)"><td>\(p.enterpriseName)</td><td>\(County.named(p.countyCode ?? "")?.label(ctx.lang) ?? "")</td><td><a href="\(SitePath.permit(p.id).path)">\(p.number)</a></td>
            <td>\(p.kind.label(ctx.lang))</td><td>\(p.place)</td><td>\(Self.stateTag(p.state(at: now), ctx))\(p.suspendedReason.map { HTML("<br><span class=\"small\">\($0)</span>") } ?? "")</td>
            <td>\(p.inside.isEmpty ? "—" : p.inside.joined(separator: "、"))</td><td>\(p.supervisor)</td><td>\(ChinaTime.display(p.entryUntil))</td></tr>
            """
        }
        return .html(section(ctx, ctx.t("正在进行的危险作业", "High-risk work now"), """
        <div class="toolbar"><p class="subtitle">\(ctx.t("辖区内已批准、作业中、已暂停的作业票，以及已失效但仍有人员在内的作业。", "Approved, in progress and suspended permits in your jurisdiction, and lapsed ones with someone still inside.")) <a href="\(SitePath.permitLive.path)\(county.map { "?county=\($0)" } ?? "")">\(ctx.t("刷新", "Refresh"))</a></p></div>
        \(HTML.when(ctx.caller.scope == .city) { "<form class=\"filters\" method=\"get\" action=\"\(SitePath.permitLive.path)\"><div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: county, blank: ctx.t("全市", "Whole city")))</select></div><div class=\"actions\"><button type=\"submit\" class=\"primary\">\(ctx.t("查看", "Show"))</button></div></form>" })
        <p class="count">\(ctx.t("\(list.count) 项作业，有限空间内 \(inside) 人", "\(list.count) permits, \(inside) people inside confined spaces"))</p>
        \(list.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("当前没有进行中的危险作业。", "No high-risk work now."))</p>") : """
        <div class="table-wrap"><table class="data" id="live">
          <thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("编号", "No."))</th><th scope="col">\(ctx.t("类别", "Kind"))</th><th scope="col">\(ctx.t("地点", "Place"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("在内人员", "Inside"))</th><th scope="col">\(ctx.t("监护人", "Supervisor"))</th><th scope="col">\(ctx.t("截止", "Until"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        """))
    }

    struct PermitForm: Content {
        var kind: String?
        var hotWorkLevel: String?
        var spaceId: String?
        var place: String?
        var crew: [String]?
        var jobId: String?
        var applicant: String?
        var hazards: String?
        var measures: String?
        var isolationPoints: String?
        var isolationConfirmed: String?
        var supervisor: String?
        var entryFrom: String?
        var entryUntil: String?
    }

    /// A `datetime-local` value, read as Beijing time.
    static func localTime(_ text: String?, _ field: String, into issues: inout [FieldIssue]) -> Date? {
        guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
        let parts = t.split(separator: "T")
        guard parts.count == 2, let day = ChinaTime.parseDay(String(parts[0])) else {
            issues.append(FieldIssue(field: field, zh: "时间格式应为 2026-12-04T08:00", en: "a time such as 2026-12-04T08:00"))
            return nil
        }
        let hm = parts[1].split(separator: ":")
        guard hm.count >= 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m) else {
            issues.append(FieldIssue(field: field, zh: "时间格式应为 2026-12-04T08:00", en: "a time such as 2026-12-04T08:00"))
            return nil
        }
        return day.addingTimeInterval(Double(h * 3600 + m * 60))
    }

    static func localValue(_ d: Date) -> String { ChinaTime.display(d).replacingOccurrences(of: " ", with: "T") }

    func permitForm(_ req: Request, _ ctx: PageContext, values v: PermitForm, issues: [FieldIssue]) async throws -> HTML {
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        let service = req.zhiben.permits
        let spaces = try await service.all(ConfinedSpace.self, RecordQuery(enterpriseID: eid, tags: ["on"]), actor: ctx.caller)
        let workers = try await req.zhiben.workforce.allWorkers(RecordQuery(enterpriseID: eid), actor: ctx.caller)
        let jobs = try await service.all(ContractorJob.self, RecordQuery(enterpriseID: eid, tags: [ContractorJob.State.planned.rawValue, ContractorJob.State.working.rawValue]),
                                         actor: ctx.caller)
        let f = FormRenderer(lang: ctx.lang, issues: issues, prefix: "p-")
        let chosen = Set(v.crew ?? [])
        let now = service.workforce.clock.now()
        let crewRows = workers.enumerated().map { n, w -> HTML in
            let id = w.id.uuidString
            let certs = w.certificates.map { WorkforcePages.operationName($0.operation) }.joined(separator: "、")
            return "<tr><td><label class=\"check\"><input type=\"checkbox\" name=\"crew[]\" value=\"\(id)\"\(HTML(raw: chosen.contains(id) ? " checked" : ""))> \(w.name)</label></td><td>\(w.job)</td><td>\(w.contractorName ?? w.kind.label(ctx.lang))</td><td>\(certs.isEmpty ? "—" : certs)</td></tr>"
        }
        let crewErrors = HTML.join(issues.filter { $0.field.hasPrefix("crew") }.map { "<span class=\"field-error\">\($0.reason(ctx.lang))</span>" as HTML })
        return """
        \(f.summary())
        <form method="post" action="\(SitePath.permits.path)" class="grid-form">
          \(ctx.csrfField)
          \(f.select("kind", ctx.t("作业类别", "Kind"), options: labeledOptions(PermitKind.self, ctx.lang), selected: v.kind ?? PermitKind.confinedSpace.rawValue, required: true))
          \(f.select("hotWorkLevel", ctx.t("动火级别（仅动火作业）", "Hot-work grade (hot work only)"), options: labeledOptions(HotWorkLevel.self, ctx.lang), selected: v.hotWorkLevel ?? "", blank: ctx.t("不适用", "n/a")))
          \(f.select("spaceId", ctx.t("有限空间（有限空间、清仓作业必选）", "Confined space (for entry and silo cleaning)"), options: spaces.map { ($0.id.uuidString, "\($0.code) \($0.name)") }, selected: v.spaceId ?? "", blank: ctx.t("不涉及", "none")))
          \(f.text("place", ctx.t("作业地点（选了有限空间可不填）", "Place (blank: the space's)"), value: v.place ?? "", attrs: "maxlength=\"200\""))
          \(f.select("jobId", ctx.t("承包作业（承包单位人员作业时选择）", "Contractor's job (when its crew works)"), options: jobs.map { ($0.id.uuidString, "\($0.contractorName)：\($0.title)") }, selected: v.jobId ?? "", blank: ctx.t("本企业人员作业", "own staff")))
          \(f.text("applicant", ctx.t("申请人", "Applicant"), value: v.applicant ?? "", required: true, attrs: "maxlength=\"50\""))
          \(f.text("supervisor", ctx.t("监护人", "Supervisor"), value: v.supervisor ?? "", attrs: "maxlength=\"50\""))
          \(f.text("entryFrom", ctx.t("作业开始", "From"), value: v.entryFrom ?? Self.localValue(now), required: true, type: "datetime-local"))
          \(f.text("entryUntil", ctx.t("作业截止", "Until"), value: v.entryUntil ?? Self.localValue(now.addingTimeInterval(8 * 3600)), required: true, type: "datetime-local"))
          <div class="field wide"><label for="f-hazards">\(ctx.t("危险有害因素", "Hazards")) <abbr title="必填" class="req">*</abbr></label><textarea id="f-hazards" name="hazards" rows="2" maxlength="2000" required>\(v.hazards ?? "")</textarea>\(f.errors("hazards"))</div>
          <div class="field wide"><label for="f-measures">\(ctx.t("安全措施（通风、检测、防护、应急）", "Measures (ventilation, testing, protection, rescue)")) <abbr title="必填" class="req">*</abbr></label><textarea id="f-measures" name="measures" rows="3" maxlength="2000" required>\(v.measures ?? "")</textarea>\(f.errors("measures"))</div>
          <div class="field wide"><label for="f-isolation">\(ctx.t("能量隔离、上锁挂牌点（每行一个）", "Isolation and lockout points (one a line)"))</label><textarea id="f-isolation" name="isolationPoints" rows="2">\(v.isolationPoints ?? "")</textarea>\(f.errors("isolationPoints"))</div>
          <label class="check wide"><input type="checkbox" name="isolationConfirmed" value="1"\(HTML(raw: v.isolationConfirmed == "1" ? " checked" : ""))> \(ctx.t("隔离、上锁挂牌已落实并确认", "Isolation and lockout done and confirmed"))</label>
          <fieldset class="field wide"><legend>\(ctx.t("作业人员（特种作业须持当天有效的操作证）", "Crew (special operations need a certificate valid on the day)"))</legend>
            \(workers.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("名册中还没有人员。", "No workers registered."))</p>") : """
            <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("岗位", "Job"))</th><th scope="col">\(ctx.t("单位", "Employer"))</th><th scope="col">\(ctx.t("操作证", "Certificates"))</th></tr></thead><tbody>\(crewRows)</tbody></table></div>
            """)
            \(crewErrors)
          </fieldset>
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("提交作业票", "Submit the permit"))</button> <a href="\(SitePath.permits.path)">\(ctx.t("返回", "Back"))</a></div>
        </form>
        """
    }

    func newPermit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        var v = PermitForm()
        if let space = try req.queryUUID("space") { v.spaceId = space.uuidString }
        return .html(section(ctx, ctx.t("申请作业票", "Apply for a permit"), try await permitForm(req, ctx, values: v, issues: [])))
    }

    func createPermit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        guard case .enterprise(let eid) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        let v = try req.content.decode(PermitForm.self)
        do {
            var issues: [FieldIssue] = []
            let from = Self.localTime(v.entryFrom, "entryFrom", into: &issues)
            let until = Self.localTime(v.entryUntil, "entryUntil", into: &issues)
            guard issues.isEmpty else { throw DomainError.validation(issues) }
            let blank: (String?) -> String? = { ($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            let draft = PermitService.PermitDraft(
                enterpriseID: eid, kind: v.kind, hotWorkLevel: blank(v.hotWorkLevel), spaceID: blank(v.spaceId).flatMap(UUID.init(uuidString:)), place: blank(v.place),
                crew: (v.crew ?? []).compactMap(UUID.init(uuidString:)), jobID: blank(v.jobId).flatMap(UUID.init(uuidString:)), applicant: v.applicant,
                hazards: v.hazards, measures: v.measures,
                isolationPoints: (v.isolationPoints ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                isolationConfirmed: v.isolationConfirmed == "1", supervisor: v.supervisor, entryFrom: from, entryUntil: until)
            let p = try await req.zhiben.permits.createPermit(draft, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.permit(p.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(section(ctx, ctx.t("申请作业票", "Apply for a permit"), try await permitForm(req, ctx, values: v, issues: issues)), status: .unprocessableEntity)
        }
    }

    func permit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let p = try await req.zhiben.permits.permit(req.recordID("permit"), actor: ctx.caller)
        return .html(try await permitPage(req, ctx, p, refusals: [], issues: []))
    }

    /// The permit on the phone: what it is, who is inside, the gas tests, and one form for each thing the
    /// supervisor does. Without a connection the forms queue on the device and are sent when it is back.
    func permitPage(_ req: Request, _ ctx: PageContext, _ p: PermitRecord, refusals: [PermitWorkflow.Refusal], issues: [FieldIssue], stale: Bool = false) async throws -> HTML {
        let service = req.zhiben.permits
        let now = service.workforce.clock.now()
        let state = p.state(at: now)
        let manage = ctx.caller.can(.peopleManage)
        let space = try await p.spaceID.asyncMap { try? await service.space($0, actor: ctx.caller) }
        let limits = space.map { $0?.limits(over: service.limits) ?? service.limits } ?? service.limits
        let inside = Set(p.inside)
        let f = FormRenderer(lang: ctx.lang, issues: issues, prefix: "a-")
        func form(_ action: String, _ content: HTML, button: String, cls: String = "", confirm: String? = nil) -> HTML {
            """
            <form method="post" action="\(SitePath.permitActions(p.id).path)" class="permit-act" data-offline-queue="permit-\(p.id.uuidString)"\(HTML(raw: confirm.map { " data-confirm=\"\(HTML.escape($0))\"" } ?? ""))>
              \(ctx.csrfField)<input type="hidden" name="version" value="\(p.version)"><input type="hidden" name="action" value="\(action)"><input type="hidden" name="at" value="">
              \(content)<button type="submit" class="\(cls)">\(button)</button>
            </form>
            """
        }
        let crewRows = p.crew.map { m -> HTML in
            let isIn = inside.contains(m.name)
            let canMove = manage && (isIn || [.approved, .active].contains(state)) && p.kind.tracksEntries
            return """
            <li class="crew-member\(HTML(raw: isIn ? " inside" : ""))" data-worker="\(m.workerID.uuidString)"><span>\(m.name)</span> \(isIn ? HTML("<span class=\"tag green\">\(ctx.t("在内", "inside"))</span>") : "")
              \(HTML.when(canMove) { form(isIn ? "exit" : "enter", "<input type=\"hidden\" name=\"workerId\" value=\"\(m.workerID.uuidString)\">", button: isIn ? ctx.t("出来", "Out") : ctx.t("进入", "In"), cls: isIn ? "" : "primary") })</li>
            """
        }
        let testRows = p.tests.reversed().map { t -> HTML in
            func v(_ d: Double?) -> String { d.map { String(format: "%g", $0) } ?? "—" }
            return "<tr class=\"\(t.failed.isEmpty ? "" : "failed")\"><td>\(ChinaTime.display(t.test.at, seconds: true))</td><td>\(v(t.test.oxygenPercent))</td><td>\(v(t.test.coPPM))</td><td>\(v(t.test.h2sPPM))</td><td>\(v(t.test.lelPercent))</td><td>\(t.test.tester)</td><td>\(t.failed.isEmpty ? HTML("<span class=\"tag green\">\(ctx.t("合格", "pass"))</span>") : HTML("<span class=\"tag red\">\(ctx.t("不合格", "fail"))：\(t.failed.map(GasLimits.label).joined(separator: "、"))</span>"))</td></tr>"
        }
        let entryRows = p.entries.reversed().map { e -> HTML in
            "<tr><td>\(e.name)</td><td>\(ChinaTime.display(e.inAt, seconds: true))</td><td>\(e.outAt.map { ChinaTime.display($0, seconds: true) } ?? ctx.t("在内", "inside"))</td></tr>"
        }
        func limit(_ v: Double?, _ unit: String) -> String { v.map { "≤\(String(format: "%g", $0))\(unit)" } ?? ctx.t("未设定", "not set") }
        let flash: String? = switch req.queryString("done") {
        case "created": ctx.t("作业票已提交，待审批。", "Permit submitted for approval.")
        case "approve": ctx.t("已批准。", "Approved.")
        case "test": (p.tests.last?.failed.isEmpty ?? true) ? ctx.t("已记录气体检测：合格。", "Gas test recorded: pass.") : nil
        case "enter": ctx.t("已记录进入。", "Entry recorded.")
        case "exit": ctx.t("已记录出来。", "Exit recorded.")
        case "suspend": ctx.t("已暂停作业。", "Work suspended.")
        case "resume": ctx.t("已恢复作业。", "Work resumed.")
        case "close": ctx.t("作业票已关闭。", "Permit closed.")
        default: nil
        }
        let lastFailed = p.tests.last.map { !$0.failed.isEmpty } ?? false
        let open = state.isOpen || state == .draft
        return section(ctx, "\(p.number) \(p.kind.label(ctx.lang))", """
        \(Layout.flash(flash))
        \(HTML.when(stale) { "<p class=\"flash error\" role=\"alert\">\(ctx.t("该作业票已被他人办理，以下为最新情况，请核对后重新操作。", "Someone acted on this permit meanwhile: this is the latest."))</p>" })
        \(HTML.when(!refusals.isEmpty) { "<div class=\"flash error\" role=\"alert\"><p>\(ctx.t("不能进行此操作：", "Refused:"))</p><ul class=\"reasons\">\(refusals.map { r in "<li data-code=\"\(r.code)\">\(ctx.lang == .en ? r.en : r.zh)</li>" as HTML })</ul></div>" })
        \(HTML.when(lastFailed && open) { "<p class=\"flash error\" role=\"alert\" id=\"gas-failed\">\(ctx.t("最近一次气体检测不合格：禁止进入，撤出人员，通风后重新检测。", "The last gas test failed: no entry; get everyone out, ventilate and test again."))</p>" })
        <p class="flash error offline-refused" role="alert" hidden>\(ctx.t("离线期间记录的操作有未被接受的（如作业票已关闭或已失效）：请核对下面的检测和进出记录。", "Something recorded offline was not accepted (the permit had closed or lapsed, for instance): check the tests and entries below."))</p>
        <p class="flash warning offline-note" role="status" hidden>\(ctx.t("当前没有网络：记录已保存在本机（{n}条），网络恢复后将按时间顺序自动提交。", "No connection: {n} record(s) kept on this device, sent in order when the connection is back."))</p>
        <section class="panel permit-head">
          <p class="permit-state">\(Self.stateTag(state, ctx))\(p.suspendedReason.map { HTML(" <span class=\"small\">\($0)</span>") } ?? "")</p>
          <dl class="facts">
            <div><dt>\(ctx.t("企业", "Enterprise"))</dt><dd>\(p.enterpriseName)</dd></div>
            <div><dt>\(ctx.t("地点", "Place"))</dt><dd>\(p.spaceID.map { HTML("<a href=\"\(SitePath.space($0).path)\">\(p.place)</a>") } ?? HTML("\(p.place)"))</dd></div>
            <div><dt>\(ctx.t("作业时段", "Window"))</dt><dd>\(ChinaTime.display(p.entryFrom)) ~ \(ChinaTime.display(p.entryUntil))</dd></div>
            <div><dt>\(ctx.t("监护人", "Supervisor"))</dt><dd>\(p.supervisor.isEmpty ? ctx.t("未指定", "none") : p.supervisor)</dd></div>
            <div><dt>\(ctx.t("申请人", "Applicant"))</dt><dd>\(p.applicant)</dd></div>
            \(HTML.when(p.hotWorkLevel != nil) { "<div><dt>\(ctx.t("动火级别", "Grade"))</dt><dd>\(p.hotWorkLevel!.label(ctx.lang))</dd></div>" })
            \(HTML.when(p.jobTitle != nil) { "<div><dt>\(ctx.t("承包作业", "Contractor's job"))</dt><dd>\(p.jobTitle!)</dd></div>" })
            <div><dt>\(ctx.t("审批", "Approved by"))</dt><dd>\(p.approvedBy.map { "\($0)（\(p.authority?.label(ctx.lang) ?? "")）" } ?? ctx.t("待审批", "awaiting approval"))\(p.delegation.map { "；\(ctx.t("委托", "delegation"))：\($0)" } ?? "")</dd></div>
            <div><dt>\(ctx.t("隔离点", "Isolation"))</dt><dd>\(p.isolationPoints.isEmpty ? "—" : p.isolationPoints.joined(separator: "、"))\(p.isolationConfirmed ? ctx.t("（已确认）", " (confirmed)") : ctx.t("（未确认）", " (not confirmed)"))</dd></div>
          </dl>
          <h3>\(ctx.t("作业人员", "Crew"))\(HTML.when(p.kind.tracksEntries) { "<span class=\"count\" id=\"inside-count\">\(ctx.t("在内 \(inside.count) 人", "\(inside.count) inside"))</span>" })</h3>
          <ul class="plain crew">\(crewRows)</ul>
          <details><summary>\(ctx.t("危险有害因素与安全措施", "Hazards and measures"))</summary><p class="prewrap">\(p.hazards)</p><p class="prewrap">\(p.measures)</p></details>
        </section>
        \(HTML.when(manage && state == .draft) { """
        <section class="panel" id="approve"><h2>\(ctx.t("审批", "Approval"))</h2>
          \(HTML.when(!p.spaceGases.isEmpty || p.hotWorkLevel == .special) { "<p class=\"muted\">\(ctx.t("存在硫化氢、一氧化碳、二氧化碳风险的有限空间作业和特级动火作业，须由主要负责人或其书面委托的人员审批。", "Poisoning-risk spaces and special-grade hot work: the principal or a person delegated in writing approves."))</p>" })
          \(form("approve", """
          \(f.text("approvedBy", ctx.t("审批人", "Approved by"), value: "", required: true, attrs: "maxlength=\"50\""))
          \(f.select("authority", ctx.t("审批人身份", "Authority"), options: labeledOptions(Permit.Authority.self, ctx.lang), selected: p.spaceGases.isEmpty ? "manager" : "principal"))
          \(f.text("delegation", ctx.t("书面委托（受委托审批时填写文号或日期）", "Written delegation (for a delegate)"), value: "", attrs: "maxlength=\"200\""))
          """, button: ctx.t("批准", "Approve"), cls: "primary"))
        </section>
        """ })
        \(HTML.when(manage && p.kind.needsGasTest && (state == .draft || state.isOpen)) { """
        <section class="panel" id="gas-test"><h2>\(ctx.t("气体检测", "Gas test"))</h2>
          <p class="small muted">\(ctx.t("合格范围：氧含量 \(limits.oxygenMin.map { String(format: "%g", $0) } ?? "—")%～\(limits.oxygenMax.map { String(format: "%g", $0) } ?? "—")%，一氧化碳 \(limit(limits.coMaxPPM, "ppm"))，硫化氢 \(limit(limits.h2sMaxPPM, "ppm"))，可燃气体 \(limit(limits.lelMaxPercent, "%LEL"))；进入前 \(limits.maxMinutesBeforeEntry.map(String.init) ?? "—") 分钟内检测，中断超过 \(limits.retestAfterInterruptionMinutes.map(String.init) ?? "—") 分钟须重新检测。", "Acceptable: oxygen \(limits.oxygenMin.map { String(format: "%g", $0) } ?? "—")–\(limits.oxygenMax.map { String(format: "%g", $0) } ?? "—") %, CO \(limit(limits.coMaxPPM, " ppm")), H2S \(limit(limits.h2sMaxPPM, " ppm")), combustibles \(limit(limits.lelMaxPercent, " %LEL")); tested within \(limits.maxMinutesBeforeEntry.map(String.init) ?? "—") minutes before entry, again after an interruption over \(limits.retestAfterInterruptionMinutes.map(String.init) ?? "—") minutes."))<br>\(ctx.t("依据：", "Source: "))\(limits.source)。\(limits.note)</p>
          \(form("test", """
          <div class="grid-form">
          \(f.text("oxygenPercent", ctx.t("氧含量（%）", "Oxygen (%)"), value: "", attrs: "inputmode=\"decimal\""))
          \(f.text("coPPM", ctx.t("一氧化碳（ppm）", "CO (ppm)"), value: "", attrs: "inputmode=\"decimal\""))
          \(f.text("h2sPPM", ctx.t("硫化氢（ppm）", "H2S (ppm)"), value: "", attrs: "inputmode=\"decimal\""))
          \(f.text("lelPercent", ctx.t("可燃气体（%LEL）", "Combustibles (%LEL)"), value: "", attrs: "inputmode=\"decimal\""))
          \(f.text("tester", ctx.t("检测人", "Tester"), value: "", required: true, attrs: "maxlength=\"50\""))
          \(f.text("place", ctx.t("检测部位", "Where"), value: "", attrs: "maxlength=\"200\" placeholder=\"\(ctx.t("上、中、下部", "top, middle, bottom"))\""))
          </div>
          """, button: ctx.t("记录检测结果", "Record the test"), cls: "primary"))
        </section>
        """ })
        \(HTML.when(manage && (state == .approved || state == .active)) { form("suspend", f.text("reason", ctx.t("暂停原因", "Reason"), value: "", required: true, attrs: "maxlength=\"500\""), button: ctx.t("暂停作业", "Suspend"), cls: "danger") })
        \(HTML.when(manage && state == .suspended) { form("resume", "", button: ctx.t("恢复作业（须检测合格）", "Resume (after a good test)"), cls: "primary") })
        \(HTML.when(manage && (state.isOpen || state == .lapsed)) { form("close", "", button: ctx.t("关闭作业票", "Close the permit"), confirm: ctx.t("确认所有人员已撤出、现场已清理，关闭作业票？", "Everyone out and the site cleared: close the permit?")) })
        <section class="panel"><h2>\(ctx.t("检测记录", "Gas tests"))</h2>
          \(testRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚无检测记录。", "No tests yet."))</p>") : """
          <div class="table-wrap"><table class="data compact" id="tests"><thead><tr><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">O₂ %</th><th scope="col">CO ppm</th><th scope="col">H₂S ppm</th><th scope="col">%LEL</th><th scope="col">\(ctx.t("检测人", "Tester"))</th><th scope="col">\(ctx.t("结果", "Result"))</th></tr></thead><tbody>\(testRows)</tbody></table></div>
          """)
        </section>
        \(HTML.when(p.kind.tracksEntries) { """
        <section class="panel"><h2>\(ctx.t("进出记录", "Entries and exits"))</h2>
          \(entryRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚无人员进入。", "Nobody has entered."))</p>") : """
          <div class="table-wrap"><table class="data compact" id="entries"><thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("进入", "In"))</th><th scope="col">\(ctx.t("出来", "Out"))</th></tr></thead><tbody>\(entryRows)</tbody></table></div>
          """)
        </section>
        """ })
        """)
    }

    struct ActionForm: Content {
        var action: String?
        var version: Int?
        var approvedBy: String?
        var authority: String?
        var delegation: String?
        var workerId: String?
        var reason: String?
        var place: String?
        var oxygenPercent: String?
        var coPPM: String?
        var h2sPPM: String?
        var lelPercent: String?
        var tester: String?
        var at: String?
    }

    func act(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let id = try req.recordID("permit")
        let v = try req.content.decode(ActionForm.self)
        let service = req.zhiben.permits
        do {
            var issues: [FieldIssue] = []
            func number(_ text: String?, _ field: String) -> Double? {
                guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
                guard let d = Double(t) else {
                    issues.append(FieldIssue(field: field, zh: "请填写数字", en: "a number"))
                    return nil
                }
                return d
            }
            let draft = PermitService.ActionDraft(
                action: v.action, approvedBy: v.approvedBy, authority: v.authority, delegation: v.delegation, workerID: v.workerId.flatMap(UUID.init(uuidString:)),
                reason: v.reason, place: (v.place ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : v.place,
                oxygenPercent: number(v.oxygenPercent, "oxygenPercent"), coPPM: number(v.coPPM, "coPPM"), h2sPPM: number(v.h2sPPM, "h2sPPM"),
                lelPercent: number(v.lelPercent, "lelPercent"), tester: v.tester,
                at: (v.at ?? "").isEmpty ? nil : try PermitAPIController.PermitInput.time(v.at, "at"))
            guard issues.isEmpty else { throw DomainError.validation(issues) }
            _ = try await service.act(id, draft, expectedVersion: v.version, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.permit(id).done(v.action ?? ""))
        } catch let r as PermitRefusal {
            return .html(try await permitPage(req, ctx, try await service.permit(id, actor: ctx.caller), refusals: r.refusals, issues: []), status: .conflict)
        } catch DomainError.staleVersion {
            return .html(try await permitPage(req, ctx, try await service.permit(id, actor: ctx.caller), refusals: [], issues: [], stale: true), status: .conflict)
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await permitPage(req, ctx, try await service.permit(id, actor: ctx.caller), refusals: [], issues: issues), status: .unprocessableEntity)
        }
    }

    /// The inspection field page's part: today's permits of the enterprise, who is inside a confined
    /// space, and the Art. 13 checks offered for reporting.
    static func fieldSection(_ req: Request, _ ctx: PageContext, enterpriseID: UUID) async -> HTML {
        let service = req.zhiben.permits
        guard let today = try? await service.today(enterpriseID: enterpriseID, actor: ctx.caller),
              let findings = try? await service.checks(enterpriseID: enterpriseID, actor: ctx.caller) else { return "" }
        let now = service.workforce.clock.now()
        let inside = today.flatMap(\.inside)
        let rows = today.map { p -> HTML in
            "<li><a href=\"\(SitePath.permit(p.id).path)\">\(p.number) \(p.kind.label(ctx.lang))</a> · \(p.place) · \(Self.stateTag(p.state(at: now), ctx))\(p.inside.isEmpty ? "" : HTML("· \(ctx.t("在内：", "inside: "))\(p.inside.joined(separator: "、"))"))</li>"
        }
        let findingRows = findings.map { f -> HTML in
            var qs = QueryString()
            qs.set("enterprise", enterpriseID.uuidString)
            qs.set("criterion", f.criterion)
            qs.set("title", f.title)
            return "<li>\(f.criterion.map { HTML("<span class=\"tag red\">\($0)</span> ") } ?? "")\(f.title)<br><span class=\"small\">\(f.detail)</span> \(HTML.when(ctx.caller.can(.hazardReport)) { "<a class=\"button\" href=\"\(SitePath.hazardNew.path)\(qs.string)\">\(ctx.t("报告隐患", "Report"))</a>" })</li>"
        }
        return """
        <details id="permits-today"\(HTML(raw: today.isEmpty && findings.isEmpty ? "" : " open"))><summary>\(ctx.t("今日作业票 \(today.count) 张，有限空间内 \(inside.count) 人；有限空间检查发现 \(findings.count) 项", "\(today.count) permits today, \(inside.count) inside confined spaces; \(findings.count) confined-space findings"))</summary>
          \(HTML.when(!rows.isEmpty) { "<ul>\(rows)</ul>" })
          \(HTML.when(!findingRows.isEmpty) { "<h3>\(ctx.t("有限空间（第13号令、判定标准第十三条）", "Confined spaces (Order No. 13, criteria Art. 13)"))</h3><ul>\(findingRows)</ul>" })
        </details>
        """
    }
}
