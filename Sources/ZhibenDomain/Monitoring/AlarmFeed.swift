import Foundation

/// Wakes whoever follows alarms (the live board's streams) when an alarm changes in this process. It
/// carries no alarms itself: a woken follower reads the changes from storage, in its own scope, so
/// changes made by another instance reach it too when it next looks.
public actor AlarmFeed {
    public enum Signal: Sendable { case changed, tick }

    private var followers: [UUID: AsyncStream<Signal>.Continuation] = [:]
    private var closed = false

    public init() {}

    /// A stream of wake-ups: `.changed` after each change here (several coalesce into one), `.tick` every
    /// `tick` so the follower looks for changes made elsewhere and keeps its connection alive. It ends
    /// when the feed closes (at shutdown).
    public func follow(tick: Duration) -> (id: UUID, signals: AsyncStream<Signal>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(2))
        guard !closed else {
            continuation.finish()
            return (id, stream)
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                if Task.isCancelled { break }
                continuation.yield(.tick)
            }
        }
        continuation.onTermination = { _ in ticker.cancel() }
        followers[id] = continuation
        return (id, stream)
    }

    public func unfollow(_ id: UUID) {
        followers.removeValue(forKey: id)?.finish()
    }

    public func changed() {
        for c in followers.values { c.yield(.changed) }
    }

    public var count: Int { followers.count }

    /// Closed at shutdown: a stream opened now reads nothing.
    public var isClosed: Bool { closed }

    /// Ends every stream; later followers get an ended one.
    public func close() {
        closed = true
        for c in followers.values { c.finish() }
        followers = [:]
    }
}

/// What a follower has already passed on, so that a change read twice (the reads overlap, see
/// `lookback`) goes out once. Pure: the stream loop feeds it what storage returned.
public struct AlarmChangeCursor: Sendable {
    /// How far back each read reaches before the latest change seen: a change committed late, by another
    /// connection or instance, with an earlier time is still caught.
    public static let lookback: TimeInterval = 5

    /// Nothing before this is read.
    public let floor: Date
    /// The latest change time passed on.
    public private(set) var latest: Date
    private var sent: [UUID: Date] = [:]

    public init(since: Date) {
        floor = since
        latest = since
    }

    /// Where the next read starts.
    public var readFrom: Date { max(floor, latest.addingTimeInterval(-Self.lookback)) }

    /// The alarms among `read` (in change order) not yet passed on in this version, which it records as
    /// passed on.
    public mutating func take(_ read: [Alarm]) -> [Alarm] {
        var out: [Alarm] = []
        for a in read {
            if let at = sent[a.id], at >= a.updatedAt { continue }
            sent[a.id] = a.updatedAt
            latest = max(latest, a.updatedAt)
            out.append(a)
        }
        let horizon = readFrom
        sent = sent.filter { $0.value >= horizon }
        return out
    }
}
