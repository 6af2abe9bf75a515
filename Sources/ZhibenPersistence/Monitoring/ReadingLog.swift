import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import ZhibenDomain

/// The readings, laid out the way time-series databases do it: a request's new readings are
/// acknowledged once they are in the log (`reading_log`, one row per group of requests: one append and
/// one fsync for many requests), and kept in memory per point (the head); every so often the head is
/// written out as one compressed block per point (`reading_blocks`), a few hundred points a transaction
/// (SQLite: between the commits of new readings; PostgreSQL: beside them, `runChunks`), and the log rows
/// it covered are removed at the end, between two commits.
/// Reads merge the head and the blocks. After a crash the log is read back into the head, less what a
/// writing-out cut short had already put in the blocks.
///
/// A reading is identified by its point and time: a repeat within the head is found in memory, an older
/// one (before the point's last block) in the blocks. The one-minute rollups are made from the raw
/// readings when the retention removes them, so that each reading is counted either raw or rolled up,
/// never twice.
///
/// A SQLite file is served by one process, so its head is the whole truth beside the file. PostgreSQL
/// may be shared by several instances (`shared`): each keeps the whole head, following the one log.
/// Appends take turns on the log's state row (`reading_log_state`, which holds the latest row
/// appended): a group goes in by compare-and-set on it (`appendShared`), and when another instance
/// appended meanwhile, under the row's lock after reading what the others appended since (`append`).
/// So repeats are found whichever instance took the first copy, and log order is commit order. An
/// instance sends its next groups while the one before is still committing (`Flight`). Reads first
/// take in what others appended (`current`). One instance at a time writes the head out, marked
/// in `reading_log_state`; when it is done (or when another takes over from one that stopped mid-way)
/// the state's generation moves on, and every instance reads the log that is left back into its head
/// (`rebuild`).
actor ReadingLog {
    unowned let store: Store
    /// Several instances on one PostgreSQL database follow one log (see above).
    nonisolated let shared: Bool
    /// This instance, in the log's state while it writes the head out.
    nonisolated let instance = UUID().uuidString

    /// The batches stored by engines other than a given one that this log knows of: the rows other
    /// instances appended, as taken in (their batches are not known one by one: each taking-in counts
    /// one), and this process's batches by the engine that stored them (`PendingEvaluation.storedBy`).
    private struct Elsewhere {
        var others = 0
        var byEngine: [String: Int] = [:]
    }
    private nonisolated let elsewhere = NIOLockedValueBox(Elsewhere())

    /// See `EngineLeaseRepository.storedElsewhere`; read without waiting for the log.
    nonisolated func storedElsewhere(than engine: String) -> Int {
        elsewhere.withLockedValue { e in e.byEngine.reduce(e.others) { $1.key == engine ? $0 : $0 &+ $1.value } }
    }

    /// Flushes the head once it holds this many readings, or once the oldest is this old.
    let flushAt: Int
    let flushAfter: Duration
    /// Readings per block, at most.
    static let blockSize = 4096
    /// A writing-out whose instance has not been heard of for this long stopped mid-way: another takes over.
    static let cycleStale: Int64 = 60_000

    /// What is kept of each point seen, found by `slotOf` (one lookup a reading; everything else is
    /// indexing): its head, its latest time in the blocks, and its marks for the group being committed.
    private struct Slot {
        let point: UUID
        /// The head: readings not yet in a block, in time order.
        var head: [Sample] = []
        /// The latest time in the blocks: an older reading may be a repeat of a stored one.
        var flushedMax: Int64?
        /// The times of the latest readings in the blocks (at most `tailLength`, kept over several
        /// writings-out), and from which time they are all the blocks hold: a reading older than
        /// `flushedMax` (sent before the last flush, stored after it: a gateway behind the others, or
        /// catching up) is checked here instead of in the blocks. `tailFrom` `.max`: ask the blocks.
        var tail: [Int64] = []
        var tailFrom: Int64 = .max
        /// The group (`generation`) that last stored a reading of this point, the latest such reading's
        /// time, and the point's index among that group's record's points.
        var generation = 0
        var groupLast: Int64 = .min
        var recordIndex = 0
        /// The times of the point's readings in flights not yet settled, in order: a repeat of one is
        /// not new (see `Flight`).
        var flying: [Int64] = []

        init(point: UUID) { self.point = point }
    }
    /// 2 KB a point. Sixteen, before, covered a gateway only a few scans behind the others: the bench's
    /// clients drift apart by dozens over a run, and each batch of the one behind then read a thousand
    /// points' blocks back from the database to find nothing.
    static let tailLength = 256
    /// This log's (tests keep a shorter one, to reach the blocks with fewer readings).
    nonisolated let tailLength: Int
    private var slotOf: [IDKey: Int] = [:]
    private var slots: [Slot] = []
    private var generation = 0
    private var headCount = 0
    private var headSince: ContinuousClock.Instant?
    private var loading: Task<Void, any Error>?
    /// The latest log row the head has taken in: the head holds the readings of the rows after
    /// `flushedTo` up to this one.
    private var seen: Int64 = 0
    /// The log rows up to this one are in the blocks (and gone from the log), as of the state's
    /// `flushGeneration`.
    private var flushedTo: Int64 = 0
    private var flushGeneration: Int64 = 0
    /// Reading what others appended: one at a time.
    private let catchingUp = AsyncGate()
    /// After another instance was found writing the head out: not before this to try again.
    private var cycleBusyUntil: ContinuousClock.Instant?

    private struct Ingest: Sendable {
        let readings: [(point: UUID, sample: Sample)]
        let pending: PendingEvaluation?
        let done: CheckedContinuation<Int, any Error>
    }
    private enum Job {
        case ingest(Ingest)
        case flush(CheckedContinuation<Void, any Error>)
        case prune(Int64, CheckedContinuation<Void, any Error>)
        /// PostgreSQL: the cycle's blocks are all written; its log rows are removed between commits.
        case seal
    }
    private var queue: [Job] = []
    private var draining = false

    /// PostgreSQL: a group sent to the log while other groups of this instance may still be
    /// committing, each on a connection of its own, so that a group waits for the one before it at the
    /// database (on the state row's lock) instead of a round trip apart. Decided against the head (the
    /// rows up to `seen`) and the readings of the flights under way, it is appended on condition that
    /// every row after `seen` was appended by this instance (`last_by`, `by_since`): those rows are the
    /// flights', whose readings it did not take again. A group that would lean on a flight under way (a
    /// reading it holds) waits for the flights to settle and is decided again. A flight whose
    /// condition failed (another instance appended) is decided again under the log's lock once those
    /// under way have settled; one that failed leaves the next groups to go one at a time.
    private struct Flight {
        let id: Int
        let group: [Ingest]
        let decided: Decided
        /// The answer: the row appended, or nil when the condition failed.
        var outcome: Result<Int64?, any Error>?
    }
    private var flights: [Flight] = []
    private var flightIDs = 0
    /// At most this many flights under way (1 on SQLite, whose writer commits one group at a time).
    let depth: Int
    /// The drain waits here for a flight to land or a job to come.
    private var wake: CheckedContinuation<Void, Never>?
    /// A flight missed or failed, or the head was read back: no flight is sent until those under way
    /// have settled, and the next group goes alone (`commit`), reading the log under its lock when
    /// others appended.
    private var troubled = false
    /// A group leaned on a flight under way: no flight is sent until those under way have settled.
    private var holding = false
    /// Groups whose flight missed: committed again, in order, once the flights under way have settled.
    private var retry: [[Ingest]] = []
    /// Rows of this instance's flights after `seen` (which the head then holds): `seen` moves on once
    /// the rows between are in too.
    private var landedAbove: Set<Int64> = []
    /// Counts, for the tests and the benches: flights sent, those sent while another was under way,
    /// groups held for a flight they leaned on, flights that missed.
    struct FlightCounts: Sendable { var sent = 0, alongside = 0, held = 0, missed = 0 }
    nonisolated let flightCounts = NIOLockedValueBox(FlightCounts())

    /// The head is written out this many points at a time, one transaction each: the whole head at
    /// once held every request for about 45 ms (SQLite, whose chunks go between the commits of new
    /// readings; PostgreSQL's go beside them).
    let pointsPerChunk: Int
    /// A writing-out in progress: the log rows it covers (up to `upTo`), whether it has begun, and the
    /// points still to write with the readings each had when it started (readings taken in since stay
    /// in the head for the next one).
    private struct Cycle {
        let upTo: Int64
        var begun = false
        var rest: ArraySlice<(slot: Int, samples: [Sample])>
    }
    private var cycle: Cycle?
    /// PostgreSQL: the cycle's chunks being written beside the commits of new readings (`runChunks`).
    private var chunking: Task<Void, Never>?
    /// Moves on when the head is read back (`rebuild`): a chunk written meanwhile leaves the head as
    /// the reading-back made it.
    private var headEpoch = 0
    /// Moves on whenever readings leave the head (a chunk written out, a reading-back): a group
    /// decided across a wait is decided again.
    private var headMoves = 0

    init(store: Store, flushAt: Int = 200_000, flushAfter: Duration = .seconds(300), pointsPerChunk: Int = 256, depth: Int = 4,
         tailLength: Int = ReadingLog.tailLength) {
        self.store = store
        self.tailLength = tailLength
        self.shared = store.engine == .postgres
        self.depth = shared ? depth : 1
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

    /// Writes the head out as blocks and empties the log. PostgreSQL: unless another instance is
    /// writing it out (it then covers what this one holds, or its next writing-out will).
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
        } else if let wake {
            self.wake = nil
            wake.resume()
        }
    }

    private func drain() async {
        while true {
            if shared, flights.count < depth, !troubled, !holding, !sealDue, case .ingest? = queue.first {
                await launch(takeGroup())
                continue
            }
            if let i = flights.firstIndex(where: { $0.outcome != nil }) {
                await settle(flights.remove(at: i))
                continue
            }
            if !flights.isEmpty {
                await withCheckedContinuation { wake = $0 }
                continue
            }
            if holding {
                holding = false
                continue
            }
            if !retry.isEmpty {
                if await commit(retry.removeFirst()), retry.isEmpty { troubled = false }
                await afterCommit()
                continue
            }
            guard let job = queue.first else { break }
            switch job {
            case .flush(let done):
                queue.removeFirst()
                do { done.resume(returning: try await writeOut()) } catch { done.resume(throwing: error) }
            case .prune(let cutoff, let done):
                queue.removeFirst()
                do { done.resume(returning: try await removeOld(before: cutoff)) } catch { done.resume(throwing: error) }
            case .ingest:
                // SQLite, or PostgreSQL in trouble or before the cycle's end: one group at a time. A
                // failed commit may have committed (its answer lost): the next group goes alone too, and
                // finds that row before it appends.
                if await commit(takeGroup()) { troubled = false }
                await afterCommit()
            case .seal:
                queue.removeFirst()
                if cycle?.rest.isEmpty == true, chunking == nil { _ = try? await writeChunk() }
            }
        }
        draining = false
    }

    /// The requests waiting at the queue's head, up to a group's size.
    private func takeGroup() -> [Ingest] {
        var group: [Ingest] = []
        var count = 0
        while case .ingest(let next)? = queue.first, group.count < 256, count < 100_000 {
            queue.removeFirst()
            group.append(next)
            count += next.readings.count
        }
        return group
    }

    /// PostgreSQL: the cycle's blocks are all written and its log rows wait to be removed, between two
    /// commits of this instance: no flight is sent meanwhile.
    private var sealDue: Bool { cycle?.rest.isEmpty == true && chunking == nil }

    /// After each commit: starts writing the head out when it is due, and writes the next chunk (SQLite)
    /// or the chunk that ends the cycle (PostgreSQL, once no flight is under way).
    private func afterCommit() async {
        if cycle == nil, headCount >= flushAt || (headSince.map { ContinuousClock.now - $0 > flushAfter } ?? false),
           cycleBusyUntil.map({ ContinuousClock.now >= $0 }) ?? true {
            startCycle()
        }
        // A failed chunk leaves its points in the head and the log; the next commit's turn retries.
        guard let running = cycle, chunking == nil else { return }
        if shared, !running.rest.isEmpty {
            chunking = Task { await self.runChunks() }
        } else if flights.isEmpty {
            // SQLite has one writer: a chunk goes between two commits. PostgreSQL: the log rows are
            // removed, and the state moved on, between two commits of this instance.
            _ = try? await writeChunk()
        }
    }

    /// Decides a group and sends its append without waiting for the flights under way (see `Flight`).
    private func launch(_ group: [Ingest]) async {
        let decided: Decided
        do {
            try await load()
            decided = try await decide(group, on: store.sql)
        } catch {
            for job in group { job.done.resume(throwing: error) }
            return
        }
        // The head was read back while deciding, or the group leans on a flight: it waits for the
        // flights under way and is decided again.
        if troubled || decided.leans {
            if decided.leans {
                holding = true
                flightCounts.withLockedValue { $0.held += 1 }
            }
            queue.insert(contentsOf: group.map { Job.ingest($0) }, at: 0)
            return
        }
        guard let record = decided.record else {
            // Nothing new against what is stored.
            answer(group, decided.counts, stored: false)
            return
        }
        flightCounts.withLockedValue { c in
            c.sent += 1
            if !flights.isEmpty { c.alongside += 1 }
        }
        flightIDs &+= 1
        flights.append(Flight(id: flightIDs, group: group, decided: decided))
        for r in decided.fresh { fly(r.slot, r.sample.ts) }
        let statement = Self.appendStatement(record: record, pendings: decided.pendings, after: seen, generation: flushGeneration,
                                             flight: true, by: instance)
        let (id, store) = (flightIDs, self.store)
        // Off the actor: sent at once, while the actor decides the next group.
        Task.detached {
            let outcome: Result<Int64?, any Error>
            do {
                outcome = .success(try await store.bulkStatement { sql in try await sql.raw(statement).first(decoding: Seq.self)?.seq })
            } catch {
                outcome = .failure(error)
            }
            await self.landed(id, outcome)
        }
    }

    private func landed(_ id: Int, _ outcome: Result<Int64?, any Error>) {
        guard let i = flights.firstIndex(where: { $0.id == id }) else { return }
        flights[i].outcome = outcome
        if let wake {
            self.wake = nil
            wake.resume()
        }
    }

    /// Settles a flight landed: its readings go from the flights into the head (or are decided again),
    /// and its requests are answered.
    private func settle(_ flight: Flight) async {
        unfly(flight)
        switch flight.outcome! {
        case .failure(let error):
            troubled = true
            for job in flight.group { job.done.resume(throwing: error) }
        case .success(nil):
            flightCounts.withLockedValue { $0.missed += 1 }
            troubled = true
            retry.append(flight.group)
        case .success(let seq?):
            // A read may have taken the row in already.
            if seq > seen {
                for r in flight.decided.fresh { addToHead(r.slot, r.sample) }
                landedAbove.insert(seq)
                while landedAbove.remove(seen + 1) != nil { seen += 1 }
            }
            answer(flight.group, flight.decided.counts, stored: true)
        }
        // A row between is not taken in (a flight whose answer was lost after its commit): the next
        // group goes alone, and reads the log first.
        if flights.isEmpty, !landedAbove.isEmpty { troubled = true }
        await afterCommit()
    }

    /// Answers a group's requests with how many of each one's readings were new; `stored`: its log row
    /// went in, and its batches are counted by the engine that stored them (see `Elsewhere`).
    private func answer(_ group: [Ingest], _ counts: [Int], stored: Bool) {
        if stored {
            elsewhere.withLockedValue { e in
                for (job, n) in zip(group, counts) where n > 0 {
                    if let p = job.pending { e.byEngine[p.storedBy, default: 0] &+= 1 }
                }
            }
        }
        for (job, n) in zip(group, counts) { job.done.resume(returning: n) }
    }

    private func fly(_ s: Int, _ ts: Int64) {
        if let last = slots[s].flying.last, last >= ts {
            slots[s].flying.insert(ts, at: Self.firstIndex(in: slots[s].flying, atOrAfter: ts))
        } else {
            slots[s].flying.append(ts)
        }
    }

    private func unfly(_ flight: Flight) {
        for r in flight.decided.fresh {
            let i = Self.firstIndex(in: slots[r.slot].flying, atOrAfter: r.sample.ts)
            if i < slots[r.slot].flying.count, slots[r.slot].flying[i] == r.sample.ts { slots[r.slot].flying.remove(at: i) }
        }
    }

    private func flyingHolds(_ s: Int, _ ts: Int64) -> Bool {
        guard let last = slots[s].flying.last, ts <= last else { return false }
        return slots[s].flying[Self.firstIndex(in: slots[s].flying, atOrAfter: ts)] == ts
    }

    /// Appends a group's record, and the batches' waiting records, in one statement: the log's next
    /// number is the state's latest plus one, taken under the state row's lock, and the state names
    /// this instance as the latest appender (since when, in `by_since`). `after`: on condition that the
    /// state's generation is this one and its latest row `after`, or (`flight`) that every row after
    /// `after` is this instance's; nil: the caller holds the row's lock.
    private static func appendStatement(record: Data, pendings: [PendingEvaluation], after: Int64?, generation: Int64, flight: Bool,
                                        by instance: String) -> SQLQueryString {
        var q: SQLQueryString = """
            WITH s AS (UPDATE reading_log_state SET last_seq = last_seq + 1, last_by = \(bind: instance),
            by_since = CASE WHEN last_by = \(bind: instance) THEN by_since ELSE last_seq + 1 END
            """
        if let after {
            q += " WHERE generation = \(bind: generation) AND (last_seq = \(bind: after)"
            q += flight ? " OR (last_by = \(bind: instance) AND by_since <= \(bind: after + 1)))" : ")"
        }
        q += " RETURNING last_seq), l AS (INSERT INTO reading_log (seq, data) SELECT last_seq, \(bind: record) FROM s RETURNING seq)"
        if !pendings.isEmpty {
            q += ", p AS (INSERT INTO pending_evaluations (id, enterprise_id, from_ts, to_ts) SELECT v.id, v.e, v.f, v.t FROM (VALUES "
                + FluentEngineLeaseRepository.pendingRows(pendings) + ") AS v (id, e, f, t), s)"
        }
        return q + " SELECT seq FROM l"
    }

    /// The log row an append returns.
    private struct Seq: Decodable { let seq: Int64 }

    /// A reading of a point within one group, for the rare repeat that is not the point's latest.
    private struct SlotTime: Hashable {
        let slot: Int
        let ts: Int64
    }

    /// What a group's transaction stored: its log row, the readings new to the head (with their slots)
    /// and how many of each request's readings were new.
    private struct Appended: Sendable {
        let seq: Int64?
        let fresh: [(slot: Int, sample: Sample)]
        let counts: [Int]
    }

    /// Commits a group alone; false when it failed.
    @discardableResult
    private func commit(_ group: [Ingest]) async -> Bool {
        do {
            try await load()
            let appended = shared ? try await appendShared(group) : try await store.bulkWrite { db in try await self.append(group, on: db as! any SQLDatabase) }
            // PostgreSQL: a read may have taken the row in already (it is committed).
            if let seq = appended.seq, seq > seen {
                for r in appended.fresh { addToHead(r.slot, r.sample) }
                seen = seq
            }
            answer(group, appended.counts, stored: appended.seq != nil)
            return true
        } catch {
            for job in group { job.done.resume(throwing: error) }
            return false
        }
    }

    /// PostgreSQL, usually one statement: what is new is found against this instance's head, and the
    /// log row goes in only if nothing was appended elsewhere meanwhile (the state row's latest row and
    /// generation are still those the head has taken in: compare-and-set, the row's lock held to the
    /// end of the statement, so the log's order stays its commit order). Otherwise the transaction
    /// that reads the others' rows first (`append`).
    private func appendShared(_ group: [Ingest]) async throws -> Appended {
        let (known, knownGeneration) = (seen, flushGeneration)
        let decided = try await decide(group, on: store.sql)
        guard let record = decided.record else { return Appended(seq: nil, fresh: [], counts: decided.counts) }
        let query = Self.appendStatement(record: record, pendings: decided.pendings, after: known, generation: knownGeneration, flight: false, by: instance)
        if let seq = try await store.bulkStatement({ sql in try await sql.raw(query).first(decoding: Seq.self)?.seq }) {
            return Appended(seq: seq, fresh: decided.fresh, counts: decided.counts)
        }
        return try await store.bulkWrite { db in try await self.append(group, on: db as! any SQLDatabase) }
    }

    /// What a group holds that is new, and the log record and waiting records to store for it.
    private struct Decided {
        let record: Data?
        let fresh: [(slot: Int, sample: Sample)]
        let counts: [Int]
        let pendings: [PendingEvaluation]
        /// A reading was taken for a repeat of one in a flight under way.
        var leans = false
    }

    /// Finds what is new of a group against the head and the blocks.
    private func decide(_ group: [Ingest], on sql: any SQLDatabase) async throws -> Decided {
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
        let moves = headMoves
        let inBlocks = try await storedTimes(older, on: sql)
        // Readings left the head for the blocks meanwhile: what is new is found again.
        if headMoves != moves { return try await decide(group, on: sql) }
        var fresh: [(index: Int, sample: Sample)] = []
        var freshSlots: [Int] = []
        fresh.reserveCapacity(slotIndex.count)
        freshSlots.reserveCapacity(slotIndex.count)
        var points: [UUID] = []
        // Built only when a point's reading comes before one of its readings already taken in this group.
        var late: Set<SlotTime>?
        var counts: [Int] = []
        var pendings: [PendingEvaluation] = []
        var leans = false
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
                if flyingHolds(s, ts) {
                    leans = true
                    continue
                }
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
        guard !fresh.isEmpty else { return Decided(record: nil, fresh: [], counts: counts, pendings: [], leans: leans) }
        return Decided(record: Data(ReadingCodec.record(points: points, readings: fresh)), fresh: zip(freshSlots, fresh).map { ($0, $1.sample) },
                       counts: counts, pendings: pendings, leans: leans)
    }

    /// The group's transaction: finds what is new (against what every instance stored before, on
    /// PostgreSQL) and appends it to the log with the batches' waiting records.
    private func append(_ group: [Ingest], on sql: any SQLDatabase) async throws -> Appended {
        if shared {
            // Waiting for the row's lock, the statement gets the row as the previous holder committed it.
            struct Locked: Decodable { let generation: Int64; let last_seq: Int64 }
            guard let state = try await sql.raw("SELECT generation, last_seq FROM reading_log_state FOR UPDATE").first(decoding: Locked.self) else {
                throw ReadingLogMissing()
            }
            if state.generation > flushGeneration || state.last_seq > seen {
                try await catchingUp.run { try await self.catchUp(on: sql) }
            }
        }
        let decided = try await decide(group, on: sql)
        guard let record = decided.record else { return Appended(seq: nil, fresh: [], counts: decided.counts) }
        let pendings = decided.pendings
        let seq: Int64?
        if shared {
            // One statement: the log row, the state's latest row, the batches' waiting records.
            let q = Self.appendStatement(record: record, pendings: pendings, after: nil, generation: flushGeneration, flight: false, by: instance)
            seq = try await sql.raw(q).first(decoding: Seq.self)?.seq
        } else {
            let waiting: SQLQueryString = "INSERT INTO pending_evaluations (id, enterprise_id, from_ts, to_ts) VALUES " + FluentEngineLeaseRepository.pendingRows(pendings)
            seq = try await sql.raw("INSERT INTO reading_log (data) VALUES (\(bind: record)) RETURNING seq").first(decoding: Seq.self)?.seq
            if !pendings.isEmpty { try await sql.raw(waiting).run() }
        }
        return Appended(seq: seq, fresh: decided.fresh, counts: decided.counts)
    }

    /// Per slot, the span of times of readings that may repeat one already in a block.
    private struct OlderSpans {
        var spans: [Int: (lo: Int64, hi: Int64)] = [:]

        mutating func add(_ slot: Int, _ ts: Int64) {
            let span = spans[slot] ?? (ts, ts)
            spans[slot] = (min(span.lo, ts), max(span.hi, ts))
        }
    }

    /// The times the blocks hold within each slot's span, read all at once: one statement for up to
    /// 500 points (late readings of many points, a gateway's backfill, are looked up together).
    private func storedTimes(_ older: OlderSpans, on sql: any SQLDatabase) async throws -> [Int: Set<Int64>] {
        var out: [Int: Set<Int64>] = [:]
        let spans = Array(older.spans)
        struct Row: Decodable { let point_id: UUID; let data: Data; let lo: Int64; let hi: Int64 }
        for chunk in stride(from: 0, to: spans.count, by: 500) {
            var q: SQLQueryString = "WITH v (p, lo, hi) AS (VALUES "
            for (i, (s, span)) in spans[chunk..<min(chunk + 500, spans.count)].enumerated() {
                q += (i == 0 ? "(" : ", (") + "\(bind: slots[s].point), \(bind: span.lo), \(bind: span.hi))"
            }
            q += ") SELECT b.point_id, b.data, v.lo, v.hi FROM reading_blocks b JOIN v ON b.point_id = v.p AND b.last_ts >= v.lo AND b.first_ts <= v.hi"
            for row in try await sql.raw(q).all(decoding: Row.self) {
                guard let s = slotOf[IDKey(row.point_id)] else { continue }
                out[s, default: []].formUnion(try Self.samples(ofBlock: row.data, from: row.lo, to: row.hi + 1).map(\.ts))
            }
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
        let i = Self.placeFromEnd(in: slots[s].head, atOrAfter: ts)
        return i < slots[s].head.count && slots[s].head[i].ts == ts
    }

    private func addToHead(_ s: Int, _ sample: Sample) {
        if headSince == nil { headSince = ContinuousClock.now }
        headCount += 1
        if let last = slots[s].head.last, last.ts > sample.ts {
            slots[s].head.insert(sample, at: Self.placeFromEnd(in: slots[s].head, atOrAfter: sample.ts))
        } else {
            slots[s].head.append(sample)
        }
    }

    /// A block's readings in [from, to).
    static func samples(ofBlock data: Data, from: Int64, to: Int64) throws -> ArraySlice<Sample> {
        let all = try ReadingCodec.samples(ofBlock: Array(data))
        return all[firstIndex(in: all, atOrAfter: from)..<firstIndex(in: all, atOrAfter: to)]
    }

    static func firstIndex(in list: [Sample], atOrAfter ts: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].ts < ts { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// A point's tail (`tail` from `from`; `from` `.max`: none) after `written` (its readings just
    /// written out, in time order, none of them in the blocks before) went into the blocks, where
    /// `previous` was its latest time before. From the tail's start on (or, with none, after
    /// `previous`) the blocks now hold the tail and what was written there; past `length` the
    /// oldest times go, and the tail starts after the last one dropped.
    static func tail(_ tail: [Int64], from: Int64, adding written: [Int64], previous: Int64?, length: Int) -> (times: [Int64], from: Int64) {
        let start = from != .max ? from : previous.map { $0 + 1 } ?? .min
        let kept = from != .max ? tail : []
        let added = written[firstIndex(in: written, atOrAfter: start)...]
        var times = kept + added
        if let last = kept.last, let first = added.first, first < last { times.sort() }
        guard times.count > length else { return (times, start) }
        let dropped = times[times.count - length - 1]
        times.removeFirst(times.count - length)
        return (times, dropped + 1)
    }

    /// `firstIndex`, looking from the end first: a reading out of order (gateways' batches overtaking
    /// one another) is usually only a step or two behind its point's latest, and a search over the
    /// whole head touched memory far from the end for each.
    static func placeFromEnd(in list: [Sample], atOrAfter ts: Int64) -> Int {
        var i = list.count
        let stop = max(0, i - 8)
        while i > stop, list[i - 1].ts >= ts { i -= 1 }
        return i > 0 && list[i - 1].ts >= ts ? firstIndex(in: list, atOrAfter: ts) : i
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

    /// `upTo`: the log rows the blocks' readings came from; 0 for blocks rewritten or moved in; nil
    /// before the blocks had the column (`M037ReadingBlocks`).
    static func insert(_ blocks: [BlockRow], upTo: Int64?, on sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: blocks.count, by: 500) {
            var q: SQLQueryString = "INSERT INTO reading_blocks (point_id, first_ts, last_ts, n, data" + (upTo == nil ? ") VALUES " : ", upto_seq) VALUES ")
            for (i, b) in blocks[chunk..<min(chunk + 500, blocks.count)].enumerated() {
                q += (i == 0 ? "(" : ", (")
                    + "\(bind: b.point), \(bind: b.samples.first!.ts), \(bind: b.samples.last!.ts), \(bind: b.samples.count), \(bind: Data(ReadingCodec.block(b.samples)))"
                q += upTo.map { ", \(bind: $0))" } ?? ")"
            }
            try await sql.raw(q).run()
        }
    }

    static func blocks(of point: UUID, _ samples: [Sample]) -> [BlockRow] {
        stride(from: 0, to: samples.count, by: blockSize).map { BlockRow(point: point, samples: samples[$0..<min($0 + blockSize, samples.count)]) }
    }

    /// Starts writing out the points the head holds now, with the readings each holds now: those of
    /// the log rows up to `seen`, which the cycle removes at its end.
    private func startCycle() {
        let taken = slots.indices.filter { !slots[$0].head.isEmpty }.map { (slot: $0, samples: slots[$0].head) }
        cycle = Cycle(upTo: seen, rest: taken[...])
        headSince = nil
    }

    private enum ChunkOutcome: Sendable {
        case written
        /// Another instance is writing the head out.
        case busy
        /// The log's state moved on (another instance wrote the head out, or took over one that
        /// stopped): the head is read again before anything is written.
        case stale
    }

    private struct LogState: Decodable, Sendable {
        let flushed_to: Int64
        let generation: Int64
        let cycle_owner: String?
        let cycle_at: Int64?
    }

    /// The cycle's chunk was written while its instance no longer held the cycle at the generation it
    /// began with: rolled back.
    private struct CycleLost: Error {}

    /// Writes the cycle's next points out as blocks, in one transaction; the last chunk also removes
    /// the cycle's log rows and moves the log's state on. Until then a crash leaves those rows, whose
    /// readings already written out are found in the blocks when the log is read back (`rebuild`).
    /// `beside`: a chunk written beside the commits (PostgreSQL, `runChunks`), never the last one: the
    /// log rows are removed by a chunk without points, between two commits.
    /// Anything but `written`: the cycle was given up (another instance writes the head out, or the
    /// log moved on).
    @discardableResult
    private func writeChunk(beside: Bool = false) async throws -> ChunkOutcome {
        guard let running = cycle else { return .written }
        let epoch = headEpoch
        let (upTo, known) = (running.upTo, flushGeneration)
        let shared = self.shared, instance = self.instance
        if shared, !running.begun {
            // The cycle is claimed in a transaction of its own, so that the chunks need the state row's
            // lock only for the moment of their commit (the appends take turns on that row).
            let claimed: ChunkOutcome = try await store.bulkWrite { db in
                let sql = db as! any SQLDatabase
                let now = FluentReadingRepository.millis(Date())
                guard let state = try await sql.raw("SELECT flushed_to, generation, cycle_owner, cycle_at FROM reading_log_state FOR UPDATE")
                    .first(decoding: LogState.self), state.generation == known else { return .stale }
                if let owner = state.cycle_owner, owner != instance {
                    guard now - (state.cycle_at ?? 0) > Self.cycleStale else { return .busy }
                    // Its instance stopped mid-way: its blocks stay, and every instance reads the log back,
                    // less what they hold.
                    try await sql.raw("UPDATE reading_log_state SET cycle_owner = NULL, cycle_at = NULL, generation = generation + 1").run()
                    return .stale
                }
                try await sql.raw("UPDATE reading_log_state SET cycle_owner = \(bind: instance), cycle_at = \(bind: now)").run()
                return .written
            }
            switch claimed {
            case .written:
                guard headEpoch == epoch, cycle != nil else { return .stale }
                cycle?.begun = true
            case .busy:
                cycle = nil
                cycleBusyUntil = .now + .seconds(1)
                return .busy
            case .stale:
                cycle = nil
                try await current()
                return .stale
            }
        }
        let part = running.rest.prefix(pointsPerChunk)
        let last = !beside && part.count == running.rest.count
        guard last || !part.isEmpty else { return .written }
        let rows = part.flatMap { Self.blocks(of: slots[$0.slot].point, $0.samples) }
        do {
            try await store.bulkWrite { db in
                let sql = db as! any SQLDatabase
                try await Self.insert(rows, upTo: upTo, on: sql)
                if last { try await sql.raw("DELETE FROM reading_log WHERE seq <= \(bind: upTo)").run() }
                let state: SQLQueryString
                if last {
                    state = "UPDATE reading_log_state SET flushed_to = \(bind: upTo), generation = generation + 1, cycle_owner = NULL, cycle_at = NULL"
                } else if shared {
                    state = "UPDATE reading_log_state SET cycle_at = \(bind: FluentReadingRepository.millis(Date()))"
                } else {
                    return
                }
                guard shared else { return try await sql.raw(state).run() }
                // Still this instance's cycle at the generation it began with: checked under the row's
                // lock, taken last so that appends wait for it only while this commits.
                struct Held: Decodable { let generation: Int64 }
                guard try await sql.raw(state + " WHERE generation = \(bind: known) AND cycle_owner = \(bind: instance) RETURNING generation")
                    .first(decoding: Held.self) != nil else { throw CycleLost() }
            }
        } catch is CycleLost {
            cycle = nil
            try await current()
            return .stale
        }
        // Read back meanwhile (after this commit: the reading-back found these blocks).
        guard headEpoch == epoch, cycle != nil else { return .written }
        headMoves &+= 1
        for (s, samples) in part {
            guard let newest = samples.last?.ts else { continue }
            let previous = slots[s].flushedMax
            (slots[s].tail, slots[s].tailFrom) = Self.tail(slots[s].tail, from: slots[s].tailFrom, adding: samples.map(\.ts), previous: previous,
                                                             length: tailLength)
            slots[s].flushedMax = max(previous ?? .min, newest)
            headCount -= samples.count
            if slots[s].head.count == samples.count {
                slots[s].head = []
            } else {
                // Readings taken in since the cycle began stay (the head only grew meanwhile).
                let written = Set(samples.map(\.ts))
                slots[s].head.removeAll { written.contains($0.ts) }
            }
        }
        if last {
            cycle = nil
            flushedTo = upTo
            flushGeneration = known + 1
        } else {
            cycle?.begun = true
            cycle?.rest = running.rest.dropFirst(part.count)
        }
        return .written
    }

    /// PostgreSQL: writes the cycle's points out, a chunk at a time, while the commits of new readings
    /// go on; then asks for the chunk that removes the log rows (`seal`). A failed or given-up chunk
    /// ends it; the next commit's turn starts it again.
    private func runChunks() async {
        while let running = cycle, !running.rest.isEmpty {
            guard (try? await writeChunk(beside: true)) == .written else { break }
        }
        chunking = nil
        if cycle?.rest.isEmpty == true { enqueue(.seal) }
    }

    /// Writes the whole head out and empties the log: the cycle in progress, then one for what came
    /// since. PostgreSQL: gives up when another instance is writing out.
    private func writeOut() async throws {
        if let chunking { await chunking.value }
        try await current()
        var stale = 0
        while cycle != nil || seen > flushedTo || headCount > 0 {
            if cycle == nil { startCycle() }
            switch try await writeChunk() {
            case .written: break
            case .busy: return
            case .stale:
                // Read back already; a few more tries, as another instance may be finishing meanwhile.
                stale += 1
                if stale >= 3 { return }
            }
        }
        headSince = nil
    }

    private func removeOld(before cutoff: Int64) async throws {
        try await writeOut()
        struct Row: Decodable { let id: Int64; let point_id: UUID; let data: Data }
        var removed = false
        let shared = self.shared
        while true {
            // Chosen in the transaction that removes them (on PostgreSQL holding the retention's lock), so
            // two instances never roll up the same block.
            let more = try await store.bulkWrite { db -> Bool in
                let sql = db as! any SQLDatabase
                if shared { try await sql.raw("SELECT pg_advisory_xact_lock(141102)").run() }
                let old = try await sql.raw("SELECT id, point_id, data FROM reading_blocks WHERE first_ts < \(bind: cutoff) LIMIT 200").all(decoding: Row.self)
                guard !old.isEmpty else { return false }
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
                var q: SQLQueryString = "DELETE FROM reading_blocks WHERE id IN ("
                for (i, row) in old.enumerated() { q += (i == 0 ? "" : ", ") + "\(bind: row.id)" }
                try await sql.raw(q + ")").run()
                try await Self.insert(kept, upTo: 0, on: sql)
                try await FluentReadingRepository.addRollups(minutes, on: sql)
                return true
            }
            guard more else { break }
            removed = true
        }
        // A point whose every reading went has no latest time any more (its connection figure counts
        // it as not reporting, as before any reading came).
        if removed { try await readLatestInBlocks() }
    }

    // MARK: Starting and following

    /// Reads each point's latest stored time and the log back into the head, once.
    private func load() async throws {
        if let loading { return try await loading.value }
        let task = Task { try await self.catchingUp.run { try await self.rebuild(on: self.store.sql, all: true) } }
        loading = task
        do { try await task.value } catch {
            loading = nil
            throw error
        }
    }

    /// Before a read on PostgreSQL: takes in what other instances appended since (or, when the log's
    /// state moved on, reads the log back). Nothing to do on SQLite, whose only writer is this process.
    func current() async throws {
        try await load()
        guard shared else { return }
        try await catchingUp.run { try await self.catchUp(on: self.store.sql) }
    }

    /// Takes in the log rows after `seen`, or reads the log back when its state moved on. The caller
    /// holds `catchingUp` (or, appending, the log's lock, under which nothing else can be appended).
    private func catchUp(on sql: any SQLDatabase) async throws {
        struct Row: Decodable { let flushed_to: Int64; let generation: Int64; let seq: Int64?; let data: Data? }
        let rows = try await sql.raw("""
            SELECT s.flushed_to, s.generation, l.seq, l.data FROM reading_log_state s LEFT JOIN reading_log l ON l.seq > \(bind: seen) ORDER BY l.seq
            """).all(decoding: Row.self)
        guard let state = rows.first else { return }
        if state.generation > flushGeneration { return try await rebuild(on: sql, all: false) }
        for row in rows {
            guard let seq = row.seq, let data = row.data, seq > seen else { continue }
            for r in try ReadingCodec.readings(ofRecord: Array(data)) {
                let s = slot(r.point)
                if !headHolds(s, r.sample.ts) { addToHead(s, r.sample) }
            }
            seen = seq
            elsewhere.withLockedValue { $0.others &+= 1 }
        }
        landedAbove = landedAbove.filter { $0 > seen }
    }

    static func latestInBlocks(_ sql: any SQLDatabase, since: Int64? = nil) async throws -> [UUID: Int64] {
        struct Max: Decodable { let point_id: UUID; let m: Int64 }
        let filter: SQLQueryString = since.map { " WHERE upto_seq > \(bind: $0)" } ?? ""
        return try await sql.raw("SELECT point_id, MAX(last_ts) AS m FROM reading_blocks" + filter + " GROUP BY point_id").all(decoding: Max.self)
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

    /// Reads the head back from the log: the rows after the state's `flushed_to`, less what a
    /// writing-out cut short (or still going on elsewhere) already put in the blocks. `all`: each
    /// point's latest time in the blocks from all of them (at the start); otherwise from the blocks
    /// written since this instance last knew the state. Everything is read first and the head replaced
    /// at once, so reads never see it half-built.
    private func rebuild(on sql: any SQLDatabase, all: Bool) async throws {
        guard let state = try await sql.raw("SELECT flushed_to, generation, cycle_owner, cycle_at FROM reading_log_state").first(decoding: LogState.self) else { return }
        let latest = try await Self.latestInBlocks(sql, since: all ? nil : flushedTo)
        struct Record: Decodable { let seq: Int64; let data: Data }
        var replayed: [(slot: Int, sample: Sample)] = []
        var last = state.flushed_to
        for row in try await sql.raw("SELECT seq, data FROM reading_log WHERE seq > \(bind: state.flushed_to) ORDER BY seq").all(decoding: Record.self) {
            last = row.seq
            for r in try ReadingCodec.readings(ofRecord: Array(row.data)) { replayed.append((slot(r.point), r.sample)) }
        }
        var maxOf: [Int: Int64] = [:]
        for (point, m) in latest {
            let s = slot(point)
            maxOf[s] = all ? m : Swift.max(slots[s].flushedMax ?? .min, m)
        }
        func flushedMax(_ s: Int) -> Int64? { maxOf[s] ?? (all ? nil : slots[s].flushedMax) }
        var older = OlderSpans()
        for r in replayed {
            guard let max = flushedMax(r.slot), r.sample.ts <= max else { continue }
            older.add(r.slot, r.sample.ts)
        }
        let inBlocks = try await storedTimes(older, on: sql)
        // From here on nothing waits: the head is replaced in one go.
        for s in slots.indices {
            slots[s].flushedMax = flushedMax(s)
            slots[s].head = []
            slots[s].tail = []
            slots[s].tailFrom = .max
        }
        headCount = 0
        headSince = nil
        cycle = nil
        headEpoch &+= 1
        headMoves &+= 1
        // Flights under way were decided against the head replaced: none is sent until they settle.
        troubled = true
        for r in replayed where inBlocks[r.slot]?.contains(r.sample.ts) != true && !headHolds(r.slot, r.sample.ts) {
            addToHead(r.slot, r.sample)
        }
        seen = last
        landedAbove = landedAbove.filter { $0 > seen }
        flushedTo = state.flushed_to
        flushGeneration = state.generation
        // What was read back may hold other instances' rows.
        elsewhere.withLockedValue { $0.others &+= 1 }
    }

    // MARK: Reading

    /// The head's readings of a point in [from, to); `current`: after taking in what other instances
    /// appended (a caller reading many points does that once, with `current()`).
    private func headSamples(_ point: UUID, from: Int64, to: Int64, current: Bool) async throws -> ArraySlice<Sample> {
        if current { try await self.current() } else { try await load() }
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
            out += try Self.samples(ofBlock: row.data, from: from, to: to)
        }
        return out
    }

    /// A point's readings in [from, to), oldest first. The head is read before the blocks: a flush
    /// committing in between then shows its readings twice (dropped here), never not at all.
    func samples(point: UUID, from: Int64, to: Int64, current: Bool = true) async throws -> [Sample] {
        let head = try await headSamples(point, from: from, to: to, current: current)
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
    func last(point: UUID, before limit: Int64 = .max, current: Bool = true) async throws -> Sample? {
        let head = try await headSamples(point, from: .min, to: limit, current: current)
        var best = head.last
        // The blocks are asked only when they can hold a later reading: a point new since the last
        // writing-out (the engine's first look at each, a city's thousands at a start) has none.
        guard let s = slotOf[IDKey(point)], let newest = slots[s].flushedMax, newest > best?.ts ?? .min else { return best }
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
        try await current()
        var out: [UUID: Int64] = [:]
        for p in points {
            guard let s = slotOf[IDKey(p)] else { continue }
            let t = max(slots[s].head.last?.ts ?? .min, slots[s].flushedMax ?? .min)
            if t > .min { out[p] = t }
        }
        return out
    }
}

/// The log's state row is missing: the database was not migrated.
struct ReadingLogMissing: Error {}

extension FluentReadingRepository {
    static func reading(_ point: UUID, _ s: Sample) -> Reading {
        Reading(pointID: point, ts: Date(timeIntervalSince1970: Double(s.ts) / 1000), value: s.value, state: s.state)
    }

    /// The slices counted from the raw readings in the range and, for long ranges, from the
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
