import Foundation

/// A CSV export of the national special-operation certificate query (GB18030 or UTF-8), read into
/// workers and their certificates: all rows or none.
public enum CertificateCSV {
    /// The columns, each with the headers it is known by.
    public static let columns: [(key: String, headers: [String], required: Bool)] = [
        ("name", ["姓名", "name"], true),
        ("idNumber", ["身份证号", "身份证号码", "证件号码", "idNumber"], true),
        ("operation", ["操作项目", "准操项目", "operation"], true),
        ("number", ["证号", "证书编号", "number"], false),
        ("issuer", ["发证机关", "issuer"], true),
        ("validFrom", ["有效期开始日期", "有效期起", "validFrom"], true),
        ("validUntil", ["有效期结束日期", "有效期止", "validUntil"], false),
        ("lastReviewedOn", ["实际复审日期", "复审日期", "lastReviewedOn"], false),
        ("job", ["岗位", "job"], false),
    ]

    /// The header line of the template the import page offers.
    public static let templateHeader = ["姓名", "身份证号", "操作项目", "证号", "发证机关", "有效期开始日期", "有效期结束日期", "实际复审日期", "岗位"]

    public struct Row: Sendable, Equatable {
        public var line: Int
        public var fields: [String: String]
        public init(line: Int, fields: [String: String]) {
            self.line = line
            self.fields = fields
        }
        public func value(_ key: String) -> String { (fields[key] ?? "").trimmingCharacters(in: .whitespaces) }
    }

    /// The rows, or the problems of the file as a whole (not CSV, no header, a required column missing).
    public static func parse(_ data: Data) -> (rows: [Row], encoding: CSV.TextEncoding?, fileIssues: [FieldIssue]) {
        guard let (text, encoding) = CSV.decode(data) else {
            return ([], nil, [FieldIssue(field: "file", zh: "无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV", en: "the file is neither UTF-8 nor GB18030 text")])
        }
        let table = CSV.parse(text)
        guard let header = table.first else { return ([], encoding, [FieldIssue(field: "file", zh: "文件为空", en: "the file is empty")]) }
        var index: [String: Int] = [:]
        for (i, h) in header.enumerated() {
            let name = h.trimmingCharacters(in: .whitespaces)
            if let c = columns.first(where: { $0.headers.contains(name) }), index[c.key] == nil { index[c.key] = i }
        }
        let missing = columns.filter { $0.required && index[$0.key] == nil }
        guard missing.isEmpty else {
            return ([], encoding, [FieldIssue(field: "file", zh: "缺少列：" + missing.map { $0.headers[0] }.joined(separator: "、"),
                                              en: "missing columns: " + missing.map { $0.headers.last! }.joined(separator: ", "))])
        }
        if table.count - 1 > 5_000 {
            return ([], encoding, [FieldIssue(field: "file", zh: "一次最多导入5000行", en: "at most 5,000 rows at a time")])
        }
        let rows = table.dropFirst().enumerated().map { n, cells in
            Row(line: n + 2, fields: Dictionary(uniqueKeysWithValues: index.map { key, i in (key, i < cells.count ? cells[i] : "") }))
        }
        return (rows, encoding, [])
    }

    /// The catalogue code of an operation written as a code (`2.1`) or a name (熔化焊接与热切割作业).
    public static func operationCode(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if SpecialOperationCatalogue.operation(t) != nil { return t }
        return SpecialOperationCatalogue.all.first { $0.catalogue == SpecialOperationCatalogue.current && $0.zh == t }?.code
    }
}

/// What an import did, or would do, with each row.
public struct CertificateImportReport: Sendable {
    public enum Outcome: String, Sendable, CaseIterable {
        case newWorker, newCertificate, changed, unchanged, invalid
    }

    public struct Line: Sendable {
        public var line: Int
        public var name: String
        /// Masked.
        public var idNumber: String
        public var operation: String
        public var number: String
        public var outcome: Outcome
        public var issues: [FieldIssue]
    }

    public var lines: [Line]
    public var fileIssues: [FieldIssue]
    public var encoding: CSV.TextEncoding?
    public var committed: Bool

    public var isClean: Bool { fileIssues.isEmpty && !lines.isEmpty && lines.allSatisfy { $0.issues.isEmpty } }
    public func count(_ o: CertificateImportReport.Outcome) -> Int { lines.filter { $0.outcome == o }.count }
}

extension WorkforceService {
    /// Reads the file against the enterprise's workers: a row whose ID number is not registered adds the
    /// worker; a certificate with the same operation and number is replaced, any other added. With
    /// `commit`, a clean file is stored in one transaction; a file with any bad row stores nothing.
    public func importCertificates(_ data: Data, enterpriseID: UUID, commit: Bool, actor: Caller, origin: String? = nil) async throws -> CertificateImportReport {
        let e = try await enterprise(enterpriseID, actor: actor, .peopleManage)
        let parsed = CertificateCSV.parse(data)
        var report = CertificateImportReport(lines: [], fileIssues: parsed.fileIssues, encoding: parsed.encoding, committed: false)
        guard parsed.fileIssues.isEmpty else { return report }
        if parsed.rows.isEmpty { report.fileIssues.append(FieldIssue(field: "file", zh: "文件没有数据行", en: "the file has no rows")) }
        let existing = try await records.all(Worker.self, RecordQuery(enterpriseID: e.id), scope: actor.scope, limit: Self.readLimit)
        var byID = Dictionary(existing.map { ($0.idNumber, $0) }, uniquingKeysWith: { a, _ in a })
        let versions = Dictionary(existing.map { ($0.id, $0.version) }, uniquingKeysWith: { a, _ in a })
        var touched: [String] = []
        let now = clock.now()
        for row in parsed.rows {
            var issues: [FieldIssue] = []
            let name = row.value("name")
            var idNumber = row.value("idNumber")
            do { idNumber = try IDNumber(validating: idNumber, today: today).value } catch {
                issues.append(FieldIssue(field: "idNumber", zh: error.zh, en: error.en))
            }
            let op = CertificateCSV.operationCode(row.value("operation"))
            if op == nil { issues.append(FieldIssue(field: "operation", zh: "作业目录中没有操作项目“\(row.value("operation"))”", en: "the catalogue has no operation \(row.value("operation"))")) }
            var number = row.value("number").uppercased()
            if number.isEmpty && issues.isEmpty { number = "T" + idNumber }
            var outcome = CertificateImportReport.Outcome.invalid
            if issues.isEmpty, let op {
                var worker: Worker
                var isNew = false
                if let w = byID[idNumber] {
                    worker = w
                    if !name.isEmpty && w.name != name {
                        issues.append(FieldIssue(field: "name", zh: "身份证号已登记为“\(w.name)”，与本行姓名不符", en: "the ID number is registered as \(w.name)"))
                    }
                } else {
                    isNew = true
                    worker = Worker(enterpriseID: e.id, enterpriseName: e.profile.name, countyCode: e.profile.countyCode, name: "", idNumber: "", job: "",
                                    updatedAt: now)
                    do {
                        worker = try apply(WorkerDraft(name: name, idNumber: idNumber, job: row.value("job")), to: worker, siblings: [])
                    } catch DomainError.validation(let list) { issues += list }
                }
                let previous = worker.certificates.first { $0.operation == op && $0.number == number }
                let draft = CertificateDraft(operation: op, number: number, issuer: row.value("issuer"), validFrom: row.value("validFrom"),
                                             validUntil: row.value("validUntil"), lastReviewedOn: row.value("lastReviewedOn"),
                                             compliantSince: previous?.compliantSince)
                if issues.isEmpty {
                    do {
                        let c = try certificate(draft, id: previous?.id ?? UUID(), holder: worker)
                        if let previous {
                            outcome = previous == c ? .unchanged : .changed
                            worker.certificates[worker.certificates.firstIndex(of: previous)!] = c
                        } else {
                            outcome = isNew ? .newWorker : .newCertificate
                            worker.certificates.append(c)
                        }
                        if outcome != .unchanged {
                            worker.updatedAt = now
                            byID[idNumber] = worker
                            if !touched.contains(idNumber) { touched.append(idNumber) }
                        }
                    } catch DomainError.validation(let list) { issues += list }
                }
            }
            if !issues.isEmpty { outcome = .invalid }
            let masked = (try? IDNumber(validating: idNumber, today: "9999-12-31"))?.masked ?? ""
            report.lines.append(.init(line: row.line, name: name, idNumber: masked, operation: op ?? row.value("operation"), number: number,
                                      outcome: outcome, issues: issues))
        }
        guard commit, report.isClean else { return report }
        var creating: [Worker] = []
        var replacing: [(record: Worker, expected: Int)] = []
        for id in touched {
            var w = byID[id]!
            if let v = versions[w.id] { replacing.append((w, v)) } else { w.version = 1; creating.append(w) }
        }
        try await records.save(creating: creating, replacing: replacing, action: .importRows, audit: audit(actor, origin))
        report.committed = true
        return report
    }
}

extension WorkforceService {
    /// Keeps a previewed file until the user confirms it.
    public func stashImport(_ data: Data, actor: Caller) async throws -> UUID {
        try actor.require(.peopleManage)
        return try await uploads.put(data, owner: EnterpriseService.uploadOwner(actor), at: clock.now())
    }

    /// Imports a file kept by `stashImport`; it is forgotten once imported.
    public func importStashed(_ id: UUID, enterpriseID: UUID, actor: Caller, origin: String? = nil) async throws -> CertificateImportReport {
        try actor.require(.peopleManage)
        guard let data = try await uploads.get(id, owner: EnterpriseService.uploadOwner(actor), now: clock.now()) else {
            throw DomainError.validation([FieldIssue(field: "file", zh: "预览的文件已过期或不存在，请重新上传", en: "the previewed file has expired or does not exist; upload it again")])
        }
        let report = try await importCertificates(data, enterpriseID: enterpriseID, commit: true, actor: actor, origin: origin)
        if report.committed { try await uploads.delete(id) }
        return report
    }
}
