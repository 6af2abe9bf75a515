import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

/// Workers and certificates, staffing, 三违 and the off-duty ledger over the API and the pages.
@Suite("people: workers, certificates, staffing, violations, the off-duty ledger")
struct WorkforceTests {
    static func id(_ county: String, _ n: Int) -> String { DemoPeople.idNumber(county: county, n: n) }

    /// The fields a problem answer names.
    static func fields(_ res: TestingHTTPResponse) -> [String] { ((try? ProblemProbe(res))?.errors ?? []).map(\.field) }

    static func count(_ h: Harness, _ table: String) async throws -> Int {
        try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: CountRow.self)?.n ?? 0
    }

    static func audits(_ h: Harness, action: String, entity: String) async throws -> Int {
        try await h.app.zhiben.store.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = \(bind: action) AND entity_type = \(bind: entity)")
            .first(decoding: CountRow.self)?.n ?? 0
    }

    @Test("a worker: bad ID number and duplicates refused naming the field, nothing written; lists mask the number, the record shows it and the view is audited; other counties see nothing")
    func workers() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let ent = try await h.token(h.enterpriseUsername(e))
            let good = Self.id("141181", 1)
            var wrong = Array(good)
            wrong[17] = wrong[17] == "1" ? "2" : "1"
            let bad = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "王建军", "idNumber": String(wrong), "job": "焊工"])
            #expect(bad.status == .unprocessableEntity)
            #expect(try ProblemProbe(bad).errors?.map(\.field) == ["idNumber"])
            #expect(try await Self.count(h, "workers") == 0, "nothing written")

            let made = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "王建军", "idNumber": good, "job": "焊工"])
            #expect(made.status == .created, "\(made.body.string)")
            let wid = try made.content.get(UUID.self, at: "id")
            let twin = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "王建国", "idNumber": good.lowercased()])
            #expect(twin.status == .conflict && Self.fields(twin).first == "idNumber")
            let offNoReason = try await h.api(.PATCH, "/api/v1/workers/\(wid)", token: ent, json: ["onDuty": false])
            #expect(offNoReason.status == .unprocessableEntity && Self.fields(offNoReason).first == "offDutyReason")
            #expect(try await Self.count(h, "workers") == 1)

            let county = try await h.token("county-141181")
            let list = try await h.api(.GET, "/api/v1/workers", token: county)
            let shown = try list.content.get([WorkerDTO].self, at: "items").map(\.idNumber)
            #expect(shown == [String(good.prefix(4)) + "**********" + String(good.suffix(4))])
            let views = try await Self.audits(h, action: "reveal", entity: "worker")
            let opened = try await h.api(.GET, "/api/v1/workers/\(wid)", token: county)
            #expect(try opened.content.get(String.self, at: "idNumber") == good)
            #expect(try await Self.audits(h, action: "reveal", entity: "worker") == views + 1, "the whole number's view is audited")

            let other = try await h.token("county-141102")
            #expect(try await h.api(.GET, "/api/v1/workers/\(wid)", token: other).status == .notFound)
            #expect(try await h.api(.GET, "/api/v1/workers", token: other).content.get(Int.self, at: "total") == 0)
            // An enterprise may not keep another's workers, nor a regulator create them.
            #expect(try await h.api(.POST, "/api/v1/workers", token: county, json: ["enterpriseId": e.id.uuidString, "name": "张三", "idNumber": Self.id("141181", 2)]).status == .forbidden)
        }
    }

    @Test("a certificate past its validity or not in the catalogue is refused naming the field; its standing follows the review and the end of validity")
    func certificates() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let ent = try await h.token(h.enterpriseUsername(e))
            let wid = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "李秀兰", "idNumber": Self.id("141181", 3)]).content.get(UUID.self, at: "id")
            let path = "/api/v1/workers/\(wid)/certificates"
            let tooLong = try await h.api(.POST, path, token: ent, json: ["operation": "2.1", "number": "T1", "issuer": "吕梁市应急管理局", "validFrom": "2024-01-01", "validUntil": "2031-01-01"])
            #expect(tooLong.status == .unprocessableEntity && Self.fields(tooLong) == ["validUntil"])
            let expired = try await h.api(.POST, path, token: ent, json: ["operation": "2.1", "number": "T1", "issuer": "吕梁市应急管理局", "validFrom": "2019-01-01", "validUntil": "2024-12-31"])
            #expect(expired.status == .unprocessableEntity && Self.fields(expired) == ["validUntil"])
            let unknown = try await h.api(.POST, path, token: ent, json: ["operation": "99.9", "number": "T1", "issuer": "x", "validFrom": "2024-01-01"])
            #expect(unknown.status == .unprocessableEntity && Self.fields(unknown) == ["operation"])
            #expect(try await h.api(.GET, "/api/v1/workers/\(wid)", token: ent).content.get(Int.self, at: "version") == 1, "nothing written")

            let today = ChinaTime.day(Date())
            let from = CertificateRules.adding(years: -1, to: today)!
            let added = try await h.api(.POST, path, token: ent, json: ["operation": "2.1", "number": "t110", "issuer": "吕梁市应急管理局", "validFrom": from])
            #expect(added.status == .created, "\(added.body.string)")
            #expect(try added.content.get(String.self, at: "number") == "T110")
            #expect(try added.content.get(String.self, at: "validUntil") == CertificateRules.defaultValidUntil(from: from))
            #expect(try added.content.get(String.self, at: "standing") == "valid")
            let cid = try added.content.get(UUID.self, at: "id")
            // A review due in 20 days: expiring.
            let soon = CertificateRules.adding(years: -3, to: ChinaTime.day(Date().addingTimeInterval(20 * 86_400)))!
            let changed = try await h.api(.PATCH, "\(path)/\(cid)", token: ent, json: ["validFrom": soon, "validUntil": CertificateRules.defaultValidUntil(from: soon)!],
                                          headers: ["If-Match": "\"2\""])
            #expect(changed.status == .ok, "\(changed.body.string)")
            #expect(try changed.content.get(String.self, at: "standing") == "expiring")
            let stale = try await h.api(.DELETE, "\(path)/\(cid)", token: ent, headers: ["If-Match": "\"2\""])
            #expect(stale.status == .preconditionFailed)
            let within30 = try await h.api(.GET, "/api/v1/certificates?standing=expiring30", token: ent)
            #expect(try within30.content.get(Int.self, at: "total") == 1)
            #expect(try await h.api(.GET, "/api/v1/certificates?standing=lapsed", token: ent).content.get(Int.self, at: "total") == 0)
            let csv = try await h.api(.GET, "/api/v1/certificates/export.csv", token: ent)
            #expect(csv.status == .ok && csv.body.string.contains("熔化焊接与热切割作业"))
        }
    }

    @Test("staffing figures equal direct counts: on duty with a usable certificate, short against the need, expiring and lapsed")
    func staffingEqualsCounts() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let ent = try await h.token(h.enterpriseUsername(e))
            let actor = Caller(kind: .user, id: nil, username: h.enterpriseUsername(e), role: .enterpriseUser, scope: .enterprise(e.id))
            let s = h.app.zhiben.workforce
            let today = s.today
            // Welders: valid, review due in 20 days, review due in 60 days, expired (stored while valid), off duty with a valid one.
            let starts = [CertificateRules.adding(years: -1, to: today)!, CertificateRules.adding(years: -3, to: ChinaTime.day(Date().addingTimeInterval(20 * 86_400)))!,
                          CertificateRules.adding(years: -3, to: ChinaTime.day(Date().addingTimeInterval(60 * 86_400)))!]
            var workers: [Worker] = []
            for n in 0..<5 {
                let w = try await s.createWorker(WorkerDraft(name: "焊工\(n)", idNumber: Self.id("141181", 10 + n), job: "焊工"), enterpriseID: e.id, actor: actor)
                workers.append(w)
                if n < 3 || n == 4 {
                    _ = try await s.saveCertificate(workerID: w.id, certificateID: nil, CertificateDraft(operation: "2.1", number: "T\(n)", issuer: "吕梁", validFrom: starts[n == 4 ? 0 : n]),
                                                    expectedVersion: nil, actor: actor)
                }
            }
            var lapsed = workers[3]
            lapsed.certificates = [OperatorCertificate(operation: "2.1", number: "T3", issuer: "吕梁", validFrom: "2018-01-01", validUntil: "2023-12-31")]
            try await s.records.save(creating: [], replacing: [(lapsed, 1)], action: .update, audit: AuditContext(actor: actor, at: Date()))
            _ = try await s.updateWorker(workers[4].id, WorkerDraft(onDuty: false, offDutyReason: "病假"), expectedVersion: nil, actor: actor)
            // And an electrician held by an on-duty worker with an open violation.
            let sparky = try await s.createWorker(WorkerDraft(name: "电工", idNumber: Self.id("141181", 20)), enterpriseID: e.id, actor: actor)
            _ = try await s.saveCertificate(workerID: sparky.id, certificateID: nil, CertificateDraft(operation: "1.1", number: "E1", issuer: "吕梁", validFrom: starts[0]),
                                            expectedVersion: nil, actor: actor)
            _ = try await s.recordViolation(.init(workerID: sparky.id, kind: "operation", happenedOn: today, what: "未停电验电即作业"), actor: actor)

            let put = try await h.api(.PUT, "/api/v1/enterprises/\(e.id)/staffing", token: ent, json: ["required": ["2.1": 5, "1.1": 1]])
            #expect(put.status == .ok, "\(put.body.string)")
            let rows = try put.content.get([StaffingRowDTO].self, at: "rows")
            let welders = try #require(rows.first { $0.operation == "2.1" })
            #expect(welders.required == 5 && welders.staffed == 3 && welders.short == 2, "three on duty with usable certificates")
            #expect(welders.expiringIn30 == 1 && welders.expiringIn90 == 1 && welders.lapsed == 1)
            let electricians = try #require(rows.first { $0.operation == "1.1" })
            #expect(electricians.staffed == 0 && electricians.short == 1, "off duty by the violation")

            // The county's overview sums the same rows.
            let overview = try await h.api(.GET, "/api/v1/staffing", token: try await h.token("county-141181")).content.get([StaffingDTO].self)
            #expect(overview.count == 1 && overview[0].rows.map(\.staffed) == rows.map(\.staffed))
            // The ledger: the worker put off duty and the violation.
            let ledger = try await h.api(.GET, "/api/v1/off-duty", token: ent).content.get([OffDutyDTO].self)
            #expect(Set(ledger.map(\.source)) == ["manual", "violation"] && ledger.count == 2)
            // A need for an operation outside the catalogue: refused, nothing changed.
            let badNeed = try await h.api(.PUT, "/api/v1/enterprises/\(e.id)/staffing", token: ent, json: ["required": ["77.1": 1]])
            #expect(badNeed.status == .unprocessableEntity && Self.fields(badNeed).first == "required.77.1")
        }
    }

    @Test("a violation takes the worker off duty until retrained and re-examined; two retrainings at once: one 200, one 409, one audit entry")
    func violations() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let ent = try await h.token(h.enterpriseUsername(e))
            let wid = try await h.api(.POST, "/api/v1/workers", token: ent, json: ["name": "赵俊杰", "idNumber": Self.id("141181", 30), "job": "炉前工"])
                .content.get(UUID.self, at: "id")
            let inspector = try await h.token("inspector-141181")
            let future = try await h.api(.POST, "/api/v1/violations", token: inspector, json: ["workerId": wid.uuidString, "kind": "operation", "happenedOn": "2999-01-01", "what": "x"])
            #expect(future.status == .unprocessableEntity && Self.fields(future) == ["happenedOn"])
            let today = ChinaTime.day(Date())
            let made = try await h.api(.POST, "/api/v1/violations", token: inspector, json: ["workerId": wid.uuidString, "kind": "command", "happenedOn": today, "what": "安排无证人员动火"])
            #expect(made.status == .created, "\(made.body.string)")
            let vid = try made.content.get(UUID.self, at: "id")
            let ledger = try await h.api(.GET, "/api/v1/off-duty?county=141181", token: inspector).content.get([OffDutyDTO].self)
            #expect(ledger.contains { $0.workerId == wid && $0.source == "violation" && $0.job == "炉前工" })

            let tooEarly = try await h.api(.POST, "/api/v1/violations/\(vid)/transitions", token: ent, json: ["event": "reexam", "on": today, "score": 90])
            #expect(tooEarly.status == .conflict)
            let before = try await Self.audits(h, action: "transition", entity: "violation")
            let live = try await LiveServer.start(h)
            let statuses = try await live.race(2, .POST, "/api/v1/violations/\(vid)/transitions", token: ent, json: ["event": "retrain", "on": today, "version": 1])
            await live.stop()
            #expect(statuses == [200, 409] || statuses == [200, 412])
            #expect(try await Self.audits(h, action: "transition", entity: "violation") == before + 1)
            let failed = try await h.api(.POST, "/api/v1/violations/\(vid)/transitions", token: ent, json: ["event": "reexam", "on": today, "score": 40])
            #expect(try failed.content.get(String.self, at: "state") == "offDuty", "a failed re-exam sends the worker back to retraining")
            _ = try await h.api(.POST, "/api/v1/violations/\(vid)/transitions", token: ent, json: ["event": "retrain", "on": today])
            let passed = try await h.api(.POST, "/api/v1/violations/\(vid)/transitions", token: ent, json: ["event": "reexam", "on": today, "score": 75])
            #expect(try passed.content.get(String.self, at: "state") == "cleared")
            #expect(try await h.api(.GET, "/api/v1/off-duty", token: ent).content.get([OffDutyDTO].self).isEmpty)
        }
    }

    static func csv(_ rows: [[String]], gb18030: Bool) -> ByteBuffer {
        let text = ([CertificateCSV.templateHeader] + rows).map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return ByteBuffer(data: gb18030 ? text.data(using: CSV.gb18030)! : Data(text.utf8))
    }

    @Test("the certificate import: a bad row names its line and field and nothing is stored; a clean GB18030 file adds workers and certificates; again, nothing changes")
    func importCertificates() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let ent = try await h.token(h.enterpriseUsername(e))
            let from = CertificateRules.adding(years: -2, to: ChinaTime.day(Date()))!
            var wrong = Array(Self.id("141181", 41))
            wrong[17] = wrong[17] == "1" ? "2" : "1"
            let good = [["刘春梅", Self.id("141181", 40), "熔化焊接与热切割作业", "", "吕梁市应急管理局", from, "", "", "焊工"],
                        ["孙立新", Self.id("141181", 42), "1.1", "T-E-42", "吕梁市应急管理局", from, "", "", "电工"]]
            let badRow = ["陈永红", String(wrong), "2.1", "", "吕梁市应急管理局", from, "", "", ""]
            let rejected = try await h.api(.POST, "/api/v1/workers/import", token: ent, body: Self.csv(good + [badRow], gb18030: true))
            #expect(rejected.status == .unprocessableEntity)
            let items = try rejected.content.get([WorkforceAPIController.ImportLineDTO].self, at: "items")
            #expect(items.count == 3 && items[2].line == 4 && items[2].errors.map(\.field) == ["idNumber"])
            #expect(try rejected.content.get(String.self, at: "encoding") == "GB18030")
            #expect(try await Self.count(h, "workers") == 0, "all or nothing")

            let dry = try await h.api(.POST, "/api/v1/workers/import?dryRun=true", token: ent, body: Self.csv(good, gb18030: false))
            #expect(dry.status == .ok)
            #expect(try dry.content.get(Bool.self, at: "committed") == false)
            #expect(try await Self.count(h, "workers") == 0)
            let stored = try await h.api(.POST, "/api/v1/workers/import", token: ent, body: Self.csv(good, gb18030: true))
            #expect(stored.status == .created, "\(stored.body.string.prefix(400))")
            #expect(try stored.content.get(Int.self, at: "newWorkers") == 2)
            let workers = try await h.api(.GET, "/api/v1/workers", token: ent).content.get([WorkerDTO].self, at: "items")
            #expect(workers.count == 2)
            #expect(workers.flatMap(\.certificates).map(\.number).sorted() == ["T" + Self.id("141181", 40), "T-E-42"].sorted())
            let again = try await h.api(.POST, "/api/v1/workers/import", token: ent, body: Self.csv(good, gb18030: false))
            #expect(again.status == .created)
            #expect(try again.content.get(Int.self, at: "unchanged") == 2)
            #expect(try await Self.count(h, "workers") == 2)
        }
    }

    @Test("the pages: an enterprise adds a worker and a certificate, sees the standing; a bad ID number is shown beside its field")
    func pages() async throws {
        try await Harness.with(enterprises: 20) { h in
            let e = try #require(try await h.enterprises(in: "141181").first)
            let browser = try await h.signIn(h.enterpriseUsername(e))
            let bad = try await h.post("/people", as: browser, form: ["name": "王建军", "idNumber": "141181199001011234", "kind": "own", "duty": "on"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("身份证号码校验位不符"))
            let made = try await h.post("/people", as: browser, form: ["name": "王建军", "idNumber": Self.id("141181", 50), "job": "焊工", "kind": "own", "duty": "on"])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers.first(name: .location))
            let page = try await h.get(location, as: browser)
            #expect(page.body.string.contains(Self.id("141181", 50)), "the record shows the whole number")
            let wid = try #require(UUID(uuidString: String(location.split(separator: "/")[2].prefix(36))))
            let from = CertificateRules.adding(years: -1, to: ChinaTime.day(Date()))!
            let cert = try await h.post("/people/workers/\(wid)/certificates", as: browser,
                                        form: ["version": "1", "operation": "2.1", "number": "T1", "issuer": "吕梁市应急管理局", "validFrom": from])
            #expect(cert.status == .seeOther)
            let list = try await h.get("/people", as: browser).body.string
            #expect(list.contains("熔化焊接与热切割作业") && list.contains("有效") && !list.contains(Self.id("141181", 50)))
            for path in ["/people/certificates", "/people/staffing", "/people/violations", "/people/off-duty", "/people/import"] {
                #expect(try await h.get(path, as: browser).status == .ok, "\(path)")
            }
            let county = try await h.signIn("county-141181")
            for path in ["/people", "/people/certificates", "/people/staffing", "/people/violations", "/people/off-duty"] {
                #expect(try await h.get(path, as: county).status == .ok, "\(path)")
            }
        }
    }

    @Test("role × worker × read and list: each role sees the workers, violations and staffing of its jurisdiction only; experts none")
    func jurisdiction() async throws {
        try await Harness.with(enterprises: 20) { h in
            let xiaoyi = try await h.enterprises(in: "141181")
            let fenyang = try #require(try await h.enterprises(in: "141182").first)
            let targets = [xiaoyi[0], xiaoyi[1], fenyang]
            let s = h.app.zhiben.workforce
            var workers: [UUID] = []
            for (n, e) in targets.enumerated() {
                let w = try await s.createWorker(WorkerDraft(name: "工人\(n)", idNumber: Self.id(e.profile.countyCode, 80 + n)), enterpriseID: e.id, actor: .system)
                _ = try await s.recordViolation(.init(workerID: w.id, kind: "operation", happenedOn: s.today, what: "违章"), actor: .system)
                workers.append(w.id)
            }
            let users: [(String, [Bool])] = [
                ("admin", [true, true, true]), ("city", [true, true, true]), ("county-141181", [true, true, false]), ("inspector-141181", [true, true, false]),
                (h.enterpriseUsername(xiaoyi[0]), [true, false, false]),
            ]
            for (user, sees) in users {
                let token = try await h.token(user)
                for (n, w) in workers.enumerated() {
                    let got = try await h.api(.GET, "/api/v1/workers/\(w)", token: token).status
                    #expect(got == (sees[n] ? .ok : .notFound), "\(user) reading worker \(n): \(got)")
                    let staffing = try await h.api(.GET, "/api/v1/enterprises/\(targets[n].id)/staffing", token: token).status
                    #expect(staffing == (sees[n] ? .ok : .notFound), "\(user) reading staffing \(n): \(staffing)")
                }
                let listed = Set(try await h.api(.GET, "/api/v1/workers?per=200", token: token).content.get([WorkerDTO].self, at: "items").map(\.id))
                #expect(listed == Set(zip(workers, sees).filter(\.1).map(\.0)), "\(user) lists")
                let violations = try await h.api(.GET, "/api/v1/violations?per=200", token: token).content.get(Int.self, at: "total")
                #expect(violations == sees.filter { $0 }.count, "\(user) violations")
                let ledger = try await h.api(.GET, "/api/v1/off-duty", token: token).content.get([OffDutyDTO].self)
                #expect(Set(ledger.compactMap(\.workerId)) == Set(zip(workers, sees).filter(\.1).map(\.0)), "\(user) off-duty ledger")
            }
            let expert = try await h.token("expert-1")
            #expect(try await h.api(.GET, "/api/v1/workers/\(workers[0])", token: expert).status == .forbidden)
            #expect(try await h.api(.GET, "/api/v1/workers", token: expert).status == .forbidden)
        }
    }
}
