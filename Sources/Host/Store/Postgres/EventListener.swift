import Foundation
import Logging
import PostgresNIO

/// The instance's `LISTEN sanctum_events` connection: every sequencer run that moves events into
/// the log sends `NOTIFY sanctum_events, '<its newest event id>'` in its transaction (delivered
/// at commit), and each notification makes the ``EventRelay`` read the log after its cursor — so
/// streams and long-polls on every instance wake for every instance's commits.
///
/// One pooled connection is held for as long as it lives. When it is lost the database is
/// marked away (``DatabaseHealth``: requests answer 503 at once), and the listener reconnects
/// with backoff, listens again, marks the database back, runs the ``EventSequencer`` (for the
/// writes whose runs failed meanwhile) and catches up from the relay's cursor, so the events
/// committed while it was not listening are published too. A heartbeat query
/// notices a connection that died without closing.
final class EventListener: Sendable {
    /// The notification channel.
    static let channel = "sanctum_events"
    /// Between heartbeat queries on the listening connection.
    static let heartbeat: Duration = .seconds(10)
    /// Longest wait for a heartbeat's answer before the connection is given up.
    static let heartbeatTimeout: Duration = .seconds(5)
    /// Backoff between reconnection attempts: doubles from the first to the last value.
    static let backoff: (first: Duration, last: Duration) = (.milliseconds(100), .seconds(2))

    private let running: Task<Void, Never>

    /// Starts listening on `client` for `relay`, reporting the connection state to `health` and
    /// kicking `sequencer` after each reconnection.
    init(client: PostgresClient, relay: EventRelay, sequencer: EventSequencer, health: DatabaseHealth, logger: Logger) {
        running = Task {
            await Self.run(client: client, relay: relay, sequencer: sequencer, health: health, logger: logger)
        }
    }

    /// Stops listening.
    func stop() {
        running.cancel()
    }

    private static func run(client: PostgresClient, relay: EventRelay, sequencer: EventSequencer, health: DatabaseHealth,
                            logger: Logger) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        failures = 0
                        if health.set(reachable: true) { logger.notice("database reachable again: listening for events, catching up") }
                        sequencer.kick()
                        relay.catchUp()
                        try await follow(notifications, on: connection, relay: relay)
                    }
                }
            } catch {
                if Task.isCancelled { return }
                if health.set(reachable: false) { logger.error("lost the database connection (reconnecting): \(String(reflecting: error))") }
            }
            failures += 1
            let delay = min(backoff.first * (1 << min(failures - 1, 5)), backoff.last)
            try? await Task.sleep(for: delay)
        }
    }

    /// Wakes the relay for each notification and checks the connection with a heartbeat;
    /// throws when either ends.
    private static func follow(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection,
                               relay: EventRelay) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await notification in notifications {
                    relay.committed(upTo: Int64(notification.payload))
                }
                throw DatabaseUnavailable()  // the notifications ended: the connection closed
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: heartbeat)
                    try await withTimeout(heartbeatTimeout) { try await connection.rows("SELECT 1") }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Runs `body`, throwing ``DatabaseUnavailable`` if it has not finished within `limit`.
    private static func withTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await body(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw DatabaseUnavailable() }
        }
    }
}
