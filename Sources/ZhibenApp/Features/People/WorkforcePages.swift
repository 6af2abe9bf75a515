import Foundation
import Vapor
import ZhibenDomain

/// 人员与持证: the worker register and each worker's certificates, the certificate ledger, staffing
/// against what each enterprise needs, 三违 and the off-duty ledger, and the import of the national
/// certificate query. Enterprises keep their own; regulators read those in their scope and record 三违.
struct WorkforcePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.people, use: list)
        routes.post(WebRoute.people, use: create)
        routes.get(WebRoute.workerNew, use: newForm)
        routes.get(WebRoute.workerExport, use: export)
        routes.get(WebRoute.worker, use: show)
        routes.post(WebRoute.worker, use: update)
        routes.post(WebRoute.workerCertificates, use: addCertificate)
        routes.get(WebRoute.workerCertificate, use: certificateForm)
        routes.post(WebRoute.workerCertificate, use: saveCertificate)
        routes.post(WebRoute.workerCertificateDelete, use: deleteCertificate)
        routes.get(WebRoute.certificates, use: certificates)
        routes.get(WebRoute.certificateExport, use: exportCertificates)
        routes.get(WebRoute.staffing, use: staffing)
        routes.post(WebRoute.staffing, use: saveStaffing)
        routes.get(WebRoute.violations, use: violations)
        routes.post(WebRoute.violations, use: recordViolation)
        routes.get(WebRoute.violationExport, use: exportViolations)
        routes.post(WebRoute.violationTransitions, use: transition)
        routes.get(WebRoute.offDuty, use: offDuty)
        routes.get(WebRoute.peopleImport, use: importForm)
        routes.get(WebRoute.peopleImportTemplate, use: template)
        routes.post(WebRoute.peopleImport, body: .collect(maxSize: "10mb"), use: importUpload)
    }

    /// The section's own menu.
    static func subnav(_ ctx: PageContext) -> HTML {
        var items: [(SitePath, String, String)] = [(.people, "人员名册", "Workers"), (.certificates, "特种作业操作证", "Certificates"),
                                                   (.staffing, "持证配备", "Staffing"), (.violations, "三违记录", "Violations"), (.offDuty, "停岗名单", "Off duty"),
                                                   (.contractors, "承包单位", "Contractors"), (.jobs, "承包作业", "Contractors' jobs"),
                                                   (.trainings, "培训考核与演练", "Training, exams, drills"),
                                                   (.spaces, "有限空间", "Confined spaces"), (.permits, "作业票", "Permits"), (.permitLive, "正在进行的作业", "Work now")]
        if ctx.caller.can(.peopleManage) { items.append((.peopleImport, "导入操作证", "Import certificates")) }
        let links = items.map { p, zh, en -> HTML in
            "<li><a href=\"\(p.path)\"\(HTML(raw: ctx.path == p.path ? " aria-current=\"page\"" : ""))>\(ctx.t(zh, en))</a></li>"
        }
        return "<nav class=\"subnav\" aria-label=\"\(ctx.t("人员与持证", "People"))\"><ul>\(links)</ul></nav>"
    }

    func section(_ ctx: PageContext, _ title: String, _ content: HTML) -> HTML {
        Layout.page(ctx, title: title, "\(Self.subnav(ctx))\(content)")
    }

    static func standingTag(_ s: CertificateRules.Standing, _ ctx: PageContext) -> HTML {
        let color: String = switch s {
        case .valid: "green"
        case .expiring(_, let d): d <= 30 ? "orange" : "yellow"
        case .expired, .reviewOverdue: "red"
        case .notYetValid: "blue"
        }
        return "<span class=\"tag \(color)\">\(CertificateDTO.standingZh(s))</span>"
    }

    static func operationName(_ code: String) -> String { SpecialOperationCatalogue.operation(code)?.zh ?? code }

    /// The current catalogue's operations, those typical of metallurgy and industry-trade first.
    static var operationOptions: [(String, String)] {
        let current = SpecialOperationCatalogue.all.filter { $0.catalogue == SpecialOperationCatalogue.current }
        return (current.filter(\.typicalHere) + current.filter { !$0.typicalHere }).map { ($0.code, "\($0.code) \($0.categoryZh) · \($0.zh)") }
    }

    func countyFilter(_ ctx: PageContext, _ selected: String?) -> HTML {
        HTML.when(ctx.caller.scope == .city) {
            "<div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: selected, blank: ctx.t("全部", "All")))</select></div>"
        }
    }

    // MARK: workers

    func list(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let s = req.zhiben.workforce
        let query = try req.workerQuery()
        let page = try await s.workers(query, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "duty", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.peopleManage)
        // Violations and failed exams keep a worker off duty too: the ledger's word, not only the flag.
        let ledger = page.items.isEmpty ? [] : try await s.offDuty(enterpriseID: query.enterpriseID, countyCode: query.countyCode, actor: ctx.caller)
        let offBy = Dictionary(grouping: ledger.filter { $0.workerID != nil }, by: { $0.workerID! })
        let rows = page.items.map { w -> HTML in
            let off = offBy[w.id] ?? []
            let duty: HTML = off.isEmpty ? "<span class=\"tag green\">\(ctx.t("在岗", "On duty"))</span>"
                : "<span class=\"tag red\">\(ctx.t("停岗", "Off duty"))</span> <span class=\"small\">\(off.map(\.zh).joined(separator: "；"))</span>"
            let certs = w.certificates.map { c in "\(Self.operationName(c.operation)) \(Self.standingTag(CertificateRules.standing(c, today: s.today), ctx))" as HTML }
            return """
            <tr>
              \(HTML.when(regulator) { "<td>\(w.enterpriseName)</td>" })
              <td><a href="\(SitePath.worker(w.id).path)">\(w.name)</a></td>
              <td class="mono">\(w.maskedIDNumber)</td>
              <td>\(w.job)</td>
              <td>\(w.kind.label(ctx.lang))\(w.contractorName.map { HTML("<br><span class=\"muted small\">\($0)</span>") } ?? "")</td>
              <td>\(duty)</td>
              <td>\(HTML.join(certs, "<br>"))</td>
            </tr>
            """
        }
        let empty = query == RecordQuery()
            ? (regulator ? ctx.t("辖区内的企业还没有登记人员。", "No enterprise in your jurisdiction has registered workers yet.")
                         : ctx.t("还没有登记人员。可逐个新增，或从全国特种作业操作证查询结果导入。", "No workers yet. Add them one by one, or import the national certificate query."))
            : ctx.t("没有符合条件的人员。", "No worker matches these filters.")
        let content: HTML = """
        \(Layout.flash(req.queryString("done") == "created" ? ctx.t("已新增人员。", "Worker added.") : nil))
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("含本企业职工及承包单位、劳务派遣、灵活用工人员。身份证号在列表中隐去中间10位，打开人员记录可见全号（查看记入审计日志）。", "Own staff and contractors', dispatched and flexible workers. Lists mask the ID number; opening a record shows it whole, and that is audited."))</p>
          <div><a class="button" href="\(SitePath.workerExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a> \(HTML.when(!regulator) { "<a class=\"button primary\" href=\"\(SitePath.workerNew.path)\">\(ctx.t("新增人员", "Add a worker"))</a>" })</div>
        </div>
        <form class="filters" method="get" action="\(SitePath.people.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("姓名、岗位、身份证号或证号", "Name, job, ID or certificate number"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(countyFilter(ctx, query.countyCode))
          \(regulator ? await EnterprisePicker.filter(ctx, req) : "")
          <div class="field"><label for="duty">\(ctx.t("在岗状态", "Duty"))</label><select id="duty" name="duty">\(Layout.options([("on", ctx.t("在岗", "On duty")), ("off", ctx.t("企业停岗", "Put off duty"))], selected: query.tags?.first, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.people.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 人", "\(page.total) workers"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(empty)</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("身份证号", "ID number"))</th><th scope="col">\(ctx.t("岗位", "Job"))</th><th scope="col">\(ctx.t("用工类型", "Employed as"))</th><th scope="col">\(ctx.t("状态", "Duty"))</th><th scope="col">\(ctx.t("特种作业操作证", "Certificates"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """
        return .html(section(ctx, ctx.t("人员名册", "Workers"), content))
    }

    func export(req: Request) async throws -> Response {
        let s = req.zhiben.workforce
        return .csv(WorkforceCSV.workers(try await s.allWorkers(req.workerQuery(), actor: req.caller), today: s.today), filename: "workers.csv",
                    displayName: "人员名册.csv")
    }

    struct WorkerForm: Content {
        var version: Int?
        var enterpriseId: String?
        var enterpriseText: String?
        var name: String?
        var idNumber: String?
        var job: String?
        var kind: String?
        var contractorName: String?
        var duty: String?
        var offDutyReason: String?
        var inductionOn: String?

        init() {}
        init(_ w: Worker) {
            version = w.version
            name = w.name
            idNumber = w.idNumber
            job = w.job
            kind = w.kind.rawValue
            contractorName = w.contractorName
            duty = w.onDuty ? "on" : "off"
            offDutyReason = w.offDutyReason
            inductionOn = w.inductionOn
        }

        var draft: WorkerDraft {
            WorkerDraft(name: name ?? "", idNumber: idNumber ?? "", job: job ?? "", kind: kind ?? WorkerKind.own.rawValue, contractorName: contractorName ?? "",
                        onDuty: duty != "off", offDutyReason: offDutyReason ?? "", inductionOn: inductionOn ?? "")
        }
    }

    func workerForm(_ ctx: PageContext, action: String, values: WorkerForm, issues: [FieldIssue], editing: Bool, enterprisePicker: HTML = "") -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        return """
        \(f.summary())
        <form method="post" action="\(action)" class="grid-form">
          \(ctx.csrfField)
          \(HTML.when(values.version != nil) { "<input type=\"hidden\" name=\"version\" value=\"\(values.version ?? 0)\">" })
          \(enterprisePicker)
          \(f.text("name", ctx.t("姓名", "Name"), value: values.name ?? "", required: true, attrs: "maxlength=\"50\" autocomplete=\"off\""))
          \(f.text("idNumber", ctx.t("身份证号", "ID number"), value: values.idNumber ?? "", required: true, hint: ctx.t("18位，按 GB 11643 校验", "18 characters, checked as GB 11643 says"), attrs: "maxlength=\"18\" autocomplete=\"off\" inputmode=\"text\""))
          \(f.text("job", ctx.t("岗位", "Job"), value: values.job ?? "", attrs: "maxlength=\"50\""))
          \(f.select("kind", ctx.t("用工类型", "Employed as"), options: labeledOptions(WorkerKind.self, ctx.lang), selected: values.kind ?? WorkerKind.own.rawValue, required: true))
          \(f.text("contractorName", ctx.t("所属承包单位（承包单位人员必填）", "Contractor (for a contractor's worker)"), value: values.contractorName ?? "", attrs: "maxlength=\"100\""))
          \(f.text("inductionOn", ctx.t("入场安全培训日期", "Induction training"), value: values.inductionOn ?? "", type: "date"))
          \(f.select("duty", ctx.t("在岗状态", "Duty"), options: [("on", ctx.t("在岗", "On duty")), ("off", ctx.t("停岗", "Off duty"))], selected: values.duty ?? "on"))
          \(f.text("offDutyReason", ctx.t("停岗原因（停岗时必填）", "Why off duty"), value: values.offDutyReason ?? "", attrs: "maxlength=\"200\""))
          <div class="actions wide"><button type="submit" class="primary">\(editing ? ctx.t("保存修改", "Save changes") : ctx.t("新增人员", "Add the worker"))</button> <a href="\(SitePath.people.path)">\(ctx.t("返回名册", "Back to the list"))</a></div>
        </form>
        """
    }

    func newForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        return .html(section(ctx, ctx.t("新增人员", "Add a worker"), workerForm(ctx, action: SitePath.people.path, values: WorkerForm(), issues: [], editing: false)))
    }

    func create(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let v = try req.content.decode(WorkerForm.self)
        do {
            guard case .enterprise(let id) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
            let w = try await req.zhiben.workforce.createWorker(v.draft, enterpriseID: id, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.worker(w.id).done("created"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues else { throw error }
            return .html(section(ctx, ctx.t("新增人员", "Add a worker"), workerForm(ctx, action: SitePath.people.path, values: v, issues: issues, editing: false)),
                         status: .unprocessableEntity)
        }
    }

    /// The record: the whole ID number (audited), the certificates with their standing, the worker's
    /// 三违, and the forms for what the caller may change.
    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let w = try await req.zhiben.workforce.worker(req.recordID("worker"), reveal: true, actor: ctx.caller, origin: req.origin)
        return .html(try await workerPage(req, ctx, w, values: nil, issues: [], certificateIssues: [], violationIssues: []))
    }

    func workerPage(_ req: Request, _ ctx: PageContext, _ w: Worker, values: WorkerForm?, issues: [FieldIssue], certificateIssues: [FieldIssue],
                    certificateValues: CertificateForm? = nil, violationIssues: [FieldIssue], violationValues: ViolationForm? = nil, status: String? = nil) async throws -> HTML {
        let s = req.zhiben.workforce
        let manage = ctx.caller.can(.peopleManage)
        let violations = try await s.violations(RecordQuery(ref: w.id, descending: true), page: Paging(per: 50), actor: ctx.caller).items
        let off = try await s.offDuty(enterpriseID: w.enterpriseID, countyCode: nil, actor: ctx.caller).filter { $0.workerID == w.id }
        let certRows = w.certificates.map { c -> HTML in
            """
            <tr>
              <td>\(Self.operationName(c.operation))<br><span class="muted small">\(c.operation) · \(c.catalogue)</span></td>
              <td class="mono">\(c.number)</td>
              <td>\(c.issuer)</td>
              <td>\(c.validFrom) ~ \(c.validUntil)</td>
              <td>\(CertificateRules.reviewDue(c, today: s.today) ?? "")\(c.lastReviewedOn.map { HTML("<br><span class=\"muted small\">\(ctx.t("上次复审", "reviewed")) \($0)</span>") } ?? "")</td>
              <td>\(Self.standingTag(CertificateRules.standing(c, today: s.today), ctx))</td>
              \(HTML.when(manage) { "<td><a href=\"\(SitePath.workerCertificate(w.id, c.id).path)\">\(ctx.t("修改", "Change"))</a></td>" })
            </tr>
            """
        }
        let names = try await ActorNames.load(req, violations.map(\.recordedBy))
        let violationRows = violations.map { v -> HTML in
            "<tr><td>\(v.happenedOn)</td><td>\(v.kind.label(ctx.lang))</td><td>\(v.what)</td><td>\(v.state.label(ctx.lang))</td><td>\(names(v.recordedBy))</td></tr>"
        }
        let mayRecord = manage || ctx.caller.can(.peopleOversee)
        let vf = FormRenderer(lang: ctx.lang, issues: violationIssues, prefix: "v-")
        let cf = FormRenderer(lang: ctx.lang, issues: certificateIssues, prefix: "c-")
        let flash: String? = switch req.queryString("done") {
        case "created": ctx.t("已新增人员。", "Worker added.")
        case "saved": ctx.t("已保存。", "Saved.")
        case "certificate": ctx.t("操作证已保存。", "Certificate saved.")
        case "removed": ctx.t("操作证已删除。", "Certificate removed.")
        case "violation": ctx.t("已记录三违，该人员停岗，待培训考试合格后复岗。", "Violation recorded: the worker is off duty until retrained and re-examined.")
        default: nil
        }
        return section(ctx, "\(w.name) · \(w.enterpriseName)", """
        \(Layout.flash(flash))
        \(status.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        <section class="panel">
          <dl class="facts">
            <div><dt>\(ctx.t("身份证号", "ID number"))</dt><dd class="mono">\(w.idNumber)</dd></div>
            <div><dt>\(ctx.t("岗位", "Job"))</dt><dd>\(w.job.isEmpty ? "—" : w.job)</dd></div>
            <div><dt>\(ctx.t("用工类型", "Employed as"))</dt><dd>\(w.kind.label(ctx.lang))\(w.contractorName.map { HTML("（\($0)）") } ?? "")</dd></div>
            <div><dt>\(ctx.t("入场安全培训", "Induction training"))</dt><dd>\(w.inductionOn ?? ctx.t("未记录", "not recorded"))</dd></div>
            <div><dt>\(ctx.t("当前能否上岗", "May work now"))</dt><dd>\(off.isEmpty ? HTML("<span class=\"tag green\">\(ctx.t("可以上岗", "Yes"))</span>") : HTML.join(off.map { "<span class=\"tag red\">\(ctx.t("停岗", "Off duty"))</span> \($0.zh)" as HTML }, "<br>"))</dd></div>
          </dl>
          <p class="muted small">\(ctx.t("本页显示完整身份证号，每次查看均记入审计日志。", "This page shows the whole ID number; every view is audited."))</p>
        </section>
        <section class="panel">
          <h2>\(ctx.t("特种作业操作证", "Special-operation certificates"))</h2>
          \(w.certificates.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("未登记操作证。", "No certificate recorded."))</p>") : """
          <div class="table-wrap"><table class="data">
            <thead><tr><th scope="col">\(ctx.t("操作项目", "Operation"))</th><th scope="col">\(ctx.t("证号", "Number"))</th><th scope="col">\(ctx.t("发证机关", "Issuer"))</th><th scope="col">\(ctx.t("有效期", "Valid"))</th><th scope="col">\(ctx.t("应复审日期", "Review due"))</th><th scope="col">\(ctx.t("状态", "Standing"))</th>\(HTML.when(manage) { "<th scope=\"col\"></th>" })</tr></thead>
            <tbody>\(certRows)</tbody>
          </table></div>
          """)
          \(HTML.when(manage) { """
          <details\(HTML(raw: certificateIssues.isEmpty ? "" : " open"))><summary>\(ctx.t("登记操作证", "Record a certificate"))</summary>
            \(cf.summary())
            <form method="post" action="\(SitePath.workerCertificates(w.id).path)" class="grid-form">
              \(ctx.csrfField)<input type="hidden" name="version" value="\(w.version)">
              \(certificateFields(ctx, cf, certificateValues ?? CertificateForm(number: "T" + w.idNumber)))
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("登记", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        <section class="panel">
          <h2>\(ctx.t("三违记录", "Violations"))</h2>
          \(violations.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("无三违记录。", "No violations."))</p>") : """
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("日期", "Day"))</th><th scope="col">\(ctx.t("类别", "Kind"))</th><th scope="col">\(ctx.t("情形", "What"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("记录人", "Recorded by"))</th></tr></thead>
            <tbody>\(violationRows)</tbody>
          </table></div>
          """)
          \(HTML.when(mayRecord) { """
          <details\(HTML(raw: violationIssues.isEmpty ? "" : " open"))><summary>\(ctx.t("记录三违（记录后该人员停岗）", "Record a violation (the worker goes off duty)"))</summary>
            \(vf.summary())
            <form method="post" action="\(SitePath.violations.path)" class="grid-form">
              \(ctx.csrfField)<input type="hidden" name="workerId" value="\(w.id.uuidString)">
              \(vf.select("kind", ctx.t("类别", "Kind"), options: labeledOptions(Violation.Kind.self, ctx.lang), selected: violationValues?.kind ?? "", required: true, blank: ctx.t("请选择", "Choose")))
              \(vf.text("happenedOn", ctx.t("日期", "Day"), value: violationValues?.happenedOn ?? s.today, required: true, type: "date"))
              <div class="field wide\(HTML(raw: violationIssues.contains { $0.field == "what" } ? " has-error" : ""))"><label for="v-what">\(ctx.t("违章情形", "What happened")) <abbr title="必填" class="req">*</abbr></label><textarea id="v-what" name="what" rows="2" maxlength="300" required>\(violationValues?.what ?? "")</textarea>\(vf.errors("what"))</div>
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录三违", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        \(HTML.when(manage) { """
        <section class="panel">
          <h2>\(ctx.t("修改人员信息", "Change the worker"))</h2>
          \(workerForm(ctx, action: SitePath.worker(w.id).path, values: values ?? WorkerForm(w), issues: issues, editing: true))
        </section>
        """ })
        """)
    }

    func update(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let id = try req.recordID("worker")
        let v = try req.content.decode(WorkerForm.self)
        let s = req.zhiben.workforce
        do {
            _ = try await s.updateWorker(id, v.draft, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.worker(id).done("saved"))
        } catch let error as DomainError {
            let current = try await s.worker(id, reveal: false, actor: ctx.caller)
            if case .staleVersion = error {
                let fresh = try await s.worker(id, reveal: true, actor: ctx.caller, origin: req.origin)
                return .html(try await workerPage(req, ctx, fresh, values: nil, issues: [], certificateIssues: [], violationIssues: [],
                                                  status: ctx.t("该人员信息已被他人修改，以下为最新内容，请重新修改后保存。", "Someone changed this worker meanwhile; this is the current record: change it again and save.")),
                             status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await workerPage(req, ctx, current, values: v, issues: issues, certificateIssues: [], violationIssues: []), status: .unprocessableEntity)
        }
    }

    // MARK: certificates

    struct CertificateForm: Content {
        var version: Int?
        var operation: String?
        var number: String?
        var issuer: String?
        var validFrom: String?
        var validUntil: String?
        var lastReviewedOn: String?
        var compliantSince: String?

        init(number: String? = nil) { self.number = number }
        init(_ c: OperatorCertificate, version: Int) {
            self.version = version
            operation = c.operation
            number = c.number
            issuer = c.issuer
            validFrom = c.validFrom
            validUntil = c.validUntil
            lastReviewedOn = c.lastReviewedOn
            compliantSince = c.compliantSince
        }

        var draft: CertificateDraft {
            CertificateDraft(operation: operation, number: number, issuer: issuer, validFrom: validFrom, validUntil: validUntil,
                             lastReviewedOn: lastReviewedOn, compliantSince: compliantSince)
        }
    }

    func certificateFields(_ ctx: PageContext, _ f: FormRenderer, _ v: CertificateForm) -> HTML {
        """
        \(f.select("operation", ctx.t("作业类别 · 操作项目", "Operation"), options: Self.operationOptions, selected: v.operation ?? "", required: true, blank: ctx.t("请选择", "Choose")))
        \(f.text("number", ctx.t("证号", "Number"), value: v.number ?? "", required: true, hint: ctx.t("一般为 T + 身份证号", "usually T and the ID number"), attrs: "maxlength=\"40\""))
        \(f.text("issuer", ctx.t("发证机关", "Issuing authority"), value: v.issuer ?? "", required: true, attrs: "maxlength=\"60\""))
        \(f.text("validFrom", ctx.t("有效期起", "Valid from"), value: v.validFrom ?? "", required: true, type: "date"))
        \(f.text("validUntil", ctx.t("有效期止（不填为起始日起6年）", "Valid until (6 years when empty)"), value: v.validUntil ?? "", type: "date"))
        \(f.text("lastReviewedOn", ctx.t("最近复审日期", "Last review"), value: v.lastReviewedOn ?? "", type: "date"))
        \(f.text("compliantSince", ctx.t("连续从事本工种无违法起始日期（满10年复审周期为6年）", "Compliant in this operation since (10 years: review every 6)"), value: v.compliantSince ?? "", type: "date"))
        """
    }

    func addCertificate(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let id = try req.recordID("worker")
        let v = try req.content.decode(CertificateForm.self)
        let s = req.zhiben.workforce
        do {
            _ = try await s.saveCertificate(workerID: id, certificateID: nil, v.draft, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.worker(id).done("certificate"))
        } catch let error as DomainError {
            let w = try await s.worker(id, reveal: true, actor: ctx.caller, origin: req.origin)
            if case .staleVersion = error {
                return .html(try await workerPage(req, ctx, w, values: nil, issues: [], certificateIssues: [], certificateValues: v, violationIssues: [],
                                                  status: ctx.t("该人员信息已被他人修改，请核对后重新登记。", "Someone changed this worker meanwhile: check and record again.")), status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await workerPage(req, ctx, w, values: nil, issues: [], certificateIssues: issues, certificateValues: v, violationIssues: []),
                         status: .unprocessableEntity)
        }
    }


    func certificatePage(_ ctx: PageContext, _ w: Worker, _ c: OperatorCertificate, values: CertificateForm, issues: [FieldIssue], status: String? = nil) -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        return section(ctx, "\(w.name) · \(Self.operationName(c.operation))", """
        \(status.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
        \(f.summary())
        <form method="post" action="\(SitePath.workerCertificate(w.id, c.id).path)" class="grid-form">
          \(ctx.csrfField)<input type="hidden" name="version" value="\(values.version ?? w.version)">
          \(certificateFields(ctx, f, values))
          <div class="actions wide"><button type="submit" class="primary">\(ctx.t("保存", "Save"))</button> <a href="\(SitePath.worker(w.id).path)">\(ctx.t("返回", "Back"))</a></div>
        </form>
        <form method="post" action="\(SitePath.workerCertificateDelete(w.id, c.id).path)" class="inline confirm" data-confirm="\(ctx.t("确定删除该操作证记录？", "Remove this certificate?"))">
          \(ctx.csrfField)<input type="hidden" name="version" value="\(w.version)">
          <button type="submit" class="danger">\(ctx.t("删除该证（录错时使用）", "Remove (when recorded by mistake)"))</button>
        </form>
        """)
    }

    func certificateForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let w = try await req.zhiben.workforce.worker(req.recordID("worker"), reveal: false, actor: ctx.caller)
        let certID = try req.certificateID()
        guard let c = w.certificates.first(where: { $0.id == certID }) else { throw DomainError.notFound(entity: "certificate") }
        return .html(certificatePage(ctx, w, c, values: CertificateForm(c, version: w.version), issues: []))
    }

    func saveCertificate(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        let id = try req.recordID("worker")
        let certID = try req.certificateID()
        let v = try req.content.decode(CertificateForm.self)
        let s = req.zhiben.workforce
        do {
            _ = try await s.saveCertificate(workerID: id, certificateID: certID, v.draft, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.worker(id).done("certificate"))
        } catch let error as DomainError {
            let w = try await s.worker(id, reveal: false, actor: ctx.caller)
            guard let c = w.certificates.first(where: { $0.id == certID }) else { throw DomainError.notFound(entity: "certificate") }
            if case .staleVersion = error {
                return .html(certificatePage(ctx, w, c, values: CertificateForm(c, version: w.version), issues: [],
                                             status: ctx.t("该人员信息已被他人修改，以下为最新内容。", "Someone changed this worker meanwhile; this is the current certificate.")), status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(certificatePage(ctx, w, c, values: v, issues: issues), status: .unprocessableEntity)
        }
    }

    struct VersionForm: Content { var version: Int? }

    func deleteCertificate(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("worker")
        let v = try req.content.decode(VersionForm.self)
        _ = try await req.zhiben.workforce.removeCertificate(workerID: id, certificateID: req.certificateID(), expectedVersion: v.version ?? -1,
                                                             actor: ctx.caller, origin: req.origin)
        return req.redirect(to: SitePath.worker(id).done("removed"))
    }

    func certificates(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let s = req.zhiben.workforce
        let query = try req.workerQuery()
        let (op, filter) = try req.certificateFilter()
        let all = try await s.certificates(query, operation: op, filter: filter, actor: ctx.caller)
        let paging = try req.paging(defaultPer: 50)
        let page = Paged(items: Array(all.dropFirst(paging.offset).prefix(paging.per)), page: paging.page, per: paging.per, total: all.count)
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "operation", "standing", "per"] { qs.set(key, req.queryString(key)) }
        let regulator = !ctx.caller.can(.peopleManage)
        let rows = page.items.map { l -> HTML in
            """
            <tr>
              \(HTML.when(regulator) { "<td>\(l.worker.enterpriseName)</td>" })
              <td><a href="\(SitePath.worker(l.worker.id).path)">\(l.worker.name)</a></td>
              <td>\(Self.operationName(l.certificate.operation))</td>
              <td class="mono">\(l.certificate.number)</td>
              <td>\(l.certificate.validUntil)</td>
              <td>\(l.reviewDue ?? "")</td>
              <td>\(Self.standingTag(l.standing, ctx))</td>
            </tr>
            """
        }
        let content: HTML = """
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("操作证有效期6年，每3年复审一次（连续从事本工种10年以上、无违法行为的，每6年复审一次）。按到期或复审日期由近及远排列。", "Certificates are valid 6 years and reviewed every 3 (every 6 after 10 compliant years). Soonest due first."))</p>
          <div><a class="button" href="\(SitePath.certificateExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a></div>
        </div>
        <form class="filters" method="get" action="\(SitePath.certificates.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("姓名或证号", "Name or number"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(countyFilter(ctx, query.countyCode))
          \(regulator ? await EnterprisePicker.filter(ctx, req) : "")
          <div class="field"><label for="operation">\(ctx.t("操作项目", "Operation"))</label><select id="operation" name="operation">\(Layout.options(Self.operationOptions, selected: op, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="standing">\(ctx.t("状态", "Standing"))</label><select id="standing" name="standing">\(Layout.options(labeledOptions(CertificateLine.Filter.self, ctx.lang), selected: filter?.rawValue, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.certificates.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 本", "\(page.total) certificates"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有符合条件的操作证。", "No certificate matches."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("操作项目", "Operation"))</th><th scope="col">\(ctx.t("证号", "Number"))</th><th scope="col">\(ctx.t("有效期止", "Valid until"))</th><th scope="col">\(ctx.t("应复审日期", "Review due"))</th><th scope="col">\(ctx.t("状态", "Standing"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """
        return .html(section(ctx, ctx.t("特种作业操作证", "Special-operation certificates"), content))
    }

    func exportCertificates(req: Request) async throws -> Response {
        let s = req.zhiben.workforce
        let (op, filter) = try req.certificateFilter()
        return .csv(WorkforceCSV.certificates(try await s.certificates(req.workerQuery(), operation: op, filter: filter, actor: req.caller), today: s.today),
                    filename: "certificates.csv", displayName: "特种作业操作证.csv")
    }

    // MARK: staffing

    static func staffingTable(_ ctx: PageContext, _ rows: [StaffingRow], editable: Bool) -> HTML {
        let body = rows.map { r -> HTML in
            """
            <tr\(HTML(raw: r.short > 0 ? " class=\"warn\"" : ""))>
              <td>\(operationName(r.operation))<br><span class="muted small">\(r.operation)</span></td>
              <td class="num">\(editable ? HTML("<input type=\"number\" name=\"required[\(r.operation)]\" value=\"\(r.required)\" min=\"0\" max=\"10000\" aria-label=\"\(ctx.t("所需人数", "Needed")) \(operationName(r.operation))\" class=\"narrow\">") : HTML("\(r.required)"))</td>
              <td class="num">\(r.staffed)</td>
              <td class="num">\(r.short > 0 ? HTML("<span class=\"tag red\">\(r.short)</span>") : "0")</td>
              <td class="num">\(r.expiringIn30)</td>
              <td class="num">\(r.expiringIn90)</td>
              <td class="num">\(r.lapsed)</td>
            </tr>
            """
        }
        return """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("操作项目", "Operation"))</th><th scope="col">\(ctx.t("所需", "Needed"))</th><th scope="col">\(ctx.t("在岗持有效证", "Staffed"))</th><th scope="col">\(ctx.t("缺口", "Short"))</th><th scope="col">\(ctx.t("30天内到期", "Due in 30 days"))</th><th scope="col">\(ctx.t("90天内到期", "Due in 90 days"))</th><th scope="col">\(ctx.t("过期或逾期未复审", "Lapsed"))</th></tr></thead>
          <tbody>\(body)</tbody>
        </table></div>
        """
    }

    func staffing(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        return .html(try await staffingPage(req, ctx, issues: []))
    }

    func staffingPage(_ req: Request, _ ctx: PageContext, issues: [FieldIssue], status: String? = nil) async throws -> HTML {
        let s = req.zhiben.workforce
        let title = ctx.t("特种作业人员持证配备", "Certified operators: staffed against needed")
        let note = ctx.t("“在岗持有效证”只计当前可以上岗（未停岗、无未了结三违或补考）且操作证在有效期内、未逾期复审的人员。", "Staffed counts workers who may work now (not off duty) with a certificate valid today and not overdue for review.")
        if case .enterprise(let id) = ctx.caller.scope {
            let (need, rows) = try await s.staffing(enterpriseID: id, actor: ctx.caller)
            let f = FormRenderer(lang: ctx.lang, issues: issues)
            let unlisted = Self.operationOptions.filter { op in !rows.contains { $0.operation == op.0 } }
            return section(ctx, title, """
            \(Layout.flash(req.queryString("done") == "saved" ? ctx.t("已保存所需人数。", "Saved.") : nil))
            \(status.map { HTML("<p class=\"flash error\" role=\"alert\">\($0)</p>") } ?? "")
            \(f.summary())
            <p class="subtitle">\(note)</p>
            <form method="post" action="\(SitePath.staffing.path)">
              \(ctx.csrfField)<input type="hidden" name="version" value="\(need.version)">
              \(rows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("尚未设定所需特种作业人员数量，也没有登记操作证。", "No needs set and no certificates recorded yet."))</p>") : Self.staffingTable(ctx, rows, editable: true))
              <div class="grid-form">
                <div class="field"><label for="f-addOperation">\(ctx.t("增加操作项目", "Add an operation"))</label><select id="f-addOperation" name="addOperation">\(Layout.options(unlisted, selected: nil, blank: ctx.t("请选择", "Choose")))</select></div>
                <div class="field"><label for="f-addCount">\(ctx.t("所需人数", "Needed"))</label><input id="f-addCount" name="addCount" type="number" min="0" max="10000" class="narrow"></div>
              </div>
              <div class="actions"><button type="submit" class="primary">\(ctx.t("保存所需人数", "Save"))</button></div>
            </form>
            """)
        }
        let county = try req.queryCounty()
        let overview = try await s.staffingOverview(countyCode: county, actor: ctx.caller)
        let short = overview.filter { $0.rows.contains { $0.short > 0 } }
        let totals = Staffing.totals(overview.map(\.rows))
        let shortRows = short.map { e -> HTML in
            let gaps = e.rows.filter { $0.short > 0 }.map { "\(Self.operationName($0.operation)) 缺\($0.short)人（需\($0.required)，有\($0.staffed)）" }.joined(separator: "；")
            return "<tr><td><a href=\"\(SitePath.people.path)?enterprise=\(e.enterpriseID.uuidString)\">\(e.name)</a></td><td>\(County.named(e.countyCode)?.label(ctx.lang) ?? e.countyCode)</td><td>\(gaps)</td></tr>"
        }
        return section(ctx, title, """
        <p class="subtitle">\(note)</p>
        <form class="filters" method="get" action="\(SitePath.staffing.path)">\(countyFilter(ctx, county))\(HTML.when(ctx.caller.scope == .city) { "<div class=\"actions\"><button type=\"submit\" class=\"primary\">\(ctx.t("查看", "Show"))</button></div>" })</form>
        <p class="count">\(ctx.t("\(overview.count) 家企业登记了所需人数或操作证，其中 \(short.count) 家有缺口。", "\(overview.count) enterprises have needs or certificates; \(short.count) are short."))</p>
        <section class="panel"><h2>\(ctx.t("按操作项目合计", "Totals by operation"))</h2>
          \(totals.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("辖区内尚无数据。", "Nothing in your jurisdiction yet."))</p>") : Self.staffingTable(ctx, totals, editable: false))
        </section>
        <section class="panel"><h2>\(ctx.t("有缺口的企业", "Enterprises short of certified operators"))</h2>
          \(shortRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有缺口。", "None."))</p>") : """
          <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("缺口", "Short"))</th></tr></thead><tbody>\(shortRows)</tbody></table></div>
          """)
        </section>
        """)
    }

    func saveStaffing(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        guard case .enterprise(let id) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        struct Form: Content {
            var version: Int?
            var required: [String: String]?
            var addOperation: String?
            var addCount: String?
        }
        let v = try req.content.decode(Form.self)
        var required: [String: Int] = [:]
        var issues: [FieldIssue] = []
        for (op, text) in v.required ?? [:] {
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            if let n = Int(t) { required[op] = n } else { issues.append(FieldIssue(field: "required.\(op)", zh: "\(Self.operationName(op))：请填写整数", en: "\(op): a whole number")) }
        }
        if let op = v.addOperation, !op.isEmpty {
            if let n = Int((v.addCount ?? "").trimmingCharacters(in: .whitespaces)) { required[op] = n }
            else { issues.append(FieldIssue(field: "addCount", zh: "请填写新增操作项目的所需人数", en: "how many are needed for the added operation")) }
        }
        do {
            guard issues.isEmpty else { throw DomainError.validation(issues) }
            _ = try await req.zhiben.workforce.setStaffing(enterpriseID: id, required: required, expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.staffing.done("saved"))
        } catch let error as DomainError {
            if case .staleVersion = error {
                return .html(try await staffingPage(req, ctx, issues: [], status: ctx.t("所需人数已被他人修改，以下为最新内容。", "Someone changed the needs meanwhile; these are the current ones.")),
                             status: .conflict)
            }
            guard let issues = error.fieldIssues else { throw error }
            return .html(try await staffingPage(req, ctx, issues: issues), status: .unprocessableEntity)
        }
    }

    // MARK: violations

    struct ViolationForm: Content {
        var workerId: UUID?
        var kind: String?
        var happenedOn: String?
        var what: String?
    }

    func recordViolation(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(ViolationForm.self)
        let s = req.zhiben.workforce
        do {
            let rec = try await s.recordViolation(.init(workerID: v.workerId, kind: v.kind, happenedOn: v.happenedOn, what: v.what), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.worker(rec.workerID).done("violation"))
        } catch let error as DomainError {
            guard let issues = error.fieldIssues, let id = v.workerId else { throw error }
            let w = try await s.worker(id, reveal: true, actor: ctx.caller, origin: req.origin)
            return .html(try await workerPage(req, ctx, w, values: nil, issues: [], certificateIssues: [], violationIssues: issues, violationValues: v),
                         status: .unprocessableEntity)
        }
    }

    func violations(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let query = try req.violationQuery()
        let page = try await req.zhiben.workforce.violations(query, page: req.paging(), actor: ctx.caller)
        var qs = QueryString()
        for key in ["q", "county", "enterprise", "state", "per"] { qs.set(key, req.queryString(key)) }
        let mayAct = ctx.caller.can(.peopleManage) || ctx.caller.can(.peopleOversee)
        let today = req.zhiben.workforce.today
        let rows = page.items.map { v -> HTML in
            let action: HTML = !mayAct || v.state == .cleared ? "" : """
            <form method="post" action="\(SitePath.violationTransition(v.id).path)" class="inline-form">
              \(ctx.csrfField)<input type="hidden" name="version" value="\(v.version)">
              <input type="hidden" name="event" value="\(v.state == .offDuty ? "retrain" : "reexam")">
              <label>\(v.state == .offDuty ? ctx.t("培训日期", "Retrained on") : ctx.t("考试日期", "Examined on")) <input type="date" name="on" value="\(today)" required></label>
              \(HTML.when(v.state == .retrained) { "<label>\(ctx.t("成绩", "Score")) <input type=\"number\" name=\"score\" min=\"0\" max=\"100\" required class=\"narrow\"></label>" })
              <button type="submit">\(v.state == .offDuty ? ctx.t("记录培训", "Record retraining") : ctx.t("记录考试", "Record the exam"))</button>
            </form>
            """
            return """
            <tr id="v-\(v.id.uuidString)">
              <td>\(v.enterpriseName)</td>
              <td><a href="\(SitePath.worker(v.workerID).path)">\(v.workerName)</a></td>
              <td>\(v.happenedOn)</td>
              <td>\(v.kind.label(ctx.lang))</td>
              <td>\(v.what)</td>
              <td>\(v.state.label(ctx.lang))\(v.reexamScore.map { HTML("<br><span class=\"muted small\">\(ctx.t("补考", "re-exam")) \($0)</span>") } ?? "")</td>
              <td>\(action)</td>
            </tr>
            """
        }
        let content: HTML = """
        \(Layout.flash(req.queryString("done") == "saved" ? ctx.t("已记录。", "Recorded.") : nil))
        \(req.queryString("error").map { Layout.flash($0, kind: "error") } ?? "")
        <div class="toolbar">
          <p class="subtitle">\(ctx.t("违章作业、违章指挥、违反劳动纪律的人员停岗，经培训并考试合格（60分）后复岗。新记录请在人员记录页填写。", "Workers who violated rules, ordered violations or broke discipline are off duty until retrained and re-examined (pass mark 60). Record new ones on the worker's page."))</p>
          <div><a class="button" href="\(SitePath.violationExport.with(qs.with("per", nil)))">\(ctx.t("导出CSV", "Export CSV"))</a></div>
        </div>
        <form class="filters" method="get" action="\(SitePath.violations.path)" role="search">
          <div class="field grow"><label for="q">\(ctx.t("姓名或情形", "Name or what"))</label><input id="q" name="q" type="search" value="\(query.search ?? "")"></div>
          \(countyFilter(ctx, query.countyCode))
          \(ctx.caller.can(.peopleManage) ? "" : await EnterprisePicker.filter(ctx, req))
          <div class="field"><label for="state">\(ctx.t("状态", "State"))</label><select id="state" name="state">\(Layout.options(labeledOptions(Violation.State.self, ctx.lang), selected: query.tags?.count == 1 ? query.tags?.first : nil, blank: ctx.t("全部", "All")))</select></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("查找", "Search"))</button> <a href="\(SitePath.violations.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <p class="count">\(ctx.t("共 \(page.total) 条", "\(page.total) violations"))</p>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有三违记录。", "No violations."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("日期", "Day"))</th><th scope="col">\(ctx.t("类别", "Kind"))</th><th scope="col">\(ctx.t("情形", "What"))</th><th scope="col">\(ctx.t("状态", "State"))</th><th scope="col">\(ctx.t("办理", "Next step"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: ctx.lang))
        """
        return .html(section(ctx, ctx.t("三违记录", "Violations"), content))
    }

    func exportViolations(req: Request) async throws -> Response {
        .csv(WorkforceCSV.violations(try await req.zhiben.workforce.allViolations(req.violationQuery(), actor: req.caller)), filename: "violations.csv",
             displayName: "三违记录.csv")
    }

    func transition(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        struct Form: Content {
            var version: Int?
            var event: String?
            var on: String?
            var score: String?
        }
        let v = try req.content.decode(Form.self)
        do {
            let score = v.score.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if let t = v.score, !t.isEmpty, score == nil { throw DomainError.validation([FieldIssue(field: "score", zh: "成绩应为0至100的整数", en: "the score is a whole number 0 to 100")]) }
            _ = try await req.zhiben.workforce.transition(violation: req.recordID("violation"), event: v.event ?? "", on: v.on, score: score,
                                                          expectedVersion: v.version ?? -1, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.violations.done("saved"))
        } catch let error as DomainError {
            let text: String = switch error {
            case .staleVersion: ctx.t("该记录已被他人办理，请查看最新状态。", "Someone acted on this record meanwhile; see its current state.")
            case .invalidTransition: ctx.t("该记录当前状态不能进行此操作。", "Not possible in the record's current state.")
            default: error.fieldIssues?.map { $0.reason(ctx.lang) }.joined(separator: "；") ?? ctx.t("无法办理。", "Not possible.")
            }
            var qs = QueryString()
            qs.set("error", text)
            return req.redirect(to: SitePath.violations.with(qs))
        }
    }

    // MARK: off duty

    func offDuty(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        let county = try req.queryCounty()
        let enterprise = try req.queryUUID("enterprise")
        let list = try await req.zhiben.workforce.offDuty(enterpriseID: enterprise, countyCode: county, actor: ctx.caller)
        let regulator = !ctx.caller.can(.peopleManage)
        let rows = list.prefix(1000).map { e -> HTML in
            let name: HTML = e.workerID.map { "<a href=\"\(SitePath.worker($0).path)\">\(e.workerName)</a>" } ?? "\(e.workerName)"
            let source: HTML = switch e.source {
            case .manual: HTML("\(ctx.t("企业停岗", "Put off duty"))")
            case .violation: HTML("<a href=\"\(SitePath.violations.path)?q=\(e.workerName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")\">\(ctx.t("三违", "Violation"))</a>")
            case .exam(_, let inspection, _): HTML("<a href=\"\(SitePath.inspection(inspection).path)\">\(ctx.t("逢查必考", "Exam at an inspection"))</a>")
            }
            return "<tr>\(HTML.when(regulator) { "<td>\(e.enterpriseName)</td>" })<td>\(name)</td><td>\(e.job)</td><td>\(e.since)</td><td>\(source)</td><td>\(e.zh)</td></tr>"
        }
        let content: HTML = """
        <p class="subtitle">\(ctx.t("一处查看“谁现在不能上岗、为什么”：企业停岗的人员、未了结的三违，以及执法检查逢查必考不合格待补考的人员。", "One place for who may not work now and why: workers put off duty, open violations, and failed exams at inspections awaiting a re-exam."))</p>
        <form class="filters" method="get" action="\(SitePath.offDuty.path)">
          \(countyFilter(ctx, county))
          \(regulator ? await EnterprisePicker.filter(ctx, req) : "")
          \(HTML.when(regulator) { "<div class=\"actions\"><button type=\"submit\" class=\"primary\">\(ctx.t("查看", "Show"))</button> <a href=\"\(SitePath.offDuty.path)\">\(ctx.t("清除", "Clear"))</a></div>" })
        </form>
        <p class="count">\(ctx.t("共 \(list.count) 人次", "\(list.count) entries"))</p>
        \(list.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("目前没有停岗人员。", "Nobody is off duty."))</p>") : """
        <div class="table-wrap"><table class="data">
          <thead><tr>\(HTML.when(regulator) { "<th scope=\"col\">\(ctx.t("企业", "Enterprise"))</th>" })<th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("岗位", "Job"))</th><th scope="col">\(ctx.t("自", "Since"))</th><th scope="col">\(ctx.t("来源", "Source"))</th><th scope="col">\(ctx.t("原因", "Why"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        """
        return .html(section(ctx, ctx.t("停岗名单", "Off duty"), content))
    }

    // MARK: import

    func template(req: Request) async throws -> Response {
        .csv(CSV.document(header: CertificateCSV.templateHeader, rows: []), filename: "certificate-template.csv", displayName: "操作证导入模板.csv")
    }

    func importForm(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        return .html(importPage(ctx, notice: nil, issues: []))
    }

    func importPage(_ ctx: PageContext, notice: HTML?, issues: [FieldIssue], preview: HTML = "") -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        return section(ctx, ctx.t("导入特种作业操作证", "Import certificates"), """
        \(notice ?? "")
        \(f.summary())
        \(preview)
        <section class="panel">
          <h2>\(ctx.t("上传全国特种作业操作证查询结果", "Upload the national certificate query"))</h2>
          <p>\(ctx.t("支持 GB18030 和 UTF-8 编码的 CSV。身份证号未登记的人员将新增；同一人员同一操作项目、同一证号的证书将更新，其余新增。先预览，文件完全无误才会导入，导入要么全部成功要么不导入。", "CSV in GB18030 or UTF-8. A new ID number adds the worker; a certificate of the same operation and number is updated, others added. You see a preview first; a file is imported only when every row is clean, all or nothing."))</p>
          <p class="muted">\(ctx.t("列：", "Columns: "))\(CertificateCSV.templateHeader.joined(separator: "、"))。<a href="\(SitePath.peopleImportTemplate.path)">\(ctx.t("下载模板", "Download the template"))</a></p>
          <form method="post" action="\(SitePath.peopleImport.path)" enctype="multipart/form-data">
            \(ctx.csrfField)
            <div class="field\(HTML(raw: issues.isEmpty ? "" : " has-error"))"><label for="file">\(ctx.t("CSV 文件", "CSV file"))</label><input id="file" name="file" type="file" accept=".csv,text/csv" required></div>
            <button type="submit" class="primary">\(ctx.t("上传并预览", "Upload and preview"))</button>
          </form>
        </section>
        """)
    }

    func importUpload(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleManage)
        guard case .enterprise(let enterpriseID) = ctx.caller.scope else { throw DomainError.forbidden(permission: .peopleManage) }
        struct Form: Content {
            var file: File?
            var upload: UUID?
        }
        let form = try req.content.decode(Form.self)
        let s = req.zhiben.workforce
        if let id = form.upload {
            do {
                let report = try await s.importStashed(id, enterpriseID: enterpriseID, actor: ctx.caller, origin: req.origin)
                if report.committed {
                    let text = ctx.t("已导入：新增人员 \(report.count(.newWorker)) 人，新增操作证 \(report.count(.newCertificate)) 本，更新 \(report.count(.changed)) 本。",
                                     "Imported: \(report.count(.newWorker)) new workers, \(report.count(.newCertificate)) new certificates, \(report.count(.changed)) updated.")
                    return .html(importPage(ctx, notice: Layout.flash(text), issues: []))
                }
                return .html(importPage(ctx, notice: Layout.flash(ctx.t("文件有错误，未导入任何数据。", "The file has errors; nothing was imported."), kind: "error"),
                                        issues: [], preview: preview(ctx, report, upload: nil)), status: .unprocessableEntity)
            } catch let error as DomainError {
                if case .staleVersion = error {
                    return .html(importPage(ctx, notice: Layout.flash(ctx.t("预览后人员信息已有变化，请重新上传预览。", "Workers changed after the preview: upload again."), kind: "error"), issues: []),
                                 status: .conflict)
                }
                guard let issues = error.fieldIssues else { throw error }
                return .html(importPage(ctx, notice: nil, issues: issues), status: .unprocessableEntity)
            }
        }
        guard let file = form.file, file.data.readableBytes > 0 else {
            return .html(importPage(ctx, notice: nil, issues: [FieldIssue(field: "file", zh: "请选择要上传的 CSV 文件", en: "choose a CSV file to upload")]), status: .unprocessableEntity)
        }
        let data = Data(buffer: file.data)
        let report = try await s.importCertificates(data, enterpriseID: enterpriseID, commit: false, actor: ctx.caller)
        let upload = report.isClean ? try await s.stashImport(data, actor: ctx.caller) : nil
        return .html(importPage(ctx, notice: nil, issues: [], preview: preview(ctx, report, upload: upload)), status: report.isClean || report.lines.isEmpty ? .ok : .unprocessableEntity)
    }

    func preview(_ ctx: PageContext, _ r: CertificateImportReport, upload: UUID?) -> HTML {
        if !r.fileIssues.isEmpty {
            return "<section class=\"panel\"><h2>\(ctx.t("无法读取文件", "The file cannot be read"))</h2><div class=\"flash error\" role=\"alert\"><ul>\(r.fileIssues.map { "<li>\($0.reason(ctx.lang))</li>" as HTML })</ul></div></section>"
        }
        let outcome: [CertificateImportReport.Outcome: (String, String)] = [.newWorker: ("新增人员及证书", "new worker"), .newCertificate: ("新增证书", "new certificate"),
                                                                             .changed: ("更新证书", "updated"), .unchanged: ("无变化", "unchanged"), .invalid: ("有错误", "error")]
        let rows = r.lines.prefix(1000).map { l -> HTML in
            let o = outcome[l.outcome]!
            return """
            <tr\(HTML(raw: l.issues.isEmpty ? "" : " class=\"warn\""))><td class="num">\(l.line)</td><td>\(l.name)</td><td class="mono">\(l.idNumber)</td><td>\(Self.operationName(l.operation))</td><td class="mono">\(l.number)</td><td>\(ctx.t(o.0, o.1))</td><td>\(HTML.join(l.issues.map { "\($0.field)：\($0.reason(ctx.lang))" as HTML }, "<br>"))</td></tr>
            """
        }
        let bad = r.count(.invalid)
        return """
        <section class="panel preview">
          <h2>\(ctx.t("预览", "Preview"))</h2>
          <p>\(ctx.t("共 \(r.lines.count) 行（编码 \(r.encoding?.rawValue ?? "?")）：新增人员 \(r.count(.newWorker))，新增证书 \(r.count(.newCertificate))，更新 \(r.count(.changed))，无变化 \(r.count(.unchanged))，有错误 \(bad)。",
                         "\(r.lines.count) rows (\(r.encoding?.rawValue ?? "?")): \(r.count(.newWorker)) new workers, \(r.count(.newCertificate)) new certificates, \(r.count(.changed)) updated, \(r.count(.unchanged)) unchanged, \(bad) with errors."))</p>
          \(HTML.when(bad > 0) { "<p class=\"flash error\" role=\"alert\">\(ctx.t("有 \(bad) 行错误，改正后重新上传；文件完全无误才会导入。", "\(bad) rows have errors: correct them and upload again; only a clean file is imported."))</p>" })
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("行号", "Row"))</th><th scope="col">\(ctx.t("姓名", "Name"))</th><th scope="col">\(ctx.t("身份证号", "ID number"))</th><th scope="col">\(ctx.t("操作项目", "Operation"))</th><th scope="col">\(ctx.t("证号", "Number"))</th><th scope="col">\(ctx.t("处理", "Outcome"))</th><th scope="col">\(ctx.t("问题", "Problems"))</th></tr></thead>
            <tbody>\(rows)</tbody>
          </table></div>
          \(HTML.when(upload != nil) { """
          <form method="post" action="\(SitePath.peopleImport.path)" enctype="multipart/form-data" class="inline">\(ctx.csrfField)<input type="hidden" name="upload" value="\(upload!.uuidString)"><button type="submit" class="primary">\(ctx.t("确认导入全部 \(r.lines.count) 行", "Import all \(r.lines.count) rows"))</button></form>
          """ })
        </section>
        """
    }
}
