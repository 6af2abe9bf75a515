import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

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

/// SQLite: the raw readings move from the table keyed by (point, time) into the reading log's blocks
/// (`ReadingLog`), one point at a time. From here on the minutes' rollups hold only readings the
/// retention removed, so the rollups of minutes whose readings are still raw go; a point's first
/// raw minute may be partly rolled up already (retention cut it), so it is kept as the rollup.
struct M037ReadingBlocks: AsyncMigration {
    var name: String { "037-reading-blocks" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("CREATE TABLE reading_log (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)").run()
        try await sql.raw("""
            CREATE TABLE reading_blocks (id INTEGER PRIMARY KEY, point_id BLOB NOT NULL, first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
            n INTEGER NOT NULL, data BLOB NOT NULL)
            """).run()
        try await sql.raw("CREATE INDEX reading_blocks_point ON reading_blocks (point_id, last_ts)").run()
        try await sql.raw("CREATE INDEX reading_blocks_first ON reading_blocks (first_ts)").run()
        try await ReadingTableMove.intoBlocks(on: sql, upTo: nil)
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("CREATE TABLE readings (point_id BLOB NOT NULL, ts INTEGER NOT NULL, value REAL, state TEXT, PRIMARY KEY (point_id, ts)) WITHOUT ROWID").run()
        try await ReadingTableMove.outOfBlocks(on: sql)
    }
}

/// The reading log on PostgreSQL too (`ReadingLog`): the log, the blocks per point, and the log's
/// state that several instances share (which log rows are in the blocks, who is writing the head out).
/// The state row is also the lock appends take turns on, and names the latest row appended.
/// The raw readings move from the partitioned table into blocks, and the minutes' rollups keep only
/// what the retention removed, as `M037ReadingBlocks` did on SQLite. On SQLite the blocks learn which
/// log rows they came from, the log's numbers are never used twice, and the state is made.
struct M040SharedReadingLog: AsyncMigration {
    var name: String { "040-shared-reading-log" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let sqlite = sql.dialect.name == "sqlite"
        try await sql.raw("""
            CREATE TABLE reading_log_state (id INTEGER PRIMARY KEY, flushed_to BIGINT NOT NULL, generation BIGINT NOT NULL,
            last_seq BIGINT NOT NULL DEFAULT 0, cycle_owner TEXT, cycle_at BIGINT)
            """).run()
        try await sql.raw("INSERT INTO reading_log_state (id, flushed_to, generation) VALUES (1, 0, 0)").run()
        if sqlite {
            try await sql.raw("ALTER TABLE reading_blocks ADD COLUMN upto_seq INTEGER NOT NULL DEFAULT 0").run()
            // The log's numbers are never used again (a plain rowid starts over once the log is empty):
            // reading the log back takes the rows after `flushed_to`.
            try await sql.raw("CREATE TABLE reading_log_next (seq INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL)").run()
            try await sql.raw("INSERT INTO reading_log_next (seq, data) SELECT seq, data FROM reading_log").run()
            try await sql.raw("DROP TABLE reading_log").run()
            try await sql.raw("ALTER TABLE reading_log_next RENAME TO reading_log").run()
            return
        }
        try await sql.raw("CREATE TABLE reading_log (seq BIGSERIAL PRIMARY KEY, data BYTEA NOT NULL)").run()
        try await sql.raw("""
            CREATE TABLE reading_blocks (id BIGSERIAL PRIMARY KEY, point_id UUID NOT NULL, first_ts BIGINT NOT NULL, last_ts BIGINT NOT NULL,
            n INTEGER NOT NULL, data BYTEA NOT NULL, upto_seq BIGINT NOT NULL DEFAULT 0)
            """).run()
        // Both hold bytes that do not compress further: stored as they are, without a try at compressing.
        try await sql.raw("ALTER TABLE reading_log ALTER COLUMN data SET STORAGE EXTERNAL").run()
        try await sql.raw("ALTER TABLE reading_blocks ALTER COLUMN data SET STORAGE EXTERNAL").run()
        try await sql.raw("CREATE INDEX reading_blocks_point ON reading_blocks (point_id, last_ts)").run()
        try await sql.raw("CREATE INDEX reading_blocks_first ON reading_blocks (first_ts)").run()
        try await sql.raw("CREATE INDEX reading_blocks_upto ON reading_blocks (upto_seq) WHERE upto_seq > 0").run()
        try await ReadingTableMove.intoBlocks(on: sql, upTo: 0)
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("ALTER TABLE reading_blocks DROP COLUMN upto_seq").run()
            try await sql.raw("DROP TABLE reading_log_state").run()
            return
        }
        try await sql.raw("""
            CREATE TABLE readings (point_id UUID NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, state TEXT, PRIMARY KEY (point_id, ts))
            PARTITION BY RANGE (ts)
            """).run()
        try await sql.raw("CREATE TABLE readings_default PARTITION OF readings DEFAULT").run()
        try await ReadingTableMove.outOfBlocks(on: sql)
        try await sql.raw("DROP TABLE reading_log_state").run()
    }
}

/// The raw readings between the table keyed by (point, time) and the reading log's blocks, for the
/// migrations that move them (`M037ReadingBlocks` on SQLite, `M040SharedReadingLog` on PostgreSQL).
enum ReadingTableMove {
    /// Moves the table's readings into blocks, one point at a time, and drops the table. The minutes'
    /// rollups then hold only readings the retention removed, so the rollups of minutes whose readings
    /// are still raw go; a point's first raw minute may be partly rolled up already (retention cut it),
    /// so it is kept as the rollup. `upTo`: see `ReadingLog.insert`.
    static func intoBlocks(on sql: any SQLDatabase, upTo: Int64?) async throws {
        try await sql.raw("CREATE TEMP TABLE first_minutes AS SELECT point_id, MIN(ts) - MIN(ts) % 60000 AS m FROM readings GROUP BY point_id").run()
        try await sql.raw("DELETE FROM readings WHERE ts < (SELECT f.m + 60000 FROM first_minutes f WHERE f.point_id = readings.point_id)").run()
        try await sql.raw("DELETE FROM readings_1m WHERE minute > (SELECT f.m FROM first_minutes f WHERE f.point_id = readings_1m.point_id)").run()
        try await sql.raw("DROP TABLE first_minutes").run()
        struct Point: Decodable { let point_id: UUID }
        struct Row: Decodable { let ts: Int64; let value: Double?; let state: String? }
        for p in try await sql.raw("SELECT DISTINCT point_id FROM readings").all(decoding: Point.self) {
            let samples = try await sql.raw("SELECT ts, value, state FROM readings WHERE point_id = \(bind: p.point_id) ORDER BY ts")
                .all(decoding: Row.self).map { Sample(ts: $0.ts, value: $0.value, state: $0.state) }
            try await ReadingLog.insert(ReadingLog.blocks(of: p.point_id, samples), upTo: upTo, on: sql)
        }
        try await sql.raw("DROP TABLE readings").run()
    }

    /// Moves the blocks' and the log's readings back into the table `readings` (made by the caller),
    /// rolls every one of them up as the table's readings were, and drops the blocks and the log.
    static func outOfBlocks(on sql: any SQLDatabase) async throws {
        struct Block: Decodable { let point_id: UUID; let data: Data }
        struct Record: Decodable { let data: Data }
        var rows: [(point: UUID, sample: Sample)] = []
        for b in try await sql.raw("SELECT point_id, data FROM reading_blocks").all(decoding: Block.self) {
            rows += try ReadingCodec.samples(ofBlock: Array(b.data)).map { (b.point_id, $0) }
        }
        for r in try await sql.raw("SELECT data FROM reading_log ORDER BY seq").all(decoding: Record.self) {
            rows += try ReadingCodec.readings(ofRecord: Array(r.data))
        }
        var minutes: FluentReadingRepository.Minutes = [:]
        for chunk in stride(from: 0, to: rows.count, by: 2000) {
            var q: SQLQueryString = "INSERT INTO readings (point_id, ts, value, state) VALUES "
            for (i, r) in rows[chunk..<min(chunk + 2000, rows.count)].enumerated() {
                q += (i == 0 ? "" : ", ") + "(\(bind: r.point), \(bind: r.sample.ts), \(bind: r.sample.value), \(bind: r.sample.state))"
                minutes.add(r.sample.value, point: r.point, at: r.sample.ts)
            }
            try await sql.raw(q + " ON CONFLICT DO NOTHING").run()
        }
        try await FluentReadingRepository.addRollups(minutes, on: sql)
        try await sql.raw("DROP TABLE reading_blocks").run()
        try await sql.raw("DROP TABLE reading_log").run()
    }
}

/// The reading log's state names the instance that appended its latest row (`last_by`) and the first
/// of the rows it has appended since another instance did (`by_since`), so that an instance can send a
/// group while its groups before are still committing, on condition that every row after those it
/// has taken in is its own (see `ReadingLog`'s flights).
struct M041ReadingLogAppender: AsyncMigration {
    var name: String { "041-reading-log-appender" }

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("ALTER TABLE reading_log_state ADD COLUMN last_by TEXT").run()
        try await sql.raw("ALTER TABLE reading_log_state ADD COLUMN by_since BIGINT NOT NULL DEFAULT 0").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("ALTER TABLE reading_log_state DROP COLUMN by_since").run()
        try await sql.raw("ALTER TABLE reading_log_state DROP COLUMN last_by").run()
    }
}
