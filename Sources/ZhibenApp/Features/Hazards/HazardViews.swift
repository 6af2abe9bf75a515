import Foundation
import Vapor
import ZhibenDomain

/// Small pieces every hazard page shows the same way.
enum HazardViews {
    static func stateTag(_ s: HazardState, lang: Language) -> HTML {
        let kind = switch s {
        case .closed: "green"
        case .rejected: ""
        case .reported, .judged: "blue"
        case .acknowledged, .rectifying: "yellow"
        case .awaitingAcceptance: "orange"
        }
        return "<span class=\"tag \(kind)\">\(s.label(lang))</span>"
    }

    static func levelTag(_ l: HazardLevel, lang: Language) -> HTML {
        "<span class=\"tag \(l == .major ? "red" : "yellow")\">\(l.label(lang))</span>"
    }

    /// Overdue, supervised and legacy markers, as the lists and the detail show them.
    static func markers(_ h: Hazard, now: Date, lang: Language) -> HTML {
        var parts: [HTML] = []
        if h.isOverdue(at: now) { parts.append("<span class=\"tag red\">\(lang.t("逾期", "overdue"))</span>") }
        if let s = h.supervision { parts.append("<span class=\"tag orange\">\(s.level.label(lang))</span>") }
        if h.isOpenLegacyMajor { parts.append("<span class=\"tag red\" title=\"\(lang.t("2023年及以前发现，应于2024年底前清零", "found in 2023 or earlier; due by the end of 2024"))\">\(lang.t("遗留", "legacy"))</span>") }
        if h.pendingExtension != nil { parts.append("<span class=\"tag blue\">\(lang.t("申请延期中", "extension requested"))</span>") }
        return HTML.join(parts, " ")
    }

    static func day(_ d: Date?) -> String { d.map { ChinaTime.day($0) } ?? "—" }

    /// Labels of what a history entry records.
    static let detailLabels: [String: (zh: String, en: String)] = [
        "level": ("等级", "level"), "criteria": ("判定依据", "criteria"), "source": ("来源", "source"), "reason": ("理由", "reason"),
        "principal": ("主要负责人", "principal"), "principalReceivedAt": ("主要负责人接收时间", "principal informed"),
        "controller": ("实际控制人", "actual controller"), "controllerReceivedAt": ("实际控制人接收时间", "controller informed"),
        "responsible": ("责任人", "responsible"), "measures": ("措施", "measures"), "funds": ("资金（元）", "funds (yuan)"),
        "deadline": ("期限", "deadline"), "contingencyPlan": ("应急预案", "contingency plan"), "interimSafeguards": ("临时措施", "interim safeguards"),
        "evidence": ("整改情况", "evidence"), "newDeadline": ("新期限", "new deadline"), "approve": ("批准", "approved"),
        "expert": ("专家", "expert"),
    ]

    /// A history entry's details as a list, labelled and with times shown in Asia/Shanghai.
    static func details(_ d: [String: String], lang: Language, names: ActorNames? = nil) -> HTML {
        let items = d.sorted { $0.key < $1.key }.map { key, value -> HTML in
            let label = detailLabels[key].map { lang.t($0.zh, $0.en) } ?? key
            var shown = value
            if let date = try? APIDate.style.parse(value) { shown = ChinaTime.display(date) }
            if key == "level" { shown = HazardLevel(rawValue: value)?.label(lang) ?? HazardSupervision.Level(rawValue: value)?.label(lang) ?? value }
            if key == "expert", let names { shown = names(value) }
            if key == "source" { shown = HazardSource(rawValue: value)?.label(lang) ?? value }
            if key == "approve" { shown = value == "true" ? lang.t("是", "yes") : lang.t("否", "no") }
            return "<li>\(label)：\(shown)</li>"
        }
        return items.isEmpty ? "" : "<ul class=\"changes\">\(items)</ul>"
    }

    /// The hazard table of the list and the print view.
    static func table(_ items: [Hazard], ctx: PageContext, now: Date, sortHeader: ((HazardSort, String) -> HTML)? = nil) -> HTML {
        let lang = ctx.lang
        func header(_ sort: HazardSort?, _ label: String) -> HTML {
            if let sort, let sortHeader { return sortHeader(sort, label) }
            return "<th scope=\"col\">\(label)</th>"
        }
        let rows = items.map { h -> HTML in
            """
            <tr>
              <td><a href="\(SitePath.hazard(h.id).path)">\(h.title)</a><br><span class="muted small">\(h.location)</span></td>
              <td>\(h.enterpriseName)<br><span class="muted small">\(County.named(h.countyCode)?.label(lang) ?? h.countyCode)</span></td>
              <td>\(levelTag(h.level, lang: lang))</td>
              <td>\(stateTag(h.state, lang: lang)) \(markers(h, now: now, lang: lang))</td>
              <td>\(day(h.foundAt))</td>
              <td\(HTML(raw: h.isOverdue(at: now) ? " class=\"overdue\"" : ""))>\(day(h.deadline))</td>
              <td>\(h.source.label(lang))</td>
            </tr>
            """
        }
        return """
        <div class="table-wrap"><table class="data">
          <thead><tr>
            \(header(nil, lang.t("隐患", "Hazard")))
            \(header(.enterprise, lang.t("企业", "Enterprise")))
            <th scope="col">\(lang.t("等级", "Level"))</th>
            \(header(.state, lang.t("状态", "State")))
            \(header(.foundAt, lang.t("发现日期", "Found")))
            \(header(.deadline, lang.t("整改期限", "Deadline")))
            <th scope="col">\(lang.t("来源", "Source"))</th>
          </tr></thead>
          <tbody>\(rows)</tbody>
        </table></div>
        """
    }
}
