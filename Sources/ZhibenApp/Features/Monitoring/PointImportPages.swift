import Foundation
import Vapor
import ZhibenDomain

/// An enterprise's monitoring points as a CSV file: export, edit in a spreadsheet, import back (new
/// codes become points, known codes change theirs), with a preview of every row before anything is
/// written. Regulators export the points in their jurisdiction.
struct PointImportPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.monitoringPointImport, use: form)
        routes.get(WebRoute.monitoringPointTemplate, use: template)
        routes.post(WebRoute.monitoringPointImport, use: upload)
        routes.get(WebRoute.monitoringPointExport, use: export)
    }

    struct UploadForm: Content {
        var file: File?
        /// The previewed file itself (Base64), sent back when the user confirms: a points file is small.
        var content: String?
    }

    func template(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        let header = MonitoringPointCSV.columns.map(\.zh)
        let example = ["TT-101", "1#干燥机料仓温度", "DUST-DRY-HOPPER-TEMP", "1#干燥机", "℃", "模拟量", "10", "", "", "70", "85", "", "30", "2", "", "是"]
        return Response.csv(CSV.document(header: header, rows: [example]), filename: "monitoring-points-template.csv")
    }

    func export(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        let data = try await req.zhiben.monitoring.exportPoints(req.monitoringPointQuery(), actor: ctx.caller)
        return Response.csv(data, filename: "monitoring-points.csv")
    }

    func form(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        return .html(page(ctx, notice: nil, issues: []))
    }

    func page(_ ctx: PageContext, notice: HTML?, issues: [FieldIssue], preview: HTML = "") -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let columns = MonitoringPointCSV.columns.map { $0.required ? "\($0.zh)*" : $0.zh }.joined(separator: "、")
        let content: HTML = """
        \(notice ?? "")
        \(f.summary())
        \(preview)
        <section class="panel">
          <h2>\(ctx.t("上传点位表", "Upload a points file"))</h2>
          <p>\(ctx.t("编码已存在的行修改该点位（限值变更记入历史），其余行登记为新点位。先预览，每一行都无误才会导入。", "Rows whose code you already have change that point (limit changes go into its history); the others become new points. You see a preview first; nothing is imported unless every row is clean."))</p>
          <p class="muted">\(ctx.t("列（*为必填）：", "Columns (* required): "))\(columns)。\(ctx.t("类型不填则取监测指标的类型；异常状态用“|”分隔；在用填“是”或“否”。", "Kind defaults to the indicator's; separate abnormal states with |; active is 是 or 否."))
            <a href="\(SitePath.monitoringPointTemplate.path)">\(ctx.t("下载模板", "Download the template"))</a> · <a href="\(SitePath.monitoringPointExport.path)">\(ctx.t("导出现有点位", "Export the current points"))</a></p>
          <form method="post" action="\(SitePath.monitoringPointImport.path)" enctype="multipart/form-data">
            \(ctx.csrfField)
            <div class="field\(HTML(raw: issues.isEmpty ? "" : " has-error"))"><label for="file">\(ctx.t("CSV 文件", "CSV file"))</label><input id="file" name="file" type="file" accept=".csv,text/csv" required></div>
            <button type="submit" class="primary">\(ctx.t("上传并预览", "Upload and preview"))</button>
          </form>
        </section>
        """
        return Layout.page(ctx, title: ctx.t("导入监测点位", "Import monitoring points"), content)
    }

    func upload(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.monitoringManage)
        let form = try req.content.decode(UploadForm.self)
        let service = req.zhiben.monitoring
        if let content = form.content {
            guard let data = Data(base64Encoded: content) else {
                return .html(page(ctx, notice: nil, issues: [FieldIssue(field: "file", zh: "请重新上传文件", en: "upload the file again")]), status: .unprocessableEntity)
            }
            let report: PointImportReport
            do {
                report = try await service.importPoints(data, commit: true, actor: ctx.caller, origin: req.origin)
            } catch let error as DomainError {
                guard let issues = error.fieldIssues else { throw error }
                return .html(page(ctx, notice: nil, issues: issues), status: .unprocessableEntity)
            }
            guard report.committed else {
                return .html(page(ctx, notice: Layout.flash(ctx.t("文件有错误，未导入任何数据。", "The file has errors; nothing was imported."), kind: "error"),
                                  issues: [], preview: preview(ctx, report, content: nil)), status: .unprocessableEntity)
            }
            let text = ctx.t("已新增 \(report.count(.new)) 个点位，修改 \(report.count(.changed)) 个。", "Added \(report.count(.new)) points and changed \(report.count(.changed)).")
            return .html(page(ctx, notice: Layout.flash(text), issues: []))
        }
        guard let file = form.file, file.data.readableBytes > 0 else {
            return .html(page(ctx, notice: nil, issues: [FieldIssue(field: "file", zh: "请选择要上传的 CSV 文件", en: "choose a CSV file to upload")]),
                         status: .unprocessableEntity)
        }
        let data = Data(buffer: file.data)
        let report = try await service.importPoints(data, commit: false, actor: ctx.caller)
        return .html(page(ctx, notice: nil, issues: [], preview: preview(ctx, report, content: data.base64EncodedString())),
                     status: report.parsed.isClean ? .ok : .unprocessableEntity)
    }

    func preview(_ ctx: PageContext, _ report: PointImportReport, content: String?) -> HTML {
        let parsed = report.parsed
        if !parsed.fileIssues.isEmpty {
            let problems = parsed.fileIssues.map { "<li>\($0.reason(ctx.lang))</li>" as HTML }
            return "<section class=\"panel\"><h2>\(ctx.t("无法读取文件", "The file cannot be read"))</h2><div class=\"flash error\" role=\"alert\"><ul>\(problems)</ul></div></section>"
        }
        func label(_ o: PointImportReport.Outcome) -> String {
            switch o {
            case .new: ctx.t("新增", "new")
            case .changed: ctx.t("修改", "changed")
            case .unchanged: ctx.t("无变化", "unchanged")
            case .invalid: ctx.t("有错误", "errors")
            }
        }
        let rows = zip(parsed.rows, report.outcomes).prefix(1000).map { row, outcome -> HTML in
            let problems = row.issues.map { "<li>\($0.reason(ctx.lang))</li>" as HTML }
            return """
            <tr\(HTML(raw: outcome == .invalid ? " class=\"has-error\"" : ""))><td class="num">\(row.line)</td><td class="mono">\(row.draft.code)</td><td>\(row.draft.name)</td>
              <td>\(row.draft.limits.summary)</td><td><span class="tag">\(label(outcome))</span>\(HTML.when(!problems.isEmpty) { "<ul class=\"errors\">\(problems)</ul>" })</td></tr>
            """
        }
        let invalid = report.count(.invalid)
        let summary = ctx.t("共 \(parsed.rows.count) 行：新增 \(report.count(.new))，修改 \(report.count(.changed))，无变化 \(report.count(.unchanged))，有错误 \(invalid)。",
                            "\(parsed.rows.count) rows: \(report.count(.new)) new, \(report.count(.changed)) changed, \(report.count(.unchanged)) unchanged, \(invalid) with errors.")
        let writes = report.count(.new) + report.count(.changed)
        return """
        <section class="panel preview">
          <h2>\(ctx.t("预览", "Preview"))</h2>
          <p>\(summary)</p>
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">\(ctx.t("行号", "Row"))</th><th scope="col">\(ctx.t("编码", "Code"))</th><th scope="col">\(ctx.t("名称", "Name"))</th><th scope="col">\(ctx.t("报警限值", "Alarm limits"))</th><th scope="col">\(ctx.t("结果", "Outcome"))</th></tr></thead>
            <tbody>\(rows)</tbody>
          </table></div>
          \(HTML.when(parsed.rows.count > 1000) { "<p class=\"muted\">\(ctx.t("仅显示前1000行。", "Only the first 1,000 rows are shown."))</p>" })
          \(HTML.when(content != nil && invalid == 0 && writes > 0) { """
          <form method="post" action="\(SitePath.monitoringPointImport.path)" class="inline">\(ctx.csrfField)<input type="hidden" name="content" value="\(content ?? "")">
            <button type="submit" class="primary">\(ctx.t("确认导入（新增 \(report.count(.new))，修改 \(report.count(.changed))）", "Import (\(report.count(.new)) new, \(report.count(.changed)) changed)"))</button></form>
          """ })
          \(HTML.when(invalid == 0 && writes == 0) { "<p class=\"muted\">\(ctx.t("文件与现有点位一致，无需导入。", "The file matches the current points; nothing to import."))</p>" })
        </section>
        """
    }
}
