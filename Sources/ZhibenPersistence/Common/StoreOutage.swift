import AsyncKit
import FluentPostgresDriver
import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// Tells an unreachable database (stopped, restarting, the network to it down) from every other failure,
/// so that callers answer "unavailable, try again shortly" (503) instead of an internal error, and
/// nothing is reported as a bug.
public enum StoreOutage {
    public static func isUnreachable(_ error: any Error) -> Bool {
        switch error {
        case let e as PSQLError:
            switch e.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // Class 08: connection exception; class 57: operator intervention (the server is shutting
                // down, or cannot accept connections yet).
                let state = e.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("57")
            default:
                return false
            }
        case is StoreUnavailable, is ConnectionPoolTimeoutError, is NIOConnectionError, is ChannelError:
            return true
        case let e as ConnectionPoolError:
            return e == .shutdown
        case let e as IOError:
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENOTCONN].contains(e.errnoCode)
        default:
            return false
        }
    }
}
