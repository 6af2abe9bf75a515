import Foundation
import Vapor
import ZhibenDomain

/// A page the app links or redirects to. Its path is made from the same `RoutePattern` that registers
/// the page's route (`WebRoute`), so a link cannot drift from its route.
enum SitePath: Sendable, Equatable {
    case home, login, logout, language, password, overview, dispatch, workbenchQueue(WorkKind)
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
    case alarms, alarmStream, alarm(UUID), alarmTransition(UUID)
    case draws, drawNew, draw(UUID), drawReveal(UUID), inspectors, inspector(UUID), experts, expert(UUID), publicDraws, publicDraw(UUID), publicDrawPool(UUID)
    case plan, inspections, inspectionNew, inspection(UUID), inspectionPhotos(UUID), inspectionPhoto(UUID, UUID), drawInspections(UUID), inspectionPrint(UUID), inspectionPenalties(UUID), inspectionExams(UUID), examReexam(UUID)
    case people, workerNew, workerExport, worker(UUID), workerCertificates(UUID), workerCertificate(UUID, UUID), workerCertificateDelete(UUID, UUID)
    case certificates, certificateExport, staffing, violations, violationExport, violationTransition(UUID), offDuty, peopleImport, peopleImportTemplate
    case contractors, contractorExport, contractor(UUID), contractorAccidents(UUID), contractorAdmission(UUID), jobs, jobNew, jobExport, job(UUID), jobTransitions(UUID), trainings, managerExams, drills
    case trainingExport, managerExamExport, drillExport, drillPhotos(UUID), drillPhoto(UUID, UUID)
    case spaces, spaceNew, spaceExport, space(UUID), spaceQR(UUID), permits, permitNew, permitExport, permitLive, permit(UUID), permitActions(UUID)

    var path: String {
        switch self {
        case .home: WebRoute.home.path()
        case .overview: WebRoute.overview.path()
        case .dispatch: WebRoute.dispatch.path()
        case .workbenchQueue(let kind): WebRoute.workbenchQueue.path(kind.rawValue)
        case .login: WebRoute.login.path()
        case .logout: WebRoute.logout.path()
        case .language: WebRoute.language.path()
        case .password: WebRoute.password.path()
        case .enterprises: WebRoute.enterprises.path()
        case .enterpriseNew: WebRoute.enterpriseNew.path()
        case .enterpriseExport: WebRoute.enterpriseExport.path()
        case .enterpriseImport: WebRoute.enterpriseImport.path()
        case .enterpriseImportTemplate: WebRoute.enterpriseImportTemplate.path()
        case .enterprise(let id): WebRoute.enterprise.path(id)
        case .enterpriseEdit(let id): WebRoute.enterpriseEdit.path(id)
        case .enterpriseContacts(let id): WebRoute.enterpriseContacts.path(id)
        case .enterpriseDeactivate(let id): WebRoute.enterpriseDeactivate.path(id)
        case .enterpriseReactivate(let id): WebRoute.enterpriseReactivate.path(id)
        case .enterpriseGrade(let id): WebRoute.enterpriseGrade.path(id)
        case .users: WebRoute.users.path()
        case .userUnlock(let id): WebRoute.userUnlock.path(id)
        case .userActive(let id): WebRoute.userActive.path(id)
        case .userPassword(let id): WebRoute.userPassword.path(id)
        case .apiKeys: WebRoute.apiKeys.path()
        case .apiKeyRevoke(let id): WebRoute.apiKeyRevoke.path(id)
        case .audit: WebRoute.audit.path()
        case .auditExport: WebRoute.auditExport.path()
        case .hazards: WebRoute.hazards.path()
        case .hazardNew: WebRoute.hazardNew.path()
        case .hazardExport: WebRoute.hazardExport.path()
        case .hazardPrint: WebRoute.hazardPrint.path()
        case .hazardZeroing: WebRoute.hazardZeroing.path()
        case .hazard(let id): WebRoute.hazard.path(id)
        case .hazardTransition(let id): WebRoute.hazardTransitions.path(id)
        case .hazardPhotos(let id): WebRoute.hazardPhotos.path(id)
        case .hazardPhoto(let id, let photo): WebRoute.hazardPhoto.path(id, photo)
        case .criteria: WebRoute.criteria.path()
        case .checklists: WebRoute.checklists.path()
        case .checklist(let group): WebRoute.checklist.path(group.rawValue)
        case .enterpriseChecklist(let id): WebRoute.enterpriseChecklist.path(id)
        case .checklistItems: WebRoute.checklistItems.path()
        case .checklistItemActive(let id): WebRoute.checklistItemActive.path(id)
        case .notifications: WebRoute.notifications.path()
        case .notificationsRead: WebRoute.notificationsRead.path()
        case .selfInspections: WebRoute.selfInspections.path()
        case .internalReports: WebRoute.internalReports.path()
        case .internalReportDecision(let id): WebRoute.internalReportDecision.path(id)
        case .monitoringPoints: WebRoute.monitoringPoints.path()
        case .monitoringPointNew: WebRoute.monitoringPointNew.path()
        case .monitoringPointImport: WebRoute.monitoringPointImport.path()
        case .monitoringPointTemplate: WebRoute.monitoringPointTemplate.path()
        case .monitoringPointExport: WebRoute.monitoringPointExport.path()
        case .monitoringPoint(let id): WebRoute.monitoringPoint.path(id)
        case .provincialLink(let id): WebRoute.provincialLink.path() + (id.map { "?enterprise=\($0.uuidString)" } ?? "")
        case .monitoringStatistics: WebRoute.monitoringStatistics.path()
        case .alarms: WebRoute.alarms.path()
        case .alarmStream: WebRoute.alarmStream.path()
        case .alarm(let id): WebRoute.alarm.path(id)
        case .alarmTransition(let id): WebRoute.alarmTransitions.path(id)
        case .draws: WebRoute.draws.path()
        case .drawNew: WebRoute.drawNew.path()
        case .draw(let id): WebRoute.draw.path(id)
        case .drawReveal(let id): WebRoute.drawReveal.path(id)
        case .drawInspections(let id): WebRoute.drawInspections.path(id)
        case .inspectors: WebRoute.inspectors.path()
        case .inspector(let id): WebRoute.inspector.path(id)
        case .experts: WebRoute.experts.path()
        case .expert(let id): WebRoute.expert.path(id)
        case .plan: WebRoute.plan.path()
        case .inspections: WebRoute.inspections.path()
        case .inspectionNew: WebRoute.inspectionNew.path()
        case .inspection(let id): WebRoute.inspection.path(id)
        case .inspectionPrint(let id): WebRoute.inspectionPrint.path(id)
        case .inspectionPhotos(let id): WebRoute.inspectionPhotos.path(id)
        case .inspectionPhoto(let id, let photo): WebRoute.inspectionPhoto.path(id, photo)
        case .inspectionPenalties(let id): WebRoute.inspectionPenalties.path(id)
        case .inspectionExams(let id): WebRoute.inspectionExams.path(id)
        case .examReexam(let id): WebRoute.examReexam.path(id)
        case .publicDraws: WebRoute.publicDraws.path()
        case .publicDraw(let id): WebRoute.publicDraw.path(id)
        case .publicDrawPool(let id): WebRoute.publicDrawPool.path(id)
        case .people: WebRoute.people.path()
        case .workerNew: WebRoute.workerNew.path()
        case .workerExport: WebRoute.workerExport.path()
        case .worker(let id): WebRoute.worker.path(id)
        case .workerCertificates(let id): WebRoute.workerCertificates.path(id)
        case .workerCertificate(let id, let c): WebRoute.workerCertificate.path(id, c)
        case .workerCertificateDelete(let id, let c): WebRoute.workerCertificateDelete.path(id, c)
        case .certificates: WebRoute.certificates.path()
        case .certificateExport: WebRoute.certificateExport.path()
        case .staffing: WebRoute.staffing.path()
        case .violations: WebRoute.violations.path()
        case .violationExport: WebRoute.violationExport.path()
        case .violationTransition(let id): WebRoute.violationTransitions.path(id)
        case .offDuty: WebRoute.offDuty.path()
        case .peopleImport: WebRoute.peopleImport.path()
        case .peopleImportTemplate: WebRoute.peopleImportTemplate.path()
        case .contractors: WebRoute.contractors.path()
        case .contractorExport: WebRoute.contractorExport.path()
        case .contractor(let id): WebRoute.contractor.path(id)
        case .contractorAccidents(let id): WebRoute.contractorAccidents.path(id)
        case .contractorAdmission(let id): WebRoute.contractorAdmission.path(id)
        case .jobs: WebRoute.jobs.path()
        case .jobNew: WebRoute.jobNew.path()
        case .jobExport: WebRoute.jobExport.path()
        case .job(let id): WebRoute.job.path(id)
        case .jobTransitions(let id): WebRoute.jobTransitions.path(id)
        case .trainings: WebRoute.trainings.path()
        case .managerExams: WebRoute.managerExams.path()
        case .drills: WebRoute.drills.path()
        case .trainingExport: WebRoute.trainingExport.path()
        case .managerExamExport: WebRoute.managerExamExport.path()
        case .drillExport: WebRoute.drillExport.path()
        case .drillPhotos(let id): WebRoute.drillPhotos.path(id)
        case .drillPhoto(let id, let photo): WebRoute.drillPhoto.path(id, photo)
        case .spaces: WebRoute.spaces.path()
        case .spaceNew: WebRoute.spaceNew.path()
        case .spaceExport: WebRoute.spaceExport.path()
        case .space(let id): WebRoute.space.path(id)
        case .spaceQR(let id): WebRoute.spaceQR.path(id)
        case .permits: WebRoute.permits.path()
        case .permitNew: WebRoute.permitNew.path()
        case .permitExport: WebRoute.permitExport.path()
        case .permitLive: WebRoute.permitLive.path()
        case .permit(let id): WebRoute.permit.path(id)
        case .permitActions(let id): WebRoute.permitActions.path(id)
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
