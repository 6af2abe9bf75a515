import Foundation
import Vapor
import ZhibenDomain

/// 工作台: every role's landing page. What waits for the signed-in person, queue by queue, the longest
/// waiting first, each item one click from its action; a queue's whole list on its own page.
struct WorkbenchPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.home, use: index)
        routes.get(WebRoute.workbenchQueue, use: queue)
    }

    func index(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        // The city's dispatch table (under its queues) is read beside them.
        let showDispatch = ctx.caller.scope == .city && ctx.caller.can(.dashboardRead)
        async let counties = showDispatch ? req.zhiben.dispatch.counties(actor: ctx.caller) : nil
        let sections = try await req.zhiben.workbench.overview(actor: ctx.caller)
        let now = req.zhiben.clock.now()
        let waiting = sections.filter { $0.total > 0 }
        let clear = sections.filter { $0.total == 0 }
        let panels = waiting.map { s -> HTML in
            """
            <section class="panel work-queue" id="q-\(s.kind.rawValue)" data-kind="\(s.kind.rawValue)" data-total="\(String(s.total))">
              <h2>\(s.kind.label(ctx.lang)) <span class="badge">\(String(s.total))</span></h2>
              <ol class="work-items">\(s.items.map { Self.item($0, kind: s.kind, ctx: ctx, now: now) })</ol>
              \(HTML.when(s.total > s.items.count) { "<p><a href=\"\(SitePath.workbenchQueue(s.kind).path)\">\(ctx.t("查看全部 \(s.total) 项", "All \(s.total)"))</a></p>" })
            </section>
            """
        }
        let done: HTML = HTML.when(!clear.isEmpty) {
            "<p class=\"muted small work-clear\">\(ctx.t("以下事项暂无待办：", "Nothing waiting in: "))\(clear.map { $0.kind.label(ctx.lang) }.joined(separator: ctx.t("、", ", ")))</p>"
        }
        // The city's dispatch table under its queues: the counties lagging at a glance.
        let dispatch: HTML = try await counties.map { list in """
        <section class="panel"><h2>\(ctx.t("各县（市、区）调度", "Counties"))</h2>\(DispatchPage.table(list, ctx))</section>
        """ } ?? ""
        let content: HTML = """
        <p class="subtitle">\(ctx.t("等待您处理的事项，按等待时间先后排列；点击即可办理。", "What waits for you, longest waiting first; one click to act."))</p>
        \(waiting.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("目前没有待办事项。", "Nothing is waiting for you."))</p>") : HTML.join(panels))
        \(done)
        \(dispatch)
        """
        return .html(Layout.page(ctx, title: ctx.t("工作台", "Workbench"), content))
    }

    func queue(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        guard let kind = req.parameters.get("kind").flatMap(WorkKind.init(rawValue:)), WorkKind.queues(for: ctx.caller).contains(kind) else {
            throw Abort(.notFound)
        }
        let page = try await req.zhiben.workbench.queue(kind, page: req.paging(), actor: ctx.caller)
        let now = req.zhiben.clock.now()
        let content: HTML = """
        <p class="toolbar"><span class="count">\(ctx.t("共 \(page.total) 项", "\(page.total) in all"))</span><a class="button" href="\(SitePath.home.path)">\(ctx.t("返回工作台", "Back to the workbench"))</a></p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("暂无待办。", "Nothing waiting."))</p>") : "<ol class=\"work-items\">\(page.items.map { Self.item($0, kind: kind, ctx: ctx, now: now) })</ol>")
        \(Layout.pagination(page, query: QueryString().with("per", req.queryString("per")), lang: ctx.lang))
        """
        return .html(Layout.page(ctx, title: kind.label(ctx.lang), content))
    }

    /// Where an item is acted on.
    static func href(_ item: WorkItem, kind: WorkKind) -> String? {
        switch item.link {
        case .hazard(let id): SitePath.hazard(id).path
        case .alarm(let id): SitePath.alarm(id).path
        case .inspection(let id): SitePath.inspection(id).path
        case .draw(let id): SitePath.draw(id).path
        case .enterprise(let id): kind == .arrangePlanned ? SitePath.newInspection(enterprise: id, origin: .plan) : SitePath.enterprise(id).path
        case .selfInspections: SitePath.selfInspections.path
        case .lockedAccounts: SitePath.users.path + "?locked=1"
        case .worker(let id): SitePath.worker(id).path
        case .permit(let id): SitePath.permit(id).path
        case .none: nil
        }
    }

    static func item(_ item: WorkItem, kind: WorkKind, ctx: PageContext, now: Date) -> HTML {
        let waited = item.since.map { max(0, Int(now.timeIntervalSince($0) / 86_400)) }
        let since: HTML = item.since.map { d in
            "<span class=\"since\">\(ctx.t("自 ", "since "))\(ChinaTime.day(d))\(waited.map { $0 > 0 ? ctx.t("（已等待 \($0) 天）", " (\($0) days)") : ctx.t("（今天）", " (today)") } ?? "")</span>"
        } ?? ""
        // An enterprise's own workbench concerns itself only: its name on every item says nothing.
        let subject = if case .enterprise = ctx.caller.scope { "" } else { item.subject }
        let due: HTML = item.due.map { d in
            "<span class=\"due\(item.overdue ? " overdue" : "")\">\(item.overdue ? ctx.t("已逾期，期限 ", "overdue, due ") : ctx.t("期限 ", "due "))\(ChinaTime.day(d))</span>"
        } ?? HTML.when(item.overdue) { "<span class=\"due overdue\">\(ctx.t("已超时", "late"))</span>" }
        return """
        <li class="work-item\(item.overdue ? " overdue" : "")">
          \(href(item, kind: kind).map { link in HTML("<a class=\"work-main\" href=\"\(link)\"><strong>\(item.title)</strong>\(HTML.when(!subject.isEmpty) { "<span class=\"subject\">\(subject)</span>" })</a>") }
            ?? HTML("<span class=\"work-main\"><strong>\(item.title)</strong></span>"))
          <span class="work-meta">\(since) \(due)</span>
          \(href(item, kind: kind).map { link in HTML("<a class=\"button primary work-act\" href=\"\(link)\">\(ctx.t(kind.actionZh, kind.actionEn))</a>") } ?? "")
        </li>
        """
    }
}
