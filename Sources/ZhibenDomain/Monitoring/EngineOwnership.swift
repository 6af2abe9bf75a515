import Foundation

/// A batch of readings stored and not yet evaluated by the alarm engine. It is written in the readings'
/// own commit and removed in (or after) the commit that records what the engine decided on them, so a
/// batch acknowledged to its gateway is evaluated even when the process dies before the engine has run,
/// or when the instance that stored it does not run the enterprise's engine.
public struct PendingEvaluation: Sendable, Equatable {
    public var id: UUID
    public var enterpriseID: UUID
    /// The batch's earliest and latest reading time: its readings are the enterprise's points' in this span.
    public var from: Date
    public var to: Date

    /// The engine (`AlarmService.owner`) of the request that stored the batch, while in memory; empty
    /// when read from storage or not known.
    public var storedBy: String

    public init(id: UUID = UUID(), enterpriseID: UUID, from: Date, to: Date, storedBy: String = "") {
        self.id = id
        self.enterpriseID = enterpriseID
        self.from = from
        self.to = to
        self.storedBy = storedBy
    }
}

/// What the engine's writes check in their commit: that this instance still holds each enterprise's
/// lease at the epoch it knows. An instance that stalled past its lease and lost it writes nothing.
public struct EngineFence: Sendable, Equatable {
    public var owner: String
    public var epochs: [UUID: Int]

    public init(owner: String, epochs: [UUID: Int]) {
        self.owner = owner
        self.epochs = epochs
    }
}

/// Refused by storage: the leases of these enterprises passed to another instance.
public struct EngineLeaseLost: Error, Sendable, Equatable {
    public var enterpriseIDs: [UUID]
    public init(enterpriseIDs: [UUID]) { self.enterpriseIDs = enterpriseIDs }
}

/// Which instance runs each enterprise's alarm engine (evaluation, silence, escalation) when several
/// share one database: one lease per enterprise. The holder renews its leases every second; a lease
/// not renewed for its time to live is taken by the next instance that claims. Each change of hands
/// raises the lease's epoch.
public protocol EngineLeaseRepository: Sendable {
    /// Renews every lease `owner` holds, and takes those free or expired (`force`: all of them): of
    /// `enterpriseIDs`, or when nil of every enterprise with a point in service or a batch waiting.
    /// Returns every lease the owner holds afterwards, with its epoch.
    func claim(_ enterpriseIDs: [UUID]?, owner: String, now: Date, ttl: TimeInterval, force: Bool) async throws -> [UUID: Int]
    /// Gives the owner's leases up (a clean stop): another instance takes them at its next claim.
    func release(owner: String) async throws
    /// Batches waiting, of the enterprises whose leases `owner` holds (of one of them, when given),
    /// oldest readings first.
    func pending(owner: String, enterpriseID: UUID?, limit: Int) async throws -> [PendingEvaluation]
    /// The stored readings of the batch's enterprise's points within its span.
    func readings(of batch: PendingEvaluation) async throws -> [Reading]
    /// Removes batches that were evaluated.
    func removePending(_ ids: [UUID]) async throws
    /// A count that moves on whenever this instance learns of batches stored by engines other than
    /// `engine` (another instance's, found in the readings it appended; or another engine in this
    /// process). While it stays, no such batch can be waiting that an earlier read of the waiting
    /// batches missed.
    func storedElsewhere(than engine: String) -> Int
}

/// This instance's leases, and the batches it evaluated whose records are still to be removed.
actor EngineOwnership {
    private(set) var held: [UUID: Int] = [:]
    private var evaluated: [UUID] = []
    private var inFlight: Set<UUID> = []
    /// Set when the leases were given up at a stop: nothing is claimed again.
    private(set) var stopped = false

    func stop() {
        stopped = true
        held = [:]
    }

    /// Takes the leases as storage answered: those gained (new, or back at another epoch, so the
    /// engine's memory of them is stale) and those lost.
    func update(_ now: [UUID: Int]) -> (gained: [UUID], lost: [UUID]) {
        let gained = now.filter { held[$0.key] != $0.value }.map(\.key)
        let lost = held.keys.filter { now[$0] == nil }
        held = now
        for id in gained + lost { clean.removeValue(forKey: id) }
        return (gained, lost)
    }

    func lose(_ ids: [UUID]) {
        for id in ids {
            held.removeValue(forKey: id)
            clean.removeValue(forKey: id)
        }
    }

    /// The enterprises whose waiting batches were last read with nothing found but this instance's own
    /// (in flight or evaluated), with `storedElsewhere` as it was before that read: until it moves on,
    /// a lease changes hands or an evaluation fails, there is nothing new to read.
    private var clean: [UUID: Int] = [:]

    /// Whether a request of the enterprise reads its waiting batches: false when this instance does
    /// not run its engine, or when nothing can have come since a read found none (`stamp`: the
    /// `storedElsewhere` count now).
    func readsWaiting(_ enterprise: UUID, stamp: Int) -> Bool { held[enterprise] != nil && clean[enterprise] != stamp }
    func markClean(_ enterprise: UUID, stamp: Int) { if held[enterprise] != nil { clean[enterprise] = stamp } }
    func unclean(_ enterprise: UUID) { clean.removeValue(forKey: enterprise) }

    /// The batches whose records were handed out for removal lately: a request that read the waiting
    /// batches before its turn may still name them.
    private var removed: Set<UUID> = []
    private var removedOrder: [UUID] = []
    static let removedKept = 8192

    func evaluated(_ ids: [UUID]) { evaluated += ids }
    func takeEvaluated() -> [UUID] {
        defer { evaluated = [] }
        for id in evaluated where removed.insert(id).inserted { removedOrder.append(id) }
        if removedOrder.count > Self.removedKept {
            let old = removedOrder.count - Self.removedKept
            for id in removedOrder[..<old] { removed.remove(id) }
            removedOrder.removeFirst(old)
        }
        return evaluated
    }

    /// A batch being stored and evaluated by its request: the background pass leaves it alone meanwhile.
    func begin(_ id: UUID) { inFlight.insert(id) }
    func end(_ id: UUID) { inFlight.remove(id) }
    /// Whether a waiting batch is left alone: its request is at it, or it was evaluated already.
    func leavesAlone(_ id: UUID) -> Bool { inFlight.contains(id) || removed.contains(id) || evaluated.contains(id) }
}
