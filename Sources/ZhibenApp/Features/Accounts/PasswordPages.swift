import Foundation
import Vapor
import ZhibenDomain

/// One's own password.
struct PasswordPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.password, use: passwordForm)
        routes.post(WebRoute.password, use: changePassword)
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
        <form method="post" action="\(SitePath.password.path)" class="grid-form narrow-form">
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
                try await req.zhiben.sessions.endAll(userID: id, keeping: token)
            }
            return .html(passwordPage(ctx, issues: [], done: true))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(passwordPage(ctx, issues: issues, done: false), status: .unprocessableEntity)
        }
    }
}
