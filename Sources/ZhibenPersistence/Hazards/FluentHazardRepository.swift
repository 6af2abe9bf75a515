import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

extension Hazard {
    /// The record flattened to text, field by field: what the audit log compares.
    var auditFields: [String: String] {
        [
            "enterpriseID": enterpriseID.uuidString, "title": title, "description": description, "location": location,
            "source": source.rawValue, "foundBy": foundBy, "foundAt": ISOTime.string(foundAt),
            "focusTags": FocusTag.allCases.filter(focusTags.contains).map(\.rawValue).joined(separator: ","),
            "level": level.rawValue, "criteria": criteria.joined(separator: ","), "state": state.rawValue,
            "deadline": deadline.map(ISOTime.string) ?? "", "supervision": supervision?.level.rawValue ?? "",
            "pendingExtension": pendingExtension.map { ISOTime.string($0.newDeadline) } ?? "",
            "evidence": evidence, "rejectionReason": rejectionReason ?? "",
            "planResponsible": plan?.responsible ?? "", "planFunds": plan?.funds.map { "\($0)" } ?? "",
        ]
    }
}

extension Hazard {
    var searchFields: [String] { [title, enterpriseName, location] }
}

public struct FluentHazardRepository: HazardRepository {
    let store: Store

    public init(store: Store) { self.store = store }

    /// The jurisdiction filter every query starts from. Nil: the scope sees nothing.
    static func scoped(_ scope: Scope, on db: any Database) -> QueryBuilder<HazardModel>? {
        let q = HazardModel.query(on: db)
        switch scope {
        case .city: return q
        case .county(let code): return q.filter(\.$countyCode == code)
        case .enterprise(let id): return q.filter(\.$enterpriseID == id)
        case .assigned(let expert): return q.filter(\.$expertID == expert)
        }
    }

    /// The same filter for hand-written SQL.
    static func scopeClause(_ scope: Scope) -> SQLQueryString? {
        switch scope {
        case .city: ""
        case .county(let code): " AND county_code = \(bind: code)"
        case .enterprise(let id): " AND enterprise_id = \(bind: id)"
        case .assigned(let expert): " AND expert_id = \(bind: expert)"
        }
    }

    public func find(id: UUID, scope: Scope) async throws -> Hazard? {
        guard let clause = Self.scopeClause(scope) else { return nil }
        return try await store.sql.models(HazardModel.self, "SELECT * FROM hazards WHERE id = \(bind: id)" + clause + " LIMIT 1").first?.domain()
    }

    func filtered(_ q: HazardQuery, scope: Scope, now: Date) -> QueryBuilder<HazardModel>? {
        guard let query = Self.scoped(scope, on: store.database) else { return nil }
        if let states = q.states {
            // Only open hazards have an `open_deadline`: when every open state is asked for, the overdue
            // filter says it all, and leaving the state out lets the planner read the deadline index.
            let impliedByOverdue = q.overdue == true && Set(states).isSuperset(of: HazardState.open)
            if !impliedByOverdue { query.filter(\.$state ~~ states.map(\.rawValue)) }
        }
        if let l = q.level { query.filter(\.$level == l.rawValue) }
        switch q.waiting {
        case .ownJudgement?:
            query.filter(\.$state == HazardState.reported.rawValue).filter(\.$reportedByEnterprise == true)
                .filter(\.$source ~~ HazardSource.allCases.filter(\.isEnterpriseOwn).map(\.rawValue))
        case .extensionDecision(let level)?:
            query.filter(\.$pendingExtension != nil).filter(\.$state ~~ [HazardState.rectifying.rawValue, HazardState.awaitingAcceptance.rawValue])
            if level == .city { query.filter(\.$supervisionLevel == HazardSupervision.Level.city.rawValue) }
        case .acceptance(let party)?:
            query.filter(\.$state == HazardState.awaitingAcceptance.rawValue)
            switch party {
            case .city: query.filter(\.$supervisionLevel == HazardSupervision.Level.city.rawValue)
            case .county:
                query.group(.or) { g in
                    g.filter(\.$supervisionLevel == HazardSupervision.Level.county.rawValue)
                    g.group(.and) { $0.filter(\.$supervisionLevel == nil).filter(\.$level == HazardLevel.major.rawValue) }
                }
            case .enterprise: query.filter(\.$supervisionLevel == nil).filter(\.$level == HazardLevel.general.rawValue)
            }
        case .supervisedBy(let level)?:
            query.filter(\.$supervisionLevel == level.rawValue).filter(\.$state ~~ HazardState.open.map(\.rawValue))
        case nil: break
        }
        if let c = q.countyCode { query.filter(\.$countyCode == c) }
        if let e = q.enterpriseID { query.filter(\.$enterpriseID == e) }
        if let i = q.industry { query.filter(\.$industry == i.rawValue) }
        if let s = q.source { query.filter(\.$source == s.rawValue) }
        if let t = q.focusTag { query.filter(\.$focusTags, .custom("LIKE"), TagSet.pattern(t.rawValue)) }
        if let after = q.foundAfter { query.filter(\.$foundAt >= after) }
        if let before = q.foundBefore { query.filter(\.$foundAt < before) }
        switch q.overdue {
        // `open_deadline` is the deadline while the hazard is open: one index range finds and orders them.
        case true?: query.filter(\.$openDeadline < now)
        case false?: query.group(.or) { g in g.filter(\.$openDeadline == nil).filter(\.$openDeadline >= now) }
        case nil: break
        }
        switch q.supervised {
        case true?: query.filter(\.$supervisionLevel != nil)
        case false?: query.filter(\.$supervisionLevel == nil)
        case nil: break
        }
        let legacyCut = ChinaTime.parseDay("2024-01-01")!
        switch q.legacy {
        case true?: query.filter(\.$foundAt < legacyCut)
        case false?: query.filter(\.$foundAt >= legacyCut)
        case nil: break
        }
        if let text = q.search?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // On SQLite the search index answers first; LIKE then checks only what the index found.
            let indexed = store.engine == .sqlite ? SearchTerms.match(text) : nil
            if let indexed { query.filter(.sql(HazardSearchMatch(expression: indexed.expression))) }
            if indexed?.exact != true {
                let pattern = "%" + likeEscaped(text) + "%"
                query.group(.or) { g in
                    g.filter(.sql(LikeMatch(column: "title", pattern: pattern)))
                    g.filter(.sql(LikeMatch(column: "enterprise_name", pattern: pattern)))
                    g.filter(.sql(LikeMatch(column: "location", pattern: pattern)))
                }
            }
        }
        let dir: DatabaseQuery.Sort.Direction = q.direction == .asc ? .ascending : .descending
        switch q.sort {
        // The id breaks ties in the same direction, so the found-time indexes (which end in the id) give
        // the whole order and a deep page walks index entries only.
        case .foundAt: return query.sort(\.$foundAt, dir).sort(\.$id, dir)
        case .deadline: if q.overdue == true { query.sort(\.$openDeadline, dir) } else { query.sort(\.$deadline, dir) }
        case .updatedAt: query.sort(\.$updatedAt, dir)
        case .enterprise: query.sort(\.$enterpriseName, dir).sort(\.$foundAt, .descending)
        case .state: query.sort(\.$state, dir).sort(\.$foundAt, .descending)
        }
        return query.sort(\.$id, .ascending)
    }

    public func list(_ q: HazardQuery, page: Paging, scope: Scope, now: Date) async throws -> Paged<Hazard> {
        if let fast = try await fastSearch(q, page: page, scope: scope) { return fast }
        guard let query = filtered(q, scope: scope, now: now) else { return Paged(items: [], page: page.page, per: page.per, total: 0) }
        let total: Int
        if let tallied = try await tallyTotal(q, scope: scope) { total = tallied } else { total = try await query.copy().rowCount() }
        let rows = try await query.range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try rows.map { try $0.domain() }, page: page.page, per: page.per, total: total)
    }

    /// A search by one or two letters or digits, in the default order, filtered by nothing but the
    /// county: the search index answers the total and the page alone (see `HazardSearchIndex`).
    func fastSearch(_ q: HazardQuery, page: Paging, scope: Scope) async throws -> Paged<Hazard>? {
        guard store.engine == .sqlite, let text = q.search?.trimmingCharacters(in: .whitespaces), !text.isEmpty,
              let match = SearchTerms.match(text), match.exact, q.sort == .foundAt, q.direction == .desc,
              q.states == nil, q.level == nil, q.enterpriseID == nil, q.industry == nil, q.source == nil, q.focusTag == nil, q.overdue == nil,
              q.supervised == nil, q.legacy == nil, q.foundAfter == nil, q.foundBefore == nil, q.waiting == nil else { return nil }
        let county: String?
        switch scope {
        case .city: county = q.countyCode
        case .county(let c):
            if let asked = q.countyCode, asked != c { return Paged(items: [], page: page.page, per: page.per, total: 0) }
            county = c
        case .enterprise, .assigned: return nil
        }
        let (ids, total) = try await HazardSearchIndex.fastPage(match: match.expression, county: county, page: page, on: store.sql)
        let rows = ids.isEmpty ? [] : try await HazardModel.query(on: store.database).filter(\.$id ~~ ids).all()
        let byID = Dictionary(try rows.map { (try $0.requireID(), $0) }, uniquingKeysWith: { a, _ in a })
        return Paged(items: try ids.compactMap { try byID[$0]?.domain() }, page: page.page, per: page.per, total: total)
    }

    public func all(_ q: HazardQuery, scope: Scope, now: Date, limit: Int) async throws -> [Hazard] {
        guard let query = filtered(q, scope: scope, now: now) else { return [] }
        return try await query.limit(limit).all().map { try $0.domain() }
    }

    public func events(hazardID: UUID) async throws -> [HazardEvent] {
        try await store.sql.models(HazardEventModel.self, "SELECT * FROM hazard_events WHERE hazard_id = \(bind: hazardID) ORDER BY at")
            .map { try $0.domain() }
    }

    public func photos(hazardID: UUID) async throws -> [HazardPhoto] {
        try await store.sql.models(HazardPhotoModel.self, "SELECT * FROM hazard_photos WHERE hazard_id = \(bind: hazardID) ORDER BY uploaded_at")
            .map { try $0.domain() }
    }

    public func photo(id: UUID, scope: Scope) async throws -> HazardPhoto? {
        guard let p = try await HazardPhotoModel.find(id, on: store.database),
              try await find(id: p.hazardID, scope: scope) != nil else { return nil }
        return try p.domain()
    }

    // MARK: tallies

    /// Adds `delta` to the count of (county, state, level), inside the write that changes it.
    static func tally(_ db: any Database, county: String, state: HazardState, level: HazardLevel, delta: Int) async throws {
        guard delta != 0 else { return }
        try await (db as! any SQLDatabase).raw("""
            INSERT INTO hazard_tallies (county_code, state, level, n) VALUES (\(bind: county), \(bind: state.rawValue), \(bind: level.rawValue), \(bind: delta))
            ON CONFLICT (county_code, state, level) DO UPDATE SET n = hazard_tallies.n + \(bind: delta)
            """).run()
    }

    /// Moves an enterprise's hazards, self-inspections, internal reports and monitoring points to its new county, with the tallies.
    static func moveEnterprise(_ id: UUID, from old: String, to new: String, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        struct Row: Decodable { let state: String; let level: String; let n: Int }
        let rows = try await sql.raw("SELECT state, level, COUNT(*) AS n FROM hazards WHERE enterprise_id = \(bind: id) GROUP BY state, level")
            .all(decoding: Row.self)
        for r in rows {
            guard let state = HazardState(rawValue: r.state), let level = HazardLevel(rawValue: r.level) else { continue }
            try await tally(db, county: old, state: state, level: level, delta: -r.n)
            try await tally(db, county: new, state: state, level: level, delta: r.n)
        }
        for table in [HazardModel.schema, SelfInspectionModel.schema, InternalReportModel.schema, MonitoringPointModel.schema] {
            try await sql.raw("UPDATE \(ident: table) SET county_code = \(bind: new) WHERE enterprise_id = \(bind: id)").run()
        }
        // The search index holds each hazard's county.
        try await HazardSearchIndex.reindex(enterprise: id, on: db)
    }

    /// Counts per state and level within the scope: from the tallies for the city and a county, by
    /// counting the (few) rows of one enterprise.
    func tallies(scope: Scope) async throws -> [(state: HazardState, level: HazardLevel, n: Int)] {
        struct Row: Decodable { let state: String; let level: String; let n: Int }
        let query: SQLQueryString
        switch scope {
        case .city: query = "SELECT state, level, CAST(SUM(n) AS BIGINT) AS n FROM hazard_tallies GROUP BY state, level"
        case .county(let c): query = "SELECT state, level, n FROM hazard_tallies WHERE county_code = \(bind: c)"
        case .enterprise(let id): query = "SELECT state, level, COUNT(*) AS n FROM hazards WHERE enterprise_id = \(bind: id) GROUP BY state, level"
        case .assigned(let expert): query = "SELECT state, level, COUNT(*) AS n FROM hazards WHERE expert_id = \(bind: expert) GROUP BY state, level"
        }
        return try await store.sql.raw(query).all(decoding: Row.self).compactMap { r in
            guard let s = HazardState(rawValue: r.state), let l = HazardLevel(rawValue: r.level) else { return nil }
            return (s, l, r.n)
        }
    }

    /// The list's total from the tallies, when it filters by nothing but state, level and county.
    func tallyTotal(_ q: HazardQuery, scope: Scope) async throws -> Int? {
        guard q.enterpriseID == nil, q.industry == nil, q.overdue == nil, q.supervised == nil, q.legacy == nil, q.source == nil, q.waiting == nil,
              q.focusTag == nil, q.foundAfter == nil, q.foundBefore == nil, (q.search ?? "").trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        var effective = scope
        if let c = q.countyCode {
            switch scope {
            case .city: effective = .county(c)
            case .county(let own): if own != c { return 0 }
            default: return nil
            }
        }
        if case .enterprise = effective { return nil }
        if case .assigned = effective { return nil }
        let states = Set(q.states ?? HazardState.allCases)
        return try await tallies(scope: effective)
            .filter { t in states.contains(t.state) && (q.level == nil || q.level == t.level) }
            .reduce(0) { $0 + $1.n }
    }

    /// The tallies, plus one pass over the open major hazards (a few thousand rows, from a covering index)
    /// for the breakdowns, and an index range for the overdue ones.
    public func statistics(scope: Scope, now: Date) async throws -> HazardStatistics {
        guard let clause = Self.scopeClause(scope) else { return HazardStatistics() }
        var stats = HazardStatistics()
        for t in try await tallies(scope: scope) {
            if t.state.isOpen { if t.level == .major { stats.openMajor += t.n } else { stats.openGeneral += t.n } }
            if t.state == .closed { stats.closed += t.n }
        }
        // Small aggregates, each one pass over the open major hazards in a covering index: decoding a few
        // dozen rows costs less than one row per combination of every dimension.
        let day: TimeInterval = 86_400
        let majorOpen = Self.majorOpenFrom + clause
        let flags = try await store.sql.raw("SELECT " + Self.majorOpenSums(now: now) + majorOpen).first(decoding: MajorOpenSums.self)
        // Only major hazards can be supervised; legacy is about major ones.
        stats.overdueMajor = flags?.overdue ?? 0
        stats.supervised = flags?.supervised ?? 0
        stats.legacyOpen = flags?.legacy ?? 0
        struct Group: Decodable { let k: String; let n: Int }
        func grouped(_ column: String) async throws -> [Group] {
            try await store.sql.raw("SELECT \(ident: column) AS k, COUNT(*) AS n" + majorOpen + " GROUP BY \(ident: column)").all(decoding: Group.self)
        }
        for g in try await grouped("county_code") { stats.openMajorByCounty[g.k, default: 0] += g.n }
        for g in try await grouped("industry") { if let i = Industry(rawValue: g.k) { stats.openMajorByIndustry[i, default: 0] += g.n } }
        for g in try await grouped("state") { if let st = HazardState(rawValue: g.k) { stats.openMajorByState[st, default: 0] += g.n } }
        for g in try await grouped("focus_tags") { for tag in TagSet.decode(g.k, as: FocusTag.self) { stats.openMajorByFocus[tag, default: 0] += g.n } }
        struct Age: Decodable { let age: Int; let n: Int }
        let ages = try await store.sql.raw("""
            SELECT CASE WHEN found_at >= \(bind: now.addingTimeInterval(-30 * day)) THEN 0
                        WHEN found_at >= \(bind: now.addingTimeInterval(-90 * day)) THEN 1
                        WHEN found_at >= \(bind: now.addingTimeInterval(-180 * day)) THEN 2
                        WHEN found_at >= \(bind: now.addingTimeInterval(-365 * day)) THEN 3 ELSE 4 END AS age, COUNT(*) AS n
            """ + majorOpen + " GROUP BY 1").all(decoding: Age.self)
        for a in ages { stats.openMajorByAge[min(max(a.age, 0), 4)] += a.n }
        let overdue: SQLQueryString = "SELECT COUNT(*) AS n FROM hazards WHERE open_deadline < \(bind: now)" + clause
        stats.overdue = try await store.sql.raw(overdue).first()?.decode(column: "n", as: Int.self) ?? 0
        return stats
    }

    /// The open major hazards, as the statistics and the city's dispatch view count them.
    static var majorOpenFrom: SQLQueryString {
        " FROM hazards WHERE state IN (\(binds: HazardState.open.map(\.rawValue) as [any Encodable & Sendable])) AND level = \(bind: HazardLevel.major.rawValue)"
    }

    /// Of the open major hazards: those past their deadline, under supervision, and found before 2024.
    static func majorOpenSums(now: Date) -> SQLQueryString {
        """
        SUM(CASE WHEN deadline IS NOT NULL AND deadline < \(bind: now) THEN 1 ELSE 0 END) AS overdue,
        SUM(CASE WHEN supervision_level IS NULL THEN 0 ELSE 1 END) AS supervised,
        SUM(CASE WHEN found_at < \(bind: ChinaTime.parseDay("2024-01-01")!) THEN 1 ELSE 0 END) AS legacy
        """
    }

    struct MajorOpenSums: Decodable { let overdue: Int?; let supervised: Int?; let legacy: Int? }

    /// One pass over the major hazards: at each month's end, those found by then and not yet closed.
    public func openMajorTrend(scope: Scope, months: [(label: String, end: Date)]) async throws -> [TrendPoint] {
        guard let clause = Self.scopeClause(scope), !months.isEmpty else { return months.map { TrendPoint(month: $0.label, openMajor: 0) } }
        var query: SQLQueryString = "SELECT "
        for (i, m) in months.enumerated() {
            if i > 0 { query += ", " }
            query += "SUM(CASE WHEN found_at <= \(bind: m.end) AND (closed_at IS NULL OR closed_at > \(bind: m.end)) THEN 1 ELSE 0 END) AS \(ident: "m\(i)")"
        }
        query += " FROM hazards WHERE level = \(bind: HazardLevel.major.rawValue) AND state <> \(bind: HazardState.rejected.rawValue)" + clause
        let row = try await store.sql.raw(query).first()
        return try months.enumerated().map { i, m in
            TrendPoint(month: m.label, openMajor: try row?.decode(column: "m\(i)", as: Int?.self) ?? 0)
        }
    }

    public func overdueUnnotified(now: Date, limit: Int) async throws -> [Hazard] {
        try await HazardModel.query(on: store.database).filter(\.$openDeadline < now).filter(\.$overdueNotifiedAt == nil)
            .sort(\.$openDeadline).limit(limit).all().map { try $0.domain() }
    }

    // MARK: writes

    /// Turns each notification's audience into its accounts' inbox entries, inside the write.
    static func notify(_ notes: [NotificationDraft], on db: any Database, at: Date) async throws {
        let sql = db as! any SQLDatabase
        struct Row: Decodable { let id: UUID }
        for note in notes {
            let audience: SQLQueryString = switch note.audience {
            case .enterprise(let id): "enterprise_id = \(bind: id)"
            case .countyOfficers(let c): "role = \(bind: Role.countyOfficer.rawValue) AND county_code = \(bind: c)"
            case .cityOfficers: "role = \(bind: Role.cityOfficer.rawValue)"
            case .user(let id): "id = \(bind: id)"
            }
            let users = try await sql.raw("SELECT id FROM users WHERE active = \(bind: true) AND " + audience).all(decoding: Row.self)
            let models = users.map { u -> NotificationModel in
                let id = u.id
                let m = NotificationModel()
                m.id = UUID()
                m.userID = id
                m.kind = note.kind.rawValue
                m.hazardID = note.hazardID
                m.alarmID = note.alarmID
                m.zh = note.zh
                m.en = note.en
                m.createdAt = at
                return m
            }
            // Usually one or two accounts: a plain statement each; more in one batch.
            if models.count <= 4 {
                for m in models { try await m.insert(on: db) }
            } else {
                try await models.create(on: db)
            }
        }
    }

    public func create(_ hazard: Hazard, event: HazardEvent, notifications: [NotificationDraft], audit: AuditContext) async throws -> Hazard {
        try await store.write { db in
            try await Self.insert(NewHazard(hazard: hazard, event: event, notifications: notifications), audit: audit, on: db)
            return hazard
        }
    }

    /// Stores a new hazard inside a write that is already open: the record, its tallies and search
    /// entry, its first history entry, its notifications and its audit entry.
    static func insert(_ new: NewHazard, audit: AuditContext, on db: any Database) async throws {
        let hazard = new.hazard
        try await HazardModel(hazard).insert(on: db)
        try await tally(db, county: hazard.countyCode, state: hazard.state, level: hazard.level, delta: 1)
        try await HazardSearchIndex.index([.init(hazard)], on: db)
        try await HazardEventModel(new.event).insert(on: db)
        try await notify(new.notifications, on: db, at: audit.at)
        try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "hazard", entityID: hazard.id.uuidString,
                                    changes: FieldChange.diff([:], hazard.auditFields), audit: audit)
    }

    /// Stores a photo's record inside a write that is already open, audited on its hazard.
    static func insertPhoto(_ photo: HazardPhoto, audit: AuditContext, on db: any Database) async throws {
        try await HazardPhotoModel(photo).create(on: db)
        try await AuditChain.append(on: db, action: AuditAction.upload.rawValue, entityType: "hazard", entityID: photo.hazardID.uuidString,
                                    changes: [FieldChange(field: "photo", before: nil, after: photo.id.uuidString),
                                              FieldChange(field: "sha256", before: nil, after: photo.sha256),
                                              FieldChange(field: "size", before: nil, after: String(photo.size))], audit: audit)
    }

    public func createAll(_ items: [(Hazard, [HazardEvent])], audit: AuditContext) async throws {
        try await store.write { db in
            for chunk in stride(from: 0, to: items.count, by: 500) {
                let part = items[chunk..<min(chunk + 500, items.count)]
                try await part.map { HazardModel($0.0) }.create(on: db)
                try await HazardSearchIndex.index(part.map { .init($0.0) }, on: db)
                try await part.flatMap { $0.1.map(HazardEventModel.init) }.create(on: db)
            }
            var counts: [String: (String, HazardState, HazardLevel, Int)] = [:]
            for (h, _) in items {
                let key = "\(h.countyCode)|\(h.state.rawValue)|\(h.level.rawValue)"
                counts[key, default: (h.countyCode, h.state, h.level, 0)].3 += 1
            }
            for (county, state, level, n) in counts.values {
                try await Self.tally(db, county: county, state: state, level: level, delta: n)
            }
            try await AuditChain.append(on: db, action: AuditAction.create.rawValue, entityType: "hazard", entityID: "*",
                                        changes: [FieldChange(field: "count", before: nil, after: String(items.count))], audit: audit)
        }
    }

    public func transition(id: UUID, scope: Scope, expectedVersion: Int?, audit: AuditContext,
                           change: @escaping @Sendable (Hazard) throws -> (Hazard, HazardEvent, [NotificationDraft])) async throws -> Hazard {
        try await store.write { db in
            guard let model = try await Self.scoped(scope, on: db)?.filter(\.$id == id).first() else {
                throw DomainError.notFound(entity: "hazard")
            }
            let before = try model.domain()
            if let expectedVersion, expectedVersion != before.version {
                throw DomainError.staleVersion(entity: "hazard", expected: expectedVersion, current: before.version)
            }
            var (after, event, notes) = try change(before)
            after.version = before.version + 1
            model.apply(after)
            try await model.update(on: db)
            if before.searchFields != after.searchFields || before.countyCode != after.countyCode {
                try await HazardSearchIndex.index([.init(after)], on: db)
            }
            if before.state != after.state || before.level != after.level {
                try await Self.tally(db, county: before.countyCode, state: before.state, level: before.level, delta: -1)
                try await Self.tally(db, county: after.countyCode, state: after.state, level: after.level, delta: 1)
            }
            try await HazardEventModel(event).insert(on: db)
            try await Self.notify(notes, on: db, at: audit.at)
            var changes = [FieldChange(field: "action", before: nil, after: event.action)]
            changes += FieldChange.diff(before.auditFields, after.auditFields)
            try await AuditChain.append(on: db, action: AuditAction.transition.rawValue, entityType: "hazard", entityID: id.uuidString,
                                        changes: changes, audit: audit)
            return after
        }
    }

    public func addPhoto(_ photo: HazardPhoto, audit: AuditContext) async throws {
        try await store.write { db in try await Self.insertPhoto(photo, audit: audit, on: db) }
    }
}
