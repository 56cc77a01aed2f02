import Synchronization

/// Whether the connection guard closed a connection itself (a timeout, the per-IP cap, an
/// unreadable request). Such a close was already counted and logged by the guard, so
/// `ConnectionLogHandler` drops the error Hummingbird logs for it.
final class ConnectionOutcome: Sendable {
    private let closed = Atomic<Bool>(false)

    /// Whether the guard closed the connection.
    var closedByServer: Bool { closed.load(ordering: .relaxed) }

    /// Records that the guard is closing the connection.
    func markClosedByServer() { closed.store(true, ordering: .relaxed) }
}
