import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// Substring search through a full-text index, for text that is mostly Chinese.
///
/// A word tokenizer finds no words in Chinese, and a trigram index cannot answer the one- and
/// two-character searches Chinese users type most ("氨", "除尘"). So each field is indexed, position by
/// position, as the pair of each letter or digit with the next (`除尘器` → `除尘 尘器 器`), or the
/// character alone where no letter or digit follows. Then:
/// - a search of one letter or digit is a prefix term (`氨*`): every occurrence starts a term;
/// - a search of two is one term;
/// - a longer one is the phrase of its pairs (`除尘器` → `"除尘 尘器"`): pairs at consecutive
///   positions, which is exactly the text containing it;
/// all three exact. A search with other characters (`1#炉`) needs all of its pairs, which finds every
/// match and a few more; the caller removes those with `LIKE` on the rows found.
/// ASCII letters are folded to lower case, as SQLite's `LIKE` folds them.
public enum SearchTerms {
    static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber }

    static func fold(_ c: Character) -> String {
        c.isASCII ? c.lowercased() : String(c)
    }

    /// The terms of the given fields, one per letter or digit, in order, space-separated, for the index.
    public static func terms(_ fields: [String]) -> String {
        var out: [String] = []
        for field in fields {
            let chars = Array(field)
            for (i, c) in chars.enumerated() where isWord(c) {
                out.append(i + 1 < chars.count && isWord(chars[i + 1]) ? fold(c) + fold(chars[i + 1]) : fold(c))
            }
        }
        return out.joined(separator: " ")
    }

    /// An FTS5 `MATCH` expression for a search, and whether its answer is exact (no `LIKE` needed
    /// afterwards). Nil when the search has no letter or digit: then only `LIKE` can answer it.
    public static func match(_ search: String) -> (expression: String, exact: Bool)? {
        let chars = Array(search)
        var pairs: [String] = []
        for i in chars.indices.dropLast() where isWord(chars[i]) && isWord(chars[i + 1]) {
            pairs.append(fold(chars[i]) + fold(chars[i + 1]))
        }
        if chars.allSatisfy(isWord) {
            if chars.count == 1 { return ("\"\(fold(chars[0]))\"*", true) }
            return ("\"" + pairs.joined(separator: " ") + "\"", true)
        }
        if !pairs.isEmpty {
            var seen = Set<String>()
            return (pairs.filter { seen.insert($0).inserted }.map { "\"\($0)\"" }.joined(separator: " "), false)
        }
        guard let first = chars.first(where: isWord) else { return nil }
        return ("\"\(fold(first))\"*", false)
    }
}

/// The hazard search index on SQLite: an FTS5 table of `SearchTerms` (contentless: it keeps only the
/// index) and the numbers that tie its rows to hazards. On PostgreSQL the search reads the columns.
///
/// A hazard's number is its found time in seconds times 2^20, plus a few bits to make it unique: the
/// index's own order is then newest found first, so the list's default page and its total come from
/// the index alone (`fastPage`). Each row also holds a term for the hazard's county, in a character no
/// search can contain, so that a county's search is answered the same way.
enum HazardSearchIndex {
    static let terms = "hazard_search"
    static let ids = "hazard_search_ids"
    static let slots: Int64 = 1 << 20

    static func isSQLite(_ db: any Database) -> Bool { (db as? any SQLDatabase)?.dialect.name == "sqlite" }

    /// The term of a county: a private-use character (never a letter or digit of a search) and the code.
    static func countyTerm(_ code: String) -> String { "\u{E000}" + code }

    static func createTables(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        let sql = db as! any SQLDatabase
        try await sql.raw("CREATE TABLE \(unsafeRaw: ids) (n INTEGER PRIMARY KEY, hazard_id BLOB NOT NULL UNIQUE)").run()
        try await sql.raw("""
            CREATE VIRTUAL TABLE \(unsafeRaw: terms) USING fts5(terms, tokenize = 'ascii', content = '', contentless_delete = 1)
            """).run()
    }

    static func dropTables(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        let sql = db as! any SQLDatabase
        try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: terms)").run()
        try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: ids)").run()
    }

    struct Item {
        let id: UUID
        let foundAt: Date
        let county: String
        let fields: [String]

        init(id: UUID, foundAt: Date, county: String, title: String, enterpriseName: String, location: String) {
            self.id = id
            self.foundAt = foundAt
            self.county = county
            self.fields = [title, enterpriseName, location]
        }

        init(_ h: Hazard) {
            self.init(id: h.id, foundAt: h.foundAt, county: h.countyCode, title: h.title, enterpriseName: h.enterpriseName, location: h.location)
        }

        init(_ m: HazardModel) {
            self.init(id: m.id!, foundAt: m.foundAt, county: m.countyCode, title: m.title, enterpriseName: m.enterpriseName, location: m.location)
        }

        var base: Int64 { Int64(max(0, foundAt.timeIntervalSince1970.rounded(.down))) * HazardSearchIndex.slots }

        /// The first number tried: the base plus 20 bits of the id.
        var preferred: Int64 {
            let u = id.uuid
            return base + (Int64(u.13 & 0x0F) << 16 | Int64(u.14) << 8 | Int64(u.15))
        }
    }

    /// Indexes hazards (again, if they were indexed before, keeping their numbers), inside the caller's write.
    static func index(_ items: [Item], on db: any Database) async throws {
        guard isSQLite(db), !items.isEmpty else { return }
        let sql = db as! any SQLDatabase
        struct Row: Decodable { let n: Int64; let hazard_id: UUID }
        for chunk in stride(from: 0, to: items.count, by: 300) {
            let part = items[chunk..<min(chunk + 300, items.count)]
            var add: SQLQueryString = "INSERT INTO \(unsafeRaw: ids) (n, hazard_id) VALUES "
            var list: SQLQueryString = ""
            for (i, item) in part.enumerated() {
                add += (i == 0 ? "" : ", ") + "(\(bind: item.preferred), \(bind: item.id))"
                list += (i == 0 ? "" : ", ") + "\(bind: item.id)"
            }
            // Already numbered, or its preferred number taken: nothing happens here. What was numbered now
            // (a new hazard, the usual case) comes back and needs neither the lookup nor the delete below.
            var number: [UUID: Int64] = [:]
            for r in try await sql.raw(add + " ON CONFLICT DO NOTHING RETURNING n, hazard_id").all(decoding: Row.self) {
                number[r.hazard_id] = r.n
            }
            let fresh = Set(number.keys)
            if fresh.count < part.count {
                for r in try await sql.raw("SELECT n, hazard_id FROM \(unsafeRaw: ids) WHERE hazard_id IN (" + list + ")").all(decoding: Row.self) {
                    number[r.hazard_id] = r.n
                }
            }
            for item in part where number[item.id] == nil {
                // The rare collision: the next free number of the same second.
                let top = try await sql.raw("SELECT MAX(n) AS n FROM \(unsafeRaw: ids) WHERE n >= \(bind: item.base) AND n < \(bind: item.base + slots)")
                    .first()?.decode(column: "n", as: Int64?.self) ?? nil
                let n = (top ?? item.base) + 1
                guard n < item.base + slots else { throw DomainError.conflict(FieldIssue(field: "foundAt", zh: "同一秒内发现的隐患过多", en: "too many hazards found in the same second")) }
                try await sql.raw("INSERT INTO \(unsafeRaw: ids) (n, hazard_id) VALUES (\(bind: n), \(bind: item.id))").run()
                number[item.id] = n
            }
            // A number just taken has no terms yet; one held before has its old terms replaced.
            let renumbered = part.filter { !fresh.contains($0.id) }
            if !renumbered.isEmpty {
                var drop: SQLQueryString = "DELETE FROM \(unsafeRaw: terms) WHERE rowid IN ("
                for (i, item) in renumbered.enumerated() { drop += (i == 0 ? "" : ", ") + "\(bind: number[item.id]!)" }
                try await sql.raw(drop + ")").run()
            }
            var put: SQLQueryString = "INSERT INTO \(unsafeRaw: terms) (rowid, terms) VALUES "
            for (i, item) in part.enumerated() {
                let n = number[item.id]!
                put += (i == 0 ? "" : ", ") + "(\(bind: n), \(bind: SearchTerms.terms(item.fields) + " " + countyTerm(item.county)))"
            }
            try await sql.raw(put).run()
        }
    }

    static func items(_ q: QueryBuilder<HazardModel>) async throws -> [Item] {
        try await q.field(\.$id).field(\.$foundAt).field(\.$countyCode).field(\.$title).field(\.$enterpriseName).field(\.$location).all().map(Item.init)
    }

    /// Indexes every hazard of one enterprise again (after its name or county changed).
    static func reindex(enterprise id: UUID, on db: any Database) async throws {
        guard isSQLite(db) else { return }
        try await index(try await items(HazardModel.query(on: db).filter(\.$enterpriseID == id)), on: db)
    }

    /// Indexes every hazard, a batch at a time.
    static func rebuild(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        var after: UUID?
        while true {
            let q = HazardModel.query(on: db)
            if let after { q.filter(\.$id > after) }
            let batch = try await items(q.sort(\.$id).limit(2000))
            guard let last = batch.last else { break }
            try await index(batch, on: db)
            after = last.id
        }
    }

    /// A search the index answers alone: its total, and a page of hazard ids newest found first.
    static func fastPage(match: String, county: String?, page: Paging, on sql: any SQLDatabase) async throws -> (ids: [UUID], total: Int) {
        let expression = match + (county.map { " \"" + countyTerm($0) + "\"" } ?? "")
        let total = try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: terms) WHERE \(unsafeRaw: terms) MATCH \(bind: expression)")
            .first()?.decode(column: "n", as: Int.self) ?? 0
        struct Row: Decodable { let hazard_id: UUID }
        let rows = try await sql.raw("""
            SELECT m.hazard_id FROM \(unsafeRaw: terms) JOIN \(unsafeRaw: ids) m ON m.n = \(unsafeRaw: terms).rowid
            WHERE \(unsafeRaw: terms) MATCH \(bind: expression) ORDER BY \(unsafeRaw: terms).rowid DESC LIMIT \(literal: page.per) OFFSET \(literal: page.offset)
            """).all(decoding: Row.self)
        return (rows.map(\.hazard_id), total)
    }
}

/// `hazards.id` among the index's answers to a `MATCH` expression.
struct HazardSearchMatch: SQLExpression {
    let expression: String

    func serialize(to serializer: inout SQLSerializer) {
        // The index answers first (its rows by MATCH), then each answer's hazard by the number's key.
        serializer.write("\(HazardModel.schema).id IN (SELECT m.hazard_id FROM \(HazardSearchIndex.terms) JOIN \(HazardSearchIndex.ids) m ON m.n = \(HazardSearchIndex.terms).rowid WHERE \(HazardSearchIndex.terms) MATCH ")
        SQLBind(expression).serialize(to: &serializer)
        serializer.write(")")
    }
}
