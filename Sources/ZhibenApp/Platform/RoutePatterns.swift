import Foundation
import Vapor

/// One route's path: the value that registers the route (`routes.get(WebRoute.hazard, use: show)`)
/// also makes every link to it (`WebRoute.hazard.path(id)`), so the two cannot drift apart. Every
/// route of the app is a constant of `WebRoute` or `APIRoute` below, and nowhere else.
struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    /// The parameters that name a record by its UUID: a path filling one with anything else names no record.
    static let recordIDParameters: Set<String> = ["id", "photoId", "certificateId"]

    /// The segments, a parameter written `:name` as Vapor reads it.
    let segments: [String]

    init(_ template: String) {
        segments = template.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    var components: [PathComponent] { segments.map { PathComponent(stringLiteral: $0) } }

    /// The pattern as registered, e.g. `/hazards/:id/photos/:photoId`.
    var description: String { "/" + segments.joined(separator: "/") }

    /// The path of a pattern without parameters.
    func path() -> String { filled([]) }

    /// The path with each `:parameter` filled in order; as many values as the pattern has parameters.
    func path(_ values: String...) -> String { filled(values) }

    func path(_ ids: UUID...) -> String { filled(ids.map(\.uuidString)) }

    /// Whether a request path is this route: the same segments, any value where a parameter stands.
    func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return parts.count == segments.count && zip(segments, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }

    private func filled(_ values: [String]) -> String {
        var rest = values[...]
        let parts = segments.map { segment -> String in
            guard segment.hasPrefix(":") else { return segment }
            precondition(!rest.isEmpty, "\(self) needs a value for \(segment)")
            return rest.removeFirst().addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? ""
        }
        precondition(rest.isEmpty, "\(self) was given more values than it has parameters")
        return "/" + parts.joined(separator: "/")
    }
}

/// The pages, the probes and the provincial gateways' endpoints.
enum WebRoute {
    static let healthz = RoutePattern("/healthz")
    static let readyz = RoutePattern("/readyz")
    static let metrics = RoutePattern("/metrics")
    static let gatewayRealtime = RoutePattern("/api/rtsData")
    static let gatewayEvents = RoutePattern("/api/eventsData")

    static let home = RoutePattern("/")
    static let workbenchQueue = RoutePattern("/workbench/:kind")
    static let overview = RoutePattern("/overview")
    static let dispatch = RoutePattern("/dispatch")
    static let login = RoutePattern("/login")
    static let logout = RoutePattern("/logout")
    static let language = RoutePattern("/language")
    static let password = RoutePattern("/password")

    static let enterprises = RoutePattern("/enterprises")
    static let enterpriseNew = RoutePattern("/enterprises/new")
    static let enterpriseSuggest = RoutePattern("/enterprises/suggest")
    static let enterpriseExport = RoutePattern("/enterprises/export.csv")
    static let enterpriseImport = RoutePattern("/enterprises/import")
    static let enterpriseImportTemplate = RoutePattern("/enterprises/import/template.csv")
    static let enterprise = RoutePattern("/enterprises/:id")
    static let enterpriseEdit = RoutePattern("/enterprises/:id/edit")
    static let enterpriseContacts = RoutePattern("/enterprises/:id/contacts")
    static let enterpriseDeactivate = RoutePattern("/enterprises/:id/deactivate")
    static let enterpriseReactivate = RoutePattern("/enterprises/:id/reactivate")
    static let enterpriseGrade = RoutePattern("/enterprises/:id/grade")
    static let enterpriseChecklist = RoutePattern("/enterprises/:id/checklist")

    static let users = RoutePattern("/users")
    static let userUnlock = RoutePattern("/users/:id/unlock")
    static let userActive = RoutePattern("/users/:id/active")
    static let userPassword = RoutePattern("/users/:id/password")
    static let apiKeys = RoutePattern("/api-keys")
    static let apiKeyRevoke = RoutePattern("/api-keys/:id/revoke")
    static let audit = RoutePattern("/audit")
    static let auditExport = RoutePattern("/audit/export.csv")

    static let hazards = RoutePattern("/hazards")
    static let hazardNew = RoutePattern("/hazards/new")
    static let hazardExport = RoutePattern("/hazards/export.csv")
    static let hazardPrint = RoutePattern("/hazards/print")
    static let hazardZeroing = RoutePattern("/hazards/zeroing")
    static let hazard = RoutePattern("/hazards/:id")
    static let hazardTransitions = RoutePattern("/hazards/:id/transitions")
    static let hazardPhotos = RoutePattern("/hazards/:id/photos")
    static let hazardPhoto = RoutePattern("/hazards/:id/photos/:photoId")
    static let criteria = RoutePattern("/hazard-criteria")
    static let checklists = RoutePattern("/checklists")
    static let checklist = RoutePattern("/checklists/:group")
    static let checklistItems = RoutePattern("/checklist-items")
    static let checklistItemActive = RoutePattern("/checklist-items/:id/active")
    static let notifications = RoutePattern("/notifications")
    static let notificationsRead = RoutePattern("/notifications/read")
    static let selfInspections = RoutePattern("/self-inspections")
    static let internalReports = RoutePattern("/internal-reports")
    static let internalReportDecision = RoutePattern("/internal-reports/:id/decision")

    static let monitoringPoints = RoutePattern("/monitoring/points")
    static let monitoringPointNew = RoutePattern("/monitoring/points/new")
    static let monitoringPointImport = RoutePattern("/monitoring/points/import")
    static let monitoringPointTemplate = RoutePattern("/monitoring/points/import/template.csv")
    static let monitoringPointExport = RoutePattern("/monitoring/points/export.csv")
    static let monitoringPoint = RoutePattern("/monitoring/points/:id")
    static let monitoringPointStream = RoutePattern("/monitoring/points/:id/stream")
    static let provincialLink = RoutePattern("/monitoring/provincial")
    static let monitoringStatistics = RoutePattern("/monitoring/statistics")
    static let alarms = RoutePattern("/monitoring/alarms")
    static let alarmStream = RoutePattern("/monitoring/alarms/stream")
    static let alarm = RoutePattern("/monitoring/alarms/:id")
    static let alarmTransitions = RoutePattern("/monitoring/alarms/:id/transitions")
    static let alarmHazard = RoutePattern("/monitoring/alarms/:id/hazard")

    static let draws = RoutePattern("/enforcement/draws")
    static let drawNew = RoutePattern("/enforcement/draws/new")
    static let draw = RoutePattern("/enforcement/draws/:id")
    static let drawReveal = RoutePattern("/enforcement/draws/:id/reveal")
    static let drawInspections = RoutePattern("/enforcement/draws/:id/inspections")
    static let inspectors = RoutePattern("/enforcement/inspectors")
    static let inspector = RoutePattern("/enforcement/inspectors/:id")
    static let experts = RoutePattern("/enforcement/experts")
    static let expert = RoutePattern("/enforcement/experts/:id")
    static let plan = RoutePattern("/enforcement/plan")
    static let inspections = RoutePattern("/enforcement/inspections")
    static let inspectionNew = RoutePattern("/enforcement/inspections/new")
    static let inspection = RoutePattern("/enforcement/inspections/:id")
    static let inspectionPrint = RoutePattern("/enforcement/inspections/:id/print")
    static let inspectionPhotos = RoutePattern("/enforcement/inspections/:id/photos")
    static let inspectionPhoto = RoutePattern("/enforcement/inspections/:id/photos/:photoId")
    static let inspectionPenalties = RoutePattern("/enforcement/inspections/:id/penalties")
    static let inspectionExams = RoutePattern("/enforcement/inspections/:id/exams")
    static let examReexam = RoutePattern("/enforcement/exams/:id/reexam")
    static let publicDraws = RoutePattern("/public/draws")
    static let publicDraw = RoutePattern("/public/draws/:id")
    static let publicDrawPool = RoutePattern("/public/draws/:id/pool.json")

    static let people = RoutePattern("/people")
    static let workerNew = RoutePattern("/people/new")
    static let workerExport = RoutePattern("/people/export.csv")
    static let worker = RoutePattern("/people/workers/:id")
    static let workerCertificates = RoutePattern("/people/workers/:id/certificates")
    static let workerCertificate = RoutePattern("/people/workers/:id/certificates/:certificateId")
    static let workerCertificateDelete = RoutePattern("/people/workers/:id/certificates/:certificateId/delete")
    static let certificates = RoutePattern("/people/certificates")
    static let certificateExport = RoutePattern("/people/certificates/export.csv")
    static let staffing = RoutePattern("/people/staffing")
    static let violations = RoutePattern("/people/violations")
    static let violationExport = RoutePattern("/people/violations/export.csv")
    static let violationTransitions = RoutePattern("/people/violations/:id/transitions")
    static let offDuty = RoutePattern("/people/off-duty")
    static let peopleImport = RoutePattern("/people/import")
    static let peopleImportTemplate = RoutePattern("/people/import/template.csv")
    static let contractors = RoutePattern("/people/contractors")
    static let contractorExport = RoutePattern("/people/contractors/export.csv")
    static let contractor = RoutePattern("/people/contractors/:id")
    static let contractorAccidents = RoutePattern("/people/contractors/:id/accidents")
    static let contractorAdmission = RoutePattern("/people/contractors/:id/admission")
    static let jobs = RoutePattern("/people/jobs")
    static let jobNew = RoutePattern("/people/jobs/new")
    static let jobExport = RoutePattern("/people/jobs/export.csv")
    static let job = RoutePattern("/people/jobs/:id")
    static let jobTransitions = RoutePattern("/people/jobs/:id/transitions")
    static let trainings = RoutePattern("/people/trainings")
    static let managerExams = RoutePattern("/people/trainings/exams")
    static let drills = RoutePattern("/people/trainings/drills")
    static let trainingExport = RoutePattern("/people/trainings/export.csv")
    static let managerExamExport = RoutePattern("/people/trainings/exams/export.csv")
    static let drillExport = RoutePattern("/people/trainings/drills/export.csv")
    static let drillPhotos = RoutePattern("/people/trainings/drills/:id/photos")
    static let drillPhoto = RoutePattern("/people/trainings/drills/:id/photos/:photoId")
    static let spaces = RoutePattern("/people/spaces")
    static let spaceNew = RoutePattern("/people/spaces/new")
    static let spaceExport = RoutePattern("/people/spaces/export.csv")
    static let space = RoutePattern("/people/spaces/:id")
    static let spaceQR = RoutePattern("/people/spaces/:id/qr.svg")
    static let permits = RoutePattern("/people/permits")
    static let permitNew = RoutePattern("/people/permits/new")
    static let permitExport = RoutePattern("/people/permits/export.csv")
    static let permitLive = RoutePattern("/people/permits/live")
    static let permit = RoutePattern("/people/permits/:id")
    static let permitActions = RoutePattern("/people/permits/:id/actions")
}

/// The JSON API, version 1, as `openapi.yaml` documents it.
enum APIRoute {
    /// What every API path starts with; errors under it answer as problem JSON.
    static let prefix = "/api/"

    static let document = RoutePattern("/api/v1/openapi.yaml")
    static let session = RoutePattern("/api/v1/session")
    static let me = RoutePattern("/api/v1/me")
    static let users = RoutePattern("/api/v1/users")
    static let user = RoutePattern("/api/v1/users/:id")
    static let userUnlock = RoutePattern("/api/v1/users/:id/unlock")
    static let userPassword = RoutePattern("/api/v1/users/:id/password")
    static let apiKeys = RoutePattern("/api/v1/api-keys")
    static let apiKey = RoutePattern("/api/v1/api-keys/:id")
    static let audit = RoutePattern("/api/v1/audit")
    static let auditVerify = RoutePattern("/api/v1/audit/verify")

    static let enterprises = RoutePattern("/api/v1/enterprises")
    static let enterpriseExport = RoutePattern("/api/v1/enterprises/export.csv")
    static let enterpriseImport = RoutePattern("/api/v1/enterprises/import")
    static let enterprise = RoutePattern("/api/v1/enterprises/:id")
    static let enterpriseContacts = RoutePattern("/api/v1/enterprises/:id/contacts")
    static let enterpriseDeactivate = RoutePattern("/api/v1/enterprises/:id/deactivate")
    static let enterpriseReactivate = RoutePattern("/api/v1/enterprises/:id/reactivate")
    static let enterpriseGradeOverride = RoutePattern("/api/v1/enterprises/:id/grade-override")
    static let enterpriseChecklist = RoutePattern("/api/v1/enterprises/:id/checklist")
    static let enterpriseProvincialLink = RoutePattern("/api/v1/enterprises/:id/provincial-link")
    static let enterpriseGatewayEvents = RoutePattern("/api/v1/enterprises/:id/gateway-events")
    static let enterpriseSelfInspectionStanding = RoutePattern("/api/v1/enterprises/:id/self-inspection-standing")

    static let criteria = RoutePattern("/api/v1/hazard-criteria")
    static let checklist = RoutePattern("/api/v1/checklists/:group")
    static let checklistItems = RoutePattern("/api/v1/checklist-items")
    static let checklistItemActive = RoutePattern("/api/v1/checklist-items/:id/active")
    static let hazards = RoutePattern("/api/v1/hazards")
    static let hazardExport = RoutePattern("/api/v1/hazards/export.csv")
    static let hazardStatistics = RoutePattern("/api/v1/hazards/statistics")
    static let hazard = RoutePattern("/api/v1/hazards/:id")
    static let hazardTransitions = RoutePattern("/api/v1/hazards/:id/transitions")
    static let hazardPhotos = RoutePattern("/api/v1/hazards/:id/photos")
    static let hazardPhoto = RoutePattern("/api/v1/hazards/:id/photos/:photoId")
    static let workbench = RoutePattern("/api/v1/workbench")
    static let workbenchQueue = RoutePattern("/api/v1/workbench/:kind")
    static let notifications = RoutePattern("/api/v1/notifications")
    static let notificationsRead = RoutePattern("/api/v1/notifications/read")
    static let selfInspections = RoutePattern("/api/v1/self-inspections")
    static let internalReports = RoutePattern("/api/v1/internal-reports")
    static let internalReportDecision = RoutePattern("/api/v1/internal-reports/:id/decision")

    static let monitoringPoints = RoutePattern("/api/v1/monitoring-points")
    static let monitoringPointExport = RoutePattern("/api/v1/monitoring-points/export.csv")
    static let monitoringPointImport = RoutePattern("/api/v1/monitoring-points/import")
    static let monitoringPoint = RoutePattern("/api/v1/monitoring-points/:id")
    static let monitoringPointLimitHistory = RoutePattern("/api/v1/monitoring-points/:id/limit-history")
    static let monitoringIndicators = RoutePattern("/api/v1/monitoring-indicators")
    static let monitoringConnection = RoutePattern("/api/v1/monitoring/connection")
    static let telemetry = RoutePattern("/api/v1/telemetry")
    static let alarms = RoutePattern("/api/v1/alarms")
    static let alarmStream = RoutePattern("/api/v1/alarms/stream")
    static let alarmStatistics = RoutePattern("/api/v1/alarms/statistics")
    static let alarm = RoutePattern("/api/v1/alarms/:id")
    static let alarmTransitions = RoutePattern("/api/v1/alarms/:id/transitions")
    static let alarmHazard = RoutePattern("/api/v1/alarms/:id/hazard")

    static let inspectors = RoutePattern("/api/v1/inspectors")
    static let inspector = RoutePattern("/api/v1/inspectors/:id")
    static let experts = RoutePattern("/api/v1/experts")
    static let expert = RoutePattern("/api/v1/experts/:id")
    static let draws = RoutePattern("/api/v1/draws")
    static let draw = RoutePattern("/api/v1/draws/:id")
    static let drawReveal = RoutePattern("/api/v1/draws/:id/reveal")
    static let drawInspections = RoutePattern("/api/v1/draws/:id/inspections")
    static let inspections = RoutePattern("/api/v1/inspections")
    static let inspection = RoutePattern("/api/v1/inspections/:id")
    static let inspectionResults = RoutePattern("/api/v1/inspections/:id/results")
    static let inspectionTransitions = RoutePattern("/api/v1/inspections/:id/transitions")
    static let inspectionPhotos = RoutePattern("/api/v1/inspections/:id/photos")
    static let inspectionPhoto = RoutePattern("/api/v1/inspections/:id/photos/:photoId")
    static let inspectionPenalties = RoutePattern("/api/v1/inspections/:id/penalties")
    static let inspectionExams = RoutePattern("/api/v1/inspections/:id/exams")
    static let exams = RoutePattern("/api/v1/exams")
    static let examReexam = RoutePattern("/api/v1/exams/:id/reexam")
    static let plan = RoutePattern("/api/v1/plans/:county/:year")
    static let enforcementFigures = RoutePattern("/api/v1/enforcement/figures")

    static let workers = RoutePattern("/api/v1/workers")
    static let workerExport = RoutePattern("/api/v1/workers/export.csv")
    static let workerImport = RoutePattern("/api/v1/workers/import")
    static let worker = RoutePattern("/api/v1/workers/:id")
    static let workerCertificates = RoutePattern("/api/v1/workers/:id/certificates")
    static let workerCertificate = RoutePattern("/api/v1/workers/:id/certificates/:certificateId")
    static let certificates = RoutePattern("/api/v1/certificates")
    static let certificateExport = RoutePattern("/api/v1/certificates/export.csv")
    static let staffing = RoutePattern("/api/v1/staffing")
    static let enterpriseStaffing = RoutePattern("/api/v1/enterprises/:id/staffing")
    static let violations = RoutePattern("/api/v1/violations")
    static let violationExport = RoutePattern("/api/v1/violations/export.csv")
    static let violation = RoutePattern("/api/v1/violations/:id")
    static let violationTransitions = RoutePattern("/api/v1/violations/:id/transitions")
    static let offDuty = RoutePattern("/api/v1/off-duty")
    static let contractors = RoutePattern("/api/v1/contractors")
    static let contractorExport = RoutePattern("/api/v1/contractors/export.csv")
    static let contractor = RoutePattern("/api/v1/contractors/:id")
    static let contractorAccidents = RoutePattern("/api/v1/contractors/:id/accidents")
    static let contractorAdmission = RoutePattern("/api/v1/contractors/:id/admission")
    static let admissions = RoutePattern("/api/v1/contractor-admissions")
    static let admissionExport = RoutePattern("/api/v1/contractor-admissions/export.csv")
    static let jobs = RoutePattern("/api/v1/contractor-jobs")
    static let jobExport = RoutePattern("/api/v1/contractor-jobs/export.csv")
    static let job = RoutePattern("/api/v1/contractor-jobs/:id")
    static let jobGate = RoutePattern("/api/v1/contractor-jobs/:id/gate")
    static let jobTransitions = RoutePattern("/api/v1/contractor-jobs/:id/transitions")
    static let trainings = RoutePattern("/api/v1/trainings")
    static let trainingCoverage = RoutePattern("/api/v1/trainings/coverage")
    static let managerExams = RoutePattern("/api/v1/manager-exams")
    static let unexaminedPrincipals = RoutePattern("/api/v1/manager-exams/unexamined-principals")
    static let drills = RoutePattern("/api/v1/drills")
    static let drillStanding = RoutePattern("/api/v1/drills/standing")
    static let trainingExport = RoutePattern("/api/v1/trainings/export.csv")
    static let managerExamExport = RoutePattern("/api/v1/manager-exams/export.csv")
    static let drillExport = RoutePattern("/api/v1/drills/export.csv")
    static let drill = RoutePattern("/api/v1/drills/:id")
    static let drillPhotos = RoutePattern("/api/v1/drills/:id/photos")
    static let drillPhoto = RoutePattern("/api/v1/drills/:id/photos/:photoId")
    static let spaces = RoutePattern("/api/v1/confined-spaces")
    static let spaceExport = RoutePattern("/api/v1/confined-spaces/export.csv")
    static let space = RoutePattern("/api/v1/confined-spaces/:id")
    static let spaceChecks = RoutePattern("/api/v1/confined-space-checks")
    static let permits = RoutePattern("/api/v1/permits")
    static let permitExport = RoutePattern("/api/v1/permits/export.csv")
    static let permitLive = RoutePattern("/api/v1/permits/live")
    static let permitLimits = RoutePattern("/api/v1/permits/gas-limits")
    static let permit = RoutePattern("/api/v1/permits/:id")
    static let permitActions = RoutePattern("/api/v1/permits/:id/actions")
}

extension RoutesBuilder {
    @discardableResult
    func get<R: AsyncResponseEncodable>(_ p: RoutePattern, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.GET, p.components, use: handler)
    }

    @discardableResult
    func post<R: AsyncResponseEncodable>(_ p: RoutePattern, body: HTTPBodyStreamStrategy = .collect,
                                         use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.POST, p.components, body: body, use: handler)
    }

    @discardableResult
    func put<R: AsyncResponseEncodable>(_ p: RoutePattern, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.PUT, p.components, use: handler)
    }

    @discardableResult
    func patch<R: AsyncResponseEncodable>(_ p: RoutePattern, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.PATCH, p.components, use: handler)
    }

    @discardableResult
    func delete<R: AsyncResponseEncodable>(_ p: RoutePattern, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.DELETE, p.components, use: handler)
    }
}
