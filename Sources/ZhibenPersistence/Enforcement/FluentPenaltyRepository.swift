import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

final class PenaltyModel: Model, @unchecked Sendable {
    static let schema = "penalties"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "case_no") var caseNo: String
    @Field(key: "legal_basis") var legalBasis: String
    @Field(key: "enterprise_fine") var enterpriseFine: Int
    @Field(key: "principal_name") var principalName: String
    @Field(key: "principal_fine") var principalFine: Int
    @Field(key: "decided_on") var decidedOn: String
    @Field(key: "hazard_ids") var hazardIDs: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    func domain() throws -> Penalty {
        Penalty(id: try requireID(), inspectionID: inspectionID, enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                caseNo: caseNo, legalBasis: legalBasis, enterpriseFine: enterpriseFine, principalName: principalName, principalFine: principalFine,
                decidedOn: decidedOn, hazardIDs: JSONColumn.decode(hazardIDs, as: [UUID].self) ?? [], createdBy: createdBy, createdAt: createdAt)
    }
}

final class WorkerExamModel: Model, @unchecked Sendable {
    static let schema = "worker_exams"

    @ID(key: .id) var id: UUID?
    @Field(key: "inspection_id") var inspectionID: UUID
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "county_code") var countyCode: String
    @Field(key: "worker_name") var workerName: String
    @Field(key: "job") var job: String
    @Field(key: "score") var score: Int
    @Field(key: "examined_on") var examinedOn: String
    @Field(key: "state") var state: String
    @OptionalField(key: "retrained_on") var retrainedOn: String?
    @OptionalField(key: "reexam_score") var reexamScore: Int?
    @OptionalField(key: "reexam_on") var reexamOn: String?
    @Field(key: "version") var version: Int

    init() {}

    func apply(_ e: WorkerExam) {
        id = e.id
        inspectionID = e.inspectionID
        enterpriseID = e.enterpriseID
        enterpriseName = e.enterpriseName
        countyCode = e.countyCode
        workerName = e.workerName
        job = e.job
        score = e.score
        examinedOn = e.examinedOn
        state = e.state.rawValue
        retrainedOn = e.retrainedOn
        reexamScore = e.reexamScore
        reexamOn = e.reexamOn
        version = e.version
    }

    func domain() throws -> WorkerExam {
        WorkerExam(id: try requireID(), inspectionID: inspectionID, enterpriseID: enterpriseID, enterpriseName: enterpriseName, countyCode: countyCode,
                   workerName: workerName, job: job, score: score, examinedOn: examinedOn, state: WorkerExam.State(rawValue: state) ?? .passed,
                   retrainedOn: retrainedOn, reexamScore: reexamScore, reexamOn: reexamOn, version: version)
    }
}

public struct FluentPenaltyRepository: PenaltyRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    public func create(_ p: Penalty, scope: Scope, audit: AuditContext) async throws {
        switch scope {
        case .city: break
        case .county(let c) where c == p.countyCode: break
        default: throw DomainError.forbidden(permission: .inspectionRecord)
        }
        try await store.write { db in
            if try await PenaltyModel.query(on: db).filter(\.$caseNo == p.caseNo).rowCount() > 0 {
                throw DomainError.conflict(FieldIssue(field: "caseNo", zh: "案号\(p.caseNo)已存在", en: "case number \(p.caseNo) exists already"))
            }
            let m = PenaltyModel()
            m.id = p.id
            m.inspectionID = p.inspectionID
            m.enterpriseID = p.enterpriseID
            m.enterpriseName = p.enterpriseName
            m.countyCode = p.countyCode
            m.caseNo = p.caseNo
            m.legalBasis = p.legalBasis
            m.enterpriseFine = p.enterpriseFine
            m.principalName = p.principalName
            m.principalFine = p.principalFine
            m.decidedOn = p.decidedOn
            m.hazardIDs = JSONColumn.encode(p.hazardIDs) ?? "[]"
            m.createdBy = p.createdBy
            m.createdAt = p.createdAt
            try await m.create(on: db)
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "penalty", entityID: p.id.uuidString,
                                        changes: FieldChange.diff([:], ["inspection": p.inspectionID.uuidString, "caseNo": p.caseNo, "legalBasis": p.legalBasis,
                                                                        "enterpriseFine": String(p.enterpriseFine), "principalName": p.principalName,
                                                                        "principalFine": String(p.principalFine), "decidedOn": p.decidedOn,
                                                                        "hazards": p.hazardIDs.map(\.uuidString).joined(separator: ",")]),
                                        audit: audit)
        }
    }

    public func penalties(inspectionID: UUID, scope: Scope) async throws -> [Penalty] {
        guard let seen = FluentInspectionRepository.scoped(scope, on: store.database),
              try await seen.filter(\.$id == inspectionID).rowCount() > 0 else { throw DomainError.notFound(entity: "inspection") }
        return try await PenaltyModel.query(on: store.database).filter(\.$inspectionID == inspectionID).sort(\.$createdAt).all().map { try $0.domain() }
    }

    public func penalties(enterpriseID: UUID, scope: Scope) async throws -> [Penalty] {
        guard scope.isRegulator || scope == .enterprise(enterpriseID) else { return [] }
        let q = PenaltyModel.query(on: store.database).filter(\.$enterpriseID == enterpriseID)
        if case .county(let c) = scope { q.filter(\.$countyCode == c) }
        return try await q.sort(\.$createdAt).all().map { try $0.domain() }
    }

    public func fined(inspectionIDs: [UUID]) async throws -> [UUID: (amount: Int, caseNos: [String])] {
        guard !inspectionIDs.isEmpty else { return [:] }
        var out: [UUID: (amount: Int, caseNos: [String])] = [:]
        for p in try await PenaltyModel.query(on: store.database).filter(\.$inspectionID ~~ inspectionIDs).sort(\.$caseNo).all() {
            out[p.inspectionID, default: (0, [])].amount += p.enterpriseFine + p.principalFine
            out[p.inspectionID, default: (0, [])].caseNos.append(p.caseNo)
        }
        return out
    }

    public func createExams(_ exams: [WorkerExam], audit: AuditContext) async throws {
        try await store.write { db in
            for e in exams {
                let m = WorkerExamModel()
                m.apply(e)
                try await m.create(on: db)
                try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "worker-exam", entityID: e.id.uuidString,
                                            changes: FieldChange.diff([:], ["inspection": e.inspectionID.uuidString, "worker": e.workerName, "job": e.job,
                                                                            "score": String(e.score), "state": e.state.rawValue]),
                                            audit: audit)
            }
        }
    }

    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<WorkerExamModel>? {
        switch scope {
        case .city: WorkerExamModel.query(on: db)
        case .county(let c): WorkerExamModel.query(on: db).filter(\.$countyCode == c)
        case .enterprise(let e): WorkerExamModel.query(on: db).filter(\.$enterpriseID == e)
        case .assigned: nil
        }
    }

    public func exams(inspectionID: UUID?, enterpriseID: UUID?, outstandingOnly: Bool, scope: Scope) async throws -> [WorkerExam] {
        guard let q = Self.scoped(scope, on: store.database) else { return [] }
        if let inspectionID { q.filter(\.$inspectionID == inspectionID) }
        if let enterpriseID { q.filter(\.$enterpriseID == enterpriseID) }
        if outstandingOnly { q.filter(\.$state == WorkerExam.State.awaitingRetraining.rawValue) }
        return try await q.sort(\.$examinedOn, .descending).sort(\.$workerName).limit(500).all().map { try $0.domain() }
    }

    public func updateExam(id: UUID, scope: Scope, audit: AuditContext, change: @escaping @Sendable (WorkerExam) throws -> WorkerExam) async throws -> WorkerExam {
        try await store.write { db in
            guard let m = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else { throw DomainError.notFound(entity: "exam") }
            let before = try m.domain()
            var after = try change(before)
            after.version = before.version + 1
            m.apply(after)
            try await m.update(on: db)
            try await AuditChain.append(on: db, action: AuditAction.update.rawValue, entityType: "worker-exam", entityID: id.uuidString,
                                        changes: FieldChange.diff(["state": before.state.rawValue, "reexamScore": before.reexamScore.map(String.init) ?? ""],
                                                                  ["state": after.state.rawValue, "reexamScore": after.reexamScore.map(String.init) ?? ""]),
                                        audit: audit)
            return after
        }
    }
}
