import Foundation
import Vapor
import ZhibenDomain

struct CertificateDTO: Content {
    var id: UUID
    var operation: String
    var operationName: String
    var catalogue: String
    var number: String
    var issuer: String
    var validFrom: String
    var validUntil: String
    var lastReviewedOn: String?
    var compliantSince: String?
    var reviewDue: String?
    /// valid, expiring, reviewOverdue, expired, notYetValid.
    var standing: String
    /// The day the standing refers to: when it ends or falls due, or ended.
    var standingOn: String?
    var standingZh: String

    init(_ c: OperatorCertificate, today: String) {
        id = c.id
        operation = c.operation
        operationName = SpecialOperationCatalogue.operation(c.operation, catalogue: c.catalogue)?.zh ?? c.operation
        catalogue = c.catalogue
        number = c.number
        issuer = c.issuer
        validFrom = c.validFrom
        validUntil = c.validUntil
        lastReviewedOn = c.lastReviewedOn
        compliantSince = c.compliantSince
        reviewDue = CertificateRules.reviewDue(c, today: today)
        let s = CertificateRules.standing(c, today: today)
        (standing, standingOn) = Self.standing(s)
        standingZh = Self.standingZh(s)
    }

    static func standing(_ s: CertificateRules.Standing) -> (String, String?) {
        switch s {
        case .valid: ("valid", nil)
        case .expiring(let on, _): ("expiring", on)
        case .reviewOverdue(let since): ("reviewOverdue", since)
        case .expired(let on): ("expired", on)
        case .notYetValid(let from): ("notYetValid", from)
        }
    }

    static func standingZh(_ s: CertificateRules.Standing) -> String {
        switch s {
        case .valid: "有效"
        case .expiring(let on, let days): "\(days)天内到期（\(on)）"
        case .reviewOverdue(let since): "逾期未复审（应于\(since)复审）"
        case .expired(let on): "已过期（\(on)）"
        case .notYetValid(let from): "自\(from)起有效"
        }
    }
}

struct WorkerDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var name: String
    /// Masked in lists; whole where the record is opened (and that reading is audited).
    var idNumber: String
    var job: String
    var kind: String
    var contractorName: String?
    var onDuty: Bool
    var offDutyReason: String?
    var inductionOn: String?
    var certificates: [CertificateDTO]
    var updatedAt: String
    var version: Int

    init(_ w: Worker, today: String, masked: Bool = true) {
        id = w.id
        enterpriseId = w.enterpriseID!
        enterpriseName = w.enterpriseName
        countyCode = w.countyCode ?? ""
        name = w.name
        idNumber = masked ? w.maskedIDNumber : w.idNumber
        job = w.job
        kind = w.kind.rawValue
        contractorName = w.contractorName
        onDuty = w.onDuty
        offDutyReason = w.offDutyReason
        inductionOn = w.inductionOn
        certificates = w.certificates.map { CertificateDTO($0, today: today) }
        updatedAt = ISOTime.string(w.updatedAt)
        version = w.version
    }
}

struct CertificateLineDTO: Content {
    var workerId: UUID
    var workerName: String
    var enterpriseId: UUID
    var enterpriseName: String
    var workerVersion: Int
    var certificate: CertificateDTO

    init(_ l: CertificateLine, today: String) {
        workerId = l.worker.id
        workerName = l.worker.name
        enterpriseId = l.worker.enterpriseID!
        enterpriseName = l.worker.enterpriseName
        workerVersion = l.worker.version
        certificate = CertificateDTO(l.certificate, today: today)
    }
}

struct StaffingRowDTO: Content {
    var operation: String
    var operationName: String
    var required: Int
    var staffed: Int
    var short: Int
    var expiringIn30: Int
    var expiringIn90: Int
    var lapsed: Int

    init(_ r: StaffingRow) {
        operation = r.operation
        operationName = SpecialOperationCatalogue.operation(r.operation)?.zh ?? r.operation
        required = r.required
        staffed = r.staffed
        short = r.short
        expiringIn30 = r.expiringIn30
        expiringIn90 = r.expiringIn90
        lapsed = r.lapsed
    }
}

struct StaffingDTO: Content {
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var rows: [StaffingRowDTO]
    var version: Int?
}

struct ViolationDTO: Content {
    var id: UUID
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var workerId: UUID
    var workerName: String
    var kind: String
    var happenedOn: String
    var what: String
    var recordedBy: String
    var recordedAt: String
    var state: String
    var retrainedOn: String?
    var reexamScore: Int?
    var reexamOn: String?
    var version: Int

    init(_ v: Violation) {
        id = v.id
        enterpriseId = v.enterpriseID!
        enterpriseName = v.enterpriseName
        countyCode = v.countyCode ?? ""
        workerId = v.workerID
        workerName = v.workerName
        kind = v.kind.rawValue
        happenedOn = v.happenedOn
        what = v.what
        recordedBy = v.recordedBy
        recordedAt = ISOTime.string(v.recordedAt)
        state = v.state.rawValue
        retrainedOn = v.retrainedOn
        reexamScore = v.reexamScore
        reexamOn = v.reexamOn
        version = v.version
    }
}

struct OffDutyDTO: Content {
    var workerId: UUID?
    var workerName: String
    var job: String
    var enterpriseId: UUID
    var enterpriseName: String
    var countyCode: String
    var since: String
    /// manual, violation or exam.
    var source: String
    /// The violation or the exam that keeps the worker off duty.
    var recordId: UUID?
    var reason: String

    init(_ e: OffDutyEntry) {
        workerId = e.workerID
        workerName = e.workerName
        job = e.job
        enterpriseId = e.enterpriseID
        enterpriseName = e.enterpriseName
        countyCode = e.countyCode
        since = e.since
        switch e.source {
        case .manual: source = "manual"; recordId = nil
        case .violation(let id, _, _): source = "violation"; recordId = id
        case .exam(let id, _, _): source = "exam"; recordId = id
        }
        reason = e.zh
    }
}

extension Request {
    /// The `:certificateId` of the path.
    func certificateID() throws -> UUID {
        guard let id = parameters.get("certificateId", as: UUID.self) else { throw DomainError.notFound(entity: "certificate") }
        return id
    }

    /// The filters of the worker and certificate lists.
    func workerQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), search: queryString("q").map { String($0.prefix(100)) })
        if let duty = try queryChoice("duty", allowed: ["on", "off"], { ["on", "off"].contains($0) ? $0 : nil }) { q.tags = [duty] }
        return q
    }

    func violationQuery() throws -> RecordQuery {
        var q = RecordQuery(enterpriseID: try queryUUID("enterprise"), countyCode: try queryCounty(), ref: try queryUUID("worker"),
                            search: queryString("q").map { String($0.prefix(100)) }, descending: true)
        if let s = try queryEnum("state", Violation.State.self) { q.tags = [s.rawValue] }
        if try queryFlag("open") { q.tags = [Violation.State.offDuty.rawValue, Violation.State.retrained.rawValue] }
        return q
    }

    func certificateFilter() throws -> (operation: String?, filter: CertificateLine.Filter?) {
        (try queryChoice("operation", allowed: SpecialOperationCatalogue.all.map(\.code)) { SpecialOperationCatalogue.operation($0)?.code },
         try queryEnum("standing", CertificateLine.Filter.self))
    }
}

enum WorkforceCSV {
    static func workers(_ list: [Worker], today: String) -> Data {
        CSV.document(header: ["企业", "姓名", "身份证号", "岗位", "用工类型", "承包单位", "在岗", "停岗原因", "入场培训日期", "操作证"],
                     rows: list.map { w in
                         [w.enterpriseName, w.name, w.maskedIDNumber, w.job, w.kind.zh, w.contractorName ?? "", w.onDuty ? "在岗" : "停岗", w.offDutyReason ?? "",
                          w.inductionOn ?? "",
                          w.certificates.map { "\(SpecialOperationCatalogue.operation($0.operation)?.zh ?? $0.operation) \($0.number) 至\($0.validUntil)" }.joined(separator: "；")]
                     })
    }

    static func certificates(_ lines: [CertificateLine], today: String) -> Data {
        CSV.document(header: ["企业", "姓名", "操作项目", "证号", "发证机关", "有效期起", "有效期止", "应复审日期", "状态"],
                     rows: lines.map { l in
                         [l.worker.enterpriseName, l.worker.name, SpecialOperationCatalogue.operation(l.certificate.operation)?.zh ?? l.certificate.operation,
                          l.certificate.number, l.certificate.issuer, l.certificate.validFrom, l.certificate.validUntil, l.reviewDue ?? "",
                          CertificateDTO.standingZh(l.standing)]
                     })
    }

    static func violations(_ list: [Violation]) -> Data {
        CSV.document(header: ["企业", "姓名", "类别", "日期", "情形", "记录人", "状态", "培训日期", "补考成绩", "补考日期"],
                     rows: list.map { v in
                         [v.enterpriseName, v.workerName, v.kind.zh, v.happenedOn, v.what, v.recordedBy, v.state.zh, v.retrainedOn ?? "",
                          v.reexamScore.map(String.init) ?? "", v.reexamOn ?? ""]
                     })
    }
}
