import Foundation

public enum ImportMode: String, Sendable, Codable, CaseIterable {
    /// Nothing is imported unless every row is clean.
    case allOrNothing = "all"
    /// The user chose to import the clean rows and leave the bad ones.
    case validOnly = "valid"
}

public struct ImportReport: Sendable {
    public var parsed: EnterpriseCSV.Parsed
    public var imported: Int
    public var committed: Bool

    public init(parsed: EnterpriseCSV.Parsed, imported: Int, committed: Bool) {
        self.parsed = parsed
        self.imported = imported
        self.committed = committed
    }
}

extension EnterpriseService {
    /// Reads the file and checks every row: alone, against the registry (codes already registered)
    /// and against the caller's county.
    public func previewImport(_ data: Data, actor: Caller) async throws -> EnterpriseCSV.Parsed {
        try actor.require(.enterpriseImport)
        var parsed = EnterpriseCSV.parse(data)
        let codes = parsed.rows.compactMap { $0.profile?.creditCode }
        var existing = Set<String>()
        for chunk in stride(from: 0, to: codes.count, by: 500) {
            existing.formUnion(try await repository.existingCreditCodes(Array(codes[chunk..<min(chunk + 500, codes.count)])))
        }
        for i in parsed.rows.indices {
            guard let p = parsed.rows[i].profile else { continue }
            if existing.contains(p.creditCode) {
                parsed.rows[i].issues.append(FieldIssue(field: "creditCode", zh: "统一社会信用代码\(p.creditCode)已登记",
                                                        en: "credit code \(p.creditCode) is already registered"))
            }
            if case .county(let c) = actor.scope, p.countyCode != c {
                parsed.rows[i].issues.append(FieldIssue(field: "countyCode", zh: "不属于本辖区（\(County.named(c)?.zh ?? c)）",
                                                        en: "not in your county"))
            }
        }
        return parsed
    }

    /// Keeps a previewed file server-side until the user confirms it (`importStashed`).
    public func stashImport(_ data: Data, actor: Caller) async throws -> UUID {
        try actor.require(.enterpriseImport)
        return try await uploads.put(data, owner: Self.uploadOwner(actor), at: clock.now())
    }

    /// Imports a file kept by `stashImport`; it is forgotten once imported.
    public func importStashed(_ id: UUID, mode: ImportMode, actor: Caller, origin: String? = nil) async throws -> ImportReport {
        try actor.require(.enterpriseImport)
        guard let data = try await uploads.get(id, owner: Self.uploadOwner(actor), now: clock.now()) else {
            throw DomainError.validation([FieldIssue(field: "file", zh: "预览的文件已过期或不存在，请重新上传",
                                                     en: "the previewed file has expired or does not exist; upload it again")])
        }
        let report = try await importCSV(data, mode: mode, actor: actor, origin: origin)
        if report.committed { try await uploads.delete(id) }
        return report
    }

    static func uploadOwner(_ actor: Caller) -> String { "\(actor.kind.rawValue):\(actor.id?.uuidString ?? actor.username)" }

    /// Imports the file: all rows or none, or (when asked) only the clean rows; in one transaction.
    public func importCSV(_ data: Data, mode: ImportMode, actor: Caller, origin: String? = nil) async throws -> ImportReport {
        let parsed = try await previewImport(data, actor: actor)
        let valid = parsed.validRows
        guard parsed.fileIssues.isEmpty, mode == .validOnly || parsed.isClean, !valid.isEmpty else {
            return ImportReport(parsed: parsed, imported: 0, committed: false)
        }
        let now = clock.now()
        let records = valid.map { r in
            Enterprise(id: UUID(), profile: r.profile!, computedGrade: Classifier.classify(r.profile!, now: now).grade,
                       createdAt: now, updatedAt: now)
        }
        try await repository.createAll(records, audit: AuditContext(actor: actor, at: now, origin: origin))
        return ImportReport(parsed: parsed, imported: records.count, committed: true)
    }
}
