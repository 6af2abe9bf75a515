import Foundation
import Testing
import VaporTesting
@testable import ZhibenApp
import ZhibenDomain

@Suite("double-random draws through the API and the public page")
struct DrawAppTests {
    struct PersonProbe: Decodable, Equatable { let id: UUID; let name: String }
    struct PickProbe: Decodable { let enterpriseId: UUID; let countyCode: String; let inspectors: [PersonProbe]; let expert: PersonProbe? }
    struct VerificationProbe: Decodable { let poolMatches: Bool; let commitmentMatches: Bool?; let resultMatches: Bool? }
    struct DrawProbe: Decodable {
        let id: UUID; let commitment: String; let poolDigest: String; let revealed: Bool; let seed: String?; let picks: [PickProbe]?
        let verification: VerificationProbe; let poolEnterprises: Int; let poolInspectors: Int
    }

    @Test("a county commits a draw (commitment public, seed secret), reveals it once; the result is its county's drawable inspectors, two each, and verifies")
    func commitAndReveal() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let created = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "2026年第四季度双随机抽查", "size": 3, "withExpert": true])
            #expect(created.status == .created, "\(created.body.string)")
            let d = try created.content.decode(DrawProbe.self)
            #expect(!d.revealed && d.seed == nil && d.picks == nil && d.commitment.count == 64 && d.verification.poolMatches)
            #expect(d.poolInspectors == 3, "the county's four demo officers, one with an expired certificate")
            #expect(!created.body.string.contains("secret"))

            // Public before the reveal: the commitment, not the seed.
            let publicPage = try await h.tester.sendRequest(.GET, "/public/draws/\(d.id)")
            #expect(publicPage.status == .ok)
            #expect(publicPage.body.string.contains(d.commitment) && publicPage.body.string.contains("揭晓时公布"))
            let listed = try await h.tester.sendRequest(.GET, "/public/draws")
            #expect(listed.status == .ok && listed.body.string.contains("2026年第四季度双随机抽查"))

            // Jurisdiction and roles.
            #expect(try await h.api(.GET, "/api/v1/draws/\(d.id)", token: try await h.token("county-141182")).status == .notFound)
            let inspector = try await h.token("inspector-141181")
            #expect(try await h.api(.GET, "/api/v1/draws/\(d.id)", token: inspector).status == .ok)
            #expect(try await h.api(.POST, "/api/v1/draws/\(d.id)/reveal", token: inspector).status == .forbidden)
            let company = try await h.token(h.enterpriseUsername(try #require(try await h.enterprises(in: "141181").first)))
            #expect(try await h.api(.GET, "/api/v1/draws", token: company).status == .forbidden)

            let revealed = try await h.api(.POST, "/api/v1/draws/\(d.id)/reveal", token: county)
            #expect(revealed.status == .ok, "\(revealed.body.string)")
            let r = try revealed.content.decode(DrawProbe.self)
            #expect(r.revealed && r.seed != nil && r.commitment == d.commitment)
            #expect(r.verification.poolMatches && r.verification.commitmentMatches == true && r.verification.resultMatches == true)
            let picks = try #require(r.picks)
            #expect(picks.count == 3 && picks.allSatisfy { $0.countyCode == "141181" && $0.inspectors.count == 2 && $0.expert != nil })
            let roster = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"])
            let drawable = Set(roster.filter { $0.drawable(on: ChinaTime.day(Date())) }.map(\.id))
            #expect(picks.allSatisfy { $0.inspectors.allSatisfy { drawable.contains($0.id) } }, "only the county's officers with valid certificates")

            // Nothing changes a revealed draw: a second reveal, and no other method on it.
            #expect(try await h.api(.POST, "/api/v1/draws/\(d.id)/reveal", token: county).status == .conflict)
            for method in [HTTPMethod.PATCH, .PUT, .DELETE] {
                #expect(try await h.api(method, "/api/v1/draws/\(d.id)", token: try await h.token("city"), json: ["title": "x"]).status == .methodNotAllowed)
            }
            let again = try await h.api(.GET, "/api/v1/draws/\(d.id)", token: county).content.decode(DrawProbe.self)
            #expect(again.seed == r.seed && again.picks?.map(\.enterpriseId) == picks.map(\.enterpriseId))
            let page = try await h.tester.sendRequest(.GET, "/public/draws/\(d.id)").body.string
            #expect(page.contains(r.seed!) && page.contains("一致"))
            let audit = try await h.api(.GET, "/api/v1/audit?entityType=draw", token: try await h.token("admin")).body.string
            #expect(audit.contains(d.id.uuidString))
        }
    }

    @Test("bad draws are refused naming the field: too large for the pool, one inspector, another county's pool; an unstaffable pool is named")
    func refusals() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            func post(_ body: [String: any Sendable]) async throws -> TestingHTTPResponse { try await h.api(.POST, "/api/v1/draws", token: county, json: body) }
            let big = try await post(["title": "t", "size": 999])
            #expect(big.status == .unprocessableEntity && big.body.string.contains("size"))
            let one = try await post(["title": "t", "size": 1, "inspectorsPerEnterprise": 1])
            #expect(one.status == .unprocessableEntity && one.body.string.contains("inspectorsPerEnterprise"))
            let other = try await post(["title": "t", "size": 1, "countyCodes": ["141182"]])
            #expect(other.status == .unprocessableEntity && other.body.string.contains("countyCodes"))
            // Three drawable officers cannot give four to each enterprise.
            let four = try await post(["title": "t", "size": 1, "inspectorsPerEnterprise": 4])
            #expect(four.status == .unprocessableEntity && four.body.string.contains("执法人员"))
            let months = try await post(["title": "t", "size": 1, "excludeInspectedMonths": 37])
            #expect(months.status == .unprocessableEntity && months.body.string.contains("excludeInspectedMonths"))
            #expect(try await h.api(.GET, "/api/v1/draws", token: county).content.get(Int.self, at: "total") == 0, "nothing committed")
        }
    }

    @Test("a pool that leaves out enterprises inspected in the last K months leaves out exactly those with a completed inspection in that time")
    func excludeRecentlyInspected() async throws {
        try await Harness.with(enterprises: 40) { h in
            let county = try await h.token("county-141181")
            let inspector = try await h.token("inspector-141181")
            struct Pool: Decodable { struct E: Decodable { let id: UUID }; let enterprises: [E] }
            func pool(_ id: UUID) async throws -> Set<UUID> {
                Set(try await h.tester.sendRequest(.GET, "/public/draws/\(id)/pool.json").content.decode(Pool.self).enterprises.map(\.id))
            }
            let first = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "t", "size": 2])
            let firstID = try first.content.get(UUID.self, at: "id")
            let everyone = try await pool(firstID)
            _ = try await h.api(.POST, "/api/v1/draws/\(firstID)/reveal", token: county)
            struct Probe: Decodable { let id: UUID; let enterpriseId: UUID; let version: Int }
            let madeRes = try await h.api(.POST, "/api/v1/draws/\(firstID)/inspections", token: county, json: ["plannedOn": ChinaTime.day(Date())])
            #expect(madeRes.status == .created, "\(madeRes.body.string.prefix(300))")
            let made = try madeRes.content.decode([Probe].self)
            #expect(made.count == 2)
            // One completed, one only planned: the planned one stays in the pool.
            try await h.answerEveryItem(made[0].id, token: inspector)
            let done = try await h.api(.POST, "/api/v1/inspections/\(made[0].id)/transitions", token: inspector, json: ["action": "complete"])
            #expect(done.status == .ok, "\(done.body.string.prefix(300))")
            // The pools overlap and the first was just revealed: the second draw gives its reason.
            let second = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "t2", "size": 2, "excludeInspectedMonths": 6,
                                                                                      "overlapReason": "季度第二批抽查"])
            #expect(second.status == .created, "\(second.body.string.prefix(300))")
            #expect(try second.content.get(Int.self, at: "excludeInspectedMonths") == 6)
            let fewer = try await pool(try second.content.get(UUID.self, at: "id"))
            #expect(fewer == everyone.subtracting([made[0].enterpriseId]))
            let zero = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "t3", "size": 2, "excludeInspectedMonths": 0, "overlapReason": "季度第三批抽查"])
            #expect(try await pool(try zero.content.get(UUID.self, at: "id")) == everyone, "0 leaves nobody out")
            let page = try await h.tester.sendRequest(.GET, "/public/draws/\(try second.content.get(UUID.self, at: "id"))").body.string
            #expect(page.contains("排除近6个月内已完成检查的企业"))
        }
    }

    @Test("the README's reference code, run on the published pool and seed, draws what the server drew")
    func outsiderReimplementation() async throws {
        try await Harness.with(enterprises: 60) { h in
            let city = try await h.token("city")
            let created = try await h.api(.POST, "/api/v1/draws", token: city, json: ["title": "异地交叉检查", "size": 8, "crossCounty": true, "weighted": true,
                                                                                     "withExpert": true, "countyCodes": ["141181", "141182", "141102"]])
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.get(UUID.self, at: "id")
            let r = try await h.api(.POST, "/api/v1/draws/\(id)/reveal", token: city).content.decode(DrawProbe.self)
            let pool = try await h.tester.sendRequest(.GET, "/public/draws/\(id)/pool.json")
            #expect(Secret.sha256(Data(buffer: pool.body)) == r.poolDigest, "pool.json is the hashed pool")

            let readme = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path, encoding: .utf8)
            let section = try #require(readme.range(of: "## The double-random draw").map { readme[$0.upperBound...] })
            let code = try #require(section.range(of: "```python\n").flatMap { start in section[start.upperBound...].range(of: "```").map { section[start.upperBound..<$0.lowerBound] } })
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("draw-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(buffer: pool.body).write(to: dir.appendingPathComponent("pool.json"))
            try (String(code) + """

                import json, sys
                pool = json.load(open(sys.argv[1]))
                print(json.dumps(draw(sys.argv[2], pool, 8, 2, with_expert=True, cross_county=True)))
                """).write(to: dir.appendingPathComponent("draw.py"), atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = [dir.appendingPathComponent("draw.py").path, dir.appendingPathComponent("pool.json").path, try #require(r.seed)]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            struct Outside: Decodable { let enterpriseId: UUID; let inspectors: [UUID]; let expert: UUID? }
            let outside = try JSONDecoder().decode([Outside].self, from: data)
            let picks = try #require(r.picks)
            #expect(outside.map(\.enterpriseId) == picks.map(\.enterpriseId))
            #expect(outside.map(\.inspectors) == picks.map { $0.inspectors.map(\.id) })
            #expect(outside.map(\.expert) == picks.map { $0.expert?.id })
            #expect(picks.allSatisfy { pick in pick.inspectors.allSatisfy { _ in true } } && picks.count == 8)
        }
    }

    @Test("the roster and the pool: a county officer adds to its own county only; an expert's conflict keeps them off that enterprise")
    func rosterAndPool() async throws {
        try await Harness.with(enterprises: 20) { h in
            let county = try await h.token("county-141181")
            let added = try await h.api(.POST, "/api/v1/inspectors", token: county, json: ["name": "新执法员", "countyCode": "141181", "certificateNo": "晋141181-0099",
                                                                                         "certificateValidUntil": "2029-12-31", "specialties": ["dust"]])
            #expect(added.status == .created, "\(added.body.string)")
            let elsewhere = try await h.api(.POST, "/api/v1/inspectors", token: county, json: ["name": "外县", "countyCode": "141182", "certificateNo": "X",
                                                                                             "certificateValidUntil": "2029-12-31"])
            #expect(elsewhere.status == .unprocessableEntity && elsewhere.body.string.contains("countyCode"))
            let badDate = try await h.api(.POST, "/api/v1/inspectors", token: county, json: ["name": "某", "countyCode": "141181", "certificateNo": "Y",
                                                                                           "certificateValidUntil": "明年"])
            #expect(badDate.status == .unprocessableEntity && badDate.body.string.contains("certificateValidUntil"))
            #expect(try await h.api(.GET, "/api/v1/inspectors", token: county).content.get(Int.self, at: "total") == 5)
            #expect(try await h.api(.GET, "/api/v1/inspectors", token: try await h.token("city")).content.get(Int.self, at: "total") > 5)

            // Every enterprise of the county conflicts with every expert but one: that one is drawn for each.
            let enterprises = try await h.enterprises(in: "141181").filter(\.active).map(\.id.uuidString)
            let experts = try await h.api(.GET, "/api/v1/experts?per=50", token: county).content.get([PoolExpertDTO].self, at: "items")
            #expect(experts.count == 8)
            for e in experts.dropFirst() {
                var updated = try await h.app.zhiben.people.repository.allExperts().first { $0.id == e.id }!
                updated.conflicts = enterprises.compactMap(UUID.init(uuidString:))
                try await h.app.zhiben.people.repository.saveExpert(updated, audit: AuditContext(actor: .system, at: Date()))
            }
            let d = try await h.api(.POST, "/api/v1/draws", token: county, json: ["title": "t", "size": 2, "withExpert": true])
            #expect(d.status == .created, "\(d.body.string)")
            let r = try await h.api(.POST, "/api/v1/draws/\(try d.content.get(UUID.self, at: "id"))/reveal", token: county).content.decode(DrawProbe.self)
            #expect(r.picks?.allSatisfy { $0.expert?.id == experts.first?.id } == true)
            let pages = try await h.signIn("county-141181")
            for path in ["/enforcement/draws", "/enforcement/inspectors", "/enforcement/experts", "/enforcement/draws/new"] {
                #expect(try await h.get(path, as: pages).status == .ok, "\(path)")
            }
        }
    }

    @Test("the roster is kept up to date: a renewed certificate makes an officer drawable again, conflicts are declared by credit code on the page, a stale change is refused, another county's entry is not there")
    func rosterUpkeep() async throws {
        try await Harness.with(enterprises: 20) { h in
            let county = try await h.token("county-141181")
            let today = ChinaTime.day(Date())
            let roster = try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141181"])
            let expired = try #require(roster.first { !$0.drawable(on: today) })
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            func offered() async throws -> Bool {
                try await h.app.zhiben.inspections.staffing(enterpriseID: e.id, actor: Caller(id: UUID(), username: "county-141181", role: .countyOfficer, scope: .county("141181")))
                    .own.contains { $0.id == expired.id }
            }
            #expect(try await offered() == false)
            let renewed = try await h.api(.PATCH, "/api/v1/inspectors/\(expired.id)", token: county, json: ["version": expired.version, "certificateValidUntil": "2030-12-31"])
            #expect(renewed.status == .ok, "\(renewed.body.string.prefix(300))")
            #expect(try renewed.content.get(Int.self, at: "version") == expired.version + 1 && renewed.content.get(String.self, at: "certificateNo") == expired.certificateNo,
                    "the other fields stay")
            #expect(try await offered(), "drawable again")
            let stale = try await h.api(.PATCH, "/api/v1/inspectors/\(expired.id)", token: county, json: ["version": expired.version, "active": false])
            #expect(stale.status == .preconditionFailed)
            let moved = try await h.api(.PATCH, "/api/v1/inspectors/\(expired.id)", token: county, json: ["version": expired.version + 1, "countyCode": "141182"])
            #expect(moved.status == .unprocessableEntity && moved.body.string.contains("countyCode"))
            let other = try #require(try await h.app.zhiben.people.repository.allInspectors(countyCodes: ["141182"]).first)
            #expect(try await h.api(.PATCH, "/api/v1/inspectors/\(other.id)", token: county, json: ["version": other.version, "active": false]).status == .notFound)
            #expect(try await h.api(.PATCH, "/api/v1/inspectors/\(expired.id)", token: try await h.token("inspector-141181"), json: ["version": expired.version + 1]).status == .forbidden)

            // On the page: a conflict by credit code; an unknown code is named and nothing changes.
            let page = try await h.signIn("county-141181")
            #expect(try await h.get("/enforcement/inspectors", as: page).body.string.contains("/enforcement/inspectors/\(expired.id.uuidString)"))
            let form = try await h.get("/enforcement/inspectors/\(expired.id)", as: page)
            #expect(form.status == .ok && form.body.string.contains("2030-12-31"))
            let fields: [String: String] = ["version": String(expired.version + 1), "name": expired.name, "certificateNo": expired.certificateNo,
                                            "certificateValidUntil": "2030-12-31", "active": "yes"]
            var bad = fields
            bad["conflicts"] = "91141181NOSUCHCODE0"
            let refused = try await h.post("/enforcement/inspectors/\(expired.id)", as: page, form: bad)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("91141181NOSUCHCODE0"))
            var good = fields
            good["conflicts"] = "\(e.profile.creditCode) \(e.profile.name)"
            #expect(try await h.post("/enforcement/inspectors/\(expired.id)", as: page, form: good).status == .seeOther)
            let stored = try await h.api(.GET, "/api/v1/inspectors/\(expired.id)", token: county)
            #expect(try stored.content.get([UUID].self, at: "conflicts") == [e.id] && stored.content.get(Int.self, at: "version") == expired.version + 2)
            #expect(try await offered() == false, "a declared conflict keeps the officer off that enterprise")
            #expect(try await h.post("/enforcement/inspectors/\(expired.id)", as: page, form: good).status == .conflict, "the page's version is stale now")

            // The pool: an expert made unavailable is not offered.
            let city = try await h.token("city")
            let expert = try #require(try await h.app.zhiben.people.repository.allExperts().first { $0.available })
            let off = try await h.api(.PATCH, "/api/v1/experts/\(expert.id)", token: city, json: ["version": expert.version, "available": false])
            let stillAvailable = try off.content.get(Bool.self, at: "available")
            #expect(off.status == .ok && !stillAvailable)
            #expect(try await h.app.zhiben.inspections.staffing(enterpriseID: e.id, actor: Caller(id: UUID(), username: "city", role: .cityOfficer, scope: .city))
                .experts.contains { $0.id == expert.id } == false)
            #expect(try await h.get("/enforcement/experts/\(expert.id)", as: try await h.signIn("city")).status == .ok)
        }
    }
}
