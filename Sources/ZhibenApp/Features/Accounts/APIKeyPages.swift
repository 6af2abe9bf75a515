import Foundation
import Vapor
import ZhibenDomain

/// API keys for machine clients: issue (shown once), list, revoke.
struct APIKeyPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.apiKeys, use: apiKeys)
        routes.post(WebRoute.apiKeys, use: createAPIKey)
        routes.post(WebRoute.apiKeyRevoke, use: revokeAPIKey)
    }

    // MARK: API keys

    struct KeyForm: Content {
        var name: String?
        var enterpriseCreditCode: String?
        /// The enterprise the picker chose (its id); the typed text is `enterpriseCreditCode`.
        var enterprisePick: String?
    }

    func apiKeys(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.apiKeyManage)
        return .html(try await keysPage(ctx, req: req, issues: [], newKey: nil, form: KeyForm()))
    }

    func keysPage(_ ctx: PageContext, req: Request, issues: [FieldIssue], newKey: String?, form: KeyForm) async throws -> HTML {
        let keys = try await req.zhiben.apiKeys.list(actor: ctx.caller)
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        // Each key's enterprise and creator by name.
        let enterprises = try await req.zhiben.enterprises.repository.find(ids: keys.map(\.enterpriseID), scope: .city)
        let names = try await ActorNames.load(req, keys.map(\.createdBy))
        let rows = keys.map { k -> HTML in
            """
            <tr\(HTML(raw: k.revokedAt == nil ? "" : " class=\"inactive\""))><td>\(k.name)</td><td class="mono"><code>\(APIKey.secretPrefix)\(k.prefix)</code>…</td><td>\(enterprises[k.enterpriseID]?.profile.name ?? ctx.t("（企业已删除）", "(enterprise gone)"))</td>
            <td>\(names(k.createdBy))，\(ChinaTime.display(k.createdAt))</td><td>\(k.lastUsedAt.map { ChinaTime.display($0) } ?? "—")</td>
            <td>\(k.revokedAt.map { HTML("<span class=\"tag\">\(ctx.t("已吊销", "revoked")) \(ChinaTime.display($0))</span>") } ?? """
            <form method="post" action="\(SitePath.apiKeyRevoke(k.id).path)" class="inline confirm" data-confirm="\(ctx.t("吊销后使用该密钥的网关将无法访问，确认吊销？", "Clients using this key will lose access. Revoke?"))">\(ctx.csrfField)<button type="submit" class="danger">\(ctx.t("吊销", "Revoke"))</button></form>
            """)</td></tr>
            """
        }
        let content: HTML = """
        \(newKey.map { HTML("<div class=\"flash ok\" role=\"status\"><p>\(ctx.t("密钥已签发。它只显示这一次，请立即复制保存：", "Key issued. It is shown only once; copy it now:"))</p><p><code class=\"secret\">\($0)</code></p></div>") } ?? "")
        <p>\(HTML(raw: ctx.t("接口密钥供企业网关等机器客户端调用 <code>/api/v1</code>，以 <code>Authorization: Bearer</code> 方式发送，只能访问所属企业。", "API keys let machine clients (enterprise gateways) call /api/v1 with Authorization: Bearer; a key sees only its enterprise.")))</p>
        \(keys.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚未签发密钥。", "No keys issued yet."))</p>") : """
        <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("前缀", "Prefix"))</th><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("签发", "Issued"))</th><th scope="col">\(ctx.t("最近使用", "Last used"))</th><th scope="col">\(ctx.t("状态", "State"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
        """)
        <section class="panel">
          <h2>\(ctx.t("签发新密钥", "Issue a key"))</h2>
          \(f.summary())
          <form method="post" action="\(SitePath.apiKeys.path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("name", ctx.t("用途名称", "Name"), value: form.name ?? "", required: true, hint: ctx.t("如：1号监测网关", "e.g. monitoring gateway 1")))
            \(EnterprisePicker.field(ctx, issues: issues, idName: "enterprisePick", textName: "enterpriseCreditCode", label: ctx.t("企业", "Enterprise"),
                                     selected: nil, typed: form.enterpriseCreditCode ?? "", errorKey: "enterpriseCreditCode", required: true))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("签发", "Issue"))</button></div>
          </form>
        </section>
        """
        return Layout.page(ctx, title: ctx.t("接口密钥", "API keys"), content)
    }

    func createAPIKey(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        var form = try req.content.decode(KeyForm.self)
        switch try await EnterprisePicker.resolve(req, id: form.enterprisePick, text: form.enterpriseCreditCode, field: "enterpriseCreditCode") {
        case .success(let e): form.enterpriseCreditCode = e?.profile.creditCode
        case .failure(let issue):
            return .html(try await keysPage(ctx, req: req, issues: [issue], newKey: nil, form: form), status: .unprocessableEntity)
        }
        do {
            let secret = try await req.zhiben.apiKeys.issue(name: form.name ?? "", creditCode: form.enterpriseCreditCode ?? "",
                                                            actor: ctx.caller, origin: req.origin)
            return .html(try await keysPage(ctx, req: req, issues: [], newKey: secret, form: KeyForm()))
        } catch let e as DomainError {
            guard let issues = e.fieldIssues else { throw e }
            return .html(try await keysPage(ctx, req: req, issues: issues, newKey: nil, form: form), status: .unprocessableEntity)
        }
    }

    func revokeAPIKey(req: Request) async throws -> Response {
        _ = try await req.zhiben.apiKeys.revoke(req.recordID("apikey"), actor: req.caller, origin: req.origin)
        return req.redirect(to: SitePath.apiKeys)
    }
}
