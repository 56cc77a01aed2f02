import NIOCore
import ServiceLifecycle
import Synchronization

/// The open stream connections of this instance: one timer pings them all (instead of a task per
/// connection), and a graceful shutdown closes them with 1001 before the database closes.
final class StreamRegistry: Service, Sendable {
    /// How often each connection is pinged; one without a pong since the last ping is closed.
    let pingPeriod: Duration
    private let open = Mutex<[ObjectIdentifier: StreamConnection]>([:])

    /// A registry pinging every `pingPeriod`.
    init(pingPeriod: Duration = .seconds(20)) {
        self.pingPeriod = pingPeriod
    }

    /// Open stream connections.
    var count: Int { open.withLock { $0.count } }

    /// Tracks `connection` until its channel closes.
    func add(_ connection: StreamConnection) {
        let id = ObjectIdentifier(connection)
        open.withLock { $0[id] = connection }
        connection.channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.open.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Pings every `pingPeriod` until a graceful shutdown, then closes every stream (going away)
    /// and gives their clients up to five seconds to answer before closing the rest.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.pingPeriod)
                for connection in self.open.withLock({ Array($0.values) }) { connection.heartbeat() }
            }
        }
        let closing = open.withLock { Array($0.values) }
        for connection in closing { connection.startClose(code: .goingAway, reason: "shutting_down") }
        let deadline = ContinuousClock.now + .seconds(5)
        while count > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        for connection in open.withLock({ Array($0.values) }) { connection.channel.close(promise: nil) }
    }
}
