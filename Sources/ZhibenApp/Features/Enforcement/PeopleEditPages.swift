import Foundation
import Vapor
import ZhibenDomain

/// Keeping the roster and the expert pool up to date: a renewed certificate, an officer off the roster,
/// an expert unavailable, and the enterprises each must not inspect (declared conflicts, entered by
/// unified social credit code).
struct PeopleEditPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.inspector, use: inspectorForm)
        routes.post(WebRoute.inspector, use: saveInspector)
        routes.get(WebRoute.expert, use: expertForm)
        routes.post(WebRoute.expert, use: saveExpert)
    }

    /// A list's name cell: a link to the entry's page for those who keep the roster.
    static func nameCell(_ name: String, _ path: SitePath, _ ctx: PageContext, permission: Permission = .rosterManage) -> HTML {
        ctx.caller.can(permission) ? "<a href=\"\(path.path)\">\(name)</a>" : "\(name)"
    }

    struct PersonForm: Content {
        var version: Int?
        var name: String?
        var certificateNo: String?
        var certificateValidUntil: String?
        var title: String?
        var employer: String?
        var countyCode: String?
        var specialties: [String]?
        var active: String?
        var conflicts: String?
    }

    /// The conflicts as the form shows them: one credit code per line, with the name for reading.
    func conflictLines(_ ids: [UUID], _ req: Request) async throws -> String {
        let found = try await req.zhiben.enterprises.conflictTargets(ids: ids, actor: try req.caller)
        return ids.compactMap { found[$0] }.map { "\($0.profile.creditCode) \($0.profile.name)" }.joined(separator: "\n")
    }

    /// Reads the conflicts typed: the first word of each line is a credit code of a registered enterprise.
    func parseConflicts(_ text: String?, _ req: Request) async throws -> [UUID] {
        var ids: [UUID] = []
        for line in (text ?? "").split(whereSeparator: \.isNewline) {
            guard let code = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "，" }).first.map(String.init) else { continue }
            guard let e = try await req.zhiben.enterprises.conflictTarget(creditCode: code.uppercased(), actor: try req.caller) else {
                throw DomainError.validation([FieldIssue(field: "conflicts", zh: "没有统一社会信用代码为 \(code) 的在册企业", en: "no registered enterprise has the credit code \(code)")])
            }
            if !ids.contains(e.id) { ids.append(e.id) }
        }
        return ids
    }

    func conflictsField(_ f: FormRenderer, _ ctx: PageContext, _ value: String) -> HTML {
        """
        <div class="field wide\(HTML(raw: f.issues.contains { $0.field == "conflicts" } ? " has-error" : ""))">
          <label for="f-conflicts">\(ctx.t("申报回避的企业（每行一个统一社会信用代码，其后可写企业名称）", "Declared conflicts (one unified social credit code per line; the name may follow)"))</label>
          <textarea id="f-conflicts" name="conflicts" rows="4">\(value)</textarea>
          \(f.errors("conflicts"))
        </div>
        """
    }

    // MARK: inspectors

    func inspectorForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.rosterManage)
        let i = try await req.zhiben.people.inspector(req.recordID("inspector"), actor: ctx.caller)
        return .html(try await inspectorPage(req, ctx, i, values: nil, issues: []))
    }

    func inspectorPage(_ req: Request, _ ctx: PageContext, _ i: RosterInspector, values: PersonForm?, issues: [FieldIssue], status: String? = nil) async throws -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let conflicts: String
        if let typed = values?.conflicts { conflicts = typed } else { conflicts = try await conflictLines(i.conflicts, req) }
        return Layout.page(ctx, title: "\(i.name) · \(ctx.t("执法人员名册", "Inspector roster"))", """
        \(status.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        \(f.summary())
        <form method="post" action="\(SitePath.inspector(i.id).path)" class="grid-form">
          \(ctx.csrfField)
          <input type="hidden" name="version" value="\(i.version)">
          \(f.text("name", ctx.t("姓名", "Name"), value: values?.name ?? i.name, required: true, attrs: "maxlength=\"50\""))
          \(f.text("certificateNo", ctx.t("执法证号", "Certificate number"), value: values?.certificateNo ?? i.certificateNo, required: true, attrs: "maxlength=\"50\""))
          \(f.text("certificateValidUntil", ctx.t("执法证有效期至", "Certificate valid until"), value: values?.certificateValidUntil ?? i.certificateValidUntil, required: true, type: "date"))
          \(f.checkboxes("specialties", ctx.t("专业", "Specialties"), options: labeledOptions(Specialty.self, ctx.lang), checked: Set(values?.specialties ?? i.specialties.map(\.rawValue))))
          <fieldset class="field checks"><legend>\(ctx.t("状态", "State"))</legend>
            <label class="check"><input type="checkbox" name="active" value="yes"\(HTML(raw: (values.map { $0.active == "yes" } ?? i.active) ? " checked" : ""))> \(ctx.t("在册，参与抽取", "On the roster: drawn"))</label></fieldset>
          \(conflictsField(f, ctx, conflicts))
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button> <a href="\(SitePath.inspectors.path)">\(ctx.t("返回名册", "Back to the roster"))</a></div>
        </form>
        """)
    }

    func saveInspector(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspector")
        let current = try await req.zhiben.people.inspector(id, actor: ctx.caller)
        let v = try req.content.decode(PersonForm.self)
        do {
            var next = current
            next.name = v.name ?? ""
            next.certificateNo = v.certificateNo ?? ""
            next.certificateValidUntil = v.certificateValidUntil ?? ""
            next.specialties = (v.specialties ?? []).compactMap(Specialty.init(rawValue:))
            next.active = v.active == "yes"
            next.conflicts = try await parseConflicts(v.conflicts, req)
            let saved = try await req.zhiben.people.updateInspector(id, next, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.inspectors.path + "?done=" + (saved.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        } catch let error as DomainError {
            if case .staleVersion = error {
                let fresh = try await req.zhiben.people.inspector(id, actor: ctx.caller)
                return .html(try await inspectorPage(req, ctx, fresh, values: nil, issues: [],
                                                     status: ctx.t("该人员信息已被他人修改，以下为最新内容，请重新修改后保存。", "Someone changed this entry meanwhile; this is the current one: change it again and save.")), status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await inspectorPage(req, ctx, current, values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    // MARK: experts

    func expertForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.expertPoolManage)
        let e = try await req.zhiben.people.expert(req.recordID("expert"), actor: ctx.caller)
        return .html(try await expertPage(req, ctx, e, values: nil, issues: []))
    }

    func expertPage(_ req: Request, _ ctx: PageContext, _ e: Expert, values: PersonForm?, issues: [FieldIssue], status: String? = nil) async throws -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let conflicts: String
        if let typed = values?.conflicts { conflicts = typed } else { conflicts = try await conflictLines(e.conflicts, req) }
        return Layout.page(ctx, title: "\(e.name) · \(ctx.t("专家库", "Expert pool"))", """
        \(status.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        \(f.summary())
        <form method="post" action="\(SitePath.expert(e.id).path)" class="grid-form">
          \(ctx.csrfField)
          <input type="hidden" name="version" value="\(e.version)">
          \(f.text("name", ctx.t("姓名", "Name"), value: values?.name ?? e.name, required: true, attrs: "maxlength=\"50\""))
          \(f.text("title", ctx.t("职称", "Title"), value: values?.title ?? e.title, attrs: "maxlength=\"50\""))
          \(f.text("employer", ctx.t("工作单位", "Employer"), value: values?.employer ?? e.employer, attrs: "maxlength=\"100\""))
          \(f.select("countyCode", ctx.t("所在县（市、区）", "Based in"), options: County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: values?.countyCode ?? e.countyCode ?? "", blank: ctx.t("不限", "Any")))
          \(f.checkboxes("specialties", ctx.t("专业", "Specialties"), options: labeledOptions(Specialty.self, ctx.lang), checked: Set(values?.specialties ?? e.specialties.map(\.rawValue))))
          <fieldset class="field checks"><legend>\(ctx.t("状态", "State"))</legend>
            <label class="check"><input type="checkbox" name="active" value="yes"\(HTML(raw: (values.map { $0.active == "yes" } ?? e.available) ? " checked" : ""))> \(ctx.t("可参加检查", "Available"))</label></fieldset>
          \(conflictsField(f, ctx, conflicts))
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button> <a href="\(SitePath.experts.path)">\(ctx.t("返回专家库", "Back to the pool"))</a></div>
        </form>
        """)
    }

    func saveExpert(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("expert")
        let current = try await req.zhiben.people.expert(id, actor: ctx.caller)
        let v = try req.content.decode(PersonForm.self)
        do {
            var next = current
            next.name = v.name ?? ""
            next.title = v.title ?? ""
            next.employer = v.employer ?? ""
            next.countyCode = v.countyCode.flatMap { $0.isEmpty ? nil : $0 }
            next.specialties = (v.specialties ?? []).compactMap(Specialty.init(rawValue:))
            next.available = v.active == "yes"
            next.conflicts = try await parseConflicts(v.conflicts, req)
            let saved = try await req.zhiben.people.updateExpert(id, next, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.experts.path + "?done=" + (saved.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        } catch let error as DomainError {
            if case .staleVersion = error {
                let fresh = try await req.zhiben.people.expert(id, actor: ctx.caller)
                return .html(try await expertPage(req, ctx, fresh, values: nil, issues: [],
                                                  status: ctx.t("该专家信息已被他人修改，以下为最新内容，请重新修改后保存。", "Someone changed this entry meanwhile; this is the current one: change it again and save.")), status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await expertPage(req, ctx, current, values: v, issues: issues), status: .unprocessableEntity)
        }
    }
}
