import Foundation
import Vapor

/// Serves the files under the public directory (`/css/…`, `/js/…`). Only requests that can name one
/// (GET or HEAD, under one of the directory's top-level entries, listed once at start) go to Vapor's
/// `FileMiddleware`, which looks the path up on the file system's thread pool: every other request,
/// an API call or a page, goes straight to its route without that hop.
struct PublicFilesMiddleware: AsyncMiddleware {
    let files: FileMiddleware
    let entries: Set<String>

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory, defaultFile: nil)
        entries = Set((try? FileManager.default.contentsOfDirectory(atPath: publicDirectory)) ?? [])
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .GET || request.method == .HEAD, entries.contains(Self.firstComponent(of: request.url.path)) else {
            return try await next.respond(to: request)
        }
        return try await files.respond(to: request, chainingTo: next)
    }

    /// `/css/app.css` → `css`; percent-encoded names are compared decoded, as `FileMiddleware` does.
    static func firstComponent(of path: String) -> String {
        let trimmed = path.drop { $0 == "/" }
        let first = trimmed.prefix { $0 != "/" }
        return String(first).removingPercentEncoding ?? String(first)
    }
}
