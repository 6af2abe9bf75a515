import Crypto
import Foundation
import Testing
import ZhibenDomain

@Suite("double-random draw: a deterministic function of the seed and the frozen pool")
struct DrawTests {
    static let sha: DrawAlgorithm.SHA256Hex = { data in SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    static func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }

    /// 40 enterprises in two counties, three inspectors in each county and two in a third, three experts.
    static func pool(expiredIncluded: Bool = false) -> DrawPool {
        let enterprises = (1...40).map { i in
            DrawPool.Enterprise(id: id(i), creditCode: String(format: "91141100MA%08dX", i), name: "企业\(i)", countyCode: i % 2 == 0 ? "141181" : "141182",
                                weight: i % 10 == 0 ? 3 : 1)
        }
        let inspectors = [("141181", 101), ("141181", 102), ("141181", 103), ("141182", 104), ("141182", 105), ("141182", 106), ("141102", 107), ("141102", 108)]
            .map { DrawPool.Person(id: id($0.1), name: "执法\($0.1)", countyCode: $0.0, certificate: "C\($0.1)", conflicts: $0.1 == 101 ? [id(2), id(4)] : []) }
        let experts = [201, 202, 203].map { DrawPool.Person(id: id($0), name: "专家\($0)", countyCode: nil, conflicts: $0 == 201 ? [id(1)] : []) }
        return DrawPool(enterprises: enterprises, inspectors: inspectors, experts: experts, day: "2026-11-29")
    }

    @Test("SHA-256 is the real one (FIPS 180-2's \"abc\")")
    func knownAnswer() {
        #expect(Self.sha(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the same seed and pool give the same result; another seed another; the commitment is SHA-256 of the seed")
    func reproducible() {
        let pool = Self.pool()
        let p = DrawParameters(size: 6, inspectorsPerEnterprise: 2, withExpert: true)
        let a = DrawAlgorithm.run(seed: "seed-one", pool: pool, parameters: p, sha: Self.sha)
        #expect(a == DrawAlgorithm.run(seed: "seed-one", pool: pool, parameters: p, sha: Self.sha))
        #expect(a != DrawAlgorithm.run(seed: "seed-two", pool: pool, parameters: p, sha: Self.sha))
        #expect(a.picks.count == 6 && Set(a.picks.map(\.enterpriseID)).count == 6, "six different enterprises")
        #expect(DrawAlgorithm.commitment(seed: "abc", sha: Self.sha) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // The pool's published bytes decode to the same pool and hash the same.
        let decoded = try? JSONDecoder().decode(DrawPool.self, from: pool.canonical)
        #expect(decoded == pool && decoded.map { Self.sha($0.canonical) } == Self.sha(pool.canonical))
        // Step 1 by hand: the enterprise with the lowest ticket is drawn first.
        let lowest = pool.enterprises.min { x, y in
            let sx = (1...x.weight).map { DrawAlgorithm.commitment(seed: "seed-one|enterprise|\(x.creditCode)|\($0)", sha: Self.sha) }.min()!
            let sy = (1...y.weight).map { DrawAlgorithm.commitment(seed: "seed-one|enterprise|\(y.creditCode)|\($0)", sha: Self.sha) }.min()!
            return sx != sy ? sx < sy : x.creditCode < y.creditCode
        }
        #expect(a.picks.first?.enterpriseID == lowest?.id)
    }

    @Test("each drawn enterprise gets its own county's inspectors, never a conflicted one, at least two; cross-county takes others'; experts respect conflicts")
    func exclusions() {
        let pool = Self.pool()
        let byID = Dictionary(uniqueKeysWithValues: pool.enterprises.map { ($0.id, $0) })
        let people = Dictionary(uniqueKeysWithValues: (pool.inspectors + pool.experts).map { ($0.id, $0) })
        for seed in (1...25).map({ "s\($0)" }) {
            for cross in [false, true] {
                let r = DrawAlgorithm.run(seed: seed, pool: pool, parameters: DrawParameters(size: 40, inspectorsPerEnterprise: 2, withExpert: true, crossCounty: cross), sha: Self.sha)
                #expect(r.picks.count == 40)
                for pick in r.picks {
                    let e = byID[pick.enterpriseID]!
                    #expect(pick.inspectors.count == 2 && Set(pick.inspectors).count == 2)
                    for i in pick.inspectors {
                        let p = people[i]!
                        #expect(!p.conflicts.contains(e.id), "a conflicted inspector")
                        #expect(cross ? p.countyCode != e.countyCode : p.countyCode == e.countyCode, "county rule, cross: \(cross)")
                    }
                    let expert = pick.expert.flatMap { people[$0] }
                    #expect(expert != nil && !(expert!.conflicts.contains(e.id)))
                }
            }
        }
        // Work is spread: over all 40 enterprises each county's three inspectors share 40 assignments.
        let r = DrawAlgorithm.run(seed: "spread", pool: pool, parameters: DrawParameters(size: 40, inspectorsPerEnterprise: 2), sha: Self.sha)
        let load = Dictionary(grouping: r.picks.flatMap(\.inspectors), by: { $0 }).mapValues(\.count)
        #expect(load[Self.id(102)]! >= 13 && load[Self.id(104)]! >= 13, "\(load)")
    }

    @Test("a pool the roster cannot staff is named before it is committed: fewer than the asked inspectors, or no expert")
    func unstaffable() {
        let pool = Self.pool()
        #expect(DrawAlgorithm.unstaffable(pool, DrawParameters(size: 1, inspectorsPerEnterprise: 2)).isEmpty)
        // Enterprises 2 and 4 have only two eligible inspectors of their county (101 declared a conflict).
        let three = DrawAlgorithm.unstaffable(pool, DrawParameters(size: 1, inspectorsPerEnterprise: 3)).map(\.id)
        #expect(Set(three) == [Self.id(2), Self.id(4)])
        var noExperts = pool
        noExperts.experts = []
        #expect(DrawAlgorithm.unstaffable(noExperts, DrawParameters(size: 1, withExpert: true)).count == 40)
    }

    @Test("weights: an enterprise with three tickets is drawn more often")
    func weights() {
        let pool = Self.pool()
        var heavy = 0, light = 0
        for seed in (1...400).map({ "w\($0)" }) {
            let first = DrawAlgorithm.run(seed: seed, pool: pool, parameters: DrawParameters(size: 4), sha: Self.sha).picks.map(\.enterpriseID)
            heavy += first.filter { [Self.id(10), Self.id(20), Self.id(30), Self.id(40)].contains($0) }.count
            light += first.filter { [Self.id(11), Self.id(21), Self.id(31), Self.id(1)].contains($0) }.count
        }
        #expect(heavy > light * 2, "heavy \(heavy), light \(light)")
    }

    @Test("a draw verifies; a changed pool, seed or result does not")
    func verification() {
        let pool = Self.pool()
        let p = DrawParameters(size: 5)
        let seed = "the-seed"
        var d = Draw(countyCode: nil, year: 2026, title: "t", parameters: p, pool: pool, poolDigest: Self.sha(pool.canonical),
                     commitment: DrawAlgorithm.commitment(seed: seed, sha: Self.sha), createdBy: "city", createdAt: Date())
        #expect(d.verify(sha: Self.sha) == DrawVerification(poolMatches: true, commitmentMatches: nil, resultMatches: nil))
        d.seed = seed
        d.result = DrawAlgorithm.run(seed: seed, pool: pool, parameters: p, sha: Self.sha)
        #expect(d.verify(sha: Self.sha).ok)
        var other = d
        other.pool.enterprises.removeLast()
        #expect(!other.verify(sha: Self.sha).poolMatches)
        other = d
        other.seed = "another"
        #expect(other.verify(sha: Self.sha).commitmentMatches == false)
        other = d
        other.result?.picks.swapAt(0, 1)
        #expect(other.verify(sha: Self.sha).resultMatches == false)
    }

    @Test("an expired certificate or an inactive officer is not drawable")
    func drawable() {
        let i = RosterInspector(name: "王", countyCode: "141181", certificateNo: "C1", certificateValidUntil: "2026-11-29", updatedAt: Date())
        #expect(i.drawable(on: "2026-11-29"))
        #expect(!i.drawable(on: "2026-11-30"))
        var off = i
        off.active = false
        #expect(!off.drawable(on: "2026-01-01"))
    }
}

@Suite("differentiated supervision: expected inspections by grade and standardization")
struct FrequencyTests {
    @Test("A quarterly, B half-yearly, C yearly, D every two years; a valid level 1 halves, level 2 takes a quarter off, an expired one nothing")
    func table() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let later = now.addingTimeInterval(86_400), earlier = now.addingTimeInterval(-86_400)
        func f(_ g: SupervisionGrade, _ s: StandardizationGrade, _ until: Date? = nil) -> Int {
            SupervisionFrequency.perTwoYears(grade: g, standardization: s, validUntil: until, now: now)
        }
        let none = SupervisionGrade.allCases.map { f($0, StandardizationGrade.none) }
        let one = SupervisionGrade.allCases.map { f($0, .level1, later) }
        let two = SupervisionGrade.allCases.map { f($0, .level2, later) }
        #expect(none == [8, 4, 2, 1])
        #expect(one == [4, 2, 1, 1])
        #expect(two == [6, 3, 2, 1])
        #expect(f(.A, .level3, later) == 8 && f(.A, .level1, earlier) == 8 && f(.B, .level1, nil) == 4, "level 3, expired or undated change nothing")
        for g in SupervisionGrade.allCases {
            #expect(f(g, .level1, later) <= f(g, .level2, later) && f(g, .level2, later) <= f(g, StandardizationGrade.none), "standardized enterprises get fewer, never more")
        }
        #expect(SupervisionFrequency.label(8, .zh) == "每年4次" && SupervisionFrequency.label(1, .zh) == "每两年1次" && SupervisionFrequency.label(3, .en) == "3 in two years")
    }
}

@Suite("the yearly plan's suggestions and 体检式精查 coverage")
struct PlanRulesTests {
    @Test("reasons: grade A/B, open major hazards, a recent level-1 alarm, an accident, not inspected in a year; gravest first; thorough for an unchecked high-risk enterprise")
    func suggestions() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let recent = now.addingTimeInterval(-30 * 86_400)
        func facts(_ name: String, _ grade: SupervisionGrade, majors: Int = 0, alarm: Bool = false, inspected: Date? = recent, risks: Set<SpecialRisk> = [], thorough: Bool = false, accidents: Int = 0) -> PlanFacts {
            PlanFacts(enterpriseID: UUID(), name: name, grade: grade, specialRisks: risks, openMajorHazards: majors, recentLevel1Alarm: alarm, lastInspected: inspected,
                      thoroughDone: thorough, recentAccidents: accidents)
        }
        let all = [facts("丁", .D), facts("丙", .C, alarm: true), facts("乙", .B), facts("甲", .C, majors: 2, risks: [.combustibleDust]),
                   facts("戊", .D, inspected: now.addingTimeInterval(-400 * 86_400)), facts("己", .A, risks: [.gas], thorough: true), facts("辛", .D, accidents: 1)]
        let s = PlanRules.suggestions(all, now: now)
        #expect(s.map(\.facts.name) == ["甲", "丙", "辛", "己", "乙", "戊"], "majors, then alarms, then accidents, then grade; 丁 has no reason")
        #expect(s[2].reasons == [.recentAccident(1)] && s[2].reasons[0].zh == "近12个月事故调查发现1项隐患")
        #expect(s[0].reasons.map(\.zh) == ["2项重大隐患未销号"] && s[0].reasons.map(\.en) == ["2 open major hazards"] && s[0].style == .thorough)
        #expect(s.first { $0.facts.name == "己" }?.style == .routine, "checked up already")
        #expect(s.first { $0.facts.name == "戊" }?.reasons == [.notInspectedInAYear])
        #expect(PlanRules.reasons(facts("庚", .C, inspected: nil), now: now) == [.neverInspected])
        let coverage = PlanRules.thoroughCoverage(all)
        #expect(coverage.done == 1 && coverage.total == 2, "high risk: 甲 (dust) and 己 (gas); only 己 checked up")
    }
}

@Suite("draw fairness marks")
struct DrawFairnessTests {
    static func draw(created: Date, revealed: Date?, county: String? = "141181", reason: String? = nil) -> Draw {
        Draw(countyCode: county, year: 2026, title: "t", parameters: DrawParameters(size: 1, inspectorsPerEnterprise: 2),
             pool: DrawPool(enterprises: [], inspectors: [], experts: [], day: "2026-12-01"), poolDigest: "", commitment: "",
             seed: revealed == nil ? nil : "seed", createdBy: "c", createdAt: created, revealedAt: revealed, overlapReason: reason)
    }

    @Test("unrevealed after 24 hours; revealed without inspections after 30 days; nothing before; counts per county")
    func flags() {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(DrawFairness.flags(Self.draw(created: t0, revealed: nil), arranged: false, now: t0.addingTimeInterval(23 * 3600)).isEmpty)
        #expect(DrawFairness.flags(Self.draw(created: t0, revealed: nil), arranged: false, now: t0.addingTimeInterval(25 * 3600)) == [.revealOverdue])
        let revealed = Self.draw(created: t0, revealed: t0.addingTimeInterval(60))
        #expect(DrawFairness.flags(revealed, arranged: false, now: t0.addingTimeInterval(29 * 86_400)).isEmpty)
        #expect(DrawFairness.flags(revealed, arranged: false, now: t0.addingTimeInterval(31 * 86_400)) == [.notArranged])
        #expect(DrawFairness.flags(revealed, arranged: true, now: t0.addingTimeInterval(31 * 86_400)).isEmpty)
        let counts = DrawFairness.counts([(Self.draw(created: t0, revealed: nil), [.revealOverdue]), (revealed, [.notArranged]),
                                          (Self.draw(created: t0, revealed: t0, reason: "补抽"), []), (Self.draw(created: t0, revealed: nil, county: nil), [])])
        #expect(counts.count == 2 && counts[0].countyCode == nil && counts[0].draws == 1)
        #expect(counts[1].draws == 3 && counts[1].revealed == 2 && counts[1].revealOverdue == 1 && counts[1].notArranged == 1 && counts[1].redrawn == 1)
    }
}
