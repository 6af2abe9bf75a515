import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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

/// Indexes for the workbench's queues, each one of which is a count and a first page:
/// - a county's hazards in one state in found order (hazards to judge), read in order without a sort;
/// - hazards under supervision, by level, county and state (supervised, awaiting the city's acceptance,
///   extensions the city decides): only supervised hazards are in it;
/// - hazards with an extension asked for, by county and state: only those are in it.
/// Their counts read the index alone. And for the county's enforcement plan, a county's hazards by
/// source and found time with their enterprise (the accidents of the last year, from the index alone).
struct M038HazardQueueIndexes: AsyncMigration {
    var name: String { "038-hazard-queue-indexes" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("CREATE INDEX hazards_county_state_found ON hazards (county_code, state, found_at, id)").run()
        try await sql.raw("CREATE INDEX hazards_supervised ON hazards (supervision_level, county_code, state, deadline) WHERE supervision_level IS NOT NULL").run()
        try await sql.raw("CREATE INDEX hazards_extension ON hazards (county_code, state, deadline) WHERE pending_extension IS NOT NULL").run()
        try await sql.raw("CREATE INDEX hazards_county_source ON hazards (county_code, source, found_at, enterprise_id)").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for index in ["hazards_county_source", "hazards_extension", "hazards_supervised", "hazards_county_state_found"] {
            try await sql.drop(index: index).run()
        }
    }
}
