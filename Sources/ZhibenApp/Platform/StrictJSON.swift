import Foundation
import Vapor
import ZhibenDomain

/// Reading a JSON request body as the document states it. Swift's decoding takes a `null` member as an
/// absent optional, so `"ids": null` or `"reason": null` would pass for a member that was not sent,
/// although the document allows no null there. Here, `null` for a member the type declares is refused
/// (400, naming the member: leave it out instead); members the type does not declare are ignored, as
/// before. A member that may be null reads it explicitly (`decodeNullable`), as a monitoring point's
/// limits do (null: no limit). Merge patches (PATCH) read null as "clear" and do not come through here.
enum StrictJSON {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let base = (try? ContentConfiguration.global.requireDecoder(for: .json)) as? JSONDecoder ?? JSONDecoder()
        return try base.decode(Root<T>.self, from: data).value
    }

    struct Root<T: Decodable>: Decodable {
        let value: T
        init(from decoder: any Decoder) throws { value = try T(from: StrictDecoder(base: decoder)) }
    }

    /// Why a null member is refused, as the problem's reason says it.
    static let nullReason = "null is not a value here; leave the member out"

    /// `null is not a value here`, at the member's path.
    static func null<T>(_ type: T.Type, _ path: [any CodingKey]) -> DecodingError {
        DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: nullReason))
    }

    /// Types JSONDecoder reads itself (its date and data strategies, a Decimal from the number's text):
    /// decoded by the base container, not through `init(from:)`.
    static func isLeaf<T>(_ type: T.Type) -> Bool {
        type == Date.self || type == Decimal.self || type == Data.self || type == URL.self || type == UUID.self
    }
}

private struct StrictDecoder: Decoder {
    let base: any Decoder
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(StrictKeyed(base: try base.container(keyedBy: type)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { StrictUnkeyed(base: try base.unkeyedContainer()) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { try base.singleValueContainer() }
}

private struct StrictKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    func contains(_ key: Key) -> Bool { base.contains(key) }
    func decodeNil(forKey key: Key) throws -> Bool { try base.decodeNil(forKey: key) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try base.decode(type, forKey: key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if StrictJSON.isLeaf(type) { return try base.decode(type, forKey: key) }
        return try T(from: StrictDecoder(base: try base.superDecoder(forKey: key)))
    }

    /// Absent: nil. Present and null: refused. Otherwise decoded as the member's type.
    private func present(_ key: Key) throws -> Bool {
        guard base.contains(key) else { return false }
        if try base.decodeNil(forKey: key) { throw StrictJSON.null(Any.self, codingPath + [key]) }
        return true
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(key) ? decode(type, forKey: key) : nil }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try present(key) ? decode(type, forKey: key) : nil }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(StrictKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type, forKey: key)))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        StrictUnkeyed(base: try base.nestedUnkeyedContainer(forKey: key))
    }

    func superDecoder() throws -> any Decoder { StrictDecoder(base: try base.superDecoder()) }
    func superDecoder(forKey key: Key) throws -> any Decoder { StrictDecoder(base: try base.superDecoder(forKey: key)) }
}

private struct StrictUnkeyed: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if StrictJSON.isLeaf(type) { return try base.decode(type) }
        return try T(from: StrictDecoder(base: try base.superDecoder()))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(StrictKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type)))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { StrictUnkeyed(base: try base.nestedUnkeyedContainer()) }
    mutating func superDecoder() throws -> any Decoder { StrictDecoder(base: try base.superDecoder()) }
}

extension KeyedDecodingContainer {
    /// A member the document allows to be null: absent or null is nil.
    func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(type, forKey: key)
    }
}

extension Request {
    /// The body as `T`: JSON read strictly (`StrictJSON`), anything else as Vapor reads it.
    func decodeBody<T: Decodable>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.subType == "json" || contentType.subType.hasSuffix("+json"),
              let body = body.data else {
            return try content.decode(T.self)
        }
        return try StrictJSON.decode(T.self, from: Data(body.readableBytesView))
    }
}

/// An amount in yuan as the API reads it: any JSON number (JSONDecoder's own Decimal refuses one outside
/// Decimal's exponent range as unreadable), kept exactly to the fen. More than two decimals, or past a
/// trillion yuan, is refused naming the member (422).
struct YuanAmount: Codable, Sendable {
    let value: Decimal

    /// An amount already read (a form's field).
    init(_ value: Decimal) { self.value = value }

    init(from decoder: any Decoder) throws {
        let number = try decoder.singleValueContainer().decode(Double.self)
        let fen = (number * 100).rounded()
        guard number.isFinite, abs(number) <= 1e12, abs(number * 100 - fen) <= max(1e-6, abs(fen) * 1e-12) else {
            let field = decoder.codingPath.map(\.stringValue).joined(separator: ".")
            throw DomainError.validation([FieldIssue(field: field, zh: "金额以元计，最多两位小数，不超过一万亿元",
                                                     en: "an amount in yuan with at most two decimals, at most a trillion")])
        }
        value = Decimal(Int64(fen)) / 100
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
