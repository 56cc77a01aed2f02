import Foundation
import PostgresNIO
import Synchronization

/// Thrown instead of querying while the database is known to be away (the LISTEN connection
/// is lost and not back yet): the request answers 503 at once instead of waiting for a pool
/// that cannot connect.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    /// Why the database is considered away.
    public var description: String { "the database is unavailable (reconnecting)" }
}

/// Whether an error means the database cannot be reached (answered 503, not 500).
public enum DatabaseOutage {
    /// SQLSTATEs of a connection that is going or cannot be had: class 08 (connection
    /// exception), 57P01–57P03 (administrator shutdown, crash shutdown, cannot connect now).
    static let outageStates: Set<String> = ["57P01", "57P02", "57P03"]

    /// Whether `error` is a lost or refused database connection.
    public static func covers(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || outageStates.contains(state)
        default:
            return false
        }
    }
}

/// Whether this instance currently reaches its database, as its LISTEN connection tells.
final class DatabaseHealth: Sendable {
    private let reachable = Mutex(true)

    /// Whether queries should be tried.
    var isReachable: Bool { reachable.withLock { $0 } }

    /// Records the connection state; returns whether it changed.
    @discardableResult
    func set(reachable value: Bool) -> Bool {
        reachable.withLock { current in
            defer { current = value }
            return current != value
        }
    }

    /// Throws ``DatabaseUnavailable`` while the database is away.
    func check() throws {
        guard isReachable else { throw DatabaseUnavailable() }
    }
}
