import Foundation
import Vapor
import ZhibenDomain

/// Accounts in the caller's scope: list, create, unlock, reset a password, deactivate.
struct UserPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.users, use: users)
        routes.post(WebRoute.users, use: createUser)
        routes.post(WebRoute.userUnlock, use: unlock)
        routes.post(WebRoute.userActive, use: setActive)
        routes.post(WebRoute.userPassword, use: resetPassword)
    }

    // MARK: users

    struct UserForm: Content {
        var username: String?
        var displayName: String?
        var role: String?
        var countyCode: String?
        var enterpriseCreditCode: String?
        /// The enterprise the picker chose (its id); the typed text is `enterpriseCreditCode`.
        var enterprisePick: String?
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
                              lockedOnly: try req.queryFlag("locked"))
        let page = try await req.zhiben.accounts.list(query, page: req.paging(defaultPer: 50), actor: ctx.caller)
        let now = req.zhiben.clock.now()
        var qs = QueryString()
        for k in ["q", "role", "locked"] { qs.set(k, req.queryString(k)) }
        let rows = page.items.map { u -> HTML in
            let locked = u.isLocked(at: now)
            let scope: String = u.countyCode.flatMap { County.named($0)?.label(lang) } ?? (u.enterpriseID != nil ? ctx.t("企业", "Enterprise") : "—")
            return """
            <tr\(HTML(raw: u.active ? "" : " class=\"inactive\""))>
              <td class="mono"><code>\(u.username)</code></td><td>\(u.displayName)</td><td>\(u.role.label(lang))</td><td>\(scope)</td>
              <td>\(u.lastLoginAt.map { ChinaTime.display($0) } ?? "—")</td>
              <td>\(locked ? HTML("<span class=\"tag red\">\(ctx.t("锁定至", "locked until")) \(ChinaTime.display(u.lockedUntil!))</span>") : (u.active ? HTML(raw: ctx.t("正常", "active")) : HTML("<span class=\"tag\">\(ctx.t("已停用", "inactive"))</span>")))</td>
              <td class="row-actions">
                \(HTML.when(locked && ctx.caller.can(.userUnlock)) { "<form method=\"post\" action=\"\(SitePath.userUnlock(u.id).path)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\">\(ctx.t("解锁", "Unlock"))</button></form>" })
                \(HTML.when(ctx.caller.can(.userUpdate) && u.id != ctx.caller.id) { """
                <details class="inline-reset"><summary>\(ctx.t("重置密码", "Reset password"))</summary>
                <form method="post" action="\(SitePath.userPassword(u.id).path)">\(ctx.csrfField)<label for="pw-\(u.id.uuidString)">\(ctx.t("新密码", "New password"))</label> <input id="pw-\(u.id.uuidString)" name="password" type="password" autocomplete="new-password" minlength="\(LoginPolicy.minPasswordLength)" required> <button type="submit">\(ctx.t("保存", "Save"))</button></form>
                </details>
                """ })
                \(HTML.when(ctx.caller.can(.userUpdate) && u.id != ctx.caller.id) { "<form method=\"post\" action=\"\(SitePath.userActive(u.id).path)\" class=\"inline confirm\" data-confirm=\"\(u.active ? ctx.t("确认停用该账号？", "Deactivate this account?") : ctx.t("确认恢复该账号？", "Reactivate this account?"))\">\(ctx.csrfField)<input type=\"hidden\" name=\"active\" value=\"\(u.active ? "false" : "true")\"><button type=\"submit\">\(u.active ? ctx.t("停用", "Deactivate") : ctx.t("恢复", "Reactivate"))</button></form>" })
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
        <form class="filters" method="get" action="\(SitePath.users.path)" role="search">
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
          <form method="post" action="\(SitePath.users.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("username", ctx.t("用户名", "Username"), value: form.username ?? "", required: true))
            \(f.text("displayName", ctx.t("姓名", "Display name"), value: form.displayName ?? "", required: true))
            \(f.select("role", ctx.t("角色", "Role"), options: labeledOptions(Role.self, lang), selected: form.role ?? "", required: true, blank: ctx.t("请选择", "Choose")))
            \(f.select("countyCode", ctx.t("所属县（县局、执法人员）", "County (county roles)"), options: County.all.map { ($0.code, $0.label(lang)) }, selected: form.countyCode ?? "", blank: "—"))
            \(EnterprisePicker.field(ctx, issues: issues, idName: "enterprisePick", textName: "enterpriseCreditCode", label: ctx.t("企业（企业用户）", "Enterprise (enterprise users)"),
                                     selected: nil, typed: form.enterpriseCreditCode ?? "", errorKey: "enterpriseCreditCode"))
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
        var form = try req.content.decode(UserForm.self)
        switch try await EnterprisePicker.resolve(req, id: form.enterprisePick, text: form.enterpriseCreditCode, field: "enterpriseCreditCode") {
        case .success(let e): form.enterpriseCreditCode = e?.profile.creditCode
        case .failure(let issue):
            return .html(try await usersPage(ctx, req: req, form: form, issues: [issue], flash: nil), status: .unprocessableEntity)
        }
        do {
            _ = try await req.zhiben.accounts.create(form.draft, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.users.done("created"))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await usersPage(ctx, req: req, form: form, issues: issues, flash: nil), status: .unprocessableEntity)
        }
    }

    func unlock(req: Request) async throws -> Response {
        _ = try await req.zhiben.accounts.unlock(req.recordID("user"), actor: req.caller, origin: req.origin)
        return req.redirect(to: SitePath.users.done("unlocked"))
    }

    struct PasswordResetForm: Content { var password: String? }

    func resetPassword(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.content.decode(PasswordResetForm.self)
        do {
            let user = try await req.zhiben.accounts.resetPassword(req.recordID("user"), newPassword: form.password ?? "", actor: ctx.caller, origin: req.origin)
            try await req.zhiben.sessions.endAll(userID: user.id)
            return req.redirect(to: SitePath.users.done("password"))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await usersPage(ctx, req: req, form: UserForm(), issues: issues, flash: nil), status: .unprocessableEntity)
        }
    }

    struct ActiveForm: Content { var active: String }

    func setActive(req: Request) async throws -> Response {
        let form = try req.content.decode(ActiveForm.self)
        _ = try await req.zhiben.accounts.setActive(req.recordID("user"), active: form.active == "true", actor: req.caller, origin: req.origin)
        return req.redirect(to: SitePath.users.done("updated"))
    }
}
