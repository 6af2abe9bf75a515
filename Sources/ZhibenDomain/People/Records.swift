import Foundation

/// The keys a stored record is found and sorted by; the rest of it is kept whole as one document.
public struct RecordKeys: Sendable, Equatable {
    /// A state or kind the lists filter on (`open`, `on`).
    public var tag: String
    /// Another record it belongs to (a worker, a contractor).
    public var ref: UUID?
    /// What lists sort by, and date filters compare: a day (`yyyy-MM-dd`) or a name.
    public var order: String
    /// Lower-cased text a search matches part of.
    public var search: String
    /// Unique within the record's enterprise (or city-wide for records of no enterprise): an ID number,
    /// a credit code. Nil: no uniqueness.
    public var unique: String?

    public init(tag: String = "", ref: UUID? = nil, order: String = "", search: String = "", unique: String? = nil) {
        self.tag = tag
        self.ref = ref
        self.order = order
        self.search = search.lowercased()
        self.unique = unique
    }
}

/// A record of the enterprise's people and work (workers, violations, contractors, permits …): one
/// document per record, with its enterprise and county for scoping, a version for compare-and-set, and
/// the keys its lists need. Storage keeps each kind in its own table.
public protocol StoredRecord: Codable, Sendable, Identifiable where ID == UUID {
    /// The audit log's entity type, and the name a `notFound` gives.
    static var entity: String { get }
    /// The table that holds this kind.
    static var table: String { get }
    /// Whether every signed-in caller reads every record of this kind (the city-wide contractor
    /// registry); otherwise a caller reads what its scope reaches.
    static var cityWide: Bool { get }
    var id: UUID { get }
    var enterpriseID: UUID? { get }
    var countyCode: String? { get }
    var version: Int { get set }
    var keys: RecordKeys { get }
    /// The fields the audit log compares, in words a reader of the log understands.
    var auditFields: [String: String] { get }
    /// What a `conflict` says when another record has the unique key.
    static func uniqueTaken(_ key: String) -> FieldIssue
}

extension StoredRecord {
    public static var cityWide: Bool { false }

    public static func uniqueTaken(_ key: String) -> FieldIssue {
        FieldIssue(field: "number", zh: "已有相同编号的记录（\(key)）", en: "a record with this number exists already (\(key))")
    }
}

public struct RecordQuery: Sendable, Equatable {
    public var enterpriseID: UUID?
    public var countyCode: String?
    public var tags: [String]?
    public var ref: UUID?
    public var search: String?
    /// Inclusive bounds on the order key.
    public var from: String?
    public var to: String?
    public var descending: Bool

    public init(enterpriseID: UUID? = nil, countyCode: String? = nil, tags: [String]? = nil, ref: UUID? = nil, search: String? = nil,
                from: String? = nil, to: String? = nil, descending: Bool = false) {
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.tags = tags
        self.ref = ref
        self.search = search
        self.from = from
        self.to = to
        self.descending = descending
    }
}

/// Storage of the people-and-work records. Reads are filtered by the caller's scope; every write is
/// one transaction with its audit entries.
public protocol RecordRepository: Sendable {
    func page<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, scope: Scope, page: Paging) async throws -> Paged<R>
    /// Every match, up to `limit` (figures and exports).
    func all<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, scope: Scope, limit: Int) async throws -> [R]
    func get<R: StoredRecord>(_ type: R.Type, id: UUID, scope: Scope) async throws -> R?
    /// Stores new records and replaces existing ones (compare-and-set on each one's `expected` version),
    /// all or none, with an audit entry each. A unique key already taken is a `conflict` naming it.
    func save<R: StoredRecord>(creating: [R], replacing: [(record: R, expected: Int)], action: AuditAction, audit: AuditContext) async throws
    /// Reads the record in scope, applies `change` and stores the result if nobody stored another version
    /// meanwhile (`staleVersion` otherwise; `expectedVersion` nil: whatever was read). One transaction.
    func update<R: StoredRecord>(_ type: R.Type, id: UUID, expectedVersion: Int?, scope: Scope, action: AuditAction, audit: AuditContext,
                                 change: @escaping @Sendable (R) throws -> R) async throws -> R
    /// Writes an audit entry that `field` of the record was read in full.
    func noteReveal(entity: String, id: UUID, field: String, audit: AuditContext) async throws
}

extension RecordRepository {
    public func create<R: StoredRecord>(_ records: [R], audit: AuditContext) async throws {
        try await save(creating: records, replacing: [], action: .create, audit: audit)
    }
}

/// A day in a form (`yyyy-MM-dd`), checked; nil when blank.
enum DayField {
    static func read(_ text: String?, field: String, zh: String, en: String, required: Bool, into issues: inout [FieldIssue]) -> String? {
        let t = (text ?? "").trimmingCharacters(in: .whitespaces)
        if t.isEmpty {
            if required { issues.append(FieldIssue(field: field, zh: "请填写\(zh)", en: "\(en) is required")) }
            return nil
        }
        guard ChinaTime.parseDay(t) != nil, t >= "1900-01-01", t <= "2200-12-31" else {
            issues.append(FieldIssue(field: field, zh: "\(zh)应为1900至2200年间的日期（如 2026-12-20）", en: "\(en) is a date between 1900 and 2200, such as 2026-12-20"))
            return nil
        }
        return t
    }
}

/// A text field, trimmed and bounded.
enum TextField {
    static func read(_ text: String?, field: String, zh: String, en: String, max: Int, required: Bool, into issues: inout [FieldIssue]) -> String {
        let t = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if required && t.isEmpty { issues.append(FieldIssue(field: field, zh: "请填写\(zh)", en: "\(en) is required")) }
        // The limit holds for the text as sent too, not only once trimmed.
        if t.length > max || (text ?? "").length > max { issues.append(FieldIssue(field: field, zh: "\(zh)不超过\(max)字", en: "\(en) has at most \(max) characters")) }
        return t
    }
}
