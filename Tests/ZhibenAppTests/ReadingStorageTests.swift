import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import ZhibenApp
@testable import ZhibenPersistence
import ZhibenDomain

@Suite("reading storage: rollups, retention, partitions")
struct ReadingStorageTests {
    struct RollupRow: Decodable, Equatable { let minute: Int64; let n: Int; let nv: Int; let vmin: Double?; let vmax: Double?; let vsum: Double? }

    /// Each minute of a point's readings as the rollups count it, from the raw readings.
    static func minutes(_ readings: [Reading]) -> [RollupRow] {
        Dictionary(grouping: readings) { FluentReadingRepository.millis($0.ts) / 60_000 * 60_000 }.sorted { $0.key < $1.key }.map { minute, list in
            let values = list.compactMap(\.value)
            return RollupRow(minute: minute, n: list.count, nv: values.count, vmin: values.min(), vmax: values.max(), vsum: values.isEmpty ? nil : values.reduce(0, +))
        }
    }

    @Test("each minute's rollup equals the raw readings it holds, repeats counted once; long trends read rollups; retention removes raw readings and keeps the rollups")
    func rollupsAndRetention() async throws {
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
        try await Harness.with(enterprises: 10, clock: FixedClock(now), configure: { $0.readingRetentionDays = 3 }) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            for body in [["code": "T-9601", "name": "温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60] as [String: any Sendable],
                         ["code": "S-9601", "name": "风机", "indicator": "DUST-COLLECTOR-RUN", "interval": 60, "limits": ["abnormalStates": ["stopped"]] as [String: any Sendable]]] {
                #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: body).status == .created)
            }
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            // Two and a half days of readings every 20 s, the temperature as a saw-tooth; sent in batches
            // that overlap, and out of order.
            let start = now.addingTimeInterval(-60 * 3600)
            let times = stride(from: 0.0, to: 60 * 3600, by: 20).map { start.addingTimeInterval($0) }
            func temperature(_ i: Int) -> Double { Double(i % 37) * 1.5 + 20 }
            var all: [[String: any Sendable]] = []
            for (i, t) in times.enumerated() {
                all.append(["point": "T-9601", "ts": ISOTime.string(t), "value": temperature(i)])
                if i % 3 == 0 { all.append(["point": "S-9601", "ts": ISOTime.string(t), "value": i % 2 == 0 ? "running" : "stopped"]) }
            }
            var accepted = 0
            for batch in stride(from: 0, to: all.count, by: 9000) {
                let part = Array(all[max(0, batch - 500)..<min(batch + 9000, all.count)].reversed())
                let res = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": part])
                #expect(res.status == .ok, "\(res.body.string.prefix(300))")
                accepted += try res.content.get(Int.self, at: "accepted")
            }
            #expect(accepted == all.count, "the overlaps were stored once")

            let points = try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["T-9601", "S-9601"])
            let temp = try #require(points["T-9601"]), fan = try #require(points["S-9601"])
            let sql = h.app.zhiben.store.sql
            let readings = h.app.zhiben.telemetry.readings
            var rawMinutes: [UUID: [RollupRow]] = [:]
            for p in [temp, fan] {
                rawMinutes[p.id] = Self.minutes(try await readings.readings(pointID: p.id, from: start, to: now, limit: 100_000))
                #expect(rawMinutes[p.id]!.reduce(0) { $0 + $1.n } == all.count(where: { $0["point"] as? String == p.code }))
            }
            // A week's trend reads the rollups where there are; it equals the same slices counted from the raw readings.
            let week = try await readings.series(pointID: temp.id, from: now.addingTimeInterval(-7 * 86_400), to: now, buckets: 84)
            let raw = try await readings.readings(pointID: temp.id, from: now.addingTimeInterval(-7 * 86_400), to: now, limit: 100_000)
            let width = 7 * 86_400.0 / 84
            let slices = Dictionary(grouping: raw, by: { Int(($0.ts.timeIntervalSince(now) + 7 * 86_400) / width) })
            #expect(week.count == slices.count)
            for b in week {
                let i = Int((b.start.timeIntervalSince(now) + 7 * 86_400) / width + 0.5)
                let values = try #require(slices[i]).compactMap(\.value)
                #expect(b.count == values.count && b.min == values.min() && b.max == values.max())
                #expect(abs(b.mean - values.reduce(0, +) / Double(values.count)) < 1e-9)
            }

            // Three days on, with a retention of three days: the first day's raw readings go, the rollups stay.
            let later = TelemetryService(readings: readings, points: h.app.zhiben.monitoring.points, clock: FixedClock(now.addingTimeInterval(36 * 3600)),
                                         retention: 3 * 86_400)
            try await later.maintain()
            let cutoff = now.addingTimeInterval(36 * 3600 - 3 * 86_400)
            let kept = try await readings.readings(pointID: temp.id, from: start, to: now, limit: 100_000)
            #expect(!kept.isEmpty && kept.count < times.count)
            #expect(kept.allSatisfy { $0.ts >= cutoff }, "deleted exactly up to the cutoff")
            // What went was rolled up first: each minute before the cutoff equals its raw readings.
            for p in [temp, fan] {
                let rolled = try await sql.raw("SELECT minute, n, nv, vmin, vmax, vsum FROM readings_1m WHERE point_id = \(bind: p.id) ORDER BY minute").all(decoding: RollupRow.self)
                let removed = rawMinutes[p.id]!.filter { $0.minute < FluentReadingRepository.millis(cutoff) }
                #expect(!rolled.isEmpty && rolled == removed, "\(p.code): the rollups equal the raw minutes removed")
            }
            let month = try await readings.series(pointID: temp.id, from: now.addingTimeInterval(-30 * 86_400), to: now, buckets: 60)
            #expect(month.reduce(0) { $0 + $1.count } == times.count, "the month's trend still counts every reading, from the rollups")
        }
    }

    @Test("readings are acknowledged in the log and written out as blocks per point; a repeat is found in memory or in the blocks; a restart reads the log back")
    func logAndBlocks() async throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try await Harness.with(enterprises: 5, clock: FixedClock(now)) { h in
            let log = h.app.zhiben.store.readingLog
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            for body in [["code": "T-9901", "name": "温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 10] as [String: any Sendable],
                         ["code": "S-9901", "name": "风机", "indicator": "DUST-COLLECTOR-RUN", "interval": 10]] {
                #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: body).status == .created)
            }
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let points = try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["T-9901", "S-9901"])
            let temp = try #require(points["T-9901"]), fan = try #require(points["S-9901"])
            // An hour every 10 s, with a gap and a late stretch; numbers that repeat, go negative and jump.
            func body(_ seconds: [Int]) -> [[String: any Sendable]] {
                seconds.flatMap { t -> [[String: any Sendable]] in
                    let ts = ISOTime.string(now.addingTimeInterval(Double(t - 3600)))
                    return [["point": "T-9901", "ts": ts, "value": t % 70 == 0 ? -12.75 : Double(t / 30) * 0.5],
                            ["point": "S-9901", "ts": ts, "value": t % 40 < 20 ? "running" : "stopped"]]
                }
            }
            let first = Array(stride(from: 0, to: 1800, by: 10)) + Array(stride(from: 2400, to: 3600, by: 10))
            func send(_ readings: [[String: any Sendable]]) async throws -> (accepted: Int, duplicates: Int) {
                let res = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": readings])
                #expect(res.status == .ok, "\(res.body.string.prefix(300))")
                return (try res.content.get(Int.self, at: "accepted"), try res.content.get(Int.self, at: "duplicates"))
            }
            #expect(try await send(body(first)) == (first.count * 2, 0))
            #expect(try await send(body(Array(first.prefix(30)))) == (0, 60), "repeats found in memory")
            struct Count: Decodable { let n: Int }
            let sql = h.app.zhiben.store.sql
            func count(_ table: String) async throws -> Int { try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decoding: Count.self)?.n ?? -1 }
            #expect(try await count("reading_log") == 1)
            #expect(try await count("reading_blocks") == 0)
            let hour = (FluentReadingRepository.millis(now) - 3_600_000, FluentReadingRepository.millis(now) + 1)
            let logged = try await log.samples(point: temp.id, from: hour.0, to: hour.1)
            #expect(logged.count == first.count && logged.map(\.ts) == logged.map(\.ts).sorted())

            // As after a crash: a new head over the same file reads the log back.
            let restarted = ReadingLog(store: h.app.zhiben.store)
            #expect(try await restarted.samples(point: temp.id, from: hour.0, to: hour.1) == logged)

            // Written out: one block per point, the log emptied, the same readings read back.
            try await log.flush()
            #expect(try await count("reading_log") == 0)
            #expect(try await count("reading_blocks") == 2)
            #expect(try await log.samples(point: temp.id, from: hour.0, to: hour.1) == logged)
            let states = try await log.samples(point: fan.id, from: hour.0, to: hour.1)
            #expect(states.count == first.count && states.allSatisfy { $0.value == nil && ["running", "stopped"].contains($0.state) })

            // Older repeats are found (the latest in memory, the others in the blocks); the late stretch
            // (inside the gap) is new.
            let late = Array(stride(from: 1800, to: 2400, by: 10))
            #expect(try await send(body(Array(first.suffix(50)) + late)) == (late.count * 2, 100))
            #expect(try await send(body(late)) == (0, late.count * 2), "repeats of readings in memory, older than the last block")
            try await log.flush()
            #expect(try await count("reading_blocks") == 4, "the late stretch is a block of its own beside the first")
            let whole = try await log.samples(point: temp.id, from: hour.0, to: hour.1)
            #expect(whole.map(\.ts) == (first + late).sorted().map { FluentReadingRepository.millis(now.addingTimeInterval(Double($0 - 3600))) })
            #expect(try await send(body([1800, 1810])) == (0, 4), "a repeat inside a block that overlaps another")

            // The latest reading, and the last one before a time, from overlapping blocks.
            let latest = try #require(try await h.app.zhiben.telemetry.readings.latest(pointID: temp.id))
            #expect(FluentReadingRepository.millis(latest.ts) == whole.last!.ts)
            let mid = FluentReadingRepository.millis(now.addingTimeInterval(2000 - 3600))
            #expect(try await log.last(point: temp.id, before: mid)?.ts == mid - 10_000)
            let gapEnd = FluentReadingRepository.millis(now.addingTimeInterval(2400 - 3600))
            #expect(try await log.last(point: temp.id, before: gapEnd)?.ts == gapEnd - 10_000, "found in the late block, which ends before the first one does")
            #expect(try await log.lastTimes([temp.id, fan.id, UUID()]) == [temp.id: whole.last!.ts, fan.id: whole.last!.ts])
            // A range given backwards holds nothing, in memory as in the blocks.
            #expect(try await log.samples(point: temp.id, from: hour.1, to: hour.0).isEmpty)
            #expect(try await h.app.zhiben.telemetry.readings.readings(pointID: temp.id, from: now, to: now.addingTimeInterval(-3600), limit: 10).isEmpty)
            #expect(try await send(body([3600 + 0])) == (2, 0), "a reading after the blocks goes to memory")
            #expect(try await log.samples(point: temp.id, from: hour.1, to: hour.0).isEmpty)

            // The retention taking everything: no raw reading and no latest time left, every one rolled up.
            try await log.prune(before: hour.1 + 60_000)
            #expect(try await log.samples(point: temp.id, from: hour.0, to: hour.1 + 60_000).isEmpty)
            #expect(try await log.lastTimes([temp.id, fan.id]).isEmpty)
            #expect(try await count("reading_blocks") == 0)
            struct Rolled: Decodable { let n: Int }
            #expect(try await sql.raw("SELECT SUM(n) AS n FROM readings_1m WHERE point_id = \(bind: temp.id)").first(decoding: Rolled.self)?.n == whole.count + 1)
        }
    }

    @Test("readings out of time order, repeated within a request and across requests committed together, are stored once each")
    func repeatsWithinAGroup() async throws {
        try await Harness.with(enterprises: 1) { h in
            let log = h.app.zhiben.store.readingLog
            let points = (0..<3).map { _ in UUID() }
            // Eight requests of 301 readings each: times that recur across requests, one reading twice in
            // each, every request shuffled (a fixed generator, so that a failure can be replayed).
            var generator = SplitMix(seed: 2026)
            let requests: [[(point: UUID, sample: Sample)]] = (0..<8).map { k in
                var list: [(point: UUID, sample: Sample)] = []
                for i in 0..<100 {
                    let ts = Int64(1_000 * ((i * 7 + k * 13) % 150))
                    for p in points { list.append((p, Sample(ts: ts, value: Double(i), state: nil))) }
                }
                list.append(list[k])
                list.shuffle(using: &generator)
                return list
            }
            // Sent at once: the log commits whatever has queued as one group.
            let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                for r in requests { group.addTask { try await log.ingest(r, pending: nil) } }
                return try await group.reduce(0, +)
            }
            let distinct = Dictionary(grouping: requests.joined(), by: \.point).mapValues { Set($0.map(\.sample.ts)).sorted() }
            #expect(stored == distinct.values.reduce(0) { $0 + $1.count })
            for p in points {
                #expect(try await log.samples(point: p, from: 0, to: 1_000_000).map(\.ts) == distinct[p])
            }
            #expect(try await log.ingest(requests[3], pending: nil) == 0, "all of it is a repeat now")
        }
    }

    @Test("a reading older than the last flush is checked against the latest flushed readings kept in memory (over several flushes), an older one against the blocks")
    func repeatsJustFlushed() async throws {
        try await Harness.with(enterprises: 1) { h in
            // Sixteen times kept per point, so that the blocks are reached with a few readings.
            let log = ReadingLog(store: h.app.zhiben.store, tailLength: 16)
            let p = UUID()
            func at(_ times: [Int64]) -> [(point: UUID, sample: Sample)] { times.map { (p, Sample(ts: $0, value: Double($0), state: nil)) } }
            #expect(try await log.ingest(at(Array(stride(from: 100, through: 400, by: 10))), pending: nil) == 31)
            try await log.flush()
            // 250–400 are the last 16 written out: 400, 390 and 250 are repeats known in memory, 395 and 255
            // are new; 240 is a repeat found in the block, 245 new.
            #expect(try await log.ingest(at([400, 390, 395, 250, 255, 240, 245]), pending: nil) == 3)
            try await log.flush()
            // The times kept are the latest 16 of both blocks (245, 255 and 395 written second): 395 and
            // 390 are repeats known in memory; 255 and 250, older now than what is kept, repeats found in
            // the blocks (the second block lies inside the first one's span: both are asked).
            #expect(try await log.ingest(at([395, 390, 396, 401, 255, 250, 256]), pending: nil) == 3)
            let all: [Int64] = (Array(stride(from: 100, through: 400, by: 10)) + [245, 255, 395, 396, 401, 256]).sorted()
            #expect(try await log.samples(point: p, from: 0, to: 1_000).map(\.ts) == all)
        }
    }

    @Test("the times kept of a point's latest flushed readings: from after its latest time before, or added to those kept before, the oldest dropped past the length")
    func tailKept() {
        func tail(_ t: [Int64], _ from: Int64, _ written: [Int64], _ previous: Int64?) -> ([Int64], Int64) {
            let r = ReadingLog.tail(t, from: from, adding: written, previous: previous, length: 4)
            return (r.times, r.from)
        }
        #expect(tail([], .max, [10, 20, 30], nil) == ([10, 20, 30], .min), "nothing in the blocks before: all of them")
        #expect(tail([], .max, [5, 20, 30], 10) == ([20, 30], 11), "none kept (as after a restart): from after the latest time before")
        #expect(tail([20, 30], 11, [40, 50], 30) == ([20, 30, 40, 50], 11), "added to those kept")
        #expect(tail([20, 30], 11, [5, 25, 60], 30) == ([20, 25, 30, 60], 11), "a late one inside the span taken in order; one before it left to the blocks")
        #expect(tail([20, 30, 40, 50], 11, [60, 70], 50) == ([40, 50, 60, 70], 31), "past the length: the oldest go, and what is kept starts after them")
        #expect(tail([], .max, [10, 20, 30, 40, 50, 60], nil) == ([30, 40, 50, 60], 21))
    }

    @Test("late readings of many points at once (a gateway's backfill) are looked up in the blocks together: each repeat found, each new reading stored")
    func backfill() async throws {
        try await Harness.with(enterprises: 1) { h in
            let log = ReadingLog(store: h.app.zhiben.store, tailLength: 16)
            // More points than one look-up statement takes (500).
            let points = (0..<600).map { _ in UUID() }
            #expect(try await log.ingest(points.flatMap { Self.at($0, stride(from: 0, to: 400, by: 10)) }, pending: nil) == 600 * 40)
            try await log.flush()
            // The first 20 of each point's 40 again (older than the 16 last written out kept in memory),
            // each with a new reading 5 s after it.
            let late = points.flatMap { Self.at($0, (0..<20).flatMap { [$0 * 10, $0 * 10 + 5] }) }
            #expect(try await log.ingest(late, pending: nil) == 600 * 20)
            let expected = (Array(stride(from: 0, to: 400, by: 10)) + (0..<20).map { $0 * 10 + 5 }).sorted().map { Int64($0) * 1000 }
            for p in points.prefix(2) + points.suffix(2) {
                #expect(try await log.samples(point: p, from: 0, to: 1_000_000).map(\.ts) == expected)
            }
        }
    }

    @Test("the head is written out a few points at a time between commits, each reading once; read back after a writing-out cut short, readings already in blocks are not taken again")
    func writingOutInChunks() async throws {
        try await Harness.with(enterprises: 1) { h in
            let store = h.app.zhiben.store
            let sql = store.sql
            func blockReadings(_ p: UUID) async throws -> Int { try await Self.blockReadings(p, on: sql) }
            func logRows() async throws -> Int { try await Self.logRows(on: sql) }
            let points = (0..<3).map { _ in UUID() }

            // Writing out starts past 10 readings and takes one point a commit: cycles run between the
            // commits of later batches (which repeat half of what came before).
            let chunked = ReadingLog(store: store, flushAt: 10, pointsPerChunk: 1)
            var stored = 0
            for k in 0..<8 {
                stored += try await chunked.ingest(points.flatMap { Self.at($0, (k * 5)...(k * 5 + 9)) }, pending: nil)
            }
            #expect(stored == 3 * 45)
            try await chunked.flush()
            #expect(try await logRows() == 0)
            for p in points {
                #expect(try await blockReadings(p) == 45, "each reading written out once")
                #expect(try await chunked.samples(point: p, from: 0, to: 100_000).map(\.ts) == (0...44).map { Int64($0) * 1000 })
            }

            // As after a crash in a writing-out: the log row is there, and one point's readings are in a
            // block already. Read back, that point's readings are not taken into the head again.
            let fresh = (0..<3).map { _ in UUID() }
            let before = ReadingLog(store: store)
            #expect(try await before.ingest(fresh.flatMap { Self.at($0, 1...5) }, pending: nil) == 15)
            try await ReadingLog.insert([ReadingLog.BlockRow(point: fresh[0], samples: Self.at(fresh[0], 1...5).map(\.sample)[...])], upTo: 0, on: sql)
            let restarted = ReadingLog(store: store)
            #expect(try await restarted.ingest(Self.at(fresh[0], 3...6), pending: nil) == 1, "only 6 is new")
            try await restarted.flush()
            #expect(try await logRows() == 0)
            #expect(try await blockReadings(fresh[0]) == 6)
            #expect(try await blockReadings(fresh[1]) == 5)
            #expect(try await blockReadings(fresh[2]) == 5)
        }
    }

    @Test("requests at once while the head is written out (on PostgreSQL beside the commits, by two instances): each reading stored once, found by reads meanwhile, in the blocks once at the end")
    func writingOutBesideCommits() async throws {
        try await Harness.with(enterprises: 1) { h in
            let store = h.app.zhiben.store
            let sql = store.sql
            let points = (0..<12).map { _ in UUID() }
            // Small cycles of two points a chunk, so that many chunks run while batches commit; two
            // instances on PostgreSQL, whose cycles and appends meet on the log's state row.
            let a = ReadingLog(store: store, flushAt: 40, pointsPerChunk: 2)
            let b = store.engine == .postgres ? ReadingLog(store: store, flushAt: 40, pointsPerChunk: 2) : a
            // Eight senders, eight batches each: seconds drawn from 0..<400 for a few points, so that
            // batches repeat each other's readings and some come older than what was written out.
            var rng = SplitMix(seed: 17)
            var batches: [[(point: UUID, sample: Sample)]] = []
            var distinct: [UUID: Set<Int>] = [:]
            for _ in 0..<64 {
                var batch: [(point: UUID, sample: Sample)] = []
                for p in points.shuffled(using: &rng).prefix(4) {
                    let seconds = Set((0..<25).map { _ in Int.random(in: 0..<400, using: &rng) })
                    batch += Self.at(p, seconds.sorted())
                    distinct[p, default: []].formUnion(seconds)
                }
                batches.append(batch)
            }
            let sent = batches
            let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                for sender in 0..<8 {
                    group.addTask {
                        var n = 0
                        for k in stride(from: sender, to: sent.count, by: 8) {
                            n += try await (k % 2 == 0 ? a : b).ingest(sent[k], pending: nil)
                            // A read meanwhile sees every reading once.
                            let p = sent[k][0].point
                            let seen = try await (k % 3 == 0 ? a : b).samples(point: p, from: 0, to: 1_000_000).map(\.ts)
                            if Set(seen).count != seen.count { return -1_000_000 }
                        }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(stored == distinct.values.reduce(0) { $0 + $1.count }, "each reading stored once")
            if store.engine == .postgres {
                // Each instance's flights often miss here (the other appended first) and go one at a time
                // then; a few still go alongside (2–6 of A's, 0–2 of B's in six runs).
                let alongside = a.flightCounts.withLockedValue { $0.alongside } + b.flightCounts.withLockedValue { $0.alongside }
                #expect(alongside > 0, "groups sent while others were committing")
            }
            try await a.flush()
            try await b.flush()
            #expect(try await Self.logRows(on: sql) == 0)
            for p in points {
                let expected = (distinct[p] ?? []).sorted().map { Int64($0) * 1000 }
                #expect(try await Self.blockReadings(p, on: sql) == expected.count, "written out once")
                #expect(try await a.samples(point: p, from: 0, to: 1_000_000).map(\.ts) == expected)
                #expect(try await b.samples(point: p, from: 0, to: 1_000_000).map(\.ts) == expected)
            }
        }
    }

    @Test("PostgreSQL: instances on one database follow one log: each reads what another stored, a repeat is found whichever took the first copy, one writes the head out and the others read the log back; a writing-out left by a stopped instance is taken over, each reading in the blocks once")
    func sharedLog() async throws {
        try await Harness.with(enterprises: 1) { h in
            let store = h.app.zhiben.store
            guard store.engine == .postgres else { return }
            let sql = store.sql
            func blockReadings(_ p: UUID) async throws -> Int { try await Self.blockReadings(p, on: sql) }
            func logRows() async throws -> Int { try await Self.logRows(on: sql) }
            let points = (0..<4).map { _ in UUID() }
            func times(_ log: ReadingLog, _ p: UUID) async throws -> [Int] {
                try await log.samples(point: p, from: 0, to: 1_000_000).map { Int($0.ts / 1000) }
            }
            let a = ReadingLog(store: store), b = ReadingLog(store: store)
            #expect(try await a.ingest(Self.at(points[0], 1...10), pending: nil) == 10)
            #expect(try await times(b, points[0]) == Array(1...10), "B reads what A stored")
            #expect(try await b.ingest(Self.at(points[0], 5...12), pending: nil) == 2, "repeats of A's readings found by B")
            #expect(try await a.lastTimes([points[0]]) == [points[0]: 12_000])

            // Both at once, overlapping: each reading stored once, whichever instance took it.
            let (x, y) = try await (a.ingest(points.flatMap { Self.at($0, 20...60) }, pending: nil), b.ingest(points.flatMap { Self.at($0, 40...80) }, pending: nil))
            #expect(x + y == 4 * 61)

            // A writes the head out (B's readings too); B reads the log back and still finds repeats, now in the blocks.
            try await a.flush()
            #expect(try await logRows() == 0)
            #expect(try await blockReadings(points[0]) == 12 + 61)
            #expect(try await times(b, points[0]) == Array(1...12) + Array(20...80))
            #expect(try await b.ingest(Self.at(points[0], [3, 70, 81]), pending: nil) == 1)
            #expect(try await a.ingest(Self.at(points[1], [25, 82]), pending: nil) == 1)
            #expect(try await times(a, points[0]).last == 81)
            #expect(try await times(b, points[1]).last == 82)

            // B writes out while A's commits go on; nothing is written twice.
            #expect(try await a.ingest(Self.at(points[2], 90...99), pending: nil) == 10)
            try await b.flush()
            #expect(try await a.ingest(Self.at(points[2], 95...100), pending: nil) == 1)
            try await a.flush()
            #expect(try await logRows() == 0)
            #expect(try await blockReadings(points[2]) == 61 + 10 + 1)
            #expect(try await blockReadings(points[0]) == 12 + 61 + 1)

            // An instance stopped in the middle of a writing-out: its marker is old and one point's block is in.
            #expect(try await a.ingest(points.flatMap { Self.at($0, 200...204) }, pending: nil) == 20)
            struct Seq: Decodable { let n: Int? }
            let last = try await sql.raw("SELECT MAX(seq) AS n FROM reading_log").first(decoding: Seq.self)?.n ?? 0
            try await ReadingLog.insert([ReadingLog.BlockRow(point: points[3], samples: Self.at(points[3], 200...204).map(\.sample)[...])], upTo: Int64(last), on: sql)
            try await sql.raw("UPDATE reading_log_state SET cycle_owner = 'stopped', cycle_at = \(bind: FluentReadingRepository.millis(Date()) - 600_000)").run()
            #expect(try await b.ingest(Self.at(points[3], 203...205), pending: nil) == 1, "only 205 is new")
            try await b.flush()
            #expect(try await logRows() == 0)
            for p in points.prefix(3) { #expect(try await times(a, p).suffix(5) == Array(200...204)) }
            #expect(try await blockReadings(points[3]) == 61 + 5 + 1, "the stopped instance's block counted once")
            #expect(try await times(a, points[3]).suffix(6) == Array(200...205))
            struct State: Decodable { let cycle_owner: String? }
            #expect(try await sql.raw("SELECT cycle_owner FROM reading_log_state").first(decoding: State.self)?.cycle_owner == nil)
        }
    }

    /// How many readings the blocks hold of a point, and how many rows the log has.
    static func blockReadings(_ p: UUID, on sql: any SQLDatabase) async throws -> Int {
        struct Count: Decodable { let n: Int? }
        return try await sql.raw("SELECT SUM(n) AS n FROM reading_blocks WHERE point_id = \(bind: p)").first(decoding: Count.self)?.n ?? 0
    }

    static func logRows(on sql: any SQLDatabase) async throws -> Int {
        struct Count: Decodable { let n: Int? }
        return try await sql.raw("SELECT COUNT(*) AS n FROM reading_log").first(decoding: Count.self)?.n ?? -1
    }

    /// A point's readings at these seconds, each valued as its second.
    static func at(_ p: UUID, _ seconds: some Sequence<Int>) -> [(point: UUID, sample: Sample)] {
        seconds.map { (p, Sample(ts: Int64($0) * 1000, value: Double($0), state: nil)) }
    }

    /// A small seeded generator for shuffles a test can replay.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("a database with the table of readings moves them into blocks at the migration, each reading kept and counted once in long trends; PostgreSQL's partitioning of that table on the way")
    func blockMigration() async throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try await Harness.with(enterprises: 5, clock: FixedClock(now)) { h in
            let log = h.app.zhiben.store.readingLog
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            #expect(try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: ["code": "T-9702", "name": "温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60]).status == .created)
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            let readings = (0..<500).map { ["point": "T-9702", "ts": ISOTime.string(now.addingTimeInterval(-Double($0) * 737)), "value": Double($0 % 13)] as [String: any Sendable] }
            #expect(try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": readings]).status == .ok)
            let point = try #require(try await h.app.zhiben.monitoring.points.points(enterpriseID: e.id, codes: ["T-9702"])["T-9702"])
            let repo = h.app.zhiben.telemetry.readings
            let before = try await repo.readings(pointID: point.id, from: now.addingTimeInterval(-7 * 86_400), to: now.addingTimeInterval(1), limit: 1000)
            #expect(before.count == 500)
            // Back to the table as it was (with every reading rolled up, as then), then forward again.
            try await log.flush()
            struct Count: Decodable { let n: Int }
            let sql = h.app.zhiben.store.sql
            func count(_ q: SQLQueryString) async throws -> Int? { try await sql.raw(q).first(decoding: Count.self)?.n }
            let partitions: SQLQueryString = "SELECT COUNT(*) AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'readings'"
            let db = h.app.db
            try await M041ReadingLogAppender().revert(on: db)
            try await M040SharedReadingLog().revert(on: db)
            if h.app.zhiben.store.engine == .sqlite {
                try await M037ReadingBlocks().revert(on: db)
                #expect(try await count("SELECT COUNT(*) AS n FROM readings") == 500)
                try await M037ReadingBlocks().prepare(on: db)
            } else {
                // Partitioned by day: first back to the one table, then partitioned again.
                try await M023ReadingPartitions().revert(on: db)
                #expect(try await count(partitions) == 0)
                #expect(try await count("SELECT COUNT(*) AS n FROM readings") == 500)
                try await M023ReadingPartitions().prepare(on: db)
                #expect(try await count("SELECT COUNT(*) AS n FROM readings") == 500)
                #expect(try await count("SELECT COUNT(*) AS n FROM readings_default") == 0, "each day of data got its partition")
                let days = try await count(partitions) ?? 0
                #expect(days >= 5 && days <= 7, "four and a quarter days of readings: five or six days and the default (\(days))")
            }
            try await M040SharedReadingLog().prepare(on: db)
            try await M041ReadingLogAppender().prepare(on: db)
            let restarted = FluentReadingRepository(store: Store(database: db, engine: h.app.zhiben.store.engine))
            let after = try await restarted.readings(pointID: point.id, from: now.addingTimeInterval(-7 * 86_400), to: now.addingTimeInterval(1), limit: 1000)
            // The point's first raw minute stays as its rollup only (it may have been cut by the retention).
            let firstMinute = FluentReadingRepository.millis(before[0].ts) / 60_000 * 60_000
            #expect(after == before.filter { FluentReadingRepository.millis($0.ts) >= firstMinute + 60_000 })
            let week = try await restarted.series(pointID: point.id, from: now.addingTimeInterval(-7 * 86_400), to: now.addingTimeInterval(1), buckets: 7)
            #expect(week.reduce(0) { $0 + $1.count } == 500, "each reading counted once, raw or rolled up")
            // And ingest goes on, a repeat still skipped.
            let again = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": Array(readings.prefix(10))])
            #expect(try again.content.get(Int.self, at: "duplicates") == 10)
        }
    }

    static func dayFloor(_ d: Date) -> Date {
        Date(timeIntervalSince1970: Double(ReadingPartitions.dayStart(FluentReadingRepository.millis(d))) / 1000)
    }

    @Test("Beijing days: partition names and bounds")
    func days() throws {
        let t = try #require(ISOTime.parse("2026-11-29T23:30:00+08:00"))
        let day = ReadingPartitions.dayStart(FluentReadingRepository.millis(t))
        #expect(ReadingPartitions.name(day: day) == "readings_p20261129")
        #expect(day == FluentReadingRepository.millis(try #require(ISOTime.parse("2026-11-29T00:00:00+08:00"))))
        #expect(ReadingPartitions.day(of: "readings_p20261129") == day)
        #expect(ReadingPartitions.day(of: "readings_default") == nil)
    }
}

@Suite("point definitions at ingest")
struct PointDefinitionCacheTests {
    @Test("ingest keeps point definitions for a few seconds, but a point added or taken out of service here counts at once, and one added elsewhere at its first reading")
    func invalidation() async throws {
        try await Harness.with(enterprises: 5) { h in
            let e = try #require(try await h.enterprises(in: "141181").first { $0.active })
            let company = try await h.token(h.enterpriseUsername(e))
            let key = try await h.app.zhiben.apiKeys.issue(name: "网关", creditCode: e.profile.creditCode, actor: .system, origin: nil)
            func send(_ seconds: Double) async throws -> (accepted: Int, rejected: Int) {
                let res = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9801", "ts": ISOTime.string(Date().addingTimeInterval(-seconds)), "value": 1.0] as [String: any Sendable]]])
                return (try res.content.get(Int.self, at: "accepted"), try res.content.get(Int.self, at: "rejected"))
            }
            #expect(try await send(30) == (0, 1), "no such point yet (and that is remembered)")
            let created = try await h.api(.POST, "/api/v1/monitoring-points", token: company, json: ["code": "T-9801", "name": "温度", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 60])
            #expect(try await send(20) == (1, 0), "the new point counts at once")
            let id = try created.content.get(UUID.self, at: "id")
            #expect(try await h.api(.PATCH, "/api/v1/monitoring-points/\(id)", token: company, json: ["active": false]).status == .ok)
            #expect(try await send(10) == (0, 1), "out of service at once")
            // Added by another instance (straight into storage: this instance's definitions are not told).
            let now = Date()
            let elsewhere = MonitoringPoint(enterpriseID: e.id, countyCode: e.profile.countyCode, enterpriseName: e.profile.name, code: "T-9802", name: "压力",
                                            indicator: "DUST-DRY-HOPPER-TEMP", equipment: "", unit: "℃", kind: .analog, interval: 60,
                                            limits: AlarmLimits(), createdAt: now, updatedAt: now)
            _ = try await h.app.zhiben.monitoring.points.create(elsewhere, audit: AuditContext(actor: .system, at: now))
            let res = try await h.api(.POST, "/api/v1/telemetry", token: key, json: ["readings": [["point": "T-9802", "ts": ISOTime.string(now.addingTimeInterval(-5)), "value": 1.0] as [String: any Sendable]]])
            #expect(try res.content.get(Int.self, at: "accepted") == 1, "looked up at its first reading")
        }
    }
}
