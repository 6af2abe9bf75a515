import Foundation
import Vapor
import ZhibenDomain

/// Every page address the app links or redirects to, in one place, so a link cannot drift from its route.
enum SitePath: Sendable, Equatable {
    case home, login, logout, language, password
    case enterprises, enterpriseNew, enterpriseExport
    case enterpriseImport, enterpriseImportTemplate
    case enterprise(UUID), enterpriseEdit(UUID), enterpriseContacts(UUID), enterpriseDeactivate(UUID)
    case enterpriseReactivate(UUID), enterpriseGrade(UUID)
    case users, userUnlock(UUID), userActive(UUID), userPassword(UUID)
    case apiKeys, apiKeyRevoke(UUID)
    case audit, auditExport
    case hazards, hazardNew, hazardExport, hazardPrint, hazardZeroing
    case hazard(UUID), hazardTransition(UUID), hazardPhotos(UUID), hazardPhoto(UUID, UUID)
    case criteria, checklists, checklist(CriterionGroup), enterpriseChecklist(UUID), checklistItems, checklistItemActive(UUID)
    case notifications, notificationsRead
    case selfInspections, internalReports, internalReportDecision(UUID)
    case monitoringPoints, monitoringPointNew, monitoringPoint(UUID), provincialLink(UUID?), monitoringStatistics
    case monitoringPointImport, monitoringPointTemplate, monitoringPointExport
    case alarms, alarm(UUID), alarmTransition(UUID)
    case draws, drawNew, draw(UUID), drawReveal(UUID), inspectors, inspector(UUID), experts, expert(UUID), publicDraws, publicDraw(UUID), publicDrawPool(UUID)
    case plan, inspections, inspectionNew, inspection(UUID), inspectionPhotos(UUID), inspectionPhoto(UUID, UUID), drawInspections(UUID), inspectionPrint(UUID), inspectionPenalties(UUID), inspectionExams(UUID), examReexam(UUID)

    var path: String {
        switch self {
        case .home: "/"
        case .login: "/login"
        case .logout: "/logout"
        case .language: "/language"
        case .password: "/password"
        case .enterprises: "/enterprises"
        case .enterpriseNew: "/enterprises/new"
        case .enterpriseExport: "/enterprises/export.csv"
        case .enterpriseImport: "/enterprises/import"
        case .enterpriseImportTemplate: "/enterprises/import/template.csv"
        case .enterprise(let id): "/enterprises/\(id.uuidString)"
        case .enterpriseEdit(let id): "/enterprises/\(id.uuidString)/edit"
        case .enterpriseContacts(let id): "/enterprises/\(id.uuidString)/contacts"
        case .enterpriseDeactivate(let id): "/enterprises/\(id.uuidString)/deactivate"
        case .enterpriseReactivate(let id): "/enterprises/\(id.uuidString)/reactivate"
        case .enterpriseGrade(let id): "/enterprises/\(id.uuidString)/grade"
        case .users: "/users"
        case .userUnlock(let id): "/users/\(id.uuidString)/unlock"
        case .userActive(let id): "/users/\(id.uuidString)/active"
        case .userPassword(let id): "/users/\(id.uuidString)/password"
        case .apiKeys: "/api-keys"
        case .apiKeyRevoke(let id): "/api-keys/\(id.uuidString)/revoke"
        case .audit: "/audit"
        case .auditExport: "/audit/export.csv"
        case .hazards: "/hazards"
        case .hazardNew: "/hazards/new"
        case .hazardExport: "/hazards/export.csv"
        case .hazardPrint: "/hazards/print"
        case .hazardZeroing: "/hazards/zeroing"
        case .hazard(let id): "/hazards/\(id.uuidString)"
        case .hazardTransition(let id): "/hazards/\(id.uuidString)/transitions"
        case .hazardPhotos(let id): "/hazards/\(id.uuidString)/photos"
        case .hazardPhoto(let id, let photo): "/hazards/\(id.uuidString)/photos/\(photo.uuidString)"
        case .criteria: "/hazard-criteria"
        case .checklists: "/checklists"
        case .checklist(let group): "/checklists/\(group.rawValue)"
        case .enterpriseChecklist(let id): "/enterprises/\(id.uuidString)/checklist"
        case .checklistItems: "/checklist-items"
        case .checklistItemActive(let id): "/checklist-items/\(id.uuidString)/active"
        case .notifications: "/notifications"
        case .notificationsRead: "/notifications/read"
        case .selfInspections: "/self-inspections"
        case .internalReports: "/internal-reports"
        case .internalReportDecision(let id): "/internal-reports/\(id.uuidString)/decision"
        case .monitoringPoints: "/monitoring/points"
        case .monitoringPointNew: "/monitoring/points/new"
        case .monitoringPointImport: "/monitoring/points/import"
        case .monitoringPointTemplate: "/monitoring/points/import/template.csv"
        case .monitoringPointExport: "/monitoring/points/export.csv"
        case .monitoringPoint(let id): "/monitoring/points/\(id.uuidString)"
        case .provincialLink(let id): "/monitoring/provincial" + (id.map { "?enterprise=\($0.uuidString)" } ?? "")
        case .monitoringStatistics: "/monitoring/statistics"
        case .alarms: "/monitoring/alarms"
        case .alarm(let id): "/monitoring/alarms/\(id.uuidString)"
        case .alarmTransition(let id): "/monitoring/alarms/\(id.uuidString)/transitions"
        case .draws: "/enforcement/draws"
        case .drawNew: "/enforcement/draws/new"
        case .draw(let id): "/enforcement/draws/\(id.uuidString)"
        case .drawReveal(let id): "/enforcement/draws/\(id.uuidString)/reveal"
        case .inspectors: "/enforcement/inspectors"
        case .inspector(let id): "/enforcement/inspectors/\(id.uuidString)"
        case .inspections: "/enforcement/inspections"
        case .inspectionNew: "/enforcement/inspections/new"
        case .inspectionPhotos(let id): "/enforcement/inspections/\(id.uuidString)/photos"
        case .inspectionPhoto(let id, let photo): "/enforcement/inspections/\(id.uuidString)/photos/\(photo.uuidString)"
        case .plan: "/enforcement/plan"
        case .inspection(let id): "/enforcement/inspections/\(id.uuidString)"
        case .drawInspections(let id): "/enforcement/draws/\(id.uuidString)/inspections"
        case .inspectionPrint(let id): "/enforcement/inspections/\(id.uuidString)/print"
        case .inspectionPenalties(let id): "/enforcement/inspections/\(id.uuidString)/penalties"
        case .inspectionExams(let id): "/enforcement/inspections/\(id.uuidString)/exams"
        case .examReexam(let id): "/enforcement/exams/\(id.uuidString)/reexam"
        case .experts: "/enforcement/experts"
        case .expert(let id): "/enforcement/experts/\(id.uuidString)"
        case .publicDraws: "/public/draws"
        case .publicDraw(let id): "/public/draws/\(id.uuidString)"
        case .publicDrawPool(let id): "/public/draws/\(id.uuidString)/pool.json"
        }
    }

    /// The path with a query string (already encoded, starting with `?`, or empty).
    func with(_ query: QueryString) -> String { path + query.string }

    /// A `next=` target made safe to redirect to: a path on this site, or "/". Anything a browser could
    /// read as another host is refused: `//host`, `/\host`, a scheme, a backslash anywhere, and control
    /// characters or white space (browsers drop a tab or newline, so `/<TAB>/host` becomes `//host`).
    static func localTarget(_ next: String?) -> String {
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"),
              !n.unicodeScalars.contains(where: { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F || $0.properties.isWhitespace }) else {
            return home.path
        }
        return n
    }

    /// The page that arranges an inspection of an enterprise by hand, from a plan entry, an alarm or a
    /// public report (`originID`: the alarm or the hazard).
    static func newInspection(enterprise: UUID, origin: InspectionOrigin, originID: UUID? = nil, style: InspectionStyle? = nil, plannedOn: String? = nil) -> String {
        inspectionNew.with(QueryString().with("enterprise", enterprise.uuidString).with("origin", origin.rawValue).with("originId", originID?.uuidString)
            .with("style", style?.rawValue).with("plannedOn", plannedOn))
    }

    /// The path with `?done=<code>`, which the page turns into a confirmation message.
    func done(_ code: String) -> String { path + "?done=" + code }
}

extension HTML.StringInterpolation {
    mutating func appendInterpolation(_ p: SitePath) { appendInterpolation(p.path) }
}

extension Request {
    func redirect(to target: SitePath) -> Response { redirect(to: target.path) }
}
