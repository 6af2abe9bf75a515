import Foundation
import Vapor
import ZhibenDomain

/// 培训考核与演练: principals' training coverage by the plan's schedule with those not yet trained,
/// metal-smelting principals not examined (a major hazard, offered for reporting), drills overdue and
/// counties without their observation drill; and the forms that record each.
struct TrainingPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.trainings, use: show)
        routes.post(WebRoute.trainings, use: recordTraining)
        routes.post(WebRoute.managerExams, use: recordExam)
        routes.post(WebRoute.drills, use: recordDrill)
        routes.get(WebRoute.trainingExport, use: TrainingAPIController.exportTrainings)
        routes.get(WebRoute.managerExamExport, use: TrainingAPIController.exportExams)
        routes.get(WebRoute.drillExport, use: TrainingAPIController.exportDrills)
        routes.post(WebRoute.drillPhotos, body: .collect(maxSize: "48mb"), use: uploadDrillPhoto)
        routes.get(WebRoute.drillPhoto, use: TrainingAPIController.drillPhoto)
    }

    func show(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.peopleRead)
        return .html(try await page(req, ctx, form: nil, issues: []))
    }

    struct Form: Content {
        var title: String?
        var topic: String?
        var on: String?
        var role: String?
        var codes: String?
        var principal: String?
        var safetyManager: String?
        var enterpriseId: String?
        var enterpriseText: String?
        var passed: String?
        var kind: String?
        var scenario: String?
        var participants: String?
        var evaluation: String?
    }

    func page(_ req: Request, _ ctx: PageContext, form: (kind: String, values: Form)?, issues: [FieldIssue]) async throws -> HTML {
        let s = req.zhiben.trainings
        let county = try req.queryCounty()
        let coverage = try await s.coverage(countyCode: county, actor: ctx.caller)
        let unexamined = try await s.unexaminedPrincipals(countyCode: county, actor: ctx.caller)
        let standings = try await s.drillStandings(countyCode: county, actor: ctx.caller)
        let overdue = standings.filter(\.due.overdue)
        let noObservation = try await s.countiesWithoutObservationDrill(actor: ctx.caller)
        let recent = try await s.trainings(RecordQuery(descending: true), page: Paging(per: 10), actor: ctx.caller).items
        let manage = ctx.caller.can(.peopleManage)
        let oversee = ctx.caller.can(.peopleOversee)
        let drills = try await s.drills(RecordQuery(countyCode: county, descending: true), page: Paging(per: 10), actor: ctx.caller).items
        let countyScope = { if case .county = ctx.caller.scope { true } else { false } }()
        let drillRows = drills.map { d -> HTML in
            let mayAdd = (d.kind == .observation ? oversee && countyScope : manage) && d.photoIDs.count < TrainingService.maxPhotosPerDrill
            let photos = d.photoIDs.enumerated().map { n, p -> HTML in "<a href=\"\(SitePath.drillPhoto(d.id, p).path)\" target=\"_blank\">\(ctx.t("照片\(n + 1)", "photo \(n + 1)"))</a> " }
            return """
            <tr data-drill="\(d.id.uuidString)"><td>\(d.on)</td><td>\(d.enterpriseName)</td><td>\(d.kind.label(ctx.lang))</td><td>\(d.scenario)</td><td class="num">\(d.participants)</td>
            <td>\(photos.isEmpty ? HTML("—") : HTML.join(photos))\(HTML.when(mayAdd) { """
              <form method="post" action="\(SitePath.drillPhotos(d.id).path)" enctype="multipart/form-data" class="inline-upload">\(ctx.csrfField)<input type="file" name="photo" accept="image/jpeg,image/png,image/webp" capture="environment" required aria-label="\(ctx.t("演练照片", "Drill photo"))"> <button type="submit">\(ctx.t("上传照片", "Upload"))</button></form>
              """ })</td></tr>
            """
        }
        func issuesOf(_ kind: String) -> [FieldIssue] { form?.kind == kind ? issues : [] }
        let coverageRows = coverage.map { r -> HTML in
            let pct = r.required == 0 ? "—" : "\(r.trained * 100 / r.required)%"
            let names = r.untrained.prefix(10).map(\.name).joined(separator: "、") + (r.untrained.count > 10 ? ctx.t("等\(r.untrained.count)家", " and \(r.untrained.count - 10) more") : "")
            return "<tr><td>\(r.topic.label(ctx.lang))</td><td class=\"num\">\(r.year)</td><td class=\"num\">\(r.required)</td><td class=\"num\">\(r.trained)</td><td class=\"num\">\(pct)</td><td>\(names)</td></tr>"
        }
        let unexaminedRows = unexamined.prefix(50).map { e -> HTML in
            var qs = QueryString()
            qs.set("enterprise", e.id.uuidString)
            qs.set("criterion", TrainingService.unexaminedPrincipalCriterion)
            qs.set("title", "金属冶炼企业主要负责人未按规定通过安全生产知识和管理能力考核")
            return """
            <tr><td>\(e.profile.name)</td><td>\(County.named(e.profile.countyCode)?.label(ctx.lang) ?? "")</td><td>\(e.profile.principal.name)</td>
            <td>\(HTML.when(ctx.caller.can(.hazardReport)) { "<a class=\"button\" href=\"\(SitePath.hazardNew.path)\(qs.string)\">\(ctx.t("报告重大隐患", "Report the major hazard"))</a>" })</td></tr>
            """
        }
        let overdueRows = overdue.prefix(50).map { d -> HTML in
            "<tr><td>\(d.name)</td><td>\(County.named(d.countyCode)?.label(ctx.lang) ?? "")</td><td class=\"num\">\(d.intervalMonths)</td><td>\(d.lastDrill ?? ctx.t("无记录", "never"))</td><td>\(d.due.by ?? ctx.t("应立即组织", "now"))</td></tr>"
        }
        let trainingRows = recent.map { t -> HTML in
            "<tr><td>\(t.on)</td><td>\(t.title)</td><td>\(t.organiser.label(ctx.lang))</td><td>\(t.topic?.label(ctx.lang) ?? ctx.t("综合", "general"))</td><td class=\"num\">\(t.attendees.count)</td></tr>"
        }
        let tf = FormRenderer(lang: ctx.lang, issues: issuesOf("training"), prefix: "t-")
        let xf = FormRenderer(lang: ctx.lang, issues: issuesOf("exam"), prefix: "x-")
        let df = FormRenderer(lang: ctx.lang, issues: issuesOf("drill"), prefix: "d-")
        let v = form?.values ?? Form()
        let topics = TrainingRules.schedule.map { ($0.risk.rawValue, "\($0.risk.label(ctx.lang))（\($0.year)年）") }
        let drillKinds = Drill.Kind.allCases.filter { ctx.caller.scope.isRegulator ? $0 == .observation : $0 != .observation }.map { ($0.rawValue, $0.label(ctx.lang)) }
        let flash: String? = switch req.queryString("done") {
        case "training": ctx.t("已记录培训。", "Training recorded.")
        case "exam": ctx.t("已记录考核。", "Exam recorded.")
        case "drill": ctx.t("已记录演练。", "Drill recorded.")
        case "photo": ctx.t("已上传演练照片。", "Photo uploaded.")
        default: nil
        }
        return Layout.page(ctx, title: ctx.t("培训考核与演练", "Training, exams and drills"), """
        \(WorkforcePages.subnav(ctx))
        \(Layout.flash(flash))
        \(HTML.when(ctx.caller.scope == .city) { "<form class=\"filters\" method=\"get\" action=\"\(SitePath.trainings.path)\"><div class=\"field\"><label for=\"county\">\(ctx.t("县（市、区）", "County"))</label><select id=\"county\" name=\"county\">\(Layout.options(County.all.map { ($0.code, $0.label(ctx.lang)) }, selected: county, blank: ctx.t("全市", "Whole city")))</select></div><div class=\"actions\"><button type=\"submit\" class=\"primary\">\(ctx.t("查看", "Show"))</button></div></form>" })
        <section class="panel" id="coverage"><h2>\(ctx.t("主要负责人培训覆盖（三年全覆盖）", "Principals trained (full coverage in three years)"))</h2>
          <p class="subtitle">\(ctx.t("按方案：粉尘涉爆企业2024年、金属冶炼企业2025年、有限空间作业企业2026年完成主要负责人培训。", "By the plan: principals of dust-explosion enterprises in 2024, metal smelting in 2025, confined spaces in 2026."))</p>
          <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("专题", "Topic"))</th><th scope="col">\(ctx.t("年度", "Year"))</th><th scope="col">\(ctx.t("应培训", "Required"))</th><th scope="col">\(ctx.t("已培训", "Trained"))</th><th scope="col">\(ctx.t("覆盖率", "Coverage"))</th><th scope="col">\(ctx.t("尚未培训的企业", "Not yet trained"))</th></tr></thead><tbody>\(coverageRows)</tbody></table></div>
        </section>
        <section class="panel" id="unexamined"><h2>\(ctx.t("金属冶炼企业主要负责人未考核合格（重大事故隐患）", "Metal-smelting principals not examined (a major hazard)"))</h2>
          <p class="subtitle">\(ctx.t("依据《工贸企业重大事故隐患判定标准》第三条第（三）项。", "Art. 3 item 3 of the 2023 criteria."))</p>
          \(unexaminedRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有。", "None."))</p>") : """
          <p class="count">\(ctx.t("共 \(unexamined.count) 家", "\(unexamined.count) enterprises"))</p>
          <div class="table-wrap"><table class="data"><thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("主要负责人", "Principal"))</th><th scope="col"></th></tr></thead><tbody>\(unexaminedRows)</tbody></table></div>
          """)
          \(HTML.when(oversee) { """
          <details\(HTML(raw: form?.kind == "exam" ? " open" : ""))><summary>\(ctx.t("记录考核结果", "Record an exam"))</summary>
            \(xf.summary())
            <form method="post" action="\(SitePath.managerExams.path)" class="grid-form">\(ctx.csrfField)
              \(EnterprisePicker.field(ctx, issues: issuesOf("exam"), idName: "enterpriseId", textName: "enterpriseText", label: ctx.t("企业", "Enterprise"), selected: nil, typed: v.enterpriseText ?? "", required: true))
              \(xf.select("role", ctx.t("考核对象", "Who"), options: [(TraineeRole.principal.rawValue, TraineeRole.principal.zh), (TraineeRole.safetyManager.rawValue, TraineeRole.safetyManager.zh)], selected: v.role ?? "principal"))
              \(xf.text("on", ctx.t("考核日期", "Day"), value: v.on ?? s.today, required: true, type: "date"))
              \(xf.select("passed", ctx.t("结果", "Result"), options: [("true", ctx.t("合格", "Passed")), ("false", ctx.t("不合格", "Failed"))], selected: v.passed ?? "true"))
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        <section class="panel" id="drills"><h2>\(ctx.t("应急演练", "Drills"))</h2>
          <p class="subtitle">\(ctx.t("企业每年至少演练1次；金属冶炼、劳动密集型（本系统按从业人员100人以上计）和厂中厂企业每半年1次；每县每年至少组织1次观摩演练。", "Every enterprise at least once a year; metal smelting, labour-intensive (here: 100 employees or more) and factory-in-factory enterprises every half year; each county one observation drill a year."))</p>
          \(HTML.when(!noObservation.isEmpty) { "<p class=\"flash warning\">\(ctx.t("今年尚未组织观摩演练：", "No observation drill this year: "))\(noObservation.map { County.named($0)?.label(ctx.lang) ?? $0 }.joined(separator: "、"))</p>" })
          <p class="count">\(ctx.t("\(standings.count) 家企业中 \(overdue.count) 家演练逾期", "\(overdue.count) of \(standings.count) enterprises overdue"))</p>
          \(HTML.when(!overdueRows.isEmpty) { """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("企业", "Enterprise"))</th><th scope="col">\(ctx.t("县（市、区）", "County"))</th><th scope="col">\(ctx.t("频次（月）", "Every (months)"))</th><th scope="col">\(ctx.t("最近演练", "Last drill"))</th><th scope="col">\(ctx.t("应于", "Due by"))</th></tr></thead><tbody>\(overdueRows)</tbody></table></div>
          """ })
          \(HTML.when(manage || { if case .county = ctx.caller.scope { true } else { false } }()) { """
          <details\(HTML(raw: form?.kind == "drill" ? " open" : ""))><summary>\(manage ? ctx.t("记录本企业演练", "Record a drill") : ctx.t("记录县级观摩演练", "Record the county's observation drill"))</summary>
            \(df.summary())
            <form method="post" action="\(SitePath.drills.path)" class="grid-form">\(ctx.csrfField)
              \(df.select("kind", ctx.t("演练类型", "Kind"), options: drillKinds, selected: v.kind ?? drillKinds.first?.0 ?? "", required: true))
              \(df.text("on", ctx.t("演练日期", "Day"), value: v.on ?? s.today, required: true, type: "date"))
              \(df.text("scenario", ctx.t("演练情景", "Scenario"), value: v.scenario ?? "", required: true, attrs: "maxlength=\"300\""))
              \(df.text("participants", ctx.t("参演人数", "Participants"), value: v.participants ?? "", required: true, type: "number", attrs: "min=\"1\""))
              \(df.text("evaluation", ctx.t("演练评估", "Evaluation"), value: v.evaluation ?? "", attrs: "maxlength=\"2000\""))
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        <section class="panel" id="drill-records"><h2>\(ctx.t("最近的演练", "Recent drills"))</h2>
          \(HTML.when(form?.kind == "photo") { "<div class=\"flash error\" role=\"alert\">\(issues.map { $0.reason(ctx.lang) }.joined(separator: " "))</div>" })
          <p><a class="button" href="\(SitePath.drillExport.path)\(county.map { "?county=\($0)" } ?? "")">\(ctx.t("导出演练记录CSV", "Export drills (CSV)"))</a> <a class="button" href="\(SitePath.managerExamExport.path)\(county.map { "?county=\($0)" } ?? "")">\(ctx.t("导出考核记录CSV", "Export exams (CSV)"))</a></p>
          \(drillRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有演练记录。", "No drills recorded."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("日期", "Day"))</th><th scope="col">\(ctx.t("企业或县", "Enterprise or county"))</th><th scope="col">\(ctx.t("类型", "Kind"))</th><th scope="col">\(ctx.t("情景", "Scenario"))</th><th scope="col">\(ctx.t("人数", "People"))</th><th scope="col">\(ctx.t("照片", "Photos"))</th></tr></thead><tbody>\(drillRows)</tbody></table></div>
          """)
        </section>
        <section class="panel" id="trainings"><h2>\(ctx.t("培训记录", "Trainings"))</h2>
          <p><a class="button" href="\(SitePath.trainingExport.path)">\(ctx.t("导出培训记录CSV", "Export trainings (CSV)"))</a></p>
          \(trainingRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("还没有培训记录。", "No trainings recorded."))</p>") : """
          <div class="table-wrap"><table class="data compact"><thead><tr><th scope="col">\(ctx.t("日期", "Day"))</th><th scope="col">\(ctx.t("名称", "Title"))</th><th scope="col">\(ctx.t("组织", "Organiser"))</th><th scope="col">\(ctx.t("专题", "Topic"))</th><th scope="col">\(ctx.t("人数", "Attendees"))</th></tr></thead><tbody>\(trainingRows)</tbody></table></div>
          """)
          \(HTML.when(manage || oversee) { """
          <details\(HTML(raw: form?.kind == "training" ? " open" : ""))><summary>\(ctx.t("记录培训", "Record a training"))</summary>
            \(tf.summary())
            <form method="post" action="\(SitePath.trainings.path)" class="grid-form">\(ctx.csrfField)
              \(tf.text("title", ctx.t("培训名称", "Title"), value: v.title ?? "", required: true, attrs: "maxlength=\"100\""))
              \(tf.select("topic", ctx.t("专题", "Topic"), options: topics, selected: v.topic ?? "", blank: ctx.t("综合", "General")))
              \(tf.text("on", ctx.t("培训日期", "Day"), value: v.on ?? s.today, required: true, type: "date"))
              \(manage ? """
              <fieldset class="field checks"><legend>\(ctx.t("参训人员", "Attendees"))</legend>
                <label class="check"><input type="checkbox" name="principal" value="yes" checked> \(ctx.t("主要负责人", "Principal"))</label>
                <label class="check"><input type="checkbox" name="safetyManager" value="yes"> \(ctx.t("安全管理人员", "Safety manager"))</label>
              </fieldset>
              """ as HTML : """
              \(tf.select("role", ctx.t("参训对象", "Who"), options: [(TraineeRole.principal.rawValue, TraineeRole.principal.zh), (TraineeRole.safetyManager.rawValue, TraineeRole.safetyManager.zh)], selected: v.role ?? "principal"))
              <div class="field wide\(HTML(raw: issuesOf("training").contains { $0.field.hasPrefix("attendees") || $0.field == "codes" } ? " has-error" : ""))"><label for="t-codes">\(ctx.t("参训企业（每行一个统一社会信用代码，按登记的负责人姓名记录）", "Enterprises (one credit code per line; the registered names are used)")) <abbr title="必填" class="req">*</abbr></label><textarea id="t-codes" name="codes" rows="4">\(v.codes ?? "")</textarea>\(tf.errors("codes"))</div>
              """)
              <div class="actions wide"><button type="submit" class="primary">\(ctx.t("记录", "Record"))</button></div>
            </form>
          </details>
          """ })
        </section>
        """)
    }

    struct PhotoForm: Content { var photo: File? }

    func uploadDrillPhoto(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let id = try req.recordID("drill")
        let form = try req.content.decode(PhotoForm.self)
        do {
            guard let file = form.photo, file.data.readableBytes > 0 else {
                throw DomainError.validation([FieldIssue(field: "photo", zh: "请选择照片", en: "choose a photo")])
            }
            _ = try await req.zhiben.trainings.addDrillPhoto(id, data: Data(buffer: file.data), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.trainings.done("photo") + "#drill-records")
        } catch let error as DomainError {
            return try await rerender(req, ctx, "photo", Form(), error)
        }
    }

    func rerender(_ req: Request, _ ctx: PageContext, _ kind: String, _ v: Form, _ error: DomainError) async throws -> Response {
        guard let issues = error.fieldIssues else { throw error }
        return .html(try await page(req, ctx, form: (kind, v), issues: issues), status: .unprocessableEntity)
    }

    func recordTraining(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(Form.self)
        do {
            var attendees: [TrainingService.TrainingDraft.Attendee] = []
            if case .enterprise(let own) = ctx.caller.scope {
                if v.principal == "yes" { attendees.append(.init(enterpriseID: own, name: nil, role: TraineeRole.principal.rawValue)) }
                if v.safetyManager == "yes" { attendees.append(.init(enterpriseID: own, name: nil, role: TraineeRole.safetyManager.rawValue)) }
            } else {
                for line in (v.codes ?? "").split(whereSeparator: \.isNewline) {
                    guard let code = line.split(whereSeparator: { " \t,，".contains($0) }).first.map(String.init) else { continue }
                    guard let e = try await req.zhiben.enterprises.find(creditCode: code.uppercased(), actor: ctx.caller) else {
                        throw DomainError.validation([FieldIssue(field: "codes", zh: "辖区内没有统一社会信用代码为 \(code) 的企业", en: "no enterprise in your jurisdiction has the credit code \(code)")])
                    }
                    attendees.append(.init(enterpriseID: e.id, name: nil, role: v.role))
                }
            }
            _ = try await req.zhiben.trainings.recordTraining(.init(title: v.title, topic: v.topic, on: v.on, attendees: attendees), actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.trainings.done("training"))
        } catch let error as DomainError { return try await rerender(req, ctx, "training", v, error) }
    }

    func recordExam(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(Form.self)
        do {
            var enterprise: UUID?
            switch try await EnterprisePicker.resolve(req, id: v.enterpriseId, text: v.enterpriseText, field: "enterpriseId") {
            case .success(let e): enterprise = e?.id
            case .failure(let issue): throw DomainError.validation([issue])
            }
            _ = try await req.zhiben.trainings.recordExam(enterpriseID: enterprise, name: nil, role: v.role, on: v.on, passed: v.passed.map { $0 == "true" },
                                                          actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.trainings.done("exam"))
        } catch let error as DomainError { return try await rerender(req, ctx, "exam", v, error) }
    }

    func recordDrill(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let v = try req.content.decode(Form.self)
        do {
            let own: UUID? = if case .enterprise(let id) = ctx.caller.scope { id } else { nil }
            _ = try await req.zhiben.trainings.recordDrill(enterpriseID: own, kind: v.kind, on: v.on, scenario: v.scenario, participants: v.participants.flatMap { Int($0) },
                                                           evaluation: v.evaluation, actor: ctx.caller, origin: req.origin)
            return req.redirect(to: SitePath.trainings.done("drill"))
        } catch let error as DomainError { return try await rerender(req, ctx, "drill", v, error) }
    }
}
