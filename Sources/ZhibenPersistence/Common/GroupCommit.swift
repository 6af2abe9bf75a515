import FluentKit
import Foundation
import SQLKit
import ZhibenDomain

/// Audited writes, committed in groups: the writes that arrive while a group commits wait for the next
/// group, and each group is one transaction (one fsync) on one connection. A write that fails is rolled
/// back alone and the others in its group still commit (see `run`). Each is answered only after the
/// commit that holds it, with its own result or error; when the commit itself fails, every write in the
/// group is answered with that error.
///
/// The writes of a group run one after another in arrival order, so each sees the ones before it; their
/// audit entries are chained in that order at the group's end.
actor GroupCommitter {
    typealias Body = @Sendable (any Database) async throws -> any Sendable

    struct Job {
        let body: Body
        let queued: ContinuousClock.Instant
        let done: CheckedContinuation<any Sendable, any Error>
    }

    /// The most writes one group holds: later ones wait for the next group, which bounds how long the
    /// first write of a group waits for the others.
    static let maxGroup = 128

    private var waiting: [Job] = []
    private var draining = false
    /// Runs one group in one transaction; set once by the store.
    private let commit: @Sendable ([Job]) async -> Void

    init(commit: @escaping @Sendable ([Job]) async -> Void) {
        self.commit = commit
    }

    func submit(_ body: @escaping Body) async throws -> any Sendable {
        let queued = ContinuousClock.now
        return try await withCheckedThrowingContinuation { done in
            waiting.append(Job(body: body, queued: queued, done: done))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func next() -> [Job]? {
        guard !waiting.isEmpty else {
            draining = false
            return nil
        }
        let group = Array(waiting.prefix(Self.maxGroup))
        waiting.removeFirst(group.count)
        return group
    }

    private func drain() async {
        while let group = next() {
            await commit(group)
        }
    }

    /// Runs `group` inside the open transaction `tx`, then writes the audit entries of the writes that
    /// succeeded, chained in order, in one statement. The writes first run one after another in one
    /// savepoint, which nearly always holds; when one fails, that savepoint is undone and every write runs
    /// again in a savepoint of its own, so that only the failing ones are undone. (A write therefore may
    /// run twice: a body touches nothing but the database.) Returns each write's outcome; throws when
    /// the transaction can no longer commit (a savepoint that cannot be rolled back, the entries that
    /// cannot be written).
    ///
    /// `.bare` (SQLite, where the transaction holds nothing but the group): the writes run together
    /// without the group's savepoint, which makes SQLite copy every page they touch to a sub-journal
    /// first; when one fails, `OneByOne` is thrown instead, the caller rolls the whole transaction back
    /// and runs the group again as `.oneByOne` in a new one.
    static func run(_ group: [Job], on tx: any Database, mode: Mode = .savepoint) async throws -> [Result<any Sendable, any Error>] {
        if group.count == 1 {
            let pending = PendingAudit()
            let value = try await AuditChain.$pending.withValue(pending) { try await group[0].body(tx) }
            try await AuditChain.write(pending.entries, on: tx)
            return [.success(value)]
        }
        let sql = tx as! any SQLDatabase
        var outcomes: [Result<any Sendable, any Error>] = []
        outcomes.reserveCapacity(group.count)
        var entries: [(event: AuditChain.Event, audit: AuditContext)] = []
        if mode != .oneByOne {
            let savepoint = mode == .savepoint
            if savepoint { try await sql.raw("SAVEPOINT audited_group").run() }
            do {
                for job in group {
                    let pending = PendingAudit()
                    outcomes.append(.success(try await AuditChain.$pending.withValue(pending) { try await job.body(tx) }))
                    entries += pending.entries
                }
                if savepoint { try await sql.raw("RELEASE SAVEPOINT audited_group").run() }
                try await AuditChain.write(entries, on: tx)
                return outcomes
            } catch {
                guard savepoint else { throw OneByOne() }
                try await sql.raw("ROLLBACK TO SAVEPOINT audited_group").run()
                try await sql.raw("RELEASE SAVEPOINT audited_group").run()
            }
        }
        outcomes = []
        entries = []
        for job in group {
            let pending = PendingAudit()
            try await sql.raw("SAVEPOINT audited_write").run()
            do {
                let value = try await AuditChain.$pending.withValue(pending) { try await job.body(tx) }
                try await sql.raw("RELEASE SAVEPOINT audited_write").run()
                outcomes.append(.success(value))
                entries += pending.entries
            } catch {
                try await sql.raw("ROLLBACK TO SAVEPOINT audited_write").run()
                try await sql.raw("RELEASE SAVEPOINT audited_write").run()
                outcomes.append(.failure(error))
            }
        }
        try await AuditChain.write(entries, on: tx)
        return outcomes
    }
}

extension GroupCommitter {
    /// How a group's writes run (see `run`): together in the group's savepoint, together without one,
    /// or each in a savepoint of its own.
    enum Mode: Sendable { case savepoint, bare, oneByOne }
}

/// A write of a group run without the group's savepoint failed: the transaction is to be rolled back and
/// the group run again one write at a time (see `GroupCommitter.run`).
struct OneByOne: Error {}
