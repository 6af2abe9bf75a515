import Foundation
import Vapor
import ZhibenDomain

/// Choosing an enterprise: a text field that suggests enterprises as one types (name, credit code or
/// pinyin initials, in the caller's scope, from `/enterprises/suggest`) and keeps the chosen one's id in
/// a hidden field. Without the script the text alone is sent and `resolve` finds the enterprise it names.
enum EnterprisePicker {
    /// A form field. `textName` carries what was typed (nil: only the id is sent, as in a list's filters);
    /// `idName` the chosen enterprise's id.
    static func field(_ ctx: PageContext, issues: [FieldIssue] = [], idName: String, textName: String?, label: String,
                      selected: Enterprise?, typed: String = "", errorKey: String? = nil, required: Bool = false, filter: Bool = false) -> HTML {
        let key = errorKey ?? idName
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let inputID = "f-picker-\(idName)"
        let listID = "\(inputID)-list"
        let hasError = issues.contains { $0.field == key }
        let shown = selected.map { "\($0.profile.name)" } ?? typed
        return """
        <div class="field picker\(HTML(raw: filter ? " grow" : " wide"))\(HTML(raw: hasError ? " has-error" : ""))" data-picker="\(WebRoute.enterpriseSuggest.path())">
          <label for="\(inputID)">\(label)\(HTML(raw: required ? " <abbr title=\"必填\" class=\"req\">*</abbr>" : ""))</label>
          <input id="\(inputID)"\(HTML(raw: textName.map { " name=\"\($0)\"" } ?? "")) type="search" value="\(shown)" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="\(listID)" placeholder="\(ctx.t("名称、信用代码或拼音首字母", "Name, credit code or pinyin initials"))"\(HTML(raw: hasError ? " aria-invalid=\"true\" aria-describedby=\"err-\(key)\"" : ""))>
          <input type="hidden" name="\(idName)" value="\(selected?.id.uuidString ?? "")" data-picker-id>
          <ul id="\(listID)" class="picker-list" role="listbox" hidden></ul>
          \(HTML.when(selected != nil && !filter) { "<span class=\"hint\" data-picker-chosen>\(ctx.t("已选：", "Chosen: "))\(selected!.profile.creditCode) · \(County.named(selected!.profile.countyCode)?.label(ctx.lang) ?? "")</span>" })
          \(f.errors(key))
        </div>
        """
    }

    /// The enterprise a form names: by the id the picker set, else by the typed text (credit code, exact
    /// name, or the single match). Nil with nothing given; a field issue when nothing or several match.
    enum Resolved {
        case success(Enterprise?)
        case failure(FieldIssue)
    }

    static func resolve(_ req: Request, id: String?, text: String?, field: String) async throws -> Resolved {
        let caller = try req.caller
        if let raw = id?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let outside = FieldIssue(field: field, zh: "所选企业不存在或不在您的辖区内", en: "the chosen enterprise does not exist or is outside your jurisdiction")
            guard let uuid = UUID(uuidString: raw) else { return .failure(outside) }
            do {
                return .success(try await req.zhiben.enterprises.get(uuid, actor: caller))
            } catch DomainError.notFound {
                return .failure(outside)
            }
        }
        guard let typed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !typed.isEmpty else { return .success(nil as Enterprise?) }
        switch try await req.zhiben.enterprises.pick(typed, actor: caller) {
        case .one(let e): return .success(e)
        case .none:
            return .failure(FieldIssue(field: field, zh: "未找到“\(typed)”对应的企业（或不在您的辖区内）", en: "no enterprise in your jurisdiction matches “\(typed)”"))
        case .many(let some, let total):
            let names = some.prefix(3).map(\.profile.name).joined(separator: "、")
            return .failure(FieldIssue(field: field, zh: "“\(typed)”匹配到\(total)家企业（\(names)等），请从列表中选择一家或输入统一社会信用代码",
                                       en: "“\(typed)” matches \(total) enterprises (\(names)…): choose one from the list or type its credit code"))
        }
    }

    struct Suggestion: Content {
        let id: UUID
        let name: String
        let creditCode: String
        let county: String
    }

    /// `GET /enterprises/suggest?q=`: up to eight active enterprises in the caller's scope.
    static func suggest(req: Request) async throws -> Response {
        let caller = try req.caller
        let q = (req.queryString("q") ?? "").trimmingCharacters(in: .whitespaces)
        var items: [Suggestion] = []
        if !q.isEmpty {
            let page = try await req.zhiben.enterprises.list(EnterpriseQuery(search: String(q.prefix(60))), page: Paging(per: 8), actor: caller)
            items = page.items.map { Suggestion(id: $0.id, name: $0.profile.name, creditCode: $0.profile.creditCode,
                                                county: County.named($0.profile.countyCode)?.label(req.language) ?? $0.profile.countyCode) }
        }
        let res = try Response(status: .ok, body: .init(data: JSONEncoder().encode(items)))
        res.headers.contentType = .json
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }
}

extension EnterprisePicker {
    /// A list's filter by enterprise (`?enterprise=<id>`), showing the chosen one's name; nothing for an
    /// enterprise's own accounts, which see one enterprise only.
    static func filter(_ ctx: PageContext, _ req: Request) async -> HTML {
        if case .enterprise = ctx.caller.scope { return "" }
        let chosen: Enterprise? = if let id = req.queryString("enterprise").flatMap(UUID.init(uuidString:)) {
            try? await req.zhiben.enterprises.get(id, actor: ctx.caller)
        } else { nil }
        return field(ctx, idName: "enterprise", textName: nil, label: ctx.t("企业", "Enterprise"), selected: chosen, filter: true)
    }
}
