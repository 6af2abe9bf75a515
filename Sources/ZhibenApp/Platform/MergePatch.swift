import Foundation
import Vapor
import ZhibenDomain

/// A PATCH body read as a JSON merge patch (RFC 7396): a field given replaces the stored value, a field
/// given as `null` clears it, an absent field keeps it. Only the fields in `clearable` may be null (all
/// of them where `clearable` is nil); null for another field is refused, naming it. Where every field
/// may be cleared, a member of a nested object given as null is named with its path (`principal.phone`).
struct MergePatch<Values: Decodable> {
    let values: Values
    /// Keys given as null: top-level names (and, where every field may be cleared, `object.member`).
    let cleared: Set<String>

    init(_ req: Request, clearable: Set<String>?) throws {
        guard let type = req.headers.contentType, type.type == "application", ["json", "merge-patch+json"].contains(type.subType) else {
            throw Abort(.unsupportedMediaType, reason: "send application/merge-patch+json or application/json")
        }
        try self.init(json: Data(buffer: req.body.data ?? ByteBuffer()), clearable: clearable)
    }

    init(json data: Data, clearable: Set<String>?) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw Problem(status: .badRequest, title: "请求格式错误 / malformed request",
                          detail: "The body must be a JSON object (application/merge-patch+json or application/json).")
        }
        values = try JSONDecoder().decode(Values.self, from: data)
        var nulls = Set<String>()
        for (key, value) in fields {
            if value is NSNull { nulls.insert(key) }
            if clearable == nil, let nested = value as? [String: Any] {
                for (member, v) in nested where v is NSNull { nulls.insert(key + "." + member) }
            }
        }
        if let clearable {
            let refused = nulls.subtracting(clearable).sorted()
            if !refused.isEmpty {
                throw DomainError.validation(refused.map { FieldIssue(field: $0, zh: "该字段不能清空", en: "this field cannot be cleared") })
            }
        }
        cleared = nulls
    }
}

extension MergePatch: Sendable where Values: Sendable {}
