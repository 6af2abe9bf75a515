import Foundation
import Vapor
import ZhibenDomain

/// The audit log: filters, pages and CSV export.
struct AuditPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(WebRoute.audit, use: audit)
        routes.get(WebRoute.auditExport, use: exportAudit)
    }

    // MARK: audit log

    /// The audit filters of the query string; `to` includes the whole day.
    static func auditQuery(_ req: Request, page: Paging) -> AuditQuery {
        let from = req.queryString("from").flatMap(ChinaTime.parseDay)
        let to = req.queryString("to").flatMap(ChinaTime.parseDay).map { $0.addingTimeInterval(86_400) }
        return AuditQuery(actor: req.queryString("actor"), action: req.queryString("action"), entityType: req.queryString("entityType"),
                          entityID: req.queryString("entityID"), from: from, to: to, page: page)
    }

    func exportAudit(req: Request) async throws -> Response {
        let caller = try req.caller
        try caller.require(.auditRead)
        let page = try await req.zhiben.auditLog.list(Self.auditQuery(req, page: Paging(page: 1, per: Paging.maxPer)), actor: caller)
        var rows: [[String]] = []
        var entries = page.items
        var next = 2
        // Up to 50,000 entries, newest first, in pages of the repository's maximum.
        while !entries.isEmpty, rows.count < 50_000 {
            for e in entries {
                rows.append([String(e.seq), ChinaTime.display(e.at, seconds: true), e.actorUsername, AuditAction(rawValue: e.action)?.zh ?? e.action,
                             e.entityType, e.entityID, e.changes.map { "\($0.field): \($0.before ?? "") → \($0.after ?? "")" }.joined(separator: "; "),
                             e.origin ?? "", e.hash])
            }
            if entries.count < Paging.maxPer { break }
            entries = try await req.zhiben.auditLog.list(Self.auditQuery(req, page: Paging(page: next, per: Paging.maxPer)), actor: caller).items
            next += 1
        }
        let data = CSV.document(header: ["序号", "时间", "操作人", "操作", "对象类型", "对象编号", "变更", "来源", "哈希"], rows: rows)
        return .csv(data, filename: "audit-log.csv")
    }

    /// The page of an audited record, when it has one.
    static func recordLink(_ type: String, _ id: String) -> String? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        switch type {
        case "enterprise": return SitePath.enterprise(uuid).path
        case "hazard": return SitePath.hazard(uuid).path
        case "alarm": return SitePath.alarm(uuid).path
        case "inspection": return SitePath.inspection(uuid).path
        case "draw": return SitePath.draw(uuid).path
        case "monitoring-point": return SitePath.monitoringPoint(uuid).path
        default: return nil
        }
    }

    func audit(req: Request) async throws -> Response {
        let ctx = try PageContext(req: req)
        try ctx.caller.require(.auditRead)
        let lang = ctx.lang
        let q = Self.auditQuery(req, page: try req.paging(defaultPer: 50))
        let page = try await req.zhiben.auditLog.list(q, actor: ctx.caller)
        var qs = QueryString()
        for k in ["actor", "action", "entityType", "entityID", "from", "to"] { qs.set(k, req.queryString(k)) }
        let finders = page.items.flatMap { $0.changes.filter { $0.field == "foundBy" }.compactMap(\.after) }
        let names = try await ActorNames.load(req, page.items.map(\.actorUsername) + finders)
        let rows = page.items.map { e -> HTML in
            // A compact diff: each field by its name, the values as a person reads them.
            let changes = e.changes.prefix(12).map { c -> HTML in
                "<li>\(RecordNames.field(c.field, lang))：\(RecordNames.valueHTML(c.before ?? "", field: c.field, lang, people: names)) → \(RecordNames.valueHTML(c.after ?? "", field: c.field, lang, people: names))</li>"
            }
            let record: HTML = Self.recordLink(e.entityType, e.entityID).map { "<a href=\"\($0)\">\(ctx.t("查看", "Open"))</a>" }
                ?? HTML("\(RecordNames.value(e.entityID, field: "id", lang))")
            return """
            <tr><td class="num">\(String(e.seq))</td><td>\(ChinaTime.display(e.at, seconds: true))</td><td>\(names(e.actorUsername))</td>
            <td>\(RecordNames.action(e.action, lang))</td><td>\(RecordNames.entity(e.entityType, lang))</td>
            <td class="small">\(record)</td>
            <td><ul class="changes">\(changes)</ul>\(e.changes.count > 12 ? HTML(raw: "…") : "")</td><td class="small">\(RecordNames.origin(e.origin, lang))</td></tr>
            """
        }
        let content: HTML = """
        <form class="filters" method="get" action="\(SitePath.audit.path)">
          <div class="field"><label for="actor">\(ctx.t("操作人", "Actor"))</label><input id="actor" name="actor" value="\(q.actor ?? "")"></div>
          <div class="field"><label for="action">\(ctx.t("操作", "Action"))</label><select id="action" name="action">\(Layout.options(AuditAction.allCases.map { ($0.rawValue, $0.label(lang)) }, selected: q.action, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="entityType">\(ctx.t("对象类型", "Entity"))</label><select id="entityType" name="entityType">\(Layout.options([("enterprise", ctx.t("企业", "Enterprise")), ("user", ctx.t("用户", "User")), ("apikey", ctx.t("接口密钥", "API key"))], selected: q.entityType, blank: ctx.t("全部", "All")))</select></div>
          <div class="field"><label for="entityID">\(ctx.t("对象编号", "Entity id"))</label><input id="entityID" name="entityID" value="\(q.entityID ?? "")"></div>
          <div class="field"><label for="from">\(ctx.t("起始日期", "From"))</label><input id="from" name="from" type="date" value="\(req.queryString("from") ?? "")"></div>
          <div class="field"><label for="to">\(ctx.t("截止日期", "To"))</label><input id="to" name="to" type="date" value="\(req.queryString("to") ?? "")"></div>
          <div class="actions"><button type="submit" class="primary">\(ctx.t("筛选", "Filter"))</button> <a href="\(SitePath.audit.path)">\(ctx.t("清除", "Clear"))</a></div>
        </form>
        <div class="toolbar">
          <p class="count">\(ctx.t("共 \(page.total) 条记录", "\(page.total) entries"))</p>
          <div><a class="button" href="\(SitePath.auditExport.path)\(qs.string)">\(ctx.t("导出CSV", "Export CSV"))</a></div>
        </div>
        \(page.items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("没有符合条件的记录。", "No entry matches."))</p>") : """
        <div class="table-wrap"><table class="data compact">
          <thead><tr><th scope="col">#</th><th scope="col">\(ctx.t("时间", "Time"))</th><th scope="col">\(ctx.t("操作人", "Actor"))</th><th scope="col">\(ctx.t("操作", "Action"))</th><th scope="col">\(ctx.t("对象", "Entity"))</th><th scope="col">\(ctx.t("编号", "Id"))</th><th scope="col">\(ctx.t("变更（前 → 后）", "Changes (before → after)"))</th><th scope="col">\(ctx.t("来源", "Origin"))</th></tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """)
        \(Layout.pagination(page, query: qs, lang: lang))
        """
        return .html(Layout.page(ctx, title: ctx.t("审计日志", "Audit log"), content))
    }
}
