import Foundation
import Vapor
import ZhibenDomain

/// Inspections: the list, and the field page an inspector works through on a phone: the enterprise's
/// open alarms and hazards, then its checklist, each item passed, failed or not applicable. The page
/// keeps a draft on the device while it is filled in (app.js), and the server refuses a save based on
/// an older version, saying so, so that nothing is overwritten silently.
struct InspectionPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.inspections, use: list)
        routes.get(WebRoute.inspectionNew, use: newForm)
        routes.post(WebRoute.inspections, use: create)
        routes.get(WebRoute.inspection, use: show)
        routes.post(WebRoute.inspection, use: save)
        routes.post(WebRoute.drawInspections, use: fromDraw)
        routes.get(WebRoute.inspectionPrint, use: print)
        routes.post(WebRoute.inspectionPhotos, body: .collect(maxSize: "48mb"), use: uploadPhoto)
        routes.get(WebRoute.inspectionPhoto, use: { try await InspectionPhotoResponse.serve($0) })
        routes.post(WebRoute.inspectionPenalties, use: addPenalty)
        routes.post(WebRoute.inspectionExams, use: addExams)
        routes.post(WebRoute.examReexam, use: reexam)
    }

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let state = try req.queryEnum("state", Inspection.State.self)
        let county = try req.queryCounty()
        let enterpriseID = req.queryString("enterprise").flatMap(UUID.init(uuidString:))
        let page = try await req.zhiben.inspections.list(InspectionQuery(state: state, enterpriseID: enterpriseID, countyCode: county), page: req.paging(), actor: ctx.caller)
        let qs = QueryString().with("state", state?.rawValue).with("county", county).with("enterprise", enterpriseID?.uuidString)
        let rows = page.items.map { i -> HTML in
            """
            <tr><td><a href="\(SitePath.inspection(i.id).path)">\(i.enterpriseName)</a></td><td>\(i.style.label(ctx.lang))</td><td>\(i.plannedOn)</td>
              <td>\(i.inspectorNames.joined(separator: "、"))\(i.expertName.map { "；" + $0 } ?? "")</td><td>\(i.state.label(ctx.lang))</td></tr>
            """
        }
        let states = Inspection.State.allCases.map { ($0.rawValue, $0.label(ctx.lang)) }
        let content: HTML = """
        <form class="filters" method="get" action="\(SitePath.inspections.path)">
          \(await EnterprisePicker.filter(ctx, req))
          \(HTML.when(ctx.caller.scope == .city) { "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: county, blank: ctx.t("全部", "All")))</select></div>" })
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(states, selected: state?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.inspections.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 次检查", "\(page.total) inspections"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有检查任务。揭晓双随机抽取后可生成检查任务。", "No inspections. Reveal a random draw to make its inspections."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("方式", "Style"))</th><th scope="col">\(ctx.t("计划日期", "Planned"))</th><th scope="col">\(ctx.t("检查人员", "Inspectors"))</th><th scope="col">\(ctx.t("状态", "State"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("执法检查", "Inspections"), content))
    }

    struct PhotoForm: Content { var photo: File? }

    /// A checklist item's element id on the field page (criterion ids and local item ids are safe in one).
    static func itemAnchor(_ code: String) -> String { "item-" + code }

    /// A photo of one checklist item from the field page; the page comes back at that item, and the
    /// draft kept on the device restores what was not yet saved.
    func uploadPhoto(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspection")
        let item = req.queryString("item") ?? ""
        do {
            guard let file = try req.content.decode(PhotoForm.self).photo, file.data.readableBytes > 0 else {
                throw DomainError.validation([FieldIssue(field: "photo", zh: "请选择照片", en: "choose a photo")])
            }
            let photo = try await req.zhiben.inspections.addPhoto(id, item: item, data: Data(buffer: file.data), actor: ctx.caller, origin: req.origin)
            // Not ?done=: that would drop the draft kept on the device, which is not saved yet.
            return req.redirect(to: SitePath.inspection(id).path + "?uploaded=photo#" + Self.itemAnchor(photo.item))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let i = try await req.zhiben.inspections.get(id, actor: ctx.caller)
            return .html(try await page(req, ctx, i, problem: issues.map { $0.reason(ctx.lang) }.joined(separator: " ")), status: .unprocessableEntity)
        }
    }

    struct NewForm: Content {
        var enterprise: String?
        var origin: String?
        var originId: String?
        var style: String?
        var plannedOn: String?
        var inspectors: [String]?
        var expert: String?
    }

    /// Arranges an inspection by hand: of a plan's key enterprise, after an alarm (线上预警、线下执法),
    /// on a public report, or for any other cause. The officers offered are those with a valid
    /// certificate and no declared conflict; at least two are chosen.
    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let form = try req.query.decode(NewForm.self)
        return .html(try await newPage(req, ctx, form, issues: []))
    }

    func newPage(_ req: Request, _ ctx: PageContext, _ v: NewForm, issues: [FieldIssue]) async throws -> HTML {
        guard let enterpriseID = v.enterprise.flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "enterprise") }
        let staffing = try await req.zhiben.inspections.staffing(enterpriseID: enterpriseID, actor: ctx.caller)
        let origin = v.origin.flatMap(InspectionOrigin.init(rawValue:)) ?? .manual
        let originID = v.originId.flatMap(UUID.init(uuidString:))
        // What the inspection answers, with a link to it, and the inspections already arranged for it.
        var cause: HTML?
        switch origin {
        case .alarm:
            if let id = originID, let a = try? await req.zhiben.alarms.get(id, actor: ctx.caller) {
                cause = "<a href=\"\(SitePath.alarm(a.id).path)\">\(a.pointName)：\(a.conditionLabel(ctx.lang))（\(a.level.label(ctx.lang))）\(ChinaTime.display(a.raisedAt))</a>"
            }
        case .publicReport:
            if let id = originID, let h = try? await req.zhiben.hazards.get(id, actor: ctx.caller) {
                cause = "<a href=\"\(SitePath.hazard(h.id).path)\">\(h.title)</a>（\(h.source.label(ctx.lang))）"
            }
        case .plan:
            cause = "\(ctx.t("执法计划重点检查企业", "A key enterprise of the plan"))\(v.plannedOn.map { "（\($0.prefix(7))）" } ?? "")"
        default: break
        }
        let earlier = try await req.zhiben.inspections.list(InspectionQuery(enterpriseID: enterpriseID), page: Paging(per: 5), actor: ctx.caller)
        let open = earlier.items.filter { $0.state == .planned || $0.state == .inProgress }
        let defaultStyle: InspectionStyle = switch origin {
        case .alarm, .publicReport: .unannounced
        default: .routine
        }
        let style = v.style.flatMap(InspectionStyle.init(rawValue:)) ?? defaultStyle
        let chosen = Set(v.inspectors ?? [])
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        func officers(_ list: [RosterInspector]) -> [(String, String)] {
            list.map { ($0.id.uuidString, "\($0.name)（\(County.named($0.countyCode)?.label(ctx.lang) ?? $0.countyCode)，\(ctx.t("证号", "cert.")) \($0.certificateNo)）") }
        }
        let today = ChinaTime.day(req.zhiben.clock.now())
        let e = staffing.enterprise
        return Layout.page(ctx, title: ctx.t("安排执法检查", "Arrange an inspection"), """
        \(f.summary())
        <section class="panel">
          <dl class="facts">
            <dt>\(ctx.t("企业", "Enterprise"))</dt><dd><a href="\(SitePath.enterprise(e.id).path)">\(e.profile.name)</a> · \(County.named(e.profile.countyCode)?.label(ctx.lang) ?? e.profile.countyCode) · \(e.grade.rawValue)</dd>
            <dt>\(ctx.t("来源", "Origin"))</dt><dd>\(origin.label(ctx.lang))\(cause.map { "：\($0)" as HTML } ?? "")</dd>
          </dl>
          \(HTML.when(!open.isEmpty) { "<p class=\"flash warning\">\(ctx.t("该企业已有未完成的检查：", "This enterprise has inspections not yet done: "))\(HTML.join(open.map { " <a href=\"\(SitePath.inspection($0.id).path)\">\($0.plannedOn) \($0.style.label(ctx.lang))</a>" as HTML }))</p>" })
        </section>
        <form method="post" action="\(SitePath.inspections.path)" class="grid-form">
          \(ctx.csrfField)
          <input type="hidden" name="enterprise" value="\(e.id.uuidString)">
          <input type="hidden" name="origin" value="\(origin.rawValue)">
          \(HTML.when(originID != nil) { "<input type=\"hidden\" name=\"originId\" value=\"\(originID!.uuidString)\">" })
          \(f.errors("origin"))\(f.errors("originId"))
          \(f.select("style", ctx.t("检查方式", "Style"), options: InspectionStyle.allCases.map { ($0.rawValue, $0.label(ctx.lang)) }, selected: style.rawValue, required: true))
          \(f.text("plannedOn", ctx.t("计划日期", "Planned on"), value: v.plannedOn ?? today, required: true, type: "date"))
          \(staffing.own.isEmpty ? HTML("<p class=\"flash warning wide\">\(ctx.t("本县没有可安排的执法人员（执法证有效、未申报回避）：请先补充名册，或选择异地交叉检查。", "The county has no officer who can be assigned (valid certificate, no conflict): add to the roster, or inspect cross-county."))</p>") : f.checkboxes("inspectors", ctx.t("执法人员（至少2名）", "Inspectors (at least two)"), options: officers(staffing.own), checked: chosen))
          \(HTML.when(!staffing.others.isEmpty) { """
          <details class="wide"\(HTML(raw: style == .crossCounty || !chosen.isDisjoint(with: staffing.others.map(\.id.uuidString)) ? " open" : ""))><summary>\(ctx.t("其他县（市、区）执法人员（异地交叉检查）", "Officers of other counties (cross-county)"))</summary>
            \(FormRenderer(lang: ctx.lang, issues: []).checkboxes("inspectors", ctx.t("执法人员", "Inspectors"), options: officers(staffing.others), checked: chosen))
          </details>
          """ })
          \(f.select("expert", ctx.t("专家（可选）", "Expert (optional)"), options: staffing.experts.map { ($0.id.uuidString, "\($0.name)（\($0.title)，\($0.employer)）") }, selected: v.expert ?? "", blank: ctx.t("不安排专家", "No expert")))
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("安排检查", "Arrange the inspection"))</button> <a href="\(SitePath.enterprise(e.id).path)">\(ctx.t("取消", "Cancel"))</a></div>
        </form>
        """)
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(NewForm.self)
        guard let enterpriseID = v.enterprise.flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "enterprise") }
        do {
            guard let style = v.style.flatMap(InspectionStyle.init(rawValue:)) else {
                throw DomainError.validation([FieldIssue(field: "style", zh: "请选择检查方式", en: "choose a style")])
            }
            let i = try await req.zhiben.inspections.create(
                enterpriseID: enterpriseID, style: style, origin: v.origin.flatMap(InspectionOrigin.init(rawValue:)) ?? .manual,
                originID: v.originId.flatMap(UUID.init(uuidString:)), inspectorIDs: (v.inspectors ?? []).compactMap(UUID.init(uuidString:)),
                expertID: v.expert.flatMap(UUID.init(uuidString:)), plannedOn: v.plannedOn ?? "", actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.inspection(i.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await newPage(req, ctx, v, issues: issues), status: .unprocessableEntity)
        }
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
        return .html(try await page(req, ctx, i, flash: req.queryString("done").map {
            switch $0 {
            case "completed": ctx.t("检查已完成，不符合项已转为隐患。", "Completed; each failed item is now a hazard.")
            case "created": ctx.t("检查任务已安排。", "The inspection is arranged.")
            default: ctx.t("已保存。", "Saved.")
            }
        } ?? req.queryString("uploaded").map { _ in ctx.t("照片已上传，完成检查时随不符合项转入隐患。", "Photo uploaded; it goes with the failed item's hazard when the inspection is completed.") }))
    }

    /// Where an inspection came from, with a link to that record.
    static func origin(_ i: Inspection, _ ctx: PageContext) -> HTML {
        let label = i.origin.label(ctx.lang)
        guard let id = i.originID else { return "\(label)" }
        let href: String? = switch i.origin {
        case .draw: SitePath.draw(id).path
        case .alarm: SitePath.alarm(id).path
        case .publicReport: SitePath.hazard(id).path
        case .plan, .manual: nil
        }
        return href.map { "<a href=\"\($0)\">\(label)</a>" } ?? "\(label)"
    }

    func page(_ req: Request, _ ctx: PageContext, _ i: Inspection, flash: String? = nil, problem: String? = nil,
              typed: [String: (InspectionItemResult.Outcome?, String)]? = nil, unanswered: Set<String> = []) async throws -> HTML {
        let checklist = try await req.zhiben.inspections.checklist(for: i)
        let results = Dictionary(i.results.map { ($0.item, $0) }, uniquingKeysWith: { a, _ in a })
        let onSite = try? await req.zhiben.inspections.onSite(i, actor: ctx.caller)
        let alarms = onSite?.alarms ?? []
        let hazards = onSite?.hazards
        let editable = (i.state == .planned || i.state == .inProgress) && ctx.caller.can(.hazardReport)
        let photos = Dictionary(grouping: try await req.zhiben.inspections.photos(i.id, actor: ctx.caller), by: \.item)
        var uploadForms: [HTML] = []
        func item(_ n: Int, _ code: String, _ text: String, major: Bool) -> HTML {
            let r = results[code]
            let outcome = typed?[code]?.0 ?? r?.outcome
            let note = typed?[code]?.1 ?? r?.note ?? ""
            let radios = InspectionItemResult.Outcome.allCases.map { o -> HTML in
                "<label class=\"check\"><input type=\"radio\" name=\"o-\(code)\" value=\"\(o.rawValue)\"\(HTML(raw: outcome == o ? " checked" : ""))\(HTML(raw: editable ? "" : " disabled"))> \(o.label(ctx.lang))</label>"
            }
            let mine = photos[code] ?? []
            let thumbs = mine.map { p -> HTML in
                "<a href=\"\(SitePath.inspectionPhoto(i.id, p.id).path)\" target=\"_blank\"><img src=\"\(SitePath.inspectionPhoto(i.id, p.id).path)\" alt=\"\(ctx.t("现场照片", "Photo"))\" loading=\"lazy\"></a>"
            }
            // The upload is its own form (an input may name its form), shown once the item is marked failed.
            let canUpload = editable && mine.count < InspectionService.maxPhotosPerItem
            if canUpload {
                uploadForms.append("""
                <form id="ph-\(n)" method="post" action="\(SitePath.inspectionPhotos(i.id).path)?item=\(code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? code)" enctype="multipart/form-data" hidden>\(ctx.csrfField)</form>
                """)
            }
            return """
            <li class="check-item\(HTML(raw: outcome == .fail ? " failed" : ""))\(HTML(raw: unanswered.contains(code) ? " unanswered" : ""))" id="\(Self.itemAnchor(code))" data-item="\(code)">
              <p><span class="mono small">\(major ? code : ctx.t("本地", "local"))</span> \(text)</p>
              <div class="outcomes">\(radios)</div>
              \(HTML.when(editable || !note.isEmpty) { "<input type=\"text\" name=\"n-\(code)\" value=\"\(note)\" maxlength=\"500\" placeholder=\"\(ctx.t("说明（不符合时填写；未检查须写明原因）", "Note (when failed; the reason when not checked)"))\" aria-label=\"\(ctx.t("说明", "Note"))\"\(HTML(raw: editable ? "" : " disabled"))>" })
              \(HTML.when(!thumbs.isEmpty) { "<div class=\"thumbs\">\(thumbs)</div>" })
              \(HTML.when(canUpload) { """
              <div class="photo-upload"><input type="file" name="photo" accept="image/jpeg,image/png,image/webp" capture="environment" form="ph-\(n)" aria-label="\(ctx.t("拍照或选择照片", "Take or choose a photo"))" required>
                <button type="submit" form="ph-\(n)">\(ctx.t("上传照片", "Upload photo"))</button></div>
              """ })
              \(HTML.when(r?.hazardID != nil) { "<p class=\"small\"><a href=\"\(SitePath.hazard(r!.hazardID!).path)\">\(ctx.t("已转为隐患", "Became a hazard"))</a></p>" })
            </li>
            """
        }
        let items = checklist.criteria.enumerated().map { item($0, $1.id, ctx.lang == .en ? $1.summaryEn : $1.summaryZh, major: true) }
            + checklist.localItems.enumerated().map { item(checklist.criteria.count + $0, $1.id.uuidString, $1.text, major: false) }
        let alarmList = alarms.map { a -> HTML in "<li><a href=\"\(SitePath.alarm(a.id).path)\">\(a.pointName) \(a.conditionLabel(ctx.lang))（\(a.level.label(ctx.lang))）</a></li>" }
        let hazardList = (hazards?.items ?? []).map { h -> HTML in "<li><a href=\"\(SitePath.hazard(h.id).path)\">\(h.title)</a>（\(h.state.label(ctx.lang))）</li>" }
        let codes = Set(checklist.itemCodes)
        let answered = i.results.filter { codes.contains($0.item) }
        let tally = Dictionary(grouping: answered, by: \.outcome).mapValues(\.count)
        let tallyText = InspectionItemResult.Outcome.allCases.map { "\($0.label(ctx.lang)) \(tally[$0] ?? 0)" }.joined(separator: ctx.t("，", ", "))
        return Layout.page(ctx, title: i.enterpriseName, """
        \(Layout.flash(flash))
        \(problem.map { HTML("<div class=\"flash error\" role=\"alert\">\($0)</div>") } ?? "")
        <section class="panel inspection-head">
          <p><strong>\(i.style.label(ctx.lang))</strong> · \(i.plannedOn) · \(i.state.label(ctx.lang))</p>
          <p>\(ctx.t("来源：", "From: "))\(Self.origin(i, ctx))</p>
          <p>\(ctx.t("检查人员：", "Inspectors: "))\(i.inspectorNames.joined(separator: "、"))\(i.expertName.map { ctx.t("；专家：", "; expert: ") + $0 } ?? "")</p>
          <details\(HTML(raw: alarms.isEmpty && (hazards?.items.isEmpty ?? true) ? "" : " open"))><summary>\(ctx.t("未消除的报警 \(alarms.count) 条，未销号隐患 \(hazards?.total ?? 0) 项", "\(alarms.count) alarms out, \(hazards?.total ?? 0) open hazards"))</summary>
            \(HTML.when(!alarmList.isEmpty) { "<ul>\(alarmList)</ul>" })\(HTML.when(!hazardList.isEmpty) { "<ul>\(hazardList)</ul>" })
          </details>
          \(await PermitPages.fieldSection(req, ctx, enterpriseID: i.enterpriseID))
        </section>
        <form method="post" action="\(SitePath.inspection(i.id).path)" class="inspection-form" data-draft="inspection-\(i.id.uuidString)" data-version="\(i.version)"\(HTML(raw: unanswered.isEmpty ? "" : " data-saved"))>
          \(ctx.csrfField)
          <input type="hidden" name="baseVersion" value="\(i.version)">
          <p class="flash warning offline-note" role="status" hidden>\(ctx.t("当前没有网络：检查记录已保存在本机，网络恢复后将自动提交。", "No connection: the record is kept on this device and will be sent when the connection is back."))</p>
          <p class="muted small draft-note" hidden>\(ctx.t("本机有未提交的草稿，已恢复。", "An unsaved draft on this device was restored."))</p>
          <p class="flash error draft-note-stale" hidden>\(ctx.t("本机草稿基于较早的版本，服务器上的记录此后已被更新。已恢复您的草稿：请逐项核对，提交后将以草稿为准。", "The draft on this device began on an older version, and the record has changed since. Your draft is restored: check each item; submitting makes the draft the record."))</p>
          <p class="count" data-tally data-sep="\(ctx.t("，", ", "))" data-template="\(ctx.t("检查表 {total} 项，已填 {filled} 项（{counts}），未填 {open} 项", "{total} checklist items, {filled} answered ({counts}), {open} open"))" data-labels="\(InspectionItemResult.Outcome.allCases.map { "\($0.rawValue):\($0.label(ctx.lang))" }.joined(separator: ";"))">\(ctx.t("检查表 \(items.count) 项，已填 \(answered.count) 项（\(tallyText)），未填 \(items.count - answered.count) 项", "\(items.count) checklist items, \(answered.count) answered (\(tallyText)), \(items.count - answered.count) open"))</p>
          <ol class="checklist">\(items)</ol>
          <div class="field"><label for="summary">\(ctx.t("检查情况", "Summary"))</label><textarea id="summary" name="summary" rows="3" maxlength="2000"\(HTML(raw: editable ? "" : " disabled"))>\(i.summary)</textarea></div>
          \(HTML.when(editable) { """
          <div class="actions sticky">
            <button type="submit" name="action" value="save">\(ctx.t("保存", "Save"))</button>
            <button type="submit" name="action" value="complete" class="primary" data-confirm-complete="\(ctx.t("检查表共 {total} 项：{counts}。完成后检查记录不能再修改，不符合项将转为隐患。确认完成检查？", "{total} checklist items: {counts}. Once completed the record cannot be changed, and failed items become hazards. Complete the inspection?"))" data-refuse-open="\(ctx.t("还有 {open} 项未作答：每项须选择符合、不符合、不适用，或标为未检查并说明原因。", "{open} items have no outcome: each is pass, fail, N/A, or not checked with its reason."))">\(ctx.t("保存并完成检查", "Save and complete"))</button>
          </div>
          """ })
        </form>
        \(HTML.join(uploadForms))
        \(try await records(req, ctx, i))
        """)
    }

    /// 一案双罚 and 逢查必考 on an inspection, with their forms for those who record them.
    func records(_ req: Request, _ ctx: PageContext, _ i: Inspection, issues: [FieldIssue] = []) async throws -> HTML {
        guard i.state == .inProgress || i.state == .completed else { return "" }
        let penalties = try await req.zhiben.penalties.penalties(inspectionID: i.id, actor: ctx.caller)
        let exams = try await req.zhiben.penalties.exams(inspectionID: i.id, enterpriseID: nil, outstandingOnly: false, actor: ctx.caller)
        let canRecord = ctx.caller.can(.inspectionRecord)
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let hazards = i.results.compactMap { r in r.hazardID.map { (r.item, $0) } }
        let principal = try await req.zhiben.inspections.enterprise(of: i, actor: ctx.caller)?.profile.principal.name ?? ""
        let penaltyRows = penalties.map { p -> HTML in
            """
            <tr><td class="mono">\(p.caseNo)</td><td>\(p.legalBasis)</td><td class="num">\(p.enterpriseFine)</td><td>\(p.principalName)</td>
              <td class="num">\(p.principalFine)</td><td>\(p.decidedOn)</td><td class="num">\(p.hazardIDs.count)</td></tr>
            """
        }
        let examRows = exams.map { e -> HTML in
            let reexam: HTML = HTML.when(e.state == .awaitingRetraining && canRecord) { """
            <form method="post" action="\(SitePath.examReexam(e.id).path)" class="inline">\(ctx.csrfField)
              <input type="date" name="retrainedOn" required aria-label="\(ctx.t("培训日期", "Retrained on"))"> <input type="number" name="score" min="0" max="100" required aria-label="\(ctx.t("补考成绩", "Re-exam score"))" placeholder="\(ctx.t("补考成绩", "Score"))">
              <button type="submit">\(ctx.t("记录补考", "Record re-exam"))</button></form>
            """ }
            return "<tr><td>\(e.workerName)</td><td>\(e.job)</td><td class=\"num\">\(e.score)</td><td>\(e.state.label(ctx.lang))\(e.reexamScore.map { ctx.t("（补考 \($0) 分）", " (re-exam \($0))") } ?? "")</td><td>\(reexam)</td></tr>"
        }
        return """
        <p class="no-print"><a class="button" href="\(SitePath.inspectionPrint(i.id).path)">\(ctx.t("打印检查记录", "Print the record"))</a></p>
        <section class="panel">
          <h2>\(ctx.t("逢查必考", "Workers examined"))</h2>
          \(exams.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚未记录受考人员。", "No worker examined yet."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("岗位", "Job"))</th><th scope="col">\(ctx.t("成绩", "Score"))</th><th scope="col">\(ctx.t("结果", "Result"))</th><th scope="col"></th></tr></thead><tbody>\(examRows)</tbody></table></div>
          """)
          \(HTML.when(canRecord) { """
          <form method="post" action="\(SitePath.inspectionExams(i.id).path)" class="exam-form">
            \(ctx.csrfField)
            \(f.errors("exams"))
            \(HTML.join((0..<3).map { n in "<div class=\"exam-row\"><input name=\"workerName\(n)\" placeholder=\"\(ctx.t("姓名", "Name"))\" aria-label=\"\(ctx.t("姓名", "Name"))\" maxlength=\"50\"> <input name=\"job\(n)\" placeholder=\"\(ctx.t("岗位", "Job"))\" aria-label=\"\(ctx.t("岗位", "Job"))\" maxlength=\"50\"> <input name=\"score\(n)\" type=\"number\" min=\"0\" max=\"100\" placeholder=\"\(ctx.t("成绩", "Score"))\" aria-label=\"\(ctx.t("成绩", "Score"))\"></div>" as HTML }))
            <p class="hint">\(ctx.t("低于\(WorkerExam.passMark)分为不合格：须离岗培训并补考合格后方可复岗。", "Below \(WorkerExam.passMark) fails: off duty until retrained and re-examined."))</p>
            <button type="submit">\(ctx.t("记录考试成绩", "Record the scores"))</button>
          </form>
          """ })
        </section>
        \(HTML.when(i.state == .completed) { """
        <section class="panel">
          <h2>\(ctx.t("一案双罚", "Penalties (enterprise and principal)"))</h2>
          \(penalties.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("未作出处罚。", "No penalty decided."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("案号", "Case"))</th><th scope="col">\(ctx.t("法律依据", "Legal basis"))</th><th scope="col">\(ctx.t("企业罚款（元）", "Enterprise fine (¥)"))</th><th scope="col">\(ctx.t("主要负责人", "Principal"))</th><th scope="col">\(ctx.t("个人罚款（元）", "Personal fine (¥)"))</th><th scope="col">\(ctx.t("决定日期", "Decided"))</th><th scope="col">\(ctx.t("整改指令涉及隐患", "Hazards ordered"))</th></tr></thead><tbody>\(penaltyRows)</tbody></table></div>
          """)
          \(HTML.when(canRecord && InspectionWorkflow.decides(ctx.caller.scope, on: i)) { """
          <form method="post" action="\(SitePath.inspectionPenalties(i.id).path)" class="grid-form">
            \(ctx.csrfField)
            \(f.text("caseNo", ctx.t("案号", "Case number"), value: "", required: true, attrs: "maxlength=\"60\""))
            \(f.text("legalBasis", ctx.t("法律依据", "Legal basis"), value: "", required: true, attrs: "maxlength=\"300\""))
            \(f.text("enterpriseFine", ctx.t("对企业罚款（元）", "Enterprise fine (¥)"), value: "", required: true, type: "number", attrs: "min=\"0\""))
            \(f.text("principalName", ctx.t("主要负责人", "Principal"), value: principal, required: true, attrs: "maxlength=\"50\""))
            \(f.text("principalFine", ctx.t("对主要负责人罚款（元）", "Principal's fine (¥)"), value: "", required: true, type: "number", attrs: "min=\"0\""))
            \(f.text("decidedOn", ctx.t("决定日期", "Decided on"), value: ChinaTime.day(req.zhiben.clock.now()), required: true, type: "date"))
            \(f.checkboxes("hazardIds", ctx.t("整改指令涉及的隐患", "Hazards the orders concern"), options: hazards.map { ($0.1.uuidString, $0.0) }, checked: []))
            <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录处罚决定", "Record the decision"))</button></div>
          </form>
          """ })
        </section>
        """ })
        """
    }

    func print(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let i = try await req.zhiben.inspections.get(req.recordID("inspection"), actor: ctx.caller)
        let checklist = try await req.zhiben.inspections.checklist(for: i)
        let results = Dictionary(i.results.map { ($0.item, $0) }, uniquingKeysWith: { a, _ in a })
        let entries: [(code: String, label: String, text: String)] = checklist.criteria.map { ($0.id, $0.id, ctx.lang == .en ? $0.summaryEn : $0.summaryZh) }
            + checklist.localItems.map { ($0.id.uuidString, ctx.t("本地", "local"), $0.text) }
        let failed = i.results.filter { $0.outcome == .fail }
        let tally = Dictionary(grouping: entries.compactMap { results[$0.code]?.outcome }, by: { $0 }).mapValues(\.count)
        let open = entries.count - tally.values.reduce(0, +)
        let penalties = try await req.zhiben.penalties.penalties(inspectionID: i.id, actor: ctx.caller)
        let exams = try await req.zhiben.penalties.exams(inspectionID: i.id, enterpriseID: nil, outstandingOnly: false, actor: ctx.caller)
        // Every checklist item with its outcome: the record accounts for all of them.
        let rows = entries.enumerated().map { n, e -> HTML in
            let r = results[e.code]
            return """
            <tr class="\(r?.outcome == .fail ? "failed" : "")"><td class="num">\(n + 1)</td><td class="mono">\(e.label)</td><td>\(e.text)</td>\
            <td>\(r?.outcome.label(ctx.lang) ?? ctx.t("未作答", "No outcome"))</td><td>\(r?.note ?? "")</td></tr>
            """
        }
        let counts = InspectionItemResult.Outcome.allCases.map { "\($0.label(ctx.lang)) \(tally[$0] ?? 0)" + ctx.t(" 项", "") }.joined(separator: ctx.t("，", ", "))
            + (open > 0 ? ctx.t("，未作答 \(open) 项", ", \(open) with no outcome") : "")
        let body: HTML = """
        <p class="no-print record-tools"><a class="button" href="\(SitePath.inspection(i.id).path)">\(ctx.t("返回检查", "Back to the inspection"))</a>
          <button type="button" class="primary" data-print>\(ctx.t("打印", "Print"))</button></p>
        <article class="record">
          <h1>\(ctx.t("安全生产行政执法检查记录", "Inspection record"))</h1>
          <table class="data compact record-head">
            <tr><th scope="row">\(ctx.t("被检查单位", "Enterprise"))</th><td>\(i.enterpriseName)</td><th scope="row">\(ctx.t("检查方式", "Style"))</th><td>\(i.style.label(ctx.lang))</td></tr>
            <tr><th scope="row">\(ctx.t("检查日期", "Date"))</th><td>\(i.completedAt.map(ChinaTime.day) ?? i.plannedOn)</td><th scope="row">\(ctx.t("检查人员", "Inspectors"))</th><td>\(i.inspectorNames.joined(separator: "、"))\(i.expertName.map { ctx.t("；专家 ", "; expert ") + $0 } ?? "")</td></tr>
            <tr><th scope="row">\(ctx.t("检查项", "Items"))</th><td>\(ctx.t("共 \(entries.count) 项：", "\(entries.count) items: "))\(counts)</td><th scope="row">\(ctx.t("逢查必考", "Exams"))</th><td>\(ctx.t("受考 \(exams.count) 人，不合格 \(exams.filter { $0.state != .passed }.count) 人", "\(exams.count) examined, \(exams.filter { $0.state != .passed }.count) failed"))</td></tr>
          </table>
          <h2>\(ctx.t("检查项目及结果", "Items and outcomes"))</h2>
          <table class="data compact record-items"><thead><tr><th scope="col">\(ctx.t("序号", "No."))</th><th scope="col">\(ctx.t("编号", "Code"))</th><th scope="col">\(ctx.t("检查内容", "Item"))</th><th scope="col">\(ctx.t("结果", "Outcome"))</th><th scope="col">\(ctx.t("说明", "Note"))</th></tr></thead>
          <tbody>\(rows)</tbody></table>
          <h2>\(ctx.t("发现的问题", "Findings"))</h2>
          <p>\(failed.isEmpty ? ctx.t("未发现不符合项。", "No item failed.") : ctx.t("不符合 \(failed.count) 项，已转为隐患依法整改。", "\(failed.count) items failed; each is now a hazard to be rectified."))</p>
          \(HTML.when(!i.summary.isEmpty) { "<h2>\(ctx.t("检查情况", "Summary"))</h2><p>\(i.summary)</p>" })
          \(HTML.when(!penalties.isEmpty) { "<h2>\(ctx.t("处罚决定（一案双罚）", "Penalties"))</h2><ul>\(penalties.map { "<li>\($0.caseNo)：\($0.legalBasis)；企业罚款\($0.enterpriseFine)元，主要负责人\($0.principalName)罚款\($0.principalFine)元（\($0.decidedOn)）</li>" as HTML })</ul>" })
          <div class="signatures">
            <p>\(ctx.t("检查人员（签名）：", "Inspectors (signatures): "))<span class="line"></span><span class="line"></span></p>
            <p>\(ctx.t("被检查单位负责人（签名）：", "For the enterprise (signature): "))<span class="line"></span></p>
            <p>\(ctx.t("日期：", "Date: "))<span class="line short"></span></p>
          </div>
        </article>
        """
        return .html(Layout.document(lang: ctx.lang, title: ctx.t("检查记录", "Inspection record") + " · " + i.enterpriseName, body: body))
    }

    func addPenalty(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspection")
        struct Form: Content {
            var caseNo: String?; var legalBasis: String?; var enterpriseFine: String?; var principalName: String?; var principalFine: String?
            var decidedOn: String?; var hazardIds: [String]?
        }
        let v = try req.content.decode(Form.self)
        do {
            _ = try await req.zhiben.penalties.record(
                PenaltyService.PenaltyDraft(caseNo: v.caseNo ?? "", legalBasis: v.legalBasis ?? "", enterpriseFine: v.enterpriseFine.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                                            principalName: v.principalName ?? "", principalFine: v.principalFine.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                                            decidedOn: v.decidedOn ?? "", hazardIDs: (v.hazardIds ?? []).compactMap(UUID.init(uuidString:))),
                inspectionID: id, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.inspection(id).done("penalty"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let i = try await req.zhiben.inspections.get(id, actor: ctx.caller)
            return .html(try await page(req, ctx, i, problem: issues.map { $0.reason(ctx.lang) }.joined(separator: "；")), status: .unprocessableEntity)
        }
    }

    func addExams(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspection")
        var drafts: [PenaltyService.ExamDraft] = []
        for n in 0..<3 {
            let name = ((try? req.content.get(String.self, at: "workerName\(n)")) ?? "").trimmingCharacters(in: .whitespaces)
            let job = (try? req.content.get(String.self, at: "job\(n)")) ?? ""
            let score = (try? req.content.get(String.self, at: "score\(n)")).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if name.isEmpty && job.isEmpty && score == nil { continue }
            drafts.append(PenaltyService.ExamDraft(workerName: name, job: job, score: score))
        }
        do {
            _ = try await req.zhiben.penalties.recordExams(drafts, inspectionID: id, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.inspection(id).done("exams"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            let i = try await req.zhiben.inspections.get(id, actor: ctx.caller)
            return .html(try await page(req, ctx, i, problem: issues.map { $0.reason(ctx.lang) }.joined(separator: "；")), status: .unprocessableEntity)
        }
    }

    func reexam(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("exam")
        let retrainedOn = (try? req.content.get(String.self, at: "retrainedOn")) ?? ""
        let score = (try? req.content.get(String.self, at: "score")).flatMap { Int($0) }
        let exam = try await req.zhiben.penalties.reexam(id, retrainedOn: retrainedOn, score: score, actor: ctx.caller, origin: req.origin)
        return req.redirect(to: SitePath.inspection(exam.inspectionID).done("exams"))
    }

    func save(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("inspection")
        let current = try await req.zhiben.inspections.get(id, actor: ctx.caller)
        let checklist = try await req.zhiben.inspections.checklist(for: current)
        let codes = checklist.itemCodes
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
                do {
                    saved = try await req.zhiben.inspections.perform(id, action: .complete, expectedVersion: saved.version, actor: ctx.caller, origin: req.origin)
                } catch DomainError.validation(let issues) {
                    // The answers are saved; the page names what is still open and marks those items.
                    let open = Set(InspectionWorkflow.unanswered(saved, items: codes))
                    return .html(try await page(req, ctx, saved, problem: ctx.t("已保存，但尚未完成：", "Saved, not completed: ") + issues.map { $0.reason(ctx.lang) }.joined(separator: "；"),
                                                unanswered: open), status: .unprocessableEntity)
                }
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
