import Foundation
import Vapor
import ZhibenDomain

func routes(_ app: Application) throws {
    app.get(WebRoute.healthz) { _ in HealthStatus(status: "ok") }
    app.get(WebRoute.readyz) { req async -> Response in
        let ok = await req.zhiben.store.ping()
        let res = Response(status: ok ? .ok : .serviceUnavailable)
        try? res.content.encode(HealthStatus(status: ok ? "ok" : "database unreachable"))
        return res
    }
    app.get(WebRoute.metrics) { req async throws -> Response in
        // As Prometheus deployments expect: open to loopback and the configured scrapers, to no one else.
        guard req.mayReadMetrics else {
            throw Problem(status: .forbidden, title: "无权访问 / forbidden",
                          detail: "\(WebRoute.metrics) is served to loopback and to the addresses in ZHIBEN_METRICS_ALLOW only.")
        }
        let res = Response(status: .ok, body: .init(string: try await Metrics.render(req.zhiben)))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return res
    }

    let web = app.grouped(WebSessionMiddleware(), CSRFMiddleware())
    try web.register(collection: LoginPages())
    // 一公开: the draws, without signing in.
    try web.register(collection: PublicDrawPages())
    let signedIn = web.grouped(RequireLogin())
    // One line per feature: each feature folder holds its pages, API controller and DTOs.
    try signedIn.register(collection: WorkbenchPages())
    try signedIn.register(collection: DashboardPage())
    try signedIn.register(collection: DispatchPage())
    try signedIn.register(collection: EnterprisePages())
    try signedIn.register(collection: ImportPages())
    try signedIn.register(collection: UserPages())
    try signedIn.register(collection: APIKeyPages())
    try signedIn.register(collection: PasswordPages())
    try signedIn.register(collection: AuditPages())
    try signedIn.register(collection: HazardPages())
    try signedIn.register(collection: ZeroingPage())
    try signedIn.register(collection: CriteriaPages())
    try signedIn.register(collection: NotificationPages())
    try signedIn.register(collection: SelfInspectionPages())
    try signedIn.register(collection: MonitoringPages())
    try signedIn.register(collection: PointImportPages())
    try signedIn.register(collection: AlarmPages())
    try signedIn.register(collection: ProvincialPages())
    try signedIn.register(collection: MonitoringFiguresPages())
    try signedIn.register(collection: DrawPages())
    try signedIn.register(collection: PeopleEditPages())
    try signedIn.register(collection: InspectionPages())
    try signedIn.register(collection: PlanPages())
    try signedIn.register(collection: WorkforcePages())
    try signedIn.register(collection: ContractorPages())
    try signedIn.register(collection: PermitPages())
    try signedIn.register(collection: TrainingPages())

    // Gateways of the provincial interface: authenticated by their encryption key or an API key.
    try app.register(collection: ProvincialInterfaceController())

    // The JSON API: every path is an `APIRoute`, all under /api/v1.
    app.get(APIRoute.document) { req async throws -> Response in
        let res = try await req.fileio.asyncStreamFile(at: Resources.openAPIPath)
        res.headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return res
    }
    try app.register(collection: SessionAPIController())
    let authed = app.grouped(APIAuthMiddleware())
    try authed.register(collection: EnterpriseAPIController())
    try authed.register(collection: AccountAPIController())
    try authed.register(collection: APIKeyAPIController())
    try authed.register(collection: AuditAPIController())
    try authed.register(collection: HazardAPIController())
    try authed.register(collection: MonitoringAPIController())
    try authed.register(collection: TelemetryAPIController())
    try authed.register(collection: AlarmAPIController())
    try authed.register(collection: ProvincialAPIController())
    try authed.register(collection: MonitoringFiguresAPIController())
    try authed.register(collection: SelfInspectionAPIController())
    try authed.register(collection: EnforcementAPIController())
    try authed.register(collection: InspectionAPIController())
    try authed.register(collection: PenaltyAPIController())
    try authed.register(collection: PlanAPIController())
    try authed.register(collection: WorkbenchAPIController())
    try authed.register(collection: WorkforceAPIController())
    try authed.register(collection: ContractorAPIController())
    try authed.register(collection: PermitAPIController())
    try authed.register(collection: TrainingAPIController())
}

struct HealthStatus: Content {
    var status: String
}

extension Request {
    /// The `:id` of the path; one that is not a UUID names no record, and no route either: 404, or 405
    /// with `Allow` when the path exists under another method (`PATCH /enterprises/export.csv`).
    func recordID(_ entity: String) throws -> UUID {
        guard let id = parameters.get("id", as: UUID.self) else { throw NoSuchPath() }
        return id
    }

    /// Reads `page` and `per` from the query string; out of range or not a number is a 400.
    func paging(defaultPer: Int = 20) throws -> Paging { try strictPaging(defaultPer: defaultPer) }

    func queryString(_ key: String) -> String? {
        guard let v = try? query.get(String.self, at: key) else { return nil }
        let t = v.trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }
}
