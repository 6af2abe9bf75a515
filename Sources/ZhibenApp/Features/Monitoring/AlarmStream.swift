import Foundation
import NIOCore
import Vapor
import ZhibenDomain

/// The live board's Server-Sent Events: one `alarm` event for each alarm in the caller's scope (and the
/// filters) that is raised or changes, from `since` on. The API sends `AlarmDTO`; the page sends its own
/// table row with it. Each event's `id` is the change time in milliseconds, so a reconnecting
/// `EventSource` (which sends it back as `Last-Event-ID`) resumes where it stopped.
enum AlarmStream {
    /// How often a stream looks for changes made by other instances (changes made here wake it at once).
    static let poll: Duration = .seconds(2)
    /// A comment line after this many quiet polls keeps proxies from closing the connection.
    static let keepAliveEvery = 8
    /// The sign-in is checked again after this many polls; a stream of a signed-out session ends.
    static let recheckEvery = 30
    static let batch = 500

    /// `withTotal`: after each batch of changes, a `total` event with how many alarms the query now
    /// lists (the board's count, which a change off its page can alter but not show).
    static func response(req: Request, query: AlarmQuery, withTotal: Bool = false, render: @escaping @Sendable (Alarm) throws -> String) throws -> Response {
        let caller = try req.caller
        try caller.require(.monitoringRead)
        guard let token = req.auth?.token else { throw Abort(.unauthorized) }
        let services = req.zhiben
        let now = services.clock.now()
        let since = try startTime(req, now: now)
        let logger = req.logger

        let res = Response(status: .ok)
        res.headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        res.body = Response.Body(asyncStream: { writer in
            let feed = services.alarms.feed
            let (followID, signals) = await feed.follow(tick: poll)
            var cursor = AlarmChangeCursor(since: since)
            var quiet = 0
            var polls = 0
            do {
                // The server is stopping: end at once rather than read storage that is closing.
                guard await !feed.isClosed else {
                    try await writer.write(.end)
                    return
                }
                try await writer.write(.buffer(ByteBuffer(string: "retry: 3000\n\n")))
                try await passOn(&cursor, services: services, query: query, caller: caller, withTotal: withTotal, writer: writer, render: render)
                for await signal in signals {
                    let sent = try await passOn(&cursor, services: services, query: query, caller: caller, withTotal: withTotal, writer: writer, render: render)
                    guard case .tick = signal else { continue }
                    polls += 1
                    quiet = sent > 0 ? 0 : quiet + 1
                    if quiet >= keepAliveEvery {
                        quiet = 0
                        try await writer.write(.buffer(ByteBuffer(string: ": \(ISOTime.string(services.clock.now()))\n\n")))
                    }
                    if polls % recheckEvery == 0, try await services.sessions.authenticate(token) == nil { break }
                }
                await feed.unfollow(followID)
                try await writer.write(.end)
            } catch {
                // Most often the client went away; the next write found the connection closed.
                await feed.unfollow(followID)
                logger.debug("alarm stream ended: \(error)")
                try? await writer.write(.error(error))
            }
        })
        return res
    }

    /// `Last-Event-ID` (a reconnect), else `since` (milliseconds or ISO 8601), else now.
    static func startTime(_ req: Request, now: Date) throws -> Date {
        for text in [req.headers.first(name: "Last-Event-ID"), req.queryString("since")].compactMap({ $0 }) {
            if let ms = Int64(text) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
            if let d = try APIDate.parse(text, field: "since") { return d }
        }
        return now
    }

    /// Reads what changed since the cursor and writes each new change as an event; returns how many.
    @discardableResult
    static func passOn(_ cursor: inout AlarmChangeCursor, services: ZhibenServices, query: AlarmQuery, caller: Caller, withTotal: Bool = false,
                       writer: any AsyncBodyStreamWriter, render: @Sendable (Alarm) throws -> String) async throws -> Int {
        var from = cursor.readFrom
        var count = 0
        // A full batch means more are waiting: read on from the latest change (no look-back), a few times at most.
        for _ in 0..<20 {
            let read = try await services.alarms.changes(query, from: from, limit: batch, actor: caller)
            let fresh = cursor.take(read)
            if !fresh.isEmpty {
                var text = ""
                for a in fresh {
                    text += "event: alarm\nid: \(Int64((a.updatedAt.timeIntervalSince1970 * 1000).rounded()))\ndata: \(try render(a))\n\n"
                }
                try await writer.write(.buffer(ByteBuffer(string: text)))
                count += fresh.count
            }
            guard read.count == batch, cursor.latest > from else { break }
            from = cursor.latest
        }
        if withTotal, count > 0 {
            let total = try await services.alarms.list(query, page: Paging(per: 1), actor: caller).total
            try await writer.write(.buffer(ByteBuffer(string: "event: total\ndata: \(total)\n\n")))
        }
        return count
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
