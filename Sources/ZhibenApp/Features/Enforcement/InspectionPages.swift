import Foundation
import Vapor
import ZhibenDomain

/// Inspections: the list, and the field page an inspector works through on a phone: the enterprise's
/// open alarms and hazards, then its checklist, each item passed, failed or not applicable. The page
/// keeps a draft on the device while it is filled in (app.js), and the server refuses a save based on
/// an older version, saying so, so that nothing is overwritten silently.
struct InspectionPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let e = routes.grouped("enforcement")
        e.get("inspections", use: list)
        e.get("inspections", ":id", use: show)
        e.post("inspections", ":id", use: save)
        e.post("draws", ":id", "inspections", use: fromDraw)
    }

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let state = req.queryString("state").flatMap(Inspection.State.init(rawValue:))
        let page = try await req.zhiben.inspections.list(InspectionQuery(state: state), page: req.paging(), actor: ctx.caller)
        let rows = page.items.map { i -> HTML in
            """
            <tr><td><a href="\(SitePath.inspection(i.id).path)">\(i.enterpriseName)</a></td><td>\(i.style.label(ctx.lang))</td><td>\(i.plannedOn)</td>
              <td>\(i.inspectorNames.joined(separator: "、"))\(i.expertName.map { "；" + $0 } ?? "")</td><td>\(i.state.label(ctx.lang))</td></tr>
            """
        }
        let states = Inspection.State.allCases.map { ($0.rawValue, $0.label(ctx.lang)) }
        let content: HTML = """
        <form class="filters" method="get" action="\(SitePath.inspections.path)">
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(states, selected: state?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 次检查", "\(page.total) inspections"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有检查任务。揭晓双随机抽取后可生成检查任务。", "No inspections. Reveal a random draw to make its inspections."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("方式", "Style"))</th><th scope="col">\(ctx.t("计划日期", "Planned"))</th><th scope="col">\(ctx.t("检查人员", "Inspectors"))</th><th scope="col">\(ctx.t("状态", "State"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: QueryString().with("state", state?.rawValue), lang: ctx.lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("执法检查", "Inspections"), content))
    }

    func fromDraw(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        struct Form: Content { var plannedOn: String? }
        let form = try req.content.decode(Form.self)
        let id = try req.recordID("draw")
        do {
            _ = try await req.zhiben.inspections.createFromDraw(id, plannedOn: form.plannedOn ?? "", actor: ctx.caller, origin: req.origin)
        } catch let error as DomainError {
            guard let issue = error.fieldIssues?.first else { throw error }
            return req.redirect(to: SitePath.draw(id).path + "?problem=" + (issue.reason(ctx.lang).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return req.redirect(to: SitePath.inspections.path)
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let i = try await req.zhiben.inspections.get(req.recordID("inspection"), actor: ctx.caller)
        return .html(try await page(req, ctx, i, flash: req.queryString("done").map { $0 == "completed" ? ctx.t("检查已完成，不符合项已转为隐患。", "Completed; each failed item is now a hazard.") : ctx.t("已保存。", "Saved.") }))
    }

    func page(_ req: Request, _ ctx: PageContext, _ i: Inspection, flash: String? = nil, problem: String? = nil,
              typed: [String: (InspectionItemResult.Outcome?, String)]? = nil) async throws -> HTML {
        let checklist = try await req.zhiben.inspections.checklist(for: i)
        let results = Dictionary(i.results.map { ($0.item, $0) }, uniquingKeysWith: { a, _ in a })
        let alarms = (try? await req.zhiben.alarms.list(AlarmQuery(enterpriseID: i.enterpriseID, outOnly: true), page: Paging(per: 10), actor: .system).items) ?? []
        let hazards = (try? await req.zhiben.hazards.list(HazardQuery(states: HazardState.open, enterpriseID: i.enterpriseID), page: Paging(per: 10), actor: .system)) 
        let editable = (i.state == .planned || i.state == .inProgress) && ctx.caller.can(.hazardReport)
        func item(_ code: String, _ text: String, major: Bool) -> HTML {
            let r = results[code]
            let outcome = typed?[code]?.0 ?? r?.outcome
            let note = typed?[code]?.1 ?? r?.note ?? ""
            let radios = InspectionItemResult.Outcome.allCases.map { o -> HTML in
                "<label class=\"check\"><input type=\"radio\" name=\"o-\(code)\" value=\"\(o.rawValue)\"\(HTML(raw: outcome == o ? " checked" : ""))\(HTML(raw: editable ? "" : " disabled"))> \(o.label(ctx.lang))</label>"
            }
            return """
            <li class="check-item\(HTML(raw: outcome == .fail ? " failed" : ""))" data-item="\(code)">
              <p><span class="mono small">\(major ? code : ctx.t("本地", "local"))</span> \(text)</p>
              <div class="outcomes">\(radios)</div>
              \(HTML.when(editable || !note.isEmpty) { "<input type=\"text\" name=\"n-\(code)\" value=\"\(note)\" maxlength=\"500\" placeholder=\"\(ctx.t("说明（不符合时填写）", "Note (when failed)"))\" aria-label=\"\(ctx.t("说明", "Note"))\"\(HTML(raw: editable ? "" : " disabled"))>" })
              \(HTML.when(r?.hazardID != nil) { "<p class=\"small\"><a href=\"\(SitePath.hazard(r!.hazardID!).path)\">\(ctx.t("已转为隐患", "Became a hazard"))</a></p>" })
            </li>
            """
        }
        let items = checklist.criteria.map { item($0.id, ctx.lang == .en ? $0.summaryEn : $0.summaryZh, major: true) }
            + checklist.localItems.map { item($0.id.uuidString, $0.text, major: false) }
        let alarmList = alarms.map { a -> HTML in "<li><a href=\"\(SitePath.alarm(a.id).path)\">\(a.pointName) \(a.condition.label(ctx.lang))（\(a.level.label(ctx.lang))）</a></li>" }
        let hazardList = (hazards?.items ?? []).map { h -> HTML in "<li><a href=\"\(SitePath.hazard(h.id).path)\">\(h.title)</a>（\(h.state.label(ctx.lang))）</li>" }
        let filled = i.results.count
        return Layout.page(ctx, title: i.enterpriseName, """
        \(Layout.flash(flash))
        \(problem.map { HTML("<div class=\"flash error\" role=\"alert\">\($0)</div>") } ?? "")
        <section class="panel inspection-head">
          <p><strong>\(i.style.label(ctx.lang))</strong> · \(i.plannedOn) · \(i.state.label(ctx.lang))</p>
          <p>\(ctx.t("检查人员：", "Inspectors: "))\(i.inspectorNames.joined(separator: "、"))\(i.expertName.map { ctx.t("；专家：", "; expert: ") + $0 } ?? "")</p>
          <details\(HTML(raw: alarms.isEmpty && (hazards?.items.isEmpty ?? true) ? "" : " open"))><summary>\(ctx.t("未消除的报警 \(alarms.count) 条，未销号隐患 \(hazards?.total ?? 0) 项", "\(alarms.count) alarms out, \(hazards?.total ?? 0) open hazards"))</summary>
            \(HTML.when(!alarmList.isEmpty) { "<ul>\(alarmList)</ul>" })\(HTML.when(!hazardList.isEmpty) { "<ul>\(hazardList)</ul>" })
          </details>
        </section>
        <form method="post" action="\(SitePath.inspection(i.id).path)" class="inspection-form" data-draft="inspection-\(i.id.uuidString)" data-version="\(i.version)">
          \(ctx.csrfField)
          <input type="hidden" name="baseVersion" value="\(i.version)">
          <p class="muted small draft-note" hidden>\(ctx.t("本机有未提交的草稿，已恢复。", "An unsaved draft on this device was restored."))</p>
          <p class="flash error draft-note-stale" hidden>\(ctx.t("本机草稿基于较早的版本，服务器上的记录此后已被更新。已恢复您的草稿：请逐项核对，提交后将以草稿为准。", "The draft on this device began on an older version, and the record has changed since. Your draft is restored: check each item; submitting makes the draft the record."))</p>
          <p class="count">\(ctx.t("检查表 \(items.count) 项，已填 \(filled) 项", "\(items.count) checklist items, \(filled) filled"))</p>
          <ol class="checklist">\(items)</ol>
          <div class="field"><label for="summary">\(ctx.t("检查情况", "Summary"))</label><textarea id="summary" name="summary" rows="3" maxlength="2000"\(HTML(raw: editable ? "" : " disabled"))>\(i.summary)</textarea></div>
          \(HTML.when(editable) { """
          <div class="actions sticky">
            <button type="submit" name="action" value="save">\(ctx.t("保存", "Save"))</button>
            <button type="submit" name="action" value="complete" class="primary">\(ctx.t("保存并完成检查", "Save and complete"))</button>
          </div>
          """ })
        </form>
        """)
    }

    func save(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspection")
        let current = try await req.zhiben.inspections.get(id, actor: ctx.caller)
        let checklist = try await req.zhiben.inspections.checklist(for: current)
        let codes = checklist.criteria.map(\.id) + checklist.localItems.map(\.id.uuidString)
        var typed: [String: (InspectionItemResult.Outcome?, String)] = [:]
        var results: [InspectionItemResult] = []
        for code in codes {
            let outcome = (try? req.content.get(String.self, at: "o-\(code)")).flatMap(InspectionItemResult.Outcome.init(rawValue:))
            let note = ((try? req.content.get(String.self, at: "n-\(code)")) ?? "").trimmingCharacters(in: .whitespaces)
            typed[code] = (outcome, note)
            if let outcome { results.append(InspectionItemResult(item: code, outcome: outcome, note: note)) }
        }
        let base = (try? req.content.get(Int.self, at: "baseVersion")) ?? -1
        let summary = (try? req.content.get(String.self, at: "summary")) ?? ""
        let complete = (try? req.content.get(String.self, at: "action")) == "complete"
        do {
            var saved = try await req.zhiben.inspections.saveResults(id, results: results, summary: summary, baseVersion: base, actor: ctx.caller, origin: req.origin)
            if complete {
                saved = try await req.zhiben.inspections.perform(id, action: .complete, expectedVersion: saved.version, actor: ctx.caller, origin: req.origin)
                return req.redirect(to: SitePath.inspection(saved.id).done("completed"))
            }
            return req.redirect(to: SitePath.inspection(saved.id).done("saved"))
        } catch let error as DomainError {
            let problem: String
            switch error {
            case .staleVersion(_, _, let now):
                problem = ctx.t("该检查已在别处更新（当前版本 \(now)），您的修改尚未保存。本机草稿仍保留：请核对下方最新内容后重新提交。",
                                "This inspection was changed elsewhere (now version \(now)); your changes were not saved. Your draft stays on this device: check the current record below and submit again.")
                return .html(try await page(req, ctx, try await req.zhiben.inspections.get(id, actor: ctx.caller), problem: problem), status: .conflict)
            default:
                guard let issues = error.fieldIssues else { throw error }
                problem = issues.map { $0.reason(ctx.lang) }.joined(separator: "；")
                return .html(try await page(req, ctx, current, problem: problem, typed: typed), status: .unprocessableEntity)
            }
        }
    }
}
