import FluentKit
import SQLKit
import ZhibenDomain

/// The schema, as one ordered list. Never edit a migration that has shipped; add the next one.
public enum Migrations {
    public static let all: [any AsyncMigration] = [
        M001CreateEnterprises(),
        M002CreateAccounts(),
        M003CreateAuditLog(),
        M004StatisticsIndex(),
        M005PendingUploads(),
        M006EnterpriseVersion(),
        M007Hazards(),
        M008SelfInspections(),
        M009SelfInspectionTallies(),
        M010OpenDeadline(),
        M011HazardSearch(),
        M012HazardFoundOrder(),
        M013EnterpriseTallies(),
        M014HazardExpert(),
        M015MonitoringPoints(),
        M016Readings(),
        M017HazardSearchOrder(),
        M018Alarms(),
        M019NotificationAlarm(),
        M020AlarmChanges(),
        M021ProvincialInterface(),
        M022ReadingRollups(),
        M023ReadingPartitions(),
        M024EngineLeases(),
        M025Enforcement(),
        M026Inspections(),
        M027PenaltiesAndExams(),
        M028EnforcementPlans(),
        M029DrawPoolCounts(),
        M030InspectionPhotos(),
        M031DrawOverlapReason(),
    ]
}

struct M001CreateEnterprises: AsyncMigration {
    var name: String { "001-create-enterprises" }

    func prepare(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema)
            .id()
            .field("credit_code", .string, .required)
            .field("name", .string, .required)
            .field("county_code", .string, .required)
            .field("township", .string, .required)
            .field("address", .string, .required)
            .field("longitude", .double)
            .field("latitude", .double)
            .field("industry", .string, .required)
            .field("sub_industry", .string, .required)
            .field("scale", .string, .required)
            .field("employees", .int, .required)
            .field("dust_workers", .int, .required)
            .field("dust_types", .string, .required)
            .field("special_risks", .string, .required)
            .field("principal_name", .string, .required)
            .field("principal_phone", .string, .required)
            .field("controller_name", .string, .required)
            .field("controller_phone", .string, .required)
            .field("safety_manager_name", .string, .required)
            .field("safety_manager_phone", .string, .required)
            .field("standardization", .string, .required)
            .field("standardization_valid_until", .datetime)
            .field("status", .string, .required)
            .field("supervising_department", .string, .required)
            .field("computed_grade", .string, .required)
            .field("grade", .string, .required)
            .field("override_grade", .string)
            .field("override_reason", .string)
            .field("override_by", .string)
            .field("override_at", .datetime)
            .field("active", .bool, .required)
            .field("deactivation_reason", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "credit_code")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "enterprises_county_name").on(EnterpriseModel.schema).column("county_code").column("name").run()
        // Covers the list's search (name or code) and count without reading whole rows.
        try await sql.create(index: "enterprises_name").on(EnterpriseModel.schema)
            .column("name").column("credit_code").column("active").column("county_code").run()
        try await sql.create(index: "enterprises_grade").on(EnterpriseModel.schema).column("grade").run()
        try await sql.create(index: "enterprises_industry").on(EnterpriseModel.schema).column("industry").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).delete()
    }
}

struct M002CreateAccounts: AsyncMigration {
    var name: String { "002-create-accounts" }

    func prepare(on db: any Database) async throws {
        try await db.schema(UserModel.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("county_code", .string)
            .field("enterprise_id", .uuid, .references(EnterpriseModel.schema, "id"))
            .field("enterprise_county_code", .string)
            .field("locale", .string, .required)
            .field("password_hash", .string, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("last_login_at", .datetime)
            .unique(on: "username")
            .create()
        try await db.schema(SessionTokenModel.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id", onDelete: .cascade))
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await db.schema(APIKeyModel.schema)
            .id()
            .field("name", .string, .required)
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("prefix", .string, .required)
            .field("secret_hash", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "secret_hash")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "users_county").on(UserModel.schema).column("county_code").run()
        try await sql.create(index: "users_enterprise_county").on(UserModel.schema).column("enterprise_county_code").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(APIKeyModel.schema).delete()
        try await db.schema(SessionTokenModel.schema).delete()
        try await db.schema(UserModel.schema).delete()
    }
}

struct M003CreateAuditLog: AsyncMigration {
    var name: String { "003-create-audit-log" }

    func prepare(on db: any Database) async throws {
        try await db.schema(AuditEntryModel.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("at_ms", .int64, .required)
            .field("actor_kind", .string, .required)
            .field("actor_username", .string, .required)
            .field("action", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .string, .required)
            .field("changes", .string, .required)
            .field("origin", .string)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "audit_entity").on(AuditEntryModel.schema).column("entity_type").column("entity_id").run()
        try await sql.create(index: "audit_actor").on(AuditEntryModel.schema).column("actor_username").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(AuditEntryModel.schema).delete()
    }
}

/// The dashboard's counts read this index alone instead of every row. `active` comes last so that the
/// planner never prefers it for the list's `active = true ORDER BY name`.
struct M004StatisticsIndex: AsyncMigration {
    var name: String { "004-statistics-index" }

    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).create(index: "enterprises_statistics").on(EnterpriseModel.schema)
            .column("county_code").column("industry").column("grade").column("special_risks").column("active").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "enterprises_statistics").run()
    }
}

/// Files previewed for import, kept until the user confirms them.
struct M005PendingUploads: AsyncMigration {
    var name: String { "005-pending-uploads" }

    func prepare(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema)
            .id()
            .field("owner", .string, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(PendingUploadModel.schema).delete()
    }
}

/// Optimistic concurrency: every stored change of an enterprise counts up its version.
struct M006EnterpriseVersion: AsyncMigration {
    var name: String { "006-enterprise-version" }

    func prepare(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).field("version", .int, .required, .sql(.default(1))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(EnterpriseModel.schema).deleteField("version").update()
    }
}

/// The major-hazard loop: hazards with their history and photos, notifications, counties' local
/// checklist items, and file bytes kept in the database.
struct M007Hazards: AsyncMigration {
    var name: String { "007-hazards" }

    func prepare(on db: any Database) async throws {
        try await db.schema(HazardModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("enterprise_name", .string, .required)
            .field("industry", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("location", .string, .required)
            .field("source", .string, .required)
            .field("found_by", .string, .required)
            .field("found_at", .datetime, .required)
            .field("focus_tags", .string, .required)
            .field("level", .string, .required)
            .field("criteria", .string, .required)
            .field("standard", .string, .required)
            .field("state", .string, .required)
            .field("reported_by", .string, .required)
            .field("reported_by_enterprise", .bool, .required)
            .field("plan", .string)
            .field("deadline", .datetime)
            .field("acknowledgement", .string)
            .field("supervision_level", .string)
            .field("supervision", .string)
            .field("pending_extension", .string)
            .field("evidence", .string, .required)
            .field("rejection_reason", .string)
            .field("judged_at", .datetime)
            .field("closed_at", .datetime)
            .field("overdue_notified_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        let sql = db as! any SQLDatabase
        // The county list and the statistics read open hazards by county; the enterprise's page its own.
        try await sql.create(index: "hazards_county_state").on(HazardModel.schema)
            .column("county_code").column("state").column("level").column("found_at").run()
        try await sql.create(index: "hazards_state_level").on(HazardModel.schema)
            .column("state").column("level").column("county_code").column("industry").column("supervision_level").column("deadline")
            .column("found_at").column("focus_tags").run()
        try await sql.create(index: "hazards_enterprise").on(HazardModel.schema).column("enterprise_id").column("found_at").run()
        try await sql.create(index: "hazards_found").on(HazardModel.schema).column("found_at").run()
        // The county's list, newest first, walks this index and stops after a page.
        try await sql.create(index: "hazards_county_found").on(HazardModel.schema).column("county_code").column("found_at").run()
        // The trend reads major hazards' found and closed times from the index alone. `state` comes after the
        // times so that the statistics' `state IN (…) AND level = …` prefer the covering index above.
        try await sql.create(index: "hazards_level_found").on(HazardModel.schema)
            .column("level").column("found_at").column("closed_at").column("state").column("county_code").column("enterprise_id").run()

        // Open-or-not counts per county, state and level, kept in step by every write, so that list totals
        // and the dashboard do not count 200,000 rows on every view.
        try await sql.raw("""
            CREATE TABLE hazard_tallies (county_code VARCHAR(16) NOT NULL, state VARCHAR(32) NOT NULL, level VARCHAR(16) NOT NULL,
            n BIGINT NOT NULL, PRIMARY KEY (county_code, state, level))
            """).run()
        // Overdue counts read open hazards by deadline from this index alone.
        try await sql.create(index: "hazards_state_deadline").on(HazardModel.schema).column("state").column("deadline").column("county_code").run()
        try await db.schema(HazardEventModel.schema)
            .id()
            .field("hazard_id", .uuid, .required, .references(HazardModel.schema, "id"))
            .field("action", .string, .required)
            .field("from_state", .string)
            .field("to_state", .string, .required)
            .field("actor", .string, .required)
            .field("actor_role", .string, .required)
            .field("at", .datetime, .required)
            .field("comment", .string, .required)
            .field("details", .string, .required)
            .field("photo_ids", .string, .required)
            .create()
        try await sql.create(index: "hazard_events_hazard").on(HazardEventModel.schema).column("hazard_id").column("at").run()

        try await db.schema(HazardPhotoModel.schema)
            .id()
            .field("hazard_id", .uuid, .required, .references(HazardModel.schema, "id"))
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await sql.create(index: "hazard_photos_hazard").on(HazardPhotoModel.schema).column("hazard_id").run()

        try await db.schema(NotificationModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id"))
            .field("kind", .string, .required)
            .field("hazard_id", .uuid)
            .field("text_zh", .string, .required)
            .field("text_en", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await sql.create(index: "notifications_user").on(NotificationModel.schema).column("user_id").column("read_at").column("created_at").run()

        try await db.schema(LocalChecklistItemModel.schema)
            .id()
            .field("county_code", .string, .required)
            .field("criterion_group", .string, .required)
            .field("text", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("active", .bool, .required)
            .create()

        try await db.schema(StoredFileModel.schema)
            .field("key", .string, .identifier(auto: false))
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("DROP TABLE hazard_tallies").run()
        for schema in [StoredFileModel.schema, LocalChecklistItemModel.schema, NotificationModel.schema, HazardPhotoModel.schema,
                       HazardEventModel.schema, HazardModel.schema] {
            try await db.schema(schema).delete()
        }
    }
}

/// Self-inspections led by enterprises' principals, and staff members' internal reports (T9).
struct M008SelfInspections: AsyncMigration {
    var name: String { "008-self-inspections" }

    func prepare(on db: any Database) async throws {
        try await db.schema(SelfInspectionModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("led_by", .string, .required)
            .field("principal_led", .bool, .required)
            .field("conducted_at", .datetime, .required)
            .field("checked_items", .string, .required)
            .field("hazard_ids", .string, .required)
            .field("notes", .string, .required)
            .field("recorded_by", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "self_inspections_enterprise").on(SelfInspectionModel.schema).column("enterprise_id").column("conducted_at").run()
        try await sql.create(index: "self_inspections_county").on(SelfInspectionModel.schema)
            .column("county_code").column("principal_led").column("conducted_at").column("enterprise_id").run()

        try await db.schema(InternalReportModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("text", .string, .required)
            .field("reporter", .string)
            .field("received_at", .datetime, .required)
            .field("status", .string, .required)
            .field("reward", .string)
            .field("hazard_id", .uuid)
            .field("decided_by", .string)
            .field("decided_at", .datetime)
            .field("recorded_by", .string, .required)
            .create()
        try await sql.create(index: "internal_reports_enterprise").on(InternalReportModel.schema).column("enterprise_id").column("received_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(InternalReportModel.schema).delete()
        try await db.schema(SelfInspectionModel.schema).delete()
    }
}

/// The months in which each enterprise had a principal-led check, and per enterprise their count, its
/// quarters' count and the latest of each: the county view reads one row per enterprise instead of
/// counting every check. Filled from the checks already recorded.
struct M009SelfInspectionTallies: AsyncMigration {
    var name: String { "009-self-inspection-tallies" }

    func prepare(on db: any Database) async throws {
        try await db.schema(SelfInspectionTallies.monthsSchema)
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("month", .int, .required)
            .compositeIdentifier(over: "enterprise_id", "month")
            .create()
        try await db.schema(SelfInspectionTallies.talliesSchema)
            .field("enterprise_id", .uuid, .identifier(auto: false), .references(EnterpriseModel.schema, "id"))
            .field("months", .int, .required)
            .field("quarters", .int, .required)
            .field("last_month", .int, .required)
            .field("last_quarter", .int, .required)
            .create()
        try await SelfInspectionTallies.rebuild(on: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema(SelfInspectionTallies.talliesSchema).delete()
        try await db.schema(SelfInspectionTallies.monthsSchema).delete()
    }
}

/// `open_deadline`: the deadline while a hazard is open. The overdue list, the overdue counts and the
/// overdue sweep read one index range of it, already in deadline order.
struct M010OpenDeadline: AsyncMigration {
    var name: String { "010-open-deadline" }

    func prepare(on db: any Database) async throws {
        try await db.schema(HazardModel.schema).field("open_deadline", .datetime).update()
        let sql = db as! any SQLDatabase
        let open = HazardState.open.map(\.rawValue) as [any Encodable & Sendable]
        try await sql.raw("UPDATE hazards SET open_deadline = deadline WHERE state IN (\(binds: open))").run()
        try await sql.create(index: "hazards_open_deadline").on(HazardModel.schema).column("open_deadline").column("county_code").run()
        try await sql.create(index: "hazards_county_open_deadline").on(HazardModel.schema).column("county_code").column("open_deadline").run()
        try await sql.drop(index: "hazards_state_deadline").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.drop(index: "hazards_county_open_deadline").run()
        try await sql.drop(index: "hazards_open_deadline").run()
        try await sql.create(index: "hazards_state_deadline").on(HazardModel.schema).column("state").column("deadline").column("county_code").run()
        try await db.schema(HazardModel.schema).deleteField("open_deadline").update()
    }
}

/// The hazard search index (SQLite; see `SearchTerms`), filled from the hazards recorded so far.
struct M011HazardSearch: AsyncMigration {
    var name: String { "011-hazard-search" }

    func prepare(on db: any Database) async throws {
        try await HazardSearchIndex.createTables(on: db)
        try await HazardSearchIndex.rebuild(on: db)
    }

    func revert(on db: any Database) async throws {
        try await HazardSearchIndex.dropTables(on: db)
    }
}

/// The found-time indexes end in the id, the list's tie-breaker, so that they give the list's whole
/// order and a deep page skips index entries without reading rows.
struct M012HazardFoundOrder: AsyncMigration {
    var name: String { "012-hazard-found-order" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.drop(index: "hazards_found").run()
        try await sql.drop(index: "hazards_county_found").run()
        try await sql.create(index: "hazards_found_id").on(HazardModel.schema).column("found_at").column("id").run()
        try await sql.create(index: "hazards_county_found_id").on(HazardModel.schema).column("county_code").column("found_at").column("id").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.drop(index: "hazards_county_found_id").run()
        try await sql.drop(index: "hazards_found_id").run()
        try await sql.create(index: "hazards_found").on(HazardModel.schema).column("found_at").run()
        try await sql.create(index: "hazards_county_found").on(HazardModel.schema).column("county_code").column("found_at").run()
    }
}

/// Active enterprises per county and dashboard dimension, so the overview reads a few hundred rows
/// instead of grouping the whole registry.
struct M013EnterpriseTallies: AsyncMigration {
    var name: String { "013-enterprise-tallies" }

    func prepare(on db: any Database) async throws {
        try await db.schema("enterprise_tallies")
            .field("county_code", .string, .required)
            .field("dimension", .string, .required)
            .field("k", .string, .required)
            .field("n", .int, .required)
            .compositeIdentifier(over: "county_code", "dimension", "k")
            .create()
        try await EnterpriseTallies.rebuild(on: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("enterprise_tallies").delete()
    }
}

/// The expert a county assigns to judge a hazard: the expert's scope reads hazards by `expert_id`.
struct M014HazardExpert: AsyncMigration {
    var name: String { "014-hazard-expert" }

    func prepare(on db: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await db.schema(HazardModel.schema).field("expert_id", .uuid).update()
        try await db.schema(HazardModel.schema).field("expert", .string).update()
        try await (db as! any SQLDatabase).create(index: "hazards_expert").on(HazardModel.schema).column("expert_id").column("found_at").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "hazards_expert").run()
        try await db.schema(HazardModel.schema).deleteField("expert").deleteField("expert_id").update()
    }
}

struct M015MonitoringPoints: AsyncMigration {
    var name: String { "015-monitoring-points" }

    func prepare(on db: any Database) async throws {
        try await db.schema(MonitoringPointModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required, .references(EnterpriseModel.schema, "id"))
            .field("county_code", .string, .required)
            .field("enterprise_name", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("indicator", .string, .required)
            .field("equipment", .string, .required)
            .field("unit", .string, .required)
            .field("kind", .string, .required)
            .field("interval_s", .int, .required)
            .field("limits", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "enterprise_id", "code")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "monitoring_points_county").on(MonitoringPointModel.schema).column("county_code").column("enterprise_name").run()
        try await db.schema(LimitChangeModel.schema)
            .id()
            .field("point_id", .uuid, .required, .references(MonitoringPointModel.schema, "id"))
            .field("before", .string)
            .field("after", .string, .required)
            .field("by", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await sql.create(index: "monitoring_limit_changes_point").on(LimitChangeModel.schema).column("point_id").column("at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(LimitChangeModel.schema).delete()
        try await db.schema(MonitoringPointModel.schema).delete()
    }
}

/// Raw readings, keyed by point and time (milliseconds since 1970). On SQLite the key is the table's
/// own order (WITHOUT ROWID): one B-tree, no second index.
struct M016Readings: AsyncMigration {
    var name: String { "016-readings" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("""
                CREATE TABLE readings (point_id BLOB NOT NULL, ts INTEGER NOT NULL, value REAL, state TEXT, PRIMARY KEY (point_id, ts)) WITHOUT ROWID
                """).run()
        } else {
            try await sql.raw("""
                CREATE TABLE readings (point_id UUID NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, state TEXT, PRIMARY KEY (point_id, ts))
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("DROP TABLE readings").run()
    }
}

/// The search index again: numbered by found time (newest first is the index's own order), holding each
/// hazard's county and each term's position, so that searches of letters and digits are answered by
/// the index alone.
struct M017HazardSearchOrder: AsyncMigration {
    var name: String { "017-hazard-search-order" }

    func prepare(on db: any Database) async throws {
        try await HazardSearchIndex.dropTables(on: db)
        try await HazardSearchIndex.createTables(on: db)
        try await HazardSearchIndex.rebuild(on: db)
    }

    func revert(on db: any Database) async throws {}
}

struct M018Alarms: AsyncMigration {
    var name: String { "018-alarms" }

    func prepare(on db: any Database) async throws {
        try await db.schema(AlarmModel.schema)
            .id()
            .field("point_id", .uuid, .required, .references(MonitoringPointModel.schema, "id"))
            .field("enterprise_id", .uuid, .required)
            .field("county_code", .string, .required)
            .field("enterprise_name", .string, .required)
            .field("point_code", .string, .required)
            .field("point_name", .string, .required)
            .field("condition", .string, .required)
            .field("level", .int, .required)
            .field("state", .string, .required)
            .field("raised_at", .datetime, .required)
            .field("raised_value", .string, .required)
            .field("upgraded_at", .datetime)
            .field("normal_at", .datetime)
            .field("normal_value", .string)
            .field("steps", .string, .required)
            .field("county_notified_at", .datetime)
            .field("city_notified_at", .datetime)
            .field("hazard_id", .uuid)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "alarms_point").on(AlarmModel.schema).column("point_id").column("condition").column("normal_at").run()
        try await sql.create(index: "alarms_county_raised").on(AlarmModel.schema).column("county_code").column("raised_at").run()
        try await sql.create(index: "alarms_enterprise_raised").on(AlarmModel.schema).column("enterprise_id").column("raised_at").run()
        try await sql.create(index: "alarms_raised").on(AlarmModel.schema).column("raised_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(AlarmModel.schema).delete()
    }
}

/// Inbox entries about an alarm link to it.
struct M019NotificationAlarm: AsyncMigration {
    var name: String { "019-notification-alarm" }

    func prepare(on db: any Database) async throws {
        try await db.schema(NotificationModel.schema).field("alarm_id", .uuid).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(NotificationModel.schema).deleteField("alarm_id").update()
    }
}

/// The live board reads alarms by their last change.
struct M020AlarmChanges: AsyncMigration {
    var name: String { "020-alarm-changes" }

    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).create(index: "alarms_updated").on(AlarmModel.schema).column("updated_at").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "alarms_updated").run()
    }
}

/// Enterprises' links to the provincial gateway interface, and the gateways' own alarm events.
struct M021ProvincialInterface: AsyncMigration {
    var name: String { "021-provincial-interface" }

    func prepare(on db: any Database) async throws {
        try await db.schema(ProvincialLinkModel.schema)
            .id()
            .field("county_code", .string, .required)
            .field("enterprise_name", .string, .required)
            .field("qybm", .string, .required)
            .field("des_key", .string, .required)
            .field("points", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .field("version", .int, .required)
            .unique(on: "qybm")
            .create()
        try await db.schema(GatewayEventModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required)
            .field("county_code", .string, .required)
            .field("point_code", .string)
            .field("oname", .string, .required)
            .field("ts", .datetime, .required)
            .field("value", .string, .required)
            .field("code", .int, .required)
            .field("threshold", .string, .required)
            .field("content", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "enterprise_id", "oname", "ts", "code")
            .create()
        try await (db as! any SQLDatabase).create(index: "gateway_events_enterprise_ts").on(GatewayEventModel.schema).column("enterprise_id").column("ts").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(GatewayEventModel.schema).delete()
        try await db.schema(ProvincialLinkModel.schema).delete()
    }
}

/// One-minute rollups of the readings (count, and of the numbers: count, minimum, maximum, sum), kept
/// after the raw readings are gone; long trends read them. Filled from what is already stored.
struct M022ReadingRollups: AsyncMigration {
    var name: String { "022-reading-rollups" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("""
                CREATE TABLE readings_1m (point_id BLOB NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL, nv INTEGER NOT NULL,
                vmin REAL, vmax REAL, vsum REAL, PRIMARY KEY (point_id, minute)) WITHOUT ROWID
                """).run()
        } else {
            try await sql.raw("""
                CREATE TABLE readings_1m (point_id UUID NOT NULL, minute BIGINT NOT NULL, n INTEGER NOT NULL, nv INTEGER NOT NULL,
                vmin DOUBLE PRECISION, vmax DOUBLE PRECISION, vsum DOUBLE PRECISION, PRIMARY KEY (point_id, minute))
                """).run()
        }
        try await sql.raw("""
            INSERT INTO readings_1m (point_id, minute, n, nv, vmin, vmax, vsum)
            SELECT point_id, ts - ts % 60000, COUNT(*), COUNT(value), MIN(value), MAX(value), SUM(value) FROM readings GROUP BY point_id, ts - ts % 60000
            """).run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("DROP TABLE readings_1m").run()
    }
}

/// On PostgreSQL the raw readings become a table partitioned by day (Beijing time), so that retention
/// drops whole days instead of deleting rows; readings outside every day's partition land in a default
/// one. The partitions themselves are made ahead of time by `FluentReadingRepository.prepare`.
struct M023ReadingPartitions: AsyncMigration {
    var name: String { "023-reading-partitions" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name != "sqlite" else { return }
        try await sql.raw("ALTER TABLE readings RENAME TO readings_unpartitioned").run()
        try await sql.raw("ALTER TABLE readings_unpartitioned RENAME CONSTRAINT readings_pkey TO readings_unpartitioned_pkey").run()
        try await sql.raw("""
            CREATE TABLE readings (point_id UUID NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, state TEXT, PRIMARY KEY (point_id, ts))
            PARTITION BY RANGE (ts)
            """).run()
        try await sql.raw("CREATE TABLE readings_default PARTITION OF readings DEFAULT").run()
        // The days already holding readings get their partitions before the rows move in.
        struct Span: Decodable { let lo: Int64?; let hi: Int64? }
        let span = try await sql.raw("SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM readings_unpartitioned").first(decoding: Span.self)
        if let lo = span?.lo, let hi = span?.hi {
            var day = ReadingPartitions.dayStart(lo)
            while day <= hi {
                try await ReadingPartitions.create(day: day, on: sql)
                day += ReadingPartitions.dayMillis
            }
        }
        try await sql.raw("INSERT INTO readings SELECT point_id, ts, value, state FROM readings_unpartitioned").run()
        try await sql.raw("DROP TABLE readings_unpartitioned").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name != "sqlite" else { return }
        try await sql.raw("CREATE TABLE readings_unpartitioned (point_id UUID NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, state TEXT, PRIMARY KEY (point_id, ts))").run()
        try await sql.raw("INSERT INTO readings_unpartitioned SELECT point_id, ts, value, state FROM readings").run()
        try await sql.raw("DROP TABLE readings").run()
        try await sql.raw("ALTER TABLE readings_unpartitioned RENAME TO readings").run()
        try await sql.raw("ALTER TABLE readings RENAME CONSTRAINT readings_unpartitioned_pkey TO readings_pkey").run()
    }
}

/// Which instance runs each enterprise's alarm engine, the batches of readings waiting for it, and at
/// most one alarm out per point and condition, whatever evaluates twice.
struct M024EngineLeases: AsyncMigration {
    var name: String { "024-engine-leases" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let uuid: SQLQueryString = sql.dialect.name == "sqlite" ? "BLOB" : "UUID"
        try await sql.raw("""
            CREATE TABLE engine_leases (enterprise_id \(uuid) PRIMARY KEY, owner TEXT NOT NULL, epoch BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """).run()
        try await sql.raw("CREATE INDEX engine_leases_owner ON engine_leases (owner)").run()
        try await sql.raw("""
            CREATE TABLE pending_evaluations (id \(uuid) PRIMARY KEY, enterprise_id \(uuid) NOT NULL, from_ts BIGINT NOT NULL, to_ts BIGINT NOT NULL)
            """).run()
        try await sql.raw("CREATE INDEX pending_evaluations_enterprise ON pending_evaluations (enterprise_id, from_ts)").run()
        try await sql.raw("CREATE UNIQUE INDEX alarms_one_out ON alarms (point_id, condition) WHERE normal_at IS NULL").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DROP INDEX alarms_one_out").run()
        try await sql.raw("DROP TABLE pending_evaluations").run()
        try await sql.raw("DROP TABLE engine_leases").run()
    }
}

/// The inspector roster, the expert pool, and double-random draws.
struct M025Enforcement: AsyncMigration {
    var name: String { "025-enforcement" }

    func prepare(on db: any Database) async throws {
        try await db.schema(RosterInspectorModel.schema)
            .id()
            .field("name", .string, .required)
            .field("county_code", .string, .required)
            .field("certificate_no", .string, .required)
            .field("certificate_valid_until", .string, .required)
            .field("specialties", .string, .required)
            .field("conflicts", .string, .required)
            .field("user_id", .uuid)
            .field("active", .bool, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        try await db.schema(ExpertModel.schema)
            .id()
            .field("name", .string, .required)
            .field("specialties", .string, .required)
            .field("title", .string, .required)
            .field("employer", .string, .required)
            .field("county_code", .string)
            .field("available", .bool, .required)
            .field("conflicts", .string, .required)
            .field("user_id", .uuid)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        try await db.schema(DrawModel.schema)
            .id()
            .field("county_code", .string)
            .field("year", .int, .required)
            .field("title", .string, .required)
            .field("parameters", .string, .required)
            .field("pool", .string, .required)
            .field("pool_digest", .string, .required)
            .field("commitment", .string, .required)
            .field("secret", .string, .required)
            .field("seed", .string)
            .field("result", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revealed_at", .datetime)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "roster_inspectors_county").on(RosterInspectorModel.schema).column("county_code").column("name").run()
        try await sql.create(index: "draws_county_created").on(DrawModel.schema).column("county_code").column("created_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(DrawModel.schema).delete()
        try await db.schema(ExpertModel.schema).delete()
        try await db.schema(RosterInspectorModel.schema).delete()
    }
}

struct M026Inspections: AsyncMigration {
    var name: String { "026-inspections" }

    func prepare(on db: any Database) async throws {
        try await db.schema(InspectionModel.schema)
            .id()
            .field("enterprise_id", .uuid, .required)
            .field("enterprise_name", .string, .required)
            .field("county_code", .string, .required)
            .field("style", .string, .required)
            .field("origin", .string, .required)
            .field("origin_id", .uuid)
            .field("inspectors", .string, .required)
            .field("inspector_counties", .string, .required)
            .field("expert_id", .uuid)
            .field("expert_name", .string)
            .field("expert_user_id", .uuid)
            .field("planned_on", .string, .required)
            .field("state", .string, .required)
            .field("results", .string, .required)
            .field("summary", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("completed_at", .datetime)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "inspections_county_planned").on(InspectionModel.schema).column("county_code").column("planned_on").run()
        try await sql.create(index: "inspections_origin").on(InspectionModel.schema).column("origin_id").run()
        try await sql.create(index: "inspections_enterprise").on(InspectionModel.schema).column("enterprise_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(InspectionModel.schema).delete()
    }
}

/// 一案双罚 and 逢查必考, under inspections.
struct M027PenaltiesAndExams: AsyncMigration {
    var name: String { "027-penalties-exams" }

    func prepare(on db: any Database) async throws {
        try await db.schema(PenaltyModel.schema)
            .id()
            .field("inspection_id", .uuid, .required)
            .field("enterprise_id", .uuid, .required)
            .field("enterprise_name", .string, .required)
            .field("county_code", .string, .required)
            .field("case_no", .string, .required)
            .field("legal_basis", .string, .required)
            .field("enterprise_fine", .int64, .required)
            .field("principal_name", .string, .required)
            .field("principal_fine", .int64, .required)
            .field("decided_on", .string, .required)
            .field("hazard_ids", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "case_no")
            .create()
        try await db.schema(WorkerExamModel.schema)
            .id()
            .field("inspection_id", .uuid, .required)
            .field("enterprise_id", .uuid, .required)
            .field("enterprise_name", .string, .required)
            .field("county_code", .string, .required)
            .field("worker_name", .string, .required)
            .field("job", .string, .required)
            .field("score", .int, .required)
            .field("examined_on", .string, .required)
            .field("state", .string, .required)
            .field("retrained_on", .string)
            .field("reexam_score", .int)
            .field("reexam_on", .string)
            .field("version", .int, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "penalties_inspection").on(PenaltyModel.schema).column("inspection_id").run()
        try await sql.create(index: "penalties_county_decided").on(PenaltyModel.schema).column("county_code").column("decided_on").run()
        try await sql.create(index: "worker_exams_enterprise").on(WorkerExamModel.schema).column("enterprise_id").column("state").run()
        try await sql.create(index: "worker_exams_inspection").on(WorkerExamModel.schema).column("inspection_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(WorkerExamModel.schema).delete()
        try await db.schema(PenaltyModel.schema).delete()
    }
}

struct M028EnforcementPlans: AsyncMigration {
    var name: String { "028-enforcement-plans" }

    func prepare(on db: any Database) async throws {
        try await db.schema(PlanModel.schema)
            .id()
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("key_enterprises", .string, .required)
            .field("draw_quota", .int, .required)
            .field("updated_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "county_code", "year")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(PlanModel.schema).delete()
    }
}

/// Each draw's pool size beside it, so that lists need not read the pools.
struct M029DrawPoolCounts: AsyncMigration {
    var name: String { "029-draw-pool-counts" }

    func prepare(on db: any Database) async throws {
        for column in ["pool_enterprises", "pool_inspectors", "pool_experts"] {
            try await db.schema(DrawModel.schema).field(.definition(name: .key(FieldKey(stringLiteral: column)), dataType: .int, constraints: [.required, .sql(.default(0))])).update()
        }
        // Plain SQL, not the model: the model has columns later migrations add.
        struct Row: Decodable { let id: UUID; let pool: String }
        let sql = db as! any SQLDatabase
        for r in try await sql.raw("SELECT id, pool FROM draws").all(decoding: Row.self) {
            guard let pool = JSONColumn.decode(r.pool, as: DrawPool.self) else { continue }
            try await sql.raw("""
                UPDATE draws SET pool_enterprises = \(bind: pool.enterprises.count), pool_inspectors = \(bind: pool.inspectors.count),
                pool_experts = \(bind: pool.experts.count) WHERE id = \(bind: r.id)
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        for column in ["pool_enterprises", "pool_inspectors", "pool_experts"] {
            try await db.schema(DrawModel.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}

/// The written reason a draw was committed while a revealed draw of an overlapping pool is recent.
struct M031DrawOverlapReason: AsyncMigration {
    var name: String { "031-draw-overlap-reason" }

    func prepare(on db: any Database) async throws {
        try await db.schema(DrawModel.schema).field("overlap_reason", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(DrawModel.schema).deleteField("overlap_reason").update()
    }
}

/// Photos of an inspection's checklist items, copied onto the hazards of the failed ones.
struct M030InspectionPhotos: AsyncMigration {
    var name: String { "030-inspection-photos" }

    func prepare(on db: any Database) async throws {
        try await db.schema(InspectionPhotoModel.schema)
            .id()
            .field("inspection_id", .uuid, .required)
            .field("item", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .field("hazard_photo_id", .uuid)
            .create()
        try await (db as! any SQLDatabase).create(index: "inspection_photos_inspection").on(InspectionPhotoModel.schema).column("inspection_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(InspectionPhotoModel.schema).delete()
    }
}
