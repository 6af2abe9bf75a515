import FluentKit
import Foundation
import SQLKit

/// Substring search through a full-text index, for text that is mostly Chinese.
///
/// A word tokenizer finds no words in Chinese, and a trigram index cannot answer the one- and
/// two-character searches Chinese users type most ("氨", "除尘"). So each field is indexed as the
/// pairs of adjacent letters or digits it contains (`除尘器` → `除尘 尘器`), plus, for a letter or digit
/// not followed by another, that character alone. Then:
/// - a search of two letters or digits is one term, and the index answers it exactly;
/// - a search of one is a prefix term (`氨*`): every occurrence starts some term, so also exact;
/// - a longer search needs all of its pairs: that finds every match and a few more, which the
///   caller removes with `LIKE` on those rows only.
/// ASCII letters are folded to lower case, as SQLite's `LIKE` folds them.
public enum SearchTerms {
    static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber }

    static func fold(_ c: Character) -> String {
        c.isASCII ? c.lowercased() : String(c)
    }

    /// The distinct terms of the given fields, space-separated, for the index.
    public static func terms(_ fields: [String]) -> String {
        var seen = Set<String>()
        var out: [String] = []
        for field in fields {
            let chars = Array(field)
            for (i, c) in chars.enumerated() where isWord(c) {
                let term = i + 1 < chars.count && isWord(chars[i + 1]) ? fold(c) + fold(chars[i + 1]) : fold(c)
                if seen.insert(term).inserted { out.append(term) }
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
            let pair = fold(chars[i]) + fold(chars[i + 1])
            if !pairs.contains(pair) { pairs.append(pair) }
        }
        let allWord = chars.allSatisfy(isWord)
        if !pairs.isEmpty {
            return (pairs.map { "\"\($0)\"" }.joined(separator: " "), allWord && chars.count == 2)
        }
        guard let first = chars.first(where: isWord) else { return nil }
        return ("\"\(fold(first))\"*", allWord && chars.count == 1)
    }
}

/// The hazard search index on SQLite: an FTS5 table of `SearchTerms` (contentless: it keeps only the
/// index) and the numbers that tie its rows to hazards. On PostgreSQL the search reads the columns.
enum HazardSearchIndex {
    static let terms = "hazard_search"
    static let ids = "hazard_search_ids"

    static func isSQLite(_ db: any Database) -> Bool { (db as? any SQLDatabase)?.dialect.name == "sqlite" }

    static func createTables(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        let sql = db as! any SQLDatabase
        try await sql.raw("CREATE TABLE \(unsafeRaw: ids) (n INTEGER PRIMARY KEY, hazard_id BLOB NOT NULL UNIQUE)").run()
        try await sql.raw("""
            CREATE VIRTUAL TABLE \(unsafeRaw: terms) USING fts5(terms, tokenize = 'ascii', detail = 'none', content = '', contentless_delete = 1)
            """).run()
    }

    static func dropTables(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        let sql = db as! any SQLDatabase
        try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: terms)").run()
        try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: ids)").run()
    }

    /// The fields a hazard search looks in.
    static func fields(title: String, enterpriseName: String, location: String) -> [String] { [title, enterpriseName, location] }

    /// Indexes hazards (again, if they were indexed before), inside the caller's write.
    static func index(_ items: [(id: UUID, fields: [String])], on db: any Database) async throws {
        guard isSQLite(db), !items.isEmpty else { return }
        let sql = db as! any SQLDatabase
        for chunk in stride(from: 0, to: items.count, by: 300) {
            let part = items[chunk..<min(chunk + 300, items.count)]
            var add: SQLQueryString = "INSERT INTO \(unsafeRaw: ids) (hazard_id) VALUES "
            var list: SQLQueryString = ""
            for (i, item) in part.enumerated() {
                add += (i == 0 ? "" : ", ") + "(\(bind: item.id))"
                list += (i == 0 ? "" : ", ") + "\(bind: item.id)"
            }
            try await sql.raw(add + " ON CONFLICT (hazard_id) DO NOTHING").run()
            struct Row: Decodable { let n: Int; let hazard_id: UUID }
            let rows = try await sql.raw("SELECT n, hazard_id FROM \(unsafeRaw: ids) WHERE hazard_id IN (" + list + ")").all(decoding: Row.self)
            let number = Dictionary(rows.map { ($0.hazard_id, $0.n) }, uniquingKeysWith: { a, _ in a })
            var drop: SQLQueryString = "DELETE FROM \(unsafeRaw: terms) WHERE rowid IN ("
            var put: SQLQueryString = "INSERT INTO \(unsafeRaw: terms) (rowid, terms) VALUES "
            var first = true
            for item in part {
                guard let n = number[item.id] else { continue }
                drop += (first ? "" : ", ") + "\(bind: n)"
                put += (first ? "" : ", ") + "(\(bind: n), \(bind: SearchTerms.terms(item.fields)))"
                first = false
            }
            guard !first else { continue }
            try await sql.raw(drop + ")").run()
            try await sql.raw(put).run()
        }
    }

    /// Indexes every hazard of one enterprise again (after its name changed).
    static func reindex(enterprise id: UUID, on db: any Database) async throws {
        guard isSQLite(db) else { return }
        let rows = try await HazardModel.query(on: db).filter(\.$enterpriseID == id)
            .field(\.$id).field(\.$title).field(\.$enterpriseName).field(\.$location).all()
        try await index(rows.map { ($0.id!, fields(title: $0.title, enterpriseName: $0.enterpriseName, location: $0.location)) }, on: db)
    }

    /// Indexes every hazard, a batch at a time.
    static func rebuild(on db: any Database) async throws {
        guard isSQLite(db) else { return }
        var after: UUID?
        while true {
            let q = HazardModel.query(on: db)
            if let after { q.filter(\.$id > after) }
            let rows = try await q.sort(\.$id).limit(2000).field(\.$id).field(\.$title).field(\.$enterpriseName).field(\.$location).all()
            guard let last = rows.last else { break }
            try await index(rows.map { ($0.id!, fields(title: $0.title, enterpriseName: $0.enterpriseName, location: $0.location)) }, on: db)
            after = last.id
        }
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
