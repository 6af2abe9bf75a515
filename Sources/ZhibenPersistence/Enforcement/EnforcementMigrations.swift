import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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
