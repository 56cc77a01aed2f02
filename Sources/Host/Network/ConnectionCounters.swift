import Synchronization

/// What the connection layer refused or cut, counted since the server started: the numbers
/// behind its throttled log lines (docs/operations.md), for `/metrics` and tests.
public final class ConnectionCounters: Sendable {
    /// A kind of refusal; the raw value is its metric name.
    public enum Event: String, CaseIterable, Sendable {
        /// Requests the HTTP parser rejected (answered 400 and closed).
        case requestsRejected = "requests_rejected"
        /// Upgrade requests answered with a JSON error instead (a WebSocket handshake off the
        /// stream, or malformed).
        case upgradesRefused = "upgrades_refused"
        /// Connections refused because their address was at the per-IP cap.
        case connectionsRefused = "connections_refused"
        /// Connections closed after `idle_timeout` without a request.
        case idleTimeouts = "idle_timeouts"
        /// Requests whose head did not arrive within `header_timeout`.
        case headerTimeouts = "header_timeouts"
        /// Requests whose body fell below `min_body_rate`.
        case bodyTimeouts = "body_timeouts"
        /// WebSocket connections closed with 1002 for an unmasked client frame.
        case unmaskedFrames = "websocket_unmasked_frames"
    }

    private let counts = Mutex<[Event: Int]>([:])

    /// Counters at zero.
    public init() {}

    /// Counts one `event`.
    func record(_ event: Event) {
        counts.withLock { $0[event, default: 0] += 1 }
    }

    /// How many `event`s happened.
    public func count(_ event: Event) -> Int {
        counts.withLock { $0[event, default: 0] }
    }

    /// Every counter, zeros included.
    public var snapshot: [Event: Int] {
        counts.withLock { counts in Dictionary(uniqueKeysWithValues: Event.allCases.map { ($0, counts[$0, default: 0]) }) }
    }
}
