import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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

/// The self-inspection standings read every active enterprise in scope for its name and special risks:
/// this index holds those columns, so the walk never reads the enterprises' rows.
struct M039EnterpriseStandingIndex: AsyncMigration {
    var name: String { "039-enterprise-standing-index" }

    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("CREATE INDEX enterprises_standing ON enterprises (county_code, active, special_risks, name, id)").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "enterprises_standing").run()
    }
}
