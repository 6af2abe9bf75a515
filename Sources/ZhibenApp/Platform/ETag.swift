import Foundation
import Vapor
import ZhibenDomain

/// Entity tags of versioned records: `"<version>"`. Reads send one; writes may name it in `If-Match`.
enum ETag {
    static func string(_ version: Int) -> String { "\"\(version)\"" }

    /// A version sent in the body (`version`, `baseVersion`): 0 to 999,999,999 as the document says,
    /// checked before any record is compared, so a version no record can have is refused, not stale.
    static func bodyVersion(_ value: Int?, field: String = "version") throws -> Int? {
        guard let value else { return nil }
        guard (0...999_999_999).contains(value) else {
            throw DomainError.validation([FieldIssue(field: field, zh: "版本号应为0至999999999", en: "a version is 0 to 999999999")])
        }
        return value
    }

    /// The version named by `If-Match`: nil when absent or `*` (any version). A header that is not one
    /// entity tag of ours (empty, a list, not quoted, not a number) is malformed: 400, nothing written. A
    /// well-formed tag of another version answers 412 where the record is compared.
    static func expectedVersion(_ req: Request) throws -> Int? {
        let raw = req.headers[.ifMatch]
        guard !raw.isEmpty else { return nil }
        let values = raw.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        if values == ["*"] { return nil }
        let bare = values.first.map { $0.hasPrefix("W/") ? String($0.dropFirst(2)) : $0 } ?? ""
        guard values.count == 1, bare.count >= 3, bare.count <= 11, bare.hasPrefix("\""), bare.hasSuffix("\""),
              bare.dropFirst().dropLast().allSatisfy(\.isASCII), let version = Int(bare.dropFirst().dropLast()), version >= 0 else {
            throw Problem(status: .badRequest, title: "请求格式错误 / malformed If-Match",
                          detail: "If-Match must be one entity tag as the record's ETag header gives it, e.g. \"3\", or *.",
                          errors: [FieldIssue(field: "If-Match", zh: "If-Match 应为记录 ETag 给出的一个实体标签（如 \"3\"）或 *",
                                              en: "one entity tag as the ETag header gives it, e.g. \"3\", or *")])
        }
        return version
    }
}

extension Response {
    /// A JSON response carrying the record's entity tag.
    static func json<T: Content>(_ body: T, version: Int, status: HTTPResponseStatus = .ok) throws -> Response {
        let res = Response(status: status)
        try res.content.encode(body, as: .json)
        res.headers.replaceOrAdd(name: .eTag, value: ETag.string(version))
        return res
    }
}
