import Foundation
import Vapor
import ZhibenDomain

/// A PATCH body read as a JSON merge patch (RFC 7396): a field given replaces the stored value, a field
/// given as `null` clears it, an absent field keeps it. Only the fields in `clearable` may be null; null
/// for another field is refused, naming it.
struct MergePatch<Values: Decodable> {
    let values: Values
    /// Top-level keys given as null.
    let cleared: Set<String>

    init(_ req: Request, clearable: Set<String>) throws {
        guard let type = req.headers.contentType, type.type == "application", ["json", "merge-patch+json"].contains(type.subType) else {
            throw Abort(.unsupportedMediaType, reason: "send application/merge-patch+json or application/json")
        }
        let data = Data(buffer: req.body.data ?? ByteBuffer())
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw Problem(status: .badRequest, title: "请求格式错误 / malformed request",
                          detail: "The body must be a JSON object (application/merge-patch+json or application/json).")
        }
        values = try JSONDecoder().decode(Values.self, from: data)
        let nulls = Set(fields.compactMap { $0.value is NSNull ? $0.key : nil })
        let refused = nulls.subtracting(clearable).sorted()
        if !refused.isEmpty {
            throw DomainError.validation(refused.map { FieldIssue(field: $0, zh: "该字段不能清空", en: "this field cannot be cleared") })
        }
        cleared = nulls
    }
}
