import Foundation
import Testing
import ZhibenDomain

@Suite("people: the violation workflow, staffing, the off-duty ledger, the certificate file")
struct WorkforceRulesTests {
    static let enterprise = UUID()

    static func worker(_ name: String, onDuty: Bool = true, certificates: [OperatorCertificate] = []) -> Worker {
        Worker(enterpriseID: enterprise, enterpriseName: "演示钢铁", countyCode: "141181", name: name, idNumber: "11010519491231002X", job: "焊工",
               onDuty: onDuty, offDutyReason: onDuty ? nil : "病假", certificates: certificates, updatedAt: Date(timeIntervalSince1970: 1_790_000_000), version: 1)
    }

    static func cert(_ op: String, from: String) -> OperatorCertificate {
        OperatorCertificate(operation: op, number: "T\(op)\(from)", issuer: "吕梁", validFrom: from, validUntil: CertificateRules.defaultValidUntil(from: from)!)
    }

    static func violation(_ state: Violation.State = .offDuty) -> Violation {
        Violation(enterpriseID: enterprise, enterpriseName: "演示钢铁", countyCode: "141181", workerID: UUID(), workerName: "赵俊杰", kind: .operation,
                  happenedOn: "2026-12-01", what: "未系安全带", recordedBy: "ent", recordedAt: Date(), state: state, version: 1)
    }

    @Test("三违: retraining then a re-exam; a pass (60) clears, a fail sends the worker back to retraining; out of order or too early is refused")
    func violationWorkflow() throws {
        let v = Self.violation()
        #expect(throws: DomainError.invalidTransition(from: "offDuty", event: "reexam")) { try ViolationWorkflow.reexam(v, score: 90, on: "2026-12-03") }
        #expect(throws: DomainError.self) { try ViolationWorkflow.retrain(v, on: "2026-11-30") }
        let retrained = try ViolationWorkflow.retrain(v, on: "2026-12-02")
        #expect(retrained.state == .retrained && retrained.retrainedOn == "2026-12-02")
        #expect(throws: DomainError.invalidTransition(from: "retrained", event: "retrain")) { try ViolationWorkflow.retrain(retrained, on: "2026-12-02") }
        let failed = try ViolationWorkflow.reexam(retrained, score: WorkerExam.passMark - 1, on: "2026-12-03")
        #expect(failed.state == .offDuty && failed.retrainedOn == nil && failed.reexamScore == 59)
        let passed = try ViolationWorkflow.reexam(try ViolationWorkflow.retrain(failed, on: "2026-12-04"), score: WorkerExam.passMark, on: "2026-12-04")
        #expect(passed.state == .cleared)
        #expect(throws: DomainError.self) { try ViolationWorkflow.reexam(retrained, score: 101, on: "2026-12-03") }
    }

    @Test("staffing: only workers who may work with a usable certificate count; expiring within 30 and 90 days and lapsed counted apart; totals add up")
    func staffingRows() {
        let today = "2026-12-04"
        let workers = [
            Self.worker("甲", certificates: [Self.cert("2.1", from: "2025-06-01")]),
            Self.worker("乙", certificates: [Self.cert("2.1", from: "2023-12-20")]),                       // review due 2026-12-20
            Self.worker("丙", certificates: [Self.cert("2.1", from: "2024-01-20")]),                       // review due 2027-01-20
            Self.worker("丁", certificates: [Self.cert("2.1", from: "2019-01-01")]),                       // expired
            Self.worker("戊", onDuty: false, certificates: [Self.cert("2.1", from: "2025-06-01")]),
            Self.worker("己", certificates: [Self.cert("1.1", from: "2025-06-01"), Self.cert("2.1", from: "2025-07-01")]),
        ]
        let off = Set([workers[4].id])
        let rows = Staffing.rows(required: ["2.1": 6, "3.1": 1], workers: workers, today: today) { !off.contains($0.id) }
        #expect(rows.map(\.operation) == ["1.1", "2.1", "3.1"], "catalogue order; required-only and held-only operations both listed")
        let welding = rows[1]
        #expect(welding.staffed == 4 && welding.short == 2 && welding.expiringIn30 == 1 && welding.expiringIn90 == 1 && welding.lapsed == 1)
        #expect(rows[0].required == 0 && rows[0].staffed == 1 && rows[2].short == 1)
        let total = Staffing.totals([rows, rows])
        #expect(total.map(\.staffed) == rows.map { $0.staffed * 2 } && total.map(\.required) == rows.map { $0.required * 2 })
    }

    @Test("the off-duty ledger: workers put off duty, open violations (not cleared ones), failed exams matched to the registered worker by name")
    func ledger() {
        let a = Self.worker("甲", onDuty: false)
        let b = Self.worker("乙")
        var open = Self.violation()
        open.workerID = b.id
        let cleared = Self.violation(.cleared)
        let exam = WorkerExam(inspectionID: UUID(), enterpriseID: Self.enterprise, enterpriseName: "演示钢铁", countyCode: "141181", workerName: "乙", job: "焊工",
                              score: 40, examinedOn: "2026-12-02", state: .awaitingRetraining)
        let passedExam = WorkerExam(inspectionID: UUID(), enterpriseID: Self.enterprise, enterpriseName: "演示钢铁", countyCode: "141181", workerName: "甲", job: "",
                                    score: 90, examinedOn: "2026-12-02", state: .passed)
        let list = OffDutyLedger.entries(workers: [a, b], violations: [open, cleared], exams: [exam, passedExam])
        #expect(list.count == 3)
        #expect(list.filter { $0.workerID == b.id }.count == 2, "the violation and the exam both name the registered worker")
        #expect(list.contains { if case .manual("病假") = $0.source { $0.workerID == a.id } else { false } })
    }

    @Test("the certificate file: headers by name in either language, operations by code or name, a missing column is the file's problem")
    func certificateFile() {
        let text = "身份证号,姓名,操作项目,发证机关,有效期开始日期\r\n11010519491231002X,张三,熔化焊接与热切割作业,吕梁,2025-01-01\r\n"
        let parsed = CertificateCSV.parse(text.data(using: CSV.gb18030)!)
        #expect(parsed.fileIssues.isEmpty && parsed.encoding == .gb18030)
        #expect(parsed.rows.first?.value("name") == "张三" && parsed.rows.first?.line == 2)
        #expect(CertificateCSV.operationCode("熔化焊接与热切割作业") == "2.1" && CertificateCSV.operationCode(" 8.1 ") == "8.1" && CertificateCSV.operationCode("开车") == nil)
        let missing = CertificateCSV.parse(Data("name,idNumber\r\n".utf8))
        #expect(missing.fileIssues.first?.field == "file" && missing.fileIssues.first?.reasonZh.contains("操作项目") == true)
    }

    static func job(_ state: ContractorJob.State = .planned) -> ContractorJob {
        ContractorJob(enterpriseID: enterprise, enterpriseName: "演示钢铁", countyCode: "141181", contractorID: UUID(), contractorName: "检修公司", title: "检修",
                      plan: "方案", crew: [], supervisor: "王", startOn: "2026-12-04", endOn: "2026-12-06", state: state, version: 1)
    }

    @Test("a contractor's job: starts only through a clear gate and within its dates, again on a later day; finishes from working; cancels only before the start")
    func jobWorkflow() throws {
        let planned = Self.job()
        let started = try ContractorJobWorkflow.perform(planned, .start, gate: [], today: "2026-12-04")
        #expect(started.state == .working && started.lastStartedOn == "2026-12-04")
        #expect(try ContractorJobWorkflow.perform(started, .start, gate: [], today: "2026-12-05").lastStartedOn == "2026-12-05")
        #expect(throws: Refusal([.init(code: "noSupervisor", zh: "未指定现场监护人", en: "no supervisor named")])) {
            try ContractorJobWorkflow.perform(started, .start, gate: [.noSupervisor], today: "2026-12-05")
        }
        do {
            _ = try ContractorJobWorkflow.perform(planned, .start, gate: [.planEmpty], today: "2026-12-03")
            Issue.record("a start before the job's first day passed")
        } catch let r as Refusal {
            #expect(r.items.map(\.code) == ["beforeStart", "planEmpty"] && r.items[0].day == "2026-12-04")
        }
        do {
            _ = try ContractorJobWorkflow.perform(started, .start, gate: [], today: "2026-12-07")
            Issue.record("a start after the job's last day passed")
        } catch let r as Refusal { #expect(r.items.map(\.code) == ["afterEnd"]) }
        #expect(try ContractorJobWorkflow.perform(started, .finish, gate: [.noSupervisor], today: "2026-12-05").state == .finished, "finishing needs no gate")
        #expect(throws: DomainError.invalidTransition(from: "planned", event: "finish")) { try ContractorJobWorkflow.perform(planned, .finish, gate: [], today: "2026-12-04") }
        #expect(throws: DomainError.invalidTransition(from: "working", event: "cancel")) { try ContractorJobWorkflow.perform(started, .cancel, gate: [], today: "2026-12-04") }
        #expect(try ContractorJobWorkflow.perform(planned, .cancel, gate: [], today: "2026-12-04").state == .cancelled)
    }

    @Test("the gate: a crew member off duty (a violation, a failed exam) is a reason of its own, with the worker named")
    func gateOffDuty() {
        let facts = ContractorJobFacts(enterpriseID: Self.enterprise, agreement: .init(signedOn: "2026-01-01", validFrom: "2026-01-01", validUntil: "2026-12-31"),
                                       plan: "方案", crew: [.init(name: "赵俊杰", trainedOn: "2026-01-02", operations: [], certificates: [], offDuty: "违章作业，停岗待培训")],
                                       supervisor: "王", accidents: [])
        let reasons = ContractorGate.check(facts, on: "2026-12-04")
        #expect(reasons.map(\.code) == ["crewOffDuty"] && reasons[0].worker == "赵俊杰")
        #expect(Refusal(gate: reasons).items[0].zh == "赵俊杰停岗中：违章作业，停岗待培训")
    }
}
