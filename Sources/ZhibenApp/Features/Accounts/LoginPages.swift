import Foundation
import Vapor
import ZhibenDomain

struct LoginPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.login, use: form)
        routes.post(WebRoute.login, use: login)
        routes.post(WebRoute.logout, use: logout)
        routes.post(WebRoute.language, use: language)
    }

    struct LoginForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    func form(req: Request) async throws -> Response {
        if req.auth?.user != nil { return req.redirect(to: "/") }
        return render(req: req, username: "", error: nil, next: req.queryString("next"))
    }

    func render(req: Request, username: String, error: String?, next: String?, status: HTTPResponseStatus = .ok) -> Response {
        let lang = req.queryString("lang").flatMap(Language.init(rawValue:)) ?? req.language
        let csrf = req.cookies[Cookies.loginCSRF]?.string ?? Secret.make()
        let other: Language = lang == .zh ? .en : .zh
        let body: HTML = """
        <main class="login" id="main">
          <div class="login-card">
            <p class="brand-large">治本</p>
            <h1>\(lang.t("吕梁市冶金工贸行业安全生产治本攻坚平台", "Lüliang Metallurgy & Trade Safety Campaign"))</h1>
            \(error.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
            <form method="post" action="\(SitePath.login.path)">
              <input type="hidden" name="_csrf" value="\(csrf)">
              <input type="hidden" name="next" value="\(SitePath.localTarget(next))">
              <label for="username">\(lang.t("用户名", "Username"))</label>
              <input id="username" name="username" autocomplete="username" required value="\(username)" autofocus>
              <label for="password">\(lang.t("密码", "Password"))</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit" class="primary">\(lang.t("登录", "Sign in"))</button>
            </form>
            <p class="muted"><a href="\(SitePath.login.path)?lang=\(other.rawValue)" lang="\(other.rawValue)">\(other == .en ? "English" : "中文")</a></p>
          </div>
        </main>
        """
        let res = Response.html(Layout.document(lang: lang, title: lang.t("登录", "Sign in"), body: body), status: status)
        res.cookies[Cookies.loginCSRF] = req.cookie(csrf, maxAge: 3600)
        if let l = req.queryString("lang").flatMap(Language.init(rawValue:)) {
            res.cookies[Cookies.language] = req.cookie(l.rawValue, maxAge: 365 * 86_400, httpOnly: false)
        }
        return res
    }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let lang = req.language
        let username = form.username ?? ""
        do {
            let user = try await req.zhiben.accounts.login(username: username, password: form.password ?? "", origin: req.origin)
            let (token, _) = try await req.zhiben.sessions.start(for: user)
            let res = req.redirect(to: SitePath.localTarget(form.next), redirectType: .normal)
            res.cookies[Cookies.session] = req.cookie(token, maxAge: Int(req.zhiben.config.sessionTTL))
            res.cookies[Cookies.loginCSRF] = .expired
            res.cookies[Cookies.language] = req.cookie(user.locale.rawValue, maxAge: 365 * 86_400, httpOnly: false)
            return res
        } catch LoginError.invalidCredentials {
            return render(req: req, username: username, error: lang.t("用户名或密码错误。", "Wrong username or password."),
                          next: form.next, status: .unauthorized)
        } catch LoginError.locked(let until) {
            return render(req: req, username: username,
                          error: lang.t("连续\(LoginPolicy.maxFailures)次登录失败，账号已锁定至 \(ChinaTime.display(until))，或请管理员解锁。",
                                        "Locked after \(LoginPolicy.maxFailures) failed logins until \(ChinaTime.display(until)); an administrator can unlock it."),
                          next: form.next, status: .locked)
        } catch LoginError.throttled(let seconds) {
            let minutes = max(1, (seconds + 59) / 60)
            let res = render(req: req, username: username,
                             error: lang.t("此地址登录失败次数过多，请 \(minutes) 分钟后再试。", "Too many failed sign-ins from your address; try again in \(minutes) min."),
                             next: form.next, status: .tooManyRequests)
            res.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return res
        }
    }

    func logout(req: Request) async throws -> Response {
        if let a = req.auth, a.user != nil {
            try await req.zhiben.sessions.end(a.token, actor: a.caller, origin: req.origin)
        }
        let res = req.redirect(to: SitePath.login)
        res.cookies[Cookies.session] = .expired
        return res
    }

    struct LanguageForm: Content {
        var language: String
        var next: String?
    }

    func language(req: Request) async throws -> Response {
        let form = try req.content.decode(LanguageForm.self)
        let lang = Language(rawValue: form.language) ?? .zh
        if let a = req.auth { try await req.zhiben.accounts.setLocale(actor: a.caller, locale: lang) }
        let res = req.redirect(to: SitePath.localTarget(form.next))
        res.cookies[Cookies.language] = req.cookie(lang.rawValue, maxAge: 365 * 86_400, httpOnly: false)
        return res
    }
}
