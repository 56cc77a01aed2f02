import SanctumServices
import Synchronization

/// Forwards a stream's live events to its client without a task waiting while idle: the bus
/// hands each event to ``offer(_:)`` (a queue append), and a drain task runs only while events
/// are queued. An idle stream then costs no suspended task of its own (docs/performance.md).
///
/// Events published during the replay are held until ``start(after:)``, which skips the ones
/// the replay already sent. Past `limit` queued events the client is too slow: ``offer(_:)``
/// refuses (the bus cuts the subscription off) and `tooSlow` closes the connection.
final class StreamForwarder: Sendable {
    private struct State {
        var queue: [ChatEvent] = []
        var after: Int64 = 0
        var started = false
        var draining = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let limit: Int
    private let write: @Sendable (ChatEvent) async throws -> Void
    private let tooSlow: @Sendable () async -> Void

    /// A forwarder that sends each event with `write` and closes with `tooSlow` on overflow.
    init(limit: Int = EventBus.bufferLimit, write: @escaping @Sendable (ChatEvent) async throws -> Void,
         tooSlow: @escaping @Sendable () async -> Void) {
        self.limit = limit
        self.write = write
        self.tooSlow = tooSlow
    }

    /// Queues `event` (the bus calls this under its lock); `false` once the client is too slow.
    func offer(_ event: ChatEvent) -> Bool {
        enum Next { case queued, drain, overflow, refused }
        let next: Next = state.withLock { s in
            if s.stopped { return .refused }
            guard s.queue.count < limit else {
                s.stopped = true
                s.queue.removeAll()
                return .overflow
            }
            s.queue.append(event)
            guard s.started, !s.draining else { return .queued }
            s.draining = true
            return .drain
        }
        switch next {
        case .queued: return true
        case .drain: Task { await drain() }; return true
        case .overflow: Task { await tooSlow() }; return false
        case .refused: return false
        }
    }

    /// Starts sending, skipping events up to `after` (the replay sent them).
    func start(after: Int64) {
        let drainNow = state.withLock { s in
            s.after = after
            s.started = true
            guard !s.queue.isEmpty, !s.draining, !s.stopped else { return false }
            s.draining = true
            return true
        }
        if drainNow { Task { await drain() } }
    }

    /// Stops forwarding (the connection ended); queued events are dropped.
    func stop() {
        state.withLock { s in
            s.stopped = true
            s.queue.removeAll()
        }
    }

    private func drain() async {
        while true {
            let (batch, after) = state.withLock { s -> ([ChatEvent], Int64) in
                guard !s.stopped, !s.queue.isEmpty else {
                    s.draining = false
                    return ([], 0)
                }
                defer { s.queue.removeAll(keepingCapacity: false) }
                return (s.queue, s.after)
            }
            if batch.isEmpty { return }
            for event in batch where event.id > after {
                do { try await write(event) } catch {
                    stop()
                    return
                }
            }
        }
    }
}
