import Foundation
import Vapor
import ZhibenDomain

/// Entity tags of versioned records: `"<version>"`. Reads send one; writes may name it in `If-Match`.
enum ETag {
    static func string(_ version: Int) -> String { "\"\(version)\"" }

    /// The version named by `If-Match`: nil when absent or `*` (any version). A value that is not one of
    /// our tags can never match, so it answers 412 like a stale one.
    static func expectedVersion(_ req: Request) throws -> Int? {
        let values = req.headers[.ifMatch].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let value = values.first else { return nil }
        if values.count == 1, value == "*" { return nil }
        let bare = value.hasPrefix("W/") ? String(value.dropFirst(2)) : value
        guard values.count == 1, bare.count >= 3, bare.hasPrefix("\""), bare.hasSuffix("\""),
              let version = Int(bare.dropFirst().dropLast()), version > 0 else {
            throw Problem(status: .preconditionFailed, title: "记录已被他人修改 / If-Match does not match",
                          detail: "If-Match must be one entity tag as the record's ETag header gives it, e.g. \"3\", or *.")
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
