import Foundation
import Vapor
import ZhibenDomain

func routes(_ app: Application) throws {
    app.get("healthz") { _ in HealthStatus(status: "ok") }
    app.get("readyz") { req async -> Response in
        let ok = await req.zhiben.store.ping()
        let res = Response(status: ok ? .ok : .serviceUnavailable)
        try? res.content.encode(HealthStatus(status: ok ? "ok" : "database unreachable"))
        return res
    }
    app.get("metrics") { _ -> Response in
        let res = Response(status: .ok, body: .init(string: Metrics.render()))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return res
    }

    let web = app.grouped(WebSessionMiddleware(), CSRFMiddleware())
    try web.register(collection: LoginController())
    let signedIn = web.grouped(RequireLogin())
    try signedIn.register(collection: DashboardController())
    try signedIn.register(collection: EnterprisesWebController())
    try signedIn.register(collection: ImportWebController())
    try signedIn.register(collection: AdminWebController())

    let api = app.grouped("api", "v1")
    api.get("openapi.yaml") { req async throws -> Response in
        let res = try await req.fileio.asyncStreamFile(at: Resources.openAPIPath)
        res.headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return res
    }
    try api.register(collection: SessionAPIController())
    let authed = api.grouped(APIAuthMiddleware())
    try authed.register(collection: EnterpriseAPIController())
    try authed.register(collection: AdminAPIController())
}

struct HealthStatus: Content {
    var status: String
}

extension Request {
    /// The `:id` of the path; one that is not a UUID names no record, so it is "not found".
    func recordID(_ entity: String) throws -> UUID {
        guard let id = parameters.get("id", as: UUID.self) else { throw DomainError.notFound(entity: entity) }
        return id
    }

    /// Reads `page` and `per` from the query string.
    func paging(defaultPer: Int = 20) -> Paging {
        Paging(page: (try? query.get(Int.self, at: "page")) ?? 1, per: (try? query.get(Int.self, at: "per")) ?? defaultPer)
    }

    func queryString(_ key: String) -> String? {
        guard let v = try? query.get(String.self, at: key) else { return nil }
        let t = v.trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }

    /// The enterprise list's filters, from the query string, shared by pages, export and API.
    func enterpriseQuery() -> EnterpriseQuery {
        EnterpriseQuery(
            countyCode: queryString("county").flatMap { County.lookup($0)?.code },
            industry: queryString("industry").flatMap { parseLabeled($0, as: Industry.self) },
            specialRisk: queryString("risk").flatMap { parseLabeled($0, as: SpecialRisk.self) },
            grade: queryString("grade").flatMap { SupervisionGrade(rawValue: $0.uppercased()) },
            standardization: queryString("standardization").flatMap { parseLabeled($0, as: StandardizationGrade.self) },
            status: queryString("status").flatMap { parseLabeled($0, as: OperatingStatus.self) },
            includeInactive: ["1", "true", "on"].contains(queryString("inactive") ?? ""),
            search: queryString("q").map { String($0.prefix(100)) },
            sort: queryString("sort").flatMap(EnterpriseSort.init(rawValue:)) ?? .name,
            direction: queryString("dir") == "desc" ? .desc : .asc)
    }
}
