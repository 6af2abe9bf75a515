import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Models written and read with hand-written SQL on the busiest paths. FluentKit builds each statement
/// anew and quotes every column name through a generic string replacement (three per column of a
/// select); on the hazard report's path that was the larger part of the server's time, a good share of
/// it inside the serialised audited write. These keep the models' own mapping (their `input` and
/// `output`) and skip the statement building.

/// A model's values as FluentKit would insert them.
private final class InsertedValues: DatabaseInput {
    var keys: [String] = []
    var values: [DatabaseQuery.Value] = []

    func set(_ value: DatabaseQuery.Value, at key: FieldKey) {
        let name = key.description
        if let i = keys.firstIndex(of: name) { values[i] = value } else {
            keys.append(name)
            values.append(value)
        }
    }
}

struct UnsupportedValue: Error, CustomStringConvertible {
    let column: String
    var description: String { "column \(column): only bound values and NULL are inserted in plain SQL" }
}

extension Model {
    /// Inserts this new model (its id already set) in one plain statement: the same row `create(on:)`
    /// stores. No model middleware runs; none are registered.
    func insert(on db: any Database) async throws {
        let input = InsertedValues()
        self.input(to: input)
        var q: SQLQueryString = "INSERT INTO \(unsafeRaw: Self.schema) (\(unsafeRaw: input.keys.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES ("
        for (i, (key, value)) in zip(input.keys, input.values).enumerated() {
            if i > 0 { q += ", " }
            switch value {
            case .bind(let v): q += "\(SQLBind(v))"
            case .null: q += "NULL"
            default: throw UnsupportedValue(column: key)
            }
        }
        q += ")"
        try await (db as! any SQLDatabase).raw(q).run()
    }
}

extension SQLDatabase {
    /// The models a hand-written `SELECT *` (or the model's columns) returns, for reading only.
    func models<M: Model>(_ type: M.Type, _ query: SQLQueryString) async throws -> [M] {
        try await raw(query).all().map { try $0.decode(fluentModel: M.self) }
    }
}

extension QueryBuilder {
    /// The number of rows the query matches, as `COUNT(*)`. FluentKit's `count()` asks for
    /// `COUNT(id)`, which makes SQLite read each matching row from the table for its id even when an
    /// index holds every column of the filter; `COUNT(*)` is answered from that index alone. (The id is
    /// never NULL, so both give the same number.)
    func rowCount() async throws -> Int {
        try await aggregate(.custom(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier(FieldKey.aggregate.description))), as: Int.self)
    }
}
