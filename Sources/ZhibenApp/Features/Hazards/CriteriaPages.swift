import Foundation
import Vapor
import ZhibenDomain

/// The criteria catalogue, the checklists per industry and special risk (一行业一清单), an enterprise's
/// applicable checklist (printable), and the counties' local items.
struct CriteriaPages: RouteCollection {
    /// How sure we are of an item's text, as the reference data records it, in the page's language.
    static func source(_ note: String, _ lang: Language) -> String {
        switch note {
        case "checked against two independent copies of the 2023 text": lang.t("已与两份独立的2023年文本核对", note)
        case "one careful non-official copy of the 2023 text; check against the official text": lang.t("据一份非官方的2023年文本整理，请以正式文本为准", note)
        default: note
        }
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.criteria, use: criteria)
        routes.get(WebRoute.checklists, use: checklists)
        routes.get(WebRoute.checklist, use: groupChecklist)
        routes.get(WebRoute.enterpriseChecklist, use: enterpriseChecklist)
        routes.post(WebRoute.checklistItems, use: addLocalItem)
        routes.post(WebRoute.checklistItemActive, use: setLocalItemActive)
    }

    func criteria(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardRead)
        let lang = ctx.lang
        let catalogue = req.zhiben.hazards.catalogue
        let group = try req.queryEnum("group", CriterionGroup.self)
        let q = req.queryString("q")
        let items = catalogue.search(q, group: group)
        let rows = items.map { c -> HTML in
            """
            <tr><td class="mono nowrap">\(c.id)</td><td>\(c.citation(lang))</td><td>\(c.group.label(lang))</td>
            <td>\(c.summary(lang))<br><span class="muted small">\(c.keywords.joined(separator: "、"))</span></td>
            <td>\(c.monitoringRelated ? ctx.t("是", "yes") : "")</td><td class="small muted">\(Self.source(c.source, lang))</td></tr>
            """
        }
        let std = catalogue.current
        let content: HTML = """
        <p class="subtitle">\(lang == .en ? std.titleEn : std.titleZh) · \(ctx.t("施行日期", "in force from")) \(std.effective) · \(ctx.t("共 \(catalogue.criteria(of: std.id).count) 条（含第14条）", "\(catalogue.criteria(of: std.id).count) items incl. Art. 14"))</p>
        <p class="notice">\(ctx.t("以下为条款要点的概括，以应急管理部公布的正式文本为准；每条的编号与条、项便于核对原文。", "Summaries in our words; the ministry's official text prevails. Each item's id, article and item let you check it."))</p>
        <form class="filters" method="get" action="\(SitePath.criteria.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("编号、条款或关键词", "Id, article or keyword"))</label><input id="q" name="q" type="search" value="\(q ?? "")"></div>
          <div class="field"><label for="group">\(ctx.t("类别", "Group"))</label><select id="group" name="group">\(Layout.options(labeledOptions(CriterionGroup.self, lang), selected: group?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.criteria.path)">\(ctx.t("清除", "Clear"))</a> <a href="\(SitePath.checklists.path)">\(ctx.t("各行业检查清单", "Checklists by industry"))</a></div>
        </form>
        <p class="count">\(ctx.t("找到 \(items.count) 条", "\(items.count) items"))</p>
        \(items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有符合条件的条款。", "No item matches."))</p>") : """
        <div class="table-wrap"><table class="data compact">
          <thead><tr><th scope="col">\(ctx.t("编号", "Id"))</th><th scope="col">\(ctx.t("条款", "Article"))</th><th scope="col">\(ctx.t("类别", "Group"))</th><th scope="col">\(ctx.t("要点", "Summary"))</th><th scope="col">\(ctx.t("可监测", "Monitorable"))</th><th scope="col">\(ctx.t("来源核对", "Checked against"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        """
        return .html(Layout.page(ctx, title: ctx.t("重大事故隐患判定标准", "Major-hazard criteria"), content))
    }

    func checklists(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardRead)
        let lang = ctx.lang
        let catalogue = req.zhiben.hazards.catalogue
        let items = try await req.zhiben.hazards.localItems(actor: ctx.caller)
        let groups = CriterionGroup.allCases.filter { $0 != .general }.map { g -> HTML in
            let n = Checklist.of(g, catalogue: catalogue).criteria.count
            return "<li><a href=\"\(SitePath.checklist(g).path)\">\(g.label(lang))</a> <span class=\"muted\">（\(ctx.t("\(n) 项", "\(n) items"))）</span></li>"
        }
        let f = FormRenderer(lang: lang, issues: [])
        let canManage = ctx.caller.can(.checklistManage)
        let localRows = items.map { i -> HTML in
            """
            <tr\(HTML(raw: i.active ? "" : " class=\"inactive\""))><td><span class="tag blue">\(ctx.t("本地", "local"))</span> \(i.text)</td><td>\(i.group.label(lang))</td><td>\(County.named(i.countyCode)?.label(lang) ?? i.countyCode)</td><td>\(i.createdBy) · \(ChinaTime.day(i.createdAt))</td>
            <td>\(HTML.when(canManage) { "<form method=\"post\" action=\"\(SitePath.checklistItemActive(i.id).path)\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"active\" value=\"\(i.active ? "false" : "true")\"><button type=\"submit\">\(i.active ? ctx.t("停用", "Withdraw") : ctx.t("恢复", "Restore"))</button></form>" })</td></tr>
            """
        }
        let content: HTML = """
        \(Layout.flash(req.queryString("done") == "added" ? ctx.t("本地检查项已添加。", "Local item added.") : nil))
        <section class="panel">
          <h2>\(ctx.t("一行业一清单", "One checklist per industry"))</h2>
          <p>\(ctx.t("每份清单由判定标准的通用条款、该行业或专项的条款和第14条组成；企业的适用清单是其行业与各专项风险清单的并集，见企业详情页。", "Each checklist holds the general items, the industry's or special risk's items and Art. 14; an enterprise's applicable checklist is the union for its industry and special risks (see its page)."))</p>
          <ul class="columns">\(groups)</ul>
        </section>
        <section class="panel">
          <h2>\(ctx.t("本地检查项", "Local items"))</h2>
          <p class="muted">\(ctx.t("县局可为本辖区企业的清单增加本地检查项；它们始终标为“本地”，不属于国家判定标准条款。", "Counties add local items to their enterprises' checklists; they are always marked local, never national criteria."))</p>
          \(items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚无本地检查项。", "No local items yet."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("检查项", "Item"))</th><th scope="col">\(ctx.t("清单", "Checklist"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("添加", "Added"))</th><th scope="col"></th></tr></thead><tbody>\(localRows)</tbody></table></div>
          """)
          \(HTML.when(canManage) { """
          <form method="post" action="\(SitePath.checklistItems.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.select("group", ctx.t("加入清单", "Checklist"), options: labeledOptions(CriterionGroup.self, lang), selected: CriterionGroup.general.rawValue, required: true))
            \(f.text("text", ctx.t("检查项内容", "Item"), value: "", required: true, attrs: "maxlength=\"500\""))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("添加本地检查项", "Add local item"))</button></div>
          </form>
          """ })
        </section>
        """
        return .html(Layout.page(ctx, title: ctx.t("检查清单", "Checklists"), content))
    }

    /// A printable checklist with a box to tick per item.
    func checklistHTML(_ ctx: PageContext, _ list: Checklist, heading: String) -> HTML {
        let lang = ctx.lang
        let rows = list.criteria.enumerated().map { i, c -> HTML in
            "<tr><td class=\"num\">\(i + 1)</td><td class=\"mono\">\(c.id)</td><td>\(c.group.label(lang))</td><td>\(c.summary(lang))</td><td class=\"tick\">□</td><td class=\"notes\"></td></tr>"
        }
        let local = list.localItems.enumerated().map { i, item -> HTML in
            "<tr><td class=\"num\">\(list.criteria.count + i + 1)</td><td><span class=\"tag blue\">\(ctx.t("本地", "local"))</span></td><td>\(item.group.label(lang))</td><td>\(item.text)</td><td class=\"tick\">□</td><td class=\"notes\"></td></tr>"
        }
        return """
        <p class="subtitle">\(heading) · \(ctx.t("依据", "Standard")) \(CriteriaCatalogue.shipped.current.titleZh)</p>
        <p class="no-print"><button type="button" class="primary" data-print>\(ctx.t("打印", "Print"))</button></p>
        <table class="data compact checklist"><thead><tr><th scope="col">#</th><th scope="col">\(ctx.t("编号", "Id"))</th><th scope="col">\(ctx.t("类别", "Group"))</th><th scope="col">\(ctx.t("检查内容", "Check"))</th><th scope="col">\(ctx.t("存在", "Found"))</th><th scope="col">\(ctx.t("备注", "Notes"))</th></tr></thead>
        <tbody>\(rows)\(local)</tbody></table>
        <p class="signature">\(ctx.t("检查人：", "Checked by: "))＿＿＿＿＿＿　\(ctx.t("主要负责人：", "Principal: "))＿＿＿＿＿＿　\(ctx.t("日期：", "Date: "))＿＿＿＿＿＿</p>
        """
    }

    func groupChecklist(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.hazardRead)
        guard let group = req.parameters.get("group").flatMap(CriterionGroup.init(rawValue:)) else { throw DomainError.notFound(entity: "checklist") }
        let list = try await req.zhiben.hazards.checklist(group: group, actor: ctx.caller)
        let title = ctx.t("\(group.zh)检查清单", "Checklist: \(group.en)")
        return .html(Layout.page(ctx, title: title, checklistHTML(ctx, list, heading: group.label(ctx.lang))))
    }

    func enterpriseChecklist(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let (e, list) = try await req.zhiben.hazards.checklist(enterpriseID: req.recordID("enterprise"), actor: ctx.caller)
        let groups = list.groups.map { $0.label(ctx.lang) }.joined(separator: " + ")
        return .html(Layout.page(ctx, title: ctx.t("适用检查清单：", "Applicable checklist: ") + e.profile.name,
                                 checklistHTML(ctx, list, heading: "\(e.profile.creditCode) · \(groups)")))
    }

    struct LocalItemForm: Content {
        var group: String?
        var text: String?
    }

    func addLocalItem(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(LocalItemForm.self)
        guard let group = form.group.flatMap(CriterionGroup.init(rawValue:)) else {
            throw DomainError.validation([FieldIssue(field: "group", zh: "请选择清单", en: "choose a checklist")])
        }
        _ = try await req.zhiben.hazards.addLocalItem(group: group, text: form.text ?? "", actor: ctx.caller, origin: req.origin)
        return req.redirect(to: SitePath.checklists.done("added"))
    }

    struct ActiveForm: Content { var active: String? }

    func setLocalItemActive(req: Request) async throws -> Response {
        let form = try req.content.decode(ActiveForm.self)
        _ = try await req.zhiben.hazards.setLocalItemActive(req.recordID("checklist item"), active: form.active == "true", actor: req.caller, origin: req.origin)
        return req.redirect(to: SitePath.checklists)
    }
}

/// The signed-in person's messages.
struct NotificationPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.notifications, use: inbox)
        routes.post(WebRoute.notificationsRead, use: markRead)
    }

    func inbox(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let unreadOnly = try req.queryFlag("unread")
        let page = try await req.zhiben.notifications.inbox(actor: ctx.caller, unreadOnly: unreadOnly, page: req.paging(defaultPer: 30))
        let lang = ctx.lang
        var qs = QueryString()
        qs.set("unread", req.queryString("unread"))
        let rows = page.items.map { n -> HTML in
            """
            <li class="message\(HTML(raw: n.readAt == nil ? " unread" : ""))">
              <span class="tag \([.overdue, .returned, .alarmEscalated, .level1Alarm].contains(n.kind) ? "red" : "blue")">\(n.kind.label(lang))</span>
              \(n.hazardID.map { HTML("<a href=\"\(SitePath.hazard($0).path)\">\(n.text(lang))</a>") }
                ?? n.alarmID.map { HTML("<a href=\"\(SitePath.alarm($0).path)\">\(n.text(lang))</a>") } ?? HTML("\(n.text(lang))"))
              <span class="muted small">\(ChinaTime.display(n.createdAt))</span>
            </li>
            """
        }
        let content: HTML = """
        <div class="toolbar">
          <p class="count">\(ctx.t("共 \(page.total) 条", "\(page.total) messages")) · <a href="\(SitePath.notifications.path)\(unreadOnly ? "" : "?unread=1")">\(unreadOnly ? ctx.t("查看全部", "Show all") : ctx.t("只看未读", "Unread only"))</a></p>
          <div>\(HTML.when(ctx.unread > 0) { "<form method=\"post\" action=\"\(SitePath.notificationsRead.path)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\">\(ctx.t("全部标为已读", "Mark all read"))</button></form>" })</div>
        </div>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有消息。新隐患、待您处理、逾期、验收和退回都会在这里提醒。", "No messages. New hazards, steps awaiting you, overdue, accepted and returned hazards appear here."))</p>") : "<ul class=\"messages\">\(rows)</ul>")
        \(Layout.pagination(page, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("消息", "Messages"), content))
    }

    func markRead(req: Request) async throws -> Response {
        try await req.zhiben.notifications.markRead(nil, actor: req.caller)
        return req.redirect(to: SitePath.notifications)
    }
}
