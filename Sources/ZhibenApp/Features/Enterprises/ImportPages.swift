import Foundation
import Vapor
import ZhibenDomain

/// CSV import in two steps: upload and preview every problem, then import (all, or the clean rows if asked).
struct ImportPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.enterpriseImport, use: form)
        routes.get(WebRoute.enterpriseImportTemplate, use: template)
        routes.post(WebRoute.enterpriseImport, use: upload)
    }

    struct UploadForm: Content {
        var file: File?
        /// The id of the previewed file, kept server-side, when the user confirms.
        var upload: UUID?
        var mode: String?
    }

    func form(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.enterpriseImport)
        return .html(page(ctx, notice: nil, issues: []))
    }

    func template(req: Request) async throws -> Response {
        .csv(EnterpriseCSV.template(), filename: "enterprise-template.csv")
    }

    func page(_ ctx: PageContext, notice: HTML?, issues: [FieldIssue], preview: HTML = "") -> HTML {
        let f = FormRenderer(lang: ctx.lang, issues: issues)
        let columns = EnterpriseCSV.columns.map(\.zh).joined(separator: "、")
        let content: HTML = """
        \(notice ?? "")
        \(f.summary())
        \(preview)
        <section class="panel">
          <h2>\(ctx.t("上传企业名单", "Upload a list"))</h2>
          <p>\(ctx.t("支持 Excel 另存的 CSV（GB18030）和 UTF-8（含或不含 BOM）。先预览，文件无误后才会导入。", "CSV saved by Excel (GB18030) or UTF-8, with or without BOM. You see a preview first; nothing is imported until the file is clean."))</p>
          <p class="muted">\(ctx.t("列：", "Columns: "))\(columns)。<a href="\(SitePath.enterpriseImportTemplate.path)">\(ctx.t("下载模板", "Download the template"))</a></p>
          <form method="post" action="\(SitePath.enterpriseImport.path)" enctype="multipart/form-data">
            \(ctx.csrfField)
            <div class="field\(HTML(raw: issues.isEmpty ? "" : " has-error"))"><label for="file">\(ctx.t("CSV 文件", "CSV file"))</label><input id="file" name="file" type="file" accept=".csv,text/csv" required></div>
            <button type="submit" class="primary">\(ctx.t("上传并预览", "Upload and preview"))</button>
          </form>
        </section>
        """
        return Layout.page(ctx, title: ctx.t("批量导入企业", "Import enterprises"), content)
    }

    func upload(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.enterpriseImport)
        let form = try req.content.decode(UploadForm.self)
        let service = req.zhiben.enterprises
        if let id = form.upload, let mode = form.mode.flatMap(ImportMode.init(rawValue:)) {
            let report: ImportReport
            do {
                report = try await service.importStashed(id, mode: mode, actor: ctx.caller, origin: req.origin)
            } catch let error as DomainError {
                guard let issues = error.fieldIssues else { throw error }
                return .html(page(ctx, notice: nil, issues: issues), status: .unprocessableEntity)
            }
            if report.committed {
                let skipped = report.parsed.rows.count - report.imported
                let text = ctx.t("已导入 \(report.imported) 家企业", "Imported \(report.imported) enterprises")
                    + (skipped > 0 ? ctx.t("，跳过 \(skipped) 行有错误的数据。", "; \(skipped) rows with errors were skipped.") : "。")
                return .html(page(ctx, notice: Layout.flash(text), issues: []))
            }
            return .html(page(ctx, notice: Layout.flash(ctx.t("文件有错误，未导入任何数据。", "The file has errors; nothing was imported."), kind: "error"),
                              issues: [], preview: preview(ctx, report.parsed, upload: id)), status: .unprocessableEntity)
        }
        guard let file = form.file, file.data.readableBytes > 0 else {
            return .html(page(ctx, notice: nil, issues: [FieldIssue(field: "file", zh: "请选择要上传的 CSV 文件", en: "choose a CSV file to upload")]),
                         status: .unprocessableEntity)
        }
        let data = Data(buffer: file.data)
        let parsed = try await service.previewImport(data, actor: ctx.caller)
        // Only a file that could be imported is kept for the confirmation.
        let upload = parsed.fileIssues.isEmpty && !parsed.validRows.isEmpty ? try await service.stashImport(data, actor: ctx.caller) : nil
        return .html(page(ctx, notice: nil, issues: [], preview: preview(ctx, parsed, upload: upload)))
    }

    func preview(_ ctx: PageContext, _ parsed: EnterpriseCSV.Parsed, upload: UUID?) -> HTML {
        let problems = parsed.fileIssues.map { "<li>\($0.reason(ctx.lang))</li>" as HTML }
        if !problems.isEmpty {
            return "<section class=\"panel\"><h2>\(ctx.t("无法读取文件", "The file cannot be read"))</h2><div class=\"flash error\" role=\"alert\"><ul>\(problems)</ul></div></section>"
        }
        let issues = parsed.rowIssues
        let valid = parsed.validRows.count
        let badRows = Set(issues.map(\.row)).count
        let rows = issues.prefix(500).map { i -> HTML in
            "<tr><td class=\"num\">\(i.row)</td><td>\(i.column)</td><td>\(i.issue.reason(ctx.lang))</td></tr>"
        }
        let uploadField: HTML = upload.map { "<input type=\"hidden\" name=\"upload\" value=\"\($0.uuidString)\">" } ?? ""
        let summary = ctx.t("共 \(parsed.rows.count) 行（编码 \(parsed.encoding?.rawValue ?? "?")），\(valid) 行无误，\(badRows) 行有错误。",
                            "\(parsed.rows.count) rows (\(parsed.encoding?.rawValue ?? "?")): \(valid) clean, \(badRows) with errors.")
        return """
        <section class="panel preview">
          <h2>\(ctx.t("预览", "Preview"))</h2>
          <p>\(summary)</p>
          \(HTML.when(!issues.isEmpty) { """
          <div class="table-wrap"><table class="data compact errors">
            <thead><tr><th scope="col">\(ctx.t("行号", "Row"))</th><th scope="col">\(ctx.t("列", "Column"))</th><th scope="col">\(ctx.t("问题", "Problem"))</th></tr></thead>
            <tbody>\(rows)</tbody>
          </table></div>
          \(issues.count > 500 ? HTML("<p class=\"muted\">\(ctx.t("仅显示前500处错误。", "Only the first 500 problems are shown."))</p>") : "")
          """ })
          <div class="actions">
            \(HTML.when(upload != nil && issues.isEmpty && valid > 0) { """
            <form method="post" action="\(SitePath.enterpriseImport.path)" class="inline">\(ctx.csrfField)\(uploadField)<input type="hidden" name="mode" value="all"><button type="submit" class="primary">\(ctx.t("导入全部 \(valid) 家企业", "Import all \(valid) enterprises"))</button></form>
            """ })
            \(HTML.when(upload != nil && !issues.isEmpty && valid > 0) { """
            <form method="post" action="\(SitePath.enterpriseImport.path)" class="inline">\(ctx.csrfField)\(uploadField)<input type="hidden" name="mode" value="valid">
              <label class="check"><input type="checkbox" name="confirm" value="yes" required> \(ctx.t("我确认只导入无误的 \(valid) 行，跳过有错误的 \(badRows) 行", "I confirm importing only the \(valid) clean rows and skipping \(badRows)"))</label>
              <button type="submit">\(ctx.t("仅导入无误的行", "Import only the clean rows"))</button></form>
            """ })
          </div>
        </section>
        """
    }
}
