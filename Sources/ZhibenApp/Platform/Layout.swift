import Foundation
import Vapor
import ZhibenDomain

/// What every signed-in page needs to draw its frame.
struct PageContext {
    let lang: Language
    let caller: Caller
    let user: User?
    let csrf: String
    let path: String
    let unread: Int

    init(req: Request) throws {
        guard let auth = req.auth else { throw Abort(.unauthorized) }
        lang = req.language
        caller = auth.caller
        user = auth.user
        csrf = Tokens.csrf(for: auth.token)
        path = req.url.path
        unread = req.unreadNotifications
    }

    func t(_ zh: String, _ en: String) -> String { lang.t(zh, en) }

    var csrfField: HTML { "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">" }

    /// 孝义市应急管理局 · 县局业务员
    var scopeLabel: String {
        switch caller.scope {
        case .city: t("吕梁市应急管理局", "Lüliang Emergency Management Bureau")
        case .county(let c): (County.named(c).map { lang == .en ? $0.en : $0.zh } ?? c) + t("应急管理局", " EMB")
        case .enterprise: user?.displayName ?? t("企业", "Enterprise")
        case .assigned: t("专家库", "Expert pool")
        }
    }
}

enum Layout {
    struct NavItem {
        let href: String
        let zh: String
        let en: String
        let permission: Permission?
        var cityOnly = false
    }

    static let nav: [NavItem] = [
        NavItem(href: SitePath.home.path, zh: "工作台", en: "Workbench", permission: nil),
        NavItem(href: SitePath.dispatch.path, zh: "调度", en: "Dispatch", permission: .dashboardRead, cityOnly: true),
        NavItem(href: SitePath.overview.path, zh: "统计概览", en: "Overview", permission: .dashboardRead),
        NavItem(href: SitePath.enterprises.path, zh: "企业基础信息", en: "Enterprises", permission: .enterpriseRead),
        NavItem(href: SitePath.enterpriseImport.path, zh: "批量导入", en: "Import", permission: .enterpriseImport),
        NavItem(href: SitePath.hazards.path, zh: "隐患排查治理", en: "Hazards", permission: .hazardRead),
        NavItem(href: SitePath.hazardZeroing.path, zh: "重大隐患动态清零", en: "Zeroing major hazards", permission: .dashboardRead),
        NavItem(href: SitePath.selfInspections.path, zh: "企业自查", en: "Self-inspections", permission: .hazardRead),
        NavItem(href: SitePath.internalReports.path, zh: "内部报告", en: "Internal reports", permission: .selfInspectionRecord),
        NavItem(href: SitePath.alarms.path, zh: "监测报警", en: "Alarms", permission: .monitoringRead),
        NavItem(href: SitePath.monitoringPoints.path, zh: "监测点位", en: "Monitoring points", permission: .monitoringRead),
        NavItem(href: SitePath.monitoringStatistics.path, zh: "监测统计", en: "Monitoring figures", permission: .monitoringRead),
        NavItem(href: SitePath.people.path, zh: "人员与持证", en: "People & certificates", permission: .peopleRead),
        NavItem(href: SitePath.plan.path, zh: "执法计划", en: "Enforcement plan", permission: .enforcementRead),
        NavItem(href: SitePath.inspections.path, zh: "执法检查", en: "Inspections", permission: .enforcementRead),
        NavItem(href: SitePath.inspections.path, zh: "我的检查任务", en: "My inspections", permission: .inspectionAssigned),
        NavItem(href: SitePath.draws.path, zh: "双随机抽取", en: "Random draws", permission: .enforcementRead),
        NavItem(href: SitePath.inspectors.path, zh: "执法人员名册", en: "Inspector roster", permission: .enforcementRead),
        NavItem(href: SitePath.experts.path, zh: "专家库", en: "Expert pool", permission: .enforcementRead),
        NavItem(href: SitePath.criteria.path, zh: "判定标准与清单", en: "Criteria & checklists", permission: .hazardRead),
        NavItem(href: SitePath.notifications.path, zh: "消息", en: "Messages", permission: .notificationRead),
        NavItem(href: SitePath.users.path, zh: "用户管理", en: "Users", permission: .userRead),
        NavItem(href: SitePath.apiKeys.path, zh: "接口密钥", en: "API keys", permission: .apiKeyManage),
        NavItem(href: SitePath.audit.path, zh: "审计日志", en: "Audit log", permission: .auditRead),
        NavItem(href: SitePath.password.path, zh: "修改密码", en: "Password", permission: nil),
    ]

    static func page(_ ctx: PageContext, title: String, _ content: HTML) -> HTML {
        let links = nav.filter { ($0.permission.map(ctx.caller.can) ?? true) && (!$0.cityOnly || ctx.caller.scope == .city) }.map { item -> HTML in
            let current = isCurrent(item.href, path: ctx.path)
            return "<li><a href=\"\(item.href)\"\(HTML(raw: current ? " aria-current=\"page\"" : ""))>\(ctx.lang.t(item.zh, item.en))</a></li>"
        }
        let other: Language = ctx.lang == .zh ? .en : .zh
        return document(lang: ctx.lang, title: title, body: """
        <a class="skip" href="#main">\(ctx.t("跳到正文", "Skip to content"))</a>
        <header class="topbar">
          <a class="brand" href="\(SitePath.home)">治本 <span>\(ctx.t("吕梁市冶金工贸治本攻坚", "Lüliang metallurgy & trade safety"))</span></a>
          <div class="who">
            <span class="scope">\(ctx.scopeLabel) · \(ctx.caller.role.label(ctx.lang))</span>
            <span class="name">\(ctx.user?.displayName ?? ctx.caller.username)</span>
            \(HTML.when(ctx.caller.can(.notificationRead)) { "<a class=\"inbox\" href=\"\(SitePath.notifications.path)\">\(ctx.t("消息", "Messages"))\(HTML.when(ctx.unread > 0) { " <span class=\"badge\" aria-label=\"\(ctx.t("未读", "unread")) \(ctx.unread)\">\(ctx.unread)</span>" })</a>" })
            <form method="post" action="\(SitePath.language.path)" class="inline">\(ctx.csrfField)<input type="hidden" name="language" value="\(other.rawValue)"><input type="hidden" name="next" value="\(ctx.path)"><button type="submit" class="link" lang="\(other.rawValue)">\(other == .en ? "English" : "中文")</button></form>
            <form method="post" action="\(SitePath.logout.path)" class="inline">\(ctx.csrfField)<button type="submit" class="link">\(ctx.t("退出", "Sign out"))</button></form>
          </div>
        </header>
        <div class="frame">
          <nav class="sidenav" id="menu" aria-label="\(ctx.t("功能模块", "Modules"))"><ul>\(links)</ul></nav>
          <main id="main">
            <h1>\(title)</h1>
            \(content)
          </main>
        </div>
        \(bottomNav(ctx))
        """)
    }

    /// A phone's short menu at the bottom: the workbench, the role's two or three main lists, messages,
    /// and the whole menu.
    static func bottomNav(_ ctx: PageContext) -> HTML {
        let lists: [(String, String, String)]
        switch ctx.caller.role {
        case .enterpriseUser:
            lists = [(SitePath.hazards.path, "隐患", "Hazards"), (SitePath.alarms.path, "报警", "Alarms"), (SitePath.selfInspections.path, "自查", "Self-checks")]
        case .expert:
            lists = [(SitePath.hazards.path, "隐患", "Hazards"), (SitePath.inspections.path, "检查", "Inspections")]
        case .cityAdmin:
            lists = [(SitePath.users.path, "用户", "Users"), (SitePath.audit.path, "审计", "Audit")]
        case .countyOfficer, .cityOfficer, .inspector:
            lists = [(SitePath.hazards.path, "隐患", "Hazards"), (SitePath.alarms.path, "报警", "Alarms"), (SitePath.inspections.path, "检查", "Inspections")]
        }
        let items = [(SitePath.home.path, "工作台", "Workbench")] + lists + [(SitePath.notifications.path, "消息", "Messages")]
        let links = items.map { href, zh, en -> HTML in
            let current = isCurrent(href, path: ctx.path)
            let badge: HTML = HTML.when(href == SitePath.notifications.path && ctx.unread > 0) { " <span class=\"badge\">\(String(ctx.unread))</span>" }
            return "<li><a href=\"\(href)\"\(HTML(raw: current ? " aria-current=\"page\"" : ""))>\(ctx.t(zh, en))\(badge)</a></li>"
        }
        return """
        <nav class="bottomnav" aria-label="\(ctx.t("常用", "Shortcuts"))"><ul>\(links)<li><a href="#menu">\(ctx.t("更多", "More"))</a></li></ul></nav>
        """
    }

    /// Which navigation entry a path belongs to; the import pages live under /enterprises but have their own entry.
    static func isCurrent(_ href: String, path: String) -> Bool {
        switch href {
        case SitePath.home.path: path == SitePath.home.path || WebRoute.workbenchQueue.matches(path)
        case SitePath.enterprises.path: path.hasPrefix(SitePath.enterprises.path) && !path.hasPrefix(SitePath.enterpriseImport.path)
            && !WebRoute.enterpriseChecklist.matches(path)
        case SitePath.hazards.path: path.hasPrefix(SitePath.hazards.path) && !path.hasPrefix(SitePath.hazardZeroing.path)
        case SitePath.criteria.path: path.hasPrefix(SitePath.criteria.path) || path.hasPrefix(SitePath.checklists.path) || WebRoute.enterpriseChecklist.matches(path)
        default: path == href || path.hasPrefix(href + "/")
        }
    }

    static func document(lang: Language, title: String, body: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="\(lang == .en ? "en" : "zh-CN")">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · 治本</title>
        <link rel="stylesheet" href="/css/app.css">
        <script src="/js/app.js" defer></script>
        </head>
        <body>
        \(body)
        </body>
        </html>
        """
    }

    static func flash(_ text: String?, kind: String = "ok") -> HTML {
        guard let text, !text.isEmpty else { return "" }
        return "<p class=\"flash \(kind)\" role=\"status\">\(text)</p>"
    }

    /// Page links: previous, numbers around the current page, next.
    static func pagination<T>(_ page: Paged<T>, query: QueryString, lang: Language) -> HTML {
        guard page.pageCount > 1 else { return "" }
        var parts: [HTML] = []
        func link(_ p: Int, _ label: String, rel: String? = nil) -> HTML {
            "<a href=\"\(query.with("page", String(p)).string)\"\(HTML(raw: rel.map { " rel=\"\($0)\"" } ?? ""))>\(label)</a>"
        }
        if page.page > 1 { parts.append(link(page.page - 1, lang.t("上一页", "Previous"), rel: "prev")) }
        let lo = max(1, page.page - 3), hi = min(page.pageCount, page.page + 3)
        if lo > 1 { parts.append(link(1, "1")); if lo > 2 { parts.append("<span>…</span>") } }
        for p in lo...hi {
            parts.append(p == page.page ? "<span aria-current=\"page\">\(p)</span>" : link(p, String(p)))
        }
        if hi < page.pageCount { if hi < page.pageCount - 1 { parts.append("<span>…</span>") }; parts.append(link(page.pageCount, String(page.pageCount))) }
        if page.page < page.pageCount { parts.append(link(page.page + 1, lang.t("下一页", "Next"), rel: "next")) }
        return "<nav class=\"pager\" aria-label=\"\(lang.t("分页", "Pages"))\">\(parts)</nav>"
    }

    static func gradeBadge(_ g: SupervisionGrade, lang: Language) -> HTML {
        "<span class=\"grade grade-\(g.colour.rawValue)\">\(g.label(lang))</span>"
    }

    /// `<option>`s with one selected.
    static func options(_ items: [(String, String)], selected: String?, blank: String? = nil) -> HTML {
        var out: [HTML] = []
        if let blank { out.append("<option value=\"\">\(blank)</option>") }
        for (value, label) in items {
            out.append("<option value=\"\(value)\"\(HTML(raw: value == selected ? " selected" : ""))>\(label)</option>")
        }
        return HTML.join(out)
    }
}

enum ErrorPage {
    static func title(_ status: Int, _ lang: Language) -> String {
        switch status {
        case 400: lang.t("请求有误", "Bad request")
        case 401: lang.t("请先登录", "Sign in first")
        case 403: lang.t("无权操作", "Not allowed")
        case 404: lang.t("没有找到", "Not found")
        case 405: lang.t("不支持的操作", "Not supported")
        case 409: lang.t("记录已变化", "Changed meanwhile")
        case 412: lang.t("记录已被他人修改", "Changed by someone else")
        case 413: lang.t("上传内容过大", "Too large")
        case 422: lang.t("填写有误", "Check the form")
        case 429: lang.t("操作过于频繁", "Too many attempts")
        case 503: lang.t("系统暂时不可用", "Temporarily unavailable")
        default: status >= 500 ? lang.t("服务器出错", "Server error") : lang.t("无法完成", "Could not be done")
        }
    }

    static func response(_ p: Problem, req: Request) -> Response {
        let lang = req.language
        let message: String
        // A form sent with a missing or stale token (a page left open over a sign-out, another tab's
        // sign-in) is not a missing permission: the page says which of the two happened.
        let expired = p.status == 403 && (p.detail ?? "").hasPrefix("CSRF")
        var title = Self.title(p.status, lang)
        switch p.status {
        case 401: message = lang.t("请先登录。", "Please sign in.")
        case 403 where expired:
            title = lang.t("表单已过期", "The form expired")
            message = lang.t("这个表单已过期（可能在别处退出或重新登录过），内容没有提交。请返回上一页，刷新后重新填写提交。",
                             "This form expired (you may have signed out or in elsewhere); nothing was sent. Go back, reload the page and submit again.")
        case 403: message = lang.t("您的账号没有执行此操作的权限。如确需办理，请联系上级管理员调整账号权限。", "Your account may not do this. Ask your administrator if you need to.")
        case 404: message = lang.t("没有找到这个页面或记录，或者它不在您的管辖范围内。", "This page or record does not exist, or is outside your jurisdiction.")
        case 405: message = lang.t("不支持此请求方法。", "This method is not supported here.")
        case 413: message = lang.t("上传内容过大。", "The upload is too large.")
        case 400 where !(p.errors ?? []).isEmpty: message = (p.errors ?? []).map { lang == .en ? "\($0.field): \($0.reason)" : $0.reasonZh }.joined(separator: lang.t("；", "; "))
        case 503: message = lang.t("系统暂时无法连接数据库，正在自动恢复，您的数据未受影响。请在几秒钟后刷新页面。",
                                   "The system cannot reach its database just now and is reconnecting; your data is safe. Reload the page in a few seconds.")
        default: message = p.status >= 500 ? lang.t("服务器出错，已记录日志，数据未被修改。", "Server error; it has been logged and nothing was changed.") : (p.detail ?? p.title)
        }
        let content: HTML = """
          <p class="flash \(p.status >= 500 ? "error" : "warning")" role="alert">\(message)</p>
          <p class="actions">\(HTML.when(expired) { "<a class=\"button primary\" href=\"javascript:history.back()\">\(lang.t("返回上一页", "Go back"))</a>" })<a class="button" href="\(SitePath.home)">\(lang.t("返回工作台", "Back to the workbench"))</a></p>
        """
        // Within the layout, with its menu, for someone signed in; a plain page otherwise.
        let page: HTML
        if req.auth != nil, let ctx = try? PageContext(req: req) {
            page = Layout.page(ctx, title: title, content)
        } else {
            page = Layout.document(lang: lang, title: title, body: "<main class=\"narrow\" id=\"main\"><h1>\(title)</h1>\(content)</main>")
        }
        let res = Response.html(page, status: HTTPResponseStatus(statusCode: p.status))
        for (k, v) in p.headers ?? [:] { res.headers.replaceOrAdd(name: k, value: v) }
        return res
    }
}
