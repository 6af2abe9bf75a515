import Foundation
import Vapor
import ZhibenDomain

/// Accounts, API keys, the audit log and one's own password.
struct AdminWebController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("users", use: users)
        routes.post("users", use: createUser)
        routes.post("users", ":id", "unlock", use: unlock)
        routes.post("users", ":id", "active", use: setActive)
        routes.post("users", ":id", "password", use: resetPassword)
        routes.get("api-keys", use: apiKeys)
        routes.post("api-keys", use: createAPIKey)
        routes.post("api-keys", ":id", "revoke", use: revokeAPIKey)
        routes.get("audit", use: audit)
        routes.get("audit", "export.csv", use: exportAudit)
        routes.get("password", use: passwordForm)
        routes.post("password", use: changePassword)
    }

    // MARK: users

    struct UserForm: Content {
        var username: String?
        var displayName: String?
        var role: String?
        var countyCode: String?
        var enterpriseCreditCode: String?
        var password: String?

        var draft: UserDraft {
            UserDraft(username: username ?? "", displayName: displayName ?? "", role: role ?? "", countyCode: countyCode,
                      enterpriseCreditCode: enterpriseCreditCode, password: password ?? "")
        }
    }

    func users(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        return .html(try await usersPage(ctx, req: req, form: UserForm(), issues: [], flash: req.queryString("done")))
    }

    func usersPage(_ ctx: PageContext, req: Request, form: UserForm, issues: [FieldIssue], flash: String?) async throws -> HTML {
        let lang = ctx.lang
        let query = UserQuery(search: req.queryString("q"), role: req.queryString("role").flatMap(Role.init(rawValue:)),
                              lockedOnly: req.queryString("locked") == "1")
        let page = try await req.zhiben.accounts.list(query, page: req.paging(defaultPer: 50), actor: ctx.caller)
        let now = req.zhiben.clock.now()
        var qs = QueryString()
        for k in ["q", "role", "locked"] { qs.set(k, req.queryString(k)) }
        let rows = page.items.map { u -> HTML in
            let locked = u.isLocked(at: now)
            let scope: String = u.countyCode.flatMap { County.named($0)?.label(lang) } ?? (u.enterpriseID != nil ? ctx.t("企业", "Enterprise") : "—")
            return """
            <tr\(HTML(raw: u.active ? "" : " class=\"inactive\""))>
              <td class="mono">\(u.username)</td><td>\(u.displayName)</td><td>\(u.role.label(lang))</td><td>\(scope)</td>
              <td>\(u.lastLoginAt.map { ChinaTime.display($0) } ?? "—")</td>
              <td>\(locked ? HTML("<span class=\"tag red\">\(ctx.t("锁定至", "locked until")) \(ChinaTime.display(u.lockedUntil!))</span>") : (u.active ? HTML(raw: ctx.t("正常", "active")) : HTML("<span class=\"tag\">\(ctx.t("已停用", "inactive"))</span>")))</td>
              <td class="row-actions">
                \(HTML.when(locked && ctx.caller.can(.userUnlock)) { "<form method=\"post\" action=\"/users/\(u.id.uuidString)/unlock\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\">\(ctx.t("解锁", "Unlock"))</button></form>" })
                \(HTML.when(ctx.caller.can(.userUpdate) && u.id != ctx.caller.id) { """
                <details class="inline-reset"><summary>\(ctx.t("重置密码", "Reset password"))</summary>
                <form method="post" action="/users/\(u.id.uuidString)/password">\(ctx.csrfField)<label for="pw-\(u.id.uuidString)">\(ctx.t("新密码", "New password"))</label> <input id="pw-\(u.id.uuidString)" name="password" type="password" autocomplete="new-password" minlength="\(LoginPolicy.minPasswordLength)" required> <button type="submit">\(ctx.t("保存", "Save"))</button></form>
                </details>
                """ })
                \(HTML.when(ctx.caller.can(.userUpdate) && u.id != ctx.caller.id) { "<form method=\"post\" action=\"/users/\(u.id.uuidString)/active\" class=\"inline confirm\" data-confirm=\"\(u.active ? ctx.t("确认停用该账号？", "Deactivate this account?") : ctx.t("确认恢复该账号？", "Reactivate this account?"))\">\(ctx.csrfField)<input type=\"hidden\" name=\"active\" value=\"\(u.active ? "false" : "true")\"><button type=\"submit\">\(u.active ? ctx.t("停用", "Deactivate") : ctx.t("恢复", "Reactivate"))</button></form>" })
              </td>
            </tr>
            """
        }
        let f = FormRenderer(lang: lang, issues: issues)
        let flashText: String? = switch flash {
        case "created": ctx.t("账号已创建。", "Account created.")
        case "unlocked": ctx.t("账号已解锁。", "Account unlocked.")
        case "updated": ctx.t("已保存。", "Saved.")
        case "password": ctx.t("密码已重置，请通过安全渠道告知本人。", "Password reset; tell the person through a safe channel.")
        default: nil
        }
        let content: HTML = """
        \(Layout.flash(flashText))
        <form class="filters" method="get" action="/users" role="search">
          <div class="field grow"><label for="q">\(ctx.t("用户名或姓名", "Username or name"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          <div class="field"><label for="role">\(ctx.t("角色", "Role"))</label><select id="role" name="role">\(Layout.options(labeledOptions(Role.self, lang), selected: query.role?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <label class="check"><input type="checkbox" name="locked" value="1"\(HTML(raw: query.lockedOnly ? " checked" : ""))> \(ctx.t("仅看锁定账号", "Locked only"))</label>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 个账号", "\(page.total) accounts"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有符合条件的账号。", "No account matches."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("用户名", "Username"))</th><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("角色", "Role"))</th><th scope="col">\(ctx.t("辖区", "Scope"))</th><th scope="col">\(ctx.t("最近登录", "Last login"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("操作", "Actions"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: lang))
        \(HTML.when(ctx.caller.can(.userCreate)) { """
        <section class="panel">
          <h2>\(ctx.t("新建账号", "New account"))</h2>
          \(f.summary())
          <form method="post" action="/users" class="grid-form">
            \(ctx.csrfField)
            \(f.text("username", ctx.t("用户名", "Username"), value: form.username ?? "", required: true))
            \(f.text("displayName", ctx.t("姓名", "Display name"), value: form.displayName ?? "", required: true))
            \(f.select("role", ctx.t("角色", "Role"), options: labeledOptions(Role.self, lang), selected: form.role ?? "", required: true, blank: ctx.t("请选择", "Choose")))
            \(f.select("countyCode", ctx.t("所属县（县局、执法人员）", "County (county roles)"), options: County.all.map { ($0.code, $0.label(lang)) }, selected: form.countyCode ?? "", blank: "—"))
            \(f.text("enterpriseCreditCode", ctx.t("企业统一社会信用代码（企业用户）", "Enterprise credit code (enterprise users)"), value: form.enterpriseCreditCode ?? ""))
            \(f.text("password", ctx.t("初始密码", "Initial password"), value: "", required: true, type: "password", hint: ctx.t("至少\(LoginPolicy.minPasswordLength)位", "at least \(LoginPolicy.minPasswordLength) characters"), attrs: "autocomplete=\"new-password\""))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("创建", "Create"))</button></div>
          </form>
        </section>
        """ })
        """
        return Layout.page(ctx, title: ctx.t("用户管理", "Users"), content)
    }

    func createUser(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(UserForm.self)
        do {
            _ = try await req.zhiben.accounts.create(form.draft, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: "/users?done=created")
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await usersPage(ctx, req: req, form: form, issues: issues, flash: nil), status: .unprocessableEntity)
        }
    }

    func unlock(req: Request) async throws -> Response {
        _ = try await req.zhiben.accounts.unlock(req.recordID("user"), actor: req.caller, origin: req.origin)
        return req.redirect(to: "/users?done=unlocked")
    }

    struct PasswordResetForm: Content { var password: String? }

    func resetPassword(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(PasswordResetForm.self)
        do {
            let user = try await req.zhiben.accounts.resetPassword(req.recordID("user"), newPassword: form.password ?? "", actor: ctx.caller, origin: req.origin)
            try await req.zhiben.tokens.deleteSessions(userID: user.id, except: nil)
            return req.redirect(to: "/users?done=password")
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await usersPage(ctx, req: req, form: UserForm(), issues: issues, flash: nil), status: .unprocessableEntity)
        }
    }

    struct ActiveForm: Content { var active: String }

    func setActive(req: Request) async throws -> Response {
        let form = try req.content.decode(ActiveForm.self)
        _ = try await req.zhiben.accounts.setActive(req.recordID("user"), active: form.active == "true", actor: req.caller, origin: req.origin)
        return req.redirect(to: "/users?done=updated")
    }

    // MARK: API keys

    struct KeyForm: Content {
        var name: String?
        var enterpriseCreditCode: String?
    }

    func apiKeys(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.apiKeyManage)
        return .html(try await keysPage(ctx, req: req, issues: [], newKey: nil, form: KeyForm()))
    }

    func keysPage(_ ctx: PageContext, req: Request, issues: [FieldIssue], newKey: String?, form: KeyForm) async throws -> HTML {
        let keys = try await req.zhiben.tokens.listAPIKeys(scope: ctx.caller.scope)
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let rows = keys.map { k -> HTML in
            """
            <tr\(HTML(raw: k.revokedAt == nil ? "" : " class=\"inactive\""))><td>\(k.name)</td><td class="mono">\(Tokens.apiKeyPrefix)\(k.prefix)…</td><td class="mono">\(k.enterpriseID.uuidString)</td>
            <td>\(k.createdBy)，\(ChinaTime.display(k.createdAt))</td><td>\(k.lastUsedAt.map { ChinaTime.display($0) } ?? "—")</td>
            <td>\(k.revokedAt.map { HTML("<span class=\"tag\">\(ctx.t("已吊销", "revoked")) \(ChinaTime.display($0))</span>") } ?? """
            <form method="post" action="/api-keys/\(k.id.uuidString)/revoke" class="inline confirm" data-confirm="\(ctx.t("吊销后使用该密钥的网关将无法访问，确认吊销？", "Clients using this key will lose access. Revoke?"))">\(ctx.csrfField)<button type="submit" class="danger">\(ctx.t("吊销", "Revoke"))</button></form>
            """)</td></tr>
            """
        }
        let content: HTML = """
        \(newKey.map { HTML("<div class=\"flash ok\" role=\"status\"><p>\(ctx.t("密钥已签发。它只显示这一次，请立即复制保存：", "Key issued. It is shown only once; copy it now:"))</p><p><code class=\"secret\">\($0)</code></p></div>") } ?? "")
        <p>\(ctx.t("接口密钥供企业网关等机器客户端调用 /api/v1，以 Authorization: Bearer 方式发送，只能访问所属企业。", "API keys let machine clients (enterprise gateways) call /api/v1 with Authorization: Bearer; a key sees only its enterprise."))</p>
        \(keys.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚未签发密钥。", "No keys issued yet."))</p>") : """
        <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("前缀", "Prefix"))</th><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("签发", "Issued"))</th><th scope="col">\(ctx.t("最近使用", "Last used"))</th><th scope="col">\(ctx.t("状态", "State"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
        """)
        <section class="panel">
          <h2>\(ctx.t("签发新密钥", "Issue a key"))</h2>
          \(f.summary())
          <form method="post" action="/api-keys" class="grid-form">
            \(ctx.csrfField)
            \(f.text("name", ctx.t("用途名称", "Name"), value: form.name ?? "", required: true, hint: ctx.t("如：1号监测网关", "e.g. monitoring gateway 1")))
            \(f.text("enterpriseCreditCode", ctx.t("企业统一社会信用代码", "Enterprise credit code"), value: form.enterpriseCreditCode ?? "", required: true))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("签发", "Issue"))</button></div>
          </form>
        </section>
        """
        return Layout.page(ctx, title: ctx.t("接口密钥", "API keys"), content)
    }

    func createAPIKey(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(KeyForm.self)
        do {
            let secret = try await APIKeys.issue(name: form.name ?? "", creditCode: form.enterpriseCreditCode ?? "", actor: ctx.caller,
                                                 services: req.zhiben, origin: req.origin)
            return .html(try await keysPage(ctx, req: req, issues: [], newKey: secret, form: KeyForm()))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await keysPage(ctx, req: req, issues: issues, newKey: nil, form: form), status: .unprocessableEntity)
        }
    }

    func revokeAPIKey(req: Request) async throws -> Response {
        let caller = try req.caller
        try caller.require(.apiKeyManage)
        _ = try await req.zhiben.tokens.revokeAPIKey(id: req.recordID("apikey"), scope: caller.scope,
                                                      audit: AuditContext(actor: caller, at: req.zhiben.clock.now(), origin: req.origin))
        return req.redirect(to: "/api-keys")
    }

    // MARK: audit log

    /// The audit filters of the query string; `to` includes the whole day.
    static func auditQuery(_ req: Request, page: Paging) -> AuditQuery {
        let from = req.queryString("from").flatMap(ChinaTime.parseDay)
        let to = req.queryString("to").flatMap(ChinaTime.parseDay).map { $0.addingTimeInterval(86_400) }
        return AuditQuery(actor: req.queryString("actor"), action: req.queryString("action"), entityType: req.queryString("entityType"),
                          entityID: req.queryString("entityID"), from: from, to: to, page: page)
    }

    func exportAudit(req: Request) async throws -> Response {
        let caller = try req.caller
        try caller.require(.auditRead)
        let page = try await req.zhiben.audit.list(Self.auditQuery(req, page: Paging(page: 1, per: Paging.maxPer)))
        var rows: [[String]] = []
        var entries = page.items
        var next = 2
        // Up to 50,000 entries, newest first, in pages of the repository's maximum.
        while !entries.isEmpty, rows.count < 50_000 {
            for e in entries {
                rows.append([String(e.seq), ChinaTime.display(e.at, seconds: true), e.actorUsername, AuditAction(rawValue: e.action)?.zh ?? e.action,
                             e.entityType, e.entityID, e.changes.map { "\($0.field): \($0.before ?? "") → \($0.after ?? "")" }.joined(separator: "; "),
                             e.origin ?? "", e.hash])
            }
            if entries.count < Paging.maxPer { break }
            entries = try await req.zhiben.audit.list(Self.auditQuery(req, page: Paging(page: next, per: Paging.maxPer))).items
            next += 1
        }
        let data = CSV.document(header: ["序号", "时间", "操作人", "操作", "对象类型", "对象编号", "变更", "来源", "哈希"], rows: rows)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit-log.csv\"")
        return res
    }

    func audit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.auditRead)
        let lang = ctx.lang
        let q = Self.auditQuery(req, page: req.paging(defaultPer: 50))
        let page = try await req.zhiben.audit.list(q)
        var qs = QueryString()
        for k in ["actor", "action", "entityType", "entityID", "from", "to"] { qs.set(k, req.queryString(k)) }
        let rows = page.items.map { e -> HTML in
            let changes = e.changes.prefix(12).map { c -> HTML in
                "<li><span class=\"mono\">\(c.field)</span>: \(c.before ?? "∅") → \(c.after ?? "∅")</li>"
            }
            return """
            <tr><td class="num">\(String(e.seq))</td><td>\(ChinaTime.display(e.at, seconds: true))</td><td class="mono">\(e.actorUsername)</td>
            <td>\(AuditAction(rawValue: e.action)?.label(lang) ?? e.action)</td><td>\(e.entityType)</td>
            <td class="mono small">\(e.entityType == "enterprise" && e.entityID.count == 36 ? HTML("<a href=\"/enterprises/\(e.entityID)\">\(e.entityID)</a>") : HTML("\(e.entityID)"))</td>
            <td><ul class="changes">\(changes)</ul>\(e.changes.count > 12 ? HTML(raw: "…") : "")</td><td class="mono small">\(e.origin ?? "")</td></tr>
            """
        }
        let content: HTML = """
        <form class="filters" method="get" action="/audit">
          <div class="field"><label for="actor">\(ctx.t("操作人", "Actor"))</label><input id="actor" name="actor" value="\(q.actor ?? "")"></div>
          <div class="field"><label for="action">\(ctx.t("操作", "Action"))</label><select id="action" name="action">\(Layout.options(AuditAction.allCases.map { ($0.rawValue, $0.label(lang)) }, selected: q.action, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="entityType">\(ctx.t("对象类型", "Entity"))</label><select id="entityType" name="entityType">\(Layout.options([("enterprise", ctx.t("企业", "Enterprise")), ("user", ctx.t("用户", "User")), ("apikey", ctx.t("接口密钥", "API key"))], selected: q.entityType, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="entityID">\(ctx.t("对象编号", "Entity id"))</label><input id="entityID" name="entityID" value="\(q.entityID ?? "")"></div>
          <div class="field"><label for="from">\(ctx.t("起始日期", "From"))</label><input id="from" name="from" type="date" value="\(req.queryString("from") ?? "")"></div>
          <div class="field"><label for="to">\(ctx.t("截止日期", "To"))</label><input id="to" name="to" type="date" value="\(req.queryString("to") ?? "")"></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="/audit">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <div class="toolbar">
          <p class="count">\(ctx.t("共 \(page.total) 条记录", "\(page.total) entries"))</p>
          <div><a class="button" href="/audit/export.csv\(qs.string)">\(ctx.t("导出CSV", "Export CSV"))</a></div>
        </div>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有符合条件的记录。", "No entry matches."))</p>") : """
        <div class="table-wrap"><table class="data compact">
          <thead><tr><th scope="col">#</th><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">\(ctx.t("操作人", "Actor"))</th><th scope="col">\(ctx.t("操作", "Action"))</th><th scope="col">\(ctx.t("对象", "Entity"))</th><th scope="col">\(ctx.t("编号", "Id"))</th><th scope="col">\(ctx.t("变更（前 → 后）", "Changes (before → after)"))</th><th scope="col">\(ctx.t("来源", "Origin"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("审计日志", "Audit log"), content))
    }

    // MARK: password

    struct PasswordForm: Content {
        var current: String?
        var new: String?
        var confirm: String?
    }

    func passwordForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        return .html(passwordPage(ctx, issues: [], done: false))
    }

    func passwordPage(_ ctx: PageContext, issues: [FieldIssue], done: Bool) -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let content: HTML = """
        \(done ? Layout.flash(ctx.t("密码已修改。", "Your password has been changed.")) : "")
        \(f.summary())
        <form method="post" action="/password" class="grid-form narrow-form">
          \(ctx.csrfField)
          \(f.text("current", ctx.t("当前密码", "Current password"), value: "", required: true, type: "password", attrs: "autocomplete=\"current-password\""))
          \(f.text("new", ctx.t("新密码", "New password"), value: "", required: true, type: "password", hint: ctx.t("至少\(LoginPolicy.minPasswordLength)位", "at least \(LoginPolicy.minPasswordLength) characters"), attrs: "autocomplete=\"new-password\""))
          \(f.text("confirm", ctx.t("再次输入新密码", "Repeat the new password"), value: "", required: true, type: "password", attrs: "autocomplete=\"new-password\""))
          <div class="actions"><button type="submit" class="primary">\(ctx.t("修改密码", "Change password"))</button></div>
        </form>
        """
        return Layout.page(ctx, title: ctx.t("修改密码", "Change password"), content)
    }

    func changePassword(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(PasswordForm.self)
        do {
            guard form.new == form.confirm else {
                throw DomainError.validation([FieldIssue(field: "confirm", zh: "两次输入的新密码不一致", en: "the two new passwords differ")])
            }
            try await req.zhiben.accounts.changePassword(actor: ctx.caller, current: form.current ?? "", new: form.new ?? "", origin: req.origin)
            // Whoever else was signed in with the old password is signed out; this browser stays in.
            if let id = ctx.caller.id, let token = req.auth?.token {
                try await req.zhiben.tokens.deleteSessions(userID: id, except: Secret.sha256(token))
            }
            return .html(passwordPage(ctx, issues: [], done: true))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(passwordPage(ctx, issues: issues, done: false), status: .unprocessableEntity)
        }
    }
}

/// Issuing an API key, shared by the admin page, the API and the command.
enum APIKeys {
    static func issue(name: String, creditCode: String, actor: Caller, services: ZhibenServices, origin: String?) async throws -> String {
        try actor.require(.apiKeyManage)
        var issues: [FieldIssue] = []
        let n = name.trimmingCharacters(in: .whitespaces)
        if n.isEmpty || n.count > 100 { issues.append(FieldIssue(field: "name", zh: "请填写名称（最多100字）", en: "name of 1–100 characters is required")) }
        let code = creditCode.trimmingCharacters(in: .whitespaces).uppercased()
        let enterprise = try await services.enterprises.repository.find(creditCode: code, scope: actor.scope)
        if enterprise == nil { issues.append(FieldIssue(field: "enterpriseCreditCode", zh: "未找到该统一社会信用代码的企业", en: "no enterprise with this credit code")) }
        guard issues.isEmpty, let enterprise else { throw DomainError.validation(issues) }
        let secret = Secret.make()
        let prefix = String(secret.prefix(8))
        let full = Tokens.apiKeyPrefix + secret
        let key = APIKey(name: n, enterpriseID: enterprise.id, prefix: prefix, createdBy: actor.username, createdAt: services.clock.now())
        try await services.tokens.createAPIKey(key, secretHash: Secret.sha256(full), audit: AuditContext(actor: actor, at: key.createdAt, origin: origin))
        return full
    }
}
