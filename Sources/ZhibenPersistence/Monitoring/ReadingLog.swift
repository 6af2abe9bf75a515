import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// The SQLite file's readings, laid out the way time-series databases do it: a request's new readings
/// are acknowledged once they are in the log (`reading_log`, one row per group of requests: one append
/// and one fsync for many requests), and kept in memory per point (the head); every so often the head
/// is written out as one compressed block per point (`reading_blocks`), a few hundred points a
/// transaction between the commits of new readings, and the log rows it covered are removed with the
/// last of them. Reads merge the head and the blocks. After a crash the log is read back into the head,
/// less what a writing-out cut short had already put in the blocks.
///
/// A reading is identified by its point and time: a repeat within the head is found in memory, an older
/// one (before the point's last block) in the blocks. The one-minute rollups are made from the raw
/// readings when the retention removes them, so that each reading is counted either raw or rolled up,
/// never twice.
///
/// A SQLite file is served by one process, so the head is the whole truth beside the file.
actor ReadingLog {
    unowned let store: Store

    /// Flushes the head once it holds this many readings, or once the oldest is this old.
    let flushAt: Int
    let flushAfter: Duration
    /// Readings per block, at most.
    static let blockSize = 4096

    /// What is kept of each point seen, found by `slotOf` (one lookup a reading; everything else is
    /// indexing): its head, its latest time in the blocks, and its marks for the group being committed.
    private struct Slot {
        let point: UUID
        /// The head: readings not yet in a block, in time order.
        var head: [Sample] = []
        /// The latest time in the blocks: an older reading may be a repeat of a stored one.
        var flushedMax: Int64?
        /// The times of the last readings written out (at most `tailLength`), and from which time they
        /// are all the blocks hold: a reading a little older than `flushedMax` (sent before the last
        /// flush, stored after it) is checked here instead of in the blocks. Empty: ask the blocks.
        var tail: [Int64] = []
        var tailFrom: Int64 = .max
        /// The group (`generation`) that last stored a reading of this point, the latest such reading's
        /// time, and the point's index among that group's record's points.
        var generation = 0
        var groupLast: Int64 = .min
        var recordIndex = 0

        init(point: UUID) { self.point = point }
    }
    static let tailLength = 16
    private var slotOf: [IDKey: Int] = [:]
    private var slots: [Slot] = []
    private var generation = 0
    private var headCount = 0
    private var headSince: ContinuousClock.Instant?
    private var loading: Task<Void, any Error>?
    /// The log rows the head holds: removed when it is written out (and only those, should another
    /// process have appended to the same file).
    private var logged: [Int64] = []

    private struct Ingest {
        let readings: [(point: UUID, sample: Sample)]
        let pending: PendingEvaluation?
        let done: CheckedContinuation<Int, any Error>
    }
    private enum Job {
        case ingest(Ingest)
        case flush(CheckedContinuation<Void, any Error>)
        case prune(Int64, CheckedContinuation<Void, any Error>)
    }
    private var queue: [Job] = []
    private var draining = false

    /// The head is written out this many points at a time, one transaction each, between the commits
    /// of new readings: the whole head at once held every request for about 45 ms.
    let pointsPerChunk: Int
    /// A writing-out in progress: the log rows it empties once it has written out every point it
    /// names, and the points still to write (their slots).
    private var cycle: (seqs: [Int64], slots: ArraySlice<Int>)?

    init(store: Store, flushAt: Int = 200_000, flushAfter: Duration = .seconds(300), pointsPerChunk: Int = 256) {
        self.store = store
        self.flushAt = flushAt
        self.flushAfter = flushAfter
        self.pointsPerChunk = pointsPerChunk
    }

    // MARK: Writing

    /// Stores what is new of `readings` (answered once committed) and, when anything was new, the
    /// batch's waiting record for the alarm engine in the same commit. Returns how many were new.
    func ingest(_ readings: [(point: UUID, sample: Sample)], pending: PendingEvaluation?) async throws -> Int {
        try await withCheckedThrowingContinuation { done in
            enqueue(.ingest(Ingest(readings: readings, pending: pending, done: done)))
        }
    }

    /// Writes the head out as blocks and empties the log.
    func flush() async throws {
        try await withCheckedThrowingContinuation { done in enqueue(.flush(done)) }
    }

    /// Removes the raw readings older than `cutoff`, rolling them up by minute first.
    func prune(before cutoff: Int64) async throws {
        try await withCheckedThrowingContinuation { done in enqueue(.prune(cutoff, done)) }
    }

    private func enqueue(_ job: Job) {
        queue.append(job)
        if !draining {
            draining = true
            Task { await self.drain() }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .flush(let done):
                do { done.resume(returning: try await writeOut()) } catch { done.resume(throwing: error) }
            case .prune(let cutoff, let done):
                do { done.resume(returning: try await removeOld(before: cutoff)) } catch { done.resume(throwing: error) }
            case .ingest(let first):
                var group = [first]
                var count = first.readings.count
                while case .ingest(let next)? = queue.first, group.count < 256, count < 100_000 {
                    queue.removeFirst()
                    group.append(next)
                    count += next.readings.count
                }
                await commit(group)
                if cycle == nil, headCount >= flushAt || (headSince.map { ContinuousClock.now - $0 > flushAfter } ?? false) {
                    startCycle()
                }
                // A failed chunk leaves its points in the head and the log; the next commit's turn retries.
                if cycle != nil { try? await writeChunk() }
            }
        }
        draining = false
    }

    /// A reading of a point within one group, for the rare repeat that is not the point's latest.
    private struct SlotTime: Hashable {
        let slot: Int
        let ts: Int64
    }

    private func commit(_ group: [Ingest]) async {
        do {
            try await load()
            generation &+= 1
            let gen = generation
            // Each reading's slot; readings that may repeat one already in a block, looked up there all at once.
            var slotIndex: [Int] = []
            slotIndex.reserveCapacity(group.reduce(0) { $0 + $1.readings.count })
            var older = OlderSpans()
            for job in group {
                for r in job.readings {
                    let s = slot(r.point)
                    slotIndex.append(s)
                    guard let max = slots[s].flushedMax, r.sample.ts <= max, r.sample.ts < slots[s].tailFrom else { continue }
                    older.add(s, r.sample.ts)
                }
            }
            let inBlocks = try await storedTimes(older)
            var fresh: [(index: Int, sample: Sample)] = []
            var freshSlots: [Int] = []
            fresh.reserveCapacity(slotIndex.count)
            freshSlots.reserveCapacity(slotIndex.count)
            var points: [UUID] = []
            // Built only when a point's reading comes before one of its readings already taken in this group.
            var late: Set<SlotTime>?
            var counts: [Int] = []
            var pendings: [PendingEvaluation] = []
            var at = 0
            for job in group {
                var n = 0
                for r in job.readings {
                    let s = slotIndex[at]
                    at += 1
                    let ts = r.sample.ts
                    if let max = slots[s].flushedMax, ts <= max {
                        if ts >= slots[s].tailFrom {
                            let i = Self.firstIndex(in: slots[s].tail, atOrAfter: ts)
                            if i < slots[s].tail.count, slots[s].tail[i] == ts { continue }
                        } else if inBlocks[s]?.contains(ts) == true {
                            continue
                        }
                    }
                    if headHolds(s, ts) { continue }
                    if slots[s].generation == gen, ts <= slots[s].groupLast {
                        if late == nil { late = Set(zip(freshSlots, fresh).map { SlotTime(slot: $0, ts: $1.sample.ts) }) }
                        if late!.contains(SlotTime(slot: s, ts: ts)) { continue }
                    }
                    if slots[s].generation != gen {
                        slots[s].generation = gen
                        slots[s].groupLast = ts
                        slots[s].recordIndex = points.count
                        points.append(slots[s].point)
                    } else if ts > slots[s].groupLast {
                        slots[s].groupLast = ts
                    }
                    late?.insert(SlotTime(slot: s, ts: ts))
                    fresh.append((slots[s].recordIndex, r.sample))
                    freshSlots.append(s)
                    n += 1
                }
                counts.append(n)
                if n > 0, let p = job.pending { pendings.append(p) }
            }
            if !fresh.isEmpty {
                let record = ReadingCodec.record(points: points, readings: fresh)
                let pendings = pendings
                struct Seq: Decodable { let seq: Int64 }
                let seq = try await store.bulkWrite { db in
                    let sql = db as! any SQLDatabase
                    let row = try await sql.raw("INSERT INTO reading_log (data) VALUES (\(bind: Data(record))) RETURNING seq").first(decoding: Seq.self)
                    for p in pendings { try await FluentEngineLeaseRepository.addPending(p, on: sql) }
                    return row?.seq
                }
                if let seq { logged.append(seq) }
                for (s, r) in zip(freshSlots, fresh) { addToHead(s, r.sample) }
            }
            for (job, n) in zip(group, counts) { job.done.resume(returning: n) }
        } catch {
            for job in group { job.done.resume(throwing: error) }
        }
    }

    /// Per slot, the span of times of readings that may repeat one already in a block.
    private struct OlderSpans {
        var spans: [Int: (lo: Int64, hi: Int64)] = [:]

        mutating func add(_ slot: Int, _ ts: Int64) {
            let span = spans[slot] ?? (ts, ts)
            spans[slot] = (min(span.lo, ts), max(span.hi, ts))
        }
    }

    /// The times the blocks hold within each slot's span, read all at once.
    private func storedTimes(_ older: OlderSpans) async throws -> [Int: Set<Int64>] {
        var out: [Int: Set<Int64>] = [:]
        for (s, span) in older.spans {
            out[s] = Set(try await blockSamples(point: slots[s].point, from: span.lo, to: span.hi + 1).map(\.ts))
        }
        return out
    }

    /// The point's slot, made when the point is new here.
    private func slot(_ point: UUID) -> Int {
        let key = IDKey(point)
        if let s = slotOf[key] { return s }
        slots.append(Slot(point: point))
        slotOf[key] = slots.count - 1
        return slots.count - 1
    }

    private func headHolds(_ s: Int, _ ts: Int64) -> Bool {
        guard let last = slots[s].head.last else { return false }
        if ts > last.ts { return false }
        if ts == last.ts { return true }
        let i = Self.firstIndex(in: slots[s].head, atOrAfter: ts)
        return i < slots[s].head.count && slots[s].head[i].ts == ts
    }

    private func addToHead(_ s: Int, _ sample: Sample) {
        if headSince == nil { headSince = ContinuousClock.now }
        headCount += 1
        if let last = slots[s].head.last, last.ts > sample.ts {
            slots[s].head.insert(sample, at: Self.firstIndex(in: slots[s].head, atOrAfter: sample.ts))
        } else {
            slots[s].head.append(sample)
        }
    }

    static func firstIndex(in list: [Sample], atOrAfter ts: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].ts < ts { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func firstIndex(in list: [Int64], atOrAfter ts: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < ts { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    struct BlockRow: Sendable {
        let point: UUID
        let samples: ArraySlice<Sample>
    }

    static func insert(_ blocks: [BlockRow], on sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: blocks.count, by: 500) {
            var q: SQLQueryString = "INSERT INTO reading_blocks (point_id, first_ts, last_ts, n, data) VALUES "
            for (i, b) in blocks[chunk..<min(chunk + 500, blocks.count)].enumerated() {
                q += (i == 0 ? "" : ", ")
                    + "(\(bind: b.point), \(bind: b.samples.first!.ts), \(bind: b.samples.last!.ts), \(bind: b.samples.count), \(bind: Data(ReadingCodec.block(b.samples))))"
            }
            try await sql.raw(q).run()
        }
    }

    static func blocks(of point: UUID, _ samples: [Sample]) -> [BlockRow] {
        stride(from: 0, to: samples.count, by: blockSize).map { BlockRow(point: point, samples: samples[$0..<min($0 + blockSize, samples.count)]) }
    }

    /// Starts writing out the points the head holds now; the log rows so far are emptied at its end.
    private func startCycle() {
        cycle = (logged, slots.indices.filter { !slots[$0].head.isEmpty }[...])
        logged = []
        headSince = nil
    }

    /// Writes the cycle's next points out as blocks, in one transaction; the last chunk also removes
    /// the cycle's log rows. Until then a crash leaves those rows, whose readings already written out
    /// are found in the blocks when the log is read back (`readBack`).
    private func writeChunk() async throws {
        guard let current = cycle else { return }
        let part = current.slots.prefix(pointsPerChunk)
        let last = part.count == current.slots.count
        let rows = part.flatMap { Self.blocks(of: slots[$0].point, slots[$0].head) }
        let seqs = last ? current.seqs : []
        try await store.bulkWrite { db in
            let sql = db as! any SQLDatabase
            try await Self.insert(rows, on: sql)
            for chunk in stride(from: 0, to: seqs.count, by: 500) {
                var q: SQLQueryString = "DELETE FROM reading_log WHERE seq IN ("
                for (i, seq) in seqs[chunk..<min(chunk + 500, seqs.count)].enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: seq)" }
                try await sql.raw(q + ")").run()
            }
        }
        for s in part {
            guard let last = slots[s].head.last?.ts else { continue }
            let previous = slots[s].flushedMax
            slots[s].tail = slots[s].head.suffix(Self.tailLength).map(\.ts)
            // Earlier blocks may reach into the tail's span: from there on the blocks are asked.
            slots[s].tailFrom = Swift.max(slots[s].tail[0], previous.map { $0 + 1 } ?? .min)
            slots[s].flushedMax = max(previous ?? .min, last)
            headCount -= slots[s].head.count
            slots[s].head = []
        }
        cycle = last ? nil : (current.seqs, current.slots.dropFirst(part.count))
    }

    /// Writes the whole head out and empties the log: the cycle in progress, then one for what came since.
    private func writeOut() async throws {
        try await load()
        while cycle != nil || !logged.isEmpty || slots.contains(where: { !$0.head.isEmpty }) {
            if cycle == nil { startCycle() }
            try await writeChunk()
        }
        headSince = nil
    }

    private func removeOld(before cutoff: Int64) async throws {
        try await writeOut()
        struct Row: Decodable { let id: Int64; let point_id: UUID; let data: Data }
        var removed = false
        while true {
            let old = try await store.sql.raw("SELECT id, point_id, data FROM reading_blocks WHERE first_ts < \(bind: cutoff) LIMIT 200").all(decoding: Row.self)
            guard !old.isEmpty else {
                // A point whose every reading went has no latest time any more (its connection figure
                // counts it as not reporting, as before any reading came).
                if removed { try await readLatestInBlocks() }
                return
            }
            removed = true
            var minutes: FluentReadingRepository.Minutes = [:]
            var kept: [BlockRow] = []
            for row in old {
                let samples = try ReadingCodec.samples(ofBlock: Array(row.data))
                let split = Self.firstIndex(in: samples, atOrAfter: cutoff)
                for s in samples[..<split] {
                    minutes.add(s.value, point: row.point_id, at: s.ts)
                }
                if split < samples.count { kept.append(BlockRow(point: row.point_id, samples: samples[split...])) }
            }
            let (rollups, rewritten) = (minutes, kept)
            try await store.bulkWrite { db in
                let sql = db as! any SQLDatabase
                var q: SQLQueryString = "DELETE FROM reading_blocks WHERE id IN ("
                for (i, row) in old.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: row.id)" }
                try await sql.raw(q + ")").run()
                try await Self.insert(rewritten, on: sql)
                try await FluentReadingRepository.addRollups(rollups, on: sql)
            }
        }
    }

    // MARK: Starting

    /// Reads each point's latest stored time and the log back into the head, once.
    private func load() async throws {
        if let loading { return try await loading.value }
        let task = Task { try await self.readBack() }
        loading = task
        do { try await task.value } catch {
            loading = nil
            throw error
        }
    }

    static func latestInBlocks(_ sql: any SQLDatabase) async throws -> [UUID: Int64] {
        struct Max: Decodable { let point_id: UUID; let m: Int64 }
        return try await sql.raw("SELECT point_id, MAX(last_ts) AS m FROM reading_blocks GROUP BY point_id").all(decoding: Max.self)
            .reduce(into: [:]) { out, row in out[row.point_id] = row.m }
    }

    private func readLatestInBlocks() async throws {
        let latest = try await Self.latestInBlocks(store.sql)
        for s in slots.indices {
            slots[s].flushedMax = nil
            slots[s].tail = []
            slots[s].tailFrom = .max
        }
        for (point, m) in latest { slots[slot(point)].flushedMax = m }
    }

    private func readBack() async throws {
        try await readLatestInBlocks()
        struct Record: Decodable { let seq: Int64; let data: Data }
        var replayed: [(slot: Int, sample: Sample)] = []
        for row in try await store.sql.raw("SELECT seq, data FROM reading_log ORDER BY seq").all(decoding: Record.self) {
            logged.append(row.seq)
            for r in try ReadingCodec.readings(ofRecord: Array(row.data)) { replayed.append((slot(r.point), r.sample)) }
        }
        // A writing-out cut short by a crash wrote some points' readings out and left their log rows:
        // those readings are found in the blocks.
        var older = OlderSpans()
        for r in replayed {
            guard let max = slots[r.slot].flushedMax, r.sample.ts <= max else { continue }
            older.add(r.slot, r.sample.ts)
        }
        let inBlocks = try await storedTimes(older)
        for r in replayed where inBlocks[r.slot]?.contains(r.sample.ts) != true && !headHolds(r.slot, r.sample.ts) {
            addToHead(r.slot, r.sample)
        }
    }

    // MARK: Reading

    /// The head's readings of a point in [from, to).
    private func headSamples(_ point: UUID, from: Int64, to: Int64) async throws -> ArraySlice<Sample> {
        try await load()
        guard from < to, let s = slotOf[IDKey(point)] else { return [] }
        let list = slots[s].head
        return list[Self.firstIndex(in: list, atOrAfter: from)..<Self.firstIndex(in: list, atOrAfter: to)]
    }

    private func blockSamples(point: UUID, from: Int64, to: Int64) async throws -> [Sample] {
        struct Row: Decodable { let data: Data }
        var out: [Sample] = []
        guard from < to else { return out }
        for row in try await store.sql.raw("""
            SELECT data FROM reading_blocks WHERE point_id = \(bind: point) AND last_ts >= \(bind: from) AND first_ts < \(bind: to)
            """).all(decoding: Row.self) {
            let all = try ReadingCodec.samples(ofBlock: Array(row.data))
            out += all[Self.firstIndex(in: all, atOrAfter: from)..<Self.firstIndex(in: all, atOrAfter: to)]
        }
        return out
    }

    /// A point's readings in [from, to), oldest first. The head is read before the blocks: a flush
    /// committing in between then shows its readings twice (dropped here), never not at all.
    func samples(point: UUID, from: Int64, to: Int64) async throws -> [Sample] {
        let head = try await headSamples(point, from: from, to: to)
        var merged = try await blockSamples(point: point, from: from, to: to)
        guard !merged.isEmpty else { return Array(head) }
        merged += head
        merged.sort { $0.ts < $1.ts }
        var out: [Sample] = []
        out.reserveCapacity(merged.count)
        for s in merged where out.last?.ts != s.ts { out.append(s) }
        return out
    }

    /// A point's latest reading before `limit` (all of them when nil).
    func last(point: UUID, before limit: Int64 = .max) async throws -> Sample? {
        let head = try await headSamples(point, from: .min, to: limit)
        var best = head.last
        struct Row: Decodable { let last_ts: Int64; let data: Data }
        // Blocks may overlap (readings sent late): the one ending last holds the answer unless it
        // straddles `limit`; then the next ones are looked at while they can hold a later reading.
        let rows = try await store.sql.raw("""
            SELECT last_ts, data FROM reading_blocks WHERE point_id = \(bind: point) AND first_ts < \(bind: limit) ORDER BY last_ts DESC LIMIT 8
            """).all(decoding: Row.self)
        for row in rows {
            if let b = best, row.last_ts <= b.ts { break }
            let all = try ReadingCodec.samples(ofBlock: Array(row.data))
            let i = Self.firstIndex(in: all, atOrAfter: limit)
            if i > 0, all[i - 1].ts > best?.ts ?? .min { best = all[i - 1] }
        }
        return best
    }

    /// Each point's latest reading time, from memory.
    func lastTimes(_ points: [UUID]) async throws -> [UUID: Int64] {
        try await load()
        var out: [UUID: Int64] = [:]
        for p in points {
            guard let s = slotOf[IDKey(p)] else { continue }
            let t = max(slots[s].head.last?.ts ?? .min, slots[s].flushedMax ?? .min)
            if t > .min { out[p] = t }
        }
        return out
    }
}

extension FluentReadingRepository {
    static func reading(_ point: UUID, _ s: Sample) -> Reading {
        Reading(pointID: point, ts: Date(timeIntervalSince1970: Double(s.ts) / 1000), value: s.value, state: s.state)
    }

    /// SQLite: the slices counted from the raw readings in the range and, for long ranges, from the
    /// rollups of the readings the retention removed (each reading is one or the other, never both).
    static func series(log: ReadingLog, rollups sql: any SQLDatabase, pointID: UUID, start: Int64, end: Int64, width: Int64) async throws -> [SeriesBucket] {
        struct Slice { var lo = Double.infinity; var hi = -Double.infinity; var total = 0.0; var n = 0 }
        var slices: [Int64: Slice] = [:]
        func add(_ b: Int64, lo: Double, hi: Double, total: Double, n: Int) {
            var s = slices[b] ?? Slice()
            s.lo = min(s.lo, lo)
            s.hi = max(s.hi, hi)
            s.total += total
            s.n += n
            slices[b] = s
        }
        if Double(end - start) > rollupsFrom * 1000 {
            struct Row: Decodable { let minute: Int64; let vmin: Double?; let vmax: Double?; let vsum: Double?; let nv: Int }
            for r in try await sql.raw("""
                SELECT minute, vmin, vmax, vsum, nv FROM readings_1m
                WHERE point_id = \(bind: pointID) AND minute >= \(bind: start) AND minute < \(bind: end) AND nv > 0
                """).all(decoding: Row.self) {
                guard let lo = r.vmin, let hi = r.vmax, let total = r.vsum else { continue }
                add((r.minute - start) / width, lo: lo, hi: hi, total: total, n: r.nv)
            }
        }
        for sample in try await log.samples(point: pointID, from: start, to: end) {
            guard let v = sample.value else { continue }
            add((sample.ts - start) / width, lo: v, hi: v, total: v, n: 1)
        }
        return slices.sorted { $0.key < $1.key }.map { b, s in
            SeriesBucket(start: Date(timeIntervalSince1970: Double(start + b * width) / 1000), min: s.lo, max: s.hi, mean: s.total / Double(s.n), count: s.n)
        }
    }
}
