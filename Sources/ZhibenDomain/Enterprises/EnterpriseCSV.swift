import Foundation

/// The enterprise spreadsheet: its columns, reading rows into drafts, writing records out.
public enum EnterpriseCSV {
    public struct Column: Sendable {
        public let zh: String
        public let key: String
        let read: @Sendable (inout EnterpriseDraft, String) -> Void
        let write: @Sendable (EnterpriseDraft) -> String
    }

    static func list(_ s: String) -> [String] {
        s.split(whereSeparator: { "、;；|,，/".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func labels<T: RawRepresentable & Labeled>(_ raws: [String], _ type: T.Type) -> String where T.RawValue == String {
        raws.map { T(rawValue: $0)?.zh ?? $0 }.joined(separator: "、")
    }

    static func label<T: RawRepresentable & Labeled>(_ raw: String, _ type: T.Type) -> String where T.RawValue == String {
        T(rawValue: raw)?.zh ?? raw
    }

    public static let columns: [Column] = [
        Column(zh: "统一社会信用代码", key: "creditCode", read: { $0.creditCode = $1 }, write: { $0.creditCode }),
        Column(zh: "企业名称", key: "name", read: { $0.name = $1 }, write: { $0.name }),
        Column(zh: "所属县（市、区）", key: "countyCode", read: { $0.countyCode = $1 },
               write: { County.named($0.countyCode)?.zh ?? $0.countyCode }),
        Column(zh: "乡镇（街道）", key: "township", read: { $0.township = $1 }, write: { $0.township }),
        Column(zh: "地址", key: "address", read: { $0.address = $1 }, write: { $0.address }),
        Column(zh: "经度", key: "longitude", read: { $0.longitude = $1 }, write: { $0.longitude }),
        Column(zh: "纬度", key: "latitude", read: { $0.latitude = $1 }, write: { $0.latitude }),
        Column(zh: "行业", key: "industry", read: { $0.industry = $1 }, write: { label($0.industry, Industry.self) }),
        Column(zh: "细分行业", key: "subIndustry", read: { $0.subIndustry = $1 }, write: { $0.subIndustry }),
        Column(zh: "规模", key: "scale", read: { $0.scale = $1 }, write: { label($0.scale, EnterpriseScale.self) }),
        Column(zh: "从业人数", key: "employees", read: { $0.employees = $1 }, write: { $0.employees }),
        Column(zh: "涉粉作业人数", key: "dustWorkers", read: { $0.dustWorkers = $1 }, write: { $0.dustWorkers }),
        Column(zh: "粉尘种类", key: "dustTypes", read: { $0.dustTypes = list($1) }, write: { labels($0.dustTypes, DustType.self) }),
        Column(zh: "专项风险", key: "specialRisks", read: { $0.specialRisks = list($1) },
               write: { labels($0.specialRisks, SpecialRisk.self) }),
        Column(zh: "主要负责人", key: EnterpriseDraft.Field.principalName, read: { $0.principalName = $1 }, write: { $0.principalName }),
        Column(zh: "主要负责人电话", key: EnterpriseDraft.Field.principalPhone, read: { $0.principalPhone = $1 }, write: { $0.principalPhone }),
        Column(zh: "实际控制人", key: EnterpriseDraft.Field.controllerName, read: { $0.controllerName = $1 }, write: { $0.controllerName }),
        Column(zh: "实际控制人电话", key: EnterpriseDraft.Field.controllerPhone, read: { $0.controllerPhone = $1 }, write: { $0.controllerPhone }),
        Column(zh: "安全管理负责人", key: EnterpriseDraft.Field.safetyManagerName, read: { $0.safetyManagerName = $1 },
               write: { $0.safetyManagerName }),
        Column(zh: "安全管理负责人电话", key: EnterpriseDraft.Field.safetyManagerPhone, read: { $0.safetyManagerPhone = $1 },
               write: { $0.safetyManagerPhone }),
        Column(zh: "标准化等级", key: "standardization", read: { $0.standardization = $1 },
               write: { label($0.standardization, StandardizationGrade.self) }),
        Column(zh: "标准化有效期", key: "standardizationValidUntil", read: { $0.standardizationValidUntil = $1 },
               write: { $0.standardizationValidUntil }),
        Column(zh: "经营状态", key: "status", read: { $0.status = $1 }, write: { label($0.status, OperatingStatus.self) }),
        Column(zh: "监管部门", key: "supervisingDepartment", read: { $0.supervisingDepartment = $1 },
               write: { $0.supervisingDepartment }),
    ]

    /// Export columns: the import columns (so an export re-imports) and what the system derives.
    public static let exportHeader = columns.map(\.zh) + ["监管等级", "计算等级", "人工调整原因", "在册状态"]

    public static func exportRow(_ e: Enterprise) -> [String] {
        let d = EnterpriseDraft(e.profile)
        return columns.map { $0.write(d) } + [
            e.grade.zh, e.computedGrade.zh, e.gradeOverride?.reason ?? "", e.active ? "在册" : "已停用",
        ]
    }

    /// Row and field of a problem in an uploaded file. Row numbers count the header as row 1, as Excel shows them.
    public struct RowIssue: Sendable, Equatable {
        public var row: Int
        public var issue: FieldIssue
        public var column: String {
            columns.first { $0.key == issue.field }?.zh ?? issue.field
        }
    }

    public struct ParsedRow: Sendable {
        public var row: Int
        public var draft: EnterpriseDraft
        public var profile: EnterpriseProfile?
        public var issues: [FieldIssue]
    }

    public struct Parsed: Sendable {
        public var encoding: CSV.TextEncoding?
        public var rows: [ParsedRow]
        /// Problems with the file as a whole (encoding, header, size).
        public var fileIssues: [FieldIssue]

        public var validRows: [ParsedRow] { rows.filter { $0.profile != nil && $0.issues.isEmpty } }
        public var rowIssues: [RowIssue] {
            rows.flatMap { r in r.issues.map { RowIssue(row: r.row, issue: $0) } }
        }
        public var isClean: Bool { fileIssues.isEmpty && rowIssues.isEmpty }
    }

    public static let maxRows = 20_000

    /// Reads and validates an uploaded file. Checks each row alone; uniqueness against the registry
    /// and the caller's county are checked by the import use case.
    public static func parse(_ data: Data) -> Parsed {
        guard let (text, encoding) = CSV.decode(data) else {
            return Parsed(encoding: nil, rows: [], fileIssues: [FieldIssue(field: "file", zh: "无法识别文件编码（应为 UTF-8 或 GB18030）",
                                                                               en: "the file is neither UTF-8 nor GB18030")])
        }
        let table = CSV.parse(text)
        guard let header = table.first else {
            return Parsed(encoding: encoding, rows: [], fileIssues: [FieldIssue(field: "file", zh: "文件为空", en: "the file is empty")])
        }
        var mapping: [Int: Column] = [:]
        for (i, h) in header.enumerated() {
            let name = h.trimmingCharacters(in: .whitespaces)
            if let col = columns.first(where: { $0.zh == name || $0.key == name }) { mapping[i] = col }
        }
        var fileIssues: [FieldIssue] = []
        for required in ["creditCode", "name", "countyCode", "industry"] where !mapping.values.contains(where: { $0.key == required }) {
            let zh = columns.first { $0.key == required }!.zh
            fileIssues.append(FieldIssue(field: "file", zh: "缺少“\(zh)”列", en: "the column '\(required)' (\(zh)) is missing"))
        }
        if table.count - 1 > maxRows {
            fileIssues.append(FieldIssue(field: "file", zh: "一次最多导入\(maxRows)行", en: "at most \(maxRows) rows per file"))
        }
        if !fileIssues.isEmpty { return Parsed(encoding: encoding, rows: [], fileIssues: fileIssues) }

        var seen: [String: Int] = [:]
        var rows: [ParsedRow] = []
        for (n, cells) in table.dropFirst().enumerated() {
            let rowNumber = n + 2
            var draft = EnterpriseDraft()
            for (i, col) in mapping where i < cells.count { col.read(&draft, cells[i].trimmingCharacters(in: .whitespaces)) }
            var issues: [FieldIssue] = []
            var profile: EnterpriseProfile?
            switch draft.validate() {
            case .success(let p): profile = p
            case .failure(.validation(let list)): issues = list
            case .failure(let other): issues = [FieldIssue(field: "file", zh: "\(other)", en: "\(other)")]
            }
            if let p = profile {
                if let first = seen[p.creditCode] {
                    issues.append(FieldIssue(field: "creditCode", zh: "与第\(first)行的统一社会信用代码重复",
                                             en: "same credit code as row \(first)"))
                } else { seen[p.creditCode] = rowNumber }
            }
            rows.append(ParsedRow(row: rowNumber, draft: draft, profile: profile, issues: issues))
        }
        return Parsed(encoding: encoding, rows: rows, fileIssues: [])
    }

    public static func template() -> Data {
        CSV.document(header: columns.map(\.zh), rows: [])
    }
}
