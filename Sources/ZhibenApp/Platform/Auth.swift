import Foundation
import Vapor
import ZhibenDomain

/// Who made the request, once a cookie or bearer token has been checked.
struct AuthContext: Sendable {
    var caller: Caller
    var user: User?
    /// The secret the request was authenticated with; CSRF tokens derive from it.
    var token: String
}

enum Cookies {
    static let session = "zhiben_session"
    static let loginCSRF = "zhiben_csrf"
    static let language = "zhiben_lang"
}

extension Request {
    private struct AuthKey: StorageKey { typealias Value = AuthContext }

    var auth: AuthContext? {
        get { storage[AuthKey.self] }
        set { storage[AuthKey.self] = newValue }
    }

    private struct UnreadKey: StorageKey { typealias Value = Int }

    /// Unread messages of the signed-in user, for the page header.
    var unreadNotifications: Int {
        get { storage[UnreadKey.self] ?? 0 }
        set { storage[UnreadKey.self] = newValue }
    }

    /// The caller of a route behind a login requirement.
    var caller: Caller {
        get throws {
            guard let a = auth else { throw Abort(.unauthorized) }
            return a.caller
        }
    }

    var language: Language {
        if let u = auth?.user { return u.locale }
        if let c = cookies[Cookies.language]?.string, let l = Language(rawValue: c) { return l }
        return .zh
    }

    /// The client's address, for the audit log and sign-in throttling. `X-Forwarded-For` counts only when
    /// the peer is a proxy named in `ZHIBEN_TRUSTED_PROXIES`; then the client is the right-most address in
    /// it that is not itself a trusted proxy (what a client writes further left is its own claim).
    var origin: String? {
        guard let peer = remoteAddress?.ipAddress else { return nil }
        let trusted = zhiben.config.trustedProxies
        guard trusted.contains(peer) else { return peer }
        let hops = headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trusted.contains($0) }).map { String($0.prefix(64)) } ?? peer
    }

    /// Whether this client may read `/metrics`: loopback, or an address in `ZHIBEN_METRICS_ALLOW`. A request
    /// that came through a proxy not named in `ZHIBEN_TRUSTED_PROXIES` is refused, since its client is unknown
    /// (a proxy on the same machine would otherwise make everyone loopback).
    var mayReadMetrics: Bool {
        guard let peer = remoteAddress?.ipAddress else { return false }
        let forwarded = headers.contains(name: .xForwardedFor) || headers.contains(name: "Forwarded") || headers.contains(name: "X-Real-IP")
        if forwarded && !zhiben.config.trustedProxies.contains(peer) { return false }
        guard let client = origin else { return false }
        return AppConfig.AddressRange.isLoopback(client) || zhiben.config.metricsAllow.contains { $0.contains(client) }
    }

    var isSecure: Bool {
        zhiben.config.secureCookies || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }

    func cookie(_ value: String, maxAge: Int?, httpOnly: Bool = true) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, maxAge: maxAge, path: "/", isSecure: isSecure, isHTTPOnly: httpOnly, sameSite: .lax)
    }
}

enum Tokens {
    static func csrf(for sessionToken: String) -> String {
        String(Secret.sha256("csrf:" + sessionToken).prefix(32))
    }

    /// Resolves a session token or an API key to its caller.
    static func authenticate(_ secret: String, on req: Request) async throws -> AuthContext? {
        guard let found = try await req.zhiben.sessions.authenticate(secret) else { return nil }
        return AuthContext(caller: found.caller, user: found.user, token: secret)
    }
}

/// Reads the session cookie; pages that need a login are behind `RequireLogin`.
struct WebSessionMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = req.cookies[Cookies.session]?.string, !token.isEmpty {
            req.auth = try await Tokens.authenticate(token, on: req)
            // Pages show the unread count in their header; one indexed count per page view.
            if req.method == .GET, let caller = req.auth?.caller {
                req.unreadNotifications = try await req.zhiben.notifications.unreadCount(actor: caller)
            }
        }
        return try await next.respond(to: req)
    }
}

struct RequireLogin: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.auth?.user != nil else {
            let target = req.url.path + (req.url.query.map { "?" + $0 } ?? "")
            let encoded = target.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "?"])) ?? "/"
            let res = req.redirect(to: SitePath.login.path + "?next=" + encoded)
            if req.cookies[Cookies.session] != nil { res.cookies[Cookies.session] = .expired }
            return res
        }
        return try await next.respond(to: req)
    }
}

/// Every state-changing form carries `_csrf`: derived from the session token when signed in, or
/// matching the double-submit cookie on the login form.
struct CSRFMiddleware: AsyncMiddleware {
    /// Page forms with photos (several of 5 MB each) are collected up to this; other forms up to the
    /// configured body limit.
    static let maxMultipartBytes = 48 << 20
    /// A form sent without a session (the sign-in form) is read up to this.
    static let maxAnonymousFormBytes = 64 << 10

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if req.method != .GET && req.method != .HEAD {
            // Routes collect their body after the middleware: a form larger than what arrived with the
            // request's head is still a stream here, and its `_csrf` could not be read. Without a
            // session only the small sign-in form is expected, so little is read before refusing.
            if req.body.data == nil, let type = req.headers.contentType, type == .urlEncodedForm || type.type == "multipart" {
                let limit = req.auth == nil ? Self.maxAnonymousFormBytes : type.type == "multipart" ? Self.maxMultipartBytes : req.zhiben.config.maxBodyBytes
                _ = try await req.body.collect(max: limit).get()
            }
            let sent = (try? req.content.get(String.self, at: "_csrf")) ?? req.headers.first(name: "X-CSRF-Token") ?? ""
            let expected: String?
            if let a = req.auth { expected = Tokens.csrf(for: a.token) } else { expected = req.cookies[Cookies.loginCSRF]?.string }
            guard let expected, !sent.isEmpty, Secret.equal(sent, expected) else {
                throw Abort(.forbidden, reason: "CSRF token missing or wrong: reload the page and try again")
            }
        }
        return try await next.respond(to: req)
    }
}

/// `/api/v1`: a bearer token (from POST /api/v1/session) or an API key is required.
struct APIAuthMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = req.headers.bearerAuthorization?.token,
              let auth = try await Tokens.authenticate(bearer, on: req) else {
            throw Problem(status: .unauthorized, title: "未登录或令牌已失效 / authentication required",
                          detail: "Send Authorization: Bearer <token> from POST /api/v1/session, or an API key.",
                          headers: ["WWW-Authenticate": "Bearer"])
        }
        req.auth = auth
        return try await next.respond(to: req)
    }
}
