import Foundation
import Vapor
import ZhibenDomain

/// Form controls that show the value the user typed and the error beside the field.
struct FormRenderer {
    let lang: Language
    let issues: [FieldIssue]
    /// Keeps element ids unique when one page holds several forms with a field of the same name.
    var prefix: String = ""

    func errors(_ key: String) -> HTML {
        let mine = issues.filter { $0.field == key }
        guard !mine.isEmpty else { return "" }
        return HTML.join(mine.map { "<span class=\"field-error\" id=\"err-\(prefix)\(key)\">\($0.reason(lang))</span>" })
    }

    private func invalid(_ key: String) -> HTML {
        issues.contains { $0.field == key } ? " aria-invalid=\"true\" aria-describedby=\"err-\(prefix)\(key)\"" : ""
    }

    func text(_ name: String, _ label: String, value: String, errorKey: String? = nil, required: Bool = false,
              type: String = "text", hint: String? = nil, attrs: String = "") -> HTML {
        let key = errorKey ?? name
        return """
        <div class="field\(HTML(raw: issues.contains { $0.field == key } ? " has-error" : ""))">
          <label for="f-\(prefix)\(name)">\(label)\(HTML(raw: required ? " <abbr title=\"必填\" class=\"req\">*</abbr>" : ""))</label>
          <input id="f-\(prefix)\(name)" name="\(name)" type="\(type)" value="\(value)"\(HTML(raw: required ? " required" : ""))\(invalid(key))\(HTML(raw: attrs.isEmpty ? "" : " " + attrs))>
          \(hint.map { HTML("<span class=\"hint\">\($0)</span>") } ?? "")
          \(errors(key))
        </div>
        """
    }

    func select(_ name: String, _ label: String, options: [(String, String)], selected: String, required: Bool = false, blank: String? = nil) -> HTML {
        """
        <div class="field\(HTML(raw: issues.contains { $0.field == name } ? " has-error" : ""))">
          <label for="f-\(prefix)\(name)">\(label)\(HTML(raw: required ? " <abbr title=\"必填\" class=\"req\">*</abbr>" : ""))</label>
          <select id="f-\(prefix)\(name)" name="\(name)"\(HTML(raw: required ? " required" : ""))\(invalid(name))>\(Layout.options(options, selected: selected, blank: blank))</select>
          \(errors(name))
        </div>
        """
    }

    func checkboxes(_ name: String, _ legend: String, options: [(String, String)], checked: Set<String>) -> HTML {
        let boxes = options.map { value, label -> HTML in
            "<label class=\"check\"><input type=\"checkbox\" name=\"\(name)[]\" value=\"\(value)\"\(HTML(raw: checked.contains(value) ? " checked" : ""))> \(label)</label>"
        }
        return """
        <fieldset class="field checks\(HTML(raw: issues.contains { $0.field == name } ? " has-error" : ""))">
          <legend>\(legend)</legend>
          \(boxes)
          \(errors(name))
        </fieldset>
        """
    }

    func summary() -> HTML {
        guard !issues.isEmpty else { return "" }
        let items = issues.map { "<li>\($0.reason(lang))</li>" as HTML }
        return "<div class=\"flash error\" role=\"alert\"><p>\(lang.t("请修改以下\(issues.count)处错误：", "Please correct \(issues.count) problem(s):"))</p><ul>\(items)</ul></div>"
    }
}

extension DomainError {
    /// The field issues of a validation or conflict error, for showing beside fields.
    var fieldIssues: [FieldIssue]? {
        switch self {
        case .validation(let list): list
        case .conflict(let issue): [issue]
        default: nil
        }
    }
}

func labeledOptions<T: RawRepresentable & CaseIterable & Labeled>(_ type: T.Type, _ lang: Language) -> [(String, String)] where T.RawValue == String {
    T.allCases.map { ($0.rawValue, $0.label(lang)) }
}
