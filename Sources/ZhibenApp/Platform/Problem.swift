import Fluent
import ZhibenPersistence
import Foundation
import Vapor
import ZhibenDomain

/// RFC 9457 problem details, with the bad fields listed.
struct Problem: Error, Content {
    struct FieldError: Content {
        var field: String
        var reason: String
        var reasonZh: String
    }

    var type: String = "about:blank"
    var title: String
    var status: Int
    var detail: String?
    var errors: [FieldError]?
    /// Every reason a step was refused (the contractor's start-of-work gate), with its code.
    var refusals: [RefusalItem]?
    var headers: [String: String]? = nil

    struct RefusalItem: Content {
        var code: String
        var reason: String
        var reasonZh: String
        var subject: String?
        var day: String?
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors, refusals }

    init(status: HTTPResponseStatus, title: String, detail: String? = nil, errors: [FieldIssue]? = nil, headers: [String: String]? = nil) {
        self.status = Int(status.code)
        self.title = title
        self.detail = detail
        self.errors = errors?.map { FieldError(field: $0.field, reason: $0.reasonEn, reasonZh: $0.reasonZh) }
        self.headers = headers
    }

    /// Maps any error to what a client may see: never a stack trace or SQL.
    static func from(_ error: any Error, logger: Logger) -> Problem {
        switch error {
        case let p as Problem:
            return p
        case let d as DomainError:
            switch d {
            case .notFound(let entity):
                return Problem(status: .notFound, title: "记录不存在 / not found", detail: "No \(entity) with this id in your scope.")
            case .forbidden(let p):
                return Problem(status: .forbidden, title: "无权操作 / forbidden", detail: "Permission \(p.rawValue) is required.")
            case .validation(let issues):
                return Problem(status: .unprocessableEntity, title: "输入有误 / invalid input",
                               detail: issues.map { "\($0.field): \($0.reasonEn)" }.joined(separator: "; "), errors: issues)
            case .conflict(let issue):
                return Problem(status: .conflict, title: "与现有记录冲突 / conflict", detail: "\(issue.field): \(issue.reasonEn)", errors: [issue])
            case .invalidTransition(let from, let event):
                return Problem(status: .conflict, title: "当前状态不允许此操作 / not allowed in this state",
                               detail: "Cannot \(event) a record that is \(from).")
            case .staleVersion(let entity, let expected, let current):
                return Problem(status: .preconditionFailed, title: "记录已被他人修改 / changed by someone else meanwhile",
                               detail: "The \(entity) is at version \(current), not \(expected) as If-Match says: read it again and reapply your change.",
                               headers: ["ETag": ETag.string(current)])
            }
        case let r as Refusal:
            var p = Problem(status: .conflict, title: "条件不具备 / refused", detail: r.items.map { "\($0.code): \($0.en)" }.joined(separator: "; "))
            p.refusals = r.items.map { RefusalItem(code: $0.code, reason: $0.en, reasonZh: $0.zh, subject: $0.subject, day: $0.day) }
            return p
        case let r as PermitRefusal:
            var p = Problem(status: .conflict, title: "作业票条件不具备 / refused", detail: r.refusals.map { "\($0.code): \($0.en)" }.joined(separator: "; "))
            p.refusals = r.refusals.map { RefusalItem(code: $0.code, reason: $0.en, reasonZh: $0.zh, subject: nil, day: nil) }
            return p
        case let l as LoginError:
            switch l {
            case .invalidCredentials:
                return Problem(status: .unauthorized, title: "用户名或密码错误 / wrong username or password")
            case .locked(let until):
                return Problem(status: .locked, title: "账号已锁定 / account locked",
                               detail: "Too many failed logins; locked until \(ISOTime.string(until)).")
            case .throttled(let seconds):
                return Problem(status: .tooManyRequests, title: "登录失败次数过多，请稍后再试 / too many failed sign-ins",
                               detail: "Too many failed sign-ins from your address; try again in \(seconds) s.",
                               headers: ["Retry-After": String(seconds)])
            }
        case let d as DecodingError:
            let (path, why) = describe(d)
            return Problem(status: .badRequest, title: "请求格式错误 / malformed request", detail: "\(path): \(why)",
                           errors: [FieldIssue(field: path, zh: "格式错误：\(why)", en: why)])
        case let d as any DatabaseError where d.isConstraintFailure:
            // Two requests raced past the service's own check (e.g. the same credit code at once).
            return Problem(status: .conflict, title: "与现有记录冲突 / conflict", detail: "A record with the same unique value already exists.")
        case is RouteNotFound, is NoSuchPath:
            return Problem(status: .notFound, title: "页面不存在 / not found")
        case let a as any AbortError:
            var headers: [String: String] = [:]
            for (k, v) in a.headers { headers[k] = v }
            let reason = a.status.code >= 500 ? a.status.reasonPhrase : a.reason
            return Problem(status: a.status, title: title(for: a.status), detail: reason, headers: headers.isEmpty ? nil : headers)
        case let e where StoreOutage.isUnreachable(e):
            // The database is stopped or restarting: nothing was written; the pool reconnects by itself.
            logger.warning("database unreachable: \(String(reflecting: e))")
            return Problem(status: .serviceUnavailable, title: "数据库暂时无法访问 / database unavailable",
                           detail: "The database cannot be reached just now; nothing was changed. Try again in a few seconds.",
                           headers: ["Retry-After": String(Problem.outageRetryAfter)])
        default:
            logger.report(error: error)
            return Problem(status: .internalServerError, title: "服务器内部错误 / internal error",
                           detail: "The error has been logged; nothing was changed.")
        }
    }

    /// Seconds a client is asked to wait while the database cannot be reached.
    static let outageRetryAfter = 5

    static func title(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "请求格式错误 / bad request"
        case 401: "未登录 / authentication required"
        case 403: "无权操作 / forbidden"
        case 404: "记录不存在 / not found"
        case 405: "不支持的请求方法 / method not allowed"
        case 413: "请求内容过大 / payload too large"
        case 415: "不支持的内容类型 / unsupported media type"
        default: status.reasonPhrase
        }
    }

    static func describe(_ e: DecodingError) -> (String, String) {
        func path(_ c: [any CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch e {
        case .keyNotFound(let key, let ctx): return (path(ctx.codingPath + [key]), "is required")
        case .typeMismatch(let t, let ctx): return (path(ctx.codingPath), "must be \(t)")
        case .valueNotFound(let t, let ctx):
            return (path(ctx.codingPath), ctx.debugDescription == StrictJSON.nullReason ? StrictJSON.nullReason : "must be \(t), not null")
        case .dataCorrupted(let ctx): return (path(ctx.codingPath).isEmpty ? "body" : path(ctx.codingPath), "is not valid JSON")
        @unknown default: return ("body", "cannot be read")
        }
    }

    func response(for req: Request) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{\"status\":\(status)}".utf8)
        let res = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: body))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
        for (k, v) in headers ?? [:] { res.headers.replaceOrAdd(name: k, value: v) }
        return res
    }
}

/// Turns every error into problem JSON (API) or a page (web).
struct ProblemMiddleware: AsyncMiddleware {
    let environment: Environment

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: req)
        } catch {
            let problem = Problem.from(error, logger: req.logger)
            // Writes still waiting on connections the database cut are given up shortly after this.
            if problem.status == 503 { req.zhiben.store.stats.noteOutage() }
            if req.url.path.hasPrefix(APIRoute.prefix) || req.headers.accept.mediaTypes.contains(where: { $0.subType == "json" }) {
                return problem.response(for: req)
            }
            return ErrorPage.response(problem, req: req)
        }
    }
}

struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let res = try await next.respond(to: req)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        // Every asset is served by the app itself: nothing may load from elsewhere.
        res.headers.replaceOrAdd(name: "Content-Security-Policy",
                                 value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
        if res.headers.first(name: .cacheControl) == nil, !req.url.path.hasPrefix("/css/"), !req.url.path.hasPrefix("/js/") {
            res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return res
    }
}

/// A path whose record id is not one: answered as a route that does not exist.
struct NoSuchPath: Error {}

/// Answers 405 with `Allow` when the path exists under another method, instead of 404.
struct MethodNotAllowedMiddleware: AsyncMiddleware {
    /// Built once before the server starts and only read afterwards.
    struct Table: @unchecked Sendable { let routers: [(HTTPMethod, TrieRouter<Bool>)] }
    let table: Table

    init(routes: Routes) {
        var byMethod: [String: (HTTPMethod, TrieRouter<Bool>)] = [:]
        for r in routes.all where !r.path.isEmpty {
            let entry = byMethod[r.method.rawValue] ?? (r.method, TrieRouter<Bool>())
            entry.1.register(true, at: r.path)
            byMethod[r.method.rawValue] = entry
        }
        table = Table(routers: Array(byMethod.values))
    }

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: req)
        } catch let notFound where notFound is RouteNotFound || notFound is NoSuchPath {
            let path = req.url.path.split(separator: "/").map(String.init)
            // A route whose record id would be filled with what is no id (`PATCH /enterprises/export.csv`
            // against `/enterprises/:id`) is not this path's: it would answer 404 itself.
            let allowed = table.routers.filter { _, router in
                var params = Parameters()
                guard router.route(path: path, parameters: &params) != nil else { return false }
                return RoutePattern.recordIDParameters.allSatisfy { name in params.get(name).map { UUID(uuidString: $0) != nil } ?? true }
            }.map(\.0.rawValue).sorted()
            guard !allowed.isEmpty, !allowed.contains(req.method.rawValue) else { throw notFound }
            throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")],
                        reason: "Use \(allowed.joined(separator: " or ")) for this path.")
        }
    }
}

/// `Server-Timing: app;dur=…`: the time the app spent on a request, for browsers' devtools and the benchmark.
struct ServerTimingMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let res = try await next.respond(to: req)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        res.headers.replaceOrAdd(name: "Server-Timing", value: String(format: "app;dur=%.2f", ms))
        return res
    }
}
